// depthwise.h's and pool.h's f32 loops at 16 lanes (compiled with -mavx512f in its own library),
// and conv.cc's micro-kernel for outputs of at most 16 channels.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "depthwise.h"
#include "pool.h"
#include "nn_vec.h"
#include "simd/vec_avx512.h"

namespace tl {

void depthwise_rows_f32__avx512(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<NnVec<VecAvx512>>(a, r0, r1); }
int64_t pool_rows_f32__avx512(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<NnVec<VecAvx512>>(a, r0, r1); }

// Rows [0, mr) and columns [0, nr) (nr <= 16) of a 28x16 tile: C[i][j] (row stride ldc) = or +=
// sum_k a[k*28 + i] * b[k*16 + j], one accumulator per row summing k in order (as the GEMM's
// 14x32 tile, which would leave half its columns idle on 16 output channels). 28 accumulators,
// the B vector and a broadcast: 30 of the 32 zmm registers. b must be 64-byte aligned.
void conv_kernel28x16_f32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, int mr,
                                  int nr) {
  __m512 acc[28];
#pragma GCC unroll 28
  for (int i = 0; i < 28; ++i) acc[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += 28, b += 16) {
    const __m512 bv = _mm512_load_ps(b);
#pragma GCC unroll 28
    for (int i = 0; i < 28; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), bv, acc[i]);
  }
  const __mmask16 m = nr >= 16 ? __mmask16(0xffff) : __mmask16((1u << nr) - 1);
#pragma GCC unroll 28
  for (int i = 0; i < 28; ++i) {
    if (i >= mr) break;
    float* p = c + i * ldc;
    __m512 v = acc[i];
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, p));
    _mm512_mask_storeu_ps(p, m, v);
  }
}

}  // namespace tl
#endif
