// tf.profiler.summarize: counts, totals, percentages and percentiles over one or many runs.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { smallGraph, traced } from './helpers';

function runs(n: number) {
  const s = smallGraph();
  const sess = new tf.Session({ graph: s.g });
  const metas = Array.from({ length: n }, () => traced(sess, s.out, s.feeds));
  sess.close();
  return { ...s, metas };
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('profiler.summarize', () => {
  it('one run: one row per executed node, counts and percentages add up', () => {
    const { metas, executed } = runs(1);
    const p = tf.profiler.summarize(metas[0]);
    expect(p.steps).toBe(1);
    expect(p.byNode.map((r) => r.name).sort()).toEqual([...executed].sort());
    for (const r of p.byNode) {
      expect(r.count).toBe(1);
      expect(r.steps).toBe(1);
      expect(r.meanMicros).toBeCloseTo(r.totalMicros, 9);
      expect(r.p50Micros).toBeCloseTo(r.totalMicros, 9);
      expect(r.p90Micros).toBeCloseTo(r.totalMicros, 9);
    }
    const stats = metas[0].stepStats.devStats[0].nodeStats;
    for (const n of stats) expect(p.byNode.find((r) => r.name === n.nodeName)!.totalMicros).toBeCloseTo(n.allEndRelNanos / 1000, 6);
    expect(sum(p.byNode.map((r) => r.percent))).toBeCloseTo(100, 6);
    expect(sum(p.byOpType.map((r) => r.percent))).toBeCloseTo(100, 6);
    expect(sum(p.byNode.map((r) => r.totalMicros))).toBeCloseTo(p.opMicros, 6);
    expect(sum(p.byOpType.map((r) => r.totalMicros))).toBeCloseTo(p.opMicros, 6);
    expect(sum(p.byOpType.map((r) => r.count))).toBe(executed.length);
    expect(p.byOpType.map((r) => r.name).sort()).toEqual(['Const', 'Identity', 'MatMul', 'NoOp', 'Relu']);
    expect(p.byNode.find((r) => r.name === 'y')!.opType).toBe('MatMul');
    expect(p.byNode.find((r) => r.name === 'y')!.outputBytes).toBe(16);
    expect(p.byNode.find((r) => r.name === 'ctrl')!.outputBytes).toBe(0);
    // Sorted by total time.
    for (let i = 1; i < p.byNode.length; i++) expect(p.byNode[i - 1].totalMicros).toBeGreaterThanOrEqual(p.byNode[i].totalMicros);
    // The ops take most of the step's wall time (sequential executor), never more than it (+ rounding).
    expect(p.opMicros).toBeLessThanOrEqual(p.stepMicros + 2);
  });

  it('aggregates several runs: per-node counts, mean, p50 <= p90', () => {
    const { metas, executed } = runs(7);
    const p = tf.profiler.summarize(metas);
    expect(p.steps).toBe(7);
    expect(p.byNode).toHaveLength(executed.length);
    for (const r of p.byNode) {
      expect(r.count).toBe(7);
      expect(r.steps).toBe(7);
      expect(r.meanMicros).toBeCloseTo(r.totalMicros / 7, 9);
      expect(r.minMicros).toBeLessThanOrEqual(r.p50Micros);
      expect(r.p50Micros).toBeLessThanOrEqual(r.p90Micros);
      expect(r.p90Micros).toBeLessThanOrEqual(r.maxMicros);
      const per = metas.map((m) => m.stepStats.devStats[0].nodeStats.find((n) => n.nodeName === r.name)!.allEndRelNanos / 1000).sort((a, b) => a - b);
      expect(r.p50Micros).toBeCloseTo(per[3], 6);
      expect(r.totalMicros).toBeCloseTo(sum(per), 6);
    }
    const consts = p.byOpType.find((r) => r.name === 'Const')!;
    expect(consts.count).toBe(7);
    expect(sum(p.byNode.map((r) => r.percent))).toBeCloseTo(100, 6);
    expect(p.step.p50Micros).toBeLessThanOrEqual(p.step.p90Micros);
    expect(p.step.meanMicros).toBeCloseTo(p.stepMicros / 7, 6);
  });

  it('per op type, the per-step value sums that type\'s nodes', () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.add(tf.add(tf.constant(1), tf.constant(2)), tf.constant(3)));
    // (constant folding off: the inner Add would run once per plan, as a Const)
    const sess = new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions: { constantFolding: 'OFF' } } } });
    const metas = [traced(sess, y), traced(sess, y), traced(sess, y)];
    sess.close();
    const p = tf.profiler.summarize(metas);
    const add = p.byOpType.find((r) => r.name === 'Add')!;
    expect(add.count).toBe(6);
    expect(add.steps).toBe(3);
    expect(add.meanPerCallMicros).toBeCloseTo(add.totalMicros / 6, 9);
    const perStep = metas.map((m) => sum(m.stepStats.devStats[0].nodeStats.filter((n) => n.timelineLabel.includes('= Add(')).map((n) => n.allEndRelNanos / 1000)));
    expect(add.totalMicros).toBeCloseTo(sum(perStep), 6);
    expect(add.p50Micros).toBeCloseTo(perStep.sort((a, b) => a - b)[1], 6);
    expect(p.byOpType.find((r) => r.name === 'Const')!.count).toBe(9);
  });

  it("time: 'op' measures the kernel only (never more than 'all')", () => {
    const { metas } = runs(2);
    const all = tf.profiler.summarize(metas);
    const op = tf.profiler.summarize(metas, { time: 'op' });
    for (const r of op.byNode) expect(r.totalMicros).toBeLessThanOrEqual(all.byNode.find((a) => a.name === r.name)!.totalMicros + 1e-9);
    expect(() => tf.profiler.summarize(metas, { time: 'cpu' as never })).toThrow(TypeError);
  });

  it('accepts StepStats and arrays of them', () => {
    const { metas } = runs(2);
    const a = tf.profiler.summarize(metas.map((m) => m.stepStats));
    const b = tf.profiler.summarize(metas);
    expect(a.byNode).toEqual(b.byNode);
    expect(tf.profiler.summarize(metas[0].stepStats).steps).toBe(1);
    expect(() => tf.profiler.summarize([{}] as never)).toThrow(TypeError);
  });

  it('toString prints aligned tables by op type and by node, top N rows', () => {
    const { metas } = runs(3);
    const p = tf.profiler.summarize(metas);
    const text = p.toString();
    expect(text).toContain('By op type');
    expect(text).toContain('By node');
    expect(text.indexOf('By op type')).toBeLessThan(text.indexOf('By node'));
    expect(String(p)).toBe(text);
    const nodeSection = text.slice(text.indexOf('By node')).split('\n');
    const [, header, rule, ...rows] = nodeSection;
    expect(header).toMatch(/^name\s+type\s+count\s+total\s+mean\/step\s+p50\/step\s+p90\/step\s+mean\/call\s+%\s+cum%\s+out\/step$/);
    expect(rule).toMatch(/^[- ]+$/);
    expect(rows).toHaveLength(5);
    // Right-aligned numeric columns end at the same offsets as the header's.
    for (const row of rows) expect(row.length).toBe(rule.length);
    expect(rows[0]).toContain(p.byNode[0].name);
    const top2Text = p.toString({ top: 2 });
    const top2 = top2Text.slice(top2Text.indexOf('By node')).split('\n');
    expect(top2.filter((l) => /^(w|y|z|ctrl|out)\s/.test(l))).toHaveLength(2);
    expect(top2.join('\n')).toContain('3 more rows');
  });

  it('untraced metadata gives an empty summary', () => {
    const s = smallGraph();
    const sess = new tf.Session({ graph: s.g });
    const meta = new tf.RunMetadata();
    sess.run(s.out, s.feeds, undefined, meta);
    sess.close();
    const p = tf.profiler.summarize(meta);
    expect(p.byNode).toEqual([]);
    expect(p.byOpType).toEqual([]);
    expect(p.opMicros).toBe(0);
    expect(p.toString()).toContain('no traced ops');
  });
});
