// Review: Timeline metadata (TF1-SEMANTICS §7) and name corner cases (§4.3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { sessions } from './helpers';

const S = sessions();
beforeEach(() => tf.resetDefaultGraph());
afterEach(() => S.closeAll());

function tracedRun() {
  const a = tf.constant([[1, 2]], null, null, 'a'), b = tf.constant([[3], [4]], null, null, 'b');
  const y = tf.matmul(a, b);
  const sess = S.open();
  const meta = new tf.RunMetadata();
  sess.run(y, undefined, new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE }), meta);
  return meta;
}

describe('review: Timeline follows timeline.py', () => {
  // TF1-SEMANTICS §7.1: "No `thread_name` metadata is ever emitted (`emit_tid` exists but is unused)."
  // The issue asks for process and thread metadata; TF emits only process_name, which
  // threadNames: false reproduces exactly.
  it('metadata events with threadNames: false are exactly the process_name events: Allocators, then Compute/Tensors per device', () => {
    const meta = tracedRun();
    const ev = JSON.parse(new tf.Timeline(meta.stepStats).generateChromeTraceFormat({ threadNames: false })).traceEvents;
    const m = ev.filter((e: { ph: string }) => e.ph === 'M');
    expect(m.map((e: { name: string }) => e.name)).toEqual(['process_name', 'process_name', 'process_name']);
    expect(m.map((e: { args: { name: string } }) => e.args.name)).toEqual([
      'Allocators',
      '/job:localhost/replica:0/task:0/device:CPU:0 Compute',
      '/job:localhost/replica:0/task:0/device:CPU:0 Tensors',
    ]);
  });

  it('with showMemory too: thread_name metadata by default (one per lane used), none with threadNames: false', () => {
    const meta = tracedRun();
    const ev = JSON.parse(new tf.Timeline(meta.stepStats).generateChromeTraceFormat({ showMemory: true })).traceEvents;
    const lanes = new Set(ev.filter((e: { ph: string }) => e.ph === 'X').map((e: { tid: number }) => e.tid));
    const named = ev.filter((e: { name: string; pid: number }) => e.name === 'thread_name' && e.pid === 1);
    expect(new Set(named.map((e: { tid: number }) => e.tid))).toEqual(lanes);
    const bare = JSON.parse(new tf.Timeline(meta.stepStats).generateChromeTraceFormat({ showMemory: true, threadNames: false })).traceEvents;
    expect(bare.filter((e: { name: string }) => e.name === 'thread_name')).toEqual([]);
  });

  // ---- passing ----
  it('the MatMul X event: name = op type, args.name = node, args.op, inputs; M events come first', () => {
    const meta = tracedRun();
    const ev = JSON.parse(new tf.Timeline(meta.stepStats).generateChromeTraceFormat()).traceEvents;
    const firstNonM = ev.findIndex((e: { ph: string }) => e.ph !== 'M');
    expect(ev.slice(firstNonM).every((e: { ph: string }) => e.ph !== 'M')).toBe(true);
    const x = ev.find((e: { ph: string; name: string }) => e.ph === 'X' && e.name === 'MatMul');
    expect(x.cat).toBe('Op');
    expect(x.args).toMatchObject({ name: 'MatMul', op: 'MatMul', input0: 'a', input1: 'b' });
    const ns = meta.stepStats.devStats[0].nodeStats.find((n) => n.nodeName === 'MatMul')!;
    expect(ns.timelineLabel).toBe('MatMul = MatMul(a, b)');
    expect(ns.output[0].tensorDescription.shape).toEqual([1, 1]);
    expect(ns.output[0].tensorDescription.allocationDescription.requestedBytes).toBe(4);
  });
});

describe('review: naming corner cases (passing)', () => {
  it('an op named like an existing scope is uniquified, and vice versa (TF unique_name shares one table)', () => {
    tf.nameScope('layer1', () => tf.constant(1));
    expect(tf.constant(2, null, null, 'layer1').name).toBe('layer1_1:0');
    tf.constant(3, null, null, 'dense');
    expect(tf.nameScope('dense', (s) => s)).toBe('dense_1/');
  });

  it('Python-operator style lower-case names collide with op-type names: add then tf.add → Add_1', () => {
    const a = tf.constant(1);
    tf.identity(a, { name: 'add' });
    expect(tf.add(a, a).name).toBe('Add_1:0');
  });

  it('operand constants live inside the op scope: tf.add(x, 1) → Add/y', () => {
    const x = tf.placeholder(tf.int32, [], 'x');
    const s = tf.add(x, 1);
    expect(s.op.inputs[1].op.name).toBe('Add/y');
    expect(s.op.inputs[1].dtype).toBe('int32');
  });

  it('tf.group with no inputs is a NoOp named group_deps; two groups → group_deps_1', () => {
    expect(tf.group().name).toBe('group_deps');
    expect(tf.group().name).toBe('group_deps_1');
  });

  it('controlDependencies: an op whose input was created in the same block gets no redundant control input', () => {
    const p = tf.placeholder(tf.float32, [], 'p');
    const d = tf.controlDependencies([p], () => {
      const c = tf.constant(5, null, null, 'c');
      return tf.multiply(c, 2);
    });
    expect(d.op.controlInputs).toEqual([]);
    expect(d.op.inputs[0].op.controlInputs.map((o) => o.name)).toEqual(['p']);
    const sess = S.open();
    expect(d.eval([[p, 1]]).item()).toBe(10);
  });
});
