// Saves every case of test/fixtures/golden/checkpoints/manifest.json with tensorloom's Saver into
// DIR/<case>/model (and DIR/steps: three saves with .meta files, maxToKeep 2), for
// `python3 scripts/golden/checkpoints.py --check DIR` to restore with TensorFlow.
// Run: npm run build:ts && node dist/cjs/scripts/golden/write-checkpoints.js DIR
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '../../lib/index';
import { buildCase, loadCases } from './checkpoint-cases';

const out = resolve(process.argv[2] ?? 'tensorloom-checkpoints');
mkdirSync(out, { recursive: true });  // the Saver, as TF's, creates only the last directory level
const inGraph = (fn: (sess: tf.Session) => void) => {
  const g = new tf.Graph();
  g.asDefault(() => {
    const sess = new tf.Session({ graph: g });
    try { fn(sess); } finally { sess.close(); }
  });
};
for (const [name, c] of Object.entries(loadCases(process.cwd()))) {
  inGraph((sess) => {
    const { varList } = buildCase(c);
    const saver = new tf.train.Saver(varList);
    sess.run(tf.globalVariablesInitializer());
    console.log(saver.save(sess, join(out, name, 'model'), { writeState: false }));
  });
}
inGraph((sess) => {
  const w = new tf.Variable(new Float32Array([1, 2]), { name: 'w' });
  const saver = new tf.train.Saver(null, { maxToKeep: 2, saveRelativePaths: true });
  sess.run(tf.globalVariablesInitializer());
  for (const step of [1, 2, 3]) {
    sess.run(w.assignAdd([1, 1]));
    console.log(saver.save(sess, join(out, 'steps', 'model'), { globalStep: step, writeMetaGraph: true }));
  }
});
