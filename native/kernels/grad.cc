// Gradient helper kernels (lib/ops/defs/grad.ts): the activation/cwise backprops (family
// activation_grad: two same-shape inputs, one elementwise formula per op, as TF's
// cwise_ops_gradients.h and relu_op_functor.h), BiasAddGrad, BroadcastGradientArgs,
// InvertPermutation, ConcatOffset and UnsortedSegmentSum. Elementwise loops are branch-free
// selects over contiguous arrays (the compiler vectorizes them) and run in parallel chunks.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "elementwise.h"
#include "kernel.h"
#include "nn_util.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk
constexpr int64_t kRowSumMaxChannels = 4096;  // BiasAddGrad NHWC: per-block partial rows up to this width

// No assumed dependence between a loop's iterations (z[i] = f(a[i], b[i]) where z is a or b or
// apart from both: the vector loop is right, and without the hint the compiler's overlap check
// sends an output written over its input to the scalar loop).
#if defined(__clang__)
#define TL_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define TL_IVDEP _Pragma("GCC ivdep")
#else
#define TL_IVDEP
#endif

// z[i] = f(a[i], b[i]) over n elements, in parallel chunks.
template <class T, class F>
void cwise2(KernelContext& ctx, const T* a, const T* b, T* z, int64_t n, const F& f) {
  auto body = [&](int64_t s, int64_t e) {
    const F fn = f;  // a local copy: its captures can not alias z, so they stay in registers
    TL_IVDEP
    for (int64_t i = s; i < e; ++i) z[i] = fn(a[i], b[i]);
  };
  if (n <= kGrain) body(0, n); else ctx.run.parallel_for(n, kGrain, body);
}

// 1 or 0 as a T built from the comparison's bits: GCC turns T(c) for a float into a branch
// (g * 1 is g), and a loop with a branch does not vectorize.
template <class T>
inline T one_if(bool c) {
  if constexpr (std::is_same_v<T, float>) {
    const uint32_t bits = -static_cast<uint32_t>(c) & 0x3f800000u;
    float m;
    std::memcpy(&m, &bits, sizeof m);
    return m;
  } else if constexpr (std::is_same_v<T, double>) {
    const uint64_t bits = -static_cast<uint64_t>(c) & 0x3ff0000000000000ull;
    double m;
    std::memcpy(&m, &bits, sizeof m);
    return m;
  } else {
    return static_cast<T>(c);
  }
}

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluScaleAlpha = 1.7580993408473768599402175208123;

template <class T>
Status activation_grad_typed(KernelContext& ctx, const Tensor& a, const Tensor& b, Tensor* out) {
  const T* x0 = a.data<T>();
  const T* x1 = b.data<T>();
  T* z = out->data<T>();
  const int64_t n = out->num_elements();
  const T zero = T(0);
  switch (ctx.node.op) {
    // (gradients, features|outputs) -> backprops
    // As TF's functors, gradients * (mask).cast<T>(): an Inf or NaN gradient where the mask is 0
    // gives NaN, not 0 (and a product has no branch to mispredict on real activations).
    case OpId::ReluGrad: cwise2<T>(ctx, x0, x1, z, n, [=](T g, T f) { return T(g * one_if<T>(f > zero)); }); break;
    case OpId::Relu6Grad: cwise2<T>(ctx, x0, x1, z, n, [=](T g, T f) { return T(g * one_if<T>((f > zero) & (f < T(6)))); }); break;
    default:
      if constexpr (std::is_floating_point_v<T>) {
        switch (ctx.node.op) {
          case OpId::EluGrad: cwise2<T>(ctx, x0, x1, z, n, [](T g, T y) { return y < T(0) ? g * (y + T(1)) : g; }); break;
          case OpId::SeluGrad:
            cwise2<T>(ctx, x0, x1, z, n, [](T g, T y) { return y < T(0) ? g * (y + T(kSeluScaleAlpha)) : g * T(kSeluScale); });
            break;
          case OpId::LeakyReluGrad: {
            const T alpha = static_cast<T>(static_cast<float>(ctx.attr(0).f));
            cwise2<T>(ctx, x0, x1, z, n, [=](T g, T f) { return f > T(0) ? g : g * alpha; });
            break;
          }
          case OpId::SoftplusGrad: cwise2<T>(ctx, x0, x1, z, n, [](T g, T f) { return g / (std::exp(-f) + T(1)); }); break;
          case OpId::SoftsignGrad:
            cwise2<T>(ctx, x0, x1, z, n, [](T g, T f) { const T d = T(1) + std::abs(f); return g / (d * d); });
            break;
          // (y, dy) -> z, y being the forward op's output
          case OpId::SigmoidGrad: cwise2<T>(ctx, x0, x1, z, n, [](T y, T g) { return g * (y * (T(1) - y)); }); break;
          case OpId::TanhGrad: cwise2<T>(ctx, x0, x1, z, n, [](T y, T g) { return g * (T(1) - y * y); }); break;
          case OpId::SqrtGrad:
            cwise2<T>(ctx, x0, x1, z, n, [](T y, T g) { return g == T(0) ? T(0) : (T(0.5) * g) / y; });
            break;
          case OpId::RsqrtGrad:
            cwise2<T>(ctx, x0, x1, z, n, [](T y, T g) { return g == T(0) ? T(0) : T(-0.5) * (g * y) * (y * y); });
            break;
          case OpId::ReciprocalGrad: cwise2<T>(ctx, x0, x1, z, n, [](T y, T g) { return (-y * y) * g; }); break;
          default: return ctx.invalid(std::string("no activation_grad kernel for ") + ctx.node.type_name);
        }
      } else {
        return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(a.dtype));
      }
  }
  return Status::OK();
}

}  // namespace

Status kernel_activation_grad(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.shape != b.shape) {
    // TF: "Inputs to operation X of type Y must have the same size and shape."
    return ctx.invalid(std::string("Inputs to operation ") + ctx.node.name + " of type " + ctx.node.type_name +
                       " must have the same size and shape.  Input 0: " + shape_str(a.shape) + " != input 1: " + shape_str(b.shape));
  }
  // Every formula reads element i of both inputs before writing element i: the output may take
  // over an input that dies here (the incoming gradient usually does), as TF's
  // BinaryElementWiseOp forwards its input.
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.forward_or_allocate(ctx.last_use_inputs & 1 ? 0 : 1, 0, a.shape, &out));
  if (out->num_elements() == 0) return Status::OK();
  Status st = Status::OK();
  const bool ok = dispatch<float, double, int32_t, int64_t, uint8_t>(a.dtype, [&](auto t) {
    st = activation_grad_typed<decltype(t)>(ctx, a, b, out);
  });
  if (!ok) return ctx.invalid(std::string(ctx.node.type_name) + " not supported for dtype " + dtype_tf_name(a.dtype));
  return st;
}

// ---- BiasAddGrad: sum over every dim but the channel (last for NHWC, 1 for NCHW) --------------

Status kernel_bias_add_grad(KernelContext& ctx) {
  const Tensor& g = ctx.input(0);
  const std::string& format = ctx.attr(1).s;
  if (format != "NHWC" && format != "NCHW") return ctx.invalid("Invalid data format");
  if (g.shape.size() < 2) return ctx.invalid("Input tensor must be at least 2D: " + shape_str(g.shape));
  const size_t ch = format == "NCHW" ? 1 : g.shape.size() - 1;
  const int64_t c = g.shape[ch];
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ch; ++i) outer *= g.shape[i];
  for (size_t i = ch + 1; i < g.shape.size(); ++i) inner *= g.shape[i];
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, Shape{c}, &out));
  const bool ok = dispatch<float, double, int32_t, int64_t, uint8_t>(g.dtype, [&](auto t) {
    using T = decltype(t);
    const T* x = g.data<T>();
    T* y = out->data<T>();
    // Parallel over channel blocks; each channel accumulates in double for floats (as TF's
    // float accumulator), wrapping for integers.
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
    auto add = [](Acc s, Acc v) -> Acc { if constexpr (std::is_floating_point_v<T>) return s + v; else return wadd<T>(s, v); };
    if (inner == 1 && c > 0 && outer > 0 && c <= kRowSumMaxChannels) {
      // NHWC: rows of c contiguous channels. Fixed blocks of rows, each summed into its own
      // partial row, then the partials added in block order (the same sums for any thread count).
      const int64_t per = std::max<int64_t>(1, kGrain / c), blocks = (outer + per - 1) / per;
      std::vector<Acc> part(static_cast<size_t>(blocks * c), Acc(0));
      auto body = [&](int64_t b0, int64_t b1) {
        for (int64_t blk = b0; blk < b1; ++blk) {
          Acc* p = part.data() + blk * c;
          const int64_t o0 = blk * per, o1 = std::min(outer, (blk + 1) * per);
          // Blocks of 8 channels with the sums in registers (a sum kept in memory would wait
          // on its own store every row: narrow rows, as a small CNN's 8 channels, ran 3x slower).
          int64_t k0 = 0;
          for (; k0 + 8 <= c; k0 += 8) {
            Acc s[8] = {};
            for (int64_t o = o0; o < o1; ++o) {
              const T* row = x + o * c + k0;
              for (int j = 0; j < 8; ++j) s[j] = add(s[j], static_cast<Acc>(row[j]));
            }
            for (int j = 0; j < 8; ++j) p[k0 + j] = s[j];
          }
          for (int64_t o = o0; o < o1; ++o) {
            const T* row = x + o * c;
            for (int64_t k = k0; k < c; ++k) p[k] = add(p[k], static_cast<Acc>(row[k]));
          }
        }
      };
      if (blocks == 1) body(0, 1); else ctx.run.parallel_for(blocks, 1, body);
      for (int64_t blk = 1; blk < blocks; ++blk)
        for (int64_t k = 0; k < c; ++k) part[k] = add(part[k], part[blk * c + k]);
      for (int64_t k = 0; k < c; ++k) y[k] = static_cast<T>(part[k]);
      return;
    }
    parallel_rows(ctx, c, outer * inner, [&](int64_t c0, int64_t c1) {
      std::vector<Acc> acc(static_cast<size_t>(c1 - c0), Acc(0));
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = c0; k < c1; ++k) {
          const T* row = x + (o * c + k) * inner;
          Acc s = acc[k - c0];
          if constexpr (std::is_floating_point_v<T>) { for (int64_t i = 0; i < inner; ++i) s += row[i]; }
          else { for (int64_t i = 0; i < inner; ++i) s = wadd<T>(s, row[i]); }
          acc[k - c0] = s;
        }
      for (int64_t k = c0; k < c1; ++k) y[k] = static_cast<T>(acc[k - c0]);
    });
  });
  return ok ? Status::OK() : ctx.invalid(std::string("BiasAddGrad not supported for dtype ") + dtype_tf_name(g.dtype));
}

// ---- integer helpers ---------------------------------------------------------------------------

namespace {

std::vector<int64_t> read_ints(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.num_elements()));
  if (t.dtype == DType::i64) { const int64_t* d = t.data<int64_t>(); for (size_t i = 0; i < v.size(); ++i) v[i] = d[i]; }
  else { const int32_t* d = t.data<int32_t>(); for (size_t i = 0; i < v.size(); ++i) v[i] = d[i]; }
  return v;
}

Status write_ints(KernelContext& ctx, int i, const std::vector<int64_t>& v) {
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(i, Shape{static_cast<int64_t>(v.size())}, &out));
  if (out->dtype == DType::i64) { int64_t* d = out->data<int64_t>(); for (size_t k = 0; k < v.size(); ++k) d[k] = v[k]; }
  else { int32_t* d = out->data<int32_t>(); for (size_t k = 0; k < v.size(); ++k) d[k] = static_cast<int32_t>(v[k]); }
  return Status::OK();
}

std::string ints_str(const std::vector<int64_t>& v) { return "[" + join_ints(v, ",") + "]"; }

}  // namespace

// BroadcastGradientArgs(s0, s1) -> (r0, r1): the axes each input was broadcast along (TF's BCast
// reduction indices, in the broadcast shape's coordinates).
Status kernel_broadcast_gradient_args(KernelContext& ctx) {
  for (int i = 0; i < 2; ++i)
    if (ctx.input(i).shape.size() != 1) return ctx.invalid("In[" + std::to_string(i) + "] must be a vector." + shape_str(ctx.input(i).shape));
  const std::vector<int64_t> x = read_ints(ctx.input(0)), y = read_ints(ctx.input(1));
  std::vector<int64_t> rx, ry;
  if (x != y) {
    const size_t n = std::max(x.size(), y.size());
    for (size_t i = 0; i < n; ++i) {
      const int64_t xi = i + x.size() < n ? 1 : x[i + x.size() - n];
      const int64_t yi = i + y.size() < n ? 1 : y[i + y.size() - n];
      if (xi != yi && xi != 1 && yi != 1) return ctx.invalid("Incompatible shapes: " + ints_str(x) + " vs. " + ints_str(y));
      if (xi == 1) rx.push_back(static_cast<int64_t>(i));
      if (yi == 1) ry.push_back(static_cast<int64_t>(i));
    }
  }
  TL_RETURN_IF_ERROR(write_ints(ctx, 0, rx));
  return write_ints(ctx, 1, ry);
}

// InvertPermutation: y[x[i]] = i.
Status kernel_invert_permutation(KernelContext& ctx) {
  const Tensor& t = ctx.input(0);
  if (t.shape.size() != 1) return ctx.invalid("invert_permutation expects a 1D vector.");
  const std::vector<int64_t> x = read_ints(t);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<int64_t> y(x.size(), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = x[i];
    if (d < 0 || d >= n) return ctx.invalid(std::to_string(d) + " is not between 0 and " + std::to_string(n));
    if (y[d] != -1) return ctx.invalid(std::to_string(d) + " is duplicated in the input.");
    y[d] = i;
  }
  return write_ints(ctx, 0, y);
}

// ConcatOffset(concat_dim, shape_0..shape_{N-1}): where each input starts in the concatenation.
Status kernel_concat_offset(KernelContext& ctx) {
  const Tensor& cd = ctx.input(0);
  if (!cd.shape.empty()) return ctx.invalid("Concat dim tensor should be a scalar integer, but got shape " + shape_str(cd.shape));
  const int n = ctx.num_inputs() - 1;
  const Tensor& s0 = ctx.input(1);
  if (s0.shape.size() != 1) return ctx.invalid("input 0 should be a vector, got shape " + shape_str(s0.shape));
  const std::vector<int64_t> first = read_ints(s0);
  const int64_t dims = static_cast<int64_t>(first.size());
  int64_t axis = cd.data<int32_t>()[0];
  if (axis < -dims || axis >= dims) return ctx.invalid("Concat dim is out of range: " + std::to_string(axis) + " vs. " + std::to_string(dims));
  if (axis < 0) axis += dims;
  int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor& si = ctx.input(i + 1);
    if (si.shape.size() != 1 || si.shape[0] != dims)
      return ctx.invalid("input " + std::to_string(i) + " should contain " + std::to_string(dims) + " elements, but got " +
                         std::to_string(si.num_elements()));
    const std::vector<int64_t> s = read_ints(si);
    std::vector<int64_t> off(static_cast<size_t>(dims), 0);
    for (int64_t j = 0; j < dims; ++j) {
      if (j == axis) off[j] = offset;
      else if (s[j] != first[j])
        return ctx.invalid("All dimensions except " + std::to_string(axis) + " must match. Input " + std::to_string(i) + " has shape " +
                           ints_str(s) + " and doesn't match input 0 with shape " + ints_str(first) + ".");
    }
    offset += s[axis];
    TL_RETURN_IF_ERROR(write_ints(ctx, i, off));
  }
  return Status::OK();
}

// UnsortedSegmentSum(data, segment_ids, num_segments): out[ids[i], ...] += data[i, ...]; negative
// ids are dropped (as TF), ids >= num_segments are errors (checked before any write).
Status kernel_unsorted_segment_sum(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& ids = ctx.input(1);
  const Tensor& ns = ctx.input(2);
  if (!ns.shape.empty()) return ctx.invalid("num_segments should be a scalar, not shape " + shape_str(ns.shape));
  const int64_t num = ns.dtype == DType::i64 ? ns.data<int64_t>()[0] : ns.data<int32_t>()[0];
  if (num < 0) return ctx.invalid("Input num_segments == " + std::to_string(num) + " must not be negative.");
  bool prefix = ids.shape.size() <= data.shape.size();
  for (size_t i = 0; prefix && i < ids.shape.size(); ++i) prefix = ids.shape[i] == data.shape[i];
  if (!prefix) return ctx.invalid("data.shape = " + shape_str(data.shape) + " does not start with segment_ids.shape = " + shape_str(ids.shape));
  const std::vector<int64_t> seg = read_ints(ids);
  for (size_t i = 0; i < seg.size(); ++i)
    if (seg[i] >= num)
      return ctx.invalid("segment_ids[" + std::to_string(i) + "] = " + std::to_string(seg[i]) + " is out of range [0, " + std::to_string(num) + ")");
  Shape out_shape{num};
  int64_t inner = 1;
  for (size_t i = ids.shape.size(); i < data.shape.size(); ++i) { out_shape.push_back(data.shape[i]); inner *= data.shape[i]; }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, out_shape, &out));
  const bool ok = dispatch<float, double, int32_t, int64_t, uint8_t>(data.dtype, [&](auto t) {
    using T = decltype(t);
    T* y = out->data<T>();
    const int64_t total = out->num_elements();
    for (int64_t i = 0; i < total; ++i) y[i] = T(0);
    const T* x = data.data<T>();
    // Parallel over column blocks of the inner dims: each output element has one writer.
    parallel_rows(ctx, inner, static_cast<int64_t>(seg.size()), [&](int64_t c0, int64_t c1) {
      for (size_t r = 0; r < seg.size(); ++r) {
        if (seg[r] < 0) continue;
        T* dst = y + seg[r] * inner;
        const T* src = x + static_cast<int64_t>(r) * inner;
        for (int64_t k = c0; k < c1; ++k) dst[k] = wadd<T>(dst[k], src[k]);
      }
    });
  });
  return ok ? Status::OK() : ctx.invalid(std::string("UnsortedSegmentSum not supported for dtype ") + dtype_tf_name(data.dtype));
}

}  // namespace tl
