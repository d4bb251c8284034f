// dtype tables, shape helpers and the aligned Buffer.
#include "core.h"
#include <cstdlib>

namespace tl {

bool dtype_valid(int v) { return v == 1 || v == 2 || v == 3 || v == 4 || v == 9 || v == 10; }

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: case DType::i32: return 4;
    case DType::f64: case DType::i64: return 8;
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

Buffer::~Buffer() {
  if (owned) std::free(data);
}

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes) {
  // Round up so aligned_alloc's size rule holds; at least one block so data is never null.
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded < bytes) return nullptr;
  if (rounded == 0) rounded = 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) return nullptr;
  auto b = std::make_shared<Buffer>();
  b->data = p;
  b->bytes = bytes;
  b->owned = true;
  return b;
}

}  // namespace tl
