// Shape, Size, Rank, Squeeze, ExpandDims, Range, ZerosLike / OnesLike, OneHot, IdentityN,
// StopGradient, Snapshot: values, TF1's graph construction, shape inference and errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg } from '../reference/ops';
import * as ref from './array-reference';
import { ALL_DTYPES, randArr, sizeOf } from './array-reference';
import { expectBoth, expectError, expectRunError, expectValue, fed } from './array-helpers';
import { constOf, runOnce } from './helpers';

const rng = new Lcg(13);
const zeros = (shape: number[]) => tf.constant(tf.ndarray(new Float32Array(sizeOf(shape)), shape));
const SHAPES = [[], [1], [7], [2, 0, 3], [3, 1, 4], [1, 1], [5, 2, 1, 3]];

describe('Shape, Size, Rank', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ALL_DTYPES) {
    for (const shape of SHAPES) {
      it(`${dtype} [${shape}]: kernels on an unknown shape, Consts on a known one`, () => {
        const a = randArr(rng, shape, dtype);
        const [p, fp] = fed(a, dtype);
        for (const outType of ['int32', 'int64'] as const) {
          const s = tf.shape(p, { outType }), n = tf.size(p, { outType });
          expect([s.op.type, s.dtype, s.shape, n.op.type, n.dtype, n.shape]).toEqual(['Shape', outType, [null], 'Size', outType, []]);
          expectValue(s, { shape: [shape.length], data: shape }, outType, [fp]);
          expectValue(n, { shape: [], data: [sizeOf(shape)] }, outType, [fp]);
        }
        const r = tf.rank(p);
        expect([r.op.type, r.dtype, r.shape]).toEqual(['Rank', 'int32', []]);
        expectValue(r, { shape: [], data: [shape.length] }, 'int32', [fp]);
        const c = constOf(a, dtype);
        const [cs, cn, cr] = [tf.shape(c), tf.size(c), tf.rank(c)];
        expect([cs.op.type, cn.op.type, cr.op.type]).toEqual(['Const', 'Const', 'Const']);
        expectValue(cs, { shape: [shape.length], data: shape }, 'int32');
        expectValue(cn, { shape: [], data: [sizeOf(shape)] }, 'int32');
        expectValue(cr, { shape: [], data: [shape.length] }, 'int32');
      });
    }
  }
  it('partial shapes: Shape op with a known length, Size of a zero dim is a Const 0, names', () => {
    const p = tf.placeholder(tf.float32, [null, 3]);
    const s = tf.shape(p);
    expect([s.op.type, s.op.name, s.shape]).toEqual(['Shape', 'Shape', [2]]);
    expect(tf.shape(zeros([2, 3])).op.name).toBe('Shape_1');
    const z = tf.size(tf.placeholder(tf.float32, [null, 0]));
    expect([z.op.type, runOnce(z).toArray()]).toEqual(['Const', 0]);
    const r = tf.rank(tf.placeholder(tf.float32, [null, null]));
    expect([r.op.type, runOnce(r).toArray()]).toEqual(['Const', 2]);
  });
});

describe('Squeeze and ExpandDims', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const SQUEEZE: [number[], number[]][] = [[[1], []], [[1, 3, 1], []], [[1, 3, 1], [0]], [[1, 3, 1], [-1, 0]], [[2, 3], []], [[], []], [[1, 0, 1], [2]]];
  const EXPAND: [number[], number][] = [[[], 0], [[], -1], [[3], 0], [[3], 1], [[2, 3], -1], [[2, 3], 1], [[2, 0], -3]];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, axis] of SQUEEZE) {
      it(`${dtype} squeeze [${shape}] axis [${axis}]`, () => {
        const a = randArr(rng, shape, dtype);
        const ax = axis.map((x) => (x < 0 ? x + shape.length : x));
        const out = shape.filter((d, i) => (ax.length ? !ax.includes(i) : d !== 1));
        expectBoth((x) => tf.squeeze(x, axis), a, dtype, { shape: out, data: a.data });
      });
    }
    for (const [shape, axis] of EXPAND) {
      it(`${dtype} expandDims [${shape}] at ${axis}`, () => {
        const a = randArr(rng, shape, dtype);
        const out = shape.slice();
        out.splice(axis < 0 ? axis + shape.length + 1 : axis, 0, 1);
        expectBoth((x) => tf.expandDims(x, axis), a, dtype, { shape: out, data: a.data });
      });
    }
  }
  it('shape inference (as TF)', () => {
    expect(tf.squeeze(tf.placeholder(tf.float32, [null, 1, 3])).shape).toBeNull();
    expect(tf.squeeze(tf.placeholder(tf.float32, [null, 1, 3]), [0]).shape).toEqual([1, 3]);
    expect(tf.squeeze(tf.placeholder(tf.float32, [2, 1, null]), 1).shape).toEqual([2, null]);
    expect(tf.expandDims(tf.placeholder(tf.float32), 0).shape).toBeNull();
    expect(tf.expandDims(zeros([2]), tf.placeholder(tf.int32, [])).shape).toBeNull();
    expect(tf.expandDims(tf.placeholder(tf.float32, [null, 3]), -1).shape).toEqual([null, 3, 1]);
    const e = new tf.Graph().asDefault(() => tf.expandDims(zeros([2]), 0));
    expect([e.op.type, e.op.name, e.op.inputs[1].op.name]).toEqual(['ExpandDims', 'ExpandDims', 'ExpandDims/dim']);
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.squeeze(zeros([2, 3]), [1]), /Can not squeeze dim\[1\], expected a dimension of 1, got 3/);
    expectError(() => tf.squeeze(zeros([2, 3]), [2]), /squeeze_dims\[0\] not in \[-2,2\)\./);
    expectError(() => tf.expandDims(zeros([2, 3]), 3), /dim 3 not in the interval \[-3, 2\]\./);
    expectError(() => tf.expandDims(zeros([2, 3]), tf.constant(Int32Array.from([0, 1]))), /'dim' input must be a tensor with a single value/);
    const [p, fp] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.squeeze(p, [1]), [fp], /Can not squeeze dim\[1\], expected a dimension of 1, got 3/);
    expectRunError(tf.squeeze(p, [2]), [fp], /Tried to squeeze dim index 2 for tensor with 2 dimensions\./);
    expectRunError(tf.expandDims(p, 3), [fp], /Tried to expand dim index 3 for tensor with 2 dimensions\./);
    const d = tf.placeholder(tf.int32);
    expectRunError(tf.expandDims(p, d), [fp, [d, tf.ndarray(Int32Array.from([0, 1]), [2])]], /'dim' must be a tensor with a single value/);
  });
});

describe('Range', () => {
  beforeEach(() => tf.resetDefaultGraph());
  /** TF 2's values: start + i * delta in the dtype's arithmetic. */
  function expected(start: number, limit: number, delta: number, dtype: tf.DType): Arr {
    const f = dtype === 'float32' ? Math.fround : (x: number) => x;
    const n = dtype.startsWith('int') ? Math.max(0, Math.ceil((limit - start) / delta)) : Math.max(0, Math.ceil(f(Math.abs(f(f(limit - start) / delta)))));
    return { shape: [n], data: Array.from({ length: n }, (_, i) => f(f(start) + f(f(i) * f(delta)))) };
  }
  const CASES: [number, number, number][] = [[0, 5, 1], [2, 11, 3], [5, 5, 1], [10, 0, -3], [-4, 4, 2], [0, 1, 0.1], [1.5, -2.25, -0.5], [0, 100000, 0.7], [3, 4, 10]];
  for (const dtype of ['float32', 'float64', 'int32', 'int64'] as const) {
    for (const [s, l, d] of CASES) {
      const ints = [s, l, d].every(Number.isInteger);
      if (dtype.startsWith('int') && !ints) continue;
      it(`${dtype} range(${s}, ${l}, ${d})`, () => {
        const y = tf.range(s, l, d, { dtype });
        expect([y.op.type, y.dtype]).toEqual(['Range', dtype]);
        const want = expected(s, l, d, dtype);
        if (dtype === 'float32' || dtype === 'float64') {
          const got = runOnce(y);
          expect(got.shape).toEqual(want.shape);
          expect(y.shape).toEqual(want.shape);
          const tol = dtype === 'float32' ? 1e-6 : 1e-12;
          const bad = Array.from(got.data as Float32Array).findIndex((v, i) => !(Math.abs(v - want.data[i]) <= tol * Math.max(1, Math.abs(want.data[i]))));
          expect(bad, `element ${bad}`).toBe(-1);
        } else {
          expectValue(y, want, dtype);
        }
        const p = tf.placeholder(dtype);
        const fedRange = tf.range(p, tf.cast(tf.constant(l, dtype === 'int64' ? 'int64' : dtype === 'int32' ? 'int32' : dtype), dtype), d, { dtype });
        expect(fedRange.shape).toEqual([null]);
        expect(runOnce(fedRange, new Map([[p, tf.ndarray(dtype === 'int64' ? BigInt64Array.of(BigInt(s)) : dtype === 'int32' ? Int32Array.of(s) : dtype === 'float32' ? Float32Array.of(s) : Float64Array.of(s), [], dtype)]])).shape).toEqual(want.shape);
      });
    }
  }
  it('TF1 dtype rules and names: integers int32, a float operand makes float32, casts named Cast', () => {
    const a = tf.range(5);
    expect([a.dtype, a.op.name, a.op.inputs.map((t) => t.op.name), a.shape]).toEqual(['int32', 'range', ['range/start', 'range/limit', 'range/delta'], [5]]);
    expect(runOnce(a).toArray()).toEqual([0, 1, 2, 3, 4]);
    const b = tf.range(1.5, 4);
    expect([b.dtype, b.op.inputs.map((t) => t.op.name)]).toEqual(['float32', ['range_1/start', 'range_1/Cast', 'range_1/Cast_1']]);
    expect(runOnce(b).toArray()).toEqual([1.5, 2.5, 3.5]);
    expect(tf.range(0, 3, 1, { dtype: 'float64' }).dtype).toBe('float64');
    expect(tf.range(tf.constant(4n)).dtype).toBe('int64');
    expect(runOnce(tf.range(-2147483648, 2147483647, 1073741824)).toArray()).toEqual([-2147483648, -1073741824, 0, 1073741824]);
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.range(0, 5, 0), /Requires delta != 0/);
    expectError(() => tf.range(5, 0, 1), /Requires start <= limit when delta > 0: 5\/0/);
    expectError(() => tf.range(0, 5, -1), /Requires start >= limit when delta < 0: 0\/5/);
    expectError(() => tf.range(0, Infinity, 1, { dtype: 'float32' }), /Requires \(\(limit - start\) \/ delta\) <= 9223372036854775807/);
    expectError(() => tf.range(tf.constant(Int32Array.from([0])), 5), /Shape must be rank 0 but is rank 1\n\t for 'start'/);
    const p = tf.placeholder(tf.int32), f = tf.placeholder(tf.float32);
    const i = (v: number[], s: number[] = []) => tf.ndarray(Int32Array.from(v), s);
    expectRunError(tf.range(p, 5, 0), [[p, i([0])]], /Requires delta != 0: 0/);
    expectRunError(tf.range(p, 0, 1), [[p, i([5])]], /Requires start <= limit when delta > 0: 5\/0/);
    expectRunError(tf.range(p, 5, -1), [[p, i([0])]], /Requires start >= limit when delta < 0: 0\/5/);
    expectRunError(tf.range(p, 5, 1), [[p, i([1, 2], [2])]], /start must be a scalar, not shape \[2\]/);
    expect(runOnce(tf.range(p, 5, 1), new Map([[p, i([1], [1])]])).toArray()).toEqual([1, 2, 3, 4]);  // TF 2 takes [1]
    expectRunError(tf.range(f, 5, 1), [[f, tf.ndarray(Float32Array.of(NaN), [])]], /Requires start <= limit when delta > 0: nan\/5/);
    expectRunError(tf.range(0, f, 1), [[f, tf.ndarray(Float32Array.of(Infinity), [])]], /Requires \(\(limit - start\) \/ delta\) <= 9223372036854775807/);
    expectRunError(tf.range(0, f, 0.1), [[f, tf.ndarray(Float32Array.of(-1), [])]], /Requires start <= limit when delta > 0: 0\/-1/);
  });
});

describe('ZerosLike, OnesLike', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ALL_DTYPES) {
    for (const shape of SHAPES) {
      it(`${dtype} [${shape}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.zerosLike(x), a, dtype, { shape, data: new Array(sizeOf(shape)).fill(0) });
        expectBoth((x) => tf.onesLike(x), a, dtype, { shape, data: new Array(sizeOf(shape)).fill(1) });
      });
    }
  }
  it('large, names, another dtype (a Fill)', () => {
    const z = tf.zerosLike(zeros([2, 3]));
    expect([z.op.type, z.op.name, z.shape]).toEqual(['ZerosLike', 'zeros_like', [2, 3]]);
    expect(tf.onesLike(zeros([2])).op.name).toBe('ones_like');
    const p = tf.placeholder(tf.float32, [null, 2]);
    const o = tf.onesLike(p, { dtype: 'int32' });
    expect([o.op.type, o.dtype, o.shape]).toEqual(['Fill', 'int32', [null, 2]]);
    expect(runOnce(o, new Map([[p, tf.ndarray(new Float32Array(6), [3, 2])]])).toArray()).toEqual([[1, 1], [1, 1], [1, 1]]);
    const a = randArr(rng, [300, 301], 'float64');
    expectValue(tf.onesLike(constOf(a, 'float64')), { shape: [300, 301], data: new Array(300 * 301).fill(1) }, 'float64');
  });
});

describe('OneHot', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number, number][] = [[[], 4, -1], [[5], 3, -1], [[5], 3, 0], [[2, 3], 4, 1], [[2, 3], 2, -1], [[0], 3, -1], [[4], 0, 0], [[3, 2, 2], 5, 2]];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, depth, axis] of CASES) {
      it(`${dtype} indices [${shape}] depth ${depth} axis ${axis}`, () => {
        const i: Arr = { shape, data: Array.from({ length: sizeOf(shape) }, () => rng.int(-1, depth + 2)) };  // some out of range: all off
        const [on, off] = dtype === 'bool' ? [1, 0] : dtype === 'uint8' ? [200, 3] : [5, -2];
        const y = tf.oneHot(constOf(i, 'int64'), depth, { onValue: dtype === 'bool' ? true : on, offValue: dtype === 'bool' ? false : off, axis, dtype });
        expectValue(y, ref.oneHot(i, depth, on, off, axis), dtype);
        const [p, fp] = fed(i, 'int32');
        const d = tf.placeholder(tf.int32, []);
        const z = tf.oneHot(p, d, { onValue: tf.constant(dtype === 'bool' ? true : on, dtype), offValue: tf.constant(dtype === 'bool' ? false : off, dtype), axis });
        expectValue(z, ref.oneHot(i, depth, on, off, axis), dtype, [fp, [d, tf.ndarray(Int32Array.of(depth), [])]]);
      });
    }
  }
  it('defaults: float32 1/0, last axis, uint8 indices; names', () => {
    const y = tf.oneHot(tf.constant(Uint8Array.from([1, 200])), 3);
    expect([y.dtype, y.op.name, y.shape]).toEqual(['float32', 'one_hot', [2, 3]]);
    expect(runOnce(y).toArray()).toEqual([[0, 1, 0], [0, 0, 0]]);
    const z = tf.oneHot([0, 2], 3, { onValue: tf.constant(7, 'int32') });
    expect([z.dtype, runOnce(z).toArray()]).toEqual(['int32', [[7, 0, 0], [0, 0, 7]]]);
    expect(tf.oneHot([[1, 2]], tf.placeholder(tf.int32, []), { axis: 1 }).shape).toEqual([1, null, 2]);
    expect(tf.oneHot(tf.placeholder(tf.int32), 3).shape).toBeNull();
    const large = tf.oneHot(tf.constant(Int32Array.from({ length: 20000 }, (_, k) => k % 37)), 37);
    const out = runOnce(large).data as Float32Array;
    expect(out.reduce((s, v) => s + v, 0)).toBe(20000);
    expect(out[5 * 37 + 5]).toBe(1);
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.oneHot([1, 2], 3, { axis: -2 }), /axis must be >= -1/);
    expectError(() => tf.oneHot([1, 2], -1), /Dimension size, given by scalar input 1, must be non-negative but is -1/);
    expectError(() => tf.oneHot([1, 2], 3, { onValue: 1, offValue: tf.constant(0, 'int32') }), /dtype float32 of on_value does not match dtype int32 of off_value/);
    expectError(() => tf.oneHot([1, 2], 3, { onValue: tf.constant(0, 'int32'), dtype: 'float32' }), /dtype int32 of on_value does not match dtype parameter float32/);
    const [p, fp] = fed({ shape: [2], data: [1, 2] }, 'int32');
    expectRunError(tf.oneHot(p, 3, { axis: 5 }), [fp], /Expected axis to be -1 or between \[0, 2\).  But received: 5/);
    const d = tf.placeholder(tf.int32);
    expectRunError(tf.oneHot(p, d), [fp, [d, tf.ndarray(Int32Array.of(-1), [])]], /depth must be non-negative, got: -1/);
    expectRunError(tf.oneHot(p, d), [fp, [d, tf.ndarray(Int32Array.of(3), [1])]], /depth must be a scalar, but got: \[1\]/);
    const on = tf.placeholder(tf.float32);
    expectRunError(tf.oneHot(p, 3, { onValue: on }), [fp, [on, tf.ndarray(Float32Array.of(3), [1])]], /on_value must be a scalar, but got: \[1\]/);
  });
});

describe('IdentityN, StopGradient, Snapshot', () => {
  beforeEach(() => tf.resetDefaultGraph());
  it('pass values through, every dtype', () => {
    const as = ALL_DTYPES.map((d, k) => randArr(rng, [[], [3], [2, 0], [2, 2], [1], [4, 1]][k], d));
    const ts = as.map((a, k) => constOf(a, ALL_DTYPES[k]));
    const outs = tf.identityN(ts);
    expect(outs.map((t) => [t.dtype, t.shape])).toEqual(as.map((a, k) => [ALL_DTYPES[k], a.shape]));
    expect(outs[0].op.type).toBe('IdentityN');
    outs.forEach((t, k) => expectValue(t, as[k], ALL_DTYPES[k]));
    for (const [k, dtype] of ALL_DTYPES.entries()) {
      expectBoth((x) => tf.stopGradient(x), as[k], dtype, as[k]);
      expectBoth((x) => tf.snapshot(x), as[k], dtype, as[k]);
    }
    const big = randArr(rng, [200000], 'float32');
    expectValue(tf.snapshot(constOf(big, 'float32')), big, 'float32');
    expectError(() => tf.identityN([]), /IdentityN/);

  });
});

describe('Reshape with -1 next to a zero dim (TF keeps zero dims out of the product)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  it('[0, 3] -> [0, -1] is [0, 3]; [3, 0] -> [-1, 0] is [3, 0]; errors', () => {
    const p = tf.placeholder(tf.float32), s = tf.placeholder(tf.int32);
    const y = tf.reshape(p, s);
    const run = (shape: number[], to: number[]) =>
      runOnce(y, new Map<tf.Tensor, tf.NDArray>([[p, tf.ndarray(new Float32Array(0), shape)], [s, tf.ndarray(Int32Array.from(to), [to.length])]])).shape;
    expect(run([0, 3], [0, -1])).toEqual([0, 3]);
    expect(run([3, 0], [-1, 0])).toEqual([3, 0]);
    expect(run([0, 6], [-1, 2, 0])).toEqual([3, 2, 0]);
    expect(run([2, 0], [-1])).toEqual([0]);
    const feeds = (shape: number[], to: number[]): [tf.Tensor, tf.NDArray][] =>
      [[p, tf.ndarray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)], [s, tf.ndarray(Int32Array.from(to), [to.length])]];
    expectRunError(y, feeds([2, 3], [-1, -1]), /Only one input size may be -1, not both 0 and 1/);
    expectRunError(y, feeds([2, 3], [-2, 3]), /Size 0 must be non-negative, not -2/);
    expectRunError(y, feeds([2, 3], [4, -1]), /Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4/);
    expectRunError(y, feeds([2, 3], [0, -1]), /Input to reshape is a tensor with 6 values, but the requested shape has 0/);
    expectRunError(y, feeds([2, 3], [7]), /Input to reshape is a tensor with 6 values, but the requested shape has 7/);
  });
});
