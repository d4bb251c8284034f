// Per-op scalar functors for the unary and binary families, numpy broadcasting helpers, and
// the entry points of the AVX2 loops (elementwise_avx2.cc, compiled with -mavx2 -mfma) and of
// the NEON loops (elementwise_neon.cc, AArch64 only).
// Integer arithmetic wraps (two's complement) instead of invoking signed-overflow UB.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core.h"

namespace tl {

// ---- wrapping integer helpers ----
template <class T, bool = std::is_integral_v<T>> struct wrap_type { using type = T; };
template <class T> struct wrap_type<T, true> { using type = std::make_unsigned_t<T>; };
template <class T> using wrap_t = typename wrap_type<T>::type;
template <class T> inline T wadd(T a, T b) { return T(wrap_t<T>(a) + wrap_t<T>(b)); }
template <class T> inline T wsub(T a, T b) { return T(wrap_t<T>(a) - wrap_t<T>(b)); }
template <class T> inline T wmul(T a, T b) { return T(wrap_t<T>(a) * wrap_t<T>(b)); }
template <class T> inline bool is_nan_v(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x; else return false;
}

// ---- unary functors ----
struct NegOp {
  template <class T> T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return -x; else return wsub(T(0), x);
  }
};
struct AbsOp {
  template <class T> T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
    else if constexpr (std::is_unsigned_v<T>) return x;
    else return x < 0 ? wsub(T(0), x) : x;  // abs(MIN) wraps to MIN, as in TF
  }
};
struct ExpOp { template <class T> T operator()(T x) const { return std::exp(x); } };
struct LogOp { template <class T> T operator()(T x) const { return std::log(x); } };
struct SqrtOp { template <class T> T operator()(T x) const { return std::sqrt(x); } };
struct SquareOp { template <class T> T operator()(T x) const { return wmul(x, x); } };
struct TanhOp { template <class T> T operator()(T x) const { return std::tanh(x); } };
struct SigmoidOp {
  // exp(-|x|) never overflows; the x < 0 branch keeps relative accuracy for tiny outputs.
  template <class T> T operator()(T x) const {
    T e = std::exp(-std::fabs(x));
    T s = T(1) / (T(1) + e);
    return x < 0 ? e * s : s;
  }
};
struct ReluOp {
  template <class T> T operator()(T x) const { return (x > T(0) || is_nan_v(x)) ? x : T(0); }
};

// ---- binary functors ----
struct AddOp { template <class T> T operator()(T a, T b) const { return wadd(a, b); } };
struct SubOp { template <class T> T operator()(T a, T b) const { return wsub(a, b); } };
struct MulOp { template <class T> T operator()(T a, T b) const { return wmul(a, b); } };
struct DivOp {
  // Integer callers must have rejected zero divisors already; MIN / -1 wraps to MIN.
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return a / b;
    else if constexpr (std::is_signed_v<T>) return b == T(-1) ? wsub(T(0), a) : T(a / b);
    else return T(a / b);
  }
};
// NaN-propagating like numpy/TF maximum and minimum.
struct MaxOp {
  template <class T> T operator()(T a, T b) const {
    if (is_nan_v(a)) return a;
    if (is_nan_v(b)) return b;
    return a > b ? a : b;
  }
};
struct MinOp {
  template <class T> T operator()(T a, T b) const {
    if (is_nan_v(a)) return a;
    if (is_nan_v(b)) return b;
    return a < b ? a : b;
  }
};

// ---- broadcasting ----
// numpy rule: align right, each pair of dims equal or one of them 1. False if incompatible.
inline bool broadcast_shape(const Shape& a, const Shape& b, Shape* out) {
  size_t r = a.size() > b.size() ? a.size() : b.size();
  out->assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) (*out)[i] = da;
    else if (da == 1) (*out)[i] = db;
    else return false;
  }
  return true;
}

// Output iteration space with size-1 dims dropped and mergeable neighbours collapsed.
// Strides are in elements; 0 on a broadcast dim. The innermost strides are always 0 or 1.
struct BroadcastPlan {
  int rank = 1;
  int64_t dims[kMaxRank];
  int64_t stride_a[kMaxRank];
  int64_t stride_b[kMaxRank];
};

// False only if the collapsed rank exceeds kMaxRank.
inline bool make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out, BroadcastPlan* p) {
  const int r = static_cast<int>(out.size());
  // Walk from the innermost dim outwards, tracking each input's contiguous stride.
  int64_t ca = 1, cb = 1;
  int n = 0;  // collapsed dims, stored innermost first, reversed at the end
  int64_t dims[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  for (int i = r - 1; i >= 0; --i) {
    int ia = i - (r - static_cast<int>(a.size())), ib = i - (r - static_cast<int>(b.size()));
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    int64_t d = out[i];
    int64_t s_a = da == 1 ? 0 : ca, s_b = db == 1 ? 0 : cb;
    ca *= da;
    cb *= db;
    if (d == 1) continue;
    if (n > 0 && s_a == sa[n - 1] * dims[n - 1] && s_b == sb[n - 1] * dims[n - 1]) {
      dims[n - 1] *= d;  // same layout relation as the group inside it: merge
      continue;
    }
    if (n == kMaxRank) return false;
    dims[n] = d; sa[n] = s_a; sb[n] = s_b;
    ++n;
  }
  if (n == 0) { dims[0] = 1; sa[0] = 0; sb[0] = 0; n = 1; }
  p->rank = n;
  for (int i = 0; i < n; ++i) {
    p->dims[i] = dims[n - 1 - i];
    p->stride_a[i] = sa[n - 1 - i];
    p->stride_b[i] = sb[n - 1 - i];
  }
  return true;
}

// ---- SIMD entry points, one set per ISA with the same names and contracts ----
// *__avx2 are defined only on x86-64 (call only when cpu_isa() == Isa::avx2), *__neon only on
// AArch64 (cpu_isa() == Isa::neon).
//   unary:   y[i] = op(x[i]); x and y may alias.
//   binary:  y[i] = op(a[i * sa], b[i * sb]) with sa, sb in {0, 1}.
//   softmax: one row of n > 0 floats (stable: subtracts the row max).
//   reduce:  n contiguous floats; sum accumulated in double, NaN-propagating max.
#define TL_DECLARE_SIMD_KERNELS(isa)                                                             \
  void unary_neg_f32__##isa(const float* x, float* y, int64_t n);                               \
  void unary_abs_f32__##isa(const float* x, float* y, int64_t n);                               \
  void unary_exp_f32__##isa(const float* x, float* y, int64_t n);                               \
  void unary_sqrt_f32__##isa(const float* x, float* y, int64_t n);                              \
  void unary_square_f32__##isa(const float* x, float* y, int64_t n);                            \
  void unary_tanh_f32__##isa(const float* x, float* y, int64_t n);                              \
  void unary_sigmoid_f32__##isa(const float* x, float* y, int64_t n);                           \
  void unary_relu_f32__##isa(const float* x, float* y, int64_t n);                              \
  void binary_add_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void binary_sub_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void binary_mul_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void binary_div_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void binary_max_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void binary_min_f32__##isa(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n); \
  void softmax_row_f32__##isa(const float* x, float* y, int64_t n);                             \
  double reduce_sum_f32__##isa(const float* x, int64_t n);                                      \
  float reduce_max_f32__##isa(const float* x, int64_t n);
TL_DECLARE_SIMD_KERNELS(avx2)
TL_DECLARE_SIMD_KERNELS(neon)
#undef TL_DECLARE_SIMD_KERNELS

}  // namespace tl
