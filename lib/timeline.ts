// Timeline: StepStats → Chrome trace event JSON (chrome://tracing, ui.perfetto.dev), following
// TF's python/client/timeline.py step for step (pids, lanes, tensors, ops, dataflow, memory).
// Divergences from TF are marked "NOTE(TF):".
import { dtypeInfo, isDType } from './dtypes';
import type { Graph } from './graph';
import type { DeviceStepStats, NodeExecStats, NodeOutput, StepStats } from './run-metadata';

/** One Chrome trace event (the keys TF's _ChromeTraceFormatter writes, in its order). */
export interface ChromeTraceEvent {
  ph: string;
  cat?: string;
  name: string;
  pid: number;
  tid?: number;
  /** Microseconds (may be fractional). */
  ts?: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}
/** The top-level trace object: `{ traceEvents }`, as TF writes it. */
export interface ChromeTrace { traceEvents: ChromeTraceEvent[] }

/** The moment an allocator held the most bytes (TF's AllocationMaximum). */
export interface AllocationMaximum { timestamp: number; numBytes: number; tensors: Set<string> }
/** TF's StepStatsAnalysis: the trace plus the per-allocator maximums. */
export interface StepStatsAnalysis { chromeTrace: ChromeTrace; allocatorMaximums: Record<string, AllocationMaximum> }

export interface TimelineOptions {
  /** Flow arrows from producer to consumer when they are on different lanes (default true). */
  showDataflow?: boolean;
  /** Tensor object events (N/O/D) and per-allocator memory counters (C). */
  showMemory?: boolean;
  /**
   * Name each lane with a `thread_name` metadata event (default true). NOTE(TF): TF's timeline
   * never emits them; Perfetto and chrome://tracing then show bare lane numbers.
   */
  threadNames?: boolean;
  /**
   * Sub-µs `ts`/`dur` from the Nanos fields, with lanes that never overlap (default false:
   * TF's integer `allStartMicros` / `allEndRelMicros` and TF's lane rule, under which ops that
   * meet within one µs land on different lanes and dataflow arrows connect them).
   */
  precise?: boolean;
}
export interface ChromeTraceFormatOptions extends TimelineOptions {
  /** Indent the JSON (TF always pretty-prints with indent 4; default here: compact). */
  pretty?: boolean;
}

/**
 * Two ops whose recorded intervals overlap by less than this (µs) are treated as sequential
 * when assigning lanes: `allStartNanos` is an epoch-ns JS number above 2^53 (good to ±128 ns)
 * and an epoch-µs `ts` is itself a double with 0.25 µs steps, so smaller overlaps are noise.
 */
const LANE_SLACK_US = 1;

interface Tracker {
  name: string; objectId: number; createTime: number; pid: number;
  allocator: string; numBytes: number; unrefTimes: number[];
}
/** A node's start (epoch µs, with a sub-µs part when known) and duration (µs). */
interface Times { start: number; dur: number }

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : 0);

/** The largest double below us + 1 (epoch µs are spaced 0.25 apart, so us + 0.999 rounds up). */
function belowNext(us: number): number {
  const ulp = us > 0 ? 2 ** (Math.floor(Math.log2(us)) - 52) : 0;
  return Math.min(us + 0.999, us + 1 - Math.max(ulp, 0.001));
}

function nodeTimes(ns: NodeExecStats): Times {
  const us = num(ns.allStartMicros);
  let start = us;
  const nanos = ns.allStartNanos as unknown;
  if ((typeof nanos === 'number' && Number.isInteger(nanos) && nanos > 0) || (typeof nanos === 'bigint' && nanos > 0n)) {
    // Split the ns value exactly (BigInt) and keep the result inside the recorded µs, so stats
    // built by hand (ns = 0 or inconsistent) and rounding across a µs boundary stay on allStartMicros.
    const b = BigInt(nanos as number | bigint);
    const exact = Number(b / 1000n) + Number(b % 1000n) / 1000;
    if (Math.abs(exact - us) < 2) start = Math.min(Math.max(exact, us), belowNext(us));
  }
  const relUs = num(ns.allEndRelMicros);
  const relNs = num(ns.allEndRelNanos);
  const dur = relNs > 0 && Math.abs(relNs / 1000 - relUs) < 1.5 ? relNs / 1000 : relUs;
  return { start, dur: Math.max(dur, 0) };
}

/** TF's `_parse_op_label`: "name = Op(in1, in2)" → [name, op, inputs]. */
export function parseOpLabel(label: string): { name: string; op: string; inputs: string[] } {
  const m = /^(.*) = (.*)\((.*)\)/s.exec(label ?? '');
  if (!m) return { name: 'unknown', op: 'unknown', inputs: [] };
  return { name: m[1], op: m[2], inputs: m[3] ? m[3].split(', ') : [] };
}

function parseKernelLabel(label: string, nodeName: string): { name: string; op: string } {
  const start = label.indexOf('@@'), end = label.indexOf('#');
  if (start >= 0 && end >= 0 && start + 2 < end) nodeName = label.slice(start + 2, end);
  const fields = [...nodeName.split(':'), 'unknown'];
  return { name: fields[0], op: fields[1] };
}

const isGpuTraceDevice = (device: string) => device.includes('/stream:') || device.includes('/memcpy');

/** TF prints `str(tensor_description)` (proto text format) with the quotes removed. */
function tensorDescriptionText(out: NodeOutput): string {
  const d = out.tensorDescription;
  const dt = isDType(d?.dtype) ? dtypeInfo(d.dtype).enumName : `DT_${String(d?.dtype).toUpperCase()}`;
  const lines = [`dtype: ${dt}`, 'shape {'];
  for (const s of d?.shape ?? []) lines.push('  dim {', `    size: ${s}`, '  }');
  lines.push('}');
  const a = d?.allocationDescription;
  if (a) {
    lines.push('allocation_description {');
    if (a.requestedBytes) lines.push(`  requested_bytes: ${a.requestedBytes}`);
    if (a.allocatedBytes) lines.push(`  allocated_bytes: ${a.allocatedBytes}`);
    if (a.allocatorName) lines.push(`  allocator_name: ${a.allocatorName}`);
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

/**
 * Visualizes one step's StepStats as a Chrome trace, like TF's `timeline.Timeline`.
 *
 * NOTE(TF): each call analyses afresh (TF accumulates into one formatter, so a second call on
 * the same object duplicates events), and the caller's StepStats is never modified (TF's
 * `_assign_lanes` overwrites every `thread_id` with the lane number; lanes live in a side
 * table here, so `threadId` keeps the native thread).
 *
 * @example
 * const tl = new tf.Timeline(meta.stepStats);
 * fs.writeFileSync('trace.json', tl.generateChromeTraceFormat({ showMemory: true }));
 */
export class Timeline {
  readonly stepStats: StepStats;
  /** Accepted for TF compatibility; the trace is built from stepStats alone, as in TF. */
  readonly graph: Graph | undefined;

  /**
   * @param stepStats `runMetadata.stepStats` of a traced run (or a hand-built StepStats).
   * @param graph the graph that ran (optional, unused as in TF).
   */
  constructor(stepStats: StepStats, graph?: Graph) {
    if (!stepStats || !Array.isArray(stepStats.devStats)) throw new TypeError('Timeline needs a StepStats ({ devStats: [...] })');
    this.stepStats = stepStats;
    this.graph = graph;
  }

  /**
   * TF's `analyze_step_stats`: the trace as an object plus, per allocator, when it peaked.
   * Defaults as in TF: showDataflow true, showMemory true.
   */
  analyzeStepStats(options: TimelineOptions = {}): StepStatsAnalysis {
    return analyze(this.stepStats.devStats, options.showDataflow ?? true, options.showMemory ?? true, options.threadNames ?? true, !!options.precise);
  }

  /** The Chrome trace as an object (for programmatic use). Defaults: showDataflow true, showMemory false. */
  generateChromeTrace(options: TimelineOptions = {}): ChromeTrace {
    return analyze(this.stepStats.devStats, options.showDataflow ?? true, options.showMemory ?? false, options.threadNames ?? true, !!options.precise).chromeTrace;
  }

  /**
   * The Chrome trace as a JSON string `{"traceEvents": [...]}`; open it at
   * https://ui.perfetto.dev or chrome://tracing. Defaults: showDataflow true, showMemory false.
   */
  generateChromeTraceFormat(options: ChromeTraceFormatOptions = {}): string {
    return JSON.stringify(this.generateChromeTrace(options), null, options.pretty ? 4 : undefined);
  }
}

/** Shorthand for `new Timeline(stepStats).generateChromeTrace(options)`. */
export function chromeTrace(stepStats: StepStats, options: TimelineOptions = {}): ChromeTrace {
  return new Timeline(stepStats).generateChromeTrace(options);
}

function analyze(devStats: DeviceStepStats[], showDataflow: boolean, showMemory: boolean, threadNames = true, precise = false): StepStatsAnalysis {
  const metadata: ChromeTraceEvent[] = [];
  const events: ChromeTraceEvent[] = [];
  const ev = (ph: string, cat: string, name: string, pid: number, tid: number, ts: number): ChromeTraceEvent =>
    ({ ph, cat, name, pid, tid, ts });

  // 1. pids (_allocate_pids): 0 = Allocators, then Compute / Tensors per device.
  const allocatorsPid = 0;
  metadata.push({ name: 'process_name', ph: 'M', pid: allocatorsPid, args: { name: 'Allocators' } });
  const devs = devStats.map((d, k) => ({ d, computePid: 2 * k + 1, tensorsPid: 2 * k + 2 }));
  for (const { d, computePid, tensorsPid } of devs) {
    metadata.push({ name: 'process_name', ph: 'M', pid: computePid, args: { name: `${d.device} Compute` } });
    metadata.push({ name: 'process_name', ph: 'M', pid: tensorsPid, args: { name: `${d.device} Tensors` } });
  }

  // 2. lanes (_assign_lanes): a node takes the first lane that is free at its start.
  // TF compares integer µs with `>`, which puts back-to-back ops that meet inside one µs on a
  // new lane. In `precise` mode lanes compare sub-µs times with a small slack instead, and a
  // start that overlaps the lane's previous op by that slack is moved to its end, so slices on
  // one lane never overlap.
  const layout = devs.map(({ d }) => {
    const lanes: number[] = [];
    return (d.nodeStats ?? []).map((ns) => {
      if (!precise) {
        const start = num(ns.allStartMicros), dur = Math.max(0, num(ns.allEndRelMicros));
        let lane = lanes.findIndex((end) => start > end);
        if (lane < 0) { lane = lanes.length; lanes.push(0); }
        lanes[lane] = start + dur;
        return { ns, lane, start, end: start + dur, dur };
      }
      const t = nodeTimes(ns);
      let lane = lanes.findIndex((end) => t.start >= end - LANE_SLACK_US);
      if (lane < 0) { lane = lanes.length; lanes.push(-Infinity); }
      const start = Math.max(t.start, lanes[lane]);
      // dur from the small relative numbers (exact), shortened by any shift of the start, but an op
      // that ran keeps at least the smallest width epoch µs can show (0.25 µs today), so a
      // sub-0.25 µs op pushed behind its neighbour is not drawn 0 wide.
      const ulp = start > 0 ? 2 ** (Math.floor(Math.log2(start)) - 52) : 0;
      const dur = t.dur > 0 ? Math.max(t.dur - (start - t.start), ulp) : 0;
      const end = start + dur;
      lanes[lane] = end;
      return { ns, lane, start, end, dur };
    });
  });
  if (threadNames) {
    devs.forEach(({ computePid, tensorsPid }, k) => {
      const used = [...new Set(layout[k].map((n) => n.lane))].sort((a, b) => a - b);
      for (const lane of used) metadata.push({ name: 'thread_name', ph: 'M', pid: computePid, tid: lane, args: { name: `ops lane ${lane}` } });
      if (showMemory) {
        for (const lane of used) metadata.push({ name: 'thread_name', ph: 'M', pid: tensorsPid, tid: lane, args: { name: `tensors lane ${lane}` } });
      }
    });
    if (showMemory) metadata.push({ name: 'thread_name', ph: 'M', pid: allocatorsPid, tid: 0, args: { name: 'memory' } });
  }

  // 3. tensors (_analyze_tensors): one tracker per output, by enumeration index.
  const tensors = new Map<string, Tracker>();
  const flowStarts = new Map<string, { time: number; pid: number; tid: number }>();
  devs.forEach(({ tensorsPid, computePid }, k) => {
    for (const { ns, lane, start, end } of layout[k]) {
      (ns.output ?? []).forEach((out, index) => {
        const name = index ? `${ns.nodeName}:${index}` : ns.nodeName;
        const alloc = out.tensorDescription?.allocationDescription;
        const t: Tracker = { name, objectId: tensors.size, createTime: start, pid: tensorsPid,
          allocator: alloc?.allocatorName ?? '', numBytes: num(alloc?.requestedBytes), unrefTimes: [end] };
        tensors.set(name, t);
        flowStarts.set(name, { time: end, pid: computePid, tid: lane });
        if (showMemory) {
          events.push({ ...ev('N', 'Tensor', name, tensorsPid, lane, start), id: t.objectId });
          // TF snapshots at end - 1 µs; kept inside the op for sub-µs ops.
          events.push({ ...ev('O', 'Tensor', name, tensorsPid, lane, Math.max(start, end - 1)), id: t.objectId,
            args: { snapshot: { tensor_description: tensorDescriptionText(out).replace(/"/g, '') } } });
        }
      });
    }
  });

  // 4 + 5. ops (_show_compute) and dataflow arrows.
  let nextFlowId = 0;
  devs.forEach(({ d, computePid }, k) => {
    const gpu = isGpuTraceDevice(d.device);
    for (const { ns, lane, start, end, dur } of layout[k]) {
      let op: string, nodeName = ns.nodeName, inputs: string[] = [];
      if (gpu) ({ name: nodeName, op } = parseKernelLabel(ns.timelineLabel ?? '', nodeName));
      else if (nodeName === 'RecvTensor') op = 'RecvTensor';
      else ({ op, inputs } = parseOpLabel(ns.timelineLabel));
      const args: Record<string, unknown> = { name: nodeName, op };
      inputs.forEach((inp, i) => { args[`input${i}`] = inp; });
      events.push({ ...ev('X', 'Op', op, computePid, lane, start), dur, args });
      if (gpu || nodeName === 'RecvTensor') continue;
      for (let input of inputs) {
        if (!tensors.has(input)) {
          // Send/Recv renames ("x/_3"): attribute the flow to the original node, as TF does.
          const i = input.lastIndexOf('/_');
          if (i > 0) input = input.slice(0, i);
        }
        const t = tensors.get(input);
        if (!t) continue;
        t.unrefTimes.push(Math.max(start, end - 1));
        const from = flowStarts.get(input)!;
        if (showDataflow && (from.pid !== computePid || from.tid !== lane)) {
          const id = nextFlowId++;
          events.push({ ...ev('s', 'DataFlow', input, from.pid, from.tid, from.time), id });
          events.push({ ...ev('t', 'DataFlow', input, computePid, lane, start), id });
        }
      }
    }
  });

  // 6. memory (_show_memory_counters): tensor deletions and a running total per allocator.
  const allocatorMaximums: Record<string, AllocationMaximum> = {};
  if (showMemory) {
    const allocations = new Map<string, { time: number; bytes: number; name: string }[]>();
    for (const t of tensors.values()) {
      const lastUnref = Math.max(...t.unrefTimes);
      events.push({ ...ev('D', 'Tensor', t.name, t.pid, 0, lastUnref), id: t.objectId });
      let list = allocations.get(t.allocator);
      if (!list) allocations.set(t.allocator, list = []);
      list.push({ time: t.createTime, bytes: t.numBytes, name: t.name }, { time: lastUnref, bytes: -t.numBytes, name: t.name });
    }
    for (const [allocator, list] of allocations) {
      // TF sorts the (time, bytes, name) tuples: at equal times frees come before allocations.
      list.sort((a, b) => a.time - b.time || a.bytes - b.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      let total = 0;
      const live = new Set<string>();
      let max: AllocationMaximum = { timestamp: 0, numBytes: 0, tensors: new Set() };
      for (const { time, bytes, name } of list) {
        total += bytes;
        if (bytes < 0) live.delete(name); else live.add(name);
        if (total > max.numBytes) max = { timestamp: time, numBytes: total, tensors: new Set(live) };
        events.push({ ...ev('C', 'Memory', allocator, allocatorsPid, 0, time), args: { [allocator]: total } });
      }
      allocatorMaximums[allocator] = max;
    }
  }
  return { chromeTrace: { traceEvents: [...metadata, ...events] }, allocatorMaximums };
}
