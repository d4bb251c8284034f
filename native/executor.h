// Session state on the native side: the decoded graph (extended as the JS graph grows), the
// plan cache keyed by the (feeds, fetches, targets) signature, the intra-op pool, the session's
// variables (resources_), and run().
//
// Thread rules: extend(), run() and close() may be called from any thread. mu_ guards nodes_
// and cache_; resources_ locks itself. A Plan is immutable once built and shared by concurrent
// runs (plans are cached, values never are: stateful ops run every time); all per-run state
// lives in run()'s frame.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include "graph.h"
#include "kernel.h"
#include "resource.h"
#include "threadpool.h"

namespace tl {

struct RunRequest {
  std::vector<TensorRef> feeds;
  std::vector<Tensor> feed_values;
  std::vector<TensorRef> fetches;
  std::vector<int> targets;
  bool trace = false;          // per-op timing and output descriptions
  bool want_executed = false;  // list the executed nodes (for partition graphs)
  int64_t timeout_ms = 0;  // <= 0: no deadline
};

struct OutputDesc { DType dtype; Shape shape; int64_t bytes; };

struct NodeTrace {
  int node;
  int64_t scheduled_ns, start_ns, op_start_ns, op_end_ns, end_ns;  // relative to RunResult::start
  uint64_t thread_id;
  int64_t bytes_allocated;  // by this node's outputs
  std::vector<OutputDesc> outputs;
};

struct RunResult {
  std::vector<Tensor> outputs;  // one per fetch
  std::vector<int> executed;    // node indices of the plan, in order (trace or want_executed)
  // Trace (only when RunRequest::trace):
  int64_t start_epoch_ns = 0;
  std::vector<NodeTrace> trace;
  int64_t bytes_peak = 0, bytes_total = 0;
  // Outputs served from the caching allocator's free lists / mapped fresh, and outputs written
  // over their last-use input (KernelContext::forward_or_allocate).
  int64_t pool_hits = 0, pool_misses = 0, forwarded = 0;
  std::vector<std::vector<int>> fused;  // the plan's fused chains (with trace / executed)
  // The plan's rewrites (with trace / executed): nodes that run as a Const of a value computed
  // when the plan was built (fold_constants) and, with want_executed, those values; and
  // (conv, mul) pairs whose Mul runs as the convolution with a scaled filter.
  std::vector<int> folded;
  std::vector<Tensor> folded_values;
  std::vector<std::pair<int, int>> scaled;
  std::vector<std::array<int, 3>> normed;    // (batch norm, conv, bias)
  std::vector<std::vector<int64_t>> padded;  // (pad, conv, 8 explicit_paddings)
};

// How a step reads an input slot, for TF1 ref edges (resource.h): the slot's value; the current
// value of the variable a ref slot refers to (read when the step runs, as TF dereferences a ref);
// or the variable itself (a Ref(T) input, e.g. Assign's `ref`).
enum class InputKind : uint8_t { value, deref, ref };

struct Step {
  std::shared_ptr<const Node> node;
  KernelFn fn;
  std::vector<int> in_slots;
  int out_slot;               // first output slot
  std::vector<int> release;   // slots whose last use is this step
  uint64_t last_use_inputs = 0;  // bit j: input j's value is not used after this step
  // Only for a step with ref edges (else empty / false): per input its kind and the name TF's
  // "Attempting to use uninitialized value <name>" gives it; whether an output is a ref.
  std::vector<InputKind> in_kinds;
  std::vector<std::string> in_names;
  bool has_ref_outputs = false;
  // A fused step (fuse_bias_activation): its bias and activation; node is a synthetic Node
  // with the head's op and attrs and the tail's name, index and outputs.
  std::shared_ptr<const Fusion> fusion;
};

struct Plan {
  std::vector<Step> steps;
  int num_slots = 0;
  std::vector<int> feed_slots, fetch_slots;
  std::vector<DType> feed_dtypes;
  // Slots that refer to a variable (empty when none does), and the producer of each fetch
  // (node, name) for the error of fetching an uninitialized variable.
  std::vector<char> ref_slots;
  std::vector<std::pair<int, std::string>> fetch_producers;
  // Each fused step's nodes, head first (MatMul/Conv2D/DepthwiseConv2dNative, [Reshape],
  // BiasAdd, [act, or GELU's Mul, Neg, Mul, Erfc, Mul]; or an elementwise chain).
  std::vector<std::vector<int>> fused;
  // Filled by the runs (Session::inter_op_lanes): the moving average of its run time (-1: not
  // run yet) and how many steps may run at once (its widest dependency level; -1: not known).
  mutable std::atomic<int64_t> avg_ns{-1};
  mutable std::atomic<int> width{-1};
  // Its last run handed work to the intra-op pool (true before the first run). Only then does
  // a run wake the pool's sleeping workers as it starts: a small plan (a scalar add) would
  // otherwise keep a worker spinning for nothing beside the JS and run threads.
  mutable std::atomic<bool> used_pool{true};
  // Nodes that run as a Const of a plan-time value (fold_constants, fold_scale_into_filter), in
  // node order, and (conv, mul) pairs: the Mul runs as the convolution with a scaled filter.
  std::vector<int> folded;
  std::vector<std::pair<int, int>> scaled;
  // (batch norm, conv, bias): an inference FusedBatchNormV3 runs as BiasAdd(conv, bias), its
  // scale folded into the conv's filter and its shift into the bias node (fold_batchnorm_into_conv).
  std::vector<std::array<int, 3>> normed;
  // (pad, conv, its 8 explicit_paddings): the conv ran on the Pad's input with the Pad's sizes
  // as EXPLICIT padding.
  std::vector<std::vector<int64_t>> padded;
};

// The nodes a plan runs, by index: the session's graph with the plan's rewrites applied.
using NodeView = std::vector<std::shared_ptr<const Node>>;

// The plan-time rewrites a session applies (config.graphOptions.rewriteOptions).
struct Rewrites {
  bool remapping = true;         // fuse MatMul/Conv2D + BiasAdd (+ activation) steps (TF's remapper)
  bool constant_folding = true;  // compute constant subgraphs once per plan (TF's constant folding)
  bool elementwise_fusion = false;  // chains of f32 elementwise ops as one step (fuse_elementwise)
};

class Session {
 public:
  // inter_op_threads: how many independent steps of a run may execute at once (TF's
  // inter_op_parallelism_threads: 0 = one per core, < 0 = run in the caller thread only). They
  // run on the intra-op pool's threads, so the two never oversubscribe the cores.
  explicit Session(int intra_op_threads, const Rewrites& rewrites = Rewrites(), int inter_op_threads = 0);
  Status extend(const uint8_t* bytes, size_t len);
  size_t num_nodes();
  Status run(const RunRequest& req, RunResult* out);
  // The serving path: the plan of req's (feeds, fetches, targets) signature, resolved once by a
  // prepared run and reused (plans only grow stale never: the graph only grows); then runs of
  // it that need only feed_values, trace flags and timeout_ms from their request.
  Status plan_for(const RunRequest& req, std::shared_ptr<const Plan>* plan);
  Status run_plan(const Plan& plan, const RunRequest& req, RunResult* out);
  // Cancels in-flight runs (they end with Cancelled), refuses new ones and releases the graph,
  // the plans, the pool and the variables (in-flight runs keep what they use alive until they
  // finish).
  void close();
  bool closed() const { return closed_; }
  size_t plan_cache_size();
  int num_threads();

 private:
  Status get_plan(const RunRequest& req, std::shared_ptr<const Plan>* plan, std::shared_ptr<ThreadPool>* pool);
  Status build_plan(const RunRequest& req, Plan* plan);
  Status execute(const Plan& plan, ThreadPool* pool, const RunRequest& req, RunResult* out);
  int inter_op_lanes(const Plan& plan, ThreadPool* pool);
  Status run_parallel(const Plan& plan, const RunRequest& req, RunResult* out, std::vector<Tensor>& slots, RunControl& ctl,
                      int64_t t_begin, int lanes);
  int inter_op_ = 1;
  // TF's remapper on the pruned node set: marks absorbed nodes not needed and returns, per
  // tail node, its fused step's node and Fusion.
  void fuse_bias_activation(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                            std::vector<char>* needed,
                            std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                            Plan* plan);
  // TF's constant folding on the pruned node set: replaces constant nodes in g by Consts of
  // their values and prunes what only they read. Fails (and the plan is not cached) when the
  // run's deadline passes or the session closes while it computes.
  Status fold_constants(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g, std::vector<char>* needed,
                      Plan* plan);
  // TF's MulConvPushDown: a convolution times a constant per-channel vector runs as the
  // convolution of the scaled constant filter, in the Mul's place.
  void fuse_layer_norm(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g, std::vector<char>* needed,
                       std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused, Plan* plan);
  void fold_batchnorm_into_conv(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                                std::vector<char>* needed, Plan* plan);
  void fold_scale_into_filter(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                              std::vector<char>* needed, Plan* plan);
  // A Pad of constant sizes read only by a VALID Conv2D / DepthwiseConv2dNative becomes that
  // conv's EXPLICIT padding (TF's oneDNN pad + conv fusion).
  void fold_pad_into_conv(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                          std::vector<char>* needed, Plan* plan);
  const bool remapping_, constant_folding_, elementwise_fusion_;
  // Chains of f32 elementwise ops whose links have one consumer each, as one _FusedElementwise
  // step per chain (after fuse_bias_activation, whose steps it leaves alone).
  void fuse_elementwise(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                        std::vector<char>* needed,
                        std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                        Plan* plan);

  std::mutex mu_;
  std::vector<std::shared_ptr<const Node>> nodes_;
  std::unordered_map<std::string, std::shared_ptr<const Plan>> cache_;
  std::shared_ptr<ThreadPool> pool_;
  ResourceMgr resources_;  // the variables' values, per session (TF's ResourceMgr)
  std::atomic<bool> closed_{false};
};

}  // namespace tl
