// Where (coordinates of true elements) and tf.booleanMask (Reshape + Where + Squeeze + GatherV2,
// as TF builds it), against plain-JS references; node names and errors as TensorFlow's.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

function errorOf(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}

/** Reference Where: row-major coordinates of the nonzero elements (NaN counts as true). */
function whereRef(data: ArrayLike<number>, shape: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) continue;
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(r % shape[d]); r = Math.floor(r / shape[d]); }
    out.push(idx);
  }
  return out;
}

function rows(a: tf.NDArray): number[][] {
  const [n, r] = a.shape;
  const d = Array.from(a.data as BigInt64Array, Number);
  return Array.from({ length: n }, (_, i) => d.slice(i * r, i * r + r));
}

function runIn<T>(build: () => T, feeds: (g: tf.Graph) => [tf.Tensor | string, unknown][] = () => []): unknown {
  const g = new tf.Graph();
  const f = g.asDefault(build);
  const sess = new tf.Session({ graph: g });
  try { return sess.run(f as never, feeds(g) as never); } finally { sess.close(); }
}

describe('Where', () => {
  const cases: [string, number[], tf.DType][] = [
    ['bool [2,3]', [2, 3], 'bool'], ['float32 [7]', [7], 'float32'], ['int32 [2,2,3]', [2, 2, 3], 'int32'],
    ['float64 [3,1,4]', [3, 1, 4], 'float64'], ['int64 [5]', [5], 'int64'], ['uint8 [4,4]', [4, 4], 'uint8'],
    ['zero-size [0,3]', [0, 3], 'float32'], ['scalar', [], 'int32'], ['large [300,70]', [300, 70], 'float32'],
  ];
  for (const [name, shape, dtype] of cases) {
    it(`gives int64 [num_true, rank] coordinates in row-major order: ${name}`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const vals = Array.from({ length: n }, (_, i) => ((i * 7 + 3) % 5 < 2 ? 0 : (i % 3) + 1));
      if (dtype === 'float32' && n > 3) vals[2] = NaN;  // NaN != 0: true, as TF
      const data = dtype === 'bool' ? vals.map((v) => v !== 0) : dtype === 'int64' ? vals.map((v) => BigInt(v)) : vals;
      const res = runIn(() => {
        const w = tf.where(tf.constant(tf.ndarray(data as never, shape, dtype)));
        expect(w.op.type).toBe('Where');
        expect(w.dtype).toBe('int64');
        expect(w.shape).toEqual([null, shape.length]);
        return w;
      }) as tf.NDArray;
      expect(res.shape).toEqual([whereRef(vals.map((v) => (Number.isNaN(v) ? 1 : v)), shape).length, shape.length]);
      if (shape.length) expect(rows(res)).toEqual(whereRef(vals.map((v) => (Number.isNaN(v) ? 1 : v)), shape));
    });
  }

  it('takes no strings, and is not differentiable', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const e = errorOf(() => tf.where(tf.constant(['a'])));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toBe("Value passed to parameter 'input' has DataType string not in list of allowed values: float32, float64, int32, uint8, int64, bool");
      const x = tf.placeholder('float32', [3], 'x');
      expect(tf.gradients(tf.cast(tf.where(x), 'float32'), [x])).toEqual([null]);
    });
  });
});

describe('tf.booleanMask', () => {
  it('builds the nodes TF builds, with TF\'s static shape', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const t = tf.placeholder('float32', [null, 3], 't');
      const m = tf.placeholder('bool', [null], 'm');
      const r = tf.booleanMask(t, m);
      expect(r.name).toBe('boolean_mask/GatherV2:0');
      expect(r.shape).toEqual([null, 3]);
      // TF 2.21's tf.compat.v1.boolean_mask, node by node (name, type).
      expect(g.getOperations().slice(2).map((o) => `${o.name} ${o.type}`)).toEqual([
        'boolean_mask/Shape Shape', 'boolean_mask/strided_slice/stack Const', 'boolean_mask/strided_slice/stack_1 Const',
        'boolean_mask/strided_slice/stack_2 Const', 'boolean_mask/strided_slice StridedSlice', 'boolean_mask/Prod/reduction_indices Const',
        'boolean_mask/Prod Prod', 'boolean_mask/Shape_1 Shape', 'boolean_mask/strided_slice_1/stack Const',
        'boolean_mask/strided_slice_1/stack_1 Const', 'boolean_mask/strided_slice_1/stack_2 Const', 'boolean_mask/strided_slice_1 StridedSlice',
        'boolean_mask/Shape_2 Shape', 'boolean_mask/strided_slice_2/stack Const', 'boolean_mask/strided_slice_2/stack_1 Const',
        'boolean_mask/strided_slice_2/stack_2 Const', 'boolean_mask/strided_slice_2 StridedSlice', 'boolean_mask/concat/values_1 Pack',
        'boolean_mask/concat/axis Const', 'boolean_mask/concat ConcatV2', 'boolean_mask/Reshape Reshape', 'boolean_mask/Reshape_1/shape Const',
        'boolean_mask/Reshape_1 Reshape', 'boolean_mask/Where Where', 'boolean_mask/Squeeze Squeeze', 'boolean_mask/GatherV2/axis Const',
        'boolean_mask/GatherV2 GatherV2',
      ]);
    });
  });

  it('selects rows, elements of a 2-D mask, and slices along an axis (JS reference)', () => {
    const t = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    expect((runIn(() => tf.booleanMask(tf.constant(t), [true, false, true])) as tf.NDArray).toArray()).toEqual([[1, 2, 3], [7, 8, 9]]);
    const m2 = [[true, false, true], [false, false, true], [true, true, false]];
    const flat = t.flat().filter((_, i) => m2.flat()[i]);
    expect((runIn(() => tf.booleanMask(tf.constant(t), m2)) as tf.NDArray).toArray()).toEqual(flat);
    expect((runIn(() => tf.booleanMask(tf.constant(t), [false, true, true], { axis: 1 })) as tf.NDArray).toArray()).toEqual([[2, 3], [5, 6], [8, 9]]);
    const t3 = Array.from({ length: 2 }, (_, a) => Array.from({ length: 3 }, (_, b) => Array.from({ length: 4 }, (_, c) => a * 100 + b * 10 + c)));
    const m3 = [[true, false, false, true], [false, true, true, false], [false, false, false, false]];
    const want = t3.map((plane) => plane.flat().filter((_, i) => m3.flat()[i]));
    const got = runIn(() => tf.booleanMask(tf.constant(t3, 'int32'), m3, { axis: 1 })) as tf.NDArray;
    expect(got.shape).toEqual([2, 4]);
    expect(got.toArray()).toEqual(want);
    const none = runIn(() => tf.booleanMask(tf.constant(t), [false, false, false])) as tf.NDArray;
    expect(none.shape).toEqual([0, 3]);
    const fed = runIn(() => tf.booleanMask(tf.placeholder('float32', [null, 2], 'x'), tf.placeholder('bool', [null], 'm')),
      () => [['x:0', [[1, 2], [3, 4], [5, 6], [7, 8]]], ['m:0', [false, true, false, true]]]) as tf.NDArray;
    expect(fed.toArray()).toEqual([[3, 4], [7, 8]]);
  });

  it('masks strings', () => {
    expect((runIn(() => tf.booleanMask(tf.constant(['a', 'b', 'c']), [true, false, true])) as tf.NDArray).toArray()).toEqual(['a', 'c']);
  });

  it('raises TF\'s errors for a scalar mask, an unknown-rank mask and incompatible shapes', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const t = tf.constant([[1, 2, 3], [4, 5, 6]]);
      let e = errorOf(() => tf.booleanMask(t, true));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toBe('mask cannot be scalar.');
      e = errorOf(() => tf.booleanMask(t, tf.placeholder('bool', null)));
      expect(e.message).toBe('Number of mask dimensions must be specified, even if some dimensions are None.  E.g. shape=[None] is ok, but shape=None is not.');
      e = errorOf(() => tf.booleanMask(t, [true, false, true]));
      expect(e.message).toBe('Shapes (2,) and (3,) are incompatible');
      e = errorOf(() => tf.booleanMask(t, [[true, false]], { axis: 1 }));
      expect(e.message).toBe('Shapes (3,) and (1, 2) are incompatible');
    });
  });

  it('has a gradient for the tensor (GatherV2\'s), none for the mask', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const t = tf.placeholder('float32', [3, 2], 't');
      const m = tf.placeholder('bool', [3], 'm');
      const w = tf.constant([[1, 2], [3, 4]]);
      const loss = tf.reduceSum(tf.multiply(tf.booleanMask(t, m), w));
      const [gt, gm] = tf.gradients(loss, [t, m]);
      expect(gm).toBeNull();
      const sess = new tf.Session({ graph: g });
      try {
        const v = sess.run(gt!, [[t, new Float32Array(6)], [m, [true, false, true]]]);
        expect(v.toArray()).toEqual([[1, 2], [0, 0], [3, 4]]);
      } finally {
        sess.close();
      }
    });
  });
});
