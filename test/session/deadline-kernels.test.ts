// timeoutInMs inside long non-matmul kernels: parallel chunks check the deadline, so one huge
// elementwise op cannot overrun it, and a cut-short kernel's output is never returned.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

describe('deadline inside elementwise kernels', () => {
  it('a single long elementwise chain stops with DeadlineExceededError and the session stays usable', () => {
    const g = new tf.Graph();
    const n = 1 << 22;
    const [x, y, small] = g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [n], 'x');
      let t = x;
      for (let i = 0; i < 30; i++) t = tf.sigmoid(tf.add(t, 0.5));
      return [x, tf.reduceSum(t), tf.add(tf.placeholder(tf.float32, [], 's'), 1)];
    });
    const sess = new tf.Session({ graph: g });
    const opts = new tf.RunOptions({ timeoutInMs: 3 });
    const feed = new Map([[x, new Float32Array(n)]]);
    expect(() => sess.run(y, feed, opts)).toThrow(tf.errors.DeadlineExceededError);
    // The same timeout does not affect a short run.
    expect(sess.run(small, new Map([['s:0', 1]]), opts).item()).toBe(2);
    // Without a deadline the long run completes: sum of 2^22 values, each sigmoid(...) in (0.5, 1).
    const total = sess.run(y, feed).item() as number;
    expect(total).toBeGreaterThan(0.5 * n);
    expect(total).toBeLessThan(n);
    sess.close();
  });
});
