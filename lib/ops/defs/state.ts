// Variables and their updates, TF1's ref-variable ops (core/ops/state_ops.cc): VariableV2 holds
// a value in the session (native/resource.h), Assign/AssignAdd/AssignSub update it in place and
// forward the reference. tensorloom has no ref dtypes: a ref output carries the plain dtype, and
// the "ref" edges are known by op (REF_OUTPUT_OPS, refInputs) instead of by dtype.
// Ids 500-599, only ever appended.
import type { StaticShape, Tensor } from '../../graph';
import { dtypeInfo } from '../../dtypes';
import { invalidArgument } from '../../errors';
import { OpDef, ShapeContext, op } from '../registry';
import { shapeText } from '../shape';

// The training ops (lib/ops/defs/training.ts): their leading inputs (var and its slots) are refs.
const APPLY_REF_INPUTS: Record<string, number[]> = Object.fromEntries(
  Object.entries({ ApplyGradientDescent: 1, ApplyProximalGradientDescent: 1, ApplyMomentum: 2, ApplyAdagrad: 2, ApplyAdam: 3, ApplyRMSProp: 3,
    ApplyCenteredRMSProp: 4, ApplyAdadelta: 3 }).map(([k, n]) => [k, [...Array(n).keys()]]));

// TF1 ref edges by op type (the native side has the same table in native/resource.cc; ops added
// later with Ref(T) args, such as the Apply* training ops, are listed in both).
/** Op types whose output 0 is a reference to a variable (TF's `Ref(T)` outputs). */
export const REF_OUTPUT_OPS: ReadonlySet<string> = new Set(['VariableV2', 'Assign', 'AssignAdd', 'AssignSub', ...Object.keys(APPLY_REF_INPUTS)]);
/** The `Ref(T)` inputs of each op type: they must come from a ref output. */
const REF_INPUTS: Readonly<Record<string, readonly number[]>> = { Assign: [0], AssignAdd: [0], AssignSub: [0], IsVariableInitialized: [0], ...APPLY_REF_INPUTS };

/** True when `t` refers to a variable (a VariableV2 output, or an Assign's forwarded reference). */
export function isRefTensor(t: Tensor): boolean {
  return t.valueIndex === 0 && REF_OUTPUT_OPS.has(t.op.type);
}

/**
 * TF's graph-construction check of ref inputs (MakeEdge): a value that does not come from a
 * variable cannot be updated. Raised when the node is built (also on GraphDef import).
 */
export function checkRefInputs(c: ShapeContext): void {
  for (const i of REF_INPUTS[c.type] ?? []) {
    const t = c.inputs[i];
    if (isRefTensor(t)) continue;
    const tf = dtypeInfo(t.dtype).tfName;
    throw invalidArgument(`Input ${i} of node ${c.name} was passed ${tf} from ${t.name} incompatible with expected ${tf}_ref.`);
  }
}

/** TF's Merge of the two inputs' shapes (MergeBothInputsShapeFn), with its messages. */
function mergeBoth(c: ShapeContext): StaticShape { return mergeShapes(c, c.inputs[0].shape, c.inputs[1].shape); }

/** TF's InferenceContext::Merge of two shapes, with its messages. */
export function mergeShapes(c: ShapeContext, a: StaticShape, b: StaticShape): StaticShape {
  if (a === null) return b === null ? null : b.slice();
  if (b === null) return a.slice();
  if (a.length !== b.length) throw c.fail(`Shapes must be equal rank, but are ${a.length} and ${b.length}`);
  return a.map((d, i) => {
    const e = b[i];
    if (d !== null && e !== null && d !== e)
      throw c.fail(`Dimension ${i} in both shapes must be equal, but are ${d} and ${e}. Shapes are ${shapeText(a)} and ${shapeText(b)}.`);
    return d ?? e;
  });
}

const update = (id: number, type: string, builder: string) =>
  op(id, type, 'state', { in: ['ref: T', 'value: T'], out: ['output_ref: T'], attrs: ['T: numbertype', 'use_locking: bool = false'],
    shape: (c) => { checkRefInputs(c); return [mergeBoth(c)]; }, stateful: true, builder });

export const STATE_OPS: readonly OpDef[] = [
  // ExplicitShape: the shape attr (unknown rank for a validate_shape=false variable).
  op(500, 'VariableV2', 'state', { out: ['ref: dtype'], attrs: ['shape: shape', 'dtype: type', "container: string = ''", "shared_name: string = ''"],
    shape: (c) => { const s = c.attr<StaticShape>('shape'); return [s === null ? null : s.slice()]; }, stateful: true, builder: 'tf.Variable, tf.getVariable' }),
  op(501, 'Assign', 'state', { in: ['ref: T', 'value: T'], out: ['output_ref: T'], attrs: ['T: type', 'validate_shape: bool = true', 'use_locking: bool = true'],
    shape: (c) => {
      checkRefInputs(c);
      if (c.attr<boolean>('validate_shape')) return [mergeBoth(c)];
      const v = c.inputs[1].shape;
      return [v === null ? null : v.slice()];
    }, stateful: true, builder: 'tf.assign, Variable.assign' }),
  update(502, 'AssignAdd', 'tf.assignAdd, Variable.assignAdd'),
  update(503, 'AssignSub', 'tf.assignSub, Variable.assignSub'),
  op(504, 'IsVariableInitialized', 'state', { in: ['ref: dtype'], out: ['is_initialized: bool'], attrs: ['dtype: type'],
    shape: (c) => { checkRefInputs(c); return [[]]; }, stateful: true, builder: 'tf.isVariableInitialized' }),
];
