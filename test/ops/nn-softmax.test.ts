// tf.nn.logSoftmax (LogSoftmax) and the softmax cross-entropy losses
// (SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits) against naive JS
// references: shapes, dtypes, label broadcasting, ±Inf/NaN, large logits, sizes that cross
// parallel chunks, static shapes, TF1 names and TF's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';
import { findOpDef } from '../../lib/ops/schema';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';

const rand = (rng: Lcg, shape: number[], dtype: tf.DType, lo = -4, hi = 4): Arr => ({ shape, data: randomData(rng, sizeOf(shape), dtype, lo, hi) });
const zeros = (shape: number[], dtype: tf.DType = 'float32') => constOf({ shape, data: new Array(sizeOf(shape)).fill(0) }, dtype);
function throwsAt(f: () => unknown, cls: typeof tf.errors.OpError, re: RegExp): void {
  expect(f).toThrow(cls);
  expect(f).toThrow(re);
}
/** Both outputs of a raw loss op. */
const rawLoss = (type: string, f: tf.Tensor, l: tf.Tensor) =>
  makeNode(f.graph, type, [f, l], { T: f.dtype, ...(type.startsWith('Sparse') ? { Tlabels: l.dtype } : {}) }, null, undefined).outputs;

/** Per row of the last axis: max, and log Σ exp(x - max). */
function rowStats(row: number[]): [number, number] {
  const m = row.reduce((a, b) => (b > a ? b : a), row[0]);
  return [m, Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0))];
}
const rowsOf = (a: Arr): number[][] => {
  const c = a.shape[a.shape.length - 1];
  return c === 0 ? [] : Array.from({ length: a.data.length / c }, (_, r) => a.data.slice(r * c, r * c + c));
};

function refLogSoftmax(x: Arr): Arr {
  return { shape: x.shape, data: rowsOf(x).flatMap((row) => { const [m, ls] = rowStats(row); return row.map((v) => v - m - ls); }) };
}

/** loss_i = Σ_j l_ij (logΣexp - s_ij), backprop = softmax - labels; labels broadcast to the logits' [rows, cols]. */
function refXent(f: Arr, l: Arr): [Arr, Arr] {
  const [rows, cols] = f.shape;
  const lab = (i: number, j: number) => l.data[(l.shape[0] === 1 ? 0 : i) * cols + j];
  const loss: number[] = [], bp: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = f.data.slice(i * cols, (i + 1) * cols);
    if (cols === 0) { loss.push(0); continue; }
    const [m, ls] = rowStats(row);
    loss.push(row.reduce((s, v, j) => s + lab(i, j) * (ls - (v - m)), 0));
    row.forEach((v, j) => bp.push(Math.exp(v - m - ls) - lab(i, j)));
  }
  return [{ shape: [rows], data: loss }, { shape: [rows, cols], data: bp }];
}

function refSparseXent(f: Arr, labels: number[]): [Arr, Arr] {
  const [rows, cols] = f.shape;
  const loss: number[] = [], bp: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = f.data.slice(i * cols, (i + 1) * cols);
    const [m, ls] = rowStats(row);
    loss.push(ls - (row[labels[i]] - m));
    row.forEach((v, j) => bp.push(Math.exp(v - m - ls) - (j === labels[i] ? 1 : 0)));
  }
  return [{ shape: [rows], data: loss }, { shape: [rows, cols], data: bp }];
}

const TOL = (d: tf.DType) => tolFor(d, { rtol: 1e-5, atol: 1e-5 });

describe('LogSoftmax', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const shapes = [[3, 5], [1], [7], [2, 3, 4], [0, 5], [2, 1], [3, 0], [300, 170]];
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const shape of shapes) {
      it(`${dtype} [${shape}]`, () => {
        const x = rand(new Lcg(sizeOf(shape) + 3), shape, dtype, -5, 5);
        const y = tf.nn.logSoftmax(constOf(x, dtype));
        expect(y.shape).toEqual(shape);
        expectMatches(runOnce(y), refLogSoftmax(x), dtype, TOL(dtype));
      });
    }
    it(`${dtype} large logits (shifted by 1000) and ±Inf/NaN rows`, () => {
      const x = rand(new Lcg(1), [3, 5], dtype, 995, 1005);
      expectMatches(runOnce(tf.nn.logSoftmax(constOf(x, dtype))), refLogSoftmax(x), dtype, TOL(dtype));
      const e = { shape: [4, 3], data: [0, -Infinity, 1, -Infinity, -Infinity, 3, Infinity, 0, 1, NaN, 0, 1] };
      const got = Array.from(runOnce(tf.nn.logSoftmax(constOf(e, dtype))).data as Float32Array);
      expect(got.slice(0, 6).map((v) => (Number.isFinite(v) ? Math.round(v * 1e5) / 1e5 : v)))
        .toEqual([-1.31326, -Infinity, -0.31326, -Infinity, -Infinity, 0]);
      expect(got.slice(6).every(Number.isNaN)).toBe(true);
    });
  }

  it('over a non-last axis (transposed, as TF) where Transpose exists', () => {
    const x = rand(new Lcg(2), [3, 4], 'float32');
    if (!findOpDef('Transpose')) {
      expect(() => tf.nn.logSoftmax(constOf(x, 'float32'), 0)).toThrow(tf.errors.UnimplementedError);
      return;
    }
    const y = tf.nn.logSoftmax(constOf(x, 'float32'), { axis: 0 });
    expect(y.shape).toEqual([3, 4]);
    const t = { shape: [4, 3], data: [...Array(12).keys()].map((i) => x.data[(i % 3) * 4 + Math.floor(i / 3)]) };
    const rt = refLogSoftmax(t);
    expectMatches(runOnce(y), { shape: [3, 4], data: [...Array(12).keys()].map((i) => rt.data[(i % 4) * 3 + Math.floor(i / 4)]) }, 'float32', TOL('float32'));
    expect(() => tf.nn.logSoftmax(constOf(x, 'float32'), 2)).toThrow(/`axis` must be in the range \[0, 2\)/);
  });

  it('names, unknown shapes, errors', () => {
    const y = tf.nn.logSoftmax([[1, 2, 3]]);
    expect(y.name).toBe('LogSoftmax:0');
    expect(y.op.inputs[0].name).toBe('Const:0');
    expect(tf.nn.logSoftmax(tf.placeholder(tf.float32, [null, 3]), { name: 'lp' }).name).toBe('lp:0');
    expect(tf.nn.logSoftmax(tf.placeholder(tf.float32)).shape).toBeNull();
    throwsAt(() => tf.nn.logSoftmax(tf.constant(1)), tf.errors.InvalidArgumentError, /Shape must be at least rank 1 but is rank 0/);
    throwsAt(() => tf.nn.logSoftmax(Int32Array.from([1])), tf.errors.InvalidArgumentError, /DataType int32 not in list/);
    const p = tf.placeholder(tf.float32);
    throwsAt(() => runOnce(tf.nn.logSoftmax(p), new Map([[p, tf.ndarray(Float32Array.from([1]), [])]])), tf.errors.InvalidArgumentError,
      /logits must have >= 1 dimension, got \[\]/);
  });
});

describe('SoftmaxCrossEntropyWithLogits', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const cases: [number[], number[]][] = [[[3, 5], [3, 5]], [[1, 1], [1, 1]], [[4, 2], [4, 2]], [[3, 5], [1, 5]], [[0, 5], [0, 5]], [[3, 0], [3, 0]], [[400, 100], [400, 100]]];
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const [fs, ls] of cases) {
      it(`${dtype} logits [${fs}] labels [${ls}]`, () => {
        const rng = new Lcg(sizeOf(fs) + sizeOf(ls));
        const f = rand(rng, fs, dtype), l = rand(rng, ls, dtype, 0, 1);
        const [loss, bp] = rawLoss('SoftmaxCrossEntropyWithLogits', constOf(f, dtype), constOf(l, dtype));
        expect([loss.shape, bp.shape]).toEqual([[fs[0]], fs]);
        const [rl, rb] = refXent(f, l);
        expectMatches(runOnce(loss), rl, dtype, TOL(dtype));
        expectMatches(runOnce(bp), rb, dtype, TOL(dtype));
      });
    }
  }

  it('large logits stay finite; 0 · inf is NaN (as TF)', () => {
    const f = rand(new Lcg(3), [2, 4], 'float32', 995, 1005), l = rand(new Lcg(4), [2, 4], 'float32', 0, 1);
    const [loss] = rawLoss('SoftmaxCrossEntropyWithLogits', constOf(f, 'float32'), constOf(l, 'float32'));
    expectMatches(runOnce(loss), refXent(f, l)[0], 'float32', TOL('float32'));
    tf.resetDefaultGraph();
    const [l2, b2] = rawLoss('SoftmaxCrossEntropyWithLogits', tf.constant([[-Infinity, 0, 1]]), tf.constant([[0, 0.5, 0.5]]));
    expect(Number.isNaN((runOnce(l2).data as Float32Array)[0])).toBe(true);
    expect(Array.from(runOnce(b2).data as Float32Array).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, -0.231059, 0.231059]);
  });

  it('the Python builder: loss only, TF1 names, flattening of other ranks, int labels cast', () => {
    const f = rand(new Lcg(5), [2, 3, 4], 'float32'), l = rand(new Lcg(6), [2, 3, 4], 'float32', 0, 1);
    const loss = tf.nn.softmaxCrossEntropyWithLogits({ labels: constOf(l, 'float32'), logits: constOf(f, 'float32') });
    expect(loss.shape).toEqual([2, 3]);
    const flat = (a: Arr): Arr => ({ shape: [6, 4], data: a.data });
    expectMatches(runOnce(loss), { shape: [2, 3], data: refXent(flat(f), flat(l))[0].data }, 'float32', TOL('float32'));
    tf.resetDefaultGraph();
    const y = tf.nn.softmaxCrossEntropyWithLogits({ labels: [[0, 1, 0]], logits: [[1, 2, 3]] });
    expect(y.name).toBe('softmax_cross_entropy_with_logits_sg:0');
    expect(y.op.inputs[0].name).toBe('softmax_cross_entropy_with_logits_sg/logits:0');
    if (findOpDef('StopGradient')) expect(y.op.inputs[1].op.type).toBe('StopGradient');
    expect(tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: [[0, 1]], logits: [[1, 2]] }).name).toBe('softmax_cross_entropy_with_logits:0');
    const z = tf.nn.softmaxCrossEntropyWithLogitsV2({ labels: tf.constant(Int32Array.from([0, 1]), null, [1, 2]), logits: [[1, 2]], name: 'ce' });
    expect(z.op.inputs[1].op.type).toBe('Cast');
    expectMatches(runOnce(z), refXent({ shape: [1, 2], data: [1, 2] }, { shape: [1, 2], data: [0, 1] })[0], 'float32', TOL('float32'));
  });

  it('static shapes and errors as TF', () => {
    const [a, b] = rawLoss('SoftmaxCrossEntropyWithLogits', tf.placeholder(tf.float32, [null, 3]), tf.placeholder(tf.float32));
    expect([a.shape, b.shape]).toEqual([[null], [null, 3]]);
    const [c, d] = rawLoss('SoftmaxCrossEntropyWithLogits', tf.placeholder(tf.float32, [4, 3]), tf.placeholder(tf.float32, [1, 3]));
    expect([c.shape, d.shape]).toEqual([[4], [4, 3]]);
    throwsAt(() => rawLoss('SoftmaxCrossEntropyWithLogits', zeros([3]), zeros([3])), tf.errors.InvalidArgumentError,
      /Shape must be broadcasted with rank 2, but is rank 1/);
    throwsAt(() => rawLoss('SoftmaxCrossEntropyWithLogits', zeros([2, 3]), zeros([2, 4])), tf.errors.InvalidArgumentError,
      /Dimensions must be equal, but are 3 and 4/);
    const p = tf.placeholder(tf.float32), q = tf.placeholder(tf.float32);
    const [loss] = rawLoss('SoftmaxCrossEntropyWithLogits', p, q);
    const run = (ps: number[], qs: number[]) => () => runOnce(loss, new Map([[p, tf.ndarray(new Float32Array(sizeOf(ps)), ps)], [q, tf.ndarray(new Float32Array(sizeOf(qs)), qs)]]));
    throwsAt(run([2, 3], [3, 3]), tf.errors.InvalidArgumentError, /logits and labels must be broadcastable: logits_size=\[2,3\] labels_size=\[3,3\]/);
    throwsAt(run([3], [3]), tf.errors.InvalidArgumentError, /logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional/);
  });
});

describe('SparseSoftmaxCrossEntropyWithLogits', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const ldtype of ['int32', 'int64'] as tf.DType[]) {
      for (const shape of [[3, 5], [1, 1], [4, 2], [0, 5], [500, 80]]) {
        it(`${dtype} labels ${ldtype} [${shape}]`, () => {
          const rng = new Lcg(sizeOf(shape) + ldtype.length);
          const f = rand(rng, shape, dtype);
          const labels = randomData(rng, shape[0], 'int32', 0, shape[1]);
          const [loss, bp] = rawLoss('SparseSoftmaxCrossEntropyWithLogits', constOf(f, dtype), constOf({ shape: [shape[0]], data: labels }, ldtype));
          const [rl, rb] = refSparseXent(f, labels);
          expectMatches(runOnce(loss), rl, dtype, TOL(dtype));
          expectMatches(runOnce(bp), rb, dtype, TOL(dtype));
        });
      }
    }
  }

  it('large logits; a -inf logit at the label gives an infinite loss', () => {
    const f = rand(new Lcg(7), [2, 4], 'float32', 995, 1005);
    const loss = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [3, 0], logits: constOf(f, 'float32') });
    expectMatches(runOnce(loss), refSparseXent(f, [3, 0])[0], 'float32', TOL('float32'));
    tf.resetDefaultGraph();
    const inf = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: [[-Infinity, 0, 1]] });
    expect((runOnce(inf).data as Float32Array)[0]).toBe(Infinity);
  });

  it('labels out of range fail at run time with every label value', () => {
    for (const ldtype of ['int32', 'int64'] as tf.DType[]) {
      const [loss] = rawLoss('SparseSoftmaxCrossEntropyWithLogits', zeros([3, 5]), constOf({ shape: [3], data: [1, 5, 2] }, ldtype));
      throwsAt(() => runOnce(loss), tf.errors.InvalidArgumentError,
        /Received a label value of 5 which is outside the valid range of \[0, 5\).  Label values: 1 5 2/);
    }
    const neg = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [-1, 0], logits: zeros([2, 5]) });
    throwsAt(() => runOnce(neg), tf.errors.InvalidArgumentError, /Received a label value of -1 which is outside the valid range of \[0, 5\)/);
    const none = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 0], logits: zeros([2, 0]) });
    throwsAt(() => runOnce(none), tf.errors.InvalidArgumentError, /Must have at least one class, but got logits shape \[2,0\]/);
  });

  it('the Python builder: names, int32 labels from JS, other ranks, static checks', () => {
    const y = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [1, 0], logits: [[1, 2], [3, 4]] });
    expect(y.name).toBe('SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0');
    expect(y.op.inputs[1].dtype).toBe('int32');
    expect(y.op.getAttr('Tlabels')).toBe('int32');
    expect(y.shape).toEqual([2]);
    const f = rand(new Lcg(8), [2, 3, 4], 'float64'), labels = [0, 3, 1, 2, 2, 1];
    const loss = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant(BigInt64Array.from(labels, BigInt), null, [2, 3]), logits: constOf(f, 'float64') });
    expect(loss.shape).toEqual([2, 3]);
    expectMatches(runOnce(loss), { shape: [2, 3], data: refSparseXent({ shape: [6, 4], data: f.data }, labels)[0].data }, 'float64', TOL('float64'));
    throwsAt(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [[0]], logits: [[1, 2]] }), tf.errors.InvalidArgumentError,
      /`labels.shape.rank` must equal `logits.shape.rank - 1`/);
    throwsAt(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 1, 2], logits: [[1, 2], [3, 4]] }), tf.errors.InvalidArgumentError,
      /`labels.shape` must equal `logits.shape` except for the last dimension/);
    throwsAt(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: 0, logits: 1 }), tf.errors.InvalidArgumentError, /`logits` cannot be a scalar/);
    throwsAt(() => rawLoss('SparseSoftmaxCrossEntropyWithLogits', zeros([2, 3]), zeros([2, 1], 'int32')), tf.errors.InvalidArgumentError,
      /Shape must be rank 1 but is rank 2/);
    throwsAt(() => rawLoss('SparseSoftmaxCrossEntropyWithLogits', zeros([2, 3]), zeros([3], 'int32')), tf.errors.InvalidArgumentError,
      /Dimensions must be equal, but are 2 and 3/);
    const [a, b] = rawLoss('SparseSoftmaxCrossEntropyWithLogits', tf.placeholder(tf.float32, [null, 7]), tf.placeholder(tf.int64, [5]));
    expect([a.shape, b.shape]).toEqual([[5], [5, 7]]);
  });

  it('run-time shape errors as TF', () => {
    const p = tf.placeholder(tf.float32), q = tf.placeholder(tf.int32);
    const [loss] = rawLoss('SparseSoftmaxCrossEntropyWithLogits', p, q);
    const run = (ps: number[], qs: number[]) => () => runOnce(loss, new Map([[p, tf.ndarray(new Float32Array(sizeOf(ps)), ps)], [q, tf.ndarray(new Int32Array(sizeOf(qs)), qs, 'int32')]]));
    throwsAt(run([2, 3], [3]), tf.errors.InvalidArgumentError, /logits and labels must have the same first dimension, got logits shape \[2,3\] and labels shape \[3\]/);
    throwsAt(run([2, 3], [2, 1]), tf.errors.InvalidArgumentError, /labels must be 1-D, but got shape \[2,1\]/);
    throwsAt(run([3], []), tf.errors.InvalidArgumentError, /logits must be 2-D, but got shape \[3\]/);
  });
});
