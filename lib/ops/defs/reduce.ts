// Reduction and linear-algebra ops (see lib/ops/registry.ts for the notation; ids only ever
// appended). Signatures are TF's REGISTER_OPs; where TF 2.x widened one compatibly (TopKV2's Tk
// and index_type, ArgMax over bool) the wider form is declared, so TF 1.15 graphs (which carry
// the defaults) and newer ones both import. Shape functions follow TF's
// (core/ops/math_ops.cc, nn_ops.cc, common_shape_fns.cc), including their build-time errors.
import type { StaticShape } from '../../graph';
import { OpDef, ShapeContext, op } from '../registry';
import { broadcastShapes, constantValue } from '../shape';

const reduce = (id: number, type: string, T = 'numbertype') =>
  op(id, type, 'reduce', {
    in: [`input: ${T === 'bool' ? 'bool' : 'T'}`, 'reduction_indices: Tidx'], out: [`output: ${T === 'bool' ? 'bool' : 'T'}`],
    attrs: ['keep_dims: bool = false', ...(T === 'bool' ? [] : [`T: ${T}`]), 'Tidx: {int32, int64} = int32'], shape: 'reduce',
    dtypes: T === 'bool' ? 'any' : 'numeric',
  });

/** ArgMax/ArgMin's T: TF's realnumbertype (its CPU kernels) plus bool (TF 2.x). */
const ARG_T = '{float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64, bool}';

/** The value of a one-element argument known at build time, else null. */
function scalarArg(c: ShapeContext, i: number): number | null {
  const v = constantValue(c.inputs[i]);
  return v && v.size === 1 ? Number(v.data[0]) : null;
}

function withRank(c: ShapeContext, s: StaticShape, rank: number): void {
  if (s !== null && s.length !== rank) throw c.fail(`Shape must be rank ${rank} but is rank ${s.length}`);
}
function withRankAtLeast(c: ShapeContext, s: StaticShape, rank: number): void {
  if (s !== null && s.length < rank) throw c.fail(`Shape must be at least rank ${rank} but is rank ${s.length}`);
}
/** TF's Merge of two dims: equal when both known. */
function merge(c: ShapeContext, a: number | null, b: number | null): number | null {
  if (a !== null && b !== null && a !== b) throw c.fail(`Dimensions must be equal, but are ${a} and ${b}`);
  return a ?? b;
}

/** ArgMax / ArgMin (TF's ArgOpShape): the input without `dimension`; rank <= 1 gives a scalar. */
function argShape(c: ShapeContext): StaticShape[] {
  withRank(c, c.inputs[1].shape, 0);
  const x = c.inputs[0].shape;
  if (x === null) return [null];
  if (x.length <= 1) return [[]];
  const dim = scalarArg(c, 1);
  if (dim === null) return [x.slice(1).map(() => null)];
  const r = x.length;
  if (dim < -r || dim >= r)
    throw c.fail(`Dimension (${dim}) must be in the range [${-r}, ${r}), where ${r} is the number of dimensions in the input.`);
  const d = dim < 0 ? dim + r : dim;
  return [x.filter((_, i) => i !== d)];
}

/** TopKV2 (TF's TopKShapeFn): the input with its last dim replaced by k, for both outputs. */
function topKShape(c: ShapeContext): StaticShape[] {
  const x = c.inputs[0].shape;
  withRankAtLeast(c, x, 1);
  let k: number | null = null;
  const kv = constantValue(c.inputs[1]);
  if (kv) {
    if (kv.rank !== 0) throw c.fail(`Input must be scalar but has rank ${kv.rank}`);
    k = Number(kv.data[0]);
    if (k < 0) throw c.fail(`Dimension size, given by scalar input 1, must be non-negative but is ${k}`);
  }
  if (x === null) return [null, null];
  const last = x[x.length - 1];
  if (last !== null && k !== null && last < k) throw c.fail(`input must have last dimension >= k = ${k} but is ${last}`);
  const s = [...x.slice(0, -1), k];
  return [s, s.slice()];
}

/** BatchMatMulV2 (TF's BatchMatMulV2Shape): broadcast batch dims + [rows, cols]. */
function batchMatMulShape(c: ShapeContext): StaticShape[] {
  const [a, b] = c.inputs.map((t) => t.shape);
  withRankAtLeast(c, a, 2);
  withRankAtLeast(c, b, 2);
  const adjX = c.attr<boolean>('adj_x'), adjY = c.attr<boolean>('adj_y');
  const dim = (s: StaticShape, i: number) => (s === null ? null : s[s.length + i]);
  merge(c, dim(a, adjX ? -2 : -1), dim(b, adjY ? -1 : -2));
  if (a === null || b === null) return [null];
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), (da, db) => c.fail(`Dimensions must be equal, but are ${da} and ${db}`));
  return [[...batch!, dim(a, adjX ? -1 : -2), dim(b, adjY ? -2 : -1)]];
}

/** Splits an Einsum equation as TF's ParseEinsumEquation / ValidateEinsumEllipsis. */
function parseEinsum(equation: string, fail: (msg: string) => Error): { inputs: string[]; output: string } {
  const parts = equation.split('->');
  if (parts.length !== 2) throw fail(`Expecting exactly one '->' in einsum equation: ${equation}`);
  const inputs = parts[0].split(',');
  if (inputs.length !== 1 && inputs.length !== 2)
    throw fail(`Expecting 1 or 2 input subscripts in equation '${equation}' but got: ${inputs.length}`);
  for (const s of [...inputs, parts[1]]) {
    const periods = s.split('.').length - 1;
    if (periods !== 0 && periods !== 3) throw fail(`Expected at most one ellipsis (...), but found ${periods} periods (.) in the input subscript: ${s}`);
    if (periods === 3 && !s.includes('...')) throw fail(`Periods found outside of ellipsis in subscript: ${s}`);
  }
  return { inputs, output: parts[1] };
}

/** Einsum (TF's EinsumShape): each label's dim merged over the inputs; '...' dims broadcast. */
function einsumShape(c: ShapeContext): StaticShape[] {
  const equation = c.attr<string>('equation');
  const { inputs: subs, output } = parseEinsum(equation, (m) => c.fail(m));
  if (c.inputs.length !== subs.length) throw c.fail(`Expected ${subs.length} inputs for equation ${equation} but got: ${c.inputs.length}`);
  const labelDim = new Map<string, number | null>();
  const bcast: StaticShape[] = [];
  subs.forEach((sub, i) => {
    const s = c.inputs[i].shape;
    const ell = sub.includes('...');
    const labels = sub.replace('...', '');
    if (s !== null && (ell ? s.length < labels.length : s.length !== labels.length)) {
      throw c.fail(`Shape must be ${ell ? 'at least ' : ''}rank ${labels.length} but is rank ${s.length}\n\t for ${i}th input and equation: ${equation}`);
    }
    const at = ell ? sub.indexOf('...') : labels.length;
    const nb = s === null ? 0 : s.length - labels.length;  // dims under the ellipsis
    bcast.push(!ell ? [] : s === null ? null : s.slice(at, at + nb));
    [...labels].forEach((l, j) => {
      const d = s === null ? null : s[j < at ? j : j + nb];
      labelDim.set(l, labelDim.has(l) ? merge(c, labelDim.get(l)!, d) : d);
    });
  });
  const outBcast = bcast.length === 1 ? bcast[0]
    : broadcastShapes(bcast[0], bcast[1], (da, db) => c.fail(`Dimensions must be equal, but are ${da} and ${db}`));
  const outEll = output.includes('...');
  if (outEll && outBcast === null) return [null];
  if (!outEll && outBcast !== null && outBcast.length > 0) {
    throw c.fail(`Shape must be at most rank 0 but is rank ${outBcast.length}\n\t for einsum equation '${equation}' without ellipsis (...) in the output subscripts where input(s) have non-empty broadcasting shape`);
  }
  const dims: (number | null)[] = [];
  for (let i = 0; i < output.length; i++) {
    if (output[i] === '.') { dims.push(...outBcast!); i += 2; continue; }
    if (!labelDim.has(output[i]))
      throw c.fail(`Einsum output subscripts for equation '${equation}' has label '${output[i]}' which is not present in the input subscripts`);
    dims.push(labelDim.get(output[i])!);
  }
  return [dims];
}

export const REDUCE_OPS: readonly OpDef[] = [
  reduce(400, 'Min'),
  reduce(401, 'Prod'),
  reduce(402, 'Any', 'bool'),
  reduce(403, 'All', 'bool'),
  op(404, 'ArgMax', 'argminmax', { in: ['input: T', 'dimension: Tidx'], out: ['output: output_type'],
    attrs: [`T: ${ARG_T}`, 'Tidx: {int16, int32, int64} = int32', 'output_type: {int16, uint16, int32, int64} = int64'], shape: argShape, dtypes: 'any' }),
  op(405, 'ArgMin', 'argminmax', { in: ['input: T', 'dimension: Tidx'], out: ['output: output_type'],
    attrs: [`T: ${ARG_T}`, 'Tidx: {int32, int64} = int32', 'output_type: {int32, int64} = int64'], shape: argShape, dtypes: 'any' }),
  op(406, 'Cumsum', 'scan', { in: ['x: T', 'axis: Tidx'], out: ['out: T'],
    attrs: ['exclusive: bool = false', 'reverse: bool = false', 'T: numbertype', 'Tidx: {int32, int64} = int32'], shape: 'same', dtypes: 'numeric' }),
  op(407, 'TopKV2', 'topk', { in: ['input: T', 'k: Tk'], out: ['values: T', 'indices: index_type'],
    attrs: ['sorted: bool = true', 'T: realnumbertype', 'Tk: {int16, int32, int64} = int32', 'index_type: {int16, int32, int64} = int32'],
    shape: topKShape, dtypes: 'numeric' }),
  op(408, 'BatchMatMulV2', 'batch_matmul', { in: ['x: T', 'y: T'], out: ['output: T'],
    attrs: ['T: {bfloat16, half, float, double, int32, int64, complex64, complex128}', 'adj_x: bool = false', 'adj_y: bool = false'],
    shape: batchMatMulShape, dtypes: 'numeric' }),
  op(409, 'Einsum', 'einsum', { in: ['inputs: N * T'], out: ['output: T'], attrs: ['equation: string', 'N: int >= 1', 'T: type'],
    shape: einsumShape, dtypes: 'numeric' }),
];
