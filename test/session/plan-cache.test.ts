// The native plan cache and graph extension, seen through the session's counters.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

describe('plan cache and graph extension', () => {
  it('a repeated run reuses its plan; a new signature adds one', () => {
    const g = new tf.Graph();
    const [x, y, z] = g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2], 'x');
      const y = tf.multiply(x, 3);
      return [x, y, tf.add(y, 1)];
    });
    const sess = new tf.Session({ graph: g });
    const feed = new Map([[x, [1, 2]]]);
    expect(Array.from(sess.run(y, feed).data)).toEqual([3, 6]);
    const after1 = sess._info().plans;
    for (let i = 0; i < 5; i++) sess.run(y, new Map([[x, [i, i]]]));
    expect(sess._info().plans).toBe(after1);
    expect(Array.from(sess.run(z, feed).data)).toEqual([4, 7]);        // new fetch: new plan
    expect(sess._info().plans).toBe(after1 + 1);
    expect(Array.from(sess.run(z, new Map([[y, [10, 20]]])).data)).toEqual([11, 21]);  // fed y: another
    expect(sess._info().plans).toBe(after1 + 2);
    sess.close();
  });

  it('sends only new ops to the native graph when the graph grows', () => {
    const g = new tf.Graph();
    const a = g.asDefault(() => tf.constant(2));
    const sess = new tf.Session({ graph: g });
    expect(sess.run(a).item()).toBe(2);
    expect(sess._info().nodes).toBe(1);
    const b = g.asDefault(() => tf.multiply(a, 21));  // Mul and its Const operand
    expect(sess._info().nodes).toBe(1);                // not sent until a run needs it
    expect(sess.run(b).item()).toBe(42);
    expect(sess._info().nodes).toBe(g.version);
    sess.close();
  });

  it('concurrent runAsync calls on one session each get their own result', async () => {
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [64, 64], 'x');
      return [x, tf.reduceSum(tf.matmul(x, x))];
    });
    const sess = new tf.Session({ graph: g });
    const runs = Array.from({ length: 8 }, (_, i) => sess.runAsync(y, new Map([[x, new Float32Array(64 * 64).fill(i)]])));
    const out = await Promise.all(runs);
    // sum of (i·1)(i·1)·64 over a 64×64 result = 64·64·64·i²
    out.forEach((v, i) => expect(v.item()).toBe(64 * 64 * 64 * i * i));
    sess.close();
  });

  it('close() while runs are pending cancels or finishes them, never crashes', async () => {
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [256, 256], 'x');
      let t = x;
      for (let i = 0; i < 20; i++) t = tf.matmul(t, x);
      return [x, t];
    });
    const sess = new tf.Session({ graph: g });
    const p = sess.runAsync(y, new Map([[x, new Float32Array(256 * 256).fill(0.001)]]));
    sess.close();
    const r = await p.then(() => 'ok', (e) => e);
    if (r !== 'ok') expect(r).toBeInstanceOf(tf.errors.CancelledError);
    expect(() => sess.run(y)).toThrow('Attempted to use a closed Session.');
  });
});
