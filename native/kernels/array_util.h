// Shared by the data-movement kernels (transpose, slice, tile, reverse, broadcast, pad, concat,
// split, gather): the one byte-moving routine, and readers for small int argument tensors.
//
// Every index permutation is a copy of an N-d box between two strided layouts: output element
// (i0, ..., in-1) lives at dst + sum(i_k * dst_stride_k) and comes from src + sum(i_k *
// src_stride_k), strides in elements, 0 to broadcast, negative to reverse. strided_copy()
// drops unit dims, merges dims that are contiguous in both layouts, copies contiguous inner
// runs with memcpy and splits the outer rows across the intra-op pool.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernel.h"

namespace tl {

// Tile doubles the rank (multiples x dims); everything else stays within kMaxRank.
constexpr int kMaxCopyRank = 2 * kMaxRank;

struct CopyPlan {
  int rank = 0;
  int64_t shape[kMaxCopyRank];
  int64_t dst_stride[kMaxCopyRank];
  int64_t src_stride[kMaxCopyRank];
  // Appends a dim (outermost first). Kernels keep ranks within kMaxRank, so this never fills up.
  void add(int64_t size, int64_t dst, int64_t src) {
    if (rank == kMaxCopyRank) return;
    shape[rank] = size;
    dst_stride[rank] = dst;
    src_stride[rank] = src;
    rank++;
  }
};

// Copies the box described by `plan` (elements of `elem` bytes: 1, 2, 4 or 8). `dst` and `src`
// point at element (0, ..., 0) of each layout. The regions may be parts of one buffer if they
// do not overlap.
void strided_copy(const RunControl& run, void* dst, const void* src, size_t elem, const CopyPlan& plan);

// Row-major strides (in elements) of a shape.
Shape row_strides(const Shape& s);

// Fills n elements of `elem` bytes with the bit pattern at `value` (in parallel when large).
void fill_elements(const RunControl& run, void* dst, int64_t n, size_t elem, const void* value);

// The values of an int32/int64 tensor as int64 (any shape, read in flat order).
std::vector<int64_t> int_values(const Tensor& t);
// Element i of an int32/int64/uint8 tensor as int64.
inline int64_t int_at(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case DType::i32: return t.data<int32_t>()[i];
    case DType::i64: return t.data<int64_t>()[i];
    default: return t.data<uint8_t>()[i];
  }
}

// TF's TensorShape::DebugString of a shape given as int64 values, "[2,3]".
std::string dims_str(const std::vector<int64_t>& v);
// TF's SliceDebugString: flat index i of `shape` as "[i0,i1,...]" ("" for a scalar shape).
std::string index_str(const Shape& shape, int64_t i);

// The error for an output of more than kMaxRank dims.
inline Status check_rank(KernelContext& ctx, size_t rank) {
  if (rank <= static_cast<size_t>(kMaxRank)) return Status::OK();
  return ctx.invalid("Output rank " + std::to_string(rank) + " exceeds the maximum rank " + std::to_string(kMaxRank));
}

// A tensor's shape from a 1-D int tensor (TF's MakeShape): "Dimension -1 must be >= 0".
Status shape_from_tensor(KernelContext& ctx, const Tensor& t, Shape* out);

}  // namespace tl
