// The f32 elementwise, softmax and reduction loops, written once over a Vec type (vec.h), and
// TL_DEFINE_SIMD_KERNELS(isa, V), which each per-ISA file expands to define that ISA's
// SimdKernels table (elementwise.h). Tails run the same vector code on a partial load, so
// every element sees the same arithmetic whatever its position.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "kernels/elementwise.h"
#include "simd/vec.h"

namespace tl {
namespace simd {

template <class V, SimdUnary U>
V unary_op(V v, V p) {
  const V zero = V::set1(0.0f), one = V::set1(1.0f);
  if constexpr (U == SimdUnary::neg) return neg(v);
  else if constexpr (U == SimdUnary::abs) return abs(v);
  else if constexpr (U == SimdUnary::exp) return simd::exp(v);
  else if constexpr (U == SimdUnary::sqrt) return sqrt(v);
  else if constexpr (U == SimdUnary::square) return v * v;
  else if constexpr (U == SimdUnary::tanh) return simd::tanh(v);
  else if constexpr (U == SimdUnary::sigmoid) return simd::sigmoid(v);
  // "0 > v ? 0 : v" keeps NaN; + 0 turns -0 into +0 (ReluOp).
  else if constexpr (U == SimdUnary::relu) return pick_max(zero, v) + zero;
  // "0 > v ? 0 : v" then "6 < r ? 6 : r": NaN and -0 pass, as Relu6Op.
  else if constexpr (U == SimdUnary::relu6) return pick_min(V::set1(6.0f), pick_max(zero, v));
  else if constexpr (U == SimdUnary::elu) return select(lt(v, zero), simd::exp(v) - one, v);
  else if constexpr (U == SimdUnary::selu)
    return select(lt(v, zero), V::set1(static_cast<float>(kSeluScaleAlpha)) * (simd::exp(v) - one),
                  V::set1(static_cast<float>(kSeluScale)) * v);
  else if constexpr (U == SimdUnary::leaky_relu) return select(gt(v, zero), v, v * p);
  else if constexpr (U == SimdUnary::erf) return simd::erf(v);
  else if constexpr (U == SimdUnary::erfc) return simd::erfc(v);
  else if constexpr (U == SimdUnary::rsqrt) return one / sqrt(v);  // two rounded ops, as RsqrtOp
  else if constexpr (U == SimdUnary::round) return round_even(v);
  else if constexpr (U == SimdUnary::floor) return floor(v);
  else return ceil(v);
}

template <class V, SimdBinary B>
V binary_op(V a, V b) {
  if constexpr (B == SimdBinary::add) return a + b;
  else if constexpr (B == SimdBinary::sub) return a - b;
  else if constexpr (B == SimdBinary::mul) return a * b;
  else if constexpr (B == SimdBinary::div) return a / b;
  else if constexpr (B == SimdBinary::max) return select(is_nan(a), a, pick_max(a, b));  // MaxOp
  else if constexpr (B == SimdBinary::min) return select(is_nan(a), a, pick_min(a, b));
  else { const V d = a - b; return d * d; }
}

// y[i] = f(x[i]); x and y may alias.
template <class V, class F>
void unary_loop(F f, const float* x, float* y, int64_t n) {
  constexpr int64_t L = V::kLanes;
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const V a = f(V::load(x + i)), b = f(V::load(x + i + L));
    a.store(y + i);
    b.store(y + i + L);
  }
  for (; i + L <= n; i += L) f(V::load(x + i)).store(y + i);
  if (i < n) f(V::load_partial(x + i, n - i, 1.0f)).store_partial(y + i, n - i);
}

// Rows of y (ld apart) = f(y + bias), bias along the row.
template <class V, class F>
void bias_rows(F f, float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias) {
  constexpr int64_t L = V::kLanes;
  for (int64_t r = 0; r < rows; ++r, y += ld) {
    int64_t i = 0;
    for (; i + 2 * L <= cols; i += 2 * L) {
      const V a = f(V::load(y + i) + V::load(bias + i)), b = f(V::load(y + i + L) + V::load(bias + i + L));
      a.store(y + i);
      b.store(y + i + L);
    }
    for (; i + L <= cols; i += L) f(V::load(y + i) + V::load(bias + i)).store(y + i);
    if (i < cols) f(V::load_partial(y + i, cols - i, 0.0f) + V::load_partial(bias + i, cols - i, 0.0f)).store_partial(y + i, cols - i);
  }
}

template <class V, SimdUnary U>
void bias_act_entry(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, float p) {
  const V pv = V::set1(p);
  bias_rows<V>([pv](V v) { return unary_op<V, U>(v, pv); }, y, rows, cols, ld, bias);
}

template <class V>
void bias_add_entry(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, float) {
  bias_rows<V>([](V v) { return v; }, y, rows, cols, ld, bias);
}

template <class V>
void bias_gelu_entry(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, float a, float c) {
  const V va = V::set1(a), vc = V::set1(c);
  const auto gelu = [va, vc](V v) { return (va * v) * simd::erfc(neg(v) * vc); };
  if (bias) return bias_rows<V>(gelu, y, rows, cols, ld, bias);
  for (int64_t r = 0; r < rows; ++r) unary_loop<V>(gelu, y + r * ld, y + r * ld, cols);
}

template <class V, SimdUnary U>
void unary_entry(const float* x, float* y, int64_t n, float p) {
  const V pv = V::set1(p);
  unary_loop<V>([pv](V v) { return unary_op<V, U>(v, pv); }, x, y, n);
}

// y[i] = op(a[i], b[i]); a vector operand is loaded, a broadcast one (stride 0) set once.
template <class V, SimdBinary B, bool kVecA, bool kVecB>
void binary_loop(const float* a, const float* b, float* y, int64_t n) {
  constexpr int64_t L = V::kLanes;
  const V ba = V::set1(*a), bb = V::set1(*b);
  int64_t i = 0;
  for (; i + L <= n; i += L)
    binary_op<V, B>(kVecA ? V::load(a + i) : ba, kVecB ? V::load(b + i) : bb).store(y + i);
  if (i < n) {
    const V va = kVecA ? V::load_partial(a + i, n - i, 1.0f) : ba;
    const V vb = kVecB ? V::load_partial(b + i, n - i, 1.0f) : bb;
    binary_op<V, B>(va, vb).store_partial(y + i, n - i);
  }
}

template <class V, SimdBinary B>
void binary_entry(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa && sb) binary_loop<V, B, true, true>(a, b, y, n);
  else if (sb) binary_loop<V, B, false, true>(a, b, y, n);
  else if (sa) binary_loop<V, B, true, false>(a, b, y, n);
  else binary_loop<V, B, false, false>(a, b, y, n);
}

// NaN-propagating max of n > 0 floats.
template <class V>
float reduce_max(const float* x, int64_t n) {
  constexpr int64_t L = V::kLanes;
  const float ninf = -std::numeric_limits<float>::infinity();
  V m = V::set1(ninf);
  auto nan = is_nan(m);
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const V v = V::load(x + i);
    m = pick_max(m, v);
    nan = V::mask_or(nan, is_nan(v));
  }
  if (i < n) {
    const V v = V::load_partial(x + i, n - i, ninf);
    m = pick_max(m, v);
    nan = V::mask_or(nan, is_nan(v));
  }
  if (V::any(nan)) return std::numeric_limits<float>::quiet_NaN();
  float lanes[L];
  m.store(lanes);
  float r = lanes[0];
  for (int64_t j = 1; j < L; ++j) r = lanes[j] > r ? lanes[j] : r;
  return r;
}

// Sum of n floats accumulated in double.
template <class V>
double reduce_sum(const float* x, int64_t n) {
  constexpr int64_t L = V::kLanes;
  auto a0 = V::dzero(), a1 = V::dzero();
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    a0 = dadd(a0, V::load(x + i));
    a1 = dadd(a1, V::load(x + i + L));
  }
  if (i + L <= n) { a0 = dadd(a0, V::load(x + i)); i += L; }
  if (i < n) a1 = dadd(a1, V::load_partial(x + i, n - i, 0.0f));
  return dsum(dadd(a0, a1));
}

// out[j] = the sum over r < rows of x[r * ld + j], j < cols, each accumulated in double in row
// order (a reduction over the outer dims of a [rows, cols] block, e.g. a global average pool).
template <class V>
void col_sum(const float* x, int64_t rows, int64_t cols, int64_t ld, double* out) {
  constexpr int64_t L = V::kLanes;
  int64_t j = 0;
  for (; j + 4 * L <= cols; j += 4 * L) {  // four independent chains of adds
    auto a0 = V::dzero(), a1 = V::dzero(), a2 = V::dzero(), a3 = V::dzero();
    for (const float* p = x + j; p < x + j + rows * ld; p += ld) {
      a0 = dadd(a0, V::load(p)); a1 = dadd(a1, V::load(p + L));
      a2 = dadd(a2, V::load(p + 2 * L)); a3 = dadd(a3, V::load(p + 3 * L));
    }
    dstore(a0, out + j); dstore(a1, out + j + L); dstore(a2, out + j + 2 * L); dstore(a3, out + j + 3 * L);
  }
  for (; j < cols; j += L) {
    const int64_t n = cols - j < L ? cols - j : L;
    auto a = V::dzero();
    for (int64_t r = 0; r < rows; ++r) a = dadd(a, n == L ? V::load(x + r * ld + j) : V::load_partial(x + r * ld + j, n, 0.0f));
    double lanes[L];
    dstore(a, lanes);
    for (int64_t i = 0; i < n; ++i) out[j + i] = lanes[i];
  }
}

template <class V>
void layer_norm_row(const float* x, float* y, int64_t d, const float* g, const float* b, float eps) {
  constexpr int64_t L = V::kLanes;
  const float m = static_cast<float>(reduce_sum<V>(x, d) / static_cast<double>(d));
  const V vm = V::set1(m);
  auto a0 = V::dzero(), a1 = V::dzero();
  int64_t i = 0;
  for (; i + 2 * L <= d; i += 2 * L) {
    const V t0 = V::load(x + i) - vm, t1 = V::load(x + i + L) - vm;
    a0 = dadd(a0, t0 * t0);
    a1 = dadd(a1, t1 * t1);
  }
  for (; i + L <= d; i += L) { const V t = V::load(x + i) - vm; a0 = dadd(a0, t * t); }
  if (i < d) { const V t = V::load_partial(x + i, d - i, m) - vm; a1 = dadd(a1, t * t); }  // the fill adds 0
  const float var = static_cast<float>(dsum(dadd(a0, a1)) / static_cast<double>(d));
  const V r = V::set1(1.0f / std::sqrt(var + eps)), nm = V::set1(-m);
  for (i = 0; i + L <= d; i += L) {
    const V s = r * V::load(g + i);
    (V::load(x + i) * s + (nm * s + V::load(b + i))).store(y + i);
  }
  if (i < d) {
    const int64_t n = d - i;
    const V s = r * V::load_partial(g + i, n, 0.0f);
    (V::load_partial(x + i, n, 0.0f) * s + (nm * s + V::load_partial(b + i, n, 0.0f))).store_partial(y + i, n);
  }
}

// Sum over one row of exp(x - m) in double; with y, also stores the exponentials.
template <class V>
double exp_row(const float* x, float m, float* y, int64_t n) {
  constexpr int64_t L = V::kLanes;
  const V vm = V::set1(m);
  auto acc = V::dzero();
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const V e = simd::exp(V::load(x + i) - vm);
    acc = dadd(acc, e);
    if (y) e.store(y + i);
  }
  double sum = dsum(acc);
  if (i < n) {
    float e[L];
    simd::exp(V::load_partial(x + i, n - i, m) - vm).store(e);
    for (int64_t j = 0; j < n - i; ++j) {
      sum += e[j];
      if (y) y[i + j] = e[j];
    }
  }
  return sum;
}

// Softmax of one row of n > 0 floats: exp(x - max) / sum (the sum in double).
template <class V>
void softmax_row(const float* x, float* y, int64_t n) {
  const double sum = exp_row<V>(x, reduce_max<V>(x, n), y, n);
  const V inv = V::set1(static_cast<float>(1.0 / sum));
  unary_loop<V>([inv](V v) { return v * inv; }, y, y, n);
}

// (x - max) - log(sum(exp(x - max))), the log of the double sum rounded to float.
template <class V>
void log_softmax_row(const float* x, float* y, int64_t n) {
  const float m = reduce_max<V>(x, n);
  const V vm = V::set1(m), log_sum = V::set1(static_cast<float>(std::log(exp_row<V>(x, m, nullptr, n))));
  unary_loop<V>([vm, log_sum](V v) { return (v - vm) - log_sum; }, x, y, n);
}

template <class V, size_t... U, size_t... B>
SimdKernels make_kernels(std::index_sequence<U...>, std::index_sequence<B...>) {
  SimdKernels k{};
  ((k.unary[U] = unary_entry<V, static_cast<SimdUnary>(U)>), ...);
  ((k.bias_act[U] = bias_act_entry<V, static_cast<SimdUnary>(U)>), ...);
  k.bias_add = bias_add_entry<V>;
  k.bias_gelu = bias_gelu_entry<V>;
  k.layer_norm_row = layer_norm_row<V>;
  ((k.binary[B] = binary_entry<V, static_cast<SimdBinary>(B)>), ...);
  k.softmax_row = softmax_row<V>;
  k.log_softmax_row = log_softmax_row<V>;
  k.reduce_sum = reduce_sum<V>;
  k.col_sum = col_sum<V>;
  k.reduce_max = reduce_max<V>;
  return k;
}

}  // namespace simd

#define TL_DEFINE_SIMD_KERNELS(isa, V)                                                            \
  const SimdKernels& simd_kernels__##isa() {                                                      \
    static const SimdKernels k = simd::make_kernels<V>(                                           \
        std::make_index_sequence<static_cast<size_t>(SimdUnary::count)>(),                        \
        std::make_index_sequence<static_cast<size_t>(SimdBinary::count)>());                      \
    return k;                                                                                     \
  }

}  // namespace tl
