// Binary arithmetic with broadcasting: AddV2, Div, DivNoNan, FloorDiv, FloorMod, Pow,
// SquaredDifference, against math-reference.ts; TF's integer semantics and errors; the TF1
// builders' node names and static shapes.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import {
  BROADCAST_PAIRS, Ref, Rng, Val, broadcastMap, constOf, isInt, mismatch, runAll, sizeOf, store, tolFor,
} from './math-reference';

type Op = 'AddV2' | 'Div' | 'DivNoNan' | 'FloorDiv' | 'FloorMod' | 'Pow' | 'SquaredDifference';
const raw = (type: Op) => (x: tf.Tensor, y: tf.Tensor) => {
  switch (type) {
    case 'AddV2': return tf.addV2(x, y);
    case 'Div': return tf.rawOps.Div(x, y);  // the raw op; TF1's tf.div builds RealDiv / FloorDiv
    case 'DivNoNan': return tf.divNoNan(x, y);
    case 'FloorDiv': return tf.floordiv(x, y);
    case 'FloorMod': return tf.floormod(x, y);
    case 'Pow': return tf.pow(x, y);
    case 'SquaredDifference': return tf.squaredDifference(x, y);
  }
};

// TF semantics, exact on BigInt for integers.
const floorDivInt = (a: bigint, b: bigint) => (a % b !== 0n && (a < 0n) !== (b < 0n) ? a / b - 1n : a / b);
const floorModInt = (a: bigint, b: bigint) => { const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; };
function reference(op: Op, a: Val, b: Val, d: tf.DType): Val {
  if (isInt(d)) {
    const x = BigInt(a), y = BigInt(b);
    switch (op) {
      case 'AddV2': return store(x + y, d);
      case 'Div': return store(x / y, d);  // BigInt division truncates, as C++
      case 'FloorDiv': return store(floorDivInt(x, y), d);
      case 'FloorMod': return store(floorModInt(x, y), d);
      case 'Pow': return store(x ** y, d);
      case 'SquaredDifference': return store((x - y) * (x - y), d);
      case 'DivNoNan': throw new Error('float only');
    }
  }
  const x = Number(a), y = Number(b), r = (v: number) => store(v, d) as number;
  switch (op) {
    case 'AddV2': return r(x + y);
    case 'Div': return r(x / y);
    case 'DivNoNan': return y === 0 ? 0 : r(x / y);
    case 'FloorDiv': return Math.floor(r(x / y));
    case 'FloorMod': { const m = x % y; return m !== 0 && (m < 0) !== (y < 0) ? r(m + y) : m; }
    case 'Pow': return r(x ** y);
    case 'SquaredDifference': { const s = r(x - y); return r(s * s); }
  }
}

const DTYPES: Record<Op, tf.DType[]> = {
  AddV2: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  Div: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  DivNoNan: ['float32', 'float64'],
  FloorDiv: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  FloorMod: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  Pow: ['float32', 'float64', 'int32', 'int64'],
  SquaredDifference: ['float32', 'float64', 'int32', 'int64'],
};

/** Operands in ranges that exercise the op (divisors never 0 for integers, exponents >= 0). */
function operands(rng: Rng, op: Op, d: tf.DType, sa: number[], sb: number[]): [Ref, Ref] {
  const lo = d === 'uint8' ? 0 : op === 'Pow' && isInt(d) ? -6 : d === 'int64' ? -3e15 : -1000;
  const hi = d === 'uint8' ? 256 : op === 'Pow' && isInt(d) ? 6 : d === 'int64' ? 3e15 : 1000;
  const a = rng.values(sizeOf(sa), d, lo, hi);
  let b: Val[];
  if (op === 'Pow') b = rng.values(sizeOf(sb), d, isInt(d) ? 0 : -3, isInt(d) ? 40 : 3);
  else if (['Div', 'FloorDiv', 'FloorMod', 'DivNoNan'].includes(op)) {
    b = rng.values(sizeOf(sb), d, d === 'uint8' ? 1 : -20, 20).map((v) => (Number(v) === 0 && (isInt(d) || op !== 'DivNoNan') ? (d === 'int64' ? 7n : 7) : v));
    if (op === 'DivNoNan') b = b.map((v, i) => (i % 5 === 0 ? 0 : v));
  } else b = rng.values(sizeOf(sb), d, lo, hi);
  if (op === 'Pow' && !isInt(d)) a.forEach((v, i) => { if (i % 2) a[i] = Math.abs(Number(v)) % 4; });
  return [{ shape: sa, data: a }, { shape: sb, data: b }];
}

describe('binary math ops vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const op of Object.keys(DTYPES) as Op[]) {
    for (const d of DTYPES[op]) {
      it(`${op} ${d} over ${BROADCAST_PAIRS.length} shape pairs`, () => {
        const rng = new Rng(op.length * 31 + d.length);
        const cases = BROADCAST_PAIRS.map(([sa, sb]) => operands(rng, op, d, sa, sb));
        const outs = runAll(cases.map(([a, b]) => raw(op)(constOf(a, d), constOf(b, d))));
        // Pow and float division round once in TF (f32: correctly rounded), Pow via libm.
        const exact = op !== 'Pow';
        cases.forEach(([a, b], i) => {
          const want = broadcastMap([a, b], (x, y) => reference(op, x, y, d));
          const m = mismatch(outs[i], want, d, tolFor(d, exact, 4e-7));
          expect(m, `[${a.shape}] ∘ [${b.shape}]: ${m}`).toBeNull();
        });
      });
    }
  }
});

/** Runs op(x, y) on constants of dtype d and returns the values as plain numbers/bigints. */
function values(f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, x: Val[], y: Val[], d: tf.DType): Val[] {
  tf.resetDefaultGraph();
  const [out] = runAll([f(constOf({ shape: [x.length], data: x }, d), constOf({ shape: [y.length], data: y }, d))]);
  expect(out.dtype).toBe(d);
  return Array.from(out.data as ArrayLike<Val>);
}
const MIN32 = -2147483648, MAX32 = 2147483647, MIN64 = -(2n ** 63n);

describe('binary math ops: TF edge cases (values from TF 2.x CPU kernels)', () => {
  it('Div on integers truncates toward zero; MIN / -1 wraps; uint8', () => {
    expect(values(tf.rawOps.Div, [7, -7, 7, -7, MIN32], [2, 2, -2, -2, -1], 'int32')).toEqual([3, -3, -3, 3, MIN32]);
    expect(values(tf.rawOps.Div, [MIN64], [-1n], 'int64')).toEqual([MIN64]);
    expect(values(tf.rawOps.Div, [7, 200], [2, 3], 'uint8')).toEqual([3, 66]);
    expect(values(tf.rawOps.Div, [1, 0, -1], [0, 0, 0], 'float32')).toEqual([Infinity, NaN, -Infinity]);
  });

  it('FloorDiv rounds toward -inf for integers and floats', () => {
    expect(values(tf.floordiv, [7, -7, 7, -7, MIN32, MIN32], [2, 2, -2, -2, -1, 3], 'int32')).toEqual([3, -4, -4, 3, MIN32, -715827883]);
    expect(values(tf.floordiv, [MIN64, MIN64], [-1n, 3n], 'int64')).toEqual([MIN64, -3074457345618258603n]);
    expect(values(tf.floordiv, [200, 7], [3, 255], 'uint8')).toEqual([66, 0]);
    expect(values(tf.floordiv, [7, -7, 1, 0, -1], [2, 2, 0, 0, 0], 'float32')).toEqual([3, -4, Infinity, NaN, -Infinity]);
  });

  it('FloorMod takes the divisor\'s sign (fmod-based for floats)', () => {
    expect(values(tf.floormod, [7, -7, 7, -7, MIN32], [3, 3, -3, -3, -1], 'int32')).toEqual([1, 2, -2, -1, 0]);
    expect(values(tf.mod, [MIN64, MIN64], [-1n, 3n], 'int64')).toEqual([0n, 1n]);
    expect(values(tf.floormod, [7, 200], [3, 7], 'uint8')).toEqual([1, 4]);
    for (const d of ['float32', 'float64'] as tf.DType[]) {
      const got = values(tf.floormod, [7, -7, 7, -7, 5, 1, Infinity, -0, 6, -1], [3, 3, -3, -3, 0, Infinity, 2, 3, -3, Infinity], d);
      expect(got).toEqual([1, 2, -2, -1, NaN, 1, NaN, -0, 0, Infinity]);
      expect(Object.is(got[7], -0) && Object.is(got[8], 0)).toBe(true);
    }
  });

  it('Pow: integer powers wrap, special float cases follow C pow', () => {
    expect(values(tf.pow, [3, 2, -2, 0, 5, 0, -1, -1, 2], [40, 10, 3, 0, 0, 0, 3, 4, 31], 'int32'))
      .toEqual([689956897, 1024, -8, 1, 1, 1, -1, 1, MIN32]);
    expect(values(tf.pow, [2n, 7n], [63n, 1000000007n], 'int64')).toEqual([MIN64, 6499202723253887223n]);
    expect(values(tf.pow, [1, NaN, -1, 0, -0, -2, 0, -8], [NaN, 0, Infinity, 0, -1, 0.5, -1, 1 / 3], 'float32'))
      .toEqual([1, 1, 1, 1, -Infinity, NaN, Infinity, NaN]);
  });

  it('DivNoNan is 0 wherever y is 0, NaN only from NaN in y', () => {
    for (const d of ['float32', 'float64'] as tf.DType[]) {
      expect(values(tf.divNoNan, [1, 0, NaN, Infinity, 1, 3], [0, 0, 0, 0, NaN, 2], d)).toEqual([0, 0, 0, 0, NaN, 1.5]);
    }
  });

  it('SquaredDifference wraps for integers, is exact for representable floats', () => {
    expect(values(tf.squaredDifference, [MAX32, 3], [MIN32, -4], 'int32')).toEqual([1, 49]);
    expect(values(tf.squaredDifference, [Infinity, 1.5], [Infinity, -1], 'float32')).toEqual([NaN, 6.25]);
  });

  it('AddV2 wraps like Add', () => {
    expect(values(tf.addV2, [MAX32, 250], [1, 10], 'int32')).toEqual([MIN32, 260]);
    expect(values(tf.addV2, [250], [10], 'uint8')).toEqual([4]);
  });
});

describe('binary math ops: run-time errors', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const expectRunError = (t: tf.Tensor, re: RegExp, feeds?: tf.FeedDict) => {
    const sess = new tf.Session({ graph: t.graph });
    try {
      expect(() => sess.run(t, feeds)).toThrow(tf.errors.InvalidArgumentError);
      expect(() => sess.run(t, feeds)).toThrow(re);
      // the session stays usable
      expect(sess.run(tf.constant(1, 'int32'))).toBeDefined();
    } finally { sess.close(); }
  };

  for (const d of ['int32', 'int64', 'uint8'] as tf.DType[]) {
    it(`integer division by zero (${d}) in Div, FloorDiv, FloorMod, also broadcast`, () => {
      const x = constOf({ shape: [2, 2], data: [1, 2, 3, 4].map((v) => (d === 'int64' ? BigInt(v) : v)) }, d);
      const y = constOf({ shape: [2], data: [1, 0].map((v) => (d === 'int64' ? BigInt(v) : v)) }, d);
      for (const f of [tf.rawOps.Div, tf.floordiv, tf.floormod, tf.div]) expectRunError(f(x, y), /Integer division by zero/);
    });
  }

  it('an empty result never divides: no error for a zero divisor against [0, 2]', () => {
    const x = tf.constant(new Int32Array(0), 'int32', [0, 2]);
    const out = runAll([tf.floordiv(x, tf.constant(Int32Array.from([0, 1])))])[0];
    expect(out.shape).toEqual([0, 2]);
  });

  it('integers to negative powers fail as in TF', () => {
    for (const d of ['int32', 'int64'] as tf.DType[]) {
      const one = d === 'int64' ? 1n : 1;
      expectRunError(tf.pow(constOf({ shape: [2], data: [one, one] }, d), constOf({ shape: [], data: [d === 'int64' ? -1n : -1] }, d)),
        /Integers to negative integer powers are not allowed/);
    }
  });

  it('incompatible fed shapes: "Incompatible shapes: [2] vs. [3]"', () => {
    const x = tf.placeholder('float32', [null]), y = tf.placeholder('float32', [null]);
    for (const f of [tf.addV2, tf.pow, tf.floormod, tf.squaredDifference]) {
      expectRunError(f(x, y), /Incompatible shapes: \[2\] vs\. \[3\]/, [[x, [1, 2]], [y, [1, 2, 3]]]);
    }
  });
});

describe('binary math builders: TF1 names, dtypes, static shapes', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const names = (t: tf.Tensor) => t.graph.getOperations().map((o) => `${o.name}:${o.type}`);

  it('tf.div is TF1\'s Python-2 division: RealDiv for floats, FloorDiv for integers, scope "div"', () => {
    const f = tf.div(tf.constant([1, 2]), 2);
    expect(f.op.type).toBe('RealDiv');
    expect(names(f)).toEqual(['Const:Const', 'div/y:Const', 'div:RealDiv']);
    const i = tf.div(tf.constant(Int32Array.from([-7, 7])), 2);
    expect(i.op.type).toBe('FloorDiv');
    expect(i.name).toBe('div_1:0');
    expect(Array.from(runAll([i])[0].data as Int32Array)).toEqual([-4, 3]);
    expect(() => tf.div(tf.constant([1]), tf.constant(Int32Array.from([1])))).toThrow(/x and y must have the same dtype, got float32 != int32/);
  });

  it('default names: floordiv, div_no_nan, FloorMod (mod too), Pow, SquaredDifference, AddV2, Div', () => {
    const x = tf.constant([1, 2]);
    const cases: [tf.Tensor, string, string][] = [
      [tf.floordiv(x, 2), 'floordiv', 'FloorDiv'], [tf.divNoNan(x, 2), 'div_no_nan', 'DivNoNan'],
      [tf.floormod(x, 2), 'FloorMod', 'FloorMod'], [tf.mod(x, 2), 'FloorMod_1', 'FloorMod'],
      [tf.pow(x, 2), 'Pow', 'Pow'], [tf.squaredDifference(x, 2), 'SquaredDifference', 'SquaredDifference'],
      [tf.addV2(x, 2), 'AddV2', 'AddV2'], [tf.rawOps.Div(x, 2), 'Div', 'Div'], [tf.divideNoNan(x, 2, { name: 'q' }), 'q', 'DivNoNan'],
    ];
    for (const [t, name, type] of cases) {
      expect(t.op.name).toBe(name);
      expect(t.op.type).toBe(type);
      expect(t.op.inputs[1].op.name).toBe(`${name}/y`);
    }
  });

  it('JS operands take the tensor operand\'s dtype', () => {
    const p = tf.pow(tf.constant(Int32Array.from([2, 3])), 3);
    expect(p.dtype).toBe('int32');
    expect(Array.from(runAll([p])[0].data as Int32Array)).toEqual([8, 27]);
    const q = tf.floormod(7, tf.constant(BigInt64Array.from([3n])));
    expect(q.dtype).toBe('int64');
    expect(q.op.inputs[0].op.name).toBe('FloorMod/x');
  });

  it('dtypes outside TF\'s allowed lists are rejected at build time', () => {
    const u = tf.constant(Uint8Array.from([1]));
    expect(() => tf.pow(u, u)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.pow(u, u)).toThrow(/not in list of allowed values/);
    expect(() => tf.divNoNan(tf.constant(Int32Array.from([1])), 1)).toThrow(/not in list of allowed values: float32, float64/);
    expect(() => tf.squaredDifference(u, u)).toThrow(/not in list of allowed values/);
    const b = tf.constant([true]);
    expect(() => tf.addV2(b, b)).toThrow(/not in list of allowed values/);
    expect(() => tf.floordiv(b, b)).toThrow(/not in list of allowed values/);
  });

  it('static shapes broadcast, unknown dims and ranks propagate, incompatible dims fail at build time', () => {
    const p = tf.placeholder('float32', [null, 3]), q = tf.placeholder('float32', [4, 1, 1]);
    expect(tf.pow(p, tf.placeholder('float32', [3])).shape).toEqual([null, 3]);
    expect(tf.floormod(p, q).shape).toEqual([4, null, 3]);
    expect(tf.squaredDifference(p, tf.placeholder('float32')).shape).toBeNull();
    expect(tf.addV2(tf.placeholder('float32', [null]), tf.placeholder('float32', [1])).shape).toEqual([null]);
    expect(() => tf.floordiv(p, tf.placeholder('float32', [4]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.floordiv(p, tf.placeholder('float32', [4]))).toThrow(/Dimensions must be equal, but are 3 and 4 for 'floordiv_1' \(op: 'FloorDiv'\) with input shapes: \[\?,3\], \[4\]/);
  });

  it('unknown shapes resolve at run time (fed [2,1] ∘ [3] → [2,3])', () => {
    const x = tf.placeholder('float32'), y = tf.placeholder('float32', [null]);
    const z = tf.squaredDifference(x, y);
    const sess = new tf.Session();
    try {
      const out = sess.run(z, [[x, [[1], [2]]], [y, [0, 1, 3]]]) as tf.NDArray;
      expect(out.shape).toEqual([2, 3]);
      expect(Array.from(out.data as Float32Array)).toEqual([1, 0, 4, 4, 1, 1]);
    } finally { sess.close(); }
  });
});
