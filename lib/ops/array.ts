// Builders of the array ops declared in lib/ops/defs/array.ts (TF1's Python names in camelCase,
// TF1's default node names and name scopes). Shape-like JS arguments (axes, perm, begin/size,
// multiples, paddings, indices) become int32 Consts, int64 when a value does not fit; data
// operands given as JS values become Consts of the other operands' dtype.
import { DType, asDType } from '../dtypes';
import { invalidArgument } from '../errors';
import { Graph, StaticShape, Tensor } from '../graph';
import { NDArray, inferDType, toNDArray } from '../ndarray';
import { OpOptions, TensorLike, cast, constIn, graphOf, identity, makeNode, opts, reshape, subtract, toTensor } from './builders';
import { reduceProd } from './reduce';

// ---- argument conversion -----------------------------------------------------------------------

type IntLike = number | bigint | readonly IntLike[] | Int32Array | BigInt64Array | NDArray;

/** A trailing options object (not a tensor or a value). */
function isOptions(x: unknown): x is OpOptions {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Tensor) && !(x instanceof NDArray) && !ArrayBuffer.isView(x);
}
/** The graph of the first Tensor among `xs`, looking into lists of operands too. */
const graphOfAll = (...xs: unknown[]): Graph => graphOf(...xs.flat(2));
/** The dtype JS operands take: that of the first Tensor among them, else inferred from `first`. */
const commonDType = (xs: readonly TensorLike[]): DType =>
  (xs.find((x) => x instanceof Tensor) as Tensor | undefined)?.dtype ?? inferDType(xs[0]);

/** Checks a JS int argument and gives it TF's dtype: int32, or int64 if a value does not fit. */
function intValue(v: unknown, what: string, dtype?: DType): NDArray {
  const a = v instanceof NDArray || ArrayBuffer.isView(v) ? toNDArray(v) : null;
  const flat: unknown[] = a ? Array.from(a.data as ArrayLike<number | bigint>) : [v].flat(Infinity);
  for (const x of flat) {
    const ok = typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x));
    if (!ok || (a && a.dtype === 'bool')) throw invalidArgument(`${what} must be integers, got ${String(x)}`);
  }
  const fits = flat.every((x) => Number(x) >= -2147483648 && Number(x) <= 2147483647);
  const d = dtype ?? (a && (a.dtype === 'int32' || a.dtype === 'int64') ? a.dtype : fits ? 'int32' : 'int64');
  if (d === 'int32' && !fits) throw invalidArgument(`${what} has values that do not fit int32`);
  return toNDArray(a ?? v, d);
}
/** A shape-like argument: an int32/int64 Tensor, or a JS value made an int Const named `name`. */
function intArg(g: Graph, v: IntLike | Tensor, name: string, dtype?: DType): Tensor {
  if (v instanceof Tensor) {
    if (v.dtype !== 'int32' && v.dtype !== 'int64') throw invalidArgument(`${name} must be an int32 or int64 tensor, got ${v.dtype}`);
    return toTensor(g, v, undefined, name);
  }
  return constIn(g, intValue(v, name, dtype), undefined, name);
}
/** Several int arguments of one op sharing one index type (TF's Index / Tindices attrs). */
function intArgs(g: Graph, args: [IntLike | Tensor, string][]): Tensor[] {
  const given = args.find(([v]) => v instanceof Tensor)?.[0] as Tensor | undefined;
  const wide = args.some(([v, name]) => !(v instanceof Tensor) && intValue(v, name).dtype === 'int64');
  const dtype: DType = given?.dtype ?? (wide ? 'int64' : 'int32');
  return args.map(([v, name]) => intArg(g, v, name, v instanceof Tensor ? undefined : dtype));
}
/** A JS integer attr value (axis, num ...). */
function intAttr(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument(`${what} must be an integer, got ${String(v)}`);
  return v;
}
/** The static shape when fully known, else null. */
const knownShape = (t: Tensor): number[] | null => (t.shape !== null && t.shape.every((d) => d !== null) ? (t.shape as number[]) : null);

// ---- shapes --------------------------------------------------------------------------------------

export interface ShapeOptions extends OpOptions { outType?: DType }

/**
 * The shape of `input` as a 1-D int tensor (op Shape). As TF1's tf.shape, a fully known static
 * shape gives a Const named `Shape` instead.
 */
export function shape(input: TensorLike, options?: ShapeOptions | string): Tensor {
  const o = opts(options, { outType: true });
  const outType = asDType(o.outType ?? 'int32');
  const g = graphOfAll(input);
  return g.nameScope(o.name ?? 'Shape', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const s = knownShape(x);
    if (s) return constIn(g, s, outType, scope);
    return makeNode(g, 'Shape', [x], { T: x.dtype, out_type: outType }, outType, scope).outputs[0];
  });
}

/** The number of elements of `input` (op Size; a Const when TF1 knows it statically). */
export function size(input: TensorLike, options?: ShapeOptions | string): Tensor {
  const o = opts(options, { outType: true });
  const outType = asDType(o.outType ?? 'int32');
  const g = graphOfAll(input);
  return g.nameScope(o.name ?? 'Size', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const s = knownShape(x);
    if (s) return constIn(g, s.reduce((a, b) => a * b, 1), outType, scope);
    if (x.shape !== null && x.shape.includes(0)) return constIn(g, 0, outType, scope);
    return makeNode(g, 'Size', [x], { T: x.dtype, out_type: outType }, outType, scope).outputs[0];
  });
}

/** The rank of `input` as an int32 scalar (op Rank; a Const when the rank is known, as TF1). */
export function rank(input: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input);
  return g.nameScope(opts(options).name ?? 'Rank', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    if (x.shape !== null) return constIn(g, x.shape.length, 'int32', scope);
    return makeNode(g, 'Rank', [x], { T: x.dtype }, 'int32', scope).outputs[0];
  });
}

export interface RangeOptions extends OpOptions { dtype?: DType }

/** JS numbers for tf.range: integers int32 (int64 beyond), others float32, unless a dtype is given. */
function rangeOperand(g: Graph, v: TensorLike, dtype: DType | undefined, name: string): Tensor {
  if (v instanceof Tensor || dtype !== undefined) return toTensor(g, v, dtype, name);
  if (typeof v === 'number' && Number.isInteger(v)) return constIn(g, v, v >= -2147483648 && v <= 2147483647 ? 'int32' : 'int64', name);
  return toTensor(g, v, undefined, name);
}

/**
 * `[start, start + delta, ...)` up to `limit` (op Range, node `range`). One argument is the limit.
 * Without a dtype the operands are cast to the widest of theirs (int32 < int64 < float32 <
 * float64), as TF1; JS integers count as int32 here (TF1's Python ints).
 * @example tf.range(5); tf.range(1, 10, 2); tf.range(0, 1, 0.25)
 */
export function range(start: TensorLike, limit?: TensorLike | RangeOptions | null, delta?: TensorLike | RangeOptions,
                      options?: RangeOptions | string): Tensor {
  if (isOptions(limit)) { options = limit; limit = undefined; }
  else if (isOptions(delta)) { options = delta; delta = undefined; }
  const o = opts(options, { dtype: true });
  if (limit === undefined || limit === null) { limit = start; start = 0; }
  const d = o.dtype === undefined ? undefined : asDType(o.dtype);
  const g = graphOfAll(start, limit, delta);
  return g.nameScope(o.name ?? 'range', (scope) => {
    let args = [rangeOperand(g, start, d, 'start'), rangeOperand(g, limit as TensorLike, d, 'limit'), rangeOperand(g, (delta ?? 1) as TensorLike, d, 'delta')];
    const order: DType[] = ['int32', 'int64', 'float32', 'float64'];
    for (const a of args) if (!order.includes(a.dtype)) throw invalidArgument(`tf.range does not support dtype ${a.dtype}`);
    const dtype = d ?? args.map((a) => a.dtype).reduce((x, y) => (order.indexOf(y) > order.indexOf(x) ? y : x));
    args = args.map((a) => cast(a, dtype));
    return makeNode(g, 'Range', args, { Tidx: dtype }, dtype, scope).outputs[0];
  });
}

export interface SqueezeOptions extends OpOptions { axis?: number | number[] }

/** Removes dims of size 1 (all, or those in `axis`); op Squeeze. */
export function squeeze(input: TensorLike, axis?: number | number[] | SqueezeOptions | null, options?: SqueezeOptions | string): Tensor {
  if (isOptions(axis)) { options = axis; axis = (axis as SqueezeOptions).axis; }
  const o = opts(options, { axis: true });
  const dims = axis === undefined || axis === null ? [] : [axis].flat().map((a) => intAttr(a, 'axis'));
  const g = graphOfAll(input);
  return g.nameScope(o.name ?? 'Squeeze', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    return makeNode(g, 'Squeeze', [x], { T: x.dtype, squeeze_dims: dims }, x.dtype, scope).outputs[0];
  });
}

/** Inserts a dim of size 1 at `axis` (op ExpandDims). */
export function expandDims(input: TensorLike, axis: number | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input, axis);
  return g.nameScope(opts(options).name ?? 'ExpandDims', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const dim = intArg(g, axis, 'dim');
    return makeNode(g, 'ExpandDims', [x, dim], { T: x.dtype, Tdim: dim.dtype }, x.dtype, scope).outputs[0];
  });
}

/**
 * Permutes the dims (op Transpose, node `transpose`); `perm` defaults to reversing them. With a
 * known rank the default perm is a Const `transpose/perm`; with an unknown rank it is computed
 * as TF1 does: Rank, sub, Range, sub_1.
 */
export function transpose(a: TensorLike, perm?: IntLike | Tensor | null | OpOptions, options?: OpOptions | string): Tensor {
  if (isOptions(perm)) { options = perm; perm = undefined; }
  const g = graphOfAll(a, perm);
  return g.nameScope(opts(options).name ?? 'transpose', (scope) => {
    const x = toTensor(g, a, undefined, 'a');
    let p: Tensor;
    if (perm !== undefined && perm !== null) p = intArg(g, perm as IntLike | Tensor, 'perm');
    else if (x.shape !== null) p = constIn(g, Int32Array.from(x.shape.keys()).reverse(), 'int32', 'perm');
    else {
      const r = makeNode(g, 'Rank', [x], { T: x.dtype }, 'int32', 'Rank').outputs[0];
      const last = subtract(r, 1, { name: 'sub' });
      const iota = g.nameScope('Range', (rs) =>
        makeNode(g, 'Range', [constIn(g, 0, 'int32', 'start'), r, constIn(g, 1, 'int32', 'delta')], { Tidx: 'int32' }, 'int32', rs).outputs[0]);
      p = subtract(last, iota, { name: 'sub' });
    }
    return makeNode(g, 'Transpose', [x, p], { T: x.dtype, Tperm: p.dtype }, x.dtype, scope).outputs[0];
  });
}

// ---- joining and splitting ---------------------------------------------------------------------

/** Values of one list argument, JS values as Consts of the list's dtype named `<name>_<i>`. */
function tensorList(g: Graph, values: readonly TensorLike[], name: string, type: string): Tensor[] {
  const dtype = commonDType(values);
  const ts = values.map((v, i) => toTensor(g, v, dtype, `${name}_${i}`));
  if (ts.some((t) => t.dtype !== ts[0].dtype))
    throw invalidArgument(`Tensors in list passed to '${name}' of '${type}' Op have types [${ts.map((t) => t.dtype).join(', ')}] that don't all match.`);
  return ts;
}

/**
 * Joins `values` along `axis` (op ConcatV2, node `concat`). One value is returned through an
 * Identity `concat/concat`, as TF1.
 */
export function concat(values: TensorLike | readonly TensorLike[], axis: number | Tensor, options?: OpOptions | string): Tensor {
  const list = Array.isArray(values) ? (values as TensorLike[]) : [values as TensorLike];
  const name = opts(options).name ?? 'concat';
  const g = graphOfAll(list, axis);
  if (list.length === 1) {
    return g.nameScope(name, () => {
      const dim = intArg(g, axis, 'concat_dim', axis instanceof Tensor ? undefined : 'int32');
      if (dim.shape !== null && dim.shape.length !== 0) throw invalidArgument(`Shape (${dim.shape.join(', ')}${dim.shape.length === 1 ? ',' : ''}) must have rank 0`);
      return identity(list[0], { name });
    });
  }
  return g.nameScope(name, (scope) => {
    const ts = tensorList(g, list, 'values', 'ConcatV2');
    const ax = intArg(g, axis, 'axis');
    return makeNode(g, 'ConcatV2', [...ts, ax], { N: ts.length, T: ts[0].dtype, Tidx: ax.dtype }, ts[0].dtype, scope).outputs[0];
  });
}

export interface StackOptions extends OpOptions { axis?: number }

/** Stacks same-shaped `values` along a new dim `axis` (op Pack, node `stack`). */
export function stack(values: readonly TensorLike[], axis?: number | StackOptions, options?: StackOptions | string): Tensor {
  if (isOptions(axis)) { options = axis; axis = (axis as StackOptions).axis; }
  const o = opts(options, { axis: true });
  const ax = intAttr(axis ?? o.axis ?? 0, 'axis');
  const g = graphOfAll(values);
  return g.nameScope(o.name ?? 'stack', (scope) => {
    const ts = tensorList(g, values, 'values', 'Pack');
    if (ts.length && ts[0].shape !== null) {
      const n = ts[0].shape.length + 1;
      if (ax < -n || ax >= n) throw invalidArgument(`axis = ${ax} not in [${-n}, ${n})`);
    }
    return makeNode(g, 'Pack', ts, { N: ts.length, T: ts.length ? ts[0].dtype : 'float32', axis: ax }, null, scope).outputs[0];
  });
}

export interface UnstackOptions extends OpOptions { num?: number; axis?: number }

/** Splits `value` along `axis` into its `num` slices (op Unpack, node `unstack`). */
export function unstack(value: TensorLike, num?: number | UnstackOptions | null, axis?: number, options?: UnstackOptions | string): Tensor[] {
  if (isOptions(num)) { options = num; num = undefined; }
  const o = opts(options, { num: true, axis: true });
  const ax = intAttr(axis ?? o.axis ?? 0, 'axis');
  const g = graphOfAll(value);
  const x = toTensor(g, value, undefined, 'value');
  let n = num ?? o.num ?? null;
  if (n === null && x.shape !== null) {
    const r = x.shape.length;
    if (ax < -r || ax >= r) throw invalidArgument(`axis = ${ax} not in [${-r}, ${r})`);
    n = x.shape[ax < 0 ? ax + r : ax];
  }
  if (n === null) throw invalidArgument(`Cannot infer num from shape ${x.shape === null ? '<unknown>' : `(${x.shape.map((d) => d ?? '?').join(', ')}${x.shape.length === 1 ? ',' : ''})`}`);
  return g.nameScope(o.name ?? 'unstack', (scope) =>
    makeNode(g, 'Unpack', [x], { num: intAttr(n, 'num'), T: x.dtype, axis: ax }, x.dtype, scope).outputs.slice());
}

export interface SplitOptions extends OpOptions { num?: number }

/**
 * Splits `value` along `axis`: a number gives that many equal parts (op Split), a list or 1-D
 * tensor gives parts of those sizes, one of which may be -1 (op SplitV, its sizes a Const
 * named `Const` outside the `split` scope, as TF1).
 * @example const [a, b] = tf.split(x, 2, 1); const [p, q, r] = tf.split(x, [1, -1, 2])
 */
export function split(value: TensorLike, numOrSizeSplits: number | IntLike | Tensor, axis: number | Tensor = 0,
                      options?: SplitOptions | string): Tensor[] {
  const o = opts(options, { num: true });
  const g = graphOfAll(value, numOrSizeSplits, axis);
  if (typeof numOrSizeSplits === 'number') {
    const n = intAttr(numOrSizeSplits, 'num_or_size_splits');
    return g.nameScope(o.name ?? 'split', (scope) => {
      const dim = intArg(g, axis, 'split_dim', 'int32');
      const x = toTensor(g, value, undefined, 'value');
      return makeNode(g, 'Split', [dim, x], { num_split: n, T: x.dtype }, x.dtype, scope).outputs.slice();
    });
  }
  const sizes = intArg(g, numOrSizeSplits, 'Const');
  if (sizes.shape !== null && sizes.shape.length === 0)
    throw invalidArgument(`Rank-0 tensors are not supported as the num_or_size_splits argument to split. Argument provided: ${String(numOrSizeSplits)}`);
  const num = o.num ?? (sizes.shape !== null ? sizes.shape[0] : null);
  if (num === null) throw invalidArgument(`Cannot infer num from shape ${String(numOrSizeSplits)}`);
  return g.nameScope(o.name ?? 'split', (scope) => {
    const x = toTensor(g, value, undefined, 'value');
    const dim = intArg(g, axis, 'split_dim', 'int32');
    return makeNode(g, 'SplitV', [x, sizes, dim], { num_split: num, T: x.dtype, Tlen: sizes.dtype }, x.dtype, scope).outputs.slice();
  });
}

// ---- slicing -----------------------------------------------------------------------------------

/** `size[i]` elements from `begin[i]` in each dim (-1: to the end); op Slice. */
export function slice(input: TensorLike, begin: IntLike | Tensor, size: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input, begin, size);
  return g.nameScope(opts(options).name ?? 'Slice', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const [b, s] = intArgs(g, [[begin, 'begin'], [size, 'size']]);
    return makeNode(g, 'Slice', [x, b, s], { T: x.dtype, Index: b.dtype }, x.dtype, scope).outputs[0];
  });
}

export interface StridedSliceOptions extends OpOptions {
  beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number;
}

/**
 * numpy-style slicing `input[begin:end:strides]` with TF's five masks (op StridedSlice).
 * `strides` defaults to ones (a Const `StridedSlice/strides`, where TF1 builds a ones_like).
 * @example tf.stridedSlice(x, [0, -1], [0, 0], [1, -1], { beginMask: 1, endMask: 3 })  // x[:, ::-1]
 */
export function stridedSlice(input: TensorLike, begin: IntLike | Tensor, end: IntLike | Tensor, strides?: IntLike | Tensor | StridedSliceOptions | null,
                             options?: StridedSliceOptions | string): Tensor {
  if (isOptions(strides)) { options = strides; strides = undefined; }
  const o = opts(options, { beginMask: true, endMask: true, ellipsisMask: true, newAxisMask: true, shrinkAxisMask: true });
  const g = graphOfAll(input, begin, end, strides);
  return g.nameScope(o.name ?? 'StridedSlice', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const ones = (): IntLike => {
      const n = begin instanceof Tensor ? (begin.shape === null ? null : begin.shape[0]) : intValue(begin, 'begin').size;
      if (n === null) throw invalidArgument('stridedSlice: pass strides when begin has an unknown length');
      return new Array(n).fill(1);
    };
    const [b, e, s] = intArgs(g, [[begin, 'begin'], [end, 'end'], [strides === undefined || strides === null ? ones() : strides as IntLike | Tensor, 'strides']]);
    const mask = (v: number | undefined, n: string) => intAttr(v ?? 0, n);
    return makeNode(g, 'StridedSlice', [x, b, e, s], {
      T: x.dtype, Index: b.dtype, begin_mask: mask(o.beginMask, 'beginMask'), end_mask: mask(o.endMask, 'endMask'),
      ellipsis_mask: mask(o.ellipsisMask, 'ellipsisMask'), new_axis_mask: mask(o.newAxisMask, 'newAxisMask'),
      shrink_axis_mask: mask(o.shrinkAxisMask, 'shrinkAxisMask'),
    }, x.dtype, scope).outputs[0];
  });
}

// ---- gather and scatter ------------------------------------------------------------------------

export interface GatherOptions extends OpOptions { axis?: number | Tensor; batchDims?: number }

/** Slices of `params` along `axis` at `indices` (op GatherV2); `axis` defaults to `batchDims`. */
export function gather(params: TensorLike, indices: IntLike | Tensor, options?: GatherOptions | string): Tensor {
  const o = opts(options, { axis: true, batchDims: true });
  const batchDims = intAttr(o.batchDims ?? 0, 'batchDims');
  const g = graphOfAll(params, indices, o.axis);
  return g.nameScope(o.name ?? 'GatherV2', (scope) => {
    const p = toTensor(g, params, undefined, 'params');
    const i = intArg(g, indices, 'indices');
    const a = intArg(g, o.axis ?? batchDims, 'axis');
    return makeNode(g, 'GatherV2', [p, i, a], { batch_dims: batchDims, Tparams: p.dtype, Tindices: i.dtype, Taxis: a.dtype }, p.dtype, scope).outputs[0];
  });
}

/** Slices of `params` at the index tuples in the last dim of `indices` (op GatherNd). */
export function gatherNd(params: TensorLike, indices: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(params, indices);
  return g.nameScope(opts(options).name ?? 'GatherNd', (scope) => {
    const p = toTensor(g, params, undefined, 'params');
    const i = intArg(g, indices, 'indices');
    return makeNode(g, 'GatherNd', [p, i], { Tparams: p.dtype, Tindices: i.dtype }, p.dtype, scope).outputs[0];
  });
}

/** Zeros of `shape` with `updates` added at `indices` (duplicates add up); op ScatterNd. */
export function scatterNd(indices: IntLike | Tensor, updates: TensorLike, shape: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(indices, updates, shape);
  return g.nameScope(opts(options).name ?? 'ScatterNd', (scope) => {
    const [i, s] = intArgs(g, [[indices, 'indices'], [shape, 'shape']]);
    const u = toTensor(g, updates, undefined, 'updates');
    if (s.dtype !== i.dtype) throw invalidArgument(`Input 'shape' of 'ScatterNd' Op has type ${s.dtype} that does not match type ${i.dtype} of argument 'indices'.`);
    return makeNode(g, 'ScatterNd', [i, u, s], { T: u.dtype, Tindices: i.dtype }, u.dtype, scope).outputs[0];
  });
}

// ---- tiling, padding, reversing ---------------------------------------------------------------

/** Repeats `input` `multiples[i]` times along each dim (op Tile). */
export function tile(input: TensorLike, multiples: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input, multiples);
  return g.nameScope(opts(options).name ?? 'Tile', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const m = intArg(g, multiples, 'multiples');
    return makeNode(g, 'Tile', [x, m], { T: x.dtype, Tmultiples: m.dtype }, x.dtype, scope).outputs[0];
  });
}

/** Broadcasts `input` to `shape` with numpy's rules (op BroadcastTo). */
export function broadcastTo(input: TensorLike, shape: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input, shape);
  return g.nameScope(opts(options).name ?? 'BroadcastTo', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const s = intArg(g, shape, 'shape');
    return makeNode(g, 'BroadcastTo', [x, s], { T: x.dtype, Tidx: s.dtype }, x.dtype, scope).outputs[0];
  });
}

export interface PadOptions extends OpOptions { mode?: 'CONSTANT' | 'REFLECT' | 'SYMMETRIC' | string; constantValues?: TensorLike }

/**
 * Pads `tensor` by `paddings` ([rank, 2]: before and after each dim). CONSTANT pads with
 * `constantValues` (op Pad for 0, else PadV2); REFLECT and SYMMETRIC mirror (op MirrorPad).
 */
export function pad(tensor: TensorLike, paddings: IntLike | Tensor, options?: PadOptions | string): Tensor {
  const o = opts(options, { mode: true, constantValues: true });
  const mode = String(o.mode ?? 'CONSTANT').toUpperCase();
  const cv = o.constantValues ?? 0;
  const zero = !(cv instanceof Tensor) && (cv === 0 || cv === false || cv === BigInt(0));
  const type = mode === 'CONSTANT' ? (zero ? 'Pad' : 'PadV2') : mode === 'REFLECT' || mode === 'SYMMETRIC' ? 'MirrorPad' : null;
  if (type === null) throw invalidArgument(`Unknown padding mode: ${String(o.mode)}`);
  const g = graphOfAll(tensor, paddings, cv);
  return g.nameScope(o.name ?? type, (scope) => {
    const x = toTensor(g, tensor, undefined, 'input');
    const p = intArg(g, paddings, 'paddings');
    const inputs = [x, p];
    if (type === 'PadV2') inputs.push(toTensor(g, cv, x.dtype, 'constant_values'));
    const attrs: Record<string, unknown> = { T: x.dtype, Tpaddings: p.dtype };
    if (type === 'MirrorPad') attrs.mode = mode;
    return makeNode(g, type, inputs, attrs, x.dtype, scope).outputs[0];
  });
}

/** Reverses the dims in `axis` (op ReverseV2); a single number is taken as `[axis]`. */
export function reverse(tensor: TensorLike, axis: IntLike | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOfAll(tensor, axis);
  return g.nameScope(opts(options).name ?? 'ReverseV2', (scope) => {
    const x = toTensor(g, tensor, undefined, 'tensor');
    const a = intArg(g, typeof axis === 'number' || typeof axis === 'bigint' ? [axis] : axis, 'axis');
    return makeNode(g, 'ReverseV2', [x, a], { Tidx: a.dtype, T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

// ---- constants like a tensor, one-hot -------------------------------------------------------

export interface LikeOptions extends OpOptions { dtype?: DType }

function fillLike(type: 'ZerosLike' | 'OnesLike', defaultName: string, value: number, tensor: TensorLike, options?: LikeOptions | string): Tensor {
  const o = opts(options, { dtype: true });
  const g = graphOfAll(tensor);
  return g.nameScope(o.name ?? defaultName, (scope) => {
    const x = toTensor(g, tensor, undefined, 'tensor');
    const dtype = o.dtype === undefined ? x.dtype : asDType(o.dtype);
    if (dtype === x.dtype) return makeNode(g, type, [x], { T: dtype }, dtype, scope).outputs[0];
    // Another dtype: Fill(Shape(x), value), as TF1's zeros(shape_internal(x), dtype).
    const dims = shape(x);
    const v = constIn(g, dtype === 'bool' ? value !== 0 : value, dtype, 'Const');
    return makeNode(g, 'Fill', [dims, v], { T: dtype, index_type: dims.dtype }, dtype, scope).outputs[0];
  });
}

/** Zeros shaped like `tensor` (op ZerosLike, node `zeros_like`; Fill when `dtype` differs). */
export const zerosLike = (tensor: TensorLike, options?: LikeOptions | string) => fillLike('ZerosLike', 'zeros_like', 0, tensor, options);
/** Ones shaped like `tensor` (op OnesLike, node `ones_like`; Fill when `dtype` differs). */
export const onesLike = (tensor: TensorLike, options?: LikeOptions | string) => fillLike('OnesLike', 'ones_like', 1, tensor, options);

export interface OneHotOptions extends OpOptions { onValue?: TensorLike; offValue?: TensorLike; axis?: number; dtype?: DType }

/**
 * One-hot vectors of length `depth` along `axis` (default last) for `indices` (op OneHot, node
 * `one_hot`). The dtype is `dtype`, else that of onValue/offValue, else float32.
 */
export function oneHot(indices: IntLike | Tensor, depth: number | Tensor, options?: OneHotOptions | string): Tensor {
  const o = opts(options, { onValue: true, offValue: true, axis: true, dtype: true });
  const given = o.dtype === undefined ? undefined : asDType(o.dtype);
  const dtypeOf = (v: TensorLike | undefined) => (v === undefined ? undefined : v instanceof Tensor ? v.dtype : given ?? inferDType(v));
  const onDt = dtypeOf(o.onValue), offDt = dtypeOf(o.offValue);
  if (given !== undefined) {
    for (const [dt, n] of [[onDt, 'on_value'], [offDt, 'off_value']] as const)
      if (dt !== undefined && dt !== given) throw invalidArgument(`dtype ${dt} of ${n} does not match dtype parameter ${given}`);
  }
  if (onDt !== undefined && offDt !== undefined && onDt !== offDt) throw invalidArgument(`dtype ${onDt} of on_value does not match dtype ${offDt} of off_value`);
  const dtype = given ?? onDt ?? offDt ?? 'float32';
  const g = graphOfAll(indices, depth, o.onValue, o.offValue);
  return g.nameScope(o.name ?? 'one_hot', (scope) => {
    const on = toTensor(g, o.onValue ?? (dtype === 'bool' ? true : 1), dtype, 'on_value');
    const off = toTensor(g, o.offValue ?? (dtype === 'bool' ? false : 0), dtype, 'off_value');
    const i = indices instanceof Tensor ? toTensor(g, indices, undefined, 'indices') : intArg(g, indices, 'indices');
    const d = intArg(g, depth, 'depth', depth instanceof Tensor ? undefined : 'int32');
    return makeNode(g, 'OneHot', [i, d, on, off], { axis: intAttr(o.axis ?? -1, 'axis'), T: dtype, TI: i.dtype }, dtype, scope).outputs[0];
  });
}

// ---- identities ----------------------------------------------------------------------------------

/** Each of `inputs`, passed through one node (op IdentityN). */
export function identityN(inputs: readonly TensorLike[], options?: OpOptions | string): Tensor[] {
  if (inputs.length === 0) throw invalidArgument("Attr 'T' of 'IdentityN' Op passed list of length 0 less than minimum 1.");
  const g = graphOfAll(inputs);
  return g.nameScope(opts(options).name ?? 'IdentityN', (scope) => {
    const ts = inputs.map((x, i) => toTensor(g, x, undefined, `input_${i}`));
    return makeNode(g, 'IdentityN', ts, { T: ts.map((t) => t.dtype) }, null, scope).outputs.slice();
  });
}

/** `input` unchanged, but opaque to tf.gradients (op StopGradient). */
export function stopGradient(input: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input);
  return g.nameScope(opts(options).name ?? 'StopGradient', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    return makeNode(g, 'StopGradient', [x], { T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

/** A copy of `input` (op Snapshot). */
export function snapshot(input: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOfAll(input);
  return g.nameScope(opts(options).name ?? 'Snapshot', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    return makeNode(g, 'Snapshot', [x], { T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

export type { IntLike };

// ---- ShapeN, boolean_mask -----------------------------------------------------------------------

export interface ShapeNOptions extends OpOptions { outType?: DType }

/**
 * The shapes of `inputs`, one 1-D int32 (or `outType` int64) tensor each (op ShapeN, node
 * `ShapeN`). Not differentiable, as TF.
 * @example const [sa, sb] = tf.shapeN([a, b])
 */
export function shapeN(inputs: readonly TensorLike[], options?: ShapeNOptions | string): Tensor[] {
  const o = opts(options, { outType: true });
  const outType = asDType(o.outType ?? 'int32');
  if (!Array.isArray(inputs)) throw new TypeError('Expected list for \'input\' argument to \'ShapeN\' Op, not ' + String(inputs) + '.');
  const g = graphOfAll(inputs);
  return g.nameScope(o.name ?? 'ShapeN', (scope) => {
    if (inputs.length === 0) throw invalidArgument("Attr 'N' of 'ShapeN' Op passed 0 less than minimum 1.");
    const ts = tensorList(g, inputs, 'input', 'ShapeN');
    return makeNode(g, 'ShapeN', ts, { N: ts.length, T: ts[0].dtype, out_type: outType }, null, scope).outputs;
  });
}

/** TF's TensorShape text: `(None, 3)`, `(4,)`, `<unknown>`. */
function tfShapeText(s: StaticShape): string {
  if (s === null) return '<unknown>';
  const d = s.map((x) => (x === null ? 'None' : String(x)));
  return `(${d.join(', ')}${d.length === 1 ? ',' : ''})`;
}

/** x[begin:end] of a 1-D int32 tensor as Python's slice helper builds it (scope `strided_slice`). */
function slice1d(g: Graph, x: Tensor, begin: number | null, end: number | null): Tensor {
  return g.nameScope('strided_slice', (scope) => {
    const b = constIn(g, Int32Array.of(begin ?? 0), 'int32', 'stack');
    const e = constIn(g, Int32Array.of(end ?? 0), 'int32', 'stack_1');
    const s = constIn(g, Int32Array.of(1), 'int32', 'stack_2');
    return makeNode(g, 'StridedSlice', [x, b, e, s], { T: x.dtype, Index: 'int32', begin_mask: begin === null ? 1 : 0, end_mask: end === null ? 1 : 0 },
      x.dtype, scope).outputs[0];
  });
}

export interface BooleanMaskOptions extends OpOptions { axis?: number }

/**
 * The elements (or slices along `axis`) of `tensor` where `mask` is true: TF1's boolean_mask,
 * built as TF builds it in scope `boolean_mask` (the dims `axis..axis+rank(mask)` of `tensor`
 * are flattened by a Reshape, then GatherV2 at Squeeze(Where(Reshape(mask, [-1])))). The mask's
 * rank must be known and non-zero, and its shape compatible with those dims of `tensor`.
 * @example tf.booleanMask(tf.constant(['a', 'b', 'c']), [true, false, true])  // ['a', 'c']
 */
export function booleanMask(tensor: TensorLike, mask: TensorLike, options?: BooleanMaskOptions | string): Tensor {
  const o = opts(options, { axis: true });
  const g = graphOfAll(tensor, mask);
  return g.nameScope(o.name ?? 'boolean_mask', () => {
    const t = toTensor(g, tensor, undefined, 'tensor');
    const m = toTensor(g, mask, 'bool', 'mask');
    if (m.shape === null)
      throw invalidArgument('Number of mask dimensions must be specified, even if some dimensions are None.  E.g. shape=[None] is ok, but shape=None is not.');
    const k = m.shape.length;
    if (k === 0) throw invalidArgument('mask cannot be scalar.');
    let axis = intAttr(o.axis ?? 0, 'axis');
    if (t.shape !== null) {
      // Python's shape_tensor[axis:axis + ndims_mask] (a negative axis counts from the end).
      const r = t.shape.length;
      if (axis < 0) axis = Math.max(axis + r, 0);
      const part = t.shape.slice(axis, axis + k);
      if (part.length !== k || part.some((d, i) => d !== null && m.shape![i] !== null && d !== m.shape![i]))
        throw invalidArgument(`Shapes ${tfShapeText(part)} and ${tfShapeText(m.shape)} are incompatible`);
    } else if (axis < 0) {
      throw invalidArgument('boolean_mask: a negative axis needs the tensor\'s rank');
    }
    const dims = slice1d(g, shape(t), axis, axis + k);
    const leading = reduceProd(dims, [0]);
    // TF slices the shape three times (Shape, Shape_1, Shape_2), each a Const when known.
    const before = slice1d(g, shape(t), null, axis);
    const after = slice1d(g, shape(t), axis + k, null);
    const newShape = g.nameScope('concat', (scope) => {
      const packed = makeNode(g, 'Pack', [leading], { N: 1, T: 'int32', axis: 0 }, null, 'values_1').outputs[0];
      const ax = constIn(g, 0, 'int32', 'axis');
      return makeNode(g, 'ConcatV2', [before, packed, after, ax], { N: 3, T: 'int32', Tidx: 'int32' }, 'int32', scope).outputs[0];
    });
    const flat = reshape(t, newShape);
    const m1 = reshape(m, [-1]);
    const indices = squeeze(g.nameScope('Where', (scope) => makeNode(g, 'Where', [m1], { T: m1.dtype }, null, scope).outputs[0]), [1]);
    return gather(flat, indices, { axis });
  });
}
