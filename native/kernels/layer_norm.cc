// Keras' LayerNormalization over the last dim as one step (Session::fuse_layer_norm): per row of
// x, mean m and variance v (sums in double), r = 1 / sqrt(v + epsilon), then the graph's own
// float arithmetic per element: s = r * gamma, y = x * s + (-m * s + beta) (the row loop is
// SimdKernels::layer_norm_row). The unfused graph takes the same steps with float reductions, so
// the two agree to rounding (~1e-7 relative).
#include <algorithm>

#include "elementwise.h"
#include "kernel.h"

namespace tl {

Status kernel_layer_norm(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& gamma = ctx.input(1);
  const Tensor& beta = ctx.input(2);
  if (x.dtype != DType::f32 || gamma.dtype != DType::f32 || beta.dtype != DType::f32 || x.shape.empty())
    return ctx.invalid("the fused layer norm takes float32 values of rank >= 1");
  const int64_t d = x.shape.back();
  if (gamma.num_elements() != d || beta.num_elements() != d)
    return ctx.invalid("layer norm scale and offset must have " + std::to_string(d) + " elements, got " + shape_str(gamma.shape) +
                       " and " + shape_str(beta.shape));
  Tensor* y;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, x.shape, &y));
  const int64_t rows = d == 0 ? 0 : x.num_elements() / d;
  if (rows == 0) return Status::OK();
  const float* xs = x.data<float>();
  const float* g = gamma.data<float>();
  const float* b = beta.data<float>();
  float* ys = y->data<float>();
  const float eps = ctx.fusion->epsilon;
  const auto row = simd_kernels().layer_norm_row;
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) row(xs + r * d, ys + r * d, d, g, b, eps);
  };
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, d));
  if (rows <= grain) body(0, rows); else ctx.run.parallel_for(rows, grain, body);
  return ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
}

}  // namespace tl
