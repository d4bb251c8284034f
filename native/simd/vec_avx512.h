// VecAvx512: 16 f32 lanes in a __m512 (AVX-512 F/BW/DQ/VL), masks in __mmask16. Include only from
// files compiled with the AVX-512 flags (*_avx512.cc). The interface is documented in vec.h.
#pragma once
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

// GCC 12 reports its own AVX-512 intrinsics' undefined passthrough operand as (maybe-)uninitialized
// (a known false positive; matmul_avx512.cc does the same).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace tl {

struct VecAvx512 {
  static constexpr int kLanes = 16;
  using Mask = __mmask16;
  struct Dbl { __m512d lo, hi; };
  __m512 v;

  static VecAvx512 set1(float x) { return {_mm512_set1_ps(x)}; }
  static VecAvx512 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  static VecAvx512 load_partial(const float* p, int64_t n, float fill) {
    return {_mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1), p)};
  }
  void store_partial(float* p, int64_t n) const { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v); }

  friend VecAvx512 operator+(VecAvx512 a, VecAvx512 b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend VecAvx512 operator-(VecAvx512 a, VecAvx512 b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend VecAvx512 operator*(VecAvx512 a, VecAvx512 b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend VecAvx512 operator/(VecAvx512 a, VecAvx512 b) { return {_mm512_div_ps(a.v, b.v)}; }
  friend VecAvx512 fma(VecAvx512 a, VecAvx512 b, VecAvx512 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  friend VecAvx512 fnma(VecAvx512 a, VecAvx512 b, VecAvx512 c) { return {_mm512_fnmadd_ps(a.v, b.v, c.v)}; }
  friend VecAvx512 pick_max(VecAvx512 a, VecAvx512 b) { return {_mm512_max_ps(a.v, b.v)}; }
  friend VecAvx512 pick_min(VecAvx512 a, VecAvx512 b) { return {_mm512_min_ps(a.v, b.v)}; }
  friend VecAvx512 sqrt(VecAvx512 a) { return {_mm512_sqrt_ps(a.v)}; }
  friend VecAvx512 round_even(VecAvx512 a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
  friend VecAvx512 floor(VecAvx512 a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
  friend VecAvx512 ceil(VecAvx512 a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)}; }
  friend VecAvx512 abs(VecAvx512 a) { return {_mm512_andnot_ps(_mm512_set1_ps(-0.0f), a.v)}; }
  friend VecAvx512 neg(VecAvx512 a) { return {_mm512_xor_ps(a.v, _mm512_set1_ps(-0.0f))}; }
  friend VecAvx512 or_sign(VecAvx512 y, VecAvx512 x) { return {_mm512_or_ps(y.v, _mm512_and_ps(x.v, _mm512_set1_ps(-0.0f)))}; }
  friend Mask lt(VecAvx512 a, VecAvx512 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ); }
  friend Mask gt(VecAvx512 a, VecAvx512 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ); }
  friend Mask is_nan(VecAvx512 a) { return _mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q); }
  static Mask mask_or(Mask a, Mask b) { return static_cast<Mask>(a | b); }
  static bool any(Mask m) { return m != 0; }
  friend VecAvx512 select(Mask m, VecAvx512 a, VecAvx512 b) { return {_mm512_mask_blend_ps(m, b.v, a.v)}; }
  friend VecAvx512 exp2i(VecAvx512 n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
  }
  // p * 2^n (integral n), rounded once: AVX-512's scalef (see scale2 in vec.h).
  friend VecAvx512 scalef(VecAvx512 p, VecAvx512 n) { return {_mm512_scalef_ps(p.v, n.v)}; }
  static Dbl dzero() { return {_mm512_setzero_pd(), _mm512_setzero_pd()}; }
  friend Dbl dadd(Dbl d, VecAvx512 a) {
    return {_mm512_add_pd(d.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(a.v))),
            _mm512_add_pd(d.hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a.v), 1))))};
  }
  friend Dbl dadd(Dbl a, Dbl b) { return {_mm512_add_pd(a.lo, b.lo), _mm512_add_pd(a.hi, b.hi)}; }
  friend void dstore(Dbl d, double* p) { _mm512_storeu_pd(p, d.lo); _mm512_storeu_pd(p + 8, d.hi); }
  friend double dsum(Dbl d) {
    alignas(64) double l[8];
    _mm512_store_pd(l, _mm512_add_pd(d.lo, d.hi));
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
  }
};

}  // namespace tl

#endif  // x86-64
