// The f32 DepthwiseConv2dNative loop with depth multiplier 1 (MobileNet's case), vectorized over
// the contiguous NHWC channels: a template over a small per-ISA vector type V (W lanes; load,
// store, zero, fma, ...), instantiated by nn_simd_avx512.cc (16 lanes), nn_simd_avx2.cc (8),
// nn_simd_neon.cc (4) and nn_simd.cc (1, the scalar level). Each output pixel sums its
// in-bounds taps in (ky, kx) order; a 3x3 filter's taps for one channel block stay in
// registers across the row. Channels past the last full block use a masked copy through a
// zero-padded buffer, so every channel sees the same arithmetic. A fused bias and Relu / Relu6
// are applied in registers with the separate kernels' arithmetic (x + b; max(0, x) + 0 and
// min(6, max(0, x)) with max(a, b) = a > b ? a : b, min(a, b) = a < b ? a : b: NaN and -0 as TF).
// NOTE: included by SIMD translation units: everything here is in an anonymous namespace and
// calls no inline library function (a copy compiled with -mavx512f could be the one the linker
// keeps for the base library).
#pragma once
#include <cstdint>

namespace tl {

struct DwArgs {
  const float* x;  // [n, h, w, c]
  const float* f;  // [kh, kw, c]
  float* y;        // [n, oh, ow, c]
  int64_t n, h, w, c, kh, kw, sh, sw, dh, dw, oh, ow, pt, pl;
  const float* bias;  // [c], or null: no epilogue
  int act;            // with a bias: 0 none, 1 Relu, 2 Relu6
};

// Output rows [r0, r1) (r = batch * oh + oy) of a multiplier-1 f32 depthwise convolution.
void depthwise_rows_f32__scalar(const DwArgs& a, int64_t r0, int64_t r1);
void depthwise_rows_f32__avx2(const DwArgs& a, int64_t r0, int64_t r1);    // x86-64 only
void depthwise_rows_f32__avx512(const DwArgs& a, int64_t r0, int64_t r1);  // x86-64 only
void depthwise_rows_f32__neon(const DwArgs& a, int64_t r0, int64_t r1);    // AArch64 only
// The loop at the CPU's ISA level (cpu_isa()).
using DwRowsFn = void (*)(const DwArgs&, int64_t, int64_t);
DwRowsFn depthwise_rows_f32_fn();

namespace {

template <class V>
typename V::T dw_epilogue(const DwArgs& a, typename V::T acc, const float* bias) {
  acc = V::add(acc, V::load(bias));
  if (a.act == 1) acc = V::add(V::max(V::zero(), acc), V::zero());
  if (a.act == 2) acc = V::min(V::set1(6.f), V::max(V::zero(), acc));
  return acc;
}

// One channel block [c0, c0 + V::W) of output row r. KH, KW > 0: the filter size at compile time
// (its taps are loaded once per block, and the pixels whose taps are all inside the image go P
// at a time, so P independent sums hide the FMA latency; each pixel still sums its taps in
// (ky, kx) order); 0: a run-time size.
template <class V, int KH, int KW>
void dw_block(const DwArgs& a, int64_t r, int64_t c0, const float* x, const float* f, float* y, int64_t cs) {
  typedef typename V::T T;
  constexpr int P = KH > 0 ? (V::W >= 16 ? 8 : 4) : 1;
  const int64_t kh = KH > 0 ? KH : a.kh, kw = KW > 0 ? KW : a.kw;
  const int64_t sw = a.sw, dw = a.dw, w = a.w, ow = a.ow, pl = a.pl;
  const int64_t b = r / a.oh, y0 = (r % a.oh) * a.sh - a.pt;
  int64_t ky0 = 0, ky1 = kh;  // taps whose input row is inside the image
  while (ky0 < kh && y0 + ky0 * a.dh < 0) ++ky0;
  while (ky1 > ky0 && y0 + (ky1 - 1) * a.dh >= a.h) --ky1;
  T fk[KH > 0 ? KH * KW : 1];
  if (KH > 0)
    for (int k = 0; k < KH * KW; ++k) fk[k] = V::load(f + k * cs + c0);
  const float* xb = x + b * a.h * w * cs + c0;
  float* yr = y + r * ow * cs + c0;
  const float* bias = a.bias ? a.bias + c0 : nullptr;
  // Pixels [in0, in1) have all their columns inside the image.
  int64_t in0 = 0, in1 = 0;
  if (KH > 0) {
    in0 = pl > 0 ? (pl + sw - 1) / sw : 0;
    const int64_t last = w - 1 - (kw - 1) * dw + pl;  // largest x0 + pl allowed, times 1
    in1 = last < 0 ? 0 : last / sw + 1;
    if (in1 > ow) in1 = ow;
    if (in1 < in0) in1 = in0;
  }
  auto one = [&](int64_t ox) {
    const int64_t x0 = ox * sw - pl;
    int64_t kx0 = 0, kx1 = kw;
    while (kx0 < kw && x0 + kx0 * dw < 0) ++kx0;
    while (kx1 > kx0 && x0 + (kx1 - 1) * dw >= w) --kx1;
    T acc = V::zero();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* xr = xb + ((y0 + ky * a.dh) * w + x0) * cs;
      for (int64_t kx = kx0; kx < kx1; ++kx)
        acc = V::fma(V::load(xr + kx * dw * cs), KH > 0 ? fk[ky * KW + kx] : V::load(f + (ky * kw + kx) * cs + c0), acc);
    }
    if (bias) acc = dw_epilogue<V>(a, acc, bias);
    V::store(yr + ox * cs, acc);
  };
  int64_t ox = 0;
  for (; ox < in0 && ox < ow; ++ox) one(ox);
  if (KH > 0) {
    const int64_t step = sw * cs;
    auto tap = [&](T* acc, const float* q, T fv) {  // one tap of P pixels, q at the first
      for (int p = 0; p < P; ++p, q += step) acc[p] = V::fma(V::load(q), fv, acc[p]);
    };
    for (; ox + P <= in1; ox += P) {
      T acc[P];
      for (int p = 0; p < P; ++p) acc[p] = V::zero();
      const float* x0 = xb + (y0 * w + ox * sw - pl) * cs;
      if (ky0 == 0 && ky1 == KH) {  // all rows: the taps stay in registers
        for (int ky = 0; ky < KH; ++ky)
          for (int kx = 0; kx < KW; ++kx) tap(acc, x0 + (ky * a.dh * w + kx * dw) * cs, fk[ky * KW + kx]);
      } else {
        for (int64_t ky = ky0; ky < ky1; ++ky)
          for (int kx = 0; kx < KW; ++kx) tap(acc, x0 + (ky * a.dh * w + kx * dw) * cs, fk[ky * KW + kx]);
      }
      for (int p = 0; p < P; ++p) {
        if (bias) acc[p] = dw_epilogue<V>(a, acc[p], bias);
        V::store(yr + (ox + p) * cs, acc[p]);
      }
    }
  }
  for (; ox < ow; ++ox) one(ox);
}

template <class V, int KH, int KW>
void dw_rows(const DwArgs& a, int64_t r0, int64_t r1) {
  const int64_t full = a.c - a.c % V::W;
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c0 = 0; c0 < full; c0 += V::W) dw_block<V, KH, KW>(a, r, c0, a.x, a.f, a.y, a.c);
    if (full == a.c) continue;
    // The last channels: the same vector code on zero-padded W-channel copies of their input
    // pixels and filter taps.
    const int64_t tail = a.c - full;
    const int64_t b = r / a.oh, y0 = (r % a.oh) * a.sh - a.pt;
    for (int64_t ox = 0; ox < a.ow; ++ox) {
      const int64_t x0 = ox * a.sw - a.pl;
      float xs[V::W], fs[V::W], acc[V::W], bs[V::W];
      for (int j = 0; j < V::W; ++j) { acc[j] = 0.f; bs[j] = a.bias && j < tail ? a.bias[full + j] : 0.f; }
      for (int64_t ky = 0; ky < a.kh; ++ky) {
        const int64_t iy = y0 + ky * a.dh;
        if (iy < 0 || iy >= a.h) continue;
        for (int64_t kx = 0; kx < a.kw; ++kx) {
          const int64_t ix = x0 + kx * a.dw;
          if (ix < 0 || ix >= a.w) continue;
          const float* xp = a.x + ((b * a.h + iy) * a.w + ix) * a.c + full;
          const float* fp = a.f + (ky * a.kw + kx) * a.c + full;
          for (int j = 0; j < V::W; ++j) { xs[j] = j < tail ? xp[j] : 0.f; fs[j] = j < tail ? fp[j] : 0.f; }
          V::store(acc, V::fma(V::load(xs), V::load(fs), V::load(acc)));
        }
      }
      if (a.bias) V::store(acc, dw_epilogue<V>(a, V::load(acc), bs));
      float* yp = a.y + (r * a.ow + ox) * a.c + full;
      for (int64_t j = 0; j < tail; ++j) yp[j] = acc[j];
    }
  }
}

// 3x3 filters (MobileNet's) with the taps in registers; any other size at run time.
template <class V>
void depthwise_rows(const DwArgs& a, int64_t r0, int64_t r1) {
  if (a.kh == 3 && a.kw == 3) dw_rows<V, 3, 3>(a, r0, r1);
  else dw_rows<V, 0, 0>(a, r0, r1);
}

}  // namespace
}  // namespace tl
