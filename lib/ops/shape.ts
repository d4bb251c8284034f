// Static shape rules, one per rule name in schema.ts (TF's shape functions, partial shapes:
// null = unknown dim, a null shape = unknown rank). Errors use TF 1.15's texts.
import type { AttrValue, StaticShape, Tensor } from '../graph';
import { invalidArgument } from '../errors';
import type { NDArray } from '../ndarray';
import type { OpDef, ShapeContext, ShapeRule } from './registry';

/** TF's TensorShape text: `[2,?]`, or `?` for unknown rank. */
export function shapeText(s: StaticShape | readonly number[]): string {
  return s === null ? '?' : `[${s.map((d) => (d === null || d < 0 ? '?' : d)).join(',')}]`;
}

/** The value of a tensor known at build time (a Const), else null. */
export function constantValue(t: Tensor): NDArray | null {
  if (t.op.type === 'Const') return t.op.attrs.get('value')!.value as NDArray;
  return null;
}

const where = (type: string, name: string, inputs: readonly Tensor[]) =>
  `for '${name}' (op: '${type}') with input shapes: ${inputs.map((t) => shapeText(t.shape)).join(', ')}.`;

/**
 * A 1-D shape argument (Reshape's shape, Fill's dims): its values when it is a constant, else
 * the partial result it still implies (rank from the argument's length, when that is known).
 */
function shapeArgument(t: Tensor, type: string, name: string, inputs: Tensor[]): number[] | { partial: StaticShape } {
  const v = constantValue(t);
  if (v === null) {
    const s = t.shape;
    return { partial: s !== null && s.length === 1 && s[0] !== null ? new Array(s[0]).fill(null) : null };
  }
  if (v.rank !== 1) throw invalidArgument(`Shape must be rank 1 but is rank ${v.rank} ${where(type, name, inputs)}`);
  return Array.from(v.data as Int32Array, Number);
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
    case 'conv2d': {
      const [x, f] = inputs.map((t) => t.shape);
      for (const [i, s] of [x, f].entries()) {
        if (s !== null && s.length !== 4) throw invalidArgument(`Shape must be rank 4 but is rank ${s.length} for input ${i} ${where(type, name, inputs)}`);
      }
      const strides = attrs.get('strides')!.value as number[], dil = attrs.get('dilations')!.value as number[];
      const same = attrs.get('padding')!.value === 'SAME';
      const cin = x ? x[3] : null, fin = f ? f[2] : null;
      if (cin !== null && fin !== null && cin !== fin)
        throw invalidArgument(`Depth of input (${cin}) must match the input depth of filter (${fin}) ${where(type, name, inputs)}`);
      const out = (size: number | null, k: number | null, s: number, d: number): number | null => {
        if (size === null) return null;
        if (same) return Math.ceil(size / s);
        if (k === null) return null;
        const eff = (k - 1) * d + 1;
        if (size < eff) throw invalidArgument(`Computed output size would be negative: input ${size}, filter ${k} (dilated ${eff}) ${where(type, name, inputs)}`);
        return Math.floor((size - eff) / s) + 1;
      };
      return [x ? x[0] : null, out(x ? x[1] : null, f ? f[0] : null, strides[1], dil[1]),
        out(x ? x[2] : null, f ? f[1] : null, strides[2], dil[2]), f ? f[3] : null];
    }
    case 'reshape': {
      const x = inputs[0].shape;
      const dims = shapeArgument(inputs[1], type, name, inputs);
      if (!Array.isArray(dims)) return dims.partial;
      const unknown = dims.filter((d) => d === -1).length;
      if (unknown > 1) throw invalidArgument(`Cannot infer multiple unknown dimensions in shape [${dims.join(',')}] ${where(type, name, inputs)}`);
      if (dims.some((d) => d < -1)) throw invalidArgument(`Dimension size must be non-negative, got ${dims.find((d) => d < -1)} ${where(type, name, inputs)}`);
      const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const total = x !== null && x.every((d) => d !== null) ? (x as number[]).reduce((a, b) => a * b, 1) : null;
      if (total === null) return dims.map((d) => (d === -1 ? null : d));
      if (unknown === 0 && known !== total)
        throw invalidArgument(`Cannot reshape a tensor with ${total} elements to shape [${dims.join(',')}] (${known} elements) ${where(type, name, inputs)}`);
      if (unknown === 1 && (known === 0 ? total !== 0 : total % known !== 0))
        throw invalidArgument(`Cannot reshape a tensor with ${total} elements to shape [${dims.join(',')}] ${where(type, name, inputs)}`);
      return dims.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
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
