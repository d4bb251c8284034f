// FusedBatchNormV3, V2 and FusedBatchNorm (float): y = (x - mean) · scale / sqrt(variance + epsilon) + offset per channel.
// Inference uses the given mean and variance (and returns them); training uses the batch's
// statistics, returns the running mean/variance update (variance Bessel-corrected, blended by
// exponential_avg_factor) and saves the batch mean and biased variance in reserve_space_1/2,
// as TF's CPU kernel. x is viewed as [outer, channels, inner] (inner = 1 for channels last).
#include <cmath>
#include <limits>
#include <vector>

#include "kernel.h"
#include "nn_util.h"

namespace tl {
namespace {

struct BnGeom { int64_t outer, c, inner; };

// Per-channel Σ g(x, channel) in double, over fixed blocks of `outer` (deterministic whatever
// the thread count).
template <class G>
std::vector<double> channel_sums(KernelContext& ctx, const BnGeom& b, const float* x, const G& g) {
  constexpr int64_t kBlockElems = 1 << 16;
  const int64_t unit = b.c * b.inner;  // elements per outer index
  const int64_t per_block = std::max<int64_t>(1, kBlockElems / std::max<int64_t>(1, unit));
  const int64_t blocks = (b.outer + per_block - 1) / per_block;
  std::vector<double> part(static_cast<size_t>(blocks * b.c), 0.0);
  auto body = [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      double* p = &part[blk * b.c];
      for (int64_t o = blk * per_block, oe = std::min(b.outer, o + per_block); o < oe; ++o)
        for (int64_t ch = 0; ch < b.c; ++ch) {
          const float* row = x + (o * b.c + ch) * b.inner;
          for (int64_t i = 0; i < b.inner; ++i) p[ch] += g(row[i], ch);
        }
    }
  };
  if (blocks == 1) body(0, 1); else ctx.run.parallel_for(blocks, 1, body);
  std::vector<double> sums(static_cast<size_t>(b.c), 0.0);
  for (int64_t blk = 0; blk < blocks; ++blk)
    for (int64_t ch = 0; ch < b.c; ++ch) sums[ch] += part[blk * b.c + ch];
  return sums;
}

// y = (x - mean[ch]) · factor[ch] + offset[ch], in TF's order of operations.
void normalize(KernelContext& ctx, const BnGeom& b, const float* x, const float* mean, const float* factor, const float* offset,
               float* y) {
  if (b.inner == 1) {  // channels last: rows of c channels
    parallel_rows(ctx, b.outer, b.c, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0 * b.c; i < r1 * b.c; i += b.c)
        for (int64_t ch = 0; ch < b.c; ++ch) y[i + ch] = (x[i + ch] - mean[ch]) * factor[ch] + offset[ch];
    });
    return;
  }
  parallel_rows(ctx, b.outer * b.c, b.inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ch = r % b.c;
      const float m = mean[ch], f = factor[ch], o = offset[ch];
      for (int64_t i = r * b.inner, e = i + b.inner; i < e; ++i) y[i] = (x[i] - m) * f + o;
    }
  });
}

}  // namespace

Status kernel_batchnorm(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  const Tensor& offset = ctx.input(2);
  const Tensor& est_mean = ctx.input(3);
  const Tensor& est_var = ctx.input(4);
  // Attrs (epsilon, exponential_avg_factor, data_format, is_training) follow T and U; FusedBatchNorm has no U.
  const int a = ctx.node.op == OpId::FusedBatchNorm ? 1 : 2;
  const float epsilon = static_cast<float>(ctx.attr(a).f), factor = static_cast<float>(ctx.attr(a + 1).f);
  const std::string& format = ctx.attr(a + 2).s;
  const bool training = ctx.attr(a + 3).b;
  if (format != "NHWC" && format != "NCHW" && format != "NDHWC" && format != "NCDHW") return ctx.invalid("Invalid data format");
  if (x.shape.size() != 4 && x.shape.size() != 5) return ctx.invalid("input must be 4 or 5-dimensional" + shape_str(x.shape));
  const struct { const Tensor& t; const char* name; } vecs[] = {
      {scale, "scale"}, {offset, "offset"}, {est_mean, "estimated_mean"}, {est_var, "estimated_variance"}};
  for (const auto& v : vecs)
    if (v.t.shape.size() != 1) return ctx.invalid(std::string(v.name) + " must be 1-dimensional" + shape_str(v.t.shape));
  const size_t ch_dim = format.compare(0, 2, "NC") == 0 ? 1 : x.shape.size() - 1;
  BnGeom b{1, x.shape[ch_dim], 1};
  for (size_t i = 0; i < ch_dim; ++i) b.outer *= x.shape[i];
  for (size_t i = ch_dim + 1; i < x.shape.size(); ++i) b.inner *= x.shape[i];
  const std::string c_str = std::to_string(b.c);
  if (scale.shape[0] != b.c)
    return ctx.invalid("scale must have the same number of elements as the channels of x, got " + std::to_string(scale.shape[0]) + " and " + c_str);
  if (offset.shape[0] != b.c)
    return ctx.invalid("offset must have the same number of elements as the channels of x, got " + std::to_string(offset.shape[0]) + " and " + c_str);
  const bool blend = !training || factor != 1.0f;  // the given mean and variance are used
  if (blend) {
    const std::string prefix = training ? "When exponential_avg_factor != 1" : "When is_training=false";
    if (est_mean.shape[0] != b.c)
      return ctx.invalid(prefix + ", mean must have the same number of elements as the channels of x, got " +
                         std::to_string(est_mean.shape[0]) + " and " + c_str);
    if (est_var.shape[0] != b.c)
      return ctx.invalid(prefix + ", variance must have the same number of elements as the channels of x, got " +
                         std::to_string(est_var.shape[0]) + " and " + c_str);
  }

  Tensor *y, *batch_mean, *batch_var, *saved_mean, *saved_var, *reserve3;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, x.shape, &y));
  TL_RETURN_IF_ERROR(ctx.allocate_output(1, {b.c}, &batch_mean));
  TL_RETURN_IF_ERROR(ctx.allocate_output(2, {b.c}, &batch_var));
  TL_RETURN_IF_ERROR(ctx.allocate_output(3, {b.c}, &saved_mean));
  TL_RETURN_IF_ERROR(ctx.allocate_output(4, {b.c}, &saved_var));
  if (ctx.outputs.size() > 5) {  // V3's reserve_space_3 (a placeholder, as on TF's CPU)
    TL_RETURN_IF_ERROR(ctx.allocate_output(5, {}, &reserve3));
    *reserve3->data<float>() = 0;
  }
  float* bm = batch_mean->data<float>();
  float* bv = batch_var->data<float>();
  float* sm = saved_mean->data<float>();
  float* sv = saved_var->data<float>();
  const float* sc = scale.data<float>();
  const float* of = offset.data<float>();
  std::fill(sm, sm + b.c, 0.0f);
  std::fill(sv, sv + b.c, 0.0f);
  if (x.num_elements() == 0) {  // TF: NaN statistics for an empty batch
    std::fill(bm, bm + b.c, std::numeric_limits<float>::quiet_NaN());
    std::fill(bv, bv + b.c, std::numeric_limits<float>::quiet_NaN());
    return Status::OK();
  }
  const float* xd = x.data<float>();
  std::vector<float> mean(b.c), var(b.c), fac(b.c);
  if (!training) {
    std::copy(est_mean.data<float>(), est_mean.data<float>() + b.c, mean.begin());
    std::copy(est_var.data<float>(), est_var.data<float>() + b.c, var.begin());
    std::copy(mean.begin(), mean.end(), bm);
    std::copy(var.begin(), var.end(), bv);
  } else {
    const int64_t rest = b.outer * b.inner;
    const std::vector<double> sum = channel_sums(ctx, b, xd, [](float v, int64_t) { return double(v); });
    for (int64_t ch = 0; ch < b.c; ++ch) mean[ch] = static_cast<float>(sum[ch] / rest);
    const std::vector<double> sq = channel_sums(ctx, b, xd, [&](float v, int64_t ch) { const double d = v - mean[ch]; return d * d; });
    for (int64_t ch = 0; ch < b.c; ++ch) var[ch] = static_cast<float>(sq[ch] / rest);
    const float adjust = static_cast<float>(rest) / static_cast<float>(rest > 1 ? rest - 1 : 1);  // Bessel's correction
    const float* old_mean = est_mean.data<float>();
    const float* old_var = est_var.data<float>();
    for (int64_t ch = 0; ch < b.c; ++ch) {
      sm[ch] = mean[ch];
      sv[ch] = var[ch];
      if (factor == 1.0f) {
        bm[ch] = mean[ch];
        bv[ch] = var[ch] * adjust;
      } else {
        bm[ch] = (1 - factor) * old_mean[ch] + factor * mean[ch];
        bv[ch] = (1 - factor) * old_var[ch] + (factor * adjust) * var[ch];
      }
    }
  }
  for (int64_t ch = 0; ch < b.c; ++ch) fac[ch] = (1.0f / std::sqrt(var[ch] + epsilon)) * sc[ch];
  normalize(ctx, b, xd, mean.data(), fac.data(), of, y->data<float>());
  return Status::OK();
}

}  // namespace tl
