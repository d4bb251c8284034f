// Shared glue for the kernel tests: reference arrays ↔ tensorloom constants, one-shot runs.
import { expect } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, RefDType, Tolerance, mismatch, sizeOf } from '../reference/ops';

export const NUMERIC: tf.DType[] = ['float32', 'float64', 'int32', 'int64'];
export const FLOATS: tf.DType[] = ['float32', 'float64'];

/** A typed array of `dtype` holding `data` (int64 as BigInt64Array). */
export function typed(data: readonly number[], dtype: tf.DType): tf.TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(data);
    case 'float64': return Float64Array.from(data);
    case 'int32': return Int32Array.from(data);
    case 'int64': return BigInt64Array.from(data, (x) => BigInt(x));
    case 'uint8': case 'bool': return Uint8Array.from(data);
  }
}

/** A Const tensor holding the reference array. */
export function constOf(a: Arr, dtype: tf.DType): tf.Tensor {
  return tf.constant(tf.ndarray(typed(a.data, dtype), a.shape, dtype));
}

/** Runs `t` in a fresh session on its graph and closes the session. */
export function runOnce(t: tf.Tensor, feeds?: tf.FeedDict): tf.NDArray {
  const sess = new tf.Session({ graph: t.graph });
  try { return sess.run(t, feeds); } finally { sess.close(); }
}

/** Default tolerances: float32 rel 1e-5, float64 rel 1e-12, integers exact. */
export function tolFor(dtype: tf.DType, f32: Tolerance = { rtol: 1e-5, atol: 1e-6 }, f64: Tolerance = { rtol: 1e-12, atol: 1e-14 }): Tolerance {
  return dtype === 'float32' ? f32 : dtype === 'float64' ? f64 : { rtol: 0, atol: 0 };
}

export function expectMatches(actual: tf.NDArray, expected: Arr, dtype: tf.DType, tol: Tolerance, scale?: readonly number[]): void {
  expect(actual.dtype).toBe(dtype);
  const m = mismatch(actual, expected, tol, scale);
  expect(m, m ?? '').toBeNull();
}

export const asRef = (d: tf.DType): RefDType => d;

/** The two values hold the same bytes (bit-identical results of two kernel paths). */
export const sameBits = (a: tf.NDArray, b: tf.NDArray) => expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)
  .equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);

export type Pad = 'SAME' | 'VALID' | [number, number, number, number];  // explicit: top, bottom, left, right

/** TF's windowed output size and leading pad of one dimension. */
export function dim(size: number, k: number, s: number, d: number, pad: Pad, axis: 0 | 1): [number, number] {
  const eff = (k - 1) * d + 1;
  if (pad === 'VALID') return [Math.trunc((size - eff + s) / s), 0];
  if (pad === 'SAME') {
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
  }
  const [before, after] = axis === 0 ? [pad[0], pad[1]] : [pad[2], pad[3]];
  return [Math.trunc((size + before + after - eff + s) / s), before];
}

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (Array.isArray(v) ? v : [v, v]);

/**
 * Naive NHWC convolution; `depthwise` takes an [h, w, in, mult] filter. Also returns Σ|terms|
 * per output, the scale the float tolerance applies to.
 */
export function refConv(x: Arr, f: Arr, strides: Pair, pad: Pad, dilations: Pair, depthwise = false): [Arr, number[]] {
  const s = pair(strides), dil = pair(dilations);
  const [n, h, w, cin] = x.shape, [kh, kw, fin, fo] = f.shape;
  const [oh, pt] = dim(h, kh, s[0], dil[0], pad, 0), [ow, pl] = dim(w, kw, s[1], dil[1], pad, 1);
  const cout = depthwise ? cin * fo : fo;
  const data: number[] = [], scale: number[] = [];
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let co = 0; co < cout; co++) {
    let acc = 0, mag = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * s[0] - pt + ky * dil[0], ix = ox * s[1] - pl + kx * dil[1];
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const xs = ((b * h + iy) * w + ix) * cin;
      const term = (ci: number, fi: number) => { const t = x.data[xs + ci] * f.data[fi]; acc += t; mag += Math.abs(t); };
      if (depthwise) term(Math.floor(co / fo), ((ky * kw + kx) * fin + Math.floor(co / fo)) * fo + (co % fo));
      else for (let ci = 0; ci < cin; ci++) term(ci, ((ky * kw + kx) * cin + ci) * cout + co);
    }
    data.push(acc);
    scale.push(mag);
  }
  return [{ shape: [n, oh, ow, cout], data }, scale];
}

/** Naive gradient of conv2d with respect to its input: each out_backprop value scattered through the filter. */
export function refConvTranspose(dy: Arr, f: Arr, inShape: number[], strides: Pair, pad: Pad, dilations: Pair): [Arr, number[]] {
  const s = pair(strides), dil = pair(dilations);
  const [n, h, w, cin] = inShape, [kh, kw, , cout] = f.shape;
  const [oh, pt] = dim(h, kh, s[0], dil[0], pad, 0), [ow, pl] = dim(w, kw, s[1], dil[1], pad, 1);
  if (oh !== dy.shape[1] || ow !== dy.shape[2]) throw new Error(`out_backprop is ${dy.shape}, the conv gives ${oh}x${ow}`);
  const data = new Array(sizeOf(inShape)).fill(0), scale = new Array(sizeOf(inShape)).fill(0);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    const iy = oy * s[0] - pt + ky * dil[0], ix = ox * s[1] - pl + kx * dil[1];
    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
    for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
      const t = dy.data[((b * oh + oy) * ow + ox) * cout + co] * f.data[((ky * kw + kx) * cin + ci) * cout + co];
      data[((b * h + iy) * w + ix) * cin + ci] += t;
      scale[((b * h + iy) * w + ix) * cin + ci] += Math.abs(t);
    }
  }
  return [{ shape: inShape, data }, scale];
}
