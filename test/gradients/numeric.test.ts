// Every op with a gradient, against central finite differences on random float64 inputs (TF's
// compute_gradient_error method; max Jacobian error < 1e-6), with static and unknown shapes.
import { describe, it } from 'vitest';
import * as tf from 'tensorloom';
import { Rng, checkGradient } from './check';

const T = tf.Tensor;
type B = (xs: tf.Tensor[]) => tf.Tensor;
const rng = new Rng(7);
const u = (shape: number[], lo = -1, hi = 1) => rng.uniform(shape, lo, hi);
const away = (shape: number[]) => rng.awayFromZero(shape);
const pos = (shape: number[]) => rng.uniform(shape, 0.5, 2);
/** Distinct values (no ties for Max/Min): a shuffled arithmetic sequence. */
const distinct = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => -1 + (2 * i) / n + 0.013);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rng.next() * (i + 1)); [v[i], v[j]] = [v[j], v[i]]; }
  return tf.ndarray(Float64Array.from(v), shape);
};
void T;
/** Rows of positive values summing to 1 (a label distribution, which the xent backprop assumes). */
const normalized = (shape: number[]) => {
  const v = pos(shape), d = v.data as Float64Array, c = shape[shape.length - 1];
  for (let r = 0; r < d.length; r += c) { let s = 0; for (let j = 0; j < c; j++) s += d[r + j]; for (let j = 0; j < c; j++) d[r + j] /= s; }
  return v;
};

// [name, build, inputs, options]
const CASES: [string, B, () => tf.NDArray[], { tol?: number; noDynamic?: boolean; delta?: number }?][] = [
  // binary, same shape and broadcast
  ['Add', ([x, y]) => tf.add(x, y), () => [u([2, 3]), u([2, 3])]],
  ['Add broadcast', ([x, y]) => tf.add(x, y), () => [u([2, 3]), u([3])]],
  ['AddV2 broadcast both', ([x, y]) => tf.addV2(x, y), () => [u([2, 1, 3]), u([1, 4, 1])]],
  ['Sub broadcast', ([x, y]) => tf.subtract(x, y), () => [u([3]), u([2, 3])]],
  ['Mul broadcast', ([x, y]) => tf.multiply(x, y), () => [u([2, 3]), u([2, 1])]],
  ['Mul scalar', ([x, y]) => tf.multiply(x, y), () => [u([2, 3]), u([])]],
  ['RealDiv', ([x, y]) => tf.divide(x, y), () => [u([2, 3]), pos([3])]],
  ['Div', ([x, y]) => tf.div(x, y), () => [u([2, 3]), pos([2, 3])]],
  ['DivNoNan', ([x, y]) => tf.divNoNan(x, y), () => [u([2, 3]), pos([1, 3])]],
  ['Maximum', ([x, y]) => tf.maximum(x, y), () => [distinct([2, 3]), tf.ndarray(Float64Array.from([0.05, -0.3, 0.41]), [3])]],
  ['Minimum', ([x, y]) => tf.minimum(x, y), () => [distinct([2, 3]), tf.ndarray(Float64Array.from([0.05, -0.3, 0.41]), [3])]],
  ['Pow', ([x, y]) => tf.pow(x, y), () => [pos([2, 3]), u([2, 3])]],
  ['Pow broadcast', ([x, y]) => tf.pow(x, y), () => [pos([2, 3]), u([1])]],
  ['SquaredDifference', ([x, y]) => tf.squaredDifference(x, y), () => [u([2, 3]), u([3])]],
  ['AddN', ([x, y, z]) => tf.addN([x, y, z]), () => [u([2, 2]), u([2, 2]), u([2, 2])]],
  // unary
  ['Neg', ([x]) => tf.negative(x), () => [u([5])]],
  ['Abs', ([x]) => tf.abs(x), () => [away([5])]],
  ['Exp', ([x]) => tf.exp(x), () => [u([5])]],
  ['Log', ([x]) => tf.log(x), () => [pos([5])]],
  ['Log1p', ([x]) => tf.log1p(x), () => [pos([5])]],
  ['Expm1', ([x]) => tf.expm1(x), () => [u([5])]],
  ['Sqrt', ([x]) => tf.sqrt(x), () => [pos([5])]],
  ['Rsqrt', ([x]) => tf.rsqrt(x), () => [pos([5])]],
  ['Reciprocal', ([x]) => tf.reciprocal(x), () => [pos([5])]],
  ['Square', ([x]) => tf.square(x), () => [u([5])]],
  ['Sin', ([x]) => tf.sin(x), () => [u([5])]],
  ['Cos', ([x]) => tf.cos(x), () => [u([5])]],
  ['Tanh', ([x]) => tf.tanh(x), () => [u([2, 3])]],
  ['Sigmoid', ([x]) => tf.sigmoid(x), () => [u([2, 3])]],
  ['Relu', ([x]) => tf.nn.relu(x), () => [away([2, 3])]],
  ['Relu6', ([x]) => tf.nn.relu6(tf.multiply(x, 7)), () => [away([2, 4])]],
  ['Elu', ([x]) => tf.nn.elu(x), () => [away([2, 3])]],
  ['Selu', ([x]) => tf.nn.selu(x), () => [away([2, 3])]],
  ['LeakyRelu', ([x]) => tf.nn.leakyRelu(x, 0.3), () => [away([2, 3])]],
  ['Softplus', ([x]) => tf.nn.softplus(x), () => [u([2, 3])]],
  ['Softsign', ([x]) => tf.nn.softsign(x), () => [away([2, 3])]],
  ['Sign (zero gradient)', ([x]) => tf.add(tf.sign(x), x), () => [away([4])]],
  // products
  ['MatMul', ([a, b]) => tf.matmul(a, b), () => [u([2, 3]), u([3, 4])]],
  ['MatMul transposeA', ([a, b]) => tf.matmul(a, b, { transposeA: true }), () => [u([3, 2]), u([3, 4])]],
  ['MatMul transposeB', ([a, b]) => tf.matmul(a, b, { transposeB: true }), () => [u([2, 3]), u([4, 3])]],
  ['MatMul transposeA transposeB', ([a, b]) => tf.matmul(a, b, { transposeA: true, transposeB: true }), () => [u([3, 2]), u([4, 3])]],
  ['BatchMatMulV2', ([a, b]) => tf.matmul(a, b), () => [u([2, 2, 3]), u([2, 3, 2])], { noDynamic: true }],
  ['BatchMatMulV2 broadcast', ([a, b]) => tf.matmul(a, b), () => [u([2, 2, 3]), u([3, 2])], { noDynamic: true }],
  ['BatchMatMulV2 adj', ([a, b]) => tf.matmul(a, b, { transposeA: true, transposeB: true }), () => [u([1, 2, 3, 2]), u([2, 1, 2, 3])], { noDynamic: true }],
  // reductions
  ['Sum all', ([x]) => tf.reduceSum(x), () => [u([2, 3])], { noDynamic: true }],
  ['Sum axis', ([x]) => tf.reduceSum(x, 1), () => [u([2, 3, 2])], { noDynamic: true }],
  ['Sum keepDims', ([x]) => tf.reduceSum(x, [0, 2], true), () => [u([2, 3, 2])], { noDynamic: true }],
  ['Mean', ([x]) => tf.reduceMean(x, [1]), () => [u([2, 3, 2])], { noDynamic: true }],
  ['Mean all', ([x]) => tf.reduceMean(x), () => [u([4, 3])], { noDynamic: true }],
  ['Max', ([x]) => tf.reduceMax(x, 1), () => [distinct([3, 4])], { noDynamic: true }],
  ['Min', ([x]) => tf.reduceMin(x, [0], true), () => [distinct([3, 4])], { noDynamic: true }],
  ['TopKV2', ([x]) => tf.topK(x, 2)[0], () => [distinct([2, 2, 4])]],
  // structure
  ['Identity', ([x]) => tf.identity(x), () => [u([3])]],
  // float32 round trip: inputs k/64 and a power-of-two delta are exact in float32
  ['Cast', ([x]) => tf.cast(tf.cast(x, 'float32'), 'float64'), () => [tf.ndarray(Float64Array.from([-0.5, 0.25, 0.015625]), [3])], { delta: 2 ** -12 }],
  ['Reshape', ([x]) => tf.reshape(tf.multiply(x, x), [3, 2]), () => [u([2, 3])]],
  ['ExpandDims', ([x]) => tf.expandDims(tf.square(x), 1), () => [u([2, 3])]],
  ['Squeeze', ([x]) => tf.squeeze(tf.square(x), [1]), () => [u([2, 1, 3])], { noDynamic: true }],
  ['Transpose', ([x]) => tf.transpose(tf.square(x), [2, 0, 1]), () => [u([2, 3, 2])]],
  ['ConcatV2', ([x, y]) => tf.concat([tf.square(x), y], 1), () => [u([2, 3]), u([2, 2])]],
  ['ConcatV2 negative axis', ([x, y, z]) => tf.concat([x, y, z], -2), () => [u([1, 3]), u([2, 3]), u([1, 3])]],
  ['Pack', ([x, y]) => tf.stack([tf.square(x), y], 1), () => [u([2, 3]), u([2, 3])]],
  ['Unpack', ([x]) => tf.multiply(tf.unstack(x, { axis: 1 })[0], tf.unstack(x, { axis: 1 })[2]), () => [u([2, 3])], { noDynamic: true }],
  ['Slice', ([x]) => tf.slice(tf.square(x), [1, 0], [1, 2]), () => [u([3, 3])]],
  ['StridedSlice', ([x]) => tf.stridedSlice(tf.square(x), [0, 1], [2, 3], [1, 1]), () => [u([3, 4])]],
  ['StridedSlice strides and masks', ([x]) => tf.stridedSlice(x, [0, -1, 0], [0, 0, 2], [1, -2, 1], { beginMask: 1, endMask: 3, shrinkAxisMask: 4 }),
    () => [u([2, 5, 3])]],
  ['StridedSlice ellipsis new axis', ([x]) => tf.stridedSlice(x, [0, 1], [0, 3], [1, 1], { ellipsisMask: 1, newAxisMask: 0 }), () => [u([2, 2, 4])]],
  ['GatherV2', ([x]) => tf.gather(x, [2, 0, 2]), () => [u([3, 2])]],
  ['Select', ([x, y]) => tf.where(tf.constant([true, false, true]), x, y), () => [u([3]), u([3])]],
  ['SelectV2 broadcast', ([x, y]) => tf.whereV2(tf.constant([[true], [false]]), x, y), () => [u([2, 3]), u([3])]],
  ['Fill', ([x]) => tf.fill([2, 3], x), () => [u([])]],
  ['Split', ([x]) => { const [a, , c] = tf.split(x, 3, 1); return tf.multiply(a, c); }, () => [u([2, 3])], { noDynamic: true }],
  ['SplitV', ([x]) => { const [a, b] = tf.split(x, [1, 2], 1); return tf.add(tf.square(a), tf.reduceSum(b, 1, true)); }, () => [u([2, 3])], { noDynamic: true }],
  ['Tile', ([x]) => tf.tile(tf.square(x), [2, 3]), () => [u([2, 2])]],
  ['Pad', ([x]) => tf.pad(tf.square(x), [[1, 0], [2, 1]]), () => [u([2, 2])]],
  ['PadV2', ([x]) => tf.pad(x, [[0, 1], [1, 1]], { constantValues: 2 }), () => [u([2, 2])]],
  ['ReverseV2', ([x]) => tf.reverse(tf.square(x), [1]), () => [u([2, 3])]],
  ['BroadcastTo', ([x]) => tf.broadcastTo(tf.square(x), [2, 3, 2]), () => [u([3, 1])]],
  ['GatherNd', ([x]) => tf.gatherNd(x, [[1, 0], [0, 2], [1, 0]]), () => [u([2, 3])]],
  ['ScatterNd', ([x]) => tf.scatterNd([[1], [3]], tf.square(x), [4, 2]), () => [u([2, 2])]],
  ['ClipByValue', ([x, lo, hi]) => tf.clipByValue(x, lo, hi), () => [tf.ndarray(Float64Array.from([-0.9, -0.2, 0.3, 0.8]), [4]),
    tf.ndarray(Float64Array.from([-0.5]), []), tf.ndarray(Float64Array.from([0.5]), [])]],
  ['FloorMod', ([x, y]) => tf.floormod(x, y), () => [tf.ndarray(Float64Array.from([0.3, 1.7, -0.6]), [3]), tf.ndarray(Float64Array.from([0.7, 0.8, 0.5]), [3])]],
  ['Erf', ([x]) => tf.erf(x), () => [u([4])]],
  ['Erfc', ([x]) => tf.erfc(x), () => [u([4])]],
  ['Cumsum', ([x]) => tf.cumsum(tf.square(x), 1), () => [u([2, 3])]],
  ['Cumsum exclusive reverse', ([x]) => tf.cumsum(x, 0, { exclusive: true, reverse: true }), () => [u([4])]],
  // nn
  ['Conv2DBackpropInput', ([dy, f]) => tf.nn.conv2dTranspose(dy, f, [1, 5, 5, 2], 2, 'SAME'), () => [u([1, 3, 3, 3]), u([3, 3, 2, 3])], { noDynamic: true }],
  ['BiasAdd', ([x, b]) => tf.nn.biasAdd(x, b), () => [u([2, 3, 4]), u([4])]],
  ['Softmax', ([x]) => tf.nn.softmax(x), () => [u([2, 4])]],
  ['LogSoftmax', ([x]) => tf.nn.logSoftmax(x), () => [u([2, 4])]],
  ['SoftmaxCrossEntropyWithLogits', ([l, y]) => tf.nn.softmaxCrossEntropyWithLogitsV2({ logits: l, labels: y }), () => [u([2, 4]), normalized([2, 4])], { noDynamic: true }],
  ['SparseSoftmaxCrossEntropyWithLogits', ([l]) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ logits: l, labels: tf.constant(Int32Array.from([1, 3])) }), () => [u([2, 4])], { noDynamic: true }],
  ['Conv2D VALID', ([x, f]) => tf.nn.conv2d(x, f, 1, 'VALID'), () => [u([1, 4, 4, 2]), u([2, 2, 2, 3])], { noDynamic: true }],
  ['Conv2D SAME stride 2', ([x, f]) => tf.nn.conv2d(x, f, 2, 'SAME'), () => [u([2, 5, 4, 2]), u([3, 3, 2, 2])], { noDynamic: true }],
  ['Conv2D dilated', ([x, f]) => tf.nn.conv2d(x, f, 1, 'SAME', { dilations: 2 }), () => [u([1, 5, 5, 1]), u([2, 2, 1, 2])], { noDynamic: true }],
  ['DepthwiseConv2dNative', ([x, f]) => tf.nn.depthwiseConv2d(x, f, [1, 1, 1, 1], 'VALID'), () => [u([1, 4, 4, 2]), u([2, 2, 2, 2])], { noDynamic: true }],
  ['DepthwiseConv2dNative SAME stride 2', ([x, f]) => tf.nn.depthwiseConv2d(x, f, [1, 2, 2, 1], 'SAME'), () => [u([2, 5, 4, 3]), u([3, 3, 3, 1])], { noDynamic: true }],
  ['MaxPool VALID', ([x]) => tf.nn.maxPool(x, 2, 2, 'VALID'), () => [distinct([2, 4, 4, 2])], { noDynamic: true }],
  ['MaxPool SAME overlapping', ([x]) => tf.nn.maxPool(x, 3, 2, 'SAME'), () => [distinct([1, 5, 5, 2])], { noDynamic: true }],
  ['AvgPool VALID', ([x]) => tf.nn.avgPool(x, 2, 2, 'VALID'), () => [u([2, 4, 4, 2])], { noDynamic: true }],
  ['AvgPool SAME overlapping', ([x]) => tf.nn.avgPool(x, 3, 2, 'SAME'), () => [u([1, 5, 5, 2])], { noDynamic: true }],
  ['L2Loss', ([x]) => tf.nn.l2Loss(x), () => [u([2, 3])]],
  // compositions: fan-out (AddN), chains
  ['fan-out', ([x]) => tf.add(tf.multiply(x, x), tf.sin(x)), () => [u([3])]],
  ['MLP', ([x, w, b]) => tf.reduceMean(tf.nn.softmax(tf.nn.relu(tf.add(tf.matmul(x, w), b)))), () => [away([2, 3]), away([3, 4]), u([4], 0.5, 1)], { noDynamic: true }],
];

describe('gradients vs finite differences (float32-only ops)', () => {
  // FusedBatchNormV3 has float kernels only: float32 central differences, TF's float32 tolerance.
  const bn = (training: boolean, format = 'NHWC') => ([x, s, b]: tf.Tensor[]) => {
    const mean = training ? null : tf.constant(Float32Array.from({ length: 3 }, (_, i) => 0.1 * i - 0.1)), v = training ? null : tf.constant(Float32Array.from([0.5, 1, 1.5]));
    const [y] = tf.nn.fusedBatchNorm(x, s, b, mean, v, { isTraining: training, dataFormat: format });
    return tf.multiply(y, y);
  };
  it('FusedBatchNormV3 training', () => { checkGradient(bn(true), [u([2, 2, 2, 3]), u([3], 0.5, 1.5), u([3])], { dtype: 'float32', tol: 5e-3 }); });
  it('FusedBatchNormV3 inference', () => { checkGradient(bn(false), [u([2, 2, 2, 3]), u([3], 0.5, 1.5), u([3])], { dtype: 'float32', tol: 5e-3 }); });
  it('FusedBatchNormV3 training NCHW', () => { checkGradient(bn(true, 'NCHW'), [u([2, 3, 2, 2]), u([3], 0.5, 1.5), u([3])], { dtype: 'float32', tol: 5e-3 }); });
});

describe('gradients vs finite differences (float64)', () => {
  for (const [name, build, inputs, o] of CASES) {
    it(name, () => { checkGradient(build, inputs(), { tol: o?.tol, delta: o?.delta }); });
    if (!o?.noDynamic) it(`${name} (unknown shapes)`, () => { checkGradient(build, inputs(), { tol: o?.tol, delta: o?.delta, dynamic: true }); });
  }
});
