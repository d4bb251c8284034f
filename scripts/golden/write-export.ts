// Writes test/fixtures/golden/export/<name>.pb (graph.toGraphDefBytes()) and <name>.json
// (feeds, fetches, tensorloom's outputs) for scripts/golden/export_check.py to run in TF.
// Run: npm run build:ts && node dist/cjs/scripts/golden/write-export.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../../lib/index';
import { EXPORT_GRAPHS } from './export-graphs';

const out = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'golden', 'export');
mkdirSync(out, { recursive: true });
const b64 = (a: tf.NDArray) => Buffer.from((a.data as tf.TypedArray).buffer, (a.data as tf.TypedArray).byteOffset, (a.data as tf.TypedArray).byteLength).toString('base64');
for (const c of EXPORT_GRAPHS) {
  const g = new tf.Graph();
  const spec = g.asDefault(() => c.build());
  writeFileSync(join(out, `${c.name}.pb`), g.toGraphDefBytes());
  const sess = new tf.Session({ graph: g });
  const vals = sess.run(spec.fetches, new Map(spec.feeds)) as tf.NDArray[];
  sess.close();
  writeFileSync(join(out, `${c.name}.json`), JSON.stringify({
    name: c.name,
    feeds: spec.feeds.map(([name, v]) => ({ name, dtype: v.dtype, shape: v.shape, data: b64(v) })),
    fetches: spec.fetches,
    tensorloom_outputs: vals.map((v) => ({ dtype: v.dtype, shape: v.shape, data: b64(v) })),
  }, null, 1));
  console.log(`wrote ${c.name}`);
}
