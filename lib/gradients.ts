// tf.gradients: TF1's symbolic differentiation (gradients_util._GradientsHelper), built in
// TypeScript from the gradient function registered for each op type (lib/ops/grads/*.ts, via
// registerGradient in lib/ops/registry.ts):
//   1. ops reachable forward from the xs through float outputs, and among them those the ys
//      depend on (the "between" ops), with a pending count of between-op consumers per op;
//   2. from the ys (seeded with gradYs, default ones named gradients/grad_ys_<i>), ops are
//      processed when all their consumers have sent gradients: contributions to one output are
//      summed with AddN in arrival order, the op's gradient function is called in the name scope
//      gradients/<op name>_grad, and its results flow to the op's inputs;
//   3. each x gets its summed gradient, null where unconnected (or zeros, on request).
// Integer and bool edges carry no gradient; xs ops and `stopGradients` are not differentiated
// through; NotDifferentiable ops (StopGradient, Shape, comparisons...) give null gradients.
import { DType } from './dtypes';
import { invalidArgument } from './errors';
import { Graph, Operation, Tensor } from './graph';
import { constIn, makeNode, opts, toTensor, TensorLike } from './ops/builders';
import { gradientFunction } from './ops/registry';
import { NDArray } from './ndarray';
import './ops/grads/math';
import './ops/grads/array';
import './ops/grads/reduce';
import './ops/grads/nn';

/** TF's AggregationMethod: how contributions to one gradient are summed (all give the sum). */
export const AggregationMethod = {
  ADD_N: 0,
  DEFAULT: 0,
  EXPERIMENTAL_TREE: 1,
  EXPERIMENTAL_ACCUMULATE_N: 2,
} as const;

export interface GradientsOptions {
  name?: string;
  /** Tensors not differentiated through (as if each were a constant). */
  stopGradients?: Tensor | readonly Tensor[] | null;
  /** What an x that does not reach the ys gets: 'none' (null, TF's None) or 'zero' (zerosLike). */
  unconnectedGradients?: 'none' | 'zero';
  aggregationMethod?: number | null;
  /** Accepted for TF compatibility (no numeric effect on the CPU). */
  colocateGradientsWithOps?: boolean;
  gateGradients?: boolean;
}

const TRAINABLE: ReadonlySet<DType> = new Set<DType>(['float32', 'float64']);
const trainable = (t: Tensor) => TRAINABLE.has(t.dtype);

function tensorList(v: Tensor | readonly Tensor[], what: string): Tensor[] {
  const list = Array.isArray(v) ? [...v] : [v as Tensor];
  for (const t of list) {
    if (!(t instanceof Tensor)) throw new TypeError(`${what} must be Tensors, got ${t === null ? 'null' : typeof t}`);
  }
  return list;
}

/**
 * The symbolic derivatives of sum(ys) with respect to each of xs (TF1's tf.gradients): one
 * Tensor per x, or null where x does not reach any y. `gradYs` (one per y, null for the default
 * ones) weights each y.
 * @example const [dw, db] = tf.gradients(loss, [w, b]);
 */
export function gradients(ys: Tensor | readonly Tensor[], xs: Tensor | readonly Tensor[],
                          gradYs?: TensorLike | readonly (TensorLike | null)[] | null, options: GradientsOptions = {}): (Tensor | null)[] {
  options = opts(options, { stopGradients: true, unconnectedGradients: true, aggregationMethod: true, colocateGradientsWithOps: true, gateGradients: true });
  const yList = tensorList(ys, 'ys'), xList = tensorList(xs, 'xs');
  if (!yList.length) throw invalidArgument('ys must not be empty');
  const g = yList[0].graph;
  for (const t of [...yList, ...xList]) if (t.graph !== g) throw invalidArgument(`Tensor ${t.name} must be from the same graph as ${yList[0].name}.`);
  // One gradY per y: with several ys a list; with a single y a Tensor, a JS value, or a list of
  // Tensors/nulls (a JS array of numbers is a value, not a list).
  let gyList: (TensorLike | null)[];
  if (gradYs === undefined || gradYs === null) gyList = yList.map(() => null);
  else if (Array.isArray(ys) || (Array.isArray(gradYs) && gradYs.length > 0 && gradYs.every((v) => v === null || v instanceof Tensor))) {
    if (!Array.isArray(gradYs)) throw invalidArgument(`Passed 1 grad_ys for ${yList.length} ys`);
    gyList = [...gradYs];
  } else gyList = [gradYs as TensorLike];
  if (gyList.length !== yList.length) throw invalidArgument(`Passed ${gyList.length} grad_ys for ${yList.length} ys`);
  const stops = options.stopGradients ? tensorList(options.stopGradients, 'stopGradients') : [];
  const unconnected = options.unconnectedGradients ?? 'none';
  if (unconnected !== 'none' && unconnected !== 'zero') throw invalidArgument(`Unknown value for unconnected_gradients: '${String(unconnected)}'`);
  const agg = options.aggregationMethod ?? AggregationMethod.ADD_N;
  if (![0, 1, 2].includes(agg)) throw invalidArgument(`Invalid aggregation_method specified ${agg}.`);

  return g.nameScope(options.name ?? 'gradients', () => {
    // Default gradYs: ones shaped like y (TF: Fill(gradients/Shape, gradients/grad_ys_i/Const)).
    const seeds = yList.map((y, i) => {
      const gy = gyList[i];
      if (gy !== null) {
        const t = toTensor(g, gy, y.dtype, `grad_ys_${i}`);
        if (TRAINABLE.has(y.dtype) !== TRAINABLE.has(t.dtype) || (TRAINABLE.has(y.dtype) && t.dtype !== y.dtype))
          throw invalidArgument(`Gradient type ${t.dtype} generated for real or integer-valued tensor ${y.name} with type ${y.dtype} must be ${y.dtype}`);
        return t;
      }
      const shape = makeNode(g, 'Shape', [y], { T: y.dtype, out_type: 'int32' }, 'int32', 'Shape').outputs[0];
      return g.nameScope(`grad_ys_${i}`, (scope) => {
        const one = constIn(g, new NDArray(y.dtype === 'float64' ? Float64Array.of(1) : y.dtype === 'int64' ? BigInt64Array.of(1n) : y.dtype === 'int32' ? Int32Array.of(1) : Float32Array.of(1), [], y.dtype), y.dtype, 'Const');
        return makeNode(g, 'Fill', [shape, one], { T: y.dtype, index_type: 'int32' }, y.dtype, scope).outputs[0];
      });
    });
    return backprop(g, yList, xList, seeds, stops.map((t) => t.op), unconnected, agg);
  });
}

function backprop(g: Graph, ys: Tensor[], xs: Tensor[], seeds: Tensor[], stopGradientOps: Operation[],
                  unconnected: 'none' | 'zero', agg: number): (Tensor | null)[] {
  // Consumers of each op through backpropagatable (float) outputs.
  const consumers = new Map<Operation, Operation[]>();
  for (const op of g.getOperations()) {
    for (const t of op.inputs) {
      if (!trainable(t)) continue;
      let list = consumers.get(t.op);
      if (!list) consumers.set(t.op, (list = []));
      list.push(op);
    }
  }
  // 1. reached forward from the xs; between = reached and reached backward from the ys.
  const reached = new Set<Operation>();
  const fwd = xs.map((x) => x.op);
  while (fwd.length) {
    const op = fwd.pop()!;
    if (reached.has(op)) continue;
    reached.add(op);
    for (const c of consumers.get(op) ?? []) fwd.push(c);
  }
  const between = new Set<Operation>();
  const back = ys.map((y) => y.op);
  const seen = new Set<Operation>();
  while (back.length) {
    const op = back.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (reached.has(op)) between.add(op);
    for (const t of op.inputs) back.push(t.op);
  }
  const pending = new Map<Operation, number>();
  for (const op of between) for (const t of op.inputs) if (between.has(t.op)) pending.set(t.op, (pending.get(t.op) ?? 0) + 1);
  const count = (op: Operation) => pending.get(op) ?? 0;

  // xs ops with no pending between-op input, and the stopGradients ops: not differentiated through.
  const stopOps = new Set<Operation>(stopGradientOps);
  for (const x of xs) if (!x.op.inputs.some((t) => count(t.op) > 0)) stopOps.add(x.op);

  // Gradients received per op output, in arrival order.
  const grads = new Map<Operation, (Tensor | null | Tensor[])[]>();
  const addGrad = (t: Tensor, grad: Tensor) => {
    let per = grads.get(t.op);
    if (!per) grads.set(t.op, (per = t.op.outputs.map(() => [] as Tensor[])));
    const cur = per[t.valueIndex];
    if (Array.isArray(cur)) cur.push(grad);
    else per[t.valueIndex] = cur === null ? [grad] : [cur, grad];
  };
  ys.forEach((y, i) => addGrad(y, seeds[i]));

  const queue: Operation[] = [];
  const queued = new Set<Operation>();
  for (const y of ys) if (between.has(y.op) && count(y.op) === 0 && !queued.has(y.op)) { queued.add(y.op); queue.push(y.op); }

  // Sums each output's contributions (AddN in arrival order, in the gradients/ scope).
  const aggregate = (op: Operation): (Tensor | null)[] => {
    const per = grads.get(op);
    if (!per) return op.outputs.map(() => null);
    const out = per.map((v) => {
      if (!Array.isArray(v)) return v;
      if (v.length === 0) return null;
      if (v.length === 1) return v[0];
      if (agg === AggregationMethod.ADD_N) return makeNode(g, 'AddN', v, { N: v.length, T: v[0].dtype }, v[0].dtype, 'AddN').outputs[0];
      let run = v[0];
      for (const t of v.slice(1)) run = makeNode(g, 'AddN', [run, t], { N: 2, T: t.dtype }, t.dtype, 'AddN').outputs[0];
      return run;
    });
    grads.set(op, out);
    return out;
  };

  while (queue.length) {
    const op = queue.shift()!;
    const outGrads = aggregate(op);
    let inGrads: (Tensor | null)[] = op.inputs.map(() => null);
    if (outGrads.some((t) => t !== null) && !stopOps.has(op)) {
      const fn = gradientFunction(op.type);
      if (fn === undefined) throw invalidArgument(`No gradient defined for operation '${op.name}' (op type: ${op.type})`);
      if (fn !== null) {
        const filled = outGrads.map((t, i) => t ?? (trainable(op.outputs[i])
          ? makeNode(g, 'ZerosLike', [op.outputs[i]], { T: op.outputs[i].dtype }, op.outputs[i].dtype, 'zeros_like').outputs[0] : null));
        inGrads = g.nameScope(`${op.name}_grad`, () => fn(op, filled));
        if (inGrads.length !== op.inputs.length)
          throw invalidArgument(`Num gradients ${inGrads.length} generated for op ${op.name} do not match num inputs ${op.inputs.length}`);
      }
    }
    op.inputs.forEach((t, i) => {
      const gi = inGrads[i];
      if (gi && trainable(t)) {
        if (gi.dtype !== t.dtype) throw invalidArgument(`Gradient of dtype ${gi.dtype} for input ${i} of ${op.name} (${t.dtype})`);
        addGrad(t, gi);
      }
      if (!between.has(t.op)) return;
      const n = count(t.op) - 1;
      pending.set(t.op, n);
      if (n === 0 && !queued.has(t.op)) { queued.add(t.op); queue.push(t.op); }
    });
  }

  return xs.map((x) => {
    const per = grads.get(x.op);
    let v = per ? per[x.valueIndex] : null;
    if (Array.isArray(v)) v = v.length ? aggregate(x.op)[x.valueIndex] : null;  // an x never processed (e.g. an unconnected y)
    if (v === null || v === undefined) {
      if (unconnected === 'zero') return makeNode(g, 'ZerosLike', [x], { T: x.dtype }, x.dtype, 'zeros_like').outputs[0];
      return null;
    }
    return v as Tensor;
  });
}
