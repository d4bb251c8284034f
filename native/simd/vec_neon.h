// VecNeon: 4 f32 lanes in a float32x4_t (AArch64 Advanced SIMD, baseline there). Include only
// from *_neon.cc. The interface is documented in vec.h; pick_max / pick_min are built from a
// compare and a select because vmaxq_f32 differs from x86 max on NaN and signed zeros.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace tl {

struct VecNeon {
  static constexpr int kLanes = 4;
  using Mask = uint32x4_t;
  struct Dbl { float64x2_t lo, hi; };
  float32x4_t v;

  static VecNeon set1(float x) { return {vdupq_n_f32(x)}; }
  static VecNeon load(const float* p) { return {vld1q_f32(p)}; }
  void store(float* p) const { vst1q_f32(p, v); }
  static VecNeon load_partial(const float* p, int64_t n, float fill) {
    float buf[kLanes] = {fill, fill, fill, fill};
    std::memcpy(buf, p, static_cast<size_t>(n) * sizeof(float));
    return {vld1q_f32(buf)};
  }
  void store_partial(float* p, int64_t n) const {
    float buf[kLanes];
    vst1q_f32(buf, v);
    std::memcpy(p, buf, static_cast<size_t>(n) * sizeof(float));
  }

  friend VecNeon operator+(VecNeon a, VecNeon b) { return {vaddq_f32(a.v, b.v)}; }
  friend VecNeon operator-(VecNeon a, VecNeon b) { return {vsubq_f32(a.v, b.v)}; }
  friend VecNeon operator*(VecNeon a, VecNeon b) { return {vmulq_f32(a.v, b.v)}; }
  friend VecNeon operator/(VecNeon a, VecNeon b) { return {vdivq_f32(a.v, b.v)}; }
  friend VecNeon fma(VecNeon a, VecNeon b, VecNeon c) { return {vfmaq_f32(c.v, a.v, b.v)}; }
  friend VecNeon fnma(VecNeon a, VecNeon b, VecNeon c) { return {vfmsq_f32(c.v, a.v, b.v)}; }
  friend VecNeon pick_max(VecNeon a, VecNeon b) { return {vbslq_f32(vcgtq_f32(a.v, b.v), a.v, b.v)}; }
  friend VecNeon pick_min(VecNeon a, VecNeon b) { return {vbslq_f32(vcltq_f32(a.v, b.v), a.v, b.v)}; }
  friend VecNeon sqrt(VecNeon a) { return {vsqrtq_f32(a.v)}; }
  friend VecNeon round_even(VecNeon a) { return {vrndnq_f32(a.v)}; }
  friend VecNeon floor(VecNeon a) { return {vrndmq_f32(a.v)}; }
  friend VecNeon ceil(VecNeon a) { return {vrndpq_f32(a.v)}; }
  friend VecNeon abs(VecNeon a) { return {vabsq_f32(a.v)}; }
  friend VecNeon neg(VecNeon a) { return {vnegq_f32(a.v)}; }
  friend VecNeon or_sign(VecNeon y, VecNeon x) {
    const uint32x4_t s = vandq_u32(vreinterpretq_u32_f32(x.v), vdupq_n_u32(0x80000000u));
    return {vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(y.v), s))};
  }
  friend Mask lt(VecNeon a, VecNeon b) { return vcltq_f32(a.v, b.v); }
  friend Mask gt(VecNeon a, VecNeon b) { return vcgtq_f32(a.v, b.v); }
  friend Mask is_nan(VecNeon a) { return vmvnq_u32(vceqq_f32(a.v, a.v)); }
  static Mask mask_or(Mask a, Mask b) { return vorrq_u32(a, b); }
  static bool any(Mask m) { return vmaxvq_u32(m) != 0; }
  friend VecNeon select(Mask m, VecNeon a, VecNeon b) { return {vbslq_f32(m, a.v, b.v)}; }
  friend VecNeon exp2i(VecNeon n) {
    const int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n.v), vdupq_n_s32(127));
    return {vreinterpretq_f32_s32(vshlq_n_s32(e, 23))};
  }
  static Dbl dzero() { return {vdupq_n_f64(0.0), vdupq_n_f64(0.0)}; }
  friend Dbl dadd(Dbl d, VecNeon a) {
    return {vaddq_f64(d.lo, vcvt_f64_f32(vget_low_f32(a.v))), vaddq_f64(d.hi, vcvt_high_f64_f32(a.v))};
  }
  friend Dbl dadd(Dbl a, Dbl b) { return {vaddq_f64(a.lo, b.lo), vaddq_f64(a.hi, b.hi)}; }
  friend void dstore(Dbl d, double* p) { vst1q_f64(p, d.lo); vst1q_f64(p + 2, d.hi); }
  friend double dsum(Dbl d) { return vaddvq_f64(vaddq_f64(d.lo, d.hi)); }
};

}  // namespace tl

#endif  // AArch64
