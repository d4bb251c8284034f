// RunMetadata as filled by real runs: which nodes, times, outputs, labels, cost graph, partitions.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { full, smallGraph, traced } from './helpers';

const DEVICE = '/job:localhost/replica:0/task:0/device:CPU:0';

describe('RunMetadata.stepStats on a real run', () => {
  const setup = () => {
    const s = smallGraph();
    const sess = new tf.Session({ graph: s.g });
    const before = Date.now();
    const meta = new tf.RunMetadata();
    const value: tf.NDArray = sess.run(s.out, s.feeds, full(), meta);
    const after = Date.now();
    return { ...s, sess, meta, value, before, after };
  };

  it('has one device with the CPU device name', () => {
    const { meta, sess } = setup();
    expect(meta.stepStats.devStats).toHaveLength(1);
    expect(meta.stepStats.devStats[0].device).toBe(DEVICE);
    sess.close();
  });

  it('has one entry per executed node: the pruned set, no fed placeholder, no unused branch', () => {
    const { meta, sess, executed } = setup();
    const names = meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...executed].sort());
    expect(names).not.toContain('x');
    expect(names.some((n) => n.startsWith('unused'))).toBe(false);
    sess.close();
  });

  it('times are nested and monotonic, in µs and ns, and inside the run', () => {
    const { meta, sess, before, after } = setup();
    const stats = meta.stepStats.devStats[0].nodeStats;
    let prevStartNs = -Infinity;
    for (const n of stats) {
      for (const v of [n.allStartMicros, n.opStartRelMicros, n.opEndRelMicros, n.allEndRelMicros,
        n.allStartNanos, n.opStartRelNanos, n.opEndRelNanos, n.allEndRelNanos]) {
        expect(Number.isInteger(v)).toBe(true);
      }
      expect(0).toBeLessThanOrEqual(n.opStartRelMicros);
      expect(n.opStartRelMicros).toBeLessThanOrEqual(n.opEndRelMicros);
      expect(n.opEndRelMicros).toBeLessThanOrEqual(n.allEndRelMicros);
      expect(0).toBeLessThanOrEqual(n.opStartRelNanos);
      expect(n.opStartRelNanos).toBeLessThanOrEqual(n.opEndRelNanos);
      expect(n.opEndRelNanos).toBeLessThanOrEqual(n.allEndRelNanos);
      // µs fields are the ns fields floored (allStartNanos is above 2^53, so allow its rounding).
      expect(n.opStartRelMicros).toBe(Math.floor(n.opStartRelNanos / 1000));
      expect(n.opEndRelMicros).toBe(Math.floor(n.opEndRelNanos / 1000));
      expect(n.allEndRelMicros).toBe(Math.floor(n.allEndRelNanos / 1000));
      expect(Math.abs(n.allStartNanos / 1000 - n.allStartMicros)).toBeLessThan(1.5);
      // Epoch wall clock, within the JS-observed run window (ms resolution).
      expect(n.allStartMicros).toBeGreaterThanOrEqual(before * 1000 - 1000);
      expect(n.allStartMicros + n.allEndRelMicros).toBeLessThanOrEqual(after * 1000 + 1000);
      // Ops of one run execute in order on this executor.
      expect(n.allStartNanos).toBeGreaterThanOrEqual(prevStartNs);
      prevStartNs = n.allStartNanos;
      expect(n.scheduledMicros).toBeLessThanOrEqual(n.allStartMicros + 1);
    }
    sess.close();
  });

  it('outputs describe the produced tensors: slot, dtype, shape, bytes', () => {
    const { meta, sess, value } = setup();
    const byName = new Map(meta.stepStats.devStats[0].nodeStats.map((n) => [n.nodeName, n]));
    for (const name of ['w', 'y', 'z', 'out']) {
      const out = byName.get(name)!.output;
      expect(out).toHaveLength(1);
      expect(out[0].slot).toBe(0);
      const d = out[0].tensorDescription;
      expect(d.dtype).toBe('float32');
      expect(d.shape).toEqual(value.shape);
      expect(d.allocationDescription.requestedBytes).toBe(value.size * 4);
      expect(d.allocationDescription.allocatedBytes).toBeGreaterThanOrEqual(d.allocationDescription.requestedBytes);
      expect(d.allocationDescription.allocatorName).toBe('cpu');
    }
    expect(byName.get('ctrl')!.output).toEqual([]);
    sess.close();
  });

  it('shapes follow the fed batch size', () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 3], 'x');
      return { x, y: tf.reduceSum(tf.matmul(x, tf.constant([[1], [2], [3]])), [1], { name: 'y' }) };
    });
    const sess = new tf.Session({ graph: g });
    for (const rows of [1, 5]) {
      const meta = traced(sess, y, new Map([[x, tf.ndarray(new Float32Array(rows * 3), [rows, 3])]]));
      const mm = meta.stepStats.devStats[0].nodeStats.find((n) => n.nodeName === 'MatMul')!;
      expect(mm.output[0].tensorDescription.shape).toEqual([rows, 1]);
      expect(mm.output[0].tensorDescription.allocationDescription.requestedBytes).toBe(rows * 4);
      const ys = meta.stepStats.devStats[0].nodeStats.find((n) => n.nodeName === 'y')!;
      expect(ys.output[0].tensorDescription.shape).toEqual([rows]);
    }
    sess.close();
  });

  it('timelineLabel is "Name = Type(in1, in2)" with control inputs as ^name', () => {
    const { meta, sess } = setup();
    const labels = Object.fromEntries(meta.stepStats.devStats[0].nodeStats.map((n) => [n.nodeName, n.timelineLabel]));
    expect(labels).toEqual({
      w: 'w = Const()', y: 'y = MatMul(x, w)', z: 'z = Relu(y)', ctrl: 'ctrl = NoOp()', out: 'out = Identity(z, ^ctrl)',
    });
    sess.close();
  });

  it('threadId is a positive integer; memory lists the cpu allocator', () => {
    const { meta, sess } = setup();
    for (const n of meta.stepStats.devStats[0].nodeStats) {
      expect(Number.isInteger(n.threadId)).toBe(true);
      expect(n.threadId).toBeGreaterThan(0);
      for (const m of n.memory) {
        expect(m.allocatorName).toBe('cpu');
        expect(m.totalBytes).toBeGreaterThanOrEqual(0);
        expect(m.peakBytes).toBeGreaterThanOrEqual(0);
      }
    }
    const names = meta.stepStats.devStats[0].threadNames;
    for (const n of meta.stepStats.devStats[0].nodeStats) expect(typeof names[n.threadId]).toBe('string');
    sess.close();
  });

  it('costGraph has one node per executed op with ids, inputs and output sizes', () => {
    const { meta, sess, g } = setup();
    const ops = g.getOperations();
    const nodes = meta.costGraph.node;
    expect(nodes.map((n) => n.name)).toEqual(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName));
    for (const n of nodes) {
      const op = g.asGraphElement(n.name, false, true) as tf.Operation;
      expect(n.id).toBe(ops.indexOf(op));
      expect(n.device).toBe(DEVICE);
      expect(n.inputInfo).toEqual(op.inputs.map((t) => ({ precedingNode: ops.indexOf(t.op), precedingPort: t.valueIndex })));
      expect(n.controlInput).toEqual(op.controlInputs.map((c) => ops.indexOf(c)));
      expect(n.outputInfo).toHaveLength(op.outputs.length);
      for (const o of n.outputInfo) {
        expect(o.size).toBe(16);
        expect(o.shape).toEqual([2, 2]);
        expect(o.dtype).toBe('float32');
      }
      expect(n.computeCost).toBeGreaterThanOrEqual(1);
    }
    expect(nodes.find((n) => n.name === 'out')!.isFinal).toBe(true);
    expect(nodes.find((n) => n.name === 'w')!.isFinal).toBe(false);
    sess.close();
  });

  it('partitionGraphs only with outputPartitionGraphs, holding the executed nodes', () => {
    const { sess, out, feeds, executed } = setup();
    const m1 = traced(sess, out, feeds);
    expect(m1.partitionGraphs).toEqual([]);
    const m2 = traced(sess, out, feeds, new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE, outputPartitionGraphs: true }));
    expect(m2.partitionGraphs).toHaveLength(1);
    // The executed nodes, plus one _Arg node standing in for the fed placeholder x (TF's
    // function-call convention), which the consumers' inputs now name.
    const nodes = m2.partitionGraphs[0].node;
    expect(nodes.filter((n) => n.op !== '_Arg').map((n) => n.name).sort()).toEqual([...executed].sort());
    const args = nodes.filter((n) => n.op === '_Arg');
    expect(args.map((n) => n.name)).toEqual(['_arg_x_0_0']);
    expect(nodes.some((n) => n.input.includes('x'))).toBe(false);
    expect(nodes.some((n) => n.input.includes('_arg_x_0_0'))).toBe(true);
    for (const n of m2.partitionGraphs[0].node) expect(n.device).toBe(DEVICE);
    // Without tracing: partitions but no step stats.
    const m3 = traced(sess, out, feeds, new tf.RunOptions({ outputPartitionGraphs: true }));
    expect(m3.partitionGraphs).toHaveLength(1);
    expect(m3.stepStats.devStats).toEqual([]);
    // The next run without the option replaces them (TF testOutputPartitionGraphsDirect).
    sess.run(out, feeds, new tf.RunOptions(), m2);
    expect(m2.partitionGraphs).toEqual([]);
    sess.close();
  });

  it('NO_TRACE (explicit or default) leaves stepStats and costGraph empty', () => {
    const { sess, out, feeds } = setup();
    for (const opts of [new tf.RunOptions({ traceLevel: tf.RunOptions.NO_TRACE }), new tf.RunOptions(), undefined]) {
      const meta = new tf.RunMetadata();
      sess.run(out, feeds, opts, meta);
      expect(meta.stepStats).toEqual({ devStats: [] });
      expect(meta.costGraph.node).toEqual([]);
    }
    sess.close();
  });

  it('SOFTWARE_TRACE and trace level names give the same per-node stats', () => {
    const { sess, out, feeds, executed } = setup();
    for (const level of [tf.RunOptions.SOFTWARE_TRACE, tf.RunOptions.HARDWARE_TRACE, 'FULL_TRACE' as const]) {
      const meta = traced(sess, out, feeds, new tf.RunOptions({ traceLevel: level }));
      expect(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName).sort()).toEqual([...executed].sort());
    }
    sess.close();
  });

  it('RunMetadata content is replaced by each run, not accumulated', () => {
    const { sess, out, z, feeds } = setup();
    const meta = traced(sess, out, feeds);
    expect(meta.stepStats.devStats[0].nodeStats).toHaveLength(5);
    sess.run(out, feeds, full(), meta);
    expect(meta.stepStats.devStats).toHaveLength(1);
    expect(meta.stepStats.devStats[0].nodeStats).toHaveLength(5);
    expect(meta.costGraph.node).toHaveLength(5);
    sess.run(z, feeds, full(), meta);
    expect(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName)).toEqual(['w', 'y', 'z']);
    sess.run(z, feeds, undefined, meta);
    expect(meta.stepStats.devStats).toEqual([]);
    expect(meta.costGraph.node).toEqual([]);
    sess.close();
  });

  it('runAsync fills RunMetadata like run', async () => {
    const { sess, out, feeds, executed } = setup();
    const meta = new tf.RunMetadata();
    const v: tf.NDArray = await sess.runAsync(out, feeds, full(), meta);
    expect(v.shape).toEqual([2, 2]);
    expect(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName).sort()).toEqual([...executed].sort());
    sess.close();
  });

  it('a run whose fetches are all fed executes nothing', () => {
    const { sess, y } = setup();
    const meta = new tf.RunMetadata();
    const v: tf.NDArray = sess.run(y, new Map([[y, [[1, 2], [3, 4]]]]), full(), meta);
    expect(v.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(meta.stepStats.devStats.flatMap((d) => d.nodeStats)).toEqual([]);
    sess.close();
  });
});
