// TopKV2: the k largest entries of each row (the last dim) and their indices, largest first;
// equal values keep index order (TF: "the lower-index element appears first"). NaN, which TF
// leaves to its sort's whims, ranks above +inf here; -0 equals +0. sorted=false allows any
// order; for 1 < k < n we return TF's own: the array of its bounded heap (gtl::TopN over the
// column indices, built with the standard heap algorithms), so results match TF element for
// element.
#include <algorithm>
#include <numeric>

#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // input elements per parallel chunk

template <class T>
inline bool greater(T a, T b) {
  if (is_nan_v(a)) return !is_nan_v(b);
  if (is_nan_v(b)) return false;
  return a > b;
}

// TF's unsorted selection (gtl::TopN over the column indices): the first k + 1 indices become a
// heap whose least element is popped into a scratch slot; afterwards each index above the least
// pops it off the k-heap and is pushed in its place. The first k slots are the result.
template <class Greater>
void heap_select(int64_t n, int64_t k, const Greater& greater, std::vector<int64_t>* heap) {
  heap->clear();
  for (int64_t c = 0; c < n; ++c) {
    if (static_cast<int64_t>(heap->size()) <= k) {
      heap->push_back(c);
      if (static_cast<int64_t>(heap->size()) == k + 1) {
        std::make_heap(heap->begin(), heap->end(), greater);
        std::pop_heap(heap->begin(), heap->end(), greater);
      }
    } else if (greater(c, heap->front())) {
      std::pop_heap(heap->begin(), heap->begin() + k, greater);
      (*heap)[k - 1] = c;
      std::push_heap(heap->begin(), heap->begin() + k, greater);
    }
  }
}

template <class T, class I>
void top_k(KernelContext& ctx, const T* x, T* values, I* indices, int64_t rows, int64_t n, int64_t k, bool sorted) {
  auto body = [&](int64_t b, int64_t e) {
    std::vector<int64_t> order;
    for (int64_t r = b; r < e; ++r) {
      const T* row = x + r * n;
      T* vo = values + r * k;
      I* io = indices + r * k;
      if (k == 1) {  // a plain scan: the first of the largest
        int64_t best = 0;
        for (int64_t j = 1; j < n; ++j) if (greater(row[j], row[best])) best = j;
        vo[0] = row[best];
        io[0] = static_cast<I>(best);
        continue;
      }
      auto before = [row](int64_t p, int64_t q) { return greater(row[p], row[q]) || (!greater(row[q], row[p]) && p < q); };
      if (!sorted && k < n) {
        // TF's comparator (values by `<` and `>`, then index), so the heap layout is TF's.
        heap_select(n, k, [row](int64_t p, int64_t q) { return row[q] < row[p] || (!(row[q] > row[p]) && p < q); }, &order);
      } else {
        order.resize(n);
        std::iota(order.begin(), order.end(), int64_t(0));
        if (k < n) std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
        else std::sort(order.begin(), order.end(), before);
      }
      for (int64_t j = 0; j < k; ++j) {
        vo[j] = row[order[j]];
        io[j] = static_cast<I>(order[j]);
      }
    }
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n));
  if (rows <= grain) body(0, rows); else ctx.run.parallel_for(rows, grain, body);
}

template <class T>
Status top_k_typed(KernelContext& ctx, const Tensor& in, Tensor* values, Tensor* indices, int64_t rows, int64_t n, int64_t k) {
  const T* x = in.data<T>();
  const bool sorted = ctx.attr(0).b;
  if (indices->dtype == DType::i32) top_k<T, int32_t>(ctx, x, values->data<T>(), indices->data<int32_t>(), rows, n, k, sorted);
  else top_k<T, int64_t>(ctx, x, values->data<T>(), indices->data<int64_t>(), rows, n, k, sorted);
  return Status::OK();
}

}  // namespace

Status kernel_topk(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& k_t = ctx.input(1);
  if (!k_t.shape.empty()) return ctx.invalid("k must be scalar, got shape " + shape_str(k_t.shape));
  const int64_t k = k_t.dtype == DType::i32 ? *k_t.data<int32_t>() : *k_t.data<int64_t>();
  if (k < 0) return ctx.invalid("Need k >= 0, got " + std::to_string(k));
  if (in.shape.empty()) return ctx.invalid("input must be >= 1-D, got shape " + shape_str(in.shape));
  const int64_t n = in.shape.back();
  if (n < k) {
    return ctx.invalid("input must have at least k columns. Had " + std::to_string(n) + ", needed " + std::to_string(k));
  }
  Shape out_shape = in.shape;
  out_shape.back() = k;
  Tensor *values, *indices;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &values));
  TL_RETURN_IF_ERROR(ctx.allocate_output(1, out_shape, &indices));
  if (values->num_elements() == 0) return Status::OK();
  const int64_t rows = values->num_elements() / k;
  switch (in.dtype) {
    case DType::f32: return top_k_typed<float>(ctx, in, values, indices, rows, n, k);
    case DType::f64: return top_k_typed<double>(ctx, in, values, indices, rows, n, k);
    case DType::i32: return top_k_typed<int32_t>(ctx, in, values, indices, rows, n, k);
    case DType::i64: return top_k_typed<int64_t>(ctx, in, values, indices, rows, n, k);
    case DType::u8: return top_k_typed<uint8_t>(ctx, in, values, indices, rows, n, k);
    default:
      return ctx.invalid(std::string("TopKV2 not supported for dtype ") + dtype_tf_name(in.dtype));
  }
}

}  // namespace tl
