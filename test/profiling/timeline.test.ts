// tf.Timeline: Chrome trace events from real and hand-built StepStats (TF timeline.py shapes).
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { smallGraph, traced } from './helpers';

const DEVICE = '/job:localhost/replica:0/task:0/device:CPU:0';
type Ev = tf.ChromeTraceEvent;

function realRun() {
  const s = smallGraph();
  const sess = new tf.Session({ graph: s.g });
  const meta = traced(sess, s.out, s.feeds);
  sess.close();
  return { ...s, meta, stats: meta.stepStats.devStats[0].nodeStats };
}

/** A NodeExecStats with µs fields only (like TF's hand-built tests). */
function node(name: string, type: string, inputs: string[], start: number, dur: number, outBytes: number[] = [4]): tf.NodeExecStats {
  return {
    nodeName: name, allStartMicros: start, opStartRelMicros: 0, opEndRelMicros: dur, allEndRelMicros: dur,
    allStartNanos: 0, opStartRelNanos: 0, opEndRelNanos: 0, allEndRelNanos: 0, scheduledMicros: 0, scheduledNanos: 0,
    threadId: 0, timelineLabel: `${name} = ${type}(${inputs.join(', ')})`,
    output: outBytes.map((b, slot) => ({ slot, tensorDescription: { dtype: 'float32', shape: [b / 4],
      allocationDescription: { requestedBytes: b, allocatedBytes: b, allocatorName: 'cpu' } } })),
    memory: [],
  };
}
const handBuilt = (nodes: tf.NodeExecStats[]): tf.StepStats => ({ devStats: [{ device: DEVICE, nodeStats: nodes, threadNames: {} }] });

describe('Timeline on a real run', () => {
  it('parses as JSON with a traceEvents array; every event has ph, pid and name', () => {
    const { meta } = realRun();
    const text = new tf.Timeline(meta.stepStats).generateChromeTraceFormat();
    expect(typeof text).toBe('string');
    const trace = JSON.parse(text);
    expect(Object.keys(trace)).toEqual(['traceEvents']);
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    for (const e of trace.traceEvents) {
      expect(typeof e.ph).toBe('string');
      expect(Number.isInteger(e.pid)).toBe(true);
      expect(typeof e.name).toBe('string');
    }
    expect(JSON.parse(new tf.Timeline(meta.stepStats).generateChromeTraceFormat({ pretty: true }))).toEqual(trace);
  });

  it('starts with process_name metadata for Allocators, Compute and Tensors, then lane thread names', () => {
    const { meta } = realRun();
    const ev: Ev[] = tf.chromeTrace(meta.stepStats).traceEvents;
    const m = ev.filter((e) => e.ph === 'M');
    expect(ev.slice(0, m.length).every((e) => e.ph === 'M')).toBe(true);
    expect(m.filter((e) => e.name === 'process_name')).toEqual([
      { name: 'process_name', ph: 'M', pid: 0, args: { name: 'Allocators' } },
      { name: 'process_name', ph: 'M', pid: 1, args: { name: `${DEVICE} Compute` } },
      { name: 'process_name', ph: 'M', pid: 2, args: { name: `${DEVICE} Tensors` } },
    ]);
    // threadNames: false gives exactly TF's metadata (process names only).
    expect(tf.chromeTrace(meta.stepStats, { threadNames: false }).traceEvents.filter((e) => e.name === 'thread_name')).toEqual([]);
    const withNames: Ev[] = ev;
    const lanes = new Set(withNames.filter((e) => e.ph === 'X').map((e) => e.tid));
    const named = withNames.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === 1);
    expect(new Set(named.map((e) => e.tid))).toEqual(lanes);
    for (const e of named) expect(typeof (e.args as { name: string }).name).toBe('string');
  });

  it('has one X event per node: op type as name, node/op/inputs in args, times from the stats', () => {
    const { stats, meta } = realRun();
    const xs = tf.chromeTrace(meta.stepStats).traceEvents.filter((e) => e.ph === 'X');
    expect(xs).toHaveLength(stats.length);
    stats.forEach((n, i) => {
      const e = xs[i];
      expect(e.cat).toBe('Op');
      expect(e.pid).toBe(1);
      expect(Number.isInteger(e.tid) && e.tid! >= 0).toBe(true);
      const type = n.timelineLabel.split(' = ')[1].split('(')[0];
      expect(e.name).toBe(type);
      expect(e.args!.name).toBe(n.nodeName);
      expect(e.args!.op).toBe(type);
      expect(typeof e.ts).toBe('number');
      expect(typeof e.dur).toBe('number');
      // TF's _show_compute: ts = all_start_micros, dur = all_end_rel_micros.
      expect(e.ts).toBe(n.allStartMicros);
      expect(e.dur).toBe(n.allEndRelMicros);
    });
    // precise: sub-µs times from the Nanos fields (tiny ops are not 0 wide), lanes never overlap.
    const px = tf.chromeTrace(meta.stepStats, { precise: true }).traceEvents.filter((e) => e.ph === 'X');
    stats.forEach((n, i) => {
      const e = px[i];
      expect(e.ts!).toBeGreaterThanOrEqual(n.allStartMicros);
      expect(e.ts!).toBeLessThan(n.allStartMicros + 2);
      expect(Math.abs(e.dur! - n.allEndRelNanos / 1000)).toBeLessThan(1.01);
      expect(e.dur!).toBeGreaterThan(0);
    });
    const out = xs.find((e) => e.args!.name === 'out')!;
    expect(out.args).toEqual({ name: 'out', op: 'Identity', input0: 'z', input1: '^ctrl' });
    expect(xs.find((e) => e.args!.name === 'y')!.args).toEqual({ name: 'y', op: 'MatMul', input0: 'x', input1: 'w' });
  });

  it('slices on one lane never overlap', () => {
    const { meta } = realRun();
    const xs = tf.chromeTrace(meta.stepStats).traceEvents.filter((e) => e.ph === 'X');
    const byLane = new Map<number, Ev[]>();
    for (const e of xs) byLane.set(e.tid!, [...(byLane.get(e.tid!) ?? []), e]);
    for (const lane of byLane.values()) {
      lane.sort((a, b) => a.ts! - b.ts!);
      for (let i = 1; i < lane.length; i++) expect(lane[i].ts!).toBeGreaterThanOrEqual(lane[i - 1].ts! + lane[i - 1].dur!);
    }
  });

  it('does not modify the caller\'s StepStats (TF overwrites thread_id with the lane)', () => {
    const { meta } = realRun();
    const copy = structuredClone(meta.stepStats);
    const tl = new tf.Timeline(meta.stepStats);
    tl.generateChromeTraceFormat({ showMemory: true });
    tl.analyzeStepStats();
    expect(meta.stepStats).toEqual(copy);
  });

  it('calling twice gives the same trace (no accumulation)', () => {
    const { meta } = realRun();
    const tl = new tf.Timeline(meta.stepStats);
    expect(tl.generateChromeTraceFormat({ showMemory: true })).toBe(tl.generateChromeTraceFormat({ showMemory: true }));
  });

  it('showMemory adds N/O/D per output tensor and cpu counters that return to 0', () => {
    const { meta, stats } = realRun();
    const plain = tf.chromeTrace(meta.stepStats).traceEvents;
    expect(plain.some((e) => 'NODC'.includes(e.ph))).toBe(false);
    const ev = tf.chromeTrace(meta.stepStats, { showMemory: true }).traceEvents;
    const outputs = stats.flatMap((n) => n.output.map((o, i) => ({ name: i ? `${n.nodeName}:${i}` : n.nodeName, n, o })));
    for (const ph of ['N', 'O', 'D']) {
      const es = ev.filter((e) => e.ph === ph);
      expect(es.map((e) => e.name)).toEqual(outputs.map((o) => o.name));
      es.forEach((e, i) => {
        expect(e.cat).toBe('Tensor');
        expect(e.pid).toBe(2);
        expect(e.id).toBe(i);
        expect(typeof e.ts).toBe('number');
      });
    }
    const n = ev.filter((e) => e.ph === 'N'), o = ev.filter((e) => e.ph === 'O'), d = ev.filter((e) => e.ph === 'D');
    outputs.forEach((out, i) => {
      expect(n[i].ts!).toBeLessThanOrEqual(o[i].ts!);
      expect(o[i].ts!).toBeLessThanOrEqual(d[i].ts!);
      const snap = (o[i].args!.snapshot as { tensor_description: string }).tensor_description;
      expect(snap).toContain('dtype: DT_FLOAT');
      expect(snap).toContain(`requested_bytes: ${out.o.tensorDescription.allocationDescription.requestedBytes}`);
      expect(snap).not.toContain('"');
      expect(d[i].tid).toBe(0);
    });
    // z is consumed by out, so it lives until out runs.
    const z = outputs.findIndex((x) => x.name === 'z');
    const outX = ev.find((e) => e.ph === 'X' && e.args!.name === 'out')!;
    expect(d[z].ts!).toBeGreaterThanOrEqual(outX.ts!);
    const c = ev.filter((e) => e.ph === 'C');
    expect(c).toHaveLength(2 * outputs.length);
    for (const e of c) {
      expect(e).toMatchObject({ cat: 'Memory', name: 'cpu', pid: 0, tid: 0 });
      expect(typeof (e.args as { cpu: number }).cpu).toBe('number');
    }
    for (let i = 1; i < c.length; i++) expect(c[i].ts!).toBeGreaterThanOrEqual(c[i - 1].ts!);
    expect((c[c.length - 1].args as { cpu: number }).cpu).toBe(0);
    const peak = Math.max(...c.map((e) => (e.args as { cpu: number }).cpu));
    const analysis = new tf.Timeline(meta.stepStats).analyzeStepStats();
    expect(analysis.allocatorMaximums.cpu.numBytes).toBe(peak);
    expect(analysis.allocatorMaximums.cpu.numBytes).toBeGreaterThanOrEqual(16);
    expect(analysis.allocatorMaximums.cpu.timestamp).toBeGreaterThan(0);
    expect(analysis.allocatorMaximums.cpu.tensors.size).toBeGreaterThan(0);
    // Order: M, then N/O, then X (with s/t), then D and C.
    const phases = ev.map((e) => e.ph).join('');
    expect(phases).toMatch(/^M+[NO]+[Xst]+[DC]+$/);
  });
});

describe('Timeline on hand-built StepStats (TF timeline.py semantics)', () => {
  // a: [100, 200) on lane 0; b: [110, 150) overlaps → lane 1; c: [210, 220) consumes a and b → lane 0.
  const stats = () => handBuilt([
    node('a', 'Const', [], 100, 100),
    node('b', 'Const', [], 110, 40, [4, 8]),
    node('c', 'AddN', ['a', 'b', 'b:1'], 210, 10),
  ]);

  it('assigns lanes like _assign_lanes', () => {
    const xs = tf.chromeTrace(stats()).traceEvents.filter((e) => e.ph === 'X');
    expect(xs.map((e) => [e.args!.name, e.tid, e.ts, e.dur])).toEqual([['a', 0, 100, 100], ['b', 1, 110, 40], ['c', 0, 210, 10]]);
    expect(xs[2]).toEqual({ ph: 'X', cat: 'Op', name: 'AddN', pid: 1, tid: 0, ts: 210, dur: 10,
      args: { name: 'c', op: 'AddN', input0: 'a', input1: 'b', input2: 'b:1' } });
  });

  it('emits s/t flow pairs with matching ids only across lanes', () => {
    const ev = tf.chromeTrace(stats()).traceEvents;
    const flows = ev.filter((e) => e.ph === 's' || e.ph === 't');
    expect(flows).toEqual([
      { ph: 's', cat: 'DataFlow', name: 'b', pid: 1, tid: 1, ts: 150, id: 0 },
      { ph: 't', cat: 'DataFlow', name: 'b', pid: 1, tid: 0, ts: 210, id: 0 },
      { ph: 's', cat: 'DataFlow', name: 'b:1', pid: 1, tid: 1, ts: 150, id: 1 },
      { ph: 't', cat: 'DataFlow', name: 'b:1', pid: 1, tid: 0, ts: 210, id: 1 },
    ]);
    expect(tf.chromeTrace(stats(), { showDataflow: false }).traceEvents.filter((e) => e.ph === 's' || e.ph === 't')).toEqual([]);
  });

  it('strips a Send/Recv "/_n" suffix to find the producer', () => {
    const s = handBuilt([node('a', 'Const', [], 100, 100), node('b', 'Const', [], 110, 40), node('c', 'Neg', ['b/_7'], 210, 10)]);
    const flows = tf.chromeTrace(s).traceEvents.filter((e) => e.ph === 's');
    expect(flows.map((e) => e.name)).toEqual(['b']);
  });

  it('memory events follow _show_memory_counters', () => {
    const ev = tf.chromeTrace(stats(), { showMemory: true }).traceEvents;
    expect(ev.filter((e) => e.ph === 'N')).toEqual([
      { ph: 'N', cat: 'Tensor', name: 'a', pid: 2, tid: 0, ts: 100, id: 0 },
      { ph: 'N', cat: 'Tensor', name: 'b', pid: 2, tid: 1, ts: 110, id: 1 },
      { ph: 'N', cat: 'Tensor', name: 'b:1', pid: 2, tid: 1, ts: 110, id: 2 },
      { ph: 'N', cat: 'Tensor', name: 'c', pid: 2, tid: 0, ts: 210, id: 3 },
    ]);
    expect(ev.find((e) => e.ph === 'O')!.ts).toBe(199);
    // Last unref: consumers unref at their end - 1 (TF).
    expect(ev.filter((e) => e.ph === 'D').map((e) => [e.name, e.ts])).toEqual([['a', 219], ['b', 219], ['b:1', 219], ['c', 220]]);
    expect(ev.filter((e) => e.ph === 'C').map((e) => [e.ts, (e.args as { cpu: number }).cpu])).toEqual([
      [100, 4], [110, 8], [110, 16], [210, 20], [219, 12], [219, 8], [219, 4], [220, 0],
    ]);
    const max = new tf.Timeline(stats()).analyzeStepStats().allocatorMaximums.cpu;
    expect(max).toEqual({ timestamp: 210, numBytes: 20, tensors: new Set(['a', 'b', 'b:1', 'c']) });
  });

  it('labels that do not parse give op "unknown"; RecvTensor is kept as its own op', () => {
    const s = handBuilt([{ ...node('a', 'Const', [], 1, 1), timelineLabel: 'garbage' }, { ...node('RecvTensor', 'X', [], 5, 1), timelineLabel: 'x @y' }]);
    const xs = tf.chromeTrace(s).traceEvents.filter((e) => e.ph === 'X');
    expect(xs.map((e) => e.name)).toEqual(['unknown', 'RecvTensor']);
  });

  it('gives each device its own Compute and Tensors pids', () => {
    const s: tf.StepStats = { devStats: [
      { device: '/device:CPU:0', nodeStats: [node('a', 'Const', [], 1, 5)], threadNames: {} },
      { device: '/device:CPU:1', nodeStats: [node('b', 'Neg', ['a'], 10, 5)], threadNames: {} },
    ] };
    const ev = tf.chromeTrace(s).traceEvents;
    expect(ev.filter((e) => e.name === 'process_name').map((e) => [e.pid, (e.args as { name: string }).name])).toEqual([
      [0, 'Allocators'], [1, '/device:CPU:0 Compute'], [2, '/device:CPU:0 Tensors'], [3, '/device:CPU:1 Compute'], [4, '/device:CPU:1 Tensors'],
    ]);
    // Different pids → a flow even on the same lane number.
    expect(ev.filter((e) => e.ph === 's' || e.ph === 't').map((e) => [e.ph, e.pid, e.ts])).toEqual([['s', 1, 6], ['t', 3, 10]]);
  });

  it('an empty StepStats gives only the Allocators process', () => {
    expect(tf.chromeTrace({ devStats: [] }).traceEvents).toEqual([{ name: 'process_name', ph: 'M', pid: 0, args: { name: 'Allocators' } }]);
    expect(() => new tf.Timeline(undefined as never)).toThrow(TypeError);
  });
});
