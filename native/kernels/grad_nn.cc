// Backprop kernels of the NHWC window ops (lib/ops/defs/grad.ts): Conv2DBackpropFilter (floats:
// im2col + GEMM on the MatMul engine, dfilter[kh*kw*cin, cout] = col^T · out_backprop summed over
// fixed chunks of output pixels; int32, tiny filters and f32 with <= 16 output channels: direct
// loops), MaxPoolGrad (each output gradient goes to
// its window's first maximum, as TF's CPU kernel recomputes it from orig_input; channels
// innermost) and AvgPoolGrad (spread evenly over the window's in-bounds elements). Parallel over
// batch images for the pools; every index is bounds-checked against the validated geometry.
#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "batch_matmul.h"
#include "conv_small.h"
#include "elementwise.h"
#include "kernel.h"
#include "nn_util.h"

namespace tl {

namespace {

struct Geom2 {
  int64_t n, h, w, c;  // input
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t oh, ow, pt, pl;
};

// Calls fn(x offset, dy offset) in elements (x pixel, output pixel; before the channel index)
// for every output position (b, oy, ox) whose window tap (ky, kx) falls inside the input: the
// walk every filter-gradient kernel makes for one tap.
template <class Fn>
inline void for_each_tap_hit(const Geom2& g, int64_t ky, int64_t kx, Fn fn) {
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
      if (iy < 0 || iy >= g.h) continue;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t ix = ox * g.sw + kx * g.dw - g.pl;
        if (ix < 0 || ix >= g.w) continue;
        fn((b * g.h + iy) * g.w + ix, (b * g.oh + oy) * g.ow + ox);
      }
    }
}

// TF's window attr checks for NHWC ops: 4 entries, 1 in the batch and depth dims, positive.
Status check_window_attr(KernelContext& ctx, const std::vector<int64_t>& v, const char* what) {
  if (v.size() != 4) return ctx.invalid(std::string("Sliding window ") + what + " field must specify 4 dimensions");
  for (int64_t d : v)
    if (d < 1 || d > kMaxWindowAttr) return ctx.invalid(std::string("Sliding window ") + what + " must be positive, got " + join_ints(v, ","));
  return Status::OK();
}

// The window attrs of a convolution backprop (NHWC only, strides and dilations of 4 entries and
// 1 in the batch and depth dims, a known padding) read from attr indices `a`.
struct ConvAttrIdx { int strides, padding, explicit_pads, data_format, dilations; };
Status conv_backprop_attrs(KernelContext& ctx, ConvAttrIdx a, Padding* padding) {
  const auto& strides = ctx.attr(a.strides).ints;
  const auto& dil = ctx.attr(a.dilations).ints;
  if (ctx.attr(a.data_format).s != "NHWC") return ctx.invalid(std::string(ctx.node.type_name) + " only supports the NHWC data format on the CPU.");
  TL_RETURN_IF_ERROR(check_window_attr(ctx, strides, "strides"));
  TL_RETURN_IF_ERROR(check_window_attr(ctx, dil, "dilations"));
  if (strides[0] != 1 || strides[3] != 1)
    return make_error(kUnimplemented, "Current implementation does not yet support strides in the batch and depth dimensions.");
  if (dil[0] != 1 || dil[3] != 1)
    return make_error(kUnimplemented, "Current implementation does not yet support dilations in the batch and depth dimensions.");
  if (!parse_padding(ctx.attr(a.padding).s, padding)) return ctx.invalid("Invalid padding: " + ctx.attr(a.padding).s);
  return check_explicit_paddings(ctx, *padding, ctx.attr(a.explicit_pads).ints);
}

Status windows(KernelContext& ctx, Padding padding, const std::vector<int64_t>& ep, Geom2* g) {
  Window wr, wc;
  const bool e = padding == Padding::kExplicit;
  TL_RETURN_IF_ERROR(windowed_output(ctx, g->h, g->kh, g->dh, g->sh, padding, e ? ep[2] : 0, e ? ep[3] : 0, &wr));
  TL_RETURN_IF_ERROR(windowed_output(ctx, g->w, g->kw, g->dw, g->sw, padding, e ? ep[4] : 0, e ? ep[5] : 0, &wc));
  g->oh = wr.out; g->ow = wc.out; g->pt = wr.pad_before; g->pl = wc.pad_before;
  return Status::OK();
}

Status shape_from_vector(KernelContext& ctx, const Tensor& t, const char* what, Shape* s) {
  if (t.shape.size() != 1 || t.shape[0] != 4)
    return ctx.invalid(std::string(what) + " must be 1-dimensional with 4 elements, got shape " + shape_str(t.shape));
  const int32_t* d = t.data<int32_t>();
  s->assign(d, d + 4);
  for (int64_t v : *s)
    if (v < 0) return ctx.invalid(std::string(what) + " has a negative dimension: " + shape_str(*s));
  return Status::OK();
}

template <class T>
void backprop_filter(KernelContext& ctx, const Geom2& g, int64_t cout, const T* x, const T* dy, T* df) {
  const int64_t rows = g.kh * g.kw * g.c;
  parallel_rows(ctx, rows, g.n * g.oh * g.ow * cout, [&](int64_t r0, int64_t r1) {
    std::vector<T> acc(static_cast<size_t>(cout));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ci = r % g.c, kx = (r / g.c) % g.kw, ky = r / (g.c * g.kw);
      std::fill(acc.begin(), acc.end(), T(0));
      for_each_tap_hit(g, ky, kx, [&](int64_t xi, int64_t yi) {
        const T xv = x[xi * g.c + ci];
        const T* dyr = dy + yi * cout;
        if constexpr (std::is_integral_v<T>) { for (int64_t co = 0; co < cout; ++co) acc[co] = wadd<T>(acc[co], wmul<T>(xv, dyr[co])); }
        else { for (int64_t co = 0; co < cout; ++co) acc[co] += xv * dyr[co]; }
      });
      std::copy(acc.begin(), acc.end(), df + r * cout);
    }
  });
}

// Rows [p0, p1) of the im2col matrix of x (row p: output pixel p of the whole batch, its
// receptive field as kh*kw*cin values, zeros where the window leaves the padded input).
template <class T>
void im2col_rows(const Geom2& g, const T* x, int64_t p0, int64_t p1, T* col) {
  const int64_t kdim = g.kh * g.kw * g.c;
  int64_t b = p0 / (g.oh * g.ow), oy = p0 / g.ow % g.oh, ox = p0 % g.ow;  // pixel p, stepped below (no divisions per pixel)
  for (int64_t p = p0; p < p1; ++p, ++ox) {
    if (ox == g.ow) { ox = 0; if (++oy == g.oh) { oy = 0; ++b; } }
    T* dst = col + (p - p0) * kdim;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
      for (int64_t kx = 0; kx < g.kw; ++kx, dst += g.c) {
        const int64_t ix = ox * g.sw + kx * g.dw - g.pl;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) std::fill(dst, dst + g.c, T(0));
        else if (g.c == 1) *dst = x[(b * g.h + iy) * g.w + ix];  // (a call per value would cost more than the copy)
        else std::memcpy(dst, x + ((b * g.h + iy) * g.w + ix) * g.c, sizeof(T) * static_cast<size_t>(g.c));
      }
    }
  }
}

constexpr int64_t kColChunkBytes = 1 << 20;   // im2col rows per chunk: about this many bytes (L2)
constexpr int64_t kColAllBytes = 16 << 20;    // parallel chunks: the whole im2col matrix up to this
constexpr int64_t kPartialBytes = 8 << 20;    // ... and the chunks' partial filters up to this
constexpr int64_t kMinChunks = 8;
constexpr int64_t kGemmMinFilter = 256;
constexpr int64_t kDirectMaxCout = 16;  // f32: direct up to here (2-3x faster at 16, slower at 32+)

// Floats: df = sum over chunks of output pixels of col(chunk)^T · dy(chunk), the chunks fixed by
// the shapes and summed in order, so the result does not depend on the thread count. When the
// whole im2col matrix and the chunks' partial products are small, the chunks run in parallel,
// each a serial GEMM; otherwise in turn, each GEMM on the whole pool. Either way one scratch
// allocation (a pooled block for the next step, not fresh pages).
template <class T>
Status backprop_filter_gemm(KernelContext& ctx, const Geom2& g, int64_t cout, const T* x, const T* dy, T* df) {
  const int64_t kdim = g.kh * g.kw * g.c, pixels = g.n * g.oh * g.ow, fsize = kdim * cout;
  if (pixels == 0) { std::fill(df, df + fsize, T(0)); return Status::OK(); }
  // At most kColChunkBytes of im2col rows, and at least kMinChunks chunks (of >= 512 rows) so
  // that small images still spread over the pool.
  const int64_t by_bytes = std::max<int64_t>(1, kColChunkBytes / static_cast<int64_t>(kdim * sizeof(T)));
  const int64_t rows = std::min({pixels, by_bytes, std::max<int64_t>(512, (pixels + kMinChunks - 1) / kMinChunks)});
  const int64_t chunks = (pixels + rows - 1) / rows;
  const int64_t zero_off = 0;
  const DType dt = dtype_of<T>();
  const int64_t elem = static_cast<int64_t>(sizeof(T));  // (the products below are bounded before they are formed)
  const bool parallel = ctx.run.num_threads() > 1 && chunks > 1 && pixels <= kColAllBytes / elem / kdim && chunks <= kPartialBytes / elem / fsize;
  // parallel: [pixels x kdim] im2col, then chunks partial filters; else one chunk's rows and one partial.
  const int64_t col_elems = parallel ? pixels * kdim : rows * kdim, part_elems = parallel ? chunks * fsize : fsize;
  auto scratch = Buffer::allocate(sizeof(T) * static_cast<size_t>(col_elems + part_elems));
  if (!scratch) return make_error(kResourceExhausted, "Conv2DBackpropFilter: out of memory for the im2col buffer");
  T* col = static_cast<T*>(scratch->data);
  T* part = col + col_elems;
  // Chunk i's product into out; its im2col rows at c.
  auto product = [&](KernelContext& kc, int64_t i, T* c, T* out) {
    const int64_t p0 = i * rows, p1 = std::min(pixels, p0 + rows);
    im2col_rows(g, x, p0, p1, c);
    return gemm_batched(kc, dt, 1, kdim, cout, p1 - p0, c, true, &zero_off, dy + p0 * cout, false, &zero_off, out);
  };
  auto add = [](T* acc, const T* v, int64_t n) { for (int64_t j = 0; j < n; ++j) acc[j] += v[j]; };
  if (parallel) {
    std::mutex mu;
    Status first;
    ctx.run.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
      // A serial context per task: no nested splitting.
      RunControl serial;
      serial.deadline_ns = ctx.run.deadline_ns;
      serial.cancel_flag = ctx.run.cancel_flag;
      KernelContext sub{ctx.node, ctx.inputs, ctx.outputs, serial};
      for (int64_t i = c0; i < c1; ++i) {
        Status st = product(sub, i, col + i * rows * kdim, part + i * fsize);
        if (!st.ok()) {
          std::lock_guard<std::mutex> lk(mu);
          if (first.ok()) first = st;
          return;
        }
      }
    });
    TL_RETURN_IF_ERROR(first);
    if (ctx.run.interrupted || ctx.run.should_stop()) return ctx.run.stop_status();
    std::copy(part, part + fsize, df);
    for (int64_t i = 1; i < chunks; ++i) add(df, part + i * fsize, fsize);
    return Status::OK();
  }
  for (int64_t i = 0; i < chunks; ++i) {
    if (ctx.run.should_stop()) return ctx.run.stop_status();
    T* out = i == 0 ? df : part;
    TL_RETURN_IF_ERROR(product(ctx, i, col, out));
    if (i > 0) add(df, out, fsize);
  }
  return Status::OK();
}

// Tap (ky, kx), input channel ci, output channels [co0, co0 + CO) of the filter gradient over
// output rows [r0, r1) (r = b * oh + oy): the sums of x · dy, kept in registers (CO is known at
// compile time, so the channel loop vectorizes).
template <class T, int CO>
void filter_tap_block(const Geom2& g, int64_t cout, const T* x, const T* dy, int64_t ky, int64_t kx, int64_t ci, int64_t co0,
                      int64_t r0, int64_t r1, T* out) {
  T s[CO] = {};
  // Columns ox whose input column ox * sw + off is inside [0, w).
  const int64_t off = kx * g.dw - g.pl;
  const int64_t lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
  const int64_t hi = off >= g.w ? 0 : std::min(g.ow, (g.w - off + g.sw - 1) / g.sw);
  const int64_t xs = g.sw * g.c;  // from column ox to ox + 1 of x
  if (lo >= hi) r1 = r0;
  for (int64_t r = r0, b = r0 / g.oh, oy = r0 % g.oh; r < r1; ++r, oy = oy + 1 == g.oh ? (++b, 0) : oy + 1) {
    const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
    if (iy < 0 || iy >= g.h) continue;
    const T* xr = x + ((b * g.h + iy) * g.w + lo * g.sw + off) * g.c + ci;
    const T* dr = dy + (r * g.ow + lo) * cout + co0;
    for (int64_t ox = lo; ox < hi; ++ox, xr += xs, dr += cout) {
      const T v = *xr;
      for (int c = 0; c < CO; ++c) s[c] += v * dr[c];
    }
  }
  for (int c = 0; c < CO; ++c) out[c] = s[c];
}

// Floats, filters too small for a GEMM tile (or f32 with few output channels): per fixed chunk
// of output rows a whole partial filter, f32 by conv_small.h's SIMD loop, f64 with each (tap,
// input channel, block of 8, 4 or 1 output channels) summed over the chunk in registers; the
// partials then added in chunk order (the same sums for any thread count).
template <class T>
void backprop_filter_small(KernelContext& ctx, const Geom2& g, int64_t cout, const T* x, const T* dy, T* df) {
  const int64_t fsize = g.kh * g.kw * g.c * cout, rows = g.n * g.oh;
  constexpr int64_t kPixels = 2048;
  const int64_t per = std::max<int64_t>(1, kPixels / std::max<int64_t>(1, g.ow));  // rows per chunk
  const int64_t chunks = (rows + per - 1) / per;
  std::fill(df, df + fsize, T(0));
  if (chunks == 0 || g.ow == 0) return;
  std::vector<T> part(static_cast<size_t>(chunks * fsize), T(0));
  const FilterGradRowsFn fg = std::is_same_v<T, float> ? filter_grad_rows_f32_fn(cout) : nullptr;
  auto body = [&](int64_t c0, int64_t c1) {
    for (int64_t i = c0; i < c1; ++i) {
      const int64_t r0 = i * per, r1 = std::min(rows, r0 + per);
      T* acc = part.data() + i * fsize;
      if constexpr (std::is_same_v<T, float>) {
        if (fg) {
          const FilterGradArgs args{x, dy, g.n, g.h, g.w, g.c, cout, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, g.pt, g.pl};
          fg(args, r0, r1, acc);
          continue;
        }
      }
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx)
          for (int64_t ci = 0; ci < g.c; ++ci) {
            T* a = acc + ((ky * g.kw + kx) * g.c + ci) * cout;
            int64_t co = 0;
            for (; co + 8 <= cout; co += 8) filter_tap_block<T, 8>(g, cout, x, dy, ky, kx, ci, co, r0, r1, a + co);
            for (; co + 4 <= cout; co += 4) filter_tap_block<T, 4>(g, cout, x, dy, ky, kx, ci, co, r0, r1, a + co);
            for (; co < cout; ++co) filter_tap_block<T, 1>(g, cout, x, dy, ky, kx, ci, co, r0, r1, a + co);
          }
    }
  };
  if (chunks == 1) body(0, 1); else ctx.run.parallel_for(chunks, 1, body);
  for (int64_t i = 0; i < chunks; ++i) {
    const T* p = part.data() + i * fsize;
    for (int64_t j = 0; j < fsize; ++j) df[j] += p[j];
  }
}

}  // namespace

// Conv2DBackpropFilter(input, filter_sizes, out_backprop). Attrs: T, strides, use_cudnn_on_gpu,
// padding, explicit_paddings, data_format, dilations.
Status kernel_conv2d_backprop_filter(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& dy = ctx.input(2);
  const auto& strides = ctx.attr(1).ints;
  const auto& ep = ctx.attr(4).ints;
  const auto& dil = ctx.attr(6).ints;
  Padding padding;
  TL_RETURN_IF_ERROR(conv_backprop_attrs(ctx, {1, 3, 4, 5, 6}, &padding));
  Shape fs;
  TL_RETURN_IF_ERROR(shape_from_vector(ctx, ctx.input(1), "Conv2DBackpropFilter: filter_sizes input", &fs));
  if (x.shape.size() != 4) return ctx.invalid("input must be 4-dimensional" + shape_str(x.shape));
  if (dy.shape.size() != 4) return ctx.invalid("out_backprop must be 4-dimensional" + shape_str(dy.shape));
  Geom2 g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], fs[0], fs[1], strides[1], strides[2], dil[1], dil[2], 0, 0, 0, 0};
  if (fs[2] != g.c) return ctx.invalid("input depth must be evenly divisible by filter depth: " + std::to_string(g.c) + " vs " + std::to_string(fs[2]));
  TL_RETURN_IF_ERROR(windows(ctx, padding, ep, &g));
  if (dy.shape[0] != g.n) return ctx.invalid("input and out_backprop must have the same batch size");
  if (dy.shape[1] != g.oh || dy.shape[2] != g.ow)
    return ctx.invalid("Conv2DBackpropFilter: Size of out_backprop doesn't match computed: actual = " + shape_str(dy.shape) +
                       ", computed = [" + join_ints({g.n, g.oh, g.ow, fs[3]}, ",") + "]");
  if (dy.shape[3] != fs[3]) return ctx.invalid("depth of out_backprop (" + std::to_string(dy.shape[3]) + ") doesn't match filter's out channels (" + std::to_string(fs[3]) + ")");
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, fs, &out));
  if (out->num_elements() == 0) return Status::OK();
  Status st = Status::OK();
  const bool ok = dispatch<float, double, int32_t>(x.dtype, [&](auto t) {
    using T = decltype(t);
    // A filter of fewer than kGemmMinFilter values fills too little of a GEMM tile, and f32 with
    // few output channels a GEMM's columns: direct loops.
    if constexpr (std::is_floating_point_v<T>) {
      const bool simd = std::is_same_v<T, float> && fs[3] <= kDirectMaxCout && filter_grad_rows_f32_fn(fs[3]);
      if (out->num_elements() >= kGemmMinFilter && !simd) st = backprop_filter_gemm<T>(ctx, g, fs[3], x.data<T>(), dy.data<T>(), out->data<T>());
      else backprop_filter_small<T>(ctx, g, fs[3], x.data<T>(), dy.data<T>(), out->data<T>());
    } else {
      backprop_filter<T>(ctx, g, fs[3], x.data<T>(), dy.data<T>(), out->data<T>());
    }
  });
  if (!ok) return ctx.invalid(std::string("Conv2DBackpropFilter not supported for dtype ") + dtype_tf_name(x.dtype));
  return st;
}

namespace {

// Per channel, the first maximum of the window [y0, y1) x [x0, x1) of the image xb (width w, c
// channels, TF's scan order; NaN never replaces the first value): its value in bv, its element
// index in bi. Channels innermost and masks instead of branches (on real activations the
// comparison is a coin toss); I is int32_t when the image's indices fit, so the loop vectorizes
// on equal-width lanes.
template <class T, class I>
void window_argmax(const T* __restrict xb, int64_t w, int64_t c, int64_t y0, int64_t y1, int64_t x0, int64_t x1,
                   T* __restrict bv, I* __restrict bi) {
  const I first = static_cast<I>((y0 * w + x0) * c);
  for (int64_t ch = 0; ch < c; ++ch) { bv[ch] = xb[first + ch]; bi[ch] = static_cast<I>(first + ch); }
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) {
      const I k = static_cast<I>((iy * w + ix) * c);
      const T* __restrict xr = xb + k;
      for (int64_t ch = 0; ch < c; ++ch) {
        const T v = xr[ch], cur = bv[ch];
        const I take = -static_cast<I>(v > cur);
        bv[ch] = v > cur ? v : cur;
        bi[ch] = (bi[ch] & ~take) | ((k + static_cast<I>(ch)) & take);
      }
    }
}

}  // namespace

// MaxPoolGrad(orig_input, orig_output, grad): attrs ksize, strides, padding, explicit_paddings,
// data_format, T. AvgPoolGrad(orig_input_shape, grad): attrs ksize, strides, padding,
// data_format, T.
Status kernel_pool_grad(KernelContext& ctx) {
  const bool is_max = ctx.node.op == OpId::MaxPoolGrad;
  const auto& ksize = ctx.attr(0).ints;
  const auto& strides = ctx.attr(1).ints;
  static const std::vector<int64_t> kNone;
  const auto& ep = is_max ? ctx.attr(3).ints : kNone;
  const std::string& format = ctx.attr(is_max ? 4 : 3).s;
  if (format != "NHWC") return ctx.invalid(std::string("Default ") + (is_max ? "MaxPoolingGradOp" : "AvgPoolingGradOp") + " only supports NHWC on device type CPU");
  TL_RETURN_IF_ERROR(check_window_attr(ctx, ksize, "ksize"));
  TL_RETURN_IF_ERROR(check_window_attr(ctx, strides, "stride"));
  if (ksize[0] != 1 || strides[0] != 1) return make_error(kUnimplemented, "Pooling is not yet supported on the batch dimension.");
  if (ksize[3] != 1 || strides[3] != 1) return make_error(kUnimplemented, "Non-spatial pooling gradients are not supported.");
  Padding padding;
  if (!parse_padding(ctx.attr(2).s, &padding) || (!is_max && padding == Padding::kExplicit)) return ctx.invalid("Invalid padding: " + ctx.attr(2).s);
  TL_RETURN_IF_ERROR(check_explicit_paddings(ctx, padding, ep));
  Shape in_shape;
  if (is_max) {
    in_shape = ctx.input(0).shape;
    if (in_shape.size() != 4) return ctx.invalid("orig_input must be 4-dimensional");
    if (ctx.input(1).shape.size() != 4) return ctx.invalid("orig_output must be 4-dimensional");
  } else {
    TL_RETURN_IF_ERROR(shape_from_vector(ctx, ctx.input(0), "orig_input_shape", &in_shape));
  }
  const Tensor& dy = ctx.input(is_max ? 2 : 1);
  if (dy.shape.size() != 4) return ctx.invalid("out_backprop must be 4-dimensional");
  Geom2 g{in_shape[0], in_shape[1], in_shape[2], in_shape[3], ksize[1], ksize[2], strides[1], strides[2], 1, 1, 0, 0, 0, 0};
  TL_RETURN_IF_ERROR(windows(ctx, padding, ep, &g));
  const Shape out_shape{g.n, g.oh, g.ow, g.c};
  if (dy.shape != out_shape) return ctx.invalid("Expected grad shape to be " + shape_str(out_shape) + ", but got " + shape_str(dy.shape));
  if (is_max && ctx.input(1).shape != out_shape)
    return ctx.invalid("Expected orig_output shape to be " + shape_str(out_shape) + ", but got " + shape_str(ctx.input(1).shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in_shape, &out));
  const int64_t image = g.h * g.w * g.c, oimage = g.oh * g.ow * g.c;
  auto run = [&](auto t) {
    using T = decltype(t);
    T* dx = out->data<T>();
    const T* gy = dy.data<T>();
    const T* x = is_max ? ctx.input(0).data<T>() : nullptr;
    if (out->num_elements() == 0) return;
    parallel_rows(ctx, g.n, oimage * g.kh * g.kw, [&](int64_t b0, int64_t b1) {
      std::memset(dx + b0 * image, 0, sizeof(T) * static_cast<size_t>((b1 - b0) * image));
      // Max: per channel the window's first maximum (window_argmax), then its gradient there.
      std::vector<T> best_v(is_max ? static_cast<size_t>(g.c) : 0);
      std::vector<int32_t> best_i32(is_max && image <= INT32_MAX ? best_v.size() : 0);
      std::vector<int64_t> best_i64(is_max && image > INT32_MAX ? best_v.size() : 0);
      for (int64_t b = b0; b < b1; ++b) {
        T* dxb = dx + b * image;
        const T* xb = is_max ? x + b * image : nullptr;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t y0 = std::max<int64_t>(oy * g.sh - g.pt, 0), y1 = std::min<int64_t>(oy * g.sh - g.pt + g.kh, g.h);
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t x0 = std::max<int64_t>(ox * g.sw - g.pl, 0), x1 = std::min<int64_t>(ox * g.sw - g.pl + g.kw, g.w);
            const T* gr = gy + ((b * g.oh + oy) * g.ow + ox) * g.c;
            if (y0 >= y1 || x0 >= x1) continue;
            if (is_max) {
              auto scatter = [&](const auto* bi) { for (int64_t ch = 0; ch < g.c; ++ch) dxb[bi[ch]] = wadd<T>(dxb[bi[ch]], gr[ch]); };
              if (!best_i32.empty()) {
                window_argmax(xb, g.w, g.c, y0, y1, x0, x1, best_v.data(), best_i32.data());
                scatter(best_i32.data());
              } else {
                window_argmax(xb, g.w, g.c, y0, y1, x0, x1, best_v.data(), best_i64.data());
                scatter(best_i64.data());
              }
            } else {
              const T inv = T(1) / static_cast<T>((y1 - y0) * (x1 - x0));
              for (int64_t iy = y0; iy < y1; ++iy)
                for (int64_t ix = x0; ix < x1; ++ix) {
                  T* d = dxb + (iy * g.w + ix) * g.c;
                  for (int64_t ch = 0; ch < g.c; ++ch) d[ch] += gr[ch] * inv;
                }
            }
          }
        }
      }
    });
  };
  const bool ok = is_max ? dispatch<float, double, int32_t, int64_t, uint8_t>(dy.dtype, run) : dispatch<float, double>(dy.dtype, run);
  return ok ? Status::OK() : ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(dy.dtype));
}

}  // namespace tl

namespace tl {

// FusedBatchNormGradV3(y_backprop, x, scale, reserve_space_1, reserve_space_2, reserve_space_3):
// attrs T, U, epsilon, data_format, is_training. Training: reserve_space_1/2 are the batch mean
// and biased variance, and dx = scale·rsqrt(var+ε)·(dy − mean(dy) − x̂·mean(dy·x̂)); inference:
// they are the population statistics and dx = dy·scale·rsqrt(var+ε). Per-channel sums in double.
Status kernel_batchnorm_grad(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& scale = ctx.input(2);
  const Tensor& mean_t = ctx.input(3);
  const Tensor& var_t = ctx.input(4);
  // Attrs (epsilon, data_format, is_training) follow T and U; FusedBatchNormGrad has no U.
  const int a = ctx.node.op == OpId::FusedBatchNormGrad ? 1 : 2;
  const float epsilon = static_cast<float>(ctx.attr(a).f);
  const std::string& format = ctx.attr(a + 1).s;
  const bool training = ctx.attr(a + 2).b;
  if (x.dtype != DType::f32) return ctx.invalid(std::string(ctx.node.type_name) + " supports float only");
  const size_t rank = format.size();
  if (format != "NHWC" && format != "NCHW" && format != "NDHWC" && format != "NCDHW") return ctx.invalid("Invalid data format");
  if (x.shape.size() != rank) return ctx.invalid("input must be " + std::to_string(rank) + "-dimensional" + shape_str(x.shape));
  if (dy.shape != x.shape)
    return ctx.invalid("x and y_backprop must have same shape, but x has shape " + shape_str(x.shape) + " and y_backprop has shape " + shape_str(dy.shape));
  const size_t ch = format[1] == 'C' ? 1 : rank - 1;
  const int64_t c = x.shape[ch];
  for (const Tensor* v : {&scale, &mean_t, &var_t})
    if (v->shape.size() != 1 || v->shape[0] != c)
      return ctx.invalid("scale, reserve_space_1 and reserve_space_2 must be 1-dimensional with " + std::to_string(c) + " elements, got " +
                         shape_str(v->shape));
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ch; ++i) outer *= x.shape[i];
  for (size_t i = ch + 1; i < rank; ++i) inner *= x.shape[i];
  Tensor *dx, *dscale, *doffset, *r4, *r5;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, x.shape, &dx));
  TL_RETURN_IF_ERROR(ctx.allocate_output(1, {c}, &dscale));
  TL_RETURN_IF_ERROR(ctx.allocate_output(2, {c}, &doffset));
  TL_RETURN_IF_ERROR(ctx.allocate_output(3, {0}, &r4));
  TL_RETURN_IF_ERROR(ctx.allocate_output(4, {0}, &r5));
  const float* g = dy.data<float>();
  const float* xd = x.data<float>();
  const float* sc = scale.data<float>();
  const float* mu = mean_t.data<float>();
  const float* var = var_t.data<float>();
  std::vector<double> inv(static_cast<size_t>(c)), sum_dy(static_cast<size_t>(c), 0.0), sum_dy_xhat(static_cast<size_t>(c), 0.0);
  for (int64_t k = 0; k < c; ++k) inv[k] = 1.0 / std::sqrt(static_cast<double>(var[k]) + epsilon);
  // Per-channel sums: parallel over channel blocks (each channel has one writer).
  parallel_rows(ctx, c, outer * inner, [&](int64_t c0, int64_t c1) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = c0; k < c1; ++k) {
        const int64_t base = (o * c + k) * inner;
        double s1 = 0, s2 = 0;
        for (int64_t i = 0; i < inner; ++i) {
          const double gv = g[base + i];
          s1 += gv;
          s2 += gv * (xd[base + i] - mu[k]) * inv[k];
        }
        sum_dy[k] += s1;
        sum_dy_xhat[k] += s2;
      }
  });
  float* ds = dscale->data<float>();
  float* dof = doffset->data<float>();
  for (int64_t k = 0; k < c; ++k) { ds[k] = static_cast<float>(sum_dy_xhat[k]); dof[k] = static_cast<float>(sum_dy[k]); }
  const double m = static_cast<double>(outer * inner);
  float* out = dx->data<float>();
  parallel_rows(ctx, outer, c * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < c; ++k) {
        const int64_t base = (o * c + k) * inner;
        const double f = sc[k] * inv[k];
        if (training) {
          const double mdy = sum_dy[k] / m, mdyx = sum_dy_xhat[k] / m;
          for (int64_t i = 0; i < inner; ++i) {
            const double xhat = (xd[base + i] - mu[k]) * inv[k];
            out[base + i] = static_cast<float>(f * (g[base + i] - mdy - xhat * mdyx));
          }
        } else {
          for (int64_t i = 0; i < inner; ++i) out[base + i] = static_cast<float>(f * g[base + i]);
        }
      }
  });
  return Status::OK();
}

}  // namespace tl

namespace tl {

// DepthwiseConv2dNativeBackpropInput(input_sizes, filter, out_backprop) and
// DepthwiseConv2dNativeBackpropFilter(input, filter_sizes, out_backprop); attrs T, strides,
// padding, explicit_paddings, data_format, dilations. Filter [kh, kw, cin, mult]; output channel
// ci * mult + m. Input grads run in parallel over images, filter grads over filter taps (each
// task owns its output slice).
Status kernel_depthwise_backprop(KernelContext& ctx) {
  const bool want_input = ctx.node.op == OpId::DepthwiseConv2dNativeBackpropInput;
  const auto& strides = ctx.attr(1).ints;
  const auto& ep = ctx.attr(3).ints;
  const auto& dil = ctx.attr(5).ints;
  Padding padding;
  TL_RETURN_IF_ERROR(conv_backprop_attrs(ctx, {1, 2, 3, 4, 5}, &padding));
  Shape in_shape, f_shape;
  if (want_input) {
    TL_RETURN_IF_ERROR(shape_from_vector(ctx, ctx.input(0), "input_sizes", &in_shape));
    f_shape = ctx.input(1).shape;
    if (f_shape.size() != 4) return ctx.invalid("filter must be 4-dimensional: " + shape_str(f_shape));
  } else {
    in_shape = ctx.input(0).shape;
    if (in_shape.size() != 4) return ctx.invalid("input must be 4-dimensional: " + shape_str(in_shape));
    TL_RETURN_IF_ERROR(shape_from_vector(ctx, ctx.input(1), "filter_sizes", &f_shape));
  }
  const Tensor& dy = ctx.input(2);
  if (dy.shape.size() != 4) return ctx.invalid("out_backprop must be 4-dimensional: " + shape_str(dy.shape));
  Geom2 g{in_shape[0], in_shape[1], in_shape[2], in_shape[3], f_shape[0], f_shape[1], strides[1], strides[2], dil[1], dil[2], 0, 0, 0, 0};
  if (f_shape[2] != g.c)
    return ctx.invalid("input and filter must have the same depth: " + std::to_string(g.c) + " vs " + std::to_string(f_shape[2]));
  const int64_t mult = f_shape[3], cout = g.c * mult;
  TL_RETURN_IF_ERROR(windows(ctx, padding, ep, &g));
  const Shape want{g.n, g.oh, g.ow, cout};
  if (dy.shape != want)
    return ctx.invalid(std::string(ctx.node.type_name) + ": Size of out_backprop doesn't match computed: actual = " + shape_str(dy.shape) +
                       ", computed = " + shape_str(want));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, want_input ? in_shape : f_shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  const bool ok = dispatch<float, double>(dy.dtype, [&](auto t) {
    using T = decltype(t);
    const T* gy = dy.data<T>();
    T* o = out->data<T>();
    if (want_input) {
      const T* f = ctx.input(1).data<T>();
      const int64_t image = g.h * g.w * g.c;
      parallel_rows(ctx, g.n, g.oh * g.ow * g.kh * g.kw * cout, [&](int64_t b0, int64_t b1) {
        std::fill(o + b0 * image, o + b1 * image, T(0));
        for (int64_t b = b0; b < b1; ++b)
          for (int64_t oy = 0; oy < g.oh; ++oy)
            for (int64_t ox = 0; ox < g.ow; ++ox) {
              const T* gr = gy + ((b * g.oh + oy) * g.ow + ox) * cout;
              for (int64_t ky = 0; ky < g.kh; ++ky) {
                const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
                if (iy < 0 || iy >= g.h) continue;
                for (int64_t kx = 0; kx < g.kw; ++kx) {
                  const int64_t ix = ox * g.sw + kx * g.dw - g.pl;
                  if (ix < 0 || ix >= g.w) continue;
                  T* d = o + ((b * g.h + iy) * g.w + ix) * g.c;
                  const T* fr = f + (ky * g.kw + kx) * cout;
                  for (int64_t ci = 0; ci < g.c; ++ci) {
                    T acc = 0;
                    for (int64_t m = 0; m < mult; ++m) acc += gr[ci * mult + m] * fr[ci * mult + m];
                    d[ci] += acc;
                  }
                }
              }
            }
      });
    } else {
      const T* x = ctx.input(0).data<T>();
      parallel_rows(ctx, g.kh * g.kw, g.n * g.oh * g.ow * cout, [&](int64_t t0, int64_t t1) {
        for (int64_t tap = t0; tap < t1; ++tap) {
          const int64_t ky = tap / g.kw, kx = tap % g.kw;
          T* d = o + tap * cout;
          std::fill(d, d + cout, T(0));
          for_each_tap_hit(g, ky, kx, [&](int64_t xi, int64_t yi) {
            const T* xr = x + xi * g.c;
            const T* gr = gy + yi * cout;
            for (int64_t ci = 0; ci < g.c; ++ci)
              for (int64_t m = 0; m < mult; ++m) d[ci * mult + m] += xr[ci] * gr[ci * mult + m];
          });
        }
      });
    }
  });
  return ok ? Status::OK() : ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(dy.dtype));
}

}  // namespace tl
