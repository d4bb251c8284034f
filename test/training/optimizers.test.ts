// tf.train optimizers against TensorFlow (scripts/golden/optimizers.py -> training.json): a small
// MLP and a small CNN trained 20 steps by every optimizer configuration from the same seeded
// weights and batch; the loss curve must equal TF's within 1e-4 relative, the final weights,
// slots, beta powers and global_step must match, and the graph must have TF's slot variables
// and update op names. Plus TF's errors, getSlot/getSlotNames/variables(), the global step
// helpers, and independent sessions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { withSession, catchError } from './helpers';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from '../golden/golden';

interface TrainingCase {
  model: 'mlp' | 'cnn';
  config: string;
  optimizer: string;
  args: (number | string)[];
  kwargs: Record<string, number | boolean>;
  init: Record<string, GoldenValue>;
  x: GoldenValue;
  y: GoldenValue;
  losses: number[];
  final: Record<string, GoldenValue>;
  slots: Record<string, Record<string, string>>;
  slot_names: string[];
  variables: string[];
  train_op: string;
  update_ops: string[];
  /** TF's whole training graph (its gradients and update ops) for some configurations. */
  tf_graph: string | null;
  loss: string;
  init_op: string;
}
const FILE = JSON.parse(readFileSync(join(GOLDEN, 'optimizers', 'training.json'), 'utf8')) as { steps: number; cases: TrainingCase[] };

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The TS optimizer of a fixture configuration (TF's Python kwargs in camelCase; 'tensor:x' = a Tensor hyper-parameter). */
function makeOptimizer(c: TrainingCase): tf.train.Optimizer {
  const args = c.args.map((a) => (typeof a === 'string' ? tf.constant(Number(a.split(':')[1])) : a));
  const o = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [camel(k), v]));
  switch (c.optimizer) {
    case 'GradientDescentOptimizer': return new tf.train.GradientDescentOptimizer(args[0], o);
    case 'MomentumOptimizer': return new tf.train.MomentumOptimizer(args[0], args[1], o);
    case 'AdamOptimizer': return new tf.train.AdamOptimizer(args[0], o);
    case 'RMSPropOptimizer': return new tf.train.RMSPropOptimizer(args[0], o);
    case 'AdagradOptimizer': return new tf.train.AdagradOptimizer(args[0], o);
    case 'AdadeltaOptimizer': return new tf.train.AdadeltaOptimizer(args[0], o);
    case 'ProximalGradientDescentOptimizer': return new tf.train.ProximalGradientDescentOptimizer(args[0], o);
    default: throw new Error(c.optimizer);
  }
}

/** The fixture's model, as scripts/golden/optimizers.py `forward` builds it. */
function buildModel(c: TrainingCase): { loss: tf.Tensor; w: Record<string, tf.Variable> } {
  const w = Object.fromEntries(Object.entries(c.init).map(([n, v]) => [n, new tf.Variable(tf.constant(decodeValue(v)), { name: n })]));
  const x = tf.constant(decodeValue(c.x)), y = tf.constant(decodeValue(c.y));
  let logits: tf.Tensor;
  if (c.model === 'mlp') {
    const h = tf.nn.relu(tf.add(tf.matmul(x, w['dense1/w']), w['dense1/b']));
    logits = tf.add(tf.matmul(h, w['dense2/w']), w['dense2/b']);
  } else {
    const conv = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w['conv/w'], [1, 1, 1, 1], 'SAME'), w['conv/b']));
    const p = tf.nn.maxPool2d(conv, 2, 2, 'VALID');
    logits = tf.add(tf.matmul(tf.reshape(p, [-1, 36]), w['dense/w']), w['dense/b']);
  }
  return { loss: tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: y, logits })), w };
}

describe('optimizers train like TensorFlow (20 steps, MLP and CNN)', () => {
  for (const c of FILE.cases) {
    it(`${c.model} ${c.config}`, () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        const { loss, w } = buildModel(c);
        const opt = makeOptimizer(c);
        const gs = tf.train.getOrCreateGlobalStep();
        const train = opt.minimize(loss, { globalStep: gs });
        // The graph TF builds: train op, slots, update ops, optimizer variables.
        expect(train.name).toBe(c.train_op);
        expect(opt.getSlotNames()).toEqual(c.slot_names);
        for (const [slot, byVar] of Object.entries(c.slots))
          for (const [v, name] of Object.entries(byVar)) expect(opt.getSlot(w[v], slot)?.op.name).toBe(name);
        expect(opt.variables().map((v) => v.op.name)).toEqual(c.variables);
        expect(g.getOperations().filter((o) => o.type.startsWith('Apply')).map((o) => o.name).sort()).toEqual(c.update_ops);

        const sess = new tf.Session({ graph: g });
        try {
          sess.run(tf.globalVariablesInitializer());
          const losses: number[] = [];
          for (let i = 0; i < FILE.steps; i++) {
            losses.push((sess.run(loss) as tf.NDArray).item() as number);
            sess.run(train);
          }
          losses.forEach((l, i) => expect(Math.abs(l - c.losses[i]), `loss at step ${i}: ${l} vs TF ${c.losses[i]}`).toBeLessThanOrEqual(1e-4 * Math.abs(c.losses[i])));
          const names = Object.keys(c.final);
          expect(tf.globalVariables().map((v) => v.op.name).sort()).toEqual([...names].sort());
          const values = sess.run(names.map((n) => `${n}:0`)) as tf.NDArray[];
          names.forEach((n, i) => expectClose(values[i], decodeValue(c.final[n]), n, 2e-4));
        } finally {
          sess.close();
        }
      });
    });
  }
});

describe("TF's own training graphs imported (GraphDef with TF's gradients, Apply* ops and global step)", () => {
  for (const c of FILE.cases.filter((k) => k.tf_graph)) {
    it(`${c.model} ${c.config}`, () => {
      const g = new tf.Graph();
      g.asDefault(() => tf.importGraphDef(Buffer.from(c.tf_graph!, 'base64'), { name: '' }));
      const sess = new tf.Session({ graph: g });
      try {
        sess.run(c.init_op);
        for (let i = 0; i < FILE.steps; i++) {
          const l = (sess.run(c.loss) as tf.NDArray).item() as number;
          expect(Math.abs(l - c.losses[i]), `loss at step ${i}: ${l} vs TF ${c.losses[i]}`).toBeLessThanOrEqual(1e-4 * Math.abs(c.losses[i]));
          sess.run(c.train_op);
        }
        const names = Object.keys(c.final);
        const values = sess.run(names.map((n) => `${n}:0`)) as tf.NDArray[];
        names.forEach((n, i) => expectClose(values[i], decodeValue(c.final[n]), n, 2e-4));
      } finally {
        sess.close();
      }
    });
  }
});

const flat = (a: unknown) => Array.from((a as tf.NDArray).data as ArrayLike<number | bigint>, Number);

describe('optimizer graph and API', () => {
  it('builds TF names: slots, hyper-parameter Consts, Casts for float64 vars, the beta powers and the global step', () => {
    withSession((sess, g) => {
      const w = new tf.Variable([1, 2], { name: 'w' });
      const b = tf.variableScope('layer', () => tf.getVariable('b', { initializer: tf.constant(new Float64Array([1, 2, 3])) }));
      const loss = tf.add(tf.reduceSum(tf.multiply(w, w)), tf.cast(tf.reduceSum(tf.multiply(b, b)), 'float32'));
      const gs = tf.train.getOrCreateGlobalStep();
      const n0 = g.getOperations().length;
      const opt = new tf.train.AdamOptimizer(0.1);
      const train = opt.minimize(loss, { globalStep: gs });
      const mine = g.getOperations().slice(n0).filter((o) => !o.name.startsWith('gradients'));
      const byName = new Map(mine.map((o) => [o.name, o]));
      // As TF 2.21 / 1.15 print them (scripts/golden/optimizers.py graphs, checked by hand).
      for (const n of ['beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1', 'layer/b/Adam', 'layer/b/Adam_1', 'w/Adam/Initializer/zeros',
        'Adam/learning_rate', 'Adam/beta1', 'Adam/beta2', 'Adam/epsilon', 'Adam/update_w/ApplyAdam', 'Adam/update_layer/b/Cast_5',
        'Adam/update_layer/b/ApplyAdam', 'Adam/mul', 'Adam/Assign', 'Adam/mul_1', 'Adam/Assign_1', 'Adam/update', 'Adam/value'])
        expect(byName.has(n), n).toBe(true);
      expect(byName.get('Adam/update_w/ApplyAdam')!.inputs.map((t) => t.name)).toEqual(
        ['w:0', 'w/Adam:0', 'w/Adam_1:0', 'beta1_power:0', 'beta2_power:0', 'Adam/learning_rate:0', 'Adam/beta1:0', 'Adam/beta2:0', 'Adam/epsilon:0', 'gradients/AddN:0']);
      expect(byName.get('Adam/mul')!.controlInputs.map((o) => o.name)).toEqual(['Adam/update_w/ApplyAdam', 'Adam/update_layer/b/ApplyAdam']);
      expect(byName.get('Adam/update')!.controlInputs.map((o) => o.name)).toEqual(
        ['Adam/update_w/ApplyAdam', 'Adam/update_layer/b/ApplyAdam', 'Adam/Assign', 'Adam/Assign_1']);
      expect([train.name, train.type]).toEqual(['Adam', 'AssignAdd']);
      expect(tf.getCollection(tf.GraphKeys.TRAIN_OP)).toEqual([train]);
      expect(opt.getSlot(b, 'v')!.dtype).toBe('float64');
      expect(opt.getSlot(w, 'nope')).toBeNull();
      expect(opt.getSlot(gs, 'm')).toBeNull();
      expect(opt.getName()).toBe('Adam');
      // The values TF prints for this graph after 3 steps (checked with TF 2.21).
      sess.run(tf.globalVariablesInitializer());
      const losses = [0, 1, 2].map(() => ((sess.run([train, loss]) as tf.NDArray[])[1]).item() as number);
      expect(losses[0]).toBe(19);
      expect(losses[1]).toBeCloseTo(17.25, 5);
      expect(losses[2]).toBeCloseTo(15.603099, 5);
      const [wv, bv, step, m, b1p] = sess.run([w, b, gs, opt.getSlot(w, 'm')!, 'beta1_power:0']) as tf.NDArray[];
      expectClose(wv, tf.ndarray(Float32Array.of(0.7015873, 1.7006245), [2]), 'w');
      [0.70158733, 1.70062443, 2.70038256].forEach((x, i) => expect(flat(bv)[i]).toBeCloseTo(x, 8));
      expect(step.item()).toBe(3n);
      expectClose(m, tf.ndarray(Float32Array.of(0.48408264, 1.0260335), [2]), 'm');
      expect(b1p.item()).toBeCloseTo(0.6560999, 6);
    });
  });

  it('minimize without a global step returns the NoOp named after the optimizer; a second minimize opens Adam_1 and new slots', () => {
    withSession((sess) => {
      const w = new tf.Variable([3], { name: 'w' });
      const loss = tf.reduceSum(tf.square(w));
      const t1 = new tf.train.GradientDescentOptimizer(0.25).minimize(loss);
      expect([t1.name, t1.type]).toEqual(['GradientDescent', 'NoOp']);
      const a1 = new tf.train.AdamOptimizer(), a2 = new tf.train.AdamOptimizer();
      const t2 = a1.minimize(loss), t3 = a2.minimize(loss);
      expect([t2.name, t3.name]).toEqual(['Adam', 'Adam_1']);
      expect(a1.getSlot(w, 'm')!.op.name).toBe('w/Adam');
      expect(a1.getSlot(w, 'v')!.op.name).toBe('w/Adam_1');
      expect(a2.getSlot(w, 'm')!.op.name).toBe('w/Adam_2');
      expect(a2.variables().map((v) => v.op.name)).toEqual(['beta1_power_1', 'beta2_power_1', 'w/Adam_2', 'w/Adam_3']);
      sess.run(tf.globalVariablesInitializer());
      sess.run(t1);
      expect(flat(sess.run(w))).toEqual([1.5]);  // 3 - 0.25 * 6
    });
  });

  it('slot names and initial values per optimizer (RMSProp rms = ones, Adagrad accumulator = initialAccumulatorValue)', () => {
    withSession((sess) => {
      const w = new tf.Variable([[1, 2]], { name: 'w' });
      const loss = tf.reduceSum(w);
      const cases: [tf.train.Optimizer, string[], string[], number[][]][] = [
        [new tf.train.MomentumOptimizer(0.1, 0.9), ['momentum'], ['w/Momentum'], [[0, 0]]],
        [new tf.train.RMSPropOptimizer(0.1), ['momentum', 'rms'], ['w/RMSProp_1', 'w/RMSProp'], [[0, 0], [1, 1]]],
        [new tf.train.RMSPropOptimizer(0.1, { centered: true, name: 'C' }), ['mg', 'momentum', 'rms'], ['w/C_1', 'w/C_2', 'w/C'], [[0, 0], [0, 0], [1, 1]]],
        [new tf.train.AdagradOptimizer(0.1, { initialAccumulatorValue: 0.5 }), ['accumulator'], ['w/Adagrad'], [[0.5, 0.5]]],
      ];
      for (const [opt, names, slotOps, inits] of cases) {
        opt.minimize(loss);
        expect(opt.getSlotNames()).toEqual(names);
        expect(names.map((n) => opt.getSlot(w, n)!.op.name)).toEqual(slotOps);
        sess.run(tf.variablesInitializer(opt.variables()));
        names.forEach((n, i) => expect(flat(sess.run(opt.getSlot(w, n)!))).toEqual(inits[i]));
        expect(opt.getSlot(w, names[0])!.trainable).toBe(false);
      }
      expect(tf.trainableVariables()).toEqual([w]);
    });
  });

  it('computeGradients keeps null gradients; applyGradients skips them; custom name and varList', () => {
    withSession((sess) => {
      const a = new tf.Variable([1, 2], { name: 'a' }), b = new tf.Variable([5], { name: 'b' });
      const loss = tf.reduceSum(tf.multiply(a, a));
      const opt = new tf.train.MomentumOptimizer(0.5, 0.5, { useNesterov: true });
      const pairs = opt.computeGradients(loss);
      expect(pairs.map(([g, v]) => [g === null, v])).toEqual([[false, a], [true, b]]);
      const train = opt.applyGradients(pairs, { name: 'step' });
      expect(train.name).toBe('step');
      expect(opt.getSlot(b, 'momentum')).toBeNull();
      sess.run(tf.globalVariablesInitializer());
      sess.run(train);
      // Nesterov: accum = g; var -= g*lr + accum*momentum*lr = 1.5 g * 0.5.
      expect(flat(sess.run(a))).toEqual([1 - 0.75 * 2, 2 - 0.75 * 4]);
      expect(flat(sess.run(b))).toEqual([5]);
      const only = new tf.train.GradientDescentOptimizer(1).computeGradients(loss, { varList: [a] });
      expect(only.length).toBe(1);
    });
  });

  it("raises TF's errors", () => {
    withSession(() => {
      const w = new tf.Variable([1, 2], { name: 'w' });
      const gd = new tf.train.GradientDescentOptimizer(0.1);
      // Texts as TF 2.21 prints them (checked with scripts/golden's TF).
      let e = catchError(() => gd.minimize(tf.constant(1, 'float32', { name: 'c' }), { varList: [w] }));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toBe('No gradients provided for any variable, check your graph for ops that do not support gradients, between variables ' +
        `["<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>"] and loss Tensor("c:0", shape=(), dtype=float32).`);
      e = catchError(() => gd.applyGradients([[null, w]]));
      expect(e.message).toBe(`No gradients provided for any variable: ["<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>"].`);
      e = catchError(() => gd.computeGradients(tf.constant(new Int32Array([1]), 'int32', { name: 'i' }), { varList: [w] }));
      expect(e.message).toBe('Invalid type tf.int32 for i:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].');
      expect(catchError(() => gd.applyGradients([])).message).toBe('No variables provided.');
      expect(catchError(() => gd.computeGradients(tf.reduceSum(w), { varList: [] })).message).toBe('No variables to optimize.');
      expect(catchError(() => new tf.train.AdagradOptimizer(0.1, { initialAccumulatorValue: 0 })).message).toBe('initial_accumulator_value must be positive: 0');
      expect(catchError(() => gd.applyGradients([[tf.constant([1, 2]), tf.constant([1, 2]) as tf.Variable]]))).toBeInstanceOf(TypeError);
      // Unknown options are TypeErrors, as unexpected Python keyword arguments.
      expect(catchError(() => new tf.train.AdamOptimizer(0.1, { beta3: 1 } as never))).toBeInstanceOf(TypeError);
      expect(catchError(() => gd.minimize(tf.reduceSum(w), { globalstep: null } as never))).toBeInstanceOf(TypeError);
    });
  });

  it('hyper-parameters may be numbers, Tensors or functions; gateGradients values as TF', () => {
    withSession((sess, g) => {
      const w = new tf.Variable([2], { name: 'w' });
      const loss = tf.reduceSum(tf.square(w));
      const lr = tf.placeholderWithDefault(tf.constant(0.25), [], 'lr');
      const t = new tf.train.MomentumOptimizer(() => lr, 0, { name: 'M' }).minimize(loss, { gateGradients: tf.train.Optimizer.GATE_GRAPH });
      expect(g.getOperations().some((o) => o.name === 'M/learning_rate')).toBe(false);  // the Tensor itself is used
      sess.run(tf.globalVariablesInitializer());
      sess.run(t, [[lr, 0.5]]);
      expect(flat(sess.run(w))).toEqual([0]);  // 2 - 0.5 * 4
      sess.run(t);
      expect(flat(sess.run(w))).toEqual([0]);
      expect(catchError(() => new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { gateGradients: 3 })).message)
        .toBe('gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not 3');
    });
  });

  it('the classic TF1 softmax-regression snippet trains as in TF (tf.zeros variables, GradientDescent 0.5, 100 steps)', () => {
    withSession((sess, g) => {
      const x = tf.placeholder('float32', [null, 4]), y_ = tf.placeholder('float32', [null, 3]);
      const W = new tf.Variable(tf.zeros([4, 3])), b = new tf.Variable(tf.zeros([3]));
      expect(g.getOperations().slice(2, 6).map((o) => o.name)).toEqual(['zeros', 'Variable', 'Variable/Assign', 'Variable/read']);
      const y = tf.nn.softmax(tf.add(tf.matmul(x, W), b));
      const ce = tf.reduceMean(tf.negative(tf.reduceSum(tf.multiply(y_, tf.log(y)), [1])));
      const train = new tf.train.GradientDescentOptimizer(0.5).minimize(ce);
      sess.run(tf.globalVariablesInitializer());
      const feeds: [tf.Tensor, number[][]][] = [[x, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]], [y_, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]]];
      for (let i = 0; i < 100; i++) sess.run(train, feeds);
      // TF 2.21 (compat.v1): 0.03529782, W row 0 = [2.3797195, -1.3197409, -1.0599787].
      expect((sess.run(ce, feeds) as tf.NDArray).item()).toBeCloseTo(0.03529782, 5);
      flat(sess.run(W)).slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo([2.3797195, -1.3197409, -1.0599787][i], 5));
    });
  });

  it('tf.zeros / tf.ones: Const below 1000 elements, Fill above or for a Tensor shape', () => {
    withSession((sess, g) => {
      const a = tf.zeros([2, 3], 'int32'), o = tf.ones([1000], 'float64', { name: 'big' }), t = tf.ones(tf.constant(new Int32Array([2])));
      expect([a.op.type, a.op.name, a.dtype, a.shape]).toEqual(['Const', 'zeros', 'int32', [2, 3]]);
      expect([o.op.type, o.op.name, o.dtype, o.shape]).toEqual(['Fill', 'big', 'float64', [1000]]);
      expect(t.op.type).toBe('Fill');
      const [av, ov, tv] = sess.run([a, o, t]) as tf.NDArray[];
      expect(flat(av)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(flat(ov).every((v) => v === 1)).toBe(true);
      expect(flat(tv)).toEqual([1, 1]);
      expect(() => tf.zeros([2, -1])).toThrow(tf.errors.InvalidArgumentError);
      expect(g.getOperations().length).toBeGreaterThan(0);
    });
  });

  it('global step: int64 scalar global_step in GLOBAL_VARIABLES and GLOBAL_STEP, incremented once per applyGradients run', () => {
    withSession((sess) => {
      expect(tf.train.getGlobalStep()).toBeNull();
      const gs = tf.train.getOrCreateGlobalStep();
      expect([gs.op.name, gs.dtype, gs.shape, gs.trainable]).toEqual(['global_step', 'int64', [], false]);
      expect(tf.getCollection(tf.GraphKeys.GLOBAL_STEP)).toEqual([gs]);
      expect(tf.globalVariables()).toEqual([gs]);
      expect(tf.train.getOrCreateGlobalStep()).toBe(gs);
      expect(tf.train.getGlobalStep()).toBe(gs);
      expect(catchError(() => tf.train.createGlobalStep()).message).toBe('"global_step" already exists.');
      const w = new tf.Variable([1], { name: 'w' });
      const train = new tf.train.AdagradOptimizer(0.1).minimize(tf.reduceSum(w), { globalStep: gs });
      sess.run(tf.globalVariablesInitializer());
      for (let i = 0; i < 3; i++) sess.run(train);
      expect(sess.run(gs).item()).toBe(3n);
      // A float tensor named global_step is not a global step.
      const g2 = new tf.Graph();
      g2.asDefault(() => { tf.constant(1, 'float32', { name: 'global_step' }); });
      expect(() => tf.train.getGlobalStep(g2)).toThrow(TypeError);
    });
  });

  it('two sessions on one graph train independently', () => {
    withSession((s1, g) => {
      const w = new tf.Variable([1, -1], { name: 'w' });
      const train = new tf.train.AdamOptimizer(0.1).minimize(tf.reduceSum(tf.square(w)));
      const s2 = new tf.Session({ graph: g });
      try {
        s1.run(tf.globalVariablesInitializer());
        s2.run(tf.globalVariablesInitializer());
        for (let i = 0; i < 5; i++) s1.run(train);
        s2.run(train);
        const after1 = flat(s1.run(w)), after2 = flat(s2.run(w));
        after2.forEach((x) => expect(Math.abs(x)).toBeCloseTo(0.9, 6));  // one Adam step of lr 0.1
        expect(Math.abs(after1[0])).toBeLessThan(0.6);
        expect(flat(s2.run('beta1_power:0'))).toEqual([Math.fround(Math.fround(0.9) * Math.fround(0.9))]);
      } finally {
        s2.close();
      }
    });
  });

  it('concurrent runAsync training steps (with and without locking) keep values finite and shaped', async () => {
    const g = new tf.Graph();
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads: 4 } });
    try {
      const { trains, w } = g.asDefault(() => {
        const w = new tf.Variable(tf.constant(new Float32Array(50000).map((_, i) => Math.sin(i))), { name: 'w' });
        const loss = tf.reduceSum(tf.square(w));
        const trains = [new tf.train.AdamOptimizer(0.01), new tf.train.RMSPropOptimizer(0.01, { useLocking: true, momentum: 0.5 }),
          new tf.train.MomentumOptimizer(0.01, 0.9, { useLocking: true })].map((o) => o.minimize(loss));
        sess.run(tf.globalVariablesInitializer());
        return { trains, w };
      });
      await Promise.all(Array.from({ length: 24 }, (_, i) => sess.runAsync(trains[i % 3])));
      const v = sess.run(w) as tf.NDArray;
      expect(v.shape).toEqual([50000]);
      expect(flat(v).every(Number.isFinite)).toBe(true);
      expect(Math.abs(flat(v)[1])).toBeLessThan(Math.abs(Math.sin(1)));
    } finally {
      sess.close();
    }
  });
});
