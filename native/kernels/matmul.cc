// MatMul: C[M,N] = op(A) * op(B), op = optional transpose. Goto/BLIS-style blocked GEMM:
// B is packed per (NC x KC) block into NR-wide slivers, A per (MC x KC) block into MR-tall
// slivers (transposes are absorbed by the packing), and a register-blocked micro-kernel runs
// over the packed panels. One driver serves every ISA: MR/NR are template parameters, so f32
// instantiates it with the AVX2/FMA 6x16 or the NEON 8x12 micro-kernel when available; other
// types and the scalar fallback use a plain C++ micro-kernel the compiler vectorises.
// Integer types run as their unsigned twins so overflow wraps instead of being UB.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "cpu.h"
#include "elementwise.h"
#include "batch_matmul.h"
#include "kernel.h"
#include "weight_cache.h"

namespace tl {

// Per-ISA entry points: *__avx512 in matmul_avx512.cc (14x32 tile) and *__avx2 in matmul_avx2.cc
// (6x16 tile), x86-64 only; *__neon in matmul_neon.cc (AArch64 only, 8x12 tile). The
// micro-kernel computes (or accumulates into) one tile of C from packed slivers; the AVX-512 one
// also stores partial tiles (mr rows, nr columns) itself. The gemv forms serve M == 1 / N == 1.
#define TL_DECLARE_GEMV_KERNELS(isa)                                                               \
  void matmul_gemv_axpy_f32__##isa(const float* x, int64_t ldx, const float* v, int64_t kdim,     \
                                   float* y, int64_t n);                                           \
  void matmul_gemv_dot_f32__##isa(const float* x, int64_t ldx, const float* v, int64_t kdim,      \
                                  float* y, int64_t m);
TL_DECLARE_GEMV_KERNELS(avx2)
TL_DECLARE_GEMV_KERNELS(avx512)
TL_DECLARE_GEMV_KERNELS(neon)
#undef TL_DECLARE_GEMV_KERNELS
void matmul_kernel6x16_f32__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
void matmul_kernel8x12_f32__neon(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
void matmul_kernel14x32_f32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                    bool accumulate, int mr, int nr);
void matmul_row_packed_f32__avx512(int64_t kc, const float* a, const float* b, int64_t slivers, int nr_last,
                                   float* c, bool accumulate);
void matmul_row16_packed_f32__avx512(int64_t kc, const float* a, const float* b, int64_t slivers, int nr_last, float* c,
                                     bool accumulate);
void conv_kernel28x16_f32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, int mr, int nr);
void matmul_transpose_pack_f32__avx512(const float* src, int64_t ld, int rows, int64_t kc, int w, float* dst);

namespace {

// Element (r, c) of a logical matrix is p[r * rs + c * cs]; a transpose just swaps strides.
template <class T>
struct View {
  const T* p;
  int64_t rs, cs;
  T at(int64_t r, int64_t c) const { return p[r * rs + c * cs]; }
};

// Rows [0, mr) x columns [0, nr) of an MR x NR tile of C = (or +=) the packed A sliver times
// the packed B sliver (kc deep).
template <class T>
using MicroFn = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, int mr, int nr);
template <class T>
using FullTileFn = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate);
// One row of C (kc-long A row read in place) against `slivers` packed B slivers, the last one
// nr_last columns wide: the M == 1 product with cached packed weights, where an MR-row A sliver
// would only waste cache.
template <class T>
using RowFn = void (*)(int64_t kc, const T* a, const T* b, int64_t slivers, int nr_last, T* c, bool accumulate);

// Portable micro-kernel: the fixed-size accumulator tile stays in registers and the j loop
// vectorises at the baseline ISA.
template <class T, int MR, int NR>
void micro_generic(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
  }
  for (int i = 0; i < MR; ++i) {
    T* ci = c + i * ldc;
    for (int j = 0; j < NR; ++j) ci[j] = accumulate ? T(ci[j] + acc[i][j]) : acc[i][j];
  }
}

// A full-tile kernel as a MicroFn: partial tiles go through a scratch tile (the padding rows of
// the A sliver are zeros, so the discarded rows are finite work).
template <class T, int MR, int NR, FullTileFn<T> Full>
void via_scratch(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate, int mr, int nr) {
  if (mr == MR && nr == NR) return Full(kc, a, b, c, ldc, accumulate);
  alignas(64) T tmp[MR * NR];
  Full(kc, a, b, tmp, NR, false);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? T(c[i * ldc + j] + tmp[i * NR + j]) : tmp[i * NR + j];
  }
}

struct Blocking { int64_t mc, kc, nc; };

// Packed forms of constant B matrices (weights), shared by all runs and sessions. An entry is
// valid while the graph blob its data lives in is alive (weak owner); the key includes the
// layout parameters, so another ISA or blocking never reads a foreign packing.
struct PackKey {
  const void* data;
  int64_t k, n, rs, cs, mr, nr, kc, nc, tsize;
  bool operator<(const PackKey& o) const {
    return std::tie(data, k, n, rs, cs, mr, nr, kc, nc, tsize) <
           std::tie(o.data, o.k, o.n, o.rs, o.cs, o.mr, o.nr, o.kc, o.nc, o.tsize);
  }
};

WeightCache<PackKey>& packed_b_cache() { return WeightCache<PackKey>::instance(); }

// A fused step's bias + activation (KernelContext::fusion) on blocks of C as they are finished,
// or nothing. Only floating-point steps are ever fused.
template <class T>
struct Epilogue {
  const Fusion* f = nullptr;
  const T* bias = nullptr;
  // Rows x cols of C at c (leading dim ld), whose first column is column col0 of the output.
  void operator()(T* c, int64_t rows, int64_t cols, int64_t ld, int64_t col0) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (f) fused_epilogue(*f, c, rows, cols, ld, bias + col0);
    }
  }
};

// Splits `len` into the fewest blocks of at most `max` (and at least 1), of equal size rounded up
// to a multiple of `unit`: no thin remainder block.
inline int64_t even_block(int64_t len, int64_t max, int64_t unit) {
  const int64_t blocks = std::max<int64_t>(1, (len + max - 1) / max);
  const int64_t b = (len + blocks - 1) / blocks;
  return (b + unit - 1) / unit * unit;
}

// Multiply-adds that pay for waking another thread. Also for a single row (M == 1), which streams
// its weights at memory speed: two threads stream them twice as fast (MLP batch 1, 2 threads:
// 35 -> 25 µs), now that a hand-off costs ~1 µs (it was erratic while the pool's worker could
// fall asleep between regions).
constexpr int64_t kThreadFlops = 1 << 17;

template <class T, int MR, int NR>
class Gemm {
 public:
  // exact_rows: the micro-kernel reads only the mr rows of a partial A sliver, so packing need
  // not zero its padding.
  Gemm(MicroFn<T> micro, Blocking blk, bool exact_rows, RowFn<T> row = nullptr)
      : micro_(micro), row_(row), blk_(blk), exact_rows_(exact_rows) {}

  // b_const: B is immutable for the session's life (a Const's zero-copy view), so its packed
  // form may be cached. Row r of C starts at c + r * ldc (ldc >= n).
  Status run(KernelContext& ctx, int64_t m, int64_t n, int64_t k, View<T> a, View<T> b, T* c, int64_t ldc, bool b_const,
             const Epilogue<T>& epi) {
    // Every thread computes one rectangle of C (a grid of whole tiles), packing the A rows it
    // needs itself; B is packed once per block for all (or comes packed from the cache).
    const Grid g = grid(ctx, m, n, k, blk_.mc, exact_rows_);
    const int64_t kc_max = even_block(k, blk_.kc, 8);
    const int64_t nc_max = even_block(n, blk_.nc, NR);
    // A thread's A block: at most blk_.mc rows and its share of the row slivers (even_block stays
    // within both).
    const int64_t mc_max = round_up(std::min(blk_.mc, g.max_rows(m)), MR);
    std::shared_ptr<Buffer> prepacked = b_const ? cached_pack_all(ctx, n, k, b, kc_max, nc_max) : nullptr;
    // With cached B and threads sharing row slivers (a column split), A is packed once, by all
    // threads, before the products (unless it is a few rows, cheaper to pack twice than to wait
    // for): block pc's slivers at pc * m_round, sliver s at s * MR * kc.
    const int64_t m_round = round_up(m, MR);
    // (A small A, e.g. an MLP's batch of 64 rows, is cheaper to pack twice than to wait for: one
    // parallel region less per product, 7% of the MLP at batch 64.)
    const bool shared_a = prepacked && g.tn > 1 && g.um >= 4 && m * k >= (int64_t{1} << 18);
    // A single row against cached weights runs on the row kernel, which reads A in place: no A
    // buffer (its 88 KB allocation and free were a tenth of an MLP's batch-1 run).
    const bool row_only = prepacked && row_ && m == 1 && a.cs == 1;
    auto bbuf = prepacked ? nullptr : Buffer::allocate(sizeof(T) * kc_max * nc_max);
    auto abuf = row_only ? nullptr : Buffer::allocate(sizeof(T) * (shared_a ? m_round * k : kc_max * mc_max * g.threads()));
    if ((!prepacked && !bbuf) || (!row_only && !abuf)) return make_error(kResourceExhausted, "MatMul: out of memory for packing buffers");
    if (shared_a) {
      const int64_t n_pc = (k + kc_max - 1) / kc_max;
      ctx.run.parallel_for(n_pc * g.um, 1, [&](int64_t u0, int64_t u1) {
        for (int64_t u = u0; u < u1; ++u) {
          const int64_t pc = u / g.um * kc_max, i0 = u % g.um * MR;
          const int64_t kc = std::min(kc_max, k - pc);
          pack_a(a, i0, pc, std::min<int64_t>(MR, m - i0), kc, static_cast<T*>(abuf->data) + pc * m_round + i0 * kc);
        }
      });
      if (ctx.run.should_stop()) return ctx.run.stop_status();
    }
    // Rows [r0, r1) of thread t's columns of the (jc, pc) block of B packed at bp.
    auto part = [&](int t, int64_t r0, int64_t r1, int64_t jc, int64_t nc, int64_t pc, int64_t kc, const T* bp) {
      const int64_t tj = t % g.tn;
      const int64_t j0 = std::max(g.cols(tj, n), jc) - jc, j1 = std::min(g.cols(tj + 1, n), jc + nc) - jc;
      if (j0 >= j1) return;
      if (row_ && m == 1 && a.cs == 1 && prepacked) {
        const int64_t slivers = (j1 - j0 + NR - 1) / NR;
        T* cb = c + jc + j0;
        row_(kc, a.p + pc, bp + j0 * kc, slivers, static_cast<int>(j1 - j0 - (slivers - 1) * NR), cb, pc > 0);
        if (pc + kc >= k) epi(cb, 1, j1 - j0, ldc, jc + j0);
        return;
      }
      T* ap = static_cast<T*>(abuf->data) + t * kc_max * mc_max;
      const int64_t mc = even_block(r1 - r0, blk_.mc, MR);
      for (int64_t i0 = r0; i0 < r1; i0 += mc) {
        if (ctx.run.should_stop()) return;
        const int64_t mcur = std::min(mc, r1 - i0);
        if (shared_a) ap = static_cast<T*>(abuf->data) + pc * m_round + i0 * kc;
        else pack_a(a, i0, pc, mcur, kc, ap);
        T* cb = c + i0 * ldc + jc;
        macro(kc, mcur, ap, bp, j0, j1, nc, cb, ldc, pc > 0);
        if (pc + kc >= k) epi(cb + j0, mcur, j1 - j0, ldc, jc + j0);  // finished block
      }
    };
    // Thread t's rows: its grid rows, or when the threads split the rows alone, blocks of row
    // slivers taken in turn from a shared counter, smaller as fewer are left (guided): a thread
    // that runs slower (the calling thread ran its half of a 1024^3 product 12% slower than the
    // worker) then takes fewer rows instead of being waited for. A block is at most mc_max rows,
    // so B still streams once per A block.
    std::atomic<int64_t> next_sliver{0};
    const bool guided = g.tn == 1 && g.threads() > 1 && m > 1 && !g.row_step;
    auto rows_of = [&](int t, auto&& fn) {
      if (!guided) return fn(g.rows(t / g.tn, m), g.rows(t / g.tn + 1, m));
      for (;;) {
        const int64_t left = g.um - next_sliver.load(std::memory_order_relaxed);
        if (left <= 0) return;
        const int64_t take = std::max<int64_t>(1, std::min(mc_max / MR, left / (2 * g.threads())));
        const int64_t s0 = next_sliver.fetch_add(take);
        if (s0 >= g.um) return;
        fn(s0 * MR, std::min(m, (s0 + take) * MR));
      }
    };
    if (prepacked) {
      // No packing between the blocks: one parallel region in which each thread walks them all.
      auto body = [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          rows_of(static_cast<int>(t), [&](int64_t r0, int64_t r1) {
            const T* bp = static_cast<const T*>(prepacked->data);
            for (int64_t jc = 0; jc < n; jc += nc_max) {
              const int64_t nc = std::min(nc_max, n - jc);
              for (int64_t pc = 0; pc < k; pc += kc_max) {
                const int64_t kc = std::min(kc_max, k - pc);
                part(static_cast<int>(t), r0, r1, jc, nc, pc, kc, bp);
                bp += kc * round_up(nc, NR);
              }
            }
          });
        }
      };
      if (g.threads() == 1) body(0, 1); else ctx.run.parallel_for(g.threads(), 1, body);
    } else {
      T* bp = static_cast<T*>(bbuf->data);
      for (int64_t jc = 0; jc < n; jc += nc_max) {
        const int64_t nc = std::min(nc_max, n - jc);
        for (int64_t pc = 0; pc < k; pc += kc_max) {
          if (ctx.run.should_stop()) return ctx.run.stop_status();
          const int64_t kc = std::min(kc_max, k - pc);
          pack_b_parallel(ctx, b, pc, jc, kc, nc, bp);
          next_sliver.store(0);
          auto body = [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t)
              rows_of(static_cast<int>(t), [&](int64_t r0, int64_t r1) { part(static_cast<int>(t), r0, r1, jc, nc, pc, kc, bp); });
          };
          if (g.threads() == 1) body(0, 1); else ctx.run.parallel_for(g.threads(), 1, body);
        }
      }
    }
    if (ctx.run.should_stop()) return ctx.run.stop_status();
    return Status::OK();
  }

 private:
  static int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

  // tm x tn threads, thread (i, j) computing rows [rows(i), rows(i+1)) and columns [cols(j),
  // cols(j+1)) of C: whole MR x NR tiles dealt out evenly, or (row_step > 0, tn == 1) the rows
  // split evenly in steps of row_step.
  struct Grid {
    int64_t tm, tn, um, un;  // um, un: tile rows and columns of C
    int64_t row_step = 0;
    int threads() const { return static_cast<int>(tm * tn); }
    int64_t rows(int64_t i, int64_t m) const {
      if (row_step) return std::min(m, (i * m / tm + row_step - 1) / row_step * row_step);
      return std::min(m, i * um / tm * MR);
    }
    int64_t cols(int64_t j, int64_t n) const { return std::min(n, j * un / tn * NR); }
    // The most rows any thread gets (rounding to row_step can give a later share more than the first).
    int64_t max_rows(int64_t m) const {
      if (!row_step) return (um + tm - 1) / tm * MR;
      int64_t most = 0;
      for (int64_t i = 0; i < tm; ++i) most = std::max(most, rows(i + 1, m) - rows(i, m));
      return most;
    }
  };
  static Grid grid(const KernelContext& ctx, int64_t m, int64_t n, int64_t k, int64_t mc, bool exact_rows) {
    const int64_t um = (m + MR - 1) / MR, un = (n + NR - 1) / NR;
    // No more threads than the work pays for (m, n and k size allocated tensors: m*n*k fits).
    const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(ctx.run.num_threads(), m * n * k / kThreadFlops));
    // A few rows per thread (at least 16, at most one A block), each B value used by them
    // enough times that B may stream from L3 (up to 8 MiB of it, or 64 rows per thread): every
    // thread takes an even, fixed share of the rows, in steps of 4 (not of whole MR-row slivers,
    // which split an MLP's batch of 64 as 42 + 22). A thread then packs only its own rows of A,
    // where a column split packs all of them in every thread, and in a chain of such products
    // (an MLP's layers) reads the rows it wrote itself, not the other core's columns.
    // MLP 784-512-512-10 at batch 64, 2 threads: 256 -> 235 µs. Only for the engine whose tiles
    // of every height sum k in the same order (AVX-512's 14x32, exact_rows): the full-tile
    // engines add a partial tile to C from a scratch tile, a rounding of their own, so their
    // threads' rows start on whole slivers, as on one thread.
    const int64_t per = m / std::max<int64_t>(threads, 1);
    if (exact_rows && threads > 1 && per >= 16 && per <= mc && (k * n * static_cast<int64_t>(sizeof(T)) <= (int64_t{8} << 20) || per >= 64)) {
      Grid g{threads, 1, um, un};
      g.row_step = 4;
      return g;
    }
    // The split with the least work for the busiest thread: its tiles, plus one column of
    // tiles' worth per row sliver for packing A (a thread packs all the A rows it uses).
    Grid best{1, 1, um, un};
    int64_t best_cost = -1;
    for (int64_t tm = 1; tm <= threads; ++tm) {
      if (threads % tm) continue;
      const int64_t tn = threads / tm;
      if (tm > um || tn > un) continue;
      const int64_t cost = (um + tm - 1) / tm * ((un + tn - 1) / tn + 1);
      if (best_cost < 0 || cost < best_cost) { best = Grid{tm, tn, um, un}; best_cost = cost; }
    }
    return best;
  }

  // dst[k * W + i] = src[i * ld + k] for i < rows, zeros for rows <= i < W: a sliver packed from
  // rows that run along k (row-major A, column-major B).
  static void transpose_pack(const T* src, int64_t ld, int rows, int64_t kc, int W, T* dst) {
#if defined(__x86_64__) || defined(_M_X64)
    if constexpr (std::is_same_v<T, float>) {
      if (W <= 32 && cpu_isa() == Isa::avx512) return matmul_transpose_pack_f32__avx512(src, ld, rows, kc, W, dst);
    }
#endif
    for (int i = 0; i < W; ++i) {
      const T* s = src + i * ld;
      if (i < rows) for (int64_t k = 0; k < kc; ++k) dst[k * W + i] = s[k];
      else for (int64_t k = 0; k < kc; ++k) dst[k * W + i] = T(0);
    }
  }

  // A[i0:i0+mc, p0:p0+kc] -> MR-row slivers, k-major inside a sliver; padding rows are zeros
  // unless the micro-kernel never reads them.
  void pack_a(View<T> a, int64_t i0, int64_t p0, int64_t mc, int64_t kc, T* dst) const {
    for (int64_t ir = 0; ir < mc; ir += MR, dst += MR * kc) {
      const int64_t mr = std::min<int64_t>(MR, mc - ir);
      const T* src = a.p + (i0 + ir) * a.rs + p0 * a.cs;
      if (a.cs == 1) {  // row-major A: each row runs along k
        // Start fetching the next sliver's rows (A often comes from memory).
        for (int64_t i = MR; i < std::min<int64_t>(2 * MR, mc - ir); ++i) {
          for (int64_t k = 0; k < kc; k += 64 / sizeof(T)) __builtin_prefetch(src + i * a.rs + k);
        }
        transpose_pack(src, a.rs, static_cast<int>(mr), kc, MR, dst);
        continue;
      }
      if (a.rs == 1 && mr == MR) {  // transposed A: MR contiguous values per k
        for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * MR, src + k * a.cs, MR * sizeof(T));
        continue;
      }
      for (int i = 0; i < MR; ++i) {
        if (i < mr) {
          const T* s = src + i * a.rs;
          for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = s[k * a.cs];
        } else if (!exact_rows_) {
          for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = T(0);
        }
      }
    }
  }

  // Packs one (kc x nc) block of B with its slivers spread over the pool.
  static void pack_b_parallel(KernelContext& ctx, View<T> b, int64_t p0, int64_t j0, int64_t kc, int64_t nc, T* dst) {
    const int64_t n_sliv = (nc + NR - 1) / NR;
    const bool small = n_sliv * kc * NR < (1 << 15);
    if (b.cs == 1) {
      // Row-major B: whole rows of the block at a time, each cut into its slivers' NR values (a
      // sliver at a time would walk B down its columns, a new page every row).
      auto rows = [&](int64_t k0, int64_t k1) { pack_b_rows(b, p0, j0, k0, k1, kc, nc, dst); };
      if (small) rows(0, kc); else ctx.run.parallel_for(kc, 16, rows);
      return;
    }
    auto body = [&](int64_t s0, int64_t s1) {
      pack_b(b, p0, j0 + s0 * NR, kc, std::min(nc, s1 * NR) - s0 * NR, dst + s0 * NR * kc);
    };
    if (small) body(0, n_sliv); else ctx.run.parallel_for(n_sliv, 8, body);
  }

  // Rows [k0, k1) of the (kc x nc) block of row-major B at (p0, j0), into its NR-column slivers
  // (sliver s at dst + s * NR * kc, k-major; the last one zero-padded).
  static void pack_b_rows(View<T> b, int64_t p0, int64_t j0, int64_t k0, int64_t k1, int64_t kc, int64_t nc, T* dst) {
    const int64_t full = nc / NR, rem = nc % NR;
    for (int64_t k = k0; k < k1; ++k) {
      const T* src = b.p + (p0 + k) * b.rs + j0;
      T* d = dst + k * NR;
      for (int64_t s = 0; s < full; ++s) std::memcpy(d + s * NR * kc, src + s * NR, NR * sizeof(T));
      if (rem) {
        T* tail = d + full * NR * kc;
        std::memcpy(tail, src + full * NR, rem * sizeof(T));
        std::fill(tail + rem, tail + NR, T(0));
      }
    }
  }

  // Every (jc, pc) block of B packed back to back, in the order run() visits them.
  static std::shared_ptr<Buffer> pack_all(KernelContext& ctx, int64_t n, int64_t k, View<T> b, int64_t kc_max, int64_t nc_max) {
    int64_t total = 0;
    for (int64_t jc = 0; jc < n; jc += nc_max) total += k * round_up(std::min(nc_max, n - jc), NR);
    auto buf = Buffer::allocate(sizeof(T) * total);
    if (!buf) return nullptr;
    T* dst = static_cast<T*>(buf->data);
    for (int64_t jc = 0; jc < n; jc += nc_max) {
      const int64_t nc = std::min(nc_max, n - jc);
      for (int64_t pc = 0; pc < k; pc += kc_max) {
        const int64_t kc = std::min(kc_max, k - pc);
        pack_b_parallel(ctx, b, pc, jc, kc, nc, dst);
        dst += kc * round_up(nc, NR);
      }
    }
    return buf;
  }

  static std::shared_ptr<Buffer> cached_pack_all(KernelContext& ctx, int64_t n, int64_t k, View<T> b, int64_t kc_max, int64_t nc_max) {
    PackKey key{b.p, k, n, b.rs, b.cs, MR, NR, kc_max, nc_max, sizeof(T)};
    if (auto hit = packed_b_cache().find(key)) return hit;
    auto packed = pack_all(ctx, n, k, b, kc_max, nc_max);
    // A run stopped by its deadline skips packing chunks: that pack is incomplete, and must
    // neither be cached (later runs would multiply by it) nor used (the run fails anyway).
    if (ctx.run.interrupted || ctx.run.should_stop()) return nullptr;
    if (packed) packed_b_cache().insert(key, ctx.input(1).buf->owner, packed);
    return packed;
  }

  // B[p0:p0+kc, j0:j0+nc] -> NR-column slivers, k-major inside a sliver; zero-padded columns.
  static void pack_b(View<T> b, int64_t p0, int64_t j0, int64_t kc, int64_t nc, T* dst) {
    for (int64_t jr = 0; jr < nc; jr += NR, dst += NR * kc) {
      const int64_t nr = std::min<int64_t>(NR, nc - jr);
      const T* src = b.p + p0 * b.rs + (j0 + jr) * b.cs;
      if (b.cs == 1 && nr == NR) {  // row-major B: NR contiguous values per k
        for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * NR, src + k * b.rs, NR * sizeof(T));
        continue;
      }
      if (b.rs == 1) {  // column-major B (transposed): each column runs along k
        transpose_pack(src, b.cs, static_cast<int>(nr), kc, NR, dst);
        continue;
      }
      for (int j = 0; j < NR; ++j) {
        if (j < nr) {
          const T* s = src + j * b.cs;
          for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = s[k * b.rs];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = T(0);
        }
      }
    }
  }

  // Columns [j0, j1) of the packed B block against all rows of the packed A block. The B
  // sliver stays near (L1, or L2 when deep) while the A block streams from L2.
  void macro(int64_t kc, int64_t mc, const T* ap, const T* bp, int64_t j0, int64_t j1,
             int64_t nc, T* c, int64_t ldc, bool accumulate) const {
    for (int64_t jr = j0; jr < j1; jr += NR) {
      const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
      const T* bs = bp + jr * kc;
      for (int64_t ir = 0; ir < mc; ir += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
        micro_(kc, ap + ir * kc, bs, c + ir * ldc + jr, ldc, accumulate, mr, nr);
      }
    }
  }

  MicroFn<T> micro_;
  RowFn<T> row_;
  Blocking blk_;
  bool exact_rows_;
};

// Matrix-vector products (M == 1 or N == 1): packing would waste MR or NR times the work.
template <class T>
void gemv_axpy(const T* x, int64_t ldx, const T* v, int64_t kdim, T* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] = T(0);
  for (int64_t k = 0; k < kdim; ++k) {
    const T s = v[k];
    const T* row = x + k * ldx;
    for (int64_t j = 0; j < n; ++j) y[j] += s * row[j];
  }
}
template <class T>
void gemv_dot(const T* x, int64_t ldx, const T* v, int64_t kdim, T* y, int64_t m) {
  for (int64_t i = 0; i < m; ++i) {
    const T* row = x + i * ldx;
    T acc = T(0);
    for (int64_t k = 0; k < kdim; ++k) acc += row[k] * v[k];
    y[i] = acc;
  }
}

constexpr int64_t kSmallFlops = 4096;       // below this, a direct triple loop wins
constexpr int64_t kParallelFlops = 1 << 17;  // gemv work per parallel chunk

// C's rows are ldc apart (ldc >= n).
template <class T>
Status matmul_typed(KernelContext& ctx, int64_t m, int64_t n, int64_t k, View<T> a, View<T> b, T* c, int64_t ldc,
                    bool b_const, const Epilogue<T>& epi) {
  // Only f32 has SIMD kernels; every other type stays on the portable ones.
  const Isa isa = std::is_same_v<T, float> ? cpu_isa() : Isa::scalar;
  // A row times constant weights under AVX-512 takes the GEMM path below: its 1-row tiles
  // stream the cached packed weights sequentially, which beats reading them in place.
  const bool packed_row = m == 1 && b_const && isa == Isa::avx512;
  if ((m == 1 && !packed_row) || (n == 1 && ldc == 1)) {
    // Vector operand is contiguous either way; the matrix decides between axpy and dot form.
    using Fn = void (*)(const T*, int64_t, const T*, int64_t, T*, int64_t);
    Fn axpy = gemv_axpy<T>, dot = gemv_dot<T>;
#if defined(__x86_64__) || defined(_M_X64)
    if constexpr (std::is_same_v<T, float>) {
      if (isa == Isa::avx512) { axpy = matmul_gemv_axpy_f32__avx512; dot = matmul_gemv_dot_f32__avx512; }
      else if (isa == Isa::avx2) { axpy = matmul_gemv_axpy_f32__avx2; dot = matmul_gemv_dot_f32__avx2; }
    }
#elif defined(__aarch64__)
    if constexpr (std::is_same_v<T, float>) {
      if (isa == Isa::neon) { axpy = matmul_gemv_axpy_f32__neon; dot = matmul_gemv_dot_f32__neon; }
    }
#endif
    const T* vec = m == 1 ? a.p : b.p;
    View<T> mat = m == 1 ? View<T>{b.p, b.cs, b.rs} : a;  // rows of `mat` index the output
    const int64_t len = m == 1 ? n : m;
    auto body = [&](int64_t s, int64_t e) {
      if (mat.cs == 1) dot(mat.p + s * mat.rs, mat.rs, vec, k, c + s, e - s);
      else axpy(mat.p + s, mat.cs, vec, k, c + s, e - s);
      if (m == 1) epi(c + s, 1, e - s, n, s);  // a row: outputs s..e are columns
      else epi(c + s, e - s, 1, 1, 0);         // a column: one channel
    };
    const int64_t grain = std::max<int64_t>(32, kParallelFlops / std::max<int64_t>(1, k));
    if (len <= grain) body(0, len); else ctx.run.parallel_for(len, grain, body);
    return Status::OK();
  }
  if (m <= kSmallFlops && n <= kSmallFlops && k <= kSmallFlops && m * n * k <= kSmallFlops) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        T acc = T(0);
        for (int64_t p = 0; p < k; ++p) acc += a.at(i, p) * b.at(p, j);
        c[i * ldc + j] = acc;
      }
    }
    epi(c, m, n, ldc, 0);
    return Status::OK();
  }
  // Per-ISA tile and blocking: the B sliver (NR x kc) stays in L1 (or L2), the A block (mc x kc)
  // in L2; mc and nc are multiples of MR and NR so only the matrix edges need partial tiles.
#if defined(__x86_64__) || defined(_M_X64)
  if constexpr (std::is_same_v<T, float>) {
    // AVX-512: 14x32 tile (28 zmm accumulators). kc up to 512 (measured on Zen 5: 4-8% faster
    // than 256-320 at 512..1024, from fewer passes over C), so the 64 KiB B sliver streams from
    // L2 next to the 28 KiB A sliver in L1; the A block of <= 14*12 rows is <= 336 KiB (L2).
    // At most 16 columns (a classifier's 10 logits): the 28x16 tile, not half an idle 14x32 one,
    // and for a single row against constant weights the 16-column row kernel, which streams
    // half the bytes of a 32-column sliver. (A single row against a B used once stays on the
    // 14x32 engine.)
    if (isa == Isa::avx512 && n <= 16 && (m > 1 || b_const))
      return Gemm<float, 28, 16>(conv_kernel28x16_f32__avx512, {168, 512, 4096}, false, matmul_row16_packed_f32__avx512).run(ctx, m, n, k, a, b, c, ldc, b_const, epi);
    if (isa == Isa::avx512) return Gemm<float, 14, 32>(matmul_kernel14x32_f32__avx512, {168, 512, 4096}, true, matmul_row_packed_f32__avx512).run(ctx, m, n, k, a, b, c, ldc, b_const, epi);
    if (isa == Isa::avx2) return Gemm<float, 6, 16>(via_scratch<float, 6, 16, matmul_kernel6x16_f32__avx2>, {144, 256, 4080}, false).run(ctx, m, n, k, a, b, c, ldc, b_const, epi);
  }
#elif defined(__aarch64__)
  if constexpr (std::is_same_v<T, float>) {
    if (isa == Isa::neon) return Gemm<float, 8, 12>(via_scratch<float, 8, 12, matmul_kernel8x12_f32__neon>, {128, 256, 4032}, false).run(ctx, m, n, k, a, b, c, ldc, b_const, epi);
  }
#endif
  (void)isa;
  constexpr int kNR = 16 / sizeof(T) * 2;  // two baseline (128-bit) vectors per row
  return Gemm<T, 4, kNR>(via_scratch<T, 4, kNR, micro_generic<T, 4, kNR>>, {128, 256, 2048}, false).run(ctx, m, n, k, a, b, c, ldc, b_const, epi);
}

// A view of the graph blob (a Const, or an alias of one): immutable while the session lives.
bool is_graph_constant(const Tensor& t) { return t.buf && !t.buf->owned && t.buf->owner; }

// The fused step's epilogue, or none.
template <class T>
Epilogue<T> epilogue_of(const KernelContext& ctx) {
  if (!ctx.fusion) return {};
  return {ctx.fusion, ctx.input(ctx.fusion->bias_input).template data<T>()};
}

// C (m x n, allocated) = op(A) op(B), then the epilogue.
template <class T, class U>
Status dispatch_product(KernelContext& ctx, const Tensor& ta, const Tensor& tb, bool tr_a, bool tr_b, int64_t m, int64_t n,
                        int64_t k, U* c, const Epilogue<U>& epi) {
  if (k == 0) {
    std::memset(c, 0, sizeof(U) * m * n);
    epi(c, m, n, n, 0);
    return Status::OK();
  }
  const U* pa = reinterpret_cast<const U*>(ta.data<T>());
  const U* pb = reinterpret_cast<const U*>(tb.data<T>());
  View<U> a = tr_a ? View<U>{pa, 1, m} : View<U>{pa, k, 1};
  View<U> b = tr_b ? View<U>{pb, 1, k} : View<U>{pb, n, 1};
  return matmul_typed<U>(ctx, m, n, k, a, b, c, n, is_graph_constant(tb), epi);
}

// The product's output has shape `natural` (m x n elements) unless a fused step absorbed a
// Reshape (Fusion::shape_input), which gives it that Reshape's shape; a bias goes along its
// last dim, in the product's blocks when that is n, else in one pass after it.
template <class T, class U = wrap_t<T>>
Status dispatch(KernelContext& ctx, const Tensor& ta, const Tensor& tb, bool tr_a, bool tr_b,
                int64_t m, int64_t n, int64_t k, const Shape& natural) {
  Shape shape = natural;
  if (ctx.fusion && ctx.fusion->shape_input >= 0) {
    TL_RETURN_IF_ERROR(reshape_shape(ctx, natural, ctx.input(ctx.fusion->shape_input), &shape));
    if (shape.size() < 2) return ctx.invalid("Input tensor must be at least 2D: " + shape_str(shape));
  }
  int64_t channels = shape.back();
  if (ctx.fusion && ctx.fusion->bias_trailing) {
    // An Add of a constant shaped as the output's last dims: one bias value per column.
    const Shape& bs = ctx.input(ctx.fusion->bias_input).shape;
    channels = 1;
    for (int64_t d : bs) channels *= d;
    if (bs.size() > shape.size() || !std::equal(bs.begin(), bs.end(), shape.end() - bs.size()))
      return ctx.invalid("Incompatible shapes: " + shape_str(shape) + " vs. " + shape_str(bs));
  } else if (ctx.fusion) {
    TL_RETURN_IF_ERROR(check_fused_bias(ctx, channels));
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  if (m == 0 || n == 0) return Status::OK();
  U* c = reinterpret_cast<U*>(out->data<T>());
  if (ctx.fusion && channels != n) {
    TL_RETURN_IF_ERROR((dispatch_product<T, U>(ctx, ta, tb, tr_a, tr_b, m, n, k, c, Epilogue<U>{})));
    epilogue_of<U>(ctx)(c, m * n / channels, channels, channels, 0);
    return Status::OK();
  }
  return dispatch_product<T, U>(ctx, ta, tb, tr_a, tr_b, m, n, k, c, epilogue_of<U>(ctx));
}

}  // namespace

namespace {
template <class T>
Status gemm_typed(KernelContext& ctx, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* c, bool epilogue) {
  if (m == 0 || n == 0) return Status::OK();
  const Epilogue<T> epi = epilogue ? epilogue_of<T>(ctx) : Epilogue<T>{};
  if (k == 0) {
    std::memset(c, 0, sizeof(T) * m * n);
    epi(c, m, n, n, 0);
    return Status::OK();
  }
  return matmul_typed<T>(ctx, m, n, k, View<T>{a, k, 1}, View<T>{b, n, 1}, c, n,
                         b == ctx.input(1).raw() && is_graph_constant(ctx.input(1)), epi);
}
}  // namespace

Status gemm(KernelContext& ctx, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c, bool epilogue) {
  return gemm_typed(ctx, m, n, k, a, b, c, epilogue);
}
Status gemm(KernelContext& ctx, int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c, bool epilogue) {
  return gemm_typed(ctx, m, n, k, a, b, c, epilogue);
}

MicroGemmF32 micro_gemm_f32() {
  // The same choice and tiles as matmul_typed<float>.
  const Isa isa = cpu_isa();
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::avx512)
    return {14, 32, [](int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
              matmul_kernel14x32_f32__avx512(kc, a, b, c, ldc, accumulate, 14, 32);
            }, matmul_kernel14x32_f32__avx512};
  if (isa == Isa::avx2) return {6, 16, matmul_kernel6x16_f32__avx2, via_scratch<float, 6, 16, matmul_kernel6x16_f32__avx2>};
#elif defined(__aarch64__)
  if (isa == Isa::neon) return {8, 12, matmul_kernel8x12_f32__neon, via_scratch<float, 8, 12, matmul_kernel8x12_f32__neon>};
#endif
  (void)isa;
  return {4, 8, micro_generic<float, 4, 8>, via_scratch<float, 4, 8, micro_generic<float, 4, 8>>};
}

Status fused_matmul(KernelContext& ctx, const Tensor& a, const Tensor& b, int64_t m, int64_t n, int64_t k, const Shape& shape) {
  switch (a.dtype) {
    case DType::f32: return dispatch<float>(ctx, a, b, false, false, m, n, k, shape);
    case DType::f64: return dispatch<double>(ctx, a, b, false, false, m, n, k, shape);
    default: return ctx.invalid(std::string("fused matrix product not supported for dtype ") + dtype_tf_name(a.dtype));
  }
}

Status kernel_matmul(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.shape.size() != 2) return ctx.invalid("In[0] is not a matrix. Instead it has shape " + shape_str(a.shape));
  if (b.shape.size() != 2) return ctx.invalid("In[1] is not a matrix. Instead it has shape " + shape_str(b.shape));
  if (a.dtype != b.dtype) {
    return ctx.invalid(std::string("cannot compute MatMul as input #1(zero-based) was expected to be a ") +
                       dtype_tf_name(a.dtype) + " tensor but is a " + dtype_tf_name(b.dtype) + " tensor");
  }
  const bool tr_a = ctx.attr(0).b, tr_b = ctx.attr(1).b;
  const int64_t m = a.shape[tr_a ? 1 : 0], k = a.shape[tr_a ? 0 : 1];
  const int64_t kb = b.shape[tr_b ? 1 : 0], n = b.shape[tr_b ? 0 : 1];
  if (k != kb) {
    return ctx.invalid("Matrix size-incompatible: In[0]: " + shape_str(a.shape) + ", In[1]: " + shape_str(b.shape));
  }
  switch (a.dtype) {
    case DType::f32: return dispatch<float>(ctx, a, b, tr_a, tr_b, m, n, k, {m, n});
    case DType::f64: return dispatch<double>(ctx, a, b, tr_a, tr_b, m, n, k, {m, n});
    case DType::i32: return dispatch<int32_t>(ctx, a, b, tr_a, tr_b, m, n, k, {m, n});
    case DType::i64: return dispatch<int64_t>(ctx, a, b, tr_a, tr_b, m, n, k, {m, n});
    default:
      return ctx.invalid(std::string("MatMul not supported for dtype ") + dtype_tf_name(a.dtype));
  }
}

namespace {

constexpr int64_t kTinyFlops = 64;            // per product: a plain loop beats any packing
constexpr int64_t kBatchSplitFlops = 1 << 20;  // per product: below, split the batch instead

template <class T>
Status gemm_batched_typed(KernelContext& ctx, int64_t batch, int64_t m, int64_t n, int64_t k, const StridedBatch& sa,
                          const StridedBatch& sb, T* c, int64_t ldc, const int64_t* c_off) {
  if (m == 0 || n == 0 || batch == 0) return Status::OK();
  const T* a = static_cast<const T*>(sa.p);
  const T* b = static_cast<const T*>(sb.p);
  auto view_a = [&](int64_t i) { return View<T>{a + sa.off[i], sa.rs, sa.cs}; };
  auto view_b = [&](int64_t i) { return View<T>{b + sb.off[i], sb.rs, sb.cs}; };
  auto out = [&](int64_t i) { return c + (c_off ? c_off[i] : i * m * ldc); };
  if (k == 0) {
    for (int64_t i = 0; i < batch; ++i) {
      for (int64_t r = 0; r < m; ++r) std::memset(out(i) + r * ldc, 0, sizeof(T) * n);
    }
    return Status::OK();
  }
  const int64_t flops = m * n * k;
  if (flops <= kTinyFlops) {
    auto body = [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) {
        const View<T> va = view_a(i), vb = view_b(i);
        T* ci = out(i);
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t q = 0; q < n; ++q) {
            T acc = T(0);
            for (int64_t p = 0; p < k; ++p) acc += va.at(r, p) * vb.at(p, q);
            ci[r * ldc + q] = acc;
          }
        }
      }
    };
    const int64_t grain = std::max<int64_t>(1, kParallelFlops / flops);
    if (batch <= grain) body(0, batch); else ctx.run.parallel_for(batch, grain, body);
    return ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
  }
  // Large products run one after another, each on the whole pool, unless the batch deals out
  // evenly (or in many pieces) over the threads: then each product runs on one thread, with no
  // synchronisation inside it.
  const int threads = ctx.run.num_threads();
  const bool split_batch = batch > 1 && (flops < kBatchSplitFlops || batch % threads == 0 || batch >= 4 * threads);
  if (!split_batch) {
    // B is cacheable only when it is the whole constant input 1 (Einsum/BatchMatMul weights).
    const bool b_const = batch == 1 && ctx.num_inputs() > 1 && b + sb.off[0] == ctx.input(1).raw() &&
                         is_graph_constant(ctx.input(1));
    for (int64_t i = 0; i < batch; ++i) {
      TL_RETURN_IF_ERROR(matmul_typed<T>(ctx, m, n, k, view_a(i), view_b(i), out(i), ldc, b_const, Epilogue<T>{}));
    }
    return Status::OK();
  }
  // One product per task, each on a pool-less context (no nested splitting).
  std::mutex mu;
  Status first;
  auto body = [&](int64_t s, int64_t e) {
    RunControl serial;
    serial.deadline_ns = ctx.run.deadline_ns;
    serial.cancel_flag = ctx.run.cancel_flag;
    KernelContext sub{ctx.node, ctx.inputs, ctx.outputs, serial};
    for (int64_t i = s; i < e; ++i) {
      Status st = matmul_typed<T>(sub, m, n, k, view_a(i), view_b(i), out(i), ldc, false, Epilogue<T>{});
      if (!st.ok()) {
        std::lock_guard<std::mutex> lk(mu);
        if (first.ok()) first = st;
        return;
      }
    }
  };
  ctx.run.parallel_for(batch, std::max<int64_t>(1, kBatchSplitFlops / flops), body);
  if (!first.ok()) return first;
  return ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
}

}  // namespace

Status gemm_batched_strided(KernelContext& ctx, DType dt, int64_t batch, int64_t m, int64_t n, int64_t k,
                            const StridedBatch& a, const StridedBatch& b, void* c, int64_t ldc, const int64_t* c_off) {
  // Integer types run as their unsigned twins so overflow wraps instead of being UB.
  switch (dt) {
#define TL_GEMM_BATCHED(D, T)                                                                       \
  case D: {                                                                                         \
    using U = wrap_t<T>;                                                                            \
    return gemm_batched_typed<U>(ctx, batch, m, n, k, a, b, static_cast<U*>(c), ldc, c_off);        \
  }
    TL_GEMM_BATCHED(DType::f32, float)
    TL_GEMM_BATCHED(DType::f64, double)
    TL_GEMM_BATCHED(DType::i32, int32_t)
    TL_GEMM_BATCHED(DType::i64, int64_t)
#undef TL_GEMM_BATCHED
    default:
      return invalid_arg(std::string("matrix product not supported for dtype ") + dtype_tf_name(dt));
  }
}

Status gemm_batched(KernelContext& ctx, DType dt, int64_t batch, int64_t m, int64_t n, int64_t k,
                    const void* a, bool trans_a, const int64_t* a_off,
                    const void* b, bool trans_b, const int64_t* b_off, void* c) {
  const StridedBatch sa = trans_a ? StridedBatch{a, 1, m, a_off} : StridedBatch{a, k, 1, a_off};
  const StridedBatch sb = trans_b ? StridedBatch{b, 1, k, b_off} : StridedBatch{b, n, 1, b_off};
  return gemm_batched_strided(ctx, dt, batch, m, n, k, sa, sb, c, n, nullptr);
}

}  // namespace tl
