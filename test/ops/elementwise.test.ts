// Elementwise kernels (binary with numpy broadcasting, unary) against test/reference/ops.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import * as ref from '../reference/ops';
import { Arr, BinaryOp, Lcg, UnaryOp, randomData, sizeOf } from '../reference/ops';
import { FLOATS, NUMERIC, constOf, expectMatches, runOnce, tolFor } from './helpers';

const BUILD_BINARY: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  Add: (a, b) => tf.add(a, b),
  Sub: (a, b) => tf.subtract(a, b),
  Mul: (a, b) => tf.multiply(a, b),
  RealDiv: (a, b) => tf.divide(a, b),
  Maximum: (a, b) => tf.maximum(a, b),
  Minimum: (a, b) => tf.minimum(a, b),
};
const BUILD_UNARY: Record<UnaryOp, (a: tf.Tensor) => tf.Tensor> = {
  Neg: (a) => tf.negative(a), Abs: (a) => tf.abs(a), Exp: (a) => tf.exp(a), Log: (a) => tf.log(a),
  Sqrt: (a) => tf.sqrt(a), Square: (a) => tf.square(a), Tanh: (a) => tf.tanh(a),
  Sigmoid: (a) => tf.sigmoid(a), Relu: (a) => tf.nn.relu(a),
};

// Same-shape sizes cross SIMD tails (1, 7, 33) and thread chunks (1023, 4099).
const SHAPE_PAIRS: [number[], number[]][] = [
  [[], []], [[1], [1]], [[7], [7]], [[33], [33]], [[1023], [1023]], [[4099], [4099]],
  [[2, 3], [3]], [[2, 1], [1, 3]], [[], [5]], [[5], []], [[4, 1, 3], [2, 1]],
  [[4099], []], [[33, 65], [65]], [[65, 1], [1, 33]], [[3, 1, 7], [1, 5, 1]],
  [[0, 3], [3]], [[0, 3], [0, 3]], [[2, 0], [2, 1]],
];

function randArr(rng: Lcg, shape: number[], dtype: tf.DType, lo = -10, hi = 10): Arr {
  return { shape, data: randomData(rng, sizeOf(shape), dtype, lo, hi) };
}

describe('binary elementwise ops vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const ops: BinaryOp[] = ['Add', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum'];
  for (const op of ops) {
    const dtypes = op === 'RealDiv' ? FLOATS : NUMERIC;
    for (const dtype of dtypes) {
      for (const [sa, sb] of SHAPE_PAIRS) {
        it(`${op} ${dtype} [${sa}] ∘ [${sb}]`, () => {
          const rng = new Lcg(sizeOf(sa) * 31 + sizeOf(sb) * 7 + op.length);
          const a = randArr(rng, sa, dtype);
          // divisor away from zero so float32 rounding of the quotient is well-conditioned
          const b = op === 'RealDiv' ? { shape: sb, data: randomData(rng, sizeOf(sb), dtype, 0.5, 10).map((x, i) => (i % 2 ? -x : x)) } : randArr(rng, sb, dtype);
          const out = runOnce(BUILD_BINARY[op](constOf(a, dtype), constOf(b, dtype)));
          expectMatches(out, ref.binary(op, a, b, dtype), dtype, tolFor(dtype));
        });
      }
    }
  }

  it('binary ops on fed placeholders (float32, 4099 elements, broadcast against [1])', () => {
    const rng = new Lcg(99);
    const a = randArr(rng, [4099], 'float32'), b = randArr(rng, [1], 'float32');
    const x = tf.placeholder(tf.float32, [null]), y = tf.placeholder(tf.float32, [1]);
    const outs = (['Add', 'Sub', 'Mul', 'Maximum', 'Minimum'] as BinaryOp[]).map((op) => BUILD_BINARY[op](x, y));
    const sess = new tf.Session();
    try {
      const vals: tf.NDArray[] = sess.run(outs, new Map([[x, Float32Array.from(a.data)], [y, Float32Array.from(b.data)]]));
      (['Add', 'Sub', 'Mul', 'Maximum', 'Minimum'] as BinaryOp[]).forEach((op, i) =>
        expectMatches(vals[i], ref.binary(op, a, b, 'float32'), 'float32', tolFor('float32')));
    } finally { sess.close(); }
  });

  it('int32 Add wraps around like C++ two\'s complement (TF int32 semantics)', () => {
    const a = { shape: [3], data: [2147483647, -2147483648, 100] };
    const b = { shape: [3], data: [1, -1, 5] };
    const out = runOnce(tf.add(constOf(a, 'int32'), constOf(b, 'int32')));
    // NOTE: TF does not define overflow for int32 Add (C++ signed overflow); x86 builds wrap. Unsure
    // whether the contract requires wrapping; kept as a documentation test.
    expect(Array.from(out.data as Int32Array)).toEqual([-2147483648, 2147483647, 105]);
  });

  it('tf.divide of int32 by int32 is a float64 RealDiv (TF1 truediv)', () => {
    const a = tf.constant(Int32Array.from([7, -7, 1])), b = tf.constant(Int32Array.from([2, 2, 3]));
    const q = tf.divide(a, b);
    expect(q.dtype).toBe('float64');
    expect(q.op.type).toBe('RealDiv');
    const out = runOnce(q);
    expect(Array.from(out.data as Float64Array)).toEqual([3.5, -3.5, 1 / 3]);
  });

  for (const dtype of FLOATS) {
    it(`RealDiv ${dtype} IEEE edge cases: x/0 = ±Inf, 0/0 = NaN, NaN propagates`, () => {
      const a = { shape: [5], data: [1, -1, 0, NaN, 3] };
      const b = { shape: [5], data: [0, 0, 0, 2, NaN] };
      const out = runOnce(tf.divide(constOf(a, dtype), constOf(b, dtype)));
      expectMatches(out, { shape: [5], data: [Infinity, -Infinity, NaN, NaN, NaN] }, dtype, tolFor(dtype));
    });

    it(`Maximum / Minimum ${dtype} propagate NaN from either operand`, () => {
      const a = { shape: [6], data: [NaN, 1, NaN, -Infinity, Infinity, 0] };
      const b = { shape: [6], data: [1, NaN, NaN, NaN, 2, NaN] };
      const mx = runOnce(tf.maximum(constOf(a, dtype), constOf(b, dtype)));
      const mn = runOnce(tf.minimum(constOf(a, dtype), constOf(b, dtype)));
      expectMatches(mx, { shape: [6], data: [NaN, NaN, NaN, NaN, Infinity, NaN] }, dtype, tolFor(dtype));
      expectMatches(mn, { shape: [6], data: [NaN, NaN, NaN, NaN, 2, NaN] }, dtype, tolFor(dtype));
    });

    it(`Maximum / Minimum ${dtype} NaN propagation in the SIMD body and tail (33 elements, NaN at 0, 8, 31, 32)`, () => {
      const rng = new Lcg(5);
      const a = randArr(rng, [33], dtype), b = randArr(rng, [33], dtype);
      for (const i of [0, 8, 31]) a.data[i] = NaN;
      b.data[32] = NaN;
      for (const op of ['Maximum', 'Minimum'] as BinaryOp[]) {
        tf.resetDefaultGraph();
        const out = runOnce(BUILD_BINARY[op](constOf(a, dtype), constOf(b, dtype)));
        expectMatches(out, ref.binary(op, a, b, dtype), dtype, tolFor(dtype));
      }
    });

    it(`Add / Mul ${dtype} with ±Inf and NaN follow IEEE`, () => {
      const a = { shape: [4], data: [Infinity, Infinity, NaN, -0] };
      const b = { shape: [4], data: [-Infinity, 2, 1, 0] };
      expectMatches(runOnce(tf.add(constOf(a, dtype), constOf(b, dtype))), { shape: [4], data: [NaN, Infinity, NaN, 0] }, dtype, tolFor(dtype));
      tf.resetDefaultGraph();
      expectMatches(runOnce(tf.multiply(constOf(a, dtype), constOf(b, dtype))), { shape: [4], data: [-Infinity, Infinity, NaN, -0] }, dtype, tolFor(dtype));
    });
  }

  it('incompatible broadcast shapes throw InvalidArgumentError at build time', () => {
    const a = tf.constant(new Float32Array(6), null, [2, 3]);
    const b = tf.constant(new Float32Array(4), null, [4]);
    expect(() => tf.add(a, b)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.add(a, b)).toThrow(/Dimensions must be equal, but are 3 and 4/);
  });
});

describe('unary elementwise ops vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const FLOAT_ONLY: UnaryOp[] = ['Exp', 'Log', 'Sqrt', 'Tanh', 'Sigmoid'];
  const ANY: UnaryOp[] = ['Neg', 'Abs', 'Square', 'Relu'];
  const RANGE: Partial<Record<UnaryOp, [number, number]>> = {
    Exp: [-20, 20], Log: [0.001, 100], Sqrt: [0, 100], Tanh: [-10, 10], Sigmoid: [-30, 30],
  };
  const SHAPES: number[][] = [[], [1], [7], [33], [1023], [4099], [3, 11], [0, 3]];
  for (const op of [...ANY, ...FLOAT_ONLY]) {
    const dtypes = FLOAT_ONLY.includes(op) ? FLOATS : NUMERIC;
    for (const dtype of dtypes) {
      for (const shape of SHAPES) {
        it(`${op} ${dtype} [${shape}]`, () => {
          const [lo, hi] = RANGE[op] ?? [-100, 100];
          const a = randArr(new Lcg(sizeOf(shape) + op.charCodeAt(0)), shape, dtype, lo, hi);
          const out = runOnce(BUILD_UNARY[op](constOf(a, dtype)));
          expectMatches(out, ref.unary(op, a, dtype), dtype, tolFor(dtype, { rtol: 1e-5, atol: 1e-6 }, { rtol: 1e-12, atol: 1e-15 }));
        });
      }
    }
  }

  for (const dtype of FLOATS) {
    it(`${dtype} special values: Exp(±Inf), Log(0), Log(-1), Sqrt(-1), Tanh(±Inf), Sigmoid(±Inf), Abs(-Inf)`, () => {
      const x = { shape: [2], data: [Infinity, -Infinity] };
      const cases: [tf.Tensor, number[]][] = [
        [tf.exp(constOf(x, dtype)), [Infinity, 0]],
        [tf.log(constOf({ shape: [3], data: [0, -1, Infinity] }, dtype)), [-Infinity, NaN, Infinity]],
        [tf.sqrt(constOf({ shape: [3], data: [-1, 0, Infinity] }, dtype)), [NaN, 0, Infinity]],
        [tf.tanh(constOf(x, dtype)), [1, -1]],
        [tf.sigmoid(constOf(x, dtype)), [1, 0]],
        [tf.abs(constOf(x, dtype)), [Infinity, Infinity]],
        [tf.square(constOf(x, dtype)), [Infinity, Infinity]],
        [tf.nn.relu(constOf(x, dtype)), [Infinity, 0]],
      ];
      const sess = new tf.Session();
      try {
        const outs: tf.NDArray[] = sess.run(cases.map((c) => c[0]));
        outs.forEach((o, i) => expectMatches(o, { shape: [cases[i][1].length], data: cases[i][1] }, dtype, tolFor(dtype)));
      } finally { sess.close(); }
    });

    it(`${dtype} NaN propagates through Neg Abs Exp Log Sqrt Square Tanh Sigmoid (NaN in body and tail of 33)`, () => {
      const a = randArr(new Lcg(3), [33], dtype, 0.5, 5);
      for (const i of [0, 9, 32]) a.data[i] = NaN;
      const ops: UnaryOp[] = ['Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Square', 'Tanh', 'Sigmoid'];
      const c = constOf(a, dtype);
      const sess = new tf.Session();
      try {
        const outs: tf.NDArray[] = sess.run(ops.map((op) => BUILD_UNARY[op](c)));
        outs.forEach((o, i) => expectMatches(o, ref.unary(ops[i], a, dtype), dtype, tolFor(dtype)));
      } finally { sess.close(); }
    });
  }

  it('Neg of int32 min wraps (two\'s complement), Abs of int64 values beyond 2^31', () => {
    const n = runOnce(tf.negative(tf.constant(Int32Array.from([-2147483648, 5]))));
    // NOTE: overflow behaviour of Neg(INT_MIN) is not specified by the contract; TF on x86 wraps.
    expect(Array.from(n.data as Int32Array)).toEqual([-2147483648, -5]);
    tf.resetDefaultGraph();
    const a = runOnce(tf.abs(tf.constant(BigInt64Array.from([-5000000000n, 7n]))));
    expect(a.dtype).toBe('int64');
    expect(Array.from(a.data as BigInt64Array)).toEqual([5000000000n, 7n]);
  });

  for (const dtype of FLOATS) {
    it(`${dtype} signed zero: Neg(0) = -0, Abs(-0) = +0, Square(-0) = +0, Sqrt(-0) = -0 (IEEE)`, () => {
      const z = constOf({ shape: [2], data: [0, -0] }, dtype);
      const sess = new tf.Session();
      try {
        const [n, a, q, r]: tf.NDArray[] = sess.run([tf.negative(z), tf.abs(z), tf.square(z), tf.sqrt(z)]);
        expect([Object.is(n.data[0], -0), Object.is(n.data[1], 0)]).toEqual([true, true]);
        expect([Object.is(a.data[0], 0), Object.is(a.data[1], 0)]).toEqual([true, true]);
        expect([Object.is(q.data[0], 0), Object.is(q.data[1], 0)]).toEqual([true, true]);
        expect([Object.is(r.data[0], 0), Object.is(r.data[1], -0)]).toEqual([true, true]);
      } finally { sess.close(); }
    });
  }

  it('float-only unary ops reject int32 at build time', () => {
    const i = tf.constant(Int32Array.from([1, 2]));
    for (const f of [tf.exp, tf.log, tf.sqrt, tf.tanh, tf.sigmoid]) {
      expect(() => f(i)).toThrow();
    }
  });

  it('chainable Tensor methods build the same ops', () => {
    const a = { shape: [7], data: [-3, -1, 0, 0.5, 1, 2, 9] };
    const t = constOf(a, 'float64');
    const y = t.abs().sqrt().add(1).mul(2).sub(t).neg().relu();
    const exp = ref.unary('Relu', ref.unary('Neg', ref.binary('Sub', ref.binary('Mul', ref.binary('Add', ref.unary('Sqrt', ref.unary('Abs', a)), { shape: [], data: [1] }), { shape: [], data: [2] }), a)));
    expectMatches(runOnce(y), exp, 'float64', tolFor('float64'));
  });

  it('typed data: uint8 Add keeps uint8', () => {
    const a = tf.constant(Uint8Array.from([1, 2, 250])), b = tf.constant(Uint8Array.from([3, 4, 5]));
    const out = runOnce(tf.add(a, b));
    expect(out.dtype).toBe('uint8');
    expect(Array.from(out.data as Uint8Array)).toEqual([4, 6, 255]);
  });

});
