// The N-API surface: a flat set of functions over an External session handle. This is the only
// file that includes napi.h. JS passes node indices and typed arrays; native validates them.
//
// Lifetime: the External owns a shared_ptr<Session>; every run (sync or async) holds its own
// copy, so a GC'd or closed session stays valid until its last run settles. Async runs execute
// on the libuv pool and never touch napi_env there.
#include <napi.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <uv.h>
#include "alloc.h"
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

// status_error with raw N-API calls, or null if any fails: for settling runs, where the
// environment may be going away (a failed node-addon-api call there builds a Napi::Error,
// which aborts the process when it cannot).
napi_value status_error_raw(napi_env env, const Status& st) {
  napi_value msg, err, code, node;
  if (napi_create_string_utf8(env, st.msg.data(), st.msg.size(), &msg) != napi_ok ||
      napi_create_error(env, nullptr, msg, &err) != napi_ok || napi_create_int32(env, st.code, &code) != napi_ok ||
      napi_create_int32(env, st.node, &node) != napi_ok || napi_set_named_property(env, err, "tlCode", code) != napi_ok ||
      napi_set_named_property(env, err, "tlNode", node) != napi_ok)
    return nullptr;
  return err;
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
    case tl::DType::str: return false;  // strings come as records (string_tensor)
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

// A string feed: `data` holds its n elements as records (lib/serialize.ts encodeStrings), always
// copied (the elements point into the copy, which the tensor's Buffer keeps).
tl::Tensor string_tensor(Napi::Env env, const Napi::Value& data, tl::Tensor t, int64_t n) {
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "string feed data must be a Uint8Array of records");
  auto ta = data.As<Napi::Uint8Array>();
  const size_t len = ta.ByteLength();
  if (n > static_cast<int64_t>(len / 8)) throw Napi::RangeError::New(env, "string feed value has more elements than its data holds");
  auto blob = tl::Buffer::allocate(len);
  t.buf = tl::Buffer::allocate(static_cast<size_t>(n) * 8);
  if (!blob || !t.buf) throw Napi::RangeError::New(env, "out of memory copying a feed value");
  if (len) std::memcpy(blob->data, ta.Data(), len);
  if (!tl::str_parse_records(static_cast<const uint8_t*>(blob->data), len, n, static_cast<tl::StrElem*>(t.buf->data)))
    throw Napi::RangeError::New(env, "string feed value records do not match its shape");
  t.buf->keep.push_back(std::move(blob));
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
  if (t.dtype == tl::DType::str) return string_tensor(env, data, std::move(t), n);
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

// The io block (below): its size, and the elements of one output that may travel through it.
constexpr size_t kIoDoubles = 4096;
constexpr int64_t kIoValue = 64;

// The feed values of a run: a flat array of (dtype, shape, data) triples, one per feed; or, when
// vals is null and io is given, every feed a scalar written to the io block as (dtype, value).
void read_feed_values(Napi::Env env, const Napi::Value& vals, size_t n, bool copy, const double* io, tl::RunRequest* req) {
  req->feed_values.reserve(n);
  if (io && vals.IsNull()) {
    if (2 * n > kIoDoubles) throw Napi::RangeError::New(env, "too many feeds for the io block");
    for (size_t i = 0; i < n; i++) {
      const double code = io[2 * i];
      if (!(code >= 0 && code < 64) || !tl::dtype_valid(static_cast<int>(code))) throw Napi::TypeError::New(env, "feed value has an invalid dtype");
      tl::Tensor t;
      t.dtype = static_cast<tl::DType>(static_cast<int>(code));
      t.buf = tl::Buffer::allocate(tl::dtype_size(t.dtype));
      if (!t.buf) throw Napi::RangeError::New(env, "out of memory copying a feed value");
      if (!store_number(io[2 * i + 1], t.dtype, t.buf->data))
        throw Napi::RangeError::New(env, std::string("feed value element does not fit dtype ") + tl::dtype_tf_name(t.dtype));
      req->feed_values.push_back(std::move(t));
    }
    return;
  }
  if (!vals.IsArray() || vals.As<Napi::Array>().Length() != 3 * n)
    throw Napi::TypeError::New(env, "feedValues must hold a (dtype, shape, data) triple per feed");
  auto a = vals.As<Napi::Array>();
  for (uint32_t i = 0; i < n; i++)
    req->feed_values.push_back(to_tensor(env, a.Get(3 * i), a.Get(3 * i + 1), a.Get(3 * i + 2), copy));
}

// flags bit 0 = trace, bit 1 = list executed nodes; timeoutMs <= 0: no deadline.
void read_run_flags(const Napi::Value& flags_v, const Napi::Value& timeout_v, tl::RunRequest* req) {
  int flags = flags_v.IsNumber() ? flags_v.As<Napi::Number>().Int32Value() : 0;
  req->trace = flags & 1;
  req->want_executed = flags & 2;
  if (timeout_v.IsNumber()) req->timeout_ms = static_cast<int64_t>(timeout_v.As<Napi::Number>().DoubleValue());
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
  read_feed_values(env, info[2], req.feeds.size(), copy, nullptr, &req);
  read_run_flags(info[5], info[6], &req);
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
      case tl::DType::str: break;  // string_array
    }
    a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v));
  }
  return a;
}

// Fetched blocks handed to JS as external ArrayBuffers. N-API runs their finalizers from a
// setImmediate after the GC that collected them, so a loop of runs that never yields to the
// event loop would take a fresh block (and fault in fresh pages) for every large output. A weak
// reference to the ArrayBuffer, though, is cleared by that GC itself: each run first reclaims
// the blocks whose ArrayBuffers are gone (reclaim()), and the finalizer, when it comes, finds
// the block already returned. Neither frees a block JS can still reach: a handed-over
// ArrayBuffer cannot be transferred (postMessage copies it), so its bytes live exactly as long
// as the object. JS thread only.
struct HandOver {
  std::shared_ptr<tl::Buffer> buf;  // null once returned
  int64_t counted = 0;              // told to V8 as external memory
  void give_back(napi_env env) {
    if (!buf) return;
    int64_t ignored;
    napi_adjust_external_memory(env, -counted, &ignored);
    buf.reset();
  }
};

class HandOvers {
 public:
  void add(napi_env env, napi_value ab, std::shared_ptr<HandOver> h) {
    napi_ref weak;
    if (napi_create_reference(env, ab, 0, &weak) != napi_ok) return;  // the finalizer still returns it
    live_.push_back({std::move(h), weak});
  }
  // Checks the newest kNewest entries (fetched values mostly die young) and kOlder of the rest
  // from a cursor that goes round, so a program that keeps thousands of fetched values pays a
  // bounded cost per run, not one check per value it keeps. Older entries found collected stay
  // as empty slots until they are an eighth of the list.
  void reclaim(napi_env env) {
    if (live_.empty()) return;
    auto collected = [&](Entry& e) {
      if (!e.h) return false;  // an empty slot
      // Not napi_get_reference_value: a handle taken during incremental marking would mark the
      // ArrayBuffer live for that cycle. Ref() answers 0 once the GC has cleared the reference.
      uint32_t count = 1, ignored;
      if (napi_reference_ref(env, e.weak, &count) != napi_ok) count = 1;
      else if (count > 0) napi_reference_unref(env, e.weak, &ignored);
      if (count != 0) return false;
      e.h->give_back(env);
      napi_delete_reference(env, e.weak);
      e.h.reset();
      return true;
    };
    const size_t n = live_.size(), older = n - std::min(n, kNewest);
    for (size_t j = 0; j < std::min(older, kOlder); ++j, ++cursor_) {
      if (cursor_ >= older) cursor_ = 0;
      if (collected(live_[cursor_])) ++empty_;
    }
    size_t w = older;
    for (size_t i = older; i < n; ++i) {
      collected(live_[i]);
      if (live_[i].h) live_[w++] = std::move(live_[i]);
    }
    live_.resize(w);
    if (empty_ > live_.size() / 8 + 16) {
      live_.erase(std::remove_if(live_.begin(), live_.end(), [](const Entry& e) { return !e.h; }), live_.end());
      empty_ = 0;
      cursor_ = 0;
    }
  }

 private:
  static constexpr size_t kNewest = 64, kOlder = 16;
  size_t cursor_ = 0, empty_ = 0;
  struct Entry {
    std::shared_ptr<HandOver> h;
    napi_ref weak;
  };
  std::vector<Entry> live_;
};

HandOvers* hand_overs(Napi::Env env);  // the environment's (EnvState), or null
void reclaim_hand_overs(Napi::Env env);

void release_buffer(napi_env env, void*, void* hint) {
  auto* h = static_cast<std::shared_ptr<HandOver>*>(hint);
  (*h)->give_back(env);
  delete h;
}

// A fetched value's bytes as an ArrayBuffer. Large ones (where V8's own ArrayBuffer::New would
// abort the process when it cannot allocate) are not allocated by V8: the tensor's own block when
// nothing else holds it (zero-copy), else a fresh native copy, whose failure is an error.
// From the pool's smallest size class up a value is handed over (HandOvers brings the block back
// at the GC that collects it; V8 is told its size, so that comes soon): a 1 MiB output copied
// into a fresh V8 ArrayBuffer cost a calloc, its page faults and the copy, ~7% of a 512 x 512
// MatMul. Smaller values are copied (C-heap blocks, cheaper than the bookkeeping).
constexpr size_t kHandOverBytes = tl::pool::kPoolMinBytes;

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
  auto h = std::make_shared<HandOver>();
  h->counted = static_cast<int64_t>(buf->capacity ? buf->capacity : bytes);
  void* data = buf->data;
  h->buf = std::move(buf);
  auto* hint = new std::shared_ptr<HandOver>(h);
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, data, bytes, release_buffer, hint, &ab);
  if (st != napi_ok) {
    delete hint;
    throw status_error(env, tl::make_error(tl::kResourceExhausted, "Cannot hand a fetched value of " + std::to_string(bytes) + " bytes to JavaScript"));
  }
  // Told to V8 so its GC runs soon enough to return such blocks to the pool for the next runs.
  int64_t ignored;
  napi_adjust_external_memory(env, h->counted, &ignored);
  if (HandOvers* ho = hand_overs(env)) ho->add(env, ab, std::move(h));
  return Napi::Value(env, ab);
}

// A string tensor's elements as one block of records (lib/serialize.ts encodeStrings), which JS
// decodes: one crossing instead of a napi string per element. Handed over as fetched_buffer does.
Napi::Value string_records(Napi::Env env, const tl::Tensor& t) {
  const int64_t n = t.num_elements();
  const tl::StrElem* e = t.data<tl::StrElem>();
  uint64_t total = 0, rec;
  for (int64_t i = 0; i < n; i++) {
    if (!tl::str_record_bytes(tl::str_view(e[i]).size(), &rec) || __builtin_add_overflow(total, rec, &total))
      throw status_error(env, tl::make_error(tl::kResourceExhausted, "fetched strings are too large"));
  }
  tl::Tensor blob;
  blob.dtype = tl::DType::u8;
  blob.shape = {static_cast<int64_t>(total)};
  blob.buf = tl::Buffer::allocate(static_cast<size_t>(total));
  if (!blob.buf) throw status_error(env, tl::make_error(tl::kResourceExhausted, "OOM when allocating the fetched strings of shape " + tl::shape_str(t.shape)));
  uint8_t* p = static_cast<uint8_t*>(blob.buf->data);
  for (int64_t i = 0; i < n; i++) {
    std::string_view s = tl::str_view(e[i]);
    const uint64_t size = s.size();
    tl::str_record_bytes(size, &rec);
    std::memcpy(p, &size, 8);
    if (size) std::memcpy(p + 8, s.data(), s.size());
    std::memset(p + 8 + size, 0, rec - 8 - size);
    p += rec;
  }
  return fetched_buffer(env, blob);
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
    if (t.dtype == tl::DType::str) res.Set(3 * i + 2, string_records(env, t));
    else if (t.dtype != tl::DType::i64 && t.num_elements() <= kSmallValue) res.Set(3 * i + 2, small_array(env, t));
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
    // Rewrites: nodes that ran as a Const of a plan-time value, (conv, mul) pairs whose Mul ran as
    // the conv (scaled filter), and with the executed list the folded values ([dtype, shape, data]).
    auto folded = Napi::Int32Array::New(env, r.folded.size());
    for (size_t i = 0; i < r.folded.size(); i++) folded[i] = r.folded[i];
    tr.Set("folded", folded);
    auto scaled = Napi::Int32Array::New(env, 2 * r.scaled.size());
    for (size_t i = 0; i < r.scaled.size(); i++) { scaled[2 * i] = r.scaled[i].first; scaled[2 * i + 1] = r.scaled[i].second; }
    tr.Set("scaled", scaled);
    auto normed = Napi::Int32Array::New(env, 3 * r.normed.size());
    for (size_t i = 0; i < r.normed.size(); i++)
      for (size_t j = 0; j < 3; j++) normed[3 * i + j] = r.normed[i][j];
    tr.Set("normed", normed);
    auto padded = Napi::Float64Array::New(env, 10 * r.padded.size());  // pad, conv, 8 explicit_paddings
    for (size_t i = 0; i < r.padded.size(); i++)
      for (size_t j = 0; j < 10; j++) padded[10 * i + j] = static_cast<double>(r.padded[i][j]);
    tr.Set("padded", padded);
    auto values = Napi::Array::New(env, r.folded_values.size());
    for (uint32_t i = 0; i < r.folded_values.size(); i++) {
      tl::Tensor& t = r.folded_values[i];
      auto shape = Napi::Array::New(env, t.shape.size());
      for (uint32_t d = 0; d < t.shape.size(); d++) shape.Set(d, Napi::Number::New(env, static_cast<double>(t.shape[d])));
      auto v = Napi::Array::New(env, 3);
      v.Set(0u, Napi::Number::New(env, static_cast<int>(t.dtype)));
      v.Set(1u, shape);
      v.Set(2u, fetched_buffer(env, t));
      values.Set(i, v);
    }
    tr.Set("foldedValues", values);
    tr.Set("bytesPeak", Napi::Number::New(env, static_cast<double>(r.bytes_peak)));
    tr.Set("bytesTotal", Napi::Number::New(env, static_cast<double>(r.bytes_total)));
    tr.Set("poolHits", Napi::Number::New(env, static_cast<double>(r.pool_hits)));
    tr.Set("poolMisses", Napi::Number::New(env, static_cast<double>(r.pool_misses)));
    tr.Set("forwarded", Napi::Number::New(env, static_cast<double>(r.forwarded)));
    res.Set(3 * static_cast<uint32_t>(r.outputs.size()), tr);
  }
  return res;
}

// ---- the io block: small values without N-API objects ----------------------------------
//
// Each environment owns one Float64Array (exported as `io`) that JS and native share. A
// prepared run reads scalar feeds from it and writes small fetched values back to it as
// [count, per output: dtype, rank, dims..., values...]: no arrays, numbers or buffers are
// created per run. Only the JS thread touches it, and only for the length of one call (or one
// batch of completions).

// The doubles the outputs take in the io block, or 0 when one cannot travel through it (int64:
// not every value is a double; more than kIoValue elements: a buffer is cheaper).
size_t io_size(const std::vector<tl::Tensor>& outs) {
  size_t k = 1;
  for (const tl::Tensor& t : outs) {
    const int64_t n = t.num_elements();
    if (t.dtype == tl::DType::i64 || t.dtype == tl::DType::str || !t.buf || n > kIoValue) return 0;
    k += 2 + t.shape.size() + static_cast<size_t>(n);
  }
  return k;
}

// Writes the outputs (io_size(outs) > 0 doubles) at io.
void outputs_to_io(const std::vector<tl::Tensor>& outs, double* io) {
  size_t k = 0;
  io[k++] = static_cast<double>(outs.size());
  for (const tl::Tensor& t : outs) {
    const int64_t n = t.num_elements();
    io[k++] = static_cast<int>(t.dtype);
    io[k++] = static_cast<double>(t.shape.size());
    for (int64_t d : t.shape) io[k++] = static_cast<double>(d);
    for (int64_t i = 0; i < n; i++) {
      switch (t.dtype) {
        case tl::DType::f32: io[k++] = t.data<float>()[i]; break;
        case tl::DType::f64: io[k++] = t.data<double>()[i]; break;
        case tl::DType::i32: io[k++] = t.data<int32_t>()[i]; break;
        default: io[k++] = t.data<uint8_t>()[i]; break;  // u8, bool
      }
    }
  }
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
  reclaim_hand_overs(info.Env());
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

// Whether this environment can still run JS (a worker being terminated cannot): a raw call N-API
// refuses then, checked before settling so no node-addon-api wrapper meets that state (its
// Error constructor aborts the process when it cannot define the error's properties).
bool can_run_js(napi_env env) {
  napi_value arr, undef;
  return napi_create_array(env, &arr) == napi_ok && napi_get_undefined(env, &undef) == napi_ok &&
         napi_set_element(env, arr, 0, undef) == napi_ok;
}

// A signature prepared once (sessionPrepare): the parsed (feeds, fetches, targets) and, after
// its first run, its plan. It does not keep a closed session alive.
struct Prepared {
  std::weak_ptr<tl::Session> session;
  tl::RunRequest sig;
  std::mutex mu;
  std::shared_ptr<const tl::Plan> plan;

  Status run(tl::Session& s, const tl::RunRequest& req, tl::RunResult* res) {
    return guarded([&] {
      std::shared_ptr<const tl::Plan> p;
      {
        std::lock_guard<std::mutex> lk(mu);
        p = plan;
      }
      if (!p) {
        // The first run builds the plan (its constant folding counts against this run's deadline).
        tl::RunRequest first = sig;
        first.timeout_ms = req.timeout_ms;
        TL_RETURN_IF_ERROR(s.plan_for(first, &p));
        std::lock_guard<std::mutex> lk(mu);
        plan = p;
      }
      const auto t0 = std::chrono::steady_clock::now();
      Status st = s.run_plan(*p, req, res);
      const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
      const int64_t avg = avg_ns.load(std::memory_order_relaxed);
      avg_ns.store(avg < 0 ? ns : (7 * avg + ns) / 8, std::memory_order_relaxed);
      return st;
    });
  }
  // How long its runs take (moving average; -1 before the first), for the run threads' shares.
  std::atomic<int64_t> avg_ns{-1};
};
using PreparedPtr = std::shared_ptr<Prepared>;

struct AsyncRun {
  napi_deferred deferred = nullptr;  // sessionRunAsync; prepared runs settle through the run callback
  SessionPtr session;
  PreparedPtr prepared;
  double id = 0;                     // the prepared run's id for the run callback
  tl::RunRequest req;
  tl::RunResult res;
  Status status;

  void execute() { status = prepared ? prepared->run(*session, req, &res) : safe_run(*session, req, &res); }

  // Back to a fresh run for EnvState's free list, keeping the vectors' capacity.
  void reset() {
    deferred = nullptr;
    session.reset();
    prepared.reset();
    id = 0;
    req.feeds.clear();
    req.feed_values.clear();
    req.fetches.clear();
    req.targets.clear();
    req.trace = req.want_executed = false;
    req.timeout_ms = 0;
    if (!res.trace.empty() || !res.executed.empty() || !res.folded_values.empty()) res = tl::RunResult();
    else res.outputs.clear();
    status = Status::OK();
  }

  // On the JS thread: resolve or reject the promise with the result.
  void settle(napi_env env) {
    req.feed_values.clear();
    if (!can_run_js(env)) return;
    try {
      Napi::HandleScope scope(env);
      Napi::Value v;
      bool ok = false;
      try {
        if (!status.ok()) {
          napi_value err = status_error_raw(env, status);
          if (!err) return;
          v = Napi::Value(env, err);
        } else {
          v = result_to_js(env, res);
          ok = true;
        }
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

  double* io() { return io_; }
  void set_io(Napi::ArrayBuffer ab) {
    io_ref_ = Napi::Persistent(ab);
    io_ = static_cast<double*>(ab.Data());
  }
  void set_run_callback(Napi::Function f) { run_cb_ = Napi::Persistent(f); }
  bool has_run_callback() const { return !run_cb_.IsEmpty(); }
  HandOvers& hand_overs() { return hand_overs_; }

  // JS thread: a run to fill and submit, from the free list of settled ones when it has one (a
  // run then costs no allocation for itself and its vectors; 16 in flight reuse 16).
  std::unique_ptr<AsyncRun> new_run() {
    if (free_runs_.empty()) return std::make_unique<AsyncRun>();
    std::unique_ptr<AsyncRun> r(free_runs_.back());
    free_runs_.pop_back();
    return r;
  }
  // JS thread: a settled run back to the free list (at most kFreeRuns kept).
  void recycle(AsyncRun* r) {
    if (free_runs_.size() >= kFreeRuns) {
      delete r;
      return;
    }
    r->reset();
    free_runs_.push_back(r);
  }

  void add_session(const SessionPtr& s) {
    std::lock_guard<std::mutex> lk(mu_);
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](auto& w) { return w.expired(); }), sessions_.end());
    sessions_.push_back(s);
  }

  // JS thread. Returns false if the run could not be queued (the caller rejects it). A staged run
  // waits in the inbox (no lock, no wake-up) until flush(): the runs one JS task submits reach
  // the run threads together.
  bool submit(std::unique_ptr<AsyncRun> run, bool staged = false) {
    if (!tsfn_) {
      napi_value name;
      if (napi_create_string_utf8(env_, "tensorloom.run", NAPI_AUTO_LENGTH, &name) != napi_ok ||
          napi_create_threadsafe_function(env_, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, &EnvState::deliver, &tsfn_) != napi_ok) {
        tsfn_ = nullptr;
        return false;
      }
      napi_unref_threadsafe_function(env_, tsfn_);
    }
    if (stopping_flag_) return false;
    inbox_.push_back(run.release());
    if (pending_++ == 0) napi_ref_threadsafe_function(env_, tsfn_);
    if (!staged) flush();
    return true;
  }

  // JS thread: hands the inbox to the run threads.
  void flush() {
    if (inbox_.empty()) return;
    bool wake = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (stopping_) return;  // teardown deletes the inbox
      if (threads_.empty()) {
        const unsigned n = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
        for (unsigned i = 0; i < n; i++) threads_.emplace_back([this] { work(); });
      }
      for (AsyncRun* r : inbox_) queue_.push_back(r);
      queued_.store(queue_.size(), std::memory_order_release);
      wake = sleepers_ > 0 && !spinning_;  // a spinning run thread takes the work without a wake-up
    }
    if (wake) cv_.notify_one();  // it wakes another when it leaves work in the queue
    start_polling();
    inbox_.clear();
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
      self->stopping_flag_ = true;
      for (auto& w : self->sessions_) if (auto s = w.lock()) s->close();
      threads.swap(self->threads_);
    }
    self->cv_.notify_all();
    for (auto& t : threads) t.join();
    self->run_cb_.Reset();
    self->io_ref_.Reset();
    self->io_ = nullptr;
    for (AsyncRun* r : self->queue_) delete r;
    for (AsyncRun* r : self->done_) delete r;
    for (AsyncRun* r : self->inbox_) delete r;
    for (AsyncRun* r : self->free_runs_) delete r;
    self->free_runs_.clear();
    self->inbox_.clear();
    self->queue_.clear();
    self->done_.clear();
    if (self->tsfn_) napi_release_threadsafe_function(self->tsfn_, napi_tsfn_abort);
    self->tsfn_ = nullptr;
    if (self->poll_) {
      uv_idle_stop(self->poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(self->poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
      self->poll_ = nullptr;
    }
  }

 private:
  static constexpr int64_t kDeliverNs = 100000, kShareNs = 50000, kSpinNs = 100000, kPollNs = 100000;

  // JS thread, as flush() hands runs over (the inbox): when they are known to be fast (their
  // signatures' average run times add up to at most kPollNs / 2), the event loop polls for
  // kPollNs instead of sleeping in epoll_wait: an active idle handle makes libuv poll with a zero
  // timeout, so the loop keeps turning (timers, I/O and callbacks run as usual) and the
  // completions are picked up without waking a halted vCPU, which on a VM costs tens of µs
  // per batch. Slow or new runs do not poll: the loop sleeps and leaves the cores to the kernels.
  void start_polling() {
    int64_t expected = 0;
    for (AsyncRun* r : inbox_) {
      const int64_t avg = r->prepared ? r->prepared->avg_ns.load(std::memory_order_relaxed) : -1;
      if (avg < 0) return;
      expected += avg;
    }
    if (expected > kPollNs / 2) return;
    if (!poll_) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env_, &loop) != napi_ok || !loop) return;
      poll_ = new uv_idle_t;
      if (uv_idle_init(loop, poll_) != 0) {
        delete poll_;
        poll_ = nullptr;
        return;
      }
      poll_->data = this;
      uv_unref(reinterpret_cast<uv_handle_t*>(poll_));  // never what keeps the process alive
    }
    poll_until_ = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kPollNs);
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(poll_))) uv_idle_start(poll_, &EnvState::poll);
  }

  static void poll(uv_idle_t* h) {
    auto* self = static_cast<EnvState*>(h->data);
    if (self->pending_ == 0 || std::chrono::steady_clock::now() >= self->poll_until_) uv_idle_stop(h);
  }

  void work() {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      // One run thread at a time waits for kSpinNs before it sleeps: runs submitted back to back
      // (a loop awaiting each batch, a busy server) then start without a futex wake-up, which on
      // a VM with idle vCPUs costs tens of microseconds per batch (16 runAsync in flight, A/B on
      // an idle 2-vCPU VM: 3.42 -> 2.84 us per call).
      if (queue_.empty() && !stopping_ && !spinning_) {
        spinning_ = true;
        lk.unlock();
        const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kSpinNs);
        while (queued_.load(std::memory_order_acquire) == 0 && !stopping_flag_.load(std::memory_order_relaxed)) {
          // Yields rather than spins hot: a busy machine's other threads (the JS thread that
          // will settle these runs, above all) get the core, an idle one keeps it awake.
          std::this_thread::yield();
          if (std::chrono::steady_clock::now() >= until) break;
        }
        lk.lock();
        spinning_ = false;
      }
      sleepers_++;
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      sleepers_--;
      if (stopping_) return;
      // A share of the queue, run back to back: the next run, and more while their expected time
      // (the signature's average) stays under kShareNs: small runs cost less than waking another
      // thread, a large or new one goes alone. What is left wakes another run thread. Finished
      // runs are handed over when the share is done, or once the oldest one waited kDeliverNs.
      size_t take = 0;
      for (int64_t expected = 0; take < queue_.size(); take++) {
        const int64_t avg = queue_[take]->prepared ? queue_[take]->prepared->avg_ns.load(std::memory_order_relaxed) : -1;
        expected += avg < 0 ? kShareNs + 1 : avg;
        if (take > 0 && expected > kShareNs) break;
      }
      std::vector<AsyncRun*> share(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      queued_.store(queue_.size(), std::memory_order_release);
      const bool more = !queue_.empty() && sleepers_ > 0;
      lk.unlock();
      if (more) cv_.notify_one();
      size_t handed = 0;
      std::chrono::steady_clock::time_point oldest;
      for (size_t i = 0; i < share.size(); i++) {
        share[i]->execute();
        const auto now = std::chrono::steady_clock::now();
        if (i == handed) oldest = now;
        if (i + 1 < share.size() && now - oldest < std::chrono::nanoseconds(kDeliverNs)) continue;
        lk.lock();
        if (stopping_) {
          for (size_t j = handed; j < share.size(); j++) delete share[j];
          return;
        }
        done_.insert(done_.end(), share.begin() + static_cast<std::ptrdiff_t>(handed), share.begin() + static_cast<std::ptrdiff_t>(i + 1));
        handed = i + 1;
        if (!wake_pending_) {
          wake_pending_ = true;
          napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
        }
        if (i + 1 < share.size()) lk.unlock();
      }
    }
  }

  // JS thread (or env == nullptr while the function is torn down): settle every finished run.
  static void deliver(napi_env env, napi_value, void* context, void*) {
    if (env == nullptr) return;
    auto* self = static_cast<EnvState*>(context);
    std::vector<AsyncRun*>& done = self->settling_;  // JS thread only; keeps its capacity
    {
      std::lock_guard<std::mutex> lk(self->mu_);
      done.swap(self->done_);
      self->wake_pending_ = false;
    }
    const int64_t n = static_cast<int64_t>(done.size());
    // sessionRunAsync's runs settle their own promises; the prepared ones that are left, in
    // order, go to the run callback in one batch.
    for (AsyncRun*& r : done) {
      if (r->prepared) continue;
      r->settle(env);
      self->recycle(r);
      r = nullptr;
    }
    done.erase(std::remove(done.begin(), done.end(), nullptr), done.end());
    if (!done.empty()) self->settle_prepared(env, done);
    for (AsyncRun* r : done) self->recycle(r);
    done.clear();
    self->pending_ -= n;
    if (self->pending_ == 0 && self->tsfn_) napi_unref_threadsafe_function(env, self->tsfn_);
  }

  // Prepared runs settle in one call of the run callback per batch: (count, extras). Per run the
  // io block holds [id, 0, outputs (outputs_to_io)] or [id, 1 (result array) or 2 (error), index
  // into extras]. A batch larger than the block goes out in several calls.
  void settle_prepared(napi_env env, const std::vector<AsyncRun*>& runs) {
    try {
      if (run_cb_.IsEmpty() || !io_ || !can_run_js(env)) return;
      Napi::Env e(env);
      Napi::HandleScope scope(e);
      // Raw N-API from here to the callback: a worker being terminated makes any call fail, and a
      // failed node-addon-api call builds a Napi::Error, which aborts the process when it cannot
      // (can_run_js narrows that window; it cannot close it, termination starts on another thread).
      napi_value extras = nullptr;
      if (napi_create_array(env, &extras) != napi_ok) return;
      uint32_t nextra = 0, count = 0;
      size_t k = 0;
      bool alive = true;
      auto call_back = [&] {
        napi_value fn = nullptr, argv[2], undefined, result;
        if (count && alive && napi_get_reference_value(env, run_cb_, &fn) == napi_ok && fn &&
            napi_create_double(env, count, &argv[0]) == napi_ok && napi_get_undefined(env, &undefined) == napi_ok) {
          argv[1] = extras;
          if (napi_call_function(env, undefined, fn, 2, argv, &result) == napi_pending_exception) {
            napi_value exc;  // a bug in the callback: report it, settle the rest
            if (napi_get_and_clear_last_exception(env, &exc) == napi_ok && can_run_js(env)) napi_fatal_exception(env, exc);
          }
        }
        alive = alive && napi_create_array(env, &extras) == napi_ok;
        nextra = count = 0;
        k = 0;
      };
      for (AsyncRun* r : runs) {
        r->req.feed_values.clear();
        const bool traced = !r->res.trace.empty() || !r->res.executed.empty();
        const size_t need = r->status.ok() && !traced ? io_size(r->res.outputs) : 0;
        if (k + 2 + std::max<size_t>(need, 1) > kIoDoubles) call_back();
        if (need && 2 + need <= kIoDoubles) {
          io_[k] = r->id;
          io_[k + 1] = 0;
          outputs_to_io(r->res.outputs, io_ + k + 2);
          k += 2 + need;
        } else {
          Napi::Value v;
          int kind = 1;
          if (!can_run_js(env)) return;  // the environment is going away
          try {
            if (!r->status.ok()) {
              napi_value err = status_error_raw(env, r->status);
              if (!err) return;
              v = Napi::Value(e, err);
              kind = 2;
            }
            else v = result_to_js(e, r->res);
          } catch (const Napi::Error& err) {
            v = err.Value();
            kind = 2;
          }
          if (napi_set_element(env, extras, nextra, v) != napi_ok) return;
          io_[k] = r->id;
          io_[k + 1] = kind;
          io_[k + 2] = nextra++;
          k += 3;
        }
        count++;
      }
      call_back();
    } catch (...) {
      // The environment is going away: the runs can no longer be settled.
    }
  }

  napi_env env_;
  double* io_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> io_ref_;
  Napi::FunctionReference run_cb_;
  std::atomic<bool> stopping_flag_{false};
  int sleepers_ = 0;                       // run threads waiting for work (under mu_)
  bool spinning_ = false;                  // a run thread polls queued_ before sleeping (under mu_)
  std::atomic<size_t> queued_{0};          // queue_.size(), for the spinning thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::weak_ptr<tl::Session>> sessions_;
  std::deque<AsyncRun*> queue_;
  std::vector<AsyncRun*> done_;
  std::vector<AsyncRun*> inbox_;  // JS thread only: staged runs (submit) until flush()
  std::vector<std::thread> threads_;
  bool stopping_ = false, wake_pending_ = false;
  napi_threadsafe_function tsfn_ = nullptr;
  int64_t pending_ = 0;  // JS thread only: submitted, not yet settled
  static constexpr size_t kFreeRuns = 64;
  std::vector<AsyncRun*> free_runs_, settling_;  // JS thread only: see new_run; deliver's batch
  uv_idle_t* poll_ = nullptr;  // JS thread only: see start_polling
  std::chrono::steady_clock::time_point poll_until_;
  HandOvers hand_overs_;
};

EnvState* env_state(Napi::Env env) {
  auto* p = env.GetInstanceData<std::shared_ptr<EnvState>>();
  return p ? p->get() : nullptr;
}

HandOvers* hand_overs(Napi::Env env) {
  EnvState* st = env_state(env);
  return st ? &st->hand_overs() : nullptr;
}

// Called as each run starts, before it allocates: see HandOvers.
void reclaim_hand_overs(Napi::Env env) {
  if (HandOvers* ho = hand_overs(env)) ho->reclaim(env);
}

Napi::Value SessionCreate(const Napi::CallbackInfo& info) {
  int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (threads < 0 || threads > 256) threads = 0;
  auto flag = [&](size_t i, bool dflt) { return info.Length() > i && info[i].IsBoolean() ? info[i].As<Napi::Boolean>().Value() : dflt; };
  tl::Rewrites rewrites;
  rewrites.remapping = flag(1, true);
  rewrites.constant_folding = flag(3, true);
  rewrites.elementwise_fusion = flag(4, false);
  int inter_op = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
  if (inter_op > 256) inter_op = 256;
  auto* holder = new SessionPtr(std::make_shared<tl::Session>(threads, rewrites, inter_op));
  if (EnvState* st = env_state(info.Env())) st->add_session(*holder);
  auto ext = Napi::External<SessionPtr>::New(info.Env(), holder, [](Napi::Env, SessionPtr* p) { delete p; });
  ext.TypeTag(&kSessionTag);
  return ext;
}

Napi::Value SessionRunAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto r = std::make_unique<AsyncRun>();
  r->session = session_of(info[0]);
  reclaim_hand_overs(env);
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

// ---- prepared runs (the serving path) ------------------------------------------------------

const napi_type_tag kPreparedTag = {0x3a91c4e75b2d0f18ULL, 0x6e0b7d29c8f4a153ULL};

Prepared& prepared_of(const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::External<PreparedPtr>>().CheckTypeTag(&kPreparedTag))
    throw Napi::TypeError::New(v.Env(), "expected a tensorloom prepared run handle");
  return **v.As<Napi::External<PreparedPtr>>().Data();
}

// sessionPrepare(handle, feeds, fetches, targets): the signature of later runPrepared calls.
Napi::Value SessionPrepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) throw Napi::TypeError::New(env, "sessionPrepare takes 4 arguments");
  auto p = std::make_shared<Prepared>();
  p->session = session_of(info[0]);
  p->sig.feeds = ref_list(info[1], "feeds");
  p->sig.fetches = ref_list(info[2], "fetches");
  for (int32_t t : int_list(info[3], "targets")) p->sig.targets.push_back(t);
  auto ext = Napi::External<PreparedPtr>::New(env, new PreparedPtr(std::move(p)), [](Napi::Env, PreparedPtr* q) { delete q; });
  ext.TypeTag(&kPreparedTag);
  return ext;
}

SessionPtr live_session(Napi::Env env, Prepared& p) {
  SessionPtr s = p.session.lock();
  if (!s || s->closed()) throw status_error(env, tl::make_error(tl::kCancelled, "Session has been closed."));
  return s;
}

// runPrepared(prep, feedValues | null, flags, timeoutMs): undefined when the outputs are in the
// io block, else sessionRun's result array.
Napi::Value RunPrepared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Prepared& p = prepared_of(info[0]);
  SessionPtr s = live_session(env, p);
  EnvState* st = env_state(env);
  if (st) st->hand_overs().reclaim(env);
  double* io = st ? st->io() : nullptr;
  tl::RunRequest req;
  read_feed_values(env, info[1], p.sig.feeds.size(), /*copy=*/false, io, &req);
  read_run_flags(info[2], info[3], &req);
  tl::RunResult res;
  Status status = p.run(*s, req, &res);
  if (!status.ok()) throw status_error(env, status);
  const size_t need = io && !req.trace && !req.want_executed ? io_size(res.outputs) : 0;
  if (need && need <= kIoDoubles) {
    outputs_to_io(res.outputs, io);
    return env.Undefined();
  }
  return result_to_js(env, res);
}

// runPreparedAsync(prep, feedValues | null, flags, timeoutMs, id): queues the run; the run
// callback settles it. Throws when it cannot be queued.
Napi::Value RunPreparedAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  prepared_of(info[0]);  // checks the handle
  PreparedPtr p = *info[0].As<Napi::External<PreparedPtr>>().Data();
  EnvState* st = env_state(env);
  if (!st || !st->has_run_callback()) throw Napi::Error::New(env, "runPreparedAsync needs setRunCallback first");
  auto r = st->new_run();
  r->session = live_session(env, *p);
  st->hand_overs().reclaim(env);
  read_feed_values(env, info[1], p->sig.feeds.size(), /*copy=*/true, st->io(), &r->req);
  read_run_flags(info[2], info[3], &r->req);
  r->id = info[4].IsNumber() ? info[4].As<Napi::Number>().DoubleValue() : 0;
  r->prepared = std::move(p);
  if (!st->submit(std::move(r), /*staged=*/true))
    throw status_error(env, tl::make_error(tl::kCancelled, "could not queue the run: the environment is shutting down"));
  return env.Undefined();
}

// flushRuns(): starts the runs runPreparedAsync staged (JS calls it once per task, from a microtask).
Napi::Value FlushRuns(const Napi::CallbackInfo& info) {
  if (EnvState* st = env_state(info.Env())) st->flush();
  return info.Env().Undefined();
}

Napi::Value SetRunCallback(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setRunCallback takes a function");
  if (EnvState* st = env_state(info.Env())) st->set_run_callback(info[0].As<Napi::Function>());
  return info.Env().Undefined();
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
  exports.Set("sessionPrepare", Napi::Function::New(env, SessionPrepare));
  exports.Set("runPrepared", Napi::Function::New(env, RunPrepared));
  exports.Set("runPreparedAsync", Napi::Function::New(env, RunPreparedAsync));
  exports.Set("setRunCallback", Napi::Function::New(env, SetRunCallback));
  exports.Set("flushRuns", Napi::Function::New(env, FlushRuns));
  auto io = Napi::ArrayBuffer::New(env, kIoDoubles * sizeof(double));
  (*state)->set_io(io);
  exports.Set("io", Napi::Float64Array::New(env, kIoDoubles, io, 0));
  exports.Set("_sessionInfo", Napi::Function::New(env, SessionInfo));
  exports.Set("graphValidate", Napi::Function::New(env, GraphValidate));
  exports.Set("schemaHash", Napi::Number::New(env, TL_SCHEMA_HASH));
  exports.Set("isa", Napi::String::New(env, tl::isa_name(tl::cpu_isa())));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorloom, Init)
