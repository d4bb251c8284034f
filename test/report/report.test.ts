// profiler.report: the HTML page of traced runs (content, escaping, aggregation, inputs, errors).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { MAX_TIMELINE_STEPS, escapeHtml, report } from '../../lib/report';
import { EVIL, mlpRuns, pageData, parseHtml, renamed } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'tl-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The checks every page must pass: well-formed, self-contained, its data embedded. */
function checkPage(html: string) {
  const { problems, tags } = parseHtml(html);
  expect(problems).toEqual([]);
  // Nothing from the network: no URL at all, no src/href, no external script/style/link/img.
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
  for (const t of tags) {
    expect(Object.keys(t.attrs).filter((a) => ['src', 'href', 'xlink:href', 'action', 'srcset'].includes(a)), `<${t.name}>`).toEqual([]);
    expect(['link', 'img', 'iframe', 'object', 'embed', 'base']).not.toContain(t.name);
  }
  // Inline script/style only, and the CSP that forbids any load.
  const scripts = tags.filter((t) => t.name === 'script');
  expect(scripts.length).toBe(2);
  expect(scripts.map((s) => s.attrs.type ?? '')).toEqual(['application/json', '']);
  const csp = tags.find((t) => t.name === 'meta' && t.attrs['http-equiv'] === 'Content-Security-Policy');
  expect(csp?.attrs.content).toMatch(/^default-src 'none';/);
  const code = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
  expect(code).not.toMatch(/<\/script|<!--|fetch\(|XMLHttpRequest|import\(/i);
  expect(() => new Function(code)).not.toThrow();  // the inline script at least parses
  return pageData(html);
}

describe('profiler.report', () => {
  it('one traced run: header, timeline data, op-type chart, top nodes, memory', () => {
    const { metas, nodes } = mlpRuns(1);
    const html = report(metas[0]);
    const data = checkPage(html);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<title>tensorloom profile</title>');
    // Every executed node is named in the page (table and embedded data).
    for (const n of nodes) expect(data.strings).toContain(n);
    // dense1's MatMul + BiasAdd + Relu run as one fused step named like its tail.
    expect(nodes).toContain('dense1/Relu');
    expect(nodes).not.toContain('dense1/MatMul');
    expect(html).toContain('<td class="name" title="dense1/Relu">dense1/Relu</td>');
    // One step, one slice per executed node, on one thread lane (the executor runs ops in order).
    expect(data.steps).toHaveLength(1);
    const step = data.steps[0];
    expect(step.n).toBe(1);
    expect(step.s.length / 6).toBe(nodes.length);
    expect(step.lanes.length).toBeGreaterThanOrEqual(1);
    expect(step.lanes[0]).toMatch(/tensorloom executor \(tid \d+\)/);
    for (let j = 0; j < step.s.length; j += 6) {
      const [lane, start, dur] = step.s.slice(j, j + 3);
      expect(lane).toBeLessThan(step.lanes.length);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start + dur).toBeLessThanOrEqual(step.wall + 1e-3);
    }
    const dense1 = step.s.findIndex((v, j) => j % 6 === 3 && data.strings[v] === 'dense1/Relu');
    expect(data.strings[step.s[dense1 + 1]]).toBe('_FusedMatMul');
    expect(data.strings[step.s[dense1 + 2]]).toBe('float32[8,32]');
    // Memory from the outputs' allocation sizes: rises and returns to a lower level.
    expect(step.mem).not.toBeNull();
    const p = step.mem![0].p;
    expect(step.mem![0].a).toBe('cpu');
    expect(Math.max(...p.filter((_, i) => i % 2))).toBeGreaterThanOrEqual(16 * 32 * 4);
    // Header: summarize's numbers, and this process's ISA (it traced the run).
    const s = tf.profiler.summarize(metas[0]);
    expect(html).toContain(`<dt>steps</dt><dd>1</dd>`);
    expect(html).toContain(`<dt>nodes</dt><dd>${nodes.length}</dd>`);
    expect(html).toContain(`<dt>ISA</dt><dd>${tf.isa()}</dd>`);
    expect(html).toMatch(/<dt>step wall time \(mean\)<\/dt><dd>[\d.]+ (ns|µs|ms)<\/dd>/);
    // Op-type chart: one bar per type with its percent.
    for (const r of s.byOpType) expect(html).toContain(`>${r.name}</text>`);
    expect(html).toContain(`${s.byOpType[0].percent.toFixed(1)}%</text>`);
    // Colors are shared by the chart and the timeline.
    expect(Object.keys(data.colors).sort()).toEqual(s.byOpType.map((r) => r.name).sort());
  });

  it('aggregates several steps like summarize, with a step selector', () => {
    const { metas, nodes } = mlpRuns(5);
    const html = report(metas);
    const data = checkPage(html);
    const s = tf.profiler.summarize(metas);
    expect(data.steps.map((v) => v.n)).toEqual([1, 2, 3, 4, 5]);
    expect(html).toContain('<dt>steps</dt><dd>5</dd>');
    expect(html).toMatch(/<select id="step">(<option value="\d">\d of 5<\/option>){4}<option value="4" selected>5 of 5<\/option><\/select>/);
    // The top-nodes table follows summarize's order, counts and percentages.
    const rows = [...html.matchAll(/<tr><td class="name" title="[^"]*">([^<]*)<\/td><td>([^<]*)<\/td><td class="n">(\d+)<\/td>.*?<td class="n"><span class="pct" style="width:[\d.]+px"><\/span>([\d.]+)%/g)];
    expect(rows.map((r) => r[1])).toEqual(s.byNode.slice(0, 25).map((r) => r.name));
    expect(rows.map((r) => r[2])).toEqual(s.byNode.slice(0, 25).map((r) => r.opType));
    expect(rows.every((r) => r[3] === '5')).toBe(true);
    expect(rows.map((r) => r[4])).toEqual(s.byNode.slice(0, 25).map((r) => r.percent.toFixed(1)));
    expect(rows).toHaveLength(nodes.length);
    // Each step has its own timeline.
    for (const v of data.steps) expect(v.s.length / 6).toBe(nodes.length);
  });

  it(`embeds the timelines of the last ${MAX_TIMELINE_STEPS} steps only`, () => {
    const { metas } = mlpRuns(MAX_TIMELINE_STEPS + 3);
    const html = report(metas);
    const data = checkPage(html);
    expect(data.steps.map((v) => v.n)).toEqual(Array.from({ length: MAX_TIMELINE_STEPS }, (_, i) => i + 4));
    expect(html).toContain(`<dt>steps</dt><dd>${MAX_TIMELINE_STEPS + 3}</dd>`);
    expect(html).toContain(`Timelines of the last ${MAX_TIMELINE_STEPS} of ${MAX_TIMELINE_STEPS + 3} steps`);
  });

  it('writes the page when a path is given', () => {
    const { metas } = mlpRuns(2);
    const path = join(dir, 'profile.html');
    const html = report(metas, { path, title: 'My <model> & "run"' });
    expect(readFileSync(path, 'utf8')).toBe(html);
    expect(html).toContain('<title>My &#60;model&#62; &#38; &#34;run&#34;</title>');
    expect(html).toContain('<h1>My &#60;model&#62; &#38; &#34;run&#34;</h1>');
    checkPage(html);
  });

  it('escapes node names: <script>, quotes and ampersands never reach the markup raw', () => {
    const { metas } = mlpRuns(2);
    const evil = renamed(metas, 'dense1/Relu', EVIL);
    const html = report(evil);
    const data = checkPage(html);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror="');
    expect(html).toContain(`<td class="name" title="${escapeHtml(EVIL)}">${escapeHtml(EVIL)}</td>`);
    expect(escapeHtml(EVIL)).toBe('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#60;img src=x onerror=&#34;window.__pwned=1&#34;&#62;&#39;&#38;');
    // The embedded data keeps the name exactly (JSON with <, > and & as \u escapes).
    expect(data.strings).toContain(EVIL);
    expect(html).toContain('\\u003cscript\\u003ealert(\\"x\\")\\u003c/script\\u003e');
    // An op type from a hand-made trace is escaped in the chart too.
    const trace = new tf.Timeline(evil[1].stepStats).generateChromeTrace();
    for (const e of trace.traceEvents) if (e.ph === 'X' && (e.args as { name: string }).name === EVIL) (e.args as { op: string }).op = '<b>Op"</b>';
    const html2 = report(trace);
    checkPage(html2);
    expect(html2).not.toContain('<b>Op');
    expect(html2).toContain('>&#60;b&#62;Op&#34;&#60;/b&#62;</text>');
  });

  it('reads Chrome traces (object, JSON text, event array) and keeps their lanes', () => {
    const { metas, nodes } = mlpRuns(1);
    const tl = new tf.Timeline(metas[0].stepStats);
    const withMemory = tl.generateChromeTraceFormat({ showMemory: true });
    const fromText = report(withMemory);
    const data = checkPage(fromText);
    expect(data.steps[0].s.length / 6).toBe(nodes.length);
    for (const n of nodes) expect(data.strings).toContain(n);
    // Lanes are the trace's own (device + Timeline lane), shapes from the tensor snapshots.
    expect(data.steps[0].lanes.every((l) => /^CPU:0 · ops lane \d+$/.test(l))).toBe(true);
    expect(data.strings).toContain('float32[8,32]');
    expect(data.steps[0].mem?.[0].a).toBe('cpu');
    // No ISA in a trace; the same aggregates as from the stats (integer µs in TF's trace).
    expect(fromText).not.toContain('<dt>ISA</dt>');
    expect(report(JSON.parse(withMemory))).toBe(fromText);
    expect(report(JSON.parse(withMemory).traceEvents)).toBe(fromText);
    expect(fromText).toContain(`<dt>nodes</dt><dd>${nodes.length}</dd>`);
    // Without memory counters the chart is left out, with a reason.
    const plain = report(tl.generateChromeTrace());
    expect(pageData(plain).steps[0].mem).toBeNull();
    expect(plain).toContain('the trace has no memory counters');
    // A trace whose JSON names an ISA shows it.
    expect(report({ ...JSON.parse(withMemory), otherData: { isa: 'neon' } })).toContain('<dt>ISA</dt><dd>neon</dd>');
  });

  it('reads RunMetadata as JSON (the CLI input) and plain StepStats', () => {
    const { metas, nodes } = mlpRuns(3);
    const plain = JSON.parse(JSON.stringify(metas));
    const html = report(plain);
    const data = checkPage(html);
    expect(data.steps).toHaveLength(3);
    expect(html).toContain('<dt>steps</dt><dd>3</dd>');
    expect(html).not.toContain('<dt>ISA</dt>');  // unknown for stats from elsewhere
    expect(html).toContain('<dt>peak memory (executor)</dt>');
    const fromStats = report(metas.map((m) => m.stepStats));
    expect(pageData(fromStats).steps[2].s.length / 6).toBe(nodes.length);
    expect(report(metas, { isa: 'scalar' })).toContain('<dt>ISA</dt><dd>scalar</dd>');
  });

  it('a lane per thread, and more lanes where a thread\'s ops overlap', () => {
    const { metas } = mlpRuns(1);
    const st = JSON.parse(JSON.stringify(metas[0].stepStats)) as tf.StepStats;
    const dev = st.devStats[0];
    const ns = dev.nodeStats;
    // Move the second half of the ops to another thread, and make two ops of thread 1 overlap.
    const half = Math.floor(ns.length / 2);
    for (const n of ns.slice(half)) n.threadId = 77;
    dev.threadNames = { ...dev.threadNames, 77: 'worker' };
    ns[1].allStartMicros = ns[0].allStartMicros;
    ns[1].allStartNanos = ns[0].allStartNanos;
    ns[0].allEndRelMicros = ns[0].allEndRelMicros + 50;
    ns[0].allEndRelNanos = ns[0].allEndRelNanos + 50_000;
    const data = checkPage(report(st));
    const lanes = data.steps[0].lanes;
    expect(lanes.filter((l) => l.startsWith('worker (tid 77)'))).toEqual(['worker (tid 77)']);
    expect(lanes.filter((l) => l.startsWith('tensorloom executor')).length).toBe(2);
    expect(lanes.some((l) => / · lane 1$/.test(l))).toBe(true);
    // Each lane's slices never overlap (Timeline's precise lanes).
    const s = data.steps[0].s;
    for (let k = 0; k < lanes.length; k++) {
      const spans = [];
      for (let j = 0; j < s.length; j += 6) if (s[j] === k) spans.push([s[j + 1], s[j + 1] + s[j + 2]]);
      spans.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1] - 1e-3);
    }
  });

  it('stats without allocation sizes: no memory chart, and the page says why', () => {
    const { metas } = mlpRuns(1);
    const st = JSON.parse(JSON.stringify(metas[0].stepStats)) as tf.StepStats;
    for (const n of st.devStats[0].nodeStats) n.output = [];
    const html = report(st);
    expect(pageData(html).steps[0].mem).toBeNull();
    expect(html).toContain('the steps record no output allocation sizes');
  });

  it('a run without tracing gives a page that says how to trace', () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.add(tf.constant(1), tf.constant(2)));
    const sess = new tf.Session({ graph: g });
    const meta = new tf.RunMetadata();
    sess.run(y, undefined, new tf.RunOptions(), meta);
    sess.close();
    const html = report(meta);
    checkPage(html);
    expect(html).toContain('No traced ops');
    expect(html).toContain('FULL_TRACE');
    expect(html).not.toContain('id="tl"');
  });

  it('bad input and options are TypeErrors that say what is accepted', () => {
    const { metas } = mlpRuns(1);
    const bad: [unknown, RegExp][] = [
      [undefined, /expected a RunMetadata, StepStats \(\{ devStats \}\), Chrome trace \(\{ traceEvents \}\) or an array of them, got undefined/],
      [null, /got null/],
      [42, /got number/],
      [[], /the input array is empty/],
      [[metas[0], 7], /item 1 is not a RunMetadata, StepStats .* \(got number\)/],
      [[metas[0], {}], /item 1 is not a RunMetadata/],
      ['trace.json', /a string input must be Chrome trace JSON .* does not parse .*tensorloom-profile CLI/],
      ['"text"', /holds a string, not a trace/],
      [{ devStats: [{ nodeStats: 'x' }] }, /input\.devStats\[0\]\.nodeStats is not an array/],
      [{ devStats: [{ device: 'cpu', nodeStats: [{ allStartMicros: 1 }] }] }, /input\.devStats\[0\]\.nodeStats\[0\] is not a NodeExecStats/],
      [{ stepStats: { devStats: [7] } }, /input\.stepStats\.devStats\[0\] is not an object/],
      [{ traceEvents: [1, 2] }, /input\.traceEvents holds no event objects/],
    ];
    for (const [input, msg] of bad) {
      let err: unknown;
      try { report(input as never); } catch (e) { err = e; }
      expect(err, String(input)).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/^profiler\.report: /);
      expect((err as Error).message).toMatch(msg);
    }
    expect(() => report(metas, { file: 'x.html' } as never)).toThrow(new TypeError("profiler.report: unknown option 'file' (accepted: path, title, isa)"));
    expect(() => report(metas, { path: 3 } as never)).toThrow(new TypeError('profiler.report: options.path must be a string, got number'));
    expect(() => report(metas, { path: '' })).toThrow(TypeError);
    expect(() => report(metas, 'x.html' as never)).toThrow(/options must be an object, got a string/);
  });
});
