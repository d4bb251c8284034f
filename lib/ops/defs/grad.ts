// Gradient helper ops (ids 600-699; notation: lib/ops/registry.ts): the kernels TF's gradient
// functions build, with TF's REGISTER_OP arg/attr names: the activation and cwise backprops
// (ReluGrad(gradients, features), SigmoidGrad(y, dy), ...), BiasAddGrad, BroadcastGradientArgs,
// InvertPermutation, ConcatOffset, UnsortedSegmentSum. Native kernels: native/kernels/grad.cc.
import type { StaticShape } from '../../graph';
import { OpDef, ShapeContext, ShapeFn, op } from '../registry';
import { mergeShapes } from './math';
import { constantValue, shapeFromTensor } from '../shape';

const FLOAT_T = '{float, double}';

/** TF's MergeBothInputsShapeFn: both inputs have one shape, which is the output's. */
const mergeBoth: ShapeFn = (c: ShapeContext) => [mergeShapes(c.inputs[0].shape, c.inputs[1].shape, (m) => c.fail(m))];

/** Backprop of an activation: (gradients, features|outputs) -> backprops. */
const activationGrad = (id: number, type: string, T: string, second = 'features', extra: string[] = []) =>
  op(id, type, 'activation_grad', { in: ['gradients: T', `${second}: T`], out: ['backprops: T'], attrs: [...extra, `T: ${T}`], shape: mergeBoth });
/** Backprop of a cwise op through its output: (y, dy) -> z. */
const cwiseGrad = (id: number, type: string) =>
  op(id, type, 'activation_grad', { in: ['y: T', 'dy: T'], out: ['z: T'], attrs: [`T: ${FLOAT_T}`], shape: mergeBoth });

/** BiasAddGrad: [channels], the last dim (NHWC) or dim 1 (NCHW) of a rank >= 2 input. */
const biasAddGradShape: ShapeFn = (c) => {
  const s = c.inputs[0].shape;
  if (s === null) return [[null]];
  if (s.length < 2) throw c.fail(`Shape must be at least rank 2 but is rank ${s.length}`);
  const nchw = c.attr<string>('data_format') === 'NCHW';
  return [[nchw ? s[1] : s[s.length - 1]]];
};

const vecShape = (i: number): ((c: ShapeContext) => StaticShape) => (c) => {
  const s = c.inputs[i].shape;
  if (s !== null && s.length !== 1) throw c.fail(`Shape must be rank 1 but is rank ${s.length}`);
  return [null];
};

/** UnsortedSegmentSum: [num_segments] + data.shape[rank(segment_ids):]. */
const unsortedSegmentSumShape: ShapeFn = (c) => {
  const [data, ids] = c.inputs.map((t) => t.shape);
  if (data === null || ids === null) return [null];
  if (ids.length > data.length) throw c.fail(`Shape must be at least rank ${ids.length} but is rank ${data.length}`);
  mergeShapes(data.slice(0, ids.length), ids, (m) => c.fail(m));
  const n = constantValue(c.inputs[2]);
  return [[n && n.size === 1 ? Number(n.data[0]) : null, ...data.slice(ids.length)]];
};

/** A rank-4 shape given by an int32 vector input (Conv2DBackpropFilter's filter_sizes, AvgPoolGrad's orig_input_shape). */
const shapeInput = (i: number): ShapeFn => (c) => {
  const s = c.inputs[i].shape;
  if (s !== null && s.length !== 1) throw c.fail(`Shape must be rank 1 but is rank ${s.length}`);
  const v = shapeFromTensor(c.inputs[i]);
  if (v !== null && v.length !== 4) throw c.fail(`Shape must be rank 4 but is rank ${v.length}`);
  return [v ?? [null, null, null, null]];
};
const rank4 = (i: number): ShapeFn => (c) => {
  const s = c.inputs[i].shape;
  if (s !== null && s.length !== 4) throw c.fail(`Shape must be rank 4 but is rank ${s.length}`);
  return [s === null ? [null, null, null, null] : s.slice()];
};
const CONV_ATTRS = ["padding: {'SAME', 'VALID', 'EXPLICIT'}", 'explicit_paddings: list(int) = []', "data_format: {'NHWC', 'NCHW'} = 'NHWC'"];

/** FusedBatchNormGrad*: x_backprop like x, the per-channel gradients, empty reserve outputs. */
const batchNormGradShape: ShapeFn = (c) => {
  const x = mergeShapes(c.inputs[0].shape, c.inputs[1].shape, (m) => c.fail(m));
  const nc = c.attr<string>('data_format').startsWith('NC');
  const ch = x === null ? null : x[nc ? 1 : x.length - 1];
  return [x, [ch], [ch], [0], [0]];
};

export const GRAD_OPS: readonly OpDef[] = [
  activationGrad(600, 'ReluGrad', '{float, double, int32, uint8, int64}'),
  activationGrad(601, 'Relu6Grad', '{float, double, int32, uint8, int64}'),
  activationGrad(602, 'EluGrad', FLOAT_T, 'outputs'),
  activationGrad(603, 'SeluGrad', FLOAT_T, 'outputs'),
  activationGrad(604, 'LeakyReluGrad', '{float, double} = float', 'features', ['alpha: float = 0.2']),
  activationGrad(605, 'SoftplusGrad', FLOAT_T),
  activationGrad(606, 'SoftsignGrad', FLOAT_T),
  cwiseGrad(607, 'SigmoidGrad'),
  cwiseGrad(608, 'TanhGrad'),
  cwiseGrad(609, 'SqrtGrad'),
  cwiseGrad(610, 'RsqrtGrad'),
  cwiseGrad(611, 'ReciprocalGrad'),
  op(612, 'BiasAddGrad', 'bias_add_grad', { in: ['out_backprop: T'], out: ['output: T'],
    attrs: ['T: numbertype', "data_format: {'NHWC', 'NCHW'} = 'NHWC'"], shape: biasAddGradShape }),
  op(613, 'BroadcastGradientArgs', 'broadcast_gradient_args', { in: ['s0: T', 's1: T'], out: ['r0: T', 'r1: T'],
    attrs: ['T: {int32, int64} = int32'], shape: (c) => { vecShape(0)(c); vecShape(1)(c); return [[null], [null]]; } }),
  op(614, 'InvertPermutation', 'invert_permutation', { in: ['x: T'], out: ['y: T'], attrs: ['T: {int32, int64} = int32'],
    shape: (c) => { const s = c.inputs[0].shape; if (s !== null && s.length !== 1) throw c.fail(`Shape must be rank 1 but is rank ${s.length}`); return [s === null ? [null] : [s[0]]]; } }),
  op(615, 'ConcatOffset', 'concat_offset', { in: ['concat_dim: int32', 'shape: N * shape_type'], out: ['offset: N * shape_type'],
    attrs: ['N: int >= 2', 'shape_type: {int32, int64} = int32'], shape: (c) => c.inputs.slice(1).map((t) => (t.shape === null ? [null] : t.shape.slice())) }),
  op(616, 'UnsortedSegmentSum', 'unsorted_segment_sum', { in: ['data: T', 'segment_ids: Tindices', 'num_segments: Tnumsegments'], out: ['output: T'],
    attrs: ['T: numbertype', 'Tindices: {int32, int64}', 'Tnumsegments: {int32, int64} = int32'], shape: unsortedSegmentSumShape }),
  op(617, 'Conv2DBackpropFilter', 'conv2d_backprop_filter', { in: ['input: T', 'filter_sizes: int32', 'out_backprop: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double, int32}', 'strides: list(int)', 'use_cudnn_on_gpu: bool = true', ...CONV_ATTRS,
      'dilations: list(int) = [1, 1, 1, 1]'], shape: shapeInput(1) }),
  op(618, 'MaxPoolGrad', 'pool_grad', { in: ['orig_input: T', 'orig_output: T', 'grad: T'], out: ['output: T'],
    attrs: ['ksize: list(int)', 'strides: list(int)', ...CONV_ATTRS, 'T: realnumbertype = float'], shape: rank4(0) }),
  op(619, 'AvgPoolGrad', 'pool_grad', { in: ['orig_input_shape: int32', 'grad: T'], out: ['output: T'],
    attrs: ['ksize: list(int)', 'strides: list(int)', "padding: {'SAME', 'VALID'}", "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
      'T: {half, bfloat16, float, double}'], shape: shapeInput(0) }),
  op(621, 'DepthwiseConv2dNativeBackpropInput', 'depthwise_backprop', { in: ['input_sizes: int32', 'filter: T', 'out_backprop: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double}', 'strides: list(int)', ...CONV_ATTRS, 'dilations: list(int) = [1, 1, 1, 1]'], shape: shapeInput(0) }),
  op(622, 'DepthwiseConv2dNativeBackpropFilter', 'depthwise_backprop', { in: ['input: T', 'filter_sizes: int32', 'out_backprop: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double}', 'strides: list(int)', ...CONV_ATTRS, 'dilations: list(int) = [1, 1, 1, 1]'], shape: shapeInput(1) }),
  op(620, 'FusedBatchNormGradV3', 'batchnorm_grad', {
    in: ['y_backprop: T', 'x: T', 'scale: float', 'reserve_space_1: U', 'reserve_space_2: U', 'reserve_space_3: U'],
    out: ['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_4: U', 'reserve_space_5: U'],
    attrs: ['T: {half, bfloat16, float}', 'U: {float}', 'epsilon: float = 0.0001', "data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'",
      'is_training: bool = true'], shape: batchNormGradShape }),
  // The gradients of FusedBatchNorm and V2 (TF1 training graphs): V3's without reserve_space_3.
  op(623, 'FusedBatchNormGrad', 'batchnorm_grad', {
    in: ['y_backprop: T', 'x: T', 'scale: T', 'reserve_space_1: T', 'reserve_space_2: T'],
    out: ['x_backprop: T', 'scale_backprop: T', 'offset_backprop: T', 'reserve_space_3: T', 'reserve_space_4: T'],
    attrs: ['T: {float}', 'epsilon: float = 0.0001', "data_format: {'NHWC', 'NCHW'} = 'NHWC'", 'is_training: bool = true'],
    shape: batchNormGradShape }),
  op(624, 'FusedBatchNormGradV2', 'batchnorm_grad', {
    in: ['y_backprop: T', 'x: T', 'scale: float', 'reserve_space_1: U', 'reserve_space_2: U'],
    out: ['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_3: U', 'reserve_space_4: U'],
    attrs: ['T: {half, bfloat16, float}', 'U: {float}', 'epsilon: float = 0.0001', "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
      'is_training: bool = true'], shape: batchNormGradShape }),
];
