// Binary elementwise family with numpy broadcasting: arithmetic, comparisons (bool output) and
// logic. Both shapes are collapsed into a minimal strided iteration space (broadcast.h); the
// innermost run is then always "vector op vector", "scalar op vector" or "vector op scalar",
// which is exactly what the contiguous (and SIMD, native/simd/) row loops implement.
// A new op is one line of TL_BINARY_OPS: its functor (elementwise.h) and the dtypes it supports.
#include "broadcast.h"
#include "elementwise.h"
#include "kernel.h"

#include <cstring>
#include <vector>

namespace tl {

namespace {

// X(op, functor, dtypes)
#define TL_BINARY_OPS(X)                                     \
  X(Add, AddOp, kNum)                                        \
  X(AddV2, AddOp, kNum)                                      \
  X(Sub, SubOp, kNum)                                        \
  X(Mul, MulOp, kNum)                                        \
  X(RealDiv, DivOp, kNum)                                    \
  X(Div, DivOp, kNum)                                        \
  X(DivNoNan, DivNoNanOp, kFloat)                            \
  X(FloorDiv, FloorDivOp, kNum)                              \
  X(FloorMod, FloorModOp, kNum)                              \
  X(Pow, PowOp, kReal)                                       \
  X(SquaredDifference, SquaredDifferenceOp, kReal)           \
  X(Maximum, MaxOp, kNum)                                    \
  X(Minimum, MinOp, kNum)                                    \
  X(Equal, EqualOp, kAny | kStr)                             \
  X(NotEqual, NotEqualOp, kAny | kStr)                       \
  X(Less, LessOp, kNum)                                      \
  X(LessEqual, LessEqualOp, kNum)                            \
  X(Greater, GreaterOp, kNum)                                \
  X(GreaterEqual, GreaterEqualOp, kNum)                      \
  X(LogicalAnd, LogicalAndOp, kBool)                         \
  X(LogicalOr, LogicalOrOp, kBool)

// Ops with an f32 SIMD row: X(op, SimdBinary entry)
#define TL_BINARY_SIMD(X)                                                                  \
  X(Add, add) X(AddV2, add) X(Sub, sub) X(Mul, mul) X(RealDiv, div) X(Div, div) X(Maximum, max) \
  X(Minimum, min) X(SquaredDifference, squared_difference)

constexpr int64_t kGrain = 32768;  // output elements per parallel chunk

template <class T, class U>
using RowFn = void (*)(const T* a, int64_t sa, const T* b, int64_t sb, U* y, int64_t n);

// Separate loops per stride pattern so each one vectorises.
template <class Op, class T, class U>
void binary_row(const T* a, int64_t sa, const T* b, int64_t sb, U* y, int64_t n) {
  Op op;
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
  } else if (sb) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = op(av, b[i]);
  } else if (sa) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], bv);
  } else {
    const U v = op(*a, *b);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

using RowF32 = RowFn<float, float>;

}  // namespace

// The f32 SIMD row of `op` on this CPU, or nullptr (keep the scalar loop).
BinaryF32 simd_binary_for(OpId op) {
  switch (op) {
#define TL_CASE(o, name) case OpId::o: return simd_kernels().binary[static_cast<int>(SimdBinary::name)];
    TL_BINARY_SIMD(TL_CASE)
#undef TL_CASE
    default: return nullptr;
  }
}

namespace {

// Broadcasts, allocates and runs functor Op on inputs of dtype D.
template <class Op, DType D>
Status run_op(KernelContext& ctx, const Tensor& a, const Tensor& b) {
  using T = ctype<D>;
  using U = storage_t<decltype(Op()(T(), T()))>;
  Shape out_shape;
  if (!broadcast_shapes({&a.shape, &b.shape}, &out_shape)) {
    // Equal/NotEqual with incompatible_shape_error = false answer with one scalar instead.
    const bool equality = ctx.node.op == OpId::Equal || ctx.node.op == OpId::NotEqual;
    if (equality && !ctx.attr(1).b) {
      Tensor* out;
      TL_RETURN_IF_ERROR(ctx.allocate_output(0, Shape{}, &out));
      *out->data<uint8_t>() = ctx.node.op == OpId::NotEqual;
      return Status::OK();
    }
    return ctx.invalid("Incompatible shapes: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  }
  BroadcastPlan<2> plan;
  if (!make_broadcast_plan<2>({&a.shape, &b.shape}, out_shape, &plan)) {
    return ctx.invalid("Broadcasting needs more than " + std::to_string(kMaxRank) +
                       " dimensions: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  }
  // In place over an input of the output's shape whose last use this is (each row reads an
  // element of both inputs before it writes that element).
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.forward_or_allocate(a.shape == out_shape ? 0 : b.shape == out_shape ? 1 : 64, 0, out_shape, &out));
  const int64_t n = out->num_elements();
  if (n == 0) return Status::OK();
  // Checked up front so the row loops never fault (SIGFPE) or need an error path.
  constexpr Guard guard = guard_of<Op>::value;
  if (guard != Guard::none && !guard_ok(guard, b.data<T>(), b.num_elements())) {
    return ctx.invalid(guard_message(guard));
  }
  RowFn<T, U> fn = binary_row<Op, T, U>;
  if constexpr (std::is_same_v<T, float> && std::is_same_v<U, float>) {
    if (RowF32 simd = simd_binary_for(ctx.node.op)) fn = simd;
  }
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  U* y = out->data<U>();
  const int64_t ia = plan.strides[0][plan.rank - 1], ib = plan.strides[1][plan.rank - 1];
  for_each_run<2>(ctx.run, plan, n, kGrain, [&](const int64_t* off, int64_t y0, int64_t len) {
    fn(pa + off[0], ia, pb + off[1], ib, y + y0, len);
  });
  return Status::OK();
}

template <DType D>
Status run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b) {
  switch (ctx.node.op) {
#define TL_CASE(op, Functor, dtypes)                                                     \
  case OpId::op:                                                                         \
    if constexpr (((dtypes) & dtype_bit(D)) != 0) return run_op<Functor, D>(ctx, a, b);    \
    break;
    TL_BINARY_OPS(TL_CASE)
#undef TL_CASE
    default: break;
  }
  return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(D));
}

// Add of strings (TF's Add takes DT_STRING: concatenation, with broadcasting). The output's
// records are written to one new block: lengths first, then the bytes.
Status add_strings(KernelContext& ctx, const Tensor& a, const Tensor& b) {
  Shape out_shape;
  if (!broadcast_shapes({&a.shape, &b.shape}, &out_shape))
    return ctx.invalid("Incompatible shapes: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  BroadcastPlan<2> plan;
  if (!make_broadcast_plan<2>({&a.shape, &b.shape}, out_shape, &plan))
    return ctx.invalid("Broadcasting needs more than " + std::to_string(kMaxRank) + " dimensions: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const int64_t n = out->num_elements();
  if (n == 0) return Status::OK();
  const StrElem* pa = a.data<StrElem>();
  const StrElem* pb = b.data<StrElem>();
  const int64_t ia = plan.strides[0][plan.rank - 1], ib = plan.strides[1][plan.rank - 1];
  std::vector<uint64_t> at(static_cast<size_t>(n) + 1, 0);  // record offsets
  for_each_run<2>(ctx.run, plan, n, kGrain, [&](const int64_t* off, int64_t y0, int64_t len) {
    for (int64_t i = 0; i < len; ++i)
      at[y0 + i + 1] = str_view(pa[off[0] + i * ia]).size() + str_view(pb[off[1] + i * ib]).size();
  });
  for (int64_t i = 0; i < n; ++i) {
    uint64_t rec;
    if (!str_record_bytes(at[i + 1], &rec) || __builtin_add_overflow(at[i], rec, &at[i + 1]) || at[i + 1] > (uint64_t{1} << 62))
      return ctx.invalid("Add of strings: the result is too large");
  }
  auto blob = Buffer::allocate(static_cast<size_t>(at[n]));
  if (!blob) return make_error(kResourceExhausted, "OOM when allocating the strings of Add's output");
  uint8_t* base = static_cast<uint8_t*>(blob->data);
  StrElem* y = out->data<StrElem>();
  for_each_run<2>(ctx.run, plan, n, kGrain, [&](const int64_t* off, int64_t y0, int64_t len) {
    for (int64_t i = 0; i < len; ++i) {
      std::string_view x = str_view(pa[off[0] + i * ia]), z = str_view(pb[off[1] + i * ib]);
      uint8_t* r = base + at[y0 + i];
      const uint64_t size = x.size() + z.size();
      std::memcpy(r, &size, 8);
      if (!x.empty()) std::memcpy(r + 8, x.data(), x.size());
      if (!z.empty()) std::memcpy(r + 8 + x.size(), z.data(), z.size());
      y[y0 + i] = r;
    }
  });
  out->buf->keep.push_back(std::move(blob));
  return Status::OK();
}

}  // namespace

Status kernel_binary(KernelContext& ctx) {
  if (ctx.fusion && !ctx.fusion->chain.empty()) return kernel_elementwise_chain(ctx);
  if (ctx.fusion && ctx.fusion->layer_norm) return kernel_layer_norm(ctx);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype != b.dtype) {
    return ctx.invalid(std::string("cannot compute ") + ctx.node.type_name +
                       " as input #1(zero-based) was expected to be a " + dtype_tf_name(a.dtype) +
                       " tensor but is a " + dtype_tf_name(b.dtype) + " tensor");
  }
  if (a.dtype == DType::str && ctx.node.op == OpId::Add) return add_strings(ctx, a, b);
  return dispatch_dtype_str(a.dtype, [&](auto d) { return run_typed<decltype(d)::value>(ctx, a, b); });
}

}  // namespace tl
