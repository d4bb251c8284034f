// The N-API surface: a flat set of functions over an External session handle. This is the only
// file that includes napi.h. JS passes node indices and typed arrays; native validates them.
//
// Lifetime: the External owns a shared_ptr<Session>; every run (sync or async) holds its own
// copy, so a GC'd or closed session stays valid until its last run settles. Async runs execute
// on the libuv pool and never touch napi_env there.
#include <napi.h>
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include "cpu.h"
#include "executor.h"

namespace {

using tl::Status;
using SessionPtr = std::shared_ptr<tl::Session>;

// Runs f() with C++ exceptions (allocation failures) turned into a Status: nothing may escape
// into N-API, least of all on a worker thread.
template <class F>
Status guarded(F f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return tl::make_error(tl::kResourceExhausted, "OOM in the native executor");
  } catch (const std::exception& e) {
    return tl::make_error(tl::kInternal, e.what());
  }
}

Status safe_run(tl::Session& s, const tl::RunRequest& req, tl::RunResult* res) {
  return guarded([&] { return s.run(req, res); });
}

Napi::Error status_error(Napi::Env env, const Status& st) {
  Napi::Error e = Napi::Error::New(env, st.msg);
  e.Set("tlCode", Napi::Number::New(env, st.code));
  e.Set("tlNode", Napi::Number::New(env, st.node));
  return e;
}

// Tags our session handles so a foreign External is refused instead of misread.
const napi_type_tag kSessionTag = {0x7e4c1a9b3d5f2e80ULL, 0x1b6d8f0a2c4e6a93ULL};

SessionPtr& session_handle(const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::External<SessionPtr>>().CheckTypeTag(&kSessionTag)) throw Napi::TypeError::New(v.Env(), "expected a tensorloom session handle");
  return *v.As<Napi::External<SessionPtr>>().Data();
}
// The live session of a handle (close() releases it at once: in-flight runs keep their own reference).
SessionPtr& session_of(const Napi::Value& v) {
  SessionPtr& s = session_handle(v);
  if (!s) throw status_error(v.Env(), tl::make_error(tl::kCancelled, "Session has been closed."));
  return s;
}

std::vector<int32_t> int_list(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<tl::TensorRef> ref_list(const Napi::Value& v, const char* what) {
  auto ints = int_list(v, what);
  if (ints.size() % 2) throw Napi::TypeError::New(v.Env(), std::string(what) + " must hold (node, output) pairs");
  std::vector<tl::TensorRef> refs;
  for (size_t i = 0; i < ints.size(); i += 2) refs.push_back({ints[i], ints[i + 1]});
  return refs;
}

// Stores JS number x as dtype dt at dst; false if x does not fit losslessly (ints, bool).
template <class T>
bool store_int(double x, double lo, double hi, void* dst) {
  if (!(x >= lo && x <= hi) || x != static_cast<double>(static_cast<int64_t>(x))) return false;
  T v = static_cast<T>(x);
  std::memcpy(dst, &v, sizeof v);
  return true;
}
bool store_number(double x, tl::DType dt, void* dst) {
  switch (dt) {
    case tl::DType::f32: { float v = static_cast<float>(x); std::memcpy(dst, &v, 4); return true; }
    case tl::DType::f64: std::memcpy(dst, &x, 8); return true;
    case tl::DType::i32: return store_int<int32_t>(x, -2147483648.0, 2147483647.0, dst);
    case tl::DType::u8: return store_int<uint8_t>(x, 0, 255, dst);
    case tl::DType::boolean: return store_int<uint8_t>(x, 0, 1, dst);
    case tl::DType::i64: return store_int<int64_t>(x, -9007199254740992.0, 9007199254740992.0, dst);
  }
  return false;
}

// Small values travel as plain arrays of numbers: reading an on-heap TypedArray through N-API
// makes V8 move it off-heap first, which costs more than the whole run of a tiny graph.
constexpr uint32_t kSmallValue = 16;

tl::Tensor small_tensor(Napi::Env env, const Napi::Array& a, tl::Tensor t, int64_t n) {
  if (n > kSmallValue || a.Length() != static_cast<uint32_t>(n))
    throw Napi::RangeError::New(env, "feed value array does not match its shape");
  t.buf = tl::Buffer::allocate(static_cast<size_t>(n) * tl::dtype_size(t.dtype));
  if (!t.buf) throw Napi::RangeError::New(env, "out of memory copying a feed value");
  auto* dst = static_cast<uint8_t*>(t.buf->data);
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber() || !store_number(e.As<Napi::Number>().DoubleValue(), t.dtype, dst + i * tl::dtype_size(t.dtype)))
      throw Napi::RangeError::New(env, std::string("feed value element does not fit dtype ") + tl::dtype_tf_name(t.dtype));
  }
  return t;
}

// One feed value, given as (dtype, shape, data), as a Tensor; `copy` makes it independent of
// JS memory (async runs), otherwise it borrows the typed array for the synchronous call.
tl::Tensor to_tensor(Napi::Env env, const Napi::Value& dt, const Napi::Value& shape, const Napi::Value& data, bool copy) {
  if (!dt.IsNumber() || !tl::dtype_valid(dt.As<Napi::Number>().Int32Value()))
    throw Napi::TypeError::New(env, "feed value has an invalid dtype");
  if (!shape.IsArray() || shape.As<Napi::Array>().Length() > tl::kMaxRank)
    throw Napi::TypeError::New(env, "feed value has an invalid shape");
  if (!data.IsTypedArray() && !data.IsArray()) throw Napi::TypeError::New(env, "feed value data must be a TypedArray or an array of numbers");
  tl::Tensor t;
  t.dtype = static_cast<tl::DType>(dt.As<Napi::Number>().Int32Value());
  auto arr = shape.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value d = arr.Get(i);
    double x = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 0 && x <= 9.0e15) || x != static_cast<double>(static_cast<int64_t>(x)))
      throw Napi::TypeError::New(env, "feed value shape must hold non-negative integers");
    t.shape.push_back(static_cast<int64_t>(x));
  }
  int64_t n, bytes;
  if (!tl::shape_num_elements(t.shape, &n) || tl::mul_overflow(n, static_cast<int64_t>(tl::dtype_size(t.dtype)), &bytes))
    throw Napi::RangeError::New(env, "feed value is too large");
  if (data.IsArray()) return small_tensor(env, data.As<Napi::Array>(), std::move(t), n);
  auto ta = data.As<Napi::TypedArray>();
  if (static_cast<int64_t>(ta.ByteLength()) != bytes)
    throw Napi::RangeError::New(env, "feed value data has " + std::to_string(ta.ByteLength()) + " bytes, its shape needs " + std::to_string(bytes));
  const uint8_t* src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (copy) {
    t.buf = tl::Buffer::allocate(static_cast<size_t>(bytes));
    if (!t.buf) throw Napi::RangeError::New(env, "out of memory copying a feed value");
    if (bytes) std::memcpy(t.buf->data, src, static_cast<size_t>(bytes));
  } else {
    t.buf = std::make_shared<tl::Buffer>();  // borrowed: valid while the synchronous call lasts
    t.buf->data = const_cast<uint8_t*>(src);
    t.buf->bytes = static_cast<size_t>(bytes);
  }
  return t;
}

// sessionRun(handle, feeds, feedValues, fetches, targets, flags, timeoutMs): feeds and fetches
// are Int32Arrays of (node, output) pairs, feedValues a flat array of (dtype, shape, data)
// triples, flags bit 0 = trace, bit 1 = list executed nodes. Positional arguments and flat
// arrays: no property-name lookups on the per-run path.
tl::RunRequest parse_request(const Napi::CallbackInfo& info, bool copy) {
  Napi::Env env = info.Env();
  if (info.Length() < 7) throw Napi::TypeError::New(env, "sessionRun takes 7 arguments");
  tl::RunRequest req;
  req.feeds = ref_list(info[1], "feeds");
  req.fetches = ref_list(info[3], "fetches");
  for (int32_t t : int_list(info[4], "targets")) req.targets.push_back(t);
  Napi::Value vals = info[2];
  if (!vals.IsArray() || vals.As<Napi::Array>().Length() != 3 * req.feeds.size())
    throw Napi::TypeError::New(env, "feedValues must hold a (dtype, shape, data) triple per feed");
  auto a = vals.As<Napi::Array>();
  for (uint32_t i = 0; i < req.feeds.size(); i++)
    req.feed_values.push_back(to_tensor(env, a.Get(3 * i), a.Get(3 * i + 1), a.Get(3 * i + 2), copy));
  int flags = info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 0;
  req.trace = flags & 1;
  req.want_executed = flags & 2;
  if (info[6].IsNumber()) req.timeout_ms = static_cast<int64_t>(info[6].As<Napi::Number>().DoubleValue());
  return req;
}

Napi::Array small_array(Napi::Env env, const tl::Tensor& t) {
  const int64_t n = t.num_elements();
  auto a = Napi::Array::New(env, static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) {
    double v = 0;
    switch (t.dtype) {
      case tl::DType::f32: v = t.data<float>()[i]; break;
      case tl::DType::f64: v = t.data<double>()[i]; break;
      case tl::DType::i32: v = t.data<int32_t>()[i]; break;
      case tl::DType::u8: case tl::DType::boolean: v = t.data<uint8_t>()[i]; break;
      case tl::DType::i64: v = static_cast<double>(t.data<int64_t>()[i]); break;
    }
    a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v));
  }
  return a;
}

// Finalizer of a handed-over value: the block goes back to the caching allocator (alloc.h), and
// V8 stops counting it as external memory.
void release_buffer(napi_env env, void*, void* hint) {
  auto* holder = static_cast<std::shared_ptr<tl::Buffer>*>(hint);
  int64_t ignored;
  napi_adjust_external_memory(env, -static_cast<int64_t>((*holder)->capacity), &ignored);
  delete holder;
}

// A fetched value's bytes as an ArrayBuffer. Large ones (where V8's own ArrayBuffer::New would
// abort the process when it cannot allocate) are not allocated by V8: the tensor's own block when
// nothing else holds it (zero-copy), else a fresh native copy, whose failure is an error.
// Below this size a fetched value is copied into memory V8 allocates: a block handed over returns
// to the caching allocator only at the next GC, so until then each run maps fresh pages, and
// for small values the copy is cheaper than those page faults.
constexpr size_t kHandOverBytes = size_t{16} << 20;

Napi::Value fetched_buffer(Napi::Env env, tl::Tensor& t) {
  const size_t bytes = t.bytes();
  if (bytes == 0) return Napi::ArrayBuffer::New(env, 0);
  if (bytes < kHandOverBytes) {
    auto ab = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(ab.Data(), t.raw(), bytes);
    return ab;
  }
  std::shared_ptr<tl::Buffer> buf;
  if (t.buf && t.buf->owned && t.buf.use_count() == 1) {
    buf = std::move(t.buf);
  } else {
    buf = tl::Buffer::allocate(bytes);
    if (!buf)
      throw status_error(env, tl::make_error(tl::kResourceExhausted, "OOM when allocating the fetched value of shape " +
                                                                      tl::shape_str(t.shape) + " and type " + tl::dtype_tf_name(t.dtype)));
    std::memcpy(buf->data, t.raw(), bytes);
  }
  auto* holder = new std::shared_ptr<tl::Buffer>(std::move(buf));
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, (*holder)->data, bytes, release_buffer, holder, &ab);
  if (st != napi_ok) {
    delete holder;
    throw status_error(env, tl::make_error(tl::kResourceExhausted, "Cannot hand a fetched value of " + std::to_string(bytes) + " bytes to JavaScript"));
  }
  // Told to V8 so its GC runs soon enough to return such blocks to the pool for the next runs.
  int64_t ignored;
  napi_adjust_external_memory(env, static_cast<int64_t>((*holder)->capacity), &ignored);
  return Napi::Value(env, ab);
}

Napi::Value result_to_js(Napi::Env env, tl::RunResult& r) {
  // [dtype, shape, data] per fetch, then the trace object when there is one.
  const bool traced = !r.trace.empty() || !r.executed.empty();
  auto res = Napi::Array::New(env, 3 * r.outputs.size() + (traced ? 1 : 0));
  for (uint32_t i = 0; i < r.outputs.size(); i++) {
    tl::Tensor& t = r.outputs[i];
    auto shape = Napi::Array::New(env, t.shape.size());
    for (uint32_t d = 0; d < t.shape.size(); d++) shape.Set(d, Napi::Number::New(env, static_cast<double>(t.shape[d])));
    res.Set(3 * i, Napi::Number::New(env, static_cast<int>(t.dtype)));
    res.Set(3 * i + 1, shape);
    if (t.dtype != tl::DType::i64 && t.num_elements() <= kSmallValue) res.Set(3 * i + 2, small_array(env, t));
    else res.Set(3 * i + 2, fetched_buffer(env, t));
  }
  if (traced) {
    constexpr int kCols = 8;
    auto rows = Napi::Float64Array::New(env, r.trace.size() * kCols);
    std::vector<double> outdesc;
    for (size_t i = 0; i < r.trace.size(); i++) {
      const tl::NodeTrace& t = r.trace[i];
      double* row = rows.Data() + i * kCols;
      row[0] = t.node; row[1] = static_cast<double>(t.scheduled_ns); row[2] = static_cast<double>(t.start_ns);
      row[3] = static_cast<double>(t.op_start_ns); row[4] = static_cast<double>(t.op_end_ns);
      row[5] = static_cast<double>(t.end_ns); row[6] = static_cast<double>(t.thread_id);
      row[7] = static_cast<double>(t.bytes_allocated);
      outdesc.push_back(static_cast<double>(t.outputs.size()));
      for (auto& od : t.outputs) {
        outdesc.push_back(static_cast<int>(od.dtype));
        outdesc.push_back(static_cast<double>(od.bytes));
        outdesc.push_back(static_cast<double>(od.shape.size()));
        for (auto d : od.shape) outdesc.push_back(static_cast<double>(d));
      }
    }
    auto od = Napi::Float64Array::New(env, outdesc.size());
    if (!outdesc.empty()) std::memcpy(od.Data(), outdesc.data(), outdesc.size() * sizeof(double));
    auto exec = Napi::Int32Array::New(env, r.executed.size());
    for (size_t i = 0; i < r.executed.size(); i++) exec[i] = r.executed[i];
    auto tr = Napi::Object::New(env);
    tr.Set("startEpochNs", Napi::BigInt::New(env, static_cast<int64_t>(r.start_epoch_ns)));
    tr.Set("nodes", rows);
    tr.Set("outputs", od);
    tr.Set("executed", exec);
    // Fused steps: per chain its length, then its node indices (head first, tail last).
    size_t fused_len = 0;
    for (auto& c : r.fused) fused_len += 1 + c.size();
    auto fused = Napi::Int32Array::New(env, fused_len);
    size_t fi = 0;
    for (auto& c : r.fused) {
      fused[fi++] = static_cast<int32_t>(c.size());
      for (int id : c) fused[fi++] = id;
    }
    tr.Set("fused", fused);
    tr.Set("bytesPeak", Napi::Number::New(env, static_cast<double>(r.bytes_peak)));
    tr.Set("bytesTotal", Napi::Number::New(env, static_cast<double>(r.bytes_total)));
    tr.Set("poolHits", Napi::Number::New(env, static_cast<double>(r.pool_hits)));
    tr.Set("poolMisses", Napi::Number::New(env, static_cast<double>(r.pool_misses)));
    tr.Set("forwarded", Napi::Number::New(env, static_cast<double>(r.forwarded)));
    res.Set(3 * static_cast<uint32_t>(r.outputs.size()), tr);
  }
  return res;
}


const uint8_t* bytes_of(const Napi::Value& v, size_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(v.Env(), "graph buffer must be a Uint8Array");
  auto a = v.As<Napi::Uint8Array>();
  *len = a.ByteLength();
  return a.Data();
}

Napi::Value SessionExtend(const Napi::CallbackInfo& info) {
  SessionPtr s = session_of(info[0]);
  size_t len;
  const uint8_t* p = bytes_of(info[1], &len);
  Status st = guarded([&] { return s->extend(p, len); });
  if (!st.ok()) throw status_error(info.Env(), st);
  return Napi::Number::New(info.Env(), static_cast<double>(s->num_nodes()));
}

Napi::Value GraphValidate(const Napi::CallbackInfo& info) {
  size_t len;
  const uint8_t* p = bytes_of(info[0], &len);
  std::vector<std::shared_ptr<const tl::Node>> nodes;
  Status st = guarded([&] { return tl::decode_graph(p, len, {}, &nodes); });
  if (!st.ok()) throw status_error(info.Env(), st);
  return Napi::Number::New(info.Env(), static_cast<double>(nodes.size()));
}

Napi::Value SessionRun(const Napi::CallbackInfo& info) {
  SessionPtr s = session_of(info[0]);
  tl::RunRequest req = parse_request(info, /*copy=*/false);
  tl::RunResult res;
  Status st = safe_run(*s, req, &res);
  if (!st.ok()) throw status_error(info.Env(), st);
  return result_to_js(info.Env(), res);
}

// ---- async runs: threads the addon owns per environment, completions in batches ------------
//
// runAsync queues a run for this environment's run threads (no libuv thread-pool round trip).
// Finished runs go on a done list; one thread-safe function call wakes the JS thread, which
// settles every finished promise in one callback, so many runs in flight cost one wake-up.
// The thread-safe function is referenced only while runs are pending, so an idle session
// never keeps the event loop alive.
//
// Teardown (process exit, worker.terminate(), process.exit() in a worker): the environment's
// cleanup hook closes its sessions (in-flight runs stop at the next op), joins the run threads
// and drops unsettled runs. Settling itself never lets an exception escape: while the
// environment is going away every N-API call may fail, and a failed settle is simply dropped.

struct AsyncRun {
  napi_deferred deferred = nullptr;
  SessionPtr session;
  tl::RunRequest req;
  tl::RunResult res;
  Status status;

  // On the JS thread: resolve or reject the promise with the result.
  void settle(napi_env env) {
    req.feed_values.clear();
    try {
      Napi::HandleScope scope(env);
      Napi::Value v;
      bool ok = false;
      try {
        if (!status.ok()) v = status_error(env, status).Value();
        else { v = result_to_js(env, res); ok = true; }
      } catch (const Napi::Error& e) {
        v = e.Value();
      }
      if (ok) napi_resolve_deferred(env, deferred, v);
      else napi_reject_deferred(env, deferred, v);
    } catch (...) {
      // The environment is going away: the promise can no longer be settled.
    }
  }
};

class EnvState {
 public:
  explicit EnvState(napi_env env) : env_(env) {}

  void add_session(const SessionPtr& s) {
    std::lock_guard<std::mutex> lk(mu_);
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](auto& w) { return w.expired(); }), sessions_.end());
    sessions_.push_back(s);
  }

  // JS thread. Returns false if the run could not be queued (the caller rejects it).
  bool submit(std::unique_ptr<AsyncRun> run) {
    if (!tsfn_) {
      napi_value name;
      if (napi_create_string_utf8(env_, "tensorloom.run", NAPI_AUTO_LENGTH, &name) != napi_ok ||
          napi_create_threadsafe_function(env_, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, &EnvState::deliver, &tsfn_) != napi_ok) {
        tsfn_ = nullptr;
        return false;
      }
      napi_unref_threadsafe_function(env_, tsfn_);
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (stopping_) return false;
      if (threads_.empty()) {
        const unsigned n = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
        for (unsigned i = 0; i < n; i++) threads_.emplace_back([this] { work(); });
      }
      queue_.push_back(run.release());
    }
    if (pending_++ == 0) napi_ref_threadsafe_function(env_, tsfn_);
    cv_.notify_one();
    return true;
  }

  // Env cleanup hook: stop the runs, join the threads, drop what never settled.
  // `arg` is a shared_ptr copy the hook owns (the instance data holds another), so the order in
  // which Node runs the two finalizations does not matter.
  static void teardown(void* arg) {
    std::unique_ptr<std::shared_ptr<EnvState>> keep(static_cast<std::shared_ptr<EnvState>*>(arg));
    EnvState* self = keep->get();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      self->stopping_ = true;
      for (auto& w : self->sessions_) if (auto s = w.lock()) s->close();
      threads.swap(self->threads_);
    }
    self->cv_.notify_all();
    for (auto& t : threads) t.join();
    for (AsyncRun* r : self->queue_) delete r;
    for (AsyncRun* r : self->done_) delete r;
    self->queue_.clear();
    self->done_.clear();
    if (self->tsfn_) napi_release_threadsafe_function(self->tsfn_, napi_tsfn_abort);
    self->tsfn_ = nullptr;
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      AsyncRun* r = queue_.front();
      queue_.pop_front();
      lk.unlock();
      r->status = safe_run(*r->session, r->req, &r->res);
      lk.lock();
      if (stopping_) { delete r; return; }
      done_.push_back(r);
      if (!wake_pending_) {
        wake_pending_ = true;
        napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
      }
    }
  }

  // JS thread (or env == nullptr while the function is torn down): settle every finished run.
  static void deliver(napi_env env, napi_value, void* context, void*) {
    if (env == nullptr) return;
    auto* self = static_cast<EnvState*>(context);
    std::vector<AsyncRun*> done;
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      done.swap(self->done_);
      self->wake_pending_ = false;
    }
    for (AsyncRun* r : done) {
      std::unique_ptr<AsyncRun> own(r);
      own->settle(env);
    }
    self->pending_ -= static_cast<int64_t>(done.size());
    if (self->pending_ == 0 && self->tsfn_) napi_unref_threadsafe_function(env, self->tsfn_);
  }

  napi_env env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::weak_ptr<tl::Session>> sessions_;
  std::deque<AsyncRun*> queue_;
  std::vector<AsyncRun*> done_;
  std::vector<std::thread> threads_;
  bool stopping_ = false, wake_pending_ = false;
  napi_threadsafe_function tsfn_ = nullptr;
  int64_t pending_ = 0;  // JS thread only: submitted, not yet settled
};

EnvState* env_state(Napi::Env env) {
  auto* p = env.GetInstanceData<std::shared_ptr<EnvState>>();
  return p ? p->get() : nullptr;
}

Napi::Value SessionCreate(const Napi::CallbackInfo& info) {
  int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (threads < 0 || threads > 256) threads = 0;
  const bool remapping = !(info.Length() > 1 && info[1].IsBoolean() && !info[1].As<Napi::Boolean>().Value());
  const bool elementwise_fusion = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  auto* holder = new SessionPtr(std::make_shared<tl::Session>(threads, remapping, elementwise_fusion));
  if (EnvState* st = env_state(info.Env())) st->add_session(*holder);
  auto ext = Napi::External<SessionPtr>::New(info.Env(), holder, [](Napi::Env, SessionPtr* p) { delete p; });
  ext.TypeTag(&kSessionTag);
  return ext;
}

Napi::Value SessionRunAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto r = std::make_unique<AsyncRun>();
  r->session = session_of(info[0]);
  r->req = parse_request(info, /*copy=*/true);
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &r->deferred, &promise), Napi::Value());
  napi_deferred deferred = r->deferred;
  EnvState* st = env_state(env);
  if (!st || !st->submit(std::move(r))) {
    // The promise was created: reject it rather than leave it pending forever.
    napi_reject_deferred(env, deferred, status_error(env, tl::make_error(tl::kCancelled, "could not queue the run: the environment is shutting down")).Value());
  }
  return Napi::Value(env, promise);
}

Napi::Value SessionClose(const Napi::CallbackInfo& info) {
  SessionPtr& s = session_handle(info[0]);
  if (s) {
    s->close();
    s.reset();
  }
  return info.Env().Undefined();
}

Napi::Value SessionInfo(const Napi::CallbackInfo& info) {
  SessionPtr s = session_of(info[0]);
  auto o = Napi::Object::New(info.Env());
  o.Set("nodes", Napi::Number::New(info.Env(), static_cast<double>(s->num_nodes())));
  o.Set("plans", Napi::Number::New(info.Env(), static_cast<double>(s->plan_cache_size())));
  o.Set("threads", Napi::Number::New(info.Env(), s->num_threads()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per-environment state: sessions to close and the async run threads.
  auto* state = new std::shared_ptr<EnvState>(std::make_shared<EnvState>(env));
  env.SetInstanceData<std::shared_ptr<EnvState>>(state);
  napi_add_env_cleanup_hook(env, EnvState::teardown, new std::shared_ptr<EnvState>(*state));
  exports.Set("sessionCreate", Napi::Function::New(env, SessionCreate));
  exports.Set("sessionExtend", Napi::Function::New(env, SessionExtend));
  exports.Set("sessionRun", Napi::Function::New(env, SessionRun));
  exports.Set("sessionRunAsync", Napi::Function::New(env, SessionRunAsync));
  exports.Set("sessionClose", Napi::Function::New(env, SessionClose));
  exports.Set("_sessionInfo", Napi::Function::New(env, SessionInfo));
  exports.Set("graphValidate", Napi::Function::New(env, GraphValidate));
  exports.Set("schemaHash", Napi::Number::New(env, TL_SCHEMA_HASH));
  exports.Set("isa", Napi::String::New(env, tl::isa_name(tl::cpu_isa())));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorloom, Init)
