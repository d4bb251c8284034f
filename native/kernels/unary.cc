// Unary elementwise family: math functions, activations, IsNan/IsFinite (bool output) and
// LogicalNot. A new op is one line of TL_UNARY_OPS (its functor in elementwise.h and the dtypes
// it supports), plus one of TL_UNARY_SIMD when it has an f32 loop in the SIMD table (native/simd/,
// at every ISA level). Everything else is a scalar loop the compiler vectorises at the baseline ISA.
#include <algorithm>

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

// Ops with an f32 SIMD loop: X(op, SimdUnary entry)
#define TL_UNARY_SIMD(X)                                                                     \
  X(Neg, neg) X(Abs, abs) X(Exp, exp) X(Sqrt, sqrt) X(Square, square) X(Tanh, tanh)          \
  X(Sigmoid, sigmoid) X(Relu, relu) X(Relu6, relu6) X(Elu, elu) X(Selu, selu)                \
  X(LeakyRelu, leaky_relu) X(Erf, erf) X(Erfc, erfc) X(Rsqrt, rsqrt) X(Round, round)         \
  X(Floor, floor) X(Ceil, ceil)

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

template <class T, class U>
using LoopFn = void (*)(const T* x, U* y, int64_t n, float p);

template <class Op, class T, class U>
void unary_loop(const T* x, U* y, int64_t n, float p) {
  const Op op = make_functor<Op>(p);
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

using LoopF32 = LoopFn<float, float>;

}  // namespace

// The f32 SIMD loop of `op` on this CPU, or nullptr (keep the scalar loop).
UnaryF32 simd_unary_for(OpId op) {
  switch (op) {
#define TL_CASE(o, name) case OpId::o: return simd_kernels().unary[static_cast<int>(SimdUnary::name)];
    TL_UNARY_SIMD(TL_CASE)
#undef TL_CASE
    default: return nullptr;
  }
}

float float_param(const Node& node) {
  for (const Attr& a : node.attrs) {
    if (a.kind == AttrKind::f) return static_cast<float>(a.f);
  }
  return 0.0f;
}

namespace {

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
    if (LoopF32 simd = simd_unary_for(ctx.node.op)) fn = simd;
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

// The activation loop a fused step ends with (the same one the activation's own kernel runs).
template <class T>
LoopFn<T, T> activation_loop(OpId act) {
  if constexpr (std::is_same_v<T, float>) {
    if (LoopF32 simd = simd_unary_for(act)) return simd;
  }
  switch (act) {
    case OpId::Relu: return unary_loop<ReluOp, T, T>;
    case OpId::Relu6: return unary_loop<Relu6Op, T, T>;
    case OpId::Elu: return unary_loop<EluOp, T, T>;
    case OpId::LeakyRelu: return unary_loop<LeakyReluOp, T, T>;
    case OpId::Sigmoid: return unary_loop<SigmoidOp, T, T>;
    case OpId::Tanh: return unary_loop<TanhOp, T, T>;
    default: return nullptr;
  }
}

// The exact GELU (Fusion::act == Erfc) on n values: the Mul, Neg, Mul, Erfc, Mul nodes' own
// arithmetic in their order, with Erfc's loop.
template <class T>
void gelu_exact(const Fusion& f, T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    simd_kernels().bias_gelu(x, 1, n, n, nullptr, static_cast<float>(f.gelu_a), static_cast<float>(f.gelu_c));
  } else {
    const T a = static_cast<T>(f.gelu_a), c = static_cast<T>(f.gelu_c);
    const ErfcOp erfc;
    for (int64_t j = 0; j < n; ++j) x[j] = (a * x[j]) * erfc((-x[j]) * c);
  }
}

// The SIMD loop of a fusable activation (the one its own kernel runs), as a SimdUnary index.
int simd_activation(OpId act) {
  switch (act) {
    case OpId::Relu: return static_cast<int>(SimdUnary::relu);
    case OpId::Relu6: return static_cast<int>(SimdUnary::relu6);
    case OpId::Elu: return static_cast<int>(SimdUnary::elu);
    case OpId::LeakyRelu: return static_cast<int>(SimdUnary::leaky_relu);
    case OpId::Sigmoid: return static_cast<int>(SimdUnary::sigmoid);
    case OpId::Tanh: return static_cast<int>(SimdUnary::tanh);
    default: return -1;
  }
}

template <class T>
void epilogue(const Fusion& f, T* y, int64_t rows, int64_t cols, int64_t ld, const T* bias) {
  if constexpr (std::is_same_v<T, float>) {
    // f32 with a bias: one SIMD pass over the block (the scalar passes below cost the MLP's
    // 64x512 layers 4-13 µs per block of C).
    if (bias && f.act == OpId::Erfc)
      return simd_kernels().bias_gelu(y, rows, cols, ld, bias, static_cast<float>(f.gelu_a), static_cast<float>(f.gelu_c));
    const int simd = simd_activation(f.act);
    if (bias && (f.act == OpId::NoOp || simd >= 0)) {
      const SimdKernels& k = simd_kernels();
      return (f.act == OpId::NoOp ? k.bias_add : k.bias_act[simd])(y, rows, cols, ld, bias, f.alpha);
    }
  }
  const bool gelu = f.act == OpId::Erfc;
  const LoopFn<T, T> act = f.act == OpId::NoOp || gelu ? nullptr : activation_loop<T>(f.act);
  for (int64_t r = 0; r < rows; ++r) {
    T* row = y + r * ld;
    if (bias)
      for (int64_t j = 0; j < cols; ++j) row[j] = row[j] + bias[j];
    if (gelu) gelu_exact(f, row, cols);
    else if (act && ld != cols) act(row, row, cols, f.alpha);
  }
  // Contiguous rows: the activation in one call over the block (narrow rows, as a convolution's
  // 16..32 channels, spent more in the calls than in the loop).
  if (act && ld == cols) act(y, y, rows * cols, f.alpha);
}

}  // namespace

bool fusable_activation(OpId op) {
  switch (op) {
    case OpId::Relu: case OpId::Relu6: case OpId::Elu: case OpId::LeakyRelu: case OpId::Sigmoid: case OpId::Tanh: return true;
    default: return false;
  }
}

void fused_epilogue(const Fusion& f, float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias) {
  epilogue(f, y, rows, cols, ld, bias);
}
void fused_epilogue(const Fusion& f, double* y, int64_t rows, int64_t cols, int64_t ld, const double* bias) {
  epilogue(f, y, rows, cols, ld, bias);
}

void fused_activation(const Fusion& f, float* y, int64_t n) {
  if (f.act == OpId::NoOp) return;
  if (f.act == OpId::Erfc) return gelu_exact(f, y, n);
  if (const int simd = simd_activation(f.act); simd >= 0) return simd_kernels().unary[simd](y, y, n, f.alpha);
  if (const LoopFn<float, float> act = activation_loop<float>(f.act)) act(y, y, n, f.alpha);
}

Status check_fused_bias(const KernelContext& ctx, int64_t channels) {
  const Tensor& b = ctx.input(ctx.fusion->bias_input);
  if (b.shape.size() != 1) return ctx.invalid("Biases must be 1D: " + shape_str(b.shape));
  if (b.shape[0] != channels)
    return ctx.invalid("Must provide as many biases as the last dimension of the input tensor: " + shape_str(b.shape) +
                       " vs. [" + std::to_string(channels) + "]");
  if (b.dtype != ctx.node.out_dtypes[0]) return ctx.invalid("Bias dtype does not match the fused op's");
  return Status::OK();
}

Status kernel_unary(KernelContext& ctx) {
  if (ctx.fusion && !ctx.fusion->chain.empty()) return kernel_elementwise_chain(ctx);
  const Tensor& in = ctx.input(0);
  return dispatch_dtype(in.dtype, [&](auto d) { return run_typed<decltype(d)::value>(ctx, in); });
}

}  // namespace tl
