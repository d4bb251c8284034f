// The random-op golden fixtures (scripts/golden/random.py): each case is a list of builder calls
// as data; build() makes them with tensorloom's builders, as random.py did with TF1's Python.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as tf from 'tensorloom';

export interface RandomValue { dtype: tf.DType; shape: number[]; data: string; indices?: number[]; crc32?: number }
export interface Step {
  fn: string; args?: unknown[]; opts?: Record<string, unknown>; dtype?: tf.DType; shape?: number[];
  rateTensor?: number; initializer?: { fn: string; opts?: Record<string, unknown> };
}
export interface RandomCase {
  name: string; graphSeed?: number; ops: Step[]; runs: RandomValue[][]; session2: RandomValue[];
  seeds: [string, number, number][];
  graph?: string; fetchNames?: string[];
}

export function loadCases(group: string): RandomCase[] {
  const file = join(__dirname, '..', 'fixtures', 'golden', 'random', `${group}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: RandomCase[] }).cases;
}

const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array } as const;
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/** An argument array as random.py makes it: a nested list, {range: n} or {pattern: [rows, cols]}. */
function values(arg: unknown, dtype: tf.DType): tf.NDArray {
  const A = ARRAYS[dtype];
  const make = (nums: number[], shape: number[]) =>
    tf.ndarray((dtype === 'int64' ? BigInt64Array.from(nums, (n) => BigInt(n)) : (A as Float64ArrayConstructor).from(nums)) as tf.TypedArray, shape, dtype);
  const a = arg as { range?: number; pattern?: [number, number] };
  if (a && typeof a === 'object' && !Array.isArray(a) && a.range !== undefined) return make([...Array(a.range).keys()], [a.range]);
  if (a && typeof a === 'object' && !Array.isArray(a) && a.pattern) {
    const [r, c] = a.pattern;
    const nums: number[] = [];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) nums.push((((37 * i + 11 * j) % 17) - 8) / 4);
    return make(nums, [r, c]);
  }
  const shape: number[] = [];
  for (let x = arg; Array.isArray(x); x = x[0]) shape.push(x.length);
  const flat = (arg as unknown[]).flat(8).map((v) => (typeof v === 'string' ? SPECIAL[v] : (v as number)));
  return make(flat, shape);
}

const INITIALIZERS: Record<string, (o: never) => tf.Initializer> = {
  glorotUniformInitializer: tf.glorotUniformInitializer, glorotNormalInitializer: tf.glorotNormalInitializer,
  heNormal: tf.heNormal, lecunUniform: tf.lecunUniform, randomNormalInitializer: tf.randomNormalInitializer,
  truncatedNormalInitializer: tf.truncatedNormalInitializer, randomUniformInitializer: tf.randomUniformInitializer,
  varianceScalingInitializer: tf.varianceScalingInitializer,
};

/** One step with tensorloom's builders (in the default graph). */
export function build(step: Step): tf.Tensor {
  const args = step.args ?? [];
  const o = step.opts ?? {};
  switch (step.fn) {
    case 'randomUniform': return tf.randomUniform(args[0] as number[], o);
    case 'randomNormal': return tf.randomNormal(args[0] as number[], o);
    case 'truncatedNormal': return tf.truncatedNormal(args[0] as number[], o);
    case 'randomShuffle': return tf.randomShuffle(tf.constant(values(args[0], step.dtype!)), o);
    case 'multinomial': return tf.multinomial(tf.constant(values(args[0], step.dtype!)), args[1] as number, o);
    case 'categorical': return tf.random.categorical(tf.constant(values(args[0], step.dtype!)), args[1] as number, { seed: o.seed as number, dtype: o.outputDtype as tf.DType });
    case 'dropout': {
      const x = tf.constant(values(args[0], step.dtype!));
      const rate = step.rateTensor !== undefined ? tf.constant(step.rateTensor, step.dtype!) : (o.rate as number | undefined);
      return tf.nn.dropout(x, { ...o, rate });
    }
    case 'getVariable': {
      const init = step.initializer ? INITIALIZERS[step.initializer.fn]((step.initializer.opts ?? {}) as never) : undefined;
      return tf.getVariable(args[0] as string, { shape: step.shape, dtype: step.dtype, initializer: init });
    }
    default: throw new Error(`unknown step ${step.fn}`);
  }
}

/** Builds a case in a fresh graph: its fetches and the variables' initializer (if any). */
export function buildCase(c: RandomCase): { graph: tf.Graph; fetches: tf.Tensor[]; init: tf.Operation | null } {
  const graph = new tf.Graph();
  return graph.asDefault(() => {
    if (c.graphSeed !== undefined) tf.setRandomSeed(c.graphSeed);
    const fetches = c.ops.map(build);
    const init = c.ops.some((s) => s.fn === 'getVariable') ? tf.globalVariablesInitializer() : null;
    return { graph, fetches, init };
  });
}

const RANDOM_TYPES = new Set(['RandomUniform', 'RandomStandardNormal', 'TruncatedNormal', 'RandomUniformInt', 'RandomShuffle', 'Multinomial']);
/** [node name, seed, seed2] of every random op, in creation order (as random.py records them). */
export function seedsOf(g: tf.Graph): [string, number, number][] {
  return g.getOperations().filter((o) => RANDOM_TYPES.has(o.type)).map((o) => [o.name, Number(o.getAttr('seed')), Number(o.getAttr('seed2'))]);
}

const bytesOf = (a: tf.NDArray) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

/** Bit-exact comparison with a fixture value (whole data, or its CRC32 and sampled elements). */
export function expectBitExact(actual: tf.NDArray, expected: RandomValue, what: string): void {
  expect(actual.dtype, `${what} dtype`).toBe(expected.dtype);
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const want = Buffer.from(expected.data, 'base64');
  if (expected.indices === undefined) {
    expect(bytesOf(actual).equals(want), `${what}: ${actual.toString()}`).toBe(true);
    return;
  }
  const size = actual.data.BYTES_PER_ELEMENT;
  const got = Buffer.concat(expected.indices.map((i) => bytesOf(actual).subarray(i * size, (i + 1) * size)));
  expect(got.equals(want), `${what}: sampled elements`).toBe(true);
  expect(crc32(bytesOf(actual)) >>> 0, `${what}: CRC32 of all ${actual.size} elements`).toBe(expected.crc32);
}
