// Real architectures, frozen by TensorFlow (scripts/golden/models.py: Keras 3 models with seeded
// random weights, convert_variables_to_constants_v2): each .pb imports and runs here, and its
// outputs and inner tensors match what TensorFlow computed (float32, 1e-4 relative).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { findOpDef } from '../../lib/ops/schema';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from './golden';

interface ModelFixture {
  name: string; graph: string; op_types: string[];
  inputs: GoldenValue[]; outputs: GoldenValue[]; inner: (GoldenValue & { op: string })[];
}

const dir = join(GOLDEN, 'models');
const models = existsSync(dir)
  ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ModelFixture)
  : [];

describe('frozen Keras models (TensorFlow as the oracle)', () => {
  it('fixtures are present', () => expect(models.length).toBeGreaterThanOrEqual(5));
  for (const m of models) {
    const missing = m.op_types.filter((t) => !findOpDef(t));
    if (missing.length) {
      it.todo(`${m.name}: needs ${missing.join(', ')}`);
      continue;
    }
    it(`${m.name}: imports from its .pb and matches TF on outputs and ${m.inner.length} inner tensors`, () => {
      const g = new tf.Graph();
      g.asDefault(() => tf.loadGraphDef(join(dir, m.graph), { name: '' }));
      const sess = new tf.Session({ graph: g });
      try {
        const feeds = new Map<string, tf.NDArray>(m.inputs.map((v) => [v.name!, decodeValue(v)]));
        const want = [...m.outputs, ...m.inner];
        const got = sess.run(want.map((v) => v.name!), feeds) as tf.NDArray[];
        want.forEach((v, i) => expectClose(got[i], decodeValue(v), `${m.name} ${v.name}`, 1e-4));
      } finally {
        sess.close();
      }
    });
    // Fetching inner tensors pins them, which keeps the plan's fusions out; the outputs alone
    // run the rewritten plan (folded batch norms, fused convolutions, layer norm, GELU).
    it(`${m.name}: the outputs alone, with the plan's rewrites, match TF`, () => {
      const g = new tf.Graph();
      g.asDefault(() => tf.loadGraphDef(join(dir, m.graph), { name: '' }));
      const sess = new tf.Session({ graph: g });
      try {
        const feeds = new Map<string, tf.NDArray>(m.inputs.map((v) => [v.name!, decodeValue(v)]));
        const meta = new tf.RunMetadata();
        const got = sess.run(m.outputs.map((v) => v.name!), feeds, { outputPartitionGraphs: true }, meta) as tf.NDArray[];
        m.outputs.forEach((v, i) => expectClose(got[i], decodeValue(v), `${m.name} ${v.name}`, 1e-4));
        const ops = new Set(meta.partitionGraphs[0].node.map((n) => n.op));
        const fusedOps = meta.partitionGraphs[0].node.flatMap((n) => (n.attr.fused_ops?.list?.s ?? []).map((x) => new TextDecoder().decode(x as Uint8Array)));
        if (m.name === 'transformer_encoder') {
          expect(ops).toContain('_MklLayerNorm');
          expect(fusedOps).toContain('GeluExact');
        }
        if (m.name === 'mobilenet_v2') expect(ops).toContain('_FusedDepthwiseConv2dNative');
      } finally {
        sess.close();
      }
    });
  }
});
