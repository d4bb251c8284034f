// Reads the golden fixtures written by scripts/golden/*.py (TensorFlow as the oracle) and runs
// them through tensorloom: import the recorded GraphDef, feed the recorded inputs, compare the
// outputs (or the error class) with TensorFlow's.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as tf from 'tensorloom';

export const GOLDEN = join(__dirname, '..', 'fixtures', 'golden');

export interface GoldenValue { name?: string; dtype: tf.DType; shape: number[]; data: string }
export interface GoldenCase {
  name: string;
  graph: string;
  feeds: GoldenValue[];
  fetches: string[];
  outputs?: GoldenValue[];
  error?: { class: string; message: string };
}
export interface GoldenFile { op: string; tf_version: string; cases: GoldenCase[] }

export function goldenOpFiles(): GoldenFile[] {
  const dir = join(GOLDEN, 'ops');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as GoldenFile);
}

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array,
} as const;

/** A fixture value as an NDArray (base64 little-endian bytes). */
export function decodeValue(v: GoldenValue): tf.NDArray {
  const bytes = Buffer.from(v.data, 'base64');
  const A = ARRAYS[v.dtype];
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const n = v.shape.reduce((a, b) => a * b, 1);
  return tf.ndarray(new A(copy.buffer, 0, n) as tf.TypedArray, v.shape, v.dtype);
}

/** Tolerances of the issue: float32 1e-5 relative per op (1e-4 for whole models), others exact-ish. */
export function expectClose(actual: tf.NDArray, expected: tf.NDArray, what: string, rtol = 1e-5): void {
  expect(actual.dtype, `${what} dtype`).toBe(expected.dtype);
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const a = actual.data, e = expected.data;
  const float = expected.dtype === 'float32' || expected.dtype === 'float64';
  const tol = expected.dtype === 'float64' ? Math.min(rtol, 1e-10) : rtol;
  // Absolute floor relative to the tensor's scale, for values that cancel to near zero.
  let scale = 0;
  if (float) for (let i = 0; i < e.length; i++) { const v = Math.abs(Number(e[i])); if (Number.isFinite(v)) scale = Math.max(scale, v); }
  const atol = float ? tol * Math.max(scale, 1e-30) * 1e-2 + (expected.dtype === 'float32' ? 1e-7 : 1e-15) : 0;
  for (let i = 0; i < e.length; i++) {
    const x = Number(a[i]), y = Number(e[i]);
    if (float) {
      if (Number.isNaN(y)) { if (!Number.isNaN(x)) expect.fail(`${what}[${i}]: expected NaN, got ${x}`); continue; }
      if (!Number.isFinite(y)) { if (x !== y) expect.fail(`${what}[${i}]: expected ${y}, got ${x}`); continue; }
      if (Math.abs(x - y) > atol + tol * Math.abs(y)) expect.fail(`${what}[${i}]: expected ${y}, got ${x} (rtol ${tol})`);
    } else if (a[i] !== e[i]) {
      expect.fail(`${what}[${i}]: expected ${String(e[i])}, got ${String(a[i])}`);
    }
  }
}

/** Runs one golden case in a fresh graph and session; checks outputs or the error class. */
export function runGoldenCase(c: GoldenCase, rtol = 1e-5): void {
  const g = new tf.Graph();
  const feeds = new Map<string, tf.NDArray>(c.feeds.map((f) => [f.name!, decodeValue(f)]));
  if (c.error) {
    // TF raised at run time; tensorloom may already refuse while importing (a stricter static
    // check), but it must be the same error class.
    let err: unknown = null;
    let sess: tf.Session | null = null;
    try {
      g.asDefault(() => tf.importGraphDef(Buffer.from(c.graph, 'base64'), { name: '' }));
      sess = new tf.Session({ graph: g });
      sess.run(c.fetches, feeds);
    } catch (e) { err = e; } finally { sess?.close(); }
    expect(err, `expected ${c.error.class}: ${c.error.message}`).not.toBeNull();
    expect((err as Error).constructor.name, (err as Error).message).toBe(c.error.class);
    return;
  }
  g.asDefault(() => tf.importGraphDef(Buffer.from(c.graph, 'base64'), { name: '' }));
  const sess = new tf.Session({ graph: g });
  try {
    const out = sess.run(c.fetches, feeds) as tf.NDArray[];
    c.outputs!.forEach((o, i) => expectClose(out[i], decodeValue(o), `${c.fetches[i]}`, rtol));
  } finally {
    sess.close();
  }
}
