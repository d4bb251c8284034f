// Per-op scalar functors of the elementwise families (unary.cc, binary.cc, ternary.cc, addn.cc),
// dtype masks and dispatch, and the table of the f32 SIMD loops (native/simd/, one instantiation
// per ISA).
// Each functor follows TF's CPU kernel for the op (cwise_ops.h, relu_op_functor.h): same formula,
// same order of operations, same NaN and signed-zero behaviour. Integer arithmetic wraps (two's
// complement) instead of invoking signed-overflow UB.
// NOTE: the SIMD translation units include this header; they must not odr-use its inline
// functions (a copy compiled with -mavx2 could be the one the linker keeps).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

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

// numpy broadcasting of two shapes: align right, each pair of dims equal or one of them 1.
// False if incompatible. (broadcast.h has the N-input form and the iteration plan.)
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

// ---- dtypes: C++ types, masks for the kernel tables, run-time dispatch ----
template <DType D> struct ctype_of;
template <> struct ctype_of<DType::f32> { using type = float; };
template <> struct ctype_of<DType::f64> { using type = double; };
template <> struct ctype_of<DType::i32> { using type = int32_t; };
template <> struct ctype_of<DType::i64> { using type = int64_t; };
template <> struct ctype_of<DType::u8> { using type = uint8_t; };
template <> struct ctype_of<DType::boolean> { using type = uint8_t; };  // bool is 0/1 bytes
// A string element as the functors see it (core.h, Buffer): Equal/NotEqual/Select only.
struct Str {
  StrElem p = nullptr;
  bool operator==(const Str& o) const { return str_view(p) == str_view(o.p); }
  bool operator!=(const Str& o) const { return !(*this == o); }
};
static_assert(sizeof(Str) == 8, "a string element is one pointer");
template <> struct ctype_of<DType::str> { using type = Str; };
template <DType D> using ctype = typename ctype_of<D>::type;

constexpr unsigned dtype_bit(DType d) { return 1u << static_cast<unsigned>(d); }
constexpr unsigned kF32 = dtype_bit(DType::f32), kF64 = dtype_bit(DType::f64);
constexpr unsigned kI32 = dtype_bit(DType::i32), kI64 = dtype_bit(DType::i64);
constexpr unsigned kU8 = dtype_bit(DType::u8), kBool = dtype_bit(DType::boolean);
constexpr unsigned kFloat = kF32 | kF64, kReal = kFloat | kI32 | kI64, kNum = kReal | kU8;
constexpr unsigned kAny = kNum | kBool;
constexpr unsigned kStr = dtype_bit(DType::str);

// Calls fn(std::integral_constant<DType, D>{}) for the run-time dtype d (the decoder only
// admits these six).
template <class Fn>
decltype(auto) dispatch_dtype(DType d, Fn&& fn) {
  switch (d) {
    case DType::f64: return fn(std::integral_constant<DType, DType::f64>{});
    case DType::i32: return fn(std::integral_constant<DType, DType::i32>{});
    case DType::i64: return fn(std::integral_constant<DType, DType::i64>{});
    case DType::u8: return fn(std::integral_constant<DType, DType::u8>{});
    case DType::boolean: return fn(std::integral_constant<DType, DType::boolean>{});
    case DType::f32: case DType::str: break;  // str: only dispatch_dtype_str's callers take it
  }
  return fn(std::integral_constant<DType, DType::f32>{});
}
// dispatch_dtype that also instantiates fn for DType::str (fn must guard what it does with Str).
template <class Fn>
decltype(auto) dispatch_dtype_str(DType d, Fn&& fn) {
  if (d == DType::str) return fn(std::integral_constant<DType, DType::str>{});
  return dispatch_dtype(d, std::forward<Fn>(fn));
}

// Storage type of a functor's result: bool results are stored as uint8_t.
template <class R> using storage_t = std::conditional_t<std::is_same_v<R, bool>, uint8_t, R>;

// ---- input guards: integer inputs TF's kernels reject (checked before the loops run) ----
enum class Guard { none, nonzero, nonnegative };
template <class Op, class = void> struct guard_of { static constexpr Guard value = Guard::none; };
template <class Op> struct guard_of<Op, std::void_t<decltype(Op::guard)>> { static constexpr Guard value = Op::guard; };
inline const char* guard_message(Guard g) {
  return g == Guard::nonzero ? "Integer division by zero"
                             : "Integers to negative integer powers are not allowed";
}
// True if every x[i] passes the guard (always for floating types: guards are integer-only).
template <class T>
bool guard_ok(Guard g, const T* x, int64_t n) {
  if constexpr (std::is_integral_v<T>) {
    for (int64_t i = 0; i < n; ++i) {
      if (g == Guard::nonzero && x[i] == T(0)) return false;
      if (g == Guard::nonnegative && x[i] < T(0)) return false;
    }
  }
  (void)g, (void)x, (void)n;
  return true;
}

// A functor built for one node: ops with a float attr (LeakyRelu's alpha) take it in their
// constructor, as TF's float attr (32-bit).
template <class Op>
Op make_functor(float param) {
  if constexpr (std::is_constructible_v<Op, float>) return Op(param); else return Op{};
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
// (x > 0) - (x < 0); NaN stays NaN and -0 gives +0, as Eigen's sign.
struct SignOp {
  template <class T> T operator()(T x) const { return is_nan_v(x) ? x : T((x > T(0)) - (x < T(0))); }
};
struct ReciprocalOp {
  static constexpr Guard guard = Guard::nonzero;  // integer 1 / 0 (TF has no integer CPU kernel)
  template <class T> T operator()(T x) const { return T(T(1) / x); }
};
struct RsqrtOp { template <class T> T operator()(T x) const { return T(1) / std::sqrt(x); } };
struct Expm1Op { template <class T> T operator()(T x) const { return std::expm1(x); } };
struct Log1pOp { template <class T> T operator()(T x) const { return std::log1p(x); } };
struct SinOp { template <class T> T operator()(T x) const { return std::sin(x); } };
struct CosOp { template <class T> T operator()(T x) const { return std::cos(x); } };
struct ErfOp { template <class T> T operator()(T x) const { return std::erf(x); } };
struct ErfcOp { template <class T> T operator()(T x) const { return std::erfc(x); } };
struct FloorOp { template <class T> T operator()(T x) const { return std::floor(x); } };
struct CeilOp { template <class T> T operator()(T x) const { return std::ceil(x); } };
// Half to even (the default rounding mode); integers are already round.
struct RoundOp {
  template <class T> T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::nearbyint(x); else return x;
  }
};
struct IsNanOp { template <class T> bool operator()(T x) const { return std::isnan(x); } };
struct IsFiniteOp { template <class T> bool operator()(T x) const { return std::isfinite(x); } };
// TF's cut-offs: x itself above -t, exp(x) below t, with t = log(epsilon) + 2 in T.
struct SoftplusOp {
  template <class T> T operator()(T x) const {
    const T t = std::log(std::numeric_limits<T>::epsilon()) + T(2);
    if (x > -t) return x;
    if (x < t) return std::exp(x);
    return std::log1p(std::exp(x));
  }
};
struct SoftsignOp { template <class T> T operator()(T x) const { return x / (T(1) + std::fabs(x)); } };
// max(x, 0) then min(.., 6) with std::max/min operand order: NaN and -0 pass through, as TF.
struct Relu6Op {
  template <class T> T operator()(T x) const {
    const T r = x < T(0) ? T(0) : x;
    return T(6) < r ? T(6) : r;
  }
};
// exp(x) - 1, not expm1: TF's formula, so results near 0 round as TF's do.
struct EluOp {
  template <class T> T operator()(T x) const { return x < T(0) ? std::exp(x) - T(1) : x; }
};
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluScaleAlpha = 1.7580993408473768599402175208123;
struct SeluOp {
  template <class T> T operator()(T x) const {
    return x < T(0) ? T(kSeluScaleAlpha) * (std::exp(x) - T(1)) : T(kSeluScale) * x;
  }
};
struct LeakyReluOp {
  float alpha;
  explicit LeakyReluOp(float a) : alpha(a) {}
  template <class T> T operator()(T x) const { return x > T(0) ? x : x * T(alpha); }
};
struct LogicalNotOp { template <class T> bool operator()(T x) const { return x == T(0); } };

// ---- binary functors ----
struct AddOp { template <class T> T operator()(T a, T b) const { return wadd(a, b); } };
struct SubOp { template <class T> T operator()(T a, T b) const { return wsub(a, b); } };
struct MulOp { template <class T> T operator()(T a, T b) const { return wmul(a, b); } };
// Truncating integer division (TF's safe_div): zero divisors are rejected up front, MIN / -1 wraps.
struct DivOp {
  static constexpr Guard guard = Guard::nonzero;
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return a / b;
    else if constexpr (std::is_signed_v<T>) return b == T(-1) ? wsub(T(0), a) : T(a / b);
    else return T(a / b);
  }
};
struct DivNoNanOp {
  template <class T> T operator()(T a, T b) const { return b == T(0) ? T(0) : a / b; }
};
// floor(a / b); for integers the truncated quotient minus one when inexact with mixed signs.
struct FloorDivOp {
  static constexpr Guard guard = Guard::nonzero;
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return std::floor(a / b);
    else if constexpr (std::is_unsigned_v<T>) return T(a / b);
    else {
      const T q = DivOp()(a, b);
      return (wmul(q, b) != a && ((a < 0) != (b < 0))) ? T(q - 1) : q;
    }
  }
};
// The truncated remainder moved into the divisor's sign (fmod for floats); MIN % -1 is 0.
struct FloorModOp {
  static constexpr Guard guard = Guard::nonzero;
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_unsigned_v<T>) return T(a % b);
    else {
      T r;
      if constexpr (std::is_floating_point_v<T>) r = std::fmod(a, b);
      else r = b == T(-1) ? T(0) : T(a % b);
      return (r != T(0) && ((b < T(0)) != (r < T(0)))) ? T(r + b) : r;
    }
  }
};
// std::pow for floats; integers by repeated squaring (wrapping, as Eigen's integer pow).
struct PowOp {
  static constexpr Guard guard = Guard::nonnegative;
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return std::pow(a, b);
    else {
      T r = 1;
      for (; b != 0; b = T(b >> 1)) {
        if (b & 1) r = wmul(r, a);
        a = wmul(a, a);
      }
      return r;
    }
  }
};
struct SquaredDifferenceOp {
  template <class T> T operator()(T a, T b) const { const T d = wsub(a, b); return wmul(d, d); }
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
struct EqualOp { template <class T> bool operator()(T a, T b) const { return a == b; } };
struct NotEqualOp { template <class T> bool operator()(T a, T b) const { return a != b; } };
struct LessOp { template <class T> bool operator()(T a, T b) const { return a < b; } };
struct LessEqualOp { template <class T> bool operator()(T a, T b) const { return a <= b; } };
struct GreaterOp { template <class T> bool operator()(T a, T b) const { return a > b; } };
struct GreaterEqualOp { template <class T> bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAndOp { template <class T> bool operator()(T a, T b) const { return a != 0 && b != 0; } };
struct LogicalOrOp { template <class T> bool operator()(T a, T b) const { return a != 0 || b != 0; } };

// ---- ternary functors ----
struct SelectOp {
  template <class T> T operator()(uint8_t c, T a, T b) const { return c ? a : b; }
};
// min(t, hi) then max(.., lo) with std::min/max operand order: a NaN t stays NaN, a NaN bound
// leaves t unclipped on that side, and hi < lo gives lo (as TF's kernel).
struct ClipOp {
  template <class T> T operator()(T t, T lo, T hi) const {
    const T r = hi < t ? hi : t;
    return r < lo ? lo : r;
  }
};

// ---- the f32 SIMD kernels: one table per ISA level (native/simd/) ----
// Each loop is written once over a Vec type (simd/loops.h) and instantiated per ISA file:
// elementwise_scalar.cc (baseline flags, VecScalar), elementwise_avx2.cc, elementwise_avx512.cc
// (x86-64, their own flags) and elementwise_neon.cc (AArch64). simd_kernels() is the table of
// cpu_isa(). Contracts:
//   unary:   y[i] = op(x[i]); x and y may alias; p is the op's float attr (LeakyRelu's alpha).
//   binary:  y[i] = op(a[i * sa], b[i * sb]) with sa, sb in {0, 1}; y may alias a or b.
//   softmax / log_softmax: one row of n > 0 floats (stable: subtracts the row max; the sum of
//            exponentials in double).
//   reduce:  n > 0 contiguous floats; sum accumulated in double, NaN-propagating max.
//   col_sum: out[j] = sum over r < rows of x[r * ld + j] (j < cols), in double, in row order.
//   bias_act: y[r * ld + j] = op(y[r * ld + j] + bias[j]) for r < rows, j < cols (a fused
//            MatMul's or convolution's epilogue in one pass); bias_add the same without op.
//   layer_norm_row: one row of d > 0 floats: mean m and variance v (sums in double), r =
//            1 / sqrt(v + eps), then y = x * s + (-m * s + beta), s = r * gamma (as Keras' graph).
//   bias_gelu: the same with the exact GELU as Keras writes it, (a·v)·erfc((−v)·c), v = y + bias
//            (bias may be null: v = y).
#define TL_SIMD_UNARY(X) \
  X(neg) X(abs) X(exp) X(sqrt) X(square) X(tanh) X(sigmoid) X(relu) X(relu6) X(elu) X(selu) X(leaky_relu) X(erf) \
  X(erfc) X(rsqrt) X(round) X(floor) X(ceil)
#define TL_SIMD_BINARY(X) X(add) X(sub) X(mul) X(div) X(max) X(min) X(squared_difference)

#define TL_ENUM_ENTRY(name) name,
enum class SimdUnary { TL_SIMD_UNARY(TL_ENUM_ENTRY) count };
enum class SimdBinary { TL_SIMD_BINARY(TL_ENUM_ENTRY) count };
#undef TL_ENUM_ENTRY

using UnaryF32 = void (*)(const float* x, float* y, int64_t n, float p);
using BinaryF32 = void (*)(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n);
using BiasActF32 = void (*)(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, float p);
struct SimdKernels {
  UnaryF32 unary[static_cast<int>(SimdUnary::count)];
  BiasActF32 bias_act[static_cast<int>(SimdUnary::count)];
  BiasActF32 bias_add;
  void (*layer_norm_row)(const float* x, float* y, int64_t d, const float* gamma, const float* beta, float eps);
  void (*bias_gelu)(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, float a, float c);
  BinaryF32 binary[static_cast<int>(SimdBinary::count)];
  void (*softmax_row)(const float* x, float* y, int64_t n);
  void (*log_softmax_row)(const float* x, float* y, int64_t n);
  double (*reduce_sum)(const float* x, int64_t n);
  void (*col_sum)(const float* x, int64_t rows, int64_t cols, int64_t ld, double* out);
  float (*reduce_max)(const float* x, int64_t n);
};

// The table of the ISA cpu_isa() chose (elementwise_scalar.cc).
const SimdKernels& simd_kernels();
// Per ISA: __avx2 and __avx512 exist on x86-64 only, __neon on AArch64 only.
const SimdKernels& simd_kernels__scalar();
const SimdKernels& simd_kernels__avx2();
const SimdKernels& simd_kernels__avx512();
const SimdKernels& simd_kernels__neon();
enum class OpId : uint16_t;  // graph.h
struct Node;
// The f32 SIMD loop an op's kernel runs (unary.cc, binary.cc), or nullptr if it has none.
UnaryF32 simd_unary_for(OpId op);
BinaryF32 simd_binary_for(OpId op);
// A unary op's float attr, if it has one (LeakyRelu's alpha), as TF's 32-bit float attr.
float float_param(const Node& node);

}  // namespace tl
