// TF1's dense training kernels (core/kernels/training_ops.cc, ApplyXxxOp + functor::ApplyXxx
// <CPUDevice>): each updates a variable and its slot variables (the op's leading ref inputs) in
// place and forwards the variable's reference.
//
// As TF: with use_locking the variables' mutexes are held for the whole update, taken in one
// fixed order (by address, each variable once) so that two ops locking the same variables can
// not deadlock (MaybeLockVariableInputMutexesInOrder); without it the update races other
// writers, which may lose updates but never touches freed memory (the buffer is held here).
// Checks in TF's order and words: every variable initialized (FailedPrecondition), every
// hyper-parameter a scalar, then every slot and the gradient the var's shape.
//
// Arithmetic in T, in the functors' evaluation order; one fused loop per op (every functor is
// elementwise), split over the intra-op pool, plain loops the compiler vectorizes. Known
// differences: Eigen's vectorised float rsqrt (Adagrad, Adadelta; TF builds with
// EIGEN_FAST_MATH) is an estimate plus one Newton step, not correctly rounded; here it is
// 1/sqrt(x). Adadelta follows TF 2.x (var updated with the old accum_update; 1.15 updated
// accum_update first and used the new one).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>
#include "resource.h"
#include "kernel.h"

namespace tl {
namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per parallel chunk

// A hyper-parameter input: TF checks IsScalar, or IsLegacyScalar (also shape [1]) for some ops.
struct ScalarArg {
  int input;
  const char* what;  // the message's start, "lr is not a scalar: "
  bool legacy;
};

// One op's inputs: `refs` leading ref inputs (var, then slots), scalars, and the gradient last
// but for Momentum (grad at 3, momentum at 4).
struct Spec {
  int refs;
  std::vector<const char*> ref_names;  // var, slots
  std::vector<ScalarArg> scalars;
  int grad;
  const char* grad_name;
};

const Spec* spec_of(OpId op) {
  static const Spec gd{1, {"var"}, {{1, "alpha is not a scalar: ", true}}, 2, "delta"};
  static const Spec prox{1, {"var"}, {{1, "alpha is not a scalar: ", true}, {2, "l1 regularization strength is not a scalar: ", false},
                                      {3, "l2 regularization strength is not a scalar: ", false}}, 4, "delta"};
  static const Spec momentum{2, {"var", "accum"}, {{2, "lr is not a scalar: ", true}, {4, "momentum is not a scalar: ", true}}, 3, "grad"};
  static const Spec adagrad{2, {"var", "accum"}, {{2, "lr is not a scalar: ", true}}, 3, "grad"};
  static const Spec adam{3, {"var", "m", "v"},
                         {{3, "beta1_power is not a scalar: ", false}, {4, "beta2_power is not a scalar: ", false}, {5, "lr is not a scalar : ", false},
                          {6, "beta1 is not a scalar: ", false}, {7, "beta2 is not a scalar: ", false}, {8, "epsilon is not a scalar: ", false}}, 9, "grad"};
  static const Spec rms{3, {"var", "ms", "mom"},
                        {{3, "lr is not a scalar : ", false}, {4, "rho is not a scalar: ", false}, {5, "momentum is not a scalar: ", false},
                         {6, "epsilon is not a scalar: ", false}}, 7, "grad"};
  static const Spec centered{4, {"var", "mg", "ms", "mom"},
                             {{4, "lr is not a scalar : ", false}, {5, "rho is not a scalar: ", false}, {6, "momentum is not a scalar: ", false},
                              {7, "epsilon is not a scalar: ", false}}, 8, "grad"};
  static const Spec adadelta{3, {"var", "accum", "accum_update"},
                             {{3, "lr is not a scalar: ", false}, {4, "rho is not a scalar: ", false}, {5, "epsilon is not a scalar: ", false}}, 6, "grad"};
  switch (op) {
    case OpId::ApplyGradientDescent: return &gd;
    case OpId::ApplyProximalGradientDescent: return &prox;
    case OpId::ApplyMomentum: return &momentum;
    case OpId::ApplyAdagrad: return &adagrad;
    case OpId::ApplyAdam: return &adam;
    case OpId::ApplyRMSProp: return &rms;
    case OpId::ApplyCenteredRMSProp: return &centered;
    case OpId::ApplyAdadelta: return &adadelta;
    default: return nullptr;
  }
}

// The functors, elementwise over [b, e). `v` are the ref buffers (var, slots), `s` the scalars
// in input order, `g` the gradient. Evaluation order as TF's Eigen expressions.
template <typename T>
struct Update {
  T* v[4];
  T s[6];
  const T* g;

  void operator()(OpId op, bool flag, int64_t b, int64_t e) const {
    T* var = v[0];
    switch (op) {
      case OpId::ApplyGradientDescent: {  // var -= grad * lr
        const T lr = s[0];
        for (int64_t i = b; i < e; i++) var[i] -= g[i] * lr;
        break;
      }
      case OpId::ApplyProximalGradientDescent: {  // FOBOS: prox = var - grad*lr, then shrink
        const T lr = s[0], l1 = s[1], shrink = lr * l1, denom = T(1) + s[2] * lr;
        if (l1 > T(0)) {
          for (int64_t i = b; i < e; i++) {
            const T p = var[i] - g[i] * lr;
            const T sign = p == T(0) ? T(0) : (p < T(0) ? T(-1) : T(1));
            var[i] = sign * std::max(std::abs(p) - shrink, T(0)) / denom;
          }
        } else {
          for (int64_t i = b; i < e; i++) var[i] = (var[i] - g[i] * lr) / denom;
        }
        break;
      }
      case OpId::ApplyMomentum: {  // accum = accum*momentum + grad; var -= accum*lr (Nesterov: grad*lr + accum*momentum*lr)
        T* accum = v[1];
        const T lr = s[0], mu = s[1];
        if (flag) {
          for (int64_t i = b; i < e; i++) {
            accum[i] = accum[i] * mu + g[i];
            var[i] -= g[i] * lr + accum[i] * mu * lr;
          }
        } else {
          for (int64_t i = b; i < e; i++) {
            accum[i] = accum[i] * mu + g[i];
            var[i] -= accum[i] * lr;
          }
        }
        break;
      }
      case OpId::ApplyAdagrad: {  // accum += grad^2 (update_slots); var -= grad*lr*rsqrt(accum)
        T* accum = v[1];
        const T lr = s[0];
        if (flag) for (int64_t i = b; i < e; i++) accum[i] += g[i] * g[i];
        for (int64_t i = b; i < e; i++) var[i] -= g[i] * lr * (T(1) / std::sqrt(accum[i]));
        break;
      }
      case OpId::ApplyAdam: {  // functor::ApplyAdamNonCuda
        T* m = v[1];
        T* vv = v[2];
        const T beta1_power = s[0], beta2_power = s[1], lr = s[2], beta1 = s[3], beta2 = s[4], eps = s[5];
        const T alpha = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
        const T one_b1 = T(1) - beta1, one_b2 = T(1) - beta2;
        if (flag) {
          for (int64_t i = b; i < e; i++) {
            m[i] += (g[i] - m[i]) * one_b1;
            vv[i] += (g[i] * g[i] - vv[i]) * one_b2;
            var[i] -= ((g[i] * one_b1 + beta1 * m[i]) * alpha) / (std::sqrt(vv[i]) + eps);
          }
        } else {
          for (int64_t i = b; i < e; i++) {
            m[i] += (g[i] - m[i]) * one_b1;
            vv[i] += (g[i] * g[i] - vv[i]) * one_b2;
            var[i] -= (m[i] * alpha) / (std::sqrt(vv[i]) + eps);
          }
        }
        break;
      }
      case OpId::ApplyRMSProp: {
        T* ms = v[1];
        T* mom = v[2];
        const T lr = s[0], one_rho = T(1) - s[1], mu = s[2], eps = s[3];
        for (int64_t i = b; i < e; i++) {
          ms[i] += (g[i] * g[i] - ms[i]) * one_rho;
          mom[i] = mom[i] * mu + (g[i] * lr) / std::sqrt(ms[i] + eps);
          var[i] -= mom[i];
        }
        break;
      }
      case OpId::ApplyCenteredRMSProp: {
        T* mg = v[1];
        T* ms = v[2];
        T* mom = v[3];
        const T lr = s[0], one_rho = T(1) - s[1], mu = s[2], eps = s[3];
        for (int64_t i = b; i < e; i++) {
          ms[i] += (g[i] * g[i] - ms[i]) * one_rho;
          mg[i] += (g[i] - mg[i]) * one_rho;
          mom[i] = mom[i] * mu + (g[i] * lr) / std::sqrt((ms[i] - mg[i] * mg[i]) + eps);
          var[i] -= mom[i];
        }
        break;
      }
      case OpId::ApplyAdadelta: {
        T* accum = v[1];
        T* accum_update = v[2];
        const T lr = s[0], rho = s[1], one_rho = T(1) - s[1], eps = s[2];
        for (int64_t i = b; i < e; i++) {
          accum[i] = accum[i] * rho + g[i] * g[i] * one_rho;
          const T u = std::sqrt(accum_update[i] + eps) * (T(1) / std::sqrt(accum[i] + eps)) * g[i];
          var[i] -= u * lr;
          accum_update[i] = accum_update[i] * rho + u * u * one_rho;
        }
        break;
      }
      default: break;
    }
  }
};

bool is_scalar(const Shape& s, bool legacy) { return s.empty() || (legacy && s.size() == 1 && s[0] == 1); }

template <typename T>
void run_update(KernelContext& ctx, const Spec& sp, const std::vector<Tensor>& vars, bool flag) {
  Update<T> u{};
  for (int i = 0; i < sp.refs; i++) u.v[i] = vars[i].data<T>();
  for (size_t i = 0; i < sp.scalars.size(); i++) u.s[i] = ctx.input(sp.scalars[i].input).data<T>()[0];
  u.g = ctx.input(sp.grad).data<T>();
  const int64_t n = vars[0].num_elements();
  if (n == 0) return;
  const OpId op = ctx.node.op;
  ctx.run.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { u(op, flag, b, e); });
}

Status apply(KernelContext& ctx, const Spec& sp) {
  const bool use_locking = ctx.attr(1).b;
  // use_nesterov (Momentum, Adam) or update_slots (Adagrad): attr 2 where the op has one.
  const bool flag = ctx.node.attrs.size() > 2 && ctx.attr(2).b;
  const DType dt = ctx.attr(0).type;
  if (dt != DType::f32 && dt != DType::f64)
    return ctx.invalid(std::string("No OpKernel was registered to support Op '") + ctx.node.type_name + "' with these attrs: [T=" +
                       dtype_tf_name(dt) + ", use_locking=" + (use_locking ? "true" : "false") + "]");
  // Lock each distinct variable once, in address order.
  std::vector<Var*> order;
  for (int i = 0; i < sp.refs; i++) order.push_back(ctx.ref_input(i).get());
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  if (use_locking) for (Var* v : order) locks.emplace_back(v->mu);
  // The current buffers (held here: an Assign replacing one cannot free it under us).
  std::vector<Tensor> vars;
  for (int i = 0; i < sp.refs; i++) vars.push_back(use_locking ? ctx.ref_input(i)->value : ctx.ref_input(i)->read());
  for (int i = 0; i < sp.refs; i++)
    if (!vars[i].buf) return make_error(kFailedPrecondition, "Attempting to use uninitialized variables: " + ctx.ref_input(i)->name);
  for (const ScalarArg& a : sp.scalars) {
    const Shape& s = ctx.input(a.input).shape;
    if (!is_scalar(s, a.legacy)) return ctx.invalid(a.what + shape_str(s));
  }
  const Shape& var_shape = vars[0].shape;
  auto same = [&](const char* name, const Shape& s) {
    return s == var_shape ? Status::OK() : ctx.invalid(std::string("var and ") + name + " do not have the same shape" + shape_str(var_shape) + " " + shape_str(s));
  };
  for (int i = 1; i < sp.refs; i++) TL_RETURN_IF_ERROR(same(sp.ref_names[i], vars[i].shape));
  TL_RETURN_IF_ERROR(same(sp.grad_name, ctx.input(sp.grad).shape));
  for (int i = 0; i < sp.refs; i++)
    if (vars[i].dtype != dt) return make_error(kInternal, std::string(ctx.node.type_name) + ": variable " + ctx.ref_input(i)->name + " has another dtype");
  if (dt == DType::f32) run_update<float>(ctx, sp, vars, flag);
  else run_update<double>(ctx, sp, vars, flag);
  ctx.set_ref_output(0, ctx.ref_input(0));
  return Status::OK();
}

}  // namespace

Status kernel_training(KernelContext& ctx) {
  const Spec* sp = spec_of(ctx.node.op);
  if (!sp) return make_error(kInternal, std::string("kernel_training has no kernel for ") + ctx.node.type_name);
  return apply(ctx, *sp);
}

}  // namespace tl
