// Ternary elementwise family: Select (TF1's where(c, t, e)), SelectV2 (numpy broadcasting of all
// three) and ClipByValue. Each op validates its shapes as TF's kernel does, then states them as
// numpy broadcasting (Select's per-row condition becomes a [n, 1, ..., 1] shape), so one strided
// loop over the broadcast plan (broadcast.h) serves all three.
#include "broadcast.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // output elements per parallel chunk

// y[i] = op(a[i * sa], b[i * sb], c[i * sc]) with strides 0 or 1.
template <class Op, class A, class B, class C, class U>
void ternary_row(const A* a, int64_t sa, const B* b, int64_t sb, const C* c, int64_t sc, U* y, int64_t n) {
  const Op op;
  if (sa && sb && sc) {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i], c[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i * sa], b[i * sb], c[i * sc]);
  }
}

// Runs Op over inputs 0..2 read as if of `shapes` (each broadcastable to `out_shape`).
template <class Op, class A, class B, class C>
Status run(KernelContext& ctx, const Shape (&shapes)[3], const Shape& out_shape) {
  BroadcastPlan<3> plan;
  if (!make_broadcast_plan<3>({&shapes[0], &shapes[1], &shapes[2]}, out_shape, &plan)) {
    return ctx.invalid("Broadcasting needs more than " + std::to_string(kMaxRank) + " dimensions");
  }
  using U = decltype(Op()(A(), B(), C()));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const int64_t n = out->num_elements();
  if (n == 0) return Status::OK();
  const A* a = ctx.input(0).data<A>();
  const B* b = ctx.input(1).data<B>();
  const C* c = ctx.input(2).data<C>();
  U* y = out->data<U>();
  const int r = plan.rank - 1;
  const int64_t sa = plan.strides[0][r], sb = plan.strides[1][r], sc = plan.strides[2][r];
  for_each_run<3>(ctx.run, plan, n, kGrain, [&](const int64_t* off, int64_t y0, int64_t len) {
    ternary_row<Op>(a + off[0], sa, b + off[1], sb, c + off[2], sc, y + y0, len);
  });
  return Status::OK();
}

// Select's three cases, as TF's SelectOp: a scalar condition picks a whole tensor; a vector
// condition against a higher-rank t picks rows (t's first dimension); otherwise all three
// shapes must be equal.
Status select_shapes(KernelContext& ctx, Shape (&shapes)[3]) {
  const Shape& cond = ctx.input(0).shape;
  const Shape& then = ctx.input(1).shape;
  const Shape& els = ctx.input(2).shape;
  shapes[0] = cond, shapes[1] = then, shapes[2] = els;
  const std::string same_size =
      "'then' and 'else' must have the same size.  but received: " + shape_str(then) + " vs. " + shape_str(els);
  if (cond.empty()) return then == els ? Status::OK() : ctx.invalid(same_size);
  if (cond.size() == 1 && then.size() != 1) {
    if (then.empty()) return ctx.invalid("'then' must be at least a vector, but saw shape: " + shape_str(then));
    if (then[0] != cond[0]) {
      return ctx.invalid("Number of batches of 'then' must match size of 'cond', but saw: " +
                         std::to_string(then[0]) + " vs. " + std::to_string(cond[0]));
    }
    if (then != els) return ctx.invalid(same_size);
    shapes[0].resize(then.size(), 1);  // [n] -> [n, 1, ..., 1]
    return Status::OK();
  }
  for (int i = 1; i < 3; ++i) {
    if (shapes[i] != cond) {
      return ctx.invalid("Inputs to operation " + ctx.node.name + " of type " + ctx.node.type_name +
                         " must have the same size and shape.  Input 0: " + shape_str(cond) + " != input " +
                         std::to_string(i) + ": " + shape_str(shapes[i]));
    }
  }
  return Status::OK();
}

Status clip_shapes(KernelContext& ctx, Shape (&shapes)[3]) {
  for (int i = 0; i < 3; ++i) shapes[i] = ctx.input(i).shape;
  auto fits = [&](const Shape& s) { return s == shapes[0] || s.empty(); };
  if (!fits(shapes[1]) || !fits(shapes[2])) {
    return ctx.invalid("clip_value_min and clip_value_max must be either of the same shape as input, or a scalar. "
                       "input shape: " + shape_str(shapes[0]) + "clip_value_min shape: " + shape_str(shapes[1]) +
                       "clip_value_max shape: " + shape_str(shapes[2]));
  }
  return Status::OK();
}

}  // namespace

Status kernel_ternary(KernelContext& ctx) {
  Shape shapes[3];
  const OpId op = ctx.node.op;
  if (op == OpId::ClipByValue) {
    TL_RETURN_IF_ERROR(clip_shapes(ctx, shapes));
    return dispatch_dtype(ctx.input(0).dtype, [&](auto d) -> Status {
      using T = ctype<decltype(d)::value>;
      if constexpr ((kNum & dtype_bit(decltype(d)::value)) != 0) return run<ClipOp, T, T, T>(ctx, shapes, shapes[0]);
      return ctx.invalid(std::string("ClipByValue not supported for dtype ") + dtype_tf_name(d));
    });
  }
  Shape out_shape;
  if (op == OpId::Select) {
    TL_RETURN_IF_ERROR(select_shapes(ctx, shapes));
    out_shape = shapes[1];
  } else {
    for (int i = 0; i < 3; ++i) shapes[i] = ctx.input(i).shape;
    if (!broadcast_shapes({&shapes[0], &shapes[1], &shapes[2]}, &out_shape)) {
      return ctx.invalid("condition " + shape_str(shapes[0]) + ", then " + shape_str(shapes[1]) + ", and else " +
                         shape_str(shapes[2]) + " must be broadcastable");
    }
  }
  return dispatch_dtype_str(ctx.input(1).dtype, [&](auto d) {  // strings: their 8-byte elements (core.h)
    using T = ctype<decltype(d)::value>;
    return run<SelectOp, uint8_t, T, T>(ctx, shapes, out_shape);
  });
}

}  // namespace tl
