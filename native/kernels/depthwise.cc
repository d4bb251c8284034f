// DepthwiseConv2dNative: NHWC input, [kh, kw, in, multiplier] filter; output channel c·M + m is
// input channel c convolved with filter[:, :, c, m]. SAME, VALID and EXPLICIT padding, strides,
// and dilations (TF's CPU kernel rejects dilations; TF1's Python builds them with space_to_batch,
// which computes the same). Each output pixel accumulates its taps in order over the contiguous
// channels: f32 with multiplier 1 through depthwise.h's loop vectorized over channels at the
// CPU's ISA level, the rest with plain loops; output rows run in parallel, a fused step's bias
// and activation are applied to each row right after it is computed.
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "depthwise.h"
#include "kernel.h"
#include "nn_util.h"

namespace tl {
namespace {

struct DwGeom {
  int64_t n, h, w, c, m;  // input, depth multiplier
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t oh, ow, pt, pl;
};

// Multiplier 1 (MobileNet's case): each output pixel sums its in-bounds taps over blocks of
// kLanes channels held in a local accumulator (registers), in tap order.
template <class T>
void dw_rows_m1(const DwGeom& g, const T* x, const T* f, T* y, int64_t r0, int64_t r1) {
  constexpr int64_t kLanes = 16;
  std::vector<std::pair<const T*, const T*>> taps;  // (input pixel, filter tap) pairs
  taps.reserve(static_cast<size_t>(g.kh * g.kw));
  for (int64_t r = r0; r < r1; ++r) {  // r = b * oh + oy
    const int64_t b = r / g.oh, y0 = (r % g.oh) * g.sh - g.pt;
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const int64_t x0 = ox * g.sw - g.pl;
      taps.clear();
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t iy = y0 + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t ix = x0 + kx * g.dw;
          if (ix >= 0 && ix < g.w) taps.emplace_back(x + ((b * g.h + iy) * g.w + ix) * g.c, f + (ky * g.kw + kx) * g.c);
        }
      }
      T* out = y + (r * g.ow + ox) * g.c;
      int64_t c0 = 0;
      for (; c0 + kLanes <= g.c; c0 += kLanes) {
        T acc[kLanes] = {};
        for (const auto& t : taps)
          for (int64_t j = 0; j < kLanes; ++j) acc[j] += t.first[c0 + j] * t.second[c0 + j];
        for (int64_t j = 0; j < kLanes; ++j) out[c0 + j] = acc[j];
      }
      for (; c0 < g.c; ++c0) {
        T acc = 0;
        for (const auto& t : taps) acc += t.first[c0] * t.second[c0];
        out[c0] = acc;
      }
    }
  }
}

template <class T>
void dw_rows(const DwGeom& g, const T* x, const T* f, T* y, int64_t r0, int64_t r1) {
  if (g.m == 1) return dw_rows_m1(g, x, f, y, r0, r1);
  const int64_t cm = g.c * g.m;
  for (int64_t r = r0; r < r1; ++r) {  // r = b * oh + oy
    const int64_t b = r / g.oh, y0 = (r % g.oh) * g.sh - g.pt;
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const int64_t x0 = ox * g.sw - g.pl;
      T* out = y + (r * g.ow + ox) * cm;
      std::fill(out, out + cm, T(0));
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t iy = y0 + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t ix = x0 + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          const T* in = x + ((b * g.h + iy) * g.w + ix) * g.c;
          const T* fk = f + (ky * g.kw + kx) * cm;
          for (int64_t k = 0; k < g.c; ++k) {
            const T v = in[k];
            for (int64_t j = 0; j < g.m; ++j) out[k * g.m + j] += v * fk[k * g.m + j];
          }
        }
      }
    }
  }
}

}  // namespace

Status kernel_depthwise_conv2d(KernelContext& ctx) {
  // Attrs: T, strides, padding, explicit_paddings, data_format, dilations.
  const auto& strides = ctx.attr(1).ints;
  const std::string& padding_s = ctx.attr(2).s;
  const auto& explicit_pads = ctx.attr(3).ints;
  const std::string& format = ctx.attr(4).s;
  const auto& dil = ctx.attr(5).ints;
  if (strides.size() != 4) return ctx.invalid("Sliding window strides field must specify 4 dimensions");
  if (format != "NHWC" && format != "NCHW") return ctx.invalid("Invalid data format");
  if (strides[0] != 1 || strides[3] != 1)
    return ctx.invalid("Current implementation does not yet support strides in the batch and depth dimensions.");
  if (strides[1] != strides[2])
    return ctx.invalid("Current implementation only supports equal length strides in the row and column dimensions.");
  if (strides[1] < 1 || strides[1] > kMaxWindowAttr) return ctx.invalid("Stride must be > 0, but got " + std::to_string(strides[1]));
  if (dil.size() != 4) return ctx.invalid("Sliding window dilations field must specify 4 dimensions");
  if (dil[0] != 1 || dil[3] != 1)
    return ctx.invalid("Current implementation does not yet support dilations in the batch and depth dimensions.");
  for (int i = 1; i <= 2; ++i)
    if (dil[i] < 1 || dil[i] > kMaxWindowAttr) return ctx.invalid("Dilation rate must be >= 1, but got " + std::to_string(dil[i]));
  Padding padding;
  if (!parse_padding(padding_s, &padding)) return ctx.invalid("Invalid padding: " + padding_s);
  TL_RETURN_IF_ERROR(check_explicit_paddings(ctx, padding, explicit_pads));
  if (format != "NHWC") return make_error(kUnimplemented, "Depthwise convolution on CPU is only supported for NHWC format");

  const Tensor& x = ctx.input(0);
  const Tensor& f = ctx.input(1);
  if (x.shape.size() != 4) return ctx.invalid("input must be 4-dimensional" + shape_str(x.shape));
  if (f.shape.size() != 4) return ctx.invalid("filter must be 4-dimensional: " + shape_str(f.shape));
  if (x.shape[3] != f.shape[2])
    return ctx.invalid("input and filter must have the same depth: " + std::to_string(x.shape[3]) + " vs " + std::to_string(f.shape[2]));
  DwGeom g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], f.shape[3], f.shape[0], f.shape[1], strides[1], strides[2], dil[1], dil[2],
           0, 0, 0, 0};
  int64_t out_depth;
  if (mul_overflow(g.c, g.m, &out_depth)) return ctx.invalid("Output depth is too large");
  Window wr, wc;
  const bool ep = padding == Padding::kExplicit;
  TL_RETURN_IF_ERROR(windowed_output(ctx, g.h, g.kh, g.dh, g.sh, padding, ep ? explicit_pads[2] : 0, ep ? explicit_pads[3] : 0, &wr));
  TL_RETURN_IF_ERROR(windowed_output(ctx, g.w, g.kw, g.dw, g.sw, padding, ep ? explicit_pads[4] : 0, ep ? explicit_pads[5] : 0, &wc));
  g.oh = wr.out; g.ow = wc.out; g.pt = wr.pad_before; g.pl = wc.pad_before;
  if (ctx.fusion) TL_RETURN_IF_ERROR(check_fused_bias(ctx, out_depth));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {g.n, g.oh, g.ow, out_depth}, &out));
  if (out->num_elements() == 0) return Status::OK();
  const bool ok = dispatch<float, double>(x.dtype, [&](auto t) {
    using T = decltype(t);
    const T* xd = x.data<T>();
    const T* fd = f.data<T>();
    T* yd = out->data<T>();
    const T* bias = ctx.fusion ? ctx.input(ctx.fusion->bias_input).data<T>() : nullptr;
    DwRowsFn simd = nullptr;
    DwArgs args{};
    if constexpr (std::is_same_v<T, float>) {
      if (g.m == 1) {
        simd = depthwise_rows_f32_fn();
        args = DwArgs{xd, fd, yd, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, g.pt, g.pl, nullptr, 0,
                      x.bytes() > (size_t{1} << 20)};  // an input beyond L2: read ahead
        // The bias and a Relu / Relu6 in registers; other activations after each row.
        const OpId act = bias ? ctx.fusion->act : OpId::NoOp;
        if (bias && (act == OpId::NoOp || act == OpId::Relu || act == OpId::Relu6)) {
          args.bias = bias;
          args.act = act == OpId::Relu ? 1 : act == OpId::Relu6 ? 2 : 0;
        }
      }
    }
    parallel_rows(ctx, g.n * g.oh, g.ow * g.kh * g.kw * out_depth + 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        if constexpr (std::is_same_v<T, float>) {
          if (simd) simd(args, r, r + 1);
          else dw_rows<T>(g, xd, fd, yd, r, r + 1);
        } else {
          dw_rows<T>(g, xd, fd, yd, r, r + 1);
        }
        // A fused bias + activation over this output row while it is in cache.
        if (bias && !args.bias) fused_epilogue(*ctx.fusion, yd + r * g.ow * out_depth, g.ow, out_depth, out_depth, bias);
      }
    });
  });
  return ok ? Status::OK() : ctx.invalid(std::string("DepthwiseConv2dNative not supported for dtype ") + dtype_tf_name(x.dtype));
}

}  // namespace tl
