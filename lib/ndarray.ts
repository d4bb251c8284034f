// NDArray: the concrete host value returned by sess.run, plus the conversion of JS values
// (numbers, booleans, bigints, nested arrays, typed arrays) into typed storage.
import { DType, NDData, TypedArray, dtypeInfo, dtypeOfTypedArray, isDType } from './dtypes';
import { invalidArgument } from './errors';

// Node's util.inspect.custom, by its registered name (keeps Node's types out of the public .d.ts).
const customInspect: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** One element: a number, boolean (bool), bigint (int64) or string (string). */
export type Scalar = number | boolean | bigint | string;
export type NestedArray = Scalar | NestedArray[];
/** What a feed or a constant may be given as. */
export type ValueLike = NestedArray | TypedArray | NDArray | readonly NestedArray[];

/**
 * A dense host array: `data` holds the elements in row-major order, a typed array, or for
 * dtype 'string' a plain array of JS strings (TF's bytes, decoded as UTF-8).
 */
export class NDArray {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: NDData;

  constructor(data: NDData, shape: number[], dtype: DType) {
    const n = shape.reduce((a, b) => a * b, 1);
    if ((dtype === 'string') !== Array.isArray(data))
      throw new TypeError(dtype === 'string' ? 'NDArray of dtype string needs an array of strings as data' : `NDArray of dtype ${dtype} needs a typed array as data`);
    if (data.length !== n) throw invalidArgument(`NDArray data has ${data.length} elements, shape [${shape.join(',')}] needs ${n}`);
    this.data = data;
    this.shape = shape;
    this.dtype = dtype;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** The single element as a JS number, boolean (bool), bigint (int64) or string (string). */
  item(): Scalar {
    if (this.size !== 1) throw invalidArgument(`can only convert an array of size 1 to a scalar (size ${this.size})`);
    return this.at(0);
  }

  private at(i: number): Scalar {
    const v = this.data[i];
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  /** Nested JS arrays (a scalar for rank 0). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.at(0);
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(dim === this.rank - 1 ? this.at(offset + i) : build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * numpy-like text: `15`, `[10, 5, 15]`, `[[1, 2],\n [3, 4]]`. Like numpy, arrays of more than
   * 1000 elements are summarized to their first and last 3 entries per axis with `...`.
   */
  toString(): string {
    const fmt = (v: Scalar): string => formatScalar(v, this.dtype);
    if (this.rank === 0) return fmt(this.at(0));
    const summarize = this.size > 1000;
    const rec = (dim: number, offset: number, indent: string): string => {
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        if (summarize && n > 6 && i === 3) { parts.push('...'); i = n - 4; continue; }
        parts.push(dim === this.rank - 1 ? fmt(this.at(offset + i)) : rec(dim + 1, offset + i * stride, indent + ' '));
      }
      const sep = dim === this.rank - 1 ? ', ' : ',' + '\n'.repeat(this.rank - 1 - dim) + indent + ' ';
      return '[' + parts.join(sep) + ']';
    };
    return rec(0, 0, '');
  }

  /** util.inspect / console.log show the numpy-like text. */
  [customInspect](): string { return this.toString(); }

  /** Scalars convert to their value (`+x`, template strings); arrays to their text. */
  [Symbol.toPrimitive](hint: string): unknown {
    if (this.size === 1 && hint !== 'string') {
      const v = this.at(0);
      return typeof v === 'boolean' ? Number(v) : v;
    }
    return this.toString();
  }

  toJSON(): unknown {
    const a = this.toArray();
    return JSON.parse(JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
}

function formatScalar(v: Scalar, dtype: DType): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number' && dtype === 'float32' && Number.isFinite(v)) {
    for (let p = 1; p <= 9; p++) {  // shortest text that reads back as the same float32
      const s = v.toPrecision(p);
      if (Math.fround(Number(s)) === v) return String(Number(s));
    }
  }
  return String(v);
}

/** `tf.ndarray(data, shape?, dtype?)`: an NDArray from a typed array or nested JS values. */
export function ndarray(data: ValueLike, shape?: number[], dtype?: DType): NDArray {
  const a = toNDArray(data, dtype);
  if (shape === undefined) return a;
  const n = shape.reduce((x, y) => x * y, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw invalidArgument(`Invalid shape [${shape.join(',')}]`);
  if (n !== a.size) throw invalidArgument(`Cannot reshape ${a.size} values to shape [${shape.join(',')}] (${n} values)`);
  return new NDArray(a.data, shape.slice(), a.dtype);
}

function isTypedArray(x: unknown): x is TypedArray { return ArrayBuffer.isView(x) && !(x instanceof DataView); }

/** Infers the shape of nested arrays, checking they are rectangular. */
function shapeOf(v: unknown): number[] {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0]; }
  const check = (x: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(x) || isTypedArray(x)) throw invalidArgument(`Argument must be a dense tensor: ${JSON.stringify(v, bigintReplacer)} - got an irregular nesting`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim])
      throw invalidArgument(`Argument must be a dense tensor: ${JSON.stringify(v, bigintReplacer)} - got shape [${shapeLen(x)}], but wanted [${shape.slice(dim).join(', ')}].`);
    for (const e of x) check(e, dim + 1);
  };
  check(v, 0);
  return shape;
}
const shapeLen = (x: unknown) => (Array.isArray(x) ? x.length : '');
const bigintReplacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}` : v);

/** The dtype JS values take when none is given (API.md: numbers → float32, booleans → bool, bigints → int64). */
export function inferDType(value: unknown): DType {
  if (value instanceof NDArray) return value.dtype;
  if (isTypedArray(value)) {
    const d = dtypeOfTypedArray(value);
    if (!d) throw new TypeError(`Unsupported typed array ${value.constructor.name}`);
    return d;
  }
  const flat = flatten(value);
  if (flat.length === 0) return 'float32';
  let kind: string | undefined;
  for (const x of flat) {
    const k = typeof x;
    if (k !== 'number' && k !== 'boolean' && k !== 'bigint' && k !== 'string') throw notAValue(x);
    if (kind === undefined) kind = k;
    else if (kind !== k) {
      if ((kind === 'bigint' && k === 'number') || (kind === 'number' && k === 'bigint')) kind = 'bigint';
      else throw invalidArgument(`Cannot mix ${kind} and ${k} values in one tensor`);
    }
  }
  return kind === 'boolean' ? 'bool' : kind === 'bigint' ? 'int64' : kind === 'string' ? 'string' : 'float32';
}

/** An element that is no number: objects (a Tensor, an Operation, ...) are the wrong type (TypeError, as TF); strings and the like are bad values of a numeric dtype. */
function notAValue(x: unknown): Error {
  const msg = `Cannot convert ${describe(x)} to a tensor value`;
  return (typeof x === 'object' && x !== null) || typeof x === 'function' ? new TypeError(msg) : invalidArgument(msg);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return `an object of type ${(x as object).constructor?.name ?? 'Object'}`;
  return typeof x === 'string' ? `'${x}' of type string` : `${String(x)} of type ${typeof x}`;
}

function flatten(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [v];
  const out: unknown[] = [];
  const rec = (x: unknown) => { if (Array.isArray(x)) for (const e of x) rec(e); else out.push(x); };
  rec(v);
  return out;
}

/**
 * Converts one element to `dtype`, refusing lossy conversions (API.md): non-integers, NaN or
 * ±Inf into an integer dtype, integers out of range; float64 → float32 narrowing is allowed.
 */
function convertElement(x: unknown, dtype: DType): number | bigint {
  const info = dtypeInfo(dtype);
  if (typeof x === 'string') throw invalidArgument(`Cannot convert '${x}' of type string to ${dtype}`);
  const bad = (why: string) => invalidArgument(`Cannot convert ${typeof x === 'bigint' ? `${x}n` : String(x)} to ${dtype}: ${why}`);
  if (typeof x === 'boolean') return dtype === 'int64' ? BigInt(x ? 1 : 0) : x ? 1 : 0;
  if (typeof x === 'bigint') {
    if (info.float) return Number(x);
    if (dtype === 'int64') {
      if (x < -(1n << 63n) || x >= 1n << 63n) throw bad('out of the int64 range');
      return x;
    }
    if (x < BigInt(info.min!) || x > BigInt(info.max!)) throw bad(`out of the ${dtype} range`);
    return Number(x);
  }
  if (typeof x !== 'number') throw notAValue(x);
  if (info.float) return x;
  if (!Number.isFinite(x)) throw bad('not a finite number');
  if (!Number.isInteger(x)) throw bad('not an integer');
  if (dtype === 'int64') {
    if (x < -9223372036854775808 || x >= 9223372036854775808) throw bad('out of the int64 range');
    return BigInt(x);
  }
  if (x < info.min! || x > info.max!) throw bad(dtype === 'bool' ? 'only 0 and 1 convert to bool' : `out of the ${dtype} range`);
  return x;
}

/** Copies `src` into a new typed array of `dtype`, element by element with the lossless checks. */
function convertArray(src: ArrayLike<unknown>, dtype: DType): NDData {
  if (dtype === 'string') return checkStrings(src);
  const out = new (dtypeInfo(dtype).array)(src.length);
  const fast = dtypeInfo(dtype).float && !(src instanceof BigInt64Array);
  if (fast && (src instanceof Float32Array || src instanceof Float64Array || src instanceof Int32Array || src instanceof Uint8Array)) {
    (out as Float64Array).set(src);
    return out;
  }
  for (let i = 0; i < src.length; i++) (out as unknown as (number | bigint)[])[i] = convertElement(src[i], dtype);
  return out;
}

/**
 * A JS value as an NDArray of `dtype` (or its inferred dtype). Typed arrays of the right
 * dtype are used without copying; everything else is converted with the lossless checks.
 */
export function toNDArray(value: unknown, dtype?: DType): NDArray {
  if (dtype !== undefined && !isDType(dtype)) throw new TypeError(`Invalid dtype ${String(dtype)}`);
  if (value instanceof NDArray) {
    if (dtype === undefined || dtype === value.dtype) return value;
    if (value.dtype === 'string' || dtype === 'string') throw new TypeError(`Cannot convert an NDArray of dtype ${value.dtype} to ${dtype}`);
    const src = value.dtype === 'bool' ? Array.from(value.data as Uint8Array, (v) => v !== 0) : value.data;
    return new NDArray(convertArray(src as ArrayLike<unknown>, dtype), value.shape.slice(), dtype);
  }
  if (isTypedArray(value)) {
    const own = inferDType(value);
    const d = dtype ?? own;
    if (d === 'string') throw new TypeError(`Expected string, got a ${value.constructor.name} instead.`);
    return new NDArray(d === own || (d === 'bool' && value instanceof Uint8Array && value.every((v) => v === 0 || v === 1))
      ? value : convertArray(value as ArrayLike<unknown>, d), [value.length], d);
  }
  const d = dtype ?? inferDType(value);
  const shape = shapeOf(value);
  const flat = flatten(value);
  return new NDArray(convertArray(flat, d), shape, d);
}

// A lone UTF-16 surrogate: a JS string that has no UTF-8 encoding (TextEncoder would silently
// write U+FFFD in its place).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The elements of a string tensor, checked: each must be a JS string (TF: TypeError "Expected
 * string, got 1 of type 'number' instead.") that is well-formed Unicode, so that its UTF-8 bytes
 * (what native holds) decode back to the same string.
 */
export function checkStrings(src: ArrayLike<unknown>): string[] {
  const out: string[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = src[i];
    if (typeof x !== 'string') throw new TypeError(`Expected string, got ${typeof x === 'bigint' ? `${x}n` : typeof x === 'object' && x !== null ? describe(x) : String(x)} of type '${typeof x}' instead.`);
    if (LONE_SURROGATE.test(x)) throw invalidArgument(`String element ${i} is not well-formed Unicode (it holds a lone surrogate) and has no UTF-8 encoding`);
    out[i] = x;
  }
  return out;
}
