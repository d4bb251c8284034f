// BatchMatMulV2: output[..., m, n] = adj(x)[..., m, k] * adj(y)[..., k, n], the batch dims
// broadcast as numpy does. Each batch's product runs on the MatMul engine (gemm_batched);
// broadcast operands are read in place (per-batch offsets), never materialised; one y shared by
// every batch makes a single product.
#include "batch_matmul.h"

namespace tl {

bool broadcast_batches(const Shape& xb, const Shape& yb, Shape* out, std::vector<int64_t>* xi, std::vector<int64_t>* yi) {
  // Only asked for the indices once the output (at least one element per batch) is allocated,
  // so these vectors stay proportional to real memory.
  const size_t r = std::max(xb.size(), yb.size());
  out->assign(r, 1);
  // Row-major strides (in matrices) of x and y over the output batch dims; 0 where broadcast.
  std::vector<int64_t> sx(r, 0), sy(r, 0);
  int64_t nx = 1, ny = 1, total = 1;
  for (size_t i = r; i-- > 0;) {
    const int64_t dx = i + xb.size() >= r ? xb[i + xb.size() - r] : 1;
    const int64_t dy = i + yb.size() >= r ? yb[i + yb.size() - r] : 1;
    if (dx != dy && dx != 1 && dy != 1) return false;
    (*out)[i] = dx == 1 ? dy : dx;
    sx[i] = dx == 1 ? 0 : nx;
    sy[i] = dy == 1 ? 0 : ny;
    nx *= dx;
    ny *= dy;
    if (mul_overflow(total, (*out)[i], &total)) return false;
  }
  if (!xi) return true;
  xi->assign(total, 0);
  yi->assign(total, 0);
  std::vector<int64_t> idx(r, 0);
  int64_t ox = 0, oy = 0;
  for (int64_t t = 0; t < total; ++t) {
    (*xi)[t] = ox;
    (*yi)[t] = oy;
    for (size_t d = r; d-- > 0;) {  // odometer over the output batch dims
      ox += sx[d];
      oy += sy[d];
      if (++idx[d] < (*out)[d]) break;
      ox -= sx[d] * idx[d];
      oy -= sy[d] * idx[d];
      idx[d] = 0;
    }
  }
  return true;
}

Status kernel_batch_matmul(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  if (x.shape.size() < 2) return ctx.invalid("In[0] ndims must be >= 2: " + std::to_string(x.shape.size()));
  if (y.shape.size() < 2) return ctx.invalid("In[1] ndims must be >= 2: " + std::to_string(y.shape.size()));
  const bool adj_x = ctx.attr(1).b, adj_y = ctx.attr(2).b;
  const size_t rx = x.shape.size(), ry = y.shape.size();
  const int64_t m = x.shape[adj_x ? rx - 1 : rx - 2], k = x.shape[adj_x ? rx - 2 : rx - 1];
  const int64_t ky = y.shape[adj_y ? ry - 1 : ry - 2], n = y.shape[adj_y ? ry - 2 : ry - 1];
  const Shape xb(x.shape.begin(), x.shape.end() - 2), yb(y.shape.begin(), y.shape.end() - 2);
  Shape batch;
  if (!broadcast_batches(xb, yb, &batch)) {
    return ctx.invalid("In[0] and In[1] must have compatible batch dimensions: " + shape_str(x.shape) + " vs. " + shape_str(y.shape));
  }
  if (k != ky) {
    return ctx.invalid("Matrix size-incompatible: In[0]: " + shape_str(x.shape) + ", In[1]: " + shape_str(y.shape));
  }
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  auto count = [](const Shape& s) { int64_t c = 1; for (int64_t d : s) c *= d; return c; };  // of allocated tensors
  if (ctx.fusion) {
    // A remapper step (the plan checked: y a matrix, no adjoints): one [batch*m, k] product.
    if (ry != 2 || adj_x || adj_y) return ctx.invalid("a fused BatchMatMulV2 needs a matrix y and no adjoints");
    int64_t rows;
    if (mul_overflow(count(batch), m, &rows)) {  // x is empty (k == 0): fails as the output allocation
      Tensor* unused;
      return ctx.allocate_output(0, out_shape, &unused);
    }
    return fused_matmul(ctx, x, y, rows, n, k, out_shape);
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  const int64_t n_out = count(batch);
  if (!adj_x && n_out > 1 && count(yb) == 1) {
    // One y for every batch (rank 2, or batch dims all 1) and x's rows contiguous across the
    // batch: a single product [batch*m, k] x [k, n], so constant weights are packed once and
    // cached, as MatMul's.
    const int64_t zero = 0;
    return gemm_batched(ctx, x.dtype, 1, n_out * m, n, k, x.raw(), false, &zero, y.raw(), adj_y, &zero, out->raw());
  }
  std::vector<int64_t> xi, yi;
  broadcast_batches(xb, yb, &batch, &xi, &yi);
  // Matrix indices -> element offsets (the sizes are those of allocated inputs: no overflow).
  for (auto& i : xi) i *= m * k;
  for (auto& i : yi) i *= k * n;
  return gemm_batched(ctx, x.dtype, static_cast<int64_t>(xi.size()), m, n, k, x.raw(), adj_x, xi.data(),
                      y.raw(), adj_y, yi.data(), out->raw());
}

}  // namespace tl
