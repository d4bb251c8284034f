// Binary element-wise family with numpy broadcasting: Add Sub Mul RealDiv Maximum Minimum.
// Both shapes are collapsed into a minimal strided iteration space (elementwise.h); the
// innermost run is then always "vector op vector", "scalar op vector" or "vector op scalar",
// which is exactly what the contiguous (and AVX2/NEON) row loops implement.
#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // output elements per parallel chunk

template <class T>
using RowFn = void (*)(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n);

// Separate loops per stride pattern so each one vectorises.
template <class Op, class T>
void binary_row(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n) {
  Op op;
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
  } else if (sb) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) y[i] = op(av, b[i]);
  } else if (sa) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], bv);
  } else {
    const T v = op(*a, *b);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <class T>
RowFn<T> row_fn(OpId op) {
#if defined(__x86_64__) || defined(_M_X64)
  if constexpr (std::is_same_v<T, float>) {
    if (cpu_isa() == Isa::avx2) {
      switch (op) {
        case OpId::Add: return binary_add_f32__avx2;
        case OpId::Sub: return binary_sub_f32__avx2;
        case OpId::Mul: return binary_mul_f32__avx2;
        case OpId::RealDiv: return binary_div_f32__avx2;
        case OpId::Maximum: return binary_max_f32__avx2;
        case OpId::Minimum: return binary_min_f32__avx2;
        default: return nullptr;
      }
    }
  }
#elif defined(__aarch64__)
  if constexpr (std::is_same_v<T, float>) {
    if (cpu_isa() == Isa::neon) {
      switch (op) {
        case OpId::Add: return binary_add_f32__neon;
        case OpId::Sub: return binary_sub_f32__neon;
        case OpId::Mul: return binary_mul_f32__neon;
        case OpId::RealDiv: return binary_div_f32__neon;
        case OpId::Maximum: return binary_max_f32__neon;
        case OpId::Minimum: return binary_min_f32__neon;
        default: return nullptr;
      }
    }
  }
#endif
  switch (op) {
    case OpId::Add: return binary_row<AddOp, T>;
    case OpId::Sub: return binary_row<SubOp, T>;
    case OpId::Mul: return binary_row<MulOp, T>;
    case OpId::RealDiv: return binary_row<DivOp, T>;
    case OpId::Maximum: return binary_row<MaxOp, T>;
    case OpId::Minimum: return binary_row<MinOp, T>;
    default: return nullptr;
  }
}

template <class T>
void run_plan(KernelContext& ctx, RowFn<T> fn, const BroadcastPlan& p, const T* a, const T* b,
              T* y, int64_t n) {
  const int r = p.rank;
  const int64_t inner = p.dims[r - 1];
  const int64_t ia = p.stride_a[r - 1], ib = p.stride_b[r - 1];
  const int64_t rows = n / inner;
  if (rows == 1) {
    // One contiguous run (same shapes or scalar vs tensor): split the run itself.
    auto chunk = [&](int64_t s, int64_t e) { fn(a + s * ia, ia, b + s * ib, ib, y + s, e - s); };
    if (n <= kGrain) chunk(0, n); else ctx.run.parallel_for(n, kGrain, chunk);
    return;
  }
  // Rows of the outer dims, walked with an odometer starting from the chunk's first row.
  auto chunk = [&](int64_t r0, int64_t r1) {
    int64_t idx[kMaxRank] = {};
    int64_t oa = 0, ob = 0, rem = r0;
    for (int d = r - 2; d >= 0; --d) {
      idx[d] = rem % p.dims[d];
      rem /= p.dims[d];
      oa += idx[d] * p.stride_a[d];
      ob += idx[d] * p.stride_b[d];
    }
    for (int64_t row = r0; row < r1; ++row) {
      fn(a + oa, ia, b + ob, ib, y + row * inner, inner);
      for (int d = r - 2; d >= 0; --d) {
        oa += p.stride_a[d];
        ob += p.stride_b[d];
        if (++idx[d] < p.dims[d]) break;
        oa -= p.stride_a[d] * p.dims[d];
        ob -= p.stride_b[d] * p.dims[d];
        idx[d] = 0;
      }
    }
  };
  int64_t grain_rows = kGrain / inner > 0 ? kGrain / inner : 1;
  if (rows <= grain_rows) chunk(0, rows); else ctx.run.parallel_for(rows, grain_rows, chunk);
}

template <class T>
Status run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b) {
  RowFn<T> fn = row_fn<T>(ctx.node.op);
  if (fn == nullptr) return ctx.invalid(std::string("Unsupported binary op ") + ctx.node.type_name);
  Shape out_shape;
  if (!broadcast_shape(a.shape, b.shape, &out_shape)) {
    return ctx.invalid("Incompatible shapes: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  }
  BroadcastPlan plan;
  if (!make_broadcast_plan(a.shape, b.shape, out_shape, &plan)) {
    return ctx.invalid("Broadcasting needs more than " + std::to_string(kMaxRank) +
                       " dimensions: " + shape_str(a.shape) + " vs. " + shape_str(b.shape));
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const int64_t n = out->num_elements();
  if (n == 0) return Status::OK();
  if constexpr (std::is_integral_v<T>) {
    if (ctx.node.op == OpId::RealDiv) {
      // Checked up front so the row loops never fault (SIGFPE) or need an error path.
      const T* d = b.data<T>();
      for (int64_t i = 0, nb = b.num_elements(); i < nb; ++i) {
        if (d[i] == T(0)) return ctx.invalid("Integer division by zero");
      }
    }
  }
  run_plan<T>(ctx, fn, plan, a.data<T>(), b.data<T>(), out->data<T>(), n);
  return Status::OK();
}

}  // namespace

Status kernel_binary(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype != b.dtype) {
    return ctx.invalid(std::string("cannot compute ") + ctx.node.type_name +
                       " as input #1(zero-based) was expected to be a " + dtype_tf_name(a.dtype) +
                       " tensor but is a " + dtype_tf_name(b.dtype) + " tensor");
  }
  switch (a.dtype) {
    case DType::f32: return run_typed<float>(ctx, a, b);
    case DType::f64: return run_typed<double>(ctx, a, b);
    case DType::i32: return run_typed<int32_t>(ctx, a, b);
    case DType::i64: return run_typed<int64_t>(ctx, a, b);
    case DType::u8: return run_typed<uint8_t>(ctx, a, b);
    default:
      return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " +
                         dtype_tf_name(a.dtype));
  }
}

}  // namespace tl
