// Softmax and LogSoftmax over the last axis: y = exp(x - max(x)) / sum(exp(x - max(x))) per row
// (log: (x - max(x)) - log(sum(exp(x - max(x))))), subtracting the row max so exp never
// overflows; and the softmax cross-entropy losses (family xent). Rows run in parallel; f32
// rows use the SIMD table (native/simd/).
#include <algorithm>
#include <cmath>

#include "elementwise.h"
#include "kernel.h"
#include "nn_util.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk (exp is relatively costly)

template <class T>
void softmax_row(const T* x, T* y, int64_t n) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  // Accumulate in double (the f32 SIMD rows do too).
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i] - m);
    y[i] = e;
    sum += e;
  }
  const T inv = static_cast<T>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

template <class T>
void log_softmax_row(const T* x, T* y, int64_t n) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - m);
  const T log_sum = static_cast<T>(std::log(sum));
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_sum;
}

template <class T>
Status run_typed(KernelContext& ctx, const Tensor& in) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  const int64_t n = in.num_elements();
  const int64_t cols = in.shape.back();
  if (n == 0 || cols == 0) return Status::OK();
  const int64_t rows = n / cols;
  const bool log = ctx.node.op == OpId::LogSoftmax;
  void (*row_fn)(const T*, T*, int64_t) = log ? log_softmax_row<T> : softmax_row<T>;
  if constexpr (std::is_same_v<T, float>) {
    row_fn = log ? simd_kernels().log_softmax_row : simd_kernels().softmax_row;
  }
  const T* x = in.data<T>();
  T* y = out->data<T>();
  auto body = [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row_fn(x + r * cols, y + r * cols, cols);
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / cols);
  if (rows <= grain) body(0, rows); else ctx.run.parallel_for(rows, grain, body);
  return Status::OK();
}

}  // namespace

Status kernel_softmax(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.shape.empty()) {
    return ctx.invalid("logits must have >= 1 dimension, got " + shape_str(in.shape));
  }
  switch (in.dtype) {
    case DType::f32: return run_typed<float>(ctx, in);
    case DType::f64: return run_typed<double>(ctx, in);
    default:
      return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(in.dtype));
  }
}

// ---- SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits ------------------------
// Per row i of logits f: s = f - max(f), loss = Σ_j label_j · (log Σ exp(s) - s_j),
// backprop = exp(s) / Σ exp(s) - label (label: a distribution, or one-hot of a class index).

namespace {

// Element (i, j) of a rank <= 2 tensor broadcast to [rows, cols] is data[i * row + j * col].
struct Strides2 { int64_t row, col; };
Strides2 strides2(const Shape& s) {
  const int64_t r = s.size() == 2 ? s[0] : 1, c = s.empty() ? 1 : s.back();
  return {r == 1 ? 0 : c, c == 1 ? 0 : 1};
}

// One row: writes exp(s) to bp, returns Σ exp(s) and the row max in *m.
template <class T>
double exp_row(const T* f, int64_t fc, int64_t cols, T* bp, T* m) {
  T mx = f[0];
  for (int64_t j = 1; j < cols; ++j) mx = f[j * fc] > mx ? f[j * fc] : mx;
  double sum = 0;
  for (int64_t j = 0; j < cols; ++j) { bp[j] = std::exp(f[j * fc] - mx); sum += bp[j]; }
  *m = mx;
  return sum;
}

template <class T>
void xent_dense(KernelContext& ctx, const Tensor& f, const Tensor& l, int64_t rows, int64_t cols, T* loss, T* bp) {
  const Strides2 fs = strides2(f.shape), ls = strides2(l.shape);
  const T* fd = f.data<T>();
  const T* ld = l.data<T>();
  parallel_rows(ctx, rows, 4 * cols, [&](int64_t r0, int64_t r1) {  // exp costs ~4 steps
    for (int64_t i = r0; i < r1; ++i) {
      const T* fr = fd + i * fs.row;
      const T* lr = ld + i * ls.row;
      T* b = bp + i * cols;
      if (cols == 0) { loss[i] = 0; continue; }
      T m;
      const T sum = static_cast<T>(exp_row(fr, fs.col, cols, b, &m));
      const T log_sum = std::log(sum);
      double acc = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const T lab = lr[j * ls.col];
        acc += lab * (log_sum - (fr[j * fs.col] - m));  // 0 · inf is NaN, as TF
        b[j] = b[j] / sum - lab;
      }
      loss[i] = static_cast<T>(acc);
    }
  });
}

template <class T, class L>
void xent_sparse(KernelContext& ctx, const T* f, const L* labels, int64_t rows, int64_t cols, T* loss, T* bp) {
  parallel_rows(ctx, rows, 4 * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* fr = f + i * cols;
      T* b = bp + i * cols;
      T m;
      const T sum = static_cast<T>(exp_row(fr, 1, cols, b, &m));
      const int64_t label = static_cast<int64_t>(labels[i]);  // checked in range
      loss[i] = std::log(sum) - (fr[label] - m);
      for (int64_t j = 0; j < cols; ++j) b[j] = b[j] / sum - (j == label ? T(1) : T(0));
    }
  });
}

// TF's CheckInvalidLabelIndex: the first label outside [0, classes), and every label value.
template <class L>
Status check_labels(KernelContext& ctx, const L* labels, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] >= 0 && static_cast<int64_t>(labels[i]) < classes) continue;
    std::string all;
    for (int64_t k = 0; k < n; ++k) all += (k ? " " : "") + std::to_string(labels[k]);
    return ctx.invalid("Received a label value of " + std::to_string(labels[i]) + " which is outside the valid range of [0, " +
                       std::to_string(classes) + ").  Label values: " + all);
  }
  return Status::OK();
}

Status sparse_xent(KernelContext& ctx) {
  const Tensor& f = ctx.input(0);
  const Tensor& l = ctx.input(1);
  if (f.shape.size() != 2) return ctx.invalid("logits must be 2-D, but got shape " + shape_str(f.shape));
  if (l.shape.size() != 1) return ctx.invalid("labels must be 1-D, but got shape " + shape_str(l.shape));
  if (f.shape[0] != l.shape[0])
    return ctx.invalid("logits and labels must have the same first dimension, got logits shape " + shape_str(f.shape) +
                       " and labels shape " + shape_str(l.shape));
  if (f.shape[1] == 0) return ctx.invalid("Must have at least one class, but got logits shape " + shape_str(f.shape));
  const int64_t rows = f.shape[0], cols = f.shape[1];
  Tensor *loss, *bp;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {rows}, &loss));
  TL_RETURN_IF_ERROR(ctx.allocate_output(1, f.shape, &bp));
  Status st;
  const bool ok = dispatch<float, double>(f.dtype, [&](auto t) {
    using T = decltype(t);
    dispatch<int32_t, int64_t>(l.dtype, [&](auto u) {
      using L = decltype(u);
      st = check_labels(ctx, l.data<L>(), rows, cols);
      if (st.ok()) xent_sparse(ctx, f.data<T>(), l.data<L>(), rows, cols, loss->data<T>(), bp->data<T>());
    });
  });
  if (!ok) return ctx.invalid(std::string("SparseSoftmaxCrossEntropyWithLogits not supported for dtype ") + dtype_tf_name(f.dtype));
  return st;
}

}  // namespace

Status kernel_xent(KernelContext& ctx) {
  if (ctx.node.op == OpId::SparseSoftmaxCrossEntropyWithLogits) return sparse_xent(ctx);
  const Tensor& f = ctx.input(0);
  const Tensor& l = ctx.input(1);
  Shape shape = f.shape;
  if (f.shape != l.shape) {
    if (!broadcast_shape(f.shape, l.shape, &shape))
      return ctx.invalid("logits and labels must be broadcastable: logits_size=" + shape_str(f.shape) + " labels_size=" +
                         shape_str(l.shape));
  }
  if (shape.size() != 2) return ctx.invalid("logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional");
  Tensor *loss, *bp;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {shape[0]}, &loss));
  TL_RETURN_IF_ERROR(ctx.allocate_output(1, shape, &bp));
  const bool ok = dispatch<float, double>(f.dtype, [&](auto t) {
    using T = decltype(t);
    xent_dense<T>(ctx, f, l, shape[0], shape[1], loss->data<T>(), bp->data<T>());
  });
  return ok ? Status::OK() : ctx.invalid(std::string("SoftmaxCrossEntropyWithLogits not supported for dtype ") + dtype_tf_name(f.dtype));
}

}  // namespace tl
