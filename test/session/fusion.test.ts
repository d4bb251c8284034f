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

  // Keras' Dense on a rank-3 input (Tensordot: Reshape -> MatMul -> Reshape -> BiasAdd) with the
  // exact GELU as Keras writes it: (0.5·z)·erfc((−z)·(1/√2)).
  const SQRT1_2 = 0.7071067811865476;
  function denseGelu(xp: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, outShape: tf.Tensor | number[], gelu = true, swap = false): tf.Tensor[] {
    const dt = xp.dtype;
    const z = tf.nn.biasAdd(tf.reshape(tf.matmul(tf.reshape(xp, [-1, 5]), w), outShape), bias);
    if (!gelu) return [z];
    const half = tf.multiply(tf.constant(0.5, dt), z), e = tf.erfc(tf.multiply(tf.negative(z), tf.constant(SQRT1_2, dt)));
    return [swap ? tf.multiply(e, half) : tf.multiply(half, e), e];
  }
  // erfc to ~1e-7 absolute (Abramowitz & Stegun 7.1.26), for an independent check.
  const erfc = (v: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(v));
    const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-v * v);
    return v >= 0 ? y : 2 - y;
  };
  const fusedOps = (m: tf.RunMetadata) => {
    const f = m.partitionGraphs[0].node.find((n) => n.op === '_FusedMatMul');
    return f && (f.attr.fused_ops.list!.s as Uint8Array[]).map((s) => new TextDecoder().decode(s));
  };

  // Conv2D + BiasAdd + the exact GELU, on each f32 conv path (conv_small's few channels, narrow
  // and wide, the packed direct path, im2col GEMM, Winograd): one _FusedConv2D equal to the
  // unfused plan.
  for (const [cin, cout, k] of [[3, 8, 3], [3, 32, 3], [6, 32, 2], [40, 24, 5], [16, 32, 3]]) {
    it(`Conv2D ${k}x${k} ${cin}->${cout} -> BiasAdd -> exact GELU runs as one _FusedConv2D`, () => {
      const xv4 = tf.ndarray(values(2 * 9 * 9 * cin, 3), [2, 9, 9, cin], 'float32');
      const { on, off, meta } = both(() => {
        const xp = tf.placeholder('float32', [null, 9, 9, cin]);
        const z = tf.nn.biasAdd(tf.nn.conv2d(xp, tf.constant(values(k * k * cin * cout, 1).map((v) => v / 8), 'float32', [k, k, cin, cout]), 1, 'SAME'),
          tf.constant(values(cout, 2), 'float32', [cout]));
        const y = tf.multiply(tf.multiply(tf.constant(0.5, 'float32'), z), tf.erfc(tf.multiply(tf.negative(z), tf.constant(SQRT1_2, 'float32'))));
        return { feeds: [[xp, xv4]], fetches: [y] };
      });
      expect(Array.from(on[0].data as Float32Array)).toEqual(Array.from(off[0].data as Float32Array));
      const f = meta.partitionGraphs[0].node.find((n) => n.op === '_FusedConv2D')!;
      expect((f.attr.fused_ops.list!.s as Uint8Array[]).map((x) => new TextDecoder().decode(x))).toEqual(['BiasAdd', 'GeluExact']);
      expect(types(meta)).not.toContain('Erfc');
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`Tensordot's MatMul -> Reshape -> BiasAdd -> exact GELU (${dtype}) runs as one _FusedMatMul, equal to the unfused plan`, () => {
      const xv3 = tf.ndarray(values(2 * 3 * 5, 7), [2, 3, 5], dtype);
      const wv = values(20, 2), bv = [0.5, -1, 0.25, 2];
      for (const swap of [false, true]) {
        const { on, off, meta } = both(() => {
          const xp = tf.placeholder(dtype, [null, 3, 5]);
          const y = denseGelu(xp, tf.constant(tf.ndarray(wv, [5, 4], dtype)), tf.constant(tf.ndarray(bv, [4], dtype)),
            tf.concat([tf.slice(tf.shape(xp), [0], [2]), tf.constant([4], 'int32')], 0), true, swap)[0];
          return { feeds: [[xp, xv3]], fetches: [y] };
        });
        expect(on[0].shape).toEqual([2, 3, 4]);
        expect(Array.from(on[0].data as Float32Array)).toEqual(Array.from(off[0].data as Float32Array));
        expect(fusedOps(meta)).toEqual(['Reshape', 'BiasAdd', 'GeluExact']);
        expect(types(meta)).not.toContain('Erfc');
        expect(types(meta)).not.toContain('BiasAdd');
        const xd = Array.from(xv3.data as Float32Array);
        for (let r = 0; r < 6; r++) {
          for (let j = 0; j < 4; j++) {
            let z = bv[j];
            for (let p = 0; p < 5; p++) z += xd[r * 5 + p] * wv[p * 4 + j];
            expect((on[0].data as Float32Array)[r * 4 + j]).toBeCloseTo(0.5 * z * erfc(-z * SQRT1_2), 5);
          }
        }
      }
    });
  }

  it('an absorbed Reshape that changes the last dim, a GELU intermediate read elsewhere, Reshape and BiasAdd errors', () => {
    const xv3 = tf.ndarray(values(2 * 3 * 5, 8), [2, 3, 5], 'float32');
    const w = () => tf.constant(tf.ndarray(values(20, 3), [5, 4], 'float32'));
    // [6, 4] -> [2, 12]: the bias goes along the new last dim.
    const r = both(() => {
      const xp = tf.placeholder('float32', [2, 3, 5]);
      return { feeds: [[xp, xv3]], fetches: denseGelu(xp, w(), tf.constant(values(12, 4)), [2, 12], false) };
    });
    expect(r.on[0].shape).toEqual([2, 12]);
    expect(Array.from(r.on[0].data as Float32Array)).toEqual(Array.from(r.off[0].data as Float32Array));
    expect(fusedOps(r.meta)).toEqual(['Reshape', 'BiasAdd']);
    // The Erfc fetched too: the GELU stays apart, the bias is still fused.
    const e = both(() => {
      const xp = tf.placeholder('float32', [2, 3, 5]);
      return { feeds: [[xp, xv3]], fetches: denseGelu(xp, w(), tf.constant([1, 2, 3, 4]), [2, 3, 4]) };
    });
    e.on.forEach((v, i) => expect(Array.from(v.data as Float32Array)).toEqual(Array.from(e.off[i].data as Float32Array)));
    expect(fusedOps(e.meta)).toEqual(['Reshape', 'BiasAdd']);
    expect(types(e.meta)).toContain('Erfc');
    // Errors of the absorbed nodes, from the fused step.
    const g = new tf.Graph();
    const [xp, sp, bp, y] = g.asDefault(() => {
      const xp = tf.placeholder('float32', [2, 3, 5]), sp = tf.placeholder('int32', [null]), bp = tf.placeholder('float32', [null]);
      return [xp, sp, bp, denseGelu(xp, w(), bp, sp)[0]];
    });
    const sess = new tf.Session({ graph: g });
    const run = (shape: number[], bias: number[]) => () => sess.run(y, [[xp, xv3], [sp, tf.ndarray(Int32Array.from(shape), [shape.length])], [bp, bias]]);
    expect(run([2, 3, 4], [1, 2, 3, 4])).not.toThrow();
    expect(run([5, -1], [1, 2, 3, 4])).toThrow(tf.errors.InvalidArgumentError);
    expect(run([5, -1], [1, 2, 3, 4])).toThrow(/Input to reshape is a tensor with 24 values, but the requested shape requires a multiple of 5/);
    expect(run([2, 5, 4], [1, 2, 3, 4])).toThrow(/Input to reshape is a tensor with 24 values, but the requested shape has 40/);
    expect(run([24], Array(24).fill(1))).toThrow(/Input tensor must be at least 2D: \[24\]/);
    expect(run([2, 3, 4], [1, 2, 3])).toThrow(/Must provide as many biases as the last dimension/);
    sess.close();
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`BatchMatMulV2 of a matrix (Keras EinsumDense) + Reshape + Add of a trailing-dims constant, or + BiasAdd + Relu (${dtype})`, () => {
      const xv3 = tf.ndarray(values(2 * 3 * 5, 9), [2, 3, 5], dtype);
      const wv = values(40, 5), bv = values(8, 6);
      const w8 = () => tf.constant(tf.ndarray(wv, [5, 8], dtype));
      const { on, off, meta } = both(() => {
        const xp = tf.placeholder(dtype, [null, 3, 5]);
        const bmm = tf.batchMatMul(xp, w8());
        const heads = tf.add(tf.reshape(bmm, [-1, 3, 2, 4]), tf.constant(tf.ndarray(bv, [2, 4], dtype)));
        const dense = tf.nn.relu(tf.nn.biasAdd(tf.batchMatMul(xp, w8()), tf.constant(tf.ndarray(bv, [8], dtype))));
        return { feeds: [[xp, xv3]], fetches: [heads, dense] };
      });
      on.forEach((v, i) => expect(Array.from(v.data as Float32Array)).toEqual(Array.from(off[i].data as Float32Array)));
      expect(on[0].shape).toEqual([2, 3, 2, 4]);
      expect(on[1].shape).toEqual([2, 3, 8]);
      const fused = meta.partitionGraphs[0].node.filter((n) => n.op === '_FusedBatchMatMulV2');
      expect(fused.map((n) => (n.attr.fused_ops.list!.s as Uint8Array[]).map((s) => new TextDecoder().decode(s)))).toEqual([['Reshape', 'BiasAdd'], ['BiasAdd', 'Relu']]);
      expect(types(meta)).not.toContain('BatchMatMulV2');
      const xd = Array.from(xv3.data as Float32Array);
      for (let r = 0; r < 6; r++) {
        for (let j = 0; j < 8; j++) {
          let z = bv[j];
          for (let p = 0; p < 5; p++) z += xd[r * 5 + p] * wv[p * 8 + j];
          expect((on[0].data as Float32Array)[r * 8 + j]).toBeCloseTo(z, 5);
          expect((on[1].data as Float32Array)[r * 8 + j]).toBeCloseTo(Math.max(z, 0), 5);
        }
      }
    });
  }

  it('fused BatchMatMulV2 with an empty batch or k = 0 (the output is the bias)', () => {
    for (const [xs, ws] of [[[0, 3, 5], [5, 8]], [[2, 3, 0], [0, 8]]]) {
      const { on, off, meta } = both(() => {
        const xp = tf.placeholder('float32', [null, 3, xs[2]]);
        const y = tf.add(tf.reshape(tf.batchMatMul(xp, tf.constant(tf.ndarray(new Float32Array(ws[0] * 8), ws, 'float32'))), [-1, 3, 2, 4]),
          tf.constant(tf.ndarray(values(8, 2), [2, 4], 'float32')));
        return { feeds: [[xp, tf.ndarray(new Float32Array(xs[0] * xs[1] * xs[2]), xs, 'float32')]], fetches: [y] };
      });
      expect(on[0].shape).toEqual([xs[0], 3, 2, 4]);
      expect(Array.from(on[0].data as Float32Array)).toEqual(Array.from(off[0].data as Float32Array));
      if (xs[0] > 0) expect(Array.from(on[0].data as Float32Array).slice(0, 8)).toEqual(Array.from(Float32Array.from(values(8, 2))));
      expect(types(meta)).toContain('_FusedBatchMatMulV2');
    }
  });

  it('BatchMatMulV2 with an adjoint, a batched y, or an Add that broadcasts is not fused', () => {
    const xv3 = tf.ndarray(values(2 * 3 * 5, 9), [2, 3, 5], 'float32');
    const { on, off, meta } = both(() => {
      const xp = tf.placeholder('float32', [2, 3, 5]);
      const w = tf.constant(tf.ndarray(values(40, 5), [8, 5], 'float32'));
      const adj = tf.nn.biasAdd(tf.batchMatMul(xp, w, { adjY: true }), tf.constant(values(8, 1)));
      const batched = tf.nn.biasAdd(tf.batchMatMul(xp, tf.constant(tf.ndarray(values(80, 2), [2, 5, 8], 'float32'))), tf.constant(values(8, 3)));
      const grows = tf.add(tf.reshape(tf.batchMatMul(xp, tf.transpose(w)), [2, 3, 2, 4]), tf.constant(tf.ndarray(values(12, 4), [3, 1, 4], 'float32')));
      return { feeds: [[xp, xv3]], fetches: [adj, batched, grows] };
    });
    on.forEach((v, i) => expect(Array.from(v.data as Float32Array)).toEqual(Array.from(off[i].data as Float32Array)));
    expect(types(meta)).not.toContain('_FusedBatchMatMulV2');
  });

  it('rejects an unknown remapping toggle', () => {
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOptions: { remapping: 'MAYBE' as 'ON' } } } })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => new tf.Session({ config: { graphOptions: { rewriteOption: {} } as object } })).toThrow(TypeError);
  });
});
