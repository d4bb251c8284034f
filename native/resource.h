// Per-session state: the variables a session holds (TF's ResourceMgr with its ref-style
// LegacyVar), and TF1's "ref" edges: which op outputs refer to a variable and which op inputs
// take the variable itself rather than its value.
//
// Thread rules: ResourceMgr is thread-safe (mu_). A Var's value is read and replaced under
// Var::mu; a reader gets a Tensor sharing the buffer (shared_ptr), so a buffer replaced by an
// Assign stays alive for every kernel still reading it. In-place updates write into the shared
// buffer, under Var::mu only when the op's use_locking is set: racing unlocked updates may lose
// increments, as TF's use_locking=false allows, but never touch freed or foreign memory.
// Because the variable keeps a reference to its buffer, a fetched value sharing it is always
// copied by the addon (fetched_buffer hands over only buffers nothing else holds), so later
// updates never change what JS received.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include "core.h"
#include "graph.h"

namespace tl {

struct Var {
  Var(std::string n, DType dt, Shape shape) : name(std::move(n)), dtype(dt) {
    value.dtype = dt;
    value.shape = std::move(shape);
  }
  const std::string name;  // shared_name, or the VariableV2 node's name
  const DType dtype;
  std::mutex mu;
  // No buffer until the first Assign (uninitialized); until then the shape is the declared one
  // (what Assign's validate_shape compares with, as TF's LegacyVar).
  Tensor value;

  // The current value (sharing the variable's buffer); no buffer when uninitialized.
  Tensor read() {
    std::lock_guard<std::mutex> l(mu);
    return value;
  }
};

class ResourceMgr {
 public:
  // The variable `name` of `container` ("" is the default one, "localhost"), created uninitialized
  // with the declared shape on first use. Cancelled once the manager is cleared.
  Status lookup_or_create(const std::string& container, const std::string& name, DType dtype, const Shape& shape,
                          std::shared_ptr<Var>* out);
  // Per-node kernel state that lives as long as the session, as state TF keeps in an OpKernel
  // (a random op's generator): made by `make` on the first call for `node`, the same object
  // afterwards. The caller guards its contents itself.
  Status node_state(const std::string& node, const std::function<std::shared_ptr<void>()>& make, std::shared_ptr<void>* out);
  // Drops every variable and node state (Session::close); runs still holding one keep it until they finish.
  void clear();
  size_t size();

 private:
  std::mutex mu_;
  bool cleared_ = false;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Var>> vars_;
  std::map<std::string, std::shared_ptr<void>> node_states_;
};

// TF1 ref edges by op (the registry has no ref dtypes). Ops added later with Ref(T) args
// (the Apply* training ops) are listed here too.
bool is_ref_output(OpId op, int output);  // the output refers to a variable (VariableV2, Assign*)
bool is_ref_input(OpId op, int input);    // the kernel gets the variable itself (ctx.ref_input)
// TF's SetAllowsUninitializedInput: the op may take an uninitialized variable (Assign,
// IsVariableInitialized); any other consumer of an uninitialized variable fails.
bool allows_uninitialized_input(OpId op);
// The number of leading Ref(T) inputs of a training op (Apply*: var and its slots), else 0.
int apply_ref_inputs(OpId op);

}  // namespace tl
