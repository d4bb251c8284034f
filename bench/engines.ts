// The engines of bench/run.ts that run in this node process: tensorloom, onnxruntime-node and
// tfjs (cpu or wasm backend). Each builds the row's computation once from its Spec (bench/data.ts)
// with constant weights, then times calls that convert the feeds and fetch the output, the way a
// user of that engine would write them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from 'tensorloom';
import { ASYNC_IN_FLIGHT, MLP_SIZES, Spec, convParams, feeds, mlpLayer, probeSteps, trainParams } from './data';
import { Engine, Runner, localBlock, probeCalls, probeOf } from './harness';
import { OnnxInit, OnnxNode, intAttr, intsAttr, onnxModel } from './onnx';

export interface ModelMeta { name: string; graph: string; input: string; input_shape: number[]; output: string;
  onnx: { file: string; input: string; output: string } | null }
export const readMeta = (json: string): ModelMeta => JSON.parse(readFileSync(json, 'utf8')) as ModelMeta;

const NOT_ASYNC = 'no asynchronous run API';

export function tensorloomEngine(threads: number): Engine {
  return {
    name: 'tensorloom',
    async prepare(spec, inputShape) {
      const fed = feeds(spec, inputShape);
      const g = new tf.Graph();
      const { keys, fetch } = g.asDefault(() => tlGraph(spec, fed.map((f, i) => f.shape)));
      // Model rows run with elementwise fusion on (onnxruntime runs its graph optimizations too).
      const fusion = spec.kind === 'model' ? { graphOptions: { rewriteOptions: { elementwiseFusion: 'ON' as const } } } : {};
      const sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: threads, ...fusion } });
      if (spec.kind === 'train') g.asDefault(() => sess.run(tf.globalVariablesInitializer()));
      // A scalar is fed as a JS number, the way sess.run(y, { x: 2 }) is usually written.
      const feedMap = new Map<tf.Tensor | string, number | tf.NDArray>(
        keys.map((k, i) => [k, fed[i].shape.length ? tf.ndarray(fed[i].data, fed[i].shape, 'float32') : fed[i].data[0]]));
      const run = () => sess.run(fetch, feedMap) as tf.NDArray | number;
      const r: Runner = {
        probe: () => probeCalls(probeSteps(spec), () => { const v = run(); return typeof v === 'number' ? [v] : v.data as Float32Array; }),
        block: spec.kind === 'async16'
          ? (k) => localBlock(() => Promise.all(Array.from({ length: ASYNC_IN_FLIGHT }, () => sess.runAsync(fetch, feedMap))), k, ASYNC_IN_FLIGHT)
          : (k) => localBlock(run, k),
        close: () => sess.close(),
      };
      return r;
    },
    close() {},
  };
}

/** The row's graph in the default graph: the fed tensors (or their names) and the fetch. */
function tlGraph(spec: Spec, shapes: number[][]): { keys: (tf.Tensor | string)[]; fetch: tf.Tensor | string } {
  if (spec.kind === 'model') {
    const meta = readMeta(spec.json);
    tf.loadGraphDef(join(dirname(spec.json), meta.graph), { name: '' });
    return { keys: [meta.input], fetch: meta.output };
  }
  const ins = shapes.map((s, i) => tf.placeholder('float32', s, `in${i}`));
  const c = (data: Float32Array, shape: number[]) => tf.constant(data, 'float32', shape);
  const fetch = ((): tf.Tensor => {
    switch (spec.kind) {
      case 'matmul': return tf.matmul(ins[0], ins[1]);
      case 'relu_add': return tf.nn.relu(tf.add(ins[0], ins[1]));
      case 'sum': return tf.reduceSum(ins[0]);
      case 'mlp': {
        let h = ins[0];
        for (let l = 1; l < MLP_SIZES.length; l++) {
          const { w, b, fanIn, fanOut } = mlpLayer(l);
          const z = tf.nn.biasAdd(tf.matmul(h, c(w, [fanIn, fanOut])), c(b, [fanOut]));
          h = l < MLP_SIZES.length - 1 ? tf.nn.relu(z) : z;
        }
        return tf.nn.softmax(h);
      }
      case 'conv': {
        const { w, b } = convParams(spec.channels);
        return tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(ins[0], c(w, [3, 3, spec.channels, spec.channels]), [1, 1, 1, 1], 'SAME'), c(b, [spec.channels])));
      }
      case 'scalar_add': case 'async16': return tf.add(ins[0], tf.constant(1));
      case 'train': {
        // Variables from the shared initial values; the fetch is the step's loss, after the update ran.
        const init = trainParams(spec.model), p = init.map((v, i) => new tf.Variable(c(v.data, v.shape), { name: `v${i}` }));
        let h = ins[0];
        if (spec.model === 'mlp') {
          for (let i = 0; i < p.length; i += 2) {
            const z = tf.nn.biasAdd(tf.matmul(h, p[i]), p[i + 1]);
            h = i + 2 < p.length ? tf.nn.relu(z) : z;
          }
        } else {
          for (let i = 0; i + 2 < p.length; i += 2) h = tf.nn.maxPool(tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, p[i], 1, 'SAME'), p[i + 1])), 2, 2, 'VALID');
          h = tf.nn.biasAdd(tf.matmul(tf.reshape(h, [-1, init[p.length - 2].shape[0]]), p[p.length - 2]), p[p.length - 1]);
        }
        const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: ins[1], logits: h }));
        const train = new tf.train.AdamOptimizer(1e-3).minimize(loss);
        return tf.controlDependencies([train], () => tf.identity(loss));
      }
    }
  })();
  return { keys: ins, fetch };
}

/** a[rows, cols] → [cols, rows] (NHWC ↔ NCHW at batch 1). */
function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) t[q * rows + r] = a[r * cols + q];
  return t;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ortEngine(ort: any, threads: number): Engine {
  const options = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  return {
    name: 'onnxruntime',
    async prepare(spec, inputShape) {
      const fed = feeds(spec, inputShape);
      let model: Uint8Array | string, inNames = ['x'], outName = 'y';
      let unlayout = (y: Float32Array) => y;
      const x = (dims: (number | string)[], name = 'x') => ({ name, dims });
      switch (spec.kind) {
        case 'model': {
          const meta = readMeta(spec.json);
          if (!meta.onnx) return 'no .onnx (bench_models.py writes it when python has onnx)';
          model = join(dirname(spec.json), meta.onnx.file);
          [inNames, outName] = [[meta.onnx.input], meta.onnx.output];
          break;
        }
        case 'train': return 'no training API';
        case 'matmul': case 'relu_add': {
          inNames = ['a', 'b'];
          const nodes: OnnxNode[] = spec.kind === 'matmul' ? [{ op: 'MatMul', inputs: inNames, outputs: ['y'] }]
            : [{ op: 'Add', inputs: inNames, outputs: ['s'] }, { op: 'Relu', inputs: ['s'], outputs: ['y'] }];
          model = onnxModel(nodes, inNames.map((n) => x(fed[0].shape, n)), [x(fed[0].shape, 'y')]);
          break;
        }
        case 'sum':
          model = onnxModel([{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: [intAttr('keepdims', 0)] }], [x(fed[0].shape)], [x([], 'y')]);
          break;
        case 'scalar_add': case 'async16':
          model = onnxModel([{ op: 'Add', inputs: ['x', 'one'], outputs: ['y'] }], [x([])], [x([], 'y')], [{ name: 'one', dims: [], data: Float32Array.of(1) }]);
          break;
        case 'mlp': {
          const nodes: OnnxNode[] = [], inits: OnnxInit[] = [];
          let h = 'x';
          for (let l = 1; l < MLP_SIZES.length; l++) {
            const { w, b, fanIn, fanOut } = mlpLayer(l);
            inits.push({ name: `w${l}`, dims: [fanIn, fanOut], data: w }, { name: `b${l}`, dims: [fanOut], data: b });
            nodes.push({ op: 'Gemm', inputs: [h, `w${l}`, `b${l}`], outputs: [`z${l}`] });
            h = `z${l}`;
            if (l < MLP_SIZES.length - 1) { nodes.push({ op: 'Relu', inputs: [h], outputs: [`r${l}`] }); h = `r${l}`; }
          }
          nodes.push({ op: 'Softmax', inputs: [h], outputs: ['y'] });
          model = onnxModel(nodes, [x(['batch', MLP_SIZES[0]])], [x(['batch', MLP_SIZES[MLP_SIZES.length - 1]], 'y')], inits);
          break;
        }
        case 'conv': {
          // onnxruntime's Conv is NCHW: it gets the same values in its layout (transposed once,
          // outside the timing) and a filter reordered HWIO → OIHW.
          const { size: s, channels: ch } = spec, { w, b } = convParams(ch);
          const oihw = new Float32Array(w.length);
          for (let k = 0; k < 9; k++) for (let i = 0; i < ch; i++) for (let o = 0; o < ch; o++) oihw[(o * ch + i) * 9 + k] = w[(k * ch + i) * ch + o];
          fed[0] = { data: transpose2d(fed[0].data, s * s, ch), shape: [1, ch, s, s] };
          unlayout = (y) => transpose2d(y, ch, s * s);
          model = onnxModel([{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['z'], attrs: [intsAttr('pads', [1, 1, 1, 1])] },
            { op: 'Relu', inputs: ['z'], outputs: ['y'] }], [x(fed[0].shape)], [x(fed[0].shape, 'y')],
          [{ name: 'w', dims: [ch, ch, 3, 3], data: oihw }, { name: 'b', dims: [ch], data: b }]);
          break;
        }
      }
      const sess = await ort.InferenceSession.create(model, options);
      const run = () => sess.run(Object.fromEntries(inNames.map((n, i) => [n, new ort.Tensor('float32', fed[i].data, fed[i].shape)])));
      const r: Runner = {
        probe: async () => probeOf(unlayout((await run())[outName].data as Float32Array)),
        block: spec.kind === 'async16'
          ? (k) => localBlock(() => Promise.all(Array.from({ length: ASYNC_IN_FLIGHT }, run)), k, ASYNC_IN_FLIGHT)
          : (k) => localBlock(run, k),
        close: () => sess.release?.(),
      };
      return r;
    },
    close() {},
  };
}

/** tfjs on one backend ('cpu': plain JS, one thread; 'wasm'), with its fused ops where it has them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function tfjsEngine(tfjs: any, backend: 'cpu' | 'wasm'): Engine {
  const use = async () => {
    if (tfjs.getBackend() === backend) return;
    if (!(await tfjs.setBackend(backend))) throw new Error(`tfjs could not initialize its ${backend} backend`);
  };
  return {
    name: `tfjs-${backend}`,
    async prepare(spec, inputShape) {
      if (spec.kind === 'model') return 'no TF GraphDef import';
      if (spec.kind === 'async16') return NOT_ASYNC;
      if (spec.kind === 'train' && spec.model === 'cnn') {
        const missing = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'].filter((k) => !tfjs.getKernel(k, backend));
        if (missing.length) return `no ${missing.join(', ')} kernel`;
      }
      await use();
      const fed = feeds(spec, inputShape);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      type T = any;
      const consts: T[] = [];
      const c = (data: Float32Array, shape: number[]) => { const t = tfjs.tensor(data, shape); consts.push(t); return t; };
      let fn: (xs: T[]) => T;
      switch (spec.kind) {
        case 'matmul': fn = ([a, b]) => tfjs.matMul(a, b); break;
        case 'relu_add': fn = ([a, b]) => tfjs.relu(tfjs.add(a, b)); break;
        case 'sum': fn = ([a]) => tfjs.sum(a); break;
        case 'scalar_add': { const one = c(Float32Array.of(1), []); fn = ([a]) => tfjs.add(a, one); break; }
        case 'mlp': {
          const layers = MLP_SIZES.slice(1).map((_, i) => { const { w, b, fanIn, fanOut } = mlpLayer(i + 1); return { w: c(w, [fanIn, fanOut]), b: c(b, [fanOut]) }; });
          fn = ([h]) => tfjs.softmax(layers.reduce((acc, { w, b }, i) =>
            tfjs.fused.matMul({ a: acc, b: w, bias: b, activation: i < layers.length - 1 ? 'relu' : 'linear' }), h));
          break;
        }
        case 'conv': {
          const { w, b } = convParams(spec.channels);
          const filter = c(w, [3, 3, spec.channels, spec.channels]), bias = c(b, [spec.channels]);
          fn = ([x]) => tfjs.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' });
          break;
        }
        case 'train': {
          const p = trainParams(spec.model).map((v) => { const t = tfjs.variable(c(v.data, v.shape)); consts.push(t); return t; });
          const opt = tfjs.train.adam(1e-3, 0.9, 0.999, 1e-8);
          consts.push(opt);
          const logits = (x: T): T => {
            if (spec.model === 'mlp') {
              return p.filter((_, i) => i % 2 === 0).reduce((h, w, l, ws) =>
                tfjs.fused.matMul({ a: h, b: w, bias: p[2 * l + 1], activation: l < ws.length - 1 ? 'relu' : 'linear' }), x);
            }
            let h = x;
            for (let i = 0; i + 2 < p.length; i += 2) h = tfjs.maxPool(tfjs.fused.conv2d({ x: h, filter: p[i], strides: 1, pad: 'same', bias: p[i + 1], activation: 'relu' }), 2, 2, 'valid');
            return tfjs.fused.matMul({ a: tfjs.reshape(h, [-1, p[p.length - 2].shape[0]]), b: p[p.length - 2], bias: p[p.length - 1] });
          };
          // minimize returns the step's loss (before the update).
          fn = ([x, y]) => opt.minimize(() => tfjs.losses.softmaxCrossEntropy(y, logits(x)), true);
          break;
        }
      }
      const call = () => {
        const out = tfjs.tidy(() => fn(fed.map((f) => tfjs.tensor(f.data, f.shape))));
        const v = out.dataSync() as Float32Array;
        out.dispose();
        return v;
      };
      return {
        probe: async () => { await use(); return probeCalls(probeSteps(spec), call); },
        block: async (k) => { await use(); return localBlock(call, k); },
        close: () => { for (const t of consts) t.dispose(); },
      };
    },
    close() {},
  };
}
