// AddN: the sum of N >= 1 tensors of one shape (no broadcasting), accumulated left to right in
// the input dtype as TF's kernel does ((x0 + x1) + x2 ...; integers wrap). One input is
// forwarded without a copy.
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

template <class T>
void sum_chunk(const KernelContext& ctx, T* y, int64_t b, int64_t e) {
  const T* x0 = ctx.input(0).data<T>();
  const T* x1 = ctx.input(1).data<T>();
  for (int64_t i = b; i < e; ++i) y[i] = wadd(x0[i], x1[i]);
  for (int k = 2; k < ctx.num_inputs(); ++k) {
    const T* xk = ctx.input(k).data<T>();
    for (int64_t i = b; i < e; ++i) y[i] = wadd(y[i], xk[i]);
  }
}

}  // namespace

Status kernel_addn(KernelContext& ctx) {
  const Tensor& x0 = ctx.input(0);
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input(i).shape != x0.shape) {
      return ctx.invalid("Inputs to operation " + ctx.node.name + " of type AddN must have the same size and shape.  Input 0: " +
                         shape_str(x0.shape) + " != input " + std::to_string(i) + ": " + shape_str(ctx.input(i).shape));
    }
  }
  if (ctx.num_inputs() == 1) {
    ctx.alias_output(0, x0, x0.shape);
    return Status::OK();
  }
  return dispatch_dtype(x0.dtype, [&](auto d) -> Status {
    constexpr DType D = decltype(d)::value;
    if constexpr ((kNum & dtype_bit(D)) == 0) {
      return ctx.invalid(std::string("AddN not supported for dtype ") + dtype_tf_name(D));
    } else {
      using T = ctype<D>;
      Tensor* out;
      TL_RETURN_IF_ERROR(ctx.allocate_output(0, x0.shape, &out));
      const int64_t n = x0.num_elements();
      T* y = out->data<T>();
      if (n <= kGrain) sum_chunk<T>(ctx, y, 0, n);
      else ctx.run.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { sum_chunk<T>(ctx, y, b, e); });
      return Status::OK();
    }
  });
}

}  // namespace tl
