// Cast between the six dtypes. Float -> int truncates toward zero like static_cast but without
// its UB: NaN becomes 0 and out-of-range values saturate at the integer type's limits.
// bool is stored as one byte; any non-zero byte reads as true, and true writes as 1.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 65536;

template <class T, bool kBool = false>
struct Tag {
  using type = T;
  static constexpr bool is_bool = kBool;
};
using BoolTag = Tag<uint8_t, true>;

template <class D, class S>
D float_to_int(S x) {
  using L = std::numeric_limits<D>;
  const double v = static_cast<double>(x);
  if (v != v) return D(0);
  // max()+1 and min()-1 round to exact powers of two (or stay exact), so these bounds are
  // safe limits for the truncation below.
  if (v >= static_cast<double>(L::max()) + 1.0) return L::max();
  if (v <= static_cast<double>(L::min()) - 1.0) return L::min();
  return static_cast<D>(v);
}

template <class SrcTag, class DstTag>
void cast_loop(const void* src, void* dst, int64_t b, int64_t e) {
  using S = typename SrcTag::type;
  using D = typename DstTag::type;
  const S* x = static_cast<const S*>(src);
  D* y = static_cast<D*>(dst);
  for (int64_t i = b; i < e; ++i) {
    if constexpr (DstTag::is_bool || SrcTag::is_bool) {
      const bool t = x[i] != S(0);
      y[i] = static_cast<D>(t ? 1 : 0);
    } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
      y[i] = float_to_int<D>(x[i]);
    } else {
      y[i] = static_cast<D>(x[i]);  // int narrowing wraps (two's complement) on all targets
    }
  }
}

using LoopFn = void (*)(const void*, void*, int64_t, int64_t);

template <class F>
bool visit(DType t, F&& f) {
  switch (t) {
    case DType::f32: f(Tag<float>{}); return true;
    case DType::f64: f(Tag<double>{}); return true;
    case DType::i32: f(Tag<int32_t>{}); return true;
    case DType::u8: f(Tag<uint8_t>{}); return true;
    case DType::i64: f(Tag<int64_t>{}); return true;
    case DType::boolean: f(BoolTag{}); return true;
    case DType::str: break;  // Cast takes no strings (refused when the graph is built)
  }
  return false;
}

}  // namespace

Status kernel_cast(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const DType dst = ctx.node.out_dtypes.empty() ? in.dtype : ctx.node.out_dtypes[0];
  LoopFn fn = nullptr;
  bool ok = visit(in.dtype, [&](auto s) {
    visit(dst, [&](auto d) { fn = cast_loop<decltype(s), decltype(d)>; });
  });
  if (!ok || fn == nullptr) {
    return ctx.invalid(std::string("Cast not supported from dtype ") + dtype_tf_name(in.dtype) +
                       " to " + dtype_tf_name(dst));
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  const int64_t n = in.num_elements();
  if (n == 0) return Status::OK();
  if (in.dtype == dst && dst != DType::boolean) {
    std::memcpy(out->raw(), in.raw(), static_cast<size_t>(n) * dtype_size(dst));
    return Status::OK();
  }
  const void* src = in.raw();
  void* y = out->raw();
  if (n <= kGrain) fn(src, y, 0, n);
  else ctx.run.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { fn(src, y, b, e); });
  return Status::OK();
}

}  // namespace tl
