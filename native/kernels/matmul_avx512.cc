// AVX-512 (F) pieces of MatMul for f32: the 14x32 GEMM micro-kernel over packed panels (any
// partial tile straight into C) and the two matrix-vector loops. Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma;
// matmul.cc calls them only when cpu_has(Isa::avx512). Declarations live in matmul.cc.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// GCC 12 reports its own masked-load intrinsics as maybe-uninitialized (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>




namespace tl {

namespace {

// Rows [0, R) of the 14x32 tile: C[i][j] (row stride ldc) = or += sum_k a[k*14 + i] * b[k*32 + j]
// for j < nr (masked stores when nr < 32). 2R accumulators + two B vectors + one broadcast: at
// R = 14, 31 of the 32 zmm registers; the broadcasts fold into the FMAs as {1to16} operands.
// Every tile height sums k in the same order, one chain per row and half, so a row's value does
// not depend on the tile it falls in: the thread count, which moves the tiles' borders, changes
// no bit. (Tiles of fewer than 4 rows are bound by the FMA latency; they are the rare tails.)
template <int R>
void tile_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, int nr) {
  __m512 acc[R][2];
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  // The C tile is fetched (both lines of each 32-float row) ~32 steps before the end: earlier,
  // the A and B slivers streaming through L1 would evict it again.
  auto prefetch_c = [&] {
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    }
  };
  auto steps = [&](int64_t k, int64_t end) {  // k up to end; returns end
    for (; k < end; ++k) {
      _mm_prefetch(reinterpret_cast<const char*>(a + 14 * 8), _MM_HINT_T0);
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 14
      for (int i = 0; i < R; ++i) {
        const __m512 av = _mm512_set1_ps(a[i]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      }
      a += 14;
      b += 32;
    }
    return k;
  };
  int64_t k = steps(0, std::max<int64_t>(0, kc - 32));
  prefetch_c();
  steps(k, kc);
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xffff) : __mmask16((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? __mmask16(0xffff) : nr <= 16 ? __mmask16(0) : __mmask16((1u << (nr - 16)) - 1);
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    float* p = c + i * ldc;
    __m512 lo = acc[i][0], hi = acc[i][1];
    if (nr == 32) {
      if (accumulate) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(p));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(p + 16));
      }
      _mm512_storeu_ps(p, lo);
      _mm512_storeu_ps(p + 16, hi);
    } else {
      if (accumulate) {
        lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(m0, p));
        hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(m1, p + 16));
      }
      _mm512_mask_storeu_ps(p, m0, lo);
      _mm512_mask_storeu_ps(p + 16, m1, hi);
    }
  }
}

template <int... R>
constexpr auto tile_table(std::integer_sequence<int, R...>) {
  return std::array<decltype(&tile_rows<1>), sizeof...(R)>{&tile_rows<R + 1>...};
}

}  // namespace

// Rows [0, mr) and columns [0, nr) of a 14x32 tile of C from the packed slivers (rows of `a`
// beyond mr and columns of `b` beyond nr are never stored).
void matmul_kernel14x32_f32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                    bool accumulate, int mr, int nr) {
  static constexpr auto table = tile_table(std::make_integer_sequence<int, 14>());
  table[mr - 1](kc, a, b, c, ldc, accumulate, nr);
}

namespace {

// S slivers (kc x 32 packed B each, back to back) of one row of C, k summed in order as by the
// 14x32 tile (2S chains in flight: the weights' stream, not the FMA latency, bounds it); columns
// past nr of the last sliver are not stored.
template <int S>
void row_slivers(int64_t kc, const float* a, const float* b, float* c, bool accumulate, int nr) {
  __m512 acc[S][2];
  for (int s = 0; s < S; ++s) acc[s][0] = acc[s][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 x = _mm512_set1_ps(a[k]);
#pragma GCC unroll 2
    for (int s = 0; s < S; ++s) {
      const float* p = b + s * 32 * kc + 32 * k;
      acc[s][0] = _mm512_fmadd_ps(x, _mm512_load_ps(p), acc[s][0]);
      acc[s][1] = _mm512_fmadd_ps(x, _mm512_load_ps(p + 16), acc[s][1]);
    }
  }
  for (int s = 0; s < S; ++s) {
    const int w = s + 1 < S ? 32 : nr;
    const __mmask16 m0 = w >= 16 ? __mmask16(0xffff) : __mmask16((1u << w) - 1);
    const __mmask16 m1 = w >= 32 ? __mmask16(0xffff) : w <= 16 ? __mmask16(0) : __mmask16((1u << (w - 16)) - 1);
    float* p = c + 32 * s;
    __m512 lo = acc[s][0], hi = acc[s][1];
    if (accumulate) {
      lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(m0, p));
      hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(m1, p + 16));
    }
    _mm512_mask_storeu_ps(p, m0, lo);
    _mm512_mask_storeu_ps(p + 16, m1, hi);
  }
}

}  // namespace

// One row of C against `slivers` packed B slivers (the last with nr_last valid columns):
// c[j] = or += sum_k a[k] * B[k][j]. The GEMV of M == 1 with cached packed weights: A is read in
// place (no 14-row sliver whose lines would compete with B's stream in L1), two slivers at a time,
// and every column's sum is taken in the same order as by the 14x32 kernel's tiles.
void matmul_row_packed_f32__avx512(int64_t kc, const float* a, const float* b, int64_t slivers, int nr_last,
                                   float* c, bool accumulate) {
  int64_t s = 0;
  for (; s + 2 <= slivers; s += 2) row_slivers<2>(kc, a, b + s * 32 * kc, c + 32 * s, accumulate, s + 2 == slivers ? nr_last : 32);
  if (s < slivers) row_slivers<1>(kc, a, b + s * 32 * kc, c + 32 * s, accumulate, nr_last);
}

// One row of C against `slivers` packed 16-column slivers (kc x 16 each, back to back; the last
// with nr_last valid columns): the GEMV of M == 1 for outputs of at most 16 columns (an MLP's
// classifier), whose 32-column slivers would stream twice the bytes. Four accumulator chains
// (k mod 4) cover the FMA latency; they are added as (0 + 1) + (2 + 3).
void matmul_row16_packed_f32__avx512(int64_t kc, const float* a, const float* b, int64_t slivers, int nr_last,
                                     float* c, bool accumulate) {
  for (int64_t s = 0; s < slivers; ++s, b += 16 * kc, c += 16) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
#pragma GCC unroll 4
      for (int p = 0; p < 4; ++p) acc[p] = _mm512_fmadd_ps(_mm512_set1_ps(a[k + p]), _mm512_load_ps(b + 16 * (k + p)), acc[p]);
    }
    for (int p = 0; k < kc; ++k, ++p) acc[p] = _mm512_fmadd_ps(_mm512_set1_ps(a[k]), _mm512_load_ps(b + 16 * k), acc[p]);
    const int w = s + 1 < slivers ? 16 : nr_last;
    const __mmask16 m = w >= 16 ? __mmask16(0xffff) : __mmask16((1u << w) - 1);
    __m512 sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
    if (accumulate) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, c));
    _mm512_mask_storeu_ps(c, m, sum);
  }
}

namespace {

// Transposes 16 rows of 16 floats in registers: afterwards r[c] holds column c.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {  // per 128-bit lane: pairs of rows interleaved
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // r[4i + j], lane L: rows 4i..4i+3 at column 4L + j
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {  // gather lane L of the four row groups: column 4L + j
    const __m512 x0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88), x1 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
    const __m512 y0 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88), y1 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
    t[j] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    t[4 + j] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
  for (int c = 0; c < 16; ++c) r[c] = t[c];
}

}  // namespace

// dst[k * w + i] = src[i * ld + k] for k < kc, i < rows, and 0 for rows <= i < w (w <= 32): a
// GEMM sliver packed from rows that run along k (row-major A, column-major B), 16 x 16 blocks
// transposed in registers instead of one strided store per element.
void matmul_transpose_pack_f32__avx512(const float* src, int64_t ld, int rows, int64_t kc, int w, float* dst) {
  for (int g = 0; g < w; g += 16) {
    const int lanes = std::min(16, w - g);
    const __mmask16 store_mask = lanes == 16 ? __mmask16(0xffff) : __mmask16((1u << lanes) - 1);
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
      const int kn = static_cast<int>(std::min<int64_t>(16, kc - k0));
      const __mmask16 load_mask = kn == 16 ? __mmask16(0xffff) : __mmask16((1u << kn) - 1);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = g + i < rows && i < lanes ? _mm512_maskz_loadu_ps(load_mask, src + (g + i) * ld + k0) : _mm512_setzero_ps();
      transpose16(r);
      for (int c = 0; c < kn; ++c) _mm512_mask_storeu_ps(dst + (k0 + c) * w + g, store_mask, r[c]);
    }
  }
}

// y[j] = sum_k v[k] * x[k*ldx + j] for j < n: 64-column strips keep y in registers while the
// matrix rows stream once; the tail uses masked loads and stores.
void matmul_gemv_axpy_f32__avx512(const float* x, int64_t ldx, const float* v, int64_t kdim,
                                  float* y, int64_t n) {
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    __m512 y0 = _mm512_setzero_ps(), y1 = _mm512_setzero_ps(), y2 = _mm512_setzero_ps(), y3 = _mm512_setzero_ps();
    for (int64_t k = 0; k < kdim; ++k) {
      const float* row = x + k * ldx + j;
      const __m512 s = _mm512_set1_ps(v[k]);
      y0 = _mm512_fmadd_ps(s, _mm512_loadu_ps(row), y0);
      y1 = _mm512_fmadd_ps(s, _mm512_loadu_ps(row + 16), y1);
      y2 = _mm512_fmadd_ps(s, _mm512_loadu_ps(row + 32), y2);
      y3 = _mm512_fmadd_ps(s, _mm512_loadu_ps(row + 48), y3);
    }
    _mm512_storeu_ps(y + j, y0);
    _mm512_storeu_ps(y + j + 16, y1);
    _mm512_storeu_ps(y + j + 32, y2);
    _mm512_storeu_ps(y + j + 48, y3);
  }
  for (; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - j)) - 1);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < kdim; ++k)
      acc = _mm512_fmadd_ps(_mm512_set1_ps(v[k]), _mm512_maskz_loadu_ps(m, x + k * ldx + j), acc);
    _mm512_mask_storeu_ps(y + j, m, acc);
  }
}

// y[i] = dot(x[i*ldx : i*ldx+kdim], v) for i < m: four rows at a time share each load of v.
void matmul_gemv_dot_f32__avx512(const float* x, int64_t ldx, const float* v, int64_t kdim,
                                 float* y, int64_t m) {
  int64_t i = 0;
  auto dot_rows = [&](int rows) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t k = 0;
    for (; k < kdim; k += 16) {
      const __mmask16 mk = kdim - k >= 16 ? __mmask16(0xffff) : __mmask16((1u << (kdim - k)) - 1);
      const __m512 vv = _mm512_maskz_loadu_ps(mk, v + k);
      for (int r = 0; r < rows; ++r)
        acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + (i + r) * ldx + k), vv, acc[r]);
    }
    for (int r = 0; r < rows; ++r) y[i + r] = _mm512_reduce_add_ps(acc[r]);
  };
  for (; i + 4 <= m; i += 4) dot_rows(4);
  for (; i < m; ++i) dot_rows(1);
}

}  // namespace tl
#endif
