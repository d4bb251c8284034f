// A small MLP (784 → 64 → 32 → 10, constant weights, named ops) shared by the review tests.
import * as tf from 'tensorloom';

export function mlp(batch = 8, sizes = [784, 64, 32, 10]) {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const x = tf.placeholder(tf.float32, [null, sizes[0]], 'x');
    let h: tf.Tensor = x;
    for (let l = 1; l < sizes.length; l++) {
      const w = tf.constant(new Float32Array(sizes[l - 1] * sizes[l]).fill(0.01), tf.float32, [sizes[l - 1], sizes[l]], `w${l}`);
      const b = tf.constant(new Float32Array(sizes[l]).fill(0.1), tf.float32, [sizes[l]], `b${l}`);
      h = tf.add(tf.matmul(h, w, { name: `mm${l}` }), b, { name: `add${l}` });
      if (l < sizes.length - 1) h = tf.nn.relu(h, { name: `relu${l}` });
    }
    const probs = tf.nn.softmax(h, { name: 'probs' });
    const feeds = new Map([[x, tf.ndarray(new Float32Array(batch * sizes[0]).fill(0.5), [batch, sizes[0]])]]);
    return { g, x, probs, h, feeds };
  });
}
