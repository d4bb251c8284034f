// depthwise.h's and pool.h's loops over a native/simd Vec type (simd/vec.h): NnVec<Vec> gives
// them the few operations they use as static functions, so each ISA file only instantiates them.
#pragma once
#include <cstdint>

namespace tl {
namespace nn_vec {
// Outside NnVec, so that argument-dependent lookup finds the Vec type's own fma / pick_max.
template <class V> V vfma(V a, V b, V c) { return fma(a, b, c); }
template <class V> V vmax(V a, V b) { return pick_max(a, b); }  // a > b ? a : b
template <class V> V vmin(V a, V b) { return pick_min(a, b); }  // a < b ? a : b
}  // namespace nn_vec

template <class Vec>
struct NnVec {
  typedef Vec T;
  static constexpr int W = Vec::kLanes;
  static T load(const float* p) { return Vec::load(p); }
  static void store(float* p, T v) { v.store(p); }
  static T zero() { return Vec::set1(0.f); }
  static T set1(float v) { return Vec::set1(v); }
  static T fma(T a, T b, T c) { return nn_vec::vfma(a, b, c); }
  static T add(T a, T b) { return a + b; }
  static T div(T a, T b) { return a / b; }
  static T max(T a, T b) { return nn_vec::vmax(a, b); }
  static T min(T a, T b) { return nn_vec::vmin(a, b); }
};

}  // namespace tl
