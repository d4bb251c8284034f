// Shared glue for the kernel tests: reference arrays ↔ tensorloom constants, one-shot runs.
import { expect } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, RefDType, Tolerance, mismatch } from '../reference/ops';

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
