// tf.profiler: per-op-type and per-node time tables from the StepStats of one or many traced
// runs (in the spirit of tfprof's op / scope views), for humans (toString) and benchmark code.
import { RunMetadata, relativeStartNanos, type NodeExecStats, type StepStats } from './run-metadata';
import { parseOpLabel } from './timeline';
import { report } from './report';

/**
 * One row of a summary. Times are µs. "Per step" values are this row's time within one step
 * (a node's own time; for an op type, the sum over its nodes); mean/p50/p90 are taken over the
 * steps in which the row ran.
 */
export interface ProfileRow {
  /** Node name (by-node rows) or op type (by-op-type rows). */
  name: string;
  /** Op type of the node (equal to `name` for by-op-type rows). */
  opType: string;
  /** Executions summed over all steps. */
  count: number;
  /** Steps in which the row ran. */
  steps: number;
  totalMicros: number;
  /** Mean per-step time (total / steps). */
  meanMicros: number;
  p50Micros: number;
  p90Micros: number;
  minMicros: number;
  maxMicros: number;
  /** Mean time of one execution (total / count). */
  meanPerCallMicros: number;
  /** Share of all traced op time, in percent (the rows of one table sum to 100). */
  percent: number;
  /** Bytes of outputs produced per step (mean over the steps it ran in). */
  outputBytes: number;
}

export interface SummarizeOptions {
  /**
   * Which interval counts as an op's time: 'all' (default) = allStart → allEnd, the bar the
   * timeline draws; 'op' = opStart → opEnd, the kernel alone.
   */
  time?: 'all' | 'op';
  /** Rows per table printed by toString (default 20; 0 or Infinity prints all). */
  top?: number;
}

/** The result of `tf.profiler.summarize`. */
export interface ProfileSummary {
  /** Number of steps (StepStats) aggregated. */
  steps: number;
  /** Sum of all op times over all steps (µs). */
  opMicros: number;
  /** Wall time of the steps (first op start → last op end), summed over steps (µs). */
  stepMicros: number;
  /** Per-step wall time: mean, p50, p90 (µs). */
  step: { meanMicros: number; p50Micros: number; p90Micros: number };
  /** Rows by op type, sorted by total time, largest first. */
  byOpType: ProfileRow[];
  /** Rows by node, sorted by total time, largest first. */
  byNode: ProfileRow[];
  /** Aligned text tables (by op type, then by node), top N rows each. */
  toString(options?: { top?: number }): string;
}

type Input = RunMetadata | StepStats | readonly (RunMetadata | StepStats)[];

/** Linear-interpolated percentile (numpy's default) of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const x = (sorted.length - 1) * p, lo = Math.floor(x), hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

const nz = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A node's duration in µs, preferring the ns fields (µs fields are floored). */
function duration(ns: NodeExecStats, time: 'all' | 'op'): number {
  if (time === 'op') {
    const n = nz(ns.opEndRelNanos) - nz(ns.opStartRelNanos);
    return n > 0 ? n / 1000 : Math.max(0, nz(ns.opEndRelMicros) - nz(ns.opStartRelMicros));
  }
  const n = nz(ns.allEndRelNanos);
  return n > 0 ? n / 1000 : Math.max(0, nz(ns.allEndRelMicros));
}

/** A node's start in µs: exact and relative to its step when this process traced it, else TF's integer µs. */
function startMicros(ns: NodeExecStats, exact: boolean): number {
  const rel = exact ? relativeStartNanos.get(ns) : undefined;
  return rel !== undefined ? rel / 1000 : nz(ns.allStartMicros);
}

function toSteps(input: Input): StepStats[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((m, i) => {
    if (m instanceof RunMetadata) return m.stepStats;
    if (m && Array.isArray((m as StepStats).devStats)) return m as StepStats;
    if (m && (m as RunMetadata).stepStats) return (m as RunMetadata).stepStats;
    throw new TypeError(`profiler.summarize: item ${i} is not a RunMetadata or StepStats`);
  });
}

interface Acc { name: string; opType: string; count: number; perStep: number[]; bytes: number[] }

function finish(accs: Map<string, Acc>, opMicros: number): ProfileRow[] {
  return [...accs.values()].map((a) => {
    const sorted = a.perStep.slice().sort((x, y) => x - y);
    const total = sorted.reduce((s, v) => s + v, 0);
    return {
      name: a.name, opType: a.opType, count: a.count, steps: sorted.length,
      totalMicros: total,
      meanMicros: sorted.length ? total / sorted.length : 0,
      p50Micros: percentile(sorted, 0.5), p90Micros: percentile(sorted, 0.9),
      minMicros: sorted[0] ?? 0, maxMicros: sorted[sorted.length - 1] ?? 0,
      meanPerCallMicros: a.count ? total / a.count : 0,
      percent: opMicros > 0 ? (100 * total) / opMicros : 0,
      outputBytes: a.bytes.length ? a.bytes.reduce((s, v) => s + v, 0) / a.bytes.length : 0,
    };
  }).sort((x, y) => y.totalMicros - x.totalMicros || (x.name < y.name ? -1 : 1));
}

function fmtTime(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)}s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)}ms`;
  return `${us.toFixed(us >= 100 ? 0 : us >= 10 ? 1 : 2)}us`;
}
function fmtBytes(b: number): string {
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(2)}MB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)}KB`;
  return `${Math.round(b)}B`;
}

function table(title: string, rows: ProfileRow[], top: number, withType: boolean): string {
  const shown = top > 0 && Number.isFinite(top) ? rows.slice(0, top) : rows;
  // mean/p50/p90 are over steps (a node's time per step); mean/call divides by the calls.
  const head = ['name', ...(withType ? ['type'] : []), 'count', 'total', 'mean/step', 'p50/step', 'p90/step', 'mean/call', '%', 'cum%', 'out/step'];
  let cum = 0;
  const body = shown.map((r) => {
    cum += r.percent;
    return [r.name, ...(withType ? [r.opType] : []), String(r.count), fmtTime(r.totalMicros), fmtTime(r.meanMicros),
      fmtTime(r.p50Micros), fmtTime(r.p90Micros), fmtTime(r.meanPerCallMicros), r.percent.toFixed(1), cum.toFixed(1), fmtBytes(r.outputBytes)];
  });
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  // Text columns align left, numbers right.
  const nText = withType ? 2 : 1;
  const line = (r: string[]) => r.map((s, c) => (c < nText ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ').trimEnd();
  const more = rows.length > shown.length ? `\n  ... ${rows.length - shown.length} more rows` : '';
  return [`${title} (${rows.length} rows${rows.length > shown.length ? `, top ${shown.length}` : ''})`, line(head),
    w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n') + more;
}

/**
 * Aggregates traced runs into per-op-type and per-node timing tables.
 * @param input one RunMetadata / StepStats, or an array of them (one per step)
 * @returns a ProfileSummary; `String(summary)` prints both tables sorted by total time
 * @throws TypeError if an item is neither a RunMetadata nor a StepStats
 * @example
 * const metas = [];
 * for (let i = 0; i < 10; i++) { const m = new tf.RunMetadata(); sess.run(y, feeds, opts, m); metas.push(m); }
 * console.log(tf.profiler.summarize(metas).toString({ top: 10 }));
 */
function summarize(input: Input, options: SummarizeOptions = {}): ProfileSummary {
  const time = options.time ?? 'all';
  if (time !== 'all' && time !== 'op') throw new TypeError(`profiler.summarize: time must be 'all' or 'op', got ${String(time)}`);
  const steps = toSteps(input);
  const byNode = new Map<string, Acc>(), byType = new Map<string, Acc>();
  const stepWalls: number[] = [];
  let opMicros = 0;
  for (const s of steps) {
    const nodeStep = new Map<string, { name: string; opType: string; count: number; us: number; bytes: number }>();
    let first = Infinity, last = -Infinity;
    // Exact relative starts only when every node of the step has one (one time base per step).
    const exact = s.devStats.every((d) => (d.nodeStats ?? []).every((ns) => relativeStartNanos.has(ns)));
    for (const dev of s.devStats) {
      for (const ns of dev.nodeStats ?? []) {
        const us = duration(ns, time);
        const parsed = parseOpLabel(ns.timelineLabel);
        const opType = parsed.op;
        const bytes = (ns.output ?? []).reduce((b, o) => b + nz(o.tensorDescription?.allocationDescription?.requestedBytes), 0);
        const key = dev.device + '\0' + ns.nodeName;
        const e = nodeStep.get(key) ?? { name: ns.nodeName, opType, count: 0, us: 0, bytes: 0 };
        e.count++; e.us += us; e.bytes += bytes;
        nodeStep.set(key, e);
        opMicros += us;
        const st = startMicros(ns, exact);
        first = Math.min(first, st);
        last = Math.max(last, st + duration(ns, 'all'));
      }
    }
    if (nodeStep.size) stepWalls.push(Math.max(0, last - first));
    const typeStep = new Map<string, { count: number; us: number; bytes: number }>();
    for (const [key, e] of nodeStep) {
      let a = byNode.get(key);
      if (!a) byNode.set(key, a = { name: e.name, opType: e.opType, count: 0, perStep: [], bytes: [] });
      a.count += e.count; a.perStep.push(e.us); a.bytes.push(e.bytes);
      const t = typeStep.get(e.opType) ?? { count: 0, us: 0, bytes: 0 };
      t.count += e.count; t.us += e.us; t.bytes += e.bytes;
      typeStep.set(e.opType, t);
    }
    for (const [type, t] of typeStep) {
      let a = byType.get(type);
      if (!a) byType.set(type, a = { name: type, opType: type, count: 0, perStep: [], bytes: [] });
      a.count += t.count; a.perStep.push(t.us); a.bytes.push(t.bytes);
    }
  }
  const walls = stepWalls.slice().sort((a, b) => a - b);
  const stepMicros = walls.reduce((a, b) => a + b, 0);
  const summary: ProfileSummary = {
    steps: steps.length,
    opMicros,
    stepMicros,
    step: { meanMicros: walls.length ? stepMicros / walls.length : 0, p50Micros: percentile(walls, 0.5), p90Micros: percentile(walls, 0.9) },
    byOpType: finish(byType, opMicros),
    byNode: finish(byNode, opMicros),
    toString(o: { top?: number } = {}) {
      const top = o.top ?? options.top ?? 20;
      if (!this.byNode.length) return `Profile: ${this.steps} step(s), no traced ops (run with RunOptions traceLevel FULL_TRACE and a RunMetadata)`;
      const ratio = this.stepMicros > 0 ? ` (${((100 * this.opMicros) / this.stepMicros).toFixed(1)}% of step wall time)` : '';
      return [
        `Profile: ${this.steps} step(s); step wall time mean ${fmtTime(this.step.meanMicros)}, p50 ${fmtTime(this.step.p50Micros)}, ` +
          `p90 ${fmtTime(this.step.p90Micros)}; op time (${time}) ${fmtTime(this.opMicros / Math.max(1, this.steps))}/step${ratio}`,
        '',
        table('By op type', this.byOpType, top, false),
        '',
        table('By node', this.byNode, top, true),
      ].join('\n');
    },
  };
  return summary;
}

/**
 * Profiling helpers over RunMetadata (TF1's tfprof in spirit).
 * @example console.log(String(tf.profiler.summarize(meta)));
 */
export const profiler = { summarize, report };
