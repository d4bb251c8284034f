// The decoded graph: nodes as integer tables (inputs refer to earlier nodes by index, so
// node order is a topological order). Built only by decode_graph(), which validates the
// untrusted buffer completely; see lib/serialize.ts for the byte layout.
#pragma once
#include <memory>
#include <string>
#include <vector>
#include "core.h"

namespace tl {

enum class OpId : uint16_t {
#define TL_X(id, type, kernel, min_in, max_in, n_out) type = id,
#include "ops.gen.h"
  TL_OPS(TL_X)
#undef TL_X
};

// Attribute kinds on the wire.
enum class AttrKind : uint8_t { i = 1, f = 2, b = 3, s = 4, type = 5, shape = 6, ints = 7, tensor = 8, types = 9, floats = 10 };

struct Attr {
  AttrKind kind = AttrKind::i;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  DType type = DType::f32;
  int shape_rank = -1;        // shape attr: -1 = unknown rank; dims of -1 are unknown
  Shape shape;
  std::vector<int64_t> ints;
  std::vector<DType> types;   // list(type)
  std::vector<double> floats; // list(float)
  Tensor tensor;              // tensor attr: points into the graph blob (zero-copy)
};

struct TensorRef { int node; int index; };

struct Node {
  int index = 0;
  std::string name;
  OpId op = OpId::NoOp;
  const char* type_name = "";
  std::vector<TensorRef> inputs;
  std::vector<int> control_inputs;
  std::vector<DType> out_dtypes;
  std::vector<int> out_ranks;     // static shape per output (-1 = unknown rank)
  std::vector<Shape> out_shapes;  // dims, -1 = unknown
  std::vector<Attr> attrs;        // indexed as in the schema's attr list for this op
};

struct OpInfo {
  OpId id;
  const char* type;
  const char* kernel;  // kernel family (schema.ts), e.g. "binary"
  int min_inputs, max_inputs, num_outputs;  // num_outputs -1: set by the node's attrs
};
const OpInfo* op_info(int id);  // nullptr for an unknown op id

// Decodes `bytes` (copied into an aligned blob owned by the returned nodes) and appends the
// nodes to `out`. The buffer's first node must have index existing.size(); inputs may refer
// to nodes in `existing` or earlier in the buffer. On error `out` is unchanged.
Status decode_graph(const uint8_t* bytes, size_t len,
                    const std::vector<std::shared_ptr<const Node>>& existing,
                    std::vector<std::shared_ptr<const Node>>* out);

}  // namespace tl
