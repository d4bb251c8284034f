// Reductions over a set of axes (Sum Mean Prod Max Min Any All) and ArgMax / ArgMin.
// The input is collapsed into alternating runs of kept (K) and reduced (R) dims, so the common
// cases become contiguous loops: [K,R] reduces each row, [K0,R,K1] folds whole rows into a vector
// of accumulators. Other patterns use a strided walk. Each reduction is a small policy (Op<T, K>:
// accumulator type, identity, step, finish); float32 Sum/Mean/Max rows and Sum/Mean folds of
// rows use the SIMD kernels.
// Float sums and products accumulate in double (TF tests compare against numpy at ~1e-5);
// integer ones in uint64, which wraps like TF's integer arithmetic once cast back.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;   // input elements per parallel chunk
// Columns per task when folding rows together: long sequential row reads stream best, and the
// accumulators (<= 128 KB of doubles) still sit in L2.
constexpr int64_t kColBlock = 16384;
// A row too long for one thread (a full reduction of a large tensor) is cut into blocks of this
// many elements, whatever the thread count, and the blocks' results are combined in order: the
// value does not depend on how many threads ran.
constexpr int64_t kRowBlock = int64_t{1} << 18;

enum class Kind { sum, mean, prod, max, min, any, all };

// One reduction. Max/Min propagate NaN (TF's Eigen reducers do); Any/All read bool as uint8.
template <class T, Kind K>
struct Op {
  static constexpr bool kFloat = std::is_floating_point_v<T>;
  static constexpr bool kInT = K == Kind::max || K == Kind::min || K == Kind::any || K == Kind::all;
  using Acc = std::conditional_t<kInT, T, std::conditional_t<kFloat, double, uint64_t>>;
  static Acc init() {
    if constexpr (K == Kind::max) return kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    else if constexpr (K == Kind::min) return kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
    else if constexpr (K == Kind::prod || K == Kind::all) return Acc(1);
    else return Acc(0);
  }
  static Acc step(Acc a, T x) {
    if constexpr (K == Kind::max) return (x > a || is_nan_v(x)) ? x : a;
    else if constexpr (K == Kind::min) return (x < a || is_nan_v(x)) ? x : a;
    else if constexpr (K == Kind::any) return Acc(a | (x != 0));
    else if constexpr (K == Kind::all) return Acc(a & (x != 0));
    else if constexpr (K == Kind::prod) return a * static_cast<Acc>(x);
    else return a + static_cast<Acc>(x);
  }
  static T finish(Acc a, int64_t count) {
    if constexpr (K == Kind::mean) {
      if constexpr (kFloat) return static_cast<T>(a / static_cast<double>(count));  // 0/0 = NaN
      else return count == 0 ? T(0) : static_cast<T>(static_cast<int64_t>(a) / count);
    } else {
      return static_cast<T>(a);
    }
  }
};

// Reduces n contiguous values from `init`.
template <class T, Kind K>
typename Op<T, K>::Acc row_reduce(const T* x, int64_t n, typename Op<T, K>::Acc init) {
  using O = Op<T, K>;
  using Acc = typename O::Acc;
  if constexpr (std::is_same_v<T, float> && (K == Kind::sum || K == Kind::mean || K == Kind::max)) {
    if (n > 0) {
      if constexpr (K == Kind::max) return O::step(init, simd_kernels().reduce_max(x, n));
      else return init + simd_kernels().reduce_sum(x, n);
    }
  }
  if constexpr (K == Kind::sum || K == Kind::mean) {
    // Four partial sums: breaks the dependency chain and lets the loop vectorise.
    Acc s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += static_cast<Acc>(x[i]); s1 += static_cast<Acc>(x[i + 1]);
      s2 += static_cast<Acc>(x[i + 2]); s3 += static_cast<Acc>(x[i + 3]);
    }
    for (; i < n; ++i) s0 += static_cast<Acc>(x[i]);
    return init + ((s0 + s1) + (s2 + s3));
  } else {
    Acc a = init;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (K == Kind::max || K == Kind::min) { if (is_nan_v(x[i])) return x[i]; }
      a = O::step(a, x[i]);
    }
    return a;
  }
}

template <class T, Kind K>
class ReduceRun {
 public:
  using O = Op<T, K>;
  using Acc = typename O::Acc;
  ReduceRun(KernelContext& ctx, const T* x, T* y, int64_t count) : ctx_(ctx), x_(x), y_(y), count_(count) {}

  // [rows, n]: reduce each contiguous row.
  void inner(int64_t rows, int64_t n) {
    if constexpr (K == Kind::sum || K == Kind::mean || K == Kind::max || K == Kind::min) {
      if (rows < ctx_.run.num_threads() && n >= 2 * kRowBlock) return blocked_rows(rows, n);
    }
    auto body = [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y_[i] = O::finish(row_reduce<T, K>(x_ + i * n, n, O::init()), count_);
    };
    split(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), body);
  }

  // Fewer rows than threads, each long: every row in blocks of kRowBlock reduced in parallel
  // (sum of 16M floats on 2 threads: 1.7 -> ~1.2 ms, what memory delivers), then each row's
  // block results combined in block order.
  void blocked_rows(int64_t rows, int64_t n) {
    const int64_t nb = (n + kRowBlock - 1) / kRowBlock;
    std::vector<Acc> part(static_cast<size_t>(rows * nb));
    split(rows * nb, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t r = t / nb, start = (t % nb) * kRowBlock;
        part[t] = row_reduce<T, K>(x_ + r * n + start, std::min(kRowBlock, n - start), O::init());
      }
    });
    for (int64_t r = 0; r < rows; ++r) {
      Acc a = O::init();
      for (int64_t k = 0; k < nb; ++k) {
        if constexpr (K == Kind::sum || K == Kind::mean) a += part[r * nb + k];
        else a = O::step(a, static_cast<T>(part[r * nb + k]));
      }
      y_[r] = O::finish(a, count_);
    }
  }

  // [k0, rn, k1]: for each k0, fold rn rows of k1 elements; `acc` has k0*k1 slots.
  void outer(int64_t k0, int64_t rn, int64_t k1, Acc* acc) {
    // f32 Sum / Mean: the SIMD column sums (the same double sums in the same order), about 10x
    // the scalar loop's speed, so a chunk takes more elements (a global average pool of
    // 7x7x1280 in one piece: a task for the pool costs more than the sums).
    constexpr bool kSimd = std::is_same_v<T, float> && (K == Kind::sum || K == Kind::mean);
    const int64_t grain = kSimd ? 8 * kGrain : kGrain;
    int64_t cb = std::min(k1, kColBlock);
    const int64_t threads = std::max(1, ctx_.run.num_threads());
    if (k0 < threads && rn * k1 > grain) {  // too few tasks: narrower column blocks
      cb = std::max<int64_t>(256, (k1 + (threads / k0) - 1) / (threads / k0));
    }
    const int64_t nblk = (k1 + cb - 1) / cb;
    auto body = [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t o = t / nblk, j0 = (t % nblk) * cb, j1 = std::min(k1, j0 + cb);
        const T* base = x_ + o * rn * k1;
        Acc* a = acc + o * k1;
        if constexpr (kSimd) {
          simd_kernels().col_sum(base + j0, rn, j1 - j0, k1, a + j0);
        } else {
          for (int64_t j = j0; j < j1; ++j) a[j] = O::init();
          for (int64_t r = 0; r < rn; ++r) {
            const T* row = base + r * k1;
            for (int64_t j = j0; j < j1; ++j) a[j] = O::step(a[j], row[j]);
          }
        }
        T* out = y_ + o * k1;
        for (int64_t j = j0; j < j1; ++j) out[j] = O::finish(a[j], count_);
      }
    };
    split(k0 * nblk, std::max<int64_t>(1, grain / std::max<int64_t>(1, rn * cb)), body);
  }

  // Any pattern: walk the collapsed dims; out offsets come from the kept dims' strides.
  void general(const std::vector<int64_t>& dims, const std::vector<bool>& red, Acc* acc) {
    const int g = static_cast<int>(dims.size());
    std::vector<int64_t> ostride(g, 0);
    int64_t on = 1;
    for (int i = g - 1; i >= 0; --i) {
      if (!red[i]) { ostride[i] = on; on *= dims[i]; }
    }
    for (int64_t i = 0; i < on; ++i) acc[i] = O::init();
    const int64_t inner = dims[g - 1];
    const bool inner_red = red[g - 1];
    std::vector<int64_t> idx(g, 0);
    int64_t off = 0;  // output offset of the current row
    for (const T* row = x_;; row += inner) {
      if (inner_red) acc[off] = row_reduce<T, K>(row, inner, acc[off]);
      else for (int64_t j = 0; j < inner; ++j) acc[off + j] = O::step(acc[off + j], row[j]);
      int d = g - 2;
      for (; d >= 0; --d) {
        off += ostride[d];
        if (++idx[d] < dims[d]) break;
        off -= ostride[d] * dims[d];
        idx[d] = 0;
      }
      if (d < 0) break;
    }
    for (int64_t i = 0; i < on; ++i) y_[i] = O::finish(acc[i], count_);
  }

  // Every output sees an empty set (a reduced dim of size 0).
  void empty(int64_t on) {
    for (int64_t i = 0; i < on; ++i) y_[i] = O::finish(O::init(), 0);
  }

 private:
  template <class F>
  void split(int64_t n, int64_t grain, const F& f) {
    if (n <= grain) f(0, n); else ctx_.run.parallel_for(n, grain, f);
  }

  KernelContext& ctx_;
  const T* x_;
  T* y_;
  int64_t count_;
};

template <class T, Kind K>
Status run_typed(KernelContext& ctx, const Tensor& in, const std::vector<bool>& red, const Shape& out_shape) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const int64_t on = out->num_elements(), n = in.num_elements();
  if (on == 0) return Status::OK();
  ReduceRun<T, K> run(ctx, in.data<T>(), out->data<T>(), n / on);
  if (n == 0) { run.empty(on); return Status::OK(); }
  // Collapse: drop size-1 dims, merge neighbours with the same reduced/kept flag.
  std::vector<int64_t> dims;
  std::vector<bool> flags;
  for (size_t i = 0; i < in.shape.size(); ++i) {
    if (in.shape[i] == 1) continue;
    if (!flags.empty() && flags.back() == red[i]) dims.back() *= in.shape[i];
    else { dims.push_back(in.shape[i]); flags.push_back(red[i]); }
  }
  if (dims.empty()) { dims.push_back(1); flags.push_back(true); }
  const size_t g = dims.size();
  if (g == 1 && !flags[0]) { run.inner(dims[0], 1); return Status::OK(); }  // nothing reduced
  if (flags[g - 1] && g <= 2) { run.inner(g == 2 ? dims[0] : 1, dims[g - 1]); return Status::OK(); }
  using Acc = typename Op<T, K>::Acc;
  auto acc = Buffer::allocate(sizeof(Acc) * on);
  if (!acc) return make_error(kResourceExhausted, "Reduction: out of memory");
  Acc* ap = static_cast<Acc*>(acc->data);
  if (!flags[g - 1] && g <= 3 && flags[g - 2]) run.outer(g == 3 ? dims[0] : 1, dims[g - 2], dims[g - 1], ap);
  else run.general(dims, flags, ap);
  return Status::OK();
}

// TF's ReductionHelper: every axis in range, none twice (after wrapping negatives).
template <class I>
Status read_axes(KernelContext& ctx, const Tensor& axes, int rank, std::vector<bool>* red) {
  const I* p = axes.data<I>();
  for (int64_t i = 0, n = axes.num_elements(); i < n; ++i) {
    const int64_t v = static_cast<int64_t>(p[i]);
    if (v < -rank || v >= rank) {
      return ctx.invalid("Invalid reduction dimension (" + std::to_string(v) + " for input with " +
                         std::to_string(rank) + " dimension(s)");
    }
    const int64_t a = v < 0 ? v + rank : v;
    if ((*red)[a]) return ctx.invalid("Invalid reduction arguments: Axes contains duplicate dimension: " + std::to_string(a));
    (*red)[a] = true;
  }
  return Status::OK();
}

template <Kind K>
Status run_kind(KernelContext& ctx, const Tensor& in, const std::vector<bool>& red, const Shape& out_shape) {
  if constexpr (K == Kind::any || K == Kind::all) {
    return run_typed<uint8_t, K>(ctx, in, red, out_shape);  // bool storage (the registry fixes the dtype)
  } else {
    switch (in.dtype) {
      case DType::f32: return run_typed<float, K>(ctx, in, red, out_shape);
      case DType::f64: return run_typed<double, K>(ctx, in, red, out_shape);
      case DType::i32: return run_typed<int32_t, K>(ctx, in, red, out_shape);
      case DType::i64: return run_typed<int64_t, K>(ctx, in, red, out_shape);
      case DType::u8: return run_typed<uint8_t, K>(ctx, in, red, out_shape);
      default:
        return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(in.dtype));
    }
  }
}

// ---- ArgMax / ArgMin ----
// TF's CPU kernels use Eigen's arg reducers: start from (index 0, lowest) (highest for ArgMin)
// and take an element only when strictly better. So ties keep the first index, NaN never wins,
// and a slice with nothing above lowest (all NaN, or -inf) gives 0.
template <class T, class I, bool kMax>
void arg_reduce(KernelContext& ctx, const T* x, I* y, int64_t outer, int64_t n, int64_t inner, T init) {
  auto better = [](T v, T best) { return kMax ? v > best : v < best; };
  auto body = [&](int64_t b, int64_t e) {
    std::vector<T> best(inner == 1 ? 0 : inner);
    for (int64_t o = b; o < e; ++o) {
      const T* base = x + o * n * inner;
      I* out = y + o * inner;
      if (inner == 1) {
        T bv = init;
        int64_t bi = 0;
        for (int64_t j = 0; j < n; ++j) {
          if (better(base[j], bv)) { bv = base[j]; bi = j; }
        }
        out[0] = static_cast<I>(bi);
        continue;
      }
      // Walk the reduced dim outermost so each step reads a contiguous row of `inner` values.
      std::fill(best.begin(), best.end(), init);
      std::fill(out, out + inner, I(0));
      for (int64_t j = 0; j < n; ++j) {
        const T* row = base + j * inner;
        for (int64_t i = 0; i < inner; ++i) {
          if (better(row[i], best[i])) { best[i] = row[i]; out[i] = static_cast<I>(j); }
        }
      }
    }
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * inner));
  if (outer <= grain) body(0, outer); else ctx.run.parallel_for(outer, grain, body);
}

template <class T>
Status arg_typed(KernelContext& ctx, const Tensor& in, Tensor* out, int64_t outer, int64_t n, int64_t inner, bool is_bool) {
  const bool is_max = ctx.node.op == OpId::ArgMax;
  // Eigen's NumTraits: lowest/highest of the type (-FLT_MAX, not -inf, for floats); bool is {0, 1}.
  const T lo = is_bool ? T(0) : std::numeric_limits<T>::lowest();
  const T hi = is_bool ? T(1) : std::numeric_limits<T>::max();
  const T* x = in.data<T>();
  if (out->dtype == DType::i32) {
    if (is_max) arg_reduce<T, int32_t, true>(ctx, x, out->data<int32_t>(), outer, n, inner, lo);
    else arg_reduce<T, int32_t, false>(ctx, x, out->data<int32_t>(), outer, n, inner, hi);
  } else {
    if (is_max) arg_reduce<T, int64_t, true>(ctx, x, out->data<int64_t>(), outer, n, inner, lo);
    else arg_reduce<T, int64_t, false>(ctx, x, out->data<int64_t>(), outer, n, inner, hi);
  }
  return Status::OK();
}

}  // namespace

Status kernel_reduce(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& axes = ctx.input(1);
  const int rank = static_cast<int>(in.shape.size());
  std::vector<bool> red(rank, false);
  if (axes.dtype == DType::i32) TL_RETURN_IF_ERROR(read_axes<int32_t>(ctx, axes, rank, &red));
  else TL_RETURN_IF_ERROR(read_axes<int64_t>(ctx, axes, rank, &red));
  Shape out_shape;
  const bool keep = ctx.attr(0).b;
  for (int i = 0; i < rank; ++i) {
    if (!red[i]) out_shape.push_back(in.shape[i]);
    else if (keep) out_shape.push_back(1);
  }
  switch (ctx.node.op) {
    case OpId::Sum: return run_kind<Kind::sum>(ctx, in, red, out_shape);
    case OpId::Mean: return run_kind<Kind::mean>(ctx, in, red, out_shape);
    case OpId::Prod: return run_kind<Kind::prod>(ctx, in, red, out_shape);
    case OpId::Max: return run_kind<Kind::max>(ctx, in, red, out_shape);
    case OpId::Min: return run_kind<Kind::min>(ctx, in, red, out_shape);
    case OpId::Any: return run_kind<Kind::any>(ctx, in, red, out_shape);
    case OpId::All: return run_kind<Kind::all>(ctx, in, red, out_shape);
    default: return make_error(kInternal, std::string("reduce kernel called for ") + ctx.node.type_name);
  }
}

Status kernel_argminmax(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& dim_t = ctx.input(1);
  if (!dim_t.shape.empty()) {
    return ctx.invalid("dim must be a scalar, but received tensor of shape: " + shape_str(dim_t.shape));
  }
  const int64_t dim = dim_t.dtype == DType::i32 ? *dim_t.data<int32_t>() : *dim_t.data<int64_t>();
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  const int64_t axis = dim < 0 ? dim + rank : dim;
  if (axis < 0 || axis >= rank) {
    return ctx.invalid("Expected dimension in the range [" + std::to_string(-rank) + ", " + std::to_string(rank) +
                       "), but got " + std::to_string(dim));
  }
  if (in.shape[axis] == 0) {
    return ctx.invalid("Reduction axis " + std::to_string(dim) + " is empty in shape " + shape_str(in.shape));
  }
  Shape out_shape;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis) out_shape.push_back(in.shape[i]);
    if (i < axis) outer *= in.shape[i];
    if (i > axis) inner *= in.shape[i];
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  const int64_t n = in.shape[axis];
  switch (in.dtype) {
    case DType::f32: return arg_typed<float>(ctx, in, out, outer, n, inner, false);
    case DType::f64: return arg_typed<double>(ctx, in, out, outer, n, inner, false);
    case DType::i32: return arg_typed<int32_t>(ctx, in, out, outer, n, inner, false);
    case DType::i64: return arg_typed<int64_t>(ctx, in, out, outer, n, inner, false);
    case DType::u8: return arg_typed<uint8_t>(ctx, in, out, outer, n, inner, false);
    case DType::boolean: return arg_typed<uint8_t>(ctx, in, out, outer, n, inner, true);
    default:
      return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(in.dtype));
  }
}

}  // namespace tl
