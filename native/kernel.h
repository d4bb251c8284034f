// What a kernel sees: its node, its input tensors, outputs to allocate, and the run control
// (intra-op thread pool, deadline/cancel flag, memory accounting). One function per op family.
#pragma once
#include <atomic>
#include <functional>
#include "core.h"
#include "graph.h"  // includes ops.gen.h

namespace tl {

class ThreadPool;
class ResourceMgr;
struct Var;

// Per-run state shared by all kernels of one run. Thread-safe where noted.
struct RunControl {
  ThreadPool* pool = nullptr;
  int64_t deadline_ns = 0;                   // steady-clock ns; 0 = none
  const std::atomic<bool>* cancel_flag = nullptr;  // set by Session::close
  // Set when parallel_for skipped chunks because the run had to stop: the kernel's output is
  // incomplete, so the executor must not use it.
  mutable std::atomic<bool> interrupted{false};
  // Memory accounting (only touched on the executor thread); pool hits/misses of the outputs'
  // allocations (alloc.h).
  int64_t bytes_live = 0, bytes_peak = 0, bytes_total = 0;
  int64_t pool_hits = 0, pool_misses = 0, forwarded = 0;
  // True once the run must stop (deadline or cancel). Cheap; kernels call it between blocks.
  bool should_stop() const;
  Status stop_status() const;
  // Splits [0, n) into chunks of at least `grain` items and runs fn(begin, end) on the pool
  // (the calling thread takes part). Blocks until all chunks are done. Once the run must stop
  // (deadline or cancel), remaining chunks are skipped and `interrupted` is set.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const;
  int num_threads() const;
};

// A plan-time fusion (Session::build_plan; TF's remapper): a MatMul, Conv2D or
// DepthwiseConv2dNative step whose output also gets BiasAdd's per-channel bias (input
// `bias_input`, channels = the last dim) and then, unless act is NoOp, an activation (Relu,
// Relu6, Elu, LeakyRelu with alpha, Sigmoid, Tanh) — TF's _FusedMatMul / _FusedConv2D. Kernels
// apply it to each block of output while it is in cache (fused_epilogue), with the same
// arithmetic as the separate BiasAdd and activation kernels, so results are identical.
//
// Or a chain of f32 elementwise ops (Session::fuse_elementwise): `chain` lists them in order.
// The head reads the step's inputs 0 (and 1 if binary) as its node does; each later link takes
// the value so far and, if binary, the step's input `other` (as operand b, or as operand a when
// value_first is false). The kernel (kernel_elementwise_chain) runs the whole chain on each
// cache-sized block of the output with the ops' own SIMD loops, so results are identical.
struct ChainLink {
  std::shared_ptr<const Node> node;  // the original node (its kernel runs when shapes don't fit)
  int other = -1;                    // binary links after the head: the step's input index
  bool value_first = true;
};
//
// A MatMul or BatchMatMulV2 (matrix y, no adjoints) step may also absorb a Reshape between it
// and the BiasAdd (Tensordot's MatMul -> Reshape -> BiasAdd): shape_input >= 0 is the step's
// input holding the Reshape's sizes, its output takes that shape, and the bias applies along
// the reshaped last dim; or, after such a Reshape, an Add of a constant shaped as the output's
// last dims (bias_trailing: Keras' EinsumDense bias, one value per column). act == Erfc stands
// for the exact GELU as Keras writes it, (gelu_a·x)·erfc((−x)·gelu_c) (a = ½, c = 1/√2), in
// that order of operations.
struct Fusion {
  int bias_input = 2;
  OpId act = OpId::NoOp;
  float alpha = 0;
  int shape_input = -1;
  bool bias_trailing = false;
  double gelu_a = 0, gelu_c = 0;
  std::vector<ChainLink> chain;  // non-empty for an elementwise chain
  // A layer norm (fuse_layer_norm): inputs x, gamma, beta; the step's own op (AddV2) dispatches.
  bool layer_norm = false;
  float epsilon = 0;
};

struct KernelContext {
  const Node& node;
  std::vector<const Tensor*> inputs;
  std::vector<Tensor>& outputs;
  RunControl& run;
  // TF1 ref edges (native/resource.h), set by the executor: the session's variables; for each
  // input, the variable a ref input refers to (null for value inputs; such an input(i) holds
  // the variable's value when the step began, without a buffer if uninitialized); and, for each
  // output, the variable a ref output refers to (set by the kernel with set_ref_output).
  ResourceMgr* resources = nullptr;
  const std::vector<std::shared_ptr<Var>>* ref_inputs = nullptr;
  std::vector<std::shared_ptr<Var>>* ref_outputs = nullptr;

  const Tensor& input(int i) const { return *inputs[i]; }
  int num_inputs() const { return static_cast<int>(inputs.size()); }
  const Attr& attr(int i) const { return node.attrs[i]; }
  // Allocates output i with the node's static dtype and the given shape (overflow-checked).
  Status allocate_output(int i, const Shape& shape, Tensor** out);
  // TF's forward_input_or_allocate_output: output `out_i` takes input `in`'s buffer when this
  // step is that value's last use, nothing else holds the buffer and dtype and size match (the
  // kernel then writes over its input: only for kernels that read each element before writing
  // it, as the elementwise ones); otherwise a fresh allocation.
  Status forward_or_allocate(int in, int out_i, const Shape& shape, Tensor** out);
  // Set by the executor on a fused step (see Fusion); null otherwise.
  const Fusion* fusion = nullptr;
  // Inputs this step is the last use of (bit j: input j), set by the executor.
  uint64_t last_use_inputs = 0;
  // Makes output i share the buffer of `t` (for Identity/Reshape).
  void alias_output(int i, const Tensor& t, const Shape& shape);
  // The variable behind ref input i (never null for an op's ref input: the executor checks).
  const std::shared_ptr<Var>& ref_input(int i) const { return (*ref_inputs)[i]; }
  void set_ref_output(int i, std::shared_ptr<Var> v) { if (ref_outputs) (*ref_outputs)[i] = std::move(v); }
  // An InvalidArgument error (the executor adds the node's name).
  Status invalid(std::string msg) const { return invalid_arg(std::move(msg)); }
};

using KernelFn = Status (*)(KernelContext&);

// Family kernels, one per family named in the registry (ops.gen.h); each switches on
// ctx.node.op for the per-op functor. A family with no definition fails the link.
#define TL_DECLARE_FAMILY(family) Status kernel_##family(KernelContext&);
TL_KERNEL_FAMILIES(TL_DECLARE_FAMILY)
#undef TL_DECLARE_FAMILY

// Row-major C[m,n] = A[m,k] * B[k,n] on the MatMul engine, for kernels that reduce to a GEMM.
// When b is input 1's data and that input is a graph constant, its packing is cached. With
// `epilogue`, a fused step's bias and activation (ctx.fusion) are applied to C's blocks as they
// are finished (the caller checked the bias).
Status gemm(KernelContext& ctx, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c, bool epilogue = false);
Status gemm(KernelContext& ctx, int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c, bool epilogue = false);

// The f32 GEMM micro-kernel matmul.cc runs at the current ISA, for kernels that pack their own
// panels (Winograd conv): fn writes (or, with accumulate, adds to) the MR x NR tile at c (row
// stride ldc) = sum_k a[k*MR + i] * b[k*NR + j]. b must be 64-byte aligned.
// edge: the same for rows [0, mr) and columns [0, nr) of a tile (the rest is neither read from c
// nor stored).
struct MicroGemmF32 {
  int mr, nr;
  void (*fn)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
  void (*edge)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate, int mr, int nr);
};
MicroGemmF32 micro_gemm_f32();

KernelFn kernel_for(OpId op);

// The fused step's bias check (BiasAdd's errors) for an output with `channels` channels.
Status check_fused_bias(const KernelContext& ctx, int64_t channels);
// y[r * ld + j] = act(y[r * ld + j] + bias[j]) for r < rows, j < cols: a fused step's BiasAdd
// and activation on one block of its output (unary.cc; the activation's own loop, SIMD or not).
// (A null bias: the activation alone, for kernels that added the bias themselves.)
void fused_epilogue(const Fusion& f, float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias);
void fused_epilogue(const Fusion& f, double* y, int64_t rows, int64_t cols, int64_t ld, const double* bias);
// Reshape's output shape for an input of shape `in` and the sizes tensor (-1 inferred), with
// Reshape's errors (array.cc).
Status reshape_shape(const KernelContext& ctx, const Shape& in, const Tensor& sizes, Shape* out);
// Only the activation of a fused step on n contiguous values (their bias already added).
void fused_activation(const Fusion& f, float* y, int64_t n);
// The ops a Fusion may end with.
bool fusable_activation(OpId op);
// Ops an elementwise chain may hold (f32, with a SIMD loop, or BiasAdd), and the chain's kernel
// (elementwise_chain.cc; the unary, binary and BiasAdd kernels hand a chain step to it).
bool chain_fusable(OpId op);
Status kernel_elementwise_chain(KernelContext& ctx);
// Keras' layer norm over the last dim as one step (Fusion::layer_norm; layer_norm.cc).
Status kernel_layer_norm(KernelContext& ctx);

}  // namespace tl
