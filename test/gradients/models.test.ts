// Whole-model gradients against TensorFlow's (issue 7): scripts/golden/grads.py records a small CNN
// and a transformer block (TF1 graph, tf.gradients(loss, [input, every weight])); here each model is
// built again with tensorloom's own API from the same values, and its loss and gradients must agree
// (float32 within 1e-4 relative, float64 within 1e-10). golden.test.ts also runs the imported graphs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from '../golden/golden';

interface ModelCase { name: string; feeds: GoldenValue[]; xs: string[]; outputs: GoldenValue[]; loss: GoldenValue }
type Inputs = Record<string, tf.Tensor>;

// Mirrors _cnn in grads.py.
function cnn(p: Inputs): tf.Tensor {
  const { x, k1, b1, k2, b2, w, b } = p;
  let h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, k1, 1, 'SAME'), b1));   // [2, 6, 6, 4]
  h = tf.nn.maxPool(h, 2, 2, 'VALID');                                      // [2, 3, 3, 4]
  h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, k2, 1, 'VALID'), b2));      // [2, 2, 2, 5]
  const logits = tf.add(tf.matmul(tf.reshape(h, [2, 20]), w), b);          // [2, 3]
  const labels = tf.constant([[1, 0, 0], [0, 0, 1]], x.dtype);
  return tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits({ labels, logits }));
}

// Mirrors _transformer in grads.py: one attention block with layer norm and a GELU feed-forward.
function transformerBlock(p: Inputs): tf.Tensor {
  const [B, T, D, H] = [2, 4, 8, 2];
  const dense = (t: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => {
    const y = tf.matmul(tf.reshape(t, [B * T, -1]), w);
    return tf.reshape(b ? tf.add(y, b) : y, [B, T, -1]);
  };
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D / H]), [0, 2, 1, 3]);  // [B, H, T, D/H]
  const { x } = p;
  const [q, k, v] = [p.wq, p.wk, p.wv].map((w) => heads(dense(x, w)));
  const scores = tf.multiply(tf.batchMatMul(q, k, { adjY: true }), 1 / Math.sqrt(D / H));
  const att = tf.batchMatMul(tf.nn.softmax(scores), v);
  let h = tf.add(x, dense(tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B, T, D]), p.wo));
  const mean = tf.reduceMean(h, -1, true);
  const variance = tf.reduceMean(tf.squaredDifference(h, mean), -1, true);
  h = tf.add(tf.multiply(tf.multiply(tf.subtract(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), p.gamma), p.beta);
  const u = dense(h, p.w1, p.b1);
  const gelu = tf.multiply(tf.multiply(0.5, u), tf.add(1, tf.erf(tf.divide(u, Math.SQRT2))));
  const out = tf.add(h, dense(gelu, p.w2, p.b2));
  return tf.reduceMean(tf.squaredDifference(out, p.target));
}

const MODELS: [string, (p: Inputs) => tf.Tensor][] = [['CNN', cnn], ['TransformerBlock', transformerBlock]];

describe('whole-model gradients vs TensorFlow (golden)', () => {
  for (const [model, build] of MODELS) {
    const file = JSON.parse(readFileSync(join(GOLDEN, 'grads', `${model}.json`), 'utf8')) as { cases: ModelCase[] };
    describe(model, () => {
      it('has float32 and float64 cases', () => { expect(file.cases.map((c) => c.name)).toEqual(['float32', 'float64']); });
      for (const c of file.cases) {
        it(c.name, () => {
          const g = new tf.Graph();
          g.asDefault(() => {
            const values = new Map(c.feeds.map((f) => [f.name!.replace(/:0$/, ''), decodeValue(f)]));
            const inputs: Inputs = {};
            for (const [name, v] of values) inputs[name] = tf.placeholder(v.dtype, v.shape, name);
            const loss = build(inputs);
            const grads = tf.gradients(loss, c.xs.map((n) => inputs[n.replace(/:0$/, '')]));
            expect(grads.every((t) => t !== null), 'every gradient connected').toBe(true);
            const sess = new tf.Session({ graph: g });
            try {
              const got = sess.run([loss, ...(grads as tf.Tensor[])], new Map([...values].map(([n, v]) => [inputs[n], v]))) as tf.NDArray[];
              const rtol = c.name === 'float32' ? 1e-4 : 1e-10;
              expectClose(got[0], decodeValue(c.loss), `${model} ${c.name} loss`, rtol);
              c.outputs.forEach((want, i) => expectClose(got[i + 1], decodeValue(want), `${model} ${c.name} d/d${c.xs[i]}`, rtol));
            } finally { sess.close(); }
          });
        });
      }
    });
  }
});
