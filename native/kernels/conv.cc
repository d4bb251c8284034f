// Conv2D and Conv2DBackpropInput (NHWC input, HWIO filter; SAME, VALID and EXPLICIT padding,
// strides, dilations).
// Conv2D in float is im2col + GEMM on the MatMul engine: each block of output pixels gathers its
// receptive fields into rows of a [pixels, KH*KW*Cin] matrix, which times the filter viewed as
// [KH*KW*Cin, Cout] is the output (a 1x1, stride-1, unpadded convolution needs no gathering).
// An f32 one with KH*KW*Cin <= 512 (but a plain 1x1 with a large filter) gathers straight into
// the micro-kernel's packed panels instead (conv_packed).
// A 3x3, stride-1 f32 Conv2D with >= 8 channels in and out runs as Winograd F(2x2, 3x3) instead
// (2.25x fewer multiplies; see conv_winograd), unless both are <= 16: then, as for any other
// f32 window of few channels (or of at most 4 input channels and 64 output ones, an image's
// first layer), conv_small.h's direct SIMD loop (a GEMM's tiles would be mostly padding, and
// gathering 3-value taps into panels costs as much as the products); so does a plain 1x1 with a
// filter of at most 256 KB (or to at most 64 channels). Small images gather blocks of whole
// images for one GEMM (conv_gemm_images).
// Conv2DBackpropInput in float is the reverse: [pixels, Cout] out_backprop times the transposed
// filter gives each pixel's [KH*KW*Cin] contributions, which col2im sums into the input
// gradient (each input row gathering from the output rows it feeds, so rows run in parallel;
// small images a block of whole images at a time). At stride 1 with <= 16 channels it is
// conv_small's loop on out_backprop and the flipped, transposed filter.
// int32 runs direct loops with wrapping arithmetic.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "conv_small.h"
#include "cpu.h"
#include "elementwise.h"
#include "kernel.h"
#include "nn_util.h"
#include "weight_cache.h"

namespace tl {

#if defined(__x86_64__) || defined(_M_X64)
void conv_kernel28x16_f32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, int mr, int nr);
#endif

namespace {

constexpr int64_t kColBytes = 8 << 20;  // im2col block budget: bounds memory for big images

struct ConvGeom {
  int64_t n, h, w, cin;        // input (or input gradient)
  int64_t kh, kw, cout;        // filter [kh, kw, cin, cout]
  int64_t sh, sw, dh, dw;
  int64_t oh, ow, pad_t, pad_l;  // output (or out_backprop)
};

// Strides, dilations and padding of Conv2D-like ops, checked as TF's InitConv2DParameters.
struct ConvAttrs {
  int64_t sh, sw, dh, dw;
  Padding padding;
  const std::vector<int64_t>* explicit_pads;
};

Status conv_attrs(KernelContext& ctx, int strides_i, int padding_i, int explicit_i, int format_i, int dil_i, const std::string& nhwc_only,
                  ConvAttrs* a) {
  const auto& strides = ctx.attr(strides_i).ints;
  const auto& dil = ctx.attr(dil_i).ints;
  const std::string& format = ctx.attr(format_i).s;
  if (dil.size() != 4) return ctx.invalid("Sliding window dilations field must specify 4 dimensions");
  if (strides.size() != 4) return ctx.invalid("Sliding window strides field must specify 4 dimensions");
  if (format != "NHWC" && format != "NCHW") return ctx.invalid("Invalid data format");
  if (strides[0] != 1 || strides[3] != 1)
    return make_error(kUnimplemented, "Current implementation does not yet support strides in the batch and depth dimensions.");
  if (dil[0] != 1 || dil[3] != 1)
    return make_error(kUnimplemented, "Current implementation does not yet support dilations in the batch and depth dimensions.");
  for (int i = 1; i <= 2; ++i) {
    if (strides[i] < 1 || strides[i] > kMaxWindowAttr) return ctx.invalid("Row and column strides should be larger than 0.");
    if (dil[i] < 1 || dil[i] > kMaxWindowAttr) return ctx.invalid("Dilated rates should be larger than 0.");
  }
  if (!parse_padding(ctx.attr(padding_i).s, &a->padding)) return ctx.invalid("Invalid padding: " + ctx.attr(padding_i).s);
  a->explicit_pads = &ctx.attr(explicit_i).ints;
  TL_RETURN_IF_ERROR(check_explicit_paddings(ctx, a->padding, *a->explicit_pads));
  if (format != "NHWC") return ctx.invalid(nhwc_only);
  a->sh = strides[1]; a->sw = strides[2]; a->dh = dil[1]; a->dw = dil[2];
  return Status::OK();
}

// Output sizes and leading pads of g's two spatial dims (g.h, g.w, g.kh, g.kw set).
Status conv_windows(KernelContext& ctx, const ConvAttrs& a, ConvGeom* g) {
  const bool ep = a.padding == Padding::kExplicit;
  const auto& p = *a.explicit_pads;
  Window wr, wc;
  TL_RETURN_IF_ERROR(windowed_output(ctx, g->h, g->kh, a.dh, a.sh, a.padding, ep ? p[2] : 0, ep ? p[3] : 0, &wr));
  TL_RETURN_IF_ERROR(windowed_output(ctx, g->w, g->kw, a.dw, a.sw, a.padding, ep ? p[4] : 0, ep ? p[5] : 0, &wc));
  g->oh = wr.out; g->ow = wc.out; g->pad_t = wr.pad_before; g->pad_l = wc.pad_before;
  return Status::OK();
}

template <class T>
void zero(T* p, int64_t n) { std::memset(p, 0, sizeof(T) * static_cast<size_t>(n)); }

// ---- Conv2D ---------------------------------------------------------------------------------

// A 1x1, stride-1, unpadded convolution: the input rows are the pixels, a GEMM already.
bool plain_1x1(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_t == 0 && g.pad_l == 0 && g.oh == g.h && g.ow == g.w;
}

template <class T>
Status conv_gemm(KernelContext& ctx, const ConvGeom& g, const T* x, const T* f, T* y) {
  const int64_t kdim = g.kh * g.kw * g.cin;
  const int64_t pixels = g.oh * g.ow;
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_t == 0 && g.pad_l == 0 && g.oh == g.h && g.ow == g.w)
    return gemm(ctx, g.n * pixels, g.cout, g.cin, x, f, y, ctx.fusion != nullptr);  // the input already is the im2col matrix
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(pixels, kColBytes / std::max<int64_t>(1, kdim * sizeof(T))));
  auto col = Buffer::allocate(static_cast<size_t>(rows * kdim) * sizeof(T));
  if (!col) return make_error(kResourceExhausted, "Conv2D: out of memory for the im2col buffer");
  T* cp = static_cast<T*>(col->data);
  for (int64_t b = 0; b < g.n; b++) {
    const T* img = x + b * g.h * g.w * g.cin;
    for (int64_t p0 = 0; p0 < pixels; p0 += rows) {
      if (ctx.run.should_stop()) return ctx.run.stop_status();
      const int64_t np = std::min(rows, pixels - p0);
      ctx.run.parallel_for(np, 64, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
          const int64_t oy = (p0 + r) / g.ow, ox = (p0 + r) % g.ow;
          T* dst = cp + r * kdim;
          for (int64_t ky = 0; ky < g.kh; ky++) {
            const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
            for (int64_t kx = 0; kx < g.kw; kx++, dst += g.cin) {
              const int64_t ix = ox * g.sw - g.pad_l + kx * g.dw;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) zero(dst, g.cin);
              else std::memcpy(dst, img + (iy * g.w + ix) * g.cin, sizeof(T) * g.cin);
            }
          }
        }
      });
      if (ctx.run.interrupted) return ctx.run.stop_status();
      TL_RETURN_IF_ERROR(gemm(ctx, np, g.cout, kdim, cp, f, y + (b * pixels + p0) * g.cout, ctx.fusion != nullptr));
    }
  }
  return Status::OK();
}

// Small images (a per-image GEMM too small to split over the pool): im2col over blocks of
// whole images and one GEMM per block, instead of a gather and a GEMM per image (a plain 1x1
// convolution needs no gathering: conv_gemm multiplies the whole batch at once). A one-channel
// input (the first layer) gathers single values without a copy call per tap.
bool use_conv_images(const ConvGeom& g, size_t elem) {
  const int64_t kdim = g.kh * g.kw * g.cin, pixels = g.oh * g.ow;
  return !plain_1x1(g) && g.n > 1 && pixels * kdim * static_cast<int64_t>(elem) <= (256 << 10) && pixels * kdim * g.cout < (1 << 20);
}

template <class T>
Status conv_gemm_images(KernelContext& ctx, const ConvGeom& g, const T* x, const T* f, T* y) {
  const int64_t kdim = g.kh * g.kw * g.cin, pixels = g.oh * g.ow;
  const int64_t imgs = std::min<int64_t>(g.n, std::max<int64_t>(1, kColBytes / (pixels * kdim * static_cast<int64_t>(sizeof(T)))));
  auto col = Buffer::allocate(static_cast<size_t>(imgs * pixels * kdim) * sizeof(T));
  if (!col) return make_error(kResourceExhausted, "Conv2D: out of memory for the im2col buffer");
  T* cp = static_cast<T*>(col->data);
  for (int64_t b0 = 0; b0 < g.n; b0 += imgs) {
    if (ctx.run.should_stop()) return ctx.run.stop_status();
    const int64_t rows = std::min(imgs, g.n - b0) * pixels;
    // Parallel over output rows (b, oy): tap (ky, kx) of pixels ox in [lo, hi) reads inside the
    // image, the others are zeros.
    parallel_rows(ctx, rows / g.ow, g.ow * kdim, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; q++) {
        const T* img = x + (b0 + q / g.oh) * g.h * g.w * g.cin;
        const int64_t oy = q % g.oh;
        T* row = cp + q * g.ow * kdim;
        for (int64_t ky = 0; ky < g.kh; ky++) {
          const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
          for (int64_t kx = 0; kx < g.kw; kx++) {
            T* dst = row + (ky * g.kw + kx) * g.cin;
            const int64_t off = kx * g.dw - g.pad_l;  // input column of pixel ox: ox * sw + off
            const bool in_rows = iy >= 0 && iy < g.h;
            const int64_t lo = !in_rows ? g.ow : off >= 0 ? 0 : std::min(g.ow, (-off + g.sw - 1) / g.sw);
            const int64_t hi = !in_rows || off >= g.w ? lo : std::max(lo, std::min(g.ow, (g.w - off + g.sw - 1) / g.sw));
            for (int64_t ox = 0; ox < lo; ox++) zero(dst + ox * kdim, g.cin);
            const int64_t base = iy * g.w + off;  // + ox * sw: the input pixel (in bounds for lo <= ox < hi)
            if (g.cin == 1)
              for (int64_t ox = lo; ox < hi; ox++) dst[ox * kdim] = img[base + ox * g.sw];
            else
              for (int64_t ox = lo; ox < hi; ox++) std::memcpy(dst + ox * kdim, img + (base + ox * g.sw) * g.cin, sizeof(T) * g.cin);
            for (int64_t ox = hi; ox < g.ow; ox++) zero(dst + ox * kdim, g.cin);
          }
        }
      }
    });
    if (ctx.run.interrupted) return ctx.run.stop_status();
    TL_RETURN_IF_ERROR(gemm(ctx, rows, g.cout, kdim, cp, f, y + b0 * pixels * g.cout, ctx.fusion != nullptr));
  }
  return Status::OK();
}

// f32 with few channels (a 3x3 first layer or two of a small CNN; an image's 3 channels to up to
// 64, MobileNet's first layer: 2.1x faster than conv_packed's gather into panels), and a plain
// 1x1 to at most 64 channels or with a filter of at most kSmall1x1MaxB (MobileNet's projections,
// whose deep, narrow products the gather into panels had doubled: 1.3-1.6x; its expansions
// 5-30%): conv_small.h's direct SIMD loop over output rows (a plain 1x1's pixels as one run),
// with the fused step's bias and a Relu / Relu6 as it stores each sum (any other activation
// after each block of rows).
constexpr int64_t kSmall1x1MaxB = 256 << 10;  // a larger filter, re-read for each few pixels, leaves L2
bool use_conv_small(const ConvGeom& g) {
  if (plain_1x1(g)) return g.cout <= 64 || g.cin * g.cout * static_cast<int64_t>(sizeof(float)) <= kSmall1x1MaxB;
  return g.kh * g.kw > 1 && ((g.cout <= 16 && g.cin <= 16) || (g.cin <= 4 && g.cout <= 64));
}

Status conv_small(KernelContext& ctx, const ConvGeom& g, ConvRowsFn rows, const float* x, const float* f, float* y) {
  const float* bias = ctx.fusion ? ctx.input(ctx.fusion->bias_input).data<float>() : nullptr;
  // The bias and a Relu / Relu6 as each sum is stored; other activations after each block.
  const OpId act = bias ? ctx.fusion->act : OpId::NoOp;
  const bool in_loop = act == OpId::NoOp || act == OpId::Relu || act == OpId::Relu6;
  ConvSmallArgs a{x, f, y, g.n, g.h, g.w, g.cin, g.cout, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, g.pad_t, g.pad_l, bias,
                  act == OpId::Relu ? 1 : act == OpId::Relu6 ? 2 : 0};
  if (plain_1x1(g)) {  // one run of pixels: as n * h * w rows of one pixel
    a.n = 1;
    a.h = a.oh = g.n * g.h * g.w;
    a.w = a.ow = 1;
  }
  parallel_rows(ctx, a.n * a.oh, a.ow * g.kh * g.kw * g.cin * g.cout, [&](int64_t r0, int64_t r1) {
    rows(a, r0, r1);  // (with the bias)
    const int64_t n = (r1 - r0) * a.ow * g.cout;
    if (bias && !in_loop) fused_epilogue(*ctx.fusion, y + r0 * a.ow * g.cout, 1, n, n, nullptr);  // the activation
  });
  return ctx.run.interrupted || ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
}

// ---- Winograd F(2x2, 3x3) ------------------------------------------------------------------
// A 3x3, stride-1, undilated f32 Conv2D as Lavin & Gray's F(2x2, 3x3): each 2x2 block of output
// pixels (a "tile") is A^T [(G g G^T) (.) (B^T d B)] A of its 4x4 input patch d, so the 36
// multiply-adds per tile and channel pair become 16, as sixteen GEMMs [tiles, Cin] x [Cin, Cout],
// one per element e of the transformed 4x4 patch. It rounds about as the direct sum does (F(4x4)
// would break the 1e-4 golden tolerances). Tiles go in L2-sized blocks: the input transform
// writes the GEMMs' A panels straight in the micro-kernel's packed layout, the micro-kernel
// multiplies them by the transformed filter (packed once per constant filter, cached), and the
// output transform writes the block's pixels, then the fused step's bias and activation.

constexpr int kWinoElems = 16;   // 4x4 transformed patch
constexpr int kWinoLanes = 16;   // channels per inner step of the transforms
constexpr int64_t kWinoBlockBytes = 512 << 10;

bool use_winograd(const ConvGeom& g) {
  // Few channels: the transforms would cost more than the saved multiplies. Very many: the
  // transformed filter (64 * cin * cout bytes) no longer stays in cache while every tile block
  // streams it (7x7x512 -> 512 ran no faster than im2col).
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.cin >= 8 && g.cout >= 8 &&
         g.cin * g.cout <= (int64_t{1} << 17);
}

// Transformed (Winograd) or packed (conv_packed) filters by (filter data, kind, depth, Cout,
// sliver width), in the weight cache (weight_cache.h) as matmul.cc's packed B.
enum FilterKind : int64_t { kWinoFilter = 0, kPackedFilter = 1 };
using FilterKey = std::tuple<const void*, int64_t, int64_t, int64_t, int64_t>;  // filter, kind, dims, nr
WeightCache<FilterKey>& wino_filter_cache() { return WeightCache<FilterKey>::instance(); }

// U = G g G^T for every (ci, co), as B panels: for each e, NR-column slivers of the [Cin, Cout]
// matrix U_e, k-major inside a sliver, zero-padded to whole slivers. Computed in double.
std::shared_ptr<Buffer> wino_transform_filter(KernelContext& ctx, const ConvGeom& g, const float* f, int64_t nr) {
  const int64_t n_sliv = (g.cout + nr - 1) / nr, per_e = n_sliv * g.cin * nr;
  auto buf = Buffer::allocate(sizeof(float) * kWinoElems * per_e);
  if (!buf) return nullptr;
  float* u = static_cast<float*>(buf->data);
  std::memset(u, 0, sizeof(float) * kWinoElems * per_e);
  ctx.run.parallel_for(g.cin, std::max<int64_t>(1, 4096 / g.cout), [&](int64_t c0, int64_t c1) {
    for (int64_t ci = c0; ci < c1; ++ci) {
      for (int64_t co = 0; co < g.cout; ++co) {
        double w[3][3], t[4][3];
        for (int k = 0; k < 9; ++k) w[k / 3][k % 3] = f[(k * g.cin + ci) * g.cout + co];
        for (int c = 0; c < 3; ++c) {  // G g
          t[0][c] = w[0][c];
          t[1][c] = 0.5 * (w[0][c] + w[1][c] + w[2][c]);
          t[2][c] = 0.5 * (w[0][c] - w[1][c] + w[2][c]);
          t[3][c] = w[2][c];
        }
        float* dst = u + (co / nr) * g.cin * nr + ci * nr + co % nr;
        for (int r = 0; r < 4; ++r) {  // (G g) G^T
          const double row[4] = {t[r][0], 0.5 * (t[r][0] + t[r][1] + t[r][2]), 0.5 * (t[r][0] - t[r][1] + t[r][2]), t[r][2]};
          for (int c = 0; c < 4; ++c) dst[(r * 4 + c) * per_e] = static_cast<float>(row[c]);
        }
      }
    }
  });
  return buf;
}

// The transformed filter: cached when the filter is a graph constant.
std::shared_ptr<Buffer> wino_filter(KernelContext& ctx, const ConvGeom& g, const float* f, int64_t nr) {
  const Tensor& ft = ctx.input(1);
  const bool constant = ft.buf && !ft.buf->owned && ft.buf->owner && ft.raw() == f;
  const FilterKey key{f, kWinoFilter, g.cin, g.cout, nr};
  if (constant)
    if (auto hit = wino_filter_cache().find(key)) return hit;
  auto u = wino_transform_filter(ctx, g, f, nr);
  // A run stopped by its deadline skips chunks: that transform is incomplete, never cached.
  if (ctx.run.interrupted || ctx.run.should_stop()) return nullptr;
  if (u && constant) wino_filter_cache().insert(key, ft.buf->owner, u);
  return u;
}

struct WinoPlan {
  const ConvGeom& g;
  int64_t mr, nr, n_sliv, cout_p;  // micro-kernel tile; Cout padded to whole slivers
  int64_t th, tw, tiles, block;    // tile grid, tiles per block (a multiple of mr)
  const float* zeros;              // cin zeros for patch pixels outside the input
};

// B^T d B of one patch (src[k]: pixel k of the 4x4 patch) for channels [c0, c0 + L): element e,
// lane l goes to dst[e * es + l * ls].
template <int L>
void wino_input_lanes(const float* const* src, int64_t c0, int64_t ls, int64_t es, float* dst) {
  float v[16][L], d[16][L];
  for (int c = 0; c < 4; ++c) {  // B^T d, column c
    const float *s0 = src[c] + c0, *s1 = src[4 + c] + c0, *s2 = src[8 + c] + c0, *s3 = src[12 + c] + c0;
    for (int l = 0; l < L; ++l) {
      const float d0 = s0[l], d1 = s1[l], d2 = s2[l], d3 = s3[l];
      v[c][l] = d0 - d2; v[4 + c][l] = d1 + d2; v[8 + c][l] = d2 - d1; v[12 + c][l] = d1 - d3;
    }
  }
  for (int r = 0; r < 16; r += 4) {  // (B^T d) B, row r / 4
    for (int l = 0; l < L; ++l) {
      const float d0 = v[r][l], d1 = v[r + 1][l], d2 = v[r + 2][l], d3 = v[r + 3][l];
      d[r][l] = d0 - d2; d[r + 1][l] = d1 + d2; d[r + 2][l] = d2 - d1; d[r + 3][l] = d1 - d3;
    }
  }
  for (int e = 0; e < 16; ++e)
    for (int l = 0; l < L; ++l) dst[e * es + l * ls] = d[e][l];
}

// The sliver of MR tiles [tx0, tx0 + MR) of tile row (b, ty): its 4 input rows' 2 * MR + 2
// columns are first transposed to channel-major, even and odd columns apart (work), so the
// transform then runs across the MR tiles with contiguous loads and stores of the packed panel
// (half the scalar moves of transposing the 16 transformed elements per tile).
template <int MR>
void wino_input_row(const WinoPlan& p, const float* x, int64_t b, int64_t ty, int64_t tx0, float* dst, float* work) {
  const ConvGeom& g = p.g;
  constexpr int64_t kW = MR + 1;  // columns per parity
  const int64_t rs = g.cin * kW, es = p.block * g.cin;
  float* even = work;
  float* odd = work + 4 * rs;
  for (int r = 0; r < 4; ++r) {
    const int64_t iy = 2 * ty - g.pad_t + r;
    for (int64_t col = 0; col < 2 * kW; ++col) {
      const int64_t ix = 2 * tx0 - g.pad_l + col;
      const float* s = iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? p.zeros : x + ((b * g.h + iy) * g.w + ix) * g.cin;
      float* d = (col & 1 ? odd : even) + r * rs + col / 2;
      for (int64_t ci = 0; ci < g.cin; ++ci) d[ci * kW] = s[ci];
    }
  }
  const float* src[16];
  for (int64_t ci = 0; ci < g.cin; ++ci) {
    for (int k = 0; k < 16; ++k) src[k] = (k & 1 ? odd : even) + (k / 4) * rs + ci * kW + (k % 4) / 2;
    wino_input_lanes<MR>(src, 0, 1, es, dst + ci * MR);
  }
}

// B^T d B for tiles [t0, t0 + nt) (rows past nt: zero patches) into the packed A panels `ap`:
// element e of tile t, channel ci at ap[e * block * cin + (t / mr) * mr * cin + ci * mr + t % mr].
void wino_input(const WinoPlan& p, const float* x, int64_t t0, int64_t nt, float* ap, float* work) {
  const ConvGeom& g = p.g;
  const int64_t es = p.block * g.cin;  // from element e to e + 1 of the panels
  std::vector<const float*> src(16 * p.mr);
  // One sliver of MR tiles at a time, its tiles interleaved per channel chunk: the chunk's
  // stores (16 elements x 16 channels x MR tiles) stay within L1.
  for (int64_t s0 = 0; s0 < nt; s0 += p.mr) {
    const int64_t first = t0 + s0, b = first / (p.th * p.tw), ty = first / p.tw % p.th, tx0 = first % p.tw;
    if (s0 + p.mr <= nt && tx0 + p.mr <= p.tw) {  // whole sliver in one tile row
      float* dst = ap + s0 * g.cin;
      switch (p.mr) {
        case 14: wino_input_row<14>(p, x, b, ty, tx0, dst, work); continue;
        case 8: wino_input_row<8>(p, x, b, ty, tx0, dst, work); continue;
        case 6: wino_input_row<6>(p, x, b, ty, tx0, dst, work); continue;
        case 4: wino_input_row<4>(p, x, b, ty, tx0, dst, work); continue;
        default: break;
      }
    }
    for (int64_t i = 0; i < p.mr; ++i) {
      const int64_t t = s0 + i, tile = t0 + t, b = tile / (p.th * p.tw), ty = tile / p.tw % p.th, tx = tile % p.tw;
      for (int k = 0; k < 16; ++k) {
        const int64_t iy = 2 * ty - g.pad_t + k / 4, ix = 2 * tx - g.pad_l + k % 4;
        src[i * 16 + k] = t >= nt || iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? p.zeros : x + ((b * g.h + iy) * g.w + ix) * g.cin;
      }
    }
    float* dst = ap + s0 * g.cin;
    for (int64_t c0 = 0; c0 < g.cin; c0 += kWinoLanes) {
      const int64_t nl = std::min<int64_t>(kWinoLanes, g.cin - c0);
      for (int64_t i = 0; i < p.mr; ++i) {
        const float* const* ps = &src[i * 16];
        if (nl == kWinoLanes) {
          wino_input_lanes<kWinoLanes>(ps, c0, p.mr, es, dst + c0 * p.mr + i);
          continue;
        }
        float tail[16][kWinoLanes] = {}, out[16][kWinoLanes];  // the last channels, zero-padded
        const float* tsrc[16];
        for (int k = 0; k < 16; ++k) {
          std::memcpy(tail[k], ps[k] + c0, sizeof(float) * nl);
          tsrc[k] = tail[k];
        }
        wino_input_lanes<kWinoLanes>(tsrc, 0, 1, kWinoLanes, &out[0][0]);
        for (int e = 0; e < 16; ++e)
          for (int64_t l = 0; l < nl; ++l) dst[e * es + (c0 + l) * p.mr + i] = out[e][l];
      }
    }
  }
}

// A^T m A of one tile for L channels (element e, lane l at m[e * es + l]) into the ny x nx
// pixels it keeps: pixel (r, c), lane l at y[r * ys + c * xs + l].
template <int L>
void wino_output_lanes(const float* m, int64_t es, float* y, int64_t ys, int64_t xs, int64_t ny, int64_t nx) {
  float s[8][L], o[4][L];
  for (int c = 0; c < 4; ++c) {  // A^T m, column c
    const float *m0 = m + c * es, *m1 = m0 + 4 * es, *m2 = m0 + 8 * es, *m3 = m0 + 12 * es;
    for (int l = 0; l < L; ++l) {
      s[c][l] = m0[l] + m1[l] + m2[l];
      s[4 + c][l] = m1[l] - m2[l] - m3[l];
    }
  }
  for (int r = 0; r < 2; ++r) {  // (A^T m) A, row r
    for (int l = 0; l < L; ++l) {
      const float a0 = s[4 * r][l], a1 = s[4 * r + 1][l], a2 = s[4 * r + 2][l], a3 = s[4 * r + 3][l];
      o[2 * r][l] = a0 + a1 + a2;
      o[2 * r + 1][l] = a1 - a2 - a3;
    }
  }
  for (int64_t r = 0; r < ny; ++r)
    for (int64_t c = 0; c < nx; ++c)
      for (int l = 0; l < L; ++l) y[r * ys + c * xs + l] = o[2 * r + c][l];
}

// A^T m A of tiles [t0, t0 + nt) from the products m ([16][block][cout_p]) into y's pixels, then
// the fused epilogue on each run of finished pixels.
void wino_output(KernelContext& ctx, const WinoPlan& p, const float* m, int64_t t0, int64_t nt, float* y) {
  const ConvGeom& g = p.g;
  const float* bias = ctx.fusion ? ctx.input(ctx.fusion->bias_input).data<float>() : nullptr;
  for (int64_t t = 0; t < nt; ++t) {
    const int64_t tile = t0 + t, b = tile / (p.th * p.tw), ty = tile / p.tw % p.th, tx = tile % p.tw;
    const int64_t oy = 2 * ty, ox = 2 * tx;
    const int64_t ny = std::min<int64_t>(2, g.oh - oy), nx = std::min<int64_t>(2, g.ow - ox);
    float* out = y + ((b * g.oh + oy) * g.ow + ox) * g.cout;
    const int64_t es = p.block * p.cout_p;  // from element e to e + 1 of a tile's products
    for (int64_t c0 = 0; c0 < g.cout; c0 += kWinoLanes) {
      const float* src = m + t * p.cout_p + c0;
      if (g.cout - c0 >= kWinoLanes) {
        wino_output_lanes<kWinoLanes>(src, es, out + c0, g.cout * g.ow, g.cout, ny, nx);
        continue;
      }
      float tail[16][kWinoLanes] = {}, res[4][kWinoLanes];  // the last channels
      for (int e = 0; e < 16; ++e)
        for (int64_t l = 0; l < g.cout - c0; ++l) tail[e][l] = src[e * es + l];
      wino_output_lanes<kWinoLanes>(&tail[0][0], kWinoLanes, &res[0][0], 2 * kWinoLanes, kWinoLanes, 2, 2);
      for (int64_t r = 0; r < ny; ++r)
        for (int64_t c = 0; c < nx; ++c)
          for (int64_t l = 0; l < g.cout - c0; ++l) out[(r * g.ow + c) * g.cout + c0 + l] = res[2 * r + c][l];
    }
    // The pixels of this tile row are finished at its last tile in the block (or the grid row).
    if (bias && (tx == p.tw - 1 || t == nt - 1)) {
      const int64_t first_tx = std::max<int64_t>(0, tx - t);
      const int64_t x0 = 2 * first_tx, npix = std::min(g.ow, ox + 2) - x0;
      for (int64_t r = 0; r < ny; ++r)
        fused_epilogue(*ctx.fusion, y + ((b * g.oh + oy + r) * g.ow + x0) * g.cout, npix, g.cout, g.cout, bias);
    }
  }
}

Status conv_winograd(KernelContext& ctx, const ConvGeom& g, const float* x, const float* f, float* y) {
  const MicroGemmF32 mk = micro_gemm_f32();
  WinoPlan p{g, mk.mr, mk.nr, 0, 0, 0, 0, 0, 0, nullptr};
  p.n_sliv = (g.cout + p.nr - 1) / p.nr;
  p.cout_p = p.n_sliv * p.nr;
  p.th = (g.oh + 1) / 2; p.tw = (g.ow + 1) / 2;
  p.tiles = g.n * p.th * p.tw;
  const int threads = std::max(1, ctx.run.num_threads());
  // Blocks of about kWinoBlockBytes of panels and products, and at least two per thread.
  const int64_t per_tile = kWinoElems * (g.cin + p.cout_p) * static_cast<int64_t>(sizeof(float));
  const int64_t by_cache = std::max<int64_t>(1, kWinoBlockBytes / per_tile / p.mr);
  const int64_t by_threads = std::max<int64_t>(1, (p.tiles + 2 * threads * p.mr - 1) / (2 * threads * p.mr));
  p.block = std::min(by_cache, by_threads) * p.mr;
  const int64_t blocks = (p.tiles + p.block - 1) / p.block;
  const int64_t chunks = std::min<int64_t>(blocks, threads);

  auto ubuf = wino_filter(ctx, g, f, p.nr);
  if (!ubuf) {
    if (ctx.run.should_stop()) return ctx.run.stop_status();
    return make_error(kResourceExhausted, "Conv2D: out of memory for the transformed filter");
  }
  const float* u = static_cast<const float*>(ubuf->data);
  // Per chunk: the packed panels, the products and wino_input_row's transposed rows.
  const int64_t a_size = kWinoElems * p.block * g.cin, m_size = kWinoElems * p.block * p.cout_p, w_size = 8 * g.cin * (p.mr + 1);
  const int64_t per_chunk = a_size + m_size + w_size;
  auto scratch = Buffer::allocate(sizeof(float) * (per_chunk * chunks + g.cin));
  if (!scratch) return make_error(kResourceExhausted, "Conv2D: out of memory for the Winograd buffers");
  float* zeros = static_cast<float*>(scratch->data) + per_chunk * chunks;
  zero(zeros, g.cin);
  p.zeros = zeros;
  const int64_t per_e = p.n_sliv * g.cin * p.nr;
  ctx.run.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      float* ap = static_cast<float*>(scratch->data) + per_chunk * ch;
      float* m = ap + a_size;
      float* work = m + m_size;
      for (int64_t blk = ch * blocks / chunks; blk < (ch + 1) * blocks / chunks; ++blk) {
        if (ctx.run.should_stop()) { ctx.run.interrupted = true; return; }
        const int64_t t0 = blk * p.block, nt = std::min(p.block, p.tiles - t0);
        const int64_t rows = (nt + p.mr - 1) / p.mr * p.mr;
        wino_input(p, x, t0, nt, ap, work);
        for (int e = 0; e < kWinoElems; ++e) {
          const float* ae = ap + e * p.block * g.cin;
          float* me = m + e * p.block * p.cout_p;
          for (int64_t s = 0; s < p.n_sliv; ++s) {
            const float* bs = u + e * per_e + s * g.cin * p.nr;
            for (int64_t ir = 0; ir < rows; ir += p.mr) mk.fn(g.cin, ae + ir * g.cin, bs, me + ir * p.cout_p + s * p.nr, p.cout_p, false);
          }
        }
        wino_output(ctx, p, m, t0, nt, y);
      }
    }
  });
  if (ctx.run.interrupted || ctx.run.should_stop()) return ctx.run.stop_status();
  return Status::OK();
}

// ---- Packed direct convolution --------------------------------------------------------------
// An f32 Conv2D with a shallow receptive field (kdim = KH*KW*Cin <= kPackedMaxK; e.g. a 3-channel
// image's first layer, or a strided 1x1) as an implicit GEMM: each block of output pixels is
// gathered straight into the micro-kernel's packed A slivers (MR pixels, k-major: no im2col
// matrix and no second packing pass), multiplied by the filter packed once into NR-column
// slivers (cached for a constant filter), and the fused bias and activation run on the block
// while it is in cache. Each output sums its kdim products in order in one pass, as the GEMM
// does for k <= its kc block, so results do not depend on the block or thread split.

constexpr int64_t kPackedMaxK = 512;      // deeper: the GEMM's k blocking keeps panels in cache
constexpr int64_t kPackedBlockRows = 12;  // A slivers per block (168 pixels at MR = 14)

constexpr int64_t kPackedSmallB = 64 << 10;  // a packed filter up to this size stays in L1/L2
// A plain 1x1 with a larger filter stays on the GEMM, which splits the filter's columns between
// threads when there are few pixels (a 7x7 layer's 320 -> 1280).
constexpr int64_t kPacked1x1MaxB = 256 << 10;

// A plain 1x1 convolution is a GEMM already: packed only with a filter of at most
// kPacked1x1MaxB, where gathering straight into the panels, starting from the bias and
// finishing each block at once beat the GEMM by 3-15% (at the scalar level: with SIMD, those
// run conv_small).
bool use_packed(const ConvGeom& g, int64_t nr) {
  const int64_t kdim = g.kh * g.kw * g.cin;
  if (kdim > kPackedMaxK) return false;
  const int64_t b_bytes = kdim * ((g.cout + nr - 1) / nr * nr) * static_cast<int64_t>(sizeof(float));
  return !plain_1x1(g) || b_bytes <= kPacked1x1MaxB;
}

// The filter [kdim, Cout] as NR-column slivers, k-major inside a sliver, zero-padded columns.
std::shared_ptr<Buffer> packed_filter(KernelContext& ctx, const ConvGeom& g, const float* f, int64_t nr) {
  const int64_t kdim = g.kh * g.kw * g.cin, n_sliv = (g.cout + nr - 1) / nr;
  const Tensor& ft = ctx.input(1);
  const bool constant = ft.buf && !ft.buf->owned && ft.buf->owner && ft.raw() == f;
  const FilterKey key{f, kPackedFilter, kdim, g.cout, nr};
  if (constant)
    if (auto hit = wino_filter_cache().find(key)) return hit;
  auto buf = Buffer::allocate(sizeof(float) * n_sliv * kdim * nr);
  if (!buf) return nullptr;
  float* b = static_cast<float*>(buf->data);
  for (int64_t s = 0; s < n_sliv; ++s)
    for (int64_t k = 0; k < kdim; ++k)
      for (int64_t j = 0; j < nr; ++j) {
        const int64_t co = s * nr + j;
        b[(s * kdim + k) * nr + j] = co < g.cout ? f[k * g.cout + co] : 0.f;
      }
  if (constant) wino_filter_cache().insert(key, ft.buf->owner, buf);
  return buf;
}

// Output pixels [p0, p0 + mr) (p = (b * oh + oy) * ow + ox) as one packed A sliver: pixel i's
// tap (ky, kx), channel c at a[((ky * kw + kx) * cin + c) * MR + i]; rows past mr are zeros.
// A whole sliver within one output row copies each tap's MR pixels for one channel at a time
// (contiguous stores, MR unrolled) when they are all inside the image.
template <int MR>
void packed_gather(const ConvGeom& g, const float* x, int64_t p0, int64_t mr, float* a) {
  if (mr == MR && plain_1x1(g)) {  // the input rows are the pixels
    const float* src = x + p0 * g.cin;
    // The next sliver's pixels start coming (from memory, at a large batch): read MR rows at a
    // time, they are MR streams the hardware prefetcher does not follow.
    for (int64_t k = 0; k < MR * g.cin; k += 16) __builtin_prefetch(src + MR * g.cin + k);
    for (int64_t c = 0; c < g.cin; ++c, a += MR)
      for (int i = 0; i < MR; ++i) a[i] = src[i * g.cin + c];
    return;
  }
  const int64_t ox0 = p0 % g.ow, oy = p0 / g.ow % g.oh, b = p0 / (g.ow * g.oh);
  if (mr == MR && ox0 + MR <= g.ow) {
    const int64_t cin = g.cin, step = g.sw * cin;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        float* d = a + (ky * g.kw + kx) * g.cin * MR;
        const int64_t ix0 = ox0 * g.sw - g.pad_l + kx * g.dw, ix1 = ix0 + (MR - 1) * g.sw;
        if (iy < 0 || iy >= g.h) {
          std::memset(d, 0, sizeof(float) * g.cin * MR);
        } else if (ix0 >= 0 && ix1 < g.w) {
          const float* src = x + ((b * g.h + iy) * g.w + ix0) * cin;
          for (int64_t c = 0; c < cin; ++c, d += MR)
            for (int i = 0; i < MR; ++i) d[i] = src[i * step + c];
        } else {
          const float* row = x + (b * g.h + iy) * g.w * g.cin;
          for (int i = 0; i < MR; ++i) {
            const int64_t ix = ix0 + i * g.sw;
            const bool in = ix >= 0 && ix < g.w;
            for (int64_t c = 0; c < g.cin; ++c) d[c * MR + i] = in ? row[ix * g.cin + c] : 0.f;
          }
        }
      }
    }
    return;
  }
  const int64_t kdim = g.kh * g.kw * g.cin;
  for (int64_t i = 0; i < MR; ++i) {
    float* d = a + i;
    if (i >= mr) {
      for (int64_t k = 0; k < kdim; ++k) d[k * MR] = 0.f;
      continue;
    }
    const int64_t p = p0 + i, ox = p % g.ow, oy = p / g.ow % g.oh, b = p / (g.ow * g.oh);
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
      for (int64_t kx = 0; kx < g.kw; ++kx, d += g.cin * MR) {
        const int64_t ix = ox * g.sw - g.pad_l + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
          for (int64_t c = 0; c < g.cin; ++c) d[c * MR] = 0.f;
        } else {
          const float* s = x + ((b * g.h + iy) * g.w + ix) * g.cin;
          for (int64_t c = 0; c < g.cin; ++c) d[c * MR] = s[c];
        }
      }
    }
  }
}

using GatherFn = void (*)(const ConvGeom&, const float*, int64_t, int64_t, float*);
GatherFn packed_gather_for(int mr) {
  switch (mr) {
    case 28: return packed_gather<28>;
    case 14: return packed_gather<14>;
    case 8: return packed_gather<8>;
    case 6: return packed_gather<6>;
    case 4: return packed_gather<4>;
    default: return nullptr;
  }
}

// The micro-kernel for conv_packed: the GEMM's, or under AVX-512 for at most 16 output channels
// a 28x16 tile (the 14x32 one would compute as many columns again for nothing).
MicroGemmF32 packed_micro(const ConvGeom& g) {
#if defined(__x86_64__) || defined(_M_X64)
  if (g.cout <= 16 && cpu_isa() == Isa::avx512)
    return {28, 16, [](int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
              conv_kernel28x16_f32__avx512(kc, a, b, c, ldc, accumulate, 28, 16);
            }, conv_kernel28x16_f32__avx512};
#endif
  (void)g;
  return micro_gemm_f32();
}

Status conv_packed(KernelContext& ctx, const ConvGeom& g, const float* x, const float* f, float* y) {
  const MicroGemmF32 mk = packed_micro(g);
  const GatherFn gather = packed_gather_for(mk.mr);
  if (!gather) return conv_gemm<float>(ctx, g, x, f, y);  // a micro-kernel height without a gather
  const int64_t kdim = g.kh * g.kw * g.cin, n_sliv = (g.cout + mk.nr - 1) / mk.nr;
  auto bbuf = packed_filter(ctx, g, f, mk.nr);
  if (!bbuf) return make_error(kResourceExhausted, "Conv2D: out of memory for the packed filter");
  const float* bp = static_cast<const float*>(bbuf->data);
  const float* bias = ctx.fusion ? ctx.input(ctx.fusion->bias_input).data<float>() : nullptr;
  const int64_t pixels = g.n * g.oh * g.ow, slivers = (pixels + mk.mr - 1) / mk.mr;
  const int threads = std::max(1, ctx.run.num_threads());
  // Each thread (as many as the work pays for) takes an even run of slivers, in blocks of up to
  // kPackedBlockRows.
  const int64_t work = pixels * kdim * g.cout;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>({slivers, threads, work / (1 << 17) + 1}));
  const int64_t per_block = std::min<int64_t>(kPackedBlockRows, (slivers + chunks - 1) / chunks);
  const int64_t a_size = per_block * mk.mr * kdim;
  auto scratch = Buffer::allocate(sizeof(float) * a_size * chunks);
  if (!scratch) return make_error(kResourceExhausted, "Conv2D: out of memory for the packed panels");
  // A small filter stays in L1 while each sliver of pixels meets all its columns and is then
  // finished (bias, activation) at once; a large one is walked sliver by sliver against the
  // block's pixels, as the GEMM's macro-kernel does.
  const bool small_b = n_sliv * kdim * mk.nr * static_cast<int64_t>(sizeof(float)) <= kPackedSmallB;
  // With a fused bias and no activation, the pixels' rows start as the bias and the micro-kernel
  // adds its sums to them (sum + bias, BiasAdd's one rounding). Unless Cout is less than a
  // sliver: the masked loads of C in every tile, right after the bias was stored, stalled (a 1x1
  // to 16 channels ran 20% slower). With an activation, or a narrow Cout, the micro-kernel
  // stores its sums and the epilogue's one SIMD pass adds the bias and applies the activation
  // (MobileNetV2's expansions + Relu6 10-25% faster than bias first and an activation pass).
  const bool bias_first = bias && g.cout >= mk.nr && ctx.fusion->act == OpId::NoOp;
  auto tile = [&](int64_t s, int64_t j, const float* as) {
    const int nr = static_cast<int>(std::min<int64_t>(mk.nr, g.cout - j * mk.nr));
    const int mr = static_cast<int>(std::min<int64_t>(mk.mr, pixels - s * mk.mr));
    float* c = y + s * mk.mr * g.cout + j * mk.nr;
    const float* bs = bp + j * kdim * mk.nr;
    if (mr == mk.mr && nr == mk.nr) mk.fn(kdim, as, bs, c, g.cout, bias_first);
    else mk.edge(kdim, as, bs, c, g.cout, bias_first, mr, nr);
  };
  auto start = [&](int64_t s0, int64_t s1) {  // the bias into the rows of slivers [s0, s1)
    if (!bias_first) return;
    for (int64_t p = s0 * mk.mr; p < std::min(pixels, s1 * mk.mr); ++p) std::memcpy(y + p * g.cout, bias, sizeof(float) * g.cout);
  };
  auto finish = [&](int64_t s0, int64_t s1) {  // the fused activation (or epilogue) on slivers [s0, s1)
    if (!bias) return;
    const int64_t p0 = s0 * mk.mr, p1 = std::min(pixels, s1 * mk.mr);
    if (bias_first) fused_activation(*ctx.fusion, y + p0 * g.cout, (p1 - p0) * g.cout);
    else fused_epilogue(*ctx.fusion, y + p0 * g.cout, p1 - p0, g.cout, g.cout, bias);
  };
  auto body = [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      float* ap = static_cast<float*>(scratch->data) + a_size * ch;
      const int64_t end = (ch + 1) * slivers / chunks;
      for (int64_t s0 = ch * slivers / chunks; s0 < end; s0 += per_block) {
        if (ctx.run.should_stop()) { ctx.run.interrupted = true; return; }
        const int64_t s1 = std::min(end, s0 + per_block);
        if (small_b) {
          for (int64_t s = s0; s < s1; ++s) {
            gather(g, x, s * mk.mr, std::min<int64_t>(mk.mr, pixels - s * mk.mr), ap);
            start(s, s + 1);
            for (int64_t j = 0; j < n_sliv; ++j) tile(s, j, ap);
            finish(s, s + 1);
          }
          continue;
        }
        for (int64_t s = s0; s < s1; ++s)
          gather(g, x, s * mk.mr, std::min<int64_t>(mk.mr, pixels - s * mk.mr), ap + (s - s0) * mk.mr * kdim);
        start(s0, s1);
        for (int64_t j = 0; j < n_sliv; ++j)
          for (int64_t s = s0; s < s1; ++s) tile(s, j, ap + (s - s0) * mk.mr * kdim);
        finish(s0, s1);
      }
    }
  };
  if (chunks == 1) body(0, 1); else ctx.run.parallel_for(chunks, 1, body);
  if (ctx.run.interrupted || ctx.run.should_stop()) return ctx.run.stop_status();
  return Status::OK();
}

// Integer Conv2D: direct loops, wrapping as TF's int32 kernel does.
template <class T>
void conv_direct(KernelContext& ctx, const ConvGeom& g, const T* x, const T* f, T* y) {
  parallel_rows(ctx, g.n * g.oh, g.ow * g.kh * g.kw * g.cin * g.cout + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.oh, oy = r % g.oh;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        T* out = y + (r * g.ow + ox) * g.cout;
        zero(out, g.cout);
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.pad_t + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.pad_l + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const T* in = x + ((b * g.h + iy) * g.w + ix) * g.cin;
            const T* fk = f + (ky * g.kw + kx) * g.cin * g.cout;
            for (int64_t ci = 0; ci < g.cin; ++ci)
              for (int64_t co = 0; co < g.cout; ++co) out[co] = wadd(out[co], wmul(in[ci], fk[ci * g.cout + co]));
          }
        }
      }
    }
  });
}

// ---- Conv2DBackpropInput --------------------------------------------------------------------

// The input rows [iy0, iy1) that output rows [oy0, oy1) feed.
void fed_rows(const ConvGeom& g, int64_t oy0, int64_t oy1, int64_t* iy0, int64_t* iy1) {
  *iy0 = std::max<int64_t>(0, oy0 * g.sh - g.pad_t);
  *iy1 = std::min<int64_t>(g.h, (oy1 - 1) * g.sh - g.pad_t + (g.kh - 1) * g.dh + 1);
}

// Calls fn(ky, oy) for each filter row ky through which input row iy feeds an output row
// oy in [oy0, oy1); likewise for columns.
template <class Fn>
void taps(int64_t i, int64_t k, int64_t pad, int64_t stride, int64_t dil, int64_t o0, int64_t o1, const Fn& fn) {
  for (int64_t kk = 0; kk < k; ++kk) {
    const int64_t t = i + pad - kk * dil;
    if (t < 0 || t % stride != 0) continue;
    const int64_t o = t / stride;
    if (o >= o0 && o < o1) fn(kk, o);
  }
}

// out[0, n) += src[0, n), in blocks of 8 the compiler vectorizes.
template <class T>
inline void add_to(T* __restrict out, const T* __restrict src, int64_t n) {
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int j = 0; j < 8; ++j) out[c + j] += src[c + j];
  for (; c < n; ++c) out[c] += src[c];
}

// dx += the contributions `col` ([pixels of output rows oy0.., kdim]) of output rows [oy0, oy1)
// of `images` consecutive images (several only with all rows: oy0 = 0, oy1 = oh).
template <class T>
void col2im(KernelContext& ctx, const ConvGeom& g, const T* col, int64_t oy0, int64_t oy1, T* dx, int64_t images = 1) {
  const int64_t kdim = g.kh * g.kw * g.cin;
  int64_t iy0, iy1;
  fed_rows(g, oy0, oy1, &iy0, &iy1);
  const int64_t span = iy1 - iy0;
  if (span <= 0) return;
  parallel_rows(ctx, images * span, g.w * g.kh * g.kw * g.cin + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / span, iy = iy0 + r % span;
      const T* cb = col + b * g.oh * g.ow * kdim;
      T* out = dx + (b * g.h + iy) * g.w * g.cin;
      // Each input pixel sums its taps in (ky, kx) order; tap (ky, kx) feeds the pixels ix =
      // ox * sw + kx * dw - pad_l of the output columns ox in range.
      taps(iy, g.kh, g.pad_t, g.sh, g.dh, oy0, oy1, [&](int64_t ky, int64_t oy) {
        const T* crow = cb + (oy - oy0) * g.ow * kdim;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t off = kx * g.dw - g.pad_l;
          const int64_t lo = off >= 0 ? 0 : std::min(g.ow, (-off + g.sw - 1) / g.sw);
          const int64_t hi = off >= g.w ? lo : std::max(lo, std::min(g.ow, (g.w - off + g.sw - 1) / g.sw));
          const T* src = crow + (ky * g.kw + kx) * g.cin;
          for (int64_t ox = lo; ox < hi; ++ox) add_to(out + (ox * g.sw + off) * g.cin, src + ox * kdim, g.cin);
        }
      });
    }
  });
}

template <class T>
Status backprop_input_gemm(KernelContext& ctx, const ConvGeom& g, const T* dy, const T* f, T* dx) {
  const int64_t kdim = g.kh * g.kw * g.cin;
  // The filter as [cout, kdim]: dy [pixels, cout] times it is each pixel's contribution.
  auto ft = Buffer::allocate(static_cast<size_t>(kdim * g.cout) * sizeof(T));
  if (!ft) return make_error(kResourceExhausted, "Conv2DBackpropInput: out of memory for the transposed filter");
  T* fp = static_cast<T*>(ft->data);
  for (int64_t k = 0; k < kdim; ++k)
    for (int64_t co = 0; co < g.cout; ++co) fp[co * kdim + k] = f[k * g.cout + co];
  // Blocks of output rows of one image, or of whole images when several fit (small images:
  // one GEMM big enough to split over the pool, one parallel col2im).
  const int64_t row_bytes = std::max<int64_t>(1, g.ow * kdim * static_cast<int64_t>(sizeof(T)));
  const int64_t block_rows = std::max<int64_t>(1, std::min<int64_t>(g.oh, kColBytes / row_bytes));
  const int64_t imgs = block_rows == g.oh ? std::max<int64_t>(1, std::min<int64_t>(g.n, kColBytes / (row_bytes * std::max<int64_t>(1, g.oh)))) : 1;
  auto col = Buffer::allocate(static_cast<size_t>(imgs * block_rows * g.ow * kdim) * sizeof(T));
  if (!col) return make_error(kResourceExhausted, "Conv2DBackpropInput: out of memory for the col2im buffer");
  T* cp = static_cast<T*>(col->data);
  for (int64_t b = 0; b < g.n; b += imgs) {
    const int64_t nb = std::min(imgs, g.n - b);
    T* img = dx + b * g.h * g.w * g.cin;
    for (int64_t oy0 = 0; oy0 < g.oh; oy0 += block_rows) {
      if (ctx.run.should_stop()) return ctx.run.stop_status();
      const int64_t oy1 = std::min(g.oh, oy0 + block_rows);
      TL_RETURN_IF_ERROR(gemm(ctx, nb * (oy1 - oy0) * g.ow, kdim, g.cout, dy + (b * g.oh + oy0) * g.ow * g.cout, fp, cp));
      col2im(ctx, g, cp, oy0, oy1, img, nb);
      if (ctx.run.interrupted) return ctx.run.stop_status();
    }
  }
  return Status::OK();
}

// f32, stride 1, few channels: the input gradient is the convolution of out_backprop with the
// filter flipped in space and transposed in channels ([kh, kw, cout, cin]), padded by
// (k - 1) * dilation - pad before (conv_small.h's loop: dx[iy] = sum over ky of
// dy[iy + pad - ky * dh] f[ky]).
bool use_backprop_input_small(const ConvGeom& g) {
  return g.sh == 1 && g.sw == 1 && g.cin <= 16 && g.cout <= 16 && g.kh * g.kw > 1 && g.pad_t <= (g.kh - 1) * g.dh &&
         g.pad_l <= (g.kw - 1) * g.dw;
}

Status backprop_input_small(KernelContext& ctx, const ConvGeom& g, ConvRowsFn rows, const float* dy, const float* f, float* dx) {
  auto ft = Buffer::allocate(sizeof(float) * static_cast<size_t>(g.kh * g.kw * g.cin * g.cout));
  if (!ft) return make_error(kResourceExhausted, "Conv2DBackpropInput: out of memory for the transposed filter");
  float* fp = static_cast<float*>(ft->data);
  for (int64_t ky = 0; ky < g.kh; ++ky)
    for (int64_t kx = 0; kx < g.kw; ++kx)
      for (int64_t ci = 0; ci < g.cin; ++ci)
        for (int64_t co = 0; co < g.cout; ++co)
          fp[(((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * g.cout + co) * g.cin + ci] = f[((ky * g.kw + kx) * g.cin + ci) * g.cout + co];
  const ConvSmallArgs a{dy, fp, dx, g.n, g.oh, g.ow, g.cout, g.cin, g.kh, g.kw, 1, 1, g.dh, g.dw, g.h, g.w,
                        (g.kh - 1) * g.dh - g.pad_t, (g.kw - 1) * g.dw - g.pad_l, nullptr, 0};
  parallel_rows(ctx, g.n * g.h, g.w * g.kh * g.kw * g.cin * g.cout, [&](int64_t r0, int64_t r1) { rows(a, r0, r1); });
  return ctx.run.interrupted || ctx.run.should_stop() ? ctx.run.stop_status() : Status::OK();
}

// Integer Conv2DBackpropInput: each input pixel gathers directly from the outputs it feeds.
template <class T>
void backprop_input_direct(KernelContext& ctx, const ConvGeom& g, const T* dy, const T* f, T* dx) {
  parallel_rows(ctx, g.n * g.h, g.w * g.kh * g.kw * g.cin * g.cout + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.h, iy = r % g.h;
      for (int64_t ix = 0; ix < g.w; ++ix) {
        T* out = dx + (r * g.w + ix) * g.cin;
        taps(iy, g.kh, g.pad_t, g.sh, g.dh, 0, g.oh, [&](int64_t ky, int64_t oy) {
          taps(ix, g.kw, g.pad_l, g.sw, g.dw, 0, g.ow, [&](int64_t kx, int64_t ox) {
            const T* grad = dy + ((b * g.oh + oy) * g.ow + ox) * g.cout;
            const T* fk = f + (ky * g.kw + kx) * g.cin * g.cout;
            for (int64_t ci = 0; ci < g.cin; ++ci) {
              T acc = 0;
              for (int64_t co = 0; co < g.cout; ++co) acc = wadd(acc, wmul(grad[co], fk[ci * g.cout + co]));
              out[ci] = wadd(out[ci], acc);
            }
          });
        });
      }
    }
  });
}

// TF's Conv2DBackpropComputeInputShape: input_sizes holds 4 dims, or 2 (height, width).
Status backprop_input_shape(KernelContext& ctx, const Tensor& sizes, const Tensor& f, const Tensor& dy, Shape* shape) {
  if (sizes.shape.size() != 1)
    return ctx.invalid("Conv2DBackpropInput: input_sizes input must be 1-dim, not " + std::to_string(sizes.shape.size()));
  const int32_t* v = sizes.data<int32_t>();
  if (sizes.shape[0] == 4) shape->assign(v, v + 4);
  else if (sizes.shape[0] == 2) *shape = {dy.shape[0], v[0], v[1], f.shape[2]};
  else
    return ctx.invalid("Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: " +
                       std::to_string(sizes.shape[0]));
  for (int64_t d : *shape)
    if (d < 0) return ctx.invalid("Dimension " + std::to_string(d) + " must be >= 0");
  return Status::OK();
}

}  // namespace

Status kernel_conv2d(KernelContext& ctx) {
  // Attrs: T, strides, use_cudnn_on_gpu, padding, explicit_paddings, data_format, dilations.
  ConvAttrs a;
  TL_RETURN_IF_ERROR(conv_attrs(ctx, 1, 3, 4, 5, 6,
                                "The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given the format: " +
                                    ctx.attr(5).s, &a));
  const Tensor& x = ctx.input(0);
  const Tensor& f = ctx.input(1);
  if (x.shape.size() != 4) return ctx.invalid("input must be 4-dimensional" + shape_str(x.shape));
  if (f.shape.size() != 4) return ctx.invalid("filter must be 4-dimensional: " + shape_str(f.shape));
  ConvGeom g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], f.shape[0], f.shape[1], f.shape[3], a.sh, a.sw, a.dh, a.dw, 0, 0, 0, 0};
  if (f.shape[2] == 0 || g.cin % f.shape[2] != 0)
    return ctx.invalid("input depth must be evenly divisible by filter depth: " + std::to_string(g.cin) + " vs " + std::to_string(f.shape[2]));
  if (f.shape[2] != g.cin)
    return make_error(kUnimplemented, "The Conv2D op currently does not support grouped convolutions on the CPU. A grouped convolution was "
                                      "attempted to be run because the input depth of " + std::to_string(g.cin) +
                                      " does not match the filter input depth of " + std::to_string(f.shape[2]));
  TL_RETURN_IF_ERROR(conv_windows(ctx, a, &g));
  Tensor* out;
  if (ctx.fusion) TL_RETURN_IF_ERROR(check_fused_bias(ctx, g.cout));
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {g.n, g.oh, g.ow, g.cout}, &out));
  if (out->num_elements() == 0) return Status::OK();
  if (g.kh * g.kw * g.cin == 0) {  // no taps: zeros (then a fused step's bias and activation)
    std::memset(out->raw(), 0, out->bytes());
    const int64_t rows = g.n * g.oh * g.ow;
    if (ctx.fusion && x.dtype == DType::f32) fused_epilogue(*ctx.fusion, out->data<float>(), rows, g.cout, g.cout, ctx.input(ctx.fusion->bias_input).data<float>());
    if (ctx.fusion && x.dtype == DType::f64) fused_epilogue(*ctx.fusion, out->data<double>(), rows, g.cout, g.cout, ctx.input(ctx.fusion->bias_input).data<double>());
    return Status::OK();
  }
  switch (x.dtype) {
    case DType::f32:
      if (ConvRowsFn rows = use_conv_small(g) ? conv_rows_f32_fn(g.cout) : nullptr)
        return conv_small(ctx, g, rows, x.data<float>(), f.data<float>(), out->data<float>());
      if (use_winograd(g)) return conv_winograd(ctx, g, x.data<float>(), f.data<float>(), out->data<float>());
      if (use_packed(g, packed_micro(g).nr)) return conv_packed(ctx, g, x.data<float>(), f.data<float>(), out->data<float>());
      if (use_conv_images(g, sizeof(float))) return conv_gemm_images<float>(ctx, g, x.data<float>(), f.data<float>(), out->data<float>());
      return conv_gemm<float>(ctx, g, x.data<float>(), f.data<float>(), out->data<float>());
    case DType::f64:
      if (use_conv_images(g, sizeof(double))) return conv_gemm_images<double>(ctx, g, x.data<double>(), f.data<double>(), out->data<double>());
      return conv_gemm<double>(ctx, g, x.data<double>(), f.data<double>(), out->data<double>());
    case DType::i32: conv_direct<int32_t>(ctx, g, x.data<int32_t>(), f.data<int32_t>(), out->data<int32_t>()); return Status::OK();
    default: return ctx.invalid(std::string("Conv2D not supported for dtype ") + dtype_tf_name(x.dtype));
  }
}

Status kernel_conv2d_backprop_input(KernelContext& ctx) {
  // Attrs as Conv2D's: T, strides, use_cudnn_on_gpu, padding, explicit_paddings, data_format, dilations.
  ConvAttrs a;
  TL_RETURN_IF_ERROR(conv_attrs(ctx, 1, 3, 4, 5, 6, "Conv2DCustomBackpropInputOp only supports NHWC.", &a));
  const Tensor& f = ctx.input(1);
  const Tensor& dy = ctx.input(2);
  const std::string label = "Conv2DCustomBackpropInput: ";
  if (f.shape.size() != 4) return ctx.invalid(label + "filter must be 4-dimensional");
  if (dy.shape.size() != 4) return ctx.invalid(label + "out_backprop must be 4-dimensional");
  Shape in_shape;
  TL_RETURN_IF_ERROR(backprop_input_shape(ctx, ctx.input(0), f, dy, &in_shape));
  if (in_shape[0] != dy.shape[0])
    return ctx.invalid(label + "input and out_backprop must have the same batch size. Input batch: " + std::to_string(in_shape[0]) +
                       ", outbackprop batch: " + std::to_string(dy.shape[0]) + ", batch_dim: 0");
  if (f.shape[2] <= 0) return ctx.invalid(label + "filter depth must be strictly greated than zero");
  if (in_shape[3] % f.shape[2] != 0) return ctx.invalid(label + "input depth must be evenly divisible by filter depth");
  if (f.shape[3] != dy.shape[3]) return ctx.invalid(label + "filter and out_backprop must have the same out_depth");
  ConvGeom g{in_shape[0], in_shape[1], in_shape[2], in_shape[3], f.shape[0], f.shape[1], f.shape[3], a.sh, a.sw, a.dh, a.dw, 0, 0, 0, 0};
  TL_RETURN_IF_ERROR(conv_windows(ctx, a, &g));
  const int64_t given[2] = {dy.shape[1], dy.shape[2]}, computed[2] = {g.oh, g.ow}, input[2] = {g.h, g.w}, filter[2] = {g.kh, g.kw},
                stride[2] = {g.sh, g.sw}, dilation[2] = {g.dh, g.dw};
  for (int i = 0; i < 2; ++i)
    if (given[i] != computed[i])
      return ctx.invalid(label + "Size of out_backprop doesn't match computed: actual = " + std::to_string(given[i]) +
                         ", computed = " + std::to_string(computed[i]) + " spatial_dim: " + std::to_string(i + 1) +
                         " input: " + std::to_string(input[i]) + " filter: " + std::to_string(filter[i]) +
                         " output: " + std::to_string(given[i]) + " stride: " + std::to_string(stride[i]) +
                         " dilation: " + std::to_string(dilation[i]));
  if (g.cin != f.shape[2])
    return ctx.invalid("Gradients for grouped convolutions are not supported on CPU. Please file a feature request if you run into this "
                       "issue. Computed input depth " + std::to_string(g.cin) + " doesn't match filter input depth " +
                       std::to_string(f.shape[2]));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in_shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  std::memset(out->raw(), 0, out->bytes());
  if (g.cout == 0 || dy.num_elements() == 0 || g.kh * g.kw == 0) return Status::OK();
  switch (f.dtype) {
    case DType::f32:
      if (ConvRowsFn rows = use_backprop_input_small(g) ? conv_rows_f32_fn(g.cin) : nullptr)
        return backprop_input_small(ctx, g, rows, dy.data<float>(), f.data<float>(), out->data<float>());
      return backprop_input_gemm<float>(ctx, g, dy.data<float>(), f.data<float>(), out->data<float>());
    case DType::f64: return backprop_input_gemm<double>(ctx, g, dy.data<double>(), f.data<double>(), out->data<double>());
    case DType::i32:
      backprop_input_direct<int32_t>(ctx, g, dy.data<int32_t>(), f.data<int32_t>(), out->data<int32_t>());
      return Status::OK();
    default: return ctx.invalid(std::string("Conv2DBackpropInput not supported for dtype ") + dtype_tf_name(f.dtype));
  }
}

}  // namespace tl
