// tf.nn.conv2d (Conv2D, NHWC × HWIO) against the naive reference: paddings, strides, dilations,
// 1x1 fast path, odd sizes, both float dtypes, and TF's build-time errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Lcg, conv2d as refConv, mismatch, randomData } from '../reference/ops';

type Case = { x: number[]; f: number[]; strides: [number, number]; padding: 'SAME' | 'VALID'; dil?: [number, number] };
const CASES: Case[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], strides: [1, 1], padding: 'VALID' },
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], strides: [1, 1], padding: 'SAME' },
  { x: [2, 7, 6, 3], f: [3, 2, 3, 4], strides: [2, 2], padding: 'SAME' },
  { x: [2, 7, 6, 3], f: [3, 2, 3, 4], strides: [2, 3], padding: 'VALID' },
  { x: [1, 9, 9, 2], f: [3, 3, 2, 5], strides: [1, 1], padding: 'SAME', dil: [2, 2] },
  { x: [3, 4, 4, 8], f: [1, 1, 8, 16], strides: [1, 1], padding: 'VALID' },   // 1x1: direct GEMM
  { x: [1, 17, 13, 5], f: [5, 5, 5, 7], strides: [1, 1], padding: 'SAME' },
  { x: [1, 32, 32, 16], f: [3, 3, 16, 32], strides: [1, 1], padding: 'SAME' },  // GEMM-sized
  { x: [1, 3, 3, 2], f: [3, 3, 2, 1], strides: [4, 4], padding: 'SAME' },
];

describe('conv2d', () => {
  beforeEach(() => tf.resetDefaultGraph());

  for (const dtype of ['float32', 'float64'] as const) {
    for (const c of CASES) {
      it(`${dtype} x=[${c.x}] f=[${c.f}] strides=${c.strides} ${c.padding}${c.dil ? ` dilations=${c.dil}` : ''}`, () => {
        const rng = new Lcg(c.x.reduce((a, b) => a * 31 + b, 7));
        const xs = randomData(rng, c.x.reduce((a, b) => a * b, 1), dtype, -2, 2);
        const fs = randomData(rng, c.f.reduce((a, b) => a * b, 1), dtype, -1, 1);
        const A = dtype === 'float32' ? Float32Array : Float64Array;
        const y = tf.nn.conv2d(tf.constant(A.from(xs), null, c.x), tf.constant(A.from(fs), null, c.f), [1, ...c.strides, 1], c.padding,
          c.dil ? { dilations: c.dil } : undefined);
        const expected = refConv({ shape: c.x, data: xs }, { shape: c.f, data: fs }, c.strides, c.padding, c.dil);
        expect(y.shape).toEqual(expected.shape);
        const sess = new tf.Session();
        const got = sess.run(y);
        sess.close();
        const k = c.f[0] * c.f[1] * c.f[2];
        expect(mismatch(got, expected, dtype === 'float32' ? { rtol: 1e-5, atol: 1e-5 * k } : { rtol: 1e-12, atol: 1e-12 * k })).toBeNull();
      });
    }
  }

  it('has TF names, attrs and static shapes with unknown batch', () => {
    const x = tf.placeholder(tf.float32, [null, 28, 28, 1], 'images');
    const w = tf.constant(new Float32Array(5 * 5 * 1 * 8), null, [5, 5, 1, 8]);
    const y = tf.nn.conv2d(x, w, [1, 2, 2, 1], 'SAME', { name: 'conv1' });
    expect(y.op.type).toBe('Conv2D');
    expect(y.name).toBe('conv1:0');
    expect(y.shape).toEqual([null, 14, 14, 8]);
    expect(y.op.getAttr('strides')).toEqual([1, 2, 2, 1]);
    expect(y.op.getAttr('padding')).toBe('SAME');
    expect(y.op.getAttr('data_format')).toBe('NHWC');
    const sess = new tf.Session();
    expect(sess.run(y, new Map([[x, new Float32Array(3 * 28 * 28)]])).shape).toEqual([3, 14, 14, 8]);
    sess.close();
  });

  it('rejects bad arguments at build time', () => {
    const x = tf.constant(new Float32Array(1 * 4 * 4 * 3), null, [1, 4, 4, 3]);
    expect(() => tf.nn.conv2d(x, tf.constant(new Float32Array(9 * 2), null, [3, 3, 2, 1]), 1, 'SAME')).toThrow(/Depth of input \(3\) must match the input depth of filter \(2\)/);
    expect(() => tf.nn.conv2d(x, tf.constant(new Float32Array(27), null, [3, 3, 3]), 1, 'SAME')).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.nn.conv2d(x, tf.constant(new Float32Array(27), null, [3, 3, 3, 1]), 1, 'FULL' as 'SAME')).toThrow(/padding/);
    expect(() => tf.nn.conv2d(x, tf.constant(new Float32Array(27), null, [3, 3, 3, 1]), [2, 1, 1, 1], 'SAME')).toThrow(/batch and depth/);
    // TF's shape function rejects a VALID window larger than a known input (a fed input of
    // unknown size gives an empty output at run time instead: see the Conv2D golden cases).
    expect(() => tf.nn.conv2d(x, tf.constant(new Float32Array(5 * 5 * 3), null, [5, 5, 3, 1]), 1, 'VALID')).toThrow(/Negative dimension size caused by subtracting 5 from 4/);
    expect(() => tf.nn.conv2d(tf.constant(new Uint8Array(48), null, [1, 4, 4, 3]), tf.constant(new Uint8Array(27), null, [3, 3, 3, 1]), 1, 'SAME')).toThrow(/DataType uint8 not in list/);
  });
});
