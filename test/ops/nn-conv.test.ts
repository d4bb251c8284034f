// tf.nn.depthwiseConv2d (DepthwiseConv2dNative), tf.nn.conv2dTranspose (Conv2DBackpropInput)
// and Conv2D's explicit padding against naive JS convolutions: paddings, strides, dilations,
// depth multipliers, empty tensors, sizes that cross parallel chunks and GEMM blocks, every
// dtype, static shapes and TF's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';
import { opDef } from '../../lib/ops/schema';
import { Arr, Lcg, mismatch, randomData, sizeOf } from '../reference/ops';
import { Pad, constOf, dim, refConv, refConvTranspose, runOnce } from './helpers';

const rand = (rng: Lcg, shape: number[], dtype: tf.DType, lo = -2, hi = 2): Arr => ({ shape, data: randomData(rng, sizeOf(shape), dtype, lo, hi) });
const wrap32 = (a: Arr): Arr => ({ shape: a.shape, data: a.data.map((v) => v | 0) });

function check(got: tf.NDArray, [expected, scale]: [Arr, number[]], dtype: tf.DType): void {
  expect(got.dtype).toBe(dtype);
  const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : dtype === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 0, atol: 0 };
  const m = mismatch(got, dtype === 'int32' ? wrap32(expected) : expected, tol, dtype === 'int32' ? undefined : scale);
  expect(m, m ?? '').toBeNull();
}

type DwCase = { x: number[]; f: number[]; s: number; pad: Pad; dil?: number };
const DW_CASES: DwCase[] = [
  { x: [1, 5, 5, 2], f: [3, 3, 2, 1], s: 1, pad: 'SAME' },
  { x: [1, 5, 5, 2], f: [3, 3, 2, 1], s: 1, pad: 'VALID' },
  { x: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 1, pad: 'SAME' },           // depth multiplier 3
  { x: [2, 7, 5, 3], f: [3, 2, 3, 1], s: 2, pad: 'SAME' },
  { x: [2, 7, 6, 2], f: [2, 3, 2, 2], s: 3, pad: 'VALID' },
  { x: [1, 6, 5, 2], f: [3, 3, 2, 1], s: 1, pad: [1, 0, 2, 1] },      // explicit
  { x: [1, 9, 8, 3], f: [3, 3, 3, 2], s: 1, pad: 'SAME', dil: 2 },
  { x: [1, 9, 8, 3], f: [2, 3, 3, 1], s: 1, pad: 'VALID', dil: 3 },
  { x: [1, 1, 1, 4], f: [1, 1, 4, 1], s: 1, pad: 'VALID' },
  { x: [1, 3, 3, 2], f: [5, 5, 2, 1], s: 1, pad: 'SAME' },           // filter larger than the input
  { x: [0, 4, 4, 2], f: [3, 3, 2, 1], s: 1, pad: 'SAME' },           // empty batch
  { x: [1, 4, 4, 2], f: [3, 3, 2, 0], s: 1, pad: 'SAME' },           // multiplier 0
  { x: [2, 40, 37, 33], f: [3, 3, 33, 1], s: 1, pad: 'SAME' },       // several parallel chunks
  { x: [1, 30, 30, 8], f: [3, 3, 8, 2], s: 2, pad: 'SAME' },
  // multiplier 1 f32 runs vectorized over channels (16, 8 or 4 lanes): full blocks and a tail
  { x: [2, 11, 10, 21], f: [3, 3, 21, 1], s: 2, pad: 'SAME' },
  { x: [1, 9, 8, 19], f: [3, 3, 19, 1], s: 1, pad: 'SAME', dil: 2 },
  { x: [1, 8, 9, 48], f: [3, 3, 48, 1], s: 2, pad: [0, 1, 0, 1] },   // MobileNet's Pad + VALID, explicit
  { x: [1, 6, 7, 40], f: [5, 4, 40, 1], s: 1, pad: 'SAME' },         // a filter size known at run time
  // 3x3 multiplier 1 f32: the pixels whose taps are all inside go 8 (or 4) at a time, the rest one
  // by one: rows wider than a group, groups cut by the right edge, both strides, dilation
  { x: [1, 23, 29, 32], f: [3, 3, 32, 1], s: 2, pad: 'SAME' },
  { x: [2, 12, 41, 17], f: [3, 3, 17, 1], s: 1, pad: 'VALID' },
  { x: [1, 10, 35, 16], f: [3, 3, 16, 1], s: 1, pad: 'SAME', dil: 2 },
  { x: [1, 9, 34, 24], f: [3, 3, 24, 1], s: 2, pad: [1, 1, 1, 1] },  // MobileNet's strided blocks
  { x: [1, 5, 20, 24], f: [3, 3, 24, 1], s: 1, pad: [0, 2, 3, 0] },  // padded left only: fewer inner pixels
  { x: [1, 4, 9, 5], f: [3, 3, 5, 1], s: 1, pad: 'SAME' },           // exactly one inner group at 4 lanes
  // 3x3 stride 1 / 2: inner pixels in groups of 16, 8, 4 (4, 2, 1 at 8 lanes or fewer) loading
  // each input pixel once per filter row; the edges and the rest with all channels, four
  // vectors at a time, then one, then the channel tail
  { x: [2, 6, 33, 84], f: [3, 3, 84, 1], s: 1, pad: 'SAME' },        // 31 inner: 16 + 8 + 4, 3 left
  { x: [1, 9, 70, 64], f: [3, 3, 64, 1], s: 2, pad: 'SAME' },        // 34 inner from column 0
  { x: [2, 2, 2, 64], f: [3, 3, 64, 1], s: 1, pad: 'SAME' },         // no inner pixel, rows cut both ways
  { x: [1, 3, 3, 36], f: [3, 3, 36, 1], s: 2, pad: 'SAME' },
  { x: [3, 7, 7, 160], f: [3, 3, 160, 1], s: 1, pad: 'SAME' },       // MobileNet's 7x7 blocks, batch 3
  { x: [2, 40, 40, 96], f: [3, 3, 96, 1], s: 1, pad: 'SAME' },       // > 1 MB: next rows read ahead
  { x: [1, 64, 63, 72], f: [3, 3, 72, 1], s: 2, pad: 'SAME' },
];

describe('DepthwiseConv2dNative vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const c of DW_CASES) {
      it(`${dtype} x=[${c.x}] f=[${c.f}] s=${c.s} ${c.pad}${c.dil ? ` dil=${c.dil}` : ''}`, () => {
        const rng = new Lcg(sizeOf(c.x) + 13 * sizeOf(c.f) + c.s);
        const x = rand(rng, c.x, dtype), f = rand(rng, c.f, dtype, -1, 1);
        const pad = Array.isArray(c.pad) ? 'VALID' : c.pad;
        // explicit padding is the raw op's (TF's Python depthwise_conv2d takes SAME/VALID)
        const y = Array.isArray(c.pad)
          ? rawOp('DepthwiseConv2dNative', [constOf(x, dtype), constOf(f, dtype)], {
            T: dtype, strides: [1, c.s, c.s, 1], padding: 'EXPLICIT', explicit_paddings: [0, 0, c.pad[0], c.pad[1], c.pad[2], c.pad[3], 0, 0],
          })
          : tf.nn.depthwiseConv2d(constOf(x, dtype), constOf(f, dtype), [1, c.s, c.s, 1], pad as 'SAME', c.dil ? { rate: c.dil } : undefined);
        const expected = refConv(x, f, [c.s, c.s], c.pad, [c.dil ?? 1, c.dil ?? 1], true);
        expect(y.shape).toEqual(expected[0].shape);
        check(runOnce(y), expected, dtype);
      });
    }
  }

  it('has TF1 names and attrs; static shapes with unknown dims', () => {
    const w = tf.constant(new Float32Array(144), null, [3, 3, 8, 2]);
    const y = tf.nn.depthwiseConv2d(tf.placeholder(tf.float32, [null, 28, 28, 8]), w, [1, 2, 2, 1], 'SAME');
    expect(y.name).toBe('depthwise:0');
    expect(y.op.type).toBe('DepthwiseConv2dNative');
    expect(y.shape).toEqual([null, 14, 14, 16]);
    expect(y.op.getAttr('dilations')).toEqual([1, 1, 1, 1]);
    const z = tf.nn.depthwiseConv2d([[[[1, 2]]]], [[[[1], [1]]]], [1, 1, 1, 1], 'VALID', { rate: [2, 2], name: 'dw' });
    expect(z.op.inputs.map((t) => t.name)).toEqual(['dw/tensor_in:0', 'dw/filter_in:0']);
    expect(z.op.getAttr('dilations')).toEqual([1, 2, 2, 1]);
    expect(tf.nn.depthwiseConv2d(tf.placeholder(tf.float32), tf.placeholder(tf.float32, [3, 3, 4, 2]), [1, 1, 1, 1], 'VALID').shape)
      .toEqual([null, null, null, 8]);
  });

  it('rejects bad arguments as TF', () => {
    const x = tf.placeholder(tf.float32, [1, 5, 5, 3]);
    const f = (shape: number[]) => tf.constant(new Float32Array(sizeOf(shape)), null, shape);
    expect(() => tf.nn.depthwiseConv2d(x, f([3, 3, 4, 2]), [1, 1, 1, 1], 'SAME')).toThrow(/Dimensions must be equal, but are 3 and 4/);
    expect(() => tf.nn.depthwiseConv2d(x, f([6, 6, 3, 2]), [1, 1, 1, 1], 'VALID')).toThrow(/Negative dimension size caused by subtracting 6 from 5/);
    expect(() => tf.nn.depthwiseConv2d(x, f([3, 3, 3, 1]), [1, 1, 1], 'SAME')).toThrow(/requires the stride attribute to contain 4 values/);
    expect(() => tf.nn.depthwiseConv2d(x, f([3, 3, 3, 1]), [1, 2, 2, 1], 'SAME', { rate: 2 })).toThrow(/strides > 1 not supported in conjunction with dilation_rate > 1/);
    expect(() => tf.nn.depthwiseConv2d(tf.placeholder(tf.int32, [1, 5, 5, 3]), tf.placeholder(tf.int32, [3, 3, 3, 1]), [1, 1, 1, 1], 'SAME'))
      .toThrow(/DataType int32 not in list of allowed values/);
    const p = tf.placeholder(tf.float32), q = tf.placeholder(tf.float32);
    const run = (y: tf.Tensor, xs: number[], fs: number[]) =>
      runOnce(y, new Map([[p, tf.ndarray(new Float32Array(sizeOf(xs)), xs)], [q, tf.ndarray(new Float32Array(sizeOf(fs)), fs)]]));
    const y = tf.nn.depthwiseConv2d(p, q, [1, 1, 1, 1], 'SAME');
    expect(() => run(y, [1, 5, 5, 3], [3, 3, 4, 2])).toThrow(/input and filter must have the same depth: 3 vs 4/);
    expect(() => run(y, [5, 5, 3], [3, 3, 3, 2])).toThrow(/input must be 4-dimensional\[5,5,3\]/);
    expect(() => run(y, [1, 5, 5, 3], [3, 3, 3])).toThrow(/filter must be 4-dimensional: \[3,3,3\]/);
    expect(() => run(tf.nn.depthwiseConv2d(p, q, [1, 2, 1, 1], 'SAME'), [1, 5, 5, 3], [3, 3, 3, 1]))
      .toThrow(/only supports equal length strides in the row and column dimensions/);
    expect(() => run(tf.nn.depthwiseConv2d(p, q, [2, 1, 1, 1], 'SAME'), [1, 5, 5, 3], [3, 3, 3, 1])).toThrow(/strides in the batch and depth dimensions/);
    expect(() => run(tf.nn.depthwiseConv2d(p, q, [1, 1, 1, 1], 'SAME', { dataFormat: 'NCHW' }), [1, 3, 5, 5], [3, 3, 3, 1]))
      .toThrow(tf.errors.UnimplementedError);
  });
});

/** A node of op `type` with these attrs (for attrs the Python API does not expose). */
const rawOp = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown>): tf.Tensor =>
  makeNode(inputs[0].graph, type, inputs, attrs, null, undefined).outputs[0];

type TCase = { out: number[]; f: number[]; s: number; pad: Pad; dil?: number };
const T_CASES: TCase[] = [
  { out: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 1, pad: 'SAME' },
  { out: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 1, pad: 'VALID' },
  { out: [1, 6, 6, 2], f: [3, 3, 2, 3], s: 2, pad: 'SAME' },
  { out: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 2, pad: 'SAME' },
  { out: [1, 8, 8, 1], f: [3, 3, 1, 2], s: 2, pad: 'VALID' },       // the last input row feeds nothing
  { out: [2, 6, 4, 3], f: [2, 2, 3, 2], s: 2, pad: 'SAME' },
  { out: [1, 4, 4, 2], f: [4, 4, 2, 1], s: 2, pad: 'SAME' },
  { out: [1, 5, 5, 2], f: [3, 3, 2, 2], s: 1, pad: [1, 2, 0, 1] },
  { out: [1, 9, 9, 2], f: [3, 3, 2, 2], s: 1, pad: 'SAME', dil: 2 },
  { out: [0, 5, 5, 2], f: [3, 3, 2, 2], s: 1, pad: 'SAME' },
  { out: [2, 33, 35, 16], f: [3, 3, 16, 24], s: 2, pad: 'SAME' },   // GEMM-sized, parallel col2im
  { out: [1, 150, 150, 16], f: [3, 3, 16, 8], s: 1, pad: 'SAME' },  // several col2im blocks
];

describe('Conv2DBackpropInput (conv2dTranspose) vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64', 'int32'] as tf.DType[]) {
    for (const c of T_CASES) {
      if (dtype !== 'float32' && sizeOf(c.out) > 20000) continue;
      it(`${dtype} to [${c.out}] f=[${c.f}] s=${c.s} ${c.pad}${c.dil ? ` dil=${c.dil}` : ''}`, () => {
        const rng = new Lcg(sizeOf(c.out) * 3 + sizeOf(c.f));
        const [oh] = dim(c.out[1], c.f[0], c.s, c.dil ?? 1, c.pad, 0), [ow] = dim(c.out[2], c.f[1], c.s, c.dil ?? 1, c.pad, 1);
        const dyShape = [c.out[0], oh, ow, c.f[3]];
        const lo = dtype === 'int32' ? -3 : -1, hi = dtype === 'int32' ? 4 : 1;
        const dy = rand(rng, dyShape, dtype, lo, hi), f = rand(rng, c.f, dtype, lo, hi);
        const pad = Array.isArray(c.pad) ? [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]] : c.pad;
        const y = tf.nn.conv2dTranspose(constOf(dy, dtype), constOf(f, dtype), c.out, c.s, pad, c.dil ? { dilations: c.dil } : undefined);
        expect(y.shape).toEqual(c.out);
        check(runOnce(y), refConvTranspose(dy, f, c.out, [c.s, c.s], c.pad, [c.dil ?? 1, c.dil ?? 1]), dtype);
      });
    }
  }

  it('takes output_shape as 2 values or an int32 tensor; TF1 names; static shapes', () => {
    const dy = tf.placeholder(tf.float32, [null, 3, 3, 2]);
    const f = tf.constant(new Float32Array(3 * 3 * 4 * 2), null, [3, 3, 4, 2]);
    const y = tf.nn.conv2dTranspose(dy, f, [1, 6, 6, 4], [1, 2, 2, 1], 'SAME');
    expect(y.name).toBe('conv2d_transpose:0');
    expect(y.op.type).toBe('Conv2DBackpropInput');
    expect(y.op.inputs[0].name).toBe('conv2d_transpose/input_sizes:0');
    expect(y.shape).toEqual([null, 6, 6, 4]);
    expect(tf.nn.conv2dTranspose(dy, f, [6, 5], 2, 'SAME').shape).toEqual([null, 6, 5, 4]);
    const sizes = tf.placeholder(tf.int32, [4]);
    const z = tf.nn.conv2dTranspose(tf.placeholder(tf.float32, [2, 3, 3, 2]), f, sizes, 2, 'SAME');
    expect(z.shape).toEqual([2, null, null, null]);
    const rng = new Lcg(9);
    const dyv = rand(rng, [2, 3, 3, 2], 'float32'), fv = rand(rng, [3, 3, 4, 2], 'float32');
    const zz = tf.nn.conv2dTranspose(z.op.inputs[2], constOf(fv, 'float32'), sizes, 2, 'SAME');
    const got = runOnce(zz, new Map<tf.Tensor, unknown>([[sizes, Int32Array.from([2, 5, 6, 4])], [z.op.inputs[2], Float32Array.from(dyv.data)]]));
    check(got, refConvTranspose(dyv, fv, [2, 5, 6, 4], [2, 2], 'SAME', [1, 1]), 'float32');
    const two = tf.nn.conv2dTranspose(constOf(dyv, 'float32'), constOf(fv, 'float32'), [6, 6], 2, 'SAME');
    check(runOnce(two), refConvTranspose(dyv, fv, [2, 6, 6, 4], [2, 2], 'SAME', [1, 1]), 'float32');
  });

  it('rejects bad arguments as TF', () => {
    const f = tf.constant(new Float32Array(3 * 3 * 3 * 2), null, [3, 3, 3, 2]);
    const dy = (shape: number[]) => tf.constant(new Float32Array(sizeOf(shape)), null, shape);
    expect(() => tf.nn.conv2dTranspose(dy([1, 2, 2, 5]), f, [1, 4, 4, 3], 2, 'SAME')).toThrow(/Dimensions must be equal, but are 5 and 2/);
    expect(() => tf.nn.conv2dTranspose(dy([1, 2, 2, 2]), f, [2, 4, 4, 3], 2, 'SAME')).toThrow(/Dimensions must be equal, but are 2 and 1/);
    expect(() => tf.nn.conv2dTranspose(dy([1, 2, 2, 2]), f, [1, 4, 4], 2, 'SAME')).toThrow(/requires input_sizes to contain 4 values or 2 values, but got: 3/);
    expect(() => tf.nn.conv2dTranspose(dy([2, 2, 2]), f, [1, 4, 4, 3], 2, 'SAME')).toThrow(/Shape must be rank 4 but is rank 3/);
    const sizes = tf.placeholder(tf.int32);
    const run = (y: tf.Tensor, s: number[]) => runOnce(y, new Map([[sizes, Int32Array.from(s)]]));
    const y = tf.nn.conv2dTranspose(dy([1, 3, 3, 2]), f, sizes, 1, 'SAME');
    const fails = (s: number[], re: RegExp) => { expect(() => run(y, s)).toThrow(tf.errors.InvalidArgumentError); expect(() => run(y, s)).toThrow(re); };
    fails([1, 6, 6, 3], /Size of out_backprop doesn't match computed: actual = 3, computed = 6 spatial_dim: 1 input: 6 filter: 3 output: 3 stride: 1 dilation: 1/);
    fails([1, 3, 3, 4], /input depth must be evenly divisible by filter depth/);
    fails([1, 3, 3, 6], /Gradients for grouped convolutions are not supported on CPU/);
    fails([2, 3, 3, 3], /input and out_backprop must have the same batch size. Input batch: 2, outbackprop batch: 1/);
    fails([1, -3, 3, 3], /Dimension -3 must be >= 0/);
    fails([3, 3, 3], /requires input_sizes to contain 4 values or 2 values, but got: 3/);
    const nchw = tf.nn.conv2dTranspose(dy([1, 2, 3, 3]), f, [1, 3, 3, 3], 1, 'SAME', { dataFormat: 'NCHW' });
    expect(() => runOnce(nchw)).toThrow(/Conv2DCustomBackpropInputOp only supports NHWC/);
  });
});

describe('Conv2D with explicit padding', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // The core 'conv2d' shape rule ignores EXPLICIT; conv2dShape (lib/ops/defs/nn.ts) does not.
  const staticShapes = opDef('Conv2D').shape !== 'conv2d';
  const cases: { x: number[]; f: number[]; s: number; pad: [number, number, number, number]; dil?: number }[] = [
    { x: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 1, pad: [1, 2, 0, 1] },
    { x: [1, 5, 5, 2], f: [3, 3, 2, 3], s: 2, pad: [2, 2, 1, 1] },
    { x: [2, 6, 7, 3], f: [1, 1, 3, 4], s: 1, pad: [0, 2, 1, 0] },     // 1x1 with padding: not the plain GEMM
    { x: [1, 9, 9, 2], f: [3, 3, 2, 2], s: 1, pad: [2, 2, 2, 2], dil: 2 },
  ];
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const c of cases) {
      it(`${dtype} x=[${c.x}] f=[${c.f}] s=${c.s} pads=${c.pad}${c.dil ? ` dil=${c.dil}` : ''}`, () => {
        const rng = new Lcg(sizeOf(c.x) + sizeOf(c.f));
        const x = rand(rng, c.x, dtype), f = rand(rng, c.f, dtype, -1, 1);
        const y = tf.nn.conv2d(constOf(x, dtype), constOf(f, dtype), c.s, [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]],
          c.dil ? { dilations: c.dil } : undefined);
        expect(y.op.getAttr('padding')).toBe('EXPLICIT');
        expect(y.op.getAttr('explicit_paddings')).toEqual([0, 0, ...c.pad, 0, 0]);
        const expected = refConv(x, f, [c.s, c.s], c.pad, [c.dil ?? 1, c.dil ?? 1], false);
        if (staticShapes) expect(y.shape).toEqual(expected[0].shape);
        check(runOnce(y), expected, dtype);
      });
    }
  }

  it('conv2dShape: explicit paddings, their errors, unknown dims', () => {
    const x = tf.placeholder(tf.float32, [null, 5, 5, 2]), f = tf.constant(new Float32Array(3 * 3 * 2 * 3), null, [3, 3, 2, 3]);
    const fn = (pad: number[][]) => () => tf.nn.conv2d(x, f, 1, pad);
    if (staticShapes) expect(fn([[0, 0], [1, 2], [0, 1], [0, 0]])().shape).toEqual([null, 6, 4, 3]);
    expect(fn([[0, 0], [1, 2], [0, 1]])).toThrow(/must be of size 4/);
    if (staticShapes) {
      expect(fn([[0, 1], [1, 2], [0, 1], [0, 0]])).toThrow(/Nonzero explicit padding in the batch or depth dimensions/);
      expect(fn([[0, 0], [-1, 2], [0, 1], [0, 0]])).toThrow(/All elements of explicit_paddings must be nonnegative/);
    }
  });
});

// 3x3 stride-1 float32 convolutions with at least 8 input and output channels, more than 16 of
// one of them (fewer run conv_small.h's direct loop: test/ops/conv-small.test.ts), run as Winograd
// F(2x2, 3x3) (native/kernels/conv.cc): 2x2 output tiles in blocks, a transformed filter cached
// per constant, and a fused bias + activation. The edges: odd output sizes (half tiles),
// padding of every kind, channel counts that are not whole SIMD slivers, several images and
// blocks, a filter that is fed instead of constant.
describe('Conv2D as Winograd F(2x2, 3x3)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const cases: { x: number[]; cout: number; pad: Pad }[] = [
    { x: [1, 8, 8, 8], cout: 17, pad: 'SAME' },                  // smallest channel counts it takes
    { x: [2, 9, 7, 19], cout: 21, pad: 'SAME' },                 // odd sizes, channel tails, two images
    { x: [1, 10, 11, 16], cout: 33, pad: 'VALID' },              // odd output width
    { x: [1, 7, 6, 17], cout: 10, pad: [2, 0, 1, 3] },           // explicit, uneven
    { x: [1, 3, 2, 9], cout: 17, pad: [0, 2, 3, 0] },            // input smaller than a few tiles
    { x: [1, 1, 1, 8], cout: 24, pad: 'SAME' },                  // one pixel
    { x: [3, 30, 29, 32], cout: 48, pad: 'SAME' },               // many blocks, spread over threads
    { x: [1, 6, 56, 8], cout: 17, pad: 'SAME' },                 // tile rows of whole slivers (padded both sides)
  ];
  for (const c of cases) {
    it(`float32 x=[${c.x}] cout=${c.cout} ${c.pad} (+ bias + relu, fused)`, () => {
      const rng = new Lcg(sizeOf(c.x) * 7 + c.cout);
      const f = rand(rng, [3, 3, c.x[3], c.cout], 'float32', -1, 1), x = rand(rng, c.x, 'float32');
      const bias = rand(rng, [c.cout], 'float32');
      const pads = (p: Pad) => (Array.isArray(p) ? [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]] : p);
      const y = tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), 1, pads(c.pad) as 'SAME');
      const z = tf.nn.relu(tf.nn.biasAdd(y, constOf(bias, 'float32')));
      const [expected, scale] = refConv(x, f, [1, 1], c.pad, [1, 1], false);
      const sess = new tf.Session({ graph: y.graph });
      const [gy, gz] = sess.run([y, z]) as tf.NDArray[];   // y fetched: the conv runs unfused
      const [fz] = sess.run([z]) as tf.NDArray[];          // _FusedConv2D
      sess.close();
      check(gy, [expected, scale], 'float32');
      const cout = c.cout;
      const act: Arr = { shape: expected.shape, data: expected.data.map((v, i) => Math.max(0, v + bias.data[i % cout])) };
      check(fz, [act, scale.map((s, i) => s + Math.abs(bias.data[i % cout]))], 'float32');
      expect(Array.from(fz.data as Float32Array)).toEqual(Array.from(gz.data as Float32Array));
    });
  }

  it('a fed filter is transformed on every run; a constant one is cached per graph constant', () => {
    const rng = new Lcg(99);
    const x = rand(rng, [1, 6, 6, 8], 'float32'), f1 = rand(rng, [3, 3, 8, 17], 'float32', -1, 1), f2 = rand(rng, [3, 3, 8, 17], 'float32', -1, 1);
    const fp = tf.placeholder(tf.float32, [3, 3, 8, 17]);
    const y = tf.nn.conv2d(constOf(x, 'float32'), fp, 1, 'SAME');
    const sess = new tf.Session();
    for (const f of [f1, f2, f1]) check(sess.run(y, [[fp, Float32Array.from(f.data)]]), refConv(x, f, [1, 1], 'SAME', [1, 1], false), 'float32');
    sess.close();
    // Two graphs with different constant filters (and their sessions) never share a transform.
    for (const f of [f1, f2]) {
      const g = new tf.Graph();
      const t = g.asDefault(() => tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), 1, 'SAME'));
      for (let i = 0; i < 2; i++) check(runOnce(t), refConv(x, f, [1, 1], 'SAME', [1, 1], false), 'float32');
    }
  });
});

// Float32 Conv2D with a shallow receptive field (KH*KW*Cin <= 512) and not a plain 1x1, or a plain
// 1x1 with a small filter of at least one micro-kernel sliver of columns, runs as a packed direct
// convolution (native/kernels/conv.cc conv_packed): output pixels gathered straight into the
// micro-kernel's panels, a packed filter cached per constant, the fused bias as the sums' start
// (without an activation) or with the activation in one pass per finished block. (With SIMD, at
// most 4 input channels to at most 64, <= 16 both ways and plain 1x1s with a small filter run
// conv_small's direct loop instead; those cases stay here as the same results.) The edges: 1 to 6 input channels, output channels that are not
// whole slivers (1, 8, 16, 24, 40, 144), strides, dilations, every padding, slivers of pixels that
// cross rows and images, empty batches, pixels spread over threads.
describe('Conv2D as a packed direct convolution', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const cases: { x: number[]; f: number[]; s: [number, number]; pad: Pad; dil?: [number, number] }[] = [
    { x: [1, 34, 31, 3], f: [3, 3, 3, 32], s: [2, 2], pad: 'SAME' },           // MobileNet's first layer, small (conv_small)
    { x: [1, 34, 31, 5], f: [3, 3, 5, 32], s: [2, 2], pad: 'SAME' },           // 5 channels: packed
    { x: [2, 15, 17, 6], f: [3, 3, 6, 24], s: [1, 1], pad: 'VALID' },          // 6 channels, stride 1
    { x: [3, 11, 9, 1], f: [3, 3, 1, 8], s: [1, 1], pad: 'SAME' },             // 1 channel (MNIST's first conv)
    { x: [1, 13, 12, 1], f: [5, 5, 1, 1], s: [2, 1], pad: 'SAME' },            // one output channel
    { x: [2, 9, 10, 3], f: [3, 3, 3, 16], s: [2, 2], pad: [1, 1, 1, 1] },      // explicit (a folded Pad)
    { x: [1, 8, 19, 5], f: [3, 2, 5, 40], s: [2, 3], pad: [0, 2, 3, 0] },      // uneven explicit, 40 = 32 + 8
    { x: [1, 12, 13, 5], f: [3, 3, 5, 33], s: [1, 1], pad: 'SAME', dil: [2, 3] },
    { x: [2, 7, 5, 6], f: [2, 2, 6, 20], s: [1, 1], pad: 'VALID' },            // 2x2: rows shorter than a sliver
    { x: [1, 20, 21, 24], f: [1, 1, 24, 64], s: [2, 2], pad: 'SAME' },         // strided 1x1
    { x: [2, 14, 15, 16], f: [1, 1, 16, 96], s: [1, 1], pad: 'VALID' },        // plain 1x1, small filter (MobileNet's expansion)
    { x: [1, 10, 10, 144], f: [1, 1, 144, 32], s: [1, 1], pad: 'VALID' },      // plain 1x1 projection, one sliver
    { x: [2, 9, 13, 32], f: [1, 1, 32, 16], s: [1, 1], pad: 'VALID' },         // plain 1x1, less than a sliver
    { x: [1, 11, 12, 96], f: [1, 1, 96, 24], s: [1, 1], pad: 'VALID' },
    { x: [1, 7, 9, 40], f: [1, 1, 40, 144], s: [1, 1], pad: 'VALID' },         // 144 = 4.5 slivers
    { x: [1, 6, 7, 9], f: [3, 3, 9, 50], s: [2, 2], pad: 'VALID' },
    { x: [1, 5, 5, 56], f: [3, 3, 56, 12], s: [2, 2], pad: 'SAME' },           // kdim 504, just under the limit
    { x: [0, 6, 6, 3], f: [3, 3, 3, 8], s: [2, 2], pad: 'SAME' },              // empty batch
    { x: [4, 40, 37, 5], f: [3, 3, 5, 32], s: [2, 2], pad: 'SAME' },           // many blocks over the threads
    { x: [2, 9, 10, 3], f: [3, 3, 3, 80], s: [2, 2], pad: 'SAME' },            // 3 channels to > 64: packed
  ];
  const acts = ['relu6', 'relu', 'none', 'elu'] as const;
  cases.forEach((c, i) => {
    const act = acts[i % acts.length];
    it(`float32 x=[${c.x}] f=[${c.f}] s=${c.s} ${c.pad}${c.dil ? ` dil=${c.dil}` : ''} (+ bias${act === 'none' ? '' : ` + ${act}`}, fused)`, () => {
      const rng = new Lcg(sizeOf(c.x) * 5 + sizeOf(c.f));
      const x = rand(rng, c.x, 'float32'), f = rand(rng, c.f, 'float32', -1, 1), bias = rand(rng, [c.f[3]], 'float32');
      const pads = (p: Pad) => (Array.isArray(p) ? [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]] : p);
      const y = tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), [1, ...c.s, 1], pads(c.pad) as 'SAME', c.dil ? { dilations: c.dil } : undefined);
      const b = tf.nn.biasAdd(y, constOf(bias, 'float32'));
      const z = act === 'relu6' ? tf.nn.relu6(b) : act === 'relu' ? tf.nn.relu(b) : act === 'elu' ? tf.nn.elu(b) : b;
      const [expected, scale] = refConv(x, f, c.s, c.pad, c.dil ?? [1, 1], false);
      const sess = new tf.Session({ graph: y.graph });
      const [gy, gz] = sess.run([y, z]) as tf.NDArray[];   // y fetched: the conv runs unfused
      const fz = sess.run(z);                              // _FusedConv2D
      const again = sess.run(z);                           // the cached packed filter
      sess.close();
      check(gy, [expected, scale], 'float32');
      const cout = c.f[3];
      const fn = (v: number) => (act === 'relu6' ? Math.min(6, Math.max(0, v)) : act === 'relu' ? Math.max(0, v) : act === 'elu' ? (v < 0 ? Math.expm1(v) : v) : v);
      const want: Arr = { shape: expected.shape, data: expected.data.map((v, j) => fn(v + bias.data[j % cout])) };
      check(fz, [want, scale.map((s, j) => s + Math.abs(bias.data[j % cout]))], 'float32');
      // The fused step rounds as BiasAdd and the activation do.
      expect(Array.from(fz.data as Float32Array)).toEqual(Array.from(gz.data as Float32Array));
      expect(Array.from(again.data as Float32Array)).toEqual(Array.from(fz.data as Float32Array));
    });
  });

  it('gives the same bits with 1 or 2 threads, and with a fed filter as with a constant one', () => {
    const rng = new Lcg(7);
    const x = rand(rng, [2, 30, 27, 5], 'float32'), f = rand(rng, [3, 3, 5, 24], 'float32', -1, 1), f2 = rand(rng, [3, 3, 5, 24], 'float32', -1, 1);
    const results: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const g = new tf.Graph();
      const y = g.asDefault(() => tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), 2, 'SAME'));
      const sess = new tf.Session({ graph: g, config: { intraOpParallelismThreads: threads } });
      results.push(sess.run(y).data as Float32Array);
      sess.close();
    }
    expect(Array.from(results[1])).toEqual(Array.from(results[0]));
    check(tf.ndarray(results[0], [2, 15, 14, 24]), refConv(x, f, [2, 2], 'SAME', [1, 1], false), 'float32');
    // A fed filter is packed on every run: a second value is never served from a cache.
    const fp = tf.placeholder(tf.float32, [3, 3, 5, 24]);
    const y = tf.nn.conv2d(constOf(x, 'float32'), fp, 2, 'SAME');
    const sess = new tf.Session();
    for (const w of [f, f2, f]) check(sess.run(y, [[fp, Float32Array.from(w.data)]]), refConv(x, w, [2, 2], 'SAME', [1, 1], false), 'float32');
    sess.close();
  });

  it('a batch-norm scale folded into the filter (a folded constant) is packed from the scaled values', () => {
    const rng = new Lcg(11);
    const x = rand(rng, [1, 12, 12, 3], 'float32'), f = rand(rng, [3, 3, 3, 32], 'float32', -1, 1), scale = rand(rng, [32], 'float32', 0.5, 2);
    for (const k of [1, 3]) {   // the same filter constant under two scales in two graphs: no stale packing
      const g = new tf.Graph();
      const z = g.asDefault(() => tf.multiply(tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), 2, 'SAME'), constOf({ shape: [32], data: scale.data.map((v) => v * k) }, 'float32')));
      const sess = new tf.Session({ graph: g });
      const got = [sess.run(z), sess.run(z)];
      sess.close();
      const [ref, mag] = refConv(x, f, [2, 2], 'SAME', [1, 1], false);
      const want: Arr = { shape: ref.shape, data: ref.data.map((v, j) => v * scale.data[j % 32] * k) };
      for (const r of got) check(r, [want, mag.map((m, j) => m * Math.abs(scale.data[j % 32] * k))], 'float32');
    }
  });
});

describe('DepthwiseConv2dNative fused bias + Relu6 (the 3x3 grouped path)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  it('float32 3x3 with row dilation 2 and column dilation 1 (the grouped path, rows apart)', () => {
    const rng = new Lcg(77);
    const x = rand(rng, [1, 11, 21, 32], 'float32'), f = rand(rng, [3, 3, 32, 1], 'float32', -1, 1);
    const y = rawOp('DepthwiseConv2dNative', [constOf(x, 'float32'), constOf(f, 'float32')], {
      T: 'float32', strides: [1, 1, 1, 1], padding: 'VALID', dilations: [1, 2, 1, 1],
    });
    check(runOnce(y), refConv(x, f, [1, 1], 'VALID', [2, 1], true), 'float32');
  });
  for (const [shape, s] of [[[1, 14, 37, 48], 1], [[2, 17, 21, 96], 2], [[1, 6, 9, 7], 1], [[2, 7, 7, 160], 1], [[1, 14, 14, 80], 2]] as [number[], number][]) {
    it(`float32 x=[${shape}] s=${s}: fused equals BiasAdd + Relu6 and the reference`, () => {
      const rng = new Lcg(sizeOf(shape) + s);
      const c = shape[3];
      const x = rand(rng, shape, 'float32'), f = rand(rng, [3, 3, c, 1], 'float32', -1, 1), bias = rand(rng, [c], 'float32');
      const y = tf.nn.depthwiseConv2d(constOf(x, 'float32'), constOf(f, 'float32'), [1, s, s, 1], 'SAME');
      const z = tf.nn.relu6(tf.nn.biasAdd(y, constOf(bias, 'float32')));
      const sess = new tf.Session({ graph: y.graph });
      const [gy, gz] = sess.run([y, z]) as tf.NDArray[];
      const fz = sess.run(z);
      sess.close();
      const [expected, scale] = refConv(x, f, [s, s], 'SAME', [1, 1], true);
      check(gy, [expected, scale], 'float32');
      const want: Arr = { shape: expected.shape, data: expected.data.map((v, j) => Math.min(6, Math.max(0, v + bias.data[j % c]))) };
      check(fz, [want, scale.map((m, j) => m + Math.abs(bias.data[j % c]))], 'float32');
      expect(Array.from(fz.data as Float32Array)).toEqual(Array.from(gz.data as Float32Array));
    });
  }
});
