// The random ops without fixtures: Philox's known answers (TF1-INTERNALS.md §8.2-8.3) read
// through the ops, TF's errors, the run semantics of stateful ops (a run draws once, every run
// draws anew, nothing is cached), thread-count and ISA independence, seeds (0, 0), graph
// structure and names, and distribution checks against closed forms.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { gradientFunction } from '../../lib/ops/registry';

const data = (a: tf.NDArray) => Array.from(a.data as ArrayLike<number | bigint>);
const hex = (x: bigint) => (x & 0xffffffffn).toString(16).padStart(8, '0');

beforeEach(() => tf.resetDefaultGraph());

describe('Philox4x32-10 through the ops (known answers of TF1-INTERNALS.md §8)', () => {
  it('seed 42, seed2 7: the first block is 67ee6f2c e55410cc 6c7eca35 557398d3', () => {
    // int64 over the whole range: lo + (x0 | x1 << 32) % (2^64 - 1), so the words come back.
    tf.setRandomSeed(42);
    const x = tf.randomUniform([2], { minval: -(2n ** 63n), maxval: 2n ** 63n - 1n, dtype: 'int64', seed: 7 });
    expect(x.op.getAttr('seed')).toBe(42);
    expect(x.op.getAttr('seed2')).toBe(7);
    const v = (new tf.Session().run(x).data as BigInt64Array);
    const words = [...v].flatMap((b) => { const u = BigInt.asUintN(64, b + 2n ** 63n); return [hex(u), hex(u >> 32n)]; });
    expect(words).toEqual(['67ee6f2c', 'e55410cc', '6c7eca35', '557398d3']);
  });

  it('float uniform, normal, truncated normal and int32 values of seeds (42, 7), and run 2 skips 1024 calls', () => {
    tf.setRandomSeed(42);
    const u = tf.randomUniform([4], { seed: 7 });
    const n = tf.randomNormal([6], { seed: 7 });
    const t = tf.truncatedNormal([9], { seed: 7 });
    const i = tf.randomUniform([5], { minval: -3, maxval: 10, dtype: 'int32', seed: 7 });
    const sess = new tf.Session();
    const f32 = (xs: number[]) => xs.map(Math.fround);
    expect(data(sess.run(u))).toEqual(f32([0.8627676963806152, 0.6567625999450684, 0.9905458688735962, 0.9031013250350952]));
    expect(data(sess.run(u))).toEqual(f32([0.24097871780395508, 0.3811216354370117, 0.3590202331542969, 0.8486998081207275]));
    const normal = [-0.4527415633201599, -0.3004075288772583, -0.07882861793041229, 0.11306749284267426, 0.539332389831543, 0.5731345415115356];
    expect(data(sess.run(n))).toEqual(f32(normal));
    // The 5th..8th draws of the truncated normal include a rejection (|x| >= 2).
    expect(data(sess.run(t))).toEqual(f32([...normal.slice(0, 4), -1.4650040864944458, 1.0752620697021484, 0.9512687921524048, 0.40139707922935486, 1.0589500665664673]));
    expect(data(sess.run(i))).toEqual([-2, 7, 1, 4, 8]);
    sess.close();
  });
});

describe('seeds', () => {
  it('TF get_seed: graph seed with a per-graph counter, op seed alone, both, truncation and (0, 0)', () => {
    expect(tf.getSeed(undefined)).toEqual([0, 0]);
    expect(tf.getSeed(5)).toEqual([87654321, 5]);
    expect(tf.getSeed(-5)).toEqual([87654321, 2 ** 31 - 1 - 5]);
    tf.setRandomSeed(3);
    expect(tf.getDefaultGraph().seed).toBe(3);
    expect([tf.getSeed(null), tf.getSeed(undefined), tf.getSeed(9), tf.getSeed(undefined)]).toEqual([[3, 0], [3, 1], [3, 9], [3, 2]]);
    tf.setRandomSeed(0);
    expect(tf.getSeed(0)).toEqual([0, 2 ** 31 - 1]);
    const g = new tf.Graph();
    expect(g.seed).toBe(null);
    expect(() => tf.getSeed(1.5)).toThrow(tf.errors.InvalidArgumentError);
  });

  it('unseeded ops (0, 0) draw fresh seeds: two sessions differ, one session keeps its stream', () => {
    const x = tf.randomUniform([8]);
    expect([x.op.inputs.length, x.graph.getOperationByName('random_uniform/RandomUniform').getAttr('seed')]).toEqual([2, 0]);
    const a = new tf.Session(), b = new tf.Session();
    const [a1, a2, b1] = [a.run(x), a.run(x), b.run(x)].map(data);
    expect(a1).not.toEqual(a2);
    expect(a1).not.toEqual(b1);
    a.close(); b.close();
  });

  it('equal seeds give equal streams; a closed session takes its streams with it', () => {
    const x = tf.randomNormal([3], { seed: 4 }), y = tf.randomNormal([3], { seed: 4 });
    const s = new tf.Session();
    const [vx, vy] = s.run([x, y]).map(data);
    expect(vx).toEqual(vy);
    s.close();
    const s2 = new tf.Session();
    expect(data(s2.run(x))).toEqual(vx);
    s2.close();
  });
});

describe('stateful semantics', () => {
  it('sess.run([x, x]) and a consumer in the same run draw once; each run and each eval draws anew', () => {
    const x = tf.randomUniform([4], { seed: 1 });
    const y = tf.multiply(x, 2);
    const s = new tf.Session();
    const [a, b, c] = s.run([x, x, y]).map(data);
    expect(a).toEqual(b);
    expect(c).toEqual(a.map((v) => Math.fround((v as number) * 2)));
    const d = data(s.run(x));
    expect(d).not.toEqual(a);
    s.asDefault(() => expect(data(x.eval())).not.toEqual(data(x.eval())));
    s.close();
  });

  it('is never cached: a callable and repeated identical runs keep drawing', () => {
    const x = tf.randomNormal([2], { seed: 9 });
    const s = new tf.Session();
    const f = s.makeCallable(x);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) { seen.add(String(data(f() as tf.NDArray))); seen.add(String(data(s.run(x)))); }
    expect(seen.size).toBe(8);
    s.close();
  });

  it('values do not depend on the intra-op thread count', () => {
    const ops = [tf.randomUniform([100003], { seed: 1 }), tf.truncatedNormal([20001], { seed: 2, dtype: 'float64' }),
      tf.randomUniform([30001], { maxval: 7, dtype: 'int64', seed: 3 }), tf.multinomial(tf.fill([64, 40], 0.5), 300, { seed: 4 })];
    const run = (threads: number) => {
      const s = new tf.Session({ config: { intraOpParallelismThreads: threads } });
      const out = [s.run(ops), s.run(ops)].flat().map((a) => Buffer.from((a as tf.NDArray).data.buffer).toString('base64'));
      s.close();
      return out;
    };
    expect(run(1)).toEqual(run(4));
  });

  // The random kernels have no per-ISA variants; this checks it from a process with TL_ISA=scalar
  // (needs the compiled dist/, as the packaging tests do).
  const dist = join(__dirname, '..', '..', 'dist', 'cjs', 'lib', 'index.js');
  it.skipIf(!existsSync(dist))('values do not depend on TL_ISA', () => {
    const script = `const tf = require(${JSON.stringify(dist)}); const x = tf.randomNormal([5001], { seed: 5 });
      process.stdout.write(tf.isa() + ' ' + Buffer.from(new tf.Session().run(x).data.buffer).toString('base64'));`;
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TL_ISA: 'scalar' }, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const [isa, bytes] = child.stdout.split(' ');
    expect(isa).toBe('scalar');
    const here = Buffer.from(new tf.Session().run(tf.randomNormal([5001], { seed: 5 })).data.buffer).toString('base64');
    expect(bytes).toBe(here);
  });
});

describe('gradients', () => {
  it('random ops are not differentiable; gradients flow through their affine wrappers', () => {
    const m = tf.placeholder('float32', []);
    const u = tf.randomUniform([3], { minval: m, maxval: 5, seed: 2 });
    const [dm] = tf.gradients(tf.reduceSum(u), [m]);
    const rnd = tf.getDefaultGraph().getOperationByName('random_uniform/RandomUniform').outputs[0];
    const s = new tf.Session();
    const [g, r] = s.run([dm!, rnd], [[m, 1]]) as tf.NDArray[];
    // d/dm sum(rnd * (5 - m) + m) = sum(1 - rnd)
    expect(g.item()).toBeCloseTo(data(r).reduce((a: number, v) => a + 1 - (v as number), 0), 5);
    for (const type of ['RandomUniform', 'RandomStandardNormal', 'TruncatedNormal', 'RandomUniformInt', 'RandomShuffle', 'Multinomial'])
      expect(gradientFunction(type), type).toBe(null);  // TF's ops.NotDifferentiable
  });
});

describe('errors (TF texts and classes)', () => {
  const runError = (t: tf.Tensor, feeds?: [tf.Tensor, unknown][]) => {
    const s = new tf.Session();
    try { s.run(t, feeds as never); } catch (e) { return e as Error; } finally { s.close(); }
    throw new Error('no error');
  };

  it('Need minval < maxval (only for a non-empty output)', () => {
    const e = runError(tf.randomUniform([5], { minval: 5, maxval: 3, dtype: 'int32', seed: 1 }));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain('Need minval < maxval, got 5 >= 3');
    expect(new tf.Session().run(tf.randomUniform([0, 2], { minval: 5, maxval: 3, dtype: 'int64', seed: 1 })).shape).toEqual([0, 2]);
  });

  it('bad fed shapes: negative dims, not a vector', () => {
    const p = tf.placeholder('int32');
    const x = tf.randomUniform(p, { seed: 1 });
    expect(runError(x, [[p, [2, -1]]]).message).toContain('Dimension -1 must be >= 0');
    const e = runError(x, [[p, [[2]]]]);
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain('shape must be a vector of {int32,int64}, got shape [1,1]');
    expect(new tf.Session().run(x, [[p, [2, 3]]]).shape).toEqual([2, 3]);
  });

  it('build-time errors as TF raises them', () => {
    expect(() => tf.randomUniform([-2])).toThrow(/Invalid value in tensor used for shape: -2/);
    expect(tf.randomUniform([2, -1]).shape).toEqual([2, null]);
    expect(() => tf.randomUniform([[2, 3]] as never)).toThrow(/Shape must be rank 1 but is rank 2/);
    expect(() => tf.randomUniform([3], { dtype: 'int32' })).toThrow(/Must specify maxval for integer dtype/);
    expect(() => tf.randomNormal([3], { dtype: 'int32' })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.randomUniform([3], { minval: [1, 2], maxval: 5, dtype: 'int32' })).toThrow(/minval must be a scalar; got a tensor of shape \[2\]/);
    expect(() => tf.multinomial([1, 2], 3)).toThrow(/Shape must be rank 2 but is rank 1/);
    expect(() => tf.multinomial([[1, 2]], -1)).toThrow(/must be non-negative but is -1/);
    expect(() => tf.nn.dropout(tf.constant([1, 2]), { rate: 1 })).toThrow(/`rate` must be a scalar tensor or a float in the range \[0, 1\)/);
    expect(() => tf.nn.dropout(tf.constant(Int32Array.from([1])), { rate: 0.5 })).toThrow(/must be a floating point tensor/);
    expect(() => tf.nn.dropout(tf.constant([1]), {})).toThrow(/`rate` must be provided/);
    expect(() => tf.nn.dropout(tf.constant([1]), { rate: tf.constant([0.1, 0.2]) })).toThrow('Shape (2,) must have rank 0');
  });

  it('Multinomial run-time checks', () => {
    const q = tf.placeholder('float32');
    const z = tf.multinomial(q, 2, { seed: 1 });
    expect(runError(z, [[q, [1]]]).message).toContain('logits should be a matrix, got shape [1]');
    expect(runError(z, [[q, tf.ndarray(new Float32Array(0), [1, 0])]]).message).toContain('num_classes should be positive, got 0');
    // TF's OpDef allows integer logits, but it has no CPU kernel for them.
    const e = runError(tf.multinomial(tf.constant(Int32Array.from([1, 2]), 'int32', [1, 2]), 2, { seed: 1 }));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("No OpKernel was registered to support Op 'Multinomial' used by {{node multinomial_1/Multinomial}} with these attrs: [T=DT_INT32]");
  });
});

describe('graphs and names as TF1 builds them', () => {
  it('random_uniform, random_normal, multinomial, randomShuffle', () => {
    tf.randomUniform([2], { minval: 1, maxval: 3, seed: 1 });
    tf.randomNormal([2], { seed: 1 });
    tf.multinomial([[1, 2]], 3, { seed: 1 });
    tf.randomShuffle([1, 2, 3], { seed: 1 });
    tf.randomUniform(tf.constant(BigInt64Array.from([2n])), { maxval: 4, dtype: 'int32', seed: 1 });
    expect(tf.getDefaultGraph().getOperations().map((o) => `${o.name}:${o.type}`)).toEqual([
      'random_uniform/shape:Const', 'random_uniform/min:Const', 'random_uniform/max:Const', 'random_uniform/RandomUniform:RandomUniform',
      'random_uniform/sub:Sub', 'random_uniform/mul:Mul', 'random_uniform:Add',
      'random_normal/shape:Const', 'random_normal/mean:Const', 'random_normal/stddev:Const',
      'random_normal/RandomStandardNormal:RandomStandardNormal', 'random_normal/mul:Mul', 'random_normal:Add',
      'multinomial/logits:Const', 'multinomial/Multinomial/num_samples:Const', 'multinomial/Multinomial:Multinomial',
      'RandomShuffle/value:Const', 'RandomShuffle:RandomShuffle',
      'Const:Const', 'random_uniform_1/min:Const', 'random_uniform_1/max:Const', 'random_uniform_1:RandomUniformInt',
    ]);
    const last = tf.getDefaultGraph().getOperationByName('random_uniform_1');
    expect([last.getAttr('T'), last.getAttr('Tout'), last.outputs[0].shape]).toEqual(['int64', 'int32', [2]]);
  });

  it('dropout: rate 0 returns x itself; getVariable defaults to glorot uniform under Initializer', () => {
    const x = tf.constant([1, 2, 3]);
    expect(tf.nn.dropout(x, { rate: 0 })).toBe(x);
    expect(tf.nn.dropout(x, 1)).toBe(x);  // TF1's positional keep_prob
    const d = tf.nn.dropout(x, 0.5);
    expect([d.op.type, d.shape, d.op.inputs[1].op.name]).toEqual(['SelectV2', [3], 'dropout_2/Mul']);
    const w = tf.getVariable('w', { shape: [4, 6] });
    expect(tf.getDefaultGraph().getOperations().map((o) => o.name)).toContain('w/Initializer/random_uniform/RandomUniform');
    const s = new tf.Session();
    s.run(tf.globalVariablesInitializer());
    const limit = Math.sqrt(6 / 10);
    expect(data(s.run(w)).every((v) => Math.abs(v as number) < limit)).toBe(true);
  });
});

describe('distributions (closed forms)', () => {
  const stats = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length };
  };
  const N = 200000;

  it('uniform [2, 5): mean 3.5, variance 0.75; int [0, 7) frequencies', () => {
    const s = new tf.Session();
    const u = data(s.run(tf.randomUniform([N], { minval: 2, maxval: 5, seed: 3 }))) as number[];
    expect(u.every((v) => v >= 2 && v < 5)).toBe(true);
    const { mean, variance } = stats(u);
    expect(mean).toBeCloseTo(3.5, 2);
    expect(variance).toBeCloseTo(0.75, 2);
    const k = data(s.run(tf.randomUniform([N], { maxval: 7, dtype: 'int32', seed: 3 }))) as number[];
    const counts = new Array(7).fill(0);
    for (const v of k) counts[v]++;
    for (const c of counts) expect(Math.abs(c / N - 1 / 7)).toBeLessThan(0.005);
  });

  it('normal(1, 2) and the truncated normal (|z| < 2: variance 0.7737413)', () => {
    const s = new tf.Session();
    const n = stats(data(s.run(tf.randomNormal([N], { mean: 1, stddev: 2, seed: 5, dtype: 'float64' }))) as number[]);
    expect(n.mean).toBeCloseTo(1, 1);
    expect(n.variance).toBeCloseTo(4, 1);
    const t = data(s.run(tf.truncatedNormal([N], { seed: 6 }))) as number[];
    expect(t.every((v) => Math.abs(v) < 2)).toBe(true);
    expect(stats(t).variance).toBeCloseTo(0.7737413, 2);
  });

  it('multinomial frequencies follow softmax(logits); -inf classes never drawn', () => {
    const logits = [Math.log(0.1), Math.log(0.6), -Infinity, Math.log(0.3)];
    const x = data(new tf.Session().run(tf.multinomial([logits], 50000, { seed: 2 }))).map(Number);
    const freq = [0, 1, 2, 3].map((c) => x.filter((v) => v === c).length / x.length);
    expect(freq[2]).toBe(0);
    [0.1, 0.6, 0, 0.3].forEach((p, i) => expect(Math.abs(freq[i] - p)).toBeLessThan(0.01));
  });

  it('randomShuffle is a permutation of the rows', () => {
    const v = tf.constant(Float64Array.from({ length: 40 }, (_, i) => i), 'float64', [20, 2]);
    const out = data(new tf.Session().run(tf.randomShuffle(v, { seed: 8 }))) as number[];
    const rows = Array.from({ length: 20 }, (_, i) => [out[2 * i], out[2 * i + 1]]);
    expect(rows.every(([a, b]) => b === a + 1 && a % 2 === 0)).toBe(true);
    expect(new Set(rows.map(([a]) => a)).size).toBe(20);
    expect(rows.map(([a]) => a)).not.toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
  });
});
