// Pruning, scheduling, plan cache and the run loop (TF DirectSession + executor, minus devices).
#include "executor.h"
#include "alloc.h"
#include <algorithm>
#include <chrono>
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

Session::Session(int intra_op_threads, bool remapping)
    : pool_(shared_thread_pool(intra_op_threads)), remapping_(remapping) {}

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
    case OpId::Conv2D: return "_FusedConv2D";
    default: return "_FusedDepthwiseConv2dNative";
  }
}

}  // namespace

// TF's remapper (grappler/optimizers/remapper.cc), on the nodes this plan runs: a MatMul,
// Conv2D or DepthwiseConv2dNative (float or double, NHWC) whose only consumer is a BiasAdd (not
// an Add: graphs built with tf.add keep their nodes, as in TF), optionally followed by an
// activation that is that one's only consumer, runs as one step: the head's kernel with a bias + activation epilogue,
// named like the last node, whose outputs it produces. Nothing absorbed before the tail may be
// fetched, fed, a target, a control input or read by another node; the step runs at the tail's
// place in the node order, after every input of the chain.
void Session::fuse_bias_activation(const RunRequest& req, const std::unordered_map<int64_t, int>& fed, std::vector<char>* needed,
                                   std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>>* fused,
                                   Plan* plan) {
  const int n = static_cast<int>(nodes_.size());
  auto key = [](int node, int index) { return (static_cast<int64_t>(node) << 16) | index; };
  // Per node: data uses of its outputs by kept nodes, the last such consumer (node, input), and
  // whether anything else pins it (a fetch, a target, a control edge, a fed output).
  std::vector<int> uses(n, 0), consumer(n, -1), consumer_input(n, -1);
  std::vector<char> pinned(n, 0);
  for (int id = 0; id < n; id++) {
    if (!(*needed)[id]) continue;
    const Node& nd = *nodes_[id];
    for (size_t j = 0; j < nd.inputs.size(); j++) {
      const TensorRef& in = nd.inputs[j];
      if (fed.count(key(in.node, in.index))) continue;
      uses[in.node]++;
      consumer[in.node] = id;
      consumer_input[in.node] = static_cast<int>(j);
    }
    for (int c : nd.control_inputs) pinned[c] = 1;
  }
  for (auto& f : req.fetches) pinned[f.node] = 1;
  for (int t : req.targets) pinned[t] = 1;
  for (auto& f : req.feeds) pinned[f.node] = 1;
  auto single_consumer = [&](int id) { return !pinned[id] && uses[id] == 1 ? consumer[id] : -1; };
  auto is_float = [](DType t) { return t == DType::f32 || t == DType::f64; };

  for (int h = 0; h < n; h++) {
    if (!(*needed)[h]) continue;
    const Node& head = *nodes_[h];
    if (head.op != OpId::MatMul && head.op != OpId::Conv2D && head.op != OpId::DepthwiseConv2dNative) continue;
    if (!is_float(head.out_dtypes[0]) || data_format(head) != "NHWC") continue;
    const int m = single_consumer(h);
    if (m < 0) continue;
    const Node& mid = *nodes_[m];
    TensorRef bias;
    if (mid.op == OpId::BiasAdd && consumer_input[h] == 0 && data_format(mid) == "NHWC") {
      bias = mid.inputs[1];
    } else {
      continue;
    }
    int tail = m;
    const int t = single_consumer(m);
    if (t >= 0 && fusable_activation(nodes_[t]->op) && consumer_input[m] == 0) tail = t;  // the tail itself may be fetched
    // The chain's outputs must not be fed (a fed tensor replaces its producer).
    if (fed.count(key(tail, 0))) continue;

    auto node = std::make_shared<Node>(head);
    node->index = tail;
    node->name = nodes_[tail]->name;
    node->type_name = fused_type(head.op);
    node->inputs.push_back(bias);
    node->out_dtypes = nodes_[tail]->out_dtypes;
    node->out_ranks = nodes_[tail]->out_ranks;
    node->out_shapes = nodes_[tail]->out_shapes;
    auto fusion = std::make_shared<Fusion>();
    fusion->bias_input = static_cast<int>(node->inputs.size()) - 1;
    if (tail != m) {
      fusion->act = nodes_[tail]->op;
      if (fusion->act == OpId::LeakyRelu) fusion->alpha = static_cast<float>(nodes_[tail]->attrs[0].f);
    }
    (*needed)[h] = 0;
    if (tail != m) (*needed)[m] = 0;  // a BiasAdd tail is the fused step itself
    (*fused)[tail] = {std::move(node), std::move(fusion)};
    plan->fused.push_back(tail == m ? std::vector<int>{h, m} : std::vector<int>{h, m, tail});
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
  std::unordered_map<int, std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Fusion>>> fused;
  if (remapping_) fuse_bias_activation(req, fed, &needed, &fused, plan);
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
    s.node = nodes_[id];
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
    return Status::OK();
  }
  auto p = std::make_shared<Plan>();
  TL_RETURN_IF_ERROR(build_plan(req, p.get()));
  cache_.emplace(k, p);
  *plan = p;
  return Status::OK();
}

Status Session::run(const RunRequest& req, RunResult* out) {
  if (closed_) return make_error(kCancelled, "Session has been closed.");
  if (req.feeds.size() != req.feed_values.size()) return invalid_arg("feeds and feed values differ in number");
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<ThreadPool> pool;
  TL_RETURN_IF_ERROR(get_plan(req, &plan, &pool));

  RunControl ctl;
  ctl.pool = pool.get();
  ctl.cancel_flag = &closed_;
  const int64_t t_begin = steady_ns();
  if (req.timeout_ms > 0) ctl.deadline_ns = t_begin + req.timeout_ms * 1000000;
  if (req.trace) {
    out->start_epoch_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    out->trace.reserve(plan->steps.size());
  }

  std::vector<Tensor> slots(plan->num_slots);
  for (size_t i = 0; i < req.feeds.size(); i++) {
    const Tensor& v = req.feed_values[i];
    int64_t n;
    if (v.dtype != plan->feed_dtypes[i] || !shape_num_elements(v.shape, &n) || !v.buf ||
        v.buf->bytes < static_cast<size_t>(n) * dtype_size(v.dtype))
      return invalid_arg("Fed value " + std::to_string(i) + " does not match the dtype or size of the tensor it feeds");
    slots[plan->feed_slots[i]] = v;
  }

  std::vector<Tensor> outputs;
  std::vector<const Tensor*> inputs;
  // Ref edges (only when the plan has any): the variable each ref slot refers to, and the
  // current step's reads through its ref inputs.
  const bool has_refs = !plan->ref_slots.empty();
  std::vector<std::shared_ptr<Var>> refs(has_refs ? plan->num_slots : 0), ref_in, ref_out;
  std::vector<Tensor> ref_values;
  int64_t prev_end = 0;
  const uint64_t thread_id = req.trace ? current_thread_id() : 0;  // ops run on this thread
  for (const Step& step : plan->steps) {
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
  }
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
