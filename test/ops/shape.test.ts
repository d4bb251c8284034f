// Reshape, Cast and Softmax against test/reference/ops.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import * as ref from '../reference/ops';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { FLOATS, NUMERIC, constOf, expectMatches, runOnce, tolFor } from './helpers';

describe('Reshape', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[], number[]][] = [  // [from, requested, result]
    [[], [1, 1], [1, 1]], [[1], [], []], [[6], [2, 3], [2, 3]], [[2, 3], [-1], [6]], [[2, 3], [3, -1], [3, 2]],
    [[4099], [1, -1, 1], [1, 4099, 1]], [[0, 3], [-1], [0]], [[0, 3], [3, 0], [3, 0]], [[33, 65], [65, 33], [65, 33]],
  ];
  for (const dtype of [...NUMERIC, 'bool'] as tf.DType[]) {
    for (const [from, req, res] of CASES) {
      it(`${dtype} [${from}] → [${req}] gives [${res}] with the data unchanged`, () => {
        const a: Arr = { shape: from, data: randomData(new Lcg(sizeOf(from)), sizeOf(from), dtype) };
        const y = tf.reshape(constOf(a, dtype), req);
        expect(y.shape).toEqual(res);
        expectMatches(runOnce(y), { shape: res, data: a.data }, dtype, { rtol: 0, atol: 0 });
      });
    }
  }

  it('shape given as an int64 tensor', () => {
    const y = tf.reshape(tf.constant(Float32Array.from([1, 2, 3, 4])), tf.constant(BigInt64Array.from([2n, 2n])));
    expect(runOnce(y).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('fed shape: static shape has unknown dims, result takes the fed shape', () => {
    const s = tf.placeholder(tf.int32, [2]);
    const y = tf.reshape(tf.constant(Float32Array.from([1, 2, 3, 4, 5, 6])), s);
    expect(y.shape).toEqual([null, null]);
    const out = runOnce(y, new Map([[s, [3, 2]]]));
    expect(out.shape).toEqual([3, 2]);
    expect(out.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('static impossible reshape throws InvalidArgumentError at build time', () => {
    const x = tf.constant(new Float32Array(6));
    expect(() => tf.reshape(x, [4])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.reshape(x, [4, -1])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.reshape(x, [-1, -1])).toThrow(tf.errors.InvalidArgumentError);
  });

  it('chainable reshape', () => {
    expect(runOnce(tf.constant(Int32Array.from([1, 2, 3, 4, 5, 6])).reshape([2, -1])).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
});

describe('Cast', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const TYPES: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
  const sample = (from: tf.DType, n: number): number[] => {
    const rng = new Lcg(n + from.length);
    if (from === 'bool') return randomData(rng, n, 'bool');
    if (from === 'uint8') return randomData(rng, n, 'uint8', 0, 256);
    // include negatives, fractions (floats) and exact zeros; stay in the uint8 range when narrowing
    const d = randomData(rng, n, from, -200, 200);
    for (let i = 0; i < n; i += 5) d[i] = 0;
    return d;
  };
  for (const from of TYPES) {
    for (const to of TYPES) {
      if (from === to) continue;
      for (const n of [1, 7, 33, 4099]) {
        it(`${from} → ${to} (${n} elements)`, () => {
          let data = sample(from, n);
          // negative → uint8 is modular in C++ for ints but UB for floats; keep float → uint8 in range
          if (to === 'uint8' && (from === 'float32' || from === 'float64')) data = data.map(Math.abs);
          const a: Arr = { shape: [n], data };
          const y = tf.cast(constOf(a, from), to);
          expect(y.dtype).toBe(to);
          expect(y.op.type).toBe('Cast');
          expectMatches(runOnce(y), ref.cast(a, to), to, { rtol: 0, atol: 0 });
        });
      }
    }
  }

  it('float → int truncates toward zero, float64 → float32 rounds to nearest', () => {
    const a: Arr = { shape: [6], data: [1.9, -1.9, 0.5, -0.5, 2147483000.7, -3.999] };
    expect(Array.from(runOnce(tf.cast(constOf(a, 'float64'), 'int32')).data)).toEqual([1, -1, 0, 0, 2147483000, -3]);
    tf.resetDefaultGraph();
    const b = runOnce(tf.cast(constOf({ shape: [2], data: [0.1, 1 / 3] }, 'float64'), 'float32'));
    expect(Array.from(b.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  it('cast of NaN / Inf to bool is true, of -0 is false', () => {
    const out = runOnce(tf.cast(constOf({ shape: [4], data: [NaN, Infinity, -0, 0] }, 'float32'), 'bool'));
    expect(out.toArray()).toEqual([true, true, false, false]);
  });

  it('cast to the same dtype returns the input tensor itself (no op)', () => {
    const x = tf.constant(Float32Array.from([1]));
    expect(tf.cast(x, 'float32')).toBe(x);
  });

  it('int64 → float64 of values beyond 2^53 rounds like Number(bigint)', () => {
    const v = 2n ** 60n + 12345n;
    const out = runOnce(tf.cast(tf.constant(BigInt64Array.from([v])), 'float64'));
    expect(out.data[0]).toBe(Number(v));
  });
});

describe('Softmax (last axis)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const SHAPES: number[][] = [[1], [7], [2, 3], [33, 65], [4, 1023], [2, 3, 4099], [0, 3], [5, 1]];
  for (const dtype of FLOATS) {
    for (const shape of SHAPES) {
      it(`${dtype} [${shape}]`, () => {
        const a: Arr = { shape, data: randomData(new Lcg(sizeOf(shape) + 11), sizeOf(shape), dtype, -20, 20) };
        const y = tf.nn.softmax(constOf(a, dtype));
        expect(y.shape).toEqual(shape);
        expectMatches(runOnce(y), ref.softmax(a, dtype), dtype, tolFor(dtype, { rtol: 1e-5, atol: 1e-7 }, { rtol: 1e-12, atol: 1e-15 }));
      });
    }
    it(`${dtype} large logits do not overflow (1000, 1001, 1002) and rows sum to 1`, () => {
      const a: Arr = { shape: [2, 3], data: [1000, 1001, 1002, -1000, -1001, -1002] };
      const out = runOnce(tf.nn.softmax(constOf(a, dtype)));
      expectMatches(out, ref.softmax(a, dtype), dtype, tolFor(dtype));
    });
  }

  it('softmax rejects integer logits at build time', () => {
    expect(() => tf.nn.softmax(tf.constant(Int32Array.from([1, 2])))).toThrow();
  });

});
