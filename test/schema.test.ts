// Meta-test of the op registry: ids are unique and frozen (they are the wire format), the
// generated native header is current, and every op is reachable from a builder and a kernel.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { OPS, nativeHeader, opTableMarkdown } from '../lib/ops/schema';
import { builderNames } from '../scripts/op-builders';
import { CORE_OPS } from '../lib/ops/defs/core';

const root = join(__dirname, '..');

describe('op schema', () => {
  it('ids are unique, and ids of existing ops never change', () => {
    const frozen = JSON.parse(readFileSync(join(root, 'test/fixtures/op-ids.json'), 'utf8')) as Record<string, number>;
    expect(new Set(OPS.map((o) => o.id)).size).toBe(OPS.length);
    expect(new Set(OPS.map((o) => o.type)).size).toBe(OPS.length);
    for (const [type, id] of Object.entries(frozen)) expect(OPS.find((o) => o.type === type)?.id, type).toBe(id);
  });

  it('native/ops.gen.h is what `npm run gen` writes from the schema', () => {
    expect(readFileSync(join(root, 'native/ops.gen.h'), 'utf8')).toBe(nativeHeader());
  });

  it("the README's op table is what `npm run gen` writes from the registry", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(opTableMarkdown(builderNames(root)));
  });

  it('every kernel family has a native kernel function', () => {
    const sources = readdirSync(join(root, 'native/kernels')).filter((f) => f.endsWith('.cc'))
      .map((f) => readFileSync(join(root, 'native/kernels', f), 'utf8')).join('\n');
    for (const fam of new Set(OPS.map((o) => o.kernel))) expect(sources, fam).toMatch(new RegExp(`Status kernel_${fam}\\(KernelContext&`));
  });

  it('every core op type can be built and run (the other ops: test/golden)', () => {
    // One builder call per op type; running each proves decoder + kernel table agree.
    const g = new tf.Graph();
    const built = g.asDefault(() => {
      const x = tf.constant([[1, 2], [3, 4]]);
      const p = tf.placeholder(tf.float32, [2, 2]);
      return [
        x, p, tf.placeholderWithDefault(x, [2, 2]), tf.identity(x), tf.noOp(),
        tf.add(x, x), tf.subtract(x, x), tf.multiply(x, x), tf.divide(x, 2), tf.maximum(x, 2), tf.minimum(x, 2),
        tf.negative(x), tf.abs(x), tf.exp(x), tf.log(x), tf.sqrt(x), tf.square(x), tf.tanh(x), tf.sigmoid(x), tf.nn.relu(x),
        tf.matmul(x, x), tf.reduceSum(x, 0), tf.reduceMean(x, 1), tf.reduceMax(x), tf.reshape(x, [4]),
        tf.cast(x, tf.int32), tf.nn.softmax(x), tf.fill([2], 3), tf.nn.conv2d(tf.reshape(x, [1, 2, 2, 1]), tf.constant([[[[1]]]]), 1, "SAME"),
      ];
    });
    const types = new Set(built.map((t) => (t instanceof tf.Tensor ? t.op.type : t.type)));
    for (const o of CORE_OPS) expect(types.has(o.type), o.type).toBe(true);
    const sess = new tf.Session({ graph: g });
    const fetches = built.filter((t) => !(t instanceof tf.Tensor && t.op.type === 'Placeholder'));
    const out = sess.run(fetches, new Map([[built[1] as tf.Tensor, [[1, 1], [1, 1]]]]));
    expect(out.length).toBe(fetches.length);
    sess.close();
  });
});
