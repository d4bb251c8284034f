// Issue 9: every op builder (and the variable, initializer and gradient entry points) rejects an
// unknown key in its options object with a TypeError naming the key and the accepted ones, and
// still takes its valid keys. The table below holds one small valid call per builder; the last
// test makes sure it covers every builder the README op table names (scripts/op-builders.ts)
// and every function exported as tf.*, tf.nn.* and tf.rawOps.* that is not listed as a
// non-builder, so a builder added later without a row here fails.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { builderNames } from '../../scripts/op-builders';

beforeEach(() => tf.resetDefaultGraph());

type Opt = Record<string, unknown>;
type Call = (o: Opt) => unknown;
const x = () => tf.constant([[1, 2], [3, 4]]);
const img = () => tf.constant(new Float32Array(16).fill(1), 'float32', [1, 4, 4, 1]);
const filt = () => tf.constant(new Float32Array(4).fill(1), 'float32', [2, 2, 1, 1]);
const bools = () => tf.constant([true, false]);
const variable = () => new tf.Variable(x(), { name: 'v' });
const fn = (path: string): ((...a: unknown[]) => unknown) =>
  path.split('.').slice(1).reduce((o: any, k) => o[k], tf) as (...a: unknown[]) => unknown;

const UNARY = ['abs', 'ceil', 'cos', 'erf', 'erfc', 'exp', 'expm1', 'floor', 'isFinite', 'isNan', 'log', 'log1p', 'negative',
  'reciprocal', 'rsqrt', 'sigmoid', 'sign', 'sin', 'softplus', 'softsign', 'sqrt', 'square', 'tanh', 'relu6', 'elu', 'selu',
  'identity', 'snapshot', 'stopGradient', 'round', 'shape', 'size', 'rank', 'zerosLike', 'onesLike', 'leakyRelu', 'squeeze',
  'transpose', 'unstack', 'reduceSum', 'reduceMean', 'reduceMax', 'reduceMin', 'reduceProd', 'argmax', 'argmin', 'cumsum',
  'topK', 'nn.relu', 'nn.softmax', 'nn.l2Loss', 'nn.logSoftmax', 'nn.lrn', 'rawOps.Round'];
const BINARY = ['add', 'subtract', 'multiply', 'divide', 'maximum', 'minimum', 'addV2', 'div', 'divNoNan', 'divideNoNan',
  'floordiv', 'floormod', 'mod', 'pow', 'squaredDifference', 'equal', 'notEqual', 'less', 'lessEqual', 'greater',
  'greaterEqual', 'matmul', 'batchMatMul', 'rawOps.Div', 'rawOps.AddV2'];

/** builder -> [a call taking the options object, a valid options object besides `{ name }` (null: name only)]. */
const CALLS: Record<string, [Call, Opt | null]> = {
  ...Object.fromEntries(UNARY.map((n) => [`tf.${n}`, [(o: Opt) => fn(`tf.${n}`)(n.startsWith('nn.lrn') ? img() : x(), o), null]])),
  ...Object.fromEntries(BINARY.map((n) => [`tf.${n}`, [(o: Opt) => fn(`tf.${n}`)(x(), x(), o), null]])),
  'tf.logicalAnd': [(o) => tf.logicalAnd(bools(), bools(), o), null],
  'tf.logicalOr': [(o) => tf.logicalOr(bools(), bools(), o), null],
  'tf.logicalNot': [(o) => tf.logicalNot(bools(), o), null],
  'tf.reduceAny': [(o) => tf.reduceAny(bools(), o), { axis: 0, keepDims: true }],
  'tf.reduceAll': [(o) => tf.reduceAll(bools(), 0, o), { keepDims: false }],
  'tf.addN': [(o) => tf.addN([x(), x()], o), null],
  'tf.broadcastTo': [(o) => tf.broadcastTo(tf.constant([1, 2]), [2, 2], o), null],
  'tf.cast': [(o) => tf.cast(x(), 'int32', o), null],
  'tf.clipByValue': [(o) => tf.clipByValue(x(), 0, 1, o), null],
  'tf.rawOps.ClipByValue': [(o) => tf.rawOps.ClipByValue(x(), 0, 1, o), null],
  'tf.concat': [(o) => tf.concat([x(), x()], 0, o), null],
  'tf.constant': [(o) => tf.constant(1, o as never), { dtype: 'int32', shape: [2] }],
  'tf.einsum': [(o) => tf.einsum('ij,jk->ik', x(), x(), o), null],
  'tf.expandDims': [(o) => tf.expandDims(x(), 0, o), null],
  'tf.fill': [(o) => tf.fill([2], 1, o), null],
  'tf.gather': [(o) => tf.gather(x(), [0], o), { axis: 1, batchDims: 0 }],
  'tf.gatherNd': [(o) => tf.gatherNd(x(), [[0]], o), null],
  'tf.group': [(o) => tf.group(x().op, o), null],
  'tf.noOp': [(o) => tf.noOp(o), null],
  'tf.identityN': [(o) => tf.identityN([x(), x()], o), null],
  'tf.oneHot': [(o) => tf.oneHot([0, 1], 3, o), { onValue: 5, offValue: 0, axis: 0, dtype: 'float32' }],
  'tf.pad': [(o) => tf.pad(x(), [[1, 1], [0, 0]], o), { mode: 'REFLECT', constantValues: 0 }],
  'tf.placeholder': [(o) => tf.placeholder('float32', o as never), { shape: [2] }],
  'tf.placeholderWithDefault': [(o) => tf.placeholderWithDefault(x(), [2, 2], o), null],
  'tf.range': [(o) => tf.range(5, o), { dtype: 'float32' }],
  'tf.reshape': [(o) => tf.reshape(x(), [4], o), null],
  'tf.reverse': [(o) => tf.reverse(x(), [0], o), null],
  'tf.scatterNd': [(o) => tf.scatterNd([[0]], [1], [2], o), null],
  'tf.slice': [(o) => tf.slice(x(), [0, 0], [1, 1], o), null],
  'tf.split': [(o) => tf.split(x(), 2, 0, o), { num: 2 }],
  'tf.stack': [(o) => tf.stack([x(), x()], o), { axis: 1 }],
  'tf.stridedSlice': [(o) => tf.stridedSlice(x(), [0], [1], o), { beginMask: 1, endMask: 1, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 }],
  'tf.tile': [(o) => tf.tile(x(), [1, 2], o), null],
  'tf.where': [(o) => tf.where(bools(), [1, 2], [3, 4], o), null],
  'tf.whereV2': [(o) => tf.whereV2(bools(), [1, 2], [3, 4], o), null],
  'tf.nn.avgPool': [(o) => tf.nn.avgPool(img(), 2, 1, 'VALID', o), { dataFormat: 'NHWC' }],
  'tf.nn.maxPool': [(o) => tf.nn.maxPool(img(), 2, 1, 'VALID', o), { dataFormat: 'NHWC' }],
  'tf.nn.avgPool2d': [(o) => tf.nn.avgPool2d(img(), { ksize: 2, strides: 1, padding: 'VALID', ...o }), null],
  'tf.nn.maxPool2d': [(o) => tf.nn.maxPool2d(img(), { ksize: 2, strides: 1, padding: 'VALID', ...o }), null],
  'tf.nn.biasAdd': [(o) => tf.nn.biasAdd(x(), [1, 2], o), { dataFormat: 'NHWC' }],
  'tf.nn.conv2d': [(o) => tf.nn.conv2d(img(), filt(), 1, 'VALID', o), { dilations: 1, dataFormat: 'NHWC', useCudnnOnGpu: true }],
  'tf.nn.conv2dTranspose': [(o) => tf.nn.conv2dTranspose(tf.constant(new Float32Array(9), 'float32', [1, 3, 3, 1]), filt(), [1, 4, 4, 1], 1, 'VALID', o),
    { dataFormat: 'NHWC', dilations: 1 }],
  'tf.nn.depthwiseConv2d': [(o) => tf.nn.depthwiseConv2d(img(), filt(), [1, 1, 1, 1], 'VALID', o), { rate: 1, dataFormat: 'NHWC' }],
  'tf.nn.fusedBatchNorm': [(o) => tf.nn.fusedBatchNorm(img(), [1], [0], null, null, o), { epsilon: 0.01, isTraining: true }],
  'tf.nn.softmaxCrossEntropyWithLogits': [(o) => tf.nn.softmaxCrossEntropyWithLogits({ labels: x(), logits: x(), ...o } as never), { axis: -1 }],
  'tf.nn.softmaxCrossEntropyWithLogitsV2': [(o) => tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: x(), logits: x(), ...o } as never), { dim: -1 }],
  'tf.nn.sparseSoftmaxCrossEntropyWithLogits': [(o) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 1], logits: x(), ...o } as never), null],
  // variables, initializers, gradients
  'tf.Variable': [(o) => new tf.Variable(x(), o), { trainable: false }],
  'tf.Variable#assign': [(o) => variable().assign(x(), o), { useLocking: true, validateShape: true, readValue: false }],
  'tf.Variable#assignAdd': [(o) => variable().assignAdd(x(), o), { useLocking: true, readValue: true }],
  'tf.Variable#assignSub': [(o) => variable().assignSub(x(), o), { useLocking: false }],
  'tf.assign': [(o) => tf.assign(variable(), x(), o), { validateShape: true, useLocking: true }],
  'tf.assignAdd': [(o) => tf.assignAdd(variable(), x(), o), { useLocking: true }],
  'tf.assignSub': [(o) => tf.assignSub(variable(), x(), o), { useLocking: true }],
  'tf.isVariableInitialized': [(o) => tf.isVariableInitialized(variable(), o), null],
  'tf.reportUninitializedVariables': [(o) => tf.reportUninitializedVariables(null, o), null],
  'tf.booleanMask': [(o) => tf.booleanMask(x(), bools(), o), { axis: 0 }],
  'tf.shapeN': [(o) => tf.shapeN([x(), x()], o), { outType: 'int64' }],
  'tf.variablesInitializer': [(o) => tf.variablesInitializer([variable()], o), null],
  'tf.getVariable': [(o) => tf.getVariable('gv', { shape: [2], initializer: tf.zerosInitializer(), ...o }), { trainable: false }],
  'tf.variableScope': [(o) => tf.variableScope('scope', o as never, () => 1), { reuse: tf.AUTO_REUSE }],
  'tf.zerosInitializer': [(o) => tf.zerosInitializer(o), { dtype: 'float32' }],
  'tf.onesInitializer': [(o) => tf.onesInitializer(o), { dtype: 'float32' }],
  'tf.constantInitializer': [(o) => tf.constantInitializer(1, o), { dtype: 'float32' }],
  'tf.randomNormalInitializer': [(o) => tf.randomNormalInitializer(o), { mean: 0, stddev: 1, seed: 1 }],
  'tf.truncatedNormalInitializer': [(o) => tf.truncatedNormalInitializer(o), { mean: 0, stddev: 1, seed: 1 }],
  'tf.randomUniformInitializer': [(o) => tf.randomUniformInitializer(o), { minval: 0, maxval: 1, seed: 1 }],
  'tf.glorotUniformInitializer': [(o) => tf.glorotUniformInitializer(o), { seed: 1 }],
  'tf.glorotNormalInitializer': [(o) => tf.glorotNormalInitializer(o), { seed: 1 }],
  'tf.randomUniform': [(o) => tf.randomUniform([2], o), { minval: 0, maxval: 2, dtype: 'float32', seed: 1 }],
  'tf.randomNormal': [(o) => tf.randomNormal([2], o), { mean: 0, stddev: 2, dtype: 'float32', seed: 1 }],
  'tf.truncatedNormal': [(o) => tf.truncatedNormal([2], o), { mean: 0, stddev: 2, dtype: 'float32', seed: 1 }],
  'tf.randomShuffle': [(o) => tf.randomShuffle(x(), o), { seed: 1 }],
  'tf.multinomial': [(o) => tf.multinomial(tf.constant([[0.5, 0.5]]), 2, o), { seed: 1, outputDtype: 'int32' }],
  'tf.nn.dropout': [(o) => tf.nn.dropout(x(), { rate: 0.5, ...o }), { seed: 1 }],
  'tf.zeros': [(o) => tf.zeros([2], 'float32', o), null],
  'tf.ones': [(o) => tf.ones([2], 'float32', o), null],
  'tf.varianceScalingInitializer': [(o) => tf.varianceScalingInitializer(o), { scale: 2, mode: 'fan_in', distribution: 'uniform', seed: 1 }],
  'tf.heNormal': [(o) => tf.heNormal(o), { seed: 1 }],
  'tf.heUniform': [(o) => tf.heUniform(o), { seed: 1 }],
  'tf.lecunNormal': [(o) => tf.lecunNormal(o), { seed: 1 }],
  'tf.lecunUniform': [(o) => tf.lecunUniform(o), { seed: 1 }],
  'tf.gradients': [(o) => { const a = x(); return tf.gradients(tf.square(a), [a], null, o); }, { unconnectedGradients: 'zero', aggregationMethod: 0 }],
};
const NAMELESS = new Set(['tf.getVariable', 'tf.variableScope', 'tf.zerosInitializer', 'tf.onesInitializer', 'tf.constantInitializer',
  'tf.randomNormalInitializer', 'tf.truncatedNormalInitializer', 'tf.randomUniformInitializer', 'tf.glorotUniformInitializer', 'tf.glorotNormalInitializer',
  'tf.varianceScalingInitializer', 'tf.heNormal', 'tf.heUniform', 'tf.lecunNormal', 'tf.lecunUniform']);

/** Exported functions that are not op builders (no options object, or checked by their own tests). */
const NOT_BUILDERS = new Set(['Graph', 'Operation', 'Tensor', 'NDArray', 'ndarray', 'getDefaultGraph', 'resetDefaultGraph', 'nameScope',
  'controlDependencies', 'Session', 'InteractiveSession', 'getDefaultSession', 'RunOptions', 'RunMetadata', 'Timeline', 'chromeTrace',
  'loadGraph', 'importGraphDef', 'loadGraphDef', 'OpError', 'InvalidArgumentError', 'isa', 'globalVariables', 'trainableVariables',
  'localVariables', 'modelVariables', 'globalVariablesInitializer', 'localVariablesInitializer', 'Initializer', 'VariableScope',
  'addToCollection', 'addToCollections', 'getCollectionRef', 'getCollection', 'getVariableScope', 'setRandomSeed', 'getSeed'].map((n) => `tf.${n}`));

describe('unknown option keys on op builders (issue 9)', () => {
  for (const [name, [call, valid]] of Object.entries(CALLS)) {
    it(`${name}: { bogusKey: 1 } is a TypeError naming it and the accepted keys; valid keys work`, () => {
      let err: unknown;
      try { call({ bogusKey: 1 }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TypeError);
      const accepted = Object.keys(valid ?? {});
      if (!NAMELESS.has(name)) accepted.push('name');
      expect((err as Error).message).toMatch(/unknown option 'bogusKey' \(accepted: [^)]*\)/);
      for (const k of accepted) expect((err as Error).message).toMatch(new RegExp(`accepted: .*\\b${k}\\b`));
      tf.resetDefaultGraph();
      if (!NAMELESS.has(name)) {
        const r = call({ name: 'custom' });
        const first = Array.isArray(r) ? r[0] : r;
        if (first instanceof tf.Tensor || first instanceof tf.Operation) expect(first.name).toMatch(/(^|\/)custom(\/|:|$)/);
      }
      if (valid) { tf.resetDefaultGraph(); expect(() => call(valid)).not.toThrow(); }
    });
  }

  it('positional options objects are checked too (reduce axis, constant dtype, placeholder shape, logSoftmax axis)', () => {
    const a = x();
    expect(() => tf.reduceSum(a, 0, { keepDim: true } as never)).toThrow(/unknown option 'keepDim'.*keepDims/);
    expect(() => tf.reduceSum(a, { axiss: 0 } as never)).toThrow(/unknown option 'axiss'.*axis/);
    expect(tf.reduceSum(a, { axis: 0, keepDims: true }).shape).toEqual([1, 2]);
    expect(a.sum(1, { keepDims: true, name: 's' } as never).shape).toEqual([2, 1]);
    expect(() => tf.constant(1, 'int32', [2], { shap: [2] } as never)).toThrow(/unknown option 'shap'.*shape/);
    expect(tf.constant(1, { dtype: 'int32', shape: [3] }).shape).toEqual([3]);
    expect(() => tf.placeholder('float32', { shapes: [2] } as never)).toThrow(/'shapes'/);
    expect(tf.placeholder('float32', { shape: [2, null] }).shape).toEqual([2, null]);
    expect(() => tf.nn.logSoftmax(a, { axes: 0 } as never)).toThrow(/'axes'.*axis/);
    expect(() => tf.matmul(a, a, { transpose_b: true } as never)).toThrow(/unknown option 'transpose_b' \(accepted: name, transposeA, transposeB, adjointA, adjointB\)/);
    expect(() => tf.add(a, a, 3 as never)).toThrow(TypeError);
  });

  it('the table covers every builder of the README op table and every exported builder function', () => {
    const fromOpTable = new Set<string>();
    for (const v of builderNames(join(__dirname, '..', '..')).values()) for (const m of v.matchAll(/tf\.[\w.]+/g)) fromOpTable.add(m[0]);
    const exported = new Set<string>();
    for (const [prefix, ns] of [['tf.', tf], ['tf.nn.', tf.nn], ['tf.rawOps.', tf.rawOps]] as const) {
      for (const [k, v] of Object.entries(ns)) if (typeof v === 'function') exported.add(prefix + k);
    }
    // An alias (tf.nn.relu6 is tf.relu6) is covered by its function's row.
    const covered = new Set(Object.keys(CALLS).filter((n) => !n.includes('#')).map(fn));
    const missing = [...new Set([...fromOpTable, ...exported])].filter((n) => !(n in CALLS) && !NOT_BUILDERS.has(n) && !covered.has(fn(n)));
    expect(missing).toEqual([]);
    expect(fromOpTable.size).toBeGreaterThan(100);
  });
});
