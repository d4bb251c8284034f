// Joining and splitting along an axis: ConcatV2 and Pack write each input into its block of the
// output; Split, SplitV and Unpack read each output's block of the input. Every block is one
// strided_copy() plan. Checks and messages are TF's (concat_op.cc, pack_op.cc, split_op.cc,
// split_v_op.cc, unpack_op.cc).
#include <string>
#include <vector>

#include "array_util.h"

namespace tl {

namespace {

// Copies the whole of `in` (contiguous) into the block of `out` starting at element `offset`,
// whose dims are in.shape laid out with `out_strides`.
void copy_block_in(KernelContext& ctx, Tensor* out, int64_t offset, const Tensor& in, const Shape& out_strides) {
  const Shape in_st = row_strides(in.shape);
  CopyPlan plan;
  for (size_t k = 0; k < in.shape.size(); k++) plan.add(in.shape[k], out_strides[k], in_st[k]);
  const size_t elem = dtype_size(in.dtype);
  strided_copy(ctx.run, static_cast<char*>(out->raw()) + offset * static_cast<int64_t>(elem), in.raw(), elem, plan);
}

// Allocates output i with `shape` and fills it from the block of `in` starting at element
// `offset`, whose dims are `shape` laid out with `in_strides`.
Status copy_block_out(KernelContext& ctx, int i, const Shape& shape, const Tensor& in, int64_t offset, const Shape& in_strides) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(i, shape, &out));
  const Shape out_st = row_strides(shape);
  CopyPlan plan;
  for (size_t k = 0; k < shape.size(); k++) plan.add(shape[k], out_st[k], in_strides[k]);
  const size_t elem = dtype_size(in.dtype);
  strided_copy(ctx.run, out->raw(), static_cast<const char*>(in.raw()) + offset * static_cast<int64_t>(elem), elem, plan);
  return Status::OK();
}

Status concat_v2(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  const Tensor& axis_t = ctx.input(n);
  if (!(axis_t.shape.empty() || (axis_t.shape.size() == 1 && axis_t.shape[0] == 1)))
    return ctx.invalid("axis tensor should be a scalar integer, but got shape " + shape_str(axis_t.shape));
  const int64_t concat_dim = int_at(axis_t, 0);
  const Shape& s0 = ctx.input(0).shape;
  const int64_t dims = static_cast<int64_t>(s0.size());
  if (dims == 0) return ctx.invalid("ConcatOp : Can't concatenate scalars (use tf.stack instead)");
  const int64_t axis = concat_dim < 0 ? concat_dim + dims : concat_dim;
  if (axis < 0 || axis >= dims)
    return ctx.invalid("ConcatOp : Expected concatenating dimensions in the range [" + std::to_string(-dims) + ", " + std::to_string(dims) +
                       "), but got " + std::to_string(concat_dim));
  Shape shape = s0;
  shape[axis] = 0;
  for (int i = 0; i < n; i++) {
    const Shape& s = ctx.input(i).shape;
    const std::string shapes = "shape[0] = " + shape_str(s0) + " vs. shape[" + std::to_string(i) + "] = " + shape_str(s);
    if (static_cast<int64_t>(s.size()) != dims) return ctx.invalid("ConcatOp : Ranks of all input tensors should match: " + shapes);
    for (int64_t j = 0; j < dims; j++)
      if (j != axis && s[j] != s0[j])
        return ctx.invalid("ConcatOp : Dimension " + std::to_string(j) + " in both shapes must be equal: " + shapes);
    if (add_overflow(shape[axis], s[axis], &shape[axis])) return ctx.invalid("ConcatOp : output dimension overflows");
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const Shape out_st = row_strides(shape);
  int64_t offset = 0;
  for (int i = 0; i < n; i++) {
    copy_block_in(ctx, out, offset * out_st[axis], ctx.input(i), out_st);
    offset += ctx.input(i).shape[axis];
  }
  return Status::OK();
}

Status pack(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  const Tensor& first = ctx.input(0);
  const int64_t axis_attr = ctx.attr(2).i;
  const int64_t expanded = static_cast<int64_t>(first.shape.size()) + 1;
  const int64_t axis = axis_attr < 0 ? axis_attr + expanded : axis_attr;
  if (axis < 0 || axis >= expanded)
    return ctx.invalid("axis = " + std::to_string(axis_attr) + " not in [" + std::to_string(-expanded) + ", " + std::to_string(expanded) + ")");
  TL_RETURN_IF_ERROR(check_rank(ctx, expanded));
  for (int i = 1; i < n; i++)
    if (ctx.input(i).shape != first.shape)
      return ctx.invalid("Shapes of all inputs must match: values[0].shape = " + shape_str(first.shape) + " != values[" + std::to_string(i) +
                         "].shape = " + shape_str(ctx.input(i).shape));
  Shape shape = first.shape;
  shape.insert(shape.begin() + axis, n);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  Shape out_st = row_strides(shape);
  const int64_t step = out_st[axis];
  out_st.erase(out_st.begin() + axis);  // strides of an input's dims inside the output
  for (int i = 0; i < n; i++) copy_block_in(ctx, out, i * step, ctx.input(i), out_st);
  return Status::OK();
}

// Output i is the block [offsets[i], offsets[i] + sizes[i]) of `in` along `axis`.
Status split_blocks(KernelContext& ctx, const Tensor& in, int64_t axis, const std::vector<int64_t>& sizes) {
  Shape in_st = row_strides(in.shape);
  int64_t offset = 0;
  for (size_t i = 0; i < sizes.size(); i++) {
    Shape shape = in.shape;
    shape[axis] = sizes[i];
    TL_RETURN_IF_ERROR(copy_block_out(ctx, static_cast<int>(i), shape, in, offset * in_st[axis], in_st));
    offset += sizes[i];
  }
  return Status::OK();
}

std::string split_dim_range(int64_t dims, int64_t got) {
  return "-input rank(-" + std::to_string(dims) + ") <= split_dim < input rank (" + std::to_string(dims) + "), but got " + std::to_string(got);
}

Status split(KernelContext& ctx) {
  const Tensor& dim_t = ctx.input(0);
  const Tensor& in = ctx.input(1);
  if (!dim_t.shape.empty()) return ctx.invalid("split_dim must be a scalar but has rank " + std::to_string(dim_t.shape.size()));
  const int64_t dims = static_cast<int64_t>(in.shape.size());
  const int64_t orig = dim_t.data<int32_t>()[0], axis = orig < 0 ? orig + dims : orig;
  if (axis < 0 || axis >= dims) return ctx.invalid(split_dim_range(dims, orig));
  const int64_t num = static_cast<int64_t>(ctx.outputs.size());
  if (in.shape[axis] % num != 0)
    return ctx.invalid("Number of ways to split should evenly divide the split dimension, but got split_dim " + std::to_string(axis) +
                       " (size = " + std::to_string(in.shape[axis]) + ") and num_split " + std::to_string(num));
  if (num == 1) {
    ctx.alias_output(0, in, in.shape);
    return Status::OK();
  }
  return split_blocks(ctx, in, axis, std::vector<int64_t>(num, in.shape[axis] / num));
}

Status split_v(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& sizes_t = ctx.input(1);
  const Tensor& dim_t = ctx.input(2);
  const int64_t num = static_cast<int64_t>(ctx.outputs.size());
  if (dim_t.num_elements() != 1) return ctx.invalid("split_dim_tensor must have exactly one element.");
  const int64_t dims = static_cast<int64_t>(in.shape.size());
  const int64_t orig = dim_t.data<int32_t>()[0], axis = orig < 0 ? orig + dims : orig;
  if (!(sizes_t.shape.size() == 1 && sizes_t.num_elements() == num))
    return ctx.invalid("size of the split_tensor must be 1-D and have the same elements as outputs got " + std::to_string(sizes_t.shape.size()) +
                       " -D and " + std::to_string(sizes_t.num_elements()) + " elements");
  std::vector<int64_t> sizes = int_values(sizes_t);
  if (axis < 0 || axis >= dims) return ctx.invalid(split_dim_range(dims, orig));
  const int64_t input_size = in.shape[axis];
  if (num == 1) {
    if (sizes[0] != input_size)
      return ctx.invalid("If there is only one output, it must have the same size as the input. Input size: " + std::to_string(input_size) +
                         " output size: " + std::to_string(sizes[0]));
    ctx.alias_output(0, in, in.shape);
    return Status::OK();
  }
  int64_t neg_one = -1, determined = 0;
  bool overflow = false;
  for (int64_t d = 0; d < num; d++) {
    if (sizes[d] == -1) {
      if (neg_one != -1) return ctx.invalid("There can only be one -1 in the input.");
      neg_one = d;
    } else {
      overflow |= add_overflow(determined, sizes[d], &determined);
    }
  }
  if (overflow || !((neg_one == -1 && determined == input_size) || (neg_one >= 0 && determined <= input_size)))
    return ctx.invalid("Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size "
                       "of the input along split_dim if not fully specified.  Got: " + std::to_string(determined));
  if (neg_one >= 0) sizes[neg_one] = input_size - determined;
  for (int64_t i = 0; i < num; i++)
    if (sizes[i] < 0) return ctx.invalid("Split size at index " + std::to_string(i) + " must be >= 0. Got: " + std::to_string(sizes[i]));
  return split_blocks(ctx, in, axis, sizes);
}

Status unpack(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t num = static_cast<int64_t>(ctx.outputs.size());
  const int64_t axis_attr = ctx.attr(2).i;
  const int64_t dims = static_cast<int64_t>(in.shape.size());
  const int64_t axis = axis_attr < 0 ? axis_attr + dims : axis_attr;
  if (axis < 0 || axis >= dims)
    return ctx.invalid("axis = " + std::to_string(axis_attr) + " not in [" + std::to_string(-dims) + ", " + std::to_string(dims) + ")");
  if (in.shape[axis] != num)
    return ctx.invalid("Input shape axis " + std::to_string(axis) + " must equal " + std::to_string(num) + ", got shape " + shape_str(in.shape));
  Shape shape = in.shape, in_st = row_strides(in.shape);
  const int64_t step = in_st[axis];
  shape.erase(shape.begin() + axis);
  in_st.erase(in_st.begin() + axis);
  for (int64_t i = 0; i < num; i++) TL_RETURN_IF_ERROR(copy_block_out(ctx, static_cast<int>(i), shape, in, i * step, in_st));
  return Status::OK();
}

}  // namespace

Status kernel_concat(KernelContext& ctx) { return ctx.node.op == OpId::Pack ? pack(ctx) : concat_v2(ctx); }

Status kernel_split(KernelContext& ctx) {
  switch (ctx.node.op) {
    case OpId::Split: return split(ctx);
    case OpId::SplitV: return split_v(ctx);
    default: return unpack(ctx);
  }
}

}  // namespace tl
