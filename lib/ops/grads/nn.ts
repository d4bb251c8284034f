// Gradient functions of the nn ops (lib/ops/defs/core.ts, nn.ts): TF's nn_grad.py formulas.
import { Tensor } from '../../graph';
import { registerGradient } from '../registry';
import { bin, konst, mul, node, shapeOf, sum, un } from './util';

const g0 = (grads: (Tensor | null)[]) => grads[0]!;
const lastAxis = (t: Tensor) => konst(t, [-1], 'int32');
const expandLast = (t: Tensor) => node('ExpandDims', [t, konst(t, -1, 'int32', 'ExpandDims/dim')], { T: t.dtype, Tdim: 'int32' }).outputs[0];
/** True for a gradient known to be zero (a ZerosLike the algorithm filled in). */
const isZero = (t: Tensor | null) => t === null || t.op.type === 'ZerosLike';

registerGradient('BiasAdd', (op, grads) => {
  const g = g0(grads);
  return [g, node('BiasAddGrad', [g], { T: g.dtype, data_format: op.getAttr('data_format') }).outputs[0]];
});
registerGradient('Softmax', (op, grads) => {
  const y = op.outputs[0], g = g0(grads);
  return [mul(bin('Sub', g, sum(mul(g, y), lastAxis(g), true)), y)];
});
registerGradient('LogSoftmax', (op, grads) => {
  const y = op.outputs[0], g = g0(grads);
  return [bin('Sub', g, mul(sum(g, lastAxis(g), true), un('Exp', y)))];
});
registerGradient('SoftmaxCrossEntropyWithLogits', (op, grads) => {
  const [logits] = op.inputs;
  const gLoss = g0(grads), gBackprop = grads[1];
  const e = expandLast(gLoss);
  let gLogits = mul(e, op.outputs[1]);
  if (!isZero(gBackprop)) {
    const sm = un('Softmax', logits);
    const gg = gBackprop!;
    gLogits = bin('AddV2', gLogits, mul(bin('Sub', gg, sum(mul(gg, sm), lastAxis(gg), true)), sm));
  }
  const gLabels = mul(e, un('Neg', un('LogSoftmax', logits)));
  return [gLogits, gLabels];
});
registerGradient('SparseSoftmaxCrossEntropyWithLogits', (op, grads) => {
  const [logits] = op.inputs;
  const gLoss = g0(grads), gBackprop = grads[1];
  let gLogits = mul(expandLast(gLoss), op.outputs[1]);
  if (!isZero(gBackprop)) {
    const sm = un('Softmax', logits);
    const gg = gBackprop!;
    gLogits = bin('AddV2', gLogits, mul(bin('Sub', gg, sum(mul(gg, sm), lastAxis(gg), true)), sm));
  }
  return [gLogits, null];
});
registerGradient('L2Loss', (op, grads) => [mul(op.inputs[0], g0(grads))]);
registerGradient('Conv2D', (op, grads) => {
  const [x, f] = op.inputs, g = g0(grads);
  const attrs = {
    T: g.dtype, strides: op.getAttr('strides'), use_cudnn_on_gpu: op.getAttr('use_cudnn_on_gpu'), padding: op.getAttr('padding'),
    explicit_paddings: op.getAttr('explicit_paddings'), data_format: op.getAttr('data_format'), dilations: op.getAttr('dilations'),
  };
  const gx = node('Conv2DBackpropInput', [shapeOf(x), f, g], attrs).outputs[0];
  const gf = node('Conv2DBackpropFilter', [x, shapeOf(f), g], attrs).outputs[0];
  return [gx, gf];
});
registerGradient('MaxPool', (op, grads) => {
  const g = g0(grads);
  return [node('MaxPoolGrad', [op.inputs[0], op.outputs[0], g], {
    T: g.dtype, ksize: op.getAttr('ksize'), strides: op.getAttr('strides'), padding: op.getAttr('padding'),
    explicit_paddings: op.getAttr('explicit_paddings'), data_format: op.getAttr('data_format'),
  }).outputs[0]];
});
registerGradient('AvgPool', (op, grads) => {
  const g = g0(grads);
  return [node('AvgPoolGrad', [shapeOf(op.inputs[0]), g], {
    T: g.dtype, ksize: op.getAttr('ksize'), strides: op.getAttr('strides'), padding: op.getAttr('padding'), data_format: op.getAttr('data_format'),
  }).outputs[0]];
});
registerGradient('Conv2DBackpropInput', (op, grads) => {
  // d/d filter = Conv2DBackpropFilter(g, shape(filter), out_backprop); d/d out_backprop = Conv2D(g, filter).
  const [, f, dy] = op.inputs, g = g0(grads);
  const common = { T: g.dtype, strides: op.getAttr('strides'), use_cudnn_on_gpu: op.getAttr('use_cudnn_on_gpu'), padding: op.getAttr('padding'),
    explicit_paddings: op.getAttr('explicit_paddings'), data_format: op.getAttr('data_format'), dilations: op.getAttr('dilations') };
  return [null, node('Conv2DBackpropFilter', [g, shapeOf(f), dy], common).outputs[0], node('Conv2D', [g, f], common).outputs[0]];
});
// Each batch norm's gradient op as TF's: FusedBatchNormGrad, V2 or V3 (its reserve_space_3 too).
const BATCH_NORM_GRAD: Record<string, string> = {
  FusedBatchNorm: 'FusedBatchNormGrad', FusedBatchNormV2: 'FusedBatchNormGradV2', FusedBatchNormV3: 'FusedBatchNormGradV3',
};
for (const [type, gradType] of Object.entries(BATCH_NORM_GRAD)) {
  registerGradient(type, (op, grads) => {
    const [x, scale, , mean, variance] = op.inputs, g = g0(grads);
    const training = op.getAttr('is_training') as boolean;
    const ins = [g, x, scale, training ? op.outputs[3] : mean, training ? op.outputs[4] : variance];
    if (type === 'FusedBatchNormV3') ins.push(op.outputs[5]);
    const attrs: Record<string, unknown> = { T: g.dtype, epsilon: op.getAttr('epsilon'), data_format: op.getAttr('data_format'), is_training: training };
    if (type !== 'FusedBatchNorm') attrs.U = scale.dtype;
    const outs = node(gradType, ins, attrs).outputs;
    return [outs[0], outs[1], outs[2], null, null];
  });
}
registerGradient('DepthwiseConv2dNative', (op, grads) => {
  const [x, f] = op.inputs, g = g0(grads);
  const attrs = { T: g.dtype, strides: op.getAttr('strides'), padding: op.getAttr('padding'), explicit_paddings: op.getAttr('explicit_paddings'),
    data_format: op.getAttr('data_format'), dilations: op.getAttr('dilations') };
  return [node('DepthwiseConv2dNativeBackpropInput', [shapeOf(x), f, g], attrs).outputs[0],
    node('DepthwiseConv2dNativeBackpropFilter', [x, shapeOf(f), g], attrs).outputs[0]];
});
