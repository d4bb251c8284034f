// tf.nn: builders of the nn ops declared in lib/ops/defs/nn.ts, plus the core ones (relu,
// softmax, conv2d) from lib/ops/builders.ts. TF1's Python names in camelCase, with TF1's
// default node names and name scopes (the Consts a JS operand becomes are named as TF's
// convert_to_tensor names them).
import { UnimplementedError, invalidArgument } from '../errors';
import { Graph, StaticShape, Tensor } from '../graph';
import { NDArray } from '../ndarray';
import { relu6, elu, selu, leakyRelu, softplus, softsign } from './math';
import { topK } from './reduce';
import { CONV2D_KEYS, Conv2DOptions, checkWindowStep, OpOptions, sigmoid, tanh, TensorLike, cast, dtypeOf, graphOf, isOptions, nn as coreNn, makeNode, opts, reshape, shapeLike, toTensor } from './builders';
import { findOpDef } from './schema';
import { dropout } from './random';

type Padding = 'SAME' | 'VALID' | number[][];
type IntOrList = number | number[];

// ---- TF's argument normalization (nn_ops.py) ---------------------------------------------------

const pyList = (v: unknown): string => (Array.isArray(v) ? `[${v.map(pyList).join(', ')}]` : String(v));
const pyShape = (s: StaticShape): string => (s === null ? '<unknown>' : `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`);

/**
 * TF's _get_sequence: an int, or n, or n + 2 ints, as the n + 2 entries of a strides-like attr.
 * Strides and dilations (not ksize) beyond MAX_WINDOW_STEP fail here, at build time.
 */
function getSequence(v: IntOrList | undefined, n: number, channelIndex: number, name: string): number[] {
  if (v === undefined || v === null) return new Array(n + 2).fill(1);
  const list = Array.from(shapeLike(v, name).data as ArrayLike<number | bigint>, Number);
  if (name !== 'ksize') checkWindowStep(list, name, v);
  if (list.length === n + 2) return list;
  if (list.length !== 1 && list.length !== n)
    throw invalidArgument(`${name} should be of length 1, ${n} or ${n + 2}. Received: ${name}=${pyList(v)} of length ${list.length}`);
  const inner = list.length === 1 ? new Array(n).fill(list[0]) : list;
  return channelIndex === 1 ? [1, 1, ...inner] : [1, ...inner, 1];
}

/** TF's convert_padding: a list of (before, after) pairs means EXPLICIT padding. */
function convertPadding(padding: Padding | undefined): [string, number[]] {
  if (padding === ('EXPLICIT' as string))
    throw invalidArgument("'EXPLICIT' is not a valid value for `padding`. To use explicit padding, `padding` must be a list.");
  if (!Array.isArray(padding)) return [padding as string, []];
  const flat: number[] = [];
  padding.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw invalidArgument(`When \`padding\` is a list, each element of \`padding\` must be a list/tuple of size 2. Received: padding=${pyList(padding)} with element at index ${i} of ${Array.isArray(pair) ? `size ${pair.length}` : `type ${typeof pair}`}`);
    flat.push(...Array.from(shapeLike(pair, 'padding').data as ArrayLike<number | bigint>, Number));
  });
  if (padding.length !== 4) throw invalidArgument(`When padding is a list, it must be of size 4. Received: padding=${pyList(padding)} of size ${padding.length}`);
  return ['EXPLICIT', flat];
}

const channelIndex = (format: string | undefined) => (format?.startsWith('NC') ? 1 : 3);

// ---- bias_add, pooling, convolutions ------------------------------------------------------------

export interface BiasAddOptions extends OpOptions { dataFormat?: string }

/** value + bias along the channel dimension (op BiasAdd): the last for `N...C`, dim 1 for `NC...`. */
export function biasAdd(value: TensorLike, bias: TensorLike, options?: BiasAddOptions | string): Tensor {
  const o = opts(options, { dataFormat: true });
  let format = o.dataFormat;
  if (format !== undefined) {
    if (format.startsWith('NC')) format = 'NCHW';
    else if (format.startsWith('N') && format.endsWith('C')) format = 'NHWC';
    else throw invalidArgument(`\`data_format\` must be of the form \`N...C\` or \`NC...\`. Received: data_format=${format}`);
  }
  const g = graphOf(value, bias);
  return g.nameScope(o.name ?? 'BiasAdd', (scope) => {
    const x = toTensor(g, value, dtypeOf(value, bias), 'input');
    const b = toTensor(g, bias, x.dtype, 'bias');
    return makeNode(g, 'BiasAdd', [x, b], { T: x.dtype, data_format: format }, null, scope).outputs[0];
  });
}

export interface PoolOptions extends OpOptions {
  ksize?: IntOrList;
  strides?: IntOrList;
  padding?: Padding;
  dataFormat?: string;
}

function pool(type: 'MaxPool' | 'AvgPool', scopeName: string, inputName: string, value: TensorLike,
              ksize: IntOrList | PoolOptions, strides?: IntOrList, padding?: Padding, options?: PoolOptions | string): Tensor {
  // Also accepts every attribute in one final options object: maxPool(x, { ksize, strides, padding }).
  if (isOptions<PoolOptions>(ksize)) { options = ksize; ({ strides, padding } = ksize); ksize = ksize.ksize as IntOrList; }
  const o = opts(options, { ksize: true, strides: true, padding: true, dataFormat: true });
  const format = o.dataFormat ?? 'NHWC';
  const c = channelIndex(format);
  const k = getSequence(ksize, 2, c, 'ksize'), s = getSequence(strides, 2, c, 'strides');
  if (type === 'MaxPool' && k.includes(0)) throw invalidArgument(`\`ksize\` cannot be zero. Received: ksize=${pyList(k)}`);
  const [pad, explicit] = type === 'MaxPool' ? convertPadding(padding) : [padding as string, []];
  const g = graphOf(value);
  return g.nameScope(o.name ?? scopeName, (scope) => {
    const x = toTensor(g, value, undefined, inputName);
    const attrs: Record<string, unknown> = { T: x.dtype, ksize: k, strides: s, padding: pad, data_format: format };
    if (type === 'MaxPool') attrs.explicit_paddings = explicit;
    return makeNode(g, type, [x], attrs, null, scope).outputs[0];
  });
}

/**
 * Max pooling (op MaxPool) over NHWC windows; `ksize` and `strides` are an int, [h, w] or
 * the 4 entries; `padding` 'SAME', 'VALID' or [[0, 0], [top, bottom], [left, right], [0, 0]].
 * @example tf.nn.maxPool(x, 2, 2, 'SAME')
 */
export const maxPool = (value: TensorLike, ksize: IntOrList | PoolOptions, strides?: IntOrList, padding?: Padding, options?: PoolOptions | string) =>
  pool('MaxPool', 'MaxPool', 'input', value, ksize, strides, padding, options);
/** TF2's tf.nn.max_pool2d: MaxPool in scope MaxPool2d. */
export const maxPool2d = (input: TensorLike, ksize: IntOrList | PoolOptions, strides?: IntOrList, padding?: Padding, options?: PoolOptions | string) =>
  pool('MaxPool', 'MaxPool2d', 'input', input, ksize, strides, padding, options);
/** Average pooling (op AvgPool); SAME windows average only their elements inside the input. */
export const avgPool = (value: TensorLike, ksize: IntOrList | PoolOptions, strides?: IntOrList, padding?: 'SAME' | 'VALID', options?: PoolOptions | string) =>
  pool('AvgPool', 'AvgPool', 'value', value, ksize, strides, padding, options);
export const avgPool2d = avgPool;

export interface DepthwiseConv2DOptions extends OpOptions {
  /** Dilation rate [h, w] (TF1's `rate`; `dilations` is its newer name). */
  rate?: IntOrList;
  dilations?: IntOrList;
  dataFormat?: string;
}

/**
 * Depthwise 2-D convolution (op DepthwiseConv2dNative named `depthwise`) of an NHWC `input`
 * with a [h, w, inChannels, multiplier] `filter`: output channel c·multiplier + m is channel c
 * convolved with filter[:, :, c, m]. A dilation rate builds the op's dilations attr.
 * @example tf.nn.depthwiseConv2d(x, w, [1, 1, 1, 1], 'SAME')
 */
export function depthwiseConv2d(input: TensorLike, filter: TensorLike, strides: number[], padding: 'SAME' | 'VALID',
                                options?: DepthwiseConv2DOptions | string): Tensor {
  const o = opts(options, { rate: true, dilations: true, dataFormat: true });
  const c = channelIndex(o.dataFormat);
  const dil = getSequence(o.dilations ?? o.rate, 2, c, 'dilation_rate');
  if (dil.some((d) => d < 1)) throw invalidArgument(`dilation_rate must be positive. Received: dilation_rate=${pyList(o.dilations ?? o.rate)}`);
  const st = Array.from(shapeLike(strides, 'strides').data as ArrayLike<number | bigint>, Number);
  checkWindowStep(st, 'strides', strides);
  if (dil.some((d) => d > 1) && st.some((d) => d > 1)) throw invalidArgument('strides > 1 not supported in conjunction with dilation_rate > 1');
  const g = graphOf(input, filter);
  return g.nameScope(o.name ?? 'depthwise', (scope) => {
    const x = toTensor(g, input, dtypeOf(input, filter), 'tensor_in');
    const f = toTensor(g, filter, x.dtype, 'filter_in');
    return makeNode(g, 'DepthwiseConv2dNative', [x, f], { T: x.dtype, strides: st, padding, data_format: o.dataFormat, dilations: dil },
      null, scope).outputs[0];
  });
}

export interface Conv2DTransposeOptions extends OpOptions { dataFormat?: string; dilations?: IntOrList }

/**
 * The transpose (gradient) of conv2d (op Conv2DBackpropInput named `conv2d_transpose`):
 * `value` [batch, h, w, outChannels] through `filter` [h, w, inChannels, outChannels] to
 * `outputShape` (4 or 2 ints, or an int32 Tensor).
 * @example tf.nn.conv2dTranspose(y, w, [1, 8, 8, 3], 2, 'SAME')
 */
export function conv2dTranspose(value: TensorLike, filter: TensorLike, outputShape: number[] | Tensor, strides: IntOrList,
                                padding: Padding = 'SAME', options?: Conv2DTransposeOptions | string): Tensor {
  const o = opts(options, { dataFormat: true, dilations: true });
  const format = o.dataFormat ?? 'NHWC';
  const c = channelIndex(format);
  const st = getSequence(strides, 2, c, 'strides'), dil = getSequence(o.dilations, 2, c, 'dilations');
  const [pad, explicit] = convertPadding(padding);
  const g = graphOf(value, filter, outputShape);
  return g.nameScope(o.name ?? 'conv2d_transpose', (scope) => {
    const sizes = outputShape instanceof Tensor ? outputShape : toTensor(g, shapeLike(outputShape, 'output_shape'), undefined, 'input_sizes');
    const dtype = dtypeOf(filter, value);
    const f = toTensor(g, filter, dtype, 'filter'), dy = toTensor(g, value, dtype, 'out_backprop');
    return makeNode(g, 'Conv2DBackpropInput', [sizes, f, dy], {
      T: f.dtype, strides: st, padding: pad, explicit_paddings: explicit, data_format: format, dilations: dil,
    }, null, scope).outputs[0];
  });
}

/**
 * tf.nn.conv2d, also with TF's explicit padding: `padding` [[0, 0], [top, bottom], [left, right], [0, 0]]
 * builds Conv2D with padding EXPLICIT. SAME and VALID are the core builder's.
 */
export function conv2d(input: TensorLike, filter: TensorLike, strides: IntOrList | Conv2DOptions, padding?: Padding,
                       options?: Conv2DOptions | string): Tensor {
  if (isOptions<Conv2DOptions>(strides)) {
    options = strides;
    padding = (strides as { padding?: Padding }).padding;
    strides = strides.strides ?? 1;
  }
  if (!Array.isArray(padding)) return coreNn.conv2d(input, filter, strides, padding, options);
  const o = opts(options, CONV2D_KEYS);
  const [, explicit] = convertPadding(padding);
  const st = getSequence(strides, 2, 3, 'strides'), dil = getSequence(o.dilations, 2, 3, 'dilations');
  const g = graphOf(input, filter);
  return g.nameScope(o.name ?? 'Conv2D', (scope) => {
    const x = toTensor(g, input, dtypeOf(input, filter), 'input'), f = toTensor(g, filter, x.dtype, 'filter');
    return makeNode(g, 'Conv2D', [x, f], {
      T: x.dtype, strides: st, use_cudnn_on_gpu: o.useCudnnOnGpu ?? true, padding: 'EXPLICIT', explicit_paddings: explicit,
      data_format: 'NHWC', dilations: dil,
    }, null, scope).outputs[0];
  });
}

// ---- normalization ----------------------------------------------------------------------------

export interface FusedBatchNormOptions extends OpOptions {
  /** Default 0.001; values below 1.001e-5 are raised to it (cuDNN's minimum, as TF). */
  epsilon?: number;
  dataFormat?: string;
  /** Default true (TF's): normalize with the batch statistics. */
  isTraining?: boolean;
  exponentialAvgFactor?: number;
}

/**
 * Batch normalization of a 4-D (or 5-D) tensor (op FusedBatchNormV3), as TF1's
 * tf.nn.fused_batch_norm: returns [y, batchMean, batchVariance]. For inference pass
 * `isTraining: false` with the population `mean` and `variance`; training (the default)
 * normalizes with the batch statistics and returns them (the variance Bessel-corrected).
 * @example const [y] = tf.nn.fusedBatchNorm(x, gamma, beta, movingMean, movingVar, { isTraining: false })
 */
export function fusedBatchNorm(x: TensorLike, scale: TensorLike, offset: TensorLike, mean?: TensorLike | null, variance?: TensorLike | null,
                               options?: FusedBatchNormOptions | string): [Tensor, Tensor, Tensor] {
  const o = opts(options, { epsilon: true, dataFormat: true, isTraining: true, exponentialAvgFactor: true });
  const isTraining = o.isTraining ?? true, factor = o.exponentialAvgFactor ?? 1;
  const g = graphOf(x, scale, offset, mean, variance);
  const xt = toTensor(g, x, undefined, 'input');
  const s = toTensor(g, scale, undefined, 'scale'), b = toTensor(g, offset, undefined, 'offset');
  if (mean === undefined || mean === null || variance === undefined || variance === null) {
    if (!isTraining || factor !== 1)
      throw invalidArgument('Both `mean` and `variance` must be a 1D tensor when `is_training` is False or `exponential_avg_factor` != 1.0. ' +
        `Received: \`mean\` ${mean ?? 'None'} and \`variance\` ${variance ?? 'None'}`);
    mean = toTensor(g, new Float32Array(0), undefined, 'Const');
    variance = toTensor(g, new Float32Array(0), undefined, 'Const');
  }
  const epsilon = Math.max(o.epsilon ?? 0.001, 1.001e-5);
  const m = mean, v = variance;
  return g.nameScope(o.name ?? 'FusedBatchNormV3', (scope) => {
    const mt = toTensor(g, m, s.dtype, 'mean'), vt = toTensor(g, v, s.dtype, 'variance');
    const outs = makeNode(g, 'FusedBatchNormV3', [xt, s, b, mt, vt], {
      T: xt.dtype, U: s.dtype, epsilon, exponential_avg_factor: factor, data_format: o.dataFormat ?? 'NHWC', is_training: isTraining,
    }, null, scope).outputs;
    return [outs[0], outs[1], outs[2]];
  });
}

export interface LRNOptions extends OpOptions { depthRadius?: number; bias?: number; alpha?: number; beta?: number }

/**
 * Local response normalization (op LRN) across the last dimension of a 4-D input:
 * x / (bias + alpha · Σ x² over the 2·depthRadius + 1 neighbouring channels)^beta.
 */
export function lrn(input: TensorLike, depthRadius?: number | LRNOptions, bias?: number, alpha?: number, beta?: number,
                    options?: LRNOptions | string): Tensor {
  const keys = { depthRadius: true, bias: true, alpha: true, beta: true } as const;
  let o: Partial<LRNOptions> = opts(options, keys);
  if (isOptions<LRNOptions>(depthRadius)) o = { ...opts(depthRadius, keys), ...o };
  else o = { depthRadius, bias, alpha, beta, ...o };
  const g = graphOf(input);
  return g.nameScope(o.name ?? 'LRN', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    return makeNode(g, 'LRN', [x], { T: x.dtype, depth_radius: o.depthRadius, bias: o.bias, alpha: o.alpha, beta: o.beta }, null, scope).outputs[0];
  });
}
export const localResponseNormalization = lrn;

// ---- softmax family and losses ----------------------------------------------------------------

/** Transposes axes a and b of x, if this build has the Transpose op (non-last softmax axes need it). */
function swapAxes(g: Graph, x: Tensor, a: number, b: number): Tensor {
  if (!findOpDef('Transpose')) throw new UnimplementedError(null, null, 'softmax over a non-last axis needs the Transpose op');
  const perm = [...Array(x.shape!.length).keys()];
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return g.nameScope('transpose', (scope) => {
    const p = toTensor(g, Int32Array.from(perm), 'int32', 'perm');
    return makeNode(g, 'Transpose', [x, p], { T: x.dtype, Tperm: 'int32' }, null, scope).outputs[0];
  });
}

/**
 * log(softmax(logits)) over `axis` (default the last; op LogSoftmax). Other axes are swapped
 * to the end and back, as TF does.
 */
export function logSoftmax(logits: TensorLike, axis?: number | (OpOptions & { axis?: number }), options?: OpOptions | string): Tensor {
  let o: OpOptions & { axis?: number } = opts(options);
  if (isOptions<OpOptions & { axis?: number }>(axis)) o = { ...opts(axis, { axis: true }), ...o };
  else if (axis !== undefined) o = { ...o, axis };
  const g = graphOf(logits);
  const x = toTensor(g, logits, undefined, 'Const');
  const ax = o.axis ?? -1, rank = x.shape === null ? null : x.shape.length;
  if (ax === -1 || ax === (rank ?? 0) - 1) return makeNode(g, 'LogSoftmax', [x], { T: x.dtype }, null, o.name).outputs[0];
  if (rank === null) throw invalidArgument(`logSoftmax over axis ${ax} needs the rank of the logits`);
  const a = ax < 0 ? ax + rank : ax;
  if (a < 0 || a >= rank)
    throw invalidArgument(`\`axis\` must be in the range [0, ${rank}) where ${rank} is the number of dimensions in the input. Received: axis=${ax}`);
  const y = makeNode(g, 'LogSoftmax', [swapAxes(g, x, a, rank - 1)], { T: x.dtype }, null, o.name).outputs[0];
  return swapAxes(g, y, a, rank - 1);
}

export interface XentArgs extends OpOptions {
  labels: TensorLike;
  logits: TensorLike;
  /** The class dimension (default -1, the last; TF1's `dim`). */
  axis?: number;
  dim?: number;
}

const XENT_KEYS = { labels: true, logits: true, axis: true, dim: true } as const;

/** `dims` as a Reshape target: known dims, with one unknown as -1; null if more are unknown. */
function reshapeTarget(dims: (number | null)[]): number[] | null {
  if (dims.filter((d) => d === null).length > 1) return null;
  return dims.map((d) => d ?? -1);
}

/** softmax_cross_entropy_with_logits_v2's body, inside `scope`: flattens to [batch, classes] if needed. */
function xent(g: Graph, scope: string, labelsIn: TensorLike, logitsIn: TensorLike, axis: number): Tensor {
  return g.nameScope(scope, (sc) => {
    const logits = toTensor(g, logitsIn, undefined, 'logits');
    const labels = cast(toTensor(g, labelsIn, logits.dtype, 'labels'), logits.dtype);
    const shape = logits.shape;
    if (shape === null) throw new UnimplementedError(null, null, 'softmaxCrossEntropyWithLogits needs logits of known rank');
    if (axis !== -1 && axis !== shape.length - 1) throw new UnimplementedError(null, null, 'softmaxCrossEntropyWithLogits over a non-last axis');
    if (shape.length === 2) return makeNode(g, 'SoftmaxCrossEntropyWithLogits', [logits, labels], { T: logits.dtype }, null, sc).outputs[0];
    const classes = shape[shape.length - 1];
    const outer = reshapeTarget(shape.slice(0, -1));
    if (classes === null || outer === null) throw new UnimplementedError(null, null, 'softmaxCrossEntropyWithLogits of rank != 2 needs static class and batch dims');
    const x2 = reshape(logits, [-1, classes]), l2 = reshape(labels, [-1, classes]);
    const cost = makeNode(g, 'SoftmaxCrossEntropyWithLogits', [x2, l2], { T: logits.dtype }, null, sc).outputs[0];
    return reshape(cost, outer);
  });
}

/**
 * Softmax cross entropy between `logits` and a probability distribution `labels` per row
 * (op SoftmaxCrossEntropyWithLogits; gradients do not flow into the labels, as TF1's).
 * Returns the loss, one value per row.
 * @example const loss = tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits })
 */
export function softmaxCrossEntropyWithLogits(args: XentArgs): Tensor {
  opts(args, XENT_KEYS);
  const g = graphOf(args.logits, args.labels);
  return g.nameScope(args.name ?? 'softmax_cross_entropy_with_logits_sg', (scope) => {
    let labels = args.labels;
    if (findOpDef('StopGradient')) {
      const l = toTensor(g, labels, args.logits instanceof Tensor ? args.logits.dtype : undefined, 'labels_stop_gradient/input');
      labels = makeNode(g, 'StopGradient', [l], { T: l.dtype }, null, 'labels_stop_gradient').outputs[0];
    }
    return xent(g, scope, labels, args.logits, args.axis ?? args.dim ?? -1);
  });
}

/** As softmaxCrossEntropyWithLogits, with gradients into the labels too (TF1's _v2). */
export function softmaxCrossEntropyWithLogitsV2(args: XentArgs): Tensor {
  opts(args, XENT_KEYS);
  const g = graphOf(args.logits, args.labels);
  return g.nameScope(args.name ?? 'softmax_cross_entropy_with_logits', (scope) => xent(g, scope, args.labels, args.logits, args.axis ?? args.dim ?? -1));
}

export interface SparseXentArgs extends OpOptions { labels: TensorLike; logits: TensorLike }

/**
 * Softmax cross entropy with integer class `labels` (int32 or int64; JS numbers become int32)
 * of rank rank(logits) - 1 (op SparseSoftmaxCrossEntropyWithLogits). A label outside
 * [0, classes) fails at run time with InvalidArgumentError.
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: SparseXentArgs): Tensor {
  opts(args, { labels: true, logits: true });
  const g = graphOf(args.labels, args.logits);
  return g.nameScope(args.name ?? 'SparseSoftmaxCrossEntropyWithLogits', () => {
    const plain = !(args.labels instanceof Tensor || args.labels instanceof NDArray || ArrayBuffer.isView(args.labels));
    const labels = toTensor(g, args.labels, plain ? 'int32' : undefined, 'Const');
    const logits = toTensor(g, args.logits, undefined, 'Const');
    const ls = labels.shape, xs = logits.shape;
    if (xs !== null && xs.length === 0) throw invalidArgument(`\`logits\` cannot be a scalar. Received logits shape=${pyShape(xs)}`);
    if (xs !== null && ls !== null && ls.length !== xs.length - 1)
      throw invalidArgument(`\`labels.shape.rank\` must equal \`logits.shape.rank - 1\`. Received: labels.shape=${pyShape(ls)} of rank ${ls.length} and logits.shape=${pyShape(xs)} of rank ${xs.length}`);
    const known = (s: StaticShape): s is number[] => s !== null && s.every((d) => d !== null);
    if (known(ls) && xs !== null && known(xs.slice(0, -1)) && ls.some((d, i) => d !== xs[i]))
      throw invalidArgument(`\`labels.shape\` must equal \`logits.shape\` except for the last dimension. Received: labels.shape=${pyShape(ls)} and logits.shape=${pyShape(xs)}`);
    const build = (x: Tensor, l: Tensor) => makeNode(g, 'SparseSoftmaxCrossEntropyWithLogits', [x, l], { T: x.dtype, Tlabels: l.dtype }, null, undefined).outputs[0];
    if (xs !== null && xs.length === 2) return build(logits, labels);
    const classes = xs === null ? null : xs[xs.length - 1];
    const outer = ls === null ? null : reshapeTarget(ls);
    if (classes === null || outer === null) throw new UnimplementedError(null, null, 'sparseSoftmaxCrossEntropyWithLogits of rank != 2 needs static class and batch dims');
    return reshape(build(reshape(logits, [-1, classes]), reshape(labels, [-1])), outer);
  });
}

/** sum(t²) / 2 (op L2Loss), a scalar. */
export function l2Loss(t: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(t);
  return g.nameScope(opts(options).name ?? 'L2Loss', (scope) => {
    const x = toTensor(g, t, undefined, 't');
    return makeNode(g, 'L2Loss', [x], { T: x.dtype }, null, scope).outputs[0];
  });
}

/** tf.nn */
export const nn = {
  ...coreNn, conv2d, biasAdd, maxPool, maxPool2d, avgPool, avgPool2d, depthwiseConv2d, conv2dTranspose,
  logSoftmax, fusedBatchNorm, lrn, localResponseNormalization,
  softmaxCrossEntropyWithLogits, softmaxCrossEntropyWithLogitsV2, sparseSoftmaxCrossEntropyWithLogits, l2Loss,
  relu6, elu, selu, leakyRelu, softplus, softsign, topK, sigmoid, tanh, dropout,
};
