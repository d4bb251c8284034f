// Cumsum along one axis, optionally exclusive (each output omits its own element) and/or
// reversed (sums run from the end). Viewed as [outer, n, inner]: every step adds one contiguous
// row of `inner` values to the previous output row, so the loop vectorises for inner > 1.
// Sums accumulate sequentially in T, as TF's Eigen scan does; integers wrap.
#include <algorithm>

#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk
constexpr int64_t kColBlock = 4096;

template <class T>
void cumsum(KernelContext& ctx, const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse) {
  const int64_t cb = std::min(inner, kColBlock), nblk = (inner + cb - 1) / cb;
  auto body = [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nblk, j0 = (t % nblk) * cb, j1 = std::min(inner, j0 + cb);
      const T* xs = x + o * n * inner;
      T* ys = y + o * n * inner;
      for (int64_t s = 0; s < n; ++s) {
        const int64_t r = reverse ? n - 1 - s : s;        // output row
        const int64_t pr = reverse ? r + 1 : r - 1;       // previous output row
        T* yr = ys + r * inner;
        if (s == 0) {
          for (int64_t j = j0; j < j1; ++j) yr[j] = exclusive ? T(0) : xs[r * inner + j];
          continue;
        }
        const T* yp = ys + pr * inner;
        const T* xr = xs + (exclusive ? pr : r) * inner;  // the element the step adds
        for (int64_t j = j0; j < j1; ++j) yr[j] = wadd(yp[j], xr[j]);
      }
    }
  };
  const int64_t tasks = outer * nblk;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * cb));
  if (tasks <= grain) body(0, tasks); else ctx.run.parallel_for(tasks, grain, body);
}

}  // namespace

Status kernel_scan(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& axis_t = ctx.input(1);
  if (!axis_t.shape.empty()) return ctx.invalid("ScanOp: axis must be a scalar, not " + shape_str(axis_t.shape));
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t arg = axis_t.dtype == DType::i32 ? *axis_t.data<int32_t>() : *axis_t.data<int64_t>();
  const int64_t axis = arg < 0 ? arg + rank : arg;
  if (axis < 0 || axis >= rank) {
    return ctx.invalid("ScanOp: Expected scan axis in the range [" + std::to_string(-rank) + ", " + std::to_string(rank) +
                       "), but got " + std::to_string(axis));
  }
  const bool exclusive = ctx.attr(0).b, reverse = ctx.attr(1).b;
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, x.shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= x.shape[i];
  for (int64_t i = axis + 1; i < rank; ++i) inner *= x.shape[i];
  const int64_t n = x.shape[axis];
  switch (x.dtype) {
#define TL_SCAN(D, T) \
  case D: cumsum<T>(ctx, x.data<T>(), out->data<T>(), outer, n, inner, exclusive, reverse); return Status::OK();
    TL_SCAN(DType::f32, float)
    TL_SCAN(DType::f64, double)
    TL_SCAN(DType::i32, int32_t)
    TL_SCAN(DType::i64, int64_t)
    TL_SCAN(DType::u8, uint8_t)
#undef TL_SCAN
    default:
      return ctx.invalid(std::string("Cumsum not supported for dtype ") + dtype_tf_name(x.dtype));
  }
}

}  // namespace tl
