// Conv2D (NHWC input, HWIO filter, SAME/VALID padding, strides, dilations) as im2col + GEMM on
// the MatMul engine: each block of output pixels gathers its receptive fields into rows of a
// [pixels, KH*KW*Cin] matrix, which times the filter viewed as [KH*KW*Cin, Cout] is the output.
// A 1x1, stride-1 convolution needs no gathering at all.
#include <algorithm>
#include <cstring>
#include "kernel.h"

namespace tl {
namespace {

constexpr int64_t kColBytes = 8 << 20;  // im2col block budget: bounds memory for big images

struct ConvGeom {
  int64_t n, h, w, cin, kh, kw, cout, sh, sw, dh, dw, oh, ow, pad_t, pad_l;
};

// TF's GetWindowedOutputSize: output size and the leading pad for one spatial dimension.
bool windowed(int64_t in, int64_t k, int64_t stride, int64_t dil, bool same, int64_t* out, int64_t* pad) {
  const int64_t eff = (k - 1) * dil + 1;
  if (same) {
    *out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((*out - 1) * stride + eff - in, 0);
    *pad = total / 2;
  } else {
    if (in < eff) return false;
    *out = (in - eff) / stride + 1;
    *pad = 0;
  }
  return true;
}

template <class T>
Status conv_typed(KernelContext& ctx, const ConvGeom& g, const T* x, const T* f, T* y) {
  const int64_t kdim = g.kh * g.kw * g.cin;
  const int64_t pixels = g.oh * g.ow;
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_t == 0 && g.pad_l == 0)
    return gemm(ctx, g.n * pixels, g.cout, g.cin, x, f, y);  // the input already is the im2col matrix
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(pixels, kColBytes / std::max<int64_t>(1, kdim * sizeof(T))));
  auto col = Buffer::allocate(static_cast<size_t>(rows * kdim) * sizeof(T));
  if (!col) return make_error(kResourceExhausted, "Conv2D: out of memory for the im2col buffer");
  T* cp = static_cast<T*>(col->data);
  for (int64_t b = 0; b < g.n; b++) {
    const T* img = x + b * g.h * g.w * g.cin;
    for (int64_t p0 = 0; p0 < pixels; p0 += rows) {
      if (ctx.run.should_stop()) return ctx.run.stop_status();
      const int64_t np = std::min(rows, pixels - p0);
      ctx.run.parallel_for(np, 64, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
          const int64_t oy = (p0 + r) / g.ow, ox = (p0 + r) % g.ow;
          T* dst = cp + r * kdim;
          for (int64_t ky = 0; ky < g.kh; ky++) {
            const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
            for (int64_t kx = 0; kx < g.kw; kx++, dst += g.cin) {
              const int64_t ix = ox * g.sw - g.pad_l + kx * g.dw;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) std::memset(dst, 0, sizeof(T) * g.cin);
              else std::memcpy(dst, img + (iy * g.w + ix) * g.cin, sizeof(T) * g.cin);
            }
          }
        }
      });
      if (ctx.run.interrupted) return ctx.run.stop_status();
      TL_RETURN_IF_ERROR(gemm(ctx, np, g.cout, kdim, cp, f, y + (b * pixels + p0) * g.cout));
    }
  }
  return Status::OK();
}

}  // namespace

Status kernel_conv2d(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& f = ctx.input(1);
  if (x.shape.size() != 4) return ctx.invalid("input must be 4-dimensional " + shape_str(x.shape));
  if (f.shape.size() != 4) return ctx.invalid("filter must be 4-dimensional: " + shape_str(f.shape));
  if (x.dtype != f.dtype || (x.dtype != DType::f32 && x.dtype != DType::f64))
    return ctx.invalid(std::string("Conv2D supports float and double inputs of one dtype, got ") + dtype_tf_name(x.dtype) +
                       " and " + dtype_tf_name(f.dtype));
  const auto& strides = ctx.attr(1).ints;
  const std::string& padding = ctx.attr(3).s;
  const std::string& format = ctx.attr(5).s;
  const auto& dil = ctx.attr(6).ints;
  if (strides.size() != 4 || dil.size() != 4) return ctx.invalid("strides and dilations must have 4 entries");
  if (format != "NHWC") return ctx.invalid("The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given the format: " + format);
  if (padding != "SAME" && padding != "VALID") return ctx.invalid("Conv2D padding must be SAME or VALID, got " + padding);
  if (strides[0] != 1 || strides[3] != 1 || dil[0] != 1 || dil[3] != 1)
    return ctx.invalid("Current implementation does not yet support strides or dilations in the batch and depth dimensions.");
  for (int i = 1; i <= 2; i++)
    if (strides[i] < 1 || dil[i] < 1 || strides[i] > (1 << 20) || dil[i] > (1 << 20)) return ctx.invalid("strides and dilations must be positive");
  ConvGeom g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], f.shape[0], f.shape[1], f.shape[3],
             strides[1], strides[2], dil[1], dil[2], 0, 0, 0, 0};
  if (f.shape[2] != g.cin)
    return ctx.invalid("input depth must be evenly divisible by filter depth: " + std::to_string(g.cin) + " vs " + std::to_string(f.shape[2]));
  const bool same = padding == "SAME";
  if (!windowed(g.h, g.kh, g.sh, g.dh, same, &g.oh, &g.pad_t) || !windowed(g.w, g.kw, g.sw, g.dw, same, &g.ow, &g.pad_l))
    return ctx.invalid("Computed output size would be negative: input " + shape_str(x.shape) + ", filter " + shape_str(f.shape));
  int64_t kdim;
  if (mul_overflow(g.kh * g.kw, g.cin, &kdim)) return ctx.invalid("Conv2D filter is too large");
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {g.n, g.oh, g.ow, g.cout}, &out));
  if (out->num_elements() == 0) return Status::OK();
  if (x.dtype == DType::f32) return conv_typed<float>(ctx, g, x.data<float>(), f.data<float>(), out->data<float>());
  return conv_typed<double>(ctx, g, x.data<double>(), f.data<double>(), out->data<double>());
}

}  // namespace tl
