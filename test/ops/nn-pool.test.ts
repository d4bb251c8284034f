// tf.nn.maxPool / avgPool (MaxPool, AvgPool) against naive JS pooling: SAME, VALID and
// explicit padding, strides, depth pooling, every dtype, empty tensors, a size that crosses
// parallel chunks, NaN handling, static shapes and TF's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';

type Pad = 'SAME' | 'VALID' | [number, number, number, number];  // explicit: top, bottom, left, right

const LOWEST: Record<string, number> = {
  float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE, int32: -2147483648, int64: -(2 ** 63), uint8: 0,
};

/** TF's window arithmetic for one dimension: [output size, leading pad]. */
function dim(size: number, k: number, s: number, pad: Pad, axis: 0 | 1): [number, number] {
  if (pad === 'VALID') return [Math.trunc((size - k + s) / s), 0];
  if (pad === 'SAME') {
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
  }
  const [before, after] = axis === 0 ? [pad[0], pad[1]] : [pad[2], pad[3]];
  return [Math.trunc((size + before + after - k + s) / s), before];
}

/** Naive NHWC pooling: max skips NaN from the lowest value (TF's CPU kernel), avg divides by the in-bounds count. */
function refPool(kind: 'max' | 'avg', x: Arr, k: [number, number], s: [number, number], pad: Pad, dtype: string): Arr {
  const [n, h, w, c] = x.shape;
  const [oh, pt] = dim(h, k[0], s[0], pad, 0), [ow, pl] = dim(w, k[1], s[1], pad, 1);
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let acc = kind === 'max' ? LOWEST[dtype] : 0, count = 0;
    for (let iy = oy * s[0] - pt; iy < oy * s[0] - pt + k[0]; iy++) for (let ix = ox * s[1] - pl; ix < ox * s[1] - pl + k[1]; ix++) {
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const v = x.data[((b * h + iy) * w + ix) * c + ch];
      if (kind === 'max') acc = acc < v ? v : acc; else acc += v;
      count++;
    }
    out.push(kind === 'max' ? acc : acc / count);
  }
  return { shape: [n, oh, ow, c], data: out };
}

type Case = { x: number[]; k: [number, number]; s: [number, number]; pad: Pad };
const CASES: Case[] = [
  { x: [1, 4, 4, 1], k: [2, 2], s: [2, 2], pad: 'VALID' },
  { x: [1, 5, 5, 2], k: [2, 2], s: [2, 2], pad: 'SAME' },
  { x: [1, 5, 5, 2], k: [3, 3], s: [1, 1], pad: 'SAME' },
  { x: [2, 7, 6, 3], k: [3, 2], s: [2, 1], pad: 'VALID' },
  { x: [2, 7, 6, 3], k: [3, 2], s: [2, 1], pad: 'SAME' },
  { x: [1, 2, 2, 1], k: [3, 3], s: [1, 1], pad: 'SAME' },       // window bigger than the input
  { x: [1, 4, 4, 1], k: [2, 2], s: [3, 3], pad: 'VALID' },      // stride skips input
  { x: [1, 1, 1, 1], k: [1, 1], s: [1, 1], pad: 'VALID' },
  { x: [1, 3, 3, 5], k: [3, 3], s: [1, 1], pad: 'VALID' },      // global pooling
  { x: [0, 4, 4, 2], k: [2, 2], s: [2, 2], pad: 'VALID' },      // empty batch
  { x: [1, 4, 4, 0], k: [2, 2], s: [2, 2], pad: 'SAME' },       // no channels
  { x: [2, 33, 31, 17], k: [3, 3], s: [2, 2], pad: 'SAME' },    // several parallel chunks
  // float32 runs vectorized over channels (16, 8 or 4 lanes): full vectors and a tail
  { x: [2, 9, 8, 35], k: [3, 3], s: [2, 2], pad: 'SAME' },
  { x: [1, 6, 7, 16], k: [2, 3], s: [1, 2], pad: 'VALID' },
  // fewer than 16 channels run 8 lanes on AVX-512 machines too (a small CNN's 8), and a tail
  { x: [3, 10, 9, 8], k: [2, 2], s: [2, 2], pad: 'VALID' },
  { x: [2, 7, 9, 13], k: [3, 3], s: [2, 2], pad: 'SAME' },
];

const poolOf = (kind: 'max' | 'avg') => (kind === 'max' ? tf.nn.maxPool : tf.nn.avgPool);

describe('MaxPool / AvgPool vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const kind of ['max', 'avg'] as const) {
    const dtypes: tf.DType[] = kind === 'max' ? ['float32', 'float64', 'int32', 'int64', 'uint8'] : ['float32', 'float64'];
    for (const dtype of dtypes) {
      for (const c of CASES) {
        it(`${kind} ${dtype} x=[${c.x}] k=${c.k} s=${c.s} ${c.pad}`, () => {
          const rng = new Lcg(sizeOf(c.x) * 7 + c.k[0] * 3 + c.s[1]);
          const x = { shape: c.x, data: randomData(rng, sizeOf(c.x), dtype, dtype === 'uint8' ? 0 : -50, 100) };
          const y = poolOf(kind)(constOf(x, dtype), c.k, c.s, c.pad as 'SAME');
          const expected = refPool(kind, x, c.k, c.s, c.pad, dtype);
          expect(y.shape).toEqual(expected.shape);
          expectMatches(runOnce(y), expected, dtype, tolFor(dtype));
        });
      }
    }
  }

  for (const pad of [[1, 1, 1, 1], [0, 1, 1, 0], [1, 0, 0, 1]] as [number, number, number, number][]) {
    it(`max float32 explicit padding ${pad} (padding never wins, even over negatives)`, () => {
      const rng = new Lcg(11);
      const x = { shape: [2, 5, 4, 3], data: randomData(rng, 120, 'float32', -10, -1) };
      const y = tf.nn.maxPool(constOf(x, 'float32'), 2, [1, 2], [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]]);
      expect(y.op.getAttr('padding')).toBe('EXPLICIT');
      expect(y.op.getAttr('explicit_paddings')).toEqual([0, 0, pad[0], pad[1], pad[2], pad[3], 0, 0]);
      const expected = refPool('max', x, [2, 2], [1, 2], pad, 'float32');
      expect(y.shape).toEqual(expected.shape);
      expectMatches(runOnce(y), expected, 'float32', tolFor('float32'));
    });
  }

  it('max skips NaN (an all-NaN window gives the lowest float), avg propagates it; ±Inf', () => {
    const x = { shape: [1, 2, 4, 1], data: [1, NaN, -Infinity, 2, Infinity, 0, -1, -2] };
    const mx = runOnce(tf.nn.maxPool(constOf(x, 'float32'), 2, 2, 'VALID'));
    expect(Array.from(mx.data as Float32Array)).toEqual([Infinity, 2]);
    tf.resetDefaultGraph();
    const av = runOnce(tf.nn.avgPool(constOf(x, 'float32'), 2, 2, 'VALID'));
    expect(Number.isNaN((av.data as Float32Array)[0])).toBe(true);
    expect((av.data as Float32Array)[1]).toBe(-Infinity);
    tf.resetDefaultGraph();
    const allNaN = runOnce(tf.nn.maxPool(tf.constant(new Float32Array([NaN, NaN, NaN, NaN]), null, [1, 2, 2, 1]), 2, 2, 'VALID'));
    expect((allNaN.data as Float32Array)[0]).toBe(LOWEST.float32);
  });

  it('max skips NaN in every lane of the vectorized loop, and in the tail', () => {
    for (const c of [21, 11]) {
      const data: number[] = [];
      for (let p = 0; p < 4; p++) for (let j = 0; j < c; j++) data.push(j === 5 || (p === 1 && j % 2 === 0) || (p === 3 && j % 3 === 0) ? NaN : p * 10 + j - 20);
      const x = { shape: [1, 2, 2, c], data };
      const got = Array.from(runOnce(tf.nn.maxPool(constOf(x, 'float32'), 2, 2, 'VALID')).data as Float32Array);
      expect(got).toEqual(Array.from({ length: c }, (_, j) => (j === 5 ? LOWEST.float32 : j % 3 === 0 ? j : 10 + j)));
    }
  });

  it('SAME average divides by the number of elements inside the input', () => {
    const x = { shape: [1, 4, 4, 1], data: [...Array(16).keys()] };
    const out = runOnce(tf.nn.avgPool(constOf(x, 'float32'), 3, 2, 'SAME'));
    // windows rows/cols {0,1,2}x{0,1,2}, {0,1,2}x{2,3}, {2,3}x{0,1,2}, {2,3}x{2,3}
    expect(Array.from(out.data as Float32Array)).toEqual([5, 6.5, 11, 12.5]);
  });

  it('max pooling across depth', () => {
    for (const dtype of ['float32', 'int32'] as tf.DType[]) {
      tf.resetDefaultGraph();
      const rng = new Lcg(3);
      const x = { shape: [2, 3, 2, 6], data: randomData(rng, 72, dtype, -20, 20) };
      const y = tf.nn.maxPool(constOf(x, dtype), [1, 1, 1, 3], [1, 1, 1, 3], 'VALID');
      expect(y.shape).toEqual([2, 3, 2, 2]);
      const expected: number[] = [];
      for (let p = 0; p < 12; p++) for (let j = 0; j < 2; j++) expected.push(Math.max(...x.data.slice(p * 6 + j * 3, p * 6 + j * 3 + 3)));
      expectMatches(runOnce(y), { shape: [2, 3, 2, 2], data: expected }, dtype, tolFor(dtype));
    }
  });

  it('runs on fed placeholders of unknown shape', () => {
    const x = tf.placeholder(tf.float32, [null, null, null, 2]);
    const y = tf.nn.maxPool(x, 2, 2, 'SAME');
    expect(y.shape).toEqual([null, null, null, 2]);
    const rng = new Lcg(5);
    const data = { shape: [3, 5, 7, 2], data: randomData(rng, 210, 'float32') };
    expectMatches(runOnce(y, new Map([[x, tf.ndarray(Float32Array.from(data.data), data.shape)]])), refPool('max', data, [2, 2], [2, 2], 'SAME', 'float32'),
      'float32', tolFor('float32'));
  });
});

describe('pooling: names, attrs, static shapes', () => {
  beforeEach(() => tf.resetDefaultGraph());

  it('has TF1 node names and attrs', () => {
    const m = tf.nn.maxPool([[[[1], [2]], [[3], [4]]]], 2, 2, 'VALID');
    expect(m.name).toBe('MaxPool:0');
    expect(m.op.inputs[0].name).toBe('MaxPool/input:0');
    expect(m.op.getAttr('ksize')).toEqual([1, 2, 2, 1]);
    expect(m.op.getAttr('strides')).toEqual([1, 2, 2, 1]);
    expect(m.op.getAttr('data_format')).toBe('NHWC');
    expect(m.op.getAttr('explicit_paddings')).toEqual([]);
    expect(tf.nn.maxPool2d(m, 1, 1, 'SAME').name).toBe('MaxPool2d:0');
    const a = tf.nn.avgPool([[[[1], [2]], [[3], [4]]]], { ksize: [2, 1], strides: 1, padding: 'VALID', name: 'pool' });
    expect(a.name).toBe('pool:0');
    expect(a.op.type).toBe('AvgPool');
    expect(a.op.inputs[0].name).toBe('pool/value:0');
    expect(a.op.getAttr('ksize')).toEqual([1, 2, 1, 1]);
    expect(tf.nn.avgPool2d(a, 1, 1, 'VALID').name).toBe('AvgPool:0');
  });

  it('infers static shapes with unknown dims', () => {
    const x = tf.placeholder(tf.float32, [null, 28, 27, 3]);
    expect(tf.nn.maxPool(x, 2, 2, 'SAME').shape).toEqual([null, 14, 14, 3]);
    expect(tf.nn.avgPool(x, 3, 2, 'VALID').shape).toEqual([null, 13, 13, 3]);
    expect(tf.nn.maxPool(x, [1, 1, 1, 3], [1, 1, 1, 3], 'VALID').shape).toEqual([null, 28, 27, 1]);
    expect(tf.nn.maxPool(x, 3, 1, [[0, 0], [1, 2], [0, 0], [0, 0]]).shape).toEqual([null, 29, 25, 3]);
    expect(tf.nn.maxPool(tf.placeholder(tf.float32), 2, 2, 'SAME').shape).toEqual([null, null, null, null]);
    expect(tf.nn.avgPool(tf.placeholder(tf.float32, [2, null, 4, 5]), 2, 2, 'VALID').shape).toEqual([2, null, 2, 5]);
  });

  it('rejects bad arguments at build time as TF', () => {
    const x = tf.placeholder(tf.float32, [1, 4, 4, 3]);
    const bad = (f: () => unknown, re: RegExp) => {
      expect(f).toThrow(tf.errors.InvalidArgumentError);
      expect(f).toThrow(re);
    };
    bad(() => tf.nn.maxPool(tf.placeholder(tf.float32, [4, 4, 3]), 2, 2, 'VALID'), /Shape must be rank 4 but is rank 3/);
    bad(() => tf.nn.maxPool(x, 5, 1, 'VALID'), /Negative dimension size caused by subtracting 5 from 4/);
    bad(() => tf.nn.avgPool(x, 2, 0, 'VALID'), /Stride must be > 0, but got 0/);
    bad(() => tf.nn.maxPool(x, [2, 2, 2], 1, 'VALID'), /ksize should be of length 1, 2 or 4/);
    bad(() => tf.nn.maxPool(x, 0, 1, 'VALID'), /`ksize` cannot be zero/);
    bad(() => tf.nn.maxPool(x, 2, 1, 'FULL' as 'SAME'), /Attr 'padding' of 'MaxPool' Op passed string 'FULL' not in/);
    bad(() => tf.nn.avgPool(x, 2, 1, 'FULL' as 'SAME'), /Attr 'padding' of 'AvgPool' Op passed string 'FULL' not in/);
    bad(() => tf.nn.maxPool(x, 2, 1, [[0, 0], [1, 1], [1, 1]]), /must be of size 4/);
    bad(() => tf.nn.maxPool(x, 2, 1, [[1, 0], [1, 1], [1, 1], [0, 0]]), /Nonzero explicit padding in the batch or depth dimensions/);
    bad(() => tf.nn.maxPool(x, 2, 1, [[0, 0], [-1, 1], [1, 1], [0, 0]]), /All elements of explicit_paddings must be nonnegative/);
    bad(() => tf.nn.maxPool(x, 2, 1, 'VALID', { dataFormat: 'NCHW_' }), /Attr 'data_format' of 'MaxPool' Op passed string 'NCHW_'/);
    bad(() => tf.nn.avgPool(tf.placeholder(tf.int32, [1, 4, 4, 3]), 2, 2, 'VALID'), /DataType int32 not in list of allowed values/);
  });

  it('fails at run time as TF: batch or NCHW pooling, bad ksize, padding not smaller than the window, rank', () => {
    const x = tf.constant(new Float32Array(48), null, [1, 4, 4, 3]);
    const fails = (t: tf.Tensor, cls: typeof tf.errors.OpError, re: RegExp, feeds?: tf.FeedDict) => {
      expect(() => runOnce(t, feeds)).toThrow(cls);
      expect(() => runOnce(t, feeds)).toThrow(re);
    };
    fails(tf.nn.maxPool(x, [2, 2, 2, 1], 1, 'VALID'), tf.errors.UnimplementedError, /Pooling is not yet supported on the batch dimension/);
    fails(tf.nn.avgPool(x, 2, 1, 'VALID', { dataFormat: 'NCHW' }), tf.errors.InvalidArgumentError, /Default AvgPoolingOp only supports NHWC/);
    fails(tf.nn.avgPool(x, [1, 0, 2, 1], 1, 'VALID'), tf.errors.InvalidArgumentError, /Sliding window ksize must be positive. The specified or inferred ksize is: 1,0,2,1/);
    fails(tf.nn.avgPool(x, [1, 1, 1, 3], [1, 1, 1, 3], 'VALID'), tf.errors.UnimplementedError, /Non-spatial pooling is not yet supported/);
    fails(tf.nn.maxPool(x, [1, 2, 2, 3], [1, 1, 1, 3], 'VALID'), tf.errors.UnimplementedError, /exactly one of pooling across depth/);
    fails(tf.nn.maxPool(x, [1, 1, 1, 2], [1, 1, 1, 2], 'VALID'), tf.errors.UnimplementedError, /depth window to evenly divide the input depth/);
    fails(tf.nn.maxPool(x, 2, 1, [[0, 0], [2, 0], [0, 0], [0, 0]]), tf.errors.InvalidArgumentError, /Top padding 2 needs to be smaller than the window size 2/);
    const p = tf.placeholder(tf.float32);
    fails(tf.nn.maxPool(p, 2, 2, 'VALID'), tf.errors.InvalidArgumentError, /tensor_in must be 4-dimensional/, new Map([[p, new Float32Array(12)]]));
    // VALID with the window larger than a fed input by less than the stride: an empty output, as TF.
    const q = tf.placeholder(tf.float32, [null, null, null, 1]);
    expect(runOnce(tf.nn.maxPool(q, 3, 1, 'VALID'), new Map([[q, tf.ndarray(new Float32Array(4), [1, 2, 2, 1])]])).shape).toEqual([1, 0, 0, 1]);
  });
});
