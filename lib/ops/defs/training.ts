// TF1's dense training ops (core/ops/training_ops.cc): each updates a variable and its slot
// variables (its leading `Ref(T)` inputs) in place from a gradient and scalar hyper-parameters,
// and forwards the variable's reference. Kernels: native/kernels/training.cc. The optimizers of
// lib/train/optimizer.ts build them. Stateful and not differentiable. Ids 750-799, only ever appended.
import type { StaticShape } from '../../graph';
import { OpDef, ShapeContext, op } from '../registry';
import { checkRefInputs, mergeShapes } from './state';

/** An input of a training op: a variable (ref), a scalar hyper-parameter, or the gradient. */
type Kind = 'ref' | 'scalar' | 'grad';

/**
 * TF's Apply*ShapeFn: walking the inputs in order, refs and the gradient merge into the var's
 * shape and each hyper-parameter must be a scalar (WithRank 0). Output: the merged shape.
 */
function applyShape(kinds: readonly Kind[]) {
  return (c: ShapeContext): StaticShape[] => {
    checkRefInputs(c);
    let s: StaticShape = c.inputs[0].shape;
    kinds.forEach((k, i) => {
      const t = c.inputs[i].shape;
      if (k !== 'scalar') s = mergeShapes(c, s, t);
      else if (t !== null && t.length !== 0) throw c.fail(`Shape must be rank 0 but is rank ${t.length}`);
    });
    return [s];
  };
}

/** One Apply* op: `args` as `name: kind` in TF's input order; `attrs` after T and use_locking. */
function apply(id: number, type: string, args: Record<string, Kind>, attrs: string[], builder: string): OpDef {
  const kinds = Object.values(args);
  return op(id, type, 'training', {
    in: Object.keys(args).map((n) => `${n}: T`), out: ['out: T'],
    attrs: ['T: numbertype', 'use_locking: bool = false', ...attrs],
    shape: applyShape(kinds), stateful: true, builder, grad: null,
  });
}

export const TRAINING_OPS: readonly OpDef[] = [
  apply(750, 'ApplyGradientDescent', { var: 'ref', alpha: 'scalar', delta: 'grad' }, [], 'tf.train.GradientDescentOptimizer'),
  apply(751, 'ApplyMomentum', { var: 'ref', accum: 'ref', lr: 'scalar', grad: 'grad', momentum: 'scalar' }, ['use_nesterov: bool = false'],
    'tf.train.MomentumOptimizer'),
  apply(752, 'ApplyAdam', {
    var: 'ref', m: 'ref', v: 'ref', beta1_power: 'scalar', beta2_power: 'scalar', lr: 'scalar', beta1: 'scalar', beta2: 'scalar',
    epsilon: 'scalar', grad: 'grad',
  }, ['use_nesterov: bool = false'], 'tf.train.AdamOptimizer'),
  apply(753, 'ApplyRMSProp', { var: 'ref', ms: 'ref', mom: 'ref', lr: 'scalar', rho: 'scalar', momentum: 'scalar', epsilon: 'scalar', grad: 'grad' },
    [], 'tf.train.RMSPropOptimizer'),
  apply(754, 'ApplyCenteredRMSProp', {
    var: 'ref', mg: 'ref', ms: 'ref', mom: 'ref', lr: 'scalar', rho: 'scalar', momentum: 'scalar', epsilon: 'scalar', grad: 'grad',
  }, [], 'tf.train.RMSPropOptimizer (centered)'),
  apply(755, 'ApplyAdagrad', { var: 'ref', accum: 'ref', lr: 'scalar', grad: 'grad' }, ['update_slots: bool = true'], 'tf.train.AdagradOptimizer'),
  apply(756, 'ApplyAdadelta', { var: 'ref', accum: 'ref', accum_update: 'ref', lr: 'scalar', rho: 'scalar', epsilon: 'scalar', grad: 'grad' },
    [], 'tf.train.AdadeltaOptimizer'),
  apply(757, 'ApplyProximalGradientDescent', { var: 'ref', alpha: 'scalar', l1: 'scalar', l2: 'scalar', delta: 'grad' }, [],
    'tf.train.ProximalGradientDescentOptimizer'),
];
