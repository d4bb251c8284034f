// Shape-level kernels: Const (zero-copy view of the graph blob), Placeholder (only runs when
// not fed, so it always fails), Identity / PlaceholderWithDefault / StopGradient / IdentityN,
// NoOp and Reshape (aliases), Snapshot (a copy), and Fill.
#include <algorithm>
#include <cstring>
#include "array_util.h"
#include "kernel.h"

namespace tl {

Status kernel_const(KernelContext& ctx) {
  const Tensor& v = ctx.attr(0).tensor;
  if (v.dtype != ctx.node.out_dtypes[0]) return ctx.invalid("Const value dtype does not match its output dtype");
  ctx.alias_output(0, v, v.shape);
  return Status::OK();
}

Status kernel_placeholder(KernelContext& ctx) {
  const Attr& shape = ctx.attr(1);
  std::string msg = "You must feed a value for placeholder tensor '" + ctx.node.name + "' with dtype " +
                    dtype_tf_name(ctx.attr(0).type);
  if (shape.shape_rank > 0) msg += " and shape " + shape_str(shape.shape);
  return ctx.invalid(msg);
}

// Output i is input i (IdentityN has any number of them).
Status kernel_identity(KernelContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); i++) ctx.alias_output(i, ctx.input(i), ctx.input(i).shape);
  return Status::OK();
}

// Snapshot: a copy that stays valid whatever later happens to the input's buffer.
Status kernel_snapshot(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  CopyPlan plan;
  plan.add(in.num_elements(), 1, 1);
  strided_copy(ctx.run, out->raw(), in.raw(), dtype_size(in.dtype), plan);
  return Status::OK();
}

Status kernel_noop(KernelContext&) { return Status::OK(); }

template <class I>
static void read_dims(const Tensor& t, Shape* out) {
  const I* p = t.data<I>();
  for (int64_t i = 0; i < t.num_elements(); i++) out->push_back(static_cast<int64_t>(p[i]));
}

// Reads a 1-D int32/int64 shape tensor (Reshape's sizes, Fill's dims).
static Status read_shape(const KernelContext& ctx, const Tensor& sizes, const char* what, Shape* shape) {
  if (sizes.shape.size() != 1) return ctx.invalid(std::string(what) + " must be 1-D, not " + shape_str(sizes.shape));
  if (sizes.num_elements() > kMaxRank) return ctx.invalid(std::string(what) + " has rank " + std::to_string(sizes.num_elements()) + ", above the maximum rank");
  if (sizes.dtype == DType::i32) read_dims<int32_t>(sizes, shape);
  else if (sizes.dtype == DType::i64) read_dims<int64_t>(sizes, shape);
  else return ctx.invalid(std::string(what) + " must be int32 or int64, not " + dtype_tf_name(sizes.dtype));
  return Status::OK();
}

Status kernel_fill(KernelContext& ctx) {
  Shape shape;
  TL_RETURN_IF_ERROR(read_shape(ctx, ctx.input(0), "dims", &shape));
  const Tensor& value = ctx.input(1);
  if (!value.shape.empty()) return ctx.invalid("value must be a scalar, got shape " + shape_str(value.shape));
  for (int64_t d : shape)
    if (d < 0) return ctx.invalid("Fill dimensions must be >= 0, got " + shape_str(shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  // Copy the value's bits by element size (dtype-agnostic, vectorisable fill).
  auto fill_as = [&](auto bits) {
    std::memcpy(&bits, value.raw(), sizeof bits);
    auto* dst = static_cast<decltype(bits)*>(out->raw());
    ctx.run.parallel_for(out->num_elements(), 1 << 16, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, bits); });
  };
  switch (dtype_size(value.dtype)) {
    case 1: fill_as(uint8_t{}); break;
    case 4: fill_as(uint32_t{}); break;
    default: fill_as(uint64_t{}); break;
  }
  return Status::OK();
}

// TF's ReshapeOp::ValidateSizes: zero sizes stay out of the product, so a -1 next to a 0 is still
// inferred from the other dims ([0, 3] -> [0, -1] gives [0, 3]).
Status reshape_shape(const KernelContext& ctx, const Shape& in_shape, const Tensor& sizes, Shape* out) {
  out->clear();
  Shape& shape = *out;
  TL_RETURN_IF_ERROR(read_shape(ctx, sizes, "sizes input", &shape));
  int unknown = -1;
  int64_t product = 1;
  bool sizes_zero = false;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == -1) {
      if (unknown >= 0) return ctx.invalid("Only one input size may be -1, not both " + std::to_string(unknown) + " and " + std::to_string(d));
      unknown = static_cast<int>(d);
    } else if (shape[d] < 0) {
      return ctx.invalid("Size " + std::to_string(d) + " must be non-negative, not " + std::to_string(shape[d]));
    } else if (shape[d] == 0) {
      sizes_zero = true;
    } else if (mul_overflow(product, shape[d], &product)) {
      return ctx.invalid("Reshape to " + shape_str(shape) + " overflows the number of elements");
    }
  }
  int64_t n;
  if (!shape_num_elements(in_shape, &n)) return ctx.invalid("Input to reshape has too many elements: " + shape_str(in_shape));
  if (unknown >= 0) {
    // The input's element count, leaving out its zero dims when the requested shape has one.
    int64_t in_n = 1;
    bool in_zero = false, overflow = false;
    for (int64_t d : in_shape) {
      if (d > 0 || !sizes_zero) overflow |= mul_overflow(in_n, d, &in_n);
      else in_zero = true;
    }
    const int64_t missing = in_n / product;
    if (overflow || (!in_zero && product * missing != in_n))
      return ctx.invalid("Input to reshape is a tensor with " + std::to_string(in_n) +
                         " values, but the requested shape requires a multiple of " + std::to_string(product));
    shape[unknown] = missing;
  }
  int64_t total;
  if (!shape_num_elements(shape, &total) || total != n)
    return ctx.invalid("Input to reshape is a tensor with " + std::to_string(n) + " values, but the requested shape has " +
                       (shape_num_elements(shape, &total) ? std::to_string(total) : std::string("too many")));
  return Status::OK();
}

Status kernel_reshape(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Shape shape;
  TL_RETURN_IF_ERROR(reshape_shape(ctx, in.shape, ctx.input(1), &shape));
  ctx.alias_output(0, in, shape);
  return Status::OK();
}

}  // namespace tl
