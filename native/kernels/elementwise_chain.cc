// The kernel of a fused elementwise chain (Fusion::chain, built by Session::fuse_elementwise):
// the output is cut into cache-sized blocks and every link of the chain runs on a block before
// the next block is touched, so the intermediate values never go out to memory. Each link runs
// the same f32 SIMD loop its own kernel would (unary.cc, binary.cc; BiasAdd is an add), on
// the same element values, so the results are identical to the unfused plan's.
// Operands from outside the chain may be the output's shape, a scalar, a last-dim vector or one
// value per row (a [.., 1] tensor). Anything else (other broadcasts, a shape that grows along
// the chain, zero elements, errors) runs the links' own kernels one after the other.
#include <algorithm>

#include "elementwise.h"
#include "kernel.h"

namespace tl {

namespace {

constexpr int64_t kBlock = 8192;   // output elements per block (32 KB: the block stays in L1/L2)
constexpr int64_t kGrain = 32768;  // elements per parallel chunk, as the unfused kernels

// How an operand is laid out against the output viewed as [rows, cols].
enum class Layout { full, scalar, row, col };
struct Operand {
  const float* p = nullptr;
  Layout layout = Layout::full;
  const float* at(int64_t r, int64_t c, int64_t cols) const {
    switch (layout) {
      case Layout::full: return p + r * cols + c;
      case Layout::scalar: return p;
      case Layout::row: return p + c;
      default: return p + r;
    }
  }
  int64_t stride() const { return layout == Layout::full || layout == Layout::row ? 1 : 0; }
};

struct Link {
  UnaryF32 unary = nullptr;
  BinaryF32 binary = nullptr;
  float param = 0;
  Operand a, b;
};

// The layout of an operand of shape s against the output `out` ([rows, cols] with cols its last
// dim), or false if it is none of them. s broadcasts to out (out is the broadcast of all).
bool layout_of(const Shape& s, const Shape& out, int64_t n_out, int64_t cols, Layout* l) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  const int64_t last = s.empty() ? 1 : s.back();
  if (n == n_out) *l = Layout::full;
  else if (n == 1) *l = Layout::scalar;
  else if (last == cols && n == cols) *l = Layout::row;
  else if (last == 1 && n * cols == n_out && !out.empty()) *l = Layout::col;
  else return false;
  return true;
}

// The links' own kernels in turn (the general path).
Status run_links(KernelContext& ctx) {
  const std::vector<ChainLink>& chain = ctx.fusion->chain;
  Tensor value;
  for (size_t k = 0; k < chain.size(); k++) {
    const ChainLink& l = chain[k];
    std::vector<const Tensor*> ins;
    uint64_t last_use = 0;
    if (k == 0) {
      for (size_t j = 0; j < l.node->inputs.size(); j++) ins.push_back(ctx.inputs[j]);
    } else if (l.other < 0) {
      ins = {&value};
      last_use = 1;
    } else {
      ins = l.value_first ? std::vector<const Tensor*>{&value, ctx.inputs[l.other]}
                          : std::vector<const Tensor*>{ctx.inputs[l.other], &value};
      last_use = l.value_first ? 1 : 2;
    }
    std::vector<Tensor> outs(1);
    KernelContext sub{*l.node, ins, outs, ctx.run};
    sub.resources = ctx.resources;
    sub.last_use_inputs = last_use;  // the chain's own intermediate may be written over
    TL_RETURN_IF_ERROR(kernel_for(l.node->op)(sub));
    value = std::move(outs[0]);
  }
  ctx.outputs[0] = std::move(value);
  return Status::OK();
}

}  // namespace

bool chain_fusable(OpId op) {
  return op == OpId::BiasAdd || simd_unary_for(op) != nullptr || simd_binary_for(op) != nullptr;
}

Status kernel_elementwise_chain(KernelContext& ctx) {
  const std::vector<ChainLink>& chain = ctx.fusion->chain;
  // The output: the broadcast of every operand; the head's result must already have its shape.
  Shape out_shape;
  bool fits = true;
  for (const Tensor* t : ctx.inputs) fits = fits && t->dtype == DType::f32;
  if (fits) {
    out_shape = ctx.inputs[0]->shape;
    for (const Tensor* t : ctx.inputs) fits = fits && broadcast_shape(Shape(out_shape), t->shape, &out_shape);
  }
  const ChainLink& head = chain[0];
  if (fits) {
    Shape head_shape = ctx.inputs[0]->shape;
    if (head.node->inputs.size() == 2) fits = broadcast_shape(ctx.inputs[0]->shape, ctx.inputs[1]->shape, &head_shape);
    fits = fits && head_shape == out_shape;
  }
  int64_t n_out = 1;
  for (int64_t d : out_shape) n_out *= d;
  const int64_t cols = out_shape.empty() ? 1 : out_shape.back();
  std::vector<Operand> ops(ctx.inputs.size());
  bool per_row = false;  // some operand is a row or a column
  for (size_t j = 0; fits && j < ops.size(); j++) {
    fits = n_out > 0 && layout_of(ctx.inputs[j]->shape, out_shape, n_out, cols, &ops[j].layout);
    ops[j].p = ctx.inputs[j]->data<float>();
    per_row |= ops[j].layout == Layout::row || ops[j].layout == Layout::col;
  }
  // BiasAdd as its kernel checks it: x at least 2-D (the value), bias 1-D of x's last dim.
  for (size_t k = 0; fits && k < chain.size(); k++) {
    if (chain[k].node->op != OpId::BiasAdd) continue;
    const Shape& bias = ctx.inputs[k == 0 ? 1 : chain[k].other]->shape;
    fits = out_shape.size() >= 2 && bias.size() == 1 && bias[0] == cols && (k > 0 || ctx.inputs[0]->shape == out_shape);
  }
  if (!fits) return run_links(ctx);

  // In place over a head operand of the output's shape that dies here and that no other
  // operand shares (the head reads each element of it before the block is written).
  int fwd = 64;
  for (int j = 0; j < static_cast<int>(head.node->inputs.size()) && fwd == 64; j++) {
    if (ops[j].layout != Layout::full || ctx.inputs[j]->shape != out_shape) continue;
    bool shared = false;
    for (size_t k = 0; k < ctx.inputs.size(); k++)
      shared |= static_cast<int>(k) != j && ctx.inputs[k]->buf == ctx.inputs[j]->buf;
    if (!shared) fwd = j;
  }
  Tensor* out;
  TL_RETURN_IF_ERROR(ctx.forward_or_allocate(fwd, 0, out_shape, &out));
  float* y = out->data<float>();
  const Operand value{y, Layout::full};

  std::vector<Link> links(chain.size());
  for (size_t k = 0; k < chain.size(); k++) {
    const Node& nd = *chain[k].node;
    Link& l = links[k];
    l.unary = simd_unary_for(nd.op);
    l.binary = nd.op == OpId::BiasAdd ? simd_binary_for(OpId::AddV2) : simd_binary_for(nd.op);
    l.param = float_param(nd);
    if (k == 0) {
      l.a = ops[0];
      if (nd.inputs.size() == 2) l.b = ops[1];
    } else if (chain[k].other < 0) {
      l.a = value;
    } else {
      l.a = chain[k].value_first ? value : ops[chain[k].other];
      l.b = chain[k].value_first ? ops[chain[k].other] : value;
    }
  }

  // Blocks: whole rows of the [rows, cols] view when an operand is a row or column (a part of
  // one row when rows are long), else flat runs of the output.
  const int64_t width = per_row ? cols : n_out, height = n_out / width;
  const int64_t row_parts = (width + kBlock - 1) / kBlock;
  const int64_t block_rows = width >= kBlock ? 1 : kBlock / width;
  const int64_t blocks = width >= kBlock ? height * row_parts : (height + block_rows - 1) / block_rows;
  auto run_block = [&](int64_t blk) {
    int64_t r0, r1, c0, c1;
    if (width >= kBlock) {
      r0 = blk / row_parts, r1 = r0 + 1;
      c0 = (blk % row_parts) * kBlock, c1 = std::min(width, c0 + kBlock);
    } else {
      r0 = blk * block_rows, r1 = std::min(height, r0 + block_rows);
      c0 = 0, c1 = width;
    }
    for (const Link& l : links) {
      // One call over the block when every operand is contiguous or scalar across its rows.
      const bool flat = !per_row && c0 == 0 && c1 == width;
      const int64_t nr = flat ? 1 : r1 - r0, len = flat ? (r1 - r0) * width : c1 - c0;
      for (int64_t i = 0; i < nr; i++) {
        const int64_t r = r0 + i;
        float* yr = y + r * width + c0;
        if (l.unary) l.unary(l.a.at(r, c0, width), yr, len, l.param);
        else l.binary(l.a.at(r, c0, width), l.a.stride(), l.b.at(r, c0, width), l.b.stride(), yr, len);
      }
    }
  };
  const int64_t block_elems = std::max<int64_t>(1, n_out / blocks);
  const int64_t grain = std::max<int64_t>(1, kGrain / block_elems);
  auto body = [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; blk++) run_block(blk);
  };
  if (blocks <= grain) body(0, blocks); else ctx.run.parallel_for(blocks, grain, body);
  return Status::OK();
}

}  // namespace tl
