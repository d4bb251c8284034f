// NEON loops for the f32 element-wise kernels, softmax rows and contiguous reductions: the
// AArch64 twin of elementwise_avx2.cc (same algorithms and constants, 4 lanes). Advanced SIMD
// is baseline on AArch64, so this needs no extra flags; callers still check
// cpu_has(Isa::neon) so TL_ISA=scalar can force the portable path.
// Tails go through a padded 4-lane buffer so every element sees the same vector code.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>
#include <limits>

#include "elementwise.h"

namespace tl {

namespace {

constexpr int64_t kLanes = 4;

inline float32x4_t v_select(uint32x4_t mask, float32x4_t yes, float32x4_t no) {
  return vbslq_f32(mask, yes, no);
}
inline uint32x4_t v_isnan(float32x4_t x) { return vmvnq_u32(vceqq_f32(x, x)); }

inline float32x4_t v_exp(float32x4_t x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), |r| <= ln2/2; ln2 split in two for an exact n*ln2.
  const float32x4_t hi = vdupq_n_f32(88.72283935546875f), lo = vdupq_n_f32(-104.0f);
  float32x4_t xc = vmaxq_f32(vminq_f32(x, hi), lo);
  float32x4_t n = vrndnq_f32(vmulq_f32(xc, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(xc, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  // Minimax polynomial for (exp(r) - 1 - r) / r^2 on [-ln2/2, ln2/2] (Cephes expf coefficients).
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  // Scale by 2^n as 2^n1 * 2^n2 so n in [-150, 128] never leaves the normal exponent range
  // (gives correctly rounded denormals at the low end).
  int32x4_t ni = vcvtnq_s32_f32(n);
  int32x4_t n1 = vshrq_n_s32(ni, 1);
  int32x4_t n2 = vsubq_s32(ni, n1);
  const int32x4_t bias = vdupq_n_s32(127);
  float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
  float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
  float32x4_t y = vmulq_f32(vmulq_f32(p, s1), s2);
  y = v_select(vcgtq_f32(x, hi), vdupq_n_f32(std::numeric_limits<float>::infinity()), y);
  return v_select(v_isnan(x), x, y);  // NaN in, NaN out (the clamps above would lose it)
}

inline float32x4_t v_tanh(float32x4_t x) {
  float32x4_t ax = vabsq_f32(x);
  // Small |x|: odd polynomial (no cancellation). Large |x|: 1 - 2 / (exp(2|x|) + 1).
  float32x4_t s = vmulq_f32(x, x);
  float32x4_t p = vdupq_n_f32(-5.70498872745e-3f);
  p = vfmaq_f32(vdupq_n_f32(2.06390887954e-2f), p, s);
  p = vfmaq_f32(vdupq_n_f32(-5.37397155531e-2f), p, s);
  p = vfmaq_f32(vdupq_n_f32(1.33314422036e-1f), p, s);
  p = vfmaq_f32(vdupq_n_f32(-3.33332819422e-1f), p, s);
  float32x4_t small = vfmaq_f32(x, vmulq_f32(p, s), x);
  float32x4_t e = v_exp(vaddq_f32(ax, ax));
  float32x4_t big = vsubq_f32(vdupq_n_f32(1.0f), vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, vdupq_n_f32(1.0f))));
  // Copy x's sign onto the (non-negative) large-|x| result.
  const uint32x4_t sign = vdupq_n_u32(0x80000000u);
  big = vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(big),
                                        vandq_u32(vreinterpretq_u32_f32(x), sign)));
  return v_select(vcltq_f32(ax, vdupq_n_f32(0.625f)), small, big);
}

inline float32x4_t v_sigmoid(float32x4_t x) {
  float32x4_t e = v_exp(vnegq_f32(vabsq_f32(x)));  // never overflows
  float32x4_t s = vdivq_f32(vdupq_n_f32(1.0f), vaddq_f32(vdupq_n_f32(1.0f), e));
  return v_select(vcltq_f32(x, vdupq_n_f32(0.0f)), vmulq_f32(e, s), s);  // x < 0 -> e/(1+e)
}

// Exactly the scalar MaxOp/MinOp: a if a is NaN, else (a > b ? a : b), which also keeps b's
// NaN and the scalar choice between +0 and -0. (vmaxq_f32 would differ on signed zeros.)
inline float32x4_t v_max(float32x4_t a, float32x4_t b) {
  return v_select(vorrq_u32(vcgtq_f32(a, b), v_isnan(a)), a, b);
}
inline float32x4_t v_min(float32x4_t a, float32x4_t b) {
  return v_select(vorrq_u32(vcltq_f32(a, b), v_isnan(a)), a, b);
}
// Scalar ReluOp: x unless x <= 0 (false for NaN, so NaN passes through; -0 becomes +0).
inline float32x4_t v_relu(float32x4_t x) {
  return v_select(vclezq_f32(x), vdupq_n_f32(0.0f), x);
}

// Exactly the scalar Relu6Op: x < 0 ? 0 : x, then 6 < r ? 6 : r (NaN and -0 pass through).
inline float32x4_t v_relu6(float32x4_t x) {
  const float32x4_t zero = vdupq_n_f32(0.0f), six = vdupq_n_f32(6.0f);
  const float32x4_t r = v_select(vcltq_f32(x, zero), zero, x);
  return v_select(vcltq_f32(six, r), six, r);
}

// exp(x) - 1 where x < 0 (Elu's negative branch), else x.
inline float32x4_t v_elu_neg(float32x4_t x, float32x4_t scale) {
  return vmulq_f32(scale, vsubq_f32(v_exp(x), vdupq_n_f32(1.0f)));
}

// erf: odd Taylor polynomial for |x| < 0.75 (truncation < 1e-9); beyond, 1 - erfc(|x|) with the
// Chebyshev-fitted erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (fractional error < 1.2e-7);
// |x| is clamped at 4, where erf is 1 in float. Same algorithm as the AVX2 loop.
inline float32x4_t v_erf(float32x4_t x) {
  const float32x4_t ax = vminnmq_f32(vabsq_f32(x), vdupq_n_f32(4.0f));
  const float32x4_t s = vmulq_f32(ax, ax);
  float32x4_t p = vdupq_n_f32(1.0f / 685440.0f);
  p = vfmaq_f32(vdupq_n_f32(-1.0f / 75600.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 9360.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(-1.0f / 1320.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 216.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(-1.0f / 42.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 10.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(-1.0f / 3.0f), p, s);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, s);
  const float32x4_t small = vmulq_f32(vmulq_f32(p, ax), vdupq_n_f32(1.12837916709551257f));
  const float32x4_t t = vdivq_f32(vdupq_n_f32(1.0f), vfmaq_f32(vdupq_n_f32(1.0f), ax, vdupq_n_f32(0.5f)));
  float32x4_t q = vdupq_n_f32(0.17087277f);
  q = vfmaq_f32(vdupq_n_f32(-0.82215223f), q, t);
  q = vfmaq_f32(vdupq_n_f32(1.48851587f), q, t);
  q = vfmaq_f32(vdupq_n_f32(-1.13520398f), q, t);
  q = vfmaq_f32(vdupq_n_f32(0.27886807f), q, t);
  q = vfmaq_f32(vdupq_n_f32(-0.18628806f), q, t);
  q = vfmaq_f32(vdupq_n_f32(0.09678418f), q, t);
  q = vfmaq_f32(vdupq_n_f32(0.37409196f), q, t);
  q = vfmaq_f32(vdupq_n_f32(1.00002368f), q, t);
  q = vfmaq_f32(vdupq_n_f32(-1.26551223f), q, t);
  const float32x4_t erfc = vmulq_f32(t, v_exp(vsubq_f32(q, s)));
  float32x4_t y = v_select(vcltq_f32(ax, vdupq_n_f32(0.75f)), small, vsubq_f32(vdupq_n_f32(1.0f), erfc));
  const uint32x4_t sign = vdupq_n_u32(0x80000000u);
  y = vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(y), vandq_u32(vreinterpretq_u32_f32(x), sign)));
  return v_select(v_isnan(x), x, y);  // NaN in, NaN out
}

template <class F>
inline void unary_loop(F f, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    float32x4_t a = f(vld1q_f32(x + i)), b = f(vld1q_f32(x + i + kLanes));
    vst1q_f32(y + i, a);
    vst1q_f32(y + i + kLanes, b);
  }
  for (; i + kLanes <= n; i += kLanes) vst1q_f32(y + i, f(vld1q_f32(x + i)));
  if (i < n) {
    float buf[kLanes] = {};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    vst1q_f32(buf, f(vld1q_f32(buf)));
    std::memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

// Vector operand: load; broadcast operand: dup once. Tails padded with ones (safe for div).
template <bool kVecA, bool kVecB, class F>
inline void binary_loop_t(F f, const float* a, const float* b, float* y, int64_t n) {
  const float32x4_t ba = vdupq_n_f32(*a), bb = vdupq_n_f32(*b);
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    float32x4_t a0 = kVecA ? vld1q_f32(a + i) : ba, a1 = kVecA ? vld1q_f32(a + i + kLanes) : ba;
    float32x4_t b0 = kVecB ? vld1q_f32(b + i) : bb, b1 = kVecB ? vld1q_f32(b + i + kLanes) : bb;
    vst1q_f32(y + i, f(a0, b0));
    vst1q_f32(y + i + kLanes, f(a1, b1));
  }
  for (; i + kLanes <= n; i += kLanes) {
    float32x4_t va = kVecA ? vld1q_f32(a + i) : ba;
    float32x4_t vb = kVecB ? vld1q_f32(b + i) : bb;
    vst1q_f32(y + i, f(va, vb));
  }
  if (i < n) {
    float pa[kLanes], pb[kLanes], out[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) {
      pa[j] = i + j < n ? (kVecA ? a[i + j] : *a) : 1.0f;
      pb[j] = i + j < n ? (kVecB ? b[i + j] : *b) : 1.0f;
    }
    vst1q_f32(out, f(vld1q_f32(pa), vld1q_f32(pb)));
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

// Widens 4 floats into two double accumulators (sums stay in double, as in the scalar path).
inline void add_wide(float32x4_t v, float64x2_t& lo, float64x2_t& hi) {
  lo = vaddq_f64(lo, vcvt_f64_f32(vget_low_f32(v)));
  hi = vaddq_f64(hi, vcvt_high_f64_f32(v));
}

}  // namespace

#define TL_UNARY_NEON(name, expr)                                                   \
  void unary_##name##_f32__neon(const float* x, float* y, int64_t n, float p) {       \
    const float32x4_t param = vdupq_n_f32(p);                                       \
    (void)param;                                                                    \
    unary_loop([&](float32x4_t v) { return expr; }, x, y, n);                       \
  }
TL_UNARY_NEON(neg, vnegq_f32(v))
TL_UNARY_NEON(abs, vabsq_f32(v))
TL_UNARY_NEON(exp, v_exp(v))
TL_UNARY_NEON(sqrt, vsqrtq_f32(v))
TL_UNARY_NEON(square, vmulq_f32(v, v))
TL_UNARY_NEON(tanh, v_tanh(v))
TL_UNARY_NEON(sigmoid, v_sigmoid(v))
TL_UNARY_NEON(relu, v_relu(v))
TL_UNARY_NEON(relu6, v_relu6(v))
TL_UNARY_NEON(elu, v_select(vcltq_f32(v, vdupq_n_f32(0.0f)), v_elu_neg(v, vdupq_n_f32(1.0f)), v))
TL_UNARY_NEON(selu, v_select(vcltq_f32(v, vdupq_n_f32(0.0f)),
                             v_elu_neg(v, vdupq_n_f32(static_cast<float>(kSeluScaleAlpha))),
                             vmulq_f32(vdupq_n_f32(static_cast<float>(kSeluScale)), v)))
TL_UNARY_NEON(leaky_relu, v_select(vcgtq_f32(v, vdupq_n_f32(0.0f)), v, vmulq_f32(v, param)))
TL_UNARY_NEON(erf, v_erf(v))
TL_UNARY_NEON(rsqrt, vdivq_f32(vdupq_n_f32(1.0f), vsqrtq_f32(v)))  // two rounded ops, as the scalar path
TL_UNARY_NEON(round, vrndnq_f32(v))  // half to even
TL_UNARY_NEON(floor, vrndmq_f32(v))
TL_UNARY_NEON(ceil, vrndpq_f32(v))
#undef TL_UNARY_NEON

#define TL_BINARY_NEON(name, expr)                                                          \
  void binary_##name##_f32__neon(const float* a, int64_t sa, const float* b, int64_t sb,    \
                                 float* y, int64_t n) {                                     \
    binary_loop([](float32x4_t p, float32x4_t q) { return expr; }, a, sa, b, sb, y, n);     \
  }
TL_BINARY_NEON(add, vaddq_f32(p, q))
TL_BINARY_NEON(sub, vsubq_f32(p, q))
TL_BINARY_NEON(mul, vmulq_f32(p, q))
TL_BINARY_NEON(div, vdivq_f32(p, q))
TL_BINARY_NEON(max, v_max(p, q))
TL_BINARY_NEON(min, v_min(p, q))
TL_BINARY_NEON(squared_difference, vmulq_f32(vsubq_f32(p, q), vsubq_f32(p, q)))
#undef TL_BINARY_NEON

void softmax_row_f32__neon(const float* x, float* y, int64_t n) {
  float m = reduce_max_f32__neon(x, n);
  const float32x4_t vm = vdupq_n_f32(m);
  // The row sum accumulates in double: long rows (1e5) would otherwise lose ~1e-5 relative.
  float64x2_t acc0 = vdupq_n_f64(0.0), acc1 = vdupq_n_f64(0.0);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    float32x4_t e = v_exp(vsubq_f32(vld1q_f32(x + i), vm));
    add_wide(e, acc0, acc1);
    vst1q_f32(y + i, e);
  }
  double sum = vaddvq_f64(vaddq_f64(acc0, acc1));
  if (i < n) {
    float buf[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : m;
    vst1q_f32(buf, v_exp(vsubq_f32(vld1q_f32(buf), vm)));
    for (int64_t j = 0; i + j < n; ++j) { y[i + j] = buf[j]; sum += buf[j]; }
  }
  const float inv_s = static_cast<float>(1.0 / sum);
  const float32x4_t inv = vdupq_n_f32(inv_s);
  for (i = 0; i + kLanes <= n; i += kLanes) vst1q_f32(y + i, vmulq_f32(vld1q_f32(y + i), inv));
  for (; i < n; ++i) y[i] *= inv_s;
}

double reduce_sum_f32__neon(const float* x, int64_t n) {
  // Eight double lanes in four registers: enough independent adds to hide the FADD latency.
  float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    add_wide(vld1q_f32(x + i), a0, a1);
    add_wide(vld1q_f32(x + i + 4), a2, a3);
  }
  double s = vaddvq_f64(vaddq_f64(vaddq_f64(a0, a1), vaddq_f64(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

float reduce_max_f32__neon(const float* x, int64_t n) {
  // vmaxq_f32 (FMAX) propagates NaN, so a NaN anywhere ends up in the result.
  float32x4_t m0 = vdupq_n_f32(-std::numeric_limits<float>::infinity()), m1 = m0;
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    m0 = vmaxq_f32(m0, vld1q_f32(x + i));
    m1 = vmaxq_f32(m1, vld1q_f32(x + i + kLanes));
  }
  for (; i + kLanes <= n; i += kLanes) m0 = vmaxq_f32(m0, vld1q_f32(x + i));
  float r = vmaxvq_f32(vmaxq_f32(m0, m1));
  if (r != r) return std::numeric_limits<float>::quiet_NaN();
  for (; i < n; ++i) {
    if (x[i] != x[i]) return x[i];
    r = x[i] > r ? x[i] : r;
  }
  return r;
}

}  // namespace tl

#endif  // __aarch64__
