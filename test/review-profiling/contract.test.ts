// Review of the profiling issue: contract points not covered by test/profiling (these pass).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { mlp } from './mlp';

const DEVICE = '/job:localhost/replica:0/task:0/device:CPU:0';
type Ev = { ph: string; name: string; pid: number; tid?: number; ts?: number; dur?: number; id?: number; cat?: string; args?: Record<string, unknown> };

const EXECUTED = ['w1', 'b1', 'mm1', 'add1', 'relu1', 'w2', 'b2', 'mm2', 'add2', 'relu2', 'w3', 'b3', 'mm3', 'add3', 'probs'];
const names = (m: tf.RunMetadata) => m.stepStats.devStats[0].nodeStats.map((n) => n.nodeName);
const strip = (m: tf.RunMetadata) => m.stepStats.devStats[0].nodeStats.map((n) => ({
  nodeName: n.nodeName, timelineLabel: n.timelineLabel, output: n.output,
  keys: Object.keys(n).sort(),
}));

describe('RunOptions forms', () => {
  it('trace levels: statics, TraceLevel enum, names as strings, plain objects; all give the same stats', () => {
    expect([tf.RunOptions.NO_TRACE, tf.RunOptions.SOFTWARE_TRACE, tf.RunOptions.HARDWARE_TRACE, tf.RunOptions.FULL_TRACE]).toEqual([0, 1, 2, 3]);
    expect(tf.RunOptions.TraceLevel).toEqual({ NO_TRACE: 0, SOFTWARE_TRACE: 1, HARDWARE_TRACE: 2, FULL_TRACE: 3 });
    expect(new tf.RunOptions({ traceLevel: 'FULL_TRACE' }).traceLevel).toBe(3);
    expect(new tf.RunOptions({ traceLevel: 'HARDWARE_TRACE' }).traceLevel).toBe(2);
    expect(new tf.RunOptions().traceLevel).toBe(0);
    expect(() => new tf.RunOptions({ traceLevel: 'BOGUS' as never })).toThrow(tf.errors.InvalidArgumentError);
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const forms: unknown[] = [
      new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE }), { traceLevel: 'FULL_TRACE' }, { traceLevel: 'SOFTWARE_TRACE' },
      { traceLevel: tf.RunOptions.TraceLevel.HARDWARE_TRACE }, { traceLevel: 3, timeoutInMs: 60_000, interOpThreadPool: -1 },
    ];
    const results = forms.map((o) => { const m = new tf.RunMetadata(); sess.run(probs, feeds, o as tf.RunOptions, m); return m; });
    for (const m of results) {
      expect(m.stepStats.devStats).toHaveLength(1);
      expect(m.stepStats.devStats[0].device).toBe(DEVICE);
      expect(names(m)).toEqual(EXECUTED);
      expect(strip(m)).toEqual(strip(results[0]));
    }
    for (const o of [{ traceLevel: 'NO_TRACE' }, { traceLevel: 0 }, {}]) {
      const m = new tf.RunMetadata();
      sess.run(probs, feeds, o as tf.RunOptions, m);
      expect(m.stepStats.devStats).toEqual([]);
      expect(m.costGraph.node).toEqual([]);
    }
    sess.close();
  });

  it('interOpThreadPool -1 and 0 run; anything else is InvalidArgument "Invalid inter_op_thread_pool: N"', () => {
    const { g, probs, feeds } = mlp(1);
    const sess = new tf.Session({ graph: g });
    for (const p of [-1, 0]) expect((sess.run(probs, feeds, new tf.RunOptions({ interOpThreadPool: p })) as tf.NDArray).shape).toEqual([1, 10]);
    for (const p of [-2, 1]) {
      let err: Error | undefined;
      try { sess.run(probs, feeds, new tf.RunOptions({ interOpThreadPool: p })); } catch (e) { err = e as Error; }
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err!.message).toContain(`Invalid inter_op_thread_pool: ${p}`);
    }
    sess.close();
  });

  it('outputPartitionGraphs alone (NO_TRACE) fills partitionGraphs, not stepStats; with a fed _Arg for x', () => {
    const { g, probs, feeds } = mlp(1);
    const sess = new tf.Session({ graph: g });
    const m = new tf.RunMetadata();
    sess.run(probs, feeds, new tf.RunOptions({ outputPartitionGraphs: true }), m);
    expect(m.stepStats.devStats).toEqual([]);
    expect(m.partitionGraphs).toHaveLength(1);
    const nodes = m.partitionGraphs[0].node;
    expect(nodes.filter((n) => n.op !== '_Arg').map((n) => n.name)).toEqual(EXECUTED);
    expect(nodes.some((n) => n.name === 'x')).toBe(false);
    expect(nodes.filter((n) => n.op === '_Arg')).toHaveLength(1);
    for (const n of nodes) expect(n.device).toBe(DEVICE);
    const mm1 = nodes.find((n) => n.name === 'mm1')!;
    expect(nodes.some((n) => n.name === mm1.input[0] && n.op === '_Arg')).toBe(true);
    sess.close();
  });
});

describe('NodeExecStats field kinds and threads', () => {
  it('µs fields are integers, ns fields integers, scheduled ≤ start ≤ opStart ≤ opEnd ≤ allEnd, start near Date.now()', () => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const before = Date.now() * 1000;
    const m = new tf.RunMetadata();
    sess.run(probs, feeds, new tf.RunOptions({ traceLevel: 'FULL_TRACE' }), m);
    const after = Date.now() * 1000;
    let prevStart = 0;
    for (const n of m.stepStats.devStats[0].nodeStats) {
      for (const k of ['allStartMicros', 'opStartRelMicros', 'opEndRelMicros', 'allEndRelMicros', 'scheduledMicros',
        'allStartNanos', 'opStartRelNanos', 'opEndRelNanos', 'allEndRelNanos', 'scheduledNanos', 'threadId'] as const) {
        expect(Number.isInteger(n[k]), `${n.nodeName}.${k}=${n[k]}`).toBe(true);
        expect(n[k]).toBeGreaterThanOrEqual(0);
      }
      expect(n.allStartMicros).toBeGreaterThanOrEqual(before - 1000);
      expect(n.allStartMicros + n.allEndRelMicros).toBeLessThanOrEqual(after + 1000);
      expect(n.scheduledMicros).toBeLessThanOrEqual(n.allStartMicros);
      expect(n.opStartRelMicros).toBeLessThanOrEqual(n.opEndRelMicros);
      expect(n.opEndRelMicros).toBeLessThanOrEqual(n.allEndRelMicros);
      expect(n.opStartRelNanos).toBeLessThanOrEqual(n.opEndRelNanos);
      expect(n.opEndRelNanos).toBeLessThanOrEqual(n.allEndRelNanos);
      expect(n.allStartMicros).toBeGreaterThanOrEqual(prevStart);
      prevStart = n.allStartMicros;
      expect(n.memory.length).toBeGreaterThan(0);
      for (const a of n.memory) {
        expect(a.allocatorName).toBe('cpu');
        expect(Number.isInteger(a.totalBytes)).toBe(true);
      }
      for (const o of n.output) {
        const a = o.tensorDescription.allocationDescription;
        expect(a.allocatorName).toBe('cpu');
        expect(Number.isInteger(a.requestedBytes) && Number.isInteger(a.allocatedBytes)).toBe(true);
        expect(a.allocatedBytes).toBeGreaterThanOrEqual(a.requestedBytes);
        expect(a.requestedBytes).toBe(4 * o.tensorDescription.shape.reduce((x, y) => x * y, 1));
      }
    }
    const mm1 = m.stepStats.devStats[0].nodeStats.find((n) => n.nodeName === 'mm1')!;
    expect(mm1.timelineLabel).toBe('mm1 = MatMul(x, w1)');
    expect(mm1.output).toEqual([{ slot: 0, tensorDescription: { dtype: 'float32', shape: [8, 64],
      allocationDescription: expect.objectContaining({ requestedBytes: 8 * 64 * 4, allocatorName: 'cpu' }) } }]);
    sess.close();
  });

  it('threadId is a real OS thread of this process: the JS thread for run, another thread for runAsync; same nodes and shape of stats', async () => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const opts = new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });
    const ms = new tf.RunMetadata(), ma = new tf.RunMetadata();
    sess.run(probs, feeds, opts, ms);
    await sess.runAsync(probs, feeds, opts, ma);
    const tidS = new Set(ms.stepStats.devStats[0].nodeStats.map((n) => n.threadId));
    const tidA = new Set(ma.stepStats.devStats[0].nodeStats.map((n) => n.threadId));
    expect(tidS.size).toBe(1);
    expect(tidA.size).toBe(1);
    const [s] = tidS, [a] = tidA;
    expect(a).not.toBe(s);
    if (process.platform === 'linux') {
      const tasks = readdirSync('/proc/self/task').map(Number);
      expect(tasks).toContain(s);
      expect(tasks).toContain(a);
      expect(s).toBe(process.pid);  // the main JS thread's tid is the pid
    }
    expect(Object.keys(ma.stepStats.devStats[0].threadNames).map(Number)).toEqual([a]);
    expect(strip(ma)).toEqual(strip(ms));
    expect(ma.costGraph.node.map((n) => n.name)).toEqual(ms.costGraph.node.map((n) => n.name));
    sess.close();
  });

  it('a fed tensor\'s producer (and everything upstream) does not appear; the consumer\'s label still names it', () => {
    const { g, probs, feeds } = mlp();
    const relu2 = g.getOperationByName('relu2').outputs[0];
    const sess = new tf.Session({ graph: g });
    const m = new tf.RunMetadata();
    sess.run(probs, new Map([[relu2, tf.ndarray(new Float32Array(8 * 32).fill(1), [8, 32])]]), new tf.RunOptions({ traceLevel: 3 }), m);
    expect(names(m)).toEqual(['w3', 'b3', 'mm3', 'add3', 'probs']);
    expect(m.stepStats.devStats[0].nodeStats[2].timelineLabel).toBe('mm3 = MatMul(relu2, w3)');
    expect(m.costGraph.node.map((n) => n.name)).toEqual(['w3', 'b3', 'mm3', 'add3', 'probs']);
    sess.close();
    void feeds;
  });

  it('costGraph: ids, device, inputInfo/outputInfo, isFinal only on the fetch, controlInput ids', () => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const m = new tf.RunMetadata();
    sess.run(probs, feeds, new tf.RunOptions({ traceLevel: 3 }), m);
    const nodes = m.costGraph.node;
    expect(nodes.map((n) => n.name)).toEqual(EXECUTED);
    for (const n of nodes) {
      expect(n.device).toBe(DEVICE);
      expect(n.id).toBe(g.getOperationByName(n.name).id);
      expect(n.isFinal).toBe(n.name === 'probs');
      expect(n.computeCost).toBeGreaterThanOrEqual(1);
      expect(n.computeTime).toBeGreaterThanOrEqual(0);
      expect(n.memoryTime).toBeGreaterThanOrEqual(0);
      expect(n.controlInput).toEqual([]);
    }
    const mm2 = nodes.find((n) => n.name === 'mm2')!;
    expect(mm2.inputInfo).toEqual([
      { precedingNode: g.getOperationByName('relu1').id, precedingPort: 0 },
      { precedingNode: g.getOperationByName('w2').id, precedingPort: 0 },
    ]);
    expect(mm2.outputInfo).toEqual([expect.objectContaining({ size: 8 * 32 * 4, shape: [8, 32], dtype: 'float32' })]);
    sess.close();
  });
});

describe('Chrome trace validity (chrome://tracing / Perfetto JSON object format)', () => {
  it('every event has the fields its phase requires, with finite numbers; X name = op type, args.name = node', () => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const m = new tf.RunMetadata();
    sess.run(probs, feeds, new tf.RunOptions({ traceLevel: 'FULL_TRACE' }), m);
    const text = new tf.Timeline(m.stepStats).generateChromeTraceFormat({ showDataflow: true, showMemory: true });
    const trace = JSON.parse(text);
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    const ev: Ev[] = trace.traceEvents;
    const fin = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    for (const e of ev) {
      expect(typeof e.ph).toBe('string');
      expect(Number.isInteger(e.pid)).toBe(true);
      if (e.ph === 'M') { expect(e.args).toBeDefined(); continue; }
      expect(fin(e.ts), JSON.stringify(e)).toBe(true);
      expect(Number.isInteger(e.tid)).toBe(true);
      if (e.ph === 'X') expect(fin(e.dur) && e.dur! >= 0).toBe(true);
      if ('NODst'.includes(e.ph)) expect(Number.isInteger(e.id)).toBe(true);
      if (e.ph === 'C') for (const v of Object.values(e.args!)) expect(fin(v)).toBe(true);
    }
    const xs = ev.filter((e) => e.ph === 'X');
    expect(xs.map((e) => e.args!.name)).toEqual(EXECUTED);
    expect(xs.find((e) => e.args!.name === 'mm1')).toMatchObject({ name: 'MatMul', cat: 'Op', pid: 1, args: { name: 'mm1', op: 'MatMul', input0: 'x', input1: 'w1' } });
    expect(xs.find((e) => e.args!.name === 'probs')!.name).toBe('Softmax');
    const c = ev.filter((e) => e.ph === 'C');
    expect(c.length).toBeGreaterThan(0);
    expect(c.every((e) => e.name === 'cpu' && e.pid === 0)).toBe(true);
    expect(Math.max(...c.map((e) => e.args!.cpu as number))).toBeGreaterThanOrEqual(8 * 64 * 4);
    expect(ev.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => (e.args as { name: string }).name))
      .toEqual(['Allocators', `${DEVICE} Compute`, `${DEVICE} Tensors`]);
    // Without showMemory, no counters.
    expect(JSON.parse(new tf.Timeline(m.stepStats).generateChromeTraceFormat()).traceEvents.some((e: Ev) => e.ph === 'C')).toBe(false);
    sess.close();
  });

  it('a trace from runAsync metadata is as complete as from run', async () => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const m = new tf.RunMetadata();
    await sess.runAsync(probs, feeds, { traceLevel: 'FULL_TRACE' } as never, m);
    const ev: Ev[] = JSON.parse(new tf.Timeline(m.stepStats).generateChromeTraceFormat({ showMemory: true })).traceEvents;
    expect(ev.filter((e) => e.ph === 'X').map((e) => e.args!.name)).toEqual(EXECUTED);
    expect(ev.some((e) => e.ph === 'C')).toBe(true);
    sess.close();
  });
});

describe('tf.profiler.summarize contract', () => {
  const runs = (k: number) => {
    const { g, probs, feeds } = mlp();
    const sess = new tf.Session({ graph: g });
    const metas: tf.RunMetadata[] = [];
    for (let i = 0; i < k; i++) { const m = new tf.RunMetadata(); sess.run(probs, feeds, new tf.RunOptions({ traceLevel: 'FULL_TRACE' }), m); metas.push(m); }
    sess.close();
    return metas;
  };

  it('single RunMetadata, [RunMetadata], StepStats and [StepStats] agree', () => {
    const [m] = runs(1);
    const a = tf.profiler.summarize(m), b = tf.profiler.summarize([m]), c = tf.profiler.summarize(m.stepStats), d = tf.profiler.summarize([m.stepStats]);
    for (const s of [b, c, d]) { expect(s.byNode).toEqual(a.byNode); expect(s.byOpType).toEqual(a.byOpType); }
    expect(a.steps).toBe(1);
    expect(a.byNode.map((r) => r.name).sort()).toEqual([...EXECUTED].sort());
    expect(a.byOpType.map((r) => r.name).sort()).toEqual(['Add', 'Const', 'MatMul', 'Relu', 'Softmax']);
    expect(a.byOpType.find((r) => r.name === 'MatMul')!.count).toBe(3);
    expect(a.byOpType.find((r) => r.name === 'Const')!.count).toBe(6);
    expect(() => tf.profiler.summarize({} as never)).toThrow(TypeError);
  });

  it('100 steps: count 100 per node, p50 ≤ p90, min ≤ mean ≤ max, percents sum to 100, rows sorted by total, bytes per step', () => {
    const metas = runs(100);
    const s = tf.profiler.summarize(metas);
    expect(s.steps).toBe(100);
    for (const rows of [s.byNode, s.byOpType]) {
      expect(rows.reduce((a, r) => a + r.percent, 0)).toBeCloseTo(100, 6);
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1].totalMicros).toBeGreaterThanOrEqual(rows[i].totalMicros);
      for (const r of rows) {
        expect(r.p50Micros).toBeLessThanOrEqual(r.p90Micros);
        expect(r.minMicros).toBeLessThanOrEqual(r.meanMicros + 1e-9);
        expect(r.meanMicros).toBeLessThanOrEqual(r.maxMicros + 1e-9);
        expect(r.meanMicros).toBeCloseTo(r.totalMicros / 100, 6);
        expect(r.percent).toBeCloseTo((100 * r.totalMicros) / s.opMicros, 6);
      }
    }
    for (const r of s.byNode) expect(r.count).toBe(100);
    expect(s.byNode.find((r) => r.name === 'mm1')!.outputBytes).toBe(8 * 64 * 4);
    expect(s.byOpType.find((r) => r.name === 'MatMul')!.outputBytes).toBe(4 * 8 * (64 + 32 + 10));
    expect(s.step.p50Micros).toBeLessThanOrEqual(s.step.p90Micros);
  });

  it('toString: both tables, body rows in total-time order, columns aligned', () => {
    const s = tf.profiler.summarize(runs(3));
    const text = s.toString({ top: 0 });
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('By node'));
    const header = lines[start + 1], dashes = lines[start + 2];
    const body = lines.slice(start + 3).filter((l) => l.trim() && !l.includes('more rows'));
    expect(body.map((l) => l.split(/\s+/)[0])).toEqual(s.byNode.map((r) => r.name));
    expect(header.split(/\s+/)).toEqual(expect.arrayContaining(['name', 'count', 'total', 'mean/step', 'p50/step', 'p90/step', 'mean/call', '%']));
    // Right-aligned numeric columns end where their dash run ends.
    const ends = [...dashes.matchAll(/-+/g)].map((x) => x.index! + x[0].length);
    for (const l of body) {
      const cols = [...l.matchAll(/\S+/g)].map((x) => x.index! + x[0].length);
      expect(cols.slice(2)).toEqual(ends.slice(2));
    }
    expect(text).toContain('By op type');
    expect(String(s)).toBe(s.toString());
  });
});

describe('example, bench and README', () => {
  const root = resolve(__dirname, '../..');
  const example = join(root, 'dist/cjs/examples/profile-mlp.js');
  it.skipIf(!existsSync(example))('profile-mlp (what npm start runs) prints the shape, the table, and writes trace.json with a Perfetto hint', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tl-profile-'));
    const out = execFileSync(process.execPath, [example], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/shape \[64, 10\]/);
    expect(out).toContain('By op type');
    expect(out).toContain('MatMul');
    const path = join(cwd, 'trace.json');
    expect(out).toContain(path);
    expect(out).toMatch(/perfetto/i);
    const trace = JSON.parse(readFileSync(path, 'utf8'));
    // 6 Consts, 3 _FusedMatMul (MatMul + BiasAdd [+ Relu]) and the Softmax.
    expect(trace.traceEvents.filter((e: Ev) => e.ph === 'X').length).toBe(10);
    expect(trace.traceEvents.filter((e: Ev) => e.ph === 'X' && e.name === '_FusedMatMul').length).toBe(3);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start).toContain('profile-mlp');
  });

  const bench = join(root, 'dist/cjs/bench/tracing.js');
  it.skipIf(!existsSync(bench))('bench/tracing reports NO_TRACE vs FULL_TRACE and their ratio', () => {
    const out = execFileSync(process.execPath, [bench, '5', '4'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/NO_TRACE/);
    expect(out).toMatch(/FULL_TRACE/);
    expect(out).toMatch(/ratio FULL\/NO: mean \d+\.\d+/);
  });

  it('README has a Profiling section with the four lines and a summary table excerpt', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const sec = readme.slice(readme.indexOf('## Profiling'), readme.indexOf('\n## ', readme.indexOf('## Profiling') + 5));
    for (const s of ['new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE })', 'new tf.RunMetadata()', 'sess.run(', 'new tf.Timeline(meta.stepStats).generateChromeTraceFormat(', 'By op type', 'MatMul'])
      expect(sec).toContain(s);
  });
});
