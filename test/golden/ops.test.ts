// Every op against TensorFlow itself: the cases scripts/golden/ops.py recorded (GraphDef,
// inputs, TF's outputs or TF's error class), imported and run here. No Python needed.
import { describe, it } from 'vitest';
import { findOpDef } from '../../lib/ops/schema';
import { goldenOpFiles, runGoldenCase } from './golden';

const files = goldenOpFiles();

describe('golden ops (TensorFlow as the oracle)', () => {
  it('fixtures are present', () => {
    if (files.length === 0) throw new Error('no fixtures under test/fixtures/golden/ops (run `npm run golden`)');
  });
  for (const f of files) {
    if (!findOpDef(f.op)) {
      it.todo(`${f.op}: not implemented yet (${f.cases.length} golden cases waiting)`);
      continue;
    }
    describe(f.op, () => {
      for (const c of f.cases) it(c.name, () => runGoldenCase(c));
    });
  }
});
