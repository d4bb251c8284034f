// ArgMax / ArgMin, Cumsum and TopKV2 against the naive reference in reduce-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg, randomData } from '../reference/ops';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';
import { argReduce, cumsum, size, topK } from './reduce-reference';

const NUM: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8'];

/** Small integers (as any dtype) so ties are frequent. */
function ties(rng: Lcg, n: number, dtype: tf.DType): number[] {
  if (dtype === 'bool') return Array.from({ length: n }, () => rng.int(0, 2));
  return Array.from({ length: n }, () => rng.int(dtype === 'uint8' ? 0 : -3, 4));
}

/** Runs a [values, indices] pair in one fresh session. */
function runOnce2(ts: tf.Tensor[]): tf.NDArray[] {
  const sess = new tf.Session({ graph: ts[0].graph });
  try { return sess.run(ts) as tf.NDArray[]; } finally { sess.close(); }
}

function runErr(t: tf.Tensor | tf.Tensor[], feeds?: tf.FeedDict): Error {
  const sess = new tf.Session({ graph: (Array.isArray(t) ? t[0] : t).graph });
  try { sess.run(t, feeds); } catch (e) { return e as Error; } finally { sess.close(); }
  throw new Error('expected the run to fail');
}

describe('ArgMax / ArgMin vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [shape, axis]; [40, 3000] crosses the parallel chunks.
  const CASES: [number[], number][] = [
    [[7], 0], [[1], 0], [[3, 5, 7], 0], [[3, 5, 7], 1], [[3, 5, 7], 2], [[3, 5, 7], -1], [[3, 5, 7], -3],
    [[0, 3], 1], [[4, 1], 1], [[40, 3000], 1], [[3000, 40], 0], [[2, 3000, 7], 1],
  ];
  for (const op of ['ArgMax', 'ArgMin'] as const) {
    for (const dtype of [...NUM, 'bool'] as tf.DType[]) {
      for (const [shape, axis] of CASES) {
        if (dtype !== 'float32' && size(shape) > 10000) continue;
        for (const outputType of ['int64', 'int32'] as tf.DType[]) {
          it(`${op} ${dtype} [${shape}] axis ${axis} → ${outputType}`, () => {
            const rng = new Lcg(size(shape) * 7 + axis + 11);
            const a: Arr = { shape, data: size(shape) > 10000 ? randomData(rng, size(shape), dtype) : ties(rng, size(shape), dtype) };
            const build = op === 'ArgMax' ? tf.argmax : tf.argmin;
            const y = build(constOf(a, dtype), axis, { outputType });
            const expected = argReduce(op, a, axis, dtype);
            expect(y.dtype).toBe(outputType);
            expect(y.shape).toEqual(expected.shape);
            expectMatches(runOnce(y), expected, outputType, tolFor(outputType));
          });
        }
      }
    }
  }

  it('NaN never wins; ties and all-NaN / all -inf slices give the first index (Eigen\'s reducer)', () => {
    const data = [1, NaN, 5, Infinity, 2, Infinity, -Infinity, -Infinity, -1, NaN, 3, NaN, 3, NaN, 1, NaN, NaN, NaN, NaN, -Infinity, -Infinity];
    const a: Arr = { shape: [7, 3], data };
    for (const dtype of ['float32', 'float64'] as tf.DType[]) {
      const x = constOf(a, dtype);
      const sess = new tf.Session();
      try {
        const [mx, mn, mx0]: tf.NDArray[] = sess.run([tf.argmax(x, 1), tf.argmin(x, 1), tf.argmax(x, 0)]);
        expect(Array.from(mx.data as BigInt64Array, Number)).toEqual([2, 0, 2, 1, 0, 0, 0]);
        expect(Array.from(mn.data as BigInt64Array, Number)).toEqual([0, 1, 0, 1, 2, 0, 1]);
        expectMatches(mx0, argReduce('ArgMax', a, 0, dtype), 'int64', tolFor('int64'));
      } finally { sess.close(); }
    }
  });

  it('default axis 0, TF1 names, build-time shapes', () => {
    const x = tf.placeholder(tf.float32, [null, 4, 5]);
    const y = tf.argmax(x);
    expect(y.op.name).toBe('ArgMax');
    expect(y.op.inputs[1].op.name).toBe('ArgMax/dimension');
    expect(y.shape).toEqual([4, 5]);
    expect(tf.argmin(x, -1, { name: 'am' }).shape).toEqual([null, 4]);
    expect(tf.argmin(x, tf.placeholder(tf.int32, [])).shape).toEqual([null, null]);
    expect(tf.argmax(tf.placeholder(tf.float32, [7]), tf.placeholder(tf.int32, [])).shape).toEqual([]);
    expect(tf.argmax(tf.placeholder(tf.float32, null), 1).shape).toBeNull();
    expect(() => tf.argmax(x, 3)).toThrow(/Dimension \(3\) must be in the range \[-3, 3\), where 3 is the number of dimensions in the input/);
    expect(() => tf.argmax(x, tf.constant(Int32Array.from([1])))).toThrow(/Shape must be rank 0 but is rank 1/);
    expect(() => tf.argmax(x, 0, { outputType: 'float32' })).toThrow(tf.errors.InvalidArgumentError);
  });

  it('run-time errors: axis out of range, non-scalar axis, empty reduced axis, scalar input', () => {
    const x = tf.placeholder(tf.float32, null);
    const d = tf.placeholder(tf.int32, null);
    const y = tf.argmax(x, d);
    const feed = (xv: tf.NDArray, dv: tf.NDArray) => new Map([[x, xv], [d, dv]]);
    const m34 = tf.ndarray(new Float32Array(12), [3, 4]);
    const cases: [tf.NDArray, tf.NDArray, string][] = [
      [m34, tf.ndarray(Int32Array.from([2]), []), 'Expected dimension in the range [-2, 2), but got 2'],
      [m34, tf.ndarray(Int32Array.from([-3]), []), 'Expected dimension in the range [-2, 2), but got -3'],
      [m34, tf.ndarray(Int32Array.from([1]), [1]), 'dim must be a scalar, but received tensor of shape: [1]'],
      [tf.ndarray(new Float32Array(0), [3, 0]), tf.ndarray(Int32Array.from([1]), []), 'Reduction axis 1 is empty in shape [3,0]'],
      [tf.ndarray(new Float32Array(1), []), tf.ndarray(Int32Array.from([0]), []), 'Expected dimension in the range [0, 0), but got 0'],
    ];
    for (const [xv, dv, msg] of cases) {
      const err = runErr(y, feed(xv, dv));
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err.message).toContain(msg);
    }
  });
});

describe('Cumsum vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number][] = [
    [[7], 0], [[1], 0], [[0], 0], [[3, 5, 7], 0], [[3, 5, 7], 1], [[3, 5, 7], -1], [[2, 0, 3], 1], [[30, 50], 1],
    [[5000, 9], 0], [[9, 5000], 1], [[3, 4000, 5], 1],
  ];
  for (const dtype of NUM) {
    for (const [shape, axis] of CASES) {
      if (dtype !== 'float32' && size(shape) > 10000) continue;
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          it(`${dtype} [${shape}] axis ${axis}${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`, () => {
            const rng = new Lcg(size(shape) * 3 + axis + (exclusive ? 5 : 0) + (reverse ? 17 : 0));
            const a: Arr = { shape, data: randomData(rng, size(shape), dtype, dtype === 'uint8' ? 0 : -9, 9) };
            const y = tf.cumsum(constOf(a, dtype), axis, { exclusive, reverse });
            expect(y.shape).toEqual(shape);
            // Sequential sums in the dtype (TF's Eigen scan): exact for the reference's order.
            expectMatches(runOnce(y), cumsum(a, axis, exclusive, reverse, dtype), dtype, tolFor(dtype));
          });
        }
      }
    }
  }

  it('int32 wraps, int64 axis tensor, TF1 names, unknown shapes', () => {
    const y = tf.cumsum(tf.constant(Int32Array.from([2147483647, 1, 1])));
    expect(y.op.name).toBe('Cumsum');
    expect(y.op.inputs[1].op.name).toBe('Cumsum/axis');
    expect(Array.from(runOnce(y).data as Int32Array)).toEqual([2147483647, -2147483648, -2147483647]);
    const a: Arr = { shape: [3, 4], data: randomData(new Lcg(5), 12, 'float64') };
    const z = tf.cumsum(constOf(a, 'float64'), tf.constant(-2n), { name: 'cs' });
    expect(z.op.name).toBe('cs');
    expectMatches(runOnce(z), cumsum(a, 0, false, false, 'float64'), 'float64', tolFor('float64'));
    expect(tf.cumsum(tf.placeholder(tf.float32, [null, 3]), 1).shape).toEqual([null, 3]);
    expect(tf.cumsum(tf.placeholder(tf.float32, null), 1).shape).toBeNull();
  });

  it('run-time errors: axis out of range (TF prints the wrapped axis), non-scalar axis, scalar input', () => {
    const x = tf.placeholder(tf.float32, null);
    const ax = tf.placeholder(tf.int32, null);
    const y = tf.cumsum(x, ax);
    const m34 = tf.ndarray(new Float32Array(12), [3, 4]);
    const cases: [tf.NDArray, tf.NDArray, string][] = [
      [m34, tf.ndarray(Int32Array.from([2]), []), 'ScanOp: Expected scan axis in the range [-2, 2), but got 2'],
      [m34, tf.ndarray(Int32Array.from([-3]), []), 'ScanOp: Expected scan axis in the range [-2, 2), but got -1'],
      [m34, tf.ndarray(Int32Array.from([1]), [1]), 'ScanOp: axis must be a scalar, not [1]'],
      [tf.ndarray(new Float32Array(1), []), tf.ndarray(Int32Array.from([0]), []), 'ScanOp: Expected scan axis in the range [0, 0), but got 0'],
    ];
    for (const [xv, av, msg] of cases) {
      const err = runErr(y, new Map([[x, xv], [ax, av]]));
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err.message).toContain(msg);
    }
  });
});

describe('TopKV2 vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number][] = [
    [[10], 3], [[10], 0], [[10], 10], [[1], 1], [[3, 5, 7], 1], [[3, 5, 7], 2], [[3, 5, 7], 7], [[0, 5], 2], [[4, 0], 0],
    [[20, 100], 5], [[300, 200], 7], [[2, 5000], 5000],
  ];
  for (const dtype of NUM) {
    for (const [shape, k] of CASES) {
      if (dtype !== 'float32' && size(shape) > 10000) continue;
      for (const vals of ['random', 'ties']) {
        it(`${dtype} [${shape}] k=${k} ${vals}`, () => {
          const rng = new Lcg(size(shape) + k * 31 + vals.length);
          const a: Arr = { shape, data: vals === 'ties' ? ties(rng, size(shape), dtype) : randomData(rng, size(shape), dtype, 0, 250) };
          const [v, i] = tf.topK(constOf(a, dtype), k);
          const want = topK(a, k);
          expect(v.shape).toEqual(want.values.shape);
          expect(i.dtype).toBe('int32');
          const sess = new tf.Session();
          try {
            const [vo, io]: tf.NDArray[] = sess.run([v, i]);
            expectMatches(vo, want.values, dtype, tolFor(dtype));
            expectMatches(io, want.indices, 'int32', tolFor('int32'));
          } finally { sess.close(); }
        });
      }
    }
  }

  it('NaN ranks first, -0 equals +0 (index order), infinities in order', () => {
    const a: Arr = { shape: [8], data: [1, NaN, 3, -0, -Infinity, Infinity, 0, NaN] };
    const [v, i] = runOnce2(tf.topK(constOf(a, 'float32'), 8));
    expect(Array.from(i.data as Int32Array)).toEqual([1, 7, 5, 2, 0, 3, 6, 4]);
    expect(Object.is(v.data[5], -0)).toBe(true);
  });

  it('sorted=false returns the same entries, in TF\'s own order (its bounded heap)', () => {
    // [row, k, the indices TensorFlow 2.21 returned for sorted=False]
    const seen: [number[], number, number[]][] = [
      [[3, 4, 1, 0, 2], 2, [0, 1]],
      [[5, 6, 4, 0, 1, 3, 8, 2, 7], 4, [0, 8, 1, 6]],
      [[2, 0, 2, 0, 3, 2, 3, 2, 2], 2, [6, 4]],
      [[1, 2, 3, 2, 1, 1, 1, 0, 0, 3, 1, 1], 8, [6, 4, 5, 0, 3, 1, 2, 9]],
      [[2, 3, 1, 4, 0, 7, 5, 6], 3, [6, 5, 7]],
      [[2, 5, 3, 4, 1, 0], 3, [2, 3, 1]],
    ];
    for (const [row, k, want] of seen) {
      for (const dtype of ['float32', 'int32'] as tf.DType[]) {
        const [v, i] = runOnce2(tf.topK(constOf({ shape: [row.length], data: row }, dtype), k, { sorted: false }));
        expect(Array.from(i.data as Int32Array), `[${row}] k=${k}`).toEqual(want);
        expect(Array.from(v.data as ArrayLike<number>)).toEqual(want.map((j) => row[j]));
      }
    }
    // Any size: the same set as the sorted result.
    const a: Arr = { shape: [30, 50], data: randomData(new Lcg(12), 1500, 'float32') };
    const [, iu] = runOnce2(tf.topK(constOf(a, 'float32'), 7, { sorted: false }));
    const sortedRows = (d: ArrayLike<number>) => Array.from({ length: 30 }, (_, r) => Array.from(d).slice(r * 7, r * 7 + 7).sort((p, q) => p - q));
    expect(sortedRows(iu.data as Int32Array)).toEqual(sortedRows(topK(a, 7).indices.data));
  });

  it('k as an int64 tensor, default k = 1, TF1 names, build-time shapes and errors', () => {
    const x = tf.placeholder(tf.float32, [null, 6]);
    const [v, i] = tf.topK(x);
    expect(v.op.name).toBe('TopKV2');
    expect(v.op.inputs[1].op.name).toBe('TopKV2/k');
    expect(v.shape).toEqual([null, 1]);
    expect(i.shape).toEqual([null, 1]);
    expect(tf.topK(x, tf.constant(4n))[0].shape).toEqual([null, 4]);
    expect(tf.topK(x, tf.placeholder(tf.int32, []))[0].shape).toEqual([null, null]);
    expect(tf.topK(tf.placeholder(tf.float32, null), 2)[1].shape).toBeNull();
    expect(() => tf.topK(x, 7)).toThrow(/input must have last dimension >= k = 7 but is 6/);
    expect(() => tf.topK(x, -1)).toThrow(/Dimension size, given by scalar input 1, must be non-negative but is -1/);
    expect(() => tf.topK(x, tf.constant(Int32Array.from([1])))).toThrow(/Input must be scalar but has rank 1/);
    expect(() => tf.topK(tf.constant(2), 1)).toThrow(/Shape must be at least rank 1 but is rank 0/);
    expect(() => tf.topK(tf.constant([true]), 1)).toThrow(tf.errors.InvalidArgumentError);
    const a: Arr = { shape: [2, 6], data: randomData(new Lcg(8), 12, 'float32') };
    const [v64] = tf.topK(constOf(a, 'float32'), tf.constant(3n));
    expectMatches(runOnce(v64), topK(a, 3).values, 'float32', tolFor('float32'));
  });

  it('run-time errors: k too large, negative k, non-scalar k, scalar input', () => {
    const x = tf.placeholder(tf.float32, null);
    const k = tf.placeholder(tf.int32, null);
    const [v, i] = tf.topK(x, k);
    const m25 = tf.ndarray(new Float32Array(10), [2, 5]);
    const cases: [tf.NDArray, tf.NDArray, string][] = [
      [m25, tf.ndarray(Int32Array.from([6]), []), 'input must have at least k columns. Had 5, needed 6'],
      [m25, tf.ndarray(Int32Array.from([-1]), []), 'Need k >= 0, got -1'],
      [m25, tf.ndarray(Int32Array.from([1]), [1]), 'k must be scalar, got shape [1]'],
      [tf.ndarray(new Float32Array(1), []), tf.ndarray(Int32Array.from([1]), []), 'input must be >= 1-D, got shape []'],
    ];
    for (const [xv, kv, msg] of cases) {
      const err = runErr([v, i], new Map([[x, xv], [k, kv]]));
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err.message).toContain(msg);
    }
  });
});
