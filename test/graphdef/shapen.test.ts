// ShapeN: the op (tf.shapeN), and the reason it exists here: TF's gradient of Conv2D builds a
// ShapeN, so TF-built CNN training graphs need it. cnn_grads.pb (scripts/golden/cnn_grads.py) is
// such a graph, built and run by TensorFlow: it imports and gives TF's loss and gradients.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { GoldenValue, decodeValue, expectClose } from '../golden/golden';

const dir = join(__dirname, '..', 'fixtures', 'graphdef');
const fixture = JSON.parse(readFileSync(join(dir, 'cnn_grads.json'), 'utf8')) as
  { op_types: string[]; inputs: GoldenValue[]; outputs: GoldenValue[] };

function errorOf(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}

describe('ShapeN', () => {
  it('gives each input\'s shape, int32 or int64, with static output shapes', () => {
    const g = new tf.Graph();
    const [a, b, c, s] = g.asDefault(() => {
      const a = tf.placeholder('float32', [null, 3], 'a');
      const b = tf.placeholder('int32', null, 'b');
      const c = tf.placeholder('bool', [], 'c');
      return [a, b, c, tf.shapeN([a, tf.cast(b, 'float32'), tf.cast(c, 'float32')])];
    });
    expect(s.map((t) => t.op.name)).toEqual(['ShapeN', 'ShapeN', 'ShapeN']);
    expect(s.map((t) => t.valueIndex)).toEqual([0, 1, 2]);
    expect(s.map((t) => t.shape)).toEqual([[2], [null], [0]]);
    expect(s.every((t) => t.dtype === 'int32')).toBe(true);
    const sess = new tf.Session({ graph: g });
    try {
      const out = sess.run(s, [[a, new Float32Array(12)], [b, tf.ndarray(new Int32Array(24), [2, 3, 4])], [c, true]]);
      expect(out.map((v) => Array.from(v.data as Int32Array))).toEqual([[4, 3], [2, 3, 4], []]);
      const big = g.asDefault(() => tf.shapeN([tf.fill([0, 5], 1)], { outType: 'int64', name: 'sn' }));
      expect(big[0].op.name).toBe('sn');
      expect(Array.from(sess.run(big[0]).data as BigInt64Array)).toEqual([0n, 5n]);
    } finally {
      sess.close();
    }
  });

  it('checks its arguments as TF: at least one input, one dtype, out_type int32/int64', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      let e = errorOf(() => tf.shapeN([]));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toMatch(/Attr 'N' of 'ShapeN' Op passed 0 less than minimum 1/);
      e = errorOf(() => tf.shapeN([tf.zeros([1]), tf.constant([1], 'int32')]));
      expect(e.message).toMatch(/don't all match/);
      e = errorOf(() => tf.shapeN([tf.zeros([1])], { outType: 'float32' }));
      expect(e.message).toMatch(/DataType float32 not in list of allowed values: int32, int64/);
    });
  });

  it('is not differentiable (TF: NotDifferentiable): no gradient flows through it', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 3], 'x');
      const [s] = tf.shapeN([x]);
      const y = tf.reduceSum(tf.multiply(x, tf.cast(tf.reduceSum(s), 'float32')));
      const [gx] = tf.gradients(y, [x]);
      const sess = new tf.Session({ graph: g });
      try {
        expect(Array.from(sess.run(gx!, [[x, new Float32Array(6)]]).data as Float32Array)).toEqual(new Array(6).fill(5));
      } finally {
        sess.close();
      }
      expect(tf.gradients(tf.cast(s, 'float32'), [x])).toEqual([null]);
    });
  });

  it('a TF-built CNN training graph (Conv2D gradients use ShapeN) imports and matches TF', () => {
    expect(fixture.op_types).toContain('ShapeN');
    expect(fixture.op_types).toContain('Conv2DBackpropInput');
    const g = new tf.Graph();
    g.asDefault(() => tf.loadGraphDef(join(dir, 'cnn_grads.pb'), { name: '' }));
    const shapeN = g.getOperations().filter((op) => op.type === 'ShapeN');
    expect(shapeN.length).toBeGreaterThan(0);
    const sess = new tf.Session({ graph: g });
    try {
      const feeds = new Map<string, tf.NDArray>(fixture.inputs.map((v) => [v.name!, decodeValue(v)]));
      const got = sess.run(fixture.outputs.map((v) => v.name!), feeds) as tf.NDArray[];
      fixture.outputs.forEach((v, i) => expectClose(got[i], decodeValue(v), v.name!, 1e-4));
      // The batch dim is unknown in the graph: ShapeN reads it at run time (a batch of 1 runs too).
      const x1 = decodeValue(fixture.inputs[0]);
      const y1 = decodeValue(fixture.inputs[1]);
      feeds.set('x:0', tf.ndarray((x1.data as Float32Array).slice(0, 72), [1, 6, 6, 2]));
      feeds.set('y:0', tf.ndarray((y1.data as Float32Array).slice(0, 36), [1, 3, 3, 4]));
      const dx = sess.run(fixture.outputs[4].name!, feeds);
      expect(dx.shape).toEqual([1, 6, 6, 2]);
    } finally {
      sess.close();
    }
  });
});
