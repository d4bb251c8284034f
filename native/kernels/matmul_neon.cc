// NEON pieces of MatMul for f32: the 8x12 GEMM micro-kernel over packed panels and the two
// matrix-vector loops, the AArch64 twins of matmul_avx2.cc. Advanced SIMD is baseline on
// AArch64 (no extra flags); matmul.cc calls these only when cpu_has(Isa::neon).
// Declarations live in matmul.cc (the only caller).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstdint>

namespace tl {

// C[8x12] (row stride ldc) = or += sum_k a[k*8 + i] * b[k*12 + j]. `a` and `b` are the packed
// panels of matmul.cc. 24 accumulators + 2 A + 3 B vectors use 29 of the 32 q registers; each
// A element is used straight from its lane (fmla by element), so no broadcasts are needed.
void matmul_kernel8x12_f32__neon(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, bool accumulate) {
  float32x4_t c00 = vdupq_n_f32(0.0f), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
  float32x4_t c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  float32x4_t c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
  float32x4_t c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
  for (int i = 0; i < 8; ++i) __builtin_prefetch(c + i * ldc, 1);
#define TL_ROW(ci0, ci1, ci2, av, lane)         \
  ci0 = vfmaq_laneq_f32(ci0, b0, av, lane);     \
  ci1 = vfmaq_laneq_f32(ci1, b1, av, lane);     \
  ci2 = vfmaq_laneq_f32(ci2, b2, av, lane);
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __builtin_prefetch(a + 64);  // A streams from L2
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    TL_ROW(c00, c01, c02, a0, 0)
    TL_ROW(c10, c11, c12, a0, 1)
    TL_ROW(c20, c21, c22, a0, 2)
    TL_ROW(c30, c31, c32, a0, 3)
    TL_ROW(c40, c41, c42, a1, 0)
    TL_ROW(c50, c51, c52, a1, 1)
    TL_ROW(c60, c61, c62, a1, 2)
    TL_ROW(c70, c71, c72, a1, 3)
    a += 8;
    b += 12;
  }
#undef TL_ROW
  auto put = [&](float* p, float32x4_t v0, float32x4_t v1, float32x4_t v2) {
    if (accumulate) {
      v0 = vaddq_f32(v0, vld1q_f32(p));
      v1 = vaddq_f32(v1, vld1q_f32(p + 4));
      v2 = vaddq_f32(v2, vld1q_f32(p + 8));
    }
    vst1q_f32(p, v0);
    vst1q_f32(p + 4, v1);
    vst1q_f32(p + 8, v2);
  };
  put(c, c00, c01, c02);
  put(c + ldc, c10, c11, c12);
  put(c + 2 * ldc, c20, c21, c22);
  put(c + 3 * ldc, c30, c31, c32);
  put(c + 4 * ldc, c40, c41, c42);
  put(c + 5 * ldc, c50, c51, c52);
  put(c + 6 * ldc, c60, c61, c62);
  put(c + 7 * ldc, c70, c71, c72);
}

// y[j] = sum_k v[k] * x[k*ldx + j] for j < n: each 32-column strip keeps y in eight registers
// and streams the matrix rows once.
void matmul_gemv_axpy_f32__neon(const float* x, int64_t ldx, const float* v, int64_t kdim,
                                float* y, int64_t n) {
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    float32x4_t y0 = vdupq_n_f32(0.0f), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0,
                y7 = y0;
    const float* p = x + j;
    for (int64_t k = 0; k < kdim; ++k, p += ldx) {
      const float s = v[k];
      y0 = vfmaq_n_f32(y0, vld1q_f32(p), s);
      y1 = vfmaq_n_f32(y1, vld1q_f32(p + 4), s);
      y2 = vfmaq_n_f32(y2, vld1q_f32(p + 8), s);
      y3 = vfmaq_n_f32(y3, vld1q_f32(p + 12), s);
      y4 = vfmaq_n_f32(y4, vld1q_f32(p + 16), s);
      y5 = vfmaq_n_f32(y5, vld1q_f32(p + 20), s);
      y6 = vfmaq_n_f32(y6, vld1q_f32(p + 24), s);
      y7 = vfmaq_n_f32(y7, vld1q_f32(p + 28), s);
    }
    vst1q_f32(y + j, y0);
    vst1q_f32(y + j + 4, y1);
    vst1q_f32(y + j + 8, y2);
    vst1q_f32(y + j + 12, y3);
    vst1q_f32(y + j + 16, y4);
    vst1q_f32(y + j + 20, y5);
    vst1q_f32(y + j + 24, y6);
    vst1q_f32(y + j + 28, y7);
  }
  for (; j + 4 <= n; j += 4) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    const float* p = x + j;
    for (int64_t k = 0; k < kdim; ++k, p += ldx) acc = vfmaq_n_f32(acc, vld1q_f32(p), v[k]);
    vst1q_f32(y + j, acc);
  }
  for (; j < n; ++j) {
    float acc = 0.0f;
    for (int64_t k = 0; k < kdim; ++k) acc += v[k] * x[k * ldx + j];
    y[j] = acc;
  }
}

// y[i] = dot(x[i*ldx : i*ldx + kdim], v) for i < m.
void matmul_gemv_dot_f32__neon(const float* x, int64_t ldx, const float* v, int64_t kdim,
                               float* y, int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    const float* p = x + i * ldx;
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int64_t k = 0;
    for (; k + 16 <= kdim; k += 16) {
      a0 = vfmaq_f32(a0, vld1q_f32(p + k), vld1q_f32(v + k));
      a1 = vfmaq_f32(a1, vld1q_f32(p + k + 4), vld1q_f32(v + k + 4));
      a2 = vfmaq_f32(a2, vld1q_f32(p + k + 8), vld1q_f32(v + k + 8));
      a3 = vfmaq_f32(a3, vld1q_f32(p + k + 12), vld1q_f32(v + k + 12));
    }
    for (; k + 4 <= kdim; k += 4) a0 = vfmaq_f32(a0, vld1q_f32(p + k), vld1q_f32(v + k));
    float acc = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; k < kdim; ++k) acc += p[k] * v[k];
    y[i] = acc;
  }
}

}  // namespace tl

#endif  // __aarch64__
