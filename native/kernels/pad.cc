// Pad / PadV2 (constant) and MirrorPad (REFLECT, SYMMETRIC). The input goes into the interior
// of the output with one strided_copy(); constant padding fills the output first, mirror padding
// then fills the borders dim by dim, each a reversed strided_copy() of the output itself (the
// source rows of dim k are already complete in dims < k). Checks and messages are TF's
// (pad_op.cc, mirror_pad_op.cc).
#include <string>
#include <vector>

#include "array_util.h"

namespace tl {

Status kernel_pad(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& pads = ctx.input(1);
  const bool mirror = ctx.node.op == OpId::MirrorPad;
  const int64_t dims = static_cast<int64_t>(in.shape.size()), max_dims = mirror ? 5 : 8;
  if (dims > max_dims) return make_error(kUnimplemented, "inputs rank not in [0," + std::to_string(max_dims) + "]: " + std::to_string(dims));
  if (!(pads.shape.size() == 2 && pads.shape[1] == 2)) return ctx.invalid("paddings must be a matrix with 2 columns: " + shape_str(pads.shape));
  if (pads.shape[0] != dims)
    return ctx.invalid("The first dimension of paddings must be the rank of inputs" + shape_str(pads.shape) + (mirror ? ", " : " ") + shape_str(in.shape));
  const void* value = nullptr;
  const uint64_t zero = 0;
  int reflect = 0;  // MirrorPad: 1 for REFLECT (the edge is not repeated), 0 for SYMMETRIC
  if (ctx.node.op == OpId::PadV2) {
    const Tensor& c = ctx.input(2);
    if (!c.shape.empty()) return ctx.invalid("constant_values must be a scalar. Found: " + shape_str(c.shape));
    value = c.raw();
  } else if (mirror) {
    const std::string& mode = ctx.attr(2).s;
    if (mode != "REFLECT" && mode != "SYMMETRIC") return ctx.invalid("mode must be either REFLECT or SYMMETRIC.");
    reflect = mode == "REFLECT";
  } else {
    value = &zero;
  }
  const std::vector<int64_t> p = int_values(pads);
  Shape shape(dims);
  for (int64_t d = 0; d < dims; d++) {
    const int64_t before = p[2 * d], after = p[2 * d + 1], size = in.shape[d];
    const std::string ba = std::to_string(before) + (mirror ? ", " : " ") + std::to_string(after);
    if (before < 0 || after < 0) return ctx.invalid((mirror ? "paddings must be non-negative: " : "Paddings must be non-negative: ") + ba);
    if (mirror && !reflect && (before > size || after > size))
      return ctx.invalid("paddings must be no greater than the dimension size: " + ba + " greater than " + std::to_string(size));
    if (mirror && reflect && (before >= size || after >= size))
      return ctx.invalid("paddings must be less than the dimension size: " + ba + " not less than " + std::to_string(size));
    if (add_overflow(before, size, &shape[d]) || add_overflow(shape[d], after, &shape[d]))
      return ctx.invalid("Padded dimension " + std::to_string(d) + " overflows");
  }
  int64_t out_n;
  if (!shape_num_elements(shape, &out_n)) return ctx.invalid("Output shape " + shape_str(shape) + " is too large");
  if (out_n == in.num_elements()) {  // no padding, or an empty tensor whose shape changes
    ctx.alias_output(0, in, shape);
    return Status::OK();
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const size_t elem = dtype_size(in.dtype);
  const int64_t e = static_cast<int64_t>(elem);
  char* o = static_cast<char*>(out->raw());
  if (value) fill_elements(ctx.run, o, out_n, elem, value);
  const Shape in_st = row_strides(in.shape), out_st = row_strides(shape);
  CopyPlan interior;
  int64_t at = 0;  // element offset of the interior's first element
  for (int64_t d = 0; d < dims; d++) {
    interior.add(in.shape[d], out_st[d], in_st[d]);
    at += p[2 * d] * out_st[d];
  }
  strided_copy(ctx.run, o + at * e, in.raw(), elem, interior);
  if (!mirror) return Status::OK();
  // Borders of dim k over dims < k in full and dims > k in the interior, read backwards from
  // the mirrored rows of dim k.
  for (int64_t k = 0; k < dims; k++) {
    const int64_t before = p[2 * k], after = p[2 * k + 1], n = in.shape[k];
    CopyPlan plan;
    int64_t base = 0;
    for (int64_t j = 0; j < dims; j++) {
      if (j < k) plan.add(shape[j], out_st[j], out_st[j]);
      if (j > k) {
        plan.add(in.shape[j], out_st[j], out_st[j]);
        base += p[2 * j] * out_st[j];
      }
      if (j == k) plan.add(0, out_st[k], -out_st[k]);  // size set per border below
    }
    const int kslot = static_cast<int>(k);
    const int64_t starts[2][2] = {{0, 2 * before - 1 + reflect}, {before + n, before + n - 1 - reflect}};  // {dst, src} index in dim k
    const int64_t sizes[2] = {before, after};
    for (int side = 0; side < 2; side++) {
      if (sizes[side] == 0) continue;
      plan.shape[kslot] = sizes[side];
      strided_copy(ctx.run, o + (base + starts[side][0] * out_st[k]) * e, o + (base + starts[side][1] * out_st[k]) * e, elem, plan);
    }
  }
  return Status::OK();
}

}  // namespace tl
