// The plan-time remapper (native build_plan, TF's grappler remapper): MatMul / Conv2D /
// DepthwiseConv2dNative + BiasAdd + an activation run as one
// _FusedMatMul / _FusedConv2D step. Results equal the unfused plan (remapping OFF) bit for bit;
// the trace and partition graphs show the fused node; anything else that reads an absorbed
// tensor keeps the chain apart.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const OFF = { graphOptions: { rewriteOptions: { remapping: 'OFF' as const } } };
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * 0.71 + seed) * 2);
}
type Build = () => { feeds: [tf.Tensor, tf.NDArray][]; fetches: tf.Tensor[] };

/** Runs build's graph with and without remapping; returns both results and the fused run's metadata. */
function both(build: Build): { on: tf.NDArray[]; off: tf.NDArray[]; meta: tf.RunMetadata } {
  const g = new tf.Graph();
  const { feeds, fetches } = g.asDefault(build);
  const on = new tf.Session({ graph: g }), off = new tf.Session({ graph: g, config: OFF });
  const init = g.getOperations().some((o) => o.type === 'VariableV2');
  if (init) { const i = g.asDefault(() => tf.globalVariablesInitializer()); on.run(i); off.run(i); }
  const meta = new tf.RunMetadata();
  const r1 = on.run(fetches, feeds, { traceLevel: 'FULL_TRACE', outputPartitionGraphs: true }, meta) as tf.NDArray[];
  const r2 = off.run(fetches, feeds) as tf.NDArray[];
  on.close(); off.close();
  return { on: r1, off: r2, meta };
}
const types = (m: tf.RunMetadata) => m.partitionGraphs[0].node.map((n) => n.op);

describe('plan-time fusion', () => {
  const x = () => tf.placeholder('float32', [null, 5], 'x');
  const xv = tf.ndarray(values(15, 1), [3, 5], 'float32');
  const w = () => tf.constant(tf.ndarray(values(20, 2), [5, 4], 'float32'));
  const b = () => tf.constant([0.5, -1, 0.25, 2]);

  for (const act of ['relu', 'relu6', 'elu', 'leakyRelu', 'sigmoid', 'tanh', 'none'] as const) {
    it(`MatMul + BiasAdd + ${act} equals the unfused plan and shows as _FusedMatMul`, () => {
      let xp!: tf.Tensor;
      const { on, off, meta } = both(() => {
        xp = x();
        const z = tf.nn.biasAdd(tf.matmul(xp, w()), b());
        const y = act === 'none' ? z : act === 'leakyRelu' ? tf.nn.leakyRelu(z, { alpha: 0.3 }) : tf.nn[act](z);
        return { feeds: [[xp, xv]], fetches: [y] };
      });
      expect(Array.from(on[0].data as Float32Array)).toEqual(Array.from(off[0].data as Float32Array));
      expect(types(meta)).toContain('_FusedMatMul');
      expect(types(meta)).not.toContain('BiasAdd');
      const fused = meta.partitionGraphs[0].node.find((n) => n.op === '_FusedMatMul')!;
      const ops = (fused.attr.fused_ops.list!.s as Uint8Array[]).map((s) => new TextDecoder().decode(s));
      const tfName = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', leakyRelu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh', none: '' }[act];
      expect(ops).toEqual(act === 'none' ? ['BiasAdd'] : ['BiasAdd', tfName]);
      const labels = meta.stepStats.devStats[0].nodeStats.map((n) => n.timelineLabel);
      expect(labels.some((l) => / = _FusedMatMul\(/.test(l))).toBe(true);
    });
  }

  it('a BiasAdd tail that others read, and variables as operands (a training graph)', () => {
    const { on, off, meta } = both(() => {
      const xp = x();
      const wv = new tf.Variable(tf.ones([5, 4]), { name: 'w' }), bv = new tf.Variable(tf.zeros([4]), { name: 'b' });
      const z = tf.nn.biasAdd(tf.matmul(xp, wv), bv);
      const loss = tf.reduceSum(tf.square(z));
      const [gw, gb] = tf.gradients(loss, [wv, bv]) as tf.Tensor[];
      return { feeds: [[xp, xv]], fetches: [loss, gw, gb, tf.reduceMax(z)] };
    });
    on.forEach((v, i) => expect(Array.from(v.data as Float32Array)).toEqual(Array.from(off[i].data as Float32Array)));
    expect(types(meta)).toContain('_FusedMatMul');
  });

  it('fetching the MatMul keeps it apart; an Add of a channel vector is not fused (as TF)', () => {
    const r = both(() => {
      const xp = x();
      const m = tf.matmul(xp, w());
      return { feeds: [[xp, xv]], fetches: [m, tf.nn.relu(tf.nn.biasAdd(m, b()))] };
    });
    expect(types(r.meta)).not.toContain('_FusedMatMul');
    expect(Array.from(r.on[1].data as Float32Array)).toEqual(Array.from(r.off[1].data as Float32Array));
    const a = both(() => {
      const xp = x();
      return { feeds: [[xp, xv]], fetches: [tf.nn.relu(tf.add(tf.matmul(xp, w()), b()))] };
    });
    expect(types(a.meta)).not.toContain('_FusedMatMul');
    expect(Array.from(a.on[0].data as Float32Array)).toEqual(Array.from(a.off[0].data as Float32Array));
  });

  it('Conv2D and DepthwiseConv2dNative (+ bias + relu) as _FusedConv2D / _FusedDepthwiseConv2dNative', () => {
    const img = tf.ndarray(values(2 * 7 * 7 * 3, 3), [2, 7, 7, 3], 'float32');
    for (const depthwise of [false, true]) {
      const { on, off, meta } = both(() => {
        const xp = tf.placeholder('float32', [null, 7, 7, 3]);
        const f = tf.constant(tf.ndarray(values(3 * 3 * 3 * 4, 4), [3, 3, 3, 4], 'float32'));
        const conv = depthwise ? tf.nn.depthwiseConv2d(xp, tf.constant(tf.ndarray(values(3 * 3 * 3 * 2, 5), [3, 3, 3, 2], 'float32')), [1, 1, 1, 1], 'SAME')
          : tf.nn.conv2d(xp, f, 1, 'SAME');
        const bias = tf.constant(values(depthwise ? 6 : 4, 6));
        return { feeds: [[xp, img]], fetches: [tf.nn.relu(tf.nn.biasAdd(conv, bias))] };
      });
      expect(Array.from(on[0].data as Float32Array)).toEqual(Array.from(off[0].data as Float32Array));
      expect(types(meta)).toContain(depthwise ? '_FusedDepthwiseConv2dNative' : '_FusedConv2D');
    }
  });

  it('a bias of the wrong length fails with BiasAdd\'s error, naming the fused node', () => {
    const g = new tf.Graph();
    const [xp, y, bp] = g.asDefault(() => {
      const xp = x(), bp = tf.placeholder('float32', [null]);
      return [xp, tf.nn.relu(tf.nn.biasAdd(tf.matmul(xp, w()), bp)), bp];
    });
    const sess = new tf.Session({ graph: g });
    expect(() => sess.run(y, [[xp, xv], [bp, [1, 2, 3]]])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(y, [[xp, xv], [bp, [1, 2, 3]]])).toThrow(/Must provide as many biases as the last dimension/);
    sess.close();
  });

  it('rejects an unknown remapping toggle', () => {
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOptions: { remapping: 'MAYBE' as 'ON' } } } })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOption: {} } as object } })).toThrow(TypeError);
  });
});
