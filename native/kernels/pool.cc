// MaxPool and AvgPool over NHWC windows (SAME, VALID, and EXPLICIT for MaxPool), plus MaxPool
// across depth. Each output pixel reduces its window over the contiguous channels: f32 through
// pool.h's loop vectorized at the CPU's ISA level (the channels past its last full vector, and
// the other dtypes, with plain loops); output rows run in parallel. As TF's CPU kernels:
// max starts from the lowest value and skips NaN (a < b ? b : a), AvgPool divides each sum by
// the number of window elements inside the input.
#include <algorithm>
#include <limits>
#include <type_traits>

#include "kernel.h"
#include "nn_util.h"
#include "pool.h"

namespace tl {
namespace {

struct PoolGeom {
  int64_t n, h, w, c;   // input
  int64_t kh, kw, sh, sw;
  int64_t oh, ow, pt, pl;  // output rows/cols, top/left padding
};

// Each output pixel reduces its in-bounds window over blocks of kLanes channels held in a local
// accumulator (registers), in window order; channels from c_begin on.
template <class T, bool kMax>
void pool_rows(const PoolGeom& g, const T* x, T* y, int64_t r0, int64_t r1, int64_t c_begin) {
  constexpr int64_t kLanes = 16;
  const T init = kMax ? std::numeric_limits<T>::lowest() : T(0);
  auto reduce = [](T a, T v) { return kMax ? (a < v ? v : a) : T(a + v); };
  for (int64_t r = r0; r < r1; ++r) {  // r = b * oh + oy
    const int64_t b = r / g.oh, y0 = (r % g.oh) * g.sh - g.pt;
    const int64_t ys = std::max<int64_t>(y0, 0), ye = std::min(y0 + g.kh, g.h);
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const int64_t x0 = ox * g.sw - g.pl;
      const int64_t xs = std::max<int64_t>(x0, 0), xe = std::min(x0 + g.kw, g.w);
      const T count = static_cast<T>((ye - ys) * (xe - xs));
      T* out = y + (r * g.ow + ox) * g.c;
      const T* row0 = x + ((b * g.h + ys) * g.w + xs) * g.c;
      const int64_t row_step = g.w * g.c;
      int64_t c0 = c_begin;
      for (; c0 + kLanes <= g.c; c0 += kLanes) {
        T acc[kLanes];
        for (int64_t j = 0; j < kLanes; ++j) acc[j] = init;
        for (int64_t iy = ys; iy < ye; ++iy)
          for (const T* in = row0 + (iy - ys) * row_step + c0, *end = in + (xe - xs) * g.c; in != end; in += g.c)
            for (int64_t j = 0; j < kLanes; ++j) acc[j] = reduce(acc[j], in[j]);
        for (int64_t j = 0; j < kLanes; ++j) out[c0 + j] = kMax ? acc[j] : acc[j] / count;
      }
      for (; c0 < g.c; ++c0) {
        T acc = init;
        for (int64_t iy = ys; iy < ye; ++iy)
          for (const T* in = row0 + (iy - ys) * row_step + c0, *end = in + (xe - xs) * g.c; in != end; in += g.c) acc = reduce(acc, *in);
        out[c0] = kMax ? acc : acc / count;
      }
    }
  }
}

template <class T, bool kMax>
void run_spatial(KernelContext& ctx, const PoolGeom& g, const Tensor& in, Tensor* out) {
  const T* x = in.data<T>();
  T* y = out->data<T>();
  PoolRowsFn simd = nullptr;
  PoolArgs args{};
  if constexpr (std::is_same_v<T, float>) {
    simd = pool_rows_f32_fn();
#if defined(__x86_64__) || defined(_M_X64)
    // Fewer than 16 channels: no whole AVX-512 vector, but 8 AVX2 lanes (a small CNN's 8 channels).
    if (simd == pool_rows_f32__avx512 && g.c < 16) simd = pool_rows_f32__avx2;
#endif
    args = PoolArgs{x, y, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.pt, g.pl, kMax};
  }
  parallel_rows(ctx, g.n * g.oh, g.ow * g.kh * g.kw * g.c + 1, [&](int64_t r0, int64_t r1) {
    const int64_t done = simd ? simd(args, r0, r1) : 0;
    if (done < g.c) pool_rows<T, kMax>(g, x, y, r0, r1, done);
  });
}

// MaxPool across depth: output channel j is the max of input channels [j·d, (j+1)·d).
template <class T>
void run_depth(KernelContext& ctx, int64_t pixels, int64_t c, int64_t d, const Tensor& in, Tensor* out) {
  const T* x = in.data<T>();
  T* y = out->data<T>();
  parallel_rows(ctx, pixels, c + 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t j = 0; j < c / d; ++j) {
        T m = std::numeric_limits<T>::lowest();
        for (int64_t k = 0; k < d; ++k) { const T v = x[p * c + j * d + k]; m = m < v ? v : m; }
        y[p * (c / d) + j] = m;
      }
    }
  });
}

}  // namespace

Status kernel_pool(KernelContext& ctx) {
  const bool is_max = ctx.node.op == OpId::MaxPool;
  // Attr order: MaxPool (T, ksize, strides, padding, explicit_paddings, data_format),
  // AvgPool (ksize, strides, padding, data_format, T).
  const auto& ksize = ctx.attr(is_max ? 1 : 0).ints;
  const auto& strides = ctx.attr(is_max ? 2 : 1).ints;
  const std::string& padding_s = ctx.attr(is_max ? 3 : 2).s;
  const std::string& format = ctx.attr(is_max ? 5 : 3).s;
  static const std::vector<int64_t> kNone;
  const auto& explicit_pads = is_max ? ctx.attr(4).ints : kNone;
  const char* op = is_max ? "MaxPoolingOp" : "AvgPoolingOp";

  if (format != "NHWC" && format != "NCHW" && format != "NCHW_VECT_C") return ctx.invalid("Invalid data format");
  if (ksize.size() != 4) return ctx.invalid("Sliding window ksize field must specify 4 dimensions");
  if (strides.size() != 4) return ctx.invalid("Sliding window stride field must specify 4 dimensions");
  Padding padding;
  if (!parse_padding(padding_s, &padding) || (!is_max && padding == Padding::kExplicit))
    return ctx.invalid("Invalid padding: " + padding_s);
  TL_RETURN_IF_ERROR(check_explicit_paddings(ctx, padding, explicit_pads));
  if (ksize[0] != 1 || strides[0] != 1) return make_error(kUnimplemented, "Pooling is not yet supported on the batch dimension.");
  if (format != "NHWC") return ctx.invalid(std::string("Default ") + op + " only supports NHWC on device type CPU");

  const Tensor& in = ctx.input(0);
  if (in.shape.size() != 4) return ctx.invalid("tensor_in must be 4-dimensional");
  for (int64_t k : ksize)
    if (k <= 0 || k > kMaxWindowAttr)
      return ctx.invalid("Sliding window ksize must be positive. The specified or inferred ksize is: " + join_ints(ksize, ","));
  for (int64_t s : strides)
    if (s <= 0 || s > kMaxWindowAttr) return ctx.invalid("Stride must be > 0, but got " + std::to_string(s));
  PoolGeom g{in.shape[0], in.shape[1], in.shape[2], in.shape[3], ksize[1], ksize[2], strides[1], strides[2], 0, 0, 0, 0};
  const int64_t depth_window = ksize[3];
  if (depth_window != 1) {
    if (!is_max) return make_error(kUnimplemented, "Non-spatial pooling is not yet supported. Volunteers? :)");
    if (g.kh != 1 || g.kw != 1)
      return make_error(kUnimplemented, "MaxPooling supports exactly one of pooling across depth or pooling across width/height.");
    if (g.c % depth_window != 0)
      return make_error(kUnimplemented, "Depthwise max pooling requires the depth window to evenly divide the input depth");
    if (strides[3] != depth_window)
      return make_error(kUnimplemented, "Depthwise max pooling requires the depth window to equal the depth stride");
    Tensor* out;
    TL_RETURN_IF_ERROR(ctx.allocate_output(0, {g.n, g.h, g.w, g.c / depth_window}, &out));
    const int64_t pixels = g.n * g.h * g.w;
    if (!dispatch<float, double, int32_t, int64_t, uint8_t>(in.dtype, [&](auto t) {
          run_depth<decltype(t)>(ctx, pixels, g.c, depth_window, in, out);
        }))
      return ctx.invalid(std::string("MaxPool not supported for dtype ") + dtype_tf_name(in.dtype));
    return Status::OK();
  }

  Window wr, wc;
  const int64_t* ep = explicit_pads.empty() ? nullptr : explicit_pads.data();
  TL_RETURN_IF_ERROR(windowed_output(ctx, g.h, g.kh, 1, g.sh, padding, ep ? ep[2] : 0, ep ? ep[3] : 0, &wr));
  TL_RETURN_IF_ERROR(windowed_output(ctx, g.w, g.kw, 1, g.sw, padding, ep ? ep[4] : 0, ep ? ep[5] : 0, &wc));
  if (padding == Padding::kExplicit) {
    // Otherwise a window could lie wholly in the padding.
    const struct { const char* side; int64_t pad, k; } sides[] = {
        {"Top", wr.pad_before, g.kh}, {"Bottom", wr.pad_after, g.kh}, {"Left", wc.pad_before, g.kw}, {"Right", wc.pad_after, g.kw}};
    for (const auto& s : sides)
      if (s.pad >= s.k)
        return ctx.invalid(std::string(s.side) + " padding " + std::to_string(s.pad) + " needs to be smaller than the window size " +
                           std::to_string(s.k));
  }
  g.oh = wr.out; g.ow = wc.out; g.pt = wr.pad_before; g.pl = wc.pad_before;
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {g.n, g.oh, g.ow, g.c}, &out));
  if (out->num_elements() == 0) return Status::OK();
  const bool ok = is_max ? dispatch<float, double, int32_t, int64_t, uint8_t>(in.dtype, [&](auto t) {
                             run_spatial<decltype(t), true>(ctx, g, in, out);
                           })
                         : dispatch<float, double>(in.dtype, [&](auto t) { run_spatial<decltype(t), false>(ctx, g, in, out); });
  return ok ? Status::OK() : ctx.invalid(std::string("Pooling not supported for dtype ") + dtype_tf_name(in.dtype));
}

}  // namespace tl
