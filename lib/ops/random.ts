// The random op builders (TF1's python/ops/random_ops.py and nn_ops.dropout, camelCase), TF's
// seed rule (python/framework/random_seed.py get_seed) and the graph seed (tf.setRandomSeed).
// Ops: lib/ops/defs/random.ts; kernels with TF's values: native/kernels/random.cc.
import { DType, asDType, isFloat } from '../dtypes';
import { invalidArgument } from '../errors';
import { Graph, Tensor, getDefaultGraph } from '../graph';
import { OpOptions, TensorLike, add, cast, constIn, graphOf, makeNode, multiply, opts, shapeLike, subtract, toTensor } from './builders';
import { greaterEqual, whereV2 } from './math';
import { shape as shapeOf } from './array';

/** Shapes the random ops take: a JS array (an int32 Const, int64 if a dim needs it) or an int Tensor. */
export type ShapeArg = readonly number[] | Tensor;

const DEFAULT_GRAPH_SEED = 87654321;
const MAXINT32 = 2 ** 31 - 1;
// Op seeds handed out per graph to ops without one while a graph seed is set.
const opSeedCounters = new WeakMap<Graph, number>();

function checkSeed(seed: number, what: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw invalidArgument(`${what} must be an integer, got ${String(seed)}`);
  return seed;
}
/** Python's `seed % (2**31 - 1)` (never negative). */
const truncateSeed = (s: number) => ((s % MAXINT32) + MAXINT32) % MAXINT32;

/**
 * Sets the graph-level random seed of the default graph (TF1's tf.set_random_seed; null clears
 * it). Random ops built afterwards derive their seeds from it (see getSeed).
 * @example tf.setRandomSeed(42); const x = tf.randomUniform([3]);  // the same values in every process
 */
export function setRandomSeed(seed: number | null): void {
  getDefaultGraph().seed = seed === null ? null : checkSeed(seed, 'seed');
}

/**
 * TF's random_seed.get_seed: the (seed, seed2) attrs of a new random op from the graph seed and
 * its own `opSeed`. Graph seed G and op seed S give (G, S); G alone gives (G, n) with n counting
 * the seedless random ops of this graph 0, 1, 2, ... (TF 2.x's `tf.compat.v1` rule, which the
 * golden data come from; TF 1.15 used the graph's last op id instead, so seedless ops under a
 * graph seed get other streams there); S alone gives (87654321, S); neither gives (0, 0), which
 * the kernel turns into fresh random seeds. Both are taken modulo 2^31 - 1; (0, 0) becomes
 * (0, 2^31 - 1) so that it stays deterministic.
 */
export function getSeed(opSeed?: number | null, graph: Graph = getDefaultGraph()): [number, number] {
  const g = graph.seed;
  let seeds: [number, number];
  if (g !== null && g !== undefined) {
    let s = opSeed;
    if (s === undefined || s === null) {
      s = opSeedCounters.get(graph) ?? 0;
      opSeedCounters.set(graph, s + 1);
    }
    seeds = [truncateSeed(g), truncateSeed(checkSeed(s, 'seed'))];
  } else if (opSeed !== undefined && opSeed !== null) seeds = [DEFAULT_GRAPH_SEED, truncateSeed(checkSeed(opSeed, 'seed'))];
  else return [0, 0];
  return seeds[0] === 0 && seeds[1] === 0 ? [0, MAXINT32] : seeds;
}

/** TF's shape_tensor: a Tensor as is (int32/int64), a JS array as a Const named `shape`. */
function shapeTensor(g: Graph, shape: ShapeArg): Tensor {
  if (shape instanceof Tensor) {
    if (shape.dtype !== 'int32' && shape.dtype !== 'int64') throw invalidArgument(`shape must be an int32 or int64 tensor, got ${shape.dtype}`);
    return toTensor(g, shape, undefined, 'shape');
  }
  return constIn(g, shapeLike(shape, 'shape'), undefined, 'shape');
}

function randomDType(dtype: DType | undefined, allowed: readonly DType[]): DType {
  const d = asDType(dtype ?? 'float32');
  if (!allowed.includes(d)) throw invalidArgument(`Argument \`dtype\` got invalid value ${d}. Accepted dtypes are (${allowed.join(', ')}).`);
  return d;
}

interface SeedOptions extends OpOptions { seed?: number | null }
export interface RandomUniformOptions extends SeedOptions { minval?: TensorLike; maxval?: TensorLike; dtype?: DType }
export interface RandomNormalOptions extends SeedOptions { mean?: TensorLike; stddev?: TensorLike; dtype?: DType }

/**
 * Uniform values in [minval, maxval) (TF1's tf.random_uniform). Floats: RandomUniform, then
 * `rnd * (max - min) + min` in scope `random_uniform` (nodes shape, min, max, RandomUniform, sub,
 * mul and the Add named as the scope). Integers: RandomUniformInt (maxval required).
 * @example tf.randomUniform([2, 3], { minval: -1, maxval: 1, seed: 7 })
 */
export function randomUniform(shape: ShapeArg, options: RandomUniformOptions | string = {}): Tensor {
  const o = opts(options, { minval: true, maxval: true, dtype: true, seed: true });
  const dtype = randomDType(o.dtype, ['float32', 'float64', 'int32', 'int64']);
  const isInt = !isFloat(dtype);
  if (o.maxval === undefined && isInt) throw invalidArgument(`Must specify maxval for integer dtype tf.${dtype}`);
  const g = graphOf(shape, o.minval, o.maxval);
  return g.nameScope(o.name ?? 'random_uniform', (scope) => {
    const s = shapeTensor(g, shape);
    const min = toTensor(g, o.minval ?? 0, dtype, 'min'), max = toTensor(g, o.maxval ?? 1, dtype, 'max');
    const [seed, seed2] = getSeed(o.seed, g);
    if (isInt) return makeNode(g, 'RandomUniformInt', [s, min, max], { seed, seed2, Tout: dtype, T: s.dtype }, null, scope).outputs[0];
    const rnd = makeNode(g, 'RandomUniform', [s], { seed, seed2, dtype, T: s.dtype }, null, undefined).outputs[0];
    return add(multiply(rnd, subtract(max, min, { name: 'sub' }), { name: 'mul' }), min, { name: scope });
  });
}

/** random_normal / truncated_normal: `rnd * stddev + mean` in scope `defaultName`. */
function normal(type: 'RandomStandardNormal' | 'TruncatedNormal', defaultName: string, shape: ShapeArg, options: RandomNormalOptions | string): Tensor {
  const o = opts(options, { mean: true, stddev: true, dtype: true, seed: true });
  const dtype = randomDType(o.dtype, ['float32', 'float64']);
  const g = graphOf(shape, o.mean, o.stddev);
  return g.nameScope(o.name ?? defaultName, (scope) => {
    const s = shapeTensor(g, shape);
    const mean = toTensor(g, o.mean ?? 0, dtype, 'mean'), stddev = toTensor(g, o.stddev ?? 1, dtype, 'stddev');
    const [seed, seed2] = getSeed(o.seed, g);
    const rnd = makeNode(g, type, [s], { seed, seed2, dtype, T: s.dtype }, null, undefined).outputs[0];
    return add(multiply(rnd, stddev, { name: 'mul' }), mean, { name: scope });
  });
}

/**
 * Normal(mean, stddev) values (TF1's tf.random_normal: RandomStandardNormal, mul, add).
 * @example tf.randomNormal([784, 10], { stddev: 0.1, seed: 1 })
 */
export const randomNormal = (shape: ShapeArg, options: RandomNormalOptions | string = {}) => normal('RandomStandardNormal', 'random_normal', shape, options);
/**
 * Normal values redrawn until within two standard deviations of the mean (TF1's tf.truncated_normal).
 * @example new tf.Variable(tf.truncatedNormal([784, 10], { stddev: 0.1, seed: 1 }), { name: 'w' })
 */
export const truncatedNormal = (shape: ShapeArg, options: RandomNormalOptions | string = {}) => normal('TruncatedNormal', 'truncated_normal', shape, options);

/**
 * `value` with its first dimension shuffled (RandomShuffle; TF's Fisher-Yates over the rows).
 * @example tf.randomShuffle(tf.range(10), { seed: 3 })
 */
export function randomShuffle(value: TensorLike, options: SeedOptions | string = {}): Tensor {
  const o = opts(options, { seed: true });
  const g = graphOf(value);
  const [seed, seed2] = getSeed(o.seed, g);
  return g.nameScope(o.name ?? 'RandomShuffle', (scope) => {
    const v = toTensor(g, value, undefined, 'value');
    return makeNode(g, 'RandomShuffle', [v], { seed, seed2, T: v.dtype }, null, scope).outputs[0];
  });
}

export interface MultinomialOptions extends SeedOptions { outputDtype?: DType }
export interface CategoricalOptions extends SeedOptions { dtype?: DType }

/** multinomial / categorical: the Multinomial op in scope `defaultName`. */
function sample(defaultName: string, logits: TensorLike, numSamples: TensorLike, name: string | undefined, seedArg: number | null | undefined,
                outDType: DType | undefined): Tensor {
  const g = graphOf(logits, numSamples);
  return g.nameScope(name ?? defaultName, () => {
    const l = toTensor(g, logits, undefined, 'logits');
    const dtype = asDType(outDType ?? 'int64');
    if (dtype !== 'int32' && dtype !== 'int64') throw invalidArgument(`Argument \`dtype\` got invalid value ${dtype}. Accepted dtypes are (int32, int64).`);
    const [seed, seed2] = getSeed(seedArg, g);
    return g.nameScope('Multinomial', (scope) => {
      const n = toTensor(g, numSamples, 'int32', 'num_samples');
      return makeNode(g, 'Multinomial', [l, n], { seed, seed2, T: l.dtype, output_dtype: dtype }, null, scope).outputs[0];
    });
  });
}

/**
 * `numSamples` class indices per row of `logits` [batch, classes] (unnormalized log-probabilities),
 * as TF1's tf.multinomial: int64 unless `outputDtype`.
 * @example tf.multinomial(tf.log([[0.5, 0.5]]), 5, { seed: 1 })
 */
export function multinomial(logits: TensorLike, numSamples: TensorLike, options: MultinomialOptions | string = {}): Tensor {
  const o = opts(options, { outputDtype: true, seed: true });
  return sample('multinomial', logits, numSamples, o.name, o.seed, o.outputDtype);
}
/** TF's tf.random.categorical: multinomial in scope `categorical`, its output dtype as `dtype`. */
export function categorical(logits: TensorLike, numSamples: TensorLike, options: CategoricalOptions | string = {}): Tensor {
  const o = opts(options, { dtype: true, seed: true });
  return sample('categorical', logits, numSamples, o.name, o.seed, o.dtype);
}

export interface DropoutOptions extends SeedOptions {
  /** The probability of dropping each element, in [0, 1) (a number or a scalar Tensor). */
  rate?: number | Tensor;
  /** TF1's older form: the probability of keeping (rate = 1 - keepProb). */
  keepProb?: number;
  /** The shape of the keep/drop mask, broadcast against x (null dims take x's). */
  noiseShape?: readonly (number | null)[] | Tensor;
}

/**
 * Zeroes each element of `x` with probability `rate` and scales the rest by 1 / (1 - rate), as
 * TF's tf.nn.dropout: in scope `dropout`, Mul(x, 1/(1-rate)), a RandomUniform mask compared with
 * GreaterEqual(u, rate), SelectV2(mask, scaled, 0). Rate 0 returns `x` itself (TF still advances
 * the op-seed counter). The scale is 1/(1-rate) computed in double, then rounded to x's dtype.
 * A number in place of the options is TF1's positional keep_prob.
 * @example tf.nn.dropout(h, { rate: 0.5, seed: 1 })
 */
export function dropout(x: TensorLike, options: DropoutOptions | number = {}): Tensor {
  if (typeof options === 'number') options = { keepProb: options };  // TF1's positional keep_prob
  else opts(options, { rate: true, keepProb: true, noiseShape: true, seed: true });  // unknown keys: TypeError
  if (options.rate === undefined && options.keepProb === undefined) throw invalidArgument('`rate` must be provided. Received: rate=None');
  const rate = options.rate ?? 1 - options.keepProb!;
  const g = graphOf(x, rate);
  return g.nameScope(options.name ?? 'dropout', () => {
    if (typeof rate === 'number' && !(rate >= 0 && rate < 1))
      throw invalidArgument(`\`rate\` must be a scalar tensor or a float in the range [0, 1). Received: rate=${rate}`);
    const t = toTensor(g, x, undefined, 'x');
    if (!isFloat(t.dtype)) throw invalidArgument(`\`x.dtype\` must be a floating point tensor as \`x\` will be scaled. Received: x_dtype=${t.dtype}`);
    if (rate === 0) { getSeed(options.seed, g); return t; }
    let scaled: Tensor, r: Tensor | number = rate;
    if (typeof rate === 'number') {
      scaled = makeNode(g, 'Mul', [t, constIn(g, 1 / (1 - rate), t.dtype, 'Const')], { T: t.dtype }, null, 'Mul').outputs[0];
    } else {
      if (rate.shape !== null && rate.shape.length !== 0)
        throw invalidArgument(`Shape (${rate.shape.map((d) => d ?? 'None').join(', ')}${rate.shape.length === 1 ? ',' : ''}) must have rank 0`);
      r = cast(rate, t.dtype, { name: 'rate' });
      const keep = makeNode(g, 'Sub', [constIn(g, 1, t.dtype, 'Const'), r], { T: t.dtype }, null, 'Sub').outputs[0];
      scaled = makeNode(g, 'RealDiv', [t, keep], { T: t.dtype }, null, 'RealDiv').outputs[0];
    }
    const u = randomUniform(noiseShape(t, options.noiseShape), { dtype: t.dtype, seed: options.seed });
    const mask = greaterEqual(u, r);
    return whereV2(mask, scaled, constIn(g, 0, t.dtype, 'Const'));
  });
}

/** TF's _get_noise_shape: x's shape by default; null dims of a given list take x's static dims. */
function noiseShape(x: Tensor, given: DropoutOptions['noiseShape']): ShapeArg {
  if (given === undefined) return shapeOf(x);
  if (given instanceof Tensor) return given;
  const xs = x.shape;
  const dims = given.map((d, i) => (d === null && xs !== null && xs.length === given.length ? xs[i] : d));
  if (dims.some((d) => d === null)) throw invalidArgument(`noiseShape ${JSON.stringify(given)} has unknown dims that x's shape does not fill`);
  return dims as number[];
}

/** tf.random: TF's namespace names for the same builders. */
export const random = {
  uniform: randomUniform, normal: randomNormal, truncatedNormal, shuffle: randomShuffle, categorical, multinomial,
  setRandomSeed, setSeed: setRandomSeed,
};
