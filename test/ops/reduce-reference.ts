// Naive reference implementations for the reduce-*.test.ts files: plain loops over JS arrays of
// doubles ({ shape, data }), written from TF's documented semantics. Never imports tensorloom.
import type { Arr, RefDType } from '../reference/ops';

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return o;
}

/** Stores x as `dtype` does: float32 rounding, integer wrap-around. int64 values stay well inside 2^53. */
export function store(x: number, dtype: RefDType): number {
  switch (dtype) {
    case 'float32': return Math.fround(x);
    case 'int32': return x | 0;
    case 'uint8': return ((x % 256) + 256) % 256;
    case 'bool': return x ? 1 : 0;
    default: return x;
  }
}

/** Lowest / highest finite value (Eigen's NumTraits::lowest / highest). */
export function lowest(dtype: RefDType): number {
  return { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE, int32: -2147483648, int64: -(2 ** 63), uint8: 0, bool: 0 }[dtype];
}
export function highest(dtype: RefDType): number {
  return { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE, int32: 2147483647, int64: 2 ** 63 - 1, uint8: 255, bool: 1 }[dtype];
}

// ---- reductions ---------------------------------------------------------------------------------

export type RedOp = 'Sum' | 'Mean' | 'Prod' | 'Max' | 'Min' | 'Any' | 'All';

export function reduce(op: RedOp, a: Arr, axes: number[] | undefined, keepDims: boolean, dtype: RefDType): Arr {
  const r = a.shape.length;
  const red = new Set((axes ?? [...a.shape.keys()]).map((x) => (x < 0 ? x + r : x)));
  const outShape = a.shape.flatMap((d, i) => (red.has(i) ? (keepDims ? [1] : []) : [d]));
  const keptShape = a.shape.filter((_, i) => !red.has(i));
  const n = size(keptShape);
  const init = { Sum: 0, Mean: 0, Prod: 1, Max: -Infinity, Min: Infinity, Any: 0, All: 1 }[op];
  const isFloat = dtype === 'float32' || dtype === 'float64';
  const start = op === 'Max' && !isFloat ? lowest(dtype) : op === 'Min' && !isFloat ? highest(dtype) : init;
  const acc = new Array(n).fill(start);
  const count = new Array(n).fill(0);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).filter((_, d) => !red.has(d));
    const o = ravel(idx, keptShape), x = a.data[i];
    count[o]++;
    const v = acc[o];
    switch (op) {
      case 'Sum': case 'Mean': acc[o] = v + x; break;
      case 'Prod':
        acc[o] = dtype === 'int32' ? Math.imul(v, x) : dtype === 'uint8' ? (v * x) % 256 : v * x; break;
      case 'Max': acc[o] = Number.isNaN(v) || Number.isNaN(x) ? NaN : Math.max(v, x); break;
      case 'Min': acc[o] = Number.isNaN(v) || Number.isNaN(x) ? NaN : Math.min(v, x); break;
      case 'Any': acc[o] = v || x ? 1 : 0; break;
      case 'All': acc[o] = v && x ? 1 : 0; break;
    }
  }
  const data = acc.map((v, o) => {
    if (op !== 'Mean') return store(v, dtype);
    if (isFloat) return store(v / count[o], dtype);
    return count[o] === 0 ? 0 : store(Math.trunc(v / count[o]), dtype);
  });
  return { shape: outShape, data };
}

// ---- ArgMax / ArgMin: TF's Eigen reducers start at (0, lowest) and take strictly better ----------

export function argReduce(op: 'ArgMax' | 'ArgMin', a: Arr, axis: number, dtype: RefDType): Arr {
  const r = a.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const outShape = a.shape.filter((_, i) => i !== ax);
  const best = new Array(size(outShape)).fill(op === 'ArgMax' ? lowest(dtype) : highest(dtype));
  const arg = new Array(size(outShape)).fill(0);
  for (let i = 0; i < a.data.length; i++) {  // row-major order visits each slice in index order
    const idx = unravel(i, a.shape);
    const o = ravel(idx.filter((_, d) => d !== ax), outShape), x = a.data[i];
    if (op === 'ArgMax' ? x > best[o] : x < best[o]) { best[o] = x; arg[o] = idx[ax]; }
  }
  return { shape: outShape, data: arg };
}

// ---- Cumsum: sequential sums in the dtype ---------------------------------------------------------

export function cumsum(a: Arr, axis: number, exclusive: boolean, reverse: boolean, dtype: RefDType): Arr {
  const r = a.shape.length, ax = axis < 0 ? axis + r : axis, n = a.shape[ax];
  const out = new Array(a.data.length).fill(0);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    if (idx[ax] !== 0) continue;  // one walk per slice along the axis
    let s = 0;
    for (let step = 0; step < n; step++) {
      const j = reverse ? n - 1 - step : step;
      const at = ravel(idx.map((v, d) => (d === ax ? j : v)), a.shape);
      if (exclusive) { out[at] = s; s = store(s + a.data[at], dtype); }
      else { s = store(s + a.data[at], dtype); out[at] = s; }
    }
  }
  return { shape: a.shape.slice(), data: out };
}

// ---- TopK: descending, ties by index, NaN above everything -----------------------------------------

export function topK(a: Arr, k: number): { values: Arr; indices: Arr } {
  const n = a.shape[a.shape.length - 1], rows = n === 0 ? size(a.shape.slice(0, -1)) : a.data.length / n;
  const shape = [...a.shape.slice(0, -1), k];
  const values: number[] = [], indices: number[] = [];
  const key = (x: number) => (Number.isNaN(x) ? Infinity : x);
  for (let r = 0; r < rows; r++) {
    const row = a.data.slice(r * n, r * n + n).map((x, j) => ({ x, j }));
    row.sort((p, q) => {
      const pn = Number.isNaN(p.x), qn = Number.isNaN(q.x);
      if (pn !== qn) return pn ? -1 : 1;
      return key(q.x) - key(p.x) || p.j - q.j;
    });
    for (const { x, j } of row.slice(0, k)) { values.push(x); indices.push(j); }
  }
  return { values: { shape, data: values }, indices: { shape, data: indices } };
}

// ---- batched matmul with numpy batch broadcasting ------------------------------------------------------

export function batchMatMul(x: Arr, y: Arr, adjX: boolean, adjY: boolean): { out: Arr; scale: number[] } {
  const rx = x.shape.length, ry = y.shape.length;
  const m = x.shape[adjX ? rx - 1 : rx - 2], k = x.shape[adjX ? rx - 2 : rx - 1];
  const n = y.shape[adjY ? ry - 2 : ry - 1];
  const xb = x.shape.slice(0, -2), yb = y.shape.slice(0, -2);
  const nb = Math.max(xb.length, yb.length);
  const pad = (s: number[]) => [...new Array(nb - s.length).fill(1), ...s];
  const px = pad(xb), py = pad(yb);
  const ob = px.map((d, i) => (d === 1 ? py[i] : d));
  const outShape = [...ob, m, n];
  const data: number[] = [], scale: number[] = [];
  for (let b = 0; b < size(ob); b++) {
    const bi = unravel(b, ob);
    const xo = ravel(bi.map((v, i) => (px[i] === 1 ? 0 : v)), px) * m * k;
    const yo = ravel(bi.map((v, i) => (py[i] === 1 ? 0 : v)), py) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, sa = 0;
        for (let p = 0; p < k; p++) {
          const xv = x.data[xo + (adjX ? p * m + i : i * k + p)], yv = y.data[yo + (adjY ? j * k + p : p * n + j)];
          s += xv * yv;
          sa += Math.abs(xv * yv);
        }
        data.push(s);
        scale.push(sa);
      }
    }
  }
  return { out: { shape: outShape, data }, scale };
}

// ---- einsum by enumeration of every label assignment -----------------------------------------------------

/** Sum over all label values of the product of the operands; '...' dims broadcast (size 1 reads index 0). */
export function einsum(equation: string, operands: Arr[]): { out: Arr; scale: number[] } {
  const [lhs, rhs] = equation.split('->');
  const subs = lhs.split(',');
  const nb = Math.max(0, ...subs.map((s, i) => (s.includes('...') ? operands[i].shape.length - (s.length - 3) : 0)));
  // Expand '...' into labels '#0'..'#nb-1', right-aligned.
  const expand = (s: string, rank: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s.startsWith('...', i)) {
        const k = rank - (s.length - 3);
        for (let j = 0; j < k; j++) out.push(`#${nb - k + j}`);
        i += 2;
      } else out.push(s[i]);
    }
    return out;
  };
  const labs = subs.map((s, i) => expand(s, operands[i].shape.length));
  const outLabs = expand(rhs, nb + (rhs.length - 3));
  const dim = new Map<string, number>();
  // Named labels agree; a '...' dim of 1 broadcasts against the other operand's.
  labs.forEach((ls, i) => ls.forEach((l, d) => { const cur = dim.get(l); if (cur === undefined || cur === 1) dim.set(l, operands[i].shape[d]); }));
  const all = [...dim.keys()];
  const outShape = outLabs.map((l) => dim.get(l)!);
  const data = new Array(size(outShape)).fill(0), scale = new Array(size(outShape)).fill(0);
  const sizes = all.map((l) => dim.get(l)!);
  // Element strides per label (0 where an operand broadcasts a size-1 dim), then an odometer.
  const strideOf = (ls: string[], shape: number[]) => {
    const st = new Array(all.length).fill(0);
    let s = 1;
    for (let d = ls.length - 1; d >= 0; d--) { if (shape[d] !== 1) st[all.indexOf(ls[d])] += s; s *= shape[d]; }
    return st;
  };
  const opStrides = labs.map((ls, i) => strideOf(ls, operands[i].shape));
  const outStrides = strideOf(outLabs, outShape);
  const v = new Array(all.length).fill(0);
  for (let t = 0; t < size(sizes); t++) {
    let p = 1, o = 0;
    opStrides.forEach((st, i) => { let at = 0; for (let j = 0; j < v.length; j++) at += v[j] * st[j]; p *= operands[i].data[at]; });
    for (let j = 0; j < v.length; j++) o += v[j] * outStrides[j];
    data[o] += p;
    scale[o] += Math.abs(p);
    for (let j = v.length - 1; j >= 0 && ++v[j] === sizes[j]; j--) v[j] = 0;
  }
  return { out: { shape: outShape, data }, scale };
}
