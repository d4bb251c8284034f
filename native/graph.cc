// Decoder for the binary graph format (layout documented in lib/serialize.ts). The buffer is
// untrusted: every count, offset, index, dtype and attribute is checked before use.
#include "graph.h"
#include <cstring>

namespace tl {
namespace {

struct AttrSpec { const char* name; AttrKind kind; uint32_t allowed; int64_t min; };
// One input or output arg (TF ArgDef): a fixed dtype or a type attr, times an optional number
// attr, or a list(type) attr.
struct ArgSpec { bool output; int fixed; int type_attr, number_attr, type_list_attr; };

AttrKind kind_of(const char* k) {
  static const struct { const char* n; AttrKind k; } table[] = {
      {"int", AttrKind::i}, {"float", AttrKind::f}, {"bool", AttrKind::b}, {"string", AttrKind::s},
      {"type", AttrKind::type}, {"shape", AttrKind::shape}, {"ints", AttrKind::ints}, {"tensor", AttrKind::tensor},
      {"types", AttrKind::types}, {"floats", AttrKind::floats}};
  for (auto& e : table) if (std::strcmp(e.n, k) == 0) return e.k;
  return AttrKind::i;
}

struct OpTable {
  OpInfo info[1024];
  bool present[1024] = {};
  std::vector<AttrSpec> attrs[1024];
  std::vector<ArgSpec> args[1024];
  OpTable() {
#define TL_X(id, type, kernel, min_in, max_in, n_out) \
    info[id] = OpInfo{OpId::type, #type, #kernel, min_in, max_in, n_out}; present[id] = true;
    TL_OPS(TL_X)
#undef TL_X
#define TL_A(type, idx, name, kind, allowed, min) attrs[static_cast<int>(OpId::type)].push_back({#name, kind_of(#kind), allowed, min});
    TL_ATTRS(TL_A)
#undef TL_A
#define TL_G(type, out, fixed, type_attr, number_attr, list_attr) \
    args[static_cast<int>(OpId::type)].push_back({out != 0, fixed, type_attr, number_attr, list_attr});
    TL_ARGS(TL_G)
#undef TL_G
  }
};
const OpTable& table() { static const OpTable t; return t; }

// Bounds-checked little-endian reader.
class Reader {
 public:
  Reader(const uint8_t* p, size_t len, size_t pos) : p_(p), len_(len), pos_(pos) {}
  template <class T> bool get(T* v) {
    if (len_ - pos_ < sizeof(T) || pos_ > len_) return false;
    std::memcpy(v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool skip(size_t n) { if (pos_ > len_ || len_ - pos_ < n) return false; pos_ += n; return true; }
  size_t pos() const { return pos_; }
 private:
  const uint8_t* p_;
  size_t len_, pos_;
};

Status bad(const std::string& what) { return invalid_arg("Invalid graph buffer: " + what); }

constexpr int64_t kMaxListLength = 1 << 16;
// Dims beyond 2^53 cannot cross into JS exactly (and no tensor that large can exist).
constexpr int64_t kMaxDim = (int64_t{1} << 53) - 1;

// The dtypes a node's inputs (or outputs) must have given its attrs, expanded from the op's
// args; false if a number attr is out of range.
bool expected_dtypes(const Node& n, bool output, std::vector<DType>* out) {
  for (const ArgSpec& a : table().args[static_cast<int>(n.op)]) {
    if (a.output != output) continue;
    if (a.type_list_attr >= 0) {
      const auto& ts = n.attrs[a.type_list_attr].types;
      out->insert(out->end(), ts.begin(), ts.end());
      continue;
    }
    DType t = a.fixed ? static_cast<DType>(a.fixed) : n.attrs[a.type_attr].type;
    int64_t count = a.number_attr >= 0 ? n.attrs[a.number_attr].i : 1;
    if (count < 0 || count > kMaxListLength) return false;
    out->insert(out->end(), static_cast<size_t>(count), t);
  }
  return true;
}

// Kernels write outputs of the node's declared dtypes and read inputs as the attrs say, so both
// must agree with the op's args: otherwise a forged buffer could make a kernel write one
// dtype's elements into a buffer sized for another.
bool dtypes_consistent(const Node& n, const std::vector<DType>& in) {
  std::vector<DType> want_in, want_out;
  if (!expected_dtypes(n, false, &want_in) || !expected_dtypes(n, true, &want_out)) return false;
  if (want_in != in || want_out != n.out_dtypes) return false;
  if (n.op == OpId::Const) return n.attrs[0].tensor.dtype == n.attrs[1].type;
  return true;
}

// Type attrs within their allowed lists, int attrs at least their minimum.
bool attrs_allowed(const Node& n) {
  const auto& specs = table().attrs[static_cast<int>(n.op)];
  for (size_t i = 0; i < specs.size(); i++) {
    const Attr& a = n.attrs[i];
    if (specs[i].kind == AttrKind::type && specs[i].allowed && !(specs[i].allowed & (1u << static_cast<int>(a.type)))) return false;
    if (specs[i].kind == AttrKind::types && specs[i].allowed)
      for (DType t : a.types) if (!(specs[i].allowed & (1u << static_cast<int>(t)))) return false;
    if (specs[i].kind == AttrKind::i && specs[i].min >= 0 && a.i < specs[i].min) return false;
  }
  return true;
}

}  // namespace

const OpInfo* op_info(int id) {
  if (id < 0 || id >= 1024 || !table().present[id]) return nullptr;
  return &table().info[id];
}

Status decode_graph(const uint8_t* bytes, size_t len,
                    const std::vector<std::shared_ptr<const Node>>& existing,
                    std::vector<std::shared_ptr<const Node>>* out) {
  const size_t expect_base = existing.size();
  if (len < 32) return bad("shorter than its 32-byte header");
  if (std::memcmp(bytes, "TLGF", 4) != 0) return bad("bad magic (not a tensorloom graph)");
  uint16_t version, flags;
  uint32_t hash, base, node_count, string_count, data_offset, total;
  Reader h(bytes, len, 4);
  h.get(&version); h.get(&flags); h.get(&hash); h.get(&base); h.get(&node_count);
  h.get(&string_count); h.get(&data_offset); h.get(&total);
  if (version != 1) return bad("unsupported format version " + std::to_string(version));
  if (hash != TL_SCHEMA_HASH)
    return bad("built against another op schema (schema hash mismatch); rebuild the graph with this version of tensorloom");
  if (total != len) return bad("length field " + std::to_string(total) + " != buffer length " + std::to_string(len));
  if (data_offset > len || data_offset < 64 || data_offset % 64 != 0) return bad("bad constant data offset");
  if (base != expect_base) return bad("extends node " + std::to_string(base) + " but the graph has " + std::to_string(expect_base));
  // Each string takes at least 4 bytes and each node at least 16, so counts the buffer cannot
  // hold are rejected before anything is sized from them.
  if (static_cast<uint64_t>(string_count) * 4 + static_cast<uint64_t>(node_count) * 16 > data_offset - 32)
    return bad("node or string count larger than the buffer can hold");

  // Own an aligned copy so constants can be used in place (zero-copy) for the session's life.
  auto blob = Buffer::allocate(len);
  if (!blob) return make_error(kResourceExhausted, "out of memory decoding graph");
  std::memcpy(blob->data, bytes, len);
  const uint8_t* p = static_cast<const uint8_t*>(blob->data);
  Reader r(p, data_offset, 32);

  std::vector<std::string> strings(string_count);
  for (auto& s : strings) {
    uint32_t n;
    if (!r.get(&n)) return bad("truncated string table");
    size_t at = r.pos();
    if (!r.skip(n)) return bad("string runs past the end");
    s.assign(reinterpret_cast<const char*>(p + at), n);
  }
  auto str = [&](uint32_t i, std::string* s) { if (i >= strings.size()) return false; *s = strings[i]; return true; };

  std::vector<std::shared_ptr<const Node>> nodes;
  nodes.reserve(node_count);
  std::vector<int> n_outputs_of;  // outputs per node in this buffer, for reference checks
  for (uint32_t k = 0; k < node_count; k++) {
    auto node = std::make_shared<Node>();
    int index = static_cast<int>(base + k);
    node->index = index;
    uint32_t name;
    uint16_t op, n_in, n_ctl, n_out, n_attr, reserved;
    if (!r.get(&name) || !r.get(&op) || !r.get(&n_in) || !r.get(&n_ctl) || !r.get(&n_out) ||
        !r.get(&n_attr) || !r.get(&reserved))
      return bad("truncated node " + std::to_string(index));
    if (!str(name, &node->name)) return bad("node " + std::to_string(index) + " has a bad name index");
    const std::string where = "node '" + node->name + "'";
    const OpInfo* info = op_info(op);
    if (!info) return bad(where + " has unknown op id " + std::to_string(op));
    node->op = info->id;
    node->type_name = info->type;
    if (n_in < info->min_inputs || n_in > info->max_inputs) return bad(where + " (" + info->type + ") has " + std::to_string(n_in) + " inputs");
    if (info->num_outputs >= 0 && n_out != info->num_outputs) return bad(where + " declares " + std::to_string(n_out) + " outputs");
    // Inputs must refer to earlier nodes: this keeps node order topological and rules out cycles.
    auto outputs_of = [&](uint32_t ref) -> int {
      if (ref < base) return static_cast<int>(existing[ref]->out_dtypes.size());
      return n_outputs_of[ref - base];
    };
    for (int i = 0; i < n_in; i++) {
      uint32_t src, idx;
      if (!r.get(&src) || !r.get(&idx)) return bad("truncated inputs of " + where);
      if (src >= static_cast<uint32_t>(index)) return bad(where + " input " + std::to_string(i) + " refers to a later node (cycle or bad index)");
      int n = outputs_of(src);
      if (idx >= static_cast<uint32_t>(n)) return bad(where + " input " + std::to_string(i) + " refers to a missing output");
      node->inputs.push_back({static_cast<int>(src), static_cast<int>(idx)});
    }
    for (int i = 0; i < n_ctl; i++) {
      uint32_t src;
      if (!r.get(&src)) return bad("truncated control inputs of " + where);
      if (src >= static_cast<uint32_t>(index)) return bad(where + " control input refers to a later node");
      node->control_inputs.push_back(static_cast<int>(src));
    }
    for (int i = 0; i < n_out; i++) {
      uint8_t dt;
      int8_t rank = 0;
      if (!r.get(&dt) || !r.get(&rank)) return bad("truncated outputs of " + where);
      if (!dtype_valid(dt)) return bad(where + " output has invalid dtype " + std::to_string(dt));
      if (rank < -1 || rank > kMaxRank) return bad(where + " output has invalid rank");
      Shape s;
      for (int d = 0; d < rank; d++) {
        int64_t v;
        if (!r.get(&v)) return bad("truncated output shape of " + where);
        if (v < -1) return bad(where + " output has a negative dimension");
        if (v > kMaxDim) return bad(where + " output has a dimension beyond 2^53");
        s.push_back(v);
      }
      node->out_dtypes.push_back(static_cast<DType>(dt));
      node->out_ranks.push_back(rank);
      node->out_shapes.push_back(std::move(s));
    }
    const auto& specs = table().attrs[op];
    if (n_attr != specs.size()) return bad(where + " has " + std::to_string(n_attr) + " attrs, expected " + std::to_string(specs.size()));
    node->attrs.resize(specs.size());
    std::vector<bool> seen(specs.size(), false);
    for (int a = 0; a < n_attr; a++) {
      uint32_t key;
      uint8_t kind;
      std::string key_name;
      if (!r.get(&key) || !r.get(&kind) || !str(key, &key_name)) return bad("truncated attrs of " + where);
      size_t slot = specs.size();
      for (size_t s = 0; s < specs.size(); s++) if (key_name == specs[s].name) slot = s;
      if (slot == specs.size() || seen[slot]) return bad(where + " has unexpected or repeated attr '" + key_name + "'");
      if (kind != static_cast<uint8_t>(specs[slot].kind)) return bad(where + " attr '" + key_name + "' has the wrong kind");
      seen[slot] = true;
      Attr& at = node->attrs[slot];
      at.kind = static_cast<AttrKind>(kind);
      bool ok = true;
      switch (at.kind) {
        case AttrKind::i: ok = r.get(&at.i); break;
        case AttrKind::f: ok = r.get(&at.f); break;
        case AttrKind::b: { uint8_t v = 0; ok = r.get(&v) && v <= 1; at.b = v != 0; break; }
        case AttrKind::s: { uint32_t si; ok = r.get(&si) && str(si, &at.s); break; }
        case AttrKind::type: { uint8_t v = 0; ok = r.get(&v) && dtype_valid(v); at.type = static_cast<DType>(v); break; }
        case AttrKind::shape: {
          int8_t rank = 0;
          ok = r.get(&rank) && rank >= -1 && rank <= kMaxRank;
          at.shape_rank = rank;
          for (int d = 0; ok && d < rank; d++) { int64_t v; ok = r.get(&v) && v >= -1 && v <= kMaxDim; at.shape.push_back(v); }
          break;
        }
        case AttrKind::ints: {
          uint32_t n;
          ok = r.get(&n) && n <= (1u << 20);
          for (uint32_t d = 0; ok && d < n; d++) { int64_t v; ok = r.get(&v); at.ints.push_back(v); }
          break;
        }
        case AttrKind::types: {
          uint32_t n;
          ok = r.get(&n) && n <= kMaxListLength;
          for (uint32_t d = 0; ok && d < n; d++) { uint8_t v = 0; ok = r.get(&v) && dtype_valid(v); if (ok) at.types.push_back(static_cast<DType>(v)); }
          break;
        }
        case AttrKind::floats: {
          uint32_t n;
          ok = r.get(&n) && n <= kMaxListLength;
          for (uint32_t d = 0; ok && d < n; d++) { double v; ok = r.get(&v); at.floats.push_back(v); }
          break;
        }
        case AttrKind::tensor: {
          uint8_t dt;
          int8_t rank = 0;
          uint32_t off, nbytes;
          ok = r.get(&dt) && dtype_valid(dt) && r.get(&rank) && rank >= 0 && rank <= kMaxRank;
          for (int d = 0; ok && d < rank; d++) { int64_t v; ok = r.get(&v) && v >= 0 && v <= kMaxDim; at.tensor.shape.push_back(v); }
          ok = ok && r.get(&off) && r.get(&nbytes);
          if (!ok) break;
          at.tensor.dtype = static_cast<DType>(dt);
          int64_t n, want;
          const bool is_str = at.tensor.dtype == DType::str;  // records, not n * size bytes
          if (!shape_num_elements(at.tensor.shape, &n) ||
              mul_overflow(n, static_cast<int64_t>(dtype_size(at.tensor.dtype)), &want) || (!is_str && want != nbytes))
            return bad(where + " constant size does not match its shape");
          if (off % 64 != 0 || static_cast<uint64_t>(data_offset) + off + nbytes > len)
            return bad(where + " constant data is out of bounds or misaligned");
          uint8_t* payload = static_cast<uint8_t*>(blob->data) + data_offset + off;
          if (is_str) {
            // Each record takes at least 8 bytes, so n is bounded by the data before allocating.
            if (n > static_cast<int64_t>(nbytes / 8)) return bad(where + " string constant has more elements than its data holds");
            auto views = Buffer::allocate(static_cast<size_t>(want));
            if (!views) return make_error(kResourceExhausted, "out of memory decoding graph");
            if (!str_parse_records(payload, nbytes, n, static_cast<StrElem*>(views->data)))
              return bad(where + " string constant records do not match its shape");
            views->keep.push_back(blob);
            at.tensor.buf = std::move(views);
            break;
          }
          auto view = std::make_shared<Buffer>();
          view->data = payload;
          view->bytes = nbytes;
          view->owner = blob;
          at.tensor.buf = std::move(view);
          break;
        }
        default: ok = false;
      }
      if (!ok) return bad(where + " attr '" + key_name + "' is malformed");
    }
    std::vector<DType> in_dtypes;
    for (const TensorRef& r : node->inputs)
      in_dtypes.push_back(r.node < static_cast<int>(base) ? existing[r.node]->out_dtypes[r.index]
                                                          : nodes[r.node - base]->out_dtypes[r.index]);
    for (size_t a = 0; a < specs.size(); a++) if (!seen[a]) return bad(where + " is missing attr '" + specs[a].name + "'");
    if (!attrs_allowed(*node)) return bad(where + " (" + info->type + ") has an attr value its op does not allow");
    if (!dtypes_consistent(*node, in_dtypes)) return bad(where + " (" + info->type + ") declares dtypes that do not match its inputs or attrs");
    n_outputs_of.push_back(n_out);
    nodes.push_back(std::move(node));
  }
  out->insert(out->end(), nodes.begin(), nodes.end());
  return Status::OK();
}

}  // namespace tl
