// Plain-JS references for the math op tests (math-*.test.ts): naive loops over flat arrays,
// TF's semantics written out independently of the native kernels. Integer math runs on BigInt
// and wraps to the dtype's width; float32 results are rounded with Math.fround after each step
// TF rounds at (one IEEE op computed in double and rounded once is the float32 result).
import * as tf from 'tensorloom';

export type Val = number | bigint;
export interface Ref { shape: number[]; data: Val[] }

export const FLOATS: tf.DType[] = ['float32', 'float64'];
export const INTS: tf.DType[] = ['int32', 'int64', 'uint8'];
export const isInt = (d: tf.DType) => d === 'int32' || d === 'int64' || d === 'uint8';
export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Deterministic pseudo-random numbers in [0, 1). */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed * 2654435761) >>> 0 || 1; }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 4294967296;
  }
  /** n values of `dtype` in [lo, hi) (integers: whole numbers; int64 as bigint). */
  values(n: number, dtype: tf.DType, lo: number, hi: number): Val[] {
    const out: Val[] = [];
    for (let i = 0; i < n; i++) {
      const x = lo + (hi - lo) * this.next();
      if (dtype === 'bool') out.push(x < (lo + hi) / 2 ? 0 : 1);
      else if (isInt(dtype)) out.push(dtype === 'int64' ? BigInt(Math.floor(x)) : Math.floor(x));
      else out.push(dtype === 'float32' ? Math.fround(x) : x);
    }
    return out;
  }
}

/** Rounds an exact result to what `dtype` stores: float32 rounding, integer wrap-around. */
export function store(v: Val | boolean, dtype: tf.DType): Val {
  if (typeof v === 'boolean') return v ? 1 : 0;
  switch (dtype) {
    case 'float32': return Math.fround(Number(v));
    case 'float64': return Number(v);
    case 'int32': return Number(BigInt.asIntN(32, BigInt(v)));
    case 'uint8': return Number(BigInt.asUintN(8, BigInt(v)));
    case 'int64': return BigInt.asIntN(64, BigInt(v));
    case 'bool': return v ? 1 : 0;
  }
}

export function broadcastShape(...shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    let d = 1;
    for (const s of shapes) {
      const e = i < r - s.length ? 1 : s[i - (r - s.length)];
      if (e !== 1 && d !== 1 && e !== d) throw new Error(`reference: shapes [${shapes.join('] [')}] do not broadcast`);
      if (e !== 1) d = e;
    }
    out.push(d);
  }
  return out;
}

/** The element of `a` that output index `idx` (of an output of rank idx.length) reads. */
function at(a: Ref, idx: number[]): Val {
  let flat = 0;
  const off = idx.length - a.shape.length;
  for (let d = 0; d < a.shape.length; d++) flat = flat * a.shape[d] + (a.shape[d] === 1 ? 0 : idx[off + d]);
  return a.data[flat];
}

/** out[i] = f(inputs at i) over the numpy broadcast of the inputs. */
export function broadcastMap(inputs: Ref[], f: (...v: Val[]) => Val): Ref {
  const shape = broadcastShape(...inputs.map((a) => a.shape));
  const n = sizeOf(shape);
  const data: Val[] = [];
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    data.push(f(...inputs.map((a) => at(a, idx))));
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data };
}

export function constOf(a: Ref, dtype: tf.DType): tf.Tensor {
  return tf.constant(tf.ndarray(typedOf(a.data, dtype), a.shape, dtype));
}

export function typedOf(data: readonly Val[], dtype: tf.DType): tf.TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(data, Number);
    case 'float64': return Float64Array.from(data, Number);
    case 'int32': return Int32Array.from(data, Number);
    case 'int64': return BigInt64Array.from(data, (x) => BigInt(x));
    case 'uint8': case 'bool': return Uint8Array.from(data, Number);
  }
}

/** Runs several tensors of one graph in one session. */
export function runAll(ts: tf.Tensor[], feeds?: tf.FeedDict): tf.NDArray[] {
  const sess = new tf.Session({ graph: ts[0].graph });
  try { return sess.run(ts, feeds) as tf.NDArray[]; } finally { sess.close(); }
}

export interface Tol { rtol: number; atol: number }
export const EXACT: Tol = { rtol: 0, atol: 0 };

/** null if `actual` matches `expected` (same dtype, shape, values within tol; NaN == NaN; signs of zero when exact), else why not. */
export function mismatch(actual: tf.NDArray, expected: Ref, dtype: tf.DType, tol: Tol = EXACT): string | null {
  if (actual.dtype !== dtype) return `dtype ${actual.dtype}, expected ${dtype}`;
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape}], expected [${expected.shape}]`;
  const got = Array.from(actual.data as ArrayLike<Val>);
  for (let i = 0; i < got.length; i++) {
    const a = got[i], e = expected.data[i];
    if (typeof a === 'bigint' || typeof e === 'bigint') {
      if (BigInt(a) !== BigInt(e)) return `[${i}] = ${a}, expected ${e}`;
      continue;
    }
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `[${i}] = ${a}, expected ${e}`;
      continue;
    }
    if (a === e) {
      if (tol.rtol === 0 && tol.atol === 0 && Object.is(a, -0) !== Object.is(e, -0)) return `[${i}] = ${Object.is(a, -0) ? '-0' : '+0'}, expected ${Object.is(e, -0) ? '-0' : '+0'}`;
      continue;
    }
    if (!Number.isFinite(e) || Math.abs(a - e) > tol.atol + tol.rtol * Math.abs(e)) return `[${i}] = ${a}, expected ${e}`;
  }
  return null;
}

/** Default tolerance: exact for integers and exactly rounded ops, else relative. */
export function tolFor(dtype: tf.DType, exact: boolean, f32 = 2e-6, f64 = 1e-13): Tol {
  if (exact || isInt(dtype) || dtype === 'bool') return EXACT;
  return dtype === 'float32' ? { rtol: f32, atol: 1e-30 } : { rtol: f64, atol: 1e-300 };
}

// Shapes crossing SIMD tails (7, 33), thread chunks (40000 > 32768), size-0 and size-1 dims, broadcasting.
export const SAME_SHAPES: number[][] = [[], [1], [7], [33], [3, 11], [0, 3], [40000]];
export const BROADCAST_PAIRS: [number[], number[]][] = [
  [[], []], [[1], [1]], [[7], [7]], [[33], [33]], [[2, 3], [3]], [[2, 1], [1, 3]], [[], [5]], [[5], []],
  [[4, 1, 3], [2, 1]], [[3, 1, 7], [1, 5, 1]], [[0, 3], [3]], [[2, 0], [2, 1]], [[40000], []], [[257, 160], [160]],
  [[160, 1], [1, 257]],
];
