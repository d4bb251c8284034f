// Sum / Mean / Max over a set of axes. The input is collapsed into alternating runs of kept (K)
// and reduced (R) dims, so the common cases become contiguous loops: [K,R] reduces each row,
// [K0,R,K1] adds whole rows into a vector of accumulators. Other patterns use a strided walk.
// f32 sums accumulate in double (TF tests compare against numpy at ~1e-5); integer sums wrap.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;   // input elements per parallel chunk
// Columns per task when adding rows together: long sequential row reads stream best, and the
// accumulators (<= 128 KB of doubles) still sit in L2.
constexpr int64_t kColBlock = 16384;

enum class Kind { sum, mean, max };

template <class T>
struct Reducer {
  static constexpr bool kFloat = std::is_floating_point_v<T>;
  // Floats sum in double; integers in uint64 (wraps; a later cast back keeps TF's wrap-around).
  using Acc = std::conditional_t<kFloat, double, uint64_t>;
  Kind kind;
  T max_init() const {
    return kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  }
  T finish_sum(Acc acc, int64_t count) const {
    if (kind == Kind::sum) return static_cast<T>(acc);
    if constexpr (kFloat) return static_cast<T>(acc / static_cast<double>(count));  // 0/0 = NaN
    else return count == 0 ? T(0) : static_cast<T>(static_cast<int64_t>(acc) / count);
  }
};

// NaN-propagating max step: once the accumulator is NaN nothing compares greater.
template <class T>
inline bool max_take(T acc, T x) { return x > acc || is_nan_v(x); }

// ---- contiguous building blocks ----
template <class T>
T row_max(const T* x, int64_t n, T init) {
  if constexpr (std::is_same_v<T, float>) {
#if defined(__x86_64__) || defined(_M_X64)
    if (cpu_isa() == Isa::avx2 && n > 0) {
      float m = reduce_max_f32__avx2(x, n);
      return (m > init || m != m) ? m : init;
    }
#elif defined(__aarch64__)
    if (cpu_isa() == Isa::neon && n > 0) {
      float m = reduce_max_f32__neon(x, n);
      return (m > init || m != m) ? m : init;
    }
#endif
  }
  T m = init;
  for (int64_t i = 0; i < n; ++i) {
    if (is_nan_v(x[i])) return x[i];
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

template <class T, class Acc>
Acc row_sum(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
#if defined(__x86_64__) || defined(_M_X64)
    if (cpu_isa() == Isa::avx2) return reduce_sum_f32__avx2(x, n);
#elif defined(__aarch64__)
    if (cpu_isa() == Isa::neon) return reduce_sum_f32__neon(x, n);
#endif
  }
  // Four partial sums: breaks the dependency chain and lets the loop vectorise.
  Acc s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<Acc>(x[i]); s1 += static_cast<Acc>(x[i + 1]);
    s2 += static_cast<Acc>(x[i + 2]); s3 += static_cast<Acc>(x[i + 3]);
  }
  for (; i < n; ++i) s0 += static_cast<Acc>(x[i]);
  return (s0 + s1) + (s2 + s3);
}

template <class T>
class ReduceRun {
 public:
  using R = Reducer<T>;
  using Acc = typename R::Acc;
  ReduceRun(KernelContext& ctx, Kind kind, const T* x, T* y, int64_t count)
      : ctx_(ctx), r_{kind}, x_(x), y_(y), count_(count) {}

  // [rows, n]: reduce each contiguous row.
  void inner(int64_t rows, int64_t n) {
    auto body = [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y_[i] = reduce_row(x_ + i * n, n);
    };
    split(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), body);
  }

  // [k0, rn, k1]: for each k0, combine rn rows of k1 elements; `acc` has k0*k1 slots.
  void outer(int64_t k0, int64_t rn, int64_t k1, Acc* acc) {
    int64_t cb = std::min(k1, kColBlock);
    const int64_t threads = std::max(1, ctx_.run.num_threads());
    if (k0 < threads && rn * k1 > kGrain) {  // too few tasks: narrower column blocks
      cb = std::max<int64_t>(256, (k1 + (threads / k0) - 1) / (threads / k0));
    }
    const int64_t nblk = (k1 + cb - 1) / cb;
    auto body = [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t o = t / nblk, j0 = (t % nblk) * cb, j1 = std::min(k1, j0 + cb);
        const T* base = x_ + o * rn * k1;
        T* out = y_ + o * k1;
        if (r_.kind == Kind::max) {
          for (int64_t j = j0; j < j1; ++j) out[j] = r_.max_init();
          for (int64_t r = 0; r < rn; ++r) {
            const T* row = base + r * k1;
            for (int64_t j = j0; j < j1; ++j) out[j] = max_take(out[j], row[j]) ? row[j] : out[j];
          }
          continue;
        }
        Acc* a = acc + o * k1;
        for (int64_t j = j0; j < j1; ++j) a[j] = 0;
        for (int64_t r = 0; r < rn; ++r) {
          const T* row = base + r * k1;
          for (int64_t j = j0; j < j1; ++j) a[j] += static_cast<Acc>(row[j]);
        }
        for (int64_t j = j0; j < j1; ++j) out[j] = r_.finish_sum(a[j], count_);
      }
    };
    split(k0 * nblk, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rn * cb)), body);
  }

  // Any pattern: walk the collapsed dims; out offsets come from the kept dims' strides.
  void general(const std::vector<int64_t>& dims, const std::vector<bool>& red, Acc* acc) {
    const int g = static_cast<int>(dims.size());
    std::vector<int64_t> ostride(g, 0);
    int64_t on = 1;
    for (int i = g - 1; i >= 0; --i) {
      if (!red[i]) { ostride[i] = on; on *= dims[i]; }
    }
    if (r_.kind == Kind::max) { for (int64_t i = 0; i < on; ++i) y_[i] = r_.max_init(); }
    else { for (int64_t i = 0; i < on; ++i) acc[i] = 0; }
    const int64_t inner = dims[g - 1];
    const bool inner_red = red[g - 1];
    std::vector<int64_t> idx(g, 0);
    int64_t off = 0;  // output offset of the current row
    for (const T* row = x_;; row += inner) {
      if (inner_red) {
        if (r_.kind == Kind::max) { T m = row_max(row, inner, y_[off]); y_[off] = m; }
        else acc[off] += row_sum<T, Acc>(row, inner);
      } else if (r_.kind == Kind::max) {
        for (int64_t j = 0; j < inner; ++j) y_[off + j] = max_take(y_[off + j], row[j]) ? row[j] : y_[off + j];
      } else {
        for (int64_t j = 0; j < inner; ++j) acc[off + j] += static_cast<Acc>(row[j]);
      }
      int d = g - 2;
      for (; d >= 0; --d) {
        off += ostride[d];
        if (++idx[d] < dims[d]) break;
        off -= ostride[d] * dims[d];
        idx[d] = 0;
      }
      if (d < 0) break;
    }
    if (r_.kind != Kind::max) { for (int64_t i = 0; i < on; ++i) y_[i] = r_.finish_sum(acc[i], count_); }
  }

  // Every output sees an empty set (a reduced dim of size 0).
  void empty(int64_t on) {
    for (int64_t i = 0; i < on; ++i) y_[i] = r_.kind == Kind::max ? r_.max_init() : r_.finish_sum(0, 0);
  }

 private:
  T reduce_row(const T* x, int64_t n) const {
    if (r_.kind == Kind::max) return row_max(x, n, r_.max_init());
    return r_.finish_sum(row_sum<T, Acc>(x, n), count_);
  }
  template <class F>
  void split(int64_t n, int64_t grain, const F& f) {
    if (n <= grain) f(0, n); else ctx_.run.parallel_for(n, grain, f);
  }

  KernelContext& ctx_;
  R r_;
  const T* x_;
  T* y_;
  int64_t count_;
};

template <class T>
Status run_typed(KernelContext& ctx, Kind kind, const Tensor& in, const std::vector<bool>& red,
                 const Shape& out_shape) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const int64_t on = out->num_elements(), n = in.num_elements();
  if (on == 0) return Status::OK();
  ReduceRun<T> run(ctx, kind, in.data<T>(), out->data<T>(), n / on);
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
  using Acc = typename Reducer<T>::Acc;
  std::shared_ptr<Buffer> acc;
  if (kind != Kind::max) {
    acc = Buffer::allocate(sizeof(Acc) * on);
    if (!acc) return make_error(kResourceExhausted, "Reduction: out of memory");
  }
  Acc* ap = acc ? static_cast<Acc*>(acc->data) : nullptr;
  if (!flags[g - 1] && g <= 3 && flags[g - 2]) {
    run.outer(g == 3 ? dims[0] : 1, dims[g - 2], dims[g - 1], ap);
  } else {
    run.general(dims, flags, ap);
  }
  return Status::OK();
}

template <class I>
Status read_axes(KernelContext& ctx, const Tensor& axes, int rank, std::vector<bool>* red) {
  const I* p = axes.data<I>();
  for (int64_t i = 0, n = axes.num_elements(); i < n; ++i) {
    const int64_t v = static_cast<int64_t>(p[i]);
    if (v < -rank || v >= rank) {
      return ctx.invalid("Invalid reduction dimension " + std::to_string(v) + " for input with " +
                         std::to_string(rank) + " dimension(s)");
    }
    (*red)[v < 0 ? v + rank : v] = true;
  }
  return Status::OK();
}

}  // namespace

Status kernel_reduce(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& axes = ctx.input(1);
  const Kind kind = ctx.node.op == OpId::Sum ? Kind::sum : ctx.node.op == OpId::Mean ? Kind::mean : Kind::max;
  const int rank = static_cast<int>(in.shape.size());
  std::vector<bool> red(rank, false);
  if (axes.dtype == DType::i32) TL_RETURN_IF_ERROR(read_axes<int32_t>(ctx, axes, rank, &red));
  else if (axes.dtype == DType::i64) TL_RETURN_IF_ERROR(read_axes<int64_t>(ctx, axes, rank, &red));
  else return ctx.invalid(std::string("Reduction indices must be int32 or int64, got ") + dtype_tf_name(axes.dtype));
  Shape out_shape;
  const bool keep = ctx.attr(0).b;
  for (int i = 0; i < rank; ++i) {
    if (!red[i]) out_shape.push_back(in.shape[i]);
    else if (keep) out_shape.push_back(1);
  }
  switch (in.dtype) {
    case DType::f32: return run_typed<float>(ctx, kind, in, red, out_shape);
    case DType::f64: return run_typed<double>(ctx, kind, in, red, out_shape);
    case DType::i32: return run_typed<int32_t>(ctx, kind, in, red, out_shape);
    case DType::i64: return run_typed<int64_t>(ctx, kind, in, red, out_shape);
    case DType::u8: return run_typed<uint8_t>(ctx, kind, in, red, out_shape);
    default:
      return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(in.dtype));
  }
}

}  // namespace tl
