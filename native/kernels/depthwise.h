// The f32 DepthwiseConv2dNative loop with depth multiplier 1 (MobileNet's case), vectorized over
// the contiguous NHWC channels: a template over a small per-ISA vector type V (W lanes; load,
// store, zero, fma, ...), instantiated by nn_simd_avx512.cc (16 lanes), nn_simd_avx2.cc (8),
// nn_simd_neon.cc (4) and nn_simd.cc (1, the scalar level). Each output pixel sums its
// in-bounds taps in (ky, kx) order; a 3x3 filter's taps for one channel block stay in
// registers across the row (at strides 1 and 2, dw3_rows: 1.4-2x faster than one load per
// tap, most on 7x7 and 14x14 images, whose edge pixels had been latency-bound chains). Channels
// past the last full block use a masked copy through a zero-padded buffer, so every channel
// sees the same arithmetic. A fused bias and Relu / Relu6
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
  bool prefetch;      // 3x3, strides 1 and 2: read the next output row's new input rows ahead
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

// The last channels of output row r (past the last whole vector, `full`): the same vector code
// on zero-padded W-channel copies of their input pixels and filter taps.
template <class V>
void dw_tail(const DwArgs& a, int64_t r, int64_t full) {
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

template <class V, int KH, int KW>
void dw_rows(const DwArgs& a, int64_t r0, int64_t r1) {
  const int64_t full = a.c - a.c % V::W;
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c0 = 0; c0 < full; c0 += V::W) dw_block<V, KH, KW>(a, r, c0, a.x, a.f, a.y, a.c);
    if (full != a.c) dw_tail<V>(a, r, full);
  }
}

// ---- 3x3, column stride SW (1 or 2), no column dilation (MobileNet's) ----
// Output pixels whose taps are all inside the row go in groups of P: along each filter row,
// every input pixel the group covers is loaded once and feeds the (up to 3) pixels whose window
// holds it (a stride-1 row: P + 2 loads for 3P FMAs, not 3P of each), into P independent sums.
// The other pixels (the edges, the last few) take all the channels at once, four vectors side by
// side, so that their short sums do not wait on each other. An input beyond L2 (a.prefetch) has
// the next output row's new input rows read ahead along the last filter row (MobileNetV2 at
// batch 8: its 112x112 and 56x56 layers 1.2-1.8x faster). Each output still sums its
// in-bounds taps in (ky, kx) order, so results are those of dw_rows.

// Pixels [ox, ox + P) of one row, channels [c0, c0 + W): xp is the input at the group's first
// tap (row y0, column ox * SW - pl, channel c0), fk the 9 taps' filter vectors, rows [ky0, ky1)
// inside the image.
template <class V, int P, int SW>
void dw3_group(const DwArgs& a, const float* xp, const typename V::T* fk, int64_t ky0, int64_t ky1, float* yp, const float* bias) {
  typedef typename V::T T;
  constexpr int J = (P - 1) * SW + 3;  // input pixels the group's windows cover
  const int64_t cs = a.c, rs = a.dh * a.w * a.c;
  T acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = V::zero();
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ++ky) {
    if (ky < ky0 || ky >= ky1) continue;
    const float* xr = xp + ky * rs;
#pragma GCC unroll 64
    for (int j = 0; j < J; ++j) {
      if (a.prefetch && ky == 2) {  // the input rows the next output row reads first
        __builtin_prefetch(xr + rs + j * cs);
        if (SW == 2) __builtin_prefetch(xr + 2 * rs + j * cs);
      }
      const T xv = V::load(xr + j * cs);
#pragma GCC unroll 3
      for (int kx = 0; kx < 3; ++kx) {
        const int t = j - kx;  // = p * SW for the pixel p this tap of xv feeds
        if (t >= 0 && t % SW == 0 && t / SW < P) acc[t / SW] = V::fma(xv, fk[ky * 3 + kx], acc[t / SW]);
      }
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) V::store(yp + p * cs, bias ? dw_epilogue<V>(a, acc[p], bias) : acc[p]);
}

// Channels [c0, c0 + Q * W) of one output pixel: xb is its input at tap (0, 0) (which may lie
// outside the image), yo its output; taps [ky0, ky1) x [kx0, kx1) are inside.
template <class V, int Q>
void dw3_channels(const DwArgs& a, const float* xb, float* yo, int64_t c0, int64_t ky0, int64_t ky1, int64_t kx0, int64_t kx1) {
  typedef typename V::T T;
  constexpr int W = V::W;
  T acc[Q];
#pragma GCC unroll 4
  for (int q = 0; q < Q; ++q) acc[q] = V::zero();
  for (int64_t ky = ky0; ky < ky1; ++ky)
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const float* xq = xb + (ky * a.dh * a.w + kx) * a.c + c0;
      const float* fq = a.f + (ky * 3 + kx) * a.c + c0;
#pragma GCC unroll 4
      for (int q = 0; q < Q; ++q) acc[q] = V::fma(V::load(xq + q * W), V::load(fq + q * W), acc[q]);
    }
#pragma GCC unroll 4
  for (int q = 0; q < Q; ++q) V::store(yo + c0 + q * W, a.bias ? dw_epilogue<V>(a, acc[q], a.bias + c0 + q * W) : acc[q]);
}

// Output pixel ox of row r (b, y0 = its first input row), rows [ky0, ky1) inside, all whole
// channel vectors [0, full): four at a time, then one.
template <class V>
void dw3_pixel(const DwArgs& a, int64_t r, int64_t b, int64_t y0, int64_t ox, int64_t ky0, int64_t ky1, int64_t full) {
  const int64_t x0 = ox * a.sw - a.pl;
  int64_t kx0 = 0, kx1 = 3;
  while (kx0 < 3 && x0 + kx0 < 0) ++kx0;
  while (kx1 > kx0 && x0 + kx1 - 1 >= a.w) --kx1;
  const float* xb = a.x + ((b * a.h + y0) * a.w + x0) * a.c;
  float* yo = a.y + (r * a.ow + ox) * a.c;
  int64_t c0 = 0;
  for (; c0 + 4 * V::W <= full; c0 += 4 * V::W) dw3_channels<V, 4>(a, xb, yo, c0, ky0, ky1, kx0, kx1);
  for (; c0 < full; c0 += V::W) dw3_channels<V, 1>(a, xb, yo, c0, ky0, ky1, kx0, kx1);
}

template <class V, int SW>
void dw3_rows(const DwArgs& a, int64_t r0, int64_t r1) {
  typedef typename V::T T;
  constexpr int P1 = V::W >= 16 ? 16 : 4, P2 = P1 / 2, P3 = P1 / 4;  // P1 sums + 9 taps + 1 input in registers
  const int64_t full = a.c - a.c % V::W, cs = a.c;
  // Pixels [in0, in1) have all their columns inside the image; the groups cover [in0, end).
  const int64_t in0 = (a.pl + SW - 1) / SW;
  const int64_t last = a.w - 3 + a.pl;  // largest ox * SW allowed
  int64_t in1 = last < 0 ? 0 : last / SW + 1;
  if (in1 > a.ow) in1 = a.ow;
  if (in1 < in0) in1 = in0;
  const int64_t n1 = (in1 - in0) / P1, n2 = (in1 - in0 - n1 * P1) / P2, n3 = (in1 - in0 - n1 * P1 - n2 * P2) / P3;
  const int64_t end = in0 + n1 * P1 + n2 * P2 + n3 * P3;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / a.oh, y0 = (r % a.oh) * a.sh - a.pt;
    int64_t ky0 = 0, ky1 = 3;  // filter rows inside the image
    while (ky0 < 3 && y0 + ky0 * a.dh < 0) ++ky0;
    while (ky1 > ky0 && y0 + (ky1 - 1) * a.dh >= a.h) --ky1;
    const float* xrow = a.x + ((b * a.h + y0) * a.w + in0 * SW - a.pl) * cs;  // group taps start at in0
    float* yrow = a.y + (r * a.ow + in0) * cs;
    for (int64_t c0 = 0; c0 < full && end > in0; c0 += V::W) {
      T fk[9];
      for (int k = 0; k < 9; ++k) fk[k] = V::load(a.f + k * cs + c0);
      const float* bias = a.bias ? a.bias + c0 : nullptr;
      const float* xp = xrow + c0;
      float* yp = yrow + c0;
      for (int64_t i = 0; i < n1; ++i, xp += P1 * SW * cs, yp += P1 * cs) dw3_group<V, P1, SW>(a, xp, fk, ky0, ky1, yp, bias);
      for (int64_t i = 0; i < n2; ++i, xp += P2 * SW * cs, yp += P2 * cs) dw3_group<V, P2, SW>(a, xp, fk, ky0, ky1, yp, bias);
      for (int64_t i = 0; i < n3; ++i, xp += P3 * SW * cs, yp += P3 * cs) dw3_group<V, P3, SW>(a, xp, fk, ky0, ky1, yp, bias);
    }
    for (int64_t ox = 0; ox < in0 && ox < a.ow; ++ox) dw3_pixel<V>(a, r, b, y0, ox, ky0, ky1, full);
    for (int64_t ox = end; ox < a.ow; ++ox) dw3_pixel<V>(a, r, b, y0, ox, ky0, ky1, full);
    if (full != a.c) dw_tail<V>(a, r, full);
  }
}

// 3x3 filters (MobileNet's) with the taps in registers (strides 1 and 2 without column dilation
// in groups sharing their input loads); any other size at run time.
template <class V>
void depthwise_rows(const DwArgs& a, int64_t r0, int64_t r1) {
  if (a.kh == 3 && a.kw == 3 && a.dw == 1 && a.sw == 1) dw3_rows<V, 1>(a, r0, r1);
  else if (a.kh == 3 && a.kw == 3 && a.dw == 1 && a.sw == 2) dw3_rows<V, 2>(a, r0, r1);
  else if (a.kh == 3 && a.kw == 3) dw_rows<V, 3, 3>(a, r0, r1);
  else dw_rows<V, 0, 0>(a, r0, r1);
}

}  // namespace
}  // namespace tl
