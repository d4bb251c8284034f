// VecScalar: one f32 lane, portable C++: the scalar ISA level (TL_ISA=scalar, or a CPU without
// the SIMD levels) runs the same loop templates and math with it. fma goes through double
// (exact product, one rounding of the sum before the float one), so the exact-split tricks
// of the math (erfc's z*z) hold without an FMA instruction. Only elementwise_scalar.cc, compiled
// at the baseline ISA, includes this. The interface is documented in vec.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tl {

struct VecScalar {
  static constexpr int kLanes = 1;
  using Mask = bool;
  struct Dbl { double d; };
  float v;

  static VecScalar set1(float x) { return {x}; }
  static VecScalar load(const float* p) { return {*p}; }
  void store(float* p) const { *p = v; }
  static VecScalar load_partial(const float*, int64_t, float fill) { return {fill}; }  // n is always 0
  void store_partial(float*, int64_t) const {}

  friend VecScalar operator+(VecScalar a, VecScalar b) { return {a.v + b.v}; }
  friend VecScalar operator-(VecScalar a, VecScalar b) { return {a.v - b.v}; }
  friend VecScalar operator*(VecScalar a, VecScalar b) { return {a.v * b.v}; }
  friend VecScalar operator/(VecScalar a, VecScalar b) { return {a.v / b.v}; }
  friend VecScalar fma(VecScalar a, VecScalar b, VecScalar c) {
    return {static_cast<float>(static_cast<double>(a.v) * b.v + c.v)};
  }
  friend VecScalar fnma(VecScalar a, VecScalar b, VecScalar c) {
    return {static_cast<float>(c.v - static_cast<double>(a.v) * b.v)};
  }
  friend VecScalar pick_max(VecScalar a, VecScalar b) { return {a.v > b.v ? a.v : b.v}; }
  friend VecScalar pick_min(VecScalar a, VecScalar b) { return {a.v < b.v ? a.v : b.v}; }
  friend VecScalar sqrt(VecScalar a) { return {std::sqrt(a.v)}; }
  friend VecScalar round_even(VecScalar a) { return {std::nearbyint(a.v)}; }
  friend VecScalar floor(VecScalar a) { return {std::floor(a.v)}; }
  friend VecScalar ceil(VecScalar a) { return {std::ceil(a.v)}; }
  friend VecScalar abs(VecScalar a) { return {std::fabs(a.v)}; }
  friend VecScalar neg(VecScalar a) { return {-a.v}; }
  friend VecScalar or_sign(VecScalar y, VecScalar x) { return {std::signbit(x.v) ? -y.v : y.v}; }  // y >= 0
  friend Mask lt(VecScalar a, VecScalar b) { return a.v < b.v; }
  friend Mask gt(VecScalar a, VecScalar b) { return a.v > b.v; }
  friend Mask is_nan(VecScalar a) { return a.v != a.v; }
  static Mask mask_or(Mask a, Mask b) { return a || b; }
  static bool any(Mask m) { return m; }
  friend VecScalar select(Mask m, VecScalar a, VecScalar b) { return m ? a : b; }
  friend VecScalar exp2i(VecScalar n) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n.v) + 127) << 23;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return {f};
  }
  static Dbl dzero() { return {0.0}; }
  friend Dbl dadd(Dbl d, VecScalar a) { return {d.d + a.v}; }
  friend Dbl dadd(Dbl a, Dbl b) { return {a.d + b.d}; }
  friend void dstore(Dbl d, double* p) { *p = d.d; }
  friend double dsum(Dbl d) { return d.d; }
};

}  // namespace tl
