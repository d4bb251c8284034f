// GatherV2, GatherNd and ScatterNd against array-reference.ts, with TF's index errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg } from '../reference/ops';
import * as ref from './array-reference';
import { ALL_DTYPES, randArr, sizeOf } from './array-reference';
import { expectError, expectRunError, expectValue, fed } from './array-helpers';
import { constOf, runOnce } from './helpers';

const rng = new Lcg(3);
const zeros = (shape: number[]) => tf.constant(tf.ndarray(new Float32Array(sizeOf(shape)), shape));
/** Random indices in [0, limit) of `shape`. */
const indicesOf = (shape: number[], limit: number): Arr => ({ shape, data: Array.from({ length: sizeOf(shape) }, () => rng.int(0, limit)) });
const idx = (a: Arr, dtype: 'int32' | 'int64' = 'int32') => constOf(a, dtype);

describe('GatherV2 (tf.gather)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [params shape, indices shape, axis, batchDims]
  const CASES: [number[], number[], number, number][] = [
    [[5], [], 0, 0], [[5], [3], 0, 0], [[5], [2, 3], 0, 0], [[4, 3], [6], 1, 0], [[4, 3], [2], -1, 0], [[2, 3, 4], [5], 1, 0],
    [[3, 2], [0], 0, 0], [[3, 0], [4], 0, 0], [[2, 3, 4], [2, 5], 2, 1], [[2, 3, 4], [2, 3], 1, 1], [[2, 3, 4, 2], [2, 3, 2], 2, 2], [[2, 3], [2, 4], 1, -1],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [ps, is, axis, batchDims] of CASES) {
      it(`${dtype} params [${ps}] indices [${is}] axis ${axis} batchDims ${batchDims}`, () => {
        const a = randArr(rng, ps, dtype);
        const ax = axis < 0 ? axis + ps.length : axis;
        const i = indicesOf(is, ps[ax]);
        const bd = batchDims < 0 ? batchDims + is.length : batchDims;
        const expected = ref.gather(a, i, ax, bd);
        expectValue(tf.gather(constOf(a, dtype), idx(i), { axis, batchDims }), expected, dtype);
        const [p, fp] = fed(a, dtype), [q, fq] = fed(i, 'int64');
        expectValue(tf.gather(p, q, { axis: tf.constant(BigInt(axis)), batchDims }), expected, dtype, [fp, fq]);
      });
    }
  }
  it('large: float32 rows [2000, 37] at 5000 indices; scalar slices at 70000 indices', () => {
    const a = randArr(rng, [2000, 37], 'float32');
    const i = indicesOf([5000], 2000);
    expectValue(tf.gather(constOf(a, 'float32'), idx(i)), ref.gather(a, i, 0), 'float32');
    const b = randArr(rng, [1000], 'int64');
    const j = indicesOf([70000], 1000);
    expectValue(tf.gather(constOf(b, 'int64'), idx(j)), ref.gather(b, j, 0), 'int64');
  });
  it('names and shape inference', () => {
    const y = tf.gather(zeros([4, 3]), [0, 2], { axis: 1 });
    expect([y.op.type, y.op.name, y.op.inputs[1].op.name, y.op.inputs[2].op.name, y.shape]).toEqual(['GatherV2', 'GatherV2', 'GatherV2/indices', 'GatherV2/axis', [4, 2]]);
    expect(tf.gather(zeros([2, 3]), [[0]], { axis: tf.placeholder(tf.int32, []) }).shape).toEqual([null, null, null]);
    expect(tf.gather(zeros([2, 3, 4]), tf.placeholder(tf.int32, [2, 5]), { axis: 2, batchDims: 1 }).shape).toEqual([2, 3, 5]);
    expect(tf.gather(zeros([2, 3, 4]), tf.placeholder(tf.int32, [2, 5]), { axis: 2, batchDims: -1 }).shape).toEqual([2, 3, 5]);
    expect(tf.gather(tf.placeholder(tf.float32), [1, 2]).shape).toBeNull();
    expect(tf.gather(tf.placeholder(tf.float32, [null, 7]), tf.placeholder(tf.int32)).shape).toBeNull();
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.gather(zeros([2, 3]), [0], { axis: 2 }), /Shape must be at least rank 3 but is rank 2/);
    expectError(() => tf.gather(zeros([]), [0]), /Shape must be at least rank 1 but is rank 0/);
    expectError(() => tf.gather(zeros([2, 3, 4]), tf.placeholder(tf.int32, [2, 5]), { axis: 2, batchDims: 3 }), /Shape must be at least rank 3 but is rank 2/);
    expectError(() => tf.gather(zeros([2]), [0.5]), /indices must be integers/);
    const [p, fp] = fed(randArr(rng, [3, 2], 'float32'), 'float32');
    expectRunError(tf.gather(p, [[0, 3]]), [fp], /indices\[0,1\] = 3 is not in \[0, 3\)/);
    expectRunError(tf.gather(p, [[0], [-1]], { axis: 1 }), [fp], /indices\[1,0\] = -1 is not in \[0, 2\)/);
    expectRunError(tf.gather(p, [0], { axis: 2 }), [fp], /Shape must be at least rank 3 but is rank 2/);
    expectRunError(tf.gather(p, [0], { axis: -3 }), [fp], /Shape must be at least rank 3 but is rank 2/);
    const ax = tf.placeholder(tf.int32);
    expectRunError(tf.gather(p, [0], { axis: ax }), [fp, [ax, tf.ndarray(Int32Array.from([0]), [1])]], /axis must be scalar/);
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(tf.gather(s, [0]), [fs], /params must be at least 1 dimensional/);
    const [e, fe] = fed({ shape: [3, 0], data: [] }, 'float32');
    expectValue(tf.gather(e, [5]), { shape: [1, 0], data: [] }, 'float32', [fe]);  // nothing to gather: TF checks no index
    const [b, fb] = fed(randArr(rng, [2, 3], 'float32'), 'float32');
    const i = tf.placeholder(tf.int32);
    const feedI = (data: number[], shape: number[]): [tf.Tensor, tf.NDArray] => [i, tf.ndarray(Int32Array.from(data), shape)];
    expectRunError(tf.gather(b, i, { axis: 1, batchDims: 1 }), [fb, feedI([0, 0, 0], [3, 1])], /params.shape\[0\]: 2 should be equal to indices.shape\[0\]: 3/);
    expectRunError(tf.gather(b, i, { axis: 0, batchDims: 1 }), [fb, feedI([0, 0], [2, 1])], /batch_dims \(1\) must be less than or equal to axis \(0\)\./);
    expectRunError(tf.gather(b, i, { axis: 1, batchDims: 3 }), [fb, feedI([0, 0], [2, 1])], /Expected batch_dims in the range \[-2, 2\], but got 3/);
    expectRunError(tf.gather(b, i, { axis: 1, batchDims: 2 }), [fb, feedI([0, 0, 0, 0, 0, 0], [2, 3])], /batch_dims \(2\) must be less than rank\(params\) \(2\)\./);
    expectRunError(tf.gather(b, i, { axis: 1, batchDims: 1 }), [fb, feedI([0, 3], [2, 1])], /indices\[1,0\] = 3 is not in \[0, 3\)/);
  });
});

describe('GatherNd', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[]][] = [  // [params shape, indices shape]
    [[5], [3, 1]], [[4, 3], [2]], [[4, 3], [5, 2]], [[4, 3], [5, 1]], [[2, 3, 4], [2, 2, 2]], [[2, 3, 4], [3]], [[2, 3], [2, 0]], [[3, 2], [0, 2]],
    [[2, 3, 4, 5], [7, 3]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [ps, is] of CASES) {
      it(`${dtype} params [${ps}] indices [${is}]`, () => {
        const a = randArr(rng, ps, dtype);
        const nd = is[is.length - 1];
        const i: Arr = { shape: is, data: Array.from({ length: sizeOf(is) }, (_, k) => rng.int(0, ps[k % nd])) };
        const expected = ref.gatherNd(a, i);
        expectValue(tf.gatherNd(constOf(a, dtype), idx(i)), expected, dtype);
        const [p, fp] = fed(a, dtype), [q, fq] = fed(i, 'int64');
        expectValue(tf.gatherNd(p, q), expected, dtype, [fp, fq]);
      });
    }
  }
  it('large: 40000 scalar lookups in float32 [100, 200]', () => {
    const a = randArr(rng, [100, 200], 'float32');
    const i: Arr = { shape: [40000, 2], data: Array.from({ length: 80000 }, (_, k) => rng.int(0, k % 2 ? 200 : 100)) };
    expectValue(tf.gatherNd(constOf(a, 'float32'), idx(i)), ref.gatherNd(a, i), 'float32');
  });
  it('shape inference and errors (TF messages)', () => {
    expect(tf.gatherNd(tf.placeholder(tf.float32, [null, 3, 4]), tf.placeholder(tf.int32, [5, null, 2])).shape).toEqual([5, null, 4]);
    expect(tf.gatherNd(tf.placeholder(tf.float32), [[0]]).shape).toBeNull();
    expect(tf.gatherNd(zeros([2, 3]), tf.placeholder(tf.int32, [4, null])).shape).toBeNull();
    expectError(() => tf.gatherNd(zeros([2, 3]), tf.placeholder(tf.int32, [4, 3])),
      /indices.shape\[-1\] must be <= params.rank, but saw indices shape: \[4,3\] and params shape: \[2,3\]/);
    expectError(() => tf.gatherNd(zeros([2, 3]), 0), /Shape must be at least rank 1 but is rank 0/);
    const [p, fp] = fed(randArr(rng, [2, 3], 'float32'), 'float32');
    expectRunError(tf.gatherNd(p, [[0, 1], [2, 0]]), [fp], /indices\[1\] = \[2, 0\] does not index into param shape \[2,3\]/);
    expectRunError(tf.gatherNd(p, [[[0], [5]]]), [fp], /indices\[0,1\] = \[5\] does not index into param shape \[2,3\]/);
    expectRunError(tf.gatherNd(p, [[0, -1]]), [fp], /indices\[0\] = \[0, -1\] does not index into param shape \[2,3\]/);
    const i = tf.placeholder(tf.int32);
    expectRunError(tf.gatherNd(p, i), [fp, [i, tf.ndarray(new Int32Array(3), [1, 3])]], /index innermost dimension length must be <= params rank; saw: 3 vs. 2/);
    expectRunError(tf.gatherNd(p, i), [fp, [i, tf.ndarray(new Int32Array(1), [])]], /indices must be at least a vector/);
    const [e, fe] = fed({ shape: [0, 3], data: [] }, 'float32');
    expectRunError(tf.gatherNd(e, [[0]]), [fe], /Requested more than 0 entries, but params is empty.  Params shape: \[0,3\]/);
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(tf.gatherNd(s, [[0]]), [fs], /params must be at least a vector/);
  });
});

describe('ScatterNd', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [indices shape, output shape]; the updates shape follows.
  const CASES: [number[], number[]][] = [[[4, 1], [8]], [[3, 1], [5, 3]], [[2, 2], [4, 3, 2]], [[2, 3, 2], [3, 4]], [[6, 1], [2]], [[1, 3], [2, 2, 2]], [[0, 1], [3]]];
  for (const dtype of ALL_DTYPES) {
    for (const [is, out] of CASES) {
      it(`${dtype} indices [${is}] into [${out}] (duplicates add)`, () => {
        const nd = is[is.length - 1];
        const i: Arr = { shape: is, data: Array.from({ length: sizeOf(is) }, (_, k) => rng.int(0, out[k % nd])) };
        const u = randArr(rng, [...is.slice(0, -1), ...out.slice(nd)], dtype);
        const expected = ref.scatterNd(i, u, out, dtype);
        expectValue(tf.scatterNd(idx(i), constOf(u, dtype), out), expected, dtype);
        const [q, fq] = fed(i, 'int64'), [v, fv] = fed(u, dtype);
        expectValue(tf.scatterNd(q, v, tf.constant(BigInt64Array.from(out.map(BigInt)))), expected, dtype, [fq, fv]);
      });
    }
  }
  it('float32 sums in index order; int32 wraps; bool ORs', () => {
    const y = tf.scatterNd([[1], [1], [0]], tf.constant(Float32Array.from([1e8, 1, -1e8])), [2]);
    expect(Array.from(runOnce(y).data as Float32Array)).toEqual([-1e8, Math.fround(1e8 + 1)]);
    const w = tf.scatterNd([[0], [0]], tf.constant(Int32Array.from([2147483647, 1])), [1]);
    expect(Array.from(runOnce(w).data as Int32Array)).toEqual([-2147483648]);
    const b = tf.scatterNd([[0], [0], [1]], tf.constant([true, false, false]), [3]);
    expect(runOnce(b).toArray()).toEqual([true, false, false]);
  });
  it('shape inference and errors (TF messages)', () => {
    expect(tf.scatterNd([[0]], tf.placeholder(tf.float32), tf.placeholder(tf.int32, [3])).shape).toEqual([null, null, null]);
    expect(tf.scatterNd([[0]], tf.placeholder(tf.float32), [4, 2]).shape).toEqual([4, 2]);
    expectError(() => tf.scatterNd([[0], [1]], [1, 2, 3], [4]),
      /Dimensions \[0,1\) of indices\[shape=\[2,1\]\] = \[2\] must match dimensions \[0,1\) of updates\[shape=\[3\]\] = \[3\]: Dimension 0 in both shapes must be equal, but are 2 and 3/);
    expectError(() => tf.scatterNd([[0], [1]], zeros([2, 3]), [4, 2]),
      /Dimensions \[1,2\) of input\[shape=\[4,2\]\] = \[2\] must match dimensions \[1,2\) of updates\[shape=\[2,3\]\] = \[3\]/);
    expectError(() => tf.scatterNd([[0]], [1], [0]), /Indices and updates specified for empty input/);
    expectError(() => tf.scatterNd([[1]], 3, [4]), /Shape must be at least rank 1 but is rank 0/);
    const u = tf.placeholder(tf.float32), i = tf.placeholder(tf.int32), s = tf.placeholder(tf.int32);
    const y = tf.scatterNd(i, u, s);
    const feeds = (ii: [number[], number[]], uu: [number[], number[]], ss: [number[], number[]]): [tf.Tensor, tf.NDArray][] =>
      [[i, tf.ndarray(Int32Array.from(ii[0]), ii[1])], [u, tf.ndarray(Float32Array.from(uu[0]), uu[1])], [s, tf.ndarray(Int32Array.from(ss[0]), ss[1])]];
    expectRunError(y, feeds([[1, 4], [2, 1]], [[5, 6], [2]], [[4], [1]]), /indices\[1\] = \[4\] does not index into shape \[4\]/);
    expectRunError(y, feeds([[1, -1], [2, 1]], [[5, 6], [2]], [[4], [1]]), /indices\[1\] = \[-1\] does not index into shape \[4\]/);
    expectRunError(y, feeds([[1, 2], [2, 1]], [[5, 6, 7], [3]], [[4], [1]]), /Dimensions \[0,1\) of indices\[shape=\[2,1\]\] must match dimensions \[0,1\) of updates\[shape=\[3\]\]/);
    expectRunError(y, feeds([[1, 2], [2, 1]], [[1, 2, 3, 4, 5, 6], [2, 3]], [[4, 2], [2]]), /Dimensions \[1,2\) of input\[shape=\[4,2\]\] must match dimensions \[1,2\) of updates\[shape=\[2,3\]\]/);
    expectRunError(y, feeds([[0], [1, 1]], [[1], [1]], [[0], [1]]), /Indices and updates specified for empty output.  indices shape: \[1,1\]/);
    expectRunError(y, feeds([[0], [1, 1]], [[1], [1]], [[-1], [1]]), /Dimension -1 must be >= 0/);
    expectRunError(y, feeds([[0], [1]], [[1], []], [[3], [1]]), /Updates shape must have rank at least one. Found:\[\]/);
    expectRunError(y, feeds([[0], []], [[1], [1]], [[3], [1]]), /Indices shape must have rank at least one. Found:\[\]/);
    expectRunError(y, feeds([[0], [1, 1]], [[1], [1]], [[3], [1, 1]]), /Shape must be a vector/);
    expectRunError(y, feeds([[1], [1]], [[1, 2, 3], [3]], [[4, 3], [2]]), /Dimensions \[0,1\) of indices\[shape=\[1\]\] = 1 must match dimensions \[0,1\) of updates\[shape=\[3\]\] = 3/);
    expectRunError(y, feeds([[], [0, 0]], [[], [0]], [[], [0]]), /Output must be at least 1-D, got shape: \[\]/);
    expectRunError(y, feeds([[], [3, 0]], [[1, 1, 1, 1, 1, 1], [3, 2]], [[2], [1]]), /Indices and updates specified for empty output shape/);
    expectValue(y, { shape: [0], data: [] }, 'float32', feeds([[], [0, 1]], [[], [0]], [[0], [1]]));

  });
});
