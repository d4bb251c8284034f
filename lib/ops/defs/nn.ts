// nn ops (see lib/ops/registry.ts for the notation; ids only ever appended). The shape
// functions are TF's (common_shape_fns.cc, nn_ops.cc), including their build-time rejections;
// attr checks TF makes when it builds the NodeDef (string enums, list minimums) run here too.
import type { StaticShape } from '../../graph';
import { invalidArgument } from '../../errors';
import { OpDef, ShapeContext, ShapeFn, op } from '../registry';
import { broadcastShapes, shapeFromTensor } from '../shape';

type Dim = number | null;
type Dims = Dim[];

// ---- TF's InferenceContext helpers ------------------------------------------------------------

/** Input i's dims after TF's WithRank(rank): unknown rank becomes `rank` unknown dims. */
function withRank(c: ShapeContext, i: number, rank: number): Dims {
  const s = c.inputs[i].shape;
  if (s === null) return new Array(rank).fill(null);
  if (s.length !== rank) throw c.fail(`Shape must be rank ${rank} but is rank ${s.length}`);
  return s.slice();
}

/** Input i's dims after WithRankAtLeast(rank), or null for unknown rank. */
function withRankAtLeast(c: ShapeContext, i: number, rank: number): Dims | null {
  const s = c.inputs[i].shape;
  if (s !== null && s.length < rank) throw c.fail(`Shape must be at least rank ${rank} but is rank ${s.length}`);
  return s === null ? null : s.slice();
}

function merge(c: ShapeContext, a: Dim, b: Dim): Dim {
  if (a !== null && b !== null && a !== b) throw c.fail(`Dimensions must be equal, but are ${a} and ${b}`);
  return a ?? b;
}

const mul = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : a * b);

/** A string attr restricted to TF's allowed values (TF checks these when it builds the NodeDef). */
function enumAttr(c: ShapeContext, name: string, allowed: readonly string[]): string {
  const v = c.attr<string>(name);
  if (!allowed.includes(v))
    throw invalidArgument(`Attr '${name}' of '${c.type}' Op passed string '${v}' not in: ${allowed.map((a) => `"${a}"`).join(', ')}.`);
  return v;
}

/** A list(int) attr with TF's `>= min` length constraint. */
function listAttr(c: ShapeContext, name: string, min = 0): number[] {
  const v = c.attr<number[]>(name);
  if (v.length < min) throw invalidArgument(`Attr '${name}' of '${c.type}' Op passed list of length ${v.length} less than minimum ${min}.`);
  return v;
}

/** Indices of N, H, W, C in a 4-D tensor of this format. */
function layout(format: string): { n: number; h: number; w: number; c: number } {
  return format.startsWith('NC') ? { n: 0, c: 1, h: 2, w: 3 } : { n: 0, h: 1, w: 2, c: 3 };
}

const PADDINGS = ['SAME', 'VALID', 'EXPLICIT'] as const;

/** TF's CheckValidPadding: explicit_paddings are 4 (before, after) pairs, only for EXPLICIT. */
function checkPadding(c: ShapeContext, padding: string, explicit: readonly number[], format: string): void {
  if (padding !== 'EXPLICIT') {
    if (explicit.length) throw c.fail('explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT');
    return;
  }
  if (explicit.length !== 8) throw c.fail(`explicit_paddings attribute must contain 8 values, but got: ${explicit.length}`);
  if (explicit.some((p) => p < 0)) throw c.fail('All elements of explicit_paddings must be nonnegative');
  const { n, c: ch } = layout(format);
  if (explicit[2 * n] || explicit[2 * n + 1] || explicit[2 * ch] || explicit[2 * ch + 1])
    throw c.fail('Nonzero explicit padding in the batch or depth dimensions is not supported');
}

/**
 * TF's GetWindowedOutputSizeFromDimsV2: the output size of one windowed dimension (VALID and
 * EXPLICIT: (in + pads - effective_k + stride) / stride, rejecting a negative difference;
 * SAME: ceil(in / stride)).
 */
function windowed(c: ShapeContext, size: Dim, k: Dim, dil: number, stride: number, padding: string, before = 0, after = 0): Dim {
  if (stride <= 0) throw c.fail(`Stride must be > 0, but got ${stride}`);
  if (dil < 1) throw c.fail(`Dilation rate must be >= 1, but got ${dil}`);
  if (padding === 'SAME') return size === null ? null : Math.ceil(size / stride);
  const padded = size === null ? null : padding === 'EXPLICIT' ? size + before + after : size;
  const eff = k === null ? null : (k - 1) * dil + 1;
  if (padded === null || eff === null) return null;
  if (padded < eff) throw c.fail(`Negative dimension size caused by subtracting ${eff} from ${padded}`);
  return Math.floor((padded - eff + stride) / stride);
}

/** Static shape of a tensor in `format` from its N, H, W, C dims. */
function fromLayout(format: string, n: Dim, h: Dim, w: Dim, ch: Dim): Dims {
  const l = layout(format), out: Dims = [null, null, null, null];
  out[l.n] = n; out[l.h] = h; out[l.w] = w; out[l.c] = ch;
  return out;
}

// ---- shape functions -------------------------------------------------------------------------

const biasAddShape: ShapeFn = (c) => {
  const format = enumAttr(c, 'data_format', ['NHWC', 'NCHW']);
  const x = withRankAtLeast(c, 0, format === 'NCHW' ? 3 : 2);
  const bias = withRank(c, 1, 1);
  if (x === null) return [null];
  const ch = format === 'NCHW' ? 1 : x.length - 1;
  x[ch] = merge(c, x[ch], bias[0]);
  return [x];
};

/** Conv2D (TF's Conv2DShapeWithExplicitPadding; the depth check keeps TF 1.15's text). */
export const conv2dShape: ShapeFn = (c) => {
  const format = enumAttr(c, 'data_format', ['NHWC', 'NCHW']);
  const padding = enumAttr(c, 'padding', PADDINGS);
  const x = withRank(c, 0, 4), f = withRank(c, 1, 4);
  const strides = c.attr<number[]>('strides'), dil = c.attr<number[]>('dilations');
  if (dil.length !== 4) throw c.fail(`Conv2D requires the dilation attribute to contain 4 values, but got: ${dil.length}`);
  if (strides.length !== 4) throw c.fail(`Conv2D on data format ${format} requires the stride attribute to contain 4 values, but got: ${strides.length}`);
  const l = layout(format);
  if (x[l.c] !== null && f[2] !== null && x[l.c] !== f[2])
    throw c.fail(`Depth of input (${x[l.c]}) must match the input depth of filter (${f[2]})`);
  const ep = c.attr<number[]>('explicit_paddings');
  checkPadding(c, padding, ep, format);
  const oh = windowed(c, x[l.h], f[0], dil[l.h], strides[l.h], padding, ep[2 * l.h], ep[2 * l.h + 1]);
  const ow = windowed(c, x[l.w], f[1], dil[l.w], strides[l.w], padding, ep[2 * l.w], ep[2 * l.w + 1]);
  return [fromLayout(format, x[l.n], oh, ow, f[3])];
};

/** MaxPool (with explicit padding and depth pooling) and AvgPool. */
function poolShape(c: ShapeContext): StaticShape[] {
  const max = c.type === 'MaxPool';
  const format = enumAttr(c, 'data_format', max ? ['NHWC', 'NCHW', 'NCHW_VECT_C'] : ['NHWC', 'NCHW']);
  const padding = enumAttr(c, 'padding', max ? PADDINGS : ['SAME', 'VALID']);
  const ksize = listAttr(c, 'ksize', 4), strides = listAttr(c, 'strides', 4);
  const x = withRank(c, 0, format === 'NCHW_VECT_C' ? 5 : 4);
  if (strides.length !== 4) throw c.fail(`${c.type} requires the stride attribute to contain 4 values, but got: ${strides.length}`);
  if (ksize.length !== 4) throw c.fail(`${c.type} requires the ksize attribute to contain 4 values, but got: ${ksize.length}`);
  if (format === 'NCHW_VECT_C') return [null];  // int8 layout: no kernel here either
  const ep = max ? c.attr<number[]>('explicit_paddings') : [];
  if (max) checkPadding(c, padding, ep, format);
  const l = layout(format);
  const oh = windowed(c, x[l.h], ksize[l.h], 1, strides[l.h], padding, ep[2 * l.h], ep[2 * l.h + 1]);
  const ow = windowed(c, x[l.w], ksize[l.w], 1, strides[l.w], padding, ep[2 * l.w], ep[2 * l.w + 1]);
  const depth = max ? windowed(c, x[l.c], ksize[l.c], 1, strides[l.c], padding) : x[l.c];
  return [fromLayout(format, x[l.n], oh, ow, depth)];
}

const depthwiseShape: ShapeFn = (c) => {
  const format = enumAttr(c, 'data_format', ['NHWC', 'NCHW']);
  const padding = enumAttr(c, 'padding', PADDINGS);
  const x = withRank(c, 0, 4), f = withRank(c, 1, 4);
  const strides = c.attr<number[]>('strides'), dil = c.attr<number[]>('dilations');
  if (strides.length !== 4) throw c.fail(`DepthwiseConv2D requires the stride attribute to contain 4 values, but got: ${strides.length}`);
  if (dil.length !== 4) throw c.fail(`DepthwiseConv2D requires the dilations attribute to contain 4 values, but got: ${dil.length}`);
  const ep = c.attr<number[]>('explicit_paddings');
  checkPadding(c, padding, ep, format);
  const l = layout(format);
  const depth = merge(c, x[l.c], f[2]);
  const oh = windowed(c, x[l.h], f[0], dil[l.h], strides[l.h], padding, ep[2 * l.h], ep[2 * l.h + 1]);
  const ow = windowed(c, x[l.w], f[1], dil[l.w], strides[l.w], padding, ep[2 * l.w], ep[2 * l.w + 1]);
  return [fromLayout(format, x[l.n], oh, ow, mul(depth, f[3]))];
};

/** The input gradient's shape: spatial dims (and depth) from input_sizes, batch from out_backprop. */
const conv2dBackpropInputShape: ShapeFn = (c) => {
  const format = enumAttr(c, 'data_format', ['NHWC', 'NCHW']);
  enumAttr(c, 'padding', PADDINGS);
  const dy = withRank(c, 2, 4), f = withRank(c, 1, 4);
  const l = layout(format);
  merge(c, dy[l.c], f[3]);
  const sizesShape = c.inputs[0].shape;
  if (sizesShape !== null && sizesShape.length !== 1) throw c.fail(`Shape must be rank 1 but is rank ${sizesShape.length}`);
  const sizes = shapeFromTensor(c.inputs[0]) ?? [null, null, null, null];
  if (sizes.length === 4) {
    merge(c, sizes[l.n], dy[l.n]);
    return [fromLayout(format, dy[l.n], sizes[l.h], sizes[l.w], sizes[l.c])];
  }
  if (sizes.length === 2) return [fromLayout(format, dy[l.n], sizes[0], sizes[1], f[2])];
  throw c.fail(`Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: ${sizes.length}`);
};

const logSoftmaxShape: ShapeFn = (c) => [withRankAtLeast(c, 0, 1)];

const fusedBatchNormShape: ShapeFn = (c) => {
  const format = enumAttr(c, 'data_format', ['NHWC', 'NCHW', 'NDHWC', 'NCDHW']);
  const x = withRank(c, 0, format.length);
  const training = c.attr<boolean>('is_training'), factor = c.attr<number>('exponential_avg_factor');
  // scale and offset; mean and variance too unless they are unused (training, factor 1).
  const vectors = training && Math.fround(factor) === 1 ? 3 : 5;
  const ch = format.startsWith('NC') ? 1 : x.length - 1;
  for (let i = 1; i < vectors; i++) x[ch] = merge(c, x[ch], withRank(c, i, 1)[0]);
  const v = [x[ch]];
  return [x, v, v.slice(), v.slice(), v.slice(), null];
};

const lrnShape: ShapeFn = (c) => [withRank(c, 0, 4)];

/** Logits and labels are [batch, classes], or broadcast to it (TF 2's rule). */
const xentShape: ShapeFn = (c) => {
  const a = c.inputs[0].shape, b = c.inputs[1].shape;
  if (a === null || a.length === 2) {
    const x = withRank(c, 0, 2);
    if (b === null || b.length === 2) {
      const merged = b === null ? x : x.map((d, i) => (d !== null && b[i] !== null && d !== b[i] ? undefined : d ?? b[i]));
      if (!merged.includes(undefined)) return [[merged[0] as Dim], merged as Dims];
    }
  }
  const out = broadcastShapes(a, b, (da, db) => c.fail(`Dimensions must be equal, but are ${da} and ${db}`));
  if (out === null) throw c.fail('Shape must be broadcasted with rank 2, but is rank is unknown.');
  if (out.length !== 2) throw c.fail(`Shape must be broadcasted with rank 2, but is rank ${out.length}`);
  return [[out[0]], out];
};

const sparseXentShape: ShapeFn = (c) => {
  const x = withRank(c, 0, 2), labels = withRank(c, 1, 1);
  x[0] = merge(c, x[0], labels[0]);
  return [[x[0]], x];
};

// ---- the ops ---------------------------------------------------------------------------------

const FLOATS = '{half, bfloat16, float, double}';
const CONV_ATTRS = ["padding: {'SAME', 'VALID', 'EXPLICIT'}", 'explicit_paddings: list(int) = []', "data_format: {'NHWC', 'NCHW'} = 'NHWC'"];

export const NN_OPS: readonly OpDef[] = [
  op(300, 'BiasAdd', 'bias_add', { in: ['value: T', 'bias: T'], out: ['output: T'],
    attrs: ['T: numbertype', "data_format: {'NHWC', 'NCHW'} = 'NHWC'"], shape: biasAddShape }),
  op(301, 'MaxPool', 'pool', { in: ['input: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16, qint8} = float', 'ksize: list(int)',
      'strides: list(int)', "padding: {'SAME', 'VALID', 'EXPLICIT'}", 'explicit_paddings: list(int) = []',
      "data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'"], shape: poolShape }),
  op(302, 'AvgPool', 'pool', { in: ['value: T'], out: ['output: T'],
    attrs: ['ksize: list(int)', 'strides: list(int)', "padding: {'SAME', 'VALID'}", "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
      `T: ${FLOATS}`], shape: poolShape }),
  op(303, 'DepthwiseConv2dNative', 'depthwise_conv2d', { in: ['input: T', 'filter: T'], out: ['output: T'],
    attrs: [`T: ${FLOATS}`, 'strides: list(int)', ...CONV_ATTRS, 'dilations: list(int) = [1, 1, 1, 1]'], shape: depthwiseShape }),
  op(304, 'Conv2DBackpropInput', 'conv2d_backprop_input', { in: ['input_sizes: int32', 'filter: T', 'out_backprop: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double, int32}', 'strides: list(int)', 'use_cudnn_on_gpu: bool = true', ...CONV_ATTRS,
      'dilations: list(int) = [1, 1, 1, 1]'], shape: conv2dBackpropInputShape }),
  op(305, 'LogSoftmax', 'softmax', { in: ['logits: T'], out: ['logsoftmax: T'], attrs: [`T: ${FLOATS}`], shape: logSoftmaxShape }),
  op(306, 'FusedBatchNormV3', 'batchnorm', {
    in: ['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
    out: ['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U', 'reserve_space_3: U'],
    attrs: ['T: {half, bfloat16, float}', 'U: {bfloat16, float}', 'epsilon: float = 0.0001', 'exponential_avg_factor: float = 1',
      "data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'", 'is_training: bool = true'], shape: fusedBatchNormShape }),
  // The older batch norms of TF1 graphs: V3 without reserve_space_3 (FusedBatchNorm also without U).
  op(311, 'FusedBatchNorm', 'batchnorm', {
    in: ['x: T', 'scale: T', 'offset: T', 'mean: T', 'variance: T'],
    out: ['y: T', 'batch_mean: T', 'batch_variance: T', 'reserve_space_1: T', 'reserve_space_2: T'],
    attrs: ['T: {float}', 'epsilon: float = 0.0001', 'exponential_avg_factor: float = 1', "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
      'is_training: bool = true'], shape: (c) => fusedBatchNormShape(c).slice(0, 5) }),
  op(312, 'FusedBatchNormV2', 'batchnorm', {
    in: ['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
    out: ['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U'],
    attrs: ['T: {half, bfloat16, float}', 'U: {float}', 'epsilon: float = 0.0001', 'exponential_avg_factor: float = 1',
      "data_format: {'NHWC', 'NCHW'} = 'NHWC'", 'is_training: bool = true'], shape: (c) => fusedBatchNormShape(c).slice(0, 5) }),
  op(307, 'LRN', 'lrn', { in: ['input: T'], out: ['output: T'],
    attrs: ['depth_radius: int = 5', 'bias: float = 1', 'alpha: float = 1', 'beta: float = 0.5', 'T: {half, bfloat16, float} = float'],
    shape: lrnShape }),
  op(308, 'SoftmaxCrossEntropyWithLogits', 'xent', { in: ['features: T', 'labels: T'], out: ['loss: T', 'backprop: T'],
    attrs: [`T: ${FLOATS}`], shape: xentShape }),
  op(309, 'SparseSoftmaxCrossEntropyWithLogits', 'xent', { in: ['features: T', 'labels: Tlabels'], out: ['loss: T', 'backprop: T'],
    attrs: [`T: ${FLOATS}`, 'Tlabels: {int32, int64} = int64'], shape: sparseXentShape }),
  op(310, 'L2Loss', 'l2loss', { in: ['t: T'], out: ['output: T'], attrs: [`T: ${FLOATS}`], shape: () => [[]] }),
];
