// Issue: "C++ validates the whole buffer (bounds, counts, op codes, dtypes, input refs, cycles),
// rejects bad ones with an error, never a crash". A node's declared output dtype is not checked
// against its inputs: an Add of float64 inputs declared as a uint8 output decodes, and the run
// writes 8-byte elements into a 1-byte-per-element buffer (heap corruption, the process aborts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { DIST, runNode, walkGraphBuffer } from './helpers';

const UINT8 = 4;

/** A graph with one op `target` over float64 [128,128] constants, with target's output dtype byte set to uint8. */
function corrupted(kind: string): Uint8Array {
  const g = new tf.Graph();
  g.asDefault(() => {
    const a = tf.constant(new Float64Array(128 * 128).fill(1.5), undefined, [128, 128]);
    const build: Record<string, () => tf.Tensor> = {
      Add: () => tf.add(a, a, { name: 'target' }),
      MatMul: () => tf.matmul(a, a, { name: 'target' }),
      Sum: () => tf.reduceSum(a, 0, { name: 'target' }),
      Neg: () => tf.negative(a, { name: 'target' }),
      Softmax: () => tf.nn.softmax(a, { name: 'target' }),
    };
    build[kind]();
  });
  const buf = g.toBuffer();
  const node = walkGraphBuffer(buf).find((n) => n.name === 'target')!;
  expect(buf[node.outputs[0].dtypeAt]).toBe(2);  // float64
  buf[node.outputs[0].dtypeAt] = UINT8;
  return buf;
}

const CHILD = `
const tf = require(${JSON.stringify(DIST)});
let g;
try { g = tf.loadGraph(process.argv[1]); } catch (e) { console.log('REJECTED ' + e.constructor.name); process.exit(0); }
const s = new tf.Session({ graph: g });
for (let i = 0; i < 5; i++) {
  try { s.run('target:0'); } catch (e) { console.log('THREW ' + e.constructor.name); process.exit(0); }
}
console.log('RAN');
`;

describe('review-issue2: buffer validation covers dtypes (never a crash)', () => {
  it('Graph.fromBuffer rejects a node whose output dtype contradicts its float64 inputs (Add → uint8)', () => {
    const buf = corrupted('Add');
    expect(() => tf.Graph.fromBuffer(buf)).toThrow(tf.errors.InvalidArgumentError);
  });

  for (const kind of ['Add', 'MatMul', 'Sum', 'Neg', 'Softmax']) {
    it(`running a loaded graph whose ${kind} output dtype is narrowed to uint8 does not crash the process`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'tl-review2-'));
      const file = join(dir, `${kind}.tlg`);
      writeFileSync(file, corrupted(kind));
      const r = runNode(CHILD, [file]);
      expect({ status: r.status, signal: r.signal, crashed: /corruption|Segmentation|Aborted/.test(r.stderr) })
        .toEqual({ status: 0, signal: null, crashed: false });
      expect(r.stdout).toMatch(/REJECTED InvalidArgumentError|THREW InvalidArgumentError/);
    });
  }
});
