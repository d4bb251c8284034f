// Softmax over the last axis: y = exp(x - max(x)) / sum(exp(x - max(x))) per row, subtracting
// the row max so exp never overflows. Rows run in parallel; f32 rows use the AVX2 or NEON exp.
#include <algorithm>
#include <cmath>

#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk (exp is relatively costly)

template <class T>
void softmax_row(const T* x, T* y, int64_t n) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  // Accumulate in double for f32 too: the scalar path is the reference the SIMD one is held to.
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i] - m);
    y[i] = e;
    sum += e;
  }
  const T inv = static_cast<T>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

template <class T>
Status run_typed(KernelContext& ctx, const Tensor& in) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  const int64_t n = in.num_elements();
  const int64_t cols = in.shape.back();
  if (n == 0 || cols == 0) return Status::OK();
  const int64_t rows = n / cols;
  void (*row_fn)(const T*, T*, int64_t) = softmax_row<T>;
#if defined(__x86_64__) || defined(_M_X64)
  if constexpr (std::is_same_v<T, float>) {
    if (cpu_isa() == Isa::avx2) row_fn = softmax_row_f32__avx2;
  }
#elif defined(__aarch64__)
  if constexpr (std::is_same_v<T, float>) {
    if (cpu_isa() == Isa::neon) row_fn = softmax_row_f32__neon;
  }
#endif
  const T* x = in.data<T>();
  T* y = out->data<T>();
  auto body = [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row_fn(x + r * cols, y + r * cols, cols);
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / cols);
  if (rows <= grain) body(0, rows); else ctx.run.parallel_for(rows, grain, body);
  return Status::OK();
}

}  // namespace

Status kernel_softmax(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.shape.empty()) {
    return ctx.invalid("logits must have >= 1 dimension, got " + shape_str(in.shape));
  }
  switch (in.dtype) {
    case DType::f32: return run_typed<float>(ctx, in);
    case DType::f64: return run_typed<double>(ctx, in);
    default:
      return ctx.invalid(std::string("Softmax not supported for dtype ") + dtype_tf_name(in.dtype));
  }
}

}  // namespace tl
