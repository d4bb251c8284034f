// Builders of the reduction and linear-algebra ops declared in lib/ops/defs/reduce.ts, under
// TF1's Python names in camelCase, with TF1's default node names and name scopes (the op's
// scope holds the Consts made from JS arguments: 'Min/reduction_indices', 'ArgMax/dimension',
// 'Cumsum/axis', 'TopKV2/k'; tf.einsum opens 'einsum' with an 'Einsum' node inside, as TF 2.x).
import type { DType } from '../dtypes';
import { invalidArgument } from '../errors';
import { Graph, Tensor } from '../graph';
import { inferDType } from '../ndarray';
import { OpOptions, ReduceOptions, TensorLike, graphOf, isOptions, makeNode, matmulNode, opts, reduceArgs, shapeLike, toTensor } from './builders';

/** An integer argument (axis, k...): a Tensor as is, a JS integer as an int32 Const (int64 if it does not fit). */
function indexArg(g: Graph, x: number | number[] | Tensor, what: string, name: string): Tensor {
  const t = x instanceof Tensor ? toTensor(g, x, undefined, name) : toTensor(g, shapeLike(x, what), undefined, name);
  if (t.dtype !== 'int32' && t.dtype !== 'int64') throw invalidArgument(`${what} must be an int32 or int64 tensor, got ${t.dtype}`);
  return t;
}

// ---- reductions -------------------------------------------------------------------------------

type Axis = number | number[] | Tensor | null;

/** TF1's reduce_* over `axis` (all axes when omitted: a 'Const' made outside the op's scope). */
function reduction(type: string, x: TensorLike, axisArg?: Axis | ReduceOptions, keepDims?: boolean | ReduceOptions,
                   options?: ReduceOptions): Tensor {
  const { axis, o } = reduceArgs<Axis>(axisArg, keepDims, options);
  const g = graphOf(x);
  const t = toTensor(g, x, undefined, 'input_tensor');
  let all: Tensor | undefined;
  if (axis === undefined || axis === null) {
    if (t.shape === null) throw invalidArgument(`${type}: reducing over all axes needs a known rank; pass axis explicitly`);
    all = toTensor(g, Int32Array.from(t.shape.keys()), 'int32', 'Const');
  }
  return g.nameScope(o.name ?? type, (scope) => {
    const axes = all ?? indexArg(g, axis as number | number[] | Tensor, 'axis', 'reduction_indices');
    return makeNode(g, type, [t, axes], { keep_dims: !!o.keepDims, T: t.dtype, Tidx: axes.dtype }, t.dtype, scope).outputs[0];
  });
}

/** Minimum over `axis` (all axes if omitted); op type Min. NaN propagates. */
export const reduceMin = (x: TensorLike, axis?: Axis | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduction('Min', x, axis, keepDims, options);
/** Product over `axis`; op type Prod (integers wrap, as TF). */
export const reduceProd = (x: TensorLike, axis?: Axis | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduction('Prod', x, axis, keepDims, options);
/** Logical OR of a bool tensor over `axis`; op type Any (false over an empty set). */
export const reduceAny = (x: TensorLike, axis?: Axis | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduction('Any', x, axis, keepDims, options);
/** Logical AND of a bool tensor over `axis`; op type All (true over an empty set). */
export const reduceAll = (x: TensorLike, axis?: Axis | ReduceOptions, keepDims?: boolean | ReduceOptions, options?: ReduceOptions) =>
  reduction('All', x, axis, keepDims, options);

export interface ArgMinMaxOptions extends OpOptions {
  axis?: number | Tensor;
  /** 'int64' (TF's default) or 'int32'. */
  outputType?: DType;
}

function argMinMax(type: 'ArgMax' | 'ArgMin', input: TensorLike, axis?: number | Tensor | null | ArgMinMaxOptions,
                   options?: ArgMinMaxOptions | string): Tensor {
  const keys = { axis: true, outputType: true } as const;
  let o = opts(options, keys);
  if (isOptions<ArgMinMaxOptions>(axis)) { o = { ...opts(axis, keys), ...o }; axis = o.axis; }
  const g = graphOf(input, axis);
  return g.nameScope(o.name ?? type, (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const dim = indexArg(g, (axis ?? 0) as number | Tensor, 'axis', 'dimension');
    return makeNode(g, type, [x, dim], { T: x.dtype, Tidx: dim.dtype, output_type: o.outputType ?? 'int64' }, null, scope).outputs[0];
  });
}

/**
 * Index of the largest value along `axis` (default 0); op type ArgMax. Ties give the first
 * index; NaN never wins.
 * @example tf.argmax(logits, 1, { outputType: 'int32' })
 */
export const argmax = (input: TensorLike, axis?: number | Tensor | null | ArgMinMaxOptions, options?: ArgMinMaxOptions | string) =>
  argMinMax('ArgMax', input, axis, options);
/** Index of the smallest value along `axis` (default 0); op type ArgMin. */
export const argmin = (input: TensorLike, axis?: number | Tensor | null | ArgMinMaxOptions, options?: ArgMinMaxOptions | string) =>
  argMinMax('ArgMin', input, axis, options);

export interface CumsumOptions extends OpOptions {
  axis?: number | Tensor;
  /** Each output omits its own element: [a, b, c] -> [0, a, a + b]. */
  exclusive?: boolean;
  /** Sum from the end: [a, b, c] -> [a + b + c, b + c, c]. */
  reverse?: boolean;
}

/**
 * Cumulative sum along `axis` (default 0); op type Cumsum.
 * @example tf.cumsum(x, 1, { exclusive: true, reverse: true })
 */
export function cumsum(x: TensorLike, axis?: number | Tensor | CumsumOptions, options?: CumsumOptions | string): Tensor {
  const keys = { axis: true, exclusive: true, reverse: true } as const;
  let o = opts(options, keys);
  if (isOptions<CumsumOptions>(axis)) { o = { ...opts(axis, keys), ...o }; axis = o.axis; }
  const g = graphOf(x, axis);
  return g.nameScope(o.name ?? 'Cumsum', (scope) => {
    const t = toTensor(g, x, undefined, 'x');
    const ax = indexArg(g, (axis ?? 0) as number | Tensor, 'axis', 'axis');
    return makeNode(g, 'Cumsum', [t, ax], { exclusive: !!o.exclusive, reverse: !!o.reverse, T: t.dtype, Tidx: ax.dtype }, null, scope).outputs[0];
  });
}

export interface TopKOptions extends OpOptions {
  k?: number | Tensor;
  /** Values largest first (default true; false allows any order). */
  sorted?: boolean;
}

/**
 * The `k` (default 1) largest entries of each last-dim slice and their int32 indices, largest
 * first; equal values keep index order. Op type TopKV2 (TF1's tf.nn.top_k / tf.math.top_k).
 * @example const [values, indices] = tf.topK(logits, 5)
 */
export function topK(input: TensorLike, k?: number | Tensor | TopKOptions, options?: TopKOptions | string): [Tensor, Tensor] {
  const keys = { k: true, sorted: true } as const;
  let o = opts(options, keys);
  if (isOptions<TopKOptions>(k)) { o = { ...opts(k, keys), ...o }; k = o.k; }
  const g = graphOf(input, k);
  return g.nameScope(o.name ?? 'TopKV2', (scope) => {
    const x = toTensor(g, input, undefined, 'input');
    const kt = indexArg(g, (k ?? 1) as number | Tensor, 'k', 'k');
    const op = makeNode(g, 'TopKV2', [x, kt], { sorted: o.sorted ?? true, T: x.dtype, Tk: kt.dtype, index_type: 'int32' }, null, scope);
    return [op.outputs[0], op.outputs[1]];
  });
}

// ---- matrix products --------------------------------------------------------------------------

export interface BatchMatMulOptions extends OpOptions {
  /** Use the (conjugate) transpose of the last two dims of x (TF's adj_x). */
  adjX?: boolean;
  adjY?: boolean;
  /** tf.matmul's names for the same (real dtypes: transpose = adjoint). */
  transposeA?: boolean;
  transposeB?: boolean;
  adjointA?: boolean;
  adjointB?: boolean;
}

/**
 * Batched matrix product (op type BatchMatMulV2): x[..., m, k] * y[..., k, n] with the leading
 * dims broadcast. Named 'MatMul' by default, as TF1's tf.matmul names the BatchMatMulV2 it builds
 * for inputs of rank > 2.
 * @example tf.batchMatMul(q, k, { adjY: true })
 */
export function batchMatMul(x: TensorLike, y: TensorLike, options?: BatchMatMulOptions | string): Tensor {
  return matmulNode(x, y, opts(options, { adjX: true, adjY: true, transposeA: true, transposeB: true, adjointA: true, adjointB: true }), true);
}

/**
 * TF's einsum front end (_einsum_v2): spaces dropped, an implicit output ('ij,jk') becomes the
 * labels seen once, sorted, after '...' if that is seen once. Returns the explicit equation.
 */
function resolveEquation(equation: string, nInputs: number): string {
  let eq = equation.replace(/ /g, '');
  const ell = eq.includes('...');
  if (ell && eq.includes('0')) throw invalidArgument(`Invalid character "0" in equation: ${equation}.`);
  if (ell) eq = eq.replace(/\.\.\./g, '0');
  const m = new RegExp(`^([a-zA-Z${ell ? '0' : ''},]*)(->[a-zA-Z${ell ? '0' : ''}]*)?$`).exec(eq);
  if (!m) throw invalidArgument(`Subscripts have incorrect format: ${eq}`);
  const inputs = m[1].split(',');
  if (inputs.length !== nInputs) throw invalidArgument(`Got ${nInputs} inputs for equation "${equation}", expecting ${inputs.length}`);
  let output = m[2] ? m[2].slice(2) : undefined;
  if (output === undefined) {
    const counts = new Map<string, number>();
    for (const ch of m[1]) if (ch !== ',') counts.set(ch, (counts.get(ch) ?? 0) + 1);
    output = [...counts.keys()].filter((ch) => counts.get(ch) === 1).sort().join('');
    eq += `->${output}`;
  }
  if (new Set(output).size !== output.length) throw invalidArgument(`Output subscripts contain a label appearing more than once: ${equation}`);
  for (const ch of output) {
    if (ch !== '0' && !m[1].includes(ch)) throw invalidArgument(`Output subscripts contain the label ${ch} not present in the input subscripts.`);
  }
  return ell ? eq.replace(/0/g, '...') : eq;
}

/**
 * Einstein summation (op type Einsum, in a scope named 'einsum'): 'ij,jk->ik' is a matmul,
 * 'bij->bji' a transpose, 'ii->i' a diagonal, '...ij,...jk->...ik' a broadcast batched matmul.
 * The output may be implicit ('ij,jk'). More than two inputs contract left to right, one Einsum
 * per pair (TF picks its order with opt_einsum; the values are the same).
 * @example tf.einsum('abc,cd->abd', x, w, { name: 'dense' })
 */
export function einsum(equation: string, ...args: (TensorLike | OpOptions)[]): Tensor {
  const last = args[args.length - 1];
  const o = isOptions<OpOptions>(last) ? opts(args.pop() as OpOptions) : {};
  const operands = args as TensorLike[];
  if (typeof equation !== 'string') throw new TypeError(`einsum: the equation must be a string, got ${String(equation)}`);
  if (operands.length === 0) throw invalidArgument('einsum: at least one input is required');
  const g = graphOf(...operands);
  return g.nameScope(o.name ?? 'einsum', () => {
    const eq = resolveEquation(equation, operands.length);
    const dtype = operands.find((x): x is Tensor => x instanceof Tensor)?.dtype ?? inferDType(operands[0]);
    const ts = operands.map((x) => toTensor(g, x, dtype, 'inputs'));
    const build = (inputs: Tensor[], e: string) => {
      for (const t of inputs) {
        if (t.dtype !== inputs[0].dtype) throw invalidArgument(`Input 'inputs' of 'Einsum' Op has type ${t.dtype} that does not match type ${inputs[0].dtype}.`);
      }
      return makeNode(g, 'Einsum', inputs, { equation: e, N: inputs.length, T: inputs[0].dtype }, null, undefined).outputs[0];
    };
    if (ts.length <= 2) return build(ts, eq);
    // Pairwise, left to right: each step keeps the labels still needed later.
    const one = (x: string) => x.replace('...', '.');  // one char per label ('.': the ellipsis)
    const spell = (x: string) => x.replace('.', '...');
    const [lhs, out] = eq.split('->');
    const subs = lhs.split(',').map(one), output = one(out);
    let acc = ts[0], accSub = subs[0];
    for (let i = 1; i < ts.length; i++) {
      const later = subs.slice(i + 1).join('') + output;
      const keep = i === ts.length - 1 ? output : [...new Set(accSub + subs[i])].filter((ch) => later.includes(ch)).join('');
      acc = build([acc, ts[i]], `${spell(accSub)},${spell(subs[i])}->${spell(keep)}`);
      accSub = keep;
    }
    return acc;
  });
}
