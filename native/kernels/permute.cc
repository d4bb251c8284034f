// Index permutations of a whole tensor, each one strided_copy() plan: Transpose (permuted
// source strides), ReverseV2 (negative strides), Tile (each dim split into multiple x size with
// a zero source stride on the multiple) and BroadcastTo (zero strides on broadcast dims).
// Checks and messages are TF's (transpose_op.cc, reverse_op.cc, tile_ops.cc, broadcast_to_op.cc).
#include <string>
#include <vector>

#include "array_util.h"

namespace tl {

namespace {

std::string join_ints(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

// Allocates output 0 with `shape` and copies the plan from `src` into it.
Status copy_into_new(KernelContext& ctx, const Shape& shape, const char* src, const CopyPlan& plan) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  strided_copy(ctx.run, out->raw(), src, dtype_size(out->dtype), plan);
  return Status::OK();
}

}  // namespace

Status kernel_transpose(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& perm_t = ctx.input(1);
  if (perm_t.shape.size() != 1) return ctx.invalid("perm must be rank 1, got shape " + shape_str(perm_t.shape));
  const int dims = static_cast<int>(in.shape.size());
  if (perm_t.shape[0] != dims)
    return ctx.invalid("transpose expects a vector of size " + std::to_string(dims) + ". But input(1) is a vector of size " + std::to_string(perm_t.shape[0]));
  // TF narrows perm to int32 before checking it.
  std::vector<int64_t> perm = int_values(perm_t);
  for (int64_t& p : perm) p = static_cast<int32_t>(p);
  std::vector<bool> seen(dims, false);
  Shape shape(dims);
  bool identity = true;
  for (int i = 0; i < dims; i++) {
    const int64_t d = perm[i];
    if (d < 0 || d >= dims) return ctx.invalid(std::to_string(d) + " is out of range [0 .. " + std::to_string(dims) + ")");
    seen[d] = true;
    shape[i] = in.shape[d];
    identity &= d == i;
  }
  for (int i = 0; i < dims; i++)
    if (!seen[i]) return ctx.invalid(std::to_string(i) + " is missing from {" + join_ints(perm) + "}.");
  if (identity) {
    ctx.alias_output(0, in, shape);
    return Status::OK();
  }
  const Shape in_st = row_strides(in.shape), out_st = row_strides(shape);
  CopyPlan plan;
  for (int i = 0; i < dims; i++) plan.add(shape[i], out_st[i], in_st[perm[i]]);
  return copy_into_new(ctx, shape, static_cast<const char*>(in.raw()), plan);
}

Status kernel_reverse(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& axes = ctx.input(1);
  if (in.shape.empty() || in.num_elements() == 0) {  // TF returns these unchanged, unchecked
    ctx.alias_output(0, in, in.shape);
    return Status::OK();
  }
  const int64_t dims = static_cast<int64_t>(in.shape.size());
  if (axes.shape.size() != 1) return ctx.invalid("'dims' must be 1-dimension, not " + std::to_string(axes.shape.size()));
  std::vector<bool> rev(dims, false);
  for (int64_t i = 0; i < axes.num_elements(); i++) {
    const int64_t a = int_at(axes, i), c = a < 0 ? a + dims : a;
    if (c < 0 || c >= dims)
      return ctx.invalid("'axis'[" + std::to_string(i) + "] = " + std::to_string(a) + " is out of valid range [0, " + std::to_string(dims - 1));
    if (rev[c]) return ctx.invalid("axis " + std::to_string(c) + " specified more than once.");
    rev[c] = true;
  }
  if (dims > 8) return make_error(kUnimplemented, "reverse is not implemented for tensors of rank > 8.");
  const Shape st = row_strides(in.shape);
  const size_t elem = dtype_size(in.dtype);
  const char* src = static_cast<const char*>(in.raw());
  CopyPlan plan;
  for (int64_t k = 0; k < dims; k++) {
    if (rev[k]) src += (in.shape[k] - 1) * st[k] * static_cast<int64_t>(elem);  // start at the last element
    plan.add(in.shape[k], st[k], rev[k] ? -st[k] : st[k]);
  }
  return copy_into_new(ctx, in.shape, src, plan);
}

// Tile and BroadcastTo.
Status kernel_tile(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int dims = static_cast<int>(in.shape.size());
  const Shape in_st = row_strides(in.shape);
  CopyPlan plan;
  Shape shape;
  if (ctx.node.op == OpId::Tile) {
    const Tensor& m = ctx.input(1);
    if (m.shape.size() != 1) return ctx.invalid("Expected multiples to be 1-D, but got shape " + shape_str(m.shape));
    if (m.num_elements() != dims)
      return ctx.invalid("Expected multiples argument to be a vector of length " + std::to_string(dims) + " but got length " + std::to_string(m.shape[0]));
    if (dims == 0) {
      ctx.alias_output(0, in, in.shape);
      return Status::OK();
    }
    const std::vector<int64_t> mult = int_values(m);
    shape.resize(dims);
    for (int i = 0; i < dims; i++) {
      if (mult[i] < 0) return ctx.invalid("Expected multiples[" + std::to_string(i) + "] >= 0, but got " + std::to_string(mult[i]));
      if (mul_overflow(in.shape[i], mult[i], &shape[i]))  // TF reports the wrapped product
        return ctx.invalid("Expected a non-negative size, got " + std::to_string(static_cast<int64_t>(uint64_t(in.shape[i]) * uint64_t(mult[i]))));
    }
    if (shape == in.shape) {
      ctx.alias_output(0, in, shape);
      return Status::OK();
    }
    // Output dim i is [multiple, size]: the multiple index adds nothing to the source offset.
    const Shape out_st = row_strides(shape);
    for (int i = 0; i < dims; i++) {
      plan.add(mult[i], out_st[i] * in.shape[i], 0);
      plan.add(in.shape[i], out_st[i], in_st[i]);
    }
  } else {  // BroadcastTo
    const Tensor& s = ctx.input(1);
    if (s.shape.size() != 1) return ctx.invalid("shape must be a vector of {int32,int64}, got shape " + shape_str(s.shape));
    TL_RETURN_IF_ERROR(shape_from_tensor(ctx, s, &shape));
    if (shape == in.shape) {
      ctx.alias_output(0, in, shape);
      return Status::OK();
    }
    const int out_dims = static_cast<int>(shape.size());
    if (dims > out_dims)
      return ctx.invalid("Rank of input (" + std::to_string(dims) + ") must be no greater than rank of output shape (" + std::to_string(out_dims) + ").");
    // TF's BCast: incompatible dims first, then a result that is not the requested shape.
    for (int i = 0; i < dims; i++) {
      const int64_t a = in.shape[dims - 1 - i], b = shape[out_dims - 1 - i];
      if (a != b && a != 1 && b != 1) return ctx.invalid("Incompatible shapes: " + shape_str(in.shape) + " vs. " + shape_str(shape));
    }
    for (int i = 0; i < dims; i++) {
      const int64_t a = in.shape[dims - 1 - i], b = shape[out_dims - 1 - i];
      if (a != b && a != 1) return ctx.invalid("Unable to broadcast tensor of shape " + shape_str(in.shape) + " to tensor of shape " + shape_str(shape));
    }
    const Shape out_st = row_strides(shape);
    for (int i = 0; i < out_dims; i++) {
      const int k = i - (out_dims - dims);  // matching input dim, if any
      plan.add(shape[i], out_st[i], k < 0 || in.shape[k] == 1 ? 0 : in_st[k]);
    }
  }
  return copy_into_new(ctx, shape, static_cast<const char*>(in.raw()), plan);
}

}  // namespace tl
