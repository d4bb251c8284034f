// Seeded random ops (ids 700-749; notation: lib/ops/registry.ts), TF's REGISTER_OPs of
// core/ops/random_ops.cc: all stateful (each run draws anew; never folded or cached), none
// differentiable. Kernels: native/kernels/random.cc (TF's Philox streams, TF1-INTERNALS.md §8).
// half/bfloat16 are in TF's allowed lists but this project carries neither dtype.
import type { StaticShape } from '../../graph';
import { invalidArgument } from '../../errors';
import { OpDef, ShapeContext, ShapeFn, op } from '../registry';
import { constantValue, shapeFromTensor, shapeText } from '../shape';

const SEEDS = ['seed: int = 0', 'seed2: int = 0'];

/** TF's RandomShape: the output shape is the value of the 1-D shape input (-1: unknown dim). */
function randomShape(c: ShapeContext): StaticShape {
  const s = c.inputs[0].shape;
  if (s !== null && s.length !== 1) throw c.fail(`Shape must be rank 1 but is rank ${s.length}`);
  const v = constantValue(c.inputs[0]);
  const bad = v ? Array.from(v.data as ArrayLike<number | bigint>, Number).find((d) => d < -1) : undefined;
  if (bad !== undefined) throw invalidArgument(`Invalid value in tensor used for shape: ${bad}`);
  return shapeFromTensor(c.inputs[0]);
}

/** A scalar input (`what` names it in TF's message). */
function scalarInput(c: ShapeContext, i: number, what: string): void {
  const s = c.inputs[i].shape;
  if (s !== null && s.length !== 0) throw c.fail(`${what} must be a scalar; got a tensor of shape ${shapeText(s)}`);
}

/** Multinomial: [batch, num_samples] from rank-2 logits and a scalar num_samples. */
const multinomialShape: ShapeFn = (c) => {
  const l = c.inputs[0].shape, n = c.inputs[1].shape;
  if (l !== null && l.length !== 2) throw c.fail(`Shape must be rank 2 but is rank ${l.length}`);
  if (n !== null && n.length !== 0) throw c.fail(`Shape must be rank 0 but is rank ${n.length}`);
  const v = constantValue(c.inputs[1]);
  const samples = v && v.size === 1 ? Number(v.data[0]) : null;
  if (samples !== null && samples < 0) throw c.fail(`Dimension size, given by scalar input 1, must be non-negative but is ${samples}`);
  return [[l === null ? null : l[0], samples]];
};

const floatRandom = (id: number, type: string, builder: string) =>
  op(id, type, 'random', { in: ['shape: T'], out: ['output: dtype'], attrs: [...SEEDS, 'dtype: {half, bfloat16, float, double}', 'T: {int32, int64}'],
    shape: (c) => [randomShape(c)], stateful: true, builder, grad: null });

export const RANDOM_OPS: readonly OpDef[] = [
  floatRandom(700, 'RandomUniform', 'tf.randomUniform'),
  floatRandom(701, 'RandomStandardNormal', 'tf.randomNormal'),
  floatRandom(702, 'TruncatedNormal', 'tf.truncatedNormal'),
  op(703, 'RandomUniformInt', 'random', { in: ['shape: T', 'minval: Tout', 'maxval: Tout'], out: ['output: Tout'], attrs: [...SEEDS, 'Tout: {int32, int64}', 'T: {int32, int64}'],
    shape: (c) => { scalarInput(c, 1, 'minval'); scalarInput(c, 2, 'maxval'); return [randomShape(c)]; }, stateful: true, builder: 'tf.randomUniform (int dtypes)', grad: null }),
  op(704, 'RandomShuffle', 'random', { in: ['value: T'], out: ['output: T'], attrs: [...SEEDS, 'T: type'],
    shape: (c) => [c.inputs[0].shape === null ? null : c.inputs[0].shape.slice()], stateful: true, builder: 'tf.randomShuffle', grad: null }),
  op(705, 'Multinomial', 'random', { in: ['logits: T', 'num_samples: int32'], out: ['output: output_dtype'],
    attrs: [...SEEDS, 'T: realnumbertype', 'output_dtype: {int32, int64} = int64'], shape: multinomialShape, stateful: true,
    builder: 'tf.multinomial, tf.random.categorical', grad: null }),
];
