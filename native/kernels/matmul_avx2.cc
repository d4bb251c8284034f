// AVX2/FMA pieces of MatMul for f32: the 6x16 GEMM micro-kernel over packed panels and the two
// matrix-vector loops. Compiled with -mavx2 -mfma; matmul.cc calls them only when
// cpu_has(Isa::avx2). Declarations live in matmul.cc (the only caller).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

namespace tl {

// C[6x16] (row stride ldc) = or += sum_k a[k*6 + i] * b[k*16 + j]. `a` and `b` are packed
// panels (64-byte aligned). 12 accumulators + 2 B vectors + 1 broadcast fit the 16 ymm regs.
void matmul_kernel6x16_f32__avx2(int64_t kc, const float* a, const float* b, float* c,
                                 int64_t ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int i = 0; i < 6; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 48), _MM_HINT_T0);  // A streams from L2
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
    a += 6;
    b += 16;
  }
  auto put = [&](float* p, __m256 lo, __m256 hi) {
    if (accumulate) {
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(p));
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(p + 8));
    }
    _mm256_storeu_ps(p, lo);
    _mm256_storeu_ps(p + 8, hi);
  };
  put(c, c00, c01);
  put(c + ldc, c10, c11);
  put(c + 2 * ldc, c20, c21);
  put(c + 3 * ldc, c30, c31);
  put(c + 4 * ldc, c40, c41);
  put(c + 5 * ldc, c50, c51);
}

// y[j] = sum_k v[k] * x[k*ldx + j] for j < n: each 32-column strip keeps y in registers and
// streams the matrix rows once.
void matmul_gemv_axpy_f32__avx2(const float* x, int64_t ldx, const float* v, int64_t kdim,
                                float* y, int64_t n) {
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    __m256 y0 = _mm256_setzero_ps(), y1 = _mm256_setzero_ps(), y2 = _mm256_setzero_ps(),
           y3 = _mm256_setzero_ps();
    const float* p = x + j;
    for (int64_t k = 0; k < kdim; ++k, p += ldx) {
      const __m256 s = _mm256_set1_ps(v[k]);
      y0 = _mm256_fmadd_ps(s, _mm256_loadu_ps(p), y0);
      y1 = _mm256_fmadd_ps(s, _mm256_loadu_ps(p + 8), y1);
      y2 = _mm256_fmadd_ps(s, _mm256_loadu_ps(p + 16), y2);
      y3 = _mm256_fmadd_ps(s, _mm256_loadu_ps(p + 24), y3);
    }
    _mm256_storeu_ps(y + j, y0);
    _mm256_storeu_ps(y + j + 8, y1);
    _mm256_storeu_ps(y + j + 16, y2);
    _mm256_storeu_ps(y + j + 24, y3);
  }
  for (; j + 8 <= n; j += 8) {
    __m256 acc = _mm256_setzero_ps();
    const float* p = x + j;
    for (int64_t k = 0; k < kdim; ++k, p += ldx) acc = _mm256_fmadd_ps(_mm256_set1_ps(v[k]), _mm256_loadu_ps(p), acc);
    _mm256_storeu_ps(y + j, acc);
  }
  for (; j < n; ++j) {
    float acc = 0.0f;
    for (int64_t k = 0; k < kdim; ++k) acc += v[k] * x[k * ldx + j];
    y[j] = acc;
  }
}

// y[i] = dot(x[i*ldx : i*ldx + kdim], v) for i < m.
void matmul_gemv_dot_f32__avx2(const float* x, int64_t ldx, const float* v, int64_t kdim,
                               float* y, int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    const float* p = x + i * ldx;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 32 <= kdim; k += 32) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p + k), _mm256_loadu_ps(v + k), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + k + 8), _mm256_loadu_ps(v + k + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + k + 16), _mm256_loadu_ps(v + k + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p + k + 24), _mm256_loadu_ps(v + k + 24), a3);
    }
    for (; k + 8 <= kdim; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p + k), _mm256_loadu_ps(v + k), a0);
    __m256 s8 = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float acc = _mm_cvtss_f32(s);
    for (; k < kdim; ++k) acc += p[k] * v[k];
    y[i] = acc;
  }
}

}  // namespace tl

#endif  // x86-64
