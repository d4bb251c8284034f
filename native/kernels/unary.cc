// Unary element-wise family: Neg Abs Exp Log Sqrt Square Tanh Sigmoid Relu.
// f32 goes through the AVX2 or NEON loops when the CPU has them; everything else is a scalar loop
// the compiler vectorises at the baseline ISA.
#include <cstring>

#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

using UnaryF32Fn = void (*)(const float*, float*, int64_t);

template <class Op, class T>
void unary_loop(const T* x, T* y, int64_t n) {
  Op op;
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

template <class T>
using LoopFn = void (*)(const T*, T*, int64_t);

// Runs loop(x[b:e], y[b:e]) over [0, n), in parallel when n is large.
template <class T>
void run_split(KernelContext& ctx, LoopFn<T> loop, const T* x, T* y, int64_t n) {
  if (n <= kGrain) {
    loop(x, y, n);
    return;
  }
  ctx.run.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { loop(x + b, y + b, e - b); });
}

// The f32 SIMD loop for `op` on this CPU, or nullptr (keep the scalar loop).
UnaryF32Fn simd_fn(OpId op) {
#if defined(__x86_64__) || defined(_M_X64)
  if (cpu_isa() == Isa::avx2) {
    switch (op) {
      case OpId::Neg: return unary_neg_f32__avx2;
      case OpId::Abs: return unary_abs_f32__avx2;
      case OpId::Exp: return unary_exp_f32__avx2;
      case OpId::Sqrt: return unary_sqrt_f32__avx2;
      case OpId::Square: return unary_square_f32__avx2;
      case OpId::Tanh: return unary_tanh_f32__avx2;
      case OpId::Sigmoid: return unary_sigmoid_f32__avx2;
      case OpId::Relu: return unary_relu_f32__avx2;
      default: return nullptr;
    }
  }
#elif defined(__aarch64__)
  if (cpu_isa() == Isa::neon) {
    switch (op) {
      case OpId::Neg: return unary_neg_f32__neon;
      case OpId::Abs: return unary_abs_f32__neon;
      case OpId::Exp: return unary_exp_f32__neon;
      case OpId::Sqrt: return unary_sqrt_f32__neon;
      case OpId::Square: return unary_square_f32__neon;
      case OpId::Tanh: return unary_tanh_f32__neon;
      case OpId::Sigmoid: return unary_sigmoid_f32__neon;
      case OpId::Relu: return unary_relu_f32__neon;
      default: return nullptr;
    }
  }
#endif
  (void)op;
  return nullptr;
}

bool float_only(OpId op) {
  return op == OpId::Exp || op == OpId::Log || op == OpId::Sqrt || op == OpId::Tanh ||
         op == OpId::Sigmoid;
}

// The scalar loop for (op, T); nullptr if the op is unknown or T is not allowed for it.
template <class T>
LoopFn<T> scalar_fn(OpId op) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  switch (op) {
    case OpId::Neg: return unary_loop<NegOp, T>;
    case OpId::Abs: return unary_loop<AbsOp, T>;
    case OpId::Square: return unary_loop<SquareOp, T>;
    case OpId::Relu: return unary_loop<ReluOp, T>;
    default: break;
  }
  if constexpr (kFloat) {
    switch (op) {
      case OpId::Exp: return unary_loop<ExpOp, T>;
      case OpId::Log: return unary_loop<LogOp, T>;
      case OpId::Sqrt: return unary_loop<SqrtOp, T>;
      case OpId::Tanh: return unary_loop<TanhOp, T>;
      case OpId::Sigmoid: return unary_loop<SigmoidOp, T>;
      default: break;
    }
  }
  return nullptr;
}

template <class T>
Status run_typed(KernelContext& ctx, const Tensor& in) {
  LoopFn<T> fn = scalar_fn<T>(ctx.node.op);
  if (fn == nullptr) {
    return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " +
                       dtype_tf_name(in.dtype));
  }
  if constexpr (std::is_same_v<T, float>) {
    if (UnaryF32Fn v = simd_fn(ctx.node.op)) fn = v;
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  int64_t n = in.num_elements();
  if (n == 0) return Status::OK();
  run_split<T>(ctx, fn, in.data<T>(), out->data<T>(), n);
  return Status::OK();
}

}  // namespace

Status kernel_unary(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  switch (in.dtype) {
    case DType::f32: return run_typed<float>(ctx, in);
    case DType::f64: return run_typed<double>(ctx, in);
    case DType::i32: return run_typed<int32_t>(ctx, in);
    case DType::i64: return run_typed<int64_t>(ctx, in);
    case DType::u8:
      // The schema allows every numeric dtype; u8 wraps like TF's uint8 (Neg) or is a no-op.
      if (!float_only(ctx.node.op)) return run_typed<uint8_t>(ctx, in);
      break;
    default: break;
  }
  return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " +
                     dtype_tf_name(in.dtype));
}

}  // namespace tl
