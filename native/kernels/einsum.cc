// Einsum with one or two operands, with TF's EinsumOp semantics and messages: labels are any
// characters, one '...' per subscript broadcasts (numpy rules, right-aligned), a label repeated
// in an input takes the diagonal, repeated in the output writes one (zeros elsewhere).
//
// Every label gets a role: batch (both inputs and the output), free (one input and the
// output), contract (both inputs, not the output) or reduce (one input only: summed first).
// Each operand is gathered (one strided pass that also takes diagonals and sums reduce labels)
// into [batch, free, contract] (B: [batch, contract, free]) unless it already has that layout,
// possibly transposed; one batched product on the MatMul engine gives [batch, freeA, freeB],
// written straight into the output when its subscripts are grouped that way (or the other way
// round: the operands are swapped), else scattered into it. Keras' equations
// ('abc,cd->abd', 'abcd,cde->abe', ...) run as a single GEMM on the inputs in place.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "batch_matmul.h"
#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

struct Subscript {
  std::vector<int> labels;  // label ids; kEllipsis where '...' stands
  bool ellipsis = false;
};
constexpr int kEllipsis = -1;

// An operand as the plan sees it: per label, whether it has it and its summed element stride
// (a repeated label's strides add up: that walks the diagonal); its axes' labels in order.
struct Operand {
  const Tensor* t = nullptr;
  std::vector<bool> has;
  std::vector<int64_t> stride;
  std::vector<int> seq;
  bool repeated = false;
};

Status parse(KernelContext& ctx, const std::string& eq, std::vector<Subscript>* in, Subscript* out) {
  const size_t arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("->", arrow + 2) != std::string::npos) {
    return ctx.invalid("Expecting exactly one '->' in einsum equation: " + eq);
  }
  std::vector<std::string> subs{""};
  for (char ch : eq.substr(0, arrow)) {
    if (ch == ',') subs.emplace_back(); else subs.back() += ch;
  }
  if (subs.size() != 1 && subs.size() != 2) {
    return ctx.invalid("Expecting 1 or 2 input subscripts in equation '" + eq + "' but got: " + std::to_string(subs.size()));
  }
  if (static_cast<int>(subs.size()) != ctx.num_inputs()) {
    return ctx.invalid("Expected " + std::to_string(subs.size()) + " inputs but got: " + std::to_string(ctx.num_inputs()));
  }
  subs.push_back(eq.substr(arrow + 2));
  int ids[256];
  std::fill(std::begin(ids), std::end(ids), -1);
  int next = 0;
  std::vector<Subscript> parsed;
  for (const std::string& s : subs) {
    const auto periods = std::count(s.begin(), s.end(), '.');
    if (periods != 0 && periods != 3) {
      return ctx.invalid("Expected at most one ellipsis (...), but found " + std::to_string(periods) +
                         " periods (.) in the input subscript: " + s);
    }
    if (periods == 3 && s.find("...") == std::string::npos) return ctx.invalid("Periods found outside of ellipsis in subscript: " + s);
    Subscript sub;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '.') { sub.labels.push_back(kEllipsis); sub.ellipsis = true; i += 2; continue; }
      int& id = ids[static_cast<unsigned char>(s[i])];
      if (id < 0) {
        if (&s == &subs.back()) {
          return ctx.invalid("Einsum output subscripts for equation '" + eq + "' has label '" + std::string(1, s[i]) +
                             "' which is not present in the input subscripts");
        }
        id = next++;
      }
      sub.labels.push_back(id);
    }
    parsed.push_back(std::move(sub));
  }
  *out = parsed.back();
  parsed.pop_back();
  *in = std::move(parsed);
  return Status::OK();
}

// dst[Σ i·ds] = Σ_r src[Σ i·ss + Σ r·rs] over the index space `dims` (r over `rdims`).
template <class T>
void strided_sum(KernelContext& ctx, const T* src, T* dst, const std::vector<int64_t>& dims, const std::vector<int64_t>& ss,
                 const std::vector<int64_t>& ds, const std::vector<int64_t>& rdims, const std::vector<int64_t>& rs) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, wrap_t<T>>;
  int64_t total = 1, rtotal = 1;
  for (int64_t d : dims) total *= d;
  for (int64_t d : rdims) rtotal *= d;
  if (total == 0) return;
  const int g = static_cast<int>(dims.size()), rg = static_cast<int>(rdims.size());
  // Each chunk unravels its first index, then steps an odometer.
  auto run = [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(g), ridx(rg);
    int64_t so = 0, dof = 0, rest = b;
    for (int d = g - 1; d >= 0; --d) {
      idx[d] = rest % dims[d];
      rest /= dims[d];
      so += idx[d] * ss[d];
      dof += idx[d] * ds[d];
    }
    for (int64_t t = b; t < e; ++t) {
      if (rg == 0) {
        dst[dof] = src[so];
      } else {
        Acc acc = 0;
        if (rtotal > 0) {
          std::fill(ridx.begin(), ridx.end(), 0);
          int64_t ro = 0;
          for (;;) {
            acc += static_cast<Acc>(src[so + ro]);
            int d = rg - 1;
            for (; d >= 0; --d) {
              ro += rs[d];
              if (++ridx[d] < rdims[d]) break;
              ro -= rs[d] * rdims[d];
              ridx[d] = 0;
            }
            if (d < 0) break;
          }
        }
        dst[dof] = static_cast<T>(acc);
      }
      for (int d = g - 1; d >= 0; --d) {
        so += ss[d];
        dof += ds[d];
        if (++idx[d] < dims[d]) break;
        so -= ss[d] * dims[d];
        dof -= ds[d] * dims[d];
        idx[d] = 0;
      }
    }
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rtotal));
  if (total <= grain) run(0, total); else ctx.run.parallel_for(total, grain, run);
}

class Einsum {
 public:
  explicit Einsum(KernelContext& ctx) : ctx_(ctx) {}

  Status run() {
    const std::string& eq = ctx_.attr(0).s;
    std::vector<Subscript> subs;
    Subscript out_sub;
    TL_RETURN_IF_ERROR(parse(ctx_, eq, &subs, &out_sub));
    TL_RETURN_IF_ERROR(resolve(subs, out_sub));
    Tensor* out;
    TL_RETURN_IF_ERROR(ctx_.allocate_output(0, out_shape_, &out));
    if (out->num_elements() == 0) return Status::OK();
    switch (out->dtype) {
      case DType::f32: return compute<float>(out);
      case DType::f64: return compute<double>(out);
      case DType::i32: return compute<int32_t>(out);
      case DType::i64: return compute<int64_t>(out);
      default:
        return ctx_.invalid(std::string("No OpKernel was registered to support Op 'Einsum' with these attrs: [T=") +
                            dtype_tf_name(out->dtype) + "]");
    }
  }

 private:
  // Label sizes, the broadcast ('...') labels, each operand's strides, the output layout.
  Status resolve(const std::vector<Subscript>& subs, const Subscript& out_sub) {
    int named = 0;
    for (const auto& s : subs) for (int l : s.labels) named = std::max(named, l + 1);
    std::vector<int64_t> dim(named, -1);
    std::vector<int> nb(subs.size());
    int max_b = 0;
    for (size_t i = 0; i < subs.size(); ++i) {
      const Tensor& t = ctx_.input(static_cast<int>(i));
      const int rank = static_cast<int>(t.shape.size());
      const int nl = static_cast<int>(subs[i].labels.size()) - (subs[i].ellipsis ? 1 : 0);
      if (!subs[i].ellipsis && rank != nl) {
        return ctx_.invalid("Expected input " + std::to_string(i) + " to have rank " + std::to_string(nl) + " but got: " + std::to_string(rank));
      }
      if (subs[i].ellipsis && rank < nl) {
        return ctx_.invalid("Expected input " + std::to_string(i) + " to have rank at least " + std::to_string(nl) +
                            " but got: " + std::to_string(rank));
      }
      nb[i] = rank - nl;
      max_b = std::max(max_b, nb[i]);
      int axis = 0;
      for (int l : subs[i].labels) {
        if (l == kEllipsis) { axis += nb[i]; continue; }
        const int64_t d = t.shape[axis];
        if (dim[l] >= 0 && dim[l] != d) {
          return ctx_.invalid("Expected dimension " + std::to_string(dim[l]) + " at axis " + std::to_string(axis) +
                              " of the input shaped " + shape_str(t.shape) + " but got dimension " + std::to_string(d));
        }
        dim[l] = d;
        ++axis;
      }
    }
    if (!out_sub.ellipsis && max_b > 0) {
      return ctx_.invalid("Output contains " + std::to_string(max_b) +
                          " broadcasting dimension(s) but no ellipsis (...) was found in the output subscripts.");
    }
    // Broadcast labels named + j, j counting the output's '...' dims from the left.
    for (int j = 0; j < max_b; ++j) {
      int64_t d = 1;
      for (size_t i = 0; i < subs.size(); ++i) {
        const int t = j - (max_b - nb[i]);
        if (t < 0) continue;
        const int64_t di = ctx_.input(static_cast<int>(i)).shape[bcast_axis(subs[i], t)];
        if (di != 1 && d != 1 && di != d) {
          std::string msg = "Invalid broadcasting dimensions: " + shape_str(ctx_.input(0).shape);
          if (subs.size() > 1) msg += " vs. " + shape_str(ctx_.input(1).shape);
          return ctx_.invalid(msg);
        }
        if (di != 1) d = di;
      }
      dim.push_back(d);
    }
    dim_ = dim;
    const int nlab = static_cast<int>(dim_.size());
    // Operands: a broadcast axis of size 1 against a larger one is dropped (it adds nothing).
    for (size_t i = 0; i < subs.size(); ++i) {
      Operand op;
      op.t = &ctx_.input(static_cast<int>(i));
      op.has.assign(nlab, false);
      op.stride.assign(nlab, 0);
      const Shape& s = op.t->shape;
      std::vector<int64_t> st(s.size(), 1);
      for (size_t a = s.size(); a-- > 1;) st[a - 1] = st[a] * s[a];
      int axis = 0;
      auto add = [&](int l) {
        if (!(l >= named && s[axis] == 1 && dim_[l] != 1)) {
          if (op.has[l]) op.repeated = true;
          op.has[l] = true;
          op.stride[l] += st[axis];
          op.seq.push_back(l);
        }
        ++axis;
      };
      for (int l : subs[i].labels) {
        if (l == kEllipsis) { for (int t = 0; t < nb[i]; ++t) add(named + max_b - nb[i] + t); }
        else add(l);
      }
      ops_.push_back(std::move(op));
    }
    // The output: summed strides per label (a repeated label writes a diagonal).
    out_has_.assign(nlab, false);
    out_stride_.assign(nlab, 0);
    std::vector<int> out_labels;
    for (int l : out_sub.labels) {
      if (l == kEllipsis) { for (int j = 0; j < max_b; ++j) out_labels.push_back(named + j); }
      else out_labels.push_back(l);
    }
    for (int l : out_labels) out_shape_.push_back(dim_[l]);
    int64_t st = 1;
    for (size_t p = out_labels.size(); p-- > 0;) {
      const int l = out_labels[p];
      if (out_has_[l]) inflate_ = true;
      out_has_[l] = true;
      out_stride_[l] += st;
      st *= dim_[l];
    }
    for (int l : out_labels) if (std::find(out_order_.begin(), out_order_.end(), l) == out_order_.end()) out_order_.push_back(l);
    return Status::OK();
  }

  // The axis of `sub`'s t-th broadcast dim.
  static int bcast_axis(const Subscript& sub, int t) {
    int axis = 0;
    for (int l : sub.labels) { if (l == kEllipsis) return axis + t; ++axis; }
    return axis + t;
  }

  // Same memory layout: equal label sequences once size-1 labels are dropped.
  bool same_layout(const std::vector<int>& a, const std::vector<int>& b) const {
    auto big = [&](const std::vector<int>& v) {
      std::vector<int> r;
      for (int l : v) if (dim_[l] != 1) r.push_back(l);
      return r;
    };
    return big(a) == big(b);
  }
  static std::vector<int> cat(std::initializer_list<const std::vector<int>*> parts) {
    std::vector<int> r;
    for (auto* p : parts) r.insert(r.end(), p->begin(), p->end());
    return r;
  }
  int64_t size_of(const std::vector<int>& labels) const {
    int64_t n = 1;
    for (int l : labels) n *= dim_[l];
    return n;
  }

  // Gathers `op` into `layout` order (contiguous), summing the labels in `reduce`.
  template <class T>
  std::shared_ptr<Buffer> pack(const Operand& op, const std::vector<int>& layout, const std::vector<int>& reduce, Status* st) {
    auto buf = Buffer::allocate(sizeof(T) * std::max<int64_t>(1, size_of(layout)));
    if (!buf) { *st = make_error(kResourceExhausted, "Einsum: out of memory"); return nullptr; }
    std::vector<int64_t> dims, ss, ds(layout.size()), rdims, rs;
    for (int l : layout) { dims.push_back(dim_[l]); ss.push_back(op.stride[l]); }
    for (size_t p = layout.size(), s = 1; p-- > 0;) { ds[p] = static_cast<int64_t>(s); s *= static_cast<size_t>(dims[p]); }
    for (int l : reduce) { rdims.push_back(dim_[l]); rs.push_back(op.stride[l]); }
    strided_sum<T>(ctx_, op.t->data<T>(), static_cast<T*>(buf->data), dims, ss, ds, rdims, rs);
    return buf;
  }

  // The labels' combined (size, element stride) as one index, in `labels` order, given per-label
  // strides; false unless each label's stride is the next one's times its size (size-1 labels
  // don't count). No labels: size 1, stride 0.
  bool merged(const std::vector<int>& labels, const std::vector<int64_t>& stride, int64_t* size, int64_t* st) const {
    *size = 1;
    *st = 0;
    bool first = true;
    for (size_t i = labels.size(); i-- > 0;) {  // innermost first
      const int l = labels[i];
      if (dim_[l] == 1) continue;
      if (first) *st = stride[l];
      else if (stride[l] != *st * *size) return false;
      first = false;
      *size *= dim_[l];
    }
    return true;
  }

  // C = A·B with each operand and the output read or written in place through strides: the
  // free labels of A (rows), of B (columns) and the contract labels must each merge into one
  // strided index in both places they occur, C's columns must be contiguous, and no label may be
  // summed alone. Batch labels give each product's offsets (any strides). *done when it ran.
  template <class T>
  Status strided_product(const std::vector<int>& batch, const std::vector<int>& free_a, const std::vector<int>& free_b,
                         const std::vector<int>& contract, const std::vector<int>& reduce_a, const std::vector<int>& reduce_b,
                         T* y, bool* done) {
    *done = false;
    auto big = [&](int l) { return dim_[l] != 1; };
    if (std::any_of(reduce_a.begin(), reduce_a.end(), big) || std::any_of(reduce_b.begin(), reduce_b.end(), big)) return Status::OK();
    const Operand &a = ops_[0], &b = ops_[1];
    int64_t m, n, k, m2, n2, k2, a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;
    if (!merged(free_a, a.stride, &m, &a_rs) || !merged(free_a, out_stride_, &m2, &c_rs) ||
        !merged(free_b, b.stride, &n, &b_cs) || !merged(free_b, out_stride_, &n2, &c_cs) ||
        !merged(contract, a.stride, &k, &a_cs) || !merged(contract, b.stride, &k2, &b_rs))
      return Status::OK();
    if (n > 1 && c_cs != 1) return Status::OK();
    if (m == 1) c_rs = n;  // any row stride will do for one row
    // Batch offsets: an odometer over the batch labels.
    const int64_t nb = size_of(batch);
    std::vector<int64_t> a_off(nb), b_off(nb), c_off(nb), idx(batch.size(), 0);
    int64_t oa = 0, ob = 0, oc = 0;
    for (int64_t i = 0; i < nb; ++i) {
      a_off[i] = oa; b_off[i] = ob; c_off[i] = oc;
      for (size_t d = batch.size(); d-- > 0;) {
        const int l = batch[d];
        oa += a.stride[l]; ob += b.stride[l]; oc += out_stride_[l];
        if (++idx[d] < dim_[l]) break;
        oa -= a.stride[l] * dim_[l]; ob -= b.stride[l] * dim_[l]; oc -= out_stride_[l] * dim_[l];
        idx[d] = 0;
      }
    }
    *done = true;
    return gemm_batched_strided(ctx_, a.t->dtype, nb, m, n, k, StridedBatch{a.t->raw(), a_rs, a_cs, a_off.data()},
                                StridedBatch{b.t->raw(), b_rs, b_cs, b_off.data()}, y, c_rs, c_off.data());
  }

  template <class T>
  Status compute(Tensor* out) {
    T* y = out->data<T>();
    if (inflate_) std::memset(y, 0, out->bytes());
    const int nlab = static_cast<int>(dim_.size());
    if (ops_.size() == 1) {  // one strided pass: transpose, diagonal, sums
      const Operand& a = ops_[0];
      std::vector<int64_t> dims, ss, ds, rdims, rs;
      for (int l : out_order_) { dims.push_back(dim_[l]); ss.push_back(a.stride[l]); ds.push_back(out_stride_[l]); }
      for (int l = 0; l < nlab; ++l) if (a.has[l] && !out_has_[l]) { rdims.push_back(dim_[l]); rs.push_back(a.stride[l]); }
      strided_sum<T>(ctx_, a.t->data<T>(), y, dims, ss, ds, rdims, rs);
      return Status::OK();
    }
    // Roles. Batch and free labels follow the output's order, contract labels operand A's.
    std::vector<int> batch, free_a, free_b, contract, reduce_a, reduce_b;
    auto classify = [&]() {
      batch.clear(); free_a.clear(); free_b.clear(); contract.clear(); reduce_a.clear(); reduce_b.clear();
      const Operand &a = ops_[0], &b = ops_[1];
      for (int l : out_order_) {
        if (a.has[l] && b.has[l]) batch.push_back(l);
        else if (a.has[l]) free_a.push_back(l);
        else free_b.push_back(l);
      }
      for (int l : a.seq) {
        if (out_has_[l] || std::find(contract.begin(), contract.end(), l) != contract.end() ||
            std::find(reduce_a.begin(), reduce_a.end(), l) != reduce_a.end()) continue;
        (b.has[l] ? contract : reduce_a).push_back(l);
      }
      for (int l = 0; l < nlab; ++l) if (b.has[l] && !a.has[l] && !out_has_[l]) reduce_b.push_back(l);
    };
    classify();
    // In place when the operands and the output are strided matrices: no gathers or scatter.
    for (int swap = 0; swap < 2 && !inflate_; ++swap) {
      if (swap) { std::swap(ops_[0], ops_[1]); classify(); }
      bool done = false;
      TL_RETURN_IF_ERROR(strided_product<T>(batch, free_a, free_b, contract, reduce_a, reduce_b, y, &done));
      if (done) return Status::OK();
      if (swap) { std::swap(ops_[0], ops_[1]); classify(); }
    }
    bool direct = !inflate_ && same_layout(out_order_, cat({&batch, &free_a, &free_b}));
    if (!direct && !inflate_ && same_layout(out_order_, cat({&batch, &free_b, &free_a}))) {
      std::swap(ops_[0], ops_[1]);
      classify();
      direct = true;
    }
    const int64_t nb = size_of(batch), m = size_of(free_a), n = size_of(free_b), k = size_of(contract);
    // Operand A as [batch, m, k] (or [batch, k, m]: trans), B as [batch, k, n] (or [batch, n, k]).
    Status st;
    std::shared_ptr<Buffer> abuf, bbuf, cbuf;
    auto prepare = [&](const Operand& op, const std::vector<int>& free, const std::vector<int>& reduce, bool is_a,
                       std::shared_ptr<Buffer>* buf, bool* trans) -> const T* {
      const std::vector<int> normal = is_a ? cat({&batch, &free, &contract}) : cat({&batch, &contract, &free});
      const std::vector<int> swapped = is_a ? cat({&batch, &contract, &free}) : cat({&batch, &free, &contract});
      const bool plain = !op.repeated && std::all_of(reduce.begin(), reduce.end(), [&](int l) { return dim_[l] == 1; });
      *trans = false;
      if (plain && same_layout(op.seq, normal)) return op.t->data<T>();
      if (plain && same_layout(op.seq, swapped)) { *trans = true; return op.t->data<T>(); }
      *buf = pack<T>(op, normal, reduce, &st);
      return *buf ? static_cast<const T*>((*buf)->data) : nullptr;
    };
    bool ta, tb;
    const T* pa = prepare(ops_[0], free_a, reduce_a, true, &abuf, &ta);
    if (!pa) return st;
    const T* pb = prepare(ops_[1], free_b, reduce_b, false, &bbuf, &tb);
    if (!pb) return st;
    T* pc = y;
    if (!direct) {
      cbuf = Buffer::allocate(sizeof(T) * std::max<int64_t>(1, nb * m * n));
      if (!cbuf) return make_error(kResourceExhausted, "Einsum: out of memory");
      pc = static_cast<T*>(cbuf->data);
    }
    std::vector<int64_t> a_off(nb), b_off(nb);
    for (int64_t i = 0; i < nb; ++i) { a_off[i] = i * m * k; b_off[i] = i * k * n; }
    TL_RETURN_IF_ERROR(gemm_batched(ctx_, out->dtype, nb, m, n, k, pa, ta, a_off.data(), pb, tb, b_off.data(), pc));
    if (direct) return Status::OK();
    // Scatter [batch, free_a, free_b] into the output's layout.
    const std::vector<int> layout = cat({&batch, &free_a, &free_b});
    std::vector<int64_t> dims, ss(layout.size()), ds;
    for (int l : layout) { dims.push_back(dim_[l]); ds.push_back(out_stride_[l]); }
    for (size_t p = layout.size(), s = 1; p-- > 0;) { ss[p] = static_cast<int64_t>(s); s *= static_cast<size_t>(dims[p]); }
    strided_sum<T>(ctx_, pc, y, dims, ss, ds, {}, {});
    return Status::OK();
  }

  KernelContext& ctx_;
  std::vector<int64_t> dim_;         // per label
  std::vector<Operand> ops_;
  std::vector<bool> out_has_;
  std::vector<int64_t> out_stride_;  // per label: summed output strides
  std::vector<int> out_order_;       // the output's distinct labels, in order
  Shape out_shape_;
  bool inflate_ = false;             // a label repeats in the output
};

}  // namespace

Status kernel_einsum(KernelContext& ctx) { return Einsum(ctx).run(); }

}  // namespace tl
