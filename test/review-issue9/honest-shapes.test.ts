// Issue 9, "wrong values with no error": shape arguments never wrap or truncate, -1 is not a
// placeholder dim, buffers with dims JS cannot hold are rejected, and profiled op time never
// exceeds the step's wall time.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

beforeEach(() => tf.resetDefaultGraph());

describe('shape-like arguments are validated before they become int32/int64', () => {
  it('dims beyond int32 become int64 instead of wrapping', () => {
    expect(tf.fill([2 ** 32 + 3], 1).shape).toEqual([2 ** 32 + 3]);
    const f = tf.fill([2 ** 31], 1);
    expect(f.shape).toEqual([2 ** 31]);
    expect(f.op.inputs[0].dtype).toBe('int64');
    const x = tf.placeholder('float32', [null]);
    expect(tf.reshape(x, [2 ** 32 + 4]).shape).toEqual([2 ** 32 + 4]);
  });

  it('non-integer, NaN, infinite and out-of-range values are InvalidArgumentError naming the argument', () => {
    expect(() => tf.fill([1.5, 2], 1)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.fill([1.5, 2], 1)).toThrow(/dims\[0\]/);
    expect(() => tf.fill([NaN], 1)).toThrow(/dims\[0\] must be an integer/);
    expect(() => tf.reshape(tf.constant([1, 2]), [Infinity])).toThrow(/shape\[0\]/);
    expect(() => tf.reshape(tf.constant([1, 2]), [2 ** 60])).toThrow(/out of range/);
    expect(() => tf.reduceSum(tf.constant([[1, 2]]), [0.5])).toThrow(/axis\[0\]/);
  });

  it('an oversized fill fails at run time with the dims it was given, not a wrapped shape', () => {
    const sess = new tf.Session();
    expect(() => sess.run(tf.fill([2 ** 40, 2 ** 30], 1))).toThrow(tf.errors.OpError);
    sess.close();
  });
});

describe('placeholder dims', () => {
  it('-1 is rejected like any negative dim (TF: Dimension -1 must be >= 0); null is unknown', () => {
    expect(() => tf.placeholder('float32', [-1, 10])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.placeholder('float32', [-1, 10])).toThrow('Dimension -1 must be >= 0');
    expect(() => tf.placeholder('float32', [2.5])).toThrow(tf.errors.InvalidArgumentError);
    expect(tf.placeholder('float32', [null, 10]).shape).toEqual([null, 10]);
  });
});

describe('Graph.fromBuffer', () => {
  it('rejects a dimension JS cannot hold exactly (2^63-1) instead of re-encoding it negative', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.placeholder('float32', [7777777]));
    const buf = g.toBuffer();
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let patched = 0;
    for (let i = 0; i + 8 <= buf.length; i++) {
      if (view.getBigInt64(i, true) === 7777777n) { view.setBigInt64(i, 2n ** 63n - 1n, true); patched++; }
    }
    expect(patched).toBeGreaterThan(0);
    expect(() => tf.Graph.fromBuffer(buf)).toThrow(tf.errors.InvalidArgumentError);
    // The session of an unrelated, valid graph keeps working.
    const h = new tf.Graph();
    const y = h.asDefault(() => tf.add(tf.constant(1), tf.constant(2)));
    const sess = new tf.Session({ graph: h });
    expect(sess.run(y).item()).toBe(3);
    sess.close();
  });
});

describe('profiler', () => {
  it('op time never exceeds the step wall time (exact relative times, 50 traced runs)', () => {
    const x = tf.placeholder('float32', [4]);
    let y = x;
    for (let i = 0; i < 6; i++) y = tf.add(tf.multiply(y, 1.5), 1);
    const sess = new tf.Session();
    const opts = new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });
    for (let r = 0; r < 50; r++) {
      const meta = new tf.RunMetadata();
      sess.run(y, new Map([[x, [1, 2, 3, 4]]]), opts, meta);
      const s = tf.profiler.summarize(meta, { time: 'all' });
      expect(s.opMicros).toBeLessThanOrEqual(s.stepMicros + 1e-9);
      const nodes = meta.stepStats.devStats[0].nodeStats;
      for (let i = 1; i < nodes.length; i++) {
        const prevEnd = nodes[i - 1].allStartMicros + nodes[i - 1].allEndRelMicros;
        expect(nodes[i].allStartMicros).toBeGreaterThanOrEqual(prevEnd - 1);  // integer µs floor
      }
    }
    sess.close();
  });
});
