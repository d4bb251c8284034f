// math ops (see lib/ops/registry.ts for the notation; ids only ever appended): elementwise
// arithmetic, unary math and activations, comparisons, logic, AddN, Select/SelectV2, ClipByValue.
// Arg, attr names and allowed types are TF's REGISTER_OP ones, restricted to this project's dtypes.
import type { StaticShape } from '../../graph';
import { OpDef, ShapeContext, op } from '../registry';
import { broadcastShapes, shapeText } from '../shape';

// TF's allowed-type lists (in TF's order, which its "not in list of allowed values" text keeps).
const BINARY_T = '{float, double, uint8, int32, int64}';
const REAL_T = '{float, double, int32, int64}';
const FLOAT_T = '{float, double}';
const RELU_T = '{float, double, int32, uint8, int64}';

const binary = (id: number, type: string, T: string) =>
  op(id, type, 'binary', { in: ['x: T', 'y: T'], out: ['z: T'], attrs: [`T: ${T}`], shape: 'broadcast' });
const compare = (id: number, type: string) =>
  op(id, type, 'binary', { in: ['x: T', 'y: T'], out: ['z: bool'], attrs: [`T: ${RELU_T}`], shape: 'broadcast' });
const logic = (id: number, type: string) =>
  op(id, type, 'binary', { in: ['x: bool', 'y: bool'], out: ['z: bool'], shape: 'broadcast' });
const unary = (id: number, type: string, T: string, out = 'y: T') =>
  op(id, type, 'unary', { in: ['x: T'], out: [out], attrs: [`T: ${T}`], shape: 'same' });
/** nn activations name their args features/activations. */
const activation = (id: number, type: string, T: string, attrs: string[] = [`T: ${T}`]) =>
  op(id, type, 'unary', { in: ['features: T'], out: ['activations: T'], attrs, shape: 'same' });
/** Equal and NotEqual: any dtype, and no build-time error for incompatible shapes on request. */
const equality = (id: number, type: string) =>
  op(id, type, 'binary', { in: ['x: T', 'y: T'], out: ['z: bool'], attrs: ['T: type', 'incompatible_shape_error: bool = true'], shape: equalityShape, strings: true });

// ---- shape functions -------------------------------------------------------------------------

/** TF's InferenceContext::Merge of two partial shapes; `fail` gets TF's message. */
export function mergeShapes(a: StaticShape, b: StaticShape, fail: (msg: string) => Error): StaticShape {
  if (a === null) return b === null ? null : b.slice();
  if (b === null) return a.slice();
  if (a.length !== b.length) throw fail(`Shapes must be equal rank, but are ${a.length} and ${b.length}`);
  return a.map((d, i) => {
    const e = b[i];
    if (d !== null && e !== null && d !== e)
      throw fail(`Dimension ${i} in both shapes must be equal, but are ${d} and ${e}. Shapes are ${shapeText(a)} and ${shapeText(b)}.`);
    return d ?? e;
  });
}

const broadcastIn = (c: ShapeContext, a: StaticShape, b: StaticShape) =>
  broadcastShapes(a, b, (da, db) => c.fail(`Dimensions must be equal, but are ${da} and ${db}`));

/**
 * BroadcastBinaryOpOutputShapeFnHelper with incompatible_shape_error = false: known incompatible
 * dims give a scalar (the kernel then returns one bool), an unknown dim against a dim > 1
 * gives unknown rank.
 */
function equalityShape(c: ShapeContext): StaticShape[] {
  const [a, b] = c.inputs.map((t) => t.shape);
  if (c.attr<boolean>('incompatible_shape_error') || a === null || b === null) return [broadcastIn(c, a, b)];
  const n = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === null || db === null) {
      if ((da ?? 0) > 1 || (db ?? 0) > 1) return [null];
      out.push(da === 1 ? db : db === 1 ? da : null);
    } else if (da === 1 || db === 1) out.push(da === 1 ? db : da);
    else if (da !== db) return [[]];
    else out.push(da);
  }
  return [out];
}

/** AddN: every input merged into one shape, from the last one backwards (as TF). */
function addNShape(c: ShapeContext): StaticShape[] {
  const n = c.inputs.length;
  let cur = c.inputs[n - 1].shape;
  for (let i = n - 2; i >= 0; i--) {
    cur = mergeShapes(c.inputs[i].shape, cur, (m) => c.fail(`${m}\n\tFrom merging shape ${i} with other shapes.`));
  }
  return [cur];
}

/**
 * Select: t and e have one shape; the condition is a scalar, that same shape, or (when t is at
 * least a vector) a vector as long as t's first dimension.
 */
function selectShape(c: ShapeContext): StaticShape[] {
  const fail = (m: string) => c.fail(m);
  const [cond, t, e] = c.inputs.map((x) => x.shape);
  const data = mergeShapes(t, e, fail);
  if (cond === null || data === null || cond.length === 0) return [data];
  if (cond.length !== 1 || data.length === 0) return [mergeShapes(data, cond, fail)];
  mergeShapes(cond, [data[0]], fail);
  return [data];
}

/** SelectV2: numpy broadcasting of all three, as TF: (t, e) first, then the condition. */
function selectV2Shape(c: ShapeContext): StaticShape[] {
  const [cond, t, e] = c.inputs.map((x) => x.shape);
  return [broadcastIn(c, cond, broadcastIn(c, t, e))];
}

export const MATH_OPS: readonly OpDef[] = [
  binary(100, 'AddV2', BINARY_T),
  binary(101, 'Div', BINARY_T),
  binary(102, 'DivNoNan', FLOAT_T),
  binary(103, 'FloorDiv', BINARY_T),
  binary(104, 'FloorMod', '{int32, int64, uint8, float, double}'),
  binary(105, 'Pow', '{float, double, int32, int64}'),
  binary(106, 'SquaredDifference', REAL_T),
  op(107, 'AddN', 'addn', { in: ['inputs: N * T'], out: ['sum: T'], attrs: ['N: int >= 1', 'T: {float, double, int32, uint8, int64}'], shape: addNShape }),

  unary(120, 'Sign', REAL_T),
  unary(121, 'Reciprocal', REAL_T),
  unary(122, 'Rsqrt', FLOAT_T),
  unary(123, 'Expm1', FLOAT_T),
  unary(124, 'Log1p', FLOAT_T),
  unary(125, 'Sin', FLOAT_T),
  unary(126, 'Cos', FLOAT_T),
  unary(127, 'Erf', FLOAT_T),
  unary(128, 'Erfc', FLOAT_T),
  unary(129, 'Floor', FLOAT_T),
  unary(130, 'Ceil', FLOAT_T),
  unary(131, 'Round', REAL_T),
  unary(132, 'IsNan', FLOAT_T, 'y: bool'),
  unary(133, 'IsFinite', FLOAT_T, 'y: bool'),
  activation(134, 'Softplus', FLOAT_T),
  activation(135, 'Softsign', FLOAT_T),
  activation(136, 'Relu6', RELU_T),
  activation(137, 'Elu', FLOAT_T),
  activation(138, 'Selu', FLOAT_T),
  activation(139, 'LeakyRelu', FLOAT_T, ['alpha: float = 0.2', 'T: {float, double} = float']),
  op(140, 'LogicalNot', 'unary', { in: ['x: bool'], out: ['y: bool'], shape: 'same' }),

  equality(150, 'Equal'),
  equality(151, 'NotEqual'),
  compare(152, 'Less'),
  compare(153, 'LessEqual'),
  compare(154, 'Greater'),
  compare(155, 'GreaterEqual'),
  logic(156, 'LogicalAnd'),
  logic(157, 'LogicalOr'),

  op(170, 'Select', 'ternary', { in: ['condition: bool', 't: T', 'e: T'], out: ['output: T'], attrs: ['T: type'], shape: selectShape, strings: true }),
  op(171, 'SelectV2', 'ternary', { in: ['condition: bool', 't: T', 'e: T'], out: ['output: T'], attrs: ['T: type'], shape: selectV2Shape, strings: true }),
  op(172, 'ClipByValue', 'ternary', { in: ['t: T', 'clip_value_min: T', 'clip_value_max: T'], out: ['output: T'],
    attrs: ['T: {float, double, int32, uint8, int64}'], shape: 'same' }),
];
