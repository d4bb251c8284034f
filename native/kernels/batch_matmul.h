// Batched matrix products on the MatMul engine, shared by BatchMatMulV2 and Einsum.
#pragma once
#include <vector>

#include "kernel.h"

namespace tl {

// For i < batch: C[i] = op(A[i]) * op(B[i]). A[i] is a contiguous row-major m x k matrix (k x m
// when trans_a) starting a_off[i] elements into `a`; B[i] likewise k x n (n x k when trans_b);
// C[i] is the contiguous m x n matrix at c + i*m*n. dt: f32, f64, i32 or i64 (integers wrap).
// Small products, and any batch that deals out evenly over the threads, run in parallel over
// the batch (one product per thread); other large ones one after another on the whole pool.
// Defined in matmul.cc.
Status gemm_batched(KernelContext& ctx, DType dt, int64_t batch, int64_t m, int64_t n, int64_t k,
                    const void* a, bool trans_a, const int64_t* a_off,
                    const void* b, bool trans_b, const int64_t* b_off, void* c);

// One operand of gemm_batched_strided: element (r, c) of matrix i is p[off[i] + r*rs + c*cs]
// (in elements; any strides, so transposed and interleaved layouts are read in place).
struct StridedBatch {
  const void* p;
  int64_t rs, cs;
  const int64_t* off;
};

// For i < batch: C[i] = A[i] * B[i], A[i] m x k and B[i] k x n read through their strides, C[i]
// the m x n matrix with rows ldc apart (ldc >= n) at c + c_off[i] (c + i*m*ldc when c_off is
// null). The C matrices must not overlap. Same dtypes and threading as gemm_batched, which is
// this with contiguous operands; when batch is 1 and B is all of a constant input 1, its
// packing is cached as MatMul's. Defined in matmul.cc.
Status gemm_batched_strided(KernelContext& ctx, DType dt, int64_t batch, int64_t m, int64_t n, int64_t k,
                            const StridedBatch& a, const StridedBatch& b, void* c, int64_t ldc, const int64_t* c_off);

// A fused step's product (KernelContext::fusion: bias, activation, absorbed Reshape) of the
// row-major f32/f64 matrices a [m, k] and b [k, n], whose unfused output has shape `shape` (m x n
// elements). Defined in matmul.cc.
Status fused_matmul(KernelContext& ctx, const Tensor& a, const Tensor& b, int64_t m, int64_t n, int64_t k, const Shape& shape);

// numpy broadcasting of two batch shapes (right-aligned; equal dims or one of them 1). Fills the
// output batch shape and, when xi/yi are given, per output batch (row-major) the index of the x
// and y matrix it reads. False if the shapes do not broadcast or the count overflows. Defined
// in batch_matmul.cc.
bool broadcast_batches(const Shape& xb, const Shape& yb, Shape* out, std::vector<int64_t>* xi = nullptr,
                       std::vector<int64_t>* yi = nullptr);

}  // namespace tl
