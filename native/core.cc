// dtype tables, shape helpers and the Buffer (its blocks come from the caching allocator, alloc.h).
#include "core.h"
#include <cstdlib>
#include "alloc.h"

namespace tl {

bool dtype_valid(int v) { return v == 1 || v == 2 || v == 3 || v == 4 || v == 7 || v == 9 || v == 10; }

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: case DType::i32: return 4;
    case DType::f64: case DType::i64: case DType::str: return 8;
    case DType::u8: case DType::boolean: return 1;
  }
  return 1;
}

const char* dtype_tf_name(DType t) {
  switch (t) {
    case DType::f32: return "float";
    case DType::f64: return "double";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
    case DType::boolean: return "bool";
    case DType::str: return "string";
  }
  return "unknown";
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); i++) {
    if (i) out += ",";
    out += s[i] < 0 ? std::string("?") : std::to_string(s[i]);
  }
  return out + "]";
}

bool shape_num_elements(const Shape& s, int64_t* n) {
  int64_t acc = 1;
  for (int64_t d : s) {
    if (d < 0 || mul_overflow(acc, d, &acc)) return false;
  }
  *n = acc;
  return true;
}

void Buffer::keep_strings_of(const Buffer& from) {
  for (const auto& k : from.keep) {
    bool have = false;
    for (const auto& m : keep) have = have || m == k;
    if (!have) keep.push_back(k);
  }
}

bool str_parse_records(const uint8_t* bytes, size_t len, int64_t n, StrElem* views) {
  size_t at = 0;
  for (int64_t i = 0; i < n; i++) {
    uint64_t sz, rec;
    if (len - at < 8) return false;
    std::memcpy(&sz, bytes + at, 8);
    if (!str_record_bytes(sz, &rec) || rec > len - at) return false;
    views[i] = bytes + at;
    at += rec;
  }
  return at == len;
}

Buffer::~Buffer() {
  if (owned && !embedded) pool::release(data, capacity);
}

namespace {
struct EmbeddedBuffer : Buffer {
  alignas(64) unsigned char storage[Buffer::kEmbedBytes];
};
}  // namespace

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes, bool* pool_hit) {
  if (bytes <= kEmbedBytes) {
    if (pool_hit) *pool_hit = false;
    std::shared_ptr<EmbeddedBuffer> e;
    try {
      e = std::make_shared<EmbeddedBuffer>();
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
    e->data = e->storage;
    e->bytes = bytes;
    e->capacity = kEmbedBytes;
    e->owned = e->embedded = true;
    return e;
  }
  size_t capacity = 0;
  bool hit = false;
  void* p = pool::acquire(bytes, &capacity, &hit);
  if (pool_hit) *pool_hit = hit;
  if (!p) return nullptr;
  auto b = std::make_shared<Buffer>();
  b->data = p;
  b->bytes = bytes;
  b->capacity = capacity;
  b->owned = true;
  return b;
}

}  // namespace tl
