// Real networks imported from TensorFlow GraphDefs (bench/models/, written by
// scripts/golden/bench_models.py: MobileNetV2 alpha 1.0 224x224 and a transformer block,
// Keras 3 with seeded weights, frozen): tensorloom's sess.run at batch 1 and 8 against real
// TensorFlow (tf.compat.v1.Session in `python3 bench/tf_session_bench.py --serve`, when python3
// has tensorflow) and onnxruntime-node (the same network and weights as bench/models/<name>.onnx,
// when `npm run bench:setup` installed it), all measured in this run with the same thread count.
// Each engine's outputs are checked against TensorFlow's (max |diff| <= 1e-4 of the tensor's
// max |value|) before timing; the engines' runs are then interleaved in blocks (~0.25 s each,
// order rotating) so that a change in machine load hits all of them alike.
//
// Usage: node dist/cjs/bench/models.js [--threads N] [--min-time S] [--models a,b] [--batches 1,8]
//   env TL_BENCH_PYTHON: the python with tensorflow (default python3)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join } from 'node:path';
import * as tf from 'tensorloom';
import { LineServer, errText } from './harness';

const root = join(__dirname, '..', '..', '..');
const modelsDir = join(root, 'bench', 'models');
const peerRequire = createRequire(join(root, 'bench', 'package.json'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ort: any = (() => { try { return peerRequire('onnxruntime-node'); } catch { return null; } })();

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
};
const THREADS = Number(arg('threads', String(os.cpus().length)));
const MIN_TIME = Number(arg('min-time', '2'));   // seconds of timed runs per engine and batch (at least)
const MAX_TIME = 90;                             // seconds per batch, once every engine has MIN_RUNS / 3 runs
const MIN_RUNS = 10, WARMUP = 3, BLOCK_MS = 250;
const BATCHES = arg('batches', '1,8').split(',').map(Number);
const MODELS = arg('models', 'mobilenet_v2_224,transformer_block').split(',');
const PYTHON = process.env.TL_BENCH_PYTHON ?? 'python3';
const TOL = 1e-4;

interface ModelMeta {
  name: string; graph: string; input: string; input_shape: number[]; output: string; check: string[];
  params: number; node_count: number; onnx: { file: string; input: string; output: string } | null;
}
interface Stats { median: number; p90: number; min: number; runs: number; faults: number }
interface Block { ms: number[]; faults: number }
interface Engine { name: string; block(batch: number, runs: number): Promise<Block> }

function uniform(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return a;
}

/** `runs` timed calls of fn in this process (ms each) and the minor page faults they caused. */
async function localBlock(fn: () => unknown, runs: number): Promise<Block> {
  const ms: number[] = [];
  const f0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms, faults: process.resourceUsage().minorPageFault - f0 };
}

function stats(ms: number[], faults: number): Stats {
  const s = ms.slice().sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
  return { median: q(0.5), p90: q(0.9), min: s[0], runs: s.length, faults: faults / s.length };
}

/** Warms every engine up, then times them in rotating blocks until each has MIN_TIME s and MIN_RUNS runs. */
async function interleave(engines: Engine[], batch: number): Promise<Map<string, Stats>> {
  const per = new Map<Engine, number>();
  for (const e of engines) {
    const w = await e.block(batch, WARMUP);
    per.set(e, Math.max(1, Math.min(20, Math.round(BLOCK_MS / Math.max(1e-3, Math.min(...w.ms))))));
  }
  const acc = new Map(engines.map((e) => [e, { ms: [] as number[], faults: 0, time: 0 }]));
  const t0 = performance.now();
  for (let round = 0; ; round++) {
    const a = [...acc.values()];
    const enough = a.every((x) => x.time >= MIN_TIME * 1000 && x.ms.length >= MIN_RUNS);
    const tooLong = performance.now() - t0 > MAX_TIME * 1000 && a.every((x) => x.ms.length >= MIN_RUNS / 3);
    if (enough || tooLong) break;
    for (let i = 0; i < engines.length; i++) {
      const e = engines[(i + round) % engines.length];
      const r = await e.block(batch, per.get(e)!);
      const x = acc.get(e)!;
      x.ms.push(...r.ms); x.faults += r.faults; x.time += r.ms.reduce((p, q) => p + q, 0);
    }
  }
  return new Map(engines.map((e) => [e.name, stats(acc.get(e)!.ms, acc.get(e)!.faults)]));
}

/** max |a - ref| / max |ref| (Infinity on a size mismatch, NaN if any value is NaN). */
function maxRel(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) return Infinity;
  let d = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(a[i] - ref[i]);
    if (Number.isNaN(diff)) return NaN;
    d = Math.max(d, diff);
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return d / Math.max(scale, 1e-30);
}
const ok = (e: number) => e <= TOL;   // false for NaN too

function tfAvailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import tensorflow'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : `${PYTHON} has no tensorflow (pip install tensorflow-cpu)`;
}

/** TF's side of the model rows: bench/tf_session_bench.py --serve, over the harness's LineServer. */
async function startTfServer(meta: ModelMeta, inputFile: string, dumpDir: string): Promise<{ server: LineServer; header: { tf_version: string; onednn: boolean | null } }> {
  const proc = spawn(PYTHON, [join(root, 'bench', 'tf_session_bench.py'), '--serve', '--model', join(modelsDir, `${meta.name}.json`),
    '--batches', BATCHES.join(','), '--threads', String(THREADS), '--input', inputFile, '--dump', dumpDir],
  { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const server = new LineServer(proc, 'tf_session_bench.py');
  return { server, header: await server.header };
}

interface Row { model: string; batch: number; stats: Map<string, Stats>; note: string[] }

async function benchModel(meta: ModelMeta, tfNote: string | null, tmp: string, rows: Row[], notes: string[]): Promise<void> {
  const per = meta.input_shape.reduce((a, b) => a * b, 1);
  const input = uniform(Math.max(...BATCHES) * per, 7);
  const inputFile = join(tmp, `${meta.name}.input.bin`);
  writeFileSync(inputFile, new Uint8Array(input.buffer));
  const slice = (b: number) => input.subarray(0, b * per);
  const say = (s: string) => { notes.push(`${meta.name}: ${s}`); };

  let server: LineServer | null = null;
  let sess: tf.Session | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let ortSess: any = null;
  try {
    // Real TensorFlow in a python process, kept open for the interleaved runs.
    if (tfNote) say(`TensorFlow skipped (${tfNote})`);
    else {
      try {
        const t = await startTfServer(meta, inputFile, tmp);
        server = t.server;
        say(`TensorFlow ${t.header.tf_version} tf.compat.v1.Session (grappler on, oneDNN ${t.header.onednn ? 'on' : 'off'})`);
      } catch (e) { say(`TensorFlow failed to start: ${errText(e)}`); }
    }
    // tensorloom: the GraphDef as TF wrote it.
    try {
      const t0 = performance.now();
      const g = new tf.Graph();
      g.asDefault(() => tf.loadGraphDef(join(modelsDir, meta.graph), { name: '' }));
      sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: THREADS, graphOptions: { rewriteOptions: { elementwiseFusion: 'ON' } } } });
      say(`tensorloom tf.loadGraphDef ${(performance.now() - t0).toFixed(0)} ms (${meta.node_count} nodes)`);
    } catch (e) { say(`tensorloom could not import ${meta.graph}: ${errText(e)}`); }
    // onnxruntime-node on the same network and weights.
    const onnxPath = meta.onnx ? join(modelsDir, meta.onnx.file) : null;
    if (!ort) say('onnxruntime skipped (onnxruntime-node missing: npm run bench:setup)');
    else if (!onnxPath || !existsSync(onnxPath)) say('onnxruntime skipped (no .onnx: scripts/golden/bench_models.py writes it when python has onnx + onnxruntime)');
    else {
      try {
        ortSess = await ort.InferenceSession.create(onnxPath, {
          intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
      } catch (e) { say(`onnxruntime failed to load ${meta.onnx!.file}: ${errText(e)}`); }
    }

    for (const b of BATCHES) {
      const row: Row = { model: meta.name, batch: b, stats: new Map(), note: [] };
      rows.push(row);
      const engines: Engine[] = [];
      // 1. TensorFlow's values of the check tensors: the reference.
      let ref: Float32Array[] | null = null;
      if (server) {
        try {
          const c = await server.request({ cmd: 'check', batch: b });
          ref = (c.outputs as { file: string }[]).map((o) => { const x = readFileSync(o.file); return new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4); });
          say(`b${b} TensorFlow first run ${c.first_run_ms.toFixed(0)} ms`);
          const s = server;
          engines.push({ name: 'TensorFlow', block: (bb, k) => s.request({ cmd: 'time', batch: bb, runs: k }) });
        } catch (e) { say(`b${b} TensorFlow failed: ${errText(e)}`); }
      }
      // 2. tensorloom, checked against TF.
      if (sess) {
        const feeds = new Map([[meta.input, tf.ndarray(slice(b), [b, ...meta.input_shape], 'float32')]]);
        try {
          const t0 = performance.now();
          sess.run(meta.output, feeds);
          const first = performance.now() - t0;
          const got = sess.run(meta.check, feeds) as tf.NDArray[];
          let agree = '';
          if (ref) {
            const errs = got.map((v, i) => maxRel(v.data as Float32Array, ref![i]));
            const bad = errs.map((e, i) => (ok(e) ? null : `${meta.check[i]} max|diff|/max|TF| = ${e.toExponential(2)}`)).filter(Boolean);
            if (bad.length) { row.note.push('tensorloom≠TF'); say(`b${b} tensorloom DIFFERS from TF: ${bad.join('; ')}`); }
            else agree = `, = TF (max|diff|/max|TF| ${errs.map((e) => e.toExponential(1)).join(', ')} on ${meta.check.join(', ')})`;
          }
          say(`b${b} tensorloom first run ${first.toFixed(0)} ms${agree}`);
          const s = sess;
          engines.push({ name: 'tensorloom', block: (_bb, k) => localBlock(() => s.run(meta.output, feeds), k) });
        } catch (e) { row.note.push('tensorloom error'); say(`b${b} tensorloom sess.run failed: ${errText(e)}`); }
      }
      // 3. onnxruntime, checked against TF.
      if (ortSess) {
        const feeds = { [meta.onnx!.input]: new ort.Tensor('float32', slice(b), [b, ...meta.input_shape]) };
        try {
          const out = (await ortSess.run(feeds))[meta.onnx!.output];
          if (ref) {
            const e = maxRel(out.data as Float32Array, ref[0]);
            if (!ok(e)) { row.note.push('ort≠TF'); say(`b${b} onnxruntime DIFFERS from TF: ${e.toExponential(2)}`); }
          }
          engines.push({ name: 'onnxruntime', block: (_bb, k) => localBlock(() => ortSess.run(feeds), k) });
        } catch (e) { say(`b${b} onnxruntime run failed: ${errText(e)}`); }
      }
      try { row.stats = await interleave(engines, b); } catch (e) { say(`b${b} timing failed: ${errText(e)}`); }
    }
  } finally {
    server?.close();
    sess?.close();
    await ortSess?.release?.();
  }
}

export async function main(): Promise<void> {
  const cpus = os.cpus();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\nReal networks from TensorFlow GraphDefs (bench/models.ts): ${cpus[0]?.model ?? 'cpu'} × ${cpus.length}, tensorloom ISA ${tf.isa()}, `
    + `node ${process.version}, ${THREADS} threads per engine; load average at start ${load()}`);
  const missing = MODELS.filter((m) => !existsSync(join(modelsDir, `${m}.json`)));
  if (missing.length) {
    console.log(`  bench/models/ lacks ${missing.join(', ')}: run \`npm run bench:models\` (python3 scripts/golden/bench_models.py, needs tensorflow) first`);
    return;
  }
  const tfNote = tfAvailable();
  const tmp = mkdtempSync(join(os.tmpdir(), 'tl-bench-'));
  const rows: Row[] = [], notes: string[] = [];
  try {
    for (const name of MODELS) {
      const meta = JSON.parse(readFileSync(join(modelsDir, `${name}.json`), 'utf8')) as ModelMeta;
      await benchModel(meta, tfNote, tmp, rows, notes);
    }
  } finally { rmSync(tmp, { recursive: true, force: true }); }

  const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1)).padStart(8);
  const pair = (s?: Stats) => (s ? `${f(s.median)} ${f(s.p90)}` : `${'n/a'.padStart(8)} ${''.padStart(8)}`);
  const ratio = (a?: Stats, b?: Stats) => (a && b ? `${(a.median / b.median).toFixed(2)}x` : 'n/a').padStart(8);
  console.log('ms per sess.run, p50 and p90 (lower is better); ratio = tensorloom p50 / peer p50 (< 1: tensorloom faster)');
  console.log(`${'model'.padEnd(18)} batch  ${'tensorloom'.padStart(17)}  ${'TensorFlow'.padStart(17)}  ${'onnxruntime'.padStart(17)}    tl/TF   tl/ort`);
  for (const r of rows) {
    const [tl, tfs, rt] = ['tensorloom', 'TensorFlow', 'onnxruntime'].map((k) => r.stats.get(k));
    console.log(`${r.model.padEnd(18)} ${String(r.batch).padStart(5)}  ${pair(tl)}  ${pair(tfs)}  ${pair(rt)} ${ratio(tl, tfs)} ${ratio(tl, rt)}`
      + (r.note.length ? `  (${r.note.join(', ')})` : ''));
  }
  const pf = (s?: Stats) => (s ? `${Math.round(s.faults)} (${s.runs} runs)` : 'n/a').padStart(16);
  console.log('minor page faults per timed run (memory the run touched fresh; each costs µs, more in a VM)');
  for (const r of rows) {
    console.log(`${r.model.padEnd(18)} ${String(r.batch).padStart(5)}  tensorloom ${pf(r.stats.get('tensorloom'))}  TensorFlow ${pf(r.stats.get('TensorFlow'))}`
      + `  onnxruntime ${pf(r.stats.get('onnxruntime'))}`);
  }
  for (const n of notes) console.log(`  ${n}`);
  console.log(`  load average at end ${load()}`);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
