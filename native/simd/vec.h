// The thin vector layer: one Vec type per ISA (vec_scalar.h, vec_avx2.h, vec_avx512.h,
// vec_neon.h) with the same interface, and the f32 math every elementwise loop needs written
// once over it (exp, tanh, sigmoid, erf, erfc). The loops themselves are in loops.h.
//
// A Vec type V provides (a, b, c: V; m: V::Mask; n: int64_t; p: float*):
//   V::kLanes; V::set1(x); V::load(p); v.store(p);
//   V::load_partial(p, n, fill) / v.store_partial(p, n): lanes [0, n) of p (n < kLanes), the
//     others `fill`; the store writes only lanes [0, n).
//   a + b, a - b, a * b, a / b (IEEE), fma(a, b, c) = a * b + c and fnma(a, b, c) = c - a * b
//     rounded once; sqrt, round_even (half to even), floor, ceil, abs, neg (sign flip),
//     or_sign(y, x) (y >= 0 with x's sign bit);
//   pick_max(a, b) = a > b ? a : b and pick_min(a, b) = a < b ? a : b per lane (x86 max/min:
//     the second operand when either is NaN; -0 vs +0 gives b);
//   lt, gt, is_nan -> Mask; V::mask_or(m, m); V::any(m); select(m, a, b) = m ? a : b;
//   exp2i(n) = 2^n for integral n in [-126, 127];
//   optionally scalef(p, n) = p * 2^n for integral n, rounded once (AVX-512; scale2 below);
//   V::Dbl, V::dzero(), dadd(d, a), dadd(d, d), dsum(d), dstore(d, double* p) (the kLanes
//     doubles in lane order): lane-wise double accumulators.
// Every function here is a template over V, so each ISA's file gets its own instantiation,
// compiled with its flags (the per-ISA files must not share inline non-template code).
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace tl {
namespace simd {

template <class V, class = void>
struct HasScalef : std::false_type {};
template <class V>
struct HasScalef<V, std::void_t<decltype(scalef(std::declval<V>(), std::declval<V>()))>> : std::true_type {};

// p * 2^n for p in [0.5, 2] and integral n in [-150, 128], rounded once: one instruction where
// the ISA has it (AVX-512 scalef), else as (p * 2^n1) * 2^(n - n1), which keeps both factors in
// the normal exponent range (denormal results round once, at the last multiply): the same bits.
template <class V>
V scale2(V p, V n) {
  if constexpr (HasScalef<V>::value) {
    return scalef(p, n);
  } else {
    const V n1 = floor(n * V::set1(0.5f));
    return (p * exp2i(n1)) * exp2i(n - n1);
  }
}

// exp(a + b) for a + b in [-150 ln2, 128 ln2]: a may be large (it is reduced exactly: n ln2 is
// split in two, the first part with 9 significant bits), b small (added after the reduction).
// exp(r), |r| <= ln2/2: Cephes expf's minimax polynomial for (exp(r) - 1 - r) / r^2.
template <class V>
V exp_sum(V a, V b) {
  const V n = round_even((a + b) * V::set1(1.44269504088896341f));
  V r = fnma(n, V::set1(0.693359375f), a);
  r = fnma(n, V::set1(-2.12194440e-4f), r) + b;
  V p = V::set1(1.9875691500e-4f);
  p = fma(p, r, V::set1(1.3981999507e-3f));
  p = fma(p, r, V::set1(8.3334519073e-3f));
  p = fma(p, r, V::set1(4.1665795894e-2f));
  p = fma(p, r, V::set1(1.6666665459e-1f));
  p = fma(p, r, V::set1(5.0000001201e-1f));
  p = fma(p, r * r, r + V::set1(1.0f));
  return scale2(p, n);
}

template <class V>
V exp(V x) {
  const V hi = V::set1(88.72283935546875f);
  const V xc = pick_max(pick_min(x, hi), V::set1(-104.0f));
  V y = exp_sum(xc, V::set1(0.0f));
  y = select(gt(x, hi), V::set1(std::numeric_limits<float>::infinity()), y);
  return select(is_nan(x), x, y);  // NaN in, NaN out (the clamps above would lose it)
}

template <class V>
V tanh(V x) {
  const V ax = abs(x);
  // Small |x|: odd polynomial (no cancellation). Large |x|: 1 - 2 / (exp(2|x|) + 1).
  const V s = x * x;
  V p = V::set1(-5.70498872745e-3f);
  p = fma(p, s, V::set1(2.06390887954e-2f));
  p = fma(p, s, V::set1(-5.37397155531e-2f));
  p = fma(p, s, V::set1(1.33314422036e-1f));
  p = fma(p, s, V::set1(-3.33332819422e-1f));
  const V small = fma(p * s, x, x);
  const V e = exp(ax + ax);
  const V big = or_sign(V::set1(1.0f) - V::set1(2.0f) / (e + V::set1(1.0f)), x);
  return select(lt(ax, V::set1(0.625f)), small, big);
}

// 1 / (1 + exp(-|x|)), and exp(-|x|) times that for x < 0 (as SigmoidOp: never overflows, keeps
// relative accuracy for tiny outputs).
template <class V>
V sigmoid(V x) {
  const V e = exp(neg(abs(x)));
  const V s = V::set1(1.0f) / (V::set1(1.0f) + e);
  return select(lt(x, V::set1(0.0f)), e * s, s);
}

// erf(x) for |x| < 0.75: x times an even Taylor polynomial (truncation < 1e-9).
template <class V>
V erf_small(V x) {
  const V s = x * x;
  V p = V::set1(1.0f / 685440.0f);
  p = fma(p, s, V::set1(-1.0f / 75600.0f));
  p = fma(p, s, V::set1(1.0f / 9360.0f));
  p = fma(p, s, V::set1(-1.0f / 1320.0f));
  p = fma(p, s, V::set1(1.0f / 216.0f));
  p = fma(p, s, V::set1(-1.0f / 42.0f));
  p = fma(p, s, V::set1(1.0f / 10.0f));
  p = fma(p, s, V::set1(-1.0f / 3.0f));
  p = fma(p, s, V::set1(1.0f));
  return (p * x) * V::set1(1.12837916709551257f);
}

// erfc(z) for z >= 0.75 (clamped at 10.5, where erfc is 0 in float): the Chebyshev fit
// erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (fractional error < 1.2e-7). -z^2 is
// carried exactly as -s - e (fma gives the rounding error e of s = z*z) so the exponent
// loses nothing for large z.
template <class V>
V erfc_large(V z) {
  z = pick_min(z, V::set1(10.5f));
  const V t = V::set1(1.0f) / fma(z, V::set1(0.5f), V::set1(1.0f));
  V q = V::set1(0.17087277f);
  q = fma(q, t, V::set1(-0.82215223f));
  q = fma(q, t, V::set1(1.48851587f));
  q = fma(q, t, V::set1(-1.13520398f));
  q = fma(q, t, V::set1(0.27886807f));
  q = fma(q, t, V::set1(-0.18628806f));
  q = fma(q, t, V::set1(0.09678418f));
  q = fma(q, t, V::set1(0.37409196f));
  q = fma(q, t, V::set1(1.00002368f));
  q = fma(q, t, V::set1(-1.26551223f));
  const V s = z * z;
  const V e = fma(z, z, neg(s));
  return t * exp_sum(neg(s), q - e);
}

template <class V>
V erf(V x) {
  const V ax = pick_min(abs(x), V::set1(4.0f));  // erf is 1 in float beyond 4
  const V big = or_sign(V::set1(1.0f) - erfc_large(ax), x);
  const V y = select(lt(ax, V::set1(0.75f)), erf_small(x), big);
  return select(is_nan(x), x, y);
}

template <class V>
V erfc(V x) {
  const V ax = abs(x);
  const V c = erfc_large(ax);
  const V big = select(lt(x, V::set1(0.0f)), V::set1(2.0f) - c, c);
  const V y = select(lt(ax, V::set1(0.75f)), V::set1(1.0f) - erf_small(x), big);
  return select(is_nan(x), x, y);
}

}  // namespace simd
}  // namespace tl
