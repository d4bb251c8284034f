// tf.nn.biasAdd (BiasAdd), tf.nn.fusedBatchNorm (FusedBatchNormV3), tf.nn.lrn (LRN) and
// tf.nn.l2Loss (L2Loss) against naive JS references: layouts, dtypes, empty tensors, sizes that
// cross parallel chunks, static shapes, TF1 names and TF's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg, randomData, roundTo, sizeOf } from '../reference/ops';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';

const rand = (rng: Lcg, shape: number[], dtype: tf.DType, lo = -3, hi = 3): Arr => ({ shape, data: randomData(rng, sizeOf(shape), dtype, lo, hi) });
const feed = (...pairs: [tf.Tensor, Arr, tf.DType][]) =>
  new Map(pairs.map(([t, a, d]) => [t, tf.ndarray(d === 'int32' ? Int32Array.from(a.data) : Float32Array.from(a.data), a.shape, d)] as const));
function throwsAt(f: () => unknown, cls: typeof tf.errors.OpError, re: RegExp): void {
  expect(f).toThrow(cls);
  expect(f).toThrow(re);
}

// ---- BiasAdd ----------------------------------------------------------------------------------

function refBiasAdd(x: Arr, b: Arr, nchw: boolean, dtype: tf.DType): Arr {
  const ch = nchw ? 1 : x.shape.length - 1;
  const inner = sizeOf(x.shape.slice(ch + 1)), c = x.shape[ch];
  return { shape: x.shape, data: x.data.map((v, i) => roundTo(v + b.data[Math.floor(i / inner) % c], dtype as never)) };
}

describe('BiasAdd', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const cases: [number[], boolean][] = [
    [[2, 3], false], [[1, 1], false], [[0, 3], false], [[4, 5, 3], false], [[2, 3, 4, 5], false], [[3, 5, 7], false], [[2, 4, 0], false],
    [[2, 3, 4, 5], true], [[2, 3, 4], true], [[2, 0, 4], true],
  ];
  const large: [number[], boolean][] = [[[64, 50, 41], false], [[4, 37, 50, 20], true]];  // several parallel chunks
  for (const dtype of ['float32', 'float64', 'int32', 'int64', 'uint8'] as tf.DType[]) {
    for (const [shape, nchw] of dtype === 'float32' || dtype === 'int32' ? [...cases, ...large] : cases) {
      it(`${dtype} [${shape}]${nchw ? ' NCHW' : ''}`, () => {
        const rng = new Lcg(sizeOf(shape) + (nchw ? 1 : 0));
        const lo = dtype === 'uint8' ? 0 : -100;
        const x = rand(rng, shape, dtype, lo, 200), b = rand(rng, [shape[nchw ? 1 : shape.length - 1]], dtype, lo, 200);
        const y = tf.nn.biasAdd(constOf(x, dtype), constOf(b, dtype), nchw ? { dataFormat: 'NCHW' } : undefined);
        expect(y.shape).toEqual(shape);
        expectMatches(runOnce(y), refBiasAdd(x, b, nchw, dtype), dtype, tolFor(dtype));
      });
    }
  }

  it('integer sums wrap as TF (int32, uint8)', () => {
    const y = tf.nn.biasAdd(tf.constant(Int32Array.from([2147483647, -5]), null, [1, 2]), Int32Array.from([1, -2147483648]));
    expect(Array.from(runOnce(y).data as Int32Array)).toEqual([-2147483648, 2147483643]);
    const z = tf.nn.biasAdd(tf.constant(Uint8Array.from([250, 3]), null, [2, 1]), Uint8Array.from([10]));
    expect(Array.from(runOnce(z).data as Uint8Array)).toEqual([4, 13]);
  });

  it('names, data formats, static shapes', () => {
    const y = tf.nn.biasAdd([[1, 2, 3]], [1, 2, 3]);
    expect(y.name).toBe('BiasAdd:0');
    expect(y.op.inputs.map((t) => t.name)).toEqual(['BiasAdd/input:0', 'BiasAdd/bias:0']);
    expect(y.op.getAttr('data_format')).toBe('NHWC');
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32, [2, 3, 4]), [1, 2, 3], { dataFormat: 'NCW' }).op.getAttr('data_format')).toBe('NCHW');
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32, [2, 4, 3]), [1, 2, 3], { dataFormat: 'NWC' }).op.getAttr('data_format')).toBe('NHWC');
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32, [null, 3]), tf.placeholder(tf.float32, [null])).shape).toEqual([null, 3]);
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32, [2, null]), tf.placeholder(tf.float32, [5])).shape).toEqual([2, 5]);
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32), tf.placeholder(tf.float32, [5])).shape).toBeNull();
    expect(tf.nn.biasAdd(tf.placeholder(tf.float32, [2, null, 4]), tf.placeholder(tf.float32, [3]), { dataFormat: 'NCHW' }).shape).toEqual([2, 3, 4]);
  });

  it('errors as TF', () => {
    const f = (shape: number[]) => tf.constant(new Float32Array(sizeOf(shape)), null, shape);
    throwsAt(() => tf.nn.biasAdd(f([2, 3]), f([1, 3])), tf.errors.InvalidArgumentError, /Shape must be rank 1 but is rank 2/);
    throwsAt(() => tf.nn.biasAdd(f([3]), f([3])), tf.errors.InvalidArgumentError, /Shape must be at least rank 2 but is rank 1/);
    throwsAt(() => tf.nn.biasAdd(f([2, 3]), f([4])), tf.errors.InvalidArgumentError, /Dimensions must be equal, but are 3 and 4/);
    throwsAt(() => tf.nn.biasAdd(f([2, 3]), f([3]), { dataFormat: 'NCHW' }), tf.errors.InvalidArgumentError, /Shape must be at least rank 3 but is rank 2/);
    throwsAt(() => tf.nn.biasAdd(f([2, 3]), f([3]), { dataFormat: 'CWN' }), tf.errors.InvalidArgumentError, /`data_format` must be of the form `N...C` or `NC...`/);
    throwsAt(() => tf.nn.biasAdd(f([2, 3]), tf.constant(Int32Array.from([1, 2, 3]))), tf.errors.InvalidArgumentError, /Input 'bias' of 'BiasAdd' Op has type int32/);
    const x = tf.placeholder(tf.float32), b = tf.placeholder(tf.float32);
    const y = tf.nn.biasAdd(x, b);
    const run = (xs: number[], bs: number[]) => () => runOnce(y, feed([x, { shape: xs, data: new Array(sizeOf(xs)).fill(0) }, 'float32'],
      [b, { shape: bs, data: new Array(sizeOf(bs)).fill(0) }, 'float32']));
    throwsAt(run([2, 3], [4]), tf.errors.InvalidArgumentError, /Must provide as many biases as the last dimension of the input tensor: \[4\] vs. \[2,3\]/);
    throwsAt(run([3], [3]), tf.errors.InvalidArgumentError, /Input tensor must be at least 2D: \[3\]/);
    throwsAt(run([2, 3], [1, 3]), tf.errors.InvalidArgumentError, /Biases must be 1D: \[1,3\]/);
  });
});

// ---- FusedBatchNormV3 -------------------------------------------------------------------------

/** Per channel: mean and (biased) variance of x, or the given ones; y = (x - mean) / sqrt(var + eps) * scale + offset. */
function refBatchNorm(x: Arr, scale: number[], offset: number[], mean: number[] | null, variance: number[] | null, eps: number, chFirst: boolean) {
  const ch = chFirst ? 1 : x.shape.length - 1, c = x.shape[ch], inner = sizeOf(x.shape.slice(ch + 1));
  const chan = (i: number) => Math.floor(i / inner) % c;
  const n = x.data.length / c;
  const m = mean ?? Array.from({ length: c }, (_, k) => x.data.reduce((s, v, i) => (chan(i) === k ? s + v : s), 0) / n);
  const v = variance ?? Array.from({ length: c }, (_, k) => x.data.reduce((s, u, i) => (chan(i) === k ? s + (u - m[k]) ** 2 : s), 0) / n);
  const e = Math.fround(eps);
  const y = x.data.map((u, i) => (u - m[chan(i)]) / Math.sqrt(v[chan(i)] + e) * scale[chan(i)] + offset[chan(i)]);
  return { y: { shape: x.shape, data: y }, mean: m, variance: v, n };
}

describe('FusedBatchNormV3', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const f32 = (a: number[]) => tf.constant(Float32Array.from(a));
  const vec = (rng: Lcg, c: number, lo: number, hi: number) => randomData(rng, c, 'float32', lo, hi);
  const tol = { rtol: 2e-5, atol: 2e-5 };
  const cases: [number[], string][] = [
    [[1, 4, 4, 3], 'NHWC'], [[2, 3, 5, 2], 'NHWC'], [[1, 1, 1, 4], 'NHWC'], [[2, 3, 4, 5], 'NCHW'],
    [[2, 2, 3, 3, 4], 'NDHWC'], [[2, 3, 2, 3, 2], 'NCDHW'], [[8, 40, 40, 8], 'NHWC'], [[3, 6, 30, 40], 'NCHW'],
  ];
  for (const training of [false, true]) {
    for (const [shape, format] of cases) {
      it(`${training ? 'training' : 'inference'} ${format} [${shape}]`, () => {
        const rng = new Lcg(sizeOf(shape) + format.length);
        const c = shape[format.startsWith('NC') ? 1 : shape.length - 1];
        const x = rand(rng, shape, 'float32');
        const scale = vec(rng, c, 0.5, 2), offset = vec(rng, c, -1, 1), mean = vec(rng, c, -1, 1), variance = vec(rng, c, 0.1, 3);
        const outs = tf.nn.fusedBatchNorm(constOf(x, 'float32'), f32(scale), f32(offset), training ? null : f32(mean), training ? null : f32(variance),
          { isTraining: training, dataFormat: format, epsilon: 0.01 });
        const ref = refBatchNorm(x, scale, offset, training ? null : mean, training ? null : variance, 0.01, format.startsWith('NC'));
        expect(outs.map((t) => t.shape)).toEqual([shape, [c], [c]]);
        const sess = new tf.Session();
        try {
          const [y, bm, bv, r1, r2, r3] = sess.run(outs[0].op.outputs) as tf.NDArray[];
          expectMatches(y, ref.y, 'float32', tol);
          expectMatches(bm, { shape: [c], data: ref.mean }, 'float32', tol);
          const bessel = training ? ref.n / Math.max(ref.n - 1, 1) : 1;
          expectMatches(bv, { shape: [c], data: ref.variance.map((v) => v * bessel) }, 'float32', tol);
          expect(r3.shape).toEqual([]);
          if (training) {  // the batch mean and biased variance, saved for the gradient
            expectMatches(r1, { shape: [c], data: ref.mean }, 'float32', tol);
            expectMatches(r2, { shape: [c], data: ref.variance }, 'float32', tol);
          }
        } finally { sess.close(); }
      });
    }
  }

  it('training with exponential_avg_factor blends the running statistics; one element per channel', () => {
    const rng = new Lcg(4);
    const x = rand(rng, [2, 3, 3, 2], 'float32');
    const outs = tf.nn.fusedBatchNorm(constOf(x, 'float32'), f32([1, 2]), f32([0, 1]), f32([0.5, -0.5]), f32([2, 3]), { exponentialAvgFactor: 0.25 });
    const ref = refBatchNorm(x, [1, 2], [0, 1], null, null, 0.001, false);
    const [y, bm, bv] = outs.map((t) => runOnce(t));
    expectMatches(y, ref.y, 'float32', tol);
    expectMatches(bm, { shape: [2], data: [0.75 * 0.5 + 0.25 * ref.mean[0], 0.75 * -0.5 + 0.25 * ref.mean[1]] }, 'float32', tol);
    expectMatches(bv, { shape: [2], data: [0, 1].map((k) => 0.75 * [2, 3][k] + 0.25 * ref.variance[k] * 18 / 17) }, 'float32', tol);
    tf.resetDefaultGraph();
    // a batch of one: no Bessel correction (TF divides by max(n - 1, 1))
    const one = tf.nn.fusedBatchNorm(tf.constant(Float32Array.from([1, 2, 3]), null, [1, 1, 1, 3]), f32([1, 1, 1]), f32([0, 0, 0]));
    expect(Array.from(runOnce(one[0]).data as Float32Array)).toEqual([0, 0, 0]);
    expect(Array.from(runOnce(one[2]).data as Float32Array)).toEqual([0, 0, 0]);
  });

  it('empty input: NaN statistics (as TF); epsilon below 1.001e-5 is raised to it', () => {
    const x = tf.constant(new Float32Array(0), null, [0, 2, 2, 3]);
    const outs = tf.nn.fusedBatchNorm(x, f32([1, 1, 1]), f32([0, 0, 0]), f32([1, 2, 3]), f32([1, 1, 1]), { isTraining: false });
    expect(runOnce(outs[0]).shape).toEqual([0, 2, 2, 3]);
    expect(Array.from(runOnce(outs[1]).data as Float32Array).every(Number.isNaN)).toBe(true);
    tf.resetDefaultGraph();
    const xs = { shape: [1, 2, 1, 2], data: [0.5, 1, 2, 3] };
    const [y] = tf.nn.fusedBatchNorm(constOf(xs, 'float32'), f32([1, 1]), f32([0, 0]), f32([0.5, 1]), f32([0, 1]), { isTraining: false, epsilon: 0 });
    expect(y.op.getAttr('epsilon')).toBeCloseTo(1.001e-5, 10);
    expectMatches(runOnce(y), refBatchNorm(xs, [1, 1], [0, 0], [0.5, 1], [0, 1], 1.001e-5, false).y, 'float32', tol);
  });

  it('names, attrs, static shapes', () => {
    const [y, m, v] = tf.nn.fusedBatchNorm(tf.placeholder(tf.float32, [null, 5, 5, 3]), [1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], { isTraining: false });
    expect([y.name, m.name, v.name]).toEqual(['FusedBatchNormV3:0', 'FusedBatchNormV3:1', 'FusedBatchNormV3:2']);
    expect(y.op.inputs.map((t) => t.name)).toEqual(['Placeholder:0', 'scale:0', 'offset:0', 'FusedBatchNormV3/mean:0', 'FusedBatchNormV3/variance:0']);
    expect(y.op.getAttr('epsilon')).toBeCloseTo(0.001, 10);
    expect(y.op.getAttr('is_training')).toBe(false);
    expect(y.shape).toEqual([null, 5, 5, 3]);
    expect(m.shape).toEqual([3]);
    expect(y.op.outputs[5].shape).toBeNull();
    const t = tf.nn.fusedBatchNorm(tf.placeholder(tf.float32), tf.placeholder(tf.float32, [4]), [0, 0, 0, 0], null, null, { name: 'bn' });
    expect(t[0].shape).toEqual([null, null, null, 4]);
    expect(t[0].op.inputs.slice(3).map((i) => i.name)).toEqual(['Const:0', 'Const_1:0']);
    expect(tf.nn.fusedBatchNorm(tf.placeholder(tf.float32, [2, 3, null, null]), tf.placeholder(tf.float32), [0, 0, 0], null, null,
      { dataFormat: 'NCHW' })[1].shape).toEqual([3]);
  });

  it('errors as TF', () => {
    const x = tf.placeholder(tf.float32, [1, 2, 2, 3]);
    throwsAt(() => tf.nn.fusedBatchNorm(x, f32([1, 1, 1, 1]), f32([0, 0, 0]), f32([0, 0, 0]), f32([1, 1, 1]), { isTraining: false }),
      tf.errors.InvalidArgumentError, /Dimensions must be equal, but are 3 and 4/);
    throwsAt(() => tf.nn.fusedBatchNorm(tf.placeholder(tf.float32, [2, 2, 3]), f32([1, 1, 1]), f32([0, 0, 0])),
      tf.errors.InvalidArgumentError, /Shape must be rank 4 but is rank 3/);
    throwsAt(() => tf.nn.fusedBatchNorm(x, f32([1, 1, 1]), f32([0, 0, 0]), null, null, { isTraining: false }),
      tf.errors.InvalidArgumentError, /Both `mean` and `variance` must be a 1D tensor when `is_training` is False/);
    throwsAt(() => tf.nn.fusedBatchNorm(tf.placeholder(tf.float64, [1, 2, 2, 3]), f32([1, 1, 1]), f32([0, 0, 0])),
      tf.errors.InvalidArgumentError, /DataType float64 not in list of allowed values/);
    throwsAt(() => tf.nn.fusedBatchNorm(x, f32([1, 1, 1]), f32([0, 0, 0]), null, null, { dataFormat: 'HWCN' }),
      tf.errors.InvalidArgumentError, /Attr 'data_format' of 'FusedBatchNormV3' Op passed string 'HWCN'/);
    const p = tf.placeholder(tf.float32), s = tf.placeholder(tf.float32), m = tf.placeholder(tf.float32);
    const [y] = tf.nn.fusedBatchNorm(p, s, [0, 0, 0], m, [1, 1, 1], { isTraining: false });
    const run = (xs: number[], ss: number[], ms: number[]) => () => runOnce(y, feed([p, { shape: xs, data: new Array(sizeOf(xs)).fill(0) }, 'float32'],
      [s, { shape: ss, data: new Array(sizeOf(ss)).fill(1) }, 'float32'], [m, { shape: ms, data: new Array(sizeOf(ms)).fill(0) }, 'float32']));
    throwsAt(run([1, 2, 2, 3], [4], [3]), tf.errors.InvalidArgumentError, /scale must have the same number of elements as the channels of x, got 4 and 3/);
    throwsAt(run([1, 2, 2, 3], [3], [2]), tf.errors.InvalidArgumentError, /When is_training=false, mean must have the same number of elements as the channels of x, got 2 and 3/);
    throwsAt(run([2, 2, 3], [3], [3]), tf.errors.InvalidArgumentError, /input must be 4 or 5-dimensional\[2,2,3\]/);
    throwsAt(run([1, 2, 2, 3], [1, 3], [3]), tf.errors.InvalidArgumentError, /scale must be 1-dimensional\[1,3\]/);
  });
});

// ---- LRN --------------------------------------------------------------------------------------

function refLrn(x: Arr, r: number, bias: number, alpha: number, beta: number): Arr {
  const d = x.shape[3];
  return {
    shape: x.shape, data: x.data.map((v, i) => {
      const c = i % d, base = i - c;
      let sq = 0;
      for (let k = Math.max(0, c - r); k <= Math.min(d - 1, c + r); k++) sq += x.data[base + k] ** 2;
      return v / (Math.fround(bias) + Math.fround(alpha) * sq) ** Math.fround(beta);
    }),
  };
}

describe('LRN', () => {
  beforeEach(() => tf.resetDefaultGraph());
  type LrnOptions = { depthRadius?: number; bias?: number; alpha?: number; beta?: number };
  const cases: [string, number[], LrnOptions][] = [
    ['defaults', [1, 3, 3, 8], {}],
    ['r2 b2 a1e-4 beta0.75', [1, 3, 3, 8], { depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 }],
    ['r0', [1, 2, 2, 4], { depthRadius: 0, bias: 1, alpha: 0.5, beta: 0.5 }],
    ['r1 beta1', [2, 2, 3, 5], { depthRadius: 1, bias: 1, alpha: 0.1, beta: 1 }],
    ['radius beyond the channels', [1, 2, 2, 3], { depthRadius: 5, bias: 0.5, alpha: 0.2, beta: 0.6 }],
    ['empty', [0, 2, 2, 3], {}],
    ['large', [2, 20, 20, 32], { depthRadius: 3, alpha: 0.05, beta: 0.75 }],
  ];
  for (const [name, shape, o] of cases) {
    it(`float32 ${name} [${shape}]`, () => {
      const x = rand(new Lcg(sizeOf(shape)), shape, 'float32', -2, 2);
      const y = tf.nn.lrn(constOf(x, 'float32'), o);
      expect(y.shape).toEqual(shape);
      expectMatches(runOnce(y), refLrn(x, o.depthRadius ?? 5, o.bias ?? 1, o.alpha ?? 1, o.beta ?? 0.5), 'float32', tolFor('float32'));
    });
  }

  it('positional args, names, attrs, alias', () => {
    const y = tf.nn.lrn([[[[1, 2, 3]]]], 2, 1.5, 0.25, 0.75);
    expect(y.name).toBe('LRN:0');
    expect(y.op.inputs[0].name).toBe('LRN/input:0');
    expect([y.op.getAttr('depth_radius'), y.op.getAttr('bias'), y.op.getAttr('alpha'), y.op.getAttr('beta')]).toEqual([2, 1.5, 0.25, 0.75]);
    expectMatches(runOnce(y), refLrn({ shape: [1, 1, 1, 3], data: [1, 2, 3] }, 2, 1.5, 0.25, 0.75), 'float32', tolFor('float32'));
    expect(tf.nn.localResponseNormalization(y, { name: 'norm' }).name).toBe('norm:0');
    expect(tf.nn.lrn(tf.placeholder(tf.float32)).shape).toEqual([null, null, null, null]);
  });

  it('errors as TF', () => {
    throwsAt(() => tf.nn.lrn(tf.placeholder(tf.float32, [2, 2, 3])), tf.errors.InvalidArgumentError, /Shape must be rank 4 but is rank 3/);
    throwsAt(() => tf.nn.lrn(tf.placeholder(tf.float64, [1, 2, 2, 3])), tf.errors.InvalidArgumentError, /DataType float64 not in list/);
    const p = tf.placeholder(tf.float32);
    throwsAt(() => runOnce(tf.nn.lrn(p), feed([p, { shape: [3, 4], data: new Array(12).fill(1) }, 'float32'])),
      tf.errors.InvalidArgumentError, /in must be 4-dimensional/);
    throwsAt(() => runOnce(tf.nn.lrn(tf.constant(new Float32Array(3), null, [1, 1, 1, 3]), { depthRadius: -1 })),
      tf.errors.InvalidArgumentError, /depth_radius = -1 larger than int max/);
  });
});

// ---- L2Loss -----------------------------------------------------------------------------------

describe('L2Loss', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const shape of [[], [1], [0], [7], [3, 5, 7], [100003]]) {
      it(`${dtype} [${shape}]`, () => {
        const x = rand(new Lcg(sizeOf(shape) + 1), shape, dtype, -2, 2);
        const y = tf.nn.l2Loss(constOf(x, dtype));
        expect(y.shape).toEqual([]);
        expectMatches(runOnce(y), { shape: [], data: [x.data.reduce((s, v) => s + v * v, 0) / 2] }, dtype, tolFor(dtype, { rtol: 1e-5, atol: 0 }));
      });
    }
  }

  it('inf and NaN; names; unknown shapes; dtypes', () => {
    expect(Array.from(runOnce(tf.nn.l2Loss(Float32Array.from([1, -Infinity]))).data as Float32Array)).toEqual([Infinity]);
    expect(Number.isNaN((runOnce(tf.nn.l2Loss(Float32Array.from([1, NaN]))).data as Float32Array)[0])).toBe(true);
    const y = tf.nn.l2Loss([[1, 2], [3, 4]]);
    expect(y.name).toBe('L2Loss_2:0');
    expect(y.op.inputs[0].name).toBe('L2Loss_2/t:0');
    expect((runOnce(y).data as Float32Array)[0]).toBe(15);
    expect(tf.nn.l2Loss(tf.placeholder(tf.float32), { name: 'wd' }).shape).toEqual([]);
    throwsAt(() => tf.nn.l2Loss(Int32Array.from([1])), tf.errors.InvalidArgumentError, /DataType int32 not in list/);
  });
});
