// Trains a small CNN on a synthetic, seeded "MNIST-like" dataset made here (no download): 12×12
// images of one of four patterns (a horizontal bar, a vertical bar, a diagonal, a box) at a random
// place with noise. Shows the loss falling and the accuracy rising, saves a checkpoint, restores
// it in a new session and checks that the predictions are the same, then profiles one training
// step with FULL_TRACE (forward, backward and Adam's update ops in the trace).
//   npm run build:ts && node dist/cjs/examples/train-mnist-like.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from 'tensorloom';

const SIZE = 12, CLASSES = 4;

/** A seeded dataset: images [n, 12, 12, 1] and one-hot labels [n, 4]. */
function dataset(n: number, seed: number): { x: Float32Array; y: Float32Array; labels: number[] } {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(n * SIZE * SIZE), y = new Float32Array(n * CLASSES), labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * CLASSES), img = x.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
    for (let p = 0; p < img.length; p++) img[p] = rand() * 0.3;
    const r0 = 2 + Math.floor(rand() * 5), c0 = 2 + Math.floor(rand() * 5);
    for (let k = 0; k < 5; k++) {
      const at = (r: number, col: number) => { img[r * SIZE + col] = 1; };
      if (c === 0) at(r0 + 2, c0 + k);
      else if (c === 1) at(r0 + k, c0 + 2);
      else if (c === 2) at(r0 + k, c0 + k);
      else { at(r0, c0 + k); at(r0 + 4, c0 + k); at(r0 + k, c0); at(r0 + k, c0 + 4); }
    }
    y[i * CLASSES + c] = 1;
    labels.push(c);
  }
  return { x, y, labels };
}

tf.setRandomSeed(42);
const x = tf.placeholder('float32', [null, SIZE, SIZE, 1], 'x');
const y = tf.placeholder('float32', [null, CLASSES], 'y');
const w1 = new tf.Variable(tf.truncatedNormal([3, 3, 1, 8], { stddev: 0.3 }), { name: 'conv/w' });
const b1 = new tf.Variable(tf.zeros([8]), { name: 'conv/b' });
const h = tf.nn.maxPool(tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w1, 1, 'SAME'), b1)), 2, 2, 'SAME');  // [n, 6, 6, 8]
const w2 = new tf.Variable(tf.truncatedNormal([6 * 6 * 8, CLASSES], { stddev: 0.1 }), { name: 'dense/w' });
const b2 = new tf.Variable(tf.zeros([CLASSES]), { name: 'dense/b' });
const logits = tf.nn.biasAdd(tf.matmul(tf.reshape(h, [-1, 6 * 6 * 8]), w2), b2, 'logits');
const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits }), undefined, { name: 'loss' });
const globalStep = tf.train.getOrCreateGlobalStep();
const train = new tf.train.AdamOptimizer(0.01).minimize(loss, { globalStep });
const predict = tf.argmax(logits, 1, { name: 'predict' });

const trainSet = dataset(512, 1), testSet = dataset(256, 2);
const accuracy = (pred: tf.NDArray, labels: number[]) =>
  labels.filter((l, i) => Number((pred.data as ArrayLike<number | bigint>)[i]) === l).length / labels.length;

const sess = new tf.Session();
sess.run(tf.globalVariablesInitializer());
const BATCH = 64, STEPS = 200;
for (let step = 1; step <= STEPS; step++) {
  const i = ((step - 1) * BATCH) % trainSet.labels.length;
  const bx = trainSet.x.subarray(i * SIZE * SIZE, (i + BATCH) * SIZE * SIZE), by = trainSet.y.subarray(i * CLASSES, (i + BATCH) * CLASSES);
  const [, l] = sess.run([train, loss], [[x, tf.ndarray(bx, [BATCH, SIZE, SIZE, 1], 'float32')], [y, tf.ndarray(by, [BATCH, CLASSES], 'float32')]]);
  if (step % 40 === 0 || step === 1) {
    const acc = accuracy(sess.run(predict, [[x, tf.ndarray(testSet.x, [256, SIZE, SIZE, 1], 'float32')]]), testSet.labels);
    console.log(`step ${String(step).padStart(3)}  loss ${Number(l.item()).toFixed(4)}  test accuracy ${(acc * 100).toFixed(1)}%`);
  }
}

// Save, restore into a new session, and compare predictions.
const dir = mkdtempSync(join(tmpdir(), 'tensorloom-train-'));
const saver = new tf.train.Saver();
const path = saver.save(sess, join(dir, 'model'), { globalStep });
const testFeed: tf.FeedDict = [[x, tf.ndarray(testSet.x, [256, SIZE, SIZE, 1], 'float32')]];
const before = sess.run(predict, testFeed);
const sess2 = new tf.Session();
saver.restore(sess2, tf.train.latestCheckpoint(dir)!);
const after = sess2.run(predict, testFeed);
const same = Array.from(before.data as ArrayLike<number | bigint>).every((v, i) => v === (after.data as ArrayLike<number | bigint>)[i]);
console.log(`saved ${path}; restored in a new session: predictions ${same ? 'identical' : 'DIFFER'} (global step ${sess2.run(globalStep).item()})`);

// One training step, traced: the forward, backward (gradients/...) and update (Adam/...) ops.
const meta = new tf.RunMetadata();
sess.run(train, [[x, tf.ndarray(trainSet.x.subarray(0, BATCH * SIZE * SIZE), [BATCH, SIZE, SIZE, 1], 'float32')], [y, tf.ndarray(trainSet.y.subarray(0, BATCH * CLASSES), [BATCH, CLASSES], 'float32')]],
  { traceLevel: 'FULL_TRACE' }, meta);
const names = meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName);
const count = (p: RegExp) => names.filter((n) => p.test(n)).length;
console.log(`traced step: ${names.length} ops — ${count(/^gradients\//)} backward, ${count(/^Adam\//)} update, ${names.length - count(/^gradients\//) - count(/^Adam\//)} forward and other`);
writeFileSync('train-trace.json', new tf.Timeline(meta.stepStats).generateChromeTraceFormat());
console.log('wrote train-trace.json (open in https://ui.perfetto.dev)');
sess.close();
sess2.close();
rmSync(dir, { recursive: true, force: true });
if (!same) process.exit(1);
