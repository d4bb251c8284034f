// The session's variables and the table of TF1 ref edges (see resource.h).
#include "resource.h"

namespace tl {

Status ResourceMgr::lookup_or_create(const std::string& container, const std::string& name, DType dtype,
                                     const Shape& shape, std::shared_ptr<Var>* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (cleared_) return make_error(kCancelled, "Session has been closed.");
  auto& slot = vars_[{container.empty() ? "localhost" : container, name}];  // TF's default container
  if (!slot) slot = std::make_shared<Var>(name, dtype, shape);
  *out = slot;
  return Status::OK();
}

Status ResourceMgr::node_state(const std::string& node, const std::function<std::shared_ptr<void>()>& make,
                               std::shared_ptr<void>* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (cleared_) return make_error(kCancelled, "Session has been closed.");
  auto& slot = node_states_[node];
  if (!slot) slot = make();
  *out = slot;
  return Status::OK();
}

void ResourceMgr::clear() {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Var>> dropped;
  std::map<std::string, std::shared_ptr<void>> dropped_states;
  {
    std::lock_guard<std::mutex> l(mu_);
    cleared_ = true;
    dropped.swap(vars_);
    dropped_states.swap(node_states_);
  }
  // Freed here, outside the lock (large buffers take a while to unmap).
}

size_t ResourceMgr::size() {
  std::lock_guard<std::mutex> l(mu_);
  return vars_.size();
}

// The training ops (native/kernels/training.cc): how many leading Ref(T) inputs (var and slots).
int apply_ref_inputs(OpId op) {
  switch (op) {
    case OpId::ApplyGradientDescent: case OpId::ApplyProximalGradientDescent: return 1;
    case OpId::ApplyMomentum: case OpId::ApplyAdagrad: return 2;
    case OpId::ApplyAdam: case OpId::ApplyRMSProp: case OpId::ApplyAdadelta: return 3;
    case OpId::ApplyCenteredRMSProp: return 4;
    default: return 0;
  }
}

bool is_ref_output(OpId op, int output) {
  switch (op) {
    case OpId::VariableV2: case OpId::Assign: case OpId::AssignAdd: case OpId::AssignSub: return output == 0;
    default: return output == 0 && apply_ref_inputs(op) > 0;
  }
}

bool is_ref_input(OpId op, int input) {
  switch (op) {
    case OpId::Assign: case OpId::AssignAdd: case OpId::AssignSub: case OpId::IsVariableInitialized: return input == 0;
    default: return input < apply_ref_inputs(op);
  }
}

// The Apply* kernels check initialization themselves, with TF's text.
bool allows_uninitialized_input(OpId op) {
  return op == OpId::Assign || op == OpId::IsVariableInitialized || apply_ref_inputs(op) > 0;
}

}  // namespace tl
