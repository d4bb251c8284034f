// Graphs built with tensorloom's own builders, exported with graph.toGraphDefBytes() and run
// by real TensorFlow (scripts/golden/export_check.py), to prove TF imports what tensorloom
// writes and computes the same. Shared by the writer (scripts/golden/write-export.ts) and the
// test (test/golden/export.test.ts), so the test can check the bytes are still the ones TF ran.
import * as tf from '../../lib/index';

export interface ExportCase { feeds: [string, tf.NDArray][]; fetches: string[] }

function seeded(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = ((s / 2 ** 32) * 2 - 1) * scale; }
  return out;
}

export const EXPORT_GRAPHS: { name: string; build: () => ExportCase }[] = [
  {
    name: 'mlp',
    build: () => {
      const x = tf.placeholder('float32', [null, 8], 'x');
      const h = tf.nameScope('layer1', () => tf.nn.relu(tf.add(tf.matmul(x, tf.constant(tf.ndarray(seeded(8 * 16, 1), [8, 16]))), tf.constant(tf.ndarray(seeded(16, 2), [16])))));
      const logits = tf.nameScope('layer2', () => tf.matmul(h, tf.constant(tf.ndarray(seeded(16 * 4, 3), [16, 4])), { transposeB: false }));
      const probs = tf.nn.softmax(logits, { name: 'probs' });
      tf.reduceMean(probs, 1, { keepDims: true, name: 'mean' });
      return { feeds: [['x:0', tf.ndarray(seeded(3 * 8, 4), [3, 8])]], fetches: ['probs:0', 'mean:0', 'layer1/Relu:0'] };
    },
  },
  {
    name: 'conv',
    build: () => {
      const img = tf.placeholder('float32', [1, 6, 6, 2], 'img');
      const k = tf.constant(tf.ndarray(seeded(3 * 3 * 2 * 3, 5), [3, 3, 2, 3]));
      const c = tf.nn.conv2d(img, k, [1, 2, 2, 1], 'SAME', { name: 'conv' });
      tf.reshape(c, [-1, 27], { name: 'flat' });
      tf.reduceMax(tf.square(c), [1, 2], { name: 'pool' });
      return { feeds: [['img:0', tf.ndarray(seeded(72, 6), [1, 6, 6, 2])]], fetches: ['conv:0', 'flat:0', 'pool:0'] };
    },
  },
  {
    name: 'dtypes',
    build: () => {
      const i = tf.placeholder('int32', [4], 'i');
      const d = tf.cast(i, 'float64', { name: 'asdouble' });
      tf.divide(d, tf.constant(new Float64Array([2, 4, 8, 16])), { name: 'div' });
      tf.maximum(i, tf.constant(new Int32Array([2, 2, 2, 2])), { name: 'max' });
      tf.fill([2, 3], tf.constant(7n), { name: 'fill64' });
      tf.reduceSum(tf.reshape(i, [2, 2]), 0, { name: 'isum' });
      tf.placeholderWithDefault(tf.constant(true), [], 'flag');
      return { feeds: [['i:0', tf.ndarray(new Int32Array([1, -3, 5, 100]), [4])]], fetches: ['asdouble:0', 'div:0', 'max:0', 'fill64:0', 'isum:0', 'flag:0'] };
    },
  },
  {
    name: 'control',
    build: () => {
      const a = tf.placeholder('float32', [], 'a');
      const b = tf.exp(a, { name: 'e' });
      const n = tf.noOp({ name: 'n' });
      tf.controlDependencies([n, b], () => tf.identity(tf.sqrt(tf.abs(a)), { name: 'out' }));
      tf.group(b, n, { name: 'all' });
      return { feeds: [['a:0', tf.ndarray(new Float32Array([-2.25]), [])]], fetches: ['out:0', 'e:0'] };
    },
  },
];
