// Direct f32 loops for convolutions with few channels, where a GEMM's tiles would be mostly
// padding and its packing and im2col would cost more than the products: a template over the
// per-ISA vector type V (simd/vec.h), instantiated by conv_small_avx512.cc (16 lanes),
// conv_small_avx2.cc (8) and conv_small_neon.cc (4); conv_small.cc picks the level. None at the
// scalar level, where the GEMM paths are faster.
//
// Conv2DBackpropFilter: the filter gradient of a block of output rows, vectorized over the
// output channels; each (tap, block of input channels, block of V::W output channels) sums
// x · dy over the rows' pixels in registers, several pixels in separate running sums (added in
// a fixed order at the end), so the result depends only on the rows given.
//
// Conv2D (f32, few channels; a plain 1x1 with a small filter): output rows vectorized over the
// output channels, several pixels of a row at a time sharing each filter vector (with two to
// four vectors of output channels, each broadcast input value serves all of them; a plain 1x1's
// pixels as one run); each output sums its in-bounds taps in (ky, kx, ci) order, then gets the
// bias and a Relu / Relu6 if given (other activations are left to the caller).
// NOTE: included by SIMD translation units: everything here is in an anonymous namespace and
// calls no inline library function (a copy compiled with -mavx512f could be the one the linker
// keeps for the base library).
#pragma once
#include <cstdint>

namespace tl {

struct FilterGradArgs {
  const float* x;   // [n, h, w, cin]
  const float* dy;  // [n, oh, ow, cout]
  int64_t n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, oh, ow, pt, pl;
};

struct ConvSmallArgs {
  const float* x;  // [n, h, w, cin]
  const float* f;  // [kh, kw, cin, cout]
  float* y;        // [n, oh, ow, cout]
  int64_t n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, oh, ow, pt, pl;
  const float* bias;  // [cout] added to each sum (as BiasAdd: sum + bias), or null
  int act;            // with a bias: 0 none, 1 Relu, 2 Relu6 (applied after it)
};

// Output rows [r0, r1) (r = batch * oh + oy) of the convolution (plus the bias).
void conv_rows_f32__avx2(const ConvSmallArgs& a, int64_t r0, int64_t r1);    // x86-64 only
void conv_rows_f32__avx512(const ConvSmallArgs& a, int64_t r0, int64_t r1);  // x86-64 only
void conv_rows_f32__neon(const ConvSmallArgs& a, int64_t r0, int64_t r1);    // AArch64 only
using ConvRowsFn = void (*)(const ConvSmallArgs&, int64_t, int64_t);
// The loop for `cout` output channels at the CPU's ISA level; null at the scalar level.
ConvRowsFn conv_rows_f32_fn(int64_t cout);

// The filter gradient [kh, kw, cin, cout] of output rows [r0, r1) (r = batch * oh + oy), written to part.
void filter_grad_rows_f32__avx2(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part);    // x86-64 only
void filter_grad_rows_f32__avx512(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part);  // x86-64 only
void filter_grad_rows_f32__neon(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part);    // AArch64 only
using FilterGradRowsFn = void (*)(const FilterGradArgs&, int64_t, int64_t, float*);
// The loop for `cout` output channels at the CPU's ISA level; null at the scalar level.
FilterGradRowsFn filter_grad_rows_f32_fn(int64_t cout);

namespace {

// The fused bias and Relu / Relu6 of a sum, with the separate kernels' arithmetic (as
// depthwise.h's dw_epilogue: max(0, x) + 0; min(6, max(0, x)); NaN and -0 as TF).
template <class V>
V bias_act(const ConvSmallArgs& a, V s, V bias) {
  s = s + bias;
  if (a.act == 1) s = pick_max(V::set1(0.f), s) + V::set1(0.f);
  if (a.act == 2) s = pick_min(V::set1(6.f), pick_max(V::set1(0.f), s));
  return s;
}

template <class V, bool FULL>
V load_lanes(const float* p, int64_t n) { return FULL ? V::load(p) : V::load_partial(p, n, 0.f); }

template <class V, bool FULL>
void store_lanes(V v, float* p, int64_t n) {
  if (FULL) v.store(p);
  else v.store_partial(p, n);
}

// The output columns [lo, hi) whose tap at input column ox * sw + off lies inside [0, w).
inline void tap_columns(int64_t off, int64_t sw, int64_t w, int64_t ow, int64_t* lo, int64_t* hi) {
  *lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  *hi = off >= w ? 0 : (w - off + sw - 1) / sw;
  if (*hi > ow) *hi = ow;
  if (*hi < *lo) *hi = *lo;
}

// Tap (ky, kx), input channels [ci0, ci0 + CB) (CB = 4 or 1), output channels [co0, co0 + nco)
// (FULL: nco = W) of the filter gradient over output rows [r0, r1): 2 (CB = 4) or 4 (CB = 1)
// pixels per step, each in its own named sums (GCC keeps an array of vector structs in memory).
template <class V, int CB, bool FULL>
void fg_block(const FilterGradArgs& a, int64_t ky, int64_t kx, int64_t ci0, int64_t co0, int64_t nco, int64_t r0, int64_t r1,
              float* out) {
  static_assert(CB == 4 || CB == 1, "4 channels by 2 pixels, or 1 by 4");
  const V z = V::set1(0.f);
  V s0 = z, s1 = z, s2 = z, s3 = z, t0 = z, t1 = z, t2 = z, t3 = z;
  int64_t lo, hi;
  tap_columns(kx * a.dw - a.pl, a.sw, a.w, a.ow, &lo, &hi);
  if (lo == hi) r1 = r0;
  const int64_t xs = a.sw * a.cin, cs = a.cout;  // from column ox to ox + 1 of x, of dy
  for (int64_t r = r0, b = r0 / a.oh, oy = r0 % a.oh; r < r1; ++r, oy = oy + 1 == a.oh ? (++b, 0) : oy + 1) {
    const int64_t iy = oy * a.sh + ky * a.dh - a.pt;
    if (iy < 0 || iy >= a.h) continue;
    const float* xr = a.x + ((b * a.h + iy) * a.w + lo * a.sw + kx * a.dw - a.pl) * a.cin + ci0;
    const float* dr = a.dy + (r * a.ow + lo) * cs + co0;
    int64_t ox = lo;
    if (CB == 4) {
      for (; ox + 2 <= hi; ox += 2, xr += 2 * xs, dr += 2 * cs) {
        const V d = load_lanes<V, FULL>(dr, nco), e = load_lanes<V, FULL>(dr + cs, nco);
        s0 = fma(V::set1(xr[0]), d, s0); s1 = fma(V::set1(xr[1]), d, s1);
        s2 = fma(V::set1(xr[2]), d, s2); s3 = fma(V::set1(xr[3]), d, s3);
        t0 = fma(V::set1(xr[xs]), e, t0); t1 = fma(V::set1(xr[xs + 1]), e, t1);
        t2 = fma(V::set1(xr[xs + 2]), e, t2); t3 = fma(V::set1(xr[xs + 3]), e, t3);
      }
      if (ox < hi) {
        const V d = load_lanes<V, FULL>(dr, nco);
        s0 = fma(V::set1(xr[0]), d, s0); s1 = fma(V::set1(xr[1]), d, s1);
        s2 = fma(V::set1(xr[2]), d, s2); s3 = fma(V::set1(xr[3]), d, s3);
      }
    } else {
      for (; ox + 4 <= hi; ox += 4, xr += 4 * xs, dr += 4 * cs) {
        s0 = fma(V::set1(xr[0]), load_lanes<V, FULL>(dr, nco), s0);
        s1 = fma(V::set1(xr[xs]), load_lanes<V, FULL>(dr + cs, nco), s1);
        s2 = fma(V::set1(xr[2 * xs]), load_lanes<V, FULL>(dr + 2 * cs, nco), s2);
        s3 = fma(V::set1(xr[3 * xs]), load_lanes<V, FULL>(dr + 3 * cs, nco), s3);
      }
      for (; ox < hi; ++ox, xr += xs, dr += cs) s0 = fma(V::set1(xr[0]), load_lanes<V, FULL>(dr, nco), s0);
    }
  }
  float* o = out + ci0 * cs + co0;
  if (CB == 4) {
    store_lanes<V, FULL>(s0 + t0, o, nco);
    store_lanes<V, FULL>(s1 + t1, o + cs, nco);
    store_lanes<V, FULL>(s2 + t2, o + 2 * cs, nco);
    store_lanes<V, FULL>(s3 + t3, o + 3 * cs, nco);
  } else {
    store_lanes<V, FULL>((s0 + s1) + (s2 + s3), o, nco);
  }
}

template <class V>
void filter_grad_rows(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part) {
  for (int64_t ky = 0; ky < a.kh; ++ky)
    for (int64_t kx = 0; kx < a.kw; ++kx) {
      float* out = part + (ky * a.kw + kx) * a.cin * a.cout;
      for (int64_t co0 = 0; co0 < a.cout; co0 += V::kLanes) {
        const int64_t nco = a.cout - co0 < V::kLanes ? a.cout - co0 : V::kLanes;
        int64_t ci0 = 0;
        if (nco == V::kLanes) {
          for (; ci0 + 4 <= a.cin; ci0 += 4) fg_block<V, 4, true>(a, ky, kx, ci0, co0, nco, r0, r1, out);
          for (; ci0 < a.cin; ++ci0) fg_block<V, 1, true>(a, ky, kx, ci0, co0, nco, r0, r1, out);
        } else {
          for (; ci0 + 4 <= a.cin; ci0 += 4) fg_block<V, 4, false>(a, ky, kx, ci0, co0, nco, r0, r1, out);
          for (; ci0 < a.cin; ++ci0) fg_block<V, 1, false>(a, ky, kx, ci0, co0, nco, r0, r1, out);
        }
      }
    }
}

// Pixel ox0 of output row (b, oy): calls taps(xp, fp, n) for each run of n contiguous x values
// (from xp, stepping 1) and filter rows (from fp, stepping cout) over its taps in rows [ky0, ky1)
// that are inside the image: a filter row's taps and channels as one run when dw == 1, else a
// tap at a time (only an EDGE pixel trims columns outside the row).
template <bool EDGE, class F>
void tap_runs(const ConvSmallArgs& a, int64_t b, int64_t oy, int64_t ky0, int64_t ky1, int64_t ox0, int64_t co0, F&& taps) {
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const float* xrow = a.x + (b * a.h + oy * a.sh - a.pt + ky * a.dh) * a.w * a.cin;
    const float* fk = a.f + ky * a.kw * a.cin * a.cout + co0;
    const int64_t x0 = ox0 * a.sw - a.pl;  // input column of pixel ox0's tap 0
    int64_t kx0 = 0, kx1 = a.kw;
    while (EDGE && kx0 < a.kw && x0 + kx0 * a.dw < 0) ++kx0;
    while (EDGE && kx1 > kx0 && x0 + (kx1 - 1) * a.dw >= a.w) --kx1;
    if (a.dw == 1) {
      if (kx1 > kx0) taps(xrow + (x0 + kx0) * a.cin, fk + kx0 * a.cin * a.cout, (kx1 - kx0) * a.cin);
      continue;
    }
    for (int64_t kx = kx0; kx < kx1; ++kx) taps(xrow + (x0 + kx * a.dw) * a.cin, fk + kx * a.cin * a.cout, a.cin);
  }
}

// Output pixels [ox0, ox0 + N) (N = 1, 2, 4 or 8) of row (b, oy), channels [co0, co0 + nco):
// taps ky in [ky0, ky1) (input rows inside the image); EDGE (N = 1): some taps fall outside the
// row, skipped. With dw = 1 each tap row's (kx, ci) inside the row are consecutive values of x
// and of f: one loop. The sums are named variables (GCC keeps an array of vector
// structs in memory, storing it on every step); then the bias, and the store.
template <class V, int N, bool FULL, bool EDGE>
void conv_pixels(const ConvSmallArgs& a, int64_t b, int64_t oy, int64_t ky0, int64_t ky1, int64_t ox0, int64_t co0, int64_t nco) {
  static_assert(N == 1 || N == 2 || N == 4 || N == 8, "1, 2, 4 or 8 pixels");
  static_assert(!EDGE || N == 1, "edge pixels one at a time");
  const V z = V::set1(0.f);
  V s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z;
  const int64_t xs = a.sw * a.cin;  // from pixel ox to ox + 1
  // Adds the products of n values of x (from pixel ox0's at xp, stepping 1) and of f (from fp,
  // stepping cout).
  auto taps = [&](const float* xp, const float* fp, int64_t n) {
    for (int64_t j = 0; j < n; ++j, ++xp, fp += a.cout) {
      const V fv = load_lanes<V, FULL>(fp, nco);
      s0 = fma(V::set1(xp[0]), fv, s0);
      if (N > 1) s1 = fma(V::set1(xp[xs]), fv, s1);
      if (N > 2) { s2 = fma(V::set1(xp[2 * xs]), fv, s2); s3 = fma(V::set1(xp[3 * xs]), fv, s3); }
      if (N > 4) {
        s4 = fma(V::set1(xp[4 * xs]), fv, s4); s5 = fma(V::set1(xp[5 * xs]), fv, s5);
        s6 = fma(V::set1(xp[6 * xs]), fv, s6); s7 = fma(V::set1(xp[7 * xs]), fv, s7);
      }
    }
  };
  tap_runs<EDGE>(a, b, oy, ky0, ky1, ox0, co0, taps);
  const V bias = a.bias ? load_lanes<V, FULL>(a.bias + co0, nco) : z;
  float* out = a.y + ((b * a.oh + oy) * a.ow + ox0) * a.cout + co0;
  const V sums[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
  for (int p = 0; p < N; ++p) store_lanes<V, FULL>(a.bias ? bias_act<V>(a, sums[p], bias) : sums[p], out + p * a.cout, nco);
}

// As conv_pixels for NV (2 to 4) vectors of output channels [co0, co0 + NV * V::W), the last
// one partial if TAIL (up to cout): each value of x is broadcast once for all of them (a first
// layer's 3 input channels to 32; a 1x1 projection to 24).
// pf: null, or (a flat 1x1's group) where the next group's N rows of x start, read ahead over the
// taps (N streams the hardware prefetcher does not follow; a large batch's input is in memory).
template <class V, int N, int NV, bool TAIL, bool EDGE>
void conv_pixels_wide(const ConvSmallArgs& a, int64_t b, int64_t oy, int64_t ky0, int64_t ky1, int64_t ox0, int64_t co0,
                      const float* pf = nullptr) {
  static_assert(!EDGE || N == 1, "edge pixels one at a time");
  constexpr int W = V::kLanes;
  const int64_t nlast = TAIL ? a.cout - co0 - (NV - 1) * W : W;  // lanes of the last vector
  auto lanes = [&](int v) { return TAIL && v == NV - 1; };
  V s[N][NV];
#pragma GCC unroll 32
  for (int p = 0; p < N; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) s[p][v] = V::set1(0.f);
  const int64_t xs = a.sw * a.cin;  // from pixel ox to ox + 1
  auto taps = [&](const float* xp, const float* fp, int64_t n) {
    for (int64_t j = 0; j < n; ++j, ++xp, fp += a.cout) {
      if (pf) __builtin_prefetch(pf + j * N);
      V fv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) fv[v] = lanes(v) ? V::load_partial(fp + v * W, nlast, 0.f) : V::load(fp + v * W);
#pragma GCC unroll 32
      for (int p = 0; p < N; ++p) {
        const V xv = V::set1(xp[p * xs]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) s[p][v] = fma(xv, fv[v], s[p][v]);
      }
    }
  };
  tap_runs<EDGE>(a, b, oy, ky0, ky1, ox0, co0, taps);
  float* out = a.y + ((b * a.oh + oy) * a.ow + ox0) * a.cout + co0;
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const V bias = !a.bias ? V::set1(0.f) : lanes(v) ? V::load_partial(a.bias + co0 + v * W, nlast, 0.f) : V::load(a.bias + co0 + v * W);
#pragma GCC unroll 32
    for (int p = 0; p < N; ++p) {
      const V r = a.bias ? bias_act<V>(a, s[p][v], bias) : s[p][v];
      if (lanes(v)) r.store_partial(out + p * a.cout + v * W, nlast);
      else r.store(out + p * a.cout + v * W);
    }
  }
}

// Pixels [p0, p1) of a plain 1x1 convolution (the input rows are the pixels: ox0 indexes them
// all, as one row): groups of P, P / 2, P / 4, then one at a time; each group of P reads the
// next one's rows ahead (MobileNetV2's projections at batch 8 1.6-1.9x faster).
template <class V, int NV, bool TAIL>
void conv_flat_wide(const ConvSmallArgs& a, int64_t p0, int64_t p1, int64_t co0) {
  // P * NV sums, NV filter vectors and a broadcast in 32 (16) registers (28 and 14 pixels of one
  // and two vectors ran 7% and 2% faster than 24 and 12).
  constexpr int P = V::kLanes >= 16 ? (NV == 1 ? 28 : NV == 2 ? 14 : 24 / NV) : (NV == 1 ? 14 : 12 / NV), P2 = P / 2 > 1 ? P / 2 : 1, P4 = P / 4 > 1 ? P / 4 : 1;
  int64_t p = p0;
  for (; p + P <= p1; p += P) conv_pixels_wide<V, P, NV, TAIL, false>(a, 0, 0, 0, 1, p, co0, p + 2 * P <= p1 ? a.x + (p + P) * a.cin : nullptr);
  if (P2 > 1 && p + P2 <= p1) { conv_pixels_wide<V, P2, NV, TAIL, false>(a, 0, 0, 0, 1, p, co0); p += P2; }
  if (P4 > 1 && p + P4 <= p1) { conv_pixels_wide<V, P4, NV, TAIL, false>(a, 0, 0, 0, 1, p, co0); p += P4; }
  for (; p < p1; ++p) conv_pixels_wide<V, 1, NV, TAIL, false>(a, 0, 0, 0, 1, p, co0);
}

// Output row oy's taps [ky0, ky1) whose input row is inside the image, and its columns [lo, hi)
// that have every tap inside the row.
struct RowWindow { int64_t ky0, ky1, lo, hi; };
inline RowWindow row_window(const ConvSmallArgs& a, int64_t oy) {
  int64_t ky0 = 0, ky1 = a.kh;
  while (ky0 < a.kh && oy * a.sh - a.pt + ky0 * a.dh < 0) ++ky0;
  while (ky1 > ky0 && oy * a.sh - a.pt + (ky1 - 1) * a.dh >= a.h) --ky1;
  const int64_t span = (a.kw - 1) * a.dw;
  int64_t lo = (a.pl + a.sw - 1) / a.sw, hi = a.w - 1 - span + a.pl >= 0 ? (a.w - 1 - span + a.pl) / a.sw + 1 : 0;
  if (lo > a.ow) lo = a.ow;
  if (hi > a.ow) hi = a.ow;
  if (hi < lo) hi = lo;
  return {ky0, ky1, lo, hi};
}

// Output row (b, oy), channels [co0, co0 + NV * V::W): P pixels at a time (P * NV sums, NV
// filter vectors and a broadcast in registers), the edge pixels one at a time.
template <class V, int NV, bool TAIL>
void conv_row_wide(const ConvSmallArgs& a, int64_t b, int64_t oy, int64_t co0) {
  constexpr int P = (V::kLanes >= 16 ? 24 : 12) / NV;  // 24 sums of 32 zmm registers, 12 of 16 ymm
  const auto [ky0, ky1, lo, hi] = row_window(a, oy);
  int64_t ox = 0;
  for (; ox < lo; ++ox) conv_pixels_wide<V, 1, NV, TAIL, true>(a, b, oy, ky0, ky1, ox, co0);
  for (; ox + P <= hi; ox += P) conv_pixels_wide<V, P, NV, TAIL, false>(a, b, oy, ky0, ky1, ox, co0);
  for (; ox < hi; ++ox) conv_pixels_wide<V, 1, NV, TAIL, false>(a, b, oy, ky0, ky1, ox, co0);
  for (; ox < a.ow; ++ox) conv_pixels_wide<V, 1, NV, TAIL, true>(a, b, oy, ky0, ky1, ox, co0);
}

// Channels [co0, co0 + NV * W) (the last vector partial if TAIL) of output rows [r0, r1), or of
// pixels [r0, r1) of a flat 1x1 convolution.
template <class V, int NV, bool TAIL>
void conv_rows_wide(const ConvSmallArgs& a, bool flat, int64_t r0, int64_t r1, int64_t co0) {
  if (flat) return conv_flat_wide<V, NV, TAIL>(a, r0, r1, co0);
  for (int64_t r = r0; r < r1; ++r) conv_row_wide<V, NV, TAIL>(a, r / a.oh, r % a.oh, co0);
}

template <class V, bool FULL>
void conv_row(const ConvSmallArgs& a, int64_t b, int64_t oy, int64_t co0, int64_t nco) {
  const auto [ky0, ky1, lo, hi] = row_window(a, oy);
  int64_t ox = 0;
  for (; ox < lo; ++ox) conv_pixels<V, 1, FULL, true>(a, b, oy, ky0, ky1, ox, co0, nco);
  for (; ox + 8 <= hi; ox += 8) conv_pixels<V, 8, FULL, false>(a, b, oy, ky0, ky1, ox, co0, nco);
  if (ox + 4 <= hi) { conv_pixels<V, 4, FULL, false>(a, b, oy, ky0, ky1, ox, co0, nco); ox += 4; }
  if (ox + 2 <= hi) { conv_pixels<V, 2, FULL, false>(a, b, oy, ky0, ky1, ox, co0, nco); ox += 2; }
  if (ox < hi) { conv_pixels<V, 1, FULL, false>(a, b, oy, ky0, ky1, ox, co0, nco); ++ox; }
  for (; ox < a.ow; ++ox) conv_pixels<V, 1, FULL, true>(a, b, oy, ky0, ky1, ox, co0, nco);
}

// conv_rows_wide with NV = nv (1 to 4) vectors, the last one partial if tail.
template <class V, bool TAIL>
void conv_rows_nv(const ConvSmallArgs& a, bool flat, int64_t nv, int64_t r0, int64_t r1, int64_t co0) {
  switch (nv) {
    case 1: return conv_rows_wide<V, 1, TAIL>(a, flat, r0, r1, co0);
    case 2: return conv_rows_wide<V, 2, TAIL>(a, flat, r0, r1, co0);
    case 3: return conv_rows_wide<V, 3, TAIL>(a, flat, r0, r1, co0);
    default: return conv_rows_wide<V, 4, TAIL>(a, flat, r0, r1, co0);
  }
}

// Output channels in groups of up to 4 vectors (the last one partial if cout ends inside it);
// a single vector's worth by conv_row (a flat 1x1's by the wide loop, 28 or 14 pixels at a
// time). Row by row, all groups of a row while its input is in cache; a plain 1x1 convolution
// given as one-pixel rows (w = ow = 1) as one run of pixels.
template <class V>
void conv_rows(const ConvSmallArgs& a, int64_t r0, int64_t r1) {
  constexpr int64_t W = V::kLanes;
  const bool flat = a.kh == 1 && a.kw == 1 && a.w == 1 && a.ow == 1 && a.sh == 1 && a.pt == 0 && a.pl == 0 && a.h == a.oh;
  auto groups = [&](int64_t q0, int64_t q1) {  // rows [q0, q1), or pixels if flat
    for (int64_t co0 = 0; co0 < a.cout;) {
      const int64_t rem = a.cout - co0, nv = rem >= 4 * W ? 4 : (rem + W - 1) / W;
      if (nv == 1 && !flat) {
        for (int64_t r = q0; r < q1; ++r) {
          if (rem >= W) conv_row<V, true>(a, r / a.oh, r % a.oh, co0, W);
          else conv_row<V, false>(a, r / a.oh, r % a.oh, co0, rem);
        }
      } else if (rem < nv * W) {
        conv_rows_nv<V, true>(a, flat, nv, q0, q1, co0);
      } else {
        conv_rows_nv<V, false>(a, flat, nv, q0, q1, co0);
      }
      co0 += nv * W;
    }
  };
  if (flat) return groups(r0, r1);
  for (int64_t r = r0; r < r1; ++r) groups(r, r + 1);
}

}  // namespace
}  // namespace tl
