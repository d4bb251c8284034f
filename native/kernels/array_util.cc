// The strided box copy behind every data-movement kernel, and small helpers (see array_util.h).
#include "array_util.h"

#include <algorithm>
#include <cstring>

namespace tl {

namespace {

constexpr int64_t kChunkBytes = 1 << 15;  // bytes per parallel chunk, at least
constexpr int64_t kTile = 32;             // transpose tile edge (elements)

// One row of n elements: dst[i * ds] = src[i * ss].
template <class U>
void copy_row(char* dst, const char* src, int64_t n, int64_t ds, int64_t ss) {
  U* d = reinterpret_cast<U*>(dst);
  const U* s = reinterpret_cast<const U*>(src);
  if (ds == 1 && ss == 1) {
    std::memcpy(d, s, static_cast<size_t>(n) * sizeof(U));
  } else if (ds == 1) {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i * ss];
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

// A [rows x n] block whose rows are contiguous in the source (row stride in src is 1) but whose
// columns are contiguous in the destination: walked in kTile x kTile tiles so both sides stay
// in cache (the transpose case).
template <class U>
void copy_tiled(char* dst, const char* src, int64_t rows, int64_t n, int64_t dr, int64_t ds, int64_t ss) {
  U* d = reinterpret_cast<U*>(dst);
  const U* s = reinterpret_cast<const U*>(src);
  for (int64_t i0 = 0; i0 < n; i0 += kTile) {
    const int64_t i1 = std::min(n, i0 + kTile);
    for (int64_t a = 0; a < rows; ++a)
      for (int64_t i = i0; i < i1; ++i) d[a * dr + i * ds] = s[a + i * ss];
  }
}

using RowFn = void (*)(char*, const char*, int64_t, int64_t, int64_t);
using TileFn = void (*)(char*, const char*, int64_t, int64_t, int64_t, int64_t, int64_t);

RowFn row_fn(size_t elem) {
  switch (elem) {
    case 1: return copy_row<uint8_t>;
    case 2: return copy_row<uint16_t>;
    case 4: return copy_row<uint32_t>;
    default: return copy_row<uint64_t>;
  }
}
TileFn tile_fn(size_t elem) {
  switch (elem) {
    case 1: return copy_tiled<uint8_t>;
    case 2: return copy_tiled<uint16_t>;
    case 4: return copy_tiled<uint32_t>;
    default: return copy_tiled<uint64_t>;
  }
}

// Drops unit dims and merges neighbours that are contiguous in both layouts. False if the box
// is empty.
bool simplify(const CopyPlan& in, CopyPlan* p) {
  p->rank = 0;
  for (int k = 0; k < in.rank; k++) {
    const int64_t n = in.shape[k];
    if (n == 0) return false;
    if (n == 1) continue;
    if (p->rank > 0) {
      const int j = p->rank - 1;
      if (p->dst_stride[j] == in.dst_stride[k] * n && p->src_stride[j] == in.src_stride[k] * n) {
        p->shape[j] *= n;
        p->dst_stride[j] = in.dst_stride[k];
        p->src_stride[j] = in.src_stride[k];
        continue;
      }
    }
    p->add(n, in.dst_stride[k], in.src_stride[k]);
  }
  return true;
}

// Element offsets of outer index `row` over dims [0, od) of p.
void offsets_of(const CopyPlan& p, int od, int64_t row, int64_t* idx, int64_t* doff, int64_t* soff) {
  *doff = *soff = 0;
  for (int k = od - 1; k >= 0; --k) {
    idx[k] = row % p.shape[k];
    row /= p.shape[k];
    *doff += idx[k] * p.dst_stride[k];
    *soff += idx[k] * p.src_stride[k];
  }
}

}  // namespace

void strided_copy(const RunControl& run, void* dst, const void* src, size_t elem, const CopyPlan& plan) {
  CopyPlan p;
  if (!simplify(plan, &p)) return;
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  const int64_t e = static_cast<int64_t>(elem);
  if (p.rank == 0) {
    std::memcpy(d, s, elem);
    return;
  }
  const int in = p.rank - 1;  // innermost dim
  const int64_t n = p.shape[in];
  if (p.rank == 1 && p.dst_stride[0] == 1 && p.src_stride[0] == 1) {  // one contiguous run
    run.parallel_for(n * e, kChunkBytes * 2, [&](int64_t b, int64_t end) { std::memcpy(d + b, s + b, static_cast<size_t>(end - b)); });
    return;
  }

  // Transpose-like: the inner dim is strided in the source while another dim is contiguous there.
  // Move that dim next to the inner one and copy [tile x n] blocks.
  int j = -1;
  if (p.src_stride[in] != 1 && n >= 8) {
    for (int k = 0; k < in; k++)
      if (p.src_stride[k] == 1 && p.shape[k] >= 8) j = k;
  }
  if (j >= 0) {
    std::rotate(p.shape + j, p.shape + j + 1, p.shape + in);
    std::rotate(p.dst_stride + j, p.dst_stride + j + 1, p.dst_stride + in);
    std::rotate(p.src_stride + j, p.src_stride + j + 1, p.src_stride + in);
    const int od = in - 1;  // dims iterated as rows; dim `od` is split into kTile blocks
    const int64_t rows_len = p.shape[od], nb = (rows_len + kTile - 1) / kTile;
    int64_t tasks = nb;
    for (int k = 0; k < od; k++) tasks *= p.shape[k];
    TileFn tile = tile_fn(elem);
    const int64_t grain = std::max<int64_t>(1, kChunkBytes / (kTile * n * e));
    run.parallel_for(tasks, grain, [&](int64_t b, int64_t end) {
      int64_t idx[kMaxCopyRank];
      for (int64_t t = b; t < end; ++t) {
        int64_t doff, soff;
        offsets_of(p, od, t / nb, idx, &doff, &soff);
        const int64_t a0 = (t % nb) * kTile, rows = std::min(kTile, rows_len - a0);
        doff += a0 * p.dst_stride[od];
        soff += a0;  // src stride of dim od is 1
        tile(d + doff * e, s + soff * e, rows, n, p.dst_stride[od], p.dst_stride[in], p.src_stride[in]);
      }
    });
    return;
  }

  RowFn row = row_fn(elem);
  int64_t rows = 1;
  for (int k = 0; k < in; k++) rows *= p.shape[k];
  const int64_t grain = std::max<int64_t>(1, kChunkBytes / (n * e));
  run.parallel_for(rows, grain, [&](int64_t b, int64_t end) {
    int64_t idx[kMaxCopyRank], doff, soff;
    offsets_of(p, in, b, idx, &doff, &soff);
    for (int64_t r = b; r < end; ++r) {
      row(d + doff * e, s + soff * e, n, p.dst_stride[in], p.src_stride[in]);
      for (int k = in - 1; k >= 0; --k) {  // odometer step
        doff += p.dst_stride[k];
        soff += p.src_stride[k];
        if (++idx[k] < p.shape[k]) break;
        doff -= p.dst_stride[k] * p.shape[k];
        soff -= p.src_stride[k] * p.shape[k];
        idx[k] = 0;
      }
    }
  });
}

Shape row_strides(const Shape& s) {
  Shape st(s.size(), 1);
  for (int k = static_cast<int>(s.size()) - 2; k >= 0; --k) st[k] = st[k + 1] * s[k + 1];
  return st;
}

void fill_elements(const RunControl& run, void* dst, int64_t n, size_t elem, const void* value) {
  auto fill_as = [&](auto bits) {
    std::memcpy(&bits, value, sizeof bits);
    auto* d = static_cast<decltype(bits)*>(dst);
    run.parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) { std::fill(d + b, d + e, bits); });
  };
  switch (elem) {
    case 1: fill_as(uint8_t{}); break;
    case 2: fill_as(uint16_t{}); break;
    case 4: fill_as(uint32_t{}); break;
    default: fill_as(uint64_t{}); break;
  }
}

std::vector<int64_t> int_values(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < v.size(); i++) v[i] = int_at(t, static_cast<int64_t>(i));
  return v;
}

std::string dims_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

std::string index_str(const Shape& shape, int64_t i) {
  if (shape.empty()) return "";
  std::vector<int64_t> idx(shape.size());
  for (int k = static_cast<int>(shape.size()) - 1; k >= 0; --k) {
    idx[k] = shape[k] ? i % shape[k] : 0;
    i = shape[k] ? i / shape[k] : 0;
  }
  return dims_str(idx);
}

Status shape_from_tensor(KernelContext& ctx, const Tensor& t, Shape* out) {
  if (t.num_elements() > kMaxRank) return ctx.invalid("shape has " + std::to_string(t.num_elements()) + " dimensions, above the maximum rank");
  *out = int_values(t);
  for (int64_t d : *out)
    if (d < 0) return ctx.invalid("Dimension " + std::to_string(d) + " must be >= 0");
  int64_t n;
  if (!shape_num_elements(*out, &n)) return ctx.invalid("Shape " + shape_str(*out) + " is too large (more than 2**63 - 1 entries)");
  return Status::OK();
}

}  // namespace tl
