// The checkpoint cases of scripts/golden/checkpoints.py (test/fixtures/golden/checkpoints/
// manifest.json) as tensorloom variables: used by the checkpoint tests and by
// write-checkpoints.ts, which saves them with tensorloom for `checkpoints.py --check`.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '../../lib/index';

export interface CaseVariable {
  key: string; name: string; pad?: number; dtype: string; shape: number[]; values: (number | string | boolean)[];
}
export interface CheckpointCase { dict_keys: boolean; variables: CaseVariable[] }

export const checkpointFixtures = (root: string): string => join(root, 'test', 'fixtures', 'golden', 'checkpoints');

export function loadCases(root: string): Record<string, CheckpointCase> {
  return JSON.parse(readFileSync(join(checkpointFixtures(root), 'manifest.json'), 'utf8')).cases;
}

/** The full checkpoint key and variable name (the manifest shortens long runs of 'x'). */
export const fullKey = (v: CaseVariable): string => v.key + 'x'.repeat(v.pad ?? 0);
export const fullName = (v: CaseVariable): string => v.name + 'x'.repeat(v.pad ?? 0);

/** The variable's value as TF saved it, or null for a dtype tensorloom lacks (float16). */
export function caseValue(v: CaseVariable): tf.NDArray | null {
  if (!tf.DTYPES.includes(v.dtype as tf.DType)) return null;
  const d = v.dtype as tf.DType;
  const data = d === 'int64' ? BigInt64Array.from(v.values, (x) => BigInt(x as string))
    : d === 'bool' ? Uint8Array.from(v.values, (x) => (x ? 1 : 0))
      : v.values.map(Number);
  return tf.ndarray(data as never, v.shape, d);
}

/**
 * The case's variables (those of a dtype tensorloom has) in the default graph, holding the saved
 * values or zeros, and the Saver var list (an object of keys when the case uses dict keys).
 */
export function buildCase(c: CheckpointCase, options: { zeros?: boolean } = {}):
  { vars: tf.Variable[]; specs: CaseVariable[]; varList: tf.Variable[] | Record<string, tf.Variable> } {
  const specs = c.variables.filter((v) => caseValue(v) !== null);
  const vars = specs.map((v) => {
    const value = caseValue(v)!;
    const zeros = () => tf.ndarray(new (value.data.constructor as new (n: number) => tf.TypedArray)(value.size), v.shape, value.dtype);
    return new tf.Variable(options.zeros ? zeros() : value, { name: fullName(v) });
  });
  const varList = c.dict_keys ? Object.fromEntries(specs.map((v, i) => [fullKey(v), vars[i]])) : vars;
  return { vars, specs, varList };
}

/** Copies a case's fixture files into `dest`, gunzipping the `.gz` ones. */
export function materializeCase(root: string, name: string, dest: string): void {
  const src = join(checkpointFixtures(root), name);
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(src)) {
    if (f.endsWith('.gz')) writeFileSync(join(dest, f.slice(0, -3)), gunzipSync(readFileSync(join(src, f))));
    else copyFileSync(join(src, f), join(dest, f));
  }
}
