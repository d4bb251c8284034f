// Gradient functions of the array ops (lib/ops/defs/array.ts): TF's array_grad.py formulas.
import { invalidArgument } from '../../errors';
import { Tensor } from '../../graph';
import { constantValue } from '../shape';
import { notDifferentiable, registerGradient } from '../registry';
import { bin, cast, konst, node, reshape, shapeOf, sum } from './util';

const g0 = (grads: (Tensor | null)[]) => grads[0]!;

registerGradient('Reshape', (op, grads) => [reshape(g0(grads), shapeOf(op.inputs[0])), null]);
registerGradient('ExpandDims', (op, grads) => [reshape(g0(grads), shapeOf(op.inputs[0])), null]);
registerGradient('Squeeze', (op, grads) => [reshape(g0(grads), shapeOf(op.inputs[0]))]);
registerGradient('Transpose', (op, grads) => {
  const perm = op.inputs[1];
  const inv = node('InvertPermutation', [perm], { T: perm.dtype }).outputs[0];
  return [node('Transpose', [g0(grads), inv], { T: g0(grads).dtype, Tperm: perm.dtype }).outputs[0], null];
});
registerGradient('Pack', (op, grads) => {
  const n = op.inputs.length;
  return node('Unpack', [g0(grads)], { T: g0(grads).dtype, num: n, axis: op.getAttr('axis') }).outputs;
});
registerGradient('Unpack', (op, grads) => {
  const filled = grads.map((g, i) => g ?? node('ZerosLike', [op.outputs[i]], { T: op.outputs[i].dtype }).outputs[0]);
  return [node('Pack', filled, { T: filled[0].dtype, N: filled.length, axis: op.getAttr('axis') }).outputs[0]];
});
registerGradient('ConcatV2', (op, grads) => {
  const values = op.inputs.slice(0, -1), axis = op.inputs[op.inputs.length - 1];
  const g = g0(grads);
  const shapes = values.map((v) => shapeOf(v));
  const offsets = node('ConcatOffset', [cast(axis, 'int32'), ...shapes], { N: values.length, shape_type: 'int32' }).outputs;
  const out: (Tensor | null)[] = values.map((v, i) => node('Slice', [g, offsets[i], shapes[i]], { T: g.dtype, Index: 'int32' }).outputs[0]);
  out.push(null);
  return out;
});
registerGradient('Slice', (op, grads) => {
  const [x, begin] = op.inputs;
  const g = g0(grads);
  const b = cast(begin, 'int32');
  const rank = node('Rank', [x], { T: x.dtype }).outputs[0];
  const two = node('Pack', [rank, konst(x, 1, 'int32')], { T: 'int32', N: 2, axis: 0 }).outputs[0];
  const before = reshape(b, two);
  const after = reshape(bin('Sub', bin('Sub', shapeOf(x), shapeOf(op.outputs[0])), b), two);
  const paddings = node('ConcatV2', [before, after, konst(x, 1, 'int32', 'concat/axis')], { T: 'int32', N: 2, Tidx: 'int32' }).outputs[0];
  return [node('Pad', [g, paddings], { T: g.dtype, Tpaddings: 'int32' }).outputs[0], null, null];
});
registerGradient('GatherV2', (op, grads) => {
  const [params, indices, axisT] = op.inputs;
  const axis = constantValue(axisT);
  if ((op.getAttr('batch_dims') as number) !== 0 || !axis || Number(axis.data[0]) !== 0)
    throw invalidArgument(`No gradient defined for operation '${op.name}' (op type: GatherV2) with axis != 0 or batch_dims != 0 yet`);
  const g = g0(grads);
  const ps = shapeOf(params);
  const idx = cast(indices, 'int32');
  const size = reshape(node('Size', [idx], { T: 'int32', out_type: 'int32' }).outputs[0], konst(params, [1], 'int32'));
  const inner = node('StridedSlice', [ps, konst(params, [1], 'int32'), konst(params, [0], 'int32'), konst(params, [1], 'int32')],
    { T: 'int32', Index: 'int32', end_mask: 1 }).outputs[0];
  const valuesShape = node('ConcatV2', [size, inner, konst(params, 0, 'int32', 'concat/axis')], { T: 'int32', N: 2, Tidx: 'int32' }).outputs[0];
  const values = reshape(g, valuesShape);
  const flatIdx = reshape(idx, konst(params, [-1], 'int32'));
  const rows = node('StridedSlice', [ps, konst(params, [0], 'int32'), konst(params, [1], 'int32'), konst(params, [1], 'int32')],
    { T: 'int32', Index: 'int32', shrink_axis_mask: 1 }).outputs[0];
  const dense = node('UnsortedSegmentSum', [values, flatIdx, rows], { T: g.dtype, Tindices: 'int32', Tnumsegments: 'int32' }).outputs[0];
  return [dense, null, null];
});
notDifferentiable('Shape', 'Size', 'Rank', 'Range', 'ZerosLike', 'OnesLike', 'StopGradient', 'OneHot');
registerGradient('Fill', (op, grads) => {
  const g = g0(grads);
  return [null, sum(g, node('Range', [konst(g, 0, 'int32'), node('Rank', [g], { T: g.dtype }).outputs[0], konst(g, 1, 'int32')], { Tidx: 'int32' }).outputs[0])];
});

// ---- splits, tiling, padding, reversal, broadcasting, gather/scatter (TF's array_grad.py) ----
const zerosFor = (op: { outputs: Tensor[] }, grads: (Tensor | null)[]) =>
  grads.map((g, i) => g ?? node('ZerosLike', [op.outputs[i]], { T: op.outputs[i].dtype }).outputs[0]);
const concat = (values: Tensor[], axis: Tensor) =>
  values.length === 1 ? values[0] : node('ConcatV2', [...values, axis], { T: values[0].dtype, N: values.length, Tidx: axis.dtype }).outputs[0];

registerGradient('Split', (op, grads) => [null, concat(zerosFor(op, grads), op.inputs[0])]);
registerGradient('SplitV', (op, grads) => [concat(zerosFor(op, grads), op.inputs[2]), null, null]);
registerGradient('Tile', (op, grads) => {
  // Sum over the tiled copies: view g as [m0, d0, m1, d1, ...] and sum the even axes.
  const [x, multiples] = op.inputs, g = g0(grads);
  const sx = cast(shapeOf(x), multiples.dtype);
  const pair = node('Pack', [multiples, sx], { T: multiples.dtype, N: 2, axis: 0 }).outputs[0];
  const perm = konst(x, [1, 0], 'int32');
  const split = reshape(node('Transpose', [pair, perm], { T: pair.dtype, Tperm: 'int32' }).outputs[0], konst(x, [-1], 'int32'));
  const axes = node('Range', [konst(x, 0, 'int32'), node('Size', [split], { T: split.dtype, out_type: 'int32' }).outputs[0], konst(x, 2, 'int32')],
    { Tidx: 'int32' }).outputs[0];
  return [sum(reshape(g, split), axes), null];
});
const padGrad = (op: { inputs: Tensor[] }, grads: (Tensor | null)[]) => {
  const [x, paddings] = op.inputs, g = g0(grads);
  const rank = node('Rank', [x], { T: x.dtype }).outputs[0];
  const size = node('Pack', [rank, konst(x, 1, 'int32')], { T: 'int32', N: 2, axis: 0 }).outputs[0];
  const before = node('Slice', [cast(paddings, 'int32'), konst(x, [0, 0], 'int32'), size], { T: 'int32', Index: 'int32' }).outputs[0];
  const begin = reshape(before, konst(x, [-1], 'int32'));
  return node('Slice', [g, begin, shapeOf(x)], { T: g.dtype, Index: 'int32' }).outputs[0];
};
registerGradient('Pad', (op, grads) => [padGrad(op, grads), null]);
registerGradient('PadV2', (op, grads) => [padGrad(op, grads), null, null]);
registerGradient('ReverseV2', (op, grads) => {
  const axis = op.inputs[1], g = g0(grads);
  return [node('ReverseV2', [g, axis], { T: g.dtype, Tidx: axis.dtype }).outputs[0], null];
});
registerGradient('BroadcastTo', (op, grads) => {
  const x = op.inputs[0], g = g0(grads);
  const sx = shapeOf(x);
  const [, axes] = node('BroadcastGradientArgs', [shapeOf(g), sx], { T: 'int32' }).outputs;
  return [reshape(sum(g, axes, true), sx), null];
});
registerGradient('GatherNd', (op, grads) => {
  const [params, indices] = op.inputs, g = g0(grads);
  const shape = cast(shapeOf(params), indices.dtype);
  return [node('ScatterNd', [indices, g, shape], { T: g.dtype, Tindices: indices.dtype }).outputs[0], null];
});
registerGradient('ScatterNd', (op, grads) => {
  const [indices] = op.inputs, g = g0(grads);
  return [null, node('GatherNd', [g, indices], { Tparams: g.dtype, Tindices: indices.dtype }).outputs[0], null];
});
registerGradient('StridedSlice', (op, grads) => {
  // Scatters g back to the positions the slice read: the same StridedSlice applied to the flat
  // element indices of x names them, and UnsortedSegmentSum adds g there (TF builds one
  // StridedSliceGrad kernel instead; the values are the same).
  const [x, begin, end, strides] = op.inputs, g = g0(grads);
  const n = node('Size', [x], { T: x.dtype, out_type: 'int32' }).outputs[0];
  const sx = shapeOf(x);
  const ids = reshape(node('Range', [konst(x, 0, 'int32'), n, konst(x, 1, 'int32')], { Tidx: 'int32' }).outputs[0], sx);
  const masks = Object.fromEntries(['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((k) => [k, op.getAttr(k)]));
  const picked = node('StridedSlice', [ids, begin, end, strides], { T: 'int32', Index: begin.dtype, ...masks }).outputs[0];
  const flat = konst(x, [-1], 'int32');
  const dense = node('UnsortedSegmentSum', [reshape(g, flat), reshape(picked, flat), n], { T: g.dtype, Tindices: 'int32', Tnumsegments: 'int32' }).outputs[0];
  return [reshape(dense, sx), null, null, null];
});
notDifferentiable('BroadcastGradientArgs', 'InvertPermutation', 'ConcatOffset');
