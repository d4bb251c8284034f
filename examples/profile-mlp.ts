// Profile an MLP: run once plain, then 5 traced runs; print the per-op table, write a Chrome
// trace (trace.json) to open at https://ui.perfetto.dev or chrome://tracing, and beside it an
// HTML report of all 5 steps (profile.html) to open in any browser.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from 'tensorloom';
import { buildMlp } from './mlp';

const mlp = buildMlp({ seed: 42 });
const feeds = new Map([[mlp.x, mlp.batch(64)]]);
const sess = new tf.Session();

const probs: tf.NDArray = sess.run(mlp.probs, feeds);
console.log(`predictions: shape [${probs.shape.join(', ')}], dtype ${probs.dtype}`);

const options = new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });
const metas: tf.RunMetadata[] = [];
for (let i = 0; i < 5; i++) {
  const meta = new tf.RunMetadata();
  sess.run(mlp.probs, feeds, options, meta);
  metas.push(meta);
}
console.log();
console.log(tf.profiler.summarize(metas).toString({ top: 12 }));

const last = metas[metas.length - 1];
const path = resolve('trace.json');
writeFileSync(path, new tf.Timeline(last.stepStats).generateChromeTraceFormat({ showMemory: true }));
console.log();
console.log(`wrote ${path}`);
console.log('open it at https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load)');

const page = join(dirname(path), 'profile.html');
tf.profiler.report(metas, { path: page, title: 'tensorloom profile: MLP 784-512-512-10, batch 64' });
console.log(`wrote ${page} (open it in a browser: timeline, time by op type, top nodes, memory)`);
sess.close();
