// Pruning, scheduling, plan cache and the run loop (TF DirectSession + executor, minus devices).
#include "executor.h"
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
  auto buf = Buffer::allocate(static_cast<size_t>(bytes));
  if (!buf) return make_error(kResourceExhausted, "OOM when allocating tensor with shape " + shape_str(shape) +
                                                     " and type " + dtype_tf_name(dt));
  run.bytes_live += bytes;
  run.bytes_total += bytes;
  run.bytes_peak = std::max(run.bytes_peak, run.bytes_live);
  Tensor& t = outputs[i];
  t.dtype = dt;
  t.shape = shape;
  t.buf = std::move(buf);
  *out = &t;
  return Status::OK();
}

void KernelContext::alias_output(int i, const Tensor& t, const Shape& shape) {
  outputs[i].dtype = t.dtype;
  outputs[i].shape = shape;
  outputs[i].buf = t.buf;
}

Session::Session(int intra_op_threads)
    : pool_(shared_thread_pool(intra_op_threads)) {}

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
  std::vector<int> last_use(slots, -1);
  for (int id = 0; id < n; id++) {
    if (!needed[id]) continue;
    Step s;
    s.node = nodes_[id];
    s.fn = kernel_for(s.node->op);
    s.out_slot = first_slot[id];
    int step = static_cast<int>(plan->steps.size());
    for (auto& in : s.node->inputs) {
      int sl = slot_of(in);
      s.in_slots.push_back(sl);
      last_use[sl] = step;
    }
    for (size_t o = 0; o < s.node->out_dtypes.size(); o++) last_use[s.out_slot + o] = std::max(last_use[s.out_slot + o], step);
    plan->steps.push_back(std::move(s));
  }
  for (auto& f : req.fetches) {
    int sl = slot_of(f);
    plan->fetch_slots.push_back(sl);
    last_use[sl] = -1;  // fetched values live to the end of the run
  }
  for (size_t i = 0; i < req.feeds.size(); i++) last_use[i] = -1;  // feeds belong to the request
  for (int sl = 0; sl < slots; sl++)
    if (last_use[sl] >= 0) plan->steps[last_use[sl]].release.push_back(sl);
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
  int64_t prev_end = 0;
  const uint64_t thread_id = req.trace ? current_thread_id() : 0;  // ops run on this thread
  for (const Step& step : plan->steps) {
    if (ctl.should_stop()) return ctl.stop_status();
    const Node& node = *step.node;
    int64_t t0 = req.trace ? steady_ns() - t_begin : 0;
    inputs.clear();
    for (int sl : step.in_slots) inputs.push_back(&slots[sl]);
    outputs.assign(node.out_dtypes.size(), Tensor());
    KernelContext ctx{node, inputs, outputs, ctl};
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
      if (!outputs[o].buf) {
        Status e = make_error(kInternal, std::string("Kernel for ") + node.type_name + " did not produce output " + std::to_string(o));
        e.node = node.index;
        return e;
      }
      slots[step.out_slot + o] = std::move(outputs[o]);
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
    }
    if (tr) {
      tr->end_ns = steady_ns() - t_begin;
      prev_end = tr->end_ns;
    }
  }
  out->outputs.reserve(plan->fetch_slots.size());
  for (int sl : plan->fetch_slots) out->outputs.push_back(slots[sl]);
  if (req.trace || req.want_executed)
    for (auto& s : plan->steps) out->executed.push_back(s.node->index);
  if (req.trace) {
    out->bytes_peak = ctl.bytes_peak;
    out->bytes_total = ctl.bytes_total;
  }
  return Status::OK();
}

}  // namespace tl
