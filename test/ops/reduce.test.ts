// Sum / Mean / Max reductions over axes, with and without keepDims, against test/reference/ops.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import * as ref from '../reference/ops';
import { Arr, Lcg, ReduceOp, randomData, sizeOf } from '../reference/ops';
import { NUMERIC, constOf, expectMatches, runOnce, tolFor } from './helpers';

const BUILD: Record<ReduceOp, typeof tf.reduceSum> = { Sum: tf.reduceSum, Mean: tf.reduceMean, Max: tf.reduceMax };

// [shape, axes (undefined = all)]
const CASES: [number[], number[] | undefined][] = [
  [[], undefined], [[1], undefined], [[7], undefined], [[33], [0]], [[1023], undefined], [[4099], [0]],
  [[2, 3], [0]], [[2, 3], [1]], [[2, 3], [-1]], [[2, 3], undefined], [[4, 5, 6], [0, 2]], [[4, 5, 6], [1]],
  [[4, 5, 6], [-3, -1]], [[33, 65], [0]], [[33, 65], [1]], [[65, 33, 3], [0, 1]], [[7, 1, 9], [1]],
  [[2, 3], []],
];

describe('reductions vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const op of ['Sum', 'Mean', 'Max'] as ReduceOp[]) {
    for (const dtype of NUMERIC) {
      for (const [shape, axes] of CASES) {
        for (const keepDims of [false, true]) {
          it(`${op} ${dtype} [${shape}] axes=${axes === undefined ? 'all' : `[${axes}]`} keepDims=${keepDims}`, () => {
            const rng = new Lcg(sizeOf(shape) * 17 + (axes?.length ?? 9) + op.length);
            const a: Arr = { shape, data: randomData(rng, sizeOf(shape), dtype, -100, 100) };
            const x = constOf(a, dtype);
            const y = axes === undefined ? BUILD[op](x, undefined, keepDims) : BUILD[op](x, axes, keepDims);
            const expected = ref.reduce(op, a, axes, keepDims, dtype);
            expect(y.shape).toEqual(expected.shape);
            // Sum/Mean: tolerance relative to Σ|x| (summation order is the kernel's choice).
            const scale = op === 'Max' ? undefined : ref.reduce(op, { shape, data: a.data.map(Math.abs) }, axes, keepDims).data;
            expectMatches(runOnce(y), expected, dtype, tolFor(dtype), scale);
          });
        }
      }
    }
  }

  it('float32 Sum / Mean over outer axes (SIMD column sums): each output is its double sum in row order, rounded once', () => {
    // A global average pool's [n, 7, 7, 1280] over [1, 2]; column tails (1000, 37 = two 16-lane
    // vectors and 5); enough elements to split the columns over threads.
    for (const [shape, axes] of [[[2, 7, 7, 1280], [1, 2]], [[3, 41, 37], [1]], [[1, 300, 1000], [0, 1]], [[5, 2, 3], [1]]] as [number[], number[]][]) {
      tf.resetDefaultGraph();
      const a: Arr = { shape, data: randomData(new Lcg(shape[1] * 7 + 1), sizeOf(shape), 'float32', -100, 100) };
      const rn = axes.reduce((p, ax) => p * shape[ax], 1), k1 = shape[shape.length - 1], k0 = sizeOf(shape) / (rn * k1);
      const sums: number[] = [];
      for (let o = 0; o < k0; o++)
        for (let j = 0; j < k1; j++) {
          let s = 0;
          for (let r = 0; r < rn; r++) s += a.data[(o * rn + r) * k1 + j];
          sums.push(s);
        }
      const x = constOf(a, 'float32');
      const [sum, mean] = [tf.reduceSum(x, axes), tf.reduceMean(x, axes)].map((t) => Array.from(runOnce(t).data as Float32Array));
      expect(sum).toEqual(sums.map(Math.fround));
      expect(mean).toEqual(sums.map((s) => Math.fround(s / rn)));
    }
  });

  it('a long row (a full reduction of 3·2^18 + 5 values) splits over threads: the same value at 1, 2 and 4 threads, matching the reference', () => {
    // Rows too long for one thread are reduced in fixed blocks combined in order, so the thread
    // count does not change the result; Sum/Mean stay within the double-sum reference's rounding.
    const n = 3 * (1 << 18) + 5;
    const rng = new Lcg(91);
    const f32 = new Float32Array(randomData(rng, n, 'float32', -100, 100));
    f32[n - 3] = 1e4;  // the max sits in the short last block
    const i32 = Int32Array.from(f32, (v) => Math.trunc(v));
    const results = [1, 2, 4].map((threads) => {
      const g = new tf.Graph();
      const outs = g.asDefault(() => {
        const x = tf.constant(f32, 'float32', [n]), xi = tf.constant(i32, 'int32', [n]);
        return [tf.reduceSum(x), tf.reduceMean(x), tf.reduceMax(x), tf.reduceMin(x), tf.reduceSum(xi), tf.reduceMax(tf.reshape(x, [1, n]), 1)];
      });
      const sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: threads } });
      const v = sess.run(outs).map((t) => Array.from(t.data as ArrayLike<number>));
      sess.close();
      return v;
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    let sum = 0, max = -Infinity, min = Infinity, isum = 0;
    for (let i = 0; i < n; i++) { sum += f32[i]; max = Math.max(max, f32[i]); min = Math.min(min, f32[i]); isum += i32[i]; }
    const [[s], [m], [mx], [mn], [is], [mx2]] = results[0];
    expect(Math.abs(s - sum)).toBeLessThanOrEqual(Math.abs(sum) * 2 ** -23 + 1e-3);
    expect(Math.abs(m - sum / n)).toBeLessThanOrEqual(Math.abs(sum / n) * 2 ** -23 + 1e-9);
    expect([mx, mn, is, mx2]).toEqual([1e4, min, isum, 1e4]);
    expect(max).toBe(1e4);
  });

  it('integer Mean truncates toward zero (TF integer division)', () => {
    const x = tf.constant(Int32Array.from([1, 2, -1, -2, 7, 0]), null, [3, 2]);
    const out = runOnce(tf.reduceMean(x, 1));
    expect(Array.from(out.data as Int32Array)).toEqual([1, -1, 3]);
  });

  it('int64 Sum beyond 2^53 is exact (no float round trip)', () => {
    const big = 2n ** 60n;
    const x = tf.constant(BigInt64Array.from([big, 1n, 3n]));
    const out = runOnce(tf.reduceSum(x));
    expect(out.dtype).toBe('int64');
    expect(out.data[0]).toBe(big + 4n);
  });

  it('zero-size input: Sum → 0, Max → -Inf, float Mean → NaN, over the empty axis of [0, 3]', () => {
    const x = tf.constant(new Float32Array(0), null, [0, 3]);
    const sess = new tf.Session();
    try {
      const [s, m, mean, s1]: tf.NDArray[] = sess.run([tf.reduceSum(x, 0), tf.reduceMax(x, 0), tf.reduceMean(x, 0), tf.reduceSum(x, 1)]);
      expectMatches(s, { shape: [3], data: [0, 0, 0] }, 'float32', tolFor('float32'));
      // NOTE: TF's Max reducer starts from the lowest value (-Inf for floats); the contract does not state it.
      expectMatches(m, { shape: [3], data: [-Infinity, -Infinity, -Infinity] }, 'float32', tolFor('float32'));
      expectMatches(mean, { shape: [3], data: [NaN, NaN, NaN] }, 'float32', tolFor('float32'));
      expectMatches(s1, { shape: [0], data: [] }, 'float32', tolFor('float32'));
    } finally { sess.close(); }
  });

  it('Sum / Max with NaN and Inf in the data', () => {
    const x = constOf({ shape: [2, 3], data: [1, NaN, 3, Infinity, 1, 2] }, 'float64');
    const sess = new tf.Session();
    try {
      const [s, m]: tf.NDArray[] = sess.run([tf.reduceSum(x, 1), tf.reduceMax(x, 1)]);
      expectMatches(s, { shape: [2], data: [NaN, Infinity] }, 'float64', tolFor('float64'));
      expect(m.data[1]).toBe(Infinity);
    } finally { sess.close(); }
  });

  it('axes given as an int32 Tensor and keepDims via options object', () => {
    const a: Arr = { shape: [3, 4], data: randomData(new Lcg(2), 12, 'float32') };
    const axes = tf.constant(Int32Array.from([1]));
    const y = tf.reduceSum(constOf(a, 'float32'), axes, { keepDims: true });
    expect(y.shape).toEqual([3, 1]);
    expectMatches(runOnce(y), ref.reduce('Sum', a, [1], true, 'float32'), 'float32', tolFor('float32'));
  });

  it('axes fed at run time (placeholder) reduce the fed axes', () => {
    const a: Arr = { shape: [3, 4], data: randomData(new Lcg(4), 12, 'float32') };
    const axes = tf.placeholder(tf.int32, [1]);
    const y = tf.reduceMax(constOf(a, 'float32'), axes);
    expect(y.shape).toBeNull();  // rank unknown until the axes are known
    expectMatches(runOnce(y, new Map([[axes, [0]]])), ref.reduce('Max', a, [0], false, 'float32'), 'float32', tolFor('float32'));
  });

  it('chainable sum/mean/max methods', () => {
    const a: Arr = { shape: [2, 5], data: randomData(new Lcg(6), 10, 'float64') };
    const t = constOf(a, 'float64');
    const sess = new tf.Session();
    try {
      const [s, m, mx]: tf.NDArray[] = sess.run([t.sum(0), t.mean(1, { keepDims: true }), t.max()]);
      expectMatches(s, ref.reduce('Sum', a, [0]), 'float64', tolFor('float64'));
      expectMatches(m, ref.reduce('Mean', a, [1], true), 'float64', tolFor('float64'));
      expectMatches(mx, ref.reduce('Max', a), 'float64', tolFor('float64'));
    } finally { sess.close(); }
  });

  it('an out-of-range axis throws InvalidArgumentError at build time', () => {
    const x = tf.constant(new Float32Array(6), null, [2, 3]);
    expect(() => tf.reduceSum(x, 2)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.reduceSum(x, -3)).toThrow(/Invalid reduction dimension -3 for input with 2 dimensions/);
  });

  it('an out-of-range axis fed at run time fails the run with InvalidArgumentError', () => {
    const x = tf.constant(new Float32Array(6), null, [2, 3]);
    const axes = tf.placeholder(tf.int32, [1]);
    const y = tf.reduceSum(x, axes, { name: 'r' });
    const sess = new tf.Session();
    try {
      let err: unknown;
      try { sess.run(y, new Map([[axes, [5]]])); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect((err as tf.OpError).op?.name).toBe('r');
    } finally { sess.close(); }
  });
});
