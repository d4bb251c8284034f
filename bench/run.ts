// `npm run bench`: tensorloom against peers measured in the same process (onnxruntime-node and
// tfjs CPU when `npm run bench:setup` installed them). Prints absolute numbers and ratios.
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

async function main(): Promise<void> {
  console.log(`tensorloom bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}, kernels: ${tf.isa()}`);
  if (!ort || !tfjs) console.log('(peers missing: run `npm run bench:setup` to install onnxruntime-node and tfjs for the comparison)');
  await benchMatmul();
  await benchScalarAdd();
  await benchMlp();
  if (process.argv.includes('--all')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require('./tracing') as { main?: () => Promise<void> }).main?.();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
