// tf.gradients' graph structure and TF1 semantics: null for unconnected xs, AddN for summed
// contributions, broadcasting reduced, integer paths cut, stopGradients, gradYs, names under
// gradients/, and the native helper kernels' validation.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';

const run = (ts: tf.Tensor[], feeds?: [tf.Tensor, unknown][]) => {
  const sess = new tf.Session({ graph: ts[0].graph });
  try { return sess.run(ts, feeds ? new Map(feeds as [tf.Tensor, tf.NDArray][]) : undefined) as tf.NDArray[]; } finally { sess.close(); }
};
const vals = (a: tf.NDArray) => Array.from(a.data as Float32Array, Number);
const names = () => tf.getDefaultGraph().getOperations().map((o) => o.name);

describe('tf.gradients structure', () => {
  beforeEach(() => tf.resetDefaultGraph());

  it('returns null where x does not reach y, zeros on request', () => {
    const x = tf.placeholder('float32', [2], 'x'), z = tf.placeholder('float32', [2], 'z');
    const y = tf.multiply(x, 3);
    expect(tf.gradients(y, [x, z])).toEqual([expect.any(tf.Tensor), null]);
    const [gz] = tf.gradients(y, z, null, { unconnectedGradients: 'zero' });
    expect(gz!.op.type).toBe('ZerosLike');
    expect(vals(run([gz!], [[z, [5, 6]]])[0])).toEqual([0, 0]);
  });

  it('accepts single tensors and an x that is a y', () => {
    const x = tf.placeholder('float32', [2], 'x');
    const [g] = tf.gradients(x, x);
    expect(vals(run([g!], [[x, [1, 2]]])[0])).toEqual([1, 1]);
  });

  it('sums several contributions with one AddN under gradients/', () => {
    const x = tf.placeholder('float32', [], 'x');
    const a = tf.multiply(x, x, 'a');
    const y = tf.add(tf.add(a, x, 'b'), tf.sin(x), 'c');
    const [g] = tf.gradients(y, x);
    expect(g!.op.type).toBe('AddN');
    expect(g!.op.name).toBe('gradients/AddN');
    expect(g!.op.inputs.length).toBe(4);
    const [v] = run([g!], [[x, 0.5]]);
    expect(Number(v.data[0])).toBeCloseTo(2 * 0.5 + 1 + Math.cos(0.5), 5);
  });

  it('sums with the tree method too', () => {
    const x = tf.placeholder('float32', [], 'x');
    const y = tf.addN([tf.multiply(x, 2), tf.multiply(x, 3), tf.multiply(x, 4)]);
    const [g] = tf.gradients(y, x, null, { aggregationMethod: tf.AggregationMethod.EXPERIMENTAL_TREE });
    expect(g!.op.inputs.length).toBe(2);
    expect(Number(run([g!], [[x, 1]])[0].data[0])).toBe(9);
    expect(() => tf.gradients(y, x, null, { aggregationMethod: 7 })).toThrow('Invalid aggregation_method specified 7.');
  });

  it('reduces broadcasting back to each input shape', () => {
    const x = tf.placeholder('float32', [2, 3], 'x'), b = tf.placeholder('float32', [3], 'b'), s = tf.placeholder('float32', [], 's');
    const y = tf.multiply(tf.add(x, b), s);
    const [gx, gb, gs] = tf.gradients(y, [x, b, s]);
    expect([gx!.shape, gb!.shape, gs!.shape]).toEqual([[2, 3], [3], []]);
    const [vx, vb, vs] = run([gx!, gb!, gs!], [[x, [[1, 2, 3], [4, 5, 6]]], [b, [1, 1, 1]], [s, 2]]);
    expect(vals(vx)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(vals(vb)).toEqual([4, 4, 4]);
    expect(vals(vs)).toEqual([2 + 3 + 4 + 5 + 6 + 7]);
    expect(names()).toContain('gradients/Add_grad/BroadcastGradientArgs');
  });

  it('cuts integer paths', () => {
    const x = tf.placeholder('float32', [3], 'x');
    const y = tf.cast(tf.multiply(tf.cast(x, 'int32'), 2), 'float32');
    expect(tf.gradients(y, x)).toEqual([null]);
    const i = tf.placeholder('int32', [3], 'i');
    expect(tf.gradients(tf.multiply(i, 2), i)).toEqual([null]);
  });

  it('stops at stopGradients tensors and StopGradient ops', () => {
    const x = tf.placeholder('float32', [], 'x');
    const a = tf.multiply(x, 2, 'a');
    const y = tf.add(tf.multiply(a, x), tf.stopGradient(tf.multiply(x, x)));
    const [g1] = tf.gradients(y, x, null, { stopGradients: a });
    expect(Number(run([g1!], [[x, 3]])[0].data[0])).toBe(6);  // a treated as a constant: d(a*x)/dx = a
    const [g2] = tf.gradients(y, x);
    expect(Number(run([g2!], [[x, 3]])[0].data[0])).toBe(12);  // 4x
  });

  it('weights ys with gradYs and sums over several ys', () => {
    const x = tf.placeholder('float32', [2], 'x');
    const y1 = tf.multiply(x, 2), y2 = tf.square(x);
    const [g] = tf.gradients([y1, y2], x, [tf.constant([1, 10], 'float32'), null]);
    expect(vals(run([g!], [[x, [1, 2]]])[0])).toEqual([2 + 2, 20 + 4]);
    expect(() => tf.gradients([y1, y2], x, [null])).toThrow('Passed 1 grad_ys for 2 ys');
    // a single y takes a JS value too
    const [g2] = tf.gradients(y1, x, [3, 4]);
    expect(vals(run([g2!], [[x, [1, 2]]])[0])).toEqual([6, 8]);
  });

  it('names the backward graph as TF1 does', () => {
    const x = tf.placeholder('float32', [2, 3], 'x');
    const w = tf.constant(new Float32Array(12).fill(0.5), 'float32', [3, 4]);
    const y = tf.reduceSum(tf.nn.relu(tf.matmul(x, w)));
    tf.gradients(y, [x, w]);
    const n = names();
    for (const name of ['gradients/Shape', 'gradients/grad_ys_0/Const', 'gradients/grad_ys_0', 'gradients/Sum_grad/Reshape',
      'gradients/Relu_grad/ReluGrad', 'gradients/MatMul_grad/MatMul', 'gradients/MatMul_grad/MatMul_1']) expect(n).toContain(name);
    tf.gradients(y, x);
    expect(names()).toContain('gradients_1/MatMul_grad/MatMul');
  });

  it('raises LookupError text for an op without a gradient', () => {
    const x = tf.placeholder('float32', [3], 'x');
    const y = tf.reduceProd(x, 0, { name: 'p' });
    expect(() => tf.gradients(y, x)).toThrow("No gradient defined for operation 'p' (op type: Prod)");
  });

  it('gives no gradient through NotDifferentiable ops', () => {
    const x = tf.placeholder('float32', [3], 'x');
    const y = tf.cast(tf.greater(x, 0), 'float32');
    expect(tf.gradients(y, x)).toEqual([null]);
  });

  it('handles float64 and unknown shapes', () => {
    const x = tf.placeholder('float64', null, 'x'), b = tf.placeholder('float64', null, 'b');
    const [gx, gb] = tf.gradients(tf.multiply(x, b), [x, b]);
    const [vx, vb] = run([gx!, gb!], [[x, tf.ndarray(Float64Array.from([1, 2, 3, 4]), [2, 2])], [b, tf.ndarray(Float64Array.from([5, 6]), [2])]]);
    expect(vx.shape).toEqual([2, 2]);
    expect(vals(vx)).toEqual([5, 6, 5, 6]);
    expect(vals(vb)).toEqual([4, 6]);
  });
});

describe('gradient helper kernels', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const raw = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown>) => {
    const g = tf.getDefaultGraph();
    return makeNode(g, type, inputs, attrs, null, undefined).outputs;
  };
  const i32 = (v: number[]) => tf.constant(Int32Array.from(v));

  it('BroadcastGradientArgs matches TF', () => {
    const cases: [number[], number[], number[], number[]][] = [
      [[2, 1, 3], [1, 1, 3], [1], [0, 1]], [[2, 3], [3], [], [0]], [[], [2, 2], [0, 1], []], [[1, 1], [1, 1], [], []],
    ];
    for (const [a, b, ra, rb] of cases) {
      const [r0, r1] = raw('BroadcastGradientArgs', [i32(a), i32(b)], { T: 'int32' });
      const [v0, v1] = run([r0, r1]);
      expect([Array.from(v0.data as Int32Array), Array.from(v1.data as Int32Array)]).toEqual([ra, rb]);
    }
    const [r0] = raw('BroadcastGradientArgs', [i32([2, 3]), i32([4])], { T: 'int32' });
    expect(() => run([r0])).toThrow('Incompatible shapes: [2,3] vs. [4]');
  });

  it('InvertPermutation validates', () => {
    const [y] = raw('InvertPermutation', [i32([2, 0, 1])], { T: 'int32' });
    expect(Array.from(run([y])[0].data as Int32Array)).toEqual([1, 2, 0]);
    const [bad] = raw('InvertPermutation', [i32([0, 0, 1])], { T: 'int32' });
    expect(() => run([bad])).toThrow('0 is duplicated in the input.');
    const [oob] = raw('InvertPermutation', [i32([0, 3, 1])], { T: 'int32' });
    expect(() => run([oob])).toThrow('3 is not between 0 and 3');
  });

  it('UnsortedSegmentSum sums duplicates and rejects out-of-range ids', () => {
    const data = tf.constant([[1, 2], [3, 4], [5, 6]], 'float32');
    const [y] = raw('UnsortedSegmentSum', [data, i32([1, 0, 1]), tf.constant(Int32Array.of(3), 'int32', [])],
      { T: 'float32', Tindices: 'int32', Tnumsegments: 'int32' });
    expect(y.shape).toEqual([3, 2]);
    expect(vals(run([y])[0])).toEqual([3, 4, 6, 8, 0, 0]);
    const [bad] = raw('UnsortedSegmentSum', [data, i32([1, 5, 1]), tf.constant(Int32Array.of(3), 'int32', [])],
      { T: 'float32', Tindices: 'int32', Tnumsegments: 'int32' });
    expect(() => run([bad])).toThrow('segment_ids[1] = 5 is out of range [0, 3)');
  });

  it('ReluGrad rejects mismatched shapes and works on int32', () => {
    expect(() => raw('ReluGrad', [tf.constant([1, 2], 'float32'), tf.constant([1, 2, 3], 'float32')], { T: 'float32' }))
      .toThrow('Dimension 0 in both shapes must be equal, but are 2 and 3');
    const a = tf.placeholder('float32', null, 'a'), b = tf.placeholder('float32', null, 'b');
    const [bad] = raw('ReluGrad', [a, b], { T: 'float32' });
    expect(() => run([bad], [[a, [1, 2]], [b, [1, 2, 3]]])).toThrow(/must have the same size and shape/);
    const [ok] = raw('ReluGrad', [i32([5, 6, 7]), i32([-1, 0, 2])], { T: 'int32' });
    expect(Array.from(run([ok])[0].data as Int32Array)).toEqual([0, 0, 7]);
  });

  it('BiasAddGrad sums all but the channel dim (NHWC and NCHW)', () => {
    const x = tf.constant(Float32Array.from({ length: 12 }, (_, i) => i), 'float32', [2, 3, 2]);
    const [a] = raw('BiasAddGrad', [x], { T: 'float32', data_format: 'NHWC' });
    const [b] = raw('BiasAddGrad', [x], { T: 'float32', data_format: 'NCHW' });
    const [va, vb] = run([a, b]);
    expect(vals(va)).toEqual([0 + 2 + 4 + 6 + 8 + 10, 1 + 3 + 5 + 7 + 9 + 11]);
    expect(vals(vb)).toEqual([0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11]);
  });

  it('MaxPoolGrad routes to the first maximum; Conv2DBackpropFilter checks out_backprop', () => {
    const x = tf.constant(Float32Array.from([1, 1, 1, 1]), 'float32', [1, 2, 2, 1]);
    const y = tf.nn.maxPool(x, 2, 2, 'VALID');
    const [g] = tf.gradients(y, x);
    expect(vals(run([g!])[0])).toEqual([1, 0, 0, 0]);
    const [bad] = raw('Conv2DBackpropFilter', [x, i32([1, 1, 1, 1]), tf.constant(new Float32Array(9), 'float32', [1, 3, 3, 1])],
      { T: 'float32', strides: [1, 1, 1, 1], padding: 'VALID' });
    expect(() => run([bad])).toThrow(/Size of out_backprop doesn't match computed/);
  });
});
