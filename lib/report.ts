// tf.profiler.report: one self-contained HTML page picturing traced runs: a timeline (a lane
// per thread, and per Timeline lane where ops overlap), time by op type, the top nodes and live
// memory over the step. Aggregates come from profiler.summarize and lanes / memory counters
// from Timeline; the page has inline style, script and SVG only (a CSP forbids any fetch).
import { writeFileSync } from 'node:fs';
import { binding } from './binding';
import { DTYPES, dtypeInfo } from './dtypes';
import { checkKeys } from './errors';
import { profiler, type ProfileSummary } from './profiler';
import { RunMetadata, relativeStartNanos, type DeviceStepStats, type NodeExecStats, type NodeOutput, type StepStats } from './run-metadata';
import { chromeTrace, type ChromeTrace, type ChromeTraceEvent } from './timeline';

/** What `report` accepts: traced runs, their StepStats, or Chrome traces (objects or JSON text). */
export type ReportInput =
  | RunMetadata | StepStats | ChromeTrace | ChromeTraceEvent[] | string
  | readonly (RunMetadata | StepStats | ChromeTrace)[];

export interface ReportOptions {
  /** Also write the page to this file. */
  path?: string;
  /** Page title (default "tensorloom profile"). */
  title?: string;
  /**
   * Kernel ISA to show in the header. Default: `tf.isa()` when the runs were traced by this
   * process, else the trace's `otherData.isa`; omitted when unknown.
   */
  isa?: string;
}

const OPTION_KEYS = ['path', 'title', 'isa'] as const;
/** Steps whose timeline is embedded (the last ones); all steps count in the aggregates. */
export const MAX_TIMELINE_STEPS = 20;
/** Rows of the top-nodes table and bars of the op-type chart. */
const TOP_NODES = 25, TOP_TYPES = 16;

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#86bcb6', '#d37295', '#a0cbe8', '#8cd17d', '#f1ce63', '#bab0ac', '#ffbe7d'];

// ---------- input ----------

/** One step of the input: its StepStats (for summarize) and where its timeline comes from. */
interface StepIn {
  stats: StepStats;
  /** Set for Chrome trace input: the trace itself (its own lanes are kept). */
  trace?: ChromeTrace;
  /** Executor-reported peak bytes (RunMetadata.memory), when known. */
  bytesPeak?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : typeof v);
const EXPECTED = 'a RunMetadata, StepStats ({ devStats }), Chrome trace ({ traceEvents }) or an array of them';

function checkStepStats(s: StepStats, where: string): StepStats {
  s.devStats.forEach((d: DeviceStepStats, i) => {
    if (!isObj(d)) throw new TypeError(`profiler.report: ${where}.devStats[${i}] is not an object`);
    if (d.nodeStats !== undefined && !Array.isArray(d.nodeStats)) throw new TypeError(`profiler.report: ${where}.devStats[${i}].nodeStats is not an array`);
    (d.nodeStats ?? []).forEach((n, j) => {
      if (!isObj(n) || typeof n.nodeName !== 'string')
        throw new TypeError(`profiler.report: ${where}.devStats[${i}].nodeStats[${j}] is not a NodeExecStats (no string nodeName)`);
    });
  });
  return s;
}

function stepOf(item: unknown, where: string): StepIn {
  if (isObj(item)) {
    if (item instanceof RunMetadata || (isObj(item.stepStats) && Array.isArray(item.stepStats.devStats))) {
      const m = item as unknown as RunMetadata;
      const peak = isObj(m.memory) ? num(m.memory.bytesPeak) : 0;
      return { stats: checkStepStats(m.stepStats, `${where}.stepStats`), bytesPeak: peak > 0 ? peak : undefined };
    }
    if (Array.isArray(item.devStats)) return { stats: checkStepStats(item as unknown as StepStats, where) };
    if (Array.isArray(item.traceEvents)) return fromTrace(item as unknown as ChromeTrace, where);
  }
  throw new TypeError(`profiler.report: ${where} is not ${EXPECTED.replace(' or an array of them', '')} (got ${what(item)})`);
}

const isEvent = (e: unknown): boolean => isObj(e) && typeof e.ph === 'string';
const isEv = (e: unknown): e is ChromeTraceEvent => isObj(e);

function toSteps(input: unknown): { steps: StepIn[]; otherData?: Record<string, unknown> } {
  if (typeof input === 'string') {
    let parsed: unknown;
    try { parsed = JSON.parse(input); } catch (e) {
      throw new TypeError(`profiler.report: a string input must be Chrome trace JSON (Timeline.generateChromeTraceFormat()), ` +
        `but it does not parse (${(e as Error).message}); to read a file use JSON.parse(fs.readFileSync(file, 'utf8')) or the tensorloom-profile CLI`);
    }
    if (typeof parsed === 'string') throw new TypeError('profiler.report: the JSON text holds a string, not a trace');
    return toSteps(parsed);
  }
  if (Array.isArray(input)) {
    if (!input.length) throw new TypeError(`profiler.report: the input array is empty; pass ${EXPECTED}`);
    if (input.every(isEvent)) return { steps: [fromTrace({ traceEvents: input as ChromeTraceEvent[] }, 'input')] };
    const steps = input.map((m, i) => stepOf(m, `item ${i}`));
    const first = input.find((m) => isObj(m) && isObj(m.otherData)) as { otherData?: Record<string, unknown> } | undefined;
    return { steps, otherData: first?.otherData };
  }
  if (!isObj(input)) throw new TypeError(`profiler.report: expected ${EXPECTED}, got ${what(input)}`);
  return { steps: [stepOf(input, 'input')], otherData: isObj(input.otherData) ? input.otherData : undefined };
}

const ENUM_TO_DTYPE = new Map(DTYPES.map((d) => [dtypeInfo(d).enumName, d as string]));

/** A step rebuilt from a Chrome trace's op slices (and tensor snapshots when it has them). */
function fromTrace(trace: ChromeTrace, where: string): StepIn {
  const events = trace.traceEvents.filter(isEv);
  const procs = new Map<number, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'process_name' && isObj(e.args)) procs.set(e.pid, String(e.args.name ?? ''));
  // Output descriptions from the tensor snapshots (showMemory traces): "node" or "node:k".
  const outs = new Map<string, NodeOutput[]>();
  for (const e of events) {
    if (e.ph !== 'O' || typeof e.name !== 'string' || !isObj(e.args) || !isObj(e.args.snapshot)) continue;
    const text = String(e.args.snapshot.tensor_description ?? '');
    const m = /^(.*?)(?::(\d+))?$/.exec(e.name)!;
    const enumName = /dtype:\s*(\w+)/.exec(text)?.[1] ?? '';
    const dtype = ENUM_TO_DTYPE.get(enumName) ?? enumName.replace(/^DT_/, '').toLowerCase();
    const shape = [...text.matchAll(/size:\s*(-?\d+)/g)].map((x) => Number(x[1]));
    const bytes = Number(/requested_bytes:\s*(\d+)/.exec(text)?.[1] ?? 0);
    const list = outs.get(m[1]) ?? [];
    list[Number(m[2] ?? 0)] = { slot: Number(m[2] ?? 0), tensorDescription: { dtype: dtype as never, shape,
      allocationDescription: { requestedBytes: bytes, allocatedBytes: bytes, allocatorName: '' } } };
    outs.set(m[1], list);
  }
  const devs = new Map<number, DeviceStepStats>();
  for (const e of events) {
    if (e.ph !== 'X' || !Number.isFinite(e.ts)) continue;
    let dev = devs.get(e.pid);
    if (!dev) devs.set(e.pid, dev = { device: (procs.get(e.pid) ?? `pid ${e.pid}`).replace(/ Compute$/, ''), nodeStats: [], threadNames: {} });
    const args = isObj(e.args) ? e.args : {};
    const name = String(args.name ?? e.name), op = String(args.op ?? e.name);
    const inputs = Object.keys(args).filter((k) => /^input\d+$/.test(k)).sort((a, b) => +a.slice(5) - +b.slice(5)).map((k) => String(args[k]));
    const ts = e.ts as number, dur = Math.max(0, num(e.dur));
    dev.nodeStats.push({
      nodeName: name,
      allStartMicros: ts, opStartRelMicros: 0, opEndRelMicros: dur, allEndRelMicros: dur,
      allStartNanos: 0, opStartRelNanos: 0, opEndRelNanos: Math.round(dur * 1000), allEndRelNanos: Math.round(dur * 1000),
      scheduledMicros: ts, scheduledNanos: 0,
      threadId: num(e.tid), timelineLabel: `${name} = ${op}(${inputs.join(', ')})`,
      output: (outs.get(name) ?? []).filter(Boolean), memory: [],
    });
  }
  if (!events.length && trace.traceEvents.length) throw new TypeError(`profiler.report: ${where}.traceEvents holds no event objects`);
  return { stats: { devStats: [...devs.values()] }, trace };
}

// ---------- per-step timeline views ----------

/** What the page's script draws for one step (times in µs from the step's first op). */
interface StepView {
  /** 1-based step number. */
  n: number;
  wall: number;
  lanes: string[];
  /** Slices, flat: lane, start, dur, name, op, shapes (the last three index `strings`). */
  s: number[];
  /** Live bytes per allocator: flat [t, bytes, t, bytes, ...]; null when unknown. */
  mem: { a: string; p: number[] }[] | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function shapesText(outputs: readonly NodeOutput[] | undefined): string {
  return (outputs ?? []).map((o) => `${String(o.tensorDescription?.dtype ?? '?')}[${(o.tensorDescription?.shape ?? []).join(',')}]`).join(' ');
}

function shortDevice(d: string): string {
  const m = /device:([^/]+)$/.exec(d) ?? /\/(?:device:)?([A-Za-z]+:\d+)$/.exec(d);
  return m ? m[1] : d;
}

/** A start in ns on one scale for the whole step: epoch ns as a BigInt, or relative ns when exact. */
function startNanos(ns: NodeExecStats, exact: boolean): bigint {
  if (exact) return BigInt(relativeStartNanos.get(ns)!);
  const us = num(ns.allStartMicros), v = ns.allStartNanos as unknown;
  if ((typeof v === 'number' && Number.isInteger(v) && v > 0) || (typeof v === 'bigint' && v > 0n)) {
    const b = BigInt(v as number | bigint);
    if (Math.abs(Number(b / 1000n) - us) < 2) return b;
  }
  return BigInt(Math.round(us * 1000));
}

/**
 * Copies of a step's node stats with starts relative to the step's first op (ns exact when
 * this process traced them), so that Timeline works on small numbers: epoch µs as doubles are
 * only good to 0.25 µs.
 */
function rebased(stats: StepStats): Map<NodeExecStats, NodeExecStats> {
  const all = stats.devStats.flatMap((d) => d.nodeStats ?? []);
  const exact = all.length > 0 && all.every((ns) => relativeStartNanos.has(ns));
  const starts = all.map((ns) => startNanos(ns, exact));
  const base = starts.reduce((m, v) => (v < m ? v : m), starts[0] ?? 0n);
  return new Map(all.map((ns, i) => {
    const rel = Number(starts[i] - base);
    return [ns, { ...ns, allStartMicros: Math.floor(rel / 1000), allStartNanos: rel }];
  }));
}

function buildView(n: number, step: StepIn, strings: Map<string, number>): StepView {
  const str = (s: string) => { let i = strings.get(s); if (i === undefined) strings.set(s, i = strings.size); return i; };
  let trace: ChromeTrace;
  // Per pid of the trace: how to label its lanes and find a node's output shapes.
  const procInfo = new Map<string, { label: string; shapes: Map<string, string> }>();
  if (step.trace) {
    trace = step.trace;
    for (const d of step.stats.devStats) {
      procInfo.set(`${d.device} Compute`, { label: shortDevice(d.device), shapes: new Map(d.nodeStats.map((ns) => [ns.nodeName, shapesText(ns.output)])) });
    }
  } else {
    // One synthetic device per (device, thread) so that Timeline assigns lanes within a thread.
    const devStats: DeviceStepStats[] = [];
    const multiDevice = step.stats.devStats.length > 1;
    const copies = rebased(step.stats);
    for (const d of step.stats.devStats) {
      const byThread = new Map<number, NodeExecStats[]>();
      for (const ns of d.nodeStats ?? []) {
        const t = num(ns.threadId);
        let l = byThread.get(t);
        if (!l) byThread.set(t, l = []);
        l.push(ns);
      }
      for (const [tid, nodeStats] of byThread) {
        const device = `${d.device} [thread ${tid}]`;
        const tname = d.threadNames?.[tid];
        const label = `${multiDevice ? shortDevice(d.device) + ' ' : ''}${tname ? `${tname} (tid ${tid})` : `thread ${tid}`}`;
        procInfo.set(`${device} Compute`, { label, shapes: new Map(nodeStats.map((ns) => [ns.nodeName, shapesText(ns.output)])) });
        devStats.push({ device, nodeStats: nodeStats.map((ns) => copies.get(ns)!), threadNames: {} });
      }
    }
    trace = chromeTrace({ devStats }, { precise: true, showDataflow: false, showMemory: true, threadNames: true });
  }
  const events = trace.traceEvents.filter(isEv);
  const procName = new Map<number, string>(), threadName = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== 'M' || !isObj(e.args)) continue;
    if (e.name === 'process_name') procName.set(e.pid, String(e.args.name));
    else if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, String(e.args.name));
  }
  const ops = events.filter((e) => e.ph === 'X' && Number.isFinite(e.ts));
  const counters = events.filter((e) => e.ph === 'C' && Number.isFinite(e.ts) && isObj(e.args));
  let origin = Infinity, end = -Infinity;
  for (const e of ops) { origin = Math.min(origin, e.ts!); end = Math.max(end, e.ts! + Math.max(0, num(e.dur))); }
  for (const e of counters) origin = Math.min(origin, e.ts!);
  if (!Number.isFinite(origin)) origin = 0;

  // Lanes: by pid then tid; a thread's lane number is shown only when it has several.
  const laneKeys = [...new Set(ops.map((e) => `${e.pid}:${num(e.tid)}`))]
    .map((k) => k.split(':').map(Number)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lanesPerPid = new Map<number, number>();
  for (const [pid] of laneKeys) lanesPerPid.set(pid, (lanesPerPid.get(pid) ?? 0) + 1);
  const laneIndex = new Map<string, number>();
  const lanes = laneKeys.map(([pid, tid], i) => {
    laneIndex.set(`${pid}:${tid}`, i);
    const pname = procName.get(pid) ?? `pid ${pid}`;
    const info = procInfo.get(pname);
    if (info && !step.trace) return lanesPerPid.get(pid)! > 1 ? `${info.label} · lane ${tid}` : info.label;
    const base = info?.label ?? pname.replace(/ Compute$/, '');
    return `${base} · ${threadName.get(`${pid}:${tid}`) ?? `lane ${tid}`}`;
  });
  const s: number[] = [];
  for (const e of ops) {
    const args = isObj(e.args) ? e.args : {};
    const name = String(args.name ?? e.name), op = String(args.op ?? e.name);
    const shapes = procInfo.get(procName.get(e.pid) ?? '')?.shapes.get(name) ?? '';
    s.push(laneIndex.get(`${e.pid}:${num(e.tid)}`)!, r3(e.ts! - origin), r3(Math.max(0, num(e.dur))), str(name), str(op), str(shapes));
  }
  // Memory: Timeline's per-allocator counters of live output bytes.
  const series = new Map<string, number[]>();
  for (const e of counters) {
    const a = String(e.name);
    const v = num(e.args![a] ?? Object.values(e.args!).find((x) => typeof x === 'number'));
    let p = series.get(a);
    if (!p) series.set(a, p = []);
    p.push(r3(e.ts! - origin), v);
  }
  const mem = [...series].filter(([, p]) => p.some((v, i) => i % 2 === 1 && v > 0)).map(([a, p]) => ({ a, p }));
  return { n, wall: r3(Number.isFinite(end) ? end - origin : 0), lanes, s, mem: mem.length ? mem : null };
}

// ---------- HTML ----------

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside a <script> element (no "<", ">", "&" or line separators). */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fmtTime(us: number): string {
  if (!(us > 0)) return '0';
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  if (us >= 1) return `${us.toFixed(us >= 100 ? 0 : us >= 10 ? 1 : 2)} µs`;
  return `${Math.round(us * 1000)} ns`;
}
function fmtBytes(b: number): string {
  if (b >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)} GiB`;
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(2)} MiB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
}

function opTypeChart(summary: ProfileSummary, colors: Record<string, string>): string {
  const rows = summary.byOpType.slice(0, TOP_TYPES);
  const rest = summary.byOpType.slice(TOP_TYPES);
  if (rest.length) {
    const total = rest.reduce((a, r) => a + r.totalMicros, 0);
    rows.push({ ...rest[0], name: `${rest.length} other types`, opType: '', totalMicros: total, percent: rest.reduce((a, r) => a + r.percent, 0),
      count: rest.reduce((a, r) => a + r.count, 0) });
  }
  const max = Math.max(...rows.map((r) => r.totalMicros), 1e-9);
  const H = 22, labelW = 150, barW = 300, W = labelW + barW + 130;
  const bars = rows.map((r, i) => {
    const y = i * H, w = Math.max(1, (r.totalMicros / max) * barW);
    return `<g class="bar"><title>${escapeHtml(`${r.name}: ${fmtTime(r.totalMicros)} in ${r.count} calls (${r.percent.toFixed(1)}%)`)}</title>` +
      `<text class="lbl" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(r.name)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${H - 6}" rx="2" fill="${colors[r.opType] ?? '#aaa'}"></rect>` +
      `<text class="val" x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}">${escapeHtml(`${fmtTime(r.totalMicros)} · ${r.percent.toFixed(1)}%`)}</text></g>`;
  }).join('');
  return `<svg class="bars" width="${W}" height="${rows.length * H}" viewBox="0 0 ${W} ${rows.length * H}" role="img" aria-label="total time per op type">${bars}</svg>`;
}

function nodesTable(summary: ProfileSummary): string {
  const rows = summary.byNode.slice(0, TOP_NODES);
  const more = summary.byNode.length - rows.length;
  const body = rows.map((r) => `<tr><td class="name" title="${escapeHtml(r.name)}">${escapeHtml(r.name)}</td><td>${escapeHtml(r.opType)}</td>` +
    `<td class="n">${r.count}</td><td class="n">${fmtTime(r.totalMicros)}</td><td class="n">${fmtTime(r.meanMicros)}</td>` +
    `<td class="n"><span class="pct" style="width:${(0.6 * Math.min(100, r.percent)).toFixed(1)}px"></span>${r.percent.toFixed(1)}%</td></tr>`).join('\n');
  return `<table class="nodes"><thead><tr><th>node</th><th>type</th><th class="n">count</th><th class="n">total</th>` +
    `<th class="n">mean/step</th><th class="n">%</th></tr></thead>\n<tbody>\n${body}\n</tbody></table>` +
    (more > 0 ? `<p class="note">… ${more} more nodes (all of them: <code>tf.profiler.summarize(metas).toString({ top: 0 })</code>)</p>` : '');
}

const CSS = `
:root{--fg:#1f2328;--muted:#656d76;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--lane:#f6f8fa;--lane2:#fff;--mem:#4e79a7}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--panel:#161b22;--line:#30363d;--lane:#161b22;--lane2:#0d1117;--mem:#79a7d8}}
*{box-sizing:border-box}
body{margin:0;padding:16px 24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:0 0 8px}
section{margin:18px 0;padding:12px 14px;border:1px solid var(--line);border-radius:6px}
.summary{display:flex;flex-wrap:wrap;gap:6px 24px;margin:0}.summary div{min-width:110px}
.summary dt{color:var(--muted);font-size:12px}.summary dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.note,.hint{color:var(--muted);font-size:12px;margin:6px 0 0}
.bar-head{display:flex;align-items:center;gap:12px;flex-wrap:wrap}.bar-head h2{margin:0}
select{font:inherit;font-size:13px}
.chart{width:100%;overflow:hidden;user-select:none;cursor:grab;margin-top:8px}
.chart svg{display:block}
svg text{font-size:11px;fill:var(--fg)}
.tl .lane-bg{fill:var(--lane)}.tl .lane-bg.odd{fill:var(--lane2)}
.tl .lane-label{fill:var(--muted)}
.tl .slice{stroke:rgba(0,0,0,.35);stroke-width:.5}.tl .slice:hover{stroke:var(--fg);stroke-width:1.5}
.tl .slabel{fill:#111;pointer-events:none}
.axis line{stroke:var(--line)}.axis text{fill:var(--muted)}
.area{fill:var(--mem);fill-opacity:.25;stroke:var(--mem);stroke-width:1.5}
.cursor{stroke:var(--fg);stroke-dasharray:3 3}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:0 18px;align-items:start}
@media (max-width:1100px){.grid{display:block}}
.bars .val{fill:var(--muted)}
table.nodes{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
.nodes th,.nodes td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
.nodes td.name{max-width:340px;overflow:hidden;text-overflow:ellipsis}
.nodes .n{text-align:right}
.nodes .pct{display:inline-block;height:9px;margin-right:6px;background:var(--mem);opacity:.55;vertical-align:baseline}
#tip{position:fixed;z-index:10;max-width:420px;padding:6px 9px;border:1px solid var(--line);border-radius:5px;background:var(--panel);
  box-shadow:0 2px 8px rgba(0,0,0,.2);font-size:12px;pointer-events:none;word-break:break-all}
#tip b{font-size:13px}#tip .k{color:var(--muted)}
footer{color:var(--muted);font-size:12px}
`;

// The page's script: draws the timeline and memory chart of the selected step (zoom with the
// wheel, pan by dragging, reset with a double click) and shows slice tooltips. Names are
// escaped before they enter markup.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('tl-data').textContent);
  var S = D.strings, GUT = 215, ROW = 20, AXH = 22, MEMH = 140;
  var tl = document.getElementById('tl'), mem = document.getElementById('mem'), memNote = document.getElementById('mem-note');
  var tip = document.getElementById('tip'), sel = document.getElementById('step'), info = document.getElementById('step-info');
  var cur = null, view = [0, 1], drag = null;
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function fmtT(us) {
    if (!(us > 0)) return '0';
    if (us >= 1e6) return (us / 1e6).toFixed(2) + ' s';
    if (us >= 1e3) return (us / 1e3).toFixed(2) + ' ms';
    if (us >= 1) return us.toFixed(us >= 100 ? 0 : us >= 10 ? 1 : 2) + ' µs';
    return Math.round(us * 1000) + ' ns';
  }
  function fmtB(b) {
    if (b >= 1073741824) return (b / 1073741824).toFixed(2) + ' GiB';
    if (b >= 1048576) return (b / 1048576).toFixed(2) + ' MiB';
    if (b >= 1024) return (b / 1024).toFixed(1) + ' KiB';
    return Math.round(b) + ' B';
  }
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
  function width() { return Math.max(480, tl.clientWidth || 960); }
  function xOf(t, W) { return GUT + (t - view[0]) * (W - GUT - 8) / (view[1] - view[0]); }
  function axis(W, y0, y1) {
    var step = niceStep(view[1] - view[0], Math.max(2, Math.floor((W - GUT) / 110))), out = '<g class="axis">';
    if (!(step > 0) || !isFinite(step)) return '';
    for (var t = Math.ceil(view[0] / step) * step; t <= view[1]; t += step) {
      var x = xOf(t, W).toFixed(1);
      out += '<line x1="' + x + '" x2="' + x + '" y1="' + y0 + '" y2="' + y1 + '"></line>' +
        '<text x="' + x + '" y="' + (y0 - 6) + '" text-anchor="' + (+x > W - 36 ? 'end' : 'middle') + '">' + esc(fmtT(t)) + '</text>';
    }
    return out + '</g>';
  }
  function drawTimeline() {
    var W = width(), n = cur.lanes.length, H = AXH + n * ROW + 2, s = cur.s, k = (W - GUT - 8) / (view[1] - view[0]);
    var out = ['<svg class="tl" width="' + W + '" height="' + H + '" role="img" aria-label="timeline of step ' + cur.n + '">'];
    for (var i = 0; i < n; i++) {
      out.push('<g class="lane" data-lane="' + i + '"><rect class="lane-bg' + (i % 2 ? ' odd' : '') + '" x="0" y="' + (AXH + i * ROW) +
        '" width="' + W + '" height="' + ROW + '"></rect><text class="lane-label" x="6" y="' + (AXH + i * ROW + 14) + '">' +
        esc(cur.lanes[i].length > 33 ? cur.lanes[i].slice(0, 32) + '…' : cur.lanes[i]) + '<title>' + esc(cur.lanes[i]) + '</title></text></g>');
    }
    out.push(axis(W, AXH, H));
    out.push('<svg x="' + GUT + '" y="0" width="' + (W - GUT - 8) + '" height="' + H + '">');
    for (var j = 0; j < s.length; j += 6) {
      var st = s[j + 1], du = s[j + 2];
      if (st + du < view[0] || st > view[1]) continue;
      var x = (st - view[0]) * k, w = Math.max(du * k, 1), y = AXH + s[j] * ROW + 2, name = S[s[j + 3]], op = S[s[j + 4]];
      out.push('<rect class="slice" data-i="' + (j / 6) + '" x="' + x.toFixed(2) + '" y="' + y + '" width="' + w.toFixed(2) +
        '" height="' + (ROW - 4) + '" fill="' + (D.colors[op] || '#bab0ac') + '"></rect>');
      if (w > 26) {
        var fit = Math.floor((w - 6) / 6.2), label = name.length > fit ? name.slice(0, Math.max(1, fit - 1)) + '…' : name;
        out.push('<text class="slabel" x="' + (Math.max(x, 0) + 3).toFixed(2) + '" y="' + (y + 12) + '">' + esc(label) + '</text>');
      }
    }
    out.push('</svg></svg>');
    tl.innerHTML = out.join('');
  }
  function drawMemory() {
    if (!mem) return;
    if (!cur.mem) { mem.innerHTML = ''; memNote.textContent = D.memNote || 'No memory data for this step.'; return; }
    var W = width(), H = MEMH, top = AXH, bottom = H - 4, peak = 0, out = [], i, j;
    cur.mem.forEach(function (m) { for (i = 1; i < m.p.length; i += 2) peak = Math.max(peak, m.p[i]); });
    var yOf = function (b) { return bottom - (peak > 0 ? b / peak : 0) * (bottom - top); };
    out.push('<svg class="memchart" width="' + W + '" height="' + H + '" role="img" aria-label="live bytes over the step">');
    out.push(axis(W, top, bottom));
    out.push('<g class="axis"><text x="' + (GUT - 8) + '" y="' + (top + 4) + '" text-anchor="end">' + esc(fmtB(peak)) + '</text>' +
      '<text x="' + (GUT - 8) + '" y="' + bottom + '" text-anchor="end">0</text></g>');
    out.push('<svg x="' + GUT + '" y="0" width="' + (W - GUT - 8) + '" height="' + H + '">');
    cur.mem.forEach(function (m) {
      var d = 'M0 ' + yOf(0).toFixed(1), b = 0;
      for (j = 0; j < m.p.length; j += 2) {
        var x = (xOf(m.p[j], W) - GUT).toFixed(2);
        d += ' L' + x + ' ' + yOf(b).toFixed(1) + ' L' + x + ' ' + yOf(m.p[j + 1]).toFixed(1);
        b = m.p[j + 1];
      }
      d += ' L' + (W - GUT).toFixed(0) + ' ' + yOf(b).toFixed(1) + ' L' + (W - GUT).toFixed(0) + ' ' + yOf(0).toFixed(1) + ' Z';
      out.push('<path class="area" d="' + d + '"><title>' + esc(m.a) + '</title></path>');
    });
    out.push('<line class="cursor" x1="-10" x2="-10" y1="' + top + '" y2="' + bottom + '"></line></svg></svg>');
    mem.innerHTML = out.join('');
    memNote.textContent = 'Live output bytes per allocator (' + cur.mem.map(function (m) { return m.a; }).join(', ') +
      '), as the Timeline counts them: each output from its op\'s start until its last consumer ends; peak ' + fmtB(peak) +
      (D.bytesPeak ? ' (the executor\'s own peak of allocated bytes over the run: ' + fmtB(D.bytesPeak) + ')' : '') + '.';
  }
  function draw() { drawTimeline(); drawMemory(); }
  function show(idx) {
    cur = D.steps[idx];
    view = [0, cur.wall > 0 ? cur.wall : 1];
    if (info) info.textContent = cur.s.length / 6 + ' ops on ' + cur.lanes.length + ' lane' + (cur.lanes.length === 1 ? '' : 's') + ', wall ' + fmtT(cur.wall);
    draw();
  }
  function liveAt(m, t) {
    var b = 0;
    for (var j = 0; j < m.p.length && m.p[j] <= t; j += 2) b = m.p[j + 1];
    return b;
  }
  function tipAt(e, html) {
    tip.innerHTML = html; tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14, r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 4) x = Math.max(4, e.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 4) y = Math.max(4, e.clientY - r.height - 14);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function tOf(e, box) { var r = box.getBoundingClientRect(), W = width(); return view[0] + (e.clientX - r.left - GUT) * (view[1] - view[0]) / (W - GUT - 8); }
  function onMove(e) {
    if (drag) {
      var dt = (e.clientX - drag.x) * (drag.v[1] - drag.v[0]) / (width() - GUT - 8);
      view = [drag.v[0] - dt, drag.v[1] - dt]; tip.hidden = true; draw(); return;
    }
    var el = e.target && e.target.closest ? e.target.closest('.slice') : null;
    if (el) {
      var j = +el.getAttribute('data-i') * 6, s = cur.s;
      tipAt(e, '<b>' + esc(S[s[j + 3]]) + '</b><br><span class="k">op</span> ' + esc(S[s[j + 4]]) +
        '<br><span class="k">start</span> +' + esc(fmtT(s[j + 1])) + ' <span class="k">duration</span> ' + esc(fmtT(s[j + 2])) +
        (S[s[j + 5]] ? '<br><span class="k">outputs</span> ' + esc(S[s[j + 5]]) : '') + '<br><span class="k">lane</span> ' + esc(cur.lanes[s[j]]));
      return;
    }
    if (mem && cur.mem && mem.contains(e.target)) {
      var t = tOf(e, mem), c = mem.querySelector('.cursor'), x = (xOf(t, width()) - GUT).toFixed(1);
      if (c) { c.setAttribute('x1', x); c.setAttribute('x2', x); }
      tipAt(e, '<span class="k">at</span> +' + esc(fmtT(Math.max(0, t))) + cur.mem.map(function (m) {
        return '<br><span class="k">' + esc(m.a) + '</span> ' + esc(fmtB(liveAt(m, t)));
      }).join(''));
      return;
    }
    tip.hidden = true;
  }
  [tl, mem].forEach(function (box) {
    if (!box) return;
    box.addEventListener('wheel', function (e) {
      e.preventDefault();
      var t = tOf(e, box), f = Math.exp((e.deltaY || 0) * 0.0015), span = Math.max((view[1] - view[0]) * f, 0.01);
      var a = (t - view[0]) / (view[1] - view[0]);
      view = [t - a * span, t + (1 - a) * span]; draw();
    }, { passive: false });
    box.addEventListener('mousedown', function (e) { drag = { x: e.clientX, v: view.slice() }; });
    box.addEventListener('dblclick', function () { view = [0, cur.wall > 0 ? cur.wall : 1]; draw(); });
    box.addEventListener('mouseleave', function () { if (!drag) tip.hidden = true; });
  });
  window.addEventListener('mousemove', onMove);
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('resize', function () { if (cur) draw(); });
  if (sel) sel.addEventListener('change', function () { show(+sel.value); });
  if (D.steps.length) show(D.steps.length - 1);
})();
`;

/**
 * Renders traced runs as one self-contained HTML page (inline CSS, script and SVG; no network):
 * a header with the run summary, the timeline of the last step (lanes per thread, slices named
 * by node, hover for details; a selector when there are several steps), time by op type, the
 * top nodes and live memory over the step. Several steps aggregate as in `profiler.summarize`.
 * @param input one RunMetadata / StepStats / Chrome trace (object or JSON text from
 *   `Timeline.generateChromeTraceFormat`), or an array of them (one per step)
 * @param options `path` also writes the page there; `title`; `isa` for the header
 * @returns the HTML text
 * @throws TypeError on input that is none of these, or unknown options
 * @example
 * tf.profiler.report(metas, { path: 'profile.html' });   // open it in a browser
 */
export function report(input: ReportInput, options: ReportOptions = {}): string {
  const given: unknown = options;
  if (!isObj(given) || Array.isArray(given)) throw new TypeError(`profiler.report: options must be an object, got ${what(given)}`);
  checkKeys(given, OPTION_KEYS, 'profiler.report');
  for (const k of OPTION_KEYS) {
    if (given[k] !== undefined && typeof given[k] !== 'string') throw new TypeError(`profiler.report: options.${k} must be a string, got ${what(given[k])}`);
  }
  if (options.path === '') throw new TypeError('profiler.report: options.path is empty');
  const { steps, otherData } = toSteps(input);
  const summary = profiler.summarize(steps.map((s) => s.stats));
  const title = options.title ?? 'tensorloom profile';

  // ISA: given, else this process's when it traced every node, else the trace's own note.
  let isa = options.isa;
  if (isa === undefined) {
    const all = steps.flatMap((s) => s.stats.devStats.flatMap((d) => d.nodeStats ?? []));
    if (all.length && !steps.some((s) => s.trace) && all.every((ns) => relativeStartNanos.has(ns))) {
      try { isa = binding().isa; } catch { /* addon unavailable: leave it out */ }
    } else if (typeof otherData?.isa === 'string') isa = otherData.isa;
  }

  const colors: Record<string, string> = {};
  summary.byOpType.forEach((r, i) => { colors[r.opType] = PALETTE[i % PALETTE.length]; });
  const strings = new Map<string, number>();
  const first = Math.max(0, steps.length - MAX_TIMELINE_STEPS);
  const views = steps.slice(first).map((s, i) => buildView(first + i + 1, s, strings));
  const bytesPeak = Math.max(0, ...steps.map((s) => s.bytesPeak ?? 0));
  const fromTraceInput = steps.some((s) => s.trace);
  const memNote = fromTraceInput
    ? 'No memory data: the trace has no memory counters (write it with generateChromeTraceFormat({ showMemory: true })).'
    : 'No memory data: the steps record no output allocation sizes (output[].tensorDescription.allocationDescription.requestedBytes).';
  const data = { strings: [...strings.keys()], colors, steps: views, memNote, bytesPeak: bytesPeak || undefined };
  const traced = summary.byNode.length > 0;
  const devices = [...new Set(steps.flatMap((s) => s.stats.devStats.filter((d) => (d.nodeStats ?? []).length).map((d) => d.device)))];

  const facts: [string, string][] = [['steps', String(summary.steps)]];
  if (traced) {
    facts.push(
      ['step wall time (mean)', fmtTime(summary.step.meanMicros)],
      ['p50', fmtTime(summary.step.p50Micros)],
      ['p90', fmtTime(summary.step.p90Micros)],
      ['op time / step', fmtTime(summary.opMicros / Math.max(1, summary.steps)) +
        (summary.stepMicros > 0 ? ` (${((100 * summary.opMicros) / summary.stepMicros).toFixed(0)}% of wall)` : '')],
      ['nodes', String(summary.byNode.length)],
      ['op types', String(summary.byOpType.length)],
    );
    if (bytesPeak) facts.push(['peak memory (executor)', fmtBytes(bytesPeak)]);
  }
  if (isa) facts.push(['ISA', isa]);
  if (devices.length) facts.push([devices.length > 1 ? 'devices' : 'device', devices.join(', ')]);

  const stepSelect = views.length > 1
    ? `<label>step <select id="step">${views.map((v, i) => `<option value="${i}"${i === views.length - 1 ? ' selected' : ''}>${v.n} of ${steps.length}</option>`).join('')}</select></label>`
    : '';
  const partial = steps.length > views.length
    ? `<p class="note">Timelines of the last ${views.length} of ${steps.length} steps; the summary, charts and table cover all steps.</p>` : '';
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

  const body = traced ? `
<section id="timeline">
<div class="bar-head"><h2>Timeline${views.length === 1 ? ` (step ${views[0].n})` : ''}</h2>${stepSelect}<span class="note" id="step-info"></span></div>
${partial}<div id="tl" class="chart"></div>
<p class="hint">One lane per thread (more where ops overlap). Hover a slice for details; wheel to zoom, drag to pan, double-click to reset.</p>
</section>
<section id="memory">
<h2>Memory over the step</h2>
<div id="mem" class="chart"></div>
<p class="note" id="mem-note"></p>
</section>
<div class="grid">
<section id="op-types">
<h2>Time by op type</h2>
${opTypeChart(summary, colors)}
<p class="note">Total over ${summary.steps} step${summary.steps === 1 ? '' : 's'}; percent of all traced op time.</p>
</section>
<section id="top-nodes">
<h2>Top nodes</h2>
${nodesTable(summary)}
</section>
</div>` : `
<section id="empty"><h2>No traced ops</h2>
<p>The input has no node stats. Run with <code>new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE })</code> and pass a <code>tf.RunMetadata</code> to <code>sess.run</code>.</p></section>`;

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<dl class="summary">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
</header>
<main>${body}
</main>
<footer>tensorloom profiler report: ${summary.steps} step${summary.steps === 1 ? '' : 's'}, times are the traced allStart → allEnd of each op.</footer>
<div id="tip" hidden></div>
<script type="application/json" id="tl-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
  if (options.path !== undefined) writeFileSync(options.path, html);
  return html;
}

/**
 * Adds `report` to a profiler object (for `tf.profiler.report`).
 * @example attachReport(profiler)
 */
export function attachReport<T extends object>(target: T): T & { report: typeof report } {
  return Object.assign(target, { report });
}
