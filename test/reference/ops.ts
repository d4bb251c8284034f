// Independent reference implementations for the kernel tests: naive loops over plain JS arrays
// of doubles ({ shape, data }), numpy/TF semantics. Must never import tensorloom — the native
// kernels cannot be their own reference.

export interface Arr { shape: number[]; data: number[] }
export type RefDType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function strides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}

/** Rounds a double to what `dtype` stores (float32 rounding, integer wrap for int32/uint8). */
export function roundTo(x: number, dtype: RefDType): number {
  switch (dtype) {
    case 'float32': return Math.fround(x);
    case 'float64': return x;
    case 'int32': return x | 0;
    case 'uint8': return x & 0xff;
    case 'int64': return x;  // tests keep int64 values well inside 2^53
    case 'bool': return x ? 1 : 0;
  }
}

// ---- broadcasting binary ops ---------------------------------------------------------------

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: incompatible shapes [${a}] [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'RealDiv' | 'Maximum' | 'Minimum';

const BINARY: Record<BinaryOp, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
  // NaN in either operand propagates (TF ≥ 1.x CPU kernels via Eigen's PropagateNaN; numpy too).
  Maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  Minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
};

export function binary(op: BinaryOp, a: Arr, b: Arr, dtype: RefDType = 'float64'): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  const n = sizeOf(shape);
  const sa = strides(a.shape), sb = strides(b.shape);
  const data: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    let ia = 0, ib = 0;
    for (let d = 0; d < shape.length; d++) {
      const da = d - (shape.length - a.shape.length), db = d - (shape.length - b.shape.length);
      if (da >= 0 && a.shape[da] !== 1) ia += idx[d] * sa[da];
      if (db >= 0 && b.shape[db] !== 1) ib += idx[d] * sb[db];
    }
    data[i] = roundTo(BINARY[op](a.data[ia], b.data[ib]), dtype);
  }
  return { shape, data };
}

// ---- unary ops -------------------------------------------------------------------------------

export type UnaryOp = 'Neg' | 'Abs' | 'Exp' | 'Log' | 'Sqrt' | 'Square' | 'Tanh' | 'Sigmoid' | 'Relu';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: (x) => Math.abs(x),
  Exp: (x) => Math.exp(x),
  Log: (x) => Math.log(x),
  Sqrt: (x) => Math.sqrt(x),
  Square: (x) => x * x,
  Tanh: (x) => Math.tanh(x),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Relu: (x) => (x > 0 ? x : 0),
};

export function unary(op: UnaryOp, a: Arr, dtype: RefDType = 'float64'): Arr {
  return { shape: a.shape.slice(), data: a.data.map((x) => roundTo(UNARY[op](x), dtype)) };
}

// ---- matmul ----------------------------------------------------------------------------------

export function matmul(a: Arr, b: Arr, transposeA = false, transposeB = false, dtype: RefDType = 'float64'): Arr {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error('reference matmul: rank 2 only');
  const [ar, ac] = a.shape, [br, bc] = b.shape;
  const m = transposeA ? ac : ar, k = transposeA ? ar : ac;
  const k2 = transposeB ? bc : br, n = transposeB ? br : bc;
  if (k !== k2) throw new Error(`reference matmul: inner dims ${k} != ${k2}`);
  const A = (i: number, p: number) => (transposeA ? a.data[p * ac + i] : a.data[i * ac + p]);
  const B = (p: number, j: number) => (transposeB ? b.data[j * bc + p] : b.data[p * bc + j]);
  const data: number[] = new Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      data[i * n + j] = roundTo(s, dtype);
    }
  }
  return { shape: [m, n], data };
}

// ---- reductions ------------------------------------------------------------------------------

export type ReduceOp = 'Sum' | 'Mean' | 'Max';

/**
 * Reduces over `axes` (negative allowed; undefined = all). Integer Mean truncates toward zero
 * (TF's integer division); an empty Max gives -Infinity for floats / the lowest value for ints,
 * an empty float Mean gives NaN (0/0), as TF's Eigen reducers.
 */
export function reduce(op: ReduceOp, a: Arr, axes?: number[], keepDims = false, dtype: RefDType = 'float64'): Arr {
  const r = a.shape.length;
  const ax = new Set((axes ?? [...Array(r).keys()]).map((x) => (x < 0 ? x + r : x)));
  const outFull = a.shape.map((d, i) => (ax.has(i) ? 1 : d));
  const n = sizeOf(outFull);
  const isInt = dtype === 'int32' || dtype === 'int64' || dtype === 'uint8';
  const lowest = dtype === 'int32' ? -2147483648 : dtype === 'uint8' ? 0 : dtype === 'int64' ? -(2 ** 63) : -Infinity;
  const acc: number[] = new Array(n).fill(op === 'Max' ? lowest : 0);
  const cnt: number[] = new Array(n).fill(0);
  const so = strides(outFull);
  const total = sizeOf(a.shape);
  for (let i = 0; i < total; i++) {
    const idx = unravel(i, a.shape);
    let o = 0;
    for (let d = 0; d < r; d++) if (!ax.has(d)) o += idx[d] * so[d];
    const x = a.data[i];
    if (op === 'Max') acc[o] = Number.isNaN(x) || Number.isNaN(acc[o]) ? NaN : Math.max(acc[o], x);
    else acc[o] += x;
    cnt[o]++;
  }
  const data = acc.map((s, i) => {
    if (op !== 'Mean') return roundTo(s, dtype);
    if (isInt) return cnt[i] === 0 ? 0 : Math.trunc(s / cnt[i]);
    return roundTo(s / cnt[i], dtype);
  });
  const shape = keepDims ? outFull : a.shape.filter((_, i) => !ax.has(i));
  return { shape, data };
}

// ---- softmax, cast ---------------------------------------------------------------------------

/** Softmax over the last axis, max-subtracted (so large logits do not overflow). */
export function softmax(a: Arr, dtype: RefDType = 'float64'): Arr {
  if (a.shape.length === 0) throw new Error('reference softmax: rank >= 1');
  const c = a.shape[a.shape.length - 1];
  const rows = c === 0 ? 0 : a.data.length / c;
  const data: number[] = new Array(a.data.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, a.data[r * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(a.data[r * c + j] - m);
    for (let j = 0; j < c; j++) data[r * c + j] = roundTo(Math.exp(a.data[r * c + j] - m) / s, dtype);
  }
  return { shape: a.shape.slice(), data };
}

/** TF Cast: float → int truncates toward zero, anything → bool is (x != 0), bool → number is 0/1. */
export function cast(a: Arr, to: RefDType): Arr {
  const f = (x: number): number => {
    if (to === 'bool') return x !== 0 ? 1 : 0;
    if (to === 'float32') return Math.fround(x);
    if (to === 'float64') return x;
    const t = Math.trunc(x);
    if (to === 'int32') return t | 0;
    if (to === 'uint8') return t & 0xff;
    return t;
  };
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

// ---- seeded data -----------------------------------------------------------------------------

/** A tiny 32-bit LCG (Numerical Recipes constants); deterministic across runs. */
export class Lcg {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** uniform in [0, 1) */
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 4294967296;
  }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  int(lo: number, hiExclusive: number): number { return lo + Math.floor(this.next() * (hiExclusive - lo)); }
}

/** Random values representable in `dtype`: floats in [lo, hi) rounded to the dtype, ints in [lo, hi). */
export function randomData(rng: Lcg, n: number, dtype: RefDType, lo = -10, hi = 10): number[] {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') out[i] = Math.fround(rng.uniform(lo, hi));
    else if (dtype === 'float64') out[i] = rng.uniform(lo, hi);
    else if (dtype === 'bool') out[i] = rng.int(0, 2);
    else out[i] = rng.int(Math.ceil(lo), Math.ceil(hi));
  }
  return out;
}

// ---- comparison ------------------------------------------------------------------------------

export interface Tolerance { rtol: number; atol: number }

/**
 * First mismatch between an actual `{ shape, data }` (any typed array; bigints allowed) and the
 * reference, or null. NaN matches NaN; ±Inf must match exactly; integers compare exactly when
 * the tolerance is zero. `scale` (optional, per element) replaces |expected| as the magnitude
 * the relative tolerance applies to — e.g. Σ|a||b| for a dot product, so cancellation in the
 * exact result does not demand impossible relative accuracy.
 */
export function mismatch(actual: { shape: readonly number[]; data: ArrayLike<number | bigint> }, expected: Arr, tol: Tolerance,
                         scale?: readonly number[]): string | null {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i]))
    return `shape [${actual.shape}] != expected [${expected.shape}]`;
  if (actual.data.length !== expected.data.length) return `length ${actual.data.length} != ${expected.data.length}`;
  for (let i = 0; i < expected.data.length; i++) {
    const a = Number(actual.data[i]), e = expected.data[i];
    if (Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= tol.atol + tol.rtol * (scale ? scale[i] : Math.abs(e))) continue;
    return `element ${i} (index [${unravel(i, expected.shape)}]): got ${a}, expected ${e} (rtol ${tol.rtol}, atol ${tol.atol})`;
  }
  return null;
}

// ---- conv2d -----------------------------------------------------------------------------------

/**
 * Naive NHWC × HWIO 2-D convolution with TF's SAME/VALID padding rule (pad_total =
 * max((out-1)·stride + (k-1)·dilation + 1 - in, 0), the smaller half before).
 */
export function conv2d(x: Arr, f: Arr, strides: [number, number], padding: 'SAME' | 'VALID', dilations: [number, number] = [1, 1]): Arr {
  const [n, h, w, cin] = x.shape, [kh, kw, , cout] = f.shape;
  const dim = (size: number, k: number, s: number, d: number): [number, number] => {
    const eff = (k - 1) * d + 1;
    if (padding === 'VALID') return [Math.floor((size - eff) / s) + 1, 0];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
  };
  const [oh, pt] = dim(h, kh, strides[0], dilations[0]), [ow, pl] = dim(w, kw, strides[1], dilations[1]);
  const out = new Array(n * oh * ow * cout).fill(0);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let co = 0; co < cout; co++) {
    let acc = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * strides[0] - pt + ky * dilations[0], ix = ox * strides[1] - pl + kx * dilations[1];
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let ci = 0; ci < cin; ci++) acc += x.data[((b * h + iy) * w + ix) * cin + ci] * f.data[((ky * kw + kx) * cin + ci) * cout + co];
    }
    out[((b * oh + oy) * ow + ox) * cout + co] = acc;
  }
  return { shape: [n, oh, ow, cout], data: out };
}
