// `npm run bench`: tensorloom against peers measured in the same process (onnxruntime-node and
// tfjs CPU when `npm run bench:setup` installed them). Prints absolute numbers and ratios.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as os from 'node:os';
import * as tf from 'tensorloom';
import { OnnxInit, OnnxNode, onnxModel } from './onnx';
import { buildMlp } from '../examples/mlp';

const root = join(__dirname, '..', '..', '..');
const peerRequire = createRequire(join(root, 'bench', 'package.json'));
function peer<T>(name: string): T | null {
  try { return peerRequire(name) as T; } catch { return null; }
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ort = peer<any>('onnxruntime-node');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tfjs = peer<any>('@tensorflow/tfjs');

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
function randn(n: number, seed: number): Float32Array {
  const r = lcg(seed), a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r();
  return a;
}

/** Median seconds per call of fn over enough repetitions to fill ~`budget` seconds. */
async function timeIt(fn: () => unknown, budget = 0.6): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  const end = performance.now() + budget * 1000;
  while (performance.now() < end || samples.length < 5) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (x: number, d = 1) => x.toFixed(d).padStart(9);
const ratio = (ours: number, theirs: number | null) => (theirs === null ? '      n/a' : `${(ours / theirs).toFixed(2)}x`.padStart(9));
// For times, ratio < 1 means tensorloom is faster; for GFLOP/s, ratio > 1 does.

async function benchMatmul(): Promise<void> {
  console.log('\nmatmul float32 C = A·B (GFLOP/s, higher is better; ratio = tensorloom / peer)');
  console.log('     N  tensorloom  onnxruntime     tfjs   vs ort  vs tfjs');
  for (const n of [128, 512, 1024]) {
    const g = new tf.Graph();
    const [a, b, c] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n, n], 'a'), b = tf.placeholder('float32', [n, n], 'b');
      return [a, b, tf.matmul(a, b)];
    });
    const sess = new tf.Session({ graph: g });
    const A = randn(n * n, 1), B = randn(n * n, 2);
    const feeds = new Map([[a, A], [b, B]]);
    const flops = 2 * n * n * n;
    const ours = flops / (await timeIt(() => sess.run(c, feeds))) / 1e9;
    let ortG: number | null = null, jsG: number | null = null;
    if (ort) {
      const model = onnxModel([{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
        [{ name: 'a', dims: [n, n] }, { name: 'b', dims: [n, n] }], [{ name: 'c', dims: [n, n] }]);
      const s = await ort.InferenceSession.create(model);
      const fa = { a: new ort.Tensor('float32', A, [n, n]), b: new ort.Tensor('float32', B, [n, n]) };
      ortG = flops / (await timeIt(() => s.run(fa))) / 1e9;
    }
    if (tfjs && n <= 512) {
      await tfjs.setBackend('cpu');
      const ta = tfjs.tensor2d(A, [n, n]), tb = tfjs.tensor2d(B, [n, n]);
      jsG = flops / (await timeIt(() => { const r = tfjs.matMul(ta, tb); r.dataSync(); r.dispose(); }, 0.3)) / 1e9;
    }
    console.log(`${String(n).padStart(6)} ${fmt(ours)}   ${ortG === null ? '      n/a' : fmt(ortG)} ${jsG === null ? '      n/a' : fmt(jsG, 2)} ${ratio(ours, ortG)} ${ratio(ours, jsG)}`);
    sess.close();
  }
}

async function benchScalarAdd(): Promise<void> {
  console.log('\nsess.run of a scalar add graph (µs per run, lower is better)');
  const g = new tf.Graph();
  const [x, y] = g.asDefault(() => { const x = tf.placeholder('float32', [], 'x'); return [x, tf.add(x, tf.constant(1))]; });
  const sess = new tf.Session({ graph: g });
  const feed = new Map([[x, 2]]);
  const runSync = (await timeIt(() => sess.run(y, feed))) * 1e6;
  const runAsync = (await timeIt(() => sess.runAsync(y, feed))) * 1e6;
  const callable = sess.makeCallable(y, [x]);
  const call = (await timeIt(() => callable(2))) * 1e6;
  console.log(`  tensorloom run (sync)        ${fmt(runSync, 2)} µs`);
  console.log(`  tensorloom makeCallable      ${fmt(call, 2)} µs`);
  console.log(`  tensorloom runAsync          ${fmt(runAsync, 2)} µs`);
  if (ort) {
    const model = onnxModel([{ op: 'Add', inputs: ['x', 'one'], outputs: ['y'] }], [{ name: 'x', dims: [] }], [{ name: 'y', dims: [] }],
      [{ name: 'one', dims: [], data: Float32Array.of(1) }]);
    const s = await ort.InferenceSession.create(model);
    const t = await timeIt(() => s.run({ x: new ort.Tensor('float32', Float32Array.of(2), []) })) * 1e6;
    console.log(`  onnxruntime run (async only) ${fmt(t, 2)} µs   ratio runAsync/ort ${(runAsync / t).toFixed(2)}x, run/ort ${(runSync / t).toFixed(2)}x`);
  }
  sess.close();
}

async function benchMlp(): Promise<void> {
  console.log('\nMLP 784→512→512→10 + softmax, float32 (ms per run, lower is better)');
  console.log(' batch  tensorloom  onnxruntime   ratio');
  const g = new tf.Graph();
  const mlp = buildMlp({ graph: g, seed: 42 });
  const sess = new tf.Session({ graph: g });
  // The same weights for onnxruntime, read back from the graph's constants.
  const consts = g.getOperations().filter((o) => o.type === 'Const');
  const value = (name: string) => (consts.find((o) => o.name === name)!.getAttr('value') as tf.NDArray);
  let ortSess: { run(feeds: object): Promise<unknown> } | null = null;
  if (ort) {
    const nodes: OnnxNode[] = [];
    const inits: OnnxInit[] = [];
    let h = 'x';
    for (const [i, scope] of ['dense1', 'dense2', 'logits'].entries()) {
      const w = value(`${scope}/weights`), b = value(`${scope}/bias`);
      inits.push({ name: `w${i}`, dims: w.shape, data: w.data as Float32Array }, { name: `b${i}`, dims: b.shape, data: b.data as Float32Array });
      nodes.push({ op: 'MatMul', inputs: [h, `w${i}`], outputs: [`m${i}`] }, { op: 'Add', inputs: [`m${i}`, `b${i}`], outputs: [`z${i}`] });
      h = `z${i}`;
      if (scope !== 'logits') { nodes.push({ op: 'Relu', inputs: [h], outputs: [`r${i}`] }); h = `r${i}`; }
    }
    nodes.push({ op: 'Softmax', inputs: [h], outputs: ['probs'] });
    ortSess = await ort.InferenceSession.create(onnxModel(nodes, [{ name: 'x', dims: ['batch', 784] }], [{ name: 'probs', dims: ['batch', 10] }], inits));
  }
  for (const rows of [1, 64]) {
    const batch = mlp.batch(rows);
    const feeds = new Map([[mlp.x, batch]]);
    const ours = (await timeIt(() => sess.run(mlp.probs, feeds))) * 1e3;
    let theirs: number | null = null;
    if (ortSess) {
      const x = new ort.Tensor('float32', batch.data, [rows, 784]);
      theirs = (await timeIt(() => ortSess!.run({ x }))) * 1e3;
    }
    console.log(`${String(rows).padStart(6)} ${fmt(ours, 3)}   ${theirs === null ? '      n/a' : fmt(theirs, 3)} ${ratio(ours, theirs)}`);
  }
  sess.close();
}

/**
 * One training step of the MLP 784→512→512→10 (relu, softmax cross-entropy), batch 64, Adam:
 * forward, gradients and the in-place ApplyAdam updates, against TF 1.x style graph mode
 * (bench/tf_train_bench.py, the same shapes) and tfjs's optimizer.minimize when installed.
 */
async function benchTrainStep(): Promise<void> {
  console.log('\ntraining step, MLP 784→512→512→10, batch 64, Adam (ms per step, lower is better)');
  const sizes = [784, 512, 512, 10], rows = 64;
  const g = new tf.Graph();
  const { train, feeds } = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, sizes[0]], 'x'), y = tf.placeholder('float32', [null, sizes[3]], 'y');
    let h: tf.Tensor = x;
    for (let i = 1; i < sizes.length; i++) {
      const lim = Math.sqrt(6 / (sizes[i - 1] + sizes[i]));
      const w = new tf.Variable(tf.constant(randn(sizes[i - 1] * sizes[i], i).map((v) => v * lim), 'float32', [sizes[i - 1], sizes[i]]), { name: `w${i}` });
      const b = new tf.Variable(tf.constant(new Float32Array(sizes[i])), { name: `b${i}` });
      h = tf.add(tf.matmul(h, w), b);
      if (i < sizes.length - 1) h = tf.nn.relu(h);
    }
    const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: y, logits: h }));
    const labels = new Float32Array(rows * sizes[3]).map((_, i) => (i % sizes[3] === (Math.floor(i / sizes[3]) * 7) % sizes[3] ? 1 : 0));
    const batch = randn(rows * sizes[0], 9).map((v) => (v + 1) / 2);
    return { train: new tf.train.AdamOptimizer(1e-3).minimize(loss), feeds: new Map([[x, tf.ndarray(batch, [rows, sizes[0]])], [y, tf.ndarray(labels, [rows, sizes[3]])]]) };
  });
  const sess = new tf.Session({ graph: g });
  sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
  const ours = (await timeIt(() => sess.run(train, feeds), 2)) * 1e3;
  sess.close();
  let tfMs: number | null = null;
  const py = spawnSync(process.env.TL_BENCH_PYTHON ?? 'python3', [join(root, 'bench', 'tf_train_bench.py'), '--batch', String(rows), '--threads', String(os.cpus().length)],
    { encoding: 'utf8' });
  if (py.status === 0) tfMs = (JSON.parse(py.stdout.trim().split('\n').pop()!) as { ms: number }).ms;
  let jsMs: number | null = null;
  if (tfjs) {
    await tfjs.setBackend('cpu');
    const ws = sizes.slice(1).map((n, i) => [tfjs.variable(tfjs.randomUniform([sizes[i], n], -0.1, 0.1)), tfjs.variable(tfjs.zeros([n]))]);
    const xs = tfjs.randomUniform([rows, sizes[0]]), ys = tfjs.oneHot(tfjs.tensor1d(Array.from({ length: rows }, (_, i) => (i * 7) % 10), 'int32'), 10);
    const opt = tfjs.train.adam(1e-3);
    const step = () => opt.minimize(() => {
      let h = xs;
      ws.forEach(([w, b]: unknown[], i: number) => { h = tfjs.add(tfjs.matMul(h, w), b); if (i < ws.length - 1) h = tfjs.relu(h); });
      return tfjs.losses.softmaxCrossEntropy(ys, h);
    });
    jsMs = (await timeIt(() => tfjs.tidy(step), 1)) * 1e3;
  }
  console.log('  tensorloom   TF 1.x (py)     tfjs  vs TF   vs tfjs');
  console.log(`  ${fmt(ours, 3)}  ${tfMs === null ? '      n/a' : fmt(tfMs, 3)} ${jsMs === null ? '      n/a' : fmt(jsMs, 2)} ${ratio(ours, tfMs)} ${ratio(ours, jsMs)}`);
}

async function main(): Promise<void> {
  console.log(`tensorloom bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}, kernels: ${tf.isa()}`);
  if (!ort || !tfjs) console.log('(peers missing: run `npm run bench:setup` to install onnxruntime-node and tfjs for the comparison)');
  if (process.argv.includes('--train')) return benchTrainStep();  // only the training-step row
  await benchMatmul();
  await benchScalarAdd();
  await benchMlp();
  await benchTrainStep();
  if (process.argv.includes('--all')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require('./tracing') as { main?: () => Promise<void> }).main?.();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
