// Seeded random ops with TF's CPU values (core/kernels/random_op.cc, random_op_cpu.h,
// random_shuffle_op.cc, multinomial_op.cc; TF1-INTERNALS.md §8): RandomUniform,
// RandomStandardNormal, TruncatedNormal, RandomUniformInt, RandomShuffle, Multinomial.
//
// Each node keeps one Philox generator per session (native/resource.h node_state), seeded from
// its seed/seed2 attrs (both 0: random seeds). A run reserves a stretch of the stream as TF's
// GuardedPhiloxRandom does (copy the generator, advance the kept one: N*256 calls for N outputs),
// so the second run continues where TF's second run does and a new session starts over.
//
// Outputs are made in groups, one Philox call per group (4 float / int32 values, 2 double /
// int64), so a chunk starting at group g skips g calls and the values never depend on how the
// work is split; truncated normal, which takes a variable number of words, gives group g its
// own stretch of 256 calls (TF's FillPhiloxRandomTask<..., true>).
#include <algorithm>
#include <cctype>
#include <mutex>
#include <numeric>
#include <random>
#include <vector>

#include "array_util.h"
#include "kernel.h"
#include "philox.h"
#include "resource.h"

namespace tl {
namespace {

constexpr int64_t kGrainGroups = 2048;  // output groups per parallel chunk

// A node's generator: its state survives between runs of one session (TF's GuardedPhiloxRandom).
struct NodeGenerator {
  std::mutex mu;
  Philox gen;
};

// The generator stretch for this run: `calls` Philox calls from where the last run stopped.
Status reserve(KernelContext& ctx, uint64_t calls, Philox* out) {
  std::shared_ptr<void> state;
  TL_RETURN_IF_ERROR(ctx.resources->node_state(ctx.node.name, [&ctx]() -> std::shared_ptr<void> {
    auto g = std::make_shared<NodeGenerator>();
    uint64_t seed = static_cast<uint64_t>(ctx.attr(0).i), seed2 = static_cast<uint64_t>(ctx.attr(1).i);
    if (seed == 0 && seed2 == 0) {  // TF: both unset means fresh random seeds (random::New64)
      std::random_device rd;
      std::mt19937_64 mix((uint64_t{rd()} << 32) ^ rd());
      seed = mix();
      seed2 = mix();
    }
    g->gen = Philox(seed, seed2);
    return g;
  }, &state));
  auto* g = static_cast<NodeGenerator*>(state.get());
  std::lock_guard<std::mutex> l(g->mu);
  *out = g->gen;
  g->gen.skip(calls);
  return Status::OK();
}

// TF's ReserveRandomOutputs(n, 256).
Status reserve_outputs(KernelContext& ctx, int64_t n, Philox* out) {
  int64_t calls;
  if (mul_overflow(n, 256, &calls)) return ctx.invalid("Too many random outputs: " + std::to_string(n));
  return reserve(ctx, static_cast<uint64_t>(calls), out);
}

// The output shape from input 0 (TF's MakeShape for the random ops).
Status output_shape(KernelContext& ctx, Shape* shape) {
  const Tensor& t = ctx.input(0);
  if (t.shape.size() != 1)
    return ctx.invalid("shape must be a vector of {int32,int64}, got shape " + shape_str(t.shape));
  return shape_from_tensor(ctx, t, shape);
}

// Fills n values, kGroup per Philox call, with dist(block, values) (TF's FillPhiloxRandomTask
// for fixed-cost distributions), chunks of groups in parallel.
template <class T, int kGroup, class Dist>
void fill_fixed(KernelContext& ctx, const Philox& base, T* out, int64_t n, const Dist& dist) {
  const int64_t groups = (n + kGroup - 1) / kGroup;
  ctx.run.parallel_for(groups, kGrainGroups, [&](int64_t g0, int64_t g1) {
    Philox gen = base;
    gen.skip(static_cast<uint64_t>(g0));
    T v[kGroup];
    for (int64_t g = g0; g < g1; ++g) {
      dist(gen(), v);
      const int64_t at = g * kGroup;
      std::copy(v, v + std::min<int64_t>(kGroup, n - at), out + at);
    }
  });
}

// Truncated normal: group g (4 floats, 2 doubles) starts at call g * kGroup * 64 and takes
// Box-Muller pairs word by word, keeping values with |x| < 2 until the group is full.
template <class T>
void fill_truncated(KernelContext& ctx, const Philox& base, T* out, int64_t n) {
  constexpr int kGroup = std::is_same<T, float>::value ? 4 : 2;
  constexpr uint64_t kSkipPerGroup = kGroup * 256 / 4;
  const int64_t groups = (n + kGroup - 1) / kGroup;
  ctx.run.parallel_for(groups, kGrainGroups / 8, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      Philox gen = base;
      gen.skip(static_cast<uint64_t>(g) * kSkipPerGroup);
      PhiloxWords words(&gen);
      T v[kGroup];
      int have = 0;
      while (have < kGroup) {
        T pair[2];
        if constexpr (std::is_same<T, float>::value) {
          const uint32_t x0 = words(), x1 = words();
          box_muller_float(x0, x1, &pair[0], &pair[1]);
        } else {
          const uint32_t x0 = words(), x1 = words(), x2 = words(), x3 = words();
          box_muller_double(x0, x1, x2, x3, &pair[0], &pair[1]);
        }
        for (int k = 0; k < 2 && have < kGroup; ++k)
          if (std::abs(pair[k]) < T(2)) v[have++] = pair[k];
      }
      const int64_t at = g * kGroup;
      std::copy(v, v + std::min<int64_t>(kGroup, n - at), out + at);
    }
  });
}

void uniform_float(const Philox::Block& b, float* v) { for (int i = 0; i < 4; ++i) v[i] = uint32_to_float(b[i]); }
void uniform_double(const Philox::Block& b, double* v) { for (int i = 0; i < 2; ++i) v[i] = uint64_to_double(b[2 * i], b[2 * i + 1]); }
void normal_float(const Philox::Block& b, float* v) { box_muller_float(b[0], b[1], &v[0], &v[1]); box_muller_float(b[2], b[3], &v[2], &v[3]); }
void normal_double(const Philox::Block& b, double* v) { box_muller_double(b[0], b[1], b[2], b[3], &v[0], &v[1]); }

// RandomUniform / RandomStandardNormal / TruncatedNormal (TF's PhiloxRandomOp).
Status random_float(KernelContext& ctx) {
  Shape shape;
  TL_RETURN_IF_ERROR(output_shape(ctx, &shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const int64_t n = out->num_elements();
  const bool f32 = out->dtype == DType::f32;
  if (!f32 && out->dtype != DType::f64) return ctx.invalid(std::string("Unsupported dtype ") + dtype_tf_name(out->dtype));
  Philox gen;
  TL_RETURN_IF_ERROR(reserve_outputs(ctx, n, &gen));
  switch (ctx.node.op) {
    case OpId::RandomUniform:
      if (f32) fill_fixed<float, 4>(ctx, gen, out->data<float>(), n, uniform_float);
      else fill_fixed<double, 2>(ctx, gen, out->data<double>(), n, uniform_double);
      break;
    case OpId::RandomStandardNormal:
      if (f32) fill_fixed<float, 4>(ctx, gen, out->data<float>(), n, normal_float);
      else fill_fixed<double, 2>(ctx, gen, out->data<double>(), n, normal_double);
      break;
    default:
      if (f32) fill_truncated(ctx, gen, out->data<float>(), n);
      else fill_truncated(ctx, gen, out->data<double>(), n);
  }
  return Status::OK();
}

// lo + (word % (hi - lo)) with the range taken unsigned (TF's UniformDistribution<int>: no
// rejection, so a slight bias for large ranges).
template <class T>
void fill_int(KernelContext& ctx, const Philox& gen, T* out, int64_t n, T lo, T hi) {
  using U = typename std::make_unsigned<T>::type;
  const U range = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
  const auto add = [lo](U r) { return static_cast<T>(static_cast<U>(lo) + r); };  // TF's SignedAdd, without overflow UB
  if constexpr (sizeof(T) == 4)
    fill_fixed<T, 4>(ctx, gen, out, n, [&](const Philox::Block& b, T* v) { for (int i = 0; i < 4; ++i) v[i] = add(b[i] % range); });
  else
    fill_fixed<T, 2>(ctx, gen, out, n, [&](const Philox::Block& b, T* v) {
      for (int i = 0; i < 2; ++i) v[i] = add(((static_cast<U>(b[2 * i + 1]) << 32) | b[2 * i]) % range);
    });
}

// RandomUniformInt(shape, minval, maxval) (TF's RandomUniformIntOp).
Status random_uniform_int(KernelContext& ctx) {
  const Tensor &minval = ctx.input(1), &maxval = ctx.input(2);
  if (!minval.shape.empty()) return ctx.invalid("minval must be 0-D, got shape " + shape_str(minval.shape));
  if (!maxval.shape.empty()) return ctx.invalid("maxval must be 0-D, got shape " + shape_str(maxval.shape));
  Shape shape;
  TL_RETURN_IF_ERROR(output_shape(ctx, &shape));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, shape, &out));
  const int64_t n = out->num_elements();
  if (n == 0) return Status::OK();  // TF checks the range only for a non-empty output
  const int64_t lo = int_at(minval, 0), hi = int_at(maxval, 0);
  if (lo >= hi) return ctx.invalid("Need minval < maxval, got " + std::to_string(lo) + " >= " + std::to_string(hi));
  Philox gen;
  TL_RETURN_IF_ERROR(reserve_outputs(ctx, n, &gen));
  if (out->dtype == DType::i32) fill_int<int32_t>(ctx, gen, out->data<int32_t>(), n, static_cast<int32_t>(lo), static_cast<int32_t>(hi));
  else fill_int<int64_t>(ctx, gen, out->data<int64_t>(), n, lo, hi);
  return Status::OK();
}

// RandomShuffle: Fisher-Yates over dim 0 with size - 1 words, swapping i with i + word % (size - i)
// (TF's ShuffleRange), applied to row indices; rows are then gathered. A value with at most one
// element or one row passes through and draws nothing.
Status random_shuffle(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  if (in.num_elements() <= 1 || in.shape[0] <= 1) {
    ctx.alias_output(0, in, in.shape);
    return Status::OK();
  }
  const int64_t size = in.shape[0];
  Philox gen;
  TL_RETURN_IF_ERROR(reserve(ctx, static_cast<uint64_t>((size - 1 + 3) / 4), &gen));  // TF's ReserveSamples32
  PhiloxWords words(&gen);
  std::vector<int64_t> perm(static_cast<size_t>(size));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  for (int64_t i = 0; i + 1 < size; ++i) std::swap(perm[i], perm[i + words() % static_cast<uint32_t>(size - i)]);
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, in.shape, &out));
  const size_t row = in.bytes() / static_cast<size_t>(size);
  const char* src = static_cast<const char*>(in.raw());
  char* dst = static_cast<char*>(out->raw());
  ctx.run.parallel_for(size, std::max<int64_t>(1, (1 << 16) / static_cast<int64_t>(row)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(dst + i * row, src + perm[i] * row, row);
  });
  return Status::OK();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// One row of Multinomial: the unnormalized CDF of exp(logit - max) over the finite logits, then
// per sample the first class whose CDF exceeds u * total, u a double from 2 words.
template <class T, class Out>
void multinomial_row(const T* logits, int64_t classes, int64_t samples, PhiloxWords& words, std::vector<double>& cdf, Out* out) {
  T max = std::numeric_limits<T>::lowest();
  for (int64_t j = 0; j < classes; ++j)
    if (std::isfinite(logits[j])) max = std::max(max, logits[j]);
  double total = 0;
  for (int64_t j = 0; j < classes; ++j) {
    if (std::isfinite(logits[j])) total += std::exp(static_cast<double>(logits[j]) - static_cast<double>(max));
    cdf[j] = total;
  }
  for (int64_t s = 0; s < samples; ++s) {
    const uint32_t x0 = words(), x1 = words();
    const double target = uint64_to_double(x0, x1) * total;
    out[s] = static_cast<Out>(std::upper_bound(cdf.begin(), cdf.end(), target) - cdf.begin());
  }
}

// Multinomial(logits [batch, classes], num_samples): TF's CPU kernel as it runs in one shard:
// one word stream through all rows, row b starting at word 2 * num_samples * b. (TF splits large
// batches over its own threads, each shard restarting at a rounded offset, so for large inputs
// its values depend on TF's thread count; ours never do.)
Status multinomial(KernelContext& ctx) {
  const Tensor &logits = ctx.input(0), &ns = ctx.input(1);
  if (logits.dtype != DType::f32 && logits.dtype != DType::f64)  // TF has CPU kernels for half, bfloat16, float, double
    return ctx.invalid("No OpKernel was registered to support Op 'Multinomial' used by {{node " + ctx.node.name +
                       "}} with these attrs: [T=DT_" + upper(dtype_tf_name(logits.dtype)) + "]");
  if (logits.shape.size() != 2) return ctx.invalid("logits should be a matrix, got shape " + shape_str(logits.shape));
  if (!ns.shape.empty()) return ctx.invalid("num_samples should be a scalar, got shape " + shape_str(ns.shape));
  const int64_t samples = *ns.data<int32_t>();
  if (samples < 0) return ctx.invalid("num_samples should be non-negative, got " + std::to_string(samples));
  const int64_t batch = logits.shape[0], classes = logits.shape[1];
  if (batch > INT32_MAX) return ctx.invalid("batch_size cannot exceed max int");
  if (classes > INT32_MAX) return ctx.invalid("num_classes cannot exceed max int");
  if (classes <= 0) return ctx.invalid("num_classes should be positive, got " + std::to_string(classes));
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {batch, samples}, &out));
  if (out->num_elements() == 0) return Status::OK();
  Philox base;
  TL_RETURN_IF_ERROR(reserve_outputs(ctx, batch * ((samples + 3) / 4 * 4) * 2, &base));
  const auto run = [&](auto logit_tag, auto out_tag) {
    using T = decltype(logit_tag);
    using O = decltype(out_tag);
    const T* l = logits.data<T>();
    O* o = out->data<O>();
    ctx.run.parallel_for(batch, std::max<int64_t>(1, 16384 / (samples + classes)), [&](int64_t b0, int64_t b1) {
      Philox gen = base;
      PhiloxWords words(&gen);
      words.skip(static_cast<uint64_t>(b0) * static_cast<uint64_t>(samples) * 2);
      std::vector<double> cdf(static_cast<size_t>(classes));
      for (int64_t b = b0; b < b1; ++b) multinomial_row(l + b * classes, classes, samples, words, cdf, o + b * samples);
    });
  };
  const bool f32 = logits.dtype == DType::f32, i32 = out->dtype == DType::i32;
  if (f32 && i32) run(float{}, int32_t{});
  else if (f32) run(float{}, int64_t{});
  else if (i32) run(double{}, int32_t{});
  else run(double{}, int64_t{});
  return Status::OK();
}

}  // namespace

Status kernel_random(KernelContext& ctx) {
  switch (ctx.node.op) {
    case OpId::RandomUniform: case OpId::RandomStandardNormal: case OpId::TruncatedNormal: return random_float(ctx);
    case OpId::RandomUniformInt: return random_uniform_int(ctx);
    case OpId::RandomShuffle: return random_shuffle(ctx);
    case OpId::Multinomial: return multinomial(ctx);
    default: return make_error(kInternal, std::string("kernel_random has no kernel for ") + ctx.node.type_name);
  }
}

}  // namespace tl
