// The MLP used by examples/profile-mlp.ts and bench/tracing.ts: 784 → 512 → 512 → 10 with
// ReLU and softmax, dense layers as MatMul + BiasAdd, constant weights from a seeded LCG
// (deterministic across runs).
import * as tf from 'tensorloom';

/** A seeded linear congruential generator (Numerical Recipes constants) giving floats in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface Mlp {
  x: tf.Tensor;
  logits: tf.Tensor;
  probs: tf.Tensor;
  /** A [rows, 784] batch of uniform [0, 1) inputs from the same kind of generator. */
  batch(rows: number, seed?: number): tf.NDArray;
}

/** Builds the MLP in the default graph (or in `graph`). */
export function buildMlp(options: { sizes?: number[]; seed?: number; graph?: tf.Graph } = {}): Mlp {
  const sizes = options.sizes ?? [784, 512, 512, 10];
  const rand = lcg(options.seed ?? 42);
  const build = (): Mlp => {
    const x = tf.placeholder(tf.float32, [null, sizes[0]], 'x');
    let h: tf.Tensor = x;
    for (let l = 1; l < sizes.length; l++) {
      const fanIn = sizes[l - 1], fanOut = sizes[l];
      const last = l === sizes.length - 1;
      h = tf.nameScope(last ? 'logits' : `dense${l}`, () => {
        // Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)).
        const a = Math.sqrt(6 / (fanIn + fanOut));
        const w = new Float32Array(fanIn * fanOut).map(() => (2 * rand() - 1) * a);
        const b = new Float32Array(fanOut).map(() => 0.01 * (2 * rand() - 1));
        const wT = tf.constant(w, tf.float32, [fanIn, fanOut], 'weights');
        const bT = tf.constant(b, tf.float32, [fanOut], 'bias');
        // BiasAdd (not Add), as TF layers build it: the session fuses MatMul + BiasAdd (+ Relu)
        // into one _FusedMatMul step, as TF's remapper does.
        const z = tf.nn.biasAdd(tf.matmul(h, wT), bT);
        return last ? z : tf.nn.relu(z);
      });
    }
    const probs = tf.nn.softmax(h, { name: 'probs' });
    return {
      x, logits: h, probs,
      batch(rows: number, seed = 7) {
        const r = lcg(seed);
        return tf.ndarray(new Float32Array(rows * sizes[0]).map(() => r()), [rows, sizes[0]]);
      },
    };
  };
  return options.graph ? options.graph.asDefault(build) : build();
}
