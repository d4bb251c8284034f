// TensorFlow's values for the random ops, bit for bit (fixtures: scripts/golden/random.py, TF
// 2.21's tf.compat.v1 CPU kernels): the seeds TF derives for each op, three consecutive runs
// of one session (each run continues the op's Philox stream), and a second session (which
// restarts it). Covers every op x dtype, graph-seed-only / op-seed-only / both, the per-graph
// op-seed counter, dropout, the random initializers on variables, and large outputs (CRC32 of
// every element plus samples).
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { RandomCase, buildCase, expectBitExact, loadCases, seedsOf } from './fixtures';

function check(c: RandomCase): void {
  const { graph, fetches, init } = buildCase(c);
  expect(seedsOf(graph), 'seed attrs').toEqual(c.seeds);
  const sess = new tf.Session({ graph });
  try {
    c.runs.forEach((expected, r) => {
      if (init) sess.run(init);
      const got = sess.run(fetches) as tf.NDArray[];
      expected.forEach((e, i) => expectBitExact(got[i], e, `${c.name} run ${r + 1} fetch ${i}`));
    });
  } finally { sess.close(); }
  const sess2 = new tf.Session({ graph });
  try {
    if (init) sess2.run(init);
    const got = sess2.run(fetches) as tf.NDArray[];
    c.session2.forEach((e, i) => expectBitExact(got[i], e, `${c.name} second session fetch ${i}`));
  } finally { sess2.close(); }
}

for (const group of ['basic', 'shuffle_multinomial', 'dropout_initializers', 'large']) {
  describe(`random golden: ${group}`, () => {
    for (const c of loadCases(group)) it(c.name, () => check(c));
  });
}

// TF's own GraphDef of a case, imported: the imported nodes keep their seed attrs and streams.
describe('random golden: TF GraphDefs through tf.importGraphDef', () => {
  const cases = ['basic', 'shuffle_multinomial'].flatMap(loadCases).filter((c) => c.graph);
  it('has cases', () => expect(cases.length).toBeGreaterThan(10));
  for (const c of cases) {
    it(c.name, () => {
      const graph = new tf.Graph();
      const fetches = graph.asDefault(() => tf.importGraphDef(Buffer.from(c.graph!, 'base64'), { name: '', returnElements: c.fetchNames! })) as tf.Tensor[];
      const sess = new tf.Session({ graph });
      c.runs.forEach((expected, r) => {
        const got = sess.run(fetches) as tf.NDArray[];
        expected.forEach((e, i) => expectBitExact(got[i], e, `${c.name} run ${r + 1} fetch ${i}`));
      });
      sess.close();
    });
  }
});
