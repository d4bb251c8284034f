// The public op constructors (TF1's Python names in camelCase). Each is a few lines over
// makeNode(), which takes the op's attrs, shape rule and kernel from schema.ts.
import { DType, asDType, isFloat } from '../dtypes';
import { checkKeys, invalidArgument } from '../errors';
import { AttrValue, Graph, Operation, StaticShape, Tensor, getDefaultGraph, tensorMethods } from '../graph';
import { NDArray, ValueLike, inferDType, toNDArray } from '../ndarray';
import { OpDef, argDTypes } from './registry';
import { opDef } from './schema';
import { inferShapes, shapeText } from './shape';

/** Options every op constructor accepts as its last argument. */
export interface OpOptions { name?: string }
export type TensorLike = Tensor | ValueLike;

/** A builder's option keys besides `name`, each `true` (the compiler checks the list against T: none missing, none extra). */
export type OptionKeys<T> = { readonly [K in Exclude<keyof T, keyof OpOptions> & string]-?: true };
/** opts()'s key list: required exactly when T declares options besides `name`. */
type KeysArg<T> = [Exclude<keyof T, keyof OpOptions>] extends [never] ? [] : [keys: OptionKeys<T>];

/**
 * An options argument: a name string, an options object, or nothing. An object may hold only
 * `name` and the keys listed (TF1's keyword arguments: an unknown one is a TypeError naming it
 * and the accepted ones). Every builder reads its options through this.
 * @example const o = opts(options, { transposeA: true, transposeB: true });   // MatMulOptions
 */
export function opts<T extends object>(o: T | string | null | undefined, ...keys: KeysArg<T>): Partial<T> & OpOptions {
  if (typeof o === 'string') return { name: o } as Partial<T> & OpOptions;
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object') throw new TypeError(`options must be an object or a name string, got ${typeof o}`);
  checkKeys(o, ['name', ...Object.keys((keys as [object?])[0] ?? {})], 'op options');
  return o;
}

/** The graph of the first Tensor among `xs`, else the default graph (TF's _get_graph_from_inputs). */
export function graphOf(...xs: unknown[]): Graph {
  for (const x of xs) if (x instanceof Tensor) return x.graph;
  return getDefaultGraph();
}

/**
 * Adds a node of `type` named exactly `scope` (a name scope ending in "/") or by the usual
 * uniquified name. Attrs come from `attrValues` or the registry's defaults; input dtypes are
 * checked against the op's args and allowed types; output dtypes, count and static shapes
 * follow from the registry (`_outDType` is the older builders' expectation, unused).
 */
export function makeNode(g: Graph, type: string, inputs: Tensor[], attrValues: Record<string, unknown>,
                         _outDType: DType | null, name: string | undefined, controlInputs: Operation[] = []): Operation {
  const def = opDef(type);
  const opName = (name ?? type).replace(/\/$/, '');
  const attrs = new Map<string, AttrValue>();
  for (const a of def.attrs) {
    const v = a.name in attrValues && attrValues[a.name] !== undefined ? attrValues[a.name] : a.default;
    if (v === undefined) throw invalidArgument(`NodeDef '${opName}' (op: '${type}') is missing attr '${a.name}'`);
    attrs.set(a.name, { kind: a.kind, value: v });
  }
  checkInputs(def, opName, inputs, attrs);
  const dtypes = argDTypes(def.out, attrs);
  const shapes = dtypes.length ? inferShapes(def, opName, inputs, attrs) : [];
  if (shapes.length !== dtypes.length) throw new Error(`internal: shape function of ${type} gave ${shapes.length} shapes for ${dtypes.length} outputs`);
  return g.createOp(type, inputs, attrs, dtypes.map((dtype, i) => ({ dtype, shape: shapes[i] })), name, controlInputs);
}

/** TF's op-def checks: input count and dtypes against the args, type attrs against their allowed lists. */
export function checkInputs(def: OpDef, opName: string, inputs: readonly Tensor[], attrs: ReadonlyMap<string, AttrValue>): void {
  for (const a of def.attrs) {
    const v = attrs.get(a.name)!.value;
    if (a.kind === 'type' && a.allowed && !a.allowed.includes(v as DType)) {
      const arg = def.in.find((x) => x.typeAttr === a.name) ?? def.out.find((x) => x.typeAttr === a.name);
      throw invalidArgument(`Value passed to parameter '${arg?.name ?? a.name}' has DataType ${v} not in list of allowed values: ${a.allowed.join(', ')}`);
    }
    if (a.kind === 'int' && a.min !== undefined && (v as number) < a.min)
      throw invalidArgument(`Value for attr '${a.name}' of ${v} must be at least minimum ${a.min} for '${opName}' (op: '${def.type}')`);
  }
  const want = argDTypes(def.in, attrs);
  if (want.length !== inputs.length)
    throw invalidArgument(`NodeDef '${opName}' (op: '${def.type}') expected ${want.length} inputs, got ${inputs.length}`);
  // Name each input by its arg (with an index inside a list arg) for TF's mismatch text.
  let i = 0;
  for (const arg of def.in) {
    const n = arg.typeListAttr ? (attrs.get(arg.typeListAttr)!.value as DType[]).length : arg.numberAttr ? (attrs.get(arg.numberAttr)!.value as number) : 1;
    for (let k = 0; k < n; k++, i++) {
      if (inputs[i].dtype === want[i]) continue;
      const first = def.in.find((x) => x.typeAttr && x.typeAttr === arg.typeAttr);
      const what = arg.numberAttr || arg.typeListAttr ? `${arg.name}[${k}]` : arg.name;
      if (first && first !== arg)
        throw invalidArgument(`Input '${what}' of '${def.type}' Op has type ${inputs[i].dtype} that does not match type ${want[i]} of argument '${first.name}'.`);
      throw invalidArgument(`Input '${what}' of '${def.type}' Op has type ${inputs[i].dtype} that does not match expected type of ${want[i]}.`);
    }
  }
}

/**
 * A shape-like JS argument (dims, axes, perm, multiples...) as an integer array, validated:
 * non-integers, NaN, ±Inf and values beyond ±2^53 are InvalidArgumentError naming `what`.
 * Returns the NDArray: int32, or int64 when a value does not fit int32 (as TF converts).
 */
export function shapeLike(value: unknown, what: string): NDArray {
  const flat: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) { if (depth > 2) throw invalidArgument(`${what} must be a list of integers`); v.forEach((x) => walk(x, depth + 1)); }
    else flat.push(v);
  };
  if (ArrayBuffer.isView(value)) flat.push(...Array.from(value as unknown as ArrayLike<unknown>));
  else walk(value, 0);
  const nums = flat.map((v, i) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    const at = Array.isArray(value) || ArrayBuffer.isView(value) ? `${what}[${i}]` : what;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidArgument(`${at} must be an integer, got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
    if (!Number.isSafeInteger(n)) throw invalidArgument(`${at} = ${String(v)} is out of range (beyond ±2^53)`);
    return n;
  });
  const shape = Array.isArray(value) && Array.isArray(value[0]) ? [value.length, (value[0] as unknown[]).length] : Array.isArray(value) || ArrayBuffer.isView(value) ? [nums.length] : [];
  if (shape.length === 2 && shape[0] * shape[1] !== nums.length) throw invalidArgument(`${what} must be a rectangular list of integers`);
  const fits32 = nums.every((n) => n >= -2147483648 && n <= 2147483647);
  return new NDArray(fits32 ? Int32Array.from(nums) : BigInt64Array.from(nums, (n) => BigInt(n)), shape, fits32 ? 'int32' : 'int64');
}

/** A Const node in graph g holding `value` converted to `dtype`. */
export function constIn(g: Graph, value: ValueLike, dtype: DType | undefined, name: string | undefined): Tensor {
  const v = toNDArray(value, dtype);
  return makeNode(g, 'Const', [], { value: v, dtype: v.dtype }, v.dtype, name).outputs[0];
}

/** The dtype JS operands convert to: that of the first Tensor among `xs`, else inferred from the first. */
export function dtypeOf(...xs: unknown[]): DType {
  for (const x of xs) if (x instanceof Tensor) return x.dtype;
  return inferDType(xs[0]);
}

/** Converts an operand: Tensors pass through; JS values become a Const of `dtype`. */
export function toTensor(g: Graph, x: TensorLike, dtype: DType | undefined, name: string): Tensor {
  if (x instanceof Tensor) {
    if (x.graph !== g) throw invalidArgument(`Tensor ${x} must be from the same graph as the other inputs.`);
    return x;
  }
  if (x instanceof Operation) throw new TypeError(`Can not convert an Operation into a Tensor (${x.name}).`);
  return constIn(g, x as ValueLike, dtype, name);
}

// ---- constants, placeholders, structure ---------------------------------------------------

/**
 * A constant. Untyped JS numbers become float32, booleans bool, bigints int64, typed arrays
 * keep their dtype (tfjs convention; TF1 would make integer literals int32).
 * @example tf.constant([[1, 2], [3, 4]], 'int32')
 */
export function constant(value: ValueLike, dtype?: DType | null | ConstantOptions, shapeArg?: number[] | null | ConstantOptions,
                         options?: ConstantOptions | string): Tensor {
  // A final options object may come in any position after the value: constant(v, { name }).
  if (isOptions<ConstantOptions>(dtype)) { options = dtype; dtype = shapeArg = undefined; }
  else if (isOptions<ConstantOptions>(shapeArg)) { options = shapeArg; shapeArg = undefined; }
  const o = opts(options, { dtype: true, shape: true });
  const dt = (dtype as DType | null | undefined) ?? o.dtype;
  const shape = (shapeArg as number[] | null | undefined) ?? o.shape;
  let v = toNDArray(value, dt ?? undefined);
  if (shape) {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw invalidArgument(`Invalid shape [${shape.join(',')}]`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (v.size > n) throw invalidArgument(`Too many elements provided. Needed at most ${n}, but received ${v.size}`);
    if (v.size === 0 && n > 0) throw invalidArgument(`Cannot fill shape [${shape.join(',')}] from an empty value`);
    const data = new (v.data.constructor as new (n: number) => typeof v.data)(n);
    for (let i = 0; i < n; i++) (data as unknown as unknown[])[i] = v.data[Math.min(i, v.size - 1)];  // TF1 repeats the last element
    v = new NDArray(data, shape.slice(), v.dtype);
  }
  return makeNode(getDefaultGraph(), 'Const', [], { value: v, dtype: v.dtype }, v.dtype, o.name).outputs[0];
}

export interface ConstantOptions extends OpOptions { dtype?: DType; shape?: number[] }
export interface PlaceholderOptions extends OpOptions { shape?: readonly (number | null)[] | null }
/** A plain options object (not an array, typed array, NDArray, Tensor or null). */
export function isOptions<T extends object>(x: unknown): x is T {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

function staticShape(shape: readonly (number | null)[] | null | undefined): StaticShape {
  if (shape === undefined || shape === null) return null;
  if (!Array.isArray(shape)) throw new TypeError(`shape must be an array of numbers or nulls, got ${String(shape)}`);
  return shape.map((d) => {
    if (d === null) return null;
    if (typeof d !== 'number' || !Number.isInteger(d)) throw invalidArgument(`Dimension ${String(d)} must be an integer (use null for an unknown dimension)`);
    if (d < 0) throw invalidArgument(`Dimension ${d} must be >= 0`);
    if (!Number.isSafeInteger(d)) throw invalidArgument(`Dimension ${d} is out of range (beyond 2^53)`);
    return d;
  });
}

/**
 * A value fed at run time. `shape` may contain null for unknown dims; omit it for unknown rank.
 * @example const x = tf.placeholder(tf.float32, [null, 784], 'x')
 */
export function placeholder(dtype: DType, shape?: readonly (number | null)[] | null | PlaceholderOptions, name?: string | OpOptions): Tensor {
  if (isOptions<PlaceholderOptions>(shape)) { name = shape; shape = undefined; }
  const o = opts<PlaceholderOptions>(name, { shape: true });
  const d = asDType(dtype);
  const s = staticShape((shape ?? o.shape) as readonly (number | null)[] | null | undefined);
  return makeNode(getDefaultGraph(), 'Placeholder', [], { dtype: d, shape: s }, d, o.name).outputs[0];
}

/** A placeholder that yields `value` when not fed. */
export function placeholderWithDefault(value: TensorLike, shape: readonly (number | null)[] | null, name?: string | OpOptions): Tensor {
  const g = graphOf(value);
  const s = staticShape(shape);
  return g.nameScope(opts(name).name ?? 'PlaceholderWithDefault', (scope) => {
    const input = toTensor(g, value, undefined, 'input');
    return makeNode(g, 'PlaceholderWithDefault', [input], { dtype: input.dtype, shape: s }, input.dtype, scope).outputs[0];
  });
}

export function identity(x: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(x);
  return g.nameScope(opts(options).name ?? 'Identity', (scope) => {
    const t = toTensor(g, x, undefined, 'input');
    return makeNode(g, 'Identity', [t], { T: t.dtype }, t.dtype, scope).outputs[0];
  });
}

/** An op that does nothing (useful as a control-dependency target). */
export function noOp(options?: OpOptions | string): Operation {
  return makeNode(getDefaultGraph(), 'NoOp', [], {}, null, opts(options).name);
}

/**
 * A NoOp with control inputs on all `inputs` (ops or tensors), named `group_deps` by default.
 * @example const train = tf.group(step1, step2, { name: 'train' })
 */
export function group(...args: (Operation | Tensor | (Operation | Tensor)[] | OpOptions)[]): Operation {
  let name: string | undefined;
  const last = args[args.length - 1];
  if (last && !(last instanceof Operation) && !(last instanceof Tensor) && !Array.isArray(last)) {
    name = opts(last as OpOptions).name;
    args = args.slice(0, -1);
  }
  const deps = (args.flat() as (Operation | Tensor)[]).map((x) => {
    if (x instanceof Tensor) return x.op;
    if (x instanceof Operation) return x;
    throw new TypeError(`tf.group expects Operations or Tensors, got ${String(x)}`);
  });
  const g = deps.length ? deps[0].graph : getDefaultGraph();
  return g.nameScope(name ?? 'group_deps', (scope) =>
    g.controlDependencies(deps, () => makeNode(g, 'NoOp', [], {}, null, scope)));
}

// ---- elementwise ------------------------------------------------------------------------------

function binary(type: string, a: TensorLike, b: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(a, b);
  return g.nameScope(opts(options).name ?? type, (scope) => {
    const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : inferDType(a);
    const x = toTensor(g, a, dtype, 'x'), y = toTensor(g, b, dtype, 'y');
    if (x.dtype !== y.dtype) throw invalidArgument(`Input 'y' of '${type}' Op has type ${y.dtype} that does not match type ${x.dtype} of argument 'x'.`);
    return makeNode(g, type, [x, y], { T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

/** x + y with numpy broadcasting (op type Add). */
export const add = (x: TensorLike, y: TensorLike, options?: OpOptions | string) => binary('Add', x, y, options);
/** x - y (Sub). */
export const subtract = (x: TensorLike, y: TensorLike, options?: OpOptions | string) => binary('Sub', x, y, options);
/** x * y (Mul). */
export const multiply = (x: TensorLike, y: TensorLike, options?: OpOptions | string) => binary('Mul', x, y, options);
/** Elementwise maximum (Maximum). */
export const maximum = (x: TensorLike, y: TensorLike, options?: OpOptions | string) => binary('Maximum', x, y, options);
/** Elementwise minimum (Minimum). */
export const minimum = (x: TensorLike, y: TensorLike, options?: OpOptions | string) => binary('Minimum', x, y, options);

/**
 * True division x / y, as TF1's tf.divide: a RealDiv named `truediv`; integer inputs are cast
 * to float64 first (so int32 / int32 is float64).
 */
export function divide(a: TensorLike, b: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(a, b);
  return g.nameScope(opts(options).name ?? 'truediv', (scope) => {
    const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : inferDType(a);
    let x = toTensor(g, a, dtype, 'x'), y = toTensor(g, b, dtype, 'y');
    if (x.dtype !== y.dtype) throw invalidArgument(`x and y must have the same dtype, got ${x.dtype} != ${y.dtype}`);
    if (x.dtype === 'bool') throw invalidArgument(`Invalid type bool for truediv`);
    if (!isFloat(x.dtype)) { x = cast(x, 'float64'); y = cast(y, 'float64'); }
    return makeNode(g, 'RealDiv', [x, y], { T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

function unary(type: string, x: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(x);
  return g.nameScope(opts(options).name ?? type, (scope) => {
    const t = toTensor(g, x, undefined, 'x');
    return makeNode(g, type, [t], { T: t.dtype }, t.dtype, scope).outputs[0];
  });
}

export const negative = (x: TensorLike, options?: OpOptions | string) => unary('Neg', x, options);
export const abs = (x: TensorLike, options?: OpOptions | string) => unary('Abs', x, options);
export const exp = (x: TensorLike, options?: OpOptions | string) => unary('Exp', x, options);
export const log = (x: TensorLike, options?: OpOptions | string) => unary('Log', x, options);
export const sqrt = (x: TensorLike, options?: OpOptions | string) => unary('Sqrt', x, options);
export const square = (x: TensorLike, options?: OpOptions | string) => unary('Square', x, options);
export const tanh = (x: TensorLike, options?: OpOptions | string) => unary('Tanh', x, options);
export const sigmoid = (x: TensorLike, options?: OpOptions | string) => unary('Sigmoid', x, options);
export const relu = (x: TensorLike, options?: OpOptions | string) => unary('Relu', x, options);
/** Softmax over the last axis. */
export const softmax = (logits: TensorLike, options?: OpOptions | string) => unary('Softmax', logits, options);

// ---- matmul, reductions, shape ---------------------------------------------------------------

export interface MatMulOptions extends OpOptions { transposeA?: boolean; transposeB?: boolean; adjointA?: boolean; adjointB?: boolean }

/**
 * Matrix product of two rank-2 tensors.
 * @example tf.matmul(x, w, { transposeB: true, name: 'logits' })
 */
export function matmul(a: TensorLike, b: TensorLike, options?: MatMulOptions | string): Tensor {
  return matmulNode(a, b, opts(options, { transposeA: true, transposeB: true, adjointA: true, adjointB: true }), false);
}

/**
 * The MatMul / BatchMatMulV2 node of tf.matmul and tf.batchMatMul: batched when `batched` or
 * when either input has rank > 2 or unknown rank (as TF1's tf.matmul); for real dtypes
 * transposing and adjoining are the same.
 */
export function matmulNode(a: TensorLike, b: TensorLike, o: MatMulOptions & { adjX?: boolean; adjY?: boolean }, batched: boolean): Tensor {
  const g = graphOf(a, b);
  return g.nameScope(o.name ?? 'MatMul', (scope) => {
    const dtype = dtypeOf(a, b);
    const x = toTensor(g, a, dtype, 'a'), y = toTensor(g, b, dtype, 'b');
    const ta = !!(o.transposeA || o.adjointA || o.adjX), tb = !!(o.transposeB || o.adjointB || o.adjY);
    if (batched || [x.shape, y.shape].some((s) => s === null || s.length > 2)) {
      if (x.dtype !== y.dtype) throw invalidArgument(`Input 'y' of 'BatchMatMulV2' Op has type ${y.dtype} that does not match type ${x.dtype} of argument 'x'.`);
      return makeNode(g, 'BatchMatMulV2', [x, y], { T: x.dtype, adj_x: ta, adj_y: tb }, null, scope).outputs[0];
    }
    if (x.dtype !== y.dtype) throw invalidArgument(`Input 'b' of 'MatMul' Op has type ${y.dtype} that does not match type ${x.dtype} of argument 'a'.`);
    return makeNode(g, 'MatMul', [x, y], { transpose_a: ta, transpose_b: tb, T: x.dtype }, null, scope).outputs[0];
  });
}

export interface ReduceOptions extends OpOptions { axis?: number | number[] | Tensor | null; keepDims?: boolean }

/**
 * The reduce_* arguments (axis, keepDims, options), where an options object may also stand in
 * the axis or keepDims position; every options object is checked.
 */
export function reduceArgs<A>(axis: A | ReduceOptions | undefined, keepDims: boolean | ReduceOptions | undefined,
                              options: ReduceOptions | undefined): { axis: A | undefined; o: ReduceOptions } {
  const keys = { axis: true, keepDims: true } as const;
  let o: ReduceOptions = { ...opts(options, keys) };
  if (isOptions<ReduceOptions>(axis)) { o = { ...opts(axis, keys), ...o }; axis = o.axis as A; }
  if (isOptions<ReduceOptions>(keepDims)) o = { ...opts(keepDims, keys), ...o };
  else if (keepDims !== undefined) o.keepDims = keepDims;
  return { axis: axis as A | undefined, o };
}

function reduce(type: string, x: TensorLike, axisArg?: number | number[] | Tensor | null | ReduceOptions,
                keepDims?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  const { axis, o } = reduceArgs<number | number[] | Tensor | null>(axisArg, keepDims, options);
  const g = graphOf(x);
  const t = toTensor(g, x, undefined, 'input_tensor');
  let axes: Tensor;
  if (axis === undefined || axis === null) {
    if (t.shape === null) throw invalidArgument(`${type}: reducing over all axes needs a known rank; pass axis explicitly`);
    axes = constIn(g, Int32Array.from(t.shape.keys()), 'int32', undefined);
  }
  return g.nameScope(o.name ?? type, (scope) => {
    if (axis !== undefined && axis !== null) {
      axes = axis instanceof Tensor ? axis : constIn(g, shapeLike(axis, 'axis'), undefined, 'reduction_indices');
    }
    if (axes.dtype !== 'int32' && axes.dtype !== 'int64') throw invalidArgument(`reduction axes must be int32 or int64, got ${axes.dtype}`);
    return makeNode(g, type, [t, axes], { keep_dims: !!o.keepDims, T: t.dtype, Tidx: axes.dtype }, t.dtype, scope).outputs[0];
  });
}

/** Sum over `axis` (all axes if omitted); op type Sum. */
export const reduceSum = (x: TensorLike, axis?: number | number[] | Tensor | null | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduce('Sum', x, axis, keepDims, options);
/** Mean over `axis` (integer mean truncates, as TF); op type Mean. */
export const reduceMean = (x: TensorLike, axis?: number | number[] | Tensor | null | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduce('Mean', x, axis, keepDims, options);
/** Max over `axis`; op type Max. */
export const reduceMax = (x: TensorLike, axis?: number | number[] | Tensor | null | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduce('Max', x, axis, keepDims, options);

/**
 * Reshape; one entry of `shape` may be -1. `shape` may be a JS array (an int32 Const) or a Tensor.
 * @example tf.reshape(x, [2, -1])
 */
export function reshape(x: TensorLike, shape: number[] | Tensor, options?: OpOptions | string): Tensor {
  const g = graphOf(x, shape);
  return g.nameScope(opts(options).name ?? 'Reshape', (scope) => {
    const t = toTensor(g, x, undefined, 'tensor');
    const s = shape instanceof Tensor ? shape : constIn(g, shapeLike(shape, 'shape'), undefined, 'shape');
    if (s.dtype !== 'int32' && s.dtype !== 'int64') throw invalidArgument(`Reshape shape must be int32 or int64, got ${s.dtype}`);
    return makeNode(g, 'Reshape', [t, s], { T: t.dtype, Tshape: s.dtype }, t.dtype, scope).outputs[0];
  });
}

/**
 * A tensor of shape `dims` filled with the scalar `value` (op type Fill). JS-array dims become
 * an int32 Const; the value's dtype follows the constant rules (a JS number is float32).
 * @example tf.fill([2, 3], 9)
 */
export function fill(dims: number[] | Tensor, value: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(dims, value);
  return g.nameScope(opts(options).name ?? 'Fill', (scope) => {
    const d = dims instanceof Tensor ? dims : constIn(g, shapeLike(dims, 'dims'), undefined, 'dims');
    if (d.dtype !== 'int32' && d.dtype !== 'int64') throw invalidArgument(`Fill dims must be int32 or int64, got ${d.dtype}`);
    const v = toTensor(g, value, undefined, 'value');
    return makeNode(g, 'Fill', [d, v], { T: v.dtype, index_type: d.dtype }, v.dtype, scope).outputs[0];
  });
}

/** Casts to `dtype` (returns x itself when it already has that dtype, as TF). */
export function cast(x: TensorLike, dtype: DType, options?: OpOptions | string): Tensor {
  const d = asDType(dtype);
  const g = graphOf(x);
  if (x instanceof Tensor && x.dtype === d) return x;
  return g.nameScope(opts(options).name ?? 'Cast', (scope) => {
    const t = toTensor(g, x, undefined, 'x');
    return makeNode(g, 'Cast', [t], { SrcT: t.dtype, DstT: d }, d, scope).outputs[0];
  });
}

export interface Conv2DOptions extends OpOptions {
  /** When strides and padding are not given positionally. */
  strides?: number | number[];
  padding?: 'SAME' | 'VALID';
  /** Only 'NHWC' (TF's CPU kernels support no other layout either). */
  dataFormat?: 'NHWC';
  /** Dilation per dimension: a number, [h, w] or [1, h, w, 1] (default 1). */
  dilations?: number | number[];
  useCudnnOnGpu?: boolean;
}

/** Conv2DOptions' keys (tf.nn.conv2d's options object). */
export const CONV2D_KEYS: OptionKeys<Conv2DOptions> = { strides: true, padding: true, dataFormat: true, dilations: true, useCudnnOnGpu: true };

/** Largest stride or dilation the native window kernels accept (native/kernels/conv.cc). */
export const MAX_WINDOW_STEP = 1 << 20;

/** Build-time check of strides / dilations against MAX_WINDOW_STEP, naming the argument and the limit. */
export function checkWindowStep(list: readonly number[], what: string, given: unknown): void {
  if (list.some((d) => d > MAX_WINDOW_STEP)) throw invalidArgument(`${what} ${JSON.stringify(given)} exceed the supported limit of ${MAX_WINDOW_STEP} (2^20)`);
}

/** Expands TF's int / [h, w] / [1, h, w, 1] forms to the 4-entry NHWC list. */
export function nhwc(v: number | number[] | undefined, what: string): number[] {
  const list = v === undefined ? [1] : typeof v === 'number' ? [v] : v;
  const out = list.length === 1 ? [1, list[0], list[0], 1] : list.length === 2 ? [1, list[0], list[1], 1] : list;
  if (out.length !== 4 || out.some((d) => !Number.isInteger(d) || d < 1))
    throw invalidArgument(`${what} must be a positive integer, or a list of 1, 2 or 4 of them, got ${JSON.stringify(v)}`);
  checkWindowStep(out, what, v);
  if (out[0] !== 1 || out[3] !== 1) throw invalidArgument(`Current implementation does not yet support ${what} in the batch and depth dimensions.`);
  return out;
}

/**
 * 2-D convolution (op type Conv2D) of an NHWC `input` with an HWIO `filter`
 * ([height, width, inChannels, outChannels]), as TF1's tf.nn.conv2d.
 * @example tf.nn.conv2d(images, kernel, [1, 2, 2, 1], 'SAME')
 */
export function conv2d(input: TensorLike, filter: TensorLike, strides: number | number[] | Conv2DOptions, padding?: 'SAME' | 'VALID',
                       options?: Conv2DOptions | string): Tensor {
  // Also accepts every attribute in one final options object: conv2d(x, w, { strides, padding }).
  if (isOptions<Conv2DOptions>(strides)) { options = strides; padding = strides.padding; strides = strides.strides ?? 1; }
  const o = opts(options, CONV2D_KEYS);
  if (padding !== 'SAME' && padding !== 'VALID') throw invalidArgument(`padding must be 'SAME' or 'VALID', got ${String(padding)}`);
  if ((o.dataFormat ?? 'NHWC') !== 'NHWC') throw invalidArgument('Conv2D only supports the NHWC data format on the CPU.');
  const st = nhwc(strides, 'strides'), dil = nhwc(o.dilations, 'dilations');
  if (st.some((s) => s > 1) && dil.some((d) => d > 1)) throw invalidArgument('strides > 1 not supported in conjunction with dilation_rate > 1');
  const g = graphOf(input, filter);
  return g.nameScope(o.name ?? 'Conv2D', (scope) => {
    const dtype = input instanceof Tensor ? input.dtype : filter instanceof Tensor ? filter.dtype : inferDType(input);
    const x = toTensor(g, input, dtype, 'input'), f = toTensor(g, filter, dtype, 'filter');
    if (x.dtype !== f.dtype) throw invalidArgument(`Input 'filter' of 'Conv2D' Op has type ${f.dtype} that does not match type ${x.dtype} of argument 'input'.`);
    return makeNode(g, 'Conv2D', [x, f], {
      T: x.dtype, strides: st, use_cudnn_on_gpu: o.useCudnnOnGpu ?? true, padding, explicit_paddings: [],
      data_format: 'NHWC', dilations: dil,
    }, x.dtype, scope).outputs[0];
  });
}

/** tf.nn */
export const nn = { relu, softmax, conv2d };

const BINARY = { add, subtract, multiply, divide, maximum, minimum };
Object.assign(tensorMethods, {
  binary: (type: keyof typeof BINARY, a: Tensor, b: TensorLike, o?: OpOptions) => BINARY[type](a, b, o),
  matmul, reshape, cast,
  unary: (type: string, a: Tensor, o?: OpOptions) => unary(type, a, o),
  reduce: (type: string, a: Tensor, axis?: number | number[], o?: ReduceOptions) => reduce(type, a, axis, o),
});

export { shapeText };
