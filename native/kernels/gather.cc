// Index-driven movement: GatherV2 (slices along an axis, with batch dims), GatherNd (slices at
// N-d index tuples) and ScatterNd (slices added into zeros; duplicate indices add). Every index
// is checked before any byte moves; the first bad one is reported with TF's message
// (gather_op.cc, gather_nd_op.cc, scatter_nd_op.cc).
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "array_util.h"
#include "elementwise.h"

namespace tl {

namespace {

constexpr int64_t kChunkBytes = 1 << 15;

// Copies `rows` slices of `n` elements: dst row r <- src + src_off(r) * n elements.
template <class SrcOffset>
void gather_rows(KernelContext& ctx, char* dst, const char* src, size_t elem, int64_t rows, int64_t n, SrcOffset src_off) {
  const int64_t bytes = n * static_cast<int64_t>(elem);
  const int64_t grain = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(bytes, 1));
  auto run = [&](auto unit) {  // one element per row: typed loads, no memcpy call per element
    using U = decltype(unit);
    ctx.run.parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; r++) reinterpret_cast<U*>(dst)[r] = reinterpret_cast<const U*>(src)[src_off(r)];
    });
  };
  if (n == 1 && elem == 4) return run(uint32_t{});
  if (n == 1 && elem == 8) return run(uint64_t{});
  if (n == 1 && elem == 1) return run(uint8_t{});
  ctx.run.parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) std::memcpy(dst + r * bytes, src + src_off(r) * bytes, static_cast<size_t>(bytes));
  });
}

std::string index_limit_error(const char* what, int64_t v, DType index) {
  const int64_t max = index == DType::i32 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max();
  return std::string(what) + std::to_string(v) + " > " + std::to_string(max);
}

Status gather_v2(KernelContext& ctx) {
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& axis_t = ctx.input(2);
  const int64_t pdims = static_cast<int64_t>(params.shape.size()), idims = static_cast<int64_t>(indices.shape.size());
  int64_t batch_dims = ctx.attr(0).i;
  if (pdims == 0) return ctx.invalid("params must be at least 1 dimensional");
  if (!axis_t.shape.empty()) return ctx.invalid("axis must be scalar");
  int64_t axis = int_at(axis_t, 0);
  if (axis < -pdims || axis >= pdims) {
    const int64_t min = axis < 0 ? (axis == INT64_MIN ? INT64_MAX : -axis) : (axis == INT64_MAX ? INT64_MAX : axis + 1);
    return ctx.invalid("Shape must be at least rank " + std::to_string(min) + " but is rank " + std::to_string(pdims));
  }
  if (axis < 0) axis += pdims;
  if (batch_dims != 0) {
    if (batch_dims < -idims || batch_dims > idims)
      return ctx.invalid("Expected batch_dims in the range [" + std::to_string(-idims) + ", " + std::to_string(idims) + "], but got " + std::to_string(batch_dims));
    if (batch_dims < 0) batch_dims += idims;
    if (batch_dims >= pdims)
      return ctx.invalid("batch_dims (" + std::to_string(batch_dims) + ") must be less than rank(params) (" + std::to_string(pdims) + ").");
    if (axis < batch_dims)
      return ctx.invalid("batch_dims (" + std::to_string(batch_dims) + ") must be less than or equal to axis (" + std::to_string(axis) + ").");
    for (int64_t i = 0; i < batch_dims; i++)
      if (params.shape[i] != indices.shape[i])
        return ctx.invalid("params.shape[" + std::to_string(i) + "]: " + std::to_string(params.shape[i]) + " should be equal to indices.shape[" +
                           std::to_string(i) + "]: " + std::to_string(indices.shape[i]));
  }
  const int64_t limit = params.shape[axis];
  if (indices.dtype == DType::i32 && limit > std::numeric_limits<int32_t>::max())
    return ctx.invalid(index_limit_error(("params.shape[" + std::to_string(axis) + "] too large for int32 indexing: ").c_str(), limit, DType::i32));
  // Output: params[:axis] + indices[batch_dims:] + params[axis+1:], walked as [batch, outer, n, inner].
  Shape shape;
  int64_t batch = 1, outer = 1, inner = 1;
  for (int64_t i = 0; i < batch_dims; i++) { shape.push_back(params.shape[i]); batch *= params.shape[i]; }
  for (int64_t i = batch_dims; i < axis; i++) { shape.push_back(params.shape[i]); outer *= params.shape[i]; }
  for (int64_t i = batch_dims; i < idims; i++) shape.push_back(indices.shape[i]);
  for (int64_t i = axis + 1; i < pdims; i++) { shape.push_back(params.shape[i]); inner *= params.shape[i]; }
  TL_RETURN_IF_ERROR(check_rank(ctx, shape.size()));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  if (out->num_elements() == 0) return Status::OK();  // TF checks no index then
  const int64_t total = indices.num_elements(), n = total / batch;
  for (int64_t j = 0; j < total; j++) {
    const int64_t v = int_at(indices, j);
    if (v < 0 || v >= limit)
      return ctx.invalid("indices" + index_str(indices.shape, j) + " = " + std::to_string(v) + " is not in [0, " + std::to_string(limit) + ")");
  }
  gather_rows(ctx, static_cast<char*>(out->raw()), static_cast<const char*>(params.raw()), dtype_size(params.dtype), batch * outer * n, inner,
              [&](int64_t r) {
                const int64_t i = r % n, bo = r / n, b = bo / outer;
                return bo * limit + int_at(indices, b * n + i);
              });
  return Status::OK();
}

Status gather_nd(KernelContext& ctx) {
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (params.shape.empty()) return ctx.invalid("params must be at least a vector");
  if (indices.shape.empty()) return ctx.invalid("indices must be at least a vector");
  const int64_t nd = indices.shape.back(), pdims = static_cast<int64_t>(params.shape.size());
  if (nd > pdims)
    return ctx.invalid("index innermost dimension length must be <= params rank; saw: " + std::to_string(nd) + " vs. " + std::to_string(pdims));
  Shape prefix(indices.shape.begin(), indices.shape.end() - 1);
  int64_t rows = 1;
  for (int64_t d : prefix) rows *= d;
  if (rows > std::numeric_limits<int32_t>::max()) return ctx.invalid(index_limit_error("indices has too many elements for int indexing: ", rows, DType::i32));
  if (params.num_elements() > (indices.dtype == DType::i32 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max()))
    return ctx.invalid(index_limit_error("params.NumElements() too large for int32 indexing: ", params.num_elements(), indices.dtype));
  Shape shape = prefix;
  int64_t slice = 1;
  for (int64_t i = nd; i < pdims; i++) { shape.push_back(params.shape[i]); slice *= params.shape[i]; }
  TL_RETURN_IF_ERROR(check_rank(ctx, shape.size()));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  if (rows == 0) return Status::OK();
  if (params.num_elements() == 0)
    return ctx.invalid("Requested more than 0 entries, but params is empty.  Params shape: " + shape_str(params.shape));
  const Shape pst = row_strides(params.shape);
  std::vector<int64_t> offsets(static_cast<size_t>(rows));  // each row's slice, in slices
  for (int64_t r = 0; r < rows; r++) {
    int64_t off = 0;
    for (int64_t k = 0; k < nd; k++) {
      const int64_t v = int_at(indices, r * nd + k);
      if (v < 0 || v >= params.shape[k]) {
        std::vector<int64_t> tuple(nd);
        for (int64_t q = 0; q < nd; q++) tuple[q] = int_at(indices, r * nd + q);
        std::string t;
        for (int64_t q = 0; q < nd; q++) t += (q ? ", " : "") + std::to_string(tuple[q]);
        return ctx.invalid("indices" + index_str(prefix, r) + " = [" + t + "] does not index into param shape " + shape_str(params.shape));
      }
      off += v * pst[k];
    }
    offsets[r] = slice ? off / slice : 0;
  }
  gather_rows(ctx, static_cast<char*>(out->raw()), static_cast<const char*>(params.raw()), dtype_size(params.dtype), rows, slice,
              [&](int64_t r) { return offsets[r]; });
  return Status::OK();
}

// out += upd over `n` elements; integers wrap, bool (kOr) adds as logical or.
template <class T, bool kOr = false>
void add_slice(T* out, const T* upd, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if constexpr (kOr) out[i] = (out[i] || upd[i]) ? 1 : 0;
    else out[i] = wadd(out[i], upd[i]);
  }
}

// TF's ValidEmptyOutputShape: all three non-empty, unless there is nothing to scatter.
bool valid_empty(int64_t inputs, int64_t indices, int64_t updates) {
  return (indices == 0 && updates == 0) || (inputs != 0 && indices != 0 && updates != 0);
}

Status scatter_nd(KernelContext& ctx) {
  const Tensor& indices = ctx.input(0);
  const Tensor& updates = ctx.input(1);
  const Tensor& shape_t = ctx.input(2);
  if (indices.shape.empty()) return ctx.invalid("Indices shape must have rank at least one. Found:" + shape_str(indices.shape));
  if (updates.shape.empty()) return ctx.invalid("Updates shape must have rank at least one. Found:" + shape_str(updates.shape));
  Shape shape;
  TL_RETURN_IF_ERROR(shape_from_tensor(ctx, shape_t, &shape));
  if (!valid_empty(shape_t.num_elements(), indices.num_elements(), updates.num_elements()))
    return ctx.invalid("Indices and updates specified for empty output shape");
  const int64_t idims = static_cast<int64_t>(indices.shape.size()), udims = static_cast<int64_t>(updates.shape.size());
  const int64_t sdims = static_cast<int64_t>(shape.size());
  // First-level check (the kernel): indices[:-1] == updates[:outer], updates[outer:] == shape[ix:].
  const int64_t outer = idims - 1, ix = indices.shape[outer];
  for (int64_t i = 0; i < outer; i++)
    if (i >= udims || indices.shape[i] != updates.shape[i])
      return ctx.invalid("Dimensions [0," + std::to_string(outer) + ") of indices[shape=" + shape_str(indices.shape) + "] must match dimensions [0," +
                         std::to_string(outer) + ") of updates[shape=" + shape_str(updates.shape) + "]");
  const std::string suffix_error = "Dimensions [" + std::to_string(ix) + "," + std::to_string(sdims) + ") of input[shape=" + shape_str(shape) +
                                   "] must match dimensions [" + std::to_string(outer) + "," + std::to_string(udims) + ") of updates[shape=" +
                                   shape_str(updates.shape) + "]";
  if (udims - outer != sdims - ix) return ctx.invalid(suffix_error);
  for (int64_t i = 0; i + outer < udims; i++)
    if (updates.shape[i + outer] != shape[ix + i]) return ctx.invalid(suffix_error);
  if (shape_t.shape.size() != 1) return ctx.invalid("Shape must be a vector");
  // Second-level check (PrepareAndValidateInputs): a 1-D indices is [n, 1] there.
  if (shape.empty()) return ctx.invalid("Output must be at least 1-D, got shape: " + shape_str(shape));
  int64_t out_n;
  shape_num_elements(shape, &out_n);
  if (!valid_empty(out_n, indices.num_elements(), updates.num_elements()))
    return ctx.invalid("Indices and updates specified for empty output.  indices shape: " + shape_str(indices.shape));
  if (updates.shape[0] != indices.shape[0])
    return ctx.invalid("Dimensions [0,1) of indices[shape=" + shape_str(indices.shape) + "] = " + std::to_string(indices.shape[0]) +
                       " must match dimensions [0,1) of updates[shape=" + shape_str(updates.shape) + "] = " + std::to_string(updates.shape[0]));
  const int64_t slice_dim = idims > 1 ? ix : 1, batch_dim = idims > 1 ? idims - 1 : 1;
  const std::string prefix2 = "Dimensions [0," + std::to_string(batch_dim) + ") of indices[shape=" + shape_str(indices.shape) +
                              "] must match dimensions [0," + std::to_string(batch_dim) + ") of updates[shape=" + shape_str(updates.shape) + "]";
  const std::string suffix2 = "Dimensions [" + std::to_string(slice_dim) + "," + std::to_string(sdims) + ") of input[shape=" + shape_str(shape) +
                              "] must match dimensions [" + std::to_string(batch_dim) + "," + std::to_string(udims) + ") of updates[shape=" +
                              shape_str(updates.shape) + "]";
  if (udims < batch_dim) return ctx.invalid(prefix2);
  if (sdims < slice_dim + (udims - batch_dim) || udims != batch_dim + sdims - slice_dim) return ctx.invalid(suffix2);
  for (int64_t d = 0; d < batch_dim; d++)
    if (updates.shape[d] != indices.shape[d]) return ctx.invalid(prefix2);
  for (int64_t d = 0; d < udims - batch_dim; d++)
    if (updates.shape[d + batch_dim] != shape[d + slice_dim]) return ctx.invalid(suffix2);

  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const size_t elem = dtype_size(out->dtype);
  std::memset(out->raw(), 0, static_cast<size_t>(out_n) * elem);
  if (out_n == 0) return Status::OK();
  int64_t slice = 1;
  for (int64_t i = slice_dim; i < sdims; i++) slice *= shape[i];
  const int64_t num = indices.num_elements() / std::max<int64_t>(slice_dim, 1);
  const Shape st = row_strides(shape);
  std::vector<int64_t> offsets(static_cast<size_t>(num));
  for (int64_t u = 0; u < num; u++) {
    int64_t off = 0;
    for (int64_t k = 0; k < slice_dim; k++) {
      const int64_t v = int_at(indices, u * slice_dim + k);
      if (v < 0 || v >= shape[k]) {
        std::string t;
        for (int64_t q = 0; q < slice_dim; q++) t += (q ? ", " : "") + std::to_string(int_at(indices, u * slice_dim + q));
        const Shape prefix(indices.shape.begin(), indices.shape.end() - 1);
        return ctx.invalid("indices" + index_str(prefix, u) + " = [" + t + "] does not index into shape " + shape_str(shape));
      }
      off += v * st[k];
    }
    offsets[u] = off;
  }
  // Serial, in index order (TF's CPU order, so float sums round the same).
  auto scatter = [&](auto* o, const auto* up, auto is_bool) {
    using T = std::remove_pointer_t<decltype(o)>;
    for (int64_t u = 0; u < num; u++) add_slice<T, decltype(is_bool)::value>(o + offsets[u], up + u * slice, slice);
  };
  const std::false_type num_add;
  switch (out->dtype) {
    case DType::f32: scatter(out->data<float>(), updates.data<float>(), num_add); break;
    case DType::f64: scatter(out->data<double>(), updates.data<double>(), num_add); break;
    case DType::i32: scatter(out->data<int32_t>(), updates.data<int32_t>(), num_add); break;
    case DType::i64: scatter(out->data<int64_t>(), updates.data<int64_t>(), num_add); break;
    case DType::u8: scatter(out->data<uint8_t>(), updates.data<uint8_t>(), num_add); break;
    case DType::boolean: scatter(out->data<uint8_t>(), updates.data<uint8_t>(), std::true_type{}); break;
  }
  return Status::OK();
}

}  // namespace

Status kernel_gather(KernelContext& ctx) {
  switch (ctx.node.op) {
    case OpId::GatherV2: return gather_v2(ctx);
    case OpId::GatherNd: return gather_nd(ctx);
    default: return scatter_nd(ctx);
  }
}

}  // namespace tl
