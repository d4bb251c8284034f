// Static shape rules, one per rule name in schema.ts (TF's shape functions, partial shapes:
// null = unknown dim, a null shape = unknown rank). Errors use TF 1.15's texts.
import type { AttrValue, StaticShape, Tensor } from '../graph';
import { invalidArgument } from '../errors';
import { NDArray } from '../ndarray';
import type { OpDef, ShapeContext, ShapeRule } from './registry';

/** TF's TensorShape text: `[2,?]`, or `?` for unknown rank. */
export function shapeText(s: StaticShape | readonly number[]): string {
  return s === null ? '?' : `[${s.map((d) => (d === null || d < 0 ? '?' : d)).join(',')}]`;
}

/**
 * The value of a tensor known at build time, else null: a Const, or a small integer
 * computation over constants and known shapes (Shape, Size, Rank, Pack, ConcatV2, Slice,
 * StridedSlice, GatherV2, Cast, arithmetic, Prod...), as TF's shape inference evaluates
 * constant subgraphs. Real frozen graphs compute Reshape's shape this way.
 */
export function constantValue(t: Tensor): NDArray | null {
  if (t.op.type === 'Const') return t.op.attrs.get('value')!.value as NDArray;
  let cache = evalCache.get(t.graph);
  if (!cache) { cache = new Map(); evalCache.set(t.graph, cache); }
  if (cache.has(t)) return cache.get(t)!;
  let v: NDArray | null = null;
  try { v = evaluate(t, 0); } catch { v = null; }
  cache.set(t, v);
  return v;
}
const evalCache = new WeakMap<object, Map<Tensor, NDArray | null>>();

/** Largest value the build-time evaluator computes (it is for shapes and axes, not data). */
const MAX_EVAL = 64;

type IntVec = { vals: number[]; shape: number[] };

function intsOf(t: Tensor, depth: number): IntVec | null {
  const v = depth === 0 ? constantValue(t) : evaluateOrConst(t, depth);
  if (!v || (v.dtype !== 'int32' && v.dtype !== 'int64') || v.size > MAX_EVAL) return null;
  return { vals: Array.from(v.data as ArrayLike<number | bigint>, Number), shape: v.shape };
}
function evaluateOrConst(t: Tensor, depth: number): NDArray | null {
  if (t.op.type === 'Const') return t.op.attrs.get('value')!.value as NDArray;
  return evaluate(t, depth);
}
function intArray(vals: number[], shape: number[], dtype: 'int32' | 'int64' = 'int32'): NDArray {
  const data = dtype === 'int32' ? Int32Array.from(vals) : BigInt64Array.from(vals, (x) => BigInt(x));
  return new NDArray(data, shape, dtype);
}

function evaluate(t: Tensor, depth: number): NDArray | null {
  if (depth > 32) return null;
  const op = t.op;
  const a = (n: string) => op.attrs.get(n)?.value;
  const outType = (t.dtype === 'int64' ? 'int64' : 'int32') as 'int32' | 'int64';
  if (t.dtype !== 'int32' && t.dtype !== 'int64') return null;
  const inp = (i: number) => intsOf(op.inputs[i], depth + 1);
  switch (op.type) {
    case 'Identity': case 'Snapshot': case 'StopGradient': {
      const x = inp(0); return x && intArray(x.vals, x.shape, outType);
    }
    case 'Shape': {
      const s = op.inputs[0].shape;
      if (s === null || s.some((d) => d === null)) return null;
      return intArray(s as number[], [s.length], outType);
    }
    case 'Size': {
      const s = op.inputs[0].shape;
      if (s === null || s.some((d) => d === null)) return null;
      return intArray([(s as number[]).reduce((x, y) => x * y, 1)], [], outType);
    }
    case 'Rank': {
      const s = op.inputs[0].shape;
      return s === null ? null : intArray([s.length], [], 'int32');
    }
    case 'Cast': { const x = inp(0); return x && intArray(x.vals, x.shape, outType); }
    case 'Reshape': case 'ExpandDims': case 'Squeeze': {
      const x = inp(0);
      const s = t.shape;
      if (!x || s === null || s.some((d) => d === null)) return null;
      return intArray(x.vals, s as number[], outType);
    }
    case 'Pack': {
      const n = op.inputs.length;
      const parts = op.inputs.map((_, i) => inp(i));
      if (parts.some((p) => !p || p.shape.length !== 0) || (a('axis') as number) !== 0 && (a('axis') as number) !== -1) return null;
      return intArray(parts.map((p) => p!.vals[0]), [n], outType);
    }
    case 'ConcatV2': {
      const parts = op.inputs.slice(0, -1).map((_, i) => inp(i));
      if (parts.some((p) => !p || p.shape.length !== 1)) return null;
      const vals = parts.flatMap((p) => p!.vals);
      return intArray(vals, [vals.length], outType);
    }
    case 'Add': case 'AddV2': case 'Sub': case 'Mul': case 'FloorDiv': case 'Maximum': case 'Minimum': case 'FloorMod': {
      const x = inp(0), y = inp(1);
      if (!x || !y) return null;
      if (x.shape.length > 1 || y.shape.length > 1) return null;
      const n = Math.max(x.vals.length, y.vals.length);
      if (x.vals.length !== n && x.vals.length !== 1 || y.vals.length !== n && y.vals.length !== 1) return null;
      const f = { Add: (p: number, q: number) => p + q, AddV2: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q,
        Mul: (p: number, q: number) => p * q, FloorDiv: (p: number, q: number) => (q === 0 ? NaN : Math.floor(p / q)),
        FloorMod: (p: number, q: number) => (q === 0 ? NaN : p - Math.floor(p / q) * q),
        Maximum: Math.max, Minimum: Math.min }[op.type]!;
      const vals: number[] = [];
      for (let i = 0; i < n; i++) vals.push(f(x.vals[x.vals.length === 1 ? 0 : i], y.vals[y.vals.length === 1 ? 0 : i]));
      if (vals.some((v) => !Number.isSafeInteger(v))) return null;
      const shape = x.shape.length >= y.shape.length ? x.shape : y.shape;
      return intArray(vals, n === 1 && shape.length === 0 ? [] : [n], outType);
    }
    case 'Prod': case 'Sum': {
      const x = inp(0), ax = inp(1);
      if (!x || !ax || x.shape.length !== 1 || a('keep_dims')) return null;
      if (!(ax.vals.length === 1 && (ax.vals[0] === 0 || ax.vals[0] === -1))) return null;
      const r = x.vals.reduce((p, q) => (op.type === 'Prod' ? p * q : p + q), op.type === 'Prod' ? 1 : 0);
      return Number.isSafeInteger(r) ? intArray([r], [], outType) : null;
    }
    case 'Slice': {
      const x = inp(0), b = inp(1), sz = inp(2);
      if (!x || !b || !sz || x.shape.length !== 1) return null;
      const begin = b.vals[0], size = sz.vals[0] === -1 ? x.vals.length - begin : sz.vals[0];
      if (begin < 0 || size < 0 || begin + size > x.vals.length) return null;
      return intArray(x.vals.slice(begin, begin + size), [size], outType);
    }
    case 'StridedSlice': {
      const x = inp(0), b = inp(1), e = inp(2), st = inp(3);
      if (!x || !b || !e || !st || x.shape.length !== 1 || b.vals.length !== 1) return null;
      if ((a('ellipsis_mask') as number) || (a('new_axis_mask') as number)) return null;
      const n = x.vals.length, stride = st.vals[0];
      if (stride === 0) return null;
      const shrink = ((a('shrink_axis_mask') as number) & 1) !== 0;
      const norm = (i: number) => (i < 0 ? i + n : i);
      if (shrink) {
        const i = norm(b.vals[0]);
        return i >= 0 && i < n ? intArray([x.vals[i]], [], outType) : null;
      }
      const clamp = (i: number, lo: number, hi: number) => Math.min(Math.max(i, lo), hi);
      let start: number, stop: number;
      if (stride > 0) {
        start = (a('begin_mask') as number) & 1 ? 0 : clamp(norm(b.vals[0]), 0, n);
        stop = (a('end_mask') as number) & 1 ? n : clamp(norm(e.vals[0]), 0, n);
      } else {
        start = (a('begin_mask') as number) & 1 ? n - 1 : clamp(norm(b.vals[0]), -1, n - 1);
        stop = (a('end_mask') as number) & 1 ? -1 : clamp(norm(e.vals[0]), -1, n - 1);
      }
      const vals: number[] = [];
      for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) vals.push(x.vals[i]);
      return intArray(vals, [vals.length], outType);
    }
    case 'GatherV2': {
      const x = inp(0), idx = inp(1), ax = inp(2);
      if (!x || !idx || !ax || x.shape.length !== 1 || ax.vals[0] !== 0 || idx.shape.length > 1) return null;
      const vals = idx.vals.map((i) => x.vals[i]);
      if (vals.some((v) => v === undefined)) return null;
      return intArray(vals, idx.shape, outType);
    }
    case 'Range': {
      const s = inp(0), l = inp(1), d = inp(2);
      if (!s || !l || !d || d.vals[0] === 0) return null;
      const vals: number[] = [];
      for (let i = s.vals[0]; d.vals[0] > 0 ? i < l.vals[0] : i > l.vals[0]; i += d.vals[0]) { vals.push(i); if (vals.length > MAX_EVAL) return null; }
      return intArray(vals, [vals.length], outType);
    }
    case 'Fill': {
      const dims = inp(0), v = inp(1);
      if (!dims || !v || dims.vals.length !== 1 || dims.vals[0] > MAX_EVAL || dims.vals[0] < 0) return null;
      return intArray(new Array(dims.vals[0]).fill(v.vals[0]), [dims.vals[0]], outType);
    }
    default: return null;
  }
}

/**
 * A shape given as a 1-D int tensor, as far as it is known at build time (TF's
 * MakeShapeFromShapeTensor): a constant gives its dims (-1 = unknown), a Pack of scalars gives
 * the dims that are constant, Shape(x) gives x's static shape, a ConcatV2 joins such parts;
 * otherwise the rank from the tensor's length, or unknown rank.
 */
export function shapeFromTensor(t: Tensor): StaticShape {
  const v = constantValue(t);
  if (v) {
    if (v.rank !== 1) return null;
    return Array.from(v.data as ArrayLike<number | bigint>, (d) => (Number(d) < 0 ? null : Number(d)));
  }
  const op = t.op;
  if (op.type === 'Shape') return op.inputs[0].shape === null ? null : op.inputs[0].shape.slice();
  if (op.type === 'Pack' && (op.attrs.get('axis')!.value === 0)) {
    return op.inputs.map((x) => {
      const c = constantValue(x);
      if (c && c.size === 1) { const d = Number(c.data[0]); return d < 0 ? null : d; }
      return dimOfShapeSlice(x);
    });
  }
  if (op.type === 'ConcatV2') {
    const parts = op.inputs.slice(0, -1).map(shapeFromTensor);
    if (parts.every((p) => p !== null)) return parts.flat();
  }
  if (op.type === 'Cast' || op.type === 'Identity') return shapeFromTensor(op.inputs[0]);
  const sliced = shapeSlice(t);
  if (sliced) return sliced;
  const s = t.shape;
  return s !== null && s.length === 1 && s[0] !== null ? new Array(s[0]).fill(null) : null;
}

/** StridedSlice(Shape(x), [b], [e], [1]) with only begin/end masks → x's static dims b:e (boolean_mask builds these). */
function shapeSlice(t: Tensor): StaticShape | undefined {
  const op = t.op;
  if (op.type !== 'StridedSlice' || op.inputs[0].op.type !== 'Shape') return undefined;
  const s = op.inputs[0].op.inputs[0].shape;
  const [b, e, st] = [1, 2, 3].map((i) => constantValue(op.inputs[i]));
  const mask = (n: string) => op.attrs.get(n)!.value as number;
  if (s === null || !b || !e || !st || b.size !== 1 || e.size !== 1 || Number(st.data[0]) !== 1 ||
      mask('ellipsis_mask') || mask('new_axis_mask') || mask('shrink_axis_mask')) return undefined;
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + s.length : i, 0), s.length);
  const begin = mask('begin_mask') & 1 ? 0 : clamp(Number(b.data[0]));
  const end = mask('end_mask') & 1 ? s.length : clamp(Number(e.data[0]));
  return s.slice(begin, Math.max(begin, end));
}

/** StridedSlice(Shape(x), [i], [i+1], shrink) → x's static dim i (or null). */
function dimOfShapeSlice(t: Tensor): number | null {
  const op = t.op;
  if (op.type !== 'StridedSlice' || op.inputs[0].op.type !== 'Shape') return null;
  const s = op.inputs[0].op.inputs[0].shape;
  const b = constantValue(op.inputs[1]);
  if (s === null || !b || b.size !== 1 || !((op.attrs.get('shrink_axis_mask')!.value as number) & 1)) return null;
  let i = Number(b.data[0]);
  if (i < 0) i += s.length;
  return i >= 0 && i < s.length ? s[i] : null;
}

const where = (type: string, name: string, inputs: readonly Tensor[]) =>
  `for '${name}' (op: '${type}') with input shapes: ${inputs.map((t) => shapeText(t.shape)).join(', ')}.`;

/**
 * A 1-D shape argument (Reshape's shape, Fill's dims): its values when it is a constant, else
 * the partial result it still implies (rank from the argument's length, when that is known).
 */
function shapeArgument(t: Tensor, type: string, name: string, inputs: Tensor[]): number[] | { partial: StaticShape } {
  const v = constantValue(t);
  if (v === null) return { partial: shapeFromTensor(t) };
  if (v.rank !== 1) throw invalidArgument(`Shape must be rank 1 but is rank ${v.rank} ${where(type, name, inputs)}`);
  return Array.from(v.data as ArrayLike<number | bigint>, Number);
}

export function broadcastShapes(a: StaticShape, b: StaticShape, fail: (da: number, db: number) => Error): StaticShape {
  if (a === null || b === null) return null;
  const n = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null) out.push(db);
    else if (db === null) out.push(da);
    else if (da === db) out.push(da);
    else throw fail(da, db);
  }
  return out;
}

function normalizeAxes(axes: number[], rank: number, type: string, name: string, inputs: Tensor[]): number[] {
  return axes.map((ax) => {
    if (ax < -rank || ax >= rank) throw invalidArgument(`Invalid reduction dimension ${ax} for input with ${rank} dimensions. ${where(type, name, inputs)}`);
    return ax < 0 ? ax + rank : ax;
  });
}

export function inferShape(rule: ShapeRule, type: string, name: string, inputs: Tensor[],
                           attrs: ReadonlyMap<string, AttrValue>): StaticShape {
  switch (rule) {
    case 'const': return (attrs.get('value')!.value as NDArray).shape.slice();
    case 'placeholder': {
      const s = attrs.get('shape')!.value as StaticShape;
      if (inputs.length && s !== null && inputs[0].shape !== null) {
        broadcastCompatible(inputs[0].shape, s, type, name, inputs);
      }
      return s === null ? null : s.slice();
    }
    case 'same': return inputs[0].shape === null ? null : inputs[0].shape.slice();
    case 'none': return null;
    case 'broadcast':
      return broadcastShapes(inputs[0].shape, inputs[1].shape, (da, db) =>
        invalidArgument(`Dimensions must be equal, but are ${da} and ${db} ${where(type, name, inputs)}`));
    case 'matmul': {
      const [a, b] = inputs.map((t) => t.shape);
      for (const s of [a, b]) {
        if (s !== null && s.length !== 2) throw invalidArgument(`Shape must be rank 2 but is rank ${s.length} ${where(type, name, inputs)}`);
      }
      const ta = attrs.get('transpose_a')!.value as boolean, tb = attrs.get('transpose_b')!.value as boolean;
      const m = a ? a[ta ? 1 : 0] : null, ka = a ? a[ta ? 0 : 1] : null;
      const kb = b ? b[tb ? 1 : 0] : null, n = b ? b[tb ? 0 : 1] : null;
      if (ka !== null && kb !== null && ka !== kb) throw invalidArgument(`Dimensions must be equal, but are ${ka} and ${kb} ${where(type, name, inputs)}`);
      return [m, n];
    }
    case 'reduce': {
      const x = inputs[0].shape;
      const keep = attrs.get('keep_dims')!.value as boolean;
      const axesVal = constantValue(inputs[1]);
      if (x === null) return null;
      if (axesVal === null) return keep ? x.map(() => null) : null;
      const axes = normalizeAxes(Array.from(axesVal.data as Int32Array, Number), x.length, type, name, inputs);
      const set = new Set(axes);
      return keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i));
    }
    case 'fill': {
      const dims = shapeArgument(inputs[0], type, name, inputs);
      if (!Array.isArray(dims)) return dims.partial;
      if (dims.some((d) => d < 0)) throw invalidArgument(`Fill dimensions must be >= 0, got [${dims.join(',')}] ${where(type, name, inputs)}`);
      if (inputs[1].shape !== null && inputs[1].shape.length !== 0)
        throw invalidArgument(`Shape must be rank 0 but is rank ${inputs[1].shape.length} ${where(type, name, inputs)}`);
      return dims;
    }
    case 'reshape': {
      // TF's Reshape: zero sizes are left out of the product, so a -1 next to a 0 is still
      // inferred from the input's non-zero dims ([0,3] -> [0,-1] gives [0,3]).
      const x = inputs[0].shape;
      const dims = shapeArgument(inputs[1], type, name, inputs);
      if (!Array.isArray(dims)) return dims.partial;
      const unknown = dims.filter((d) => d === -1).length;
      if (unknown > 1) throw invalidArgument(`Cannot infer multiple unknown dimensions in shape [${dims.join(',')}] ${where(type, name, inputs)}`);
      if (dims.some((d) => d < -1)) throw invalidArgument(`Dimension size must be non-negative, got ${dims.find((d) => d < -1)} ${where(type, name, inputs)}`);
      const hasZero = dims.includes(0);
      const product = dims.filter((d) => d > 0).reduce((a, b) => a * b, 1);
      if (x === null || x.some((d) => d === null)) return dims.map((d) => (d === -1 ? null : d));
      const xs = x as number[];
      const total = xs.reduce((a, b) => a * b, 1);
      if (unknown === 0) {
        const known = dims.reduce((a, b) => a * b, 1);
        if (known !== total) throw invalidArgument(`Cannot reshape a tensor with ${total} elements to shape [${dims.join(',')}] (${known} elements) ${where(type, name, inputs)}`);
        return dims;
      }
      const inputHasZero = hasZero && xs.includes(0);
      const counted = xs.filter((d) => d > 0 || !hasZero).reduce((a, b) => a * b, 1);
      const missing = Math.floor(counted / product);
      if (!inputHasZero && product * missing !== counted)
        throw invalidArgument(`Cannot reshape a tensor with ${total} elements to shape [${dims.join(',')}] ${where(type, name, inputs)}`);
      return dims.map((d) => (d === -1 ? missing : d));
    }
  }
}

function broadcastCompatible(a: (number | null)[], s: (number | null)[], type: string, name: string, inputs: Tensor[]): void {
  const ok = a.length === s.length && a.every((d, i) => d === null || s[i] === null || d === s[i]);
  if (!ok) throw invalidArgument(`Shapes ${shapeText(a)} and ${shapeText(s)} are incompatible ${where(type, name, inputs)}`);
}

/** True if a concrete shape fits a static (partial) shape. */
export function shapeCompatible(concrete: readonly number[], s: StaticShape): boolean {
  if (s === null) return true;
  return concrete.length === s.length && s.every((d, i) => d === null || d === concrete[i]);
}

/** Static shapes of every output of a node: the op's named rule or its shape function. */
export function inferShapes(def: OpDef, name: string, inputs: readonly Tensor[], attrs: ReadonlyMap<string, AttrValue>): StaticShape[] {
  if (typeof def.shape === 'string') return [inferShape(def.shape, def.type, name, inputs as Tensor[], attrs)];
  const ctx: ShapeContext = {
    type: def.type, name, inputs, attrs,
    attr: <T>(n: string) => attrs.get(n)!.value as T,
    fail: (msg: string) => invalidArgument(`${msg} ${where(def.type, name, inputs)}`),
  };
  return def.shape(ctx);
}
