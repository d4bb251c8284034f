// Gradients against TensorFlow's: each fixture (scripts/golden/grads.py) holds a forward-only
// GraphDef, its inputs, random gradYs and the values TF1's tf.gradients gave; tensorloom imports
// the forward graph, builds tf.gradients itself and must agree (null where TF gave None).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { GOLDEN, GoldenValue, decodeValue, expectClose } from '../golden/golden';

interface GradCase {
  name: string; graph: string; feeds: GoldenValue[]; ys: string[]; xs: string[]; grad_ys: GoldenValue[];
  outputs: (GoldenValue | null)[];
}
interface GradFile { op: string; tf_version: string; cases: GradCase[] }

const DIR = join(GOLDEN, 'grads');
const files: GradFile[] = existsSync(DIR)
  ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as GradFile)
  : [];

describe('gradients vs TensorFlow (golden)', () => {
  it('has fixtures', () => { expect(files.length).toBeGreaterThan(40); });
  for (const file of files) {
    describe(file.op, () => {
      for (const c of file.cases) {
        it(c.name, () => {
          const g = new tf.Graph();
          g.asDefault(() => {
            tf.importGraphDef(Buffer.from(c.graph, 'base64'), { name: '' });
            const ys = c.ys.map((n) => g.getTensorByName(n));
            const xs = c.xs.map((n) => g.getTensorByName(n));
            const gys = c.grad_ys.map((v, i) => tf.constant(decodeValue(v), { name: `golden_grad_ys_${i}` }));
            const grads = tf.gradients(ys, xs, gys);
            grads.forEach((t, i) => expect(t === null, `gradient ${i} null`).toBe(c.outputs[i] === null));
            const fetch = grads.filter((t): t is tf.Tensor => t !== null);
            const sess = new tf.Session({ graph: g });
            try {
              const feeds = new Map<string, tf.NDArray>(c.feeds.map((f) => [f.name!, decodeValue(f)]));
              const got = sess.run(fetch, feeds) as tf.NDArray[];
              const want = c.outputs.filter((v): v is GoldenValue => v !== null);
              // float32 gradients chain several kernels: 1e-4 relative (the model tolerance).
              got.forEach((v, i) => expectClose(v, decodeValue(want[i]), `${c.name} d/d${c.xs[i]}`, v.dtype === 'float32' ? 1e-4 : 1e-10));
            } finally { sess.close(); }
          });
        });
      }
    });
  }
});
