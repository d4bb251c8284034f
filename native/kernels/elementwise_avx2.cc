// AVX2/FMA loops for the f32 element-wise kernels, softmax rows and contiguous reductions.
// Compiled with -mavx2 -mfma in its own library; callers check cpu_has(Isa::avx2) first.
// Tails go through a zero-padded 8-lane buffer so every element sees the same vector code.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstring>
#include <limits>

#include "elementwise.h"

namespace tl {

namespace {

constexpr int64_t kLanes = 8;

inline __m256 v_exp(__m256 x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2/2; ln2 split in two for an exact n*ln2.
  const __m256 hi = _mm256_set1_ps(88.72283935546875f), lo = _mm256_set1_ps(-104.0f);
  __m256 xc = _mm256_max_ps(_mm256_min_ps(x, hi), lo);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  // Minimax polynomial for (exp(r) - 1 - r) / r^2 on [-ln2/2, ln2/2] (Cephes expf coefficients).
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // Scale by 2^n as 2^n1 * 2^n2 so n in [-150, 128] never leaves the normal exponent range
  // (gives correctly rounded denormals at the low end).
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(std::numeric_limits<float>::infinity()),
                       _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN in, NaN out
}

inline __m256 v_abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

inline __m256 v_tanh(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 ax = v_abs(x);
  // Small |x|: odd polynomial (no cancellation). Large |x|: 1 - 2 / (exp(2|x|) + 1).
  __m256 s = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-3.33332819422e-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, s), x, x);
  __m256 e = v_exp(_mm256_add_ps(ax, ax));
  __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                             _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  big = _mm256_or_ps(big, _mm256_and_ps(x, sign));
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

inline __m256 v_sigmoid(__m256 x) {
  __m256 e = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), v_abs(x)));  // never overflows
  __m256 s = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  return _mm256_blendv_ps(s, _mm256_mul_ps(e, s), x);  // blend on the sign bit: x < 0 -> e/(1+e)
}

// max/min_ps return the second operand when either is NaN; re-select a where a is NaN.
inline __m256 v_max(__m256 a, __m256 b) {
  return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
}
inline __m256 v_min(__m256 a, __m256 b) {
  return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
}

// erf: odd Taylor polynomial for |x| < 0.75 (truncation < 1e-9); beyond, 1 - erfc(|x|) with the
// Chebyshev-fitted erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (fractional error < 1.2e-7);
// |x| is clamped at 4, where erf is 1 in float.
inline __m256 v_erf(__m256 x) {
  const __m256 ax = _mm256_min_ps(v_abs(x), _mm256_set1_ps(4.0f));
  const __m256 s = _mm256_mul_ps(ax, ax);
  __m256 p = _mm256_set1_ps(1.0f / 685440.0f);
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-1.0f / 75600.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.0f / 9360.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-1.0f / 1320.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.0f / 216.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-1.0f / 42.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.0f / 10.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-1.0f / 3.0f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.0f));
  const __m256 small = _mm256_mul_ps(_mm256_mul_ps(p, ax), _mm256_set1_ps(1.12837916709551257f));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(ax, _mm256_set1_ps(0.5f), _mm256_set1_ps(1.0f)));
  __m256 q = _mm256_set1_ps(0.17087277f);
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-0.82215223f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.48851587f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-1.13520398f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.27886807f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-0.18628806f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.09678418f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.37409196f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.00002368f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-1.26551223f));
  const __m256 erfc = _mm256_mul_ps(t, v_exp(_mm256_sub_ps(q, s)));
  const __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f), erfc);
  __m256 y = _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.75f), _CMP_LT_OQ));
  y = _mm256_or_ps(y, _mm256_and_ps(x, _mm256_set1_ps(-0.0f)));  // odd: x's sign
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN in, NaN out
}

template <class F>
inline void unary_loop(F f, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    __m256 a = f(_mm256_loadu_ps(x + i)), b = f(_mm256_loadu_ps(x + i + kLanes));
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + kLanes, b);
  }
  for (; i + kLanes <= n; i += kLanes) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float buf[kLanes] = {};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    _mm256_store_ps(buf, f(_mm256_load_ps(buf)));
    std::memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

// Vector operand: loadu; broadcast operand: set1 once. Tails padded with ones (safe for div).
template <bool kVecA, bool kVecB, class F>
inline void binary_loop_t(F f, const float* a, const float* b, float* y, int64_t n) {
  const __m256 ba = _mm256_set1_ps(*a), bb = _mm256_set1_ps(*b);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    __m256 va = kVecA ? _mm256_loadu_ps(a + i) : ba;
    __m256 vb = kVecB ? _mm256_loadu_ps(b + i) : bb;
    _mm256_storeu_ps(y + i, f(va, vb));
  }
  if (i < n) {
    alignas(32) float pa[kLanes], pb[kLanes], out[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) {
      pa[j] = i + j < n ? (kVecA ? a[i + j] : *a) : 1.0f;
      pb[j] = i + j < n ? (kVecB ? b[i + j] : *b) : 1.0f;
    }
    _mm256_store_ps(out, f(_mm256_load_ps(pa), _mm256_load_ps(pb)));
    std::memcpy(y + i, out, (n - i) * sizeof(float));
  }
}

template <class F>
inline void binary_loop(F f, const float* a, int64_t sa, const float* b, int64_t sb, float* y,
                        int64_t n) {
  if (sa && sb) binary_loop_t<true, true>(f, a, b, y, n);
  else if (sb) binary_loop_t<false, true>(f, a, b, y, n);
  else if (sa) binary_loop_t<true, false>(f, a, b, y, n);
  else binary_loop_t<false, false>(f, a, b, y, n);
}

}  // namespace

#define TL_UNARY_AVX2(name, expr)                                              \
  void unary_##name##_f32__avx2(const float* x, float* y, int64_t n, float p) {  \
    const __m256 param = _mm256_set1_ps(p);                                    \
    (void)param;                                                               \
    unary_loop([&](__m256 v) { return expr; }, x, y, n);                       \
  }
TL_UNARY_AVX2(neg, _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)))
TL_UNARY_AVX2(abs, v_abs(v))
TL_UNARY_AVX2(exp, v_exp(v))
TL_UNARY_AVX2(sqrt, _mm256_sqrt_ps(v))
TL_UNARY_AVX2(square, _mm256_mul_ps(v, v))
TL_UNARY_AVX2(tanh, v_tanh(v))
TL_UNARY_AVX2(sigmoid, v_sigmoid(v))
// max takes its second operand on NaN (keeps NaN); + 0 turns max(0, -0) = -0 into +0 like the scalar path.
TL_UNARY_AVX2(relu, _mm256_add_ps(_mm256_max_ps(_mm256_setzero_ps(), v), _mm256_setzero_ps()))
// max_ps(0, v) is "0 > v ? 0 : v" and min_ps(6, r) "6 < r ? 6 : r": NaN and -0 pass, as TF.
TL_UNARY_AVX2(relu6, _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(_mm256_setzero_ps(), v)))
TL_UNARY_AVX2(elu, _mm256_blendv_ps(v, _mm256_sub_ps(v_exp(v), _mm256_set1_ps(1.0f)),
                                    _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ)))
TL_UNARY_AVX2(selu, _mm256_blendv_ps(_mm256_mul_ps(_mm256_set1_ps(static_cast<float>(kSeluScale)), v),
                                     _mm256_mul_ps(_mm256_set1_ps(static_cast<float>(kSeluScaleAlpha)),
                                                   _mm256_sub_ps(v_exp(v), _mm256_set1_ps(1.0f))),
                                     _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ)))
TL_UNARY_AVX2(leaky_relu, _mm256_blendv_ps(_mm256_mul_ps(v, param), v,
                                           _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ)))
TL_UNARY_AVX2(erf, v_erf(v))
TL_UNARY_AVX2(rsqrt, _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(v)))  // two rounded ops, as the scalar path
TL_UNARY_AVX2(round, _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC))  // half to even
TL_UNARY_AVX2(floor, _mm256_floor_ps(v))
TL_UNARY_AVX2(ceil, _mm256_ceil_ps(v))
#undef TL_UNARY_AVX2

#define TL_BINARY_AVX2(name, expr)                                                          \
  void binary_##name##_f32__avx2(const float* a, int64_t sa, const float* b, int64_t sb,    \
                                 float* y, int64_t n) {                                     \
    binary_loop([](__m256 p, __m256 q) { return expr; }, a, sa, b, sb, y, n);               \
  }
TL_BINARY_AVX2(add, _mm256_add_ps(p, q))
TL_BINARY_AVX2(sub, _mm256_sub_ps(p, q))
TL_BINARY_AVX2(mul, _mm256_mul_ps(p, q))
TL_BINARY_AVX2(div, _mm256_div_ps(p, q))
TL_BINARY_AVX2(max, v_max(p, q))
TL_BINARY_AVX2(min, v_min(p, q))
TL_BINARY_AVX2(squared_difference, _mm256_mul_ps(_mm256_sub_ps(p, q), _mm256_sub_ps(p, q)))
#undef TL_BINARY_AVX2

void softmax_row_f32__avx2(const float* x, float* y, int64_t n) {
  float m = reduce_max_f32__avx2(x, n);
  const __m256 vm = _mm256_set1_ps(m);
  // The row sum accumulates in double: long rows (1e5) would otherwise lose ~1e-5 relative.
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    __m256 e = v_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
    acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    _mm256_storeu_ps(y + i, e);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
  double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  if (i < n) {
    alignas(32) float buf[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : m;
    _mm256_store_ps(buf, v_exp(_mm256_sub_ps(_mm256_load_ps(buf), vm)));
    for (int64_t j = 0; i + j < n; ++j) { y[i + j] = buf[j]; sum += buf[j]; }
  }
  const float inv_s = static_cast<float>(1.0 / sum);
  const __m256 inv = _mm256_set1_ps(inv_s);
  for (i = 0; i + kLanes <= n; i += kLanes) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
  for (; i < n; ++i) y[i] *= inv_s;
}

double reduce_sum_f32__avx2(const float* x, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(),
          a3 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
    a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
    a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)));
    a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12)));
  }
  __m256d a = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, a);
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; ++i) s += x[i];
  return s;
}

float reduce_max_f32__avx2(const float* x, int64_t n) {
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    __m256 v = _mm256_loadu_ps(x + i);
    m = _mm256_max_ps(m, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  if (_mm256_movemask_ps(nan)) return std::numeric_limits<float>::quiet_NaN();
  alignas(32) float lanes[kLanes];
  _mm256_store_ps(lanes, m);
  float r = lanes[0];
  for (int j = 1; j < kLanes; ++j) r = lanes[j] > r ? lanes[j] : r;
  for (; i < n; ++i) {
    if (x[i] != x[i]) return x[i];
    r = x[i] > r ? x[i] : r;
  }
  return r;
}

}  // namespace tl

#endif  // x86-64
