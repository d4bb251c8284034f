// The f32 MaxPool / AvgPool loop over NHWC windows, vectorized over the contiguous channels: a
// template over the same small per-ISA vector type V as depthwise.h (instantiated by
// nn_simd_avx512.cc, nn_simd_avx2.cc, nn_simd_neon.cc and nn_simd.cc's scalar level). It handles
// the channels [0, c - c % V::W); pool.cc's plain loop the rest. Max keeps TF's
// "a < v ? v : a" (V::max(v, a)): NaN skipped, as the scalar kernel; Avg sums the window in
// order and divides by its in-bounds size.
// NOTE: included by SIMD translation units: anonymous namespace, no inline library calls.
#pragma once
#include <cstdint>

namespace tl {

struct PoolArgs {
  const float* x;  // [n, h, w, c]
  float* y;        // [n, oh, ow, c]
  int64_t n, h, w, c, kh, kw, sh, sw, oh, ow, pt, pl;
  bool max;
};

// Output rows [r0, r1) (r = batch * oh + oy), channels [0, c - c % W); returns that bound.
int64_t pool_rows_f32__scalar(const PoolArgs& a, int64_t r0, int64_t r1);
int64_t pool_rows_f32__avx2(const PoolArgs& a, int64_t r0, int64_t r1);    // x86-64 only
int64_t pool_rows_f32__avx512(const PoolArgs& a, int64_t r0, int64_t r1);  // x86-64 only
int64_t pool_rows_f32__neon(const PoolArgs& a, int64_t r0, int64_t r1);    // AArch64 only
// The loop at the CPU's ISA level (cpu_isa()).
using PoolRowsFn = int64_t (*)(const PoolArgs&, int64_t, int64_t);
PoolRowsFn pool_rows_f32_fn();

namespace {

template <class V, bool kMax>
void pool_rows_vec(const PoolArgs& a, int64_t r0, int64_t r1, int64_t full) {
  typedef typename V::T T;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / a.oh, y0 = (r % a.oh) * a.sh - a.pt;
    const int64_t ys = y0 > 0 ? y0 : 0, ye = y0 + a.kh < a.h ? y0 + a.kh : a.h;
    for (int64_t ox = 0; ox < a.ow; ++ox) {
      const int64_t x0 = ox * a.sw - a.pl;
      const int64_t xs = x0 > 0 ? x0 : 0, xe = x0 + a.kw < a.w ? x0 + a.kw : a.w;
      const T count = V::set1(static_cast<float>((ye - ys) * (xe - xs)));
      float* out = a.y + (r * a.ow + ox) * a.c;
      for (int64_t c0 = 0; c0 < full; c0 += V::W) {
        T acc = kMax ? V::set1(-3.40282347e+38f) : V::zero();
        for (int64_t iy = ys; iy < ye; ++iy) {
          const float* in = a.x + ((b * a.h + iy) * a.w + xs) * a.c + c0;
          for (int64_t ix = xs; ix < xe; ++ix, in += a.c) acc = kMax ? V::max(V::load(in), acc) : V::add(acc, V::load(in));
        }
        V::store(out + c0, kMax ? acc : V::div(acc, count));
      }
    }
  }
}

template <class V>
int64_t pool_rows(const PoolArgs& a, int64_t r0, int64_t r1) {
  const int64_t full = a.c - a.c % V::W;
  if (a.max) pool_rows_vec<V, true>(a, r0, r1, full);
  else pool_rows_vec<V, false>(a, r0, r1, full);
  return full;
}

}  // namespace
}  // namespace tl
