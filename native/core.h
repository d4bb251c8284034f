// Core value types shared by the decoder, the executor and the kernels: dtypes, shapes,
// ref-counted buffers, tensors and Status (TF error codes). No N-API in here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tl {

// Wire values are TF's DataType enum numbers, so dtypes read the same in every layer.
enum class DType : uint8_t { f32 = 1, f64 = 2, i32 = 3, u8 = 4, str = 7, i64 = 9, boolean = 10 };

bool dtype_valid(int v);
size_t dtype_size(DType t);
const char* dtype_tf_name(DType t);  // TF DataTypeString: "float", "double", "int32", ...

// TF error codes (error_codes.proto).
enum Code : int {
  kOk = 0, kCancelled = 1, kUnknown = 2, kInvalidArgument = 3, kDeadlineExceeded = 4,
  kNotFound = 5, kResourceExhausted = 8, kFailedPrecondition = 9, kOutOfRange = 11,
  kUnimplemented = 12, kInternal = 13,
};

struct Status {
  int code = kOk;
  std::string msg;
  int node = -1;  // index of the node that failed, -1 if none
  bool ok() const { return code == kOk; }
  static Status OK() { return Status(); }
};
inline Status make_error(int code, std::string msg) { Status s; s.code = code; s.msg = std::move(msg); return s; }
inline Status invalid_arg(std::string msg) { return make_error(kInvalidArgument, std::move(msg)); }
#define TL_RETURN_IF_ERROR(expr) do { ::tl::Status _s = (expr); if (!_s.ok()) return _s; } while (0)

// Overflow-checked arithmetic for sizes computed from untrusted input.
inline bool mul_overflow(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }
inline bool add_overflow(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

constexpr int kMaxRank = 16;
using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);           // "[2,3]"
bool shape_num_elements(const Shape& s, int64_t* n);  // false on negative dim or overflow

// A 64-byte aligned block from the caching allocator (alloc.h), or a borrowed region kept alive
// by `owner`.
//
// String tensors (DType::str): each element is a StrElem, a plain 8-byte pointer to a record
// { u64 length, bytes } (8-byte aligned; null = ""). Elements are trivially copyable, so the
// data-movement kernels (gather, concat, slice, transpose, tile, select, fill, ...) move them
// by their 8-byte size like any other dtype and never copy or free string bytes. The records
// live in blocks that the Buffer keeps alive in `keep`: every string output a kernel allocates
// (KernelContext::allocate_output) gets the `keep` of all its string inputs, so whatever a
// kernel copied into it stays valid for as long as the output lives; a kernel that makes new
// strings (Add) adds its own block. Outputs that alias an input share its Buffer.
struct Buffer {
  void* data = nullptr;
  size_t bytes = 0;
  size_t capacity = 0;  // the allocator's block size (owned blocks)
  bool owned = false;
  bool embedded = false;  // owned, and data is in the Buffer's own allocation (small values)
  std::shared_ptr<const void> owner;
  std::vector<std::shared_ptr<const void>> keep;  // string record blocks (see above)
  // Adds `from`'s string blocks to keep (once each).
  void keep_strings_of(const Buffer& from);
  ~Buffer();
  // nullptr if the allocation fails; *pool_hit (when given) tells whether a cached block served it.
  // Up to kEmbedBytes the data sits in the Buffer's own (64-byte aligned) allocation: a scalar
  // costs one heap block, not two (the serving path allocates a feed and an output per run).
  static constexpr size_t kEmbedBytes = 64;
  static std::shared_ptr<Buffer> allocate(size_t bytes, bool* pool_hit = nullptr);
};

struct Tensor {
  DType dtype = DType::f32;
  Shape shape;
  std::shared_ptr<Buffer> buf;  // may be shared (Identity/Reshape alias their input)
  int64_t num_elements() const { int64_t n = 1; for (auto d : shape) n *= d; return n; }
  size_t bytes() const { return static_cast<size_t>(num_elements()) * dtype_size(dtype); }
  void* raw() const { return buf ? buf->data : nullptr; }
  template <class T> T* data() const { return static_cast<T*>(raw()); }
};

// A string element (see Buffer) and its bytes.
using StrElem = const uint8_t*;
inline std::string_view str_view(StrElem e) {
  if (!e) return {};
  uint64_t n;
  std::memcpy(&n, e, 8);
  return {reinterpret_cast<const char*>(e + 8), static_cast<size_t>(n)};
}
// The bytes a record of n string bytes takes (8-byte aligned); false on overflow.
inline bool str_record_bytes(uint64_t n, uint64_t* out) {
  if (n > (uint64_t{1} << 62)) return false;
  *out = 8 + ((n + 7) & ~uint64_t{7});
  return true;
}
// Points views[0..n) at the n records of `bytes` (the graph format's and the feeds' layout:
// lib/serialize.ts); false unless the records fill exactly `len` bytes. `bytes` must be 8-byte
// aligned and outlive the views.
bool str_parse_records(const uint8_t* bytes, size_t len, int64_t n, StrElem* views);

}  // namespace tl
