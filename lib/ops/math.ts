// Builders of the math ops declared in lib/ops/defs/math.ts, under TF1's Python names in
// camelCase, with TF1's default node names and name scopes: generated op wrappers open a scope
// named after the op type and convert JS operands inside it under the arg names ('x', 'y',
// 'features'); the Python composites (div, floordiv, clip_by_value, ...) use their own scopes.
import { DType, isFloat } from '../dtypes';
import { invalidArgument } from '../errors';
import { StaticShape, Tensor } from '../graph';
import { OpOptions, TensorLike, cast, dtypeOf, graphOf, identity, makeNode, maximum, minimum, opts, toTensor } from './builders';
import { findOpDef } from './schema';

/** A generated op wrapper: scope `name ?? type`, JS operands converted inside it under `args`. */
function wrapper(type: string, operands: TensorLike[], args: string[], options: OpOptions | string | undefined,
                 dtype?: DType, attrs: Record<string, unknown> = {}): Tensor {
  const g = graphOf(...operands);
  return g.nameScope(opts(options).name ?? type, (scope) => {
    const d = dtype ?? dtypeOf(...operands);
    const inputs = operands.map((x, i) => toTensor(g, x, d, args[i]));
    const T = inputs[0].dtype;  // ops without a T attr (logic) ignore it
    return makeNode(g, type, inputs, { T, ...attrs }, T, scope).outputs[0];
  });
}

const binary = (type: string) => (x: TensorLike, y: TensorLike, options?: OpOptions | string) =>
  wrapper(type, [x, y], ['x', 'y'], options);
const unary = (type: string, arg = 'x') => (x: TensorLike, options?: OpOptions | string) =>
  wrapper(type, [x], [arg], options);

// ---- binary arithmetic -------------------------------------------------------------------------

/** x + y as op AddV2 (TF2's add; tf.add builds TF1's Add). */
export const addV2 = binary('AddV2');
/** (x - y)² with broadcasting (SquaredDifference). */
export const squaredDifference = binary('SquaredDifference');
/** x ** y (Pow); integers to negative powers fail at run time, as TF. */
export const pow = binary('Pow');
/** Remainder of floor division, with the divisor's sign (FloorMod). Integer x % 0 fails at run time. */
export const floormod = binary('FloorMod');
/** Alias of floormod (TF1's tf.mod). */
export const mod = floormod;

/**
 * TF1's Python-2 division (tf.div): RealDiv for floating dtypes, FloorDiv for integers, in
 * scope `div`. The raw op Div (C-style truncating integer division) has no TF1 builder.
 * @example tf.div(tf.constant(Int32Array.from([-7])), 2)   // FloorDiv: [-4]
 */
export function div(x: TensorLike, y: TensorLike, options?: OpOptions | string): Tensor {
  return pythonDivision('div', (d) => (isFloat(d) ? 'RealDiv' : 'FloorDiv'), x, y, options);
}

/** floor(x / y) (FloorDiv in scope `floordiv`); integer division by zero fails at run time. */
export function floordiv(x: TensorLike, y: TensorLike, options?: OpOptions | string): Tensor {
  return pythonDivision('floordiv', () => 'FloorDiv', x, y, options);
}

/** x / y, 0 where y is 0 (DivNoNan in scope `div_no_nan`). */
export function divNoNan(x: TensorLike, y: TensorLike, options?: OpOptions | string): Tensor {
  return pythonDivision('div_no_nan', () => 'DivNoNan', x, y, options);
}
/** Alias of divNoNan (tf.math.divide_no_nan). */
export const divideNoNan = divNoNan;

/** The Python division helpers: x converted as 'x', y as 'y' with x's dtype, then one op named as the scope. */
function pythonDivision(scopeName: string, type: (d: DType) => string, a: TensorLike, b: TensorLike,
                        options?: OpOptions | string): Tensor {
  const g = graphOf(a, b);
  return g.nameScope(opts(options).name ?? scopeName, (scope) => {
    const d = dtypeOf(a, b);
    const x = toTensor(g, a, d, 'x'), y = toTensor(g, b, x.dtype, 'y');
    if (x.dtype !== y.dtype) throw invalidArgument(`x and y must have the same dtype, got ${x.dtype} != ${y.dtype}`);
    return makeNode(g, type(x.dtype), [x, y], { T: x.dtype }, x.dtype, scope).outputs[0];
  });
}

/**
 * Sum of a list of same-shape tensors (AddN, no broadcasting). One input is returned as is
 * (an Identity when named), as TF1's add_n. JS values become Consts of the first Tensor's dtype.
 * @example tf.addN([a, b, c])
 */
export function addN(inputs: readonly TensorLike[], options?: OpOptions | string): Tensor {
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw invalidArgument('inputs must be a list of at least one Tensor/IndexedSlices with the same dtype and shape');
  const g = graphOf(...inputs);
  const d = dtypeOf(...inputs);
  const ts = inputs.map((x) => toTensor(g, x, d, 'Const'));
  const name = opts(options).name;
  if (ts.length === 1) return name ? identity(ts[0], { name }) : ts[0];
  return makeNode(g, 'AddN', ts, { N: ts.length, T: ts[0].dtype }, ts[0].dtype, name).outputs[0];
}

// ---- unary math ----------------------------------------------------------------------------------

/** -1, 0 or 1 by the sign of x (NaN stays NaN). */
export const sign = unary('Sign');
/** 1 / x. */
export const reciprocal = unary('Reciprocal');
/** 1 / sqrt(x). */
export const rsqrt = unary('Rsqrt');
/** exp(x) - 1, accurate near 0. */
export const expm1 = unary('Expm1');
/** log(1 + x), accurate near 0. */
export const log1p = unary('Log1p');
/** Sine, elementwise. */
export const sin = unary('Sin');
/** Cosine, elementwise. */
export const cos = unary('Cos');
/** The error function. */
export const erf = unary('Erf');
/** 1 - erf(x), accurate for large x. */
export const erfc = unary('Erfc');
/** Largest integer not above x (floating dtypes). */
export const floor = unary('Floor');
/** Smallest integer not below x (floating dtypes). */
export const ceil = unary('Ceil');
/** True where x is NaN (bool output). */
export const isNan = unary('IsNan');
/** True where x is neither infinite nor NaN (bool output). */
export const isFinite = unary('IsFinite');

/**
 * Rounds half to even (banker's rounding) as TF1's tf.round: an integer tensor is returned as
 * is; a JS value becomes a Const named 'x' before the Round op.
 * @example tf.round([0.5, 1.5, 2.5])   // [0, 2, 2]
 */
export function round(x: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(x);
  const t = toTensor(g, x, undefined, 'x');
  if (!isFloat(t.dtype) && t.dtype !== 'bool') return t;
  return wrapper('Round', [t], ['x'], options);
}

// ---- activations (TF1's tf.nn.*; the lead adds them to tf.nn) --------------------------------------

/** min(max(features, 0), 6). */
export const relu6 = unary('Relu6', 'features');
/** features < 0 ? exp(features) - 1 : features. */
export const elu = unary('Elu', 'features');
/** Scaled ELU with TF's constants (scale 1.0507…, alpha 1.6732…). */
export const selu = unary('Selu', 'features');
/** log(exp(features) + 1), computed stably. */
export const softplus = unary('Softplus', 'features');
/** features / (|features| + 1). */
export const softsign = unary('Softsign', 'features');

export interface LeakyReluOptions extends OpOptions { alpha?: number }
/**
 * features > 0 ? features : alpha * features (LeakyRelu; alpha defaults to 0.2). Integer
 * features are cast to float32 first, as TF1.
 * @example tf.leakyRelu(x, { alpha: 0.1 })
 */
export function leakyRelu(features: TensorLike, alpha?: number | LeakyReluOptions, options?: LeakyReluOptions | string): Tensor {
  const o = { ...(typeof alpha === 'object' ? opts(alpha, { alpha: true }) : { alpha }), ...opts(options, { alpha: true }) };
  const a = o.alpha ?? 0.2;
  if (typeof a !== 'number') throw invalidArgument(`alpha must be a number, got ${String(a)}`);
  const g = graphOf(features);
  return g.nameScope(o.name ?? 'LeakyRelu', (scope) => {
    let t = toTensor(g, features, undefined, 'features');
    if (t.dtype === 'int32' || t.dtype === 'int64' || t.dtype === 'uint8') t = cast(t, 'float32');
    return makeNode(g, 'LeakyRelu', [t], { alpha: a, T: t.dtype }, t.dtype, scope).outputs[0];
  });
}

// ---- comparison and logic ------------------------------------------------------------------------

export interface EqualOptions extends OpOptions {
  /** false: incompatible shapes give a scalar (false for equal, true for notEqual) instead of an error. */
  incompatibleShapeError?: boolean;
}
const equality = (type: string) => (x: TensorLike, y: TensorLike, options?: EqualOptions | string) => {
  const o = opts(options, { incompatibleShapeError: true });
  return wrapper(type, [x, y], ['x', 'y'], o.name, undefined, { incompatible_shape_error: o.incompatibleShapeError ?? true });
};
/** x == y elementwise with broadcasting (bool output). */
export const equal = equality('Equal');
/** x != y elementwise with broadcasting (bool output). */
export const notEqual = equality('NotEqual');
/** x < y elementwise with broadcasting (bool output). */
export const less = binary('Less');
/** x <= y elementwise with broadcasting (bool output). */
export const lessEqual = binary('LessEqual');
/** x > y elementwise with broadcasting (bool output). */
export const greater = binary('Greater');
/** x >= y elementwise with broadcasting (bool output). */
export const greaterEqual = binary('GreaterEqual');

const logic = (type: string) => (x: TensorLike, y: TensorLike, options?: OpOptions | string) =>
  wrapper(type, [x, y], ['x', 'y'], options, 'bool');
/** x AND y with broadcasting; operands convert to bool. */
export const logicalAnd = logic('LogicalAnd');
/** x OR y with broadcasting; operands convert to bool. */
export const logicalOr = logic('LogicalOr');
/** NOT x (bool). */
export function logicalNot(x: TensorLike, options?: OpOptions | string): Tensor {
  return wrapper('LogicalNot', [x], ['x'], options, 'bool');
}

// ---- raw ops without a TF1 Python builder (TF2's tf.raw_ops) -----------------------------------------

/**
 * Builders of the raw ops that TF1's Python API never builds directly, for graphs written as
 * TF2's tf.raw_ops would: AddV2, Div (C-style truncating integer division), Round and
 * ClipByValue (bounds are scalars or t's shape).
 * @example tf.rawOps.Div(tf.constant(Int32Array.from([-7])), 2)   // [-3]
 */
export const rawOps = {
  AddV2: addV2,
  Div: binary('Div'),
  /** Round on any allowed dtype (tf.round returns integer tensors without an op). */
  Round: unary('Round'),
  ClipByValue: (t: TensorLike, clipValueMin: TensorLike, clipValueMax: TensorLike, options?: OpOptions | string) =>
    wrapper('ClipByValue', [t, clipValueMin, clipValueMax], ['t', 'clip_value_min', 'clip_value_max'], options),
};

// ---- selection and clipping ----------------------------------------------------------------------

/** Builds a Select/SelectV2: the condition converts to bool, t and e to the Tensor operand's dtype. */
function select(type: string, condition: TensorLike, x: TensorLike, y: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(condition, x, y);
  return g.nameScope(opts(options).name ?? type, (scope) => {
    const c = toTensor(g, condition, 'bool', 'condition');
    const d = dtypeOf(x, y);
    const t = toTensor(g, x, d, 't'), e = toTensor(g, y, d, 'e');
    return makeNode(g, type, [c, t, e], { T: t.dtype }, t.dtype, scope).outputs[0];
  });
}

/**
 * TF1's tf.where: with x and y, Select (condition of x's shape, a scalar, or a vector over x's
 * first dimension); with the condition only, the Where op (indices of true elements), when the
 * registry has it.
 * @example tf.where(tf.greater(x, 0), x, tf.zerosLike(x))
 */
export function where(condition: TensorLike, x?: TensorLike | null, y?: TensorLike | null, options?: OpOptions | string): Tensor {
  if ((x === undefined || x === null) !== (y === undefined || y === null))
    throw invalidArgument('x and y must both be non-None or both be None.');
  if (x !== undefined && x !== null) return select('Select', condition, x, y!, options);
  if (!findOpDef('Where')) throw invalidArgument('tf.where with only a condition needs the Where op, which is not available');
  const g = graphOf(condition);
  return g.nameScope(opts(options).name ?? 'Where', (scope) => {
    const c = toTensor(g, condition, condition instanceof Tensor ? undefined : 'bool', 'condition');
    return makeNode(g, 'Where', [c], { T: c.dtype }, null, scope).outputs[0];
  });
}

/**
 * tf.where_v2 (TF2's tf.where): SelectV2, numpy broadcasting of condition, x and y.
 * @example tf.whereV2(mask, x, 0)
 */
export function whereV2(condition: TensorLike, x: TensorLike, y: TensorLike, options?: OpOptions | string): Tensor {
  return select('SelectV2', condition, x, y, options);
}

/**
 * Clips t to [clipValueMin, clipValueMax] as TF1's Python composite: in scope `clip_by_value`,
 * Minimum(t, max) then Maximum(.., min) named as the scope. Bounds that would broadcast t to
 * a bigger shape are rejected. (The raw op ClipByValue exists for imported graphs.)
 * @example tf.clipByValue(x, 0, 6)
 */
export function clipByValue(t: TensorLike, clipValueMin: TensorLike, clipValueMax: TensorLike, options?: OpOptions | string): Tensor {
  const g = graphOf(t, clipValueMin, clipValueMax);
  return g.nameScope(opts(options).name ?? 'clip_by_value', (scope) => {
    const values = toTensor(g, t, dtypeOf(t, clipValueMin, clipValueMax), 't');
    const tMin = minimum(values, clipValueMax);
    mergeWith(values.shape, tMin.shape);
    const tMax = maximum(tMin, clipValueMin, { name: scope });
    mergeWith(values.shape, tMax.shape);
    return tMax;
  });
}

/** Python TensorShape.merge_with's check; the text is TF1's ValueError. */
function mergeWith(a: StaticShape, b: StaticShape): void {
  if (a === null || b === null) return;
  if (a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i])) return;
  const py = (s: (number | null)[]) => (s.length === 1 ? `(${s[0] ?? '?'},)` : `(${s.map((d) => d ?? '?').join(', ')})`);
  throw invalidArgument(`Shapes ${py(a)} and ${py(b)} are incompatible`);
}
