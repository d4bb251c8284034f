// graph.toGraphDefBytes() is a GraphDef TensorFlow runs: scripts/golden/export_check.py
// imported the committed bytes into TF's TF1 runtime and recorded TF's outputs. Here the same
// graphs, rebuilt, must still export exactly those bytes, and tensorloom must compute TF's values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { EXPORT_GRAPHS } from '../../scripts/golden/export-graphs';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from './golden';

const dir = join(GOLDEN, 'export');

describe('GraphDef export round-trips through real TensorFlow', () => {
  for (const c of EXPORT_GRAPHS) {
    it(`${c.name}: same bytes as TF ran, same values as TF computed`, () => {
      const spec = JSON.parse(readFileSync(join(dir, `${c.name}.json`), 'utf8')) as { fetches: string[]; tf_outputs: GoldenValue[] };
      expect(spec.tf_outputs, 'run scripts/golden/export_check.py').toBeDefined();
      const g = new tf.Graph();
      const built = g.asDefault(() => c.build());
      expect(Buffer.from(g.toGraphDefBytes()).equals(readFileSync(join(dir, `${c.name}.pb`)))).toBe(true);
      const sess = new tf.Session({ graph: g });
      const out = sess.run(built.fetches, new Map(built.feeds)) as tf.NDArray[];
      sess.close();
      spec.tf_outputs.forEach((v, i) => expectClose(out[i], decodeValue(v), built.fetches[i]));
    });

    it(`${c.name}: importing the exported bytes gives a graph that computes the same`, () => {
      const g = new tf.Graph();
      const built = g.asDefault(() => c.build());
      const h = new tf.Graph();
      h.asDefault(() => tf.importGraphDef(g.toGraphDefBytes(), { name: '' }));
      expect(h.getOperations().map((o) => `${o.name}:${o.type}`)).toEqual(g.getOperations().map((o) => `${o.name}:${o.type}`));
      const s1 = new tf.Session({ graph: g }), s2 = new tf.Session({ graph: h });
      const a = s1.run(built.fetches, new Map(built.feeds)) as tf.NDArray[];
      const b = s2.run(built.fetches, new Map(built.feeds)) as tf.NDArray[];
      s1.close(); s2.close();
      a.forEach((v, i) => expectClose(b[i], v, built.fetches[i], 0));
    });
  }
});
