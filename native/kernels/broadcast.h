// numpy broadcasting for the elementwise families: the output shape of N inputs, and an
// iteration plan that drops size-1 dims and merges neighbours with the same layout, so the
// innermost run is always contiguous (stride 1) or broadcast (stride 0) in every input.
// Not included by the SIMD translation units (see the NOTE in elementwise.h).
#pragma once
#include <initializer_list>

#include "kernel.h"

namespace tl {

// numpy rule: align right, each dim equal or 1 across the inputs. False if incompatible.
inline bool broadcast_shapes(std::initializer_list<const Shape*> in, Shape* out) {
  size_t r = 0;
  for (const Shape* s : in) r = s->size() > r ? s->size() : r;
  out->assign(r, 1);
  for (const Shape* s : in) {
    const size_t off = r - s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t d = (*s)[i], &o = (*out)[off + i];
      if (d == o || d == 1) continue;
      if (o != 1) return false;
      o = d;
    }
  }
  return true;
}

// Strides in elements; 0 on a broadcast dim. The innermost strides are always 0 or 1.
template <int N>
struct BroadcastPlan {
  int rank = 1;
  int64_t dims[kMaxRank];
  int64_t strides[N][kMaxRank];
};

// Plan for inputs `in` broadcast to `out` (their broadcast shape). False only if the collapsed
// rank exceeds kMaxRank.
template <int N>
bool make_broadcast_plan(const Shape* const (&in)[N], const Shape& out, BroadcastPlan<N>* p) {
  const int r = static_cast<int>(out.size());
  // Walk from the innermost dim outwards, tracking each input's contiguous stride.
  int64_t contiguous[N], dims[kMaxRank], st[N][kMaxRank];
  for (int k = 0; k < N; ++k) contiguous[k] = 1;
  int n = 0;  // collapsed dims, stored innermost first, reversed at the end
  for (int i = r - 1; i >= 0; --i) {
    const int64_t d = out[i];
    int64_t s[N];
    bool merge = n > 0;
    for (int k = 0; k < N; ++k) {
      const int ik = i - (r - static_cast<int>(in[k]->size()));
      const int64_t dk = ik >= 0 ? (*in[k])[ik] : 1;
      s[k] = dk == 1 ? 0 : contiguous[k];
      contiguous[k] *= dk;
      if (n > 0 && s[k] != st[k][n - 1] * dims[n - 1]) merge = false;
    }
    if (d == 1) continue;
    if (merge) {
      dims[n - 1] *= d;  // same layout relation as the group inside it
      continue;
    }
    if (n == kMaxRank) return false;
    dims[n] = d;
    for (int k = 0; k < N; ++k) st[k][n] = s[k];
    ++n;
  }
  if (n == 0) {
    dims[0] = 1;
    for (int k = 0; k < N; ++k) st[k][0] = 0;
    n = 1;
  }
  p->rank = n;
  for (int i = 0; i < n; ++i) {
    p->dims[i] = dims[n - 1 - i];
    for (int k = 0; k < N; ++k) p->strides[k][i] = st[k][n - 1 - i];
  }
  return true;
}

// Calls row(off, y0, len) for every innermost run of the plan's n output elements: off[k] is
// input k's element offset, y0 the output's, and each input advances by its innermost stride
// (plan.strides[k][rank - 1], 0 or 1). Chunks of about `grain` elements run in parallel.
template <int N, class Row>
void for_each_run(const RunControl& run, const BroadcastPlan<N>& p, int64_t n, int64_t grain, Row&& row) {
  const int r = p.rank;
  const int64_t inner = p.dims[r - 1];
  if (n == inner) {
    // One run (same shapes, or scalars against a tensor): split the run itself.
    auto chunk = [&](int64_t b, int64_t e) {
      int64_t off[N];
      for (int k = 0; k < N; ++k) off[k] = b * p.strides[k][r - 1];
      row(off, b, e - b);
    };
    if (n <= grain) chunk(0, n); else run.parallel_for(n, grain, chunk);
    return;
  }
  // Rows of the outer dims, walked with an odometer starting from the chunk's first row.
  auto chunk = [&](int64_t r0, int64_t r1) {
    int64_t idx[kMaxRank] = {}, off[N] = {}, rem = r0;
    for (int d = r - 2; d >= 0; --d) {
      idx[d] = rem % p.dims[d];
      rem /= p.dims[d];
      for (int k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
    }
    for (int64_t row_i = r0; row_i < r1; ++row_i) {
      row(off, row_i * inner, inner);
      for (int d = r - 2; d >= 0; --d) {
        for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
        if (++idx[d] < p.dims[d]) break;
        for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.dims[d];
        idx[d] = 0;
      }
    }
  };
  const int64_t rows = n / inner;
  const int64_t grain_rows = grain / inner > 0 ? grain / inner : 1;
  if (rows <= grain_rows) chunk(0, rows); else run.parallel_for(rows, grain_rows, chunk);
}

}  // namespace tl
