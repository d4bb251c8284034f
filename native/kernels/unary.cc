// Unary elementwise family: math functions, activations, IsNan/IsFinite (bool output) and
// LogicalNot. A new op is one line of TL_UNARY_OPS (its functor in elementwise.h and the dtypes
// it supports), plus one of TL_UNARY_SIMD when it has an f32 AVX2/NEON loop. Everything else is
// a scalar loop the compiler vectorises at the baseline ISA.
#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

// X(op, functor, dtypes)
#define TL_UNARY_OPS(X)                  \
  X(Neg, NegOp, kNum)                    \
  X(Abs, AbsOp, kNum)                    \
  X(Exp, ExpOp, kFloat)                  \
  X(Log, LogOp, kFloat)                  \
  X(Sqrt, SqrtOp, kFloat)                \
  X(Square, SquareOp, kNum)              \
  X(Tanh, TanhOp, kFloat)                \
  X(Sigmoid, SigmoidOp, kFloat)          \
  X(Relu, ReluOp, kNum)                  \
  X(Sign, SignOp, kReal)                 \
  X(Reciprocal, ReciprocalOp, kReal)     \
  X(Rsqrt, RsqrtOp, kFloat)              \
  X(Expm1, Expm1Op, kFloat)              \
  X(Log1p, Log1pOp, kFloat)              \
  X(Sin, SinOp, kFloat)                  \
  X(Cos, CosOp, kFloat)                  \
  X(Erf, ErfOp, kFloat)                  \
  X(Erfc, ErfcOp, kFloat)                \
  X(Floor, FloorOp, kFloat)              \
  X(Ceil, CeilOp, kFloat)                \
  X(Round, RoundOp, kReal)               \
  X(IsNan, IsNanOp, kFloat)              \
  X(IsFinite, IsFiniteOp, kFloat)        \
  X(Softplus, SoftplusOp, kFloat)        \
  X(Softsign, SoftsignOp, kFloat)        \
  X(Relu6, Relu6Op, kNum)                \
  X(Elu, EluOp, kFloat)                  \
  X(Selu, SeluOp, kFloat)                \
  X(LeakyRelu, LeakyReluOp, kFloat)      \
  X(LogicalNot, LogicalNotOp, kBool)

// Ops with an f32 SIMD loop: X(op, name of unary_<name>_f32__<isa>)
#define TL_UNARY_SIMD(X)                                                                     \
  X(Neg, neg) X(Abs, abs) X(Exp, exp) X(Sqrt, sqrt) X(Square, square) X(Tanh, tanh)          \
  X(Sigmoid, sigmoid) X(Relu, relu) X(Relu6, relu6) X(Elu, elu) X(Selu, selu)                \
  X(LeakyRelu, leaky_relu) X(Erf, erf) X(Rsqrt, rsqrt) X(Round, round) X(Floor, floor) X(Ceil, ceil)

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

template <class T, class U>
using LoopFn = void (*)(const T* x, U* y, int64_t n, float p);

template <class Op, class T, class U>
void unary_loop(const T* x, U* y, int64_t n, float p) {
  const Op op = make_functor<Op>(p);
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

using LoopF32 = LoopFn<float, float>;

// The f32 SIMD loop of `op` on this CPU, or nullptr (keep the scalar loop).
LoopF32 simd_loop(OpId op) {
#if defined(__x86_64__) || defined(_M_X64)
  if (cpu_has(Isa::avx2)) {
    switch (op) {
#define TL_CASE(o, name) case OpId::o: return unary_##name##_f32__avx2;
      TL_UNARY_SIMD(TL_CASE)
#undef TL_CASE
      default: break;
    }
  }
#elif defined(__aarch64__)
  if (cpu_has(Isa::neon)) {
    switch (op) {
#define TL_CASE(o, name) case OpId::o: return unary_##name##_f32__neon;
      TL_UNARY_SIMD(TL_CASE)
#undef TL_CASE
      default: break;
    }
  }
#endif
  (void)op;
  return nullptr;
}

// The op's float attr, if it has one (LeakyRelu's alpha), rounded to TF's 32-bit float attr.
float float_param(const Node& node) {
  for (const Attr& a : node.attrs) {
    if (a.kind == AttrKind::f) return static_cast<float>(a.f);
  }
  return 0.0f;
}

template <class Op, DType D>
Status run_op(KernelContext& ctx, const Tensor& in) {
  using T = ctype<D>;
  using U = storage_t<decltype(make_functor<Op>(0.0f)(T()))>;
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.forward_or_allocate(0, 0, in.shape, &out));  // in place when x dies here
  const int64_t n = in.num_elements();
  if (n == 0) return Status::OK();
  constexpr Guard guard = guard_of<Op>::value;
  if (guard != Guard::none && !guard_ok(guard, in.data<T>(), n)) return ctx.invalid(guard_message(guard));
  LoopFn<T, U> fn = unary_loop<Op, T, U>;
  if constexpr (std::is_same_v<T, float> && std::is_same_v<U, float>) {
    if (LoopF32 simd = simd_loop(ctx.node.op)) fn = simd;
  }
  const float p = float_param(ctx.node);
  const T* x = in.data<T>();
  U* y = out->data<U>();
  if (n <= kGrain) fn(x, y, n, p);
  else ctx.run.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { fn(x + b, y + b, e - b, p); });
  return Status::OK();
}

template <DType D>
Status run_typed(KernelContext& ctx, const Tensor& in) {
  switch (ctx.node.op) {
#define TL_CASE(op, Functor, dtypes)                                                 \
  case OpId::op:                                                                     \
    if constexpr ((dtypes & dtype_bit(D)) != 0) return run_op<Functor, D>(ctx, in);  \
    break;
    TL_UNARY_OPS(TL_CASE)
#undef TL_CASE
    default: break;
  }
  return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(D));
}

}  // namespace

Status kernel_unary(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  return dispatch_dtype(in.dtype, [&](auto d) { return run_typed<decltype(d)::value>(ctx, in); });
}

}  // namespace tl
