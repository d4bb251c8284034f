// Gradient functions of the reductions and batched products (Sum, Mean, Max, Min in
// lib/ops/defs/core.ts and reduce.ts; MatMul, BatchMatMulV2): TF's math_grad.py formulas.
import { invalidArgument } from '../../errors';
import { Operation, Tensor } from '../../graph';
import { constantValue } from '../shape';
import { notDifferentiable, registerGradient } from '../registry';
import { bin, cast, konst, node, reshape, shapeOf, sum } from './util';

const g0 = (grads: (Tensor | null)[]) => grads[0]!;

/**
 * The input's shape with the reduced axes set to 1 (TF's reduced_shape), as an int32 tensor:
 * a Const when the input shape is static, else Shape(x) * keep + reduced (rank and axes must be
 * known at build time).
 */
function keptShape(op: Operation): Tensor {
  const [x, axesT] = op.inputs;
  const axesV = constantValue(axesT);
  if (x.shape === null || !axesV) throw invalidArgument(`Gradient of ${op.type} '${op.name}' needs a known input rank and constant reduction axes`);
  const rank = x.shape.length;
  const reduced = new Set(Array.from(axesV.data as ArrayLike<number | bigint>, (a) => ((Number(a) % rank) + rank) % rank));
  if (x.shape.every((d) => d !== null)) return konst(x, x.shape.map((d, i) => (reduced.has(i) ? 1 : d as number)), 'int32');
  const keep = konst(x, x.shape.map((_, i) => (reduced.has(i) ? 0 : 1)), 'int32');
  const ones = konst(x, x.shape.map((_, i) => (reduced.has(i) ? 1 : 0)), 'int32');
  return bin('AddV2', bin('Mul', shapeOf(x), keep), ones);
}

/** g reshaped to the kept-dims shape and broadcast back to x's shape (TF's _SumGrad). */
function sumGrad(op: Operation, g: Tensor): Tensor {
  const x = op.inputs[0];
  const kept = keptShape(op);
  const r = reshape(g, kept);
  return node('BroadcastTo', [r, shapeOf(x)], { T: r.dtype, Tidx: 'int32' }).outputs[0];
}

registerGradient('Sum', (op, grads) => [sumGrad(op, g0(grads)), null]);
registerGradient('Mean', (op, grads) => {
  const x = op.inputs[0], y = op.outputs[0];
  const s = sumGrad(op, g0(grads));
  let factor: Tensor;
  if (x.shape !== null && y.shape !== null && [...x.shape, ...y.shape].every((d) => d !== null)) {
    const nx = (x.shape as number[]).reduce((a, b) => a * b, 1), ny = (y.shape as number[]).reduce((a, b) => a * b, 1);
    factor = konst(x, Math.floor(nx / Math.max(ny, 1)), s.dtype);
  } else {
    const size = (t: Tensor) => node('Size', [t], { T: t.dtype, out_type: 'int32' }).outputs[0];
    factor = cast(bin('FloorDiv', size(x), bin('Maximum', size(y), konst(x, 1, 'int32'))), s.dtype);
  }
  return [bin('RealDiv', s, factor), null];
});
const minOrMax = (op: Operation, grads: (Tensor | null)[]) => {
  const x = op.inputs[0], g = g0(grads);
  const kept = keptShape(op);
  const y = reshape(op.outputs[0], kept), gk = reshape(g, kept);
  const ind = cast(node('Equal', [y, x], { T: x.dtype }).outputs[0], g.dtype);
  const num = reshape(sum(ind, op.inputs[1]), kept);
  return [bin('Mul', bin('RealDiv', ind, num), gk), null];
};
registerGradient('Max', minOrMax);
registerGradient('Min', minOrMax);

// ---- matrix products ----
const matmul = (a: Tensor, b: Tensor, ta: boolean, tb: boolean) =>
  node('MatMul', [a, b], { T: a.dtype, transpose_a: ta, transpose_b: tb }).outputs[0];
const bmm = (a: Tensor, b: Tensor, ta: boolean, tb: boolean) =>
  node('BatchMatMulV2', [a, b], { T: a.dtype, adj_x: ta, adj_y: tb }).outputs[0];

/** TF's _MatMulGrad table for (ta, tb), with `mm` the product op. */
function productGrads(a: Tensor, b: Tensor, g: Tensor, ta: boolean, tb: boolean, mm: typeof matmul): [Tensor, Tensor] {
  if (!ta && !tb) return [mm(g, b, false, true), mm(a, g, true, false)];
  if (!ta && tb) return [mm(g, b, false, false), mm(g, a, true, false)];
  if (ta && !tb) return [mm(b, g, false, true), mm(a, g, false, false)];
  return [mm(b, g, true, true), mm(g, a, true, true)];
}

registerGradient('MatMul', (op, grads) => {
  const [a, b] = op.inputs;
  return productGrads(a, b, g0(grads), op.getAttr('transpose_a') as boolean, op.getAttr('transpose_b') as boolean, matmul);
});
registerGradient('BatchMatMulV2', (op, grads) => {
  const [x, y] = op.inputs;
  const [gx, gy] = productGrads(x, y, g0(grads), op.getAttr('adj_x') as boolean, op.getAttr('adj_y') as boolean, bmm);
  // Batch dims broadcast: sum each gradient over the batch dims its input was broadcast along.
  const xb = x.shape && x.shape.slice(0, -2), yb = y.shape && y.shape.slice(0, -2);
  if (xb && yb && xb.length === yb.length && xb.every((d, i) => d !== null && d === yb[i])) return [gx, gy];
  const sx = shapeOf(x), sy = shapeOf(y);
  const batch = (s: Tensor) => node('StridedSlice', [s, konst(s, [0], 'int32'), konst(s, [-2], 'int32'), konst(s, [1], 'int32')],
    { T: 'int32', Index: 'int32', begin_mask: 1 }).outputs[0];
  const [rx, ry] = node('BroadcastGradientArgs', [batch(sx), batch(sy)], { T: 'int32' }).outputs;
  return [reshape(sum(gx, rx), sx), reshape(sum(gy, ry), sy)];
});

notDifferentiable('ArgMax', 'ArgMin', 'Any', 'All');
registerGradient('Cumsum', (op, grads) => {
  const axis = op.inputs[1], g = g0(grads);
  return [node('Cumsum', [g, axis], { T: g.dtype, Tidx: axis.dtype, exclusive: op.getAttr('exclusive'), reverse: !op.getAttr('reverse') }).outputs[0], null];
});
registerGradient('TopKV2', (op, grads) => {
  // The values' gradient goes back to where each value was taken from: row r's index i is the
  // flat position r * lastDim + i of the input (TF's _TopKGrad, with a segment sum for the scatter).
  const x = op.inputs[0], idx = cast(op.outputs[1], 'int32'), g = grads[0];
  if (!g) return [null, null];
  const n = node('Size', [x], { T: x.dtype, out_type: 'int32' }).outputs[0];
  const last = node('StridedSlice', [shapeOf(x), konst(x, [-1], 'int32'), konst(x, [0], 'int32'), konst(x, [1], 'int32')],
    { T: 'int32', Index: 'int32', end_mask: 1, shrink_axis_mask: 1 }).outputs[0];
  const rows = bin('FloorDiv', n, bin('Maximum', last, konst(x, 1, 'int32')));
  const idx2 = reshape(idx, node('Pack', [rows, konst(x, -1, 'int32')], { T: 'int32', N: 2, axis: 0 }).outputs[0]);
  const starts = node('Range', [konst(x, 0, 'int32'), n, bin('Maximum', last, konst(x, 1, 'int32'))], { Tidx: 'int32' }).outputs[0];
  const startsCol = node('ExpandDims', [starts, konst(x, -1, 'int32')], { T: 'int32', Tdim: 'int32' }).outputs[0];
  const flat = konst(x, [-1], 'int32');
  const pos = reshape(bin('AddV2', idx2, startsCol), flat);
  const dense = node('UnsortedSegmentSum', [reshape(g, flat), pos, n], { T: g.dtype, Tindices: 'int32', Tnumsegments: 'int32' }).outputs[0];
  return [reshape(dense, shapeOf(x)), null];
});
