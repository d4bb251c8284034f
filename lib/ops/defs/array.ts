// Array ops: shapes and data movement (see lib/ops/registry.ts for the notation; ids only ever
// appended). Args, attrs and defaults are TF 1.15's REGISTER_OPs; the shape functions are TF's
// (core/ops/array_ops.cc, math_ops.cc for Range), with its messages, reading constant arguments
// through constantValue() and returning partial shapes when they are not known.
import type { StaticShape, Tensor } from '../../graph';
import { OpDef, ShapeContext, ShapeFn, op } from '../registry';
import { constantValue, shapeFromTensor, shapeText } from '../shape';

// ---- TF's InferenceContext, on StaticShape (null = unknown rank, null dim = unknown) -----------

type Dim = number | null;
type Shape = Dim[];
const unknowns = (n: number): Shape => new Array(n).fill(null);

/** The flat int values of a constant argument, else null. */
function ints(t: Tensor): number[] | null {
  const v = constantValue(t);
  return v && v.dtype !== 'bool' ? Array.from(v.data as ArrayLike<number | bigint>, Number) : null;
}
/** The one value of a constant scalar (or 1-element) argument, else null. */
function scalarValue(t: Tensor): number | null {
  const v = ints(t);
  return v && v.length === 1 ? v[0] : null;
}

function withRank(c: ShapeContext, s: StaticShape, rank: number, context = ''): Shape {
  if (s === null) return unknowns(rank);
  if (s.length !== rank) throw c.fail(`Shape must be rank ${rank} but is rank ${s.length}${context}`);
  return s;
}
function withRankAtLeast(c: ShapeContext, s: StaticShape, rank: number): StaticShape {
  if (s !== null && s.length < rank) throw c.fail(`Shape must be at least rank ${rank} but is rank ${s.length}`);
  return s;
}
function withValue(c: ShapeContext, d: Dim, value: number): Dim {
  if (d !== null && d !== value) throw c.fail(`Dimension must be ${value} but is ${d}`);
  return value;
}
function mergeDim(c: ShapeContext, a: Dim, b: Dim): Dim {
  if (a === null) return b;
  if (b !== null && a !== b) throw c.fail(`Dimensions must be equal, but are ${a} and ${b}`);
  return a;
}
/** TF's Merge of two shapes: the merged shape, or TF's message when they conflict. */
function tryMerge(a: StaticShape, b: StaticShape): { shape: StaticShape; error?: string } {
  if (a === null) return { shape: b };
  if (b === null) return { shape: a };
  if (a.length !== b.length) return { shape: null, error: `Shapes must be equal rank, but are ${a.length} and ${b.length}` };
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== null && b[i] !== null && a[i] !== b[i])
      return { shape: null, error: `Dimension ${i} in both shapes must be equal, but are ${a[i]} and ${b[i]}. Shapes are ${shapeText(a)} and ${shapeText(b)}.` };
  }
  return { shape: a.map((d, i) => d ?? b[i]) };
}
/** Merge, failing with TF's message (`context` is appended as TF appends error context). */
function merge(c: ShapeContext, a: StaticShape, b: StaticShape, context = ''): StaticShape {
  const m = tryMerge(a, b);
  if (m.error !== undefined) throw c.fail(m.error + context);
  return m.shape;
}
/** TF's Add / Multiply of dims (0 and 1 are exact even against an unknown dim). */
const addDim = (a: Dim, b: Dim): Dim => (a === 0 ? b : b === 0 ? a : a === null || b === null ? null : a + b);
const mulDim = (a: Dim, b: Dim): Dim => (a === 0 || b === 0 ? 0 : a === 1 ? b : b === 1 ? a : a === null || b === null ? null : a * b);
/** TF's Subshape(s, start, end): negative bounds count from the end, bounds clamp to the rank. */
function subshape(s: StaticShape, start: number, end?: number): StaticShape {
  if (s === null) return null;
  const n = s.length;
  const norm = (x: number) => Math.min(Math.max(x < 0 ? x + n : x, 0), n);
  return s.slice(norm(start), end === undefined ? n : norm(end));
}
const concat = (...parts: StaticShape[]): StaticShape => (parts.some((p) => p === null) ? null : (parts as Shape[]).flat());
const numElements = (s: StaticShape): number | null =>
  s === null || s.some((d) => d === null) ? null : (s as number[]).reduce((a, b) => a * b, 1);

/**
 * TF's MakeShapeFromShapeTensor: a 1-D int argument read as a shape, -1 for an unknown dim. A
 * non-constant argument still gives what shapeFromTensor() knows (Shape, Pack, ConcatV2 ...).
 */
function shapeArg(c: ShapeContext, i: number): StaticShape {
  const t = c.inputs[i];
  withRank(c, t.shape, 1);
  const v = ints(t);
  if (v === null) return shapeFromTensor(t);
  return v.map((d) => {
    if (d < -1) throw c.fail(`Invalid value in tensor used for shape: ${d}`);
    return d === -1 ? null : d;
  });
}

/** TF's MakeDimForScalarInputWithNegativeIndexing: an axis argument, normalized against `rank`. */
function axisDim(c: ShapeContext, i: number, rank: number | null): Dim {
  withRank(c, c.inputs[i].shape, 0);
  let v = scalarValue(c.inputs[i]);
  if (v === null) return null;
  if (v < 0) {
    if (rank === null) return null;
    if (v + rank < 0) throw c.fail(`Dimension size, given by scalar input ${v} must be in range [-${rank}, ${rank})`);
    v += rank;
  } else if (rank !== null && rank > 0 && v >= rank) {
    throw c.fail(`Dimension size, given by scalar input ${v} must be in range [-${rank}, ${rank})`);
  }
  return v;
}

/** Pack / Unpack's axis attr against the rank with the packed dim. */
function packAxis(c: ShapeContext, rank: number): number {
  const axis = c.attr<number>('axis');
  if (axis < -rank || axis >= rank) throw c.fail(`Invalid axis: ${axis}; must be in [${-rank},${rank})`);
  return axis < 0 ? axis + rank : axis;
}

const rankOf = (s: StaticShape): number | null => (s === null ? null : s.length);

// ---- shape functions -------------------------------------------------------------------------

const rangeShape: ShapeFn = (c) => {
  (['start', 'limit', 'delta'] as const).forEach((n, i) => withRank(c, c.inputs[i].shape, 0, `\n\t for '${n}'`));
  const [start, limit, delta] = c.inputs.map(scalarValue);
  if (start === null || limit === null || delta === null) return [[null]];
  if (start > limit && delta > 0) throw c.fail(`Requires start <= limit when delta > 0: ${start}/${limit}`);
  if (start < limit && delta < 0) throw c.fail(`Requires start >= limit when delta < 0: ${start}/${limit}`);
  if (delta === 0) throw c.fail('Requires delta != 0');
  const f32 = c.inputs[0].dtype === 'float32' ? Math.fround : (x: number) => x;
  const size = c.inputs[0].dtype.startsWith('int')
    ? Math.floor((Math.abs(limit - start) + Math.abs(delta) - 1) / Math.abs(delta))
    : Math.ceil(f32(Math.abs(f32(f32(limit - start) / delta))));
  if (Number.isNaN(size)) throw c.fail('Dimension -9223372036854775808 must be >= 0');
  if (size > 9223372036854775807) throw c.fail('Requires ((limit - start) / delta) <= 9223372036854775807');
  return [[size]];
};

const squeezeShape: ShapeFn = (c) => {
  const s = c.inputs[0].shape;
  if (s === null) return [null];
  const rank = s.length;
  const dims = c.attr<number[]>('squeeze_dims').map((d, i) => {
    if (d < -rank || d >= rank) throw c.fail(`squeeze_dims[${i}] not in [${-rank},${rank}).`);
    return d < 0 ? d + rank : d;
  });
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const explicit = dims.includes(i), d = s[i];
    if (d === null) {
      if (explicit) continue;  // assumed to be 1 at run time
      if (dims.length === 0) return [null];
    } else if (d === 1) {
      if (explicit || dims.length === 0) continue;
    } else if (explicit) {
      throw c.fail(`Can not squeeze dim[${i}], expected a dimension of 1, got ${d}`);
    }
    out.push(d);
  }
  return [out];
};

const expandDimsShape: ShapeFn = (c) => {
  const v = ints(c.inputs[1]);
  if (v !== null && v.length !== 1) throw c.fail(`'dim' input must be a tensor with a single value`);
  const s = c.inputs[0].shape;
  if (v === null || s === null) return [null];
  const rank = s.length;
  let dim = v[0];
  if (dim < -rank - 1 || dim > rank) throw c.fail(`dim ${dim} not in the interval [${-rank - 1}, ${rank}].`);
  if (dim < 0) dim += rank + 1;
  return [[...s.slice(0, dim), 1, ...s.slice(dim)]];
};

const transposeShape: ShapeFn = (c) => {
  const [x, permT] = c.inputs;
  const perm = ints(permT);
  const permLen = permT.shape !== null && permT.shape.length === 1 ? permT.shape[0] : null;
  if (x.shape === null && permLen === null && perm === null) return [null];
  const rank = x.shape !== null ? x.shape.length : permLen ?? perm!.length;
  // A one-element perm is a scalar's or a vector's: transpose returns either unchanged.
  if (x.shape === null && rank < 2) return [x.shape];
  const input = withRank(c, x.shape, rank);
  withRank(c, permT.shape, 1);
  withValue(c, permLen, rank);
  if (perm === null) return [unknowns(rank)];
  return [perm.map((p) => {
    if (p >= rank || p < -rank) throw c.fail(`perm dim ${p} is out of range of input rank ${rank}`);
    return input[p < 0 ? p + rank : p];
  })];
};

const concatShape: ShapeFn = (c) => {
  const values = c.inputs.slice(0, -1), axisT = c.inputs[c.inputs.length - 1];
  withRank(c, axisT.shape, 0);
  const rank = values.map((v) => rankOf(v.shape)).find((r) => r !== null) ?? null;
  if (rank === 0) throw c.fail("Can't concatenate scalars (use tf.stack instead)");
  if (rank !== null) for (const v of values) withRank(c, v.shape, rank);
  const axis = scalarValue(axisT);
  if (axis === null) return [rank === null ? null : unknowns(rank)];
  const minRank = axis < 0 ? -axis : axis + 1;
  // Merge the dims before and after the axis over all inputs, sum the axis dims (TF goes from
  // the last input to the first, which orders its messages).
  let before: StaticShape = null, after: StaticShape = null, middle: Dim = null;
  for (let i = values.length - 1; i >= 0; i--) {
    const s = withRankAtLeast(c, values[i].shape, minRank);
    const ax = s === null ? 0 : axis < 0 ? axis + s.length : axis;
    const b = s === null ? null : s.slice(0, ax), m = s === null ? null : s[ax], a = s === null ? null : s.slice(ax + 1);
    if (i === values.length - 1) { before = b; middle = m; after = a; continue; }
    before = merge(c, b, before);
    middle = addDim(middle, m);
    after = merge(c, a, after);
  }
  return [concat(before, [middle], after)];
};

const packShape: ShapeFn = (c) => {
  let cur = c.inputs[c.inputs.length - 1].shape;
  for (let i = c.inputs.length - 2; i >= 0; i--) cur = merge(c, c.inputs[i].shape, cur, `\n\tFrom merging shape ${i} with other shapes.`);
  if (cur === null) return [null];
  const axis = packAxis(c, cur.length + 1);
  return [[...cur.slice(0, axis), c.inputs.length, ...cur.slice(axis)]];
};

const unpackShape: ShapeFn = (c) => {
  const s = c.inputs[0].shape, num = c.attr<number>('num');
  let out: StaticShape = null;
  if (s !== null) {
    const axis = packAxis(c, s.length);
    withValue(c, s[axis], num);
    out = [...s.slice(0, axis), ...s.slice(axis + 1)];
  }
  return Array.from({ length: num }, () => (out === null ? null : out.slice()));
};

const splitShape: ShapeFn = (c) => {
  const input = c.inputs[1].shape, num = c.attr<number>('num_split');
  const dim = axisDim(c, 0, rankOf(input));
  let out: StaticShape;
  if (dim === null) out = input === null ? null : unknowns(input.length);
  else {
    const s = withRankAtLeast(c, input, dim + 1);
    if (s === null) out = null;
    else {
      const size = s[dim];
      if (size !== null && size % num !== 0)
        throw c.fail(`Dimension size must be evenly divisible by ${num} but is ${size}\n\tNumber of ways to split should evenly divide the split dimension`);
      out = s.map((d, i) => (i === dim ? (size === null ? null : size / num) : d));
    }
  }
  return Array.from({ length: num }, () => (out === null ? null : out.slice()));
};

const splitVShape: ShapeFn = (c) => {
  const input = c.inputs[0].shape, num = c.attr<number>('num_split');
  const dim = axisDim(c, 2, rankOf(input));
  const sizes = ints(c.inputs[1]);
  if (input === null) return unknowns(num) as StaticShape[];
  if (input.length === 0) throw c.fail("Can't split scalars");
  const replaced = (d: Dim) => input.map((x, i) => (i === dim ? d : x));
  if (sizes === null) return Array.from({ length: num }, () => (dim === null ? unknowns(input.length) : replaced(null)));
  if (dim === null) return Array.from({ length: num }, () => unknowns(input.length));
  withRankAtLeast(c, input, dim + 1);
  if (sizes.length !== num) throw c.fail('Length of size_splits should be equal to num_outputs');
  let total = 0, negOne = false;
  for (const s of sizes) {
    if (s === -1) {
      if (negOne) throw c.fail('size_splits can only have one -1');
      negOne = true;
    } else total += s;
  }
  const dimSize = input[dim];
  const outs = sizes.map((s, i) => {
    const size = s === -1 && dimSize !== null ? dimSize - total : s;
    if (size < -1 || (size === -1 && dimSize !== null)) throw c.fail(`Split size at index ${i} must be >= 0. Got: ${size}`);
    return replaced(size === -1 ? null : size);
  });
  if (dimSize !== null && (negOne ? total > dimSize : total !== dimSize))
    throw c.fail(`can't split axis of size ${dimSize} into pieces of size [${sizes.join(',')}]`);
  return outs;
};

const sliceShape: ShapeFn = (c) => {
  const [x, beginT, sizeT] = c.inputs;
  const n = merge(c, withRank(c, beginT.shape, 1), withRank(c, sizeT.shape, 1))![0];
  const input: StaticShape = n === null ? x.shape : withRank(c, x.shape, n);
  const begin = shapeArg(c, 1);
  const sizes = ints(sizeT);
  if (sizes !== null) {
    const b = withRank(c, begin, sizes.length);
    return [sizes.map((s, i) => {
      if (s < -1) throw c.fail(`Invalid value in tensor used for shape: ${s}`);
      if (s !== -1) return s;
      // The slice runs to the end of the input.
      const d = input === null ? null : input[i];
      if (d === null || b[i] === null) return null;
      if (d - b[i]! < 0) throw c.fail(`Negative dimension size caused by subtracting ${b[i]} from ${d}`);
      return d - b[i]!;
    })];
  }
  const partial = shapeArg(c, 2);
  if (partial !== null) {
    withRank(c, begin, partial.length);
    return [partial];
  }
  return [input === null ? null : unknowns(input.length)];
};

/** TF's ValidateStridedSliceOp on partial values: begin/end may be unknown, dims may be unknown. */
const stridedSliceShape: ShapeFn = (c) => {
  const [x, beginT, endT, stridesT] = c.inputs;
  const lens = merge(c, merge(c, withRank(c, beginT.shape, 1), withRank(c, endT.shape, 1)), withRank(c, stridesT.shape, 1))!;
  const strides = ints(stridesT);
  if (x.shape === null || lens[0] === null || strides === null) return [null];
  const input = x.shape;
  const begin = ints(beginT), end = ints(endT);
  const bit = (mask: number, i: number) => ((mask >>> i) & 1) === 1;
  const [beginMaskSpec, endMaskSpec, newAxisMask, shrinkMaskSpec] =
    ['begin_mask', 'end_mask', 'new_axis_mask', 'shrink_axis_mask'].map((n) => c.attr<number>(n) | 0);
  let ellipsisMask = c.attr<number>('ellipsis_mask') | 0;
  if (strides.length >= 32 && begin !== null)
    throw c.fail(`Expected begin, end, and strides to be 1D equal size tensors, but got shapes ${shapeText(beginT.shape)}, ${shapeText(endT.shape)}, and ${shapeText(stridesT.shape)} instead.`);
  if (ellipsisMask & (ellipsisMask - 1)) throw c.fail('Multiple ellipses in slice spec not allowed');
  // Sparse spec -> dense spec (one entry per input dim); an ellipsis is implied at the end.
  let sparse = strides.length, addAfterEllipsis = 0, seen = false;
  for (let i = 0; i < sparse; i++) {
    if (seen && bit(newAxisMask, i)) addAfterEllipsis++;
    if (bit(ellipsisMask, i)) seen = true;
  }
  if (!seen) ellipsisMask |= 1 << sparse++;
  const dims = input.length;
  const db = new Array(dims).fill(0), de = new Array(dims).fill(0), ds = new Array(dims).fill(0);
  const bm: boolean[] = new Array(dims).fill(false), em = bm.slice(), shrink = bm.slice();
  const gather: number[] = [];  // per output dim: input dim, -1 shrunk, -2 new axis
  let full = 0;
  for (let i = 0; i < sparse; i++) {
    if (bit(ellipsisMask, i)) {
      const next = Math.min(dims - (sparse - i) + 1 + addAfterEllipsis, dims);
      for (; full < next; full++) { ds[full] = 1; bm[full] = em[full] = true; gather.push(full); }
    } else if (bit(newAxisMask, i)) {
      gather.push(-2);
    } else {
      if (full === dims) {
        if (dims === 0) throw c.fail('Attempting to slice scalar input.');
        throw c.fail(`Index out of range using input dim ${full}; input has only ${dims} dims`);
      }
      if (begin) db[full] = begin[i];
      if (end) de[full] = end[i];
      ds[full] = strides[i];
      bm[full] = bit(beginMaskSpec, i);
      em[full] = bit(endMaskSpec, i);
      shrink[full] = bit(shrinkMaskSpec, i);
      gather.push(shrink[full] ? -1 : full);
      full++;
    }
  }
  const processing: Dim[] = [];
  for (let i = 0; i < dims; i++) {
    const stride = ds[i], dim = input[i];
    if (stride === 0) throw c.fail(`strides[${i}] must be non-zero`);
    if (dim === null) { processing.push(shrink[i] ? 1 : null); continue; }
    if (shrink[i] && stride <= 0) throw c.fail('only stride 1 allowed on non-range indexing.');
    let interval: number | null = null;
    if (begin && end) {
      let b: number, e: number;
      if (shrink[i]) {
        b = db[i] < 0 ? dim + db[i] : db[i];
        if (b < 0 || b >= dim) throw c.fail(`slice index ${b} of dimension ${i} out of bounds.`);
        e = b + 1;
      } else {
        const lo = stride > 0 ? 0 : -1, hi = stride > 0 ? dim : dim - 1;
        const canonical = (x: number, masked: boolean, isEnd: boolean) => {
          if (masked) return (stride > 0) !== isEnd ? lo : hi;
          const fwd = x < 0 ? dim + x : x;
          return fwd < lo ? lo : fwd > hi ? hi : fwd;
        };
        b = canonical(db[i], bm[i], false);
        e = canonical(de[i], em[i], true);
      }
      interval = e - b;
    } else if (shrink[i]) {
      interval = 1;
    } else if (bm[i] && em[i]) {
      interval = stride < 0 ? -dim : dim;
    }
    if (interval === null) processing.push(null);
    else if (interval === 0 || (interval < 0) !== (stride < 0)) processing.push(0);
    else processing.push(Math.ceil(interval / stride));
  }
  const out: Shape = [];
  for (const g of gather) {
    if (g >= 0) out.push(processing[g]);
    else if (g === -2) out.push(1);
  }
  return [out];
};

const gatherShape: ShapeFn = (c) => {
  const [paramsT, indicesT, axisT] = c.inputs;
  const params = withRankAtLeast(c, paramsT.shape, 1);
  const indices = indicesT.shape;
  withRank(c, axisT.shape, 0);
  let batchDims = c.attr<number>('batch_dims');
  const axis = scalarValue(axisT);
  if (axis === null) {
    return [params !== null && indices !== null ? unknowns(Math.max(0, params.length + indices.length - 1 - batchDims)) : null];
  }
  withRankAtLeast(c, params, axis < 0 ? -axis : axis + 1);
  withRankAtLeast(c, indices, Math.abs(batchDims));
  if (batchDims < 0) {
    if (indices === null) return [null];
    batchDims += indices.length;
  }
  withRankAtLeast(c, params, batchDims + 1);
  const out = concat(subshape(params, 0, axis), subshape(indices, batchDims));
  return [axis === -1 ? out : concat(out, subshape(params, axis + 1))];
};

const gatherNdShape: ShapeFn = (c) => {
  const params = c.inputs[0].shape;
  const indices = withRankAtLeast(c, c.inputs[1].shape, 1);
  const r = indices === null ? null : indices[indices.length - 1];
  if (params === null || r === null) return [null];
  if (r > params.length)
    throw c.fail(`indices.shape[-1] must be <= params.rank, but saw indices shape: ${shapeText(indices)} and params shape: ${shapeText(params)}`);
  return [concat(indices!.slice(0, -1), params.slice(r))];
};

const scatterNdShape: ShapeFn = (c) => {
  const indices = withRankAtLeast(c, c.inputs[0].shape, 1);
  const updates = withRankAtLeast(c, c.inputs[1].shape, 1);
  const output = shapeArg(c, 2);
  const positive = (s: StaticShape) => { const n = numElements(s); return n !== null && n > 0; };
  if (numElements(output) === 0 && (positive(indices) || positive(updates))) throw c.fail('Indices and updates specified for empty input');
  if (indices !== null && updates !== null && indices[indices.length - 1] !== null) {
    const outer = indices.length - 1, ix = indices[outer]!;
    const check = (a: StaticShape, b: StaticShape, what: (err: string) => string) => {
      const m = tryMerge(a, b);
      if (m.error !== undefined) throw c.fail(what(m.error));
    };
    const pi = subshape(indices, 0, outer), pu = subshape(updates, 0, outer);
    check(pi, pu, (err) => `Dimensions [0,${outer}) of indices[shape=${shapeText(indices)}] = ${shapeText(pi)} must match dimensions [0,${outer}) of updates[shape=${shapeText(updates)}] = ${shapeText(pu)}: ${err}`);
    const so = subshape(output, ix), su = subshape(updates, outer);
    check(so, su, (err) => `Dimensions [${ix},${rankOf(output) ?? -1}) of input[shape=${shapeText(output)}] = ${shapeText(so)} must match dimensions [${outer},${updates.length}) of updates[shape=${shapeText(updates)}] = ${shapeText(su)}: ${err}`);
  }
  return [output];
};

const tileShape: ShapeFn = (c) => {
  const input = c.inputs[0].shape;
  let multiples = shapeArg(c, 1);
  if (input !== null) {
    multiples = withRank(c, multiples, input.length);
    merge(c, c.inputs[1].shape, [input.length]);
  }
  if (multiples === null) return [null];
  const x = withRank(c, input, multiples.length);
  return [x.map((d, i) => mulDim(d, multiples![i]))];
};

const padShape: ShapeFn = (c) => {
  const paddings = withRank(c, c.inputs[1].shape, 2);
  withValue(c, paddings[1], 2);
  let input = c.inputs[0].shape;
  let n = paddings[0];
  if (n !== null) input = withRank(c, input, n);
  else if (input !== null) n = input.length;
  const p = ints(c.inputs[1]);
  if (p === null) return [n === null ? null : unknowns(n)];
  const x = withRank(c, input, p.length / 2);
  return [x.map((d, i) => {
    if (p[2 * i] < 0 || p[2 * i + 1] < 0) throw c.fail('Paddings must be non-negative');
    return addDim(d, p[2 * i] + p[2 * i + 1]);
  })];
};

const mirrorPadShape: ShapeFn = (c) => {
  const paddings = withRank(c, c.inputs[1].shape, 2);
  const n = paddings[0];
  if (n === null) return [null];
  const x = withRank(c, c.inputs[0].shape, n);
  merge(c, paddings, [n, 2]);
  const p = ints(c.inputs[1]);
  if (p === null) return [unknowns(n)];
  return [x.map((d, i) => {
    if (p[2 * i] < 0 || p[2 * i + 1] < 0) throw c.fail('Paddings must be non-negative');
    return addDim(d, p[2 * i] + p[2 * i + 1]);
  })];
};

const reverseShape: ShapeFn = (c) => {
  const input = c.inputs[0].shape;
  withRank(c, c.inputs[1].shape, 1);
  if (input !== null && input.length > 8) throw c.fail('reverse does not work on tensors with more than 8 dimensions');
  const axes = ints(c.inputs[1]);
  if (axes !== null && input !== null) {
    const rank = input.length, seen = new Set<number>();
    axes.forEach((a, i) => {
      const ax = a < 0 ? a + rank : a;
      if (ax < 0 || ax >= rank) throw c.fail(`'axis'[${i}] = ${a} is out of valid range [0, ${rank - 1}`);
      if (seen.has(ax)) throw c.fail(`axis ${ax} specified more than once.`);
      seen.add(ax);
    });
  }
  return [input === null ? null : input.slice()];
};

const broadcastToShape: ShapeFn = (c) => {
  withRank(c, c.inputs[1].shape, 1);
  const out = shapeArg(c, 1);
  const input = c.inputs[0].shape;
  if (out === null || input === null) return [out];
  if (input.length > out.length) throw c.fail(`Shape must be at most rank ${out.length} but is rank ${input.length}`);
  const res = out.slice();
  for (let i = 0; i < input.length; i++) {
    const d = input[input.length - 1 - i], k = out.length - 1 - i;
    if (d !== null && d > 1) res[k] = mergeDim(c, d, res[k]);
  }
  return [res];
};

const oneHotShape: ShapeFn = (c) => {
  const axis = c.attr<number>('axis');
  if (axis < -1) throw c.fail('axis must be >= -1');
  withRank(c, c.inputs[1].shape, 0);
  const depth = scalarValue(c.inputs[1]);
  if (depth !== null && depth < 0) throw c.fail(`Dimension size, given by scalar input 1, must be non-negative but is ${depth}`);
  const indices = c.inputs[0].shape;
  if (indices === null) return [null];
  const newRank = indices.length + 1, at = (axis + newRank) % newRank;
  return [[...indices.slice(0, at), depth, ...indices.slice(at)]];
};

// ---- the ops ---------------------------------------------------------------------------------

const same = (type: string, id: number, kernel: string, T = 'type', strings = false) =>
  op(id, type, kernel, { in: ['input: T'], out: ['output: T'], attrs: [`T: ${T}`], shape: 'same', dtypes: 'any', strings });

export const ARRAY_OPS: readonly OpDef[] = [
  op(200, 'Shape', 'shape', { in: ['input: T'], out: ['output: out_type'], attrs: ['T: type', 'out_type: {int32, int64} = int32'],
    shape: (c) => [[rankOf(c.inputs[0].shape)]] , strings: true }),
  op(201, 'Size', 'shape', { in: ['input: T'], out: ['output: out_type'], attrs: ['T: type', 'out_type: {int32, int64} = int32'], shape: () => [[]] , strings: true }),
  op(202, 'Rank', 'shape', { in: ['input: T'], out: ['output: int32'], attrs: ['T: type'], shape: () => [[]] , strings: true }),
  op(203, 'Range', 'range', { in: ['start: Tidx', 'limit: Tidx', 'delta: Tidx'], out: ['output: Tidx'],
    attrs: ['Tidx: {bfloat16, float, double, int32, int64} = int32'], shape: rangeShape }),
  op(204, 'Squeeze', 'squeeze', { in: ['input: T'], out: ['output: T'], attrs: ['T: type', 'squeeze_dims: list(int) = []'], shape: squeezeShape , strings: true }),
  op(205, 'ExpandDims', 'squeeze', { in: ['input: T', 'dim: Tdim'], out: ['output: T'], attrs: ['T: type', 'Tdim: {int32, int64} = int32'],
    shape: expandDimsShape , strings: true }),
  op(206, 'Transpose', 'transpose', { in: ['x: T', 'perm: Tperm'], out: ['y: T'], attrs: ['T: type', 'Tperm: {int32, int64} = int32'],
    shape: transposeShape , strings: true }),
  op(207, 'ConcatV2', 'concat', { in: ['values: N * T', 'axis: Tidx'], out: ['output: T'],
    attrs: ['N: int >= 2', 'T: type', 'Tidx: {int32, int64} = int32'], shape: concatShape , strings: true }),
  op(208, 'Pack', 'concat', { in: ['values: N * T'], out: ['output: T'], attrs: ['N: int >= 1', 'T: type', 'axis: int = 0'], shape: packShape , strings: true }),
  op(209, 'Unpack', 'split', { in: ['value: T'], out: ['output: num * T'], attrs: ['num: int >= 0', 'T: type', 'axis: int = 0'], shape: unpackShape , strings: true }),
  op(210, 'Split', 'split', { in: ['split_dim: int32', 'value: T'], out: ['output: num_split * T'], attrs: ['num_split: int >= 1', 'T: type'],
    shape: splitShape , strings: true }),
  op(211, 'SplitV', 'split', { in: ['value: T', 'size_splits: Tlen', 'split_dim: int32'], out: ['output: num_split * T'],
    attrs: ['num_split: int >= 1', 'T: type', 'Tlen: {int8, int32, int64} = int64'], shape: splitVShape , strings: true }),
  op(212, 'Slice', 'slice', { in: ['input: T', 'begin: Index', 'size: Index'], out: ['output: T'], attrs: ['T: type', 'Index: {int32, int64}'],
    shape: sliceShape , strings: true }),
  op(213, 'StridedSlice', 'slice', { in: ['input: T', 'begin: Index', 'end: Index', 'strides: Index'], out: ['output: T'],
    attrs: ['T: type', 'Index: {int16, int32, int64}', 'begin_mask: int = 0', 'end_mask: int = 0', 'ellipsis_mask: int = 0',
      'new_axis_mask: int = 0', 'shrink_axis_mask: int = 0'], shape: stridedSliceShape , strings: true }),
  op(214, 'GatherV2', 'gather', { in: ['params: Tparams', 'indices: Tindices', 'axis: Taxis'], out: ['output: Tparams'],
    attrs: ['batch_dims: int = 0', 'Tparams: type', 'Tindices: {int16, int32, int64}', 'Taxis: {int32, int64}'], shape: gatherShape , strings: true }),
  op(215, 'GatherNd', 'gather', { in: ['params: Tparams', 'indices: Tindices'], out: ['output: Tparams'],
    attrs: ['Tparams: type', 'Tindices: {int32, int64}'], shape: gatherNdShape }),
  op(216, 'ScatterNd', 'gather', { in: ['indices: Tindices', 'updates: T', 'shape: Tindices'], out: ['output: T'],
    attrs: ['T: type', 'Tindices: {int32, int64}'], shape: scatterNdShape }),
  op(217, 'Tile', 'tile', { in: ['input: T', 'multiples: Tmultiples'], out: ['output: T'], attrs: ['T: type', 'Tmultiples: {int32, int64} = int32'],
    shape: tileShape , strings: true }),
  op(218, 'Pad', 'pad', { in: ['input: T', 'paddings: Tpaddings'], out: ['output: T'], attrs: ['T: type', 'Tpaddings: {int32, int64} = int32'],
    shape: padShape }),
  op(219, 'PadV2', 'pad', { in: ['input: T', 'paddings: Tpaddings', 'constant_values: T'], out: ['output: T'],
    attrs: ['T: type', 'Tpaddings: {int32, int64} = int32'], shape: padShape }),
  op(220, 'MirrorPad', 'pad', { in: ['input: T', 'paddings: Tpaddings'], out: ['output: T'],
    attrs: ['T: type', 'Tpaddings: {int32, int64} = int32', "mode: {'REFLECT', 'SYMMETRIC'}"], shape: mirrorPadShape }),
  op(221, 'ReverseV2', 'reverse', { in: ['tensor: T', 'axis: Tidx'], out: ['output: T'],
    attrs: ['Tidx: {int32, int64} = int32', 'T: {uint8, int8, uint16, int16, int32, int64, bool, half, bfloat16, float, double, complex64, complex128, string}'],
    shape: reverseShape , strings: true }),
  op(222, 'ZerosLike', 'fill_like', { in: ['x: T'], out: ['y: T'], attrs: ['T: type'], shape: 'same', dtypes: 'any' , strings: true }),
  op(223, 'OnesLike', 'fill_like', { in: ['x: T'], out: ['y: T'],
    attrs: ['T: {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, int64, complex64, complex128, bool}'], shape: 'same', dtypes: 'any' }),
  op(224, 'BroadcastTo', 'tile', { in: ['input: T', 'shape: Tidx'], out: ['output: T'], attrs: ['T: type', 'Tidx: {int32, int64} = int32'],
    shape: broadcastToShape }),
  op(225, 'OneHot', 'one_hot', { in: ['indices: TI', 'depth: int32', 'on_value: T', 'off_value: T'], out: ['output: T'],
    attrs: ['axis: int = -1', 'T: type', 'TI: {uint8, int32, int64} = int64'], shape: oneHotShape }),
  op(226, 'IdentityN', 'identity', { in: ['input: T'], out: ['output: T'], attrs: ['T: list(type)'],
    shape: (c) => c.inputs.map((t) => (t.shape === null ? null : t.shape.slice())) , strings: true }),
  same('StopGradient', 227, 'identity', 'type', true),
  same('Snapshot', 228, 'snapshot'),
  // ids 800-819: Where (coordinates of true elements; not differentiable) and ShapeN.
  op(800, 'Where', 'where', { in: ['input: T'], out: ['index: int64'], attrs: ['T: {float, double, int32, uint8, int64, bool} = bool'],
    shape: (c) => [[null, c.inputs[0].shape === null ? null : c.inputs[0].shape.length]], grad: null, builder: 'tf.where' }),
  op(801, 'ShapeN', 'shape', { in: ['input: N * T'], out: ['output: N * out_type'], attrs: ['N: int >= 1', 'T: type', 'out_type: {int32, int64} = int32'],
    shape: (c) => c.inputs.map((t) => [rankOf(t.shape)]), grad: null, strings: true, builder: 'tf.shapeN' }),
];
