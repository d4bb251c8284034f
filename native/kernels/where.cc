// Where (TF's WhereOp, where_op.cc): the coordinates of the true (nonzero) elements of its input,
// an int64 [num_true, rank] tensor in row-major order. Numeric inputs count x != 0 (NaN is true).
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

template <class T>
Status where_typed(KernelContext& ctx, const Tensor& in) {
  const T* x = in.data<T>();
  const int64_t n = in.num_elements();
  const int rank = static_cast<int>(in.shape.size());
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += x[i] != T(0);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {count, rank}, &out));
  int64_t* o = out->data<int64_t>();
  int64_t idx[kMaxRank] = {};
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] != T(0)) {
      for (int d = 0; d < rank; ++d) o[d] = idx[d];
      o += rank;
    }
    for (int d = rank - 1; d >= 0; --d) {  // odometer over the input's dims
      if (++idx[d] < in.shape[d]) break;
      idx[d] = 0;
    }
  }
  return Status::OK();
}

}  // namespace

Status kernel_where(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.dtype == DType::str) return ctx.invalid("Where does not take string inputs");  // the decoder already refuses them
  return dispatch_dtype(in.dtype, [&](auto d) { return where_typed<ctype<decltype(d)::value>>(ctx, in); });
}

}  // namespace tl
