// Gradient functions of the math ops (lib/ops/defs/core.ts, math.ts): one registration per op,
// TF's math_grad.py formulas (shared/TF1-INTERNALS.md §5.3).
import { Tensor } from '../../graph';
import { notDifferentiable, registerGradient } from '../registry';
import { bin, cast, konst, mul, neg, node, reduceBoth, reduceTo, un } from './util';

const g0 = (grads: (Tensor | null)[]) => grads[0]!;

// ---- binary, with broadcasting ----
const addGrad = registerBinary((x, y, g) => [g, g]);
registerGradient('Add', addGrad);
registerGradient('AddV2', addGrad);
registerGradient('Sub', registerBinary((x, y, g) => [g, neg(g)]));
registerGradient('Mul', registerBinary((x, y, g) => [mul(g, y), mul(x, g)]));
const divGrad = (type: string) => registerBinary((x, y, g) => [bin(type, g, y), mul(g, bin(type, bin(type, neg(x), y), y))]);
registerGradient('RealDiv', divGrad('RealDiv'));
registerGradient('Div', (op, grads) => (op.inputs[0].dtype.startsWith('float') ? divGrad('Div')(op, grads) : [null, null]));
registerGradient('DivNoNan', divGrad('DivNoNan'));
registerGradient('FloorDiv', () => [null, null]);
for (const [type, cmp] of [['Maximum', 'GreaterEqual'], ['Minimum', 'LessEqual']] as const) {
  registerGradient(type, registerBinary((x, y, g) => {
    const mask = node(cmp, [x, y], { T: x.dtype }).outputs[0];
    const zeros = un('ZerosLike', g);
    return [node('SelectV2', [mask, g, zeros], { T: g.dtype }).outputs[0], node('SelectV2', [mask, zeros, g], { T: g.dtype }).outputs[0]];
  }));
}
registerGradient('SquaredDifference', registerBinary((x, y, g) => {
  const t = mul(mul(konst(g, 2, g.dtype, 'scalar'), g), bin('Sub', x, y));
  return [t, neg(t)];
}));
registerGradient('Pow', (op, grads) => {
  const [x, y] = op.inputs, z = op.outputs[0], g = g0(grads);
  // gx = g * y * x^(y-1); gy = g * z * log(x) where x > 0, else 0.
  const gx = mul(mul(g, y), bin('Pow', x, bin('Sub', y, konst(y, 1, y.dtype))));
  const pos = node('Greater', [x, un('ZerosLike', x)], { T: x.dtype }).outputs[0];
  const safeX = node('SelectV2', [pos, x, un('OnesLike', x)], { T: x.dtype }).outputs[0];
  const logX = node('SelectV2', [pos, un('Log', safeX), un('ZerosLike', x)], { T: x.dtype }).outputs[0];
  const gy = mul(mul(g, z), logX);
  return reduceBoth(x, y, gx, gy);
});
registerGradient('AddN', (op, grads) => op.inputs.map(() => g0(grads)));

/** A binary op's gradient from the unreduced (gx, gy), reduced back over broadcasting. */
function registerBinary(f: (x: Tensor, y: Tensor, g: Tensor) => [Tensor, Tensor]) {
  return (op: { inputs: Tensor[] }, grads: (Tensor | null)[]) => {
    const [x, y] = op.inputs;
    const [gx, gy] = f(x, y, g0(grads));
    return reduceBoth(x, y, gx, gy);
  };
}

// ---- unary ----
registerGradient('Neg', (op, grads) => [neg(g0(grads))]);
registerGradient('Abs', (op, grads) => [mul(g0(grads), un('Sign', op.inputs[0]))]);
registerGradient('Exp', (op, grads) => [mul(g0(grads), op.outputs[0])]);
registerGradient('Log', (op, grads) => [mul(g0(grads), un('Reciprocal', op.inputs[0]))]);
registerGradient('Log1p', (op, grads) => [mul(g0(grads), un('Reciprocal', bin('AddV2', konst(op.inputs[0], 1, op.inputs[0].dtype), op.inputs[0])))]);
registerGradient('Expm1', (op, grads) => [mul(g0(grads), un('Exp', op.inputs[0]))]);
registerGradient('Square', (op, grads) => [mul(g0(grads), mul(op.inputs[0], konst(op.inputs[0], 2, op.inputs[0].dtype)))]);
registerGradient('Sin', (op, grads) => [mul(g0(grads), un('Cos', op.inputs[0]))]);
registerGradient('Cos', (op, grads) => [mul(neg(g0(grads)), un('Sin', op.inputs[0]))]);
registerGradient('Sign', (op) => [un('ZerosLike', op.inputs[0])]);
// (y, dy) helper kernels, y = the op's output
for (const [type, gradOp] of [['Sqrt', 'SqrtGrad'], ['Rsqrt', 'RsqrtGrad'], ['Tanh', 'TanhGrad'], ['Sigmoid', 'SigmoidGrad'], ['Reciprocal', 'ReciprocalGrad']]) {
  registerGradient(type, (op, grads) => [bin(gradOp, op.outputs[0], g0(grads))]);
}
// (gradients, outputs|features) helper kernels
for (const [type, gradOp, useOutput] of [['Relu', 'ReluGrad', true], ['Relu6', 'Relu6Grad', true], ['Elu', 'EluGrad', true], ['Selu', 'SeluGrad', true],
  ['Softplus', 'SoftplusGrad', false], ['Softsign', 'SoftsignGrad', false]] as const) {
  registerGradient(type, (op, grads) => [bin(gradOp, g0(grads), useOutput ? op.outputs[0] : op.inputs[0])]);
}
registerGradient('LeakyRelu', (op, grads) => [bin('LeakyReluGrad', g0(grads), op.inputs[0], { alpha: op.getAttr('alpha') })]);

// ---- structure ----
registerGradient('Identity', (op, grads) => [g0(grads)]);
registerGradient('Snapshot', (op, grads) => [g0(grads)]);
registerGradient('IdentityN', (op, grads) => grads);
registerGradient('PlaceholderWithDefault', (op, grads) => [g0(grads)]);
registerGradient('Cast', (op, grads) => {
  const src = op.getAttr('SrcT') as string, dst = op.getAttr('DstT') as string;
  const ok = (d: string) => d === 'float32' || d === 'float64';
  return [ok(src) && ok(dst) ? cast(g0(grads), src as 'float32') : null];
});

notDifferentiable('Floor', 'Ceil', 'Round', 'IsNan', 'IsFinite', 'LogicalNot', 'LogicalAnd', 'LogicalOr',
  'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Const', 'Placeholder', 'NoOp');

// ---- selection ----
registerGradient('Select', (op, grads) => {
  const [c] = op.inputs, g = g0(grads);
  const zeros = un('ZerosLike', g);
  return [null, node('Select', [c, g, zeros], { T: g.dtype }).outputs[0], node('Select', [c, zeros, g], { T: g.dtype }).outputs[0]];
});
registerGradient('SelectV2', (op, grads) => {
  const [c, x, y] = op.inputs, g = g0(grads);
  const zeros = un('ZerosLike', g);
  const gx = node('SelectV2', [c, g, zeros], { T: g.dtype }).outputs[0];
  const gy = node('SelectV2', [c, zeros, g], { T: g.dtype }).outputs[0];
  // Each reduced over the axes it was broadcast along (relative to the output).
  return [null, reduceTo(x, gx, op.outputs[0]), reduceTo(y, gy, op.outputs[0])];
});
registerGradient('ClipByValue', (op, grads) => {
  const [x, lo, hi] = op.inputs, g = g0(grads);
  const below = node('Less', [x, lo], { T: x.dtype }).outputs[0];
  const above = node('Greater', [x, hi], { T: x.dtype }).outputs[0];
  const zeros = un('ZerosLike', g);
  const outside = node('LogicalOr', [below, above]).outputs[0];
  const gx = node('SelectV2', [outside, zeros, g], { T: g.dtype }).outputs[0];
  const glo = node('SelectV2', [below, g, zeros], { T: g.dtype }).outputs[0];
  const ghi = node('SelectV2', [above, g, zeros], { T: g.dtype }).outputs[0];
  return [reduceTo(x, gx, g), reduceTo(lo, glo, g), reduceTo(hi, ghi, g)];
});
registerGradient('FloorMod', registerBinary((x, y, g) => [g, mul(g, neg(bin('FloorDiv', x, y)))]));
// d erf(x) = 2/sqrt(pi) exp(-x^2); erfc is its negative.
for (const [type, sign] of [['Erf', 1], ['Erfc', -1]] as const) {
  registerGradient(type, (op, grads) => {
    const x = op.inputs[0];
    const k = konst(x, (sign * 2) / Math.sqrt(Math.PI), x.dtype);
    return [mul(mul(g0(grads), k), un('Exp', neg(un('Square', x))))];
  });
}
