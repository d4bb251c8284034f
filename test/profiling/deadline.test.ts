// RunOptions.timeoutInMs: a long run ends with DeadlineExceededError; the session stays usable.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

function chain(depth = 40, n = 512) {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const x = tf.placeholder(tf.float32, [n, n], 'x');
    // Averaging weights keep the values finite through the chain.
    const w = tf.constant(new Float32Array(n * n).fill(1 / n), tf.float32, [n, n], 'w');
    let h: tf.Tensor = x;
    for (let i = 0; i < depth; i++) h = tf.matmul(h, w);
    const small = tf.add(tf.constant(1, tf.float32, null, 'one'), 2, { name: 'small' });
    const feeds = new Map([[x, tf.ndarray(new Float32Array(n * n).fill(0.5), [n, n])]]);
    return { g, h, small, feeds };
  });
}

describe('timeoutInMs', () => {
  it('a 40 x 512^3 matmul chain under 5 ms throws DeadlineExceededError; the session stays usable', () => {
    const c = chain();
    const sess = new tf.Session({ graph: c.g });
    const opts = new tf.RunOptions({ timeoutInMs: 5 });
    const meta = new tf.RunMetadata();
    let err: unknown;
    const t0 = performance.now();
    try { sess.run(c.h, c.feeds, opts, meta); } catch (e) { err = e; }
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(tf.errors.DeadlineExceededError);
    expect(err).toBeInstanceOf(tf.errors.OpError);
    expect((err as tf.errors.OpError).code).toBe(4);
    // Cancelled well before the whole chain would have run (generous bound for shared CPUs).
    expect(ms).toBeLessThan(2000);
    // Short run under the same deadline passes; so does a traced one.
    expect((sess.run(c.small, undefined, opts) as tf.NDArray).item()).toBe(3);
    const traced = new tf.RunOptions({ timeoutInMs: 5, traceLevel: tf.RunOptions.FULL_TRACE });
    expect((sess.run(c.small, undefined, traced, meta) as tf.NDArray).item()).toBe(3);
    expect(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName)).toEqual(['one', 'small/y', 'small']);
    // A partial chain without a deadline completes.
    const g = c.g.getOperations().filter((o) => o.type === 'MatMul');
    const v = sess.run(g[1].outputs[0], c.feeds) as tf.NDArray;
    expect(v.shape).toEqual([512, 512]);
    expect(v.data[0]).toBeCloseTo(0.5, 5);
    sess.close();
  });

  it('runAsync rejects with DeadlineExceededError and the session stays usable', async () => {
    const c = chain();
    const sess = new tf.Session({ graph: c.g });
    const opts = new tf.RunOptions({ timeoutInMs: 5 });
    await expect(sess.runAsync(c.h, c.feeds, opts)).rejects.toBeInstanceOf(tf.errors.DeadlineExceededError);
    expect(((await sess.runAsync(c.small, undefined, opts)) as tf.NDArray).item()).toBe(3);
    sess.close();
  });

  it('the session-wide operationTimeoutInMs applies too', () => {
    const c = chain();
    const sess = new tf.Session({ graph: c.g, config: { operationTimeoutInMs: 5 } });
    expect(() => sess.run(c.h, c.feeds)).toThrow(tf.errors.DeadlineExceededError);
    expect((sess.run(c.small) as tf.NDArray).item()).toBe(3);
    sess.close();
  });
});
