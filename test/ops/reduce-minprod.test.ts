// Min / Prod / Any / All (and the duplicate-axis check every reduction shares) against the naive
// reference in reduce-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg, randomData } from '../reference/ops';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';
import { RedOp, reduce, size } from './reduce-reference';

const BUILD = { Min: tf.reduceMin, Prod: tf.reduceProd, Any: tf.reduceAny, All: tf.reduceAll, Sum: tf.reduceSum, Max: tf.reduceMax, Mean: tf.reduceMean };
const NUM: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8'];

// [shape, axes (undefined = all)]; [300, 257] crosses the parallel chunks (32768 elements).
const CASES: [number[], number[] | undefined][] = [
  [[], undefined], [[], []], [[1], undefined], [[7], [0]], [[2, 3], [0]], [[2, 3], [1]], [[2, 3], [-1]],
  [[2, 3], []], [[4, 5, 6], [0, 2]], [[4, 5, 6], [1]], [[4, 5, 6], [-3, -1]], [[7, 1, 9], [1]],
  [[3, 0], [0]], [[3, 0], [1]], [[0, 3], undefined], [[2, 3, 4, 5], [1, 3]], [[300, 257], [0]], [[300, 257], [1]],
  [[300, 257], undefined], [[5, 3000], [0]],
];

/** Values that keep products well-conditioned (floats in [0.6, 1.5]; integers mostly ±1, some ±2). */
function values(op: RedOp, rng: Lcg, n: number, dtype: tf.DType): number[] {
  if (dtype === 'bool') return Array.from({ length: n }, () => (rng.next() < (op === 'Any' ? 0.1 : 0.9) ? 1 : 0));
  if (op !== 'Prod') return randomData(rng, n, dtype, dtype === 'uint8' ? 0 : -50, 50);
  if (dtype === 'float32' || dtype === 'float64') return randomData(rng, n, dtype, 0.6, 1.5);
  const pick = dtype === 'uint8' ? [1, 1, 1, 2, 3] : [1, -1, 1, 1, -1, 2, -2, 1];
  return Array.from({ length: n }, () => pick[rng.int(0, pick.length)]);
}

describe('Min / Prod / Any / All vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const plan: [RedOp, tf.DType[]][] = [['Min', NUM], ['Prod', NUM], ['Any', ['bool']], ['All', ['bool']]];
  for (const [op, dtypes] of plan) {
    for (const dtype of dtypes) {
      for (const [shape, axes] of CASES) {
        if (dtype !== 'float32' && dtype !== 'bool' && size(shape) > 10000) continue;  // big shapes: one dtype each
        for (const keepDims of [false, true]) {
          it(`${op} ${dtype} [${shape}] axes=${axes === undefined ? 'all' : `[${axes}]`} keepDims=${keepDims}`, () => {
            const rng = new Lcg(size(shape) * 13 + (axes?.length ?? 7) + op.length * 3);
            const a: Arr = { shape, data: values(op, rng, size(shape), dtype) };
            const x = constOf(a, dtype);
            const y = axes === undefined ? BUILD[op](x, undefined, keepDims) : BUILD[op](x, axes, keepDims);
            const expected = reduce(op, a, axes, keepDims, dtype);
            expect(y.shape).toEqual(expected.shape);
            expect(y.op.type).toBe(op);
            expectMatches(runOnce(y), expected, dtype, tolFor(dtype));
          });
        }
      }
    }
  }

  it('empty reductions give the identity: Min → +inf / max int, Prod → 1, Any → false, All → true', () => {
    const sess = new tf.Session();
    try {
      const f = tf.constant(new Float32Array(0), null, [0, 3]);
      const i = tf.constant(new Int32Array(0), null, [0, 3]);
      const u = tf.constant(new Uint8Array(0), 'uint8', [0, 2]);
      const l = tf.constant(new BigInt64Array(0), null, [0, 2]);
      const b = tf.constant(new Uint8Array(0), 'bool', [0, 2]);
      const [fmin, imin, umin, lmin, fprod, iprod, any, all]: tf.NDArray[] = sess.run([
        tf.reduceMin(f, 0), tf.reduceMin(i, 0), tf.reduceMin(u, 0), tf.reduceMin(l, 0), tf.reduceProd(f, 0), tf.reduceProd(i, 0),
        tf.reduceAny(b, 0), tf.reduceAll(b, 0)]);
      expect(Array.from(fmin.data as Float32Array)).toEqual([Infinity, Infinity, Infinity]);
      expect(Array.from(imin.data as Int32Array)).toEqual([2147483647, 2147483647, 2147483647]);
      expect(Array.from(umin.data as Uint8Array)).toEqual([255, 255]);
      expect(Array.from(lmin.data as BigInt64Array)).toEqual([2n ** 63n - 1n, 2n ** 63n - 1n]);
      expect(Array.from(fprod.data as Float32Array)).toEqual([1, 1, 1]);
      expect(Array.from(iprod.data as Int32Array)).toEqual([1, 1, 1]);
      expect(any.dtype).toBe('bool');
      expect(Array.from(any.data as Uint8Array)).toEqual([0, 0]);
      expect(Array.from(all.data as Uint8Array)).toEqual([1, 1]);
    } finally { sess.close(); }
  });

  it('Min propagates NaN; Prod of int32 wraps; int64 Prod is exact beyond 2^53', () => {
    const sess = new tf.Session();
    try {
      const x = constOf({ shape: [3, 3], data: [NaN, 1, 2, 3, 4, NaN, -Infinity, 0, 5] }, 'float32');
      const [mn, mx, pi, pl]: tf.NDArray[] = sess.run([
        tf.reduceMin(x, 1), tf.reduceMin(x, 0),
        tf.reduceProd(tf.constant(Int32Array.from([1 << 20, 1 << 20, 3, 7]))),
        tf.reduceProd(tf.constant(BigInt64Array.from([3n ** 20n, 3n ** 19n]))),
      ]);
      expectMatches(mn, { shape: [3], data: [NaN, NaN, -Infinity] }, 'float32', tolFor('float32'));
      expectMatches(mx, { shape: [3], data: [NaN, 0, NaN] }, 'float32', tolFor('float32'));
      expect(pi.data[0]).toBe(0);  // 2^40 * 21 mod 2^32
      expect(pl.data[0]).toBe(BigInt.asIntN(64, 3n ** 39n));
    } finally { sess.close(); }
  });

  it('int32 Prod wraps like two\'s complement multiplication', () => {
    const vals = [123457, -98765, 4321, 77, -3];
    let p = 1;
    for (const v of vals) p = Math.imul(p, v);
    expect(runOnce(tf.reduceProd(tf.constant(Int32Array.from(vals)))).data[0]).toBe(p);
  });

  it('axes as an int64 tensor, reduction over a placeholder of unknown shape', () => {
    const x = tf.placeholder(tf.float64, null);
    const axes = tf.constant(BigInt64Array.from([0n, -1n]));
    const y = tf.reduceMin(x, axes, { keepDims: true });
    expect(y.shape).toBeNull();
    const a: Arr = { shape: [3, 4, 5], data: randomData(new Lcg(3), 60, 'float64') };
    const out = runOnce(y, new Map([[x, tf.ndarray(Float64Array.from(a.data), a.shape)]]));
    expectMatches(out, reduce('Min', a, [0, 2], true, 'float64'), 'float64', tolFor('float64'));
  });

  it('build-time shapes: known rank with unknown dims, unknown axes', () => {
    const x = tf.placeholder(tf.float32, [null, 4, 5]);
    expect(tf.reduceProd(x, 1).shape).toEqual([null, 5]);
    expect(tf.reduceMin(x, [0, 2], true).shape).toEqual([1, 4, 1]);
    const ax = tf.placeholder(tf.int32, [2]);
    expect(tf.reduceMin(x, ax, true).shape).toEqual([null, null, null]);
    expect(tf.reduceAll(tf.placeholder(tf.bool, [2, 3]), ax).shape).toBeNull();
  });

  it('default names and name scopes follow TF1', () => {
    const x = tf.constant(new Float32Array(6), { shape: [2, 3], name: 'x' });
    const y = tf.reduceMin(x, 1);
    expect(y.op.name).toBe('Min');
    expect(y.op.inputs[1].op.name).toBe('Min/reduction_indices');
    expect(tf.reduceProd(x).op.inputs[1].op.name).toBe('Const');
    expect(tf.reduceAny(tf.constant([true, false]), 0, { name: 'anything' }).op.name).toBe('anything');
  });

  it('Any / All reject non-bool input; Min rejects bool (TF op-def dtype checks)', () => {
    const f = tf.constant([1, 2]);
    expect(() => tf.reduceAny(f)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.reduceAll(f)).toThrow(/bool/);
    expect(() => tf.reduceMin(tf.constant([true]))).toThrow(/not in list of allowed values/);
    expect(() => tf.reduceMin(f, [1.5])).toThrow(/axis\[0\] must be an integer/);
  });
});

describe('reduction axes checks (run time, every reduction)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const ops: [RedOp, tf.DType][] = [['Sum', 'float32'], ['Mean', 'int32'], ['Max', 'float64'], ['Min', 'int64'], ['Prod', 'uint8'], ['Any', 'bool'], ['All', 'bool']];
  for (const [op, dtype] of ops) {
    it(`${op}: duplicate axes (after wrapping negatives) and out-of-range axes are InvalidArgumentError`, () => {
      const x = constOf({ shape: [3, 5], data: new Array(15).fill(1) }, dtype);
      const ax = tf.placeholder(tf.int32, null);
      const y = BUILD[op](x, ax, { name: 'r' });
      const sess = new tf.Session();
      try {
        for (const [axes, msg] of [
          [[1, -1], 'Invalid reduction arguments: Axes contains duplicate dimension: 1'],
          [[0, 0], 'Axes contains duplicate dimension: 0'],
          [[0, 1, -2], 'Axes contains duplicate dimension: 0'],
          [[2], 'Invalid reduction dimension (2 for input with 2 dimension(s)'],
          [[-3], 'Invalid reduction dimension (-3 for input with 2 dimension(s)'],
        ] as [number[], string][]) {
          let err: unknown;
          try { sess.run(y, new Map([[ax, Int32Array.from(axes)]])); } catch (e) { err = e; }
          expect(err, `axes [${axes}]`).toBeInstanceOf(tf.errors.InvalidArgumentError);
          expect((err as Error).message).toContain(msg);
        }
        // The session stays usable, and valid axes of any rank still work.
        expect(sess.run(y, new Map([[ax, tf.ndarray(Int32Array.from([1, 0]), [1, 2])]])).shape).toEqual([]);
      } finally { sess.close(); }
    });
  }
});
