// Shape-level kernels: Shape, ShapeN, Size, Rank (metadata as int tensors); Squeeze and ExpandDims
// (aliases with a new shape); ZerosLike / OnesLike; Range; OneHot. Checks and messages are TF's
// (core/kernels/shape_ops.h, constant_op.cc, sequence_ops.cc, one_hot_op.cc).
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <type_traits>

#include "array_util.h"
#include "elementwise.h"

namespace tl {

namespace {

void put_int(Tensor* t, int64_t i, int64_t v) {
  if (t->dtype == DType::i32) t->data<int32_t>()[i] = static_cast<int32_t>(v);
  else t->data<int64_t>()[i] = v;
}

// TF's StrCat of a number: integers exactly, floats with the shortest of %.6g / %.9g (float)
// or %.15g / %.17g (double) that reads back the same.
template <class T>
std::string num_str(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
    constexpr bool f32 = std::is_same_v<T, float>;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", f32 ? FLT_DIG : DBL_DIG, static_cast<double>(v));
    if (static_cast<T>(std::strtod(buf, nullptr)) != v) std::snprintf(buf, sizeof buf, "%.*g", f32 ? FLT_DIG + 3 : DBL_DIG + 2, static_cast<double>(v));
    return buf;
  }
}

Status shape_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int rank = static_cast<int>(in.shape.size());
  const bool out32 = ctx.node.out_dtypes[0] == DType::i32;
  Tensor* out;
  if (ctx.node.op == OpId::Shape || ctx.node.op == OpId::ShapeN) {  // ShapeN: output j is input j's shape
    for (int j = 0; j < ctx.num_inputs(); j++) {
      const Shape& s = ctx.input(j).shape;
      for (size_t i = 0; i < s.size(); i++)
        if (out32 && s[i] > std::numeric_limits<int32_t>::max())
          return ctx.invalid("Shape output type is 32-bit  but dim " + std::to_string(i) + " is " + std::to_string(s[i]));
      TL_RETURN_IF_ERROR(ctx.allocate_output(j, {static_cast<int64_t>(s.size())}, &out));
      for (size_t i = 0; i < s.size(); i++) put_int(out, static_cast<int64_t>(i), s[i]);
    }
  } else if (ctx.node.op == OpId::Size) {
    const int64_t n = in.num_elements();
    if (out32 && n > std::numeric_limits<int32_t>::max())
      return ctx.invalid("Number of elements was larger than representable by 32-bit output type");
    TL_RETURN_IF_ERROR(ctx.allocate_output(0, {}, &out));
    put_int(out, 0, n);
  } else {  // Rank
    TL_RETURN_IF_ERROR(ctx.allocate_output(0, {}, &out));
    put_int(out, 0, rank);
  }
  return Status::OK();
}

// Squeeze and ExpandDims: the input's buffer under a new shape.
Status squeeze_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  Shape shape;
  if (ctx.node.op == OpId::Squeeze) {
    std::set<int64_t> dims;
    for (int64_t d : ctx.attr(1).ints) {
      if (d < -rank || d >= rank)
        return ctx.invalid("Tried to squeeze dim index " + std::to_string(d) + " for tensor with " + std::to_string(rank) + " dimensions.");
      dims.insert(d < 0 ? d + rank : d);
    }
    for (int64_t i = 0; i < rank; i++) {
      if (dims.empty()) {
        if (in.shape[i] != 1) shape.push_back(in.shape[i]);
      } else if (dims.count(i)) {
        if (in.shape[i] != 1)
          return ctx.invalid("Can not squeeze dim[" + std::to_string(i) + "], expected a dimension of 1, got " + std::to_string(in.shape[i]));
      } else {
        shape.push_back(in.shape[i]);
      }
    }
  } else {  // ExpandDims
    const Tensor& dim_t = ctx.input(1);
    if (dim_t.num_elements() != 1) return ctx.invalid("'dim' must be a tensor with a single value");
    int64_t dim = int_at(dim_t, 0);
    if (dim < -1 - rank || dim > rank)
      return ctx.invalid("Tried to expand dim index " + std::to_string(dim) + " for tensor with " + std::to_string(rank) + " dimensions.");
    if (rank >= kMaxRank) return ctx.invalid("ExpandDims would exceed the maximum rank " + std::to_string(kMaxRank));
    if (dim < 0) dim += rank + 1;
    shape = in.shape;
    shape.insert(shape.begin() + dim, 1);
  }
  ctx.alias_output(0, in, shape);
  return Status::OK();
}

// ZerosLike / OnesLike: the input's shape filled with 0 or 1 of its dtype.
Status fill_like_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  const bool one = ctx.node.op == OpId::OnesLike;
  union { float f; double d; int32_t i; int64_t l; uint8_t b; uint64_t bits; } v{};
  v.bits = 0;
  if (one) {
    switch (in.dtype) {
      case DType::f32: v.f = 1.0f; break;
      case DType::f64: v.d = 1.0; break;
      case DType::i32: v.i = 1; break;
      case DType::i64: v.l = 1; break;
      default: v.b = 1; break;
    }
  }
  fill_elements(ctx.run, out->raw(), out->num_elements(), dtype_size(in.dtype), &v);
  return Status::OK();
}

template <class T>
Status range_typed(KernelContext& ctx) {
  static const char* kNames[3] = {"start", "limit", "delta"};
  T v[3];
  for (int i = 0; i < 3; i++) {
    const Tensor& t = ctx.input(i);
    if (!(t.shape.empty() || (t.shape.size() == 1 && t.shape[0] == 1)))
      return ctx.invalid(std::string(kNames[i]) + " must be a scalar, not shape " + shape_str(t.shape));
    v[i] = t.data<T>()[0];
  }
  const T start = v[0], limit = v[1], delta = v[2];
  if (delta == T(0)) return ctx.invalid("Requires delta != 0: " + num_str(delta));
  if (delta > T(0)) {
    if (!(start <= limit)) return ctx.invalid("Requires start <= limit when delta > 0: " + num_str(start) + "/" + num_str(limit));
  } else if (!(start >= limit)) {
    return ctx.invalid("Requires start >= limit when delta < 0: " + num_str(start) + "/" + num_str(limit));
  }
  const std::string too_big = "Requires ((limit - start) / delta) <= " + std::to_string(std::numeric_limits<int64_t>::max());
  int64_t size;
  if constexpr (std::is_integral_v<T>) {
    // ceil(|limit - start| / |delta|) in unsigned 64-bit: exact for every int64 range.
    const uint64_t diff = delta > 0 ? uint64_t(int64_t(limit)) - uint64_t(int64_t(start)) : uint64_t(int64_t(start)) - uint64_t(int64_t(limit));
    const uint64_t step = delta > 0 ? uint64_t(int64_t(delta)) : uint64_t(0) - uint64_t(int64_t(delta));
    const uint64_t n = diff / step + (diff % step != 0);
    if (n > uint64_t(std::numeric_limits<int64_t>::max())) return ctx.invalid(too_big);
    size = static_cast<int64_t>(n);
  } else {
    const T n = std::ceil(std::fabs((limit - start) / delta));
    if (!(n <= static_cast<T>(std::numeric_limits<int64_t>::max()))) return ctx.invalid(too_big);
    size = static_cast<int64_t>(n);
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {size}, &out));
  T* o = out->data<T>();
  // start + i * delta (TF 2.x), wrapping for integers: every value is in [start, limit].
  ctx.run.parallel_for(size, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) o[i] = wadd(start, wmul(static_cast<T>(i), delta));
  });
  return Status::OK();
}

}  // namespace

Status kernel_shape(KernelContext& ctx) { return shape_kernel(ctx); }
Status kernel_squeeze(KernelContext& ctx) { return squeeze_kernel(ctx); }
Status kernel_fill_like(KernelContext& ctx) { return fill_like_kernel(ctx); }

Status kernel_range(KernelContext& ctx) {
  switch (ctx.node.out_dtypes[0]) {
    case DType::f32: return range_typed<float>(ctx);
    case DType::f64: return range_typed<double>(ctx);
    case DType::i32: return range_typed<int32_t>(ctx);
    case DType::i64: return range_typed<int64_t>(ctx);
    default: return ctx.invalid(std::string("Range not supported for dtype ") + dtype_tf_name(ctx.node.out_dtypes[0]));
  }
}

Status kernel_one_hot(KernelContext& ctx) {
  const Tensor& indices = ctx.input(0);
  const Tensor& depth = ctx.input(1);
  const Tensor& on = ctx.input(2);
  const Tensor& off = ctx.input(3);
  const int64_t axis_attr = ctx.attr(0).i;
  const int indices_dims = static_cast<int>(indices.shape.size());
  const int output_dims = indices_dims + 1;
  if (!(axis_attr == -1 || (axis_attr >= 0 && axis_attr < output_dims)))
    return ctx.invalid("Expected axis to be -1 or between [0, " + std::to_string(output_dims) + ").  But received: " + std::to_string(axis_attr));
  if (!depth.shape.empty()) return ctx.invalid("depth must be a scalar, but got: " + shape_str(depth.shape));
  if (!on.shape.empty()) return ctx.invalid("on_value must be a scalar, but got: " + shape_str(on.shape));
  if (!off.shape.empty()) return ctx.invalid("off_value must be a scalar, but got: " + shape_str(off.shape));
  const int axis = axis_attr == -1 ? indices_dims : static_cast<int>(axis_attr);
  const int64_t d = depth.data<int32_t>()[0];
  if (d < 0) return ctx.invalid("depth must be non-negative, got: " + std::to_string(d));
  int64_t total;
  if (mul_overflow(indices.num_elements(), d, &total))
    return ctx.invalid("OneHot result would have shape " + shape_str(indices.shape) + " + [" + std::to_string(d) + "], which exceeds 2**63 - 1 elements");
  if (output_dims > kMaxRank) return ctx.invalid("OneHot output would exceed the maximum rank " + std::to_string(kMaxRank));
  Shape shape = indices.shape;
  shape.insert(shape.begin() + axis, d);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const size_t elem = dtype_size(on.dtype);
  fill_elements(ctx.run, out->raw(), out->num_elements(), elem, off.raw());
  int64_t prefix = 1, suffix = 1;
  for (int i = 0; i < indices_dims; i++) (i < axis ? prefix : suffix) *= indices.shape[i];
  char* o = static_cast<char*>(out->raw());
  for (int64_t p = 0; p < prefix; p++) {
    for (int64_t s = 0; s < suffix; s++) {
      const int64_t idx = int_at(indices, p * suffix + s);
      if (idx >= 0 && idx < d) std::memcpy(o + ((p * d + idx) * suffix + s) * elem, on.raw(), elem);
    }
  }
  return Status::OK();
}

}  // namespace tl
