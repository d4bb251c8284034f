// MatMul: C[M,N] = op(A) * op(B), op = optional transpose. Goto/BLIS-style blocked GEMM:
// B is packed per (NC x KC) block into NR-wide slivers, A per (MC x KC) block into MR-tall
// slivers (transposes are absorbed by the packing), and a register-blocked micro-kernel runs
// over the packed panels. One driver serves every ISA: MR/NR are template parameters, so f32
// instantiates it with the AVX2/FMA 6x16 or the NEON 8x12 micro-kernel when available; other
// types and the scalar fallback use a plain C++ micro-kernel the compiler vectorises.
// Integer types run as their unsigned twins so overflow wraps instead of being UB.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "cpu.h"
#include "elementwise.h"
#include "batch_matmul.h"
#include "kernel.h"

namespace tl {

// Per-ISA entry points: *__avx512 in matmul_avx512.cc (14x32 tile) and *__avx2 in matmul_avx2.cc
// (6x16 tile), x86-64 only; *__neon in
// matmul_neon.cc (AArch64 only, 8x12 tile). The micro-kernel computes (or accumulates into) one
// tile of C from packed slivers; the gemv forms serve M == 1 / N == 1.
#define TL_DECLARE_MATMUL_KERNELS(isa, tile)                                                      \
  void matmul_kernel##tile##_f32__##isa(int64_t kc, const float* a, const float* b, float* c,     \
                                        int64_t ldc, bool accumulate);                             \
  void matmul_gemv_axpy_f32__##isa(const float* x, int64_t ldx, const float* v, int64_t kdim,     \
                                   float* y, int64_t n);                                           \
  void matmul_gemv_dot_f32__##isa(const float* x, int64_t ldx, const float* v, int64_t kdim,      \
                                  float* y, int64_t m);
TL_DECLARE_MATMUL_KERNELS(avx2, 6x16)
TL_DECLARE_MATMUL_KERNELS(avx512, 14x32)
TL_DECLARE_MATMUL_KERNELS(neon, 8x12)
#undef TL_DECLARE_MATMUL_KERNELS

namespace {

// Element (r, c) of a logical matrix is p[r * rs + c * cs]; a transpose just swaps strides.
template <class T>
struct View {
  const T* p;
  int64_t rs, cs;
  T at(int64_t r, int64_t c) const { return p[r * rs + c * cs]; }
};

template <class T>
using MicroFn = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate);

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

class PackedBCache {
 public:
  std::shared_ptr<Buffer> find(const PackKey& key) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (it->second.owner.expired()) { map_.erase(it); return nullptr; }
    return it->second.packed;
  }
  void insert(const PackKey& key, const std::shared_ptr<const void>& owner, std::shared_ptr<Buffer> packed) {
    if (!owner) return;
    std::lock_guard<std::mutex> lk(mu_);
    for (auto it = map_.begin(); it != map_.end();) it = it->second.owner.expired() ? map_.erase(it) : std::next(it);
    map_[key] = Entry{owner, std::move(packed)};
  }

 private:
  struct Entry { std::weak_ptr<const void> owner; std::shared_ptr<Buffer> packed; };
  std::mutex mu_;
  std::map<PackKey, Entry> map_;
};

PackedBCache& packed_b_cache() {
  static auto* cache = new PackedBCache();  // never destroyed: no exit-time ordering issues
  return *cache;
}

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

template <class T, int MR, int NR>
class Gemm {
 public:
  Gemm(MicroFn<T> micro, Blocking blk) : micro_(micro), blk_(blk) {}

  // b_const: B is immutable for the session's life (a Const's zero-copy view), so its packed
  // form may be cached.
  Status run(KernelContext& ctx, int64_t m, int64_t n, int64_t k, View<T> a, View<T> b, T* c, bool b_const, const Epilogue<T>& epi) {
    const int64_t kc_max = std::min(blk_.kc, k);
    const int64_t mc_max = round_up(std::min(blk_.mc, m), MR);
    const int64_t nc_max = round_up(std::min(blk_.nc, n), NR);
    const int64_t n_ic = (m + blk_.mc - 1) / blk_.mc;
    const int threads = std::max(1, ctx.run.num_threads());
    // With few row blocks, also split the columns of the B block so every thread has work.
    int64_t want = static_cast<int64_t>(threads) * 4;
    int64_t n_jt = n_ic >= want ? 1 : std::min((want + n_ic - 1) / n_ic, std::max<int64_t>(1, nc_max / (4 * NR)));
    if (threads == 1) n_jt = 1;
    const int64_t tasks = n_ic * n_jt;
    const int64_t chunks = std::min<int64_t>(tasks, threads);
    // Constant weights (B views the graph blob) are packed once and cached; any other B is
    // packed block by block, in parallel, into a scratch panel.
    std::shared_ptr<Buffer> prepacked = b_const ? cached_pack_all(ctx, n, k, b) : nullptr;
    auto bbuf = prepacked ? nullptr : Buffer::allocate(sizeof(T) * kc_max * nc_max);
    auto abuf = Buffer::allocate(sizeof(T) * kc_max * mc_max * chunks);
    if ((!prepacked && !bbuf) || !abuf) return make_error(kResourceExhausted, "MatMul: out of memory for packing buffers");
    const T* packed_next = prepacked ? static_cast<const T*>(prepacked->data) : nullptr;
    for (int64_t jc = 0; jc < n; jc += blk_.nc) {
      const int64_t nc = std::min(blk_.nc, n - jc);
      for (int64_t pc = 0; pc < k; pc += blk_.kc) {
        if (ctx.run.should_stop()) return ctx.run.stop_status();
        const int64_t kc = std::min(blk_.kc, k - pc);
        const int64_t n_sliv = (nc + NR - 1) / NR;
        const T* bp;
        if (packed_next) {
          bp = packed_next;
          packed_next += kc * n_sliv * NR;
        } else {
          T* dst = static_cast<T*>(bbuf->data);
          pack_b_parallel(ctx, b, pc, jc, kc, nc, dst);
          bp = dst;
        }
        const int64_t sliv_per_jt = (n_sliv + n_jt - 1) / n_jt;
        auto body = [&](int64_t c0, int64_t c1) {
          for (int64_t ch = c0; ch < c1; ++ch) {
            T* ap = static_cast<T*>(abuf->data) + ch * kc_max * mc_max;
            int64_t packed_ic = -1;
            for (int64_t t = ch * tasks / chunks; t < (ch + 1) * tasks / chunks; ++t) {
              if (ctx.run.should_stop()) return;
              const int64_t ic = t / n_jt, jt = t % n_jt;
              const int64_t i0 = ic * blk_.mc, mc = std::min(blk_.mc, m - i0);
              if (ic != packed_ic) { pack_a(a, i0, pc, mc, kc, ap); packed_ic = ic; }
              const int64_t j0 = jt * sliv_per_jt * NR;
              const int64_t j1 = std::min(nc, (jt + 1) * sliv_per_jt * NR);
              macro(kc, mc, ap, bp, j0, j1, nc, c + i0 * n + jc, n, pc > 0);
              if (pc + kc >= k && j1 > j0) epi(c + i0 * n + jc + j0, mc, j1 - j0, n, jc + j0);  // finished block
            }
          }
        };
        if (chunks == 1) body(0, 1); else ctx.run.parallel_for(chunks, 1, body);
      }
    }
    if (ctx.run.should_stop()) return ctx.run.stop_status();
    return Status::OK();
  }

 private:
  static int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

  // A[i0:i0+mc, p0:p0+kc] -> MR-row slivers, k-major inside a sliver; zero-padded rows.
  static void pack_a(View<T> a, int64_t i0, int64_t p0, int64_t mc, int64_t kc, T* dst) {
    for (int64_t ir = 0; ir < mc; ir += MR, dst += MR * kc) {
      const int64_t mr = std::min<int64_t>(MR, mc - ir);
      const T* src = a.p + (i0 + ir) * a.rs + p0 * a.cs;
      if (a.rs == 1 && mr == MR) {  // transposed A: MR contiguous values per k
        for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * MR, src + k * a.cs, MR * sizeof(T));
        continue;
      }
      for (int i = 0; i < MR; ++i) {
        if (i < mr) {
          const T* s = src + i * a.rs;
          for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = s[k * a.cs];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = T(0);
        }
      }
    }
  }

  // Packs one (kc x nc) block of B with its slivers spread over the pool.
  static void pack_b_parallel(KernelContext& ctx, View<T> b, int64_t p0, int64_t j0, int64_t kc, int64_t nc, T* dst) {
    const int64_t n_sliv = (nc + NR - 1) / NR;
    auto body = [&](int64_t s0, int64_t s1) {
      pack_b(b, p0, j0 + s0 * NR, kc, std::min(nc, s1 * NR) - s0 * NR, dst + s0 * NR * kc);
    };
    if (n_sliv * kc * NR < (1 << 15)) body(0, n_sliv); else ctx.run.parallel_for(n_sliv, 8, body);
  }

  // Every (jc, pc) block of B packed back to back, in the order run() visits them.
  std::shared_ptr<Buffer> pack_all(KernelContext& ctx, int64_t n, int64_t k, View<T> b) const {
    int64_t total = 0;
    for (int64_t jc = 0; jc < n; jc += blk_.nc) total += k * round_up(std::min(blk_.nc, n - jc), NR);
    auto buf = Buffer::allocate(sizeof(T) * total);
    if (!buf) return nullptr;
    T* dst = static_cast<T*>(buf->data);
    for (int64_t jc = 0; jc < n; jc += blk_.nc) {
      const int64_t nc = std::min(blk_.nc, n - jc);
      for (int64_t pc = 0; pc < k; pc += blk_.kc) {
        const int64_t kc = std::min(blk_.kc, k - pc);
        pack_b_parallel(ctx, b, pc, jc, kc, nc, dst);
        dst += kc * round_up(nc, NR);
      }
    }
    return buf;
  }

  std::shared_ptr<Buffer> cached_pack_all(KernelContext& ctx, int64_t n, int64_t k, View<T> b) const {
    PackKey key{b.p, k, n, b.rs, b.cs, MR, NR, blk_.kc, blk_.nc, sizeof(T)};
    if (auto hit = packed_b_cache().find(key)) return hit;
    auto packed = pack_all(ctx, n, k, b);
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
  // sliver stays in L1 while the A block streams from L2.
  void macro(int64_t kc, int64_t mc, const T* ap, const T* bp, int64_t j0, int64_t j1,
             int64_t nc, T* c, int64_t ldc, bool accumulate) const {
    alignas(64) T tmp[MR * NR];
    for (int64_t jr = j0; jr < j1; jr += NR) {
      const int64_t nr = std::min<int64_t>(NR, nc - jr);
      const T* bs = bp + jr * kc;
      for (int64_t ir = 0; ir < mc; ir += MR) {
        const int64_t mr = std::min<int64_t>(MR, mc - ir);
        T* cij = c + ir * ldc + jr;
        if (mr == MR && nr == NR) {
          micro_(kc, ap + ir * kc, bs, cij, ldc, accumulate);
          continue;
        }
        micro_(kc, ap + ir * kc, bs, tmp, NR, false);  // edge tile via a scratch tile
        for (int64_t i = 0; i < mr; ++i) {
          for (int64_t j = 0; j < nr; ++j) {
            T v = tmp[i * NR + j];
            cij[i * ldc + j] = accumulate ? T(cij[i * ldc + j] + v) : v;
          }
        }
      }
    }
  }

  MicroFn<T> micro_;
  Blocking blk_;
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

template <class T>
Status matmul_typed(KernelContext& ctx, int64_t m, int64_t n, int64_t k, View<T> a, View<T> b, T* c, bool b_const,
                    const Epilogue<T>& epi) {
  // Only f32 has SIMD kernels; every other type stays on the portable ones.
  const Isa isa = std::is_same_v<T, float> ? cpu_isa() : Isa::scalar;
  if (m == 1 || n == 1) {
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
        c[i * n + j] = acc;
      }
    }
    epi(c, m, n, n, 0);
    return Status::OK();
  }
  // Per-ISA tile and blocking: the B sliver (NR x kc) stays in L1, the A block (mc x kc) in L2;
  // mc and nc are multiples of MR and NR so only the matrix edges need partial tiles.
#if defined(__x86_64__) || defined(_M_X64)
  if constexpr (std::is_same_v<T, float>) {
    // AVX-512: 14x32 tile (28 zmm accumulators); the 32-wide B sliver at kc=256 is 32 KiB (L1),
    // the A block of 14*12 rows 168 KiB (L2).
    if (isa == Isa::avx512) return Gemm<float, 14, 32>(matmul_kernel14x32_f32__avx512, {168, 256, 4096}).run(ctx, m, n, k, a, b, c, b_const, epi);
    if (isa == Isa::avx2) return Gemm<float, 6, 16>(matmul_kernel6x16_f32__avx2, {144, 256, 4080}).run(ctx, m, n, k, a, b, c, b_const, epi);
  }
#elif defined(__aarch64__)
  if constexpr (std::is_same_v<T, float>) {
    if (isa == Isa::neon) return Gemm<float, 8, 12>(matmul_kernel8x12_f32__neon, {128, 256, 4032}).run(ctx, m, n, k, a, b, c, b_const, epi);
  }
#endif
  (void)isa;
  constexpr int kNR = 16 / sizeof(T) * 2;  // two baseline (128-bit) vectors per row
  return Gemm<T, 4, kNR>(micro_generic<T, 4, kNR>, {128, 256, 2048}).run(ctx, m, n, k, a, b, c, b_const, epi);
}

// A view of the graph blob (a Const, or an alias of one): immutable while the session lives.
bool is_graph_constant(const Tensor& t) { return t.buf && !t.buf->owned && t.buf->owner; }

// The fused step's epilogue, or none.
template <class T>
Epilogue<T> epilogue_of(const KernelContext& ctx) {
  if (!ctx.fusion) return {};
  return {ctx.fusion, ctx.input(ctx.fusion->bias_input).template data<T>()};
}

template <class T, class U = wrap_t<T>>
Status dispatch(KernelContext& ctx, const Tensor& ta, const Tensor& tb, bool tr_a, bool tr_b,
                int64_t m, int64_t n, int64_t k) {
  if (ctx.fusion) TL_RETURN_IF_ERROR(check_fused_bias(ctx, n));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {m, n}, &out));
  if (m == 0 || n == 0) return Status::OK();
  U* c = reinterpret_cast<U*>(out->data<T>());
  const Epilogue<U> epi = epilogue_of<U>(ctx);
  if (k == 0) {
    std::memset(c, 0, sizeof(U) * m * n);
    epi(c, m, n, n, 0);
    return Status::OK();
  }
  const U* pa = reinterpret_cast<const U*>(ta.data<T>());
  const U* pb = reinterpret_cast<const U*>(tb.data<T>());
  View<U> a = tr_a ? View<U>{pa, 1, m} : View<U>{pa, k, 1};
  View<U> b = tr_b ? View<U>{pb, 1, k} : View<U>{pb, n, 1};
  return matmul_typed<U>(ctx, m, n, k, a, b, c, is_graph_constant(tb), epi);
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
  return matmul_typed<T>(ctx, m, n, k, View<T>{a, k, 1}, View<T>{b, n, 1}, c,
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
  if (isa == Isa::avx512) return {14, 32, matmul_kernel14x32_f32__avx512};
  if (isa == Isa::avx2) return {6, 16, matmul_kernel6x16_f32__avx2};
#elif defined(__aarch64__)
  if (isa == Isa::neon) return {8, 12, matmul_kernel8x12_f32__neon};
#endif
  (void)isa;
  return {4, 8, micro_generic<float, 4, 8>};
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
    case DType::f32: return dispatch<float>(ctx, a, b, tr_a, tr_b, m, n, k);
    case DType::f64: return dispatch<double>(ctx, a, b, tr_a, tr_b, m, n, k);
    case DType::i32: return dispatch<int32_t>(ctx, a, b, tr_a, tr_b, m, n, k);
    case DType::i64: return dispatch<int64_t>(ctx, a, b, tr_a, tr_b, m, n, k);
    default:
      return ctx.invalid(std::string("MatMul not supported for dtype ") + dtype_tf_name(a.dtype));
  }
}

namespace {

constexpr int64_t kTinyFlops = 64;            // per product: a plain loop beats any packing
constexpr int64_t kBatchSplitFlops = 1 << 20;  // per product: below, split the batch instead

template <class T>
Status gemm_batched_typed(KernelContext& ctx, int64_t batch, int64_t m, int64_t n, int64_t k,
                          const T* a, bool trans_a, const int64_t* a_off,
                          const T* b, bool trans_b, const int64_t* b_off, T* c) {
  if (m == 0 || n == 0 || batch == 0) return Status::OK();
  if (k == 0) {
    std::memset(c, 0, sizeof(T) * batch * m * n);
    return Status::OK();
  }
  auto view_a = [&](int64_t i) { return trans_a ? View<T>{a + a_off[i], 1, m} : View<T>{a + a_off[i], k, 1}; };
  auto view_b = [&](int64_t i) { return trans_b ? View<T>{b + b_off[i], 1, k} : View<T>{b + b_off[i], n, 1}; };
  const int64_t flops = m * n * k;
  if (flops <= kTinyFlops) {
    auto body = [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) {
        const View<T> va = view_a(i), vb = view_b(i);
        T* ci = c + i * m * n;
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t q = 0; q < n; ++q) {
            T acc = T(0);
            for (int64_t p = 0; p < k; ++p) acc += va.at(r, p) * vb.at(p, q);
            ci[r * n + q] = acc;
          }
        }
      }
    };
    const int64_t grain = std::max<int64_t>(1, kParallelFlops / flops);
    if (batch <= grain) body(0, batch); else ctx.run.parallel_for(batch, grain, body);
    return ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
  }
  if (batch == 1 || flops >= kBatchSplitFlops) {
    // B is cacheable only when it is the whole constant input 1 (Einsum/BatchMatMul weights).
    const bool b_const = batch == 1 && ctx.num_inputs() > 1 && b + b_off[0] == ctx.input(1).raw() &&
                         is_graph_constant(ctx.input(1));
    for (int64_t i = 0; i < batch; ++i) {
      TL_RETURN_IF_ERROR(matmul_typed<T>(ctx, m, n, k, view_a(i), view_b(i), c + i * m * n, b_const, Epilogue<T>{}));
    }
    return Status::OK();
  }
  // Many mid-sized products: one per task, each on a pool-less context (no nested splitting).
  std::mutex mu;
  Status first;
  auto body = [&](int64_t s, int64_t e) {
    RunControl serial;
    serial.deadline_ns = ctx.run.deadline_ns;
    serial.cancel_flag = ctx.run.cancel_flag;
    KernelContext sub{ctx.node, ctx.inputs, ctx.outputs, serial};
    for (int64_t i = s; i < e; ++i) {
      Status st = matmul_typed<T>(sub, m, n, k, view_a(i), view_b(i), c + i * m * n, false, Epilogue<T>{});
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

Status gemm_batched(KernelContext& ctx, DType dt, int64_t batch, int64_t m, int64_t n, int64_t k,
                    const void* a, bool trans_a, const int64_t* a_off,
                    const void* b, bool trans_b, const int64_t* b_off, void* c) {
  // Integer types run as their unsigned twins so overflow wraps instead of being UB.
  switch (dt) {
#define TL_GEMM_BATCHED(D, T)                                                                            \
  case D: {                                                                                              \
    using U = wrap_t<T>;                                                                                 \
    return gemm_batched_typed<U>(ctx, batch, m, n, k, static_cast<const U*>(a), trans_a, a_off,          \
                                 static_cast<const U*>(b), trans_b, b_off, static_cast<U*>(c));          \
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

}  // namespace tl
