// Glue for the array-op tests: feeds, exact comparison, build-time and run-time error checks.
import { expect } from 'vitest';
import * as tf from 'tensorloom';
import { Arr } from '../reference/ops';
import { constOf, expectMatches, runOnce, typed } from './helpers';

export const EXACT = { rtol: 0, atol: 0 };

export const ndOf = (a: Arr, dtype: tf.DType): tf.NDArray => tf.ndarray(typed(a.data, dtype), a.shape, dtype);

/** Runs `t` (feeding `feeds`) and compares with `expected` exactly; checks the static shape is compatible. */
export function expectValue(t: tf.Tensor, expected: Arr, dtype: tf.DType, feeds?: [tf.Tensor, tf.NDArray][]): void {
  if (t.shape !== null) {
    expect(t.shape.length, `static rank of ${t.name}`).toBe(expected.shape.length);
    t.shape.forEach((d, i) => { if (d !== null) expect(d, `static dim ${i} of ${t.name}`).toBe(expected.shape[i]); });
  }
  expectMatches(runOnce(t, feeds ? new Map(feeds) : undefined), expected, dtype, EXACT);
}

/** The same op built on a Const and on a placeholder of unknown shape, both checked. */
export function expectBoth(build: (x: tf.Tensor) => tf.Tensor, a: Arr, dtype: tf.DType, expected: Arr): void {
  expectValue(build(constOf(a, dtype)), expected, dtype);
  const p = tf.placeholder(dtype);
  expectValue(build(p), expected, dtype, [[p, ndOf(a, dtype)]]);
}

/** `fn` throws an InvalidArgumentError (or `cls`) whose message matches `re`. */
export function expectError(fn: () => unknown, re: RegExp, cls: new (...a: never[]) => Error = tf.errors.InvalidArgumentError): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected an error matching ${re}`).toBeInstanceOf(cls);
  expect((err as Error).message).toMatch(re);
}

/** Runs `t` with `feeds` and expects a run-time error. */
export function expectRunError(t: tf.Tensor | tf.Tensor[], feeds: [tf.Tensor, tf.NDArray][], re: RegExp,
                               cls: new (...a: never[]) => Error = tf.errors.InvalidArgumentError): void {
  const ts = Array.isArray(t) ? t : [t];
  expectError(() => {
    const sess = new tf.Session({ graph: ts[0].graph });
    try { sess.run(ts, new Map(feeds)); } finally { sess.close(); }
  }, re, cls);
}

/** A placeholder of unknown shape and the feed of `a` for it. */
export function fed(a: Arr, dtype: tf.DType): [tf.Tensor, [tf.Tensor, tf.NDArray]] {
  const p = tf.placeholder(dtype);
  return [p, [p, ndOf(a, dtype)]];
}

export const i32 = (data: number[], shape = [data.length]): Arr => ({ shape, data });
