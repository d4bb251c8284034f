// VecAvx2: 8 f32 lanes in a __m256 (AVX2 + FMA). Include only from files compiled with
// -mavx2 -mfma (*_avx2.cc). The interface every Vec type provides is documented in vec.h.
#pragma once
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

namespace tl {

struct VecAvx2 {
  static constexpr int kLanes = 8;
  using Mask = __m256;
  struct Dbl { __m256d lo, hi; };  // 8 double accumulators
  __m256 v;

  static VecAvx2 set1(float x) { return {_mm256_set1_ps(x)}; }
  static VecAvx2 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  // Lanes [0, n) of p (0 <= n < kLanes), the others `fill`; writes only lanes [0, n) of p.
  static __m256i tail_mask(int64_t n) {
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + 8 - n));
  }
  static VecAvx2 load_partial(const float* p, int64_t n, float fill) {
    const __m256i m = tail_mask(n);
    return {_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m))};
  }
  void store_partial(float* p, int64_t n) const { _mm256_maskstore_ps(p, tail_mask(n), v); }

  friend VecAvx2 operator+(VecAvx2 a, VecAvx2 b) { return {_mm256_add_ps(a.v, b.v)}; }
  friend VecAvx2 operator-(VecAvx2 a, VecAvx2 b) { return {_mm256_sub_ps(a.v, b.v)}; }
  friend VecAvx2 operator*(VecAvx2 a, VecAvx2 b) { return {_mm256_mul_ps(a.v, b.v)}; }
  friend VecAvx2 operator/(VecAvx2 a, VecAvx2 b) { return {_mm256_div_ps(a.v, b.v)}; }
  friend VecAvx2 fma(VecAvx2 a, VecAvx2 b, VecAvx2 c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  friend VecAvx2 fnma(VecAvx2 a, VecAvx2 b, VecAvx2 c) { return {_mm256_fnmadd_ps(a.v, b.v, c.v)}; }
  friend VecAvx2 pick_max(VecAvx2 a, VecAvx2 b) { return {_mm256_max_ps(a.v, b.v)}; }
  friend VecAvx2 pick_min(VecAvx2 a, VecAvx2 b) { return {_mm256_min_ps(a.v, b.v)}; }
  friend VecAvx2 sqrt(VecAvx2 a) { return {_mm256_sqrt_ps(a.v)}; }
  friend VecAvx2 round_even(VecAvx2 a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
  friend VecAvx2 floor(VecAvx2 a) { return {_mm256_floor_ps(a.v)}; }
  friend VecAvx2 ceil(VecAvx2 a) { return {_mm256_ceil_ps(a.v)}; }
  friend VecAvx2 abs(VecAvx2 a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
  friend VecAvx2 neg(VecAvx2 a) { return {_mm256_xor_ps(a.v, _mm256_set1_ps(-0.0f))}; }
  friend VecAvx2 or_sign(VecAvx2 y, VecAvx2 x) { return {_mm256_or_ps(y.v, _mm256_and_ps(x.v, _mm256_set1_ps(-0.0f)))}; }
  friend Mask lt(VecAvx2 a, VecAvx2 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ); }
  friend Mask gt(VecAvx2 a, VecAvx2 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ); }
  friend Mask is_nan(VecAvx2 a) { return _mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q); }
  static Mask mask_or(Mask a, Mask b) { return _mm256_or_ps(a, b); }
  static bool any(Mask m) { return _mm256_movemask_ps(m) != 0; }
  friend VecAvx2 select(Mask m, VecAvx2 a, VecAvx2 b) { return {_mm256_blendv_ps(b.v, a.v, m)}; }
  // 2^n for integral n in [-126, 127].
  friend VecAvx2 exp2i(VecAvx2 n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
  }
  static Dbl dzero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  friend Dbl dadd(Dbl d, VecAvx2 a) {
    return {_mm256_add_pd(d.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(a.v))),
            _mm256_add_pd(d.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(a.v, 1)))};
  }
  friend Dbl dadd(Dbl a, Dbl b) { return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; }
  friend void dstore(Dbl d, double* p) { _mm256_storeu_pd(p, d.lo); _mm256_storeu_pd(p + 4, d.hi); }
  friend double dsum(Dbl d) {
    alignas(32) double l[4];
    _mm256_store_pd(l, _mm256_add_pd(d.lo, d.hi));
    return (l[0] + l[1]) + (l[2] + l[3]);
  }
};

}  // namespace tl

#endif  // x86-64
