// Plan-time rewrites: constant folding (native fold_constants / fold_scale_into_filter, TF's grappler
// constant folding with MulConvPushDown), the remapper's Add of a constant channel vector after a
// convolution (TF's oneDNN remapper; frozen Keras batch norm), an inference FusedBatchNormV3
// folded into the convolution before it (TF's FoldBatchNorms) and a Pad folded into a VALID
// convolution's EXPLICIT padding: results equal the plan without rewrites (rewriteOptions
// constantFolding / remapping 'OFF') to rounding; the partition graphs and the trace show the
// folded Consts (with their values) and the rewritten steps; stateful ops, fetched nodes,
// non-constant operands and oversized values are left alone.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { tensorToArray } from '../../lib/graphdef/tensor';

const NO_FOLD = { graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const } } };
const NONE = { graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const, remapping: 'OFF' as const } } };
const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.71 + seed) * 2);
const f32 = (a: tf.NDArray) => Array.from(a.data as Float32Array);
type Built = { feeds: [tf.Tensor, tf.NDArray][]; fetches: tf.Tensor[] };

/** Runs the graph with the default rewrites and with `config`; the default run's metadata. */
function compare(build: () => Built, config: tf.SessionConfig = NONE) {
  const g = new tf.Graph();
  const { feeds, fetches } = g.asDefault(build);
  const on = new tf.Session({ graph: g }), off = new tf.Session({ graph: g, config });
  const meta = new tf.RunMetadata(), offMeta = new tf.RunMetadata();
  const opts = { traceLevel: 'FULL_TRACE' as const, outputPartitionGraphs: true };
  const a = on.run(fetches, feeds, opts, meta) as tf.NDArray[];
  const a2 = on.run(fetches, feeds) as tf.NDArray[];  // the cached plan
  const b = off.run(fetches, feeds, opts, offMeta) as tf.NDArray[];
  on.close(); off.close();
  return { on: a, again: a2, off: b, meta, offMeta, graph: g };
}
const nodes = (m: tf.RunMetadata) => m.partitionGraphs[0].node;
const node = (m: tf.RunMetadata, name: string) => nodes(m).find((n) => n.name === name);
const labels = (m: tf.RunMetadata) => m.stepStats.devStats[0].nodeStats.map((n) => n.timelineLabel);
const constValue = (m: tf.RunMetadata, name: string) => {
  const t = node(m, name)!.attr.value.tensor!;
  return { shape: (t.tensorShape?.dim ?? []).map((d) => Number(d.size)), data: Array.from(tensorToArray(t).data as Float32Array) };
};

function expectClose(got: number[], want: number[], rtol = 1e-5) {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(rtol * scale));
}

describe('constant folding', () => {
  it('computes a constant subgraph once per plan and runs it as a Const under its own name', () => {
    const c = [0.5, 2, 4.5];
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 3], 'x');
      const k = tf.rsqrt(tf.add(tf.identity(tf.constant(c, 'float32', [3], 'var'), 'read'), tf.constant(0.5, 'float32', [], 'eps'), 'add'), 'rs');
      const y = tf.multiply(x, k, 'y');
      return { feeds: [[x, tf.ndarray(values(6, 1), [2, 3], 'float32')]], fetches: [y] };
    });
    expect(f32(r.on[0])).toEqual(f32(r.off[0]));
    expect(f32(r.again[0])).toEqual(f32(r.off[0]));
    // rs = 1/sqrt(c + 0.5), folded; what only it read is pruned
    expect(node(r.meta, 'rs')!.op).toBe('Const');
    expect(node(r.meta, 'rs')!.input).toEqual([]);
    const v = constValue(r.meta, 'rs');
    expect(v.shape).toEqual([3]);
    expectClose(v.data, c.map((t) => 1 / Math.sqrt(t + 0.5)), 1e-6);
    for (const gone of ['var', 'read', 'eps', 'add']) expect(node(r.meta, gone)).toBeUndefined();
    expect(node(r.meta, 'y')!.op).toBe('Mul');
    expect(labels(r.meta)).toContain('rs = Const()');
    expect(node(r.offMeta, 'rs')!.op).toBe('Rsqrt');
    expect(nodes(r.offMeta).map((n) => n.name)).toEqual(expect.arrayContaining(['var', 'read', 'eps', 'add']));
  });

  it('leaves fetched nodes, stateful ops and variables alone; drops control edges from constants', () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => {
      const sum = tf.add(tf.constant(1, 'float32'), tf.constant(2, 'float32'), 'sum');
      const rnd = tf.add(tf.randomUniform([4], { seed: 3 }), tf.constant(1, 'float32'), 'rnd');
      const v = new tf.Variable(tf.constant([1, 2, 3, 4], 'float32'), { name: 'v' });
      const twice = tf.multiply(v, tf.constant(2, 'float32'), 'twice');
      const quiet = tf.identity(tf.constant(5, 'float32'), 'quiet');
      const out = tf.controlDependencies([quiet.op], () => tf.identity(twice, 'out'));
      return { sum, rnd, v, out, init: tf.globalVariablesInitializer() };
    });
    const sess = new tf.Session({ graph: g });
    sess.run(t.init);
    const meta = new tf.RunMetadata();
    const [s1, r1, o1] = sess.run([t.sum, t.rnd, t.out], null, { outputPartitionGraphs: true }, meta) as tf.NDArray[];
    expect(f32(s1)).toEqual([3]);
    expect(node(meta, 'sum')!.op).toBe('Add');            // fetched: runs as itself
    expect(node(meta, 'rnd')!.op).toBe('Add');            // reads a random op
    expect(node(meta, 'twice')!.op).toBe('Mul');          // reads a variable
    expect(f32(o1)).toEqual([2, 4, 6, 8]);
    // the folded identity ran as a Const: the control edge on it is gone with it
    expect(node(meta, 'quiet')).toBeUndefined();
    expect(node(meta, 'out')!.input).toEqual(['twice']);
    const [r2, o2] = sess.run([t.rnd, t.out]) as tf.NDArray[];
    expect(f32(r2)).not.toEqual(f32(r1));                  // drawn anew each run
    expect(f32(o2)).toEqual([2, 4, 6, 8]);
    sess.close();
  });

  it('leaves a node whose kernel fails (the run fails naming it) or whose value passes 10 MiB', () => {
    const g = new tf.Graph();
    const [bad, big] = g.asDefault(() => [
      tf.nn.relu(tf.gather(tf.constant([1, 2, 3], 'float32'), tf.constant([5], 'int32'), { name: 'gathered' })),
      tf.reduceSum(tf.fill([3 << 20], tf.constant(1, 'float32'), { name: 'filled' })),  // 12 MiB of float32
    ]);
    const sess = new tf.Session({ graph: g });
    let err: unknown;
    try { sess.run(bad); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect((err as tf.errors.OpError).op?.name).toBe('gathered');
    expect(String(err)).toMatch(/indices\[0\] = 5 is not in \[0, 3\)/);
    const meta = new tf.RunMetadata();
    expect(Array.from((sess.run(big, null, { outputPartitionGraphs: true }, meta) as tf.NDArray).data as Float32Array)).toEqual([3 << 20]);
    expect(node(meta, 'filled')!.op).toBe('Fill');
    sess.close();
  });

  it("rejects an unknown toggle; 'OFF' runs every node", () => {
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOptions: { constantFolding: 'SOMETIMES' as 'ON' } } } }))
      .toThrow(tf.errors.InvalidArgumentError);
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOptions: { constantFolding: 'SOMETIMES' as 'ON' } } } }))
      .toThrow(/Invalid constantFolding SOMETIMES/);
    for (const t of ['DEFAULT', 'ON', 'AGGRESSIVE', 'OFF'] as const) new tf.Session({ config: { graphOptions: { rewriteOptions: { constantFolding: t } } } }).close();
  });
});

describe('a per-channel Mul and Add after a convolution (frozen batch norm)', () => {
  const img = tf.ndarray(values(2 * 6 * 6 * 3, 3), [2, 6, 6, 3], 'float32');
  /** conv → Mul(scale) → AddV2(shift) → Relu6, the scale and shift computed from constants like Keras' batch norm. */
  function bn(depthwise: boolean, scaleShape?: number[]) {
    const cout = depthwise ? 6 : 4;
    const w = values(depthwise ? 3 * 3 * 3 * 2 : 3 * 3 * 3 * 4, 5), s = values(cout, 7).map((v) => 0.5 + Math.abs(v)), b = values(cout, 9);
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 6, 6, 3], 'x');
      const f = tf.identity(tf.constant(w, 'float32', depthwise ? [3, 3, 3, 2] : [3, 3, 3, 4], 'w'), 'w_read');
      const conv = depthwise ? tf.nn.depthwiseConv2d(x, f, [1, 1, 1, 1], 'SAME', { name: 'conv' }) : tf.nn.conv2d(x, f, 1, 'SAME', { name: 'conv' });
      const scale = tf.multiply(tf.constant(s, 'float32', [cout], 'gamma'), tf.rsqrt(tf.constant(1, 'float32', [], 'var')), 'scale');
      const m = tf.multiply(conv, scaleShape ? tf.reshape(scale, scaleShape) : scale, 'mul');
      const y = tf.nn.relu6(tf.add(m, tf.subtract(tf.constant(b, 'float32', [cout], 'beta'), tf.constant(0, 'float32'), 'shift'), 'add'), 'act');
      return { feeds: [[x, img]], fetches: [y] };
    });
    return { r, w, s, b, cout };
  }

  for (const depthwise of [false, true]) {
    it(`${depthwise ? 'DepthwiseConv2dNative' : 'Conv2D'}: the scale goes into the filter, the shift and Relu6 into one fused step`, () => {
      const { r, w, s, b, cout } = bn(depthwise);
      expectClose(f32(r.on[0]), f32(r.off[0]));
      const types = nodes(r.meta).map((n) => n.op);
      expect(types).not.toContain('Mul');
      expect(types).not.toContain('Add');
      const fused = node(r.meta, 'act')!;
      expect(fused.op).toBe(depthwise ? '_FusedDepthwiseConv2dNative' : '_FusedConv2D');
      expect(fused.input).toEqual(['_arg_x_0_0', 'w_read', 'shift']);  // the fed x is an _Arg
      const ops = (fused.attr.fused_ops.list!.s as Uint8Array[]).map((x) => new TextDecoder().decode(x));
      expect(ops).toEqual(['BiasAdd', 'Relu6']);
      // the filter node holds w · s per output channel (depthwise: channel c·M + m)
      const filt = constValue(r.meta, 'w_read');
      expectClose(filt.data, w.map((v, i) => v * s[i % cout]), 1e-6);
      expectClose(constValue(r.meta, 'shift').data, b, 1e-7);
      expect(labels(r.meta).some((l) => l.startsWith(`act = ${fused.op}(x, w_read, shift)`))).toBe(true);
    });
  }

  it('without remapping the Mul runs as the convolution under its name; without folding nothing changes', () => {
    const { r } = bn(false, [1, 1, 1, 4]);
    expectClose(f32(r.on[0]), f32(r.off[0]));
    expect(node(r.meta, 'act')!.op).toBe('_FusedConv2D');
    const g = r.graph;
    const fetch = g.getOperationByName('act').outputs[0];
    const x = g.getOperationByName('x').outputs[0];
    const sess = new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions: { remapping: 'OFF' } } } });
    const meta = new tf.RunMetadata();
    const y = sess.run(fetch, [[x, img]], { outputPartitionGraphs: true, traceLevel: 'FULL_TRACE' }, meta) as tf.NDArray;
    sess.close();
    expectClose(f32(y), f32(r.off[0]));
    expect(node(meta, 'mul')!.op).toBe('Conv2D');
    expect(node(meta, 'mul')!.input).toEqual(['_arg_x_0_0', 'w_read']);
    expect(node(meta, 'conv')).toBeUndefined();
    expect(labels(meta)).toContain('mul = Conv2D(x, w_read)');
    expect(node(meta, 'add')!.op).toBe('Add');
    expect(node(r.offMeta, 'mul')!.op).toBe('Mul');
    expect(node(r.offMeta, 'conv')!.op).toBe('Conv2D');
  });

  it('the control inputs of a folded Mul or Pad still run', () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => {
      const counter = new tf.Variable(tf.constant(0, 'float32'), { name: 'counter' });
      const x = tf.placeholder('float32', [null, 6, 6, 3], 'x');
      const bump = tf.assignAdd(counter, tf.constant(1, 'float32'), { name: 'bump' });
      const bump2 = tf.assignAdd(counter, tf.constant(10, 'float32'), { name: 'bump2' });
      const sizes = tf.constant([[0, 0], [1, 1], [1, 1], [0, 0]], 'int32'), scale = tf.constant([2, 3], 'float32');
      const p = tf.controlDependencies([bump2.op], () => tf.pad(x, sizes, { name: 'pad' }));
      const conv = tf.nn.conv2d(p, tf.constant(values(3 * 3 * 3 * 2, 1), 'float32', [3, 3, 3, 2]), 1, 'VALID', { name: 'conv' });
      const y = tf.controlDependencies([bump.op], () => tf.multiply(conv, scale, 'mul'));
      return { x, y, counter, init: tf.globalVariablesInitializer() };
    });
    const sess = new tf.Session({ graph: g });
    sess.run(t.init);
    const meta = new tf.RunMetadata();
    sess.run(t.y, [[t.x, img]], { outputPartitionGraphs: true }, meta);
    expect(node(meta, 'mul')!.op).toBe('Conv2D');
    expect(node(meta, 'pad')).toBeUndefined();
    expect(node(meta, 'mul')!.input).toEqual(expect.arrayContaining(['^bump', '^bump2']));
    expect((sess.run(t.counter) as tf.NDArray).item()).toBe(11);
    sess.close();
  });

  it('leaves a Mul of a non-constant or not per-channel operand, and a conv others read', () => {
    const w = values(3 * 3 * 3 * 4, 5);
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 6, 6, 3], 'x');
      const sp = tf.placeholder('float32', [4], 'sp');
      const f = tf.constant(w, 'float32', [3, 3, 3, 4], 'w');
      const a = tf.multiply(tf.nn.conv2d(x, f, 1, 'SAME', { name: 'c1' }), sp, 'by_placeholder');
      const b = tf.multiply(tf.nn.conv2d(x, f, 1, 'SAME', { name: 'c2' }), tf.constant(values(6 * 6 * 4, 1), 'float32', [6, 6, 4]), 'by_map');
      const c3 = tf.nn.conv2d(x, tf.constant(w, 'float32', [3, 3, 3, 4], 'w3'), 1, 'SAME', { name: 'c3' });
      const c = tf.multiply(c3, tf.constant([1, 2, 3, 4], 'float32'), 'shared');
      const rest = tf.add(tf.nn.relu(c3), tf.constant([1, 2, 3, 4], 'float32'), 'plus');  // c3 read twice
      return { feeds: [[x, img], [sp, tf.ndarray([1, 2, 3, 4], [4], 'float32')]], fetches: [a, b, c, rest] };
    });
    r.on.forEach((v, i) => expectClose(f32(v), f32(r.off[i])));
    for (const n of ['by_placeholder', 'by_map', 'shared']) expect(node(r.meta, n)!.op).toBe('Mul');
    for (const n of ['c1', 'c2', 'c3']) expect(node(r.meta, n)!.op).toBe('Conv2D');
    expect(node(r.meta, 'plus')!.op).toBe('Add');  // an Add after a Relu, not a conv: not a bias
  });
});

describe('an inference FusedBatchNormV3 after a convolution (frozen TF1 graphs)', () => {
  const img = tf.ndarray(values(2 * 6 * 6 * 3, 3), [2, 6, 6, 3], 'float32');
  const EPS = 0.001;
  /** conv [→ BiasAdd(b)] → FusedBatchNormV3(gamma, beta, mean, var; inference) [→ Relu]; the params as Consts. */
  function bnGraph(o: { depthwise?: boolean; biasAdd?: boolean; relu?: boolean; training?: boolean; fetchMean?: boolean; fedMean?: boolean }) {
    const cout = o.depthwise ? 6 : 4;
    const w = values(o.depthwise ? 3 * 3 * 3 * 2 : 3 * 3 * 3 * 4, 5), b = values(cout, 1);
    const gamma = values(cout, 7), beta = values(cout, 9), mean = values(cout, 11), variance = values(cout, 13).map((v) => 0.2 + Math.abs(v));
    const feeds: [tf.Tensor, tf.NDArray][] = [];
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 6, 6, 3], 'x');
      feeds.push([x, img]);
      const f = tf.constant(w, 'float32', o.depthwise ? [3, 3, 3, 2] : [3, 3, 3, 4], 'w');
      let h = o.depthwise ? tf.nn.depthwiseConv2d(x, f, [1, 1, 1, 1], 'SAME', { name: 'conv' }) : tf.nn.conv2d(x, f, 1, 'SAME', { name: 'conv' });
      if (o.biasAdd) h = tf.nn.biasAdd(h, tf.constant(b, 'float32', [cout], 'b'), { name: 'bias' });
      let m: tf.Tensor = tf.constant(mean, 'float32', [cout], 'mean');
      if (o.fedMean) { m = tf.placeholder('float32', [cout], 'mean_in'); feeds.push([m, tf.ndarray(mean, [cout], 'float32')]); }
      const [y, bm] = tf.nn.fusedBatchNorm(h, tf.constant(gamma, 'float32', [cout], 'gamma'), tf.constant(beta, 'float32', [cout], 'beta'),
        m, tf.constant(variance, 'float32', [cout], 'var'), { isTraining: !!o.training, epsilon: EPS, name: 'bn' });
      const out = o.relu ? tf.nn.relu(y, 'act') : y;
      return { feeds, fetches: o.fetchMean ? [out, bm] : [out] };
    });
    const fac = gamma.map((g, c) => Math.fround(Math.fround(1 / Math.fround(Math.sqrt(Math.fround(variance[c] + EPS)))) * g));
    const shift = beta.map((be, c) => ((o.biasAdd ? b[c] : 0) - mean[c]) * fac[c] + be);
    return { r, w, fac, shift, cout };
  }

  for (const depthwise of [false, true]) {
    it(`${depthwise ? 'DepthwiseConv2dNative' : 'Conv2D'} → batch norm → Relu: the scale goes into the filter, the shift and Relu into one fused step`, () => {
      const { r, w, fac, shift, cout } = bnGraph({ depthwise, relu: true });
      expectClose(f32(r.on[0]), f32(r.off[0]));
      expectClose(f32(r.again[0]), f32(r.off[0]));
      const types = nodes(r.meta).map((n) => n.op);
      expect(types).not.toContain('FusedBatchNormV3');
      const fused = node(r.meta, 'act')!;
      expect(fused.op).toBe(depthwise ? '_FusedDepthwiseConv2dNative' : '_FusedConv2D');
      expect(fused.input).toEqual(['_arg_x_0_0', 'w', 'beta']);
      const ops = (fused.attr.fused_ops.list!.s as Uint8Array[]).map((x) => new TextDecoder().decode(x));
      expect(ops).toEqual(['BiasAdd', 'Relu']);
      expectClose(constValue(r.meta, 'w').data, w.map((v, i) => v * fac[i % cout]), 1e-6);
      expectClose(constValue(r.meta, 'beta').data, shift, 1e-6);
      for (const gone of ['gamma', 'mean', 'var', 'conv', 'bn']) expect(node(r.meta, gone)).toBeUndefined();
      expect(labels(r.meta).some((l) => l.startsWith(`act = ${fused.op}(x, w, beta)`))).toBe(true);
    });
  }

  it('through a BiasAdd, the batch norm fetched itself; without remapping it runs as BiasAdd(conv, shift) under its name', () => {
    const { r, shift } = bnGraph({ biasAdd: true });
    expectClose(f32(r.on[0]), f32(r.off[0]));
    expect(node(r.meta, 'bn')!.op).toBe('_FusedConv2D');
    expect(node(r.meta, 'bias')).toBeUndefined();
    expectClose(constValue(r.meta, 'beta').data, shift, 1e-6);
    const g = r.graph;
    const x = g.getOperationByName('x').outputs[0], y = g.getOperationByName('bn').outputs[0];
    const sess = new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions: { remapping: 'OFF' } } } });
    const meta = new tf.RunMetadata();
    const out = sess.run(y, [[x, img]], { outputPartitionGraphs: true, traceLevel: 'FULL_TRACE' }, meta) as tf.NDArray;
    sess.close();
    expectClose(f32(out), f32(r.off[0]));
    expect(node(meta, 'bn')!.op).toBe('BiasAdd');
    expect(node(meta, 'bn')!.input).toEqual(['conv', 'beta']);
    expect(node(meta, 'conv')!.op).toBe('Conv2D');
    expect(labels(meta)).toContain('bn = BiasAdd(conv, beta)');
  });

  it('leaves training, a read batch statistic and a fed parameter alone', () => {
    for (const o of [{ training: true }, { fetchMean: true }, { fedMean: true }]) {
      const { r } = bnGraph({ ...o, relu: true });
      r.on.forEach((v, i) => expectClose(f32(v), f32(r.off[i])));
      expect(node(r.meta, 'bn')!.op).toBe('FusedBatchNormV3');
      expect(node(r.meta, 'conv')!.op).toBe('Conv2D');
    }
  });
});

describe('a Pad before a VALID convolution', () => {
  const img = tf.ndarray(values(2 * 7 * 7 * 5, 4), [2, 7, 7, 5], 'float32');
  const dec = (m: tf.RunMetadata, name: string) => new TextDecoder().decode(node(m, name)!.attr.padding.s as Uint8Array);

  it('becomes the conv\'s EXPLICIT padding (Conv2D and DepthwiseConv2dNative, fused or not)', () => {
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 7, 7, 5], 'x');
      const p = tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], { name: 'pad' });
      const q = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], { name: 'pad2' });
      const dw = tf.nn.depthwiseConv2d(p, tf.constant(values(3 * 3 * 5, 1), 'float32', [3, 3, 5, 1]), [1, 2, 2, 1], 'VALID', { name: 'dw' });
      const conv = tf.nn.relu6(tf.nn.biasAdd(tf.nn.conv2d(q, tf.constant(values(3 * 3 * 5 * 4, 2), 'float32', [3, 3, 5, 4]), 1, 'VALID', { name: 'conv' }),
        tf.constant([1, -1, 0.5, 0], 'float32')), 'act');
      return { feeds: [[x, img]], fetches: [dw, conv] };
    });
    r.on.forEach((v, i) => expectClose(f32(v), f32(r.off[i])));
    expect(node(r.meta, 'pad')).toBeUndefined();
    expect(node(r.meta, 'pad2')).toBeUndefined();
    expect(node(r.meta, 'dw')!.input[0]).toBe('_arg_x_0_0');
    expect(dec(r.meta, 'dw')).toBe('EXPLICIT');
    expect(node(r.meta, 'dw')!.attr.explicit_paddings.list!.i).toEqual([0, 0, 1, 2, 0, 1, 0, 0]);
    const fused = node(r.meta, 'act')!;
    expect(fused.op).toBe('_FusedConv2D');
    expect(fused.input[0]).toBe('_arg_x_0_0');
    expect(fused.attr.explicit_paddings.list!.i).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
    expect(labels(r.meta).some((l) => l.startsWith('dw = DepthwiseConv2dNative(x, '))).toBe(true);
    expect(node(r.offMeta, 'pad')!.op).toBe('Pad');
    expect(dec(r.offMeta, 'dw')).toBe('VALID');
  });

  it('is left alone with channel padding, another reader of the Pad, or SAME padding', () => {
    const r = compare(() => {
      const x = tf.placeholder('float32', [null, 7, 7, 5], 'x');
      const f = tf.constant(values(3 * 3 * 6, 1), 'float32', [3, 3, 6, 1]);
      const a = tf.nn.depthwiseConv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 1]], { name: 'padc' }), f, [1, 1, 1, 1], 'VALID', { name: 'a' });
      const p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], { name: 'shared' });
      const g5 = tf.constant(values(3 * 3 * 5, 1), 'float32', [3, 3, 5, 1]);
      const b = tf.nn.depthwiseConv2d(p, g5, [1, 1, 1, 1], 'VALID', { name: 'b' });
      const c = tf.reduceSum(p, undefined, { name: 'sum' });
      const d = tf.nn.depthwiseConv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], { name: 'pads' }), g5, [1, 1, 1, 1], 'SAME', { name: 'd' });
      return { feeds: [[x, img]], fetches: [a, b, c, d] };
    });
    r.on.forEach((v, i) => expectClose(f32(v), f32(r.off[i])));
    for (const n of ['padc', 'shared', 'pads']) expect(node(r.meta, n)!.op).toBe('Pad');
    for (const n of ['a', 'b']) expect(dec(r.meta, n)).toBe('VALID');
    expect(dec(r.meta, 'd')).toBe('SAME');
  });
});
