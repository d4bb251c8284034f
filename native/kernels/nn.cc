// BiasAdd, LRN and L2Loss.
#include <cmath>
#include <limits>

#include "elementwise.h"
#include "kernel.h"
#include "nn_util.h"

namespace tl {

// ---- BiasAdd: value + bias along the channel dim (last for NHWC, 1 for NCHW) -------------------

namespace {

// x viewed as [outer, c, inner]; integer sums wrap as TF's.
template <class T>
void bias_add_typed(KernelContext& ctx, const T* x, const T* b, T* y, int64_t outer, int64_t c, int64_t inner) {
  if (inner == 1) {  // channels last: rows of c contiguous channels
    parallel_rows(ctx, outer, c, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t k = 0; k < c; ++k) y[r * c + k] = wadd(x[r * c + k], b[k]);
    });
    return;
  }
  parallel_rows(ctx, outer * c, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T v = b[r % c];
      for (int64_t i = 0; i < inner; ++i) y[r * inner + i] = wadd(x[r * inner + i], v);
    }
  });
}

}  // namespace

Status kernel_bias_add(KernelContext& ctx) {
  if (ctx.fusion && !ctx.fusion->chain.empty()) return kernel_elementwise_chain(ctx);
  const Tensor& x = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const std::string& format = ctx.attr(1).s;
  if (format != "NHWC" && format != "NCHW") return ctx.invalid("Invalid data format");
  if (x.shape.size() < 2) return ctx.invalid("Input tensor must be at least 2D: " + shape_str(x.shape));
  if (b.shape.size() != 1) return ctx.invalid("Biases must be 1D: " + shape_str(b.shape));
  const size_t ch = format == "NCHW" ? 1 : x.shape.size() - 1;
  if (b.shape[0] != x.shape[ch])
    return ctx.invalid("Must provide as many biases as the last dimension of the input tensor: " + shape_str(b.shape) + " vs. " +
                       shape_str(x.shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, x.shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ch; ++i) outer *= x.shape[i];
  for (size_t i = ch + 1; i < x.shape.size(); ++i) inner *= x.shape[i];
  const bool ok = dispatch<float, double, int32_t, int64_t, uint8_t>(x.dtype, [&](auto t) {
    using T = decltype(t);
    bias_add_typed<T>(ctx, x.data<T>(), b.data<T>(), out->data<T>(), outer, x.shape[ch], inner);
  });
  return ok ? Status::OK() : ctx.invalid(std::string("BiasAdd not supported for dtype ") + dtype_tf_name(x.dtype));
}

// ---- LRN: x / (bias + alpha · Σ x² over channels d-r..d+r)^beta ---------------------------------

Status kernel_lrn(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t radius = ctx.attr(0).i;
  const double bias = static_cast<float>(ctx.attr(1).f), alpha = static_cast<float>(ctx.attr(2).f),
               beta = static_cast<float>(ctx.attr(3).f);  // float attrs in TF
  if (radius < 0 || radius >= std::numeric_limits<int32_t>::max())
    return ctx.invalid("depth_radius = " + std::to_string(radius) + " larger than int max");
  if (in.shape.size() != 4) return ctx.invalid("in must be 4-dimensional");
  if (in.num_elements() >= std::numeric_limits<int32_t>::max()) return ctx.invalid("argument to LRN too large");
  const int64_t depth = in.shape[3];
  if (depth + radius > std::numeric_limits<int32_t>::max())
    return ctx.invalid("depth " + std::to_string(depth) + " + depth_radius " + std::to_string(radius) + " exceeds int max.");
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  const float* x = in.data<float>();
  float* y = out->data<float>();
  parallel_rows(ctx, in.num_elements() / depth, depth * (2 * std::min<int64_t>(radius, depth) + 4), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * depth;
      for (int64_t d = 0; d < depth; ++d) {
        double sq = 0;
        const int64_t hi = std::min(depth - 1, d + radius);
        for (int64_t k = std::max<int64_t>(0, d - radius); k <= hi; ++k) sq += double(xr[k]) * xr[k];
        y[r * depth + d] = static_cast<float>(xr[d] * std::pow(bias + alpha * sq, -beta));
      }
    }
  });
  return Status::OK();
}

// ---- L2Loss: Σ x² / 2 ---------------------------------------------------------------------------

namespace {

// Fixed-size blocks summed in double, then the block sums in order: the result does not depend
// on the thread count.
template <class T>
T l2_loss(KernelContext& ctx, const T* x, int64_t n) {
  constexpr int64_t kBlock = 16384;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks));
  auto body = [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      double s = 0;
      for (int64_t i = b * kBlock, e = std::min(n, i + kBlock); i < e; ++i) s += double(x[i]) * x[i];
      partial[b] = s;
    }
  };
  if (blocks <= 1) body(0, blocks); else ctx.run.parallel_for(blocks, 1, body);
  double total = 0;
  for (double s : partial) total += s;
  return static_cast<T>(total * 0.5);
}

}  // namespace

Status kernel_l2loss(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {}, &out));
  const bool ok = dispatch<float, double>(in.dtype, [&](auto t) {
    using T = decltype(t);
    *out->data<T>() = l2_loss<T>(ctx, in.data<T>(), in.num_elements());
  });
  return ok ? Status::OK() : ctx.invalid(std::string("L2Loss not supported for dtype ") + dtype_tf_name(in.dtype));
}

}  // namespace tl
