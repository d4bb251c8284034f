// Slice and StridedSlice: validate the spec as TF does (slice_op.cc, util/strided_slice_op.cc),
// then copy the selected box with strided_copy() (StridedSlice's steps scale the source strides,
// a negative step walks backwards). A slice covering the whole input aliases it.
#include <string>
#include <vector>

#include "array_util.h"

namespace tl {

namespace {

Status slice(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& begin_t = ctx.input(1);
  const Tensor& size_t_ = ctx.input(2);
  const int64_t dims = static_cast<int64_t>(in.shape.size());
  if (!(begin_t.shape.size() == 1 && size_t_.shape.size() == 1 && begin_t.num_elements() == dims && size_t_.num_elements() == dims))
    return ctx.invalid("Expected begin and size arguments to be 1-D tensors of size " + std::to_string(dims) + ", but got shapes " +
                       shape_str(begin_t.shape) + " and " + shape_str(size_t_.shape) + " instead.");
  const std::vector<int64_t> begin = int_values(begin_t);
  std::vector<int64_t> size = int_values(size_t_);
  bool identity = true;
  for (int64_t i = 0; i < dims; i++) {
    const int64_t dim = in.shape[i], b = begin[i];
    if (size[i] == -1) size[i] = static_cast<int64_t>(static_cast<uint64_t>(dim) - static_cast<uint64_t>(b));  // to the end
    const int64_t s = size[i];
    const std::string is = std::to_string(i);
    if (dim == 0) {
      if (b != 0 || s != 0)
        return ctx.invalid("Expected begin[" + is + "] == 0 (got " + std::to_string(b) + ") and size[" + is + "] == 0 (got " + std::to_string(s) +
                           ") when input.dim_size(" + is + ") == 0");
    } else {
      if (b < 0 || b > dim) return ctx.invalid("Expected begin[" + is + "] in [0, " + std::to_string(dim) + "], but got " + std::to_string(b));
      if (s < 0 || s > dim - b)
        return ctx.invalid("Expected size[" + is + "] in [0, " + std::to_string(dim - b) + "], but got " + std::to_string(s));
    }
    identity &= b == 0 && s == dim;
  }
  if (identity) {
    ctx.alias_output(0, in, in.shape);
    return Status::OK();
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, size, &out));
  const Shape in_st = row_strides(in.shape), out_st = row_strides(size);
  const size_t elem = dtype_size(in.dtype);
  int64_t offset = 0;
  CopyPlan plan;
  for (int64_t i = 0; i < dims; i++) {
    plan.add(size[i], out_st[i], in_st[i]);
    if (size[i] > 0) offset += begin[i] * in_st[i];
  }
  strided_copy(ctx.run, out->raw(), static_cast<const char*>(in.raw()) + offset * static_cast<int64_t>(elem), elem, plan);
  return Status::OK();
}

// The dense form of a StridedSlice spec over the input's dims (TF's ValidateStridedSliceOp).
struct DenseSlice {
  std::vector<int64_t> begin, end, strides;
  Shape processing;  // size of each input dim's selection
  Shape final;       // output shape: processing without shrunk dims, plus new axes
  bool identity = true;
};

constexpr int kShrinkAxis = -1, kNewAxis = -2;

Status validate_strided_slice(KernelContext& ctx, const Shape& input, DenseSlice* ds) {
  const Tensor& begin_t = ctx.input(1);
  const Tensor& end_t = ctx.input(2);
  const Tensor& strides_t = ctx.input(3);
  const uint32_t begin_mask_spec = static_cast<uint32_t>(ctx.attr(2).i), end_mask_spec = static_cast<uint32_t>(ctx.attr(3).i);
  uint32_t ellipsis_mask = static_cast<uint32_t>(ctx.attr(4).i);
  const uint32_t new_axis_mask = static_cast<uint32_t>(ctx.attr(5).i), shrink_mask = static_cast<uint32_t>(ctx.attr(6).i);
  const int64_t n = strides_t.num_elements();
  const bool begin_wrong = !(begin_t.shape.size() == 1 && begin_t.num_elements() == n && n < 32);
  const bool end_wrong = !(end_t.shape.size() == 1 && end_t.num_elements() == n);
  if (begin_wrong || end_wrong || strides_t.shape.size() != 1)
    return ctx.invalid("Expected begin, end, and strides to be 1D equal size tensors, but got shapes " + shape_str(begin_t.shape) + ", " +
                       shape_str(end_t.shape) + ", and " + shape_str(strides_t.shape) + " instead.");
  if (ellipsis_mask & (ellipsis_mask - 1)) return ctx.invalid("Multiple ellipses in slice spec not allowed");

  // Sparse spec -> dense spec: expand the ellipsis (one is implied at the end).
  int sparse_dims = static_cast<int>(n), add_after_ellipsis = 0;
  bool ellipsis_seen = false;
  for (int i = 0; i < sparse_dims; i++) {
    if (ellipsis_seen && (new_axis_mask & (1u << i))) add_after_ellipsis++;
    if (ellipsis_mask & (1u << i)) ellipsis_seen = true;
  }
  if (!ellipsis_seen) ellipsis_mask |= 1u << sparse_dims++;
  const int dims = static_cast<int>(input.size());
  const std::vector<int64_t> b = int_values(begin_t), e = int_values(end_t), s = int_values(strides_t);
  ds->begin.assign(dims, 0);
  ds->end.assign(dims, 0);
  ds->strides.assign(dims, 0);
  uint32_t begin_mask = 0, end_mask = 0, shrink = 0;
  std::vector<int> gather;  // per output dim: processing dim, kNewAxis or kShrinkAxis
  int full = 0;
  for (int i = 0; i < sparse_dims; i++) {
    if (ellipsis_mask & (1u << i)) {
      const int next = std::min(dims - (sparse_dims - i) + 1 + add_after_ellipsis, dims);
      for (; full < next; full++) {
        ds->strides[full] = 1;
        begin_mask |= 1u << full;
        end_mask |= 1u << full;
        gather.push_back(full);
      }
    } else if (new_axis_mask & (1u << i)) {
      gather.push_back(kNewAxis);
    } else {
      if (full == dims) {
        if (dims == 0) return ctx.invalid("Attempting to slice scalar input.");
        return ctx.invalid("Index out of range using input dim " + std::to_string(full) + "; input has only " + std::to_string(dims) + " dims");
      }
      ds->begin[full] = b[i];
      ds->end[full] = e[i];
      ds->strides[full] = s[i];
      if (begin_mask_spec & (1u << i)) begin_mask |= 1u << full;
      if (end_mask_spec & (1u << i)) end_mask |= 1u << full;
      if (shrink_mask & (1u << i)) {
        gather.push_back(kShrinkAxis);
        shrink |= 1u << full;
      } else {
        gather.push_back(full);
      }
      full++;
    }
  }

  // Canonical [begin, end) per dim, bounds checks, and the size of each dim's selection.
  for (int i = 0; i < dims; i++) {
    int64_t &begin = ds->begin[i], &end = ds->end[i];
    const int64_t stride = ds->strides[i], dim = input[i];
    if (stride == 0) return ctx.invalid("strides[" + std::to_string(i) + "] must be non-zero");
    const bool shrink_i = shrink & (1u << i);
    if (shrink_i && stride <= 0) return ctx.invalid("only stride 1 allowed on non-range indexing.");
    if (shrink_i) {
      // foo[-1]: begin -1 (end 0 is meaningless), so the range is [begin, begin + 1).
      begin = begin < 0 ? dim + begin : begin;
      if (begin < 0 || begin >= dim)
        return ctx.invalid("slice index " + std::to_string(begin) + " of dimension " + std::to_string(i) + " out of bounds.");
      end = begin + 1;
    } else {
      const int64_t lo = stride > 0 ? 0 : -1, hi = stride > 0 ? dim : dim - 1;
      auto canonical = [&](int64_t x, bool masked, bool is_end) {
        if (masked) return (stride > 0) != is_end ? lo : hi;  // begin: lo going up, hi going down
        const int64_t fwd = x < 0 ? dim + x : x;
        return fwd < lo ? lo : fwd > hi ? hi : fwd;
      };
      begin = canonical(begin, begin_mask & (1u << i), false);
      end = canonical(end, end_mask & (1u << i), true);
    }
    ds->identity &= stride == 1 && begin == 0 && end == dim;
    const int64_t interval = end - begin;
    const int64_t size = (interval == 0 || (interval < 0) != (stride < 0)) ? 0 : interval / stride + (interval % stride != 0);
    ds->processing.push_back(size);
  }
  for (int g : gather) {
    if (g >= 0) ds->final.push_back(ds->processing[g]);
    else if (g == kNewAxis) ds->final.push_back(1);
  }
  return Status::OK();
}

Status strided_slice(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  DenseSlice ds;
  TL_RETURN_IF_ERROR(validate_strided_slice(ctx, in.shape, &ds));
  TL_RETURN_IF_ERROR(check_rank(ctx, ds.final.size()));
  if (ds.identity) {
    ctx.alias_output(0, in, ds.final);
    return Status::OK();
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, ds.final, &out));
  if (out->num_elements() == 0) return Status::OK();
  // Every selected dim is non-empty here, so each begin is a valid index.
  const Shape in_st = row_strides(in.shape), out_st = row_strides(ds.processing);
  const size_t elem = dtype_size(in.dtype);
  int64_t offset = 0;
  CopyPlan plan;
  for (size_t i = 0; i < in.shape.size(); i++) {
    offset += ds.begin[i] * in_st[i];
    plan.add(ds.processing[i], out_st[i], in_st[i] * ds.strides[i]);
  }
  strided_copy(ctx.run, out->raw(), static_cast<const char*>(in.raw()) + offset * static_cast<int64_t>(elem), elem, plan);
  return Status::OK();
}

}  // namespace

Status kernel_slice(KernelContext& ctx) { return ctx.node.op == OpId::Slice ? slice(ctx) : strided_slice(ctx); }

}  // namespace tl
