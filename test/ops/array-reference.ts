// Naive references for the array-op tests: every output element computed on its own from its
// multi-index, with numpy semantics (strided slices as Python's slice.indices()). Plain JS over
// { shape, data } arrays; never imports tensorloom.
import { Arr, Lcg, RefDType } from '../reference/ops';

export const ALL_DTYPES: RefDType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** Distinct-ish values exactly representable in `dtype`. */
export function randArr(rng: Lcg, shape: number[], dtype: RefDType): Arr {
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32': data[i] = Math.fround(rng.uniform(-100, 100)); break;
      case 'float64': data[i] = rng.uniform(-100, 100); break;
      case 'uint8': data[i] = rng.int(0, 256); break;
      case 'bool': data[i] = rng.int(0, 2); break;
      default: data[i] = rng.int(-100000, 100000);
    }
  }
  return { shape, data };
}

/** An output of `shape` whose element at `idx` is `a.data[src(idx)]`. */
export function build(shape: number[], a: Arr, src: (idx: number[]) => number): Arr {
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) data.push(a.data[src(unravel(i, shape))]);
  return { shape, data };
}

export function transpose(a: Arr, perm: number[]): Arr {
  const shape = perm.map((p) => a.shape[p]);
  return build(shape, a, (idx) => {
    const src = new Array(a.shape.length);
    perm.forEach((p, i) => { src[p] = idx[i]; });
    return ravel(src, a.shape);
  });
}

export function reverse(a: Arr, axes: number[]): Arr {
  const r = axes.map((x) => (x < 0 ? x + a.shape.length : x));
  return build(a.shape.slice(), a, (idx) => ravel(idx.map((v, d) => (r.includes(d) ? a.shape[d] - 1 - v : v)), a.shape));
}

export function tile(a: Arr, mult: number[]): Arr {
  return build(a.shape.map((d, i) => d * mult[i]), a, (idx) => ravel(idx.map((v, d) => v % a.shape[d]), a.shape));
}

export function broadcastTo(a: Arr, shape: number[]): Arr {
  const off = shape.length - a.shape.length;
  return build(shape, a, (idx) => ravel(a.shape.map((d, k) => (d === 1 ? 0 : idx[k + off])), a.shape));
}

/** mode: 'CONSTANT' (value), 'REFLECT' (edge not repeated) or 'SYMMETRIC' (edge repeated). */
export function pad(a: Arr, paddings: [number, number][], mode = 'CONSTANT', value = 0): Arr {
  const shape = a.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    let inside = true;
    const src = idx.map((v, d) => {
      let k = v - paddings[d][0];
      const n = a.shape[d];
      if (mode === 'REFLECT') { if (k < 0) k = -k; if (k >= n) k = 2 * (n - 1) - k; }
      else if (mode === 'SYMMETRIC') { if (k < 0) k = -k - 1; if (k >= n) k = 2 * n - 1 - k; }
      if (k < 0 || k >= n) inside = false;
      return k;
    });
    data.push(inside ? a.data[ravel(src, a.shape)] : value);
  }
  return { shape, data };
}

export function concat(list: Arr[], axis: number): Arr {
  const r = list[0].shape.length, ax = axis < 0 ? axis + r : axis;
  const shape = list[0].shape.slice();
  shape[ax] = list.reduce((s, x) => s + x.shape[ax], 0);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    let k = idx[ax], j = 0;
    while (k >= list[j].shape[ax]) { k -= list[j].shape[ax]; j++; }
    const src = idx.slice(); src[ax] = k;
    data.push(list[j].data[ravel(src, list[j].shape)]);
  }
  return { shape, data };
}

export function stack(list: Arr[], axis: number): Arr {
  const r = list[0].shape.length + 1, ax = axis < 0 ? axis + r : axis;
  const shape = list[0].shape.slice();
  shape.splice(ax, 0, list.length);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const j = idx[ax];
    idx.splice(ax, 1);
    data.push(list[j].data[ravel(idx, list[j].shape)]);
  }
  return { shape, data };
}

/** Parts of `a` along `axis` with the given sizes. */
export function splitSizes(a: Arr, sizes: number[], axis: number): Arr[] {
  const ax = axis < 0 ? axis + a.shape.length : axis;
  let start = 0;
  return sizes.map((n) => {
    const shape = a.shape.slice(); shape[ax] = n;
    const s0 = start;
    start += n;
    return build(shape, a, (idx) => { const src = idx.slice(); src[ax] += s0; return ravel(src, a.shape); });
  });
}

export function unstack(a: Arr, axis: number): Arr[] {
  const ax = axis < 0 ? axis + a.shape.length : axis;
  const shape = a.shape.filter((_, d) => d !== ax);
  return Array.from({ length: a.shape[ax] }, (_, j) => build(shape, a, (idx) => { const src = idx.slice(); src.splice(ax, 0, j); return ravel(src, a.shape); }));
}

export function slice(a: Arr, begin: number[], size: number[]): Arr {
  const shape = size.map((s, d) => (s === -1 ? a.shape[d] - begin[d] : s));
  return build(shape, a, (idx) => ravel(idx.map((v, d) => v + begin[d]), a.shape));
}

export interface Masks { beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number }

/** Python's slice(start, stop, step).indices(n), then the selected positions. */
function pySlice(start: number | null, stop: number | null, step: number, n: number): number[] {
  const norm = (x: number) => (x < 0 ? x + n : x);
  let lo: number, hi: number;
  if (step > 0) {
    lo = start === null ? 0 : Math.min(Math.max(norm(start), 0), n);
    hi = stop === null ? n : Math.min(Math.max(norm(stop), 0), n);
  } else {
    lo = start === null ? n - 1 : Math.min(Math.max(norm(start), -1), n - 1);
    hi = stop === null ? -1 : Math.min(Math.max(norm(stop), -1), n - 1);
  }
  const out: number[] = [];
  for (let i = lo; step > 0 ? i < hi : i > hi; i += step) out.push(i);
  return out;
}

/**
 * numpy indexing a[spec] for TF's StridedSlice spec: each entry an ellipsis, a new axis, an
 * integer index (shrink) or a slice; masked bounds are None. Throws on an out-of-range index.
 */
export function stridedSlice(a: Arr, begin: number[], end: number[], strides: number[], m: Masks = {}): Arr {
  const bit = (mask: number | undefined, i: number) => (((mask ?? 0) >>> i) & 1) === 1;
  type Item = { kind: 'ellipsis' } | { kind: 'new' } | { kind: 'index'; i: number } | { kind: 'slice'; b: number | null; e: number | null; s: number };
  const items: Item[] = begin.map((b, i): Item => {
    if (bit(m.ellipsisMask, i)) return { kind: 'ellipsis' };
    if (bit(m.newAxisMask, i)) return { kind: 'new' };
    if (bit(m.shrinkAxisMask, i)) return { kind: 'index', i: b };
    return { kind: 'slice', b: bit(m.beginMask, i) ? null : b, e: bit(m.endMask, i) ? null : end[i], s: strides[i] };
  });
  if (!items.some((x) => x.kind === 'ellipsis')) items.push({ kind: 'ellipsis' });
  const real = items.filter((x) => x.kind === 'index' || x.kind === 'slice').length;
  // Per input dim: the selected positions and whether the dim is kept; new axes in between.
  const outDims: ({ dim: number; pos: number[] } | 'new')[] = [];
  const fixed: number[] = new Array(a.shape.length).fill(0);
  let d = 0;
  for (const it of items) {
    if (it.kind === 'ellipsis') {
      for (let k = 0; k < a.shape.length - real; k++, d++) outDims.push({ dim: d, pos: pySlice(null, null, 1, a.shape[d]) });
    } else if (it.kind === 'new') {
      outDims.push('new');
    } else if (it.kind === 'index') {
      const n = a.shape[d], i = it.i < 0 ? it.i + n : it.i;
      if (i < 0 || i >= n) throw new Error('index out of range');
      fixed[d++] = i;
    } else {
      outDims.push({ dim: d, pos: pySlice(it.b, it.e, it.s, a.shape[d]) });
      d++;
    }
  }
  const shape = outDims.map((o) => (o === 'new' ? 1 : o.pos.length));
  return build(shape, a, (idx) => {
    const src = fixed.slice();
    outDims.forEach((o, k) => { if (o !== 'new') src[o.dim] = o.pos[idx[k]]; });
    return ravel(src, a.shape);
  });
}

export function gather(params: Arr, indices: Arr, axis: number, batchDims = 0): Arr {
  const ax = axis < 0 ? axis + params.shape.length : axis;
  const shape = [...params.shape.slice(0, ax), ...indices.shape.slice(batchDims), ...params.shape.slice(ax + 1)];
  const ni = indices.shape.length - batchDims;
  return build(shape, params, (idx) => {
    const batch = idx.slice(0, batchDims);
    const outer = idx.slice(batchDims, ax);
    const inner = idx.slice(ax + ni);
    const i = indices.data[ravel([...batch, ...idx.slice(ax, ax + ni)], indices.shape)];
    return ravel([...batch, ...outer, i, ...inner], params.shape);
  });
}

export function gatherNd(params: Arr, indices: Arr): Arr {
  const nd = indices.shape[indices.shape.length - 1];
  const prefix = indices.shape.slice(0, -1);
  const shape = [...prefix, ...params.shape.slice(nd)];
  return build(shape, params, (idx) => {
    const row = ravel(idx.slice(0, prefix.length), prefix);
    const tuple = indices.data.slice(row * nd, row * nd + nd);
    return ravel([...tuple, ...idx.slice(prefix.length)], params.shape);
  });
}

/** Zeros of `shape`, updates added at their index tuples (wrapping like `dtype`). */
export function scatterNd(indices: Arr, updates: Arr, shape: number[], dtype: RefDType): Arr {
  const nd = indices.shape[indices.shape.length - 1];
  const rows = sizeOf(indices.shape.slice(0, -1));
  const slice = sizeOf(shape.slice(nd));
  const data = new Array(sizeOf(shape)).fill(0);
  for (let r = 0; r < rows; r++) {
    const base = ravel([...indices.data.slice(r * nd, r * nd + nd), ...new Array(shape.length - nd).fill(0)], shape);
    for (let k = 0; k < slice; k++) {
      const v = data[base + k] + updates.data[r * slice + k];
      data[base + k] = dtype === 'bool' ? (v ? 1 : 0) : dtype === 'int32' ? v | 0 : dtype === 'uint8' ? v & 255 : dtype === 'float32' ? Math.fround(v) : v;
    }
  }
  return { shape, data };
}

export function oneHot(indices: Arr, depth: number, on: number, off: number, axis = -1): Arr {
  const ax = axis === -1 ? indices.shape.length : axis;
  const shape = indices.shape.slice();
  shape.splice(ax, 0, depth);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const d = idx[ax];
    idx.splice(ax, 1);
    data.push(indices.data[ravel(idx, indices.shape)] === d ? on : off);
  }
  return { shape, data };
}
