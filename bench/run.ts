// `npm run bench`: the table of issue 8. One row per workload, one column per engine — TF 1.x
// (tf.compat.v1.Session from python, when `import tensorflow` works), onnxruntime-node, tfjs
// cpu and wasm (the peers of bench/package.json that are installed) and tensorloom — then
// tensorloom / best peer (time ratio, < 1: tensorloom is faster) and the issue's target.
// Every engine computes the same thing from the same inputs (bench/data.ts; outputs are checked
// against each other first — a training row's are the losses of its first two steps from the same
// initial weights), with the same thread count; time per call includes feeds and
// fetches; engines take turns within a row so load drifts hit all alike; cells are medians.
//
// Usage: npm run bench -- [options] (after the tracing benchmark), or node dist/cjs/bench/run.js [--rows id,...] [--quick] [--isa] [--threads N] [--skip col,...] [--markdown [file]]
//   --rows      a subset (ids or id prefixes; --rows list prints them)
//   --quick     short budgets (for testing the harness, not for numbers)
//   --isa       also run the tensorloom rows at every other ISA level the CPU has (child
//               processes with TL_ISA=...), a column per level
//   --skip      columns to leave out: tf, onnxruntime, tfjs-cpu, tfjs-wasm, tfjs (both)
//   --markdown  also write the table and the machine to a markdown file (default bench/RESULTS.md,
//               the committed record: `npm run bench:results`, on a quiet machine; never hand-edit)
//   env TL_BENCH_PYTHON: the python that has tensorflow (default python3)
// bench/models.js prints more about the model rows (p90, page faults, every check tensor).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join } from 'node:path';
import * as tf from 'tensorloom';
import { Spec } from './data';
import { ortEngine, readMeta, tensorloomEngine, tfjsEngine } from './engines';
import { Budget, Engine, GROUP_SECONDS, LineServer, Probe, Runner, errText, interleave, median, probeDiff, remoteEngine, serveEngine } from './harness';
import { Table, Target, fmtTime, mark } from './table';

const root = join(__dirname, '..', '..', '..');
const modelsDir = join(root, 'bench', 'models');
const peerRequire = createRequire(join(root, 'bench', 'package.json'));
/** A peer package from bench/node_modules, or null (and a note why) when it is missing or --skip names its column. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function peer(name: string, columns: string[], notes: string[]): any {
  const skipped = columns.find((c) => SKIP.includes(c));
  if (skipped) { notes.push(`${columns[0]} column left out (--skip ${skipped})`); return null; }
  try { return peerRequire(name); } catch {
    notes.push(`${columns[0]} column skipped: ${name} is not installed (it is in bench/package.json: npm run bench:setup)`);
    return null;
  }
}
function peerVersion(name: string): string | null {
  try { return (JSON.parse(readFileSync(join(root, 'bench', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version; } catch { return null; }
}

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
};
const THREADS = Number(option('threads') ?? os.cpus().length);
const SKIP = option('skip')?.split(',') ?? [];
const QUICK = flag('quick');
const BUDGET: Budget = QUICK
  ? { warmup: 1, seconds: 0.05, minSamples: 3, blockSeconds: 0.02, pauseSeconds: 0.005 }
  : { warmup: 3, seconds: 1, minSamples: 10, blockSeconds: 0.2, pauseSeconds: 0.02 };
const PYTHON = process.env.TL_BENCH_PYTHON ?? 'python3';
const PROBE_TOL = 1e-3;

interface Row { id: string; label: string; spec: Spec; inputShape?: number[]; target: Target }

const M16 = 1 << 24;
const MICRO_ROWS: Row[] = [
  { id: 'matmul512', label: 'matmul 512', spec: { kind: 'matmul', n: 512 }, target: { best: 1.1 } },
  { id: 'matmul1024', label: 'matmul 1024', spec: { kind: 'matmul', n: 1024 }, target: { best: 1.1 } },
  { id: 'relu_add', label: 'relu(a+b), 16M floats', spec: { kind: 'relu_add', n: M16 }, target: { best: 1, ort: 2 } },
  { id: 'sum', label: 'sum of 16M floats', spec: { kind: 'sum', n: M16 }, target: { best: 1 } },
  { id: 'mlp64', label: 'MLP 784-512-512-10, batch 64', spec: { kind: 'mlp', batch: 64 }, target: { best: 1.1 } },
  { id: 'mlp1', label: 'MLP 784-512-512-10, batch 1', spec: { kind: 'mlp', batch: 1 }, target: { best: 1.1 } },
  { id: 'conv', label: 'conv 56×56×64 3×3 + bias + relu', spec: { kind: 'conv', size: 56, channels: 64 }, target: { best: 1.1 } },
  { id: 'scalar_add', label: '`sess.run`, scalar add', spec: { kind: 'scalar_add' }, target: { maxSeconds: 1.5e-6, tfjs: 1.3 } },
  { id: 'async16', label: '16 `runAsync` in flight, scalar add, per call', spec: { kind: 'async16' }, target: { ort: 1.2 } },
  // Issue 7: one Adam step (forward, backward, update; the loss fetched) from the same initial weights.
  { id: 'train_mlp', label: 'train step: MLP 784-512-512-10, batch 64', spec: { kind: 'train', model: 'mlp', batch: 64 }, target: { best: 1 } },
  { id: 'train_cnn', label: 'train step: CNN 28×28 conv8,conv16, batch 32', spec: { kind: 'train', model: 'cnn', batch: 32 }, target: { best: 1 } },
];
const MODELS = [['mobilenet_v2_224', 'MobileNetV2 224'], ['transformer_block', 'transformer block']];
const MODEL_BATCHES = [1, 8];

function modelRows(notes: string[]): Row[] {
  const rows: Row[] = [];
  for (const [name, title] of MODELS) {
    const json = join(modelsDir, `${name}.json`);
    if (!existsSync(json)) {
      notes.push(`${title} rows skipped: bench/models/${name}.json is missing; \`npm run bench:models\` writes the models (needs python3 with tensorflow)`);
      continue;
    }
    const inputShape = readMeta(json).input_shape;
    for (const batch of MODEL_BATCHES) {
      rows.push({ id: `${name}_b${batch}`, label: `${title}, batch ${batch}`, spec: { kind: 'model', name, batch, json }, inputShape, target: { best: 1 } });
    }
  }
  return rows;
}

interface Column { engine: Engine; isaChild?: string }

async function startTf(notes: string[], facts: string[][]): Promise<Engine | null> {
  const proc = spawn(PYTHON, [join(root, 'bench', 'tf_micro_bench.py'), '--threads', String(THREADS)],
    { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const server = new LineServer(proc, 'bench/tf_micro_bench.py');
  try {
    const h = await server.header;
    facts.push(['TF 1.x', `TensorFlow ${h.tf_version} tf.compat.v1.Session from python ${h.python} (grappler on, oneDNN ${h.onednn ? 'on' : 'off'}), intra = inter op threads = ${THREADS}`]);
    return remoteEngine('TF 1.x', server);
  } catch (e) {
    notes.push(`TF 1.x column skipped: ${PYTHON} could not run TensorFlow (${e instanceof Error ? e.message : String(e)}); \`pip install tensorflow-cpu\` adds it`);
    server.close();
    return null;
  }
}

/** An engine served by a child node process running this file with `args` (a LineServer). */
async function startChild(name: string, args: string[], env: Record<string, string>, notes: string[], expect?: (h: Record<string, unknown>) => void): Promise<Engine | null> {
  const proc = spawn(process.execPath, [__filename, ...args, '--threads', String(THREADS)], { env: { ...process.env, ...env } });
  const server = new LineServer(proc, `${name} child`);
  try {
    expect?.(await server.header);
    return remoteEngine(name, server);
  } catch (e) {
    notes.push(`${name} column skipped: ${errText(e)}`);
    server.close();
    return null;
  }
}

const startIsaChild = (level: string, notes: string[]) =>
  startChild(`tensorloom ${level}`, ['--serve-tensorloom'], { TL_ISA: level }, notes, (h) => { if (h.isa !== level) throw new Error(`it runs ${h.isa}`); });

/** The tfjs engine on one backend, for a child process (--serve-tfjs cpu|wasm). */
async function tfjsChildEngine(backend: 'cpu' | 'wasm'): Promise<Engine> {
  console.log = console.info = console.error;   // stdout carries the protocol: tfjs's banners go to stderr
  const tfjs = peerRequire('@tensorflow/tfjs');
  if (backend === 'wasm') peerRequire('@tensorflow/tfjs-backend-wasm').setThreadsCount?.(THREADS);
  await tfjs.setBackend(backend);
  tfjs.tensor([0]).dispose();   // the cpu backend's first write prints its "install our node backend" banner
  return tfjsEngine(tfjs, backend);
}

/** Prepares, cross-checks and times every column on one row; the cells and the medians. */
async function measureRow(row: Row, cols: Column[], notes: string[]): Promise<{ cells: string[]; med: Map<string, number> }> {
  const runners: (Runner | null)[] = [];
  const cells: string[] = [];
  const say = (s: string) => notes.push(`${row.label}: ${s}`);
  for (const c of cols) {
    try {
      const r = await c.engine.prepare(row.spec, row.inputShape);
      if (typeof r === 'string') { runners.push(null); cells.push('–'); say(`${c.engine.name}: – (${r})`); } else { runners.push(r); cells.push(''); }
    } catch (e) { runners.push(null); cells.push('error'); say(`${c.engine.name} failed: ${errText(e)}`); }
  }
  const med = new Map<string, number>();
  try {
    // The reference output: TF's when it runs, else tensorloom's own.
    const probes: (Probe | null)[] = [];
    for (const [i, r] of runners.entries()) {
      try { probes.push(r ? await r.probe() : null); } catch (e) { probes.push(null); cells[i] = 'error'; say(`${cols[i].engine.name} failed: ${errText(e)}`); }
    }
    const refIdx = ['TF 1.x', 'tensorloom'].map((n) => cols.findIndex((c, i) => c.engine.name === n && probes[i])).find((i) => i >= 0);
    probes.forEach((p, i) => {
      if (!p || refIdx === undefined || i === refIdx) return;
      const d = probeDiff(p, probes[refIdx]!);
      if (!(d <= PROBE_TOL)) { cells[i] = '≠ '; say(`${cols[i].engine.name} output differs from ${cols[refIdx].engine.name}'s: max|diff|/max|ref| = ${d} on the first values`); }
    });
    const live = runners.map((r, i) => (probes[i] ? r : null));
    const idx = live.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
    const samples = await interleave(idx.map((i) => live[i]!), BUDGET);
    idx.forEach((i, k) => { med.set(cols[i].engine.name, median(samples[k])); });
  } catch (e) { say(`timing failed: ${errText(e)}`); }
  finally { for (const r of runners) await r?.close(); }
  const peers = cols.filter((c) => !c.engine.name.startsWith('tensorloom')).map((c) => med.get(c.engine.name)).filter((x): x is number => x !== undefined);
  const best = peers.length ? Math.min(...peers) : undefined;
  const tl = med.get('tensorloom');
  cols.forEach((c, i) => {
    const m = med.get(c.engine.name);
    if (m === undefined) { cells[i] ||= 'n/a'; return; }
    cells[i] += fmtTime(m) + (c.isaChild && best !== undefined ? ` (${(m / best).toFixed(2)})` : '');
  });
  cells.push(tl !== undefined && best !== undefined ? (tl / best).toFixed(2) : 'n/a', mark(row.target, med));
  return { cells, med };
}

/** The checkout's commit, "+ changes" when the work tree differs from it; null outside git. */
function commit(): string | null {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return null;
  return head.stdout.trim() + (git('diff', '--quiet', 'HEAD', '--', 'lib', 'native', 'bench').status ? ' + changes' : '');
}

async function main(): Promise<void> {
  const busy = os.loadavg()[0];   // before this run adds its own load
  if (!Number.isInteger(THREADS) || THREADS < 1) throw new Error(`--threads must be a positive integer, got ${option('threads')}`);
  const notes: string[] = [];
  const all = [...MICRO_ROWS, ...modelRows(notes)];
  const wanted = option('rows')?.split(',');
  if (wanted?.includes('list')) { for (const r of all) console.log(`${r.id.padEnd(24)} ${r.label}`); return; }
  const rows = wanted ? all.filter((r) => wanted.some((w) => r.id === w || r.id.startsWith(w))) : all;
  const unknown = wanted?.filter((w) => !all.some((r) => r.id === w || r.id.startsWith(w)));
  if (unknown?.length) {
    console.error(`unknown --rows ${unknown.join(', ')}; the rows: ${all.map((r) => r.id).join(', ')}`);
    for (const n of notes) console.error(`  ${n}`);   // why model rows are absent
    process.exitCode = 2;
    if (!rows.length) return;
  }

  const cpus = os.cpus();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const isa = tf.isa();
  const facts: string[][] = [
    ['CPU', `${cpus[0]?.model?.trim() ?? 'unknown'} × ${cpus.length} logical cores (${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB)`],
    ['tensorloom', `ISA ${isa} (tf.isa()), commit ${commit() ?? 'unknown'}, node ${process.version}, ${os.platform()} ${os.release()}`],
    ['threads', `${THREADS} per engine (intra-op; tfjs-cpu is single-threaded JavaScript)`],
  ];
  const cols: Column[] = [];
  const tfEngine = SKIP.includes('tf') ? (notes.push('TF 1.x column left out (--skip tf)'), null) : await startTf(notes, facts);
  if (tfEngine) cols.push({ engine: tfEngine });
  const ort = peer('onnxruntime-node', ['onnxruntime'], notes);
  if (ort) { cols.push({ engine: ortEngine(ort, THREADS) }); facts.push(['onnxruntime', `onnxruntime-node ${peerVersion('onnxruntime-node')}, intraOpNumThreads ${THREADS}, graph optimization all`]); }
  // tfjs runs in child processes: in this one, its background threads and heap work after each
  // turn slowed whichever engine came next (tensorloom's matmul 1024 measured 7.5 ms without tfjs
  // loaded here and 20 ms with it).
  const tfjs = peer('@tensorflow/tfjs', ['tfjs-cpu', 'tfjs'], notes);
  if (tfjs) {
    const cpu = await startChild('tfjs-cpu', ['--serve-tfjs', 'cpu'], {}, notes);
    if (cpu) cols.push({ engine: cpu });
    const wasm = peer('@tensorflow/tfjs-backend-wasm', ['tfjs-wasm', 'tfjs'], notes) ? await startChild('tfjs-wasm', ['--serve-tfjs', 'wasm'], {}, notes) : null;
    if (wasm) cols.push({ engine: wasm });
    facts.push(['tfjs', `@tensorflow/tfjs ${peerVersion('@tensorflow/tfjs')}${wasm ? `, tfjs-backend-wasm ${peerVersion('@tensorflow/tfjs-backend-wasm')}` : ''}; fused matMul/conv2d where tfjs has them; each backend in its own child process`]);
  }
  cols.push({ engine: tensorloomEngine(THREADS) });
  if (flag('isa')) {
    const levels = ({ avx512: ['avx2', 'scalar'], avx2: ['scalar'], neon: ['scalar'] } as Record<string, string[]>)[isa] ?? [];
    for (const level of levels) {
      const e = await startIsaChild(level, notes);
      if (e) cols.push({ engine: e, isaChild: level });
    }
    facts.push(['ISA levels', `${[isa, ...levels].join(', ')}; a "tensorloom <level>" cell adds (its time / best peer)`]);
  }

  console.log(`tensorloom bench — ${facts[0][1]}; ISA ${isa}; node ${process.version}; ${THREADS} threads per engine${QUICK ? '; --quick budgets' : ''}; load average ${load()}`);
  console.log('time per call, feeds and fetches included (median); tensorloom / best = time ratio against the fastest peer (< 1: tensorloom is faster)\n');
  const head = ['workload', ...cols.map((c) => (c.isaChild ? c.engine.name : c.engine.name === 'tensorloom' ? `tensorloom ${isa}` : c.engine.name)), 'tensorloom / best', 'target (issue 8)'];
  const table = new Table(head, [46, ...cols.map((c) => (c.isaChild ? 18 : Math.max(11, c.engine.name.length + 7))), 17, 16]);
  const loadStart = load();
  try {
    for (const row of rows) table.add([row.label, ...(await measureRow(row, cols, notes)).cells]);
  } finally {
    for (const c of cols) await c.engine.close();
  }
  facts.push(['load average', `${loadStart} at start, ${load()} at end`]);
  if (busy > 0.5 * cpus.length) notes.unshift(`WARNING: the machine was busy before the run (1-minute load average ${busy.toFixed(1)} on ${cpus.length} cores): these numbers are not a record; run again on a quiet machine`);
  notes.push(`budget: ${BUDGET.seconds} s and ≥ ${BUDGET.minSamples} samples per engine and row after ${BUDGET.warmup} warm-up calls, `
    + `turns of ~${BUDGET.blockSeconds} s with ${BUDGET.pauseSeconds * 1e3} ms idle between them${QUICK ? ' (--quick: not for numbers)' : ''}; `
    + `synchronous calls under ${GROUP_SECONDS * 1e6} µs are timed in groups (each call counted at its group's mean), the same for every engine`);
  console.log('');
  for (const n of notes) console.log(`  ${n}`);

  const mdArg = argv.indexOf('--markdown');
  if (mdArg >= 0) {
    const file = option('markdown') ?? join(root, 'bench', 'RESULTS.md');
    const md = [
      '# tensorloom benchmark results',
      '',
      `Written by \`${['node dist/cjs/bench/run.js', ...argv].join(' ')}\` on ${new Date().toISOString()} — the printed table, never edited by hand.`,
      'Time per call with feeds and fetches (median of interleaved samples); `tensorloom / best` is the time ratio against the fastest peer (< 1: tensorloom is faster); the targets are issue 8\'s.',
      '',
      '| machine | |', '|---|---|', ...facts.map(([k, v]) => `| ${k} | ${v} |`),
      '',
      ...(QUICK ? ['**--quick budgets: a test of the harness, not a record.**', ''] : []),
      table.markdown(),
      '',
      ...notes.map((n) => `- ${n}`),
      '',
    ].join('\n');
    writeFileSync(file, md);
    console.log(`\nwrote ${file}`);
  }
}

if (flag('serve-tensorloom')) serveEngine(tensorloomEngine(THREADS), { isa: tf.isa() }).catch((e) => { console.error(e); process.exit(1); });
else if (option('serve-tfjs')) tfjsChildEngine(option('serve-tfjs') as 'cpu' | 'wasm').then((e) => serveEngine(e, {})).catch((e) => { console.error(e); process.exit(1); });
else main().catch((e) => { console.error(e); process.exit(1); });
