// The Apply* training ops (native/kernels/training.cc): TF's values for one and several steps
// (scripts/golden/optimizers.py -> kernels.json, imported as TF's GraphDefs), a plain-JS
// transcription of each update rule on random inputs (scalars, zero-size, tensors large enough
// to be split over threads), TF's build-time and run-time errors, and the ref-edge rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from '../golden/golden';

interface KernelCase {
  name: string;
  op: string;
  dtype: 'float32' | 'float64';
  attrs: Record<string, boolean>;
  graph: string;
  vars: string[];
  hyper: [string, number][];
  grad: string;
  grads: GoldenValue[];
  steps: GoldenValue[][];
  init?: boolean;
  feeds?: GoldenValue[];
  error?: { class: string; message: string };
}
const CASES = (JSON.parse(readFileSync(join(GOLDEN, 'optimizers', 'kernels.json'), 'utf8')) as { cases: KernelCase[] }).cases;

function importCase(c: KernelCase): [tf.Graph, tf.Session] {
  const g = new tf.Graph();
  g.asDefault(() => tf.importGraphDef(Buffer.from(c.graph, 'base64'), { name: '' }));
  return [g, new tf.Session({ graph: g })];
}

describe('Apply* kernels give TF\'s values (imported TF graphs)', () => {
  for (const c of CASES.filter((k) => !k.error)) {
    it(c.name, () => {
      const [, sess] = importCase(c);
      try {
        sess.run('init');
        c.grads.forEach((gr, step) => {
          const feeds: [string, tf.NDArray | number][] = c.hyper.map(([n, v]) => [`${n}:0`, tf.ndarray(c.dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v), [], c.dtype)]);
          feeds.push([`${c.grad}:0`, decodeValue(gr)]);
          const out = sess.run(['out:0', ...c.vars.map((v) => `${v}:0`)], feeds) as tf.NDArray[];
          expectClose(out[0], decodeValue(c.steps[step][0]), 'out (the var reference)', 1e-6);
          // Adagrad/Adadelta: TF's float rsqrt is Eigen's estimate + Newton step (not correctly rounded).
          c.vars.forEach((v, i) => expectClose(out[i + 1], decodeValue(c.steps[step][i]), `${v} after step ${step + 1}`, c.dtype === 'float32' ? 2e-6 : 1e-12));
        });
      } finally {
        sess.close();
      }
    });
  }
});

describe('Apply* run-time errors as TF', () => {
  for (const c of CASES.filter((k) => k.error)) {
    it(c.name, () => {
      const [, sess] = importCase(c);
      try {
        if (c.init) sess.run('init');
        const feeds = new Map(c.feeds!.map((f) => [f.name!, decodeValue(f)]));
        let err: Error | null = null;
        try { sess.run('out', feeds); } catch (e) { err = e as Error; }
        expect(err?.constructor.name).toBe(c.error!.class);
        // TF 2.21's executor reports an uninitialized ref input as "... uninitialized value var";
        // 1.15's Apply kernels (which this follows) say "... uninitialized variables: var".
        if (c.error!.class === 'FailedPreconditionError') expect(err!.message).toContain('Attempting to use uninitialized variables: var');
        else expect(err!.message).toContain(c.error!.message);
      } finally {
        sess.close();
      }
    });
  }
});

// ---- plain-JS reference: TF's functors transcribed, rounding every operation to T -------------

type Rule = (v: Float64Array[], s: number[], g: Float64Array, r: (x: number) => number, flag: boolean) => void;
const sign = (x: number) => (x === 0 ? 0 : x < 0 ? -1 : 1);
const RULES: Record<string, { slots: number; hyper: number[]; grad: number; rule: Rule; attr?: string }> = {
  ApplyGradientDescent: { slots: 0, hyper: [0.1], grad: 2, rule: ([w], [lr], g, r) => { for (let i = 0; i < w.length; i++) w[i] = r(w[i] - r(g[i] * lr)); } },
  ApplyProximalGradientDescent: { slots: 0, hyper: [0.1, 0.05, 0.2], grad: 4, rule: ([w], [lr, l1, l2], g, r) => {
    const shrink = r(lr * l1), denom = r(1 + r(l2 * lr));
    for (let i = 0; i < w.length; i++) {
      const p = r(w[i] - r(g[i] * lr));
      w[i] = l1 > 0 ? r(r(sign(p) * Math.max(r(Math.abs(p) - shrink), 0)) / denom) : r(p / denom);
    }
  } },
  ApplyMomentum: { slots: 1, hyper: [0.1, 0.9], grad: 3, attr: 'use_nesterov', rule: ([w, a], [lr, mu], g, r, nesterov) => {
    for (let i = 0; i < w.length; i++) {
      a[i] = r(r(a[i] * mu) + g[i]);
      w[i] = nesterov ? r(w[i] - r(r(g[i] * lr) + r(r(a[i] * mu) * lr))) : r(w[i] - r(a[i] * lr));
    }
  } },
  ApplyAdagrad: { slots: 1, hyper: [0.1], grad: 3, attr: 'update_slots', rule: ([w, a], [lr], g, r, update) => {
    for (let i = 0; i < w.length; i++) {
      if (update) a[i] = r(a[i] + r(g[i] * g[i]));
      w[i] = r(w[i] - r(r(g[i] * lr) * r(1 / r(Math.sqrt(a[i])))));
    }
  } },
  ApplyAdam: { slots: 2, hyper: [0.729, 0.997, 0.01, 0.9, 0.999, 1e-7], grad: 9, attr: 'use_nesterov', rule: ([w, m, v], [b1p, b2p, lr, b1, b2, eps], g, r, nesterov) => {
    const alpha = r(r(lr * r(Math.sqrt(r(1 - b2p)))) / r(1 - b1p)), ob1 = r(1 - b1), ob2 = r(1 - b2);
    for (let i = 0; i < w.length; i++) {
      m[i] = r(m[i] + r(r(g[i] - m[i]) * ob1));
      v[i] = r(v[i] + r(r(r(g[i] * g[i]) - v[i]) * ob2));
      const num = nesterov ? r(r(r(g[i] * ob1) + r(b1 * m[i])) * alpha) : r(m[i] * alpha);
      w[i] = r(w[i] - r(num / r(r(Math.sqrt(v[i])) + eps)));
    }
  } },
  ApplyRMSProp: { slots: 2, hyper: [0.01, 0.9, 0.5, 1e-6], grad: 7, rule: ([w, ms, mom], [lr, rho, mu, eps], g, r) => {
    const orho = r(1 - rho);
    for (let i = 0; i < w.length; i++) {
      ms[i] = r(ms[i] + r(r(r(g[i] * g[i]) - ms[i]) * orho));
      mom[i] = r(r(mom[i] * mu) + r(r(g[i] * lr) / r(Math.sqrt(r(ms[i] + eps)))));
      w[i] = r(w[i] - mom[i]);
    }
  } },
  ApplyCenteredRMSProp: { slots: 3, hyper: [0.01, 0.9, 0.5, 1e-6], grad: 8, rule: ([w, mg, ms, mom], [lr, rho, mu, eps], g, r) => {
    const orho = r(1 - rho);
    for (let i = 0; i < w.length; i++) {
      ms[i] = r(ms[i] + r(r(r(g[i] * g[i]) - ms[i]) * orho));
      mg[i] = r(mg[i] + r(r(g[i] - mg[i]) * orho));
      mom[i] = r(r(mom[i] * mu) + r(r(g[i] * lr) / r(Math.sqrt(r(r(ms[i] - r(mg[i] * mg[i])) + eps)))));
      w[i] = r(w[i] - mom[i]);
    }
  } },
  ApplyAdadelta: { slots: 2, hyper: [1, 0.95, 1e-6], grad: 6, rule: ([w, a, au], [lr, rho, eps], g, r) => {
    const orho = r(1 - rho);
    for (let i = 0; i < w.length; i++) {
      a[i] = r(r(a[i] * rho) + r(r(g[i] * g[i]) * orho));
      const u = r(r(r(Math.sqrt(r(au[i] + eps))) * r(1 / r(Math.sqrt(r(a[i] + eps))))) * g[i]);
      w[i] = r(w[i] - r(u * lr));
      au[i] = r(r(au[i] * rho) + r(r(u * u) * orho));
    }
  } },
};

/** A seeded uniform [lo, hi) stream (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const typedOf = (dtype: 'float32' | 'float64', x: ArrayLike<number>) => (dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x));

/** Builds var + slots, runs `steps` updates of `op` with constant hyper-parameters and a fed gradient, compares with RULES. */
function checkRule(op: string, dtype: 'float32' | 'float64', shape: number[], flag: boolean, useLocking: boolean, seed: number): void {
  const spec = RULES[op];
  const n = shape.reduce((a, b) => a * b, 1);
  const rand = rng(seed);
  const r = dtype === 'float32' ? Math.fround : (x: number) => x;
  const refs = Array.from({ length: spec.slots + 1 }, (_, k) => Float64Array.from({ length: n }, () => r(k === 0 ? rand() * 2 - 1 : rand() + 0.1)));
  const hyper = spec.hyper.map(r);
  const g = new tf.Graph();
  g.asDefault(() => {
    const vars = refs.map((v, k) => new tf.Variable(tf.constant(tf.ndarray(typedOf(dtype, v), shape, dtype)), { name: k ? `slot${k}` : 'var' }));
    const grad = tf.placeholder(dtype, shape, 'grad');
    const scalars = hyper.map((h) => tf.constant(tf.ndarray(typedOf(dtype, [h]), [], dtype)));
    const inputs = [...vars, ...scalars];
    inputs.splice(spec.grad, 0, grad);
    const attrs: Record<string, unknown> = { T: dtype, use_locking: useLocking };
    if (spec.attr) attrs[spec.attr] = flag;
    const out = makeNode(g, op, inputs, attrs, null, undefined).outputs[0];
    expect(out.shape).toEqual(shape);
    const sess = new tf.Session({ graph: g });
    try {
      sess.run(tf.globalVariablesInitializer());
      for (let step = 0; step < 2; step++) {
        const gv = Float64Array.from({ length: n }, () => r(rand() * 2 - 1));
        spec.rule(refs, hyper, gv, r, flag);
        const got = sess.run([out, ...vars], [[grad, tf.ndarray(typedOf(dtype, gv), shape, dtype)]]) as tf.NDArray[];
        expectClose(got[0], tf.ndarray(typedOf(dtype, refs[0]), shape, dtype), `${op} out`, dtype === 'float32' ? 1e-6 : 1e-13);
        refs.forEach((v, k) => expectClose(got[k + 1], tf.ndarray(typedOf(dtype, v), shape, dtype), `${op} input ${k} step ${step}`, dtype === 'float32' ? 1e-6 : 1e-13));
      }
    } finally {
      sess.close();
    }
  });
}

describe('Apply* kernels against a plain-JS transcription of the update rules', () => {
  const shapes = [[], [0], [2, 0, 3], [5, 7], [70001]];  // 70001: several parallel chunks, odd tail
  let seed = 1;
  for (const op of Object.keys(RULES)) {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const flag of RULES[op].attr ? [false, true] : [false]) {
        it(`${op} ${dtype}${RULES[op].attr ? ` ${RULES[op].attr}=${flag}` : ''}`, () => {
          for (const shape of shapes) checkRule(op, dtype, shape, flag, shape.length === 1 && shape[0] > 1000, seed++);
        });
      }
    }
  }
});

describe('Apply* graph-construction rules', () => {
  const build = (fn: (g: tf.Graph) => unknown) => { const g = new tf.Graph(); return g.asDefault(() => fn(g)); };
  const catchError = (fn: () => unknown): Error => { try { fn(); } catch (e) { return e as Error; } throw new Error('expected an error'); };

  it('the var must be a variable reference; the output is one (usable by Assign)', () => {
    build((g) => {
      const c = tf.constant([1, 2], 'float32', { name: 'c' });
      const e = catchError(() => makeNode(g, 'ApplyGradientDescent', [c, tf.constant(0.1), c], { T: 'float32' }, null, undefined));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toContain('Input 0 of node ApplyGradientDescent was passed float from c:0 incompatible with expected float_ref.');
      const w = new tf.Variable([1, 2], { name: 'w' });
      const out = makeNode(g, 'ApplyGradientDescent', [w, tf.constant(0.5), c], { T: 'float32' }, null, undefined).outputs[0];
      const again = tf.assignAdd(out, [10, 10]);
      const sess = new tf.Session({ graph: g });
      sess.run(w.initializer);
      expect(Array.from((sess.run(again) as tf.NDArray).data as Float32Array)).toEqual([10.5, 11]);
      sess.close();
    });
  });

  it("static shape errors as TF's shape functions (Merge, WithRank 0)", () => {
    build((g) => {
      const w = new tf.Variable([1, 2, 3], { name: 'w' });
      const acc = new tf.Variable([1, 2], { name: 'acc' });
      let e = catchError(() => makeNode(g, 'ApplyMomentum', [w, acc, tf.constant(0.1), tf.constant([1, 2, 3]), tf.constant(0.9)], { T: 'float32' }, null, undefined));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toContain('Dimension 0 in both shapes must be equal, but are 3 and 2. Shapes are [3] and [2].');
      e = catchError(() => makeNode(g, 'ApplyGradientDescent', [w, tf.constant([0.1, 0.2]), tf.constant([1, 2, 3])], { T: 'float32' }, null, undefined));
      expect(e.message).toContain('Shape must be rank 0 but is rank 1');
      e = catchError(() => makeNode(g, 'ApplyGradientDescent', [w, tf.constant(0.1), tf.constant([1, 2])], { T: 'float32' }, null, undefined));
      expect(e.message).toContain('Dimension 0 in both shapes must be equal, but are 3 and 2.');
    });
  });

  it("run-time checks with unknown static shapes: TF's texts; int32 has no kernel", () => {
    build((g) => {
      const w = new tf.Variable([1, 2, 3], { name: 'w' });
      const lr = tf.placeholder('float32', null, 'lr');
      const m = new tf.Variable([0, 0, 0], { name: 'm' }), v = new tf.Variable([0, 0, 0], { name: 'v' });
      const grad = tf.constant([1, 1, 1]);
      const gd = makeNode(g, 'ApplyGradientDescent', [w, lr, grad], { T: 'float32' }, null, undefined);
      const adam = makeNode(g, 'ApplyAdam', [w, m, v, tf.constant(0.9), tf.constant(0.9), lr, tf.constant(0.9), tf.constant(0.9), tf.constant(1e-8), grad],
        { T: 'float32' }, null, undefined);
      const sess = new tf.Session({ graph: g });
      sess.run(tf.globalVariablesInitializer());
      const run = (op: tf.Operation, value: tf.NDArray) => catchError(() => sess.run(op, [[lr, value]]));
      let e = run(gd, tf.ndarray(Float32Array.of(1, 2), [2]));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toContain('alpha is not a scalar: [2]');
      // Legacy scalar: GradientDescent accepts shape [1], Adam does not.
      sess.run(gd, [[lr, tf.ndarray(Float32Array.of(1), [1])]]);
      expect(Array.from((sess.run(w) as tf.NDArray).data as Float32Array)).toEqual([0, 1, 2]);
      e = run(adam, tf.ndarray(Float32Array.of(1), [1]));
      expect(e.message).toContain('lr is not a scalar : [1]');
      const wi = new tf.Variable(new Int32Array([1, 2]), { name: 'wi' });
      const gi = makeNode(g, 'ApplyGradientDescent', [wi, tf.constant(new Int32Array([1]), 'int32', []), tf.constant(new Int32Array([1, 1]))], { T: 'int32' }, null, undefined);
      sess.run(wi.initializer);
      e = catchError(() => sess.run(gi));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toContain("No OpKernel was registered to support Op 'ApplyGradientDescent'");
      // The session stays usable.
      sess.run(gd, [[lr, tf.ndarray(Float32Array.of(0), [])]]);
      sess.close();
    });
  });

  it('use_locking: ops locking the same variables in opposite input order run concurrently without deadlock; a var passed twice is locked once', async () => {
    const g = new tf.Graph();
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads: 4, intraOpParallelismThreads: 2 } });
    try {
      const ops = g.asDefault(() => {
        const a = new tf.Variable(tf.constant(new Float32Array(40000).fill(1)), { name: 'a' });
        const b = new tf.Variable(tf.constant(new Float32Array(40000).fill(2)), { name: 'b' });
        const grad = tf.constant(new Float32Array(40000).fill(0.001));
        const mom = (v: tf.Variable, acc: tf.Variable) =>
          makeNode(g, 'ApplyMomentum', [v, acc, tf.constant(0.01), grad, tf.constant(0.5)], { T: 'float32', use_locking: true }, null, undefined);
        sess.run(tf.globalVariablesInitializer());
        return [mom(a, b), mom(b, a), mom(a, a)];
      });
      await Promise.all(Array.from({ length: 30 }, (_, i) => sess.runAsync(ops[i % 3])));
      const [a, b] = sess.run(['a:0', 'b:0']) as tf.NDArray[];
      for (const v of [a, b]) expect(Array.from(v.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      sess.close();
    }
  });

  it('Apply ops are not differentiable', () => {
    build(() => {
      const w = new tf.Variable([1, 2], { name: 'w' });
      const out = new tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduceSum(w));
      const apply = out.controlInputs[0];
      expect(apply.type).toBe('ApplyGradientDescent');
      expect(tf.gradients(tf.reduceSum(apply.outputs[0]), w)).toEqual([null]);
    });
  });
});
