// Shared graphs for the profiling tests.
import * as tf from 'tensorloom';

/** x (fed) → y = MatMul(x, w) → z = Relu(y) → out = Identity(z, ^ctrl); plus an unused branch. */
export function smallGraph() {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const x = tf.placeholder(tf.float32, [2, 2], 'x');
    const w = tf.constant([[1, 2], [3, 4]], tf.float32, null, 'w');
    const y = tf.matmul(x, w, { name: 'y' });
    tf.add(w, 1, { name: 'unused' });
    tf.multiply(y, 3, { name: 'unused2' });
    const z = tf.nn.relu(y, { name: 'z' });
    const ctrl = tf.noOp({ name: 'ctrl' });
    const out = tf.controlDependencies([ctrl], () => tf.identity(z, { name: 'out' }));
    const feeds = new Map([[x, [[1, -1], [2, 0.5]]]]);
    return { g, x, w, y, z, ctrl, out, feeds, executed: ['w', 'y', 'z', 'ctrl', 'out'] };
  });
}

export const full = () => new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });

export function traced(sess: tf.Session, fetch: unknown, feeds?: unknown, options = full()): tf.RunMetadata {
  const meta = new tf.RunMetadata();
  sess.run(fetch, feeds as never, options, meta);
  return meta;
}
