// Pruning, scheduling, plan cache and the run loop (TF DirectSession + executor, minus devices).
#include "executor.h"
#include "alloc.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <string>
#include <thread>
#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace tl {
namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

uint64_t current_thread_id() {
#ifdef __linux__
  return static_cast<uint64_t>(syscall(SYS_gettid));
#else
  return std::hash<std::thread::id>()(std::this_thread::get_id()) & 0xffffffffu;
#endif
}

std::string plan_key(const RunRequest& req) {
  std::string k;
  auto ref = [&](const TensorRef& r) { k += std::to_string(r.node) + ":" + std::to_string(r.index) + ","; };
  for (auto& r : req.feeds) ref(r);
  k += "->";
  for (auto& r : req.fetches) ref(r);
  k += "/";
  for (int t : req.targets) k += std::to_string(t) + ",";
  return k;
}

// TF's PrepareInputs for ref edges: a deref input gets the variable's current value, a ref
// input the variable itself (and its value as input(j)). Reading an uninitialized variable
// fails, unless the op takes one (Assign, IsVariableInitialized).
Status read_ref_inputs(const Step& step, const std::vector<std::shared_ptr<Var>>& refs, std::vector<Tensor>* values,
                       std::vector<std::shared_ptr<Var>>* vars) {
  const size_t n = step.in_slots.size();
  values->assign(n, Tensor());
  vars->assign(n, nullptr);
  for (size_t j = 0; j < n; j++) {
    const InputKind kind = step.in_kinds[j];
    if (kind == InputKind::value) continue;
    const std::shared_ptr<Var>& v = refs[step.in_slots[j]];
    (*values)[j] = v->read();
    if (!(*values)[j].buf && !(kind == InputKind::ref && allows_uninitialized_input(step.node->op)))
      return make_error(kFailedPrecondition, "Attempting to use uninitialized value " + step.in_names[j]);
    if (kind == InputKind::ref) (*vars)[j] = v;
  }
  return Status::OK();
}

}  // namespace

bool RunControl::should_stop() const {
  if (cancel_flag && *cancel_flag) return true;
  return deadline_ns > 0 && steady_ns() > deadline_ns;
}

Status RunControl::stop_status() const {
  if (cancel_flag && *cancel_flag) return make_error(kCancelled, "Run call was cancelled");
  return make_error(kDeadlineExceeded, "Timed out waiting for notification");
}

void RunControl::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const {
  if (!pool) {
    if (n > 0) fn(0, n);
    return;
  }
  // Every chunk first checks the deadline, so a long elementwise or reduction kernel stops
  // within one chunk of it (matmul also checks between its own blocks).
  pool->parallel_for(n, grain, [&](int64_t b, int64_t e) {
    if (should_stop()) {
      interrupted = true;
      return;
    }
    fn(b, e);
  });
}

int RunControl::num_threads() const { return pool ? pool->size() : 1; }

Status KernelContext::allocate_output(int i, const Shape& shape, Tensor** out) {
  int64_t n, bytes;
  DType dt = node.out_dtypes[i];
  if (!shape_num_elements(shape, &n) || mul_overflow(n, static_cast<int64_t>(dtype_size(dt)), &bytes))
    return invalid("Output shape " + shape_str(shape) + " is too large");
  bool hit = false;
  auto buf = Buffer::allocate(static_cast<size_t>(bytes), &hit);
  if (!buf) return make_error(kResourceExhausted, "OOM when allocating tensor with shape " + shape_str(shape) +
                                                     " and type " + dtype_tf_name(dt));
  if (static_cast<size_t>(bytes) >= pool::kPoolMinBytes) (hit ? run.pool_hits : run.pool_misses)++;
  run.bytes_live += bytes;
  run.bytes_total += bytes;
  run.bytes_peak = std::max(run.bytes_peak, run.bytes_live);
  if (dt == DType::str) {
    // Null elements read as "". The new block may get elements that point into any string
    // input's records (core.h, Buffer): it keeps their blocks alive. Done here, where every
    // kernel call (a run's step, or any other caller of a kernel) allocates its outputs.
    if (bytes) std::memset(buf->data, 0, static_cast<size_t>(bytes));
    for (const Tensor* in : inputs)
      if (in->dtype == DType::str && in->buf) buf->keep_strings_of(*in->buf);
  }
  Tensor& t = outputs[i];
  t.dtype = dt;
  t.shape = shape;
  t.buf = std::move(buf);
  *out = &t;
  return Status::OK();
}

Status KernelContext::forward_or_allocate(int in, int out_i, const Shape& shape, Tensor** out) {
  if (in < 64 && (last_use_inputs >> in & 1)) {
    const Tensor& t = *inputs[in];
    int64_t n;
    // use_count 1: only the input's slot holds the block (no alias, fetch, variable or feed).
    // Never a string buffer: its `keep` would have to take the other inputs' blocks.
    if (t.buf && t.buf->owned && t.buf.use_count() == 1 && t.dtype == node.out_dtypes[out_i] && t.dtype != DType::str &&
        shape_num_elements(shape, &n) && n == t.num_elements()) {
      Tensor& o = outputs[out_i];
      o.dtype = t.dtype;
      o.shape = shape;
      o.buf = t.buf;
      run.forwarded++;
      *out = &o;
      return Status::OK();
    }
  }
  return allocate_output(out_i, shape, out);
}

void KernelContext::alias_output(int i, const Tensor& t, const Shape& shape) {
  outputs[i].dtype = t.dtype;
  outputs[i].shape = shape;
  outputs[i].buf = t.buf;
}

Session::Session(int intra_op_threads, const Rewrites& rewrites, int inter_op_threads)
    : remapping_(rewrites.remapping), constant_folding_(rewrites.constant_folding),
      elementwise_fusion_(rewrites.elementwise_fusion), pool_(shared_thread_pool(intra_op_threads)) {
  inter_op_ = inter_op_threads < 0 ? 1 : inter_op_threads > 0 ? inter_op_threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

namespace {

// BiasAdd's and the convolutions' data_format attr (index in the registry's attr list).
const std::string& data_format(const Node& n) {
  static const std::string nhwc = "NHWC";
  switch (n.op) {
    case OpId::BiasAdd: return n.attrs[1].s;
    case OpId::Conv2D: return n.attrs[5].s;
    case OpId::DepthwiseConv2dNative: return n.attrs[4].s;
    default: return nhwc;
  }
}

const char* fused_type(OpId head) {
  switch (head) {
    case OpId::MatMul: return "_FusedMatMul";
    case OpId::BatchMatMulV2: return "_FusedBatchMatMulV2";
    case OpId::Conv2D: return "_FusedConv2D";
    default: return "_FusedDepthwiseConv2dNative";
  }
}

int64_t ref_key(int node, int index) { return (static_cast<int64_t>(node) << 16) | index; }

// A Const node's value (null for any other node, or a value of the wrong dtype).
const Tensor* const_value(const Node& n) {
  if (n.op != OpId::Const || n.attrs.empty() || n.out_dtypes.size() != 1) return nullptr;
  const Tensor& v = n.attrs[0].tensor;
  return v.dtype == n.out_dtypes[0] ? &v : nullptr;
}

// A Const standing for node `n` (its name, index and output), holding `value`. An allocated
// value is held through a view owned by its block, as a graph blob's constants are, so kernels
// see it as immutable (is_graph_constant) and cache its packed forms (MatMul's B, a conv's
// filter) for as long as the plan holds it.
std::shared_ptr<const Node> folded_const(const Node& n, Tensor value) {
  if (value.buf && value.buf->owned) {
    auto view = std::make_shared<Buffer>();
    view->data = value.buf->data;
    view->bytes = value.buf->bytes;
    view->keep = value.buf->keep;
    view->owner = value.buf;
    value.buf = std::move(view);
  }
  auto c = std::make_shared<Node>();
  c->index = n.index;
  c->name = n.name;
  c->op = OpId::Const;
  c->type_name = "Const";
  c->out_dtypes = n.out_dtypes;
  c->out_ranks = n.out_ranks;
  c->out_shapes = n.out_shapes;
  c->attrs.resize(2);  // Const's attrs: value, dtype
  c->attrs[0].kind = AttrKind::tensor;
  c->attrs[0].tensor = std::move(value);
  c->attrs[1].kind = AttrKind::type;
  c->attrs[1].type = n.out_dtypes[0];
  return c;
}

// Ops constant folding never computes ahead: placeholders, variables and their updates, random
// ops (stateful: each run differs), and anything with a ref edge.
bool foldable(const Node& n) {
  if (n.op == OpId::PlaceholderWithDefault) return false;
  const OpInfo* info = op_info(static_cast<int>(n.op));
  if (!info) return false;
  for (const char* k : {"const", "placeholder", "noop", "random", "state", "training"})
    if (std::string(info->kernel) == k) return false;
  for (size_t j = 0; j < n.inputs.size(); j++)
    if (is_ref_input(n.op, static_cast<int>(j))) return false;
  return !is_ref_output(n.op, 0);
}

// Per node of the plan: data uses of its outputs by kept nodes (inputs from fed tensors do not
// count), the last such consumer (node, input), and whether anything else pins it (a fetch, a
// target, a control edge, a fed output).
// With `steps`, a node that runs as a fused step (the remapper's) reads that step's inputs.
struct Uses {
  std::vector<int> uses, consumer, consumer_input;
  std::vector<char> pinned;
  Uses(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g, const std::vector<char>& needed,
       const std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* steps = nullptr) {
    const int n = static_cast<int>(g.size());
    uses.assign(n, 0);
    consumer.assign(n, -1);
    consumer_input.assign(n, -1);
    pinned.assign(n, 0);
    for (int id = 0; id < n; id++) {
      if (!needed[id]) continue;
      const Node& nd = *g[id];
      const auto* step = steps && steps->count(id) ? &steps->at(id) : nullptr;
      const std::vector<TensorRef>& ins = step ? step->first->inputs : nd.inputs;
      for (size_t j = 0; j < ins.size(); j++) {
        const TensorRef& in = ins[j];
        if (fed.count(ref_key(in.node, in.index))) continue;
        uses[in.node]++;
        consumer[in.node] = id;
        consumer_input[in.node] = static_cast<int>(j);
      }
      for (int c : nd.control_inputs) pinned[c] = 1;
    }
    for (auto& f : req.fetches) pinned[f.node] = 1;
    for (int t : req.targets) pinned[t] = 1;
    for (auto& f : req.feeds) pinned[f.node] = 1;
  }
  int single_consumer(int id) const { return !pinned[id] && uses[id] == 1 ? consumer[id] : -1; }
};

// A constant's number of output channels a per-channel scale or bias of `conv`'s output must
// have: the filter's last dim (Conv2D), in · multiplier (DepthwiseConv2dNative); -1 if unknown.
int64_t conv_channels(const Node& conv, const Tensor& filter) {
  if (filter.shape.size() != 4) return -1;
  return conv.op == OpId::Conv2D ? filter.shape[3] : filter.shape[2] * filter.shape[3];
}

}  // namespace

// TF's remapper (grappler/optimizers/remapper.cc), on the nodes this plan runs: a MatMul,
// Conv2D or DepthwiseConv2dNative (float or double, NHWC) whose only consumer is a BiasAdd,
// or, for the convolutions, an Add/AddV2 of a constant vector of its channel count (as TF's
// oneDNN remapper: frozen Keras graphs fold batch norm to such an Add; an Add of anything else,
// e.g. a variable, keeps its nodes as in TF), optionally followed by an activation that is that
// one's only consumer (or the exact GELU as Keras writes it: Mul, Neg, Mul, Erfc, Mul, TF's
// GeluExact), runs as one step: the head's kernel with a bias + activation epilogue,
// named like the last node, whose outputs it produces. Nothing absorbed before the tail may be
// fetched, fed, a target, a control input or read by another node; the step runs at the tail's
// place in the node order, after every input of the chain. A MatMul's BiasAdd may also come
// after a Reshape of its product (Tensordot), which the step then does.
void Session::fuse_bias_activation(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                                   std::vector<char>* needed,
                                   std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                                   Plan* plan) {
  const int n = static_cast<int>(g.size());
  auto key = [](int node, int index) { return ref_key(node, index); };
  const Uses u(req, fed, g, *needed);
  const auto& consumer_input = u.consumer_input;
  auto single_consumer = [&](int id) { return u.single_consumer(id); };
  auto is_float = [](DType t) { return t == DType::f32 || t == DType::f64; };

  // Per node, the (node, input) pairs that read it among the nodes this plan runs.
  std::vector<std::vector<std::pair<int, int>>> readers(n);
  for (int id = 0; id < n; id++) {
    if (!(*needed)[id]) continue;
    const auto& ins = g[id]->inputs;
    for (size_t j = 0; j < ins.size(); j++)
      if (!fed.count(key(ins[j].node, ins[j].index))) readers[ins[j].node].push_back({id, static_cast<int>(j)});
  }
  // A rank-0 constant of dtype dt (not fed), as a double.
  auto scalar = [&](const TensorRef& r, DType dt, double* v) {
    const Tensor* t = const_value(*g[r.node]);
    if (!t || r.index != 0 || fed.count(key(r.node, 0)) || !t->shape.empty() || t->dtype != dt) return false;
    *v = dt == DType::f32 ? static_cast<double>(t->data<float>()[0]) : t->data<double>()[0];
    return true;
  };
  // The exact GELU as Keras writes it on x: Mul(a, x), Neg(x) -> Mul(·, c) -> Erfc, and their
  // Mul (operands in either order), every intermediate read only inside. Its tail (or -1), with
  // its nodes appended to `chain` and a, c set in `f`.
  auto gelu = [&](int x, Fusion* f, std::vector<int>* chain) {
    if (u.pinned[x] || readers[x].size() != 2) return -1;
    const DType dt = g[x]->out_dtypes[0];
    int mul = -1, neg = -1;
    double a = 0, c = 0;
    for (auto [r, j] : readers[x]) {
      if (g[r]->op == OpId::Neg) neg = r;
      else if (g[r]->op == OpId::Mul && scalar(g[r]->inputs[1 - j], dt, &a)) mul = r;
    }
    if (mul < 0 || neg < 0) return -1;
    const int mul1 = single_consumer(neg);
    if (mul1 < 0 || g[mul1]->op != OpId::Mul || !scalar(g[mul1]->inputs[1 - consumer_input[neg]], dt, &c)) return -1;
    const int e = single_consumer(mul1);
    if (e < 0 || g[e]->op != OpId::Erfc) return -1;
    const int t = single_consumer(e);
    if (t < 0 || g[t]->op != OpId::Mul || single_consumer(mul) != t || g[t]->out_dtypes[0] != dt) return -1;
    f->act = OpId::Erfc;
    f->gelu_a = a;
    f->gelu_c = c;
    chain->insert(chain->end(), {mul, neg, mul1, e, t});
    return t;
  };

  for (int h = 0; h < n; h++) {
    if (!(*needed)[h]) continue;
    const Node& head = *g[h];
    const bool conv = head.op == OpId::Conv2D || head.op == OpId::DepthwiseConv2dNative;
    // BatchMatMulV2 of a matrix y without adjoints: one product, as a MatMul.
    const bool bmm = head.op == OpId::BatchMatMulV2 && !head.attrs[1].b && !head.attrs[2].b &&
                     g[head.inputs[1].node]->out_ranks[head.inputs[1].index] == 2;
    if (head.op != OpId::MatMul && !conv && !bmm) continue;
    if (!is_float(head.out_dtypes[0]) || data_format(head) != "NHWC") continue;
    int m = single_consumer(h);
    if (m < 0) continue;
    // Tensordot's MatMul -> Reshape -> BiasAdd (or EinsumDense's -> Add of a constant shaped as
    // the output's last dims): the step takes the Reshape's shape.
    int reshape = -1;
    if (!conv && g[m]->op == OpId::Reshape && consumer_input[h] == 0) {
      reshape = m;
      m = single_consumer(reshape);
      if (m < 0) continue;
    }
    const int before = reshape >= 0 ? reshape : h;  // what the BiasAdd reads
    const Node& mid = *g[m];
    TensorRef bias;
    bool trailing = false;
    if (mid.op == OpId::BiasAdd && consumer_input[before] == 0 && data_format(mid) == "NHWC") {
      bias = mid.inputs[1];
    } else if ((mid.op == OpId::AddV2 || mid.op == OpId::Add) && reshape >= 0) {
      bias = mid.inputs[1 - consumer_input[reshape]];
      const Tensor* b = const_value(*g[bias.node]);
      const int rank = g[reshape]->out_ranks[0];
      const Shape& rs = g[reshape]->out_shapes[0];
      if (!b || fed.count(key(bias.node, 0)) || b->dtype != head.out_dtypes[0] || b->shape.empty() || rank < 0 ||
          b->shape.size() > static_cast<size_t>(rank) || !std::equal(b->shape.begin(), b->shape.end(), rs.end() - b->shape.size()))
        continue;
      trailing = true;
    } else if ((mid.op == OpId::AddV2 || mid.op == OpId::Add) && conv) {
      bias = mid.inputs[1 - consumer_input[h]];
      const Tensor* b = const_value(*g[bias.node]);
      const Tensor* f = const_value(*g[head.inputs[1].node]);
      const int rank = head.out_ranks[0];
      const int64_t channels = rank == 4 ? head.out_shapes[0][3] : -1;
      if (!b || fed.count(key(bias.node, 0)) || b->shape.size() != 1 || b->shape[0] != channels || channels < 0 ||
          b->dtype != head.out_dtypes[0] || (f && conv_channels(head, *f) != channels))
        continue;
    } else {
      continue;
    }
    auto fusion = std::make_shared<Fusion>();
    std::vector<int> chain{h};
    if (reshape >= 0) chain.push_back(reshape);
    chain.push_back(m);
    int tail = m;
    const int t = single_consumer(m);
    if (t >= 0 && fusable_activation(g[t]->op) && consumer_input[m] == 0) {
      tail = t;  // the tail itself may be fetched
      fusion->act = g[t]->op;
      if (fusion->act == OpId::LeakyRelu) fusion->alpha = static_cast<float>(g[t]->attrs[0].f);
      chain.push_back(t);
    } else if (mid.op == OpId::BiasAdd) {
      const int gt = gelu(m, fusion.get(), &chain);
      if (gt >= 0) tail = gt;
    }
    // The chain's outputs must not be fed (a fed tensor replaces its producer).
    if (fed.count(key(tail, 0))) continue;

    auto node = std::make_shared<Node>(head);
    node->index = tail;
    node->name = g[tail]->name;
    node->type_name = fused_type(head.op);
    node->inputs.push_back(bias);
    fusion->bias_input = static_cast<int>(node->inputs.size()) - 1;
    fusion->bias_trailing = trailing;
    if (reshape >= 0) {
      node->inputs.push_back(g[reshape]->inputs[1]);
      fusion->shape_input = static_cast<int>(node->inputs.size()) - 1;
    }
    node->out_dtypes = g[tail]->out_dtypes;
    node->out_ranks = g[tail]->out_ranks;
    node->out_shapes = g[tail]->out_shapes;
    for (int id : chain) if (id != tail) (*needed)[id] = 0;  // the tail is the fused step itself
    (*fused)[tail] = {std::move(node), std::move(fusion)};
    plan->fused.push_back(std::move(chain));
  }
}

// TF's constant folding (grappler/optimizers/constant_folding.cc) on the nodes this plan runs:
// a node with one output whose data inputs are all constants (Consts, or nodes folded before
// it), without control inputs, that is not stateful or a placeholder (foldable) and not fetched,
// a target or fed, is computed once here and runs as a Const of that value under its own name
// (as TF's folded nodes). A control edge from a constant is dropped (a Const has no effect to
// wait for; TF's dependency optimizer drops them too), and constants that no node still running
// reads are pruned. A node whose kernel fails, or whose value is over 10 MiB (TF's
// kMaxConstantSize), stays as it is: it runs, and fails, when the plan runs. The folding is part
// of the first run of the plan: it stops at that run's deadline (the run fails with
// DeadlineExceeded and the plan is not kept).
Status Session::fold_constants(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                             std::vector<char>* needed, Plan* plan) {
  constexpr size_t kMaxConstantBytes = 10 << 20;
  const int n = static_cast<int>(g->size());
  std::vector<char> kept(n, 0);  // fetched, targets, fed: never folded nor pruned
  for (auto& f : req.fetches) kept[f.node] = 1;
  for (int t : req.targets) kept[t] = 1;
  for (auto& f : req.feeds) kept[f.node] = 1;
  std::vector<char> constant(n, 0), folded(n, 0);
  RunControl ctl;
  ctl.pool = pool_.get();
  ctl.cancel_flag = &closed_;
  if (req.timeout_ms > 0) ctl.deadline_ns = steady_ns() + req.timeout_ms * 1000000;
  std::vector<Tensor> outputs;
  for (int id = 0; id < n; id++) {
    if (!(*needed)[id]) continue;
    const Node& nd = *(*g)[id];
    if (const_value(nd)) {
      constant[id] = !fed.count(ref_key(id, 0));
      continue;
    }
    // String values are not folded (their records live in blocks the run keeps alive).
    if (kept[id] || nd.out_dtypes.size() != 1 || nd.out_dtypes[0] == DType::str || nd.inputs.empty() || !nd.control_inputs.empty() ||
        !foldable(nd))
      continue;
    std::vector<const Tensor*> inputs;
    for (const TensorRef& in : nd.inputs) {
      if (!constant[in.node] || fed.count(ref_key(in.node, in.index))) break;
      inputs.push_back(const_value(*(*g)[in.node]));
    }
    if (inputs.size() != nd.inputs.size()) continue;
    outputs.assign(1, Tensor());
    KernelContext ctx{nd, inputs, outputs, ctl};
    ctx.resources = &resources_;
    const Status st = kernel_for(nd.op)(ctx);
    if (ctl.interrupted || ctl.should_stop()) return ctl.stop_status();
    if (!st.ok() || ctl.interrupted || !outputs[0].buf || outputs[0].dtype != nd.out_dtypes[0] || outputs[0].bytes() > kMaxConstantBytes)
      continue;
    (*g)[id] = folded_const(nd, std::move(outputs[0]));
    constant[id] = folded[id] = 1;
  }
  // Drop control edges from constants; keep a constant only if a node that still runs reads it.
  std::vector<char> read(n, 0);
  for (int id = 0; id < n; id++) {
    if (!(*needed)[id] || folded[id]) continue;
    const Node& nd = *(*g)[id];
    for (const TensorRef& in : nd.inputs) read[in.node] = 1;
    std::vector<int> controls;
    for (int c : nd.control_inputs)
      if (!constant[c]) controls.push_back(c);
    if (controls.size() == nd.control_inputs.size()) continue;
    auto copy = std::make_shared<Node>(nd);
    copy->control_inputs = std::move(controls);
    (*g)[id] = std::move(copy);
  }
  for (int id = 0; id < n; id++)
    if (constant[id] && !kept[id] && !read[id]) (*needed)[id] = 0;
  for (int id = 0; id < n; id++)
    if ((*needed)[id] && folded[id]) plan->folded.push_back(id);
  return Status::OK();
}

namespace {
// After a rewrite that stopped reading some constants: a kept Const that no node reads and
// nothing pins was read only by rewritten nodes, and is dropped (from the folded list too).
void prune_unread_constants(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                            std::vector<char>* needed, Plan* plan,
                            const std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* steps = nullptr) {
  const Uses after(req, fed, g, *needed, steps);
  for (int id = 0; id < static_cast<int>(g.size()); id++)
    if ((*needed)[id] && const_value(*g[id]) && !after.pinned[id] && after.uses[id] == 0) (*needed)[id] = 0;
  plan->folded.erase(std::remove_if(plan->folded.begin(), plan->folded.end(), [&](int id) { return !(*needed)[id]; }), plan->folded.end());
  std::sort(plan->folded.begin(), plan->folded.end());
}
}  // namespace

// TF's FoldBatchNorms (the graph transform for frozen inference graphs): an inference
// FusedBatchNorm, V2 or V3 (is_training false, NHWC, float) of a Conv2D or DepthwiseConv2dNative (NHWC,
// float), directly or through a BiasAdd of a constant, whose scale, offset, mean and variance
// are constants of one value per output channel and whose other outputs nothing reads, runs as
// BiasAdd(conv, shift) under its own name: the filter (a constant only the conv reads) holds
// filter · f and the offset node (or another parameter only this batch norm reads) the shift
// (b − mean) · f + offset, with f = scale / sqrt(variance + epsilon) computed as the batch norm
// kernel does. The remapper then fuses the conv, the BiasAdd and an activation into one step.
// The conv and a BiasAdd between may have no other reader and must not be fetched, fed, a
// target or a control input.
void Session::fold_batchnorm_into_conv(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                                       std::vector<char>* needed, Plan* plan) {
  const int n = static_cast<int>(g->size());
  const Uses u(req, fed, *g, *needed);
  // Batch norms with an output other than y read, fetched or fed.
  std::vector<char> extra(n, 0);
  auto mark = [&](const TensorRef& r) { if (r.index != 0) extra[r.node] = 1; };
  for (int id = 0; id < n; id++)
    if ((*needed)[id]) for (const TensorRef& in : (*g)[id]->inputs) mark(in);
  for (const TensorRef& f : req.fetches) mark(f);
  for (const TensorRef& f : req.feeds) extra[f.node] = 1;
  bool any = false;
  for (int m = 0; m < n; m++) {
    const OpId op = (*g)[m]->op;
    if (!(*needed)[m] || extra[m] || (op != OpId::FusedBatchNormV3 && op != OpId::FusedBatchNormV2 && op != OpId::FusedBatchNorm)) continue;
    const Node& bn = *(*g)[m];
    // attrs: T, U (not FusedBatchNorm's), epsilon, exponential_avg_factor, data_format, is_training
    const size_t a = op == OpId::FusedBatchNorm ? 1 : 2;
    if (bn.attrs.size() < a + 4 || bn.attrs[0].type != DType::f32 || bn.attrs[a - 1].type != DType::f32 || bn.attrs[a + 2].s != "NHWC" ||
        bn.attrs[a + 3].b || bn.inputs.size() != 5)
      continue;
    const Node* src = (*g)[bn.inputs[0].node].get();
    const Node* bias_add = nullptr;
    if (src->op == OpId::BiasAdd) {
      if (bn.inputs[0].index != 0 || u.single_consumer(src->index) != m || data_format(*src) != "NHWC") continue;
      bias_add = src;
      src = (*g)[bias_add->inputs[0].node].get();
      if (bias_add->inputs[0].index != 0 || u.single_consumer(src->index) != bias_add->index) continue;
    } else if (bn.inputs[0].index != 0 || u.single_consumer(src->index) != m) {
      continue;
    }
    const Node& conv = *src;
    if ((conv.op != OpId::Conv2D && conv.op != OpId::DepthwiseConv2dNative) || conv.out_dtypes[0] != DType::f32 ||
        data_format(conv) != "NHWC")
      continue;
    const TensorRef fref = conv.inputs[1];
    const Tensor* filter = const_value(*(*g)[fref.node]);
    if (!filter || filter->dtype != DType::f32 || fed.count(ref_key(fref.node, fref.index)) || u.single_consumer(fref.node) != conv.index ||
        fed.count(ref_key(conv.index, 0)))
      continue;
    const int64_t channels = conv_channels(conv, *filter);
    auto vec = [&](const TensorRef& r) -> const float* {
      const Tensor* t = const_value(*(*g)[r.node]);
      if (!t || t->dtype != DType::f32 || t->shape.size() != 1 || t->shape[0] != channels || fed.count(ref_key(r.node, r.index))) return nullptr;
      return t->data<float>();
    };
    const float *scale = vec(bn.inputs[1]), *offset = vec(bn.inputs[2]), *mean = vec(bn.inputs[3]), *var = vec(bn.inputs[4]);
    const float* b = bias_add ? vec(bias_add->inputs[1]) : nullptr;
    if (channels <= 0 || !scale || !offset || !mean || !var || (bias_add && (!b || fed.count(ref_key(bias_add->index, 0))))) continue;
    // The node that will hold the shift: a parameter only this batch norm reads.
    int holder = -1;
    for (int j : {2, 3, 4, 1})
      if (holder < 0 && u.single_consumer(bn.inputs[j].node) == m) holder = bn.inputs[j].node;
    if (holder < 0) continue;
    auto wbuf = Buffer::allocate(filter->bytes());
    auto bbuf = Buffer::allocate(sizeof(float) * static_cast<size_t>(channels));
    if (!wbuf || !bbuf) continue;
    const float epsilon = static_cast<float>(bn.attrs[a].f);
    Tensor w{DType::f32, filter->shape, std::move(wbuf)}, shift{DType::f32, {channels}, std::move(bbuf)};
    std::vector<float> fac(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; c++) {
      fac[c] = (1.0f / std::sqrt(var[c] + epsilon)) * scale[c];  // as kernel_batchnorm
      shift.data<float>()[c] = ((b ? b[c] : 0.0f) - mean[c]) * fac[c] + offset[c];
    }
    const float* f = filter->data<float>();
    for (int64_t i = 0, size = filter->num_elements(); i < size; i++) w.data<float>()[i] = f[i] * fac[i % channels];
    auto node = std::make_shared<Node>();
    node->index = m;
    node->name = bn.name;
    node->op = OpId::BiasAdd;
    node->type_name = "BiasAdd";
    node->inputs = {TensorRef{conv.index, 0}, TensorRef{holder, 0}};
    node->control_inputs = bn.control_inputs;
    if (bias_add) node->control_inputs.insert(node->control_inputs.end(), bias_add->control_inputs.begin(), bias_add->control_inputs.end());
    node->out_dtypes = {DType::f32};
    node->out_ranks = {bn.out_ranks[0]};
    node->out_shapes = {bn.out_shapes[0]};
    node->attrs.resize(2);  // BiasAdd's attrs: T, data_format
    node->attrs[0].kind = AttrKind::type;
    node->attrs[0].type = DType::f32;
    node->attrs[1].kind = AttrKind::s;
    node->attrs[1].s = "NHWC";
    (*g)[fref.node] = folded_const(*(*g)[fref.node], std::move(w));
    (*g)[holder] = folded_const(*(*g)[holder], std::move(shift));
    (*g)[m] = std::move(node);
    if (bias_add) (*needed)[bias_add->index] = 0;
    for (int id : {fref.node, holder})
      if (std::find(plan->folded.begin(), plan->folded.end(), id) == plan->folded.end()) plan->folded.push_back(id);
    plan->normed.push_back({m, conv.index, holder});
    any = true;
  }
  // The other parameters (and a BiasAdd's bias) nothing else reads are pruned.
  if (any) prune_unread_constants(req, fed, *g, needed, plan);
}

// TF's MulConvPushDown (constant folding): Mul(conv, s) (either order) of a Conv2D or
// DepthwiseConv2dNative (float or double, NHWC) whose filter is a constant only it reads, by a
// constant s of one value per output channel (shape [C], [1, 1, 1, C], ... or a single value),
// runs as the convolution of filter · s in the Mul's place, under the Mul's name (the conv
// node is gone, as in TF; the filter node holds the scaled value). The conv may have no other
// reader and must not be fetched, fed, a target or a control input.
void Session::fold_scale_into_filter(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                                     std::vector<char>* needed, Plan* plan) {
  const int n = static_cast<int>(g->size());
  const Uses u(req, fed, *g, *needed);
  for (int m = 0; m < n; m++) {
    if (!(*needed)[m] || (*g)[m]->op != OpId::Mul) continue;
    const Node& mul = *(*g)[m];
    int side = -1;  // which Mul input is the conv
    for (int j = 0; j < 2 && side < 0; j++) {
      const Node& c = *(*g)[mul.inputs[j].node];
      if ((c.op == OpId::Conv2D || c.op == OpId::DepthwiseConv2dNative) && u.single_consumer(c.index) == m) side = j;
    }
    if (side < 0) continue;
    const Node& conv = *(*g)[mul.inputs[side].node];
    const TensorRef sref = mul.inputs[1 - side], fref = conv.inputs[1];
    const DType dt = conv.out_dtypes[0];
    if ((dt != DType::f32 && dt != DType::f64) || data_format(conv) != "NHWC" || mul.out_dtypes[0] != dt) continue;
    if (fed.count(ref_key(conv.index, 0)) || fed.count(ref_key(sref.node, sref.index)) || fed.count(ref_key(fref.node, fref.index)))
      continue;
    const Tensor* scale = const_value(*(*g)[sref.node]);
    const Tensor* filter = const_value(*(*g)[fref.node]);
    if (!scale || !filter || scale->dtype != dt || filter->dtype != dt || u.single_consumer(fref.node) != conv.index) continue;
    const int64_t channels = conv_channels(conv, *filter), count = scale->num_elements();
    bool per_channel = scale->shape.size() <= 4 && (count == 1 || count == channels) && channels > 0;
    for (size_t d = 0; per_channel && d + 1 < scale->shape.size(); d++) per_channel = scale->shape[d] == 1;
    if (!per_channel) continue;
    const int64_t size = filter->num_elements();
    auto buf = Buffer::allocate(filter->bytes());
    if (!buf) continue;
    Tensor w{dt, filter->shape, std::move(buf)};
    auto mul_into = [&](auto* out, const auto* f, const auto* s) {
      for (int64_t i = 0; i < size; i++) out[i] = f[i] * s[count == 1 ? 0 : i % channels];
    };
    if (dt == DType::f32) mul_into(w.data<float>(), filter->data<float>(), scale->data<float>());
    else mul_into(w.data<double>(), filter->data<double>(), scale->data<double>());
    auto moved = std::make_shared<Node>(conv);
    moved->index = m;
    moved->name = mul.name;
    moved->control_inputs.insert(moved->control_inputs.end(), mul.control_inputs.begin(), mul.control_inputs.end());
    moved->out_ranks = mul.out_ranks;
    moved->out_shapes = mul.out_shapes;
    (*g)[m] = std::move(moved);
    (*g)[fref.node] = folded_const(*(*g)[fref.node], std::move(w));
    (*needed)[conv.index] = 0;
    plan->scaled.emplace_back(conv.index, m);
    if (std::find(plan->folded.begin(), plan->folded.end(), fref.node) == plan->folded.end()) plan->folded.push_back(fref.node);
  }
  // A scale nothing else reads is pruned.
  prune_unread_constants(req, fed, *g, needed, plan);
}

// A Pad (float or double) whose sizes are a constant [4, 2] with no batch or channel padding,
// read only by a Conv2D or DepthwiseConv2dNative (NHWC, VALID padding) as its input, runs as
// part of the conv: the conv reads the Pad's input with padding EXPLICIT and the Pad's sizes as
// explicit_paddings (zeros padded in, or taps skipped: the same sums). The Pad may not be
// fetched, fed, a target or a control input.
void Session::fold_pad_into_conv(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, NodeView* g,
                                 std::vector<char>* needed, Plan* plan) {
  const int n = static_cast<int>(g->size());
  const Uses u(req, fed, *g, *needed);
  for (int c = 0; c < n; c++) {
    if (!(*needed)[c]) continue;
    const Node& conv = *(*g)[c];
    if (conv.op != OpId::Conv2D && conv.op != OpId::DepthwiseConv2dNative) continue;
    const int pad_attr = conv.op == OpId::Conv2D ? 3 : 2;  // padding; explicit_paddings follows
    const TensorRef in = conv.inputs[0];
    const Node& pad = *(*g)[in.node];
    if (pad.op != OpId::Pad || conv.attrs[pad_attr].s != "VALID" || data_format(conv) != "NHWC" || u.single_consumer(in.node) != c ||
        fed.count(ref_key(in.node, 0)) || fed.count(ref_key(pad.inputs[1].node, pad.inputs[1].index)))
      continue;
    const Tensor* sizes = const_value(*(*g)[pad.inputs[1].node]);
    if (!sizes || sizes->shape != Shape{4, 2} || (sizes->dtype != DType::i32 && sizes->dtype != DType::i64)) continue;
    std::vector<int64_t> p(8);
    for (int i = 0; i < 8; i++) p[i] = sizes->dtype == DType::i32 ? sizes->data<int32_t>()[i] : sizes->data<int64_t>()[i];
    bool ok = p[0] == 0 && p[1] == 0 && p[6] == 0 && p[7] == 0;
    for (int i = 2; i < 6; i++) ok = ok && p[i] >= 0 && p[i] <= (int64_t{1} << 30);
    if (!ok) continue;
    auto node = std::make_shared<Node>(conv);
    node->inputs[0] = pad.inputs[0];
    node->control_inputs.insert(node->control_inputs.end(), pad.control_inputs.begin(), pad.control_inputs.end());
    node->attrs[pad_attr].s = "EXPLICIT";
    node->attrs[pad_attr + 1].ints = p;
    (*needed)[in.node] = 0;
    (*g)[c] = std::move(node);
    std::vector<int64_t> entry{in.node, c};
    entry.insert(entry.end(), p.begin(), p.end());
    plan->padded.push_back(std::move(entry));
  }
  // The sizes are pruned when nothing else reads them.
  const Uses after(req, fed, *g, *needed);
  for (auto& entry : plan->padded) {
    const int sizes = nodes_[entry[0]]->inputs[1].node;
    if ((*needed)[sizes] && const_value(*(*g)[sizes]) && !after.pinned[sizes] && after.uses[sizes] == 0) (*needed)[sizes] = 0;
  }
}

// Keras' LayerNormalization over the last axis, as its TF backend builds it (oneDNN's remapper
// runs it as _MklLayerNorm):
//   m = Mean(x, -1, keep_dims), v = Mean(SquaredDifference(x, [StopGradient](m)), -1, keep_dims),
//   s = Rsqrt(v + eps) * gamma, y = x * s + (Neg(m) * s + beta)
// (operands of the commutative ops in either order), f32, with gamma and beta constants of the
// last dim's size, runs as one step named like y's AddV2: kernel_layer_norm on (x, gamma, beta).
// Nothing in between may be read elsewhere, fetched, fed, a target or a control input.
void Session::fuse_layer_norm(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                              std::vector<char>* needed,
                              std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                              Plan* plan) {
  const int n = static_cast<int>(g.size());
  const Uses u(req, fed, g, *needed, fused);
  auto is = [&](int id, std::initializer_list<OpId> ops) {
    if (id < 0 || !(*needed)[id] || fused->count(id) || g[id]->out_dtypes.empty() || g[id]->out_dtypes[0] != DType::f32) return false;
    for (OpId op : ops) if (g[id]->op == op) return true;
    return false;
  };
  // An inner node: read `count` times, all by the pattern, and nothing else pins it.
  auto inner = [&](int id, int count) { return !u.pinned[id] && u.uses[id] == count && !fed.count(ref_key(id, 0)); };
  // The other input (output 0 of its node) of a binary node, given one; -1 if `id` is not one.
  auto other = [&](int bin, int id) {
    const auto& in = g[bin]->inputs;
    if (in.size() != 2 || in[0].index != 0 || in[1].index != 0) return -1;
    return in[0].node == id ? in[1].node : in[1].node == id ? in[0].node : -1;
  };
  auto last_axis = [&](int mean, const TensorRef& x) {
    const Node& nd = *g[mean];
    if (nd.attrs.empty() || !nd.attrs[0].b || nd.inputs.size() != 2) return false;  // keep_dims
    const Tensor* ax = const_value(*g[nd.inputs[1].node]);
    const int rank = g[x.node]->out_ranks[x.index];
    if (!ax || ax->num_elements() != 1 || rank < 1) return false;
    const int64_t a = ax->dtype == DType::i32 ? *ax->data<int32_t>() : ax->dtype == DType::i64 ? *ax->data<int64_t>() : -99;
    return a == -1 || a == rank - 1;
  };
  auto vector_of = [&](int id, int64_t d) {
    const Tensor* t = const_value(*g[id]);
    if (!t || t->dtype != DType::f32 || t->num_elements() != d || fed.count(ref_key(id, 0))) return false;
    for (size_t i = 0; i + 1 < t->shape.size(); i++) if (t->shape[i] != 1) return false;
    return true;
  };
  for (int t = 0; t < n; t++) {
    if (!is(t, {OpId::AddV2, OpId::Add}) || fed.count(ref_key(t, 0))) continue;
    for (int side = 0; side < 2; side++) {
      const auto& tin = g[t]->inputs;
      if (tin[0].index != 0 || tin[1].index != 0) break;
      const int mul2 = tin[side].node, add1 = tin[1 - side].node;
      if (mul2 == add1 || !is(mul2, {OpId::Mul}) || !is(add1, {OpId::AddV2, OpId::Add}) || !inner(mul2, 1) || !inner(add1, 1)) continue;
      // add1 = Mul(Neg(m), s) + beta
      int mul1 = -1, beta = -1;
      for (const TensorRef& r : g[add1]->inputs)
        if (is(r.node, {OpId::Mul}) && mul1 < 0) { mul1 = r.node; beta = other(add1, r.node); }
      if (mul1 < 0 || beta < 0 || !inner(mul1, 1)) continue;
      int neg = -1, s = -1;
      for (const TensorRef& r : g[mul1]->inputs)
        if (is(r.node, {OpId::Neg}) && neg < 0) { neg = r.node; s = other(mul1, r.node); }
      if (neg < 0 || s < 0 || !inner(neg, 1) || !is(s, {OpId::Mul}) || !inner(s, 2)) continue;
      const int m = g[neg]->inputs[0].index == 0 ? g[neg]->inputs[0].node : -1;
      if (!is(m, {OpId::Mean}) || g[m]->inputs[0].node < 0) continue;
      const TensorRef x = g[m]->inputs[0];
      // mul2 = x * s
      const int xs = other(mul2, s);
      if (xs != x.node || x.index != 0) continue;
      // s = Rsqrt(v + eps) * gamma
      int r = -1, gamma = -1;
      for (const TensorRef& in : g[s]->inputs)
        if (is(in.node, {OpId::Rsqrt}) && r < 0) { r = in.node; gamma = other(s, in.node); }
      if (r < 0 || gamma < 0 || !inner(r, 1)) continue;
      const int a = g[r]->inputs[0].index == 0 ? g[r]->inputs[0].node : -1;
      if (!is(a, {OpId::AddV2, OpId::Add}) || !inner(a, 1)) continue;
      int v = -1, eps = -1;
      for (const TensorRef& in : g[a]->inputs)
        if (is(in.node, {OpId::Mean}) && v < 0) { v = in.node; eps = other(a, in.node); }
      const Tensor* e = eps >= 0 ? const_value(*g[eps]) : nullptr;
      if (v < 0 || !inner(v, 1) || !e || e->dtype != DType::f32 || e->num_elements() != 1 || fed.count(ref_key(eps, 0))) continue;
      const int sd = g[v]->inputs[0].index == 0 ? g[v]->inputs[0].node : -1;
      if (!is(sd, {OpId::SquaredDifference}) || !inner(sd, 1)) continue;
      int sg = other(sd, x.node);  // StopGradient(m), or m itself
      if (sg < 0) continue;
      const bool stop = sg != m;
      if (stop && (!is(sg, {OpId::StopGradient}) || !inner(sg, 1) || g[sg]->inputs[0].node != m || g[sg]->inputs[0].index != 0)) continue;
      if (!inner(m, 2) || !last_axis(m, x) || !last_axis(v, TensorRef{sd, 0})) continue;
      const int rank = g[x.node]->out_ranks[x.index];
      const int64_t d = g[x.node]->out_shapes[x.index].empty() ? -1 : g[x.node]->out_shapes[x.index][rank - 1];
      if (d <= 0 || !vector_of(gamma, d) || !vector_of(beta, d)) continue;

      auto node = std::make_shared<Node>(*g[t]);
      node->type_name = "_MklLayerNorm";
      node->inputs = {x, TensorRef{gamma, 0}, TensorRef{beta, 0}};
      auto fusion = std::make_shared<Fusion>();
      fusion->layer_norm = true;
      fusion->epsilon = *e->data<float>();
      std::vector<int> chain{m};
      if (stop) chain.push_back(sg);
      for (int id : {sd, v, a, r, s, neg, mul1, add1, mul2, t}) chain.push_back(id);
      for (int id : chain) if (id != t) (*needed)[id] = 0;
      (*fused)[t] = {std::move(node), std::move(fusion)};
      plan->fused.push_back(std::move(chain));
      break;
    }
  }
  prune_unread_constants(req, fed, g, needed, plan, fused);  // the Mean axes and epsilon
}

// Elementwise chains: a run of f32 ops (chain_fusable: unary and binary ops with a SIMD loop,
// BiasAdd NHWC) where each link's only consumer is the next link (through one of its inputs;
// a binary link's other operand comes from outside the chain) runs as one step named like the
// tail, "_FusedElementwise". As for the remapper's steps, nothing before the tail may be
// fetched, fed, a target or a control input, and the step runs at the tail's place. The
// kernel checks the operands' shapes when it runs and falls back to the links' own kernels
// when they are not "same shape, scalar, last-dim vector or one value per row".
void Session::fuse_elementwise(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, const NodeView& g,
                               std::vector<char>* needed,
                               std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                               Plan* plan) {
  const int n = static_cast<int>(g.size());
  // Uses as in fuse_bias_activation, but through the inputs of the steps that will run (a
  // remapper step reads its head's inputs).
  const Uses u(req, fed, g, *needed, fused);
  const std::vector<int>&uses = u.uses, &consumer = u.consumer, &consumer_input = u.consumer_input;
  const std::vector<char>& pinned = u.pinned;
  auto link = [&](int id) {
    if (!(*needed)[id] || fused->count(id)) return false;
    const Node& nd = *g[id];
    if (!chain_fusable(nd.op) || nd.out_dtypes.size() != 1 || nd.out_dtypes[0] != DType::f32) return false;
    if (nd.op == OpId::BiasAdd && data_format(nd) != "NHWC") return false;
    for (const TensorRef& in : nd.inputs)
      if (g[in.node]->out_dtypes[in.index] != DType::f32) return false;
    return true;
  };
  auto next = [&](int id) {
    if (pinned[id] || uses[id] != 1 || !link(consumer[id])) return -1;
    if (g[consumer[id]]->op == OpId::BiasAdd && consumer_input[id] != 0) return -1;  // the chain's value is x
    return consumer[id];
  };
  std::vector<char> taken(n, 0);
  for (int h = 0; h < n; h++) {
    if (taken[h] || !link(h)) continue;
    std::vector<int> chain{h};
    for (int c = next(h); c >= 0 && !taken[c]; c = next(c)) chain.push_back(c);
    while (chain.size() > 1 && fed.count(ref_key(chain.back(), 0))) chain.pop_back();
    if (chain.size() < 2) continue;
    const int tail = chain.back();
    auto node = std::make_shared<Node>(*g[tail]);
    node->type_name = "_FusedElementwise";
    node->inputs = g[h]->inputs;
    auto fusion = std::make_shared<Fusion>();
    fusion->chain.push_back(ChainLink{g[h], -1, true});
    for (size_t k = 1; k < chain.size(); k++) {
      const std::shared_ptr<const Node>& nd = g[chain[k]];
      const int via = consumer_input[chain[k - 1]];
      ChainLink l{nd, -1, via == 0};
      if (nd->inputs.size() == 2) {
        node->inputs.push_back(nd->inputs[1 - via]);
        l.other = static_cast<int>(node->inputs.size()) - 1;
      }
      fusion->chain.push_back(std::move(l));
    }
    for (int id : chain) {
      taken[id] = 1;
      if (id != tail) (*needed)[id] = 0;
    }
    (*fused)[tail] = {std::move(node), std::move(fusion)};
    plan->fused.push_back(std::move(chain));
  }
}

int Session::num_threads() {
  std::lock_guard<std::mutex> lk(mu_);
  return pool_ ? pool_->size() : 0;
}

Status Session::extend(const uint8_t* bytes, size_t len) {
  std::lock_guard<std::mutex> lk(mu_);
  if (closed_) return make_error(kCancelled, "Session has been closed.");
  return decode_graph(bytes, len, nodes_, &nodes_);
}

size_t Session::num_nodes() {
  std::lock_guard<std::mutex> lk(mu_);
  return nodes_.size();
}

size_t Session::plan_cache_size() {
  std::lock_guard<std::mutex> lk(mu_);
  return cache_.size();
}

void Session::close() {
  closed_ = true;
  std::lock_guard<std::mutex> lk(mu_);
  nodes_.clear();
  cache_.clear();
  pool_.reset();
  resources_.clear();
}

// Prunes to what the fetches and targets need, stopping at fed tensors (TF
// RewriteGraphForExecution), orders the kept nodes (node order is topological) and assigns
// value slots with last-use release points.
Status Session::build_plan(const RunRequest& req, Plan* plan) {
  const int n = static_cast<int>(nodes_.size());
  auto check_ref = [&](const TensorRef& r, const char* what) -> Status {
    if (r.node < 0 || r.node >= n) return make_error(kNotFound, std::string(what) + " refers to node " + std::to_string(r.node) + " which is not in the graph");
    if (r.index < 0 || r.index >= static_cast<int>(nodes_[r.node]->out_dtypes.size()))
      return invalid_arg(std::string(what) + " '" + nodes_[r.node]->name + ":" + std::to_string(r.index) + "' refers to a missing output");
    return Status::OK();
  };
  std::unordered_map<int64_t, int> fed;  // (node << 16 | index) -> feed slot
  auto key = [](const TensorRef& r) { return (static_cast<int64_t>(r.node) << 16) | r.index; };
  for (size_t i = 0; i < req.feeds.size(); i++) {
    TL_RETURN_IF_ERROR(check_ref(req.feeds[i], "Feed"));
    if (!fed.emplace(key(req.feeds[i]), static_cast<int>(i)).second)
      return invalid_arg("Endpoint \"" + nodes_[req.feeds[i].node]->name + ":" + std::to_string(req.feeds[i].index) + "\" fed more than once.");
    plan->feed_slots.push_back(static_cast<int>(i));
    plan->feed_dtypes.push_back(nodes_[req.feeds[i].node]->out_dtypes[req.feeds[i].index]);
  }
  std::vector<char> needed(n, 0);
  std::vector<int> stack;
  for (auto& f : req.fetches) {
    TL_RETURN_IF_ERROR(check_ref(f, "Fetch"));
    if (!fed.count(key(f))) stack.push_back(f.node);
  }
  for (int t : req.targets) {
    if (t < 0 || t >= n) return make_error(kNotFound, "Target node " + std::to_string(t) + " is not in the graph");
    stack.push_back(t);
  }
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (needed[id]) continue;
    needed[id] = 1;
    for (auto& in : nodes_[id]->inputs) if (!fed.count(key(in))) stack.push_back(in.node);
    for (int c : nodes_[id]->control_inputs) {
      // A fed Placeholder is replaced by its feed, control edges included (TF FeedInputs).
      if (nodes_[c]->op == OpId::Placeholder && fed.count(key({c, 0}))) continue;
      stack.push_back(c);
    }
  }
  NodeView g = nodes_;  // the plan's rewrites replace entries
  if (constant_folding_) {
    TL_RETURN_IF_ERROR(fold_constants(req, fed, &g, &needed, plan));
    fold_batchnorm_into_conv(req, fed, &g, &needed, plan);
    fold_scale_into_filter(req, fed, &g, &needed, plan);
  }
  std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>> fused;
  if (remapping_) {
    fold_pad_into_conv(req, fed, &g, &needed, plan);
    fuse_bias_activation(req, fed, g, &needed, &fused, plan);
    fuse_layer_norm(req, fed, g, &needed, &fused, plan);
  }
  if (elementwise_fusion_) fuse_elementwise(req, fed, g, &needed, &fused, plan);
  std::vector<int> first_slot(n, -1);
  int slots = static_cast<int>(req.feeds.size());
  for (int id = 0; id < n; id++) {
    if (!needed[id]) continue;
    first_slot[id] = slots;
    slots += static_cast<int>(nodes_[id]->out_dtypes.size());
  }
  auto slot_of = [&](const TensorRef& r) {
    auto it = fed.find(key(r));
    return it != fed.end() ? it->second : first_slot[r.node] + r.index;
  };
  // TF1 ref edges: the slots that refer to a variable (a fed tensor never does).
  std::vector<char> ref_slot(slots, 0);
  bool any_ref = false;
  for (int id = 0; id < n; id++) {
    if (!needed[id]) continue;
    for (size_t o = 0; o < nodes_[id]->out_dtypes.size(); o++)
      if (is_ref_output(nodes_[id]->op, static_cast<int>(o))) {
        ref_slot[first_slot[id] + o] = 1;
        any_ref = true;
      }
  }
  std::vector<int> last_use(slots, -1);
  for (int id = 0; id < n; id++) {
    if (!needed[id]) continue;
    Step s;
    s.node = g[id];
    auto fz = fused.find(id);
    if (fz != fused.end()) {
      s.node = fz->second.first;
      s.fusion = fz->second.second;
    }
    s.fn = kernel_for(s.node->op);
    s.out_slot = first_slot[id];
    int step = static_cast<int>(plan->steps.size());
    bool refs = false;
    for (size_t j = 0; j < s.node->inputs.size(); j++) {
      const TensorRef& in = s.node->inputs[j];
      int sl = slot_of(in);
      s.in_slots.push_back(sl);
      last_use[sl] = step;
      InputKind kind = ref_slot[sl] ? InputKind::deref : InputKind::value;
      if (is_ref_input(s.node->op, static_cast<int>(j))) {
        // TF rejects this edge when the graph is built; a buffer from elsewhere may still hold it.
        if (!ref_slot[sl]) {
          const char* dt = dtype_tf_name(nodes_[in.node]->out_dtypes[in.index]);
          Status e = invalid_arg("Input " + std::to_string(j) + " of node " + s.node->name + " was passed " + dt + " from " +
                                 nodes_[in.node]->name + ":" + std::to_string(in.index) + " incompatible with expected " + dt + "_ref.");
          e.node = id;
          return e;
        }
        kind = InputKind::ref;
      }
      s.in_kinds.push_back(kind);
      s.in_names.push_back(in.index ? nodes_[in.node]->name + ":" + std::to_string(in.index) : nodes_[in.node]->name);
      refs |= kind != InputKind::value;
    }
    for (size_t o = 0; o < s.node->out_dtypes.size(); o++) {
      last_use[s.out_slot + o] = std::max(last_use[s.out_slot + o], step);
      s.has_ref_outputs |= ref_slot[s.out_slot + o] != 0;
    }
    if (!refs) {
      s.in_kinds.clear();
      s.in_names.clear();
    }
    plan->steps.push_back(std::move(s));
  }
  if (any_ref) {
    plan->ref_slots = std::move(ref_slot);
    for (auto& f : req.fetches) plan->fetch_producers.emplace_back(f.node, nodes_[f.node]->name);
  }
  for (auto& f : req.fetches) {
    int sl = slot_of(f);
    plan->fetch_slots.push_back(sl);
    last_use[sl] = -1;  // fetched values live to the end of the run
  }
  for (size_t i = 0; i < req.feeds.size(); i++) last_use[i] = -1;  // feeds belong to the request
  for (int sl = 0; sl < slots; sl++)
    if (last_use[sl] >= 0) plan->steps[last_use[sl]].release.push_back(sl);
  for (size_t i = 0; i < plan->steps.size(); i++) {
    Step& s = plan->steps[i];
    for (size_t j = 0; j < s.in_slots.size() && j < 64; j++)
      if (last_use[s.in_slots[j]] == static_cast<int>(i) && (s.in_kinds.empty() || s.in_kinds[j] == InputKind::value))
        s.last_use_inputs |= uint64_t{1} << j;
  }
  plan->num_slots = slots;
  return Status::OK();
}

Status Session::get_plan(const RunRequest& req, std::shared_ptr<const Plan>* plan, std::shared_ptr<ThreadPool>* pool) {
  std::string k = plan_key(req);
  std::lock_guard<std::mutex> lk(mu_);
  if (!pool_) return make_error(kCancelled, "Session has been closed.");
  *pool = pool_;
  auto it = cache_.find(k);
  if (it != cache_.end()) {
    *plan = it->second;
    if ((*plan)->used_pool.load(std::memory_order_relaxed)) pool_->wake();  // while the first steps run
    return Status::OK();
  }
  pool_->wake();
  auto p = std::make_shared<Plan>();
  TL_RETURN_IF_ERROR(build_plan(req, p.get()));
  cache_.emplace(k, p);
  *plan = p;
  return Status::OK();
}

namespace {
// Inter-op parallelism pays once a run takes this long (below it, handing steps to other threads
// costs more than it saves: small plans run inline, waking no thread).
constexpr int64_t kInterOpMinNs = 200000;
}  // namespace

// How many threads run this plan's steps: 1 (in plan order, on the calling thread) unless
// inter-op parallelism is on, the plan has independent steps, no ref edges (variable reads and
// assignments keep the plan's order) and its runs take long enough.
int Session::inter_op_lanes(const Plan& plan, ThreadPool* pool) {
  if (inter_op_ <= 1 || !pool || pool->size() <= 1 || plan.steps.size() < 3 || !plan.ref_slots.empty()) return 1;
  if (plan.avg_ns.load(std::memory_order_relaxed) < kInterOpMinNs) return 1;
  int width = plan.width.load(std::memory_order_relaxed);
  if (width < 0) {
    // The widest level of the dependency DAG (data edges; control edges only add order),
    // counting steps that compute from inputs (constants and variables are no work to spread).
    std::vector<int> level_of_slot(plan.num_slots, 0), count;
    for (const Step& s : plan.steps) {
      int level = 0;
      for (int sl : s.in_slots) level = std::max(level, level_of_slot[sl]);
      for (size_t o = 0; o < s.node->out_dtypes.size(); o++) level_of_slot[s.out_slot + o] = level + 1;
      if (s.in_slots.empty()) continue;
      if (static_cast<int>(count.size()) <= level) count.resize(level + 1, 0);
      count[level]++;
    }
    width = count.empty() ? 1 : *std::max_element(count.begin(), count.end());
    plan.width.store(width, std::memory_order_relaxed);
  }
  return std::min({inter_op_, pool->size(), width});
}

// The steps of a plan on `lanes` threads of the pool (the caller is one of them): a step runs
// once every step it depends on (data and control edges) finished; a value is released after
// its last consumer finished, and a kernel may write over an input only when no other consumer
// of it is left (the last-use bits of the plan order are narrowed to that). The first error,
// the deadline or a cancel stops handing out steps; the run returns once the running ones
// ended. Trace rows carry each step's thread, so the timeline shows the overlap.
Status Session::run_parallel(const Plan& plan, const RunRequest& req, RunResult* out, std::vector<Tensor>& slots, RunControl& ctl,
                             int64_t t_begin, int lanes) {
  const int n = static_cast<int>(plan.steps.size());
  std::vector<int> producer(plan.num_slots, -1);
  std::unordered_map<int, int> step_of_node;
  for (int i = 0; i < n; i++) {
    const Step& s = plan.steps[i];
    for (size_t o = 0; o < s.node->out_dtypes.size(); o++) producer[s.out_slot + o] = i;
    step_of_node[s.node->index] = i;
  }
  // Control inputs of the nodes a fused step absorbed (its node keeps only the head's).
  std::unordered_map<int, std::vector<int>> extra_control;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (nodes_.empty()) return make_error(kCancelled, "Session has been closed.");
    for (auto& chain : plan.fused)
      for (size_t k = 1; k < chain.size(); k++)
        for (int c : nodes_[chain[k]]->control_inputs) extra_control[chain.back()].push_back(c);
  }
  std::vector<int> waiting(n, 0), remaining(plan.num_slots, 0);
  std::vector<std::vector<int>> consumers(n), distinct_inputs(n);
  for (int i = 0; i < n; i++) {
    const Step& s = plan.steps[i];
    std::vector<int> deps;
    for (int sl : s.in_slots) if (producer[sl] >= 0) deps.push_back(producer[sl]);
    auto control = [&](int c) {
      auto it = step_of_node.find(c);
      if (it != step_of_node.end()) deps.push_back(it->second);
    };
    for (int c : s.node->control_inputs) control(c);
    auto ex = extra_control.find(s.node->index);
    if (ex != extra_control.end()) for (int c : ex->second) control(c);
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    waiting[i] = static_cast<int>(deps.size());
    for (int d : deps) consumers[d].push_back(i);
    distinct_inputs[i] = s.in_slots;
    std::sort(distinct_inputs[i].begin(), distinct_inputs[i].end());
    distinct_inputs[i].erase(std::unique(distinct_inputs[i].begin(), distinct_inputs[i].end()), distinct_inputs[i].end());
    for (int sl : distinct_inputs[i]) remaining[sl]++;
  }
  std::vector<char> keep(plan.num_slots, 0);  // feeds and fetches live to the end of the run
  for (int sl : plan.feed_slots) keep[sl] = 1;
  for (int sl : plan.fetch_slots) keep[sl] = 1;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<int> ready;
  std::vector<int64_t> ready_at(n, 0);
  for (int i = 0; i < n; i++) if (!waiting[i]) ready.push_back(i);
  int done = 0;
  bool failed = false;
  Status error;
  auto release = [&](int sl) {  // under mu
    Tensor& t = slots[sl];
    if (t.buf && t.buf.use_count() == 1 && t.buf->owned) ctl.bytes_live -= static_cast<int64_t>(t.buf->bytes);
    t = Tensor();
  };

  auto lane = [&](int64_t, int64_t) {
    RunControl lc;
    lc.pool = ctl.pool;
    lc.deadline_ns = ctl.deadline_ns;
    lc.cancel_flag = ctl.cancel_flag;
    std::vector<Tensor> outputs;
    std::vector<const Tensor*> inputs;
    const uint64_t thread_id = req.trace ? current_thread_id() : 0;
    std::unique_lock<std::mutex> lk(mu);
    for (;;) {
      cv.wait(lk, [&] { return failed || done == n || !ready.empty(); });
      if (failed || done == n) return;
      const int i = ready.front();
      ready.pop_front();
      const Step& step = plan.steps[i];
      const Node& node = *step.node;
      uint64_t last_use = 0;
      for (size_t j = 0; j < step.in_slots.size() && j < 64; j++)
        if ((step.last_use_inputs >> j & 1) && remaining[step.in_slots[j]] == 1) last_use |= uint64_t{1} << j;
      lk.unlock();

      Status st;
      const int64_t t0 = req.trace ? steady_ns() - t_begin : 0;
      int64_t t1 = t0, t2 = t0;
      if (lc.should_stop()) {
        st = lc.stop_status();
      } else {
        inputs.clear();
        for (int sl : step.in_slots) inputs.push_back(&slots[sl]);
        outputs.assign(node.out_dtypes.size(), Tensor());
        KernelContext ctx{node, inputs, outputs, lc};
        ctx.resources = &resources_;
        ctx.last_use_inputs = last_use;
        ctx.fusion = step.fusion.get();
        t1 = req.trace ? steady_ns() - t_begin : 0;
        try {  // nothing may escape a pool thread
          st = step.fn(ctx);
        } catch (const std::bad_alloc&) {
          st = make_error(kResourceExhausted, "OOM in the native executor");
        } catch (const std::exception& e) {
          st = make_error(kInternal, e.what());
        }
        t2 = req.trace ? steady_ns() - t_begin : 0;
        if (st.ok() && (lc.interrupted || lc.should_stop())) st = lc.stop_status();
        for (size_t o = 0; st.ok() && o < outputs.size(); o++) {
          if (!outputs[o].buf) st = make_error(kInternal, std::string("Kernel for ") + node.type_name + " did not produce output " + std::to_string(o));
        }
        if (!st.ok()) st.node = node.index;
      }

      lk.lock();
      if (!st.ok()) {
        if (!failed) error = st;
        failed = true;
        cv.notify_all();
        continue;
      }
      for (size_t o = 0; o < outputs.size(); o++) slots[step.out_slot + o] = std::move(outputs[o]);
      ctl.bytes_live += lc.bytes_live;
      ctl.bytes_peak = std::max(ctl.bytes_peak, ctl.bytes_live);
      ctl.bytes_total += lc.bytes_total;
      ctl.pool_hits += lc.pool_hits;
      ctl.pool_misses += lc.pool_misses;
      ctl.forwarded += lc.forwarded;
      const int64_t allocated = lc.bytes_total;
      lc.bytes_live = lc.bytes_total = lc.pool_hits = lc.pool_misses = lc.forwarded = 0;
      NodeTrace* tr = nullptr;
      if (req.trace) {
        out->trace.push_back(NodeTrace{node.index, ready_at[i], t0, t1, t2, 0, thread_id, allocated, {}});
        tr = &out->trace.back();
        for (size_t o = 0; o < node.out_dtypes.size(); o++) {
          const Tensor& t = slots[step.out_slot + o];
          tr->outputs.push_back(OutputDesc{t.dtype, t.shape, static_cast<int64_t>(t.bytes())});
        }
      }
      for (int sl : distinct_inputs[i]) if (--remaining[sl] == 0 && !keep[sl]) release(sl);
      for (size_t o = 0; o < node.out_dtypes.size(); o++) {
        const int sl = step.out_slot + static_cast<int>(o);
        if (remaining[sl] == 0 && !keep[sl]) release(sl);
      }
      const int64_t now = steady_ns() - t_begin;
      if (tr) tr->end_ns = now;
      done++;
      for (int c : consumers[i])
        if (--waiting[c] == 0) {
          ready.push_back(c);
          ready_at[c] = now;
        }
      if (done == n || ready.size() > 1) cv.notify_all();
    }
  };
  ctl.pool->parallel_for(lanes, 1, lane);
  // Trace rows in plan order, as an in-order run lists them (times and threads tell the overlap).
  std::stable_sort(out->trace.begin(), out->trace.end(),
                   [&](const NodeTrace& a, const NodeTrace& b) { return step_of_node[a.node] < step_of_node[b.node]; });
  return failed ? error : Status::OK();
}

Status Session::run(const RunRequest& req, RunResult* out) {
  if (closed_) return make_error(kCancelled, "Session has been closed.");
  if (req.feeds.size() != req.feed_values.size()) return invalid_arg("feeds and feed values differ in number");
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<ThreadPool> pool;
  TL_RETURN_IF_ERROR(get_plan(req, &plan, &pool));
  return execute(*plan, pool.get(), req, out);
}

Status Session::plan_for(const RunRequest& req, std::shared_ptr<const Plan>* plan) {
  if (closed_) return make_error(kCancelled, "Session has been closed.");
  std::shared_ptr<ThreadPool> pool;
  return get_plan(req, plan, &pool);
}

Status Session::run_plan(const Plan& plan, const RunRequest& req, RunResult* out) {
  if (plan.feed_slots.size() != req.feed_values.size()) return invalid_arg("feeds and feed values differ in number");
  std::shared_ptr<ThreadPool> pool;
  {
    std::lock_guard<std::mutex> lk(mu_);
    pool = pool_;
  }
  if (closed_ || !pool) return make_error(kCancelled, "Session has been closed.");
  return execute(plan, pool.get(), req, out);
}

// The run loop: steps in plan order on the calling thread (kernels split their work on the pool).
Status Session::execute(const Plan& plan_ref, ThreadPool* pool_ptr, const RunRequest& req, RunResult* out) {
  const Plan* plan = &plan_ref;
  RunControl ctl;
  ctl.pool = pool_ptr;
  ctl.cancel_flag = &closed_;
  const int64_t t_begin = steady_ns();
  const uint64_t dispatched = pool_ptr->dispatched();
  if (req.timeout_ms > 0) ctl.deadline_ns = t_begin + req.timeout_ms * 1000000;
  if (req.trace) {
    out->start_epoch_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    out->trace.reserve(plan->steps.size());
  }

  // The value slots and the step scratch come from this thread's previous run (a run makes no
  // heap allocation for them; a nested run on the same thread finds the cache taken and makes
  // its own). Emptied on every way out, so no tensor outlives the run through the cache.
  struct Scratch {
    std::vector<Tensor> slots, outputs;
    std::vector<const Tensor*> inputs;
  };
  thread_local Scratch cache;
  struct Lease {
    Scratch& cache;
    Scratch s;
    explicit Lease(Scratch& c) : cache(c) { std::swap(s, cache); }
    ~Lease() {
      s.slots.clear();
      s.outputs.clear();
      s.inputs.clear();
      std::swap(s, cache);
    }
  } lease(cache);
  std::vector<Tensor>& slots = lease.s.slots;
  slots.resize(plan->num_slots);
  for (size_t i = 0; i < req.feed_values.size(); i++) {
    const Tensor& v = req.feed_values[i];
    int64_t n;
    if (v.dtype != plan->feed_dtypes[i] || !shape_num_elements(v.shape, &n) || !v.buf ||
        v.buf->bytes < static_cast<size_t>(n) * dtype_size(v.dtype))
      return invalid_arg("Fed value " + std::to_string(i) + " does not match the dtype or size of the tensor it feeds");
    slots[plan->feed_slots[i]] = v;
  }

  std::vector<Tensor>& outputs = lease.s.outputs;
  std::vector<const Tensor*>& inputs = lease.s.inputs;
  // Ref edges (only when the plan has any): the variable each ref slot refers to, and the
  // current step's reads through its ref inputs.
  const bool has_refs = !plan->ref_slots.empty();
  std::vector<std::shared_ptr<Var>> refs(has_refs ? plan->num_slots : 0), ref_in, ref_out;
  std::vector<Tensor> ref_values;
  int64_t prev_end = 0;
  const uint64_t thread_id = req.trace ? current_thread_id() : 0;  // ops run on this thread
  // Independent steps at the same time (run_parallel), or every step in plan order here.
  const int lanes = inter_op_lanes(*plan, pool_ptr);
  if (lanes > 1) TL_RETURN_IF_ERROR(run_parallel(*plan, req, out, slots, ctl, t_begin, lanes));
  static const std::vector<Step> kNone;
  for (const Step& step : lanes > 1 ? kNone : plan->steps) {
    if (ctl.should_stop()) return ctl.stop_status();
    const Node& node = *step.node;
    int64_t t0 = req.trace ? steady_ns() - t_begin : 0;
    inputs.clear();
    if (step.in_kinds.empty()) {
      for (int sl : step.in_slots) inputs.push_back(&slots[sl]);
    } else {
      Status st = read_ref_inputs(step, refs, &ref_values, &ref_in);
      if (!st.ok()) {
        st.node = node.index;
        return st;
      }
      for (size_t j = 0; j < step.in_slots.size(); j++)
        inputs.push_back(step.in_kinds[j] == InputKind::value ? &slots[step.in_slots[j]] : &ref_values[j]);
    }
    outputs.assign(node.out_dtypes.size(), Tensor());
    KernelContext ctx{node, inputs, outputs, ctl};
    ctx.resources = &resources_;
    ctx.last_use_inputs = step.last_use_inputs;
    ctx.fusion = step.fusion.get();
    if (!step.in_kinds.empty()) ctx.ref_inputs = &ref_in;
    if (step.has_ref_outputs) {
      ref_out.assign(node.out_dtypes.size(), nullptr);
      ctx.ref_outputs = &ref_out;
    }
    int64_t bytes_before = ctl.bytes_total;
    int64_t t1 = req.trace ? steady_ns() - t_begin : 0;
    Status st = step.fn(ctx);
    int64_t t2 = req.trace ? steady_ns() - t_begin : 0;
    // A kernel cut short, or one that ran past the deadline: the run fails either way (TF
    // returns DEADLINE_EXCEEDED once the deadline passes, even during the last op).
    if (st.ok() && (ctl.interrupted || ctl.should_stop())) st = ctl.stop_status();
    if (!st.ok()) {
      st.node = node.index;
      return st;
    }
    for (size_t o = 0; o < outputs.size(); o++) {
      const int sl = step.out_slot + static_cast<int>(o);
      const bool is_ref = step.has_ref_outputs && plan->ref_slots[sl];
      if (is_ref ? !ref_out[o] : !outputs[o].buf) {
        Status e = make_error(kInternal, std::string("Kernel for ") + node.type_name + " did not produce output " + std::to_string(o));
        e.node = node.index;
        return e;
      }
      if (is_ref) {
        // The slot keeps only the value's description (for the trace): readers dereference
        // the variable when they run.
        Tensor v = ref_out[o]->read();
        slots[sl] = Tensor{v.dtype, v.shape, nullptr};
        refs[sl] = std::move(ref_out[o]);
      } else {
        slots[sl] = std::move(outputs[o]);
      }
    }
    NodeTrace* tr = nullptr;
    if (req.trace) {
      out->trace.push_back(NodeTrace{node.index, prev_end, t0, t1, t2, 0, thread_id,
                                     ctl.bytes_total - bytes_before, {}});
      tr = &out->trace.back();
      for (size_t o = 0; o < node.out_dtypes.size(); o++) {
        const Tensor& t = slots[step.out_slot + o];
        tr->outputs.push_back(OutputDesc{t.dtype, t.shape, static_cast<int64_t>(t.bytes())});
      }
    }
    for (int sl : step.release) {
      Tensor& t = slots[sl];
      if (t.buf && t.buf.use_count() == 1 && t.buf->owned) ctl.bytes_live -= static_cast<int64_t>(t.buf->bytes);
      t = Tensor();
      if (has_refs) refs[sl].reset();
    }
    if (tr) {
      tr->end_ns = steady_ns() - t_begin;
      prev_end = tr->end_ns;
    }
  }
  out->outputs.reserve(plan->fetch_slots.size());
  for (size_t j = 0; j < plan->fetch_slots.size(); j++) {
    const int sl = plan->fetch_slots[j];
    if (!has_refs || !plan->ref_slots[sl]) {
      out->outputs.push_back(slots[sl]);
      continue;
    }
    // A fetched ref is read at the end of the step. It shares the variable's buffer, which the
    // resource manager also holds, so the addon hands JS a copy (fetched_buffer).
    Tensor v = refs[sl]->read();
    if (!v.buf) {
      Status e = make_error(kFailedPrecondition, "Attempting to use uninitialized value " + plan->fetch_producers[j].second);
      e.node = plan->fetch_producers[j].first;
      return e;
    }
    out->outputs.push_back(std::move(v));
  }
  if (req.trace || req.want_executed) {
    for (auto& s : plan->steps) out->executed.push_back(s.node->index);
    out->fused = plan->fused;
    out->folded = plan->folded;
    out->scaled = plan->scaled;
    out->normed = plan->normed;
    out->padded = plan->padded;
    if (req.want_executed)
      for (auto& s : plan->steps)
        if (std::binary_search(plan->folded.begin(), plan->folded.end(), s.node->index)) out->folded_values.push_back(s.node->attrs[0].tensor);
  }
  const int64_t took = steady_ns() - t_begin, avg = plan->avg_ns.load(std::memory_order_relaxed);
  plan->avg_ns.store(avg < 0 ? took : (7 * avg + took) / 8, std::memory_order_relaxed);
  plan->used_pool.store(pool_ptr->dispatched() != dispatched, std::memory_order_relaxed);
  if (req.trace) {
    out->bytes_peak = ctl.bytes_peak;
    out->bytes_total = ctl.bytes_total;
    out->pool_hits = ctl.pool_hits;
    out->pool_misses = ctl.pool_misses;
    out->forwarded = ctl.forwarded;
  }
  return Status::OK();
}

}  // namespace tl
