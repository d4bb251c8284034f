// TF1 ref-variable kernels (core/kernels/variable_ops.cc, assign_op.h, dense_update_ops.cc):
// VariableV2 looks its variable up in the session (native/resource.h) and outputs a reference
// to it; Assign / AssignAdd / AssignSub update the variable in place and forward the reference;
// IsVariableInitialized reads the flag. Readers of a reference see the value current when they
// run (the executor dereferences it), sharing the variable's buffer as a TF1 ref read does.
#include <algorithm>
#include <cstring>
#include <mutex>
#include "resource.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {
namespace {

constexpr int64_t kGrainBytes = 1 << 16;  // bytes per parallel chunk of a copy or update

// TF's PartialTensorShape text: [?,2].
std::string partial_shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); i++) out += (i ? "," : "") + (s[i] < 0 ? std::string("?") : std::to_string(s[i]));
  return out + "]";
}

// VariableV2(shape, dtype, container, shared_name): keyed by shared_name, else the node's name
// (TF's ContainerInfo with use_node_name_as_default). An unknown-rank shape declares a scalar
// (TF converts the PartialTensorShape); a partly known one cannot be held.
Status variable_v2(KernelContext& ctx) {
  const Attr& shape = ctx.attr(0);
  const DType dtype = ctx.attr(1).type;
  Shape declared;
  if (shape.shape_rank > 0) {
    if (std::any_of(shape.shape.begin(), shape.shape.end(), [](int64_t d) { return d < 0; }))
      return ctx.invalid("Shape " + partial_shape_str(shape.shape) + " is not fully defined");
    declared = shape.shape;
  }
  const std::string& shared = ctx.attr(3).s;
  std::shared_ptr<Var> var;
  TL_RETURN_IF_ERROR(ctx.resources->lookup_or_create(ctx.attr(2).s, shared.empty() ? ctx.node.name : shared, dtype, declared, &var));
  if (var->dtype != dtype)  // another VariableV2 made this shared_name with another dtype
    return make_error(kInternal, std::string("Output 0 of type ") + dtype_tf_name(var->dtype) + "_ref does not match declared output type " +
                                     dtype_tf_name(dtype) + "_ref for node " + ctx.node.name);
  ctx.set_ref_output(0, std::move(var));
  return Status::OK();
}

void copy_bytes(KernelContext& ctx, void* dst, const void* src, size_t bytes) {
  ctx.run.parallel_for(static_cast<int64_t>(bytes), kGrainBytes, [&](int64_t b, int64_t e) {
    std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, static_cast<size_t>(e - b));
  });
}

// Assign(ref, value; validate_shape, use_locking), as TF's AssignOp: with validate_shape the
// shapes must match (an uninitialized variable has its declared shape); a value with as many
// elements as the current one is copied into the existing buffer (reshaped if need be), under
// the variable's lock when use_locking; otherwise a new buffer replaces the old one, which
// stays alive for whoever still reads it.
Status assign(KernelContext& ctx) {
  const std::shared_ptr<Var>& var = ctx.ref_input(0);
  const Tensor& rhs = ctx.input(1);
  const bool validate_shape = ctx.attr(1).b, use_locking = ctx.attr(2).b;
  Tensor in_place;  // the variable's buffer, when the copy happens outside the lock
  {
    std::lock_guard<std::mutex> l(var->mu);
    Tensor& lhs = var->value;
    if (validate_shape && lhs.shape != rhs.shape)
      return ctx.invalid("Assign requires shapes of both tensors to match. lhs shape= " + shape_str(lhs.shape) +
                         " rhs shape= " + shape_str(rhs.shape));
    if (lhs.buf && lhs.num_elements() == rhs.num_elements()) {
      lhs.shape = rhs.shape;
      if (use_locking) copy_bytes(ctx, lhs.raw(), rhs.raw(), rhs.bytes());
      else in_place = lhs;
    } else {
      auto buf = Buffer::allocate(rhs.bytes());
      if (!buf) return make_error(kResourceExhausted, "OOM when allocating tensor with shape " + shape_str(rhs.shape) + " and type " + dtype_tf_name(rhs.dtype));
      if (rhs.bytes()) std::memcpy(buf->data, rhs.raw(), rhs.bytes());  // whole before it is published
      lhs = Tensor{rhs.dtype, rhs.shape, std::move(buf)};
    }
  }
  if (in_place.buf) copy_bytes(ctx, in_place.raw(), rhs.raw(), rhs.bytes());
  ctx.set_ref_output(0, var);
  return Status::OK();
}

// AssignAdd / AssignSub (DenseUpdateOp): params op= update elementwise, in place, with the
// variable locked for the whole update when use_locking.
template <bool kAdd>
Status assign_update(KernelContext& ctx) {
  const std::shared_ptr<Var>& var = ctx.ref_input(0);
  const Tensor& update = ctx.input(1);
  std::unique_lock<std::mutex> lock(var->mu, std::defer_lock);
  if (ctx.attr(1).b) lock.lock();
  const Tensor params = lock.owns_lock() ? var->value : var->read();
  if (!params.buf) return make_error(kFailedPrecondition, "Attempting to use uninitialized parameters: " + var->name);
  if (params.shape != update.shape) return ctx.invalid("Parameters and update must be the same size");
  dispatch_dtype(params.dtype, [&](auto d) {
    using T = ctype<decltype(d)::value>;
    T* p = params.data<T>();
    const T* u = update.data<T>();
    ctx.run.parallel_for(params.num_elements(), std::max<int64_t>(1, kGrainBytes / static_cast<int64_t>(sizeof(T))), [&](int64_t b, int64_t e) {
      if constexpr (kAdd) for (int64_t i = b; i < e; i++) p[i] = wadd(p[i], u[i]);
      else for (int64_t i = b; i < e; i++) p[i] = wsub(p[i], u[i]);
    });
  });
  ctx.set_ref_output(0, var);
  return Status::OK();
}

Status is_variable_initialized(KernelContext& ctx) {
  const bool initialized = ctx.ref_input(0)->read().buf != nullptr;
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.allocate_output(0, {}, &out));
  *out->data<uint8_t>() = initialized;
  return Status::OK();
}

}  // namespace

Status kernel_state(KernelContext& ctx) {
  switch (ctx.node.op) {
    case OpId::VariableV2: return variable_v2(ctx);
    case OpId::Assign: return assign(ctx);
    case OpId::AssignAdd: return assign_update<true>(ctx);
    case OpId::AssignSub: return assign_update<false>(ctx);
    case OpId::IsVariableInitialized: return is_variable_initialized(ctx);
    default: return make_error(kInternal, std::string("kernel_state has no kernel for ") + ctx.node.type_name);
  }
}

}  // namespace tl
