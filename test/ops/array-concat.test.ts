// ConcatV2, Pack, Unpack, Split, SplitV against array-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg } from '../reference/ops';
import * as ref from './array-reference';
import { ALL_DTYPES, randArr } from './array-reference';
import { EXACT, expectError, expectRunError, expectValue, fed } from './array-helpers';
import { constOf, expectMatches, runOnce } from './helpers';

const rng = new Lcg(11);
const zeros = (shape: number[]) => tf.constant(tf.ndarray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));

/** Runs several tensors in one session and compares each exactly. */
function expectAll(ts: tf.Tensor[], expected: Arr[], dtype: tf.DType, feeds?: [tf.Tensor, tf.NDArray][]): void {
  expect(ts.length).toBe(expected.length);
  ts.forEach((t, i) => { if (t.shape !== null) t.shape.forEach((d, k) => { if (d !== null) expect(d).toBe(expected[i].shape[k]); }); });
  if (!ts.length) return;
  const sess = new tf.Session({ graph: ts[0].graph });
  try {
    const out: tf.NDArray[] = sess.run(ts, feeds ? new Map(feeds) : undefined);
    out.forEach((o, i) => expectMatches(o, expected[i], dtype, EXACT));
  } finally { sess.close(); }
}

describe('ConcatV2', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[][], number][] = [
    [[[1], [1]], 0], [[[3], [2], [4]], 0], [[[2, 3], [2, 5]], 1], [[[2, 3], [4, 3]], 0], [[[2, 3], [2, 3]], -1], [[[0, 3], [2, 3]], 0],
    [[[2, 0], [2, 3], [2, 0]], 1], [[[2, 3, 4], [2, 1, 4], [2, 2, 4]], -2], [[[1, 1, 1], [1, 1, 1]], 2], [[[3, 2, 5, 2], [3, 2, 1, 2]], 2],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shapes, axis] of CASES) {
      it(`${dtype} ${JSON.stringify(shapes)} axis ${axis}`, () => {
        const as = shapes.map((s) => randArr(rng, s, dtype));
        const expected = ref.concat(as, axis);
        expectValue(tf.concat(as.map((a) => constOf(a, dtype)), axis), expected, dtype);
        const ps = as.map((a) => fed(a, dtype));
        expectValue(tf.concat(ps.map((p) => p[0]), tf.constant(axis, 'int64')), expected, dtype, ps.map((p) => p[1]));
      });
    }
  }
  it('large: 5 float32 [70, k, 33] along axis 1 (and axis 0)', () => {
    const as = [13, 1, 40, 7, 29].map((k) => randArr(rng, [70, k, 33], 'float32'));
    expectValue(tf.concat(as.map((a) => constOf(a, 'float32')), 1), ref.concat(as, 1), 'float32');
    const bs = [300, 20, 257].map((k) => randArr(rng, [k, 64], 'int32'));
    expectValue(tf.concat(bs.map((a) => constOf(a, 'int32')), 0), ref.concat(bs, 0), 'int32');
  });
  it('TF1 names; one value is an Identity concat/concat; JS values take the tensors dtype', () => {
    const x = tf.constant(Int32Array.from([1, 2]));
    const y = tf.concat([x, [3, 4]], 0);
    expect([y.op.type, y.op.name, y.op.inputs[1].op.name, y.op.inputs[2].op.name, y.dtype]).toEqual(['ConcatV2', 'concat', 'concat/values_1', 'concat/axis', 'int32']);
    expect(runOnce(y).toArray()).toEqual([1, 2, 3, 4]);
    const one = tf.concat([x], 0);
    expect([one.op.type, one.op.name]).toEqual(['Identity', 'concat_1/concat']);
    expect(runOnce(one).toArray()).toEqual([1, 2]);
  });
  it('shape inference with unknown dims, ranks and axis', () => {
    const a = tf.placeholder(tf.float32, [null, 3]), b = tf.placeholder(tf.float32, [2, null]), u = tf.placeholder(tf.float32);
    expect(tf.concat([a, b], 0).shape).toEqual([null, 3]);
    expect(tf.concat([a, b], 1).shape).toEqual([2, null]);
    expect(tf.concat([a, tf.placeholder(tf.float32, [4, 3])], 0).shape).toEqual([null, 3]);
    expect(tf.concat([zeros([2, 3]), zeros([5, 3])], 0).shape).toEqual([7, 3]);
    expect(tf.concat([u, a], 1).shape).toEqual([null, null]);
    expect(tf.concat([u, u], 0).shape).toBeNull();
    expect(tf.concat([a, b], tf.placeholder(tf.int32, [])).shape).toEqual([null, null]);
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.concat([zeros([2, 3]), zeros([2, 4])], 0), /Dimension 0 in both shapes must be equal, but are 3 and 4. Shapes are \[3\] and \[4\]/);
    expectError(() => tf.concat([zeros([2, 3]), zeros([2, 3, 4])], 0), /Shape must be rank 2 but is rank 3/);
    expectError(() => tf.concat([zeros([2, 3]), zeros([2, 3])], 2), /Shape must be at least rank 3 but is rank 2/);
    expectError(() => tf.concat([zeros([]), zeros([])], 0), /Can't concatenate scalars \(use tf.stack instead\)/);
    expectError(() => tf.concat([zeros([2]), tf.constant(Int32Array.from([1]))], 0), /Tensors in list passed to 'values' of 'ConcatV2' Op have types \[float32, int32\]/);
    expectError(() => tf.concat([zeros([2]), zeros([2])], 0.5), /axis must be integers/);
    const [p, fp] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    const [q, fq] = fed({ shape: [2, 4], data: new Array(8).fill(0) }, 'float32');
    const [r, fr] = fed({ shape: [2, 3, 1], data: new Array(6).fill(0) }, 'float32');
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(tf.concat([p, q], 0), [fp, fq], /ConcatOp : Dimension 1 in both shapes must be equal: shape\[0\] = \[2,3\] vs. shape\[1\] = \[2,4\]/);
    expectRunError(tf.concat([p, r], 0), [fp, fr], /ConcatOp : Ranks of all input tensors should match: shape\[0\] = \[2,3\] vs. shape\[1\] = \[2,3,1\]/);
    expectRunError(tf.concat([p, p], 2), [fp], /ConcatOp : Expected concatenating dimensions in the range \[-2, 2\), but got 2/);
    expectRunError(tf.concat([s, s], 0), [fs], /Can't concatenate scalars/);
    const ax = tf.placeholder(tf.int32);
    expectRunError(tf.concat([p, p], ax), [fp, [ax, tf.ndarray(Int32Array.from([0, 1]), [2])]], /axis tensor should be a scalar integer, but got shape \[2\]/);
    expectValue(tf.concat([p, p], ax), ref.concat([{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }], 0), 'float32',
      [fp, [ax, tf.ndarray(Int32Array.from([0]), [1])]]);  // TF 2 takes a 1-element axis
  });
});

describe('Pack (tf.stack) and Unpack (tf.unstack)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number, number][] = [  // [shape, n, axis]
    [[], 3, 0], [[], 1, -1], [[4], 2, 0], [[4], 2, 1], [[2, 3], 3, 1], [[2, 3], 2, -1], [[0, 3], 2, 0], [[2, 3], 1, 2], [[3, 1, 4], 4, -3], [[2, 0], 3, 1],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, n, axis] of CASES) {
      it(`${dtype} ${n} x [${shape}] axis ${axis}, and back`, () => {
        const as = Array.from({ length: n }, () => randArr(rng, shape, dtype));
        const packed = ref.stack(as, axis);
        expectValue(tf.stack(as.map((a) => constOf(a, dtype)), axis), packed, dtype);
        const ps = as.map((a) => fed(a, dtype));
        expectValue(tf.stack(ps.map((p) => p[0]), { axis }), packed, dtype, ps.map((p) => p[1]));
        expectAll(tf.unstack(constOf(packed, dtype), { axis }), ref.unstack(packed, axis), dtype);
        const [q, fq] = fed(packed, dtype);
        expectAll(tf.unstack(q, { num: n, axis }), ref.unstack(packed, axis), dtype, [fq]);
      });
    }
  }
  it('large: 3 x float64 [200, 130] on axis 1; unstack of [3, 40000]', () => {
    const as = [0, 1, 2].map(() => randArr(rng, [200, 130], 'float64'));
    expectValue(tf.stack(as.map((a) => constOf(a, 'float64')), 1), ref.stack(as, 1), 'float64');
    const b = randArr(rng, [3, 40000], 'int32');
    expectAll(tf.unstack(constOf(b, 'int32')), ref.unstack(b, 0), 'int32');
  });
  it('names, shapes, num = 0', () => {
    const y = tf.stack([tf.placeholder(tf.float32, [null, 3]), tf.placeholder(tf.float32, [2, null])], 1);
    expect([y.op.type, y.op.name, y.shape]).toEqual(['Pack', 'stack', [2, 2, 3]]);
    const us = tf.unstack(tf.placeholder(tf.float32, [2, null, 4]), { axis: 2 });
    expect(us.length).toBe(4);
    expect([us[0].op.type, us[0].op.name, us[3].name, us[0].shape]).toEqual(['Unpack', 'unstack', 'unstack:3', [2, null]]);
    expect(tf.unstack(zeros([0, 2]))).toEqual([]);
    expect(tf.unstack(tf.placeholder(tf.float32), { num: 2 })[1].shape).toBeNull();
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.stack([zeros([2]), zeros([3])]), /Dimension 0 in both shapes must be equal, but are 2 and 3\. Shapes are \[2\] and \[3\]\.\n\tFrom merging shape 0 with other shapes\./);
    expectError(() => tf.stack([zeros([2]), zeros([2, 1])]), /Shapes must be equal rank, but are 1 and 2/);
    expectError(() => tf.stack([zeros([2]), zeros([2])], 3), /axis = 3 not in \[-2, 2\)/);
    expectError(() => tf.unstack(zeros([2, 3]), { axis: 2 }), /axis = 2 not in \[-2, 2\)/);
    expectError(() => tf.unstack(tf.placeholder(tf.float32, [null])), /Cannot infer num from shape \(\?,\)/);
    expectError(() => tf.unstack(zeros([2, 3]), { num: 3 }), /Dimension must be 3 but is 2/);
    const [p, fp] = fed({ shape: [2], data: [1, 2] }, 'float32');
    const [q, fq] = fed({ shape: [3], data: [1, 2, 3] }, 'float32');
    expectRunError(tf.stack([p, q]), [fp, fq], /Shapes of all inputs must match: values\[0\]\.shape = \[2\] != values\[1\]\.shape = \[3\]/);
    const [r, fr] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.unstack(r, { num: 3 }), [fr], /Input shape axis 0 must equal 3, got shape \[2,3\]/);
    expectRunError(tf.unstack(r, { num: 2, axis: 2 }), [fr], /axis = 2 not in \[-2, 2\)/);
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(tf.unstack(s, { num: 1 }), [fs], /axis = 0 not in \[0, 0\)/);
  });
});

describe('Split and SplitV (tf.split)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const EVEN: [number[], number, number][] = [[[6], 3, 0], [[6], 1, 0], [[4, 6], 2, 1], [[4, 6], 4, -2], [[0, 6], 3, 1], [[2, 3, 4], 2, 2], [[5, 2], 2, 1]];
  const SIZES: [number[], number[], number][] = [[[6], [1, 2, 3], 0], [[4, 6], [2, -1], 1], [[4, 6], [0, 4], 0], [[3, 5, 2], [1, -1, 1], -2], [[7], [7], 0], [[2, 0], [0, 0], 1]];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, n, axis] of EVEN) {
      it(`${dtype} [${shape}] into ${n} along ${axis}`, () => {
        const a = randArr(rng, shape, dtype);
        const ax = axis < 0 ? axis + shape.length : axis;
        const expected = ref.splitSizes(a, new Array(n).fill(shape[ax] / n), axis);
        const outs = tf.split(constOf(a, dtype), n, axis);
        expect(outs.map((o) => o.op.type)).toEqual(new Array(n).fill('Split'));
        expectAll(outs, expected, dtype);
        const [p, fp] = fed(a, dtype);
        expectAll(tf.split(p, n, axis), expected, dtype, [fp]);
      });
    }
    for (const [shape, sizes, axis] of SIZES) {
      it(`${dtype} [${shape}] into [${sizes}] along ${axis}`, () => {
        const a = randArr(rng, shape, dtype);
        const ax = axis < 0 ? axis + shape.length : axis;
        const known = sizes.reduce((s, x) => (x === -1 ? s : s + x), 0);
        const expected = ref.splitSizes(a, sizes.map((s) => (s === -1 ? shape[ax] - known : s)), axis);
        const outs = tf.split(constOf(a, dtype), sizes, axis);
        expect(outs[0].op.type).toBe('SplitV');
        expectAll(outs, expected, dtype);
        const [p, fp] = fed(a, dtype);
        expectAll(tf.split(p, tf.constant(BigInt64Array.from(sizes.map(BigInt))), axis), expected, dtype, [fp]);
      });
    }
  }
  it('large: float32 [64, 3000] into 3 along 1, and [1000, 70] into [100, 899, 1] along 0', () => {
    const a = randArr(rng, [64, 3000], 'float32');
    expectAll(tf.split(constOf(a, 'float32'), 3, 1), ref.splitSizes(a, [1000, 1000, 1000], 1), 'float32');
    const b = randArr(rng, [1000, 70], 'int64');
    expectAll(tf.split(constOf(b, 'int64'), [100, 899, 1]), ref.splitSizes(b, [100, 899, 1], 0), 'int64');
  });
  it('TF1 graph: split/split_dim, SplitV sizes are a Const outside the scope', () => {
    const x = zeros([2, 3]);
    const [a] = tf.split(x, 3, 1);
    expect([a.op.name, a.op.inputs[0].op.name, a.op.inputs[1].op.name]).toEqual(['split', 'split/split_dim', 'Const']);
    const [b] = tf.split(x, [1, 2], 1);
    expect([b.op.name, b.op.inputs[1].op.name, b.op.inputs[1].dtype, b.op.inputs[2].op.name]).toEqual(['split_1', 'Const_1', 'int32', 'split_1/split_dim']);
  });
  it('shape inference', () => {
    expect(tf.split(tf.placeholder(tf.float32, [2, 3]), 2, tf.placeholder(tf.int32, [])).map((t) => t.shape)).toEqual([[null, null], [null, null]]);
    expect(tf.split(tf.placeholder(tf.float32, [null, 4]), 2, 1).map((t) => t.shape)).toEqual([[null, 2], [null, 2]]);
    expect(tf.split(tf.placeholder(tf.float32, [2, null]), [1, -1], 1).map((t) => t.shape)).toEqual([[2, 1], [2, null]]);
    expect(tf.split(zeros([2, 3]), [1, -1], 1).map((t) => t.shape)).toEqual([[2, 1], [2, 2]]);
    expect(tf.split(zeros([2, 3]), tf.placeholder(tf.int32, [2]), 1).map((t) => t.shape)).toEqual([[2, null], [2, null]]);
    expect(tf.split(tf.placeholder(tf.float32), [1, 2], 0).map((t) => t.shape)).toEqual([null, null]);
  });
  it('errors (TF messages)', () => {
    const x = zeros([2, 3]);
    expectError(() => tf.split(x, 2, 1), /Dimension size must be evenly divisible by 2 but is 3\n\tNumber of ways to split should evenly divide the split dimension/);
    expectError(() => tf.split(x, 2, 2), /Dimension size, given by scalar input 2 must be in range \[-2, 2\)/);
    expectError(() => tf.split(x, 2, -3), /Dimension size, given by scalar input -3 must be in range \[-2, 2\)/);
    expectError(() => tf.split(x, [1, 1], 1), /can't split axis of size 3 into pieces of size \[1,1\]/);
    expectError(() => tf.split(x, [-1, -1], 1), /size_splits can only have one -1/);
    expectError(() => tf.split(x, [4, -1], 1), /Split size at index 1 must be >= 0. Got: -1/);
    expectError(() => tf.split(x, [-2, 5], 1), /Split size at index 0 must be >= 0. Got: -2/);
    expectError(() => tf.split(zeros([]), [1], 0), /Can't split scalars/);
    expectError(() => tf.split(x, tf.constant(1, 'int32')), /Rank-0 tensors are not supported as the num_or_size_splits argument to split/);
    expectError(() => tf.split(x, [1, 2], 1, { num: 3 }), /Length of size_splits should be equal to num_outputs/);
    const [p, fp] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.split(p, 2, 1), [fp], /Number of ways to split should evenly divide the split dimension, but got split_dim 1 \(size = 3\) and num_split 2/);
    expectRunError(tf.split(p, 2, 2), [fp], /-input rank\(-2\) <= split_dim < input rank \(2\), but got 2/);
    expectRunError(tf.split(p, [1, 1], 1), [fp], /Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: 2/);
    expectRunError(tf.split(p, [-1, -1], 1), [fp], /There can only be one -1 in the input\./);
    expectRunError(tf.split(p, [4, -1], 1), [fp], /Determined shape must either match.*Got: 4/);
    expectRunError(tf.split(p, [-2, 5], 1), [fp], /Split size at index 0 must be >= 0. Got: -2/);
    expectRunError(tf.split(p, [1, 2], 2), [fp], /-input rank\(-2\) <= split_dim < input rank \(2\), but got 2/);
    expectRunError(tf.split(p, [-1], 1), [fp], /If there is only one output, it must have the same size as the input. Input size: 3 output size: -1/);
    const sz = tf.placeholder(tf.int32);
    expectRunError(tf.split(p, sz, 1, { num: 2 }), [fp, [sz, tf.ndarray(Int32Array.from([1, 1, 1]), [3])]],
      /size of the split_tensor must be 1-D and have the same elements as outputs got 1 -D and 3 elements/);
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(tf.split(s, 1, 0), [fs], /-input rank\(-0\) <= split_dim < input rank \(0\), but got 0/);
    const d = tf.placeholder(tf.int32);
    expectRunError(tf.split(p, 3, d), [fp, [d, tf.ndarray(Int32Array.from([1]), [1])]], /split_dim must be a scalar but has rank 1/);
  });
});
