// Shared pieces of the nn kernels (pooling, convolutions): TF's padding attrs and windowed
// output sizes, with TF's error texts. Attr values come from untrusted graphs, so every
// window parameter is bounded before it enters any index arithmetic.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel.h"

namespace tl {

enum class Padding { kSame, kValid, kExplicit };

inline bool parse_padding(const std::string& s, Padding* p) {
  if (s == "SAME") *p = Padding::kSame;
  else if (s == "VALID") *p = Padding::kValid;
  else if (s == "EXPLICIT") *p = Padding::kExplicit;
  else return false;
  return true;
}

// Window attrs (ksize, strides, dilations, paddings) are int32 in TF; larger values are errors,
// which keeps products like index * stride far from int64 overflow.
constexpr int64_t kMaxWindowAttr = 0x7fffffff;

inline std::string join_ints(const std::vector<int64_t>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

// TF's CheckValidPadding for an NHWC op: explicit_paddings is 4 (before, after) pairs, only for
// EXPLICIT, nonnegative, zero in the batch and depth dimensions.
inline Status check_explicit_paddings(const KernelContext& ctx, Padding padding, const std::vector<int64_t>& p) {
  if (padding != Padding::kExplicit) {
    if (!p.empty()) return ctx.invalid("explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT");
    return Status::OK();
  }
  if (p.size() != 8) return ctx.invalid("explicit_paddings attribute must contain 8 values, but got: " + std::to_string(p.size()));
  for (int64_t v : p) {
    if (v < 0) return ctx.invalid("All elements of explicit_paddings must be nonnegative");
    if (v > kMaxWindowAttr) return ctx.invalid("explicit_paddings must be less than 2^31");
  }
  if (p[0] || p[1] || p[6] || p[7]) return ctx.invalid("Nonzero explicit padding in the batch or depth dimensions is not supported");
  return Status::OK();
}

// One spatial dimension of a windowed op (TF's GetWindowedOutputSizeVerbose).
struct Window {
  int64_t out = 0, pad_before = 0, pad_after = 0;
};

// Output size and padding for input size `in`, window `k` dilated by `dil`, `stride`; for
// EXPLICIT, `before`/`after` are the given pads. Needs 1 <= stride, dil <= kMaxWindowAttr and
// 0 <= before, after <= kMaxWindowAttr; k is a dim of a (possibly empty) tensor.
inline Status windowed_output(const KernelContext& ctx, int64_t in, int64_t k, int64_t dil, int64_t stride, Padding padding,
                              int64_t before, int64_t after, Window* w) {
  int64_t eff;
  if (mul_overflow(k - 1, dil, &eff) || eff > (int64_t{1} << 60)) return ctx.invalid("Filter too large: " + std::to_string(k));
  eff += 1;
  switch (padding) {
    case Padding::kValid: w->out = (in - eff + stride) / stride; break;
    case Padding::kExplicit:
      w->out = (in + before + after - eff + stride) / stride;
      w->pad_before = before;
      w->pad_after = after;
      break;
    case Padding::kSame: {
      w->out = (in + stride - 1) / stride;
      const int64_t needed = std::max<int64_t>(0, (w->out - 1) * stride + eff - in);
      w->pad_before = needed / 2;
      w->pad_after = needed - w->pad_before;
      break;
    }
  }
  if (w->out < 0)
    return ctx.invalid("Computed output size would be negative: " + std::to_string(w->out) + " [input_size: " + std::to_string(in) +
                       ", effective_filter_size: " + std::to_string(eff) + ", stride: " + std::to_string(stride) + "]");
  return Status::OK();
}

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }

// Calls f(T{}) with the T among Ts... that is `dt`; false if none is.
template <class... Ts, class F>
bool dispatch(DType dt, F&& f) {
  return ((dt == dtype_of<Ts>() ? (f(Ts{}), true) : false) || ...);
}

// Parallel over `rows` output rows of `row_cost` elementary steps each, in chunks of about
// kRowWork steps; serial when it all fits in one chunk.
template <class Fn>
void parallel_rows(KernelContext& ctx, int64_t rows, int64_t row_cost, const Fn& fn) {
  constexpr int64_t kRowWork = 1 << 15;
  const int64_t grain = std::max<int64_t>(1, kRowWork / std::max<int64_t>(1, row_cost));
  if (rows <= grain) { if (rows > 0) fn(0, rows); return; }
  ctx.run.parallel_for(rows, grain, fn);
}

}  // namespace tl
