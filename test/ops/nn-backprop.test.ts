// The training step's backward kernels against naive JS loops: Conv2DBackpropFilter (direct
// loops for tiny filters, conv_small.h's SIMD loop for f32 with <= 16 output channels; im2col +
// GEMM in one chunk, parallel chunks and chunks in turn),
// BiasAddGrad (NHWC row blocks, wide channels, NCHW), MaxPoolGrad (first maximum on ties, NaN
// and ±0, overlapping windows) and ReluGrad writing over a dying input. Sizes cross the kernels'
// chunk and block boundaries; the reductions must give the same bits at any thread count.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { Pad, constOf, dim, expectMatches, sameBits, tolFor } from './helpers';

/** dfilter[ky, kx, ci, co] = Σ x[b, iy, ix, ci] · dy[b, oy, ox, co] (doubles), and Σ|terms| per element. */
function refFilterGrad(x: Arr, dy: Arr, fshape: number[], s: number, pad: Pad, dil: number): [Arr, number[]] {
  const [n, h, w, cin] = x.shape, [kh, kw, , cout] = fshape;
  const [oh, pt] = dim(h, kh, s, dil, pad, 0), [ow, pl] = dim(w, kw, s, dil, pad, 1);
  expect(dy.shape).toEqual([n, oh, ow, cout]);
  const out = new Array(sizeOf(fshape)).fill(0), mag = new Array(sizeOf(fshape)).fill(0);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    const g = ((b * oh + oy) * ow + ox) * cout;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * s - pt + ky * dil, ix = ox * s - pl + kx * dil;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let ci = 0; ci < cin; ci++) {
        const xv = x.data[((b * h + iy) * w + ix) * cin + ci], o = ((ky * kw + kx) * cin + ci) * cout;
        for (let co = 0; co < cout; co++) { const t = xv * dy.data[g + co]; out[o + co] += t; mag[o + co] += Math.abs(t); }
      }
    }
  }
  return [{ shape: fshape, data: out }, mag];
}

const rand = (shape: number[], seed: number, dtype: tf.DType = 'float32'): Arr =>
  ({ shape, data: randomData(new Lcg(seed), sizeOf(shape), dtype === 'float64' ? 'float64' : 'float32', -1, 1) });

/** Runs `fetches` with `threads` intra-op threads; also returns the run's memory counters. */
// Constant folding off: these graphs are all constants, and the kernels are what is tested.
function run(fetches: tf.Tensor[], threads = 2): { out: tf.NDArray[]; memory: tf.RunMetadata['memory'] } {
  const config = { intraOpParallelismThreads: threads, graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const } } };
  const sess = new tf.Session({ graph: fetches[0].graph, config });
  try {
    const meta = new tf.RunMetadata();
    const out = sess.run(fetches, undefined, { traceLevel: 'FULL_TRACE' }, meta) as tf.NDArray[];
    return { out, memory: meta.memory };
  } finally { sess.close(); }
}


interface FCase { x: number[]; f: number[]; s: number; pad: Pad; dil?: number; what: string }
const F_CASES: FCase[] = [
  { x: [2, 5, 5, 1], f: [3, 3, 1, 2], s: 1, pad: 'SAME', what: 'tiny filter: direct loops' },
  { x: [3, 9, 7, 2], f: [2, 3, 2, 3], s: 2, pad: 'VALID', what: 'tiny filter, stride 2' },
  { x: [1, 6, 6, 4], f: [3, 3, 4, 16], s: 1, pad: 'SAME', what: 'f32: direct SIMD (<= 16 out); f64: GEMM, one chunk' },
  { x: [4, 20, 20, 8], f: [3, 3, 8, 16], s: 1, pad: 'SAME', what: 'f32: direct SIMD; f64: GEMM, parallel chunks, a partial last chunk' },
  { x: [3, 17, 19, 5], f: [3, 3, 5, 24], s: 2, pad: 'SAME', dil: 1, what: 'GEMM, stride 2, odd sizes' },
  { x: [2, 15, 15, 6], f: [3, 3, 6, 20], s: 1, pad: 'VALID', dil: 2, what: 'GEMM, dilation 2' },
  { x: [2, 13, 11, 4], f: [3, 2, 4, 32], s: 1, pad: [2, 0, 1, 3], what: 'GEMM, explicit padding' },
  { x: [6, 28, 28, 1], f: [3, 3, 1, 8], s: 1, pad: 'SAME', what: "the CNN's first layer: one channel in, 8 out (8 lanes), several chunks" },
  { x: [40, 12, 5, 6], f: [3, 3, 6, 13], s: 1, pad: 'SAME', what: 'direct SIMD: 4 + 1 + 1 channels in, a channel tail out, narrow rows in many chunks' },
  { x: [3, 19, 17, 9], f: [3, 3, 9, 5], s: 2, pad: 'SAME', what: 'direct SIMD, stride 2, 5 channels out (a partial vector)' },
  { x: [2, 16, 14, 4], f: [3, 3, 4, 11], s: 1, pad: 'VALID', dil: 2, what: 'direct SIMD, dilation 2' },
  { x: [2, 9, 10, 7], f: [3, 3, 7, 16], s: 1, pad: [2, 0, 0, 3], what: 'direct SIMD, explicit padding' },
  { x: [3, 7, 2, 5], f: [3, 5, 5, 12], s: 1, pad: 'SAME', what: 'direct SIMD, an image narrower than the filter (taps reading nothing)' },
  { x: [2, 64, 64, 64], f: [3, 3, 64, 17], s: 1, pad: 'SAME', what: 'GEMM, im2col too big for one buffer: chunks in turn' },
];

function filterGrad(c: FCase, dtype: tf.DType, seed: number): { grad: tf.Tensor; ref: Arr; mag: number[] } {
  const x = rand(c.x, seed, dtype);
  const dil = c.dil ?? 1;
  const [oh] = dim(c.x[1], c.f[0], c.s, dil, c.pad, 0), [ow] = dim(c.x[2], c.f[1], c.s, dil, c.pad, 1);
  const dy = rand([c.x[0], oh, ow, c.f[3]], seed + 1, dtype);
  const [ref, mag] = refFilterGrad(x, dy, c.f, c.s, c.pad, dil);
  const explicit = Array.isArray(c.pad);
  const grad = makeNode(tf.getDefaultGraph(), 'Conv2DBackpropFilter', [constOf(x, dtype), tf.constant(Int32Array.from(c.f)), constOf(dy, dtype)], {
    T: dtype, strides: [1, c.s, c.s, 1], padding: explicit ? 'EXPLICIT' : c.pad, dilations: [1, dil, dil, 1], data_format: 'NHWC',
    use_cudnn_on_gpu: true, explicit_paddings: explicit ? [0, 0, (c.pad as number[])[0], (c.pad as number[])[1], (c.pad as number[])[2], (c.pad as number[])[3], 0, 0] : [],
  }, null, undefined).outputs[0];
  return { grad, ref, mag };
}

describe('Conv2DBackpropFilter vs naive loops', () => {
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const [i, c] of F_CASES.entries()) {
      if (dtype === 'float64' && i === F_CASES.length - 1) continue;
      it(`${dtype} x [${c.x}] filter [${c.f}] stride ${c.s} ${JSON.stringify(c.pad)}${c.dil ? ` dilation ${c.dil}` : ''}: ${c.what}`, () => {
        tf.resetDefaultGraph();
        const { grad, ref, mag } = filterGrad(c, dtype, 10 + i);
        const [two] = run([grad], 2).out, [one] = run([grad], 1).out;
        expectMatches(two, ref, dtype, tolFor(dtype, { rtol: 2e-6, atol: 0 }, { rtol: 1e-13, atol: 0 }), mag);
        sameBits(two, one);   // fixed chunks summed in order: the thread count changes nothing
      });
    }
  }

  it('a batch of 0 images or an empty output gives a zero (or empty) filter gradient', () => {
    tf.resetDefaultGraph();
    const zeroBatch = filterGrad({ x: [0, 6, 6, 4], f: [3, 3, 4, 16], s: 1, pad: 'SAME', what: '' }, 'float32', 1).grad;
    const [g] = run([zeroBatch]).out;
    expect(g.shape).toEqual([3, 3, 4, 16]);
    expect(Array.from(g.data as Float32Array).every((v) => v === 0)).toBe(true);
    const noCout = filterGrad({ x: [2, 6, 6, 4], f: [3, 3, 4, 0], s: 1, pad: 'SAME', what: '' }, 'float32', 1).grad;
    expect(run([noCout]).out[0].shape).toEqual([3, 3, 4, 0]);
  });

  it('the gradient of tf.nn.conv2d trains the same filter gradient (GEMM path through tf.gradients)', () => {
    tf.resetDefaultGraph();
    const x = rand([2, 10, 10, 8], 3), f = rand([3, 3, 8, 32], 4), dy = rand([2, 10, 10, 32], 5);
    const xt = constOf(x, 'float32'), ft = constOf(f, 'float32');
    const [gw] = tf.gradients(tf.nn.conv2d(xt, ft, 1, 'SAME'), [ft], constOf(dy, 'float32'));
    expect(gw!.op.type).toBe('Conv2DBackpropFilter');
    const [ref, mag] = refFilterGrad(x, dy, [3, 3, 8, 32], 1, 'SAME', 1);
    expectMatches(run([gw!]).out[0], ref, 'float32', { rtol: 2e-6, atol: 0 }, mag);
  });
});

/** Σ over every axis but the channel one (doubles). */
function refBiasGrad(g: Arr, nchw: boolean): Arr {
  const ch = nchw ? 1 : g.shape.length - 1, c = g.shape[ch];
  const inner = sizeOf(g.shape.slice(ch + 1));
  const out = new Array(c).fill(0);
  g.data.forEach((v, i) => { out[Math.floor(i / inner) % c] += v; });
  return { shape: [c], data: out };
}

describe('BiasAddGrad vs naive sums', () => {
  const cases: { shape: number[]; nchw?: boolean; what: string }[] = [
    { shape: [64, 512], what: 'the MLP\'s: two row blocks' },
    { shape: [32, 28, 28, 8], what: 'the CNN\'s: many row blocks of 8 channels' },
    { shape: [40000, 3], what: 'narrow rows: a partial last block' },
    { shape: [3000, 13], what: 'a block of 8 channels summed in registers, and a 5-channel tail' },
    { shape: [5, 1], what: 'one channel, one block' },
    { shape: [3, 4100], what: 'channels wider than the row-block path: per-channel blocks' },
    { shape: [2, 3, 4, 5], nchw: true, what: 'NCHW' },
  ];
  for (const dtype of ['float32', 'float64', 'int32'] as tf.DType[]) {
    for (const [i, c] of cases.entries()) {
      it(`${dtype} [${c.shape}]${c.nchw ? ' NCHW' : ''}: ${c.what}`, () => {
        tf.resetDefaultGraph();
        const g: Arr = { shape: c.shape, data: randomData(new Lcg(20 + i), sizeOf(c.shape), dtype === 'int32' ? 'int32' : dtype === 'float64' ? 'float64' : 'float32', -100, 100) };
        const t = makeNode(tf.getDefaultGraph(), 'BiasAddGrad', [constOf(g, dtype)], { T: dtype, data_format: c.nchw ? 'NCHW' : 'NHWC' }, null, undefined).outputs[0];
        const [two] = run([t], 2).out, [one] = run([t], 1).out;
        const mag = refBiasGrad({ shape: g.shape, data: g.data.map(Math.abs) }, !!c.nchw).data;
        expectMatches(two, refBiasGrad(g, !!c.nchw), dtype, tolFor(dtype, { rtol: 1e-7, atol: 0 }, { rtol: 1e-15, atol: 0 }), mag);
        sameBits(two, one);
      });
    }
  }

  it('int32 sums wrap; an empty batch sums to zeros', () => {
    tf.resetDefaultGraph();
    const big = makeNode(tf.getDefaultGraph(), 'BiasAddGrad', [tf.constant(Int32Array.from([2 ** 31 - 1, 5, 1, 6]), 'int32', [2, 2])], { T: 'int32', data_format: 'NHWC' }, null, undefined).outputs[0];
    expect(Array.from(run([big]).out[0].data as Int32Array)).toEqual([-(2 ** 31), 11]);
    const empty = makeNode(tf.getDefaultGraph(), 'BiasAddGrad', [tf.constant(new Float32Array(0), 'float32', [0, 3])], { T: 'float32', data_format: 'NHWC' }, null, undefined).outputs[0];
    expect(Array.from(run([empty]).out[0].data as Float32Array)).toEqual([0, 0, 0]);
  });
});

/** MaxPoolGrad as TF's CPU kernel: each gradient goes to its window's first maximum (`>`). */
function refMaxPoolGrad(x: Arr, dy: Arr, k: number, s: number, pad: 'SAME' | 'VALID'): Arr {
  const [n, h, w, c] = x.shape;
  const [oh, pt] = dim(h, k, s, 1, pad, 0), [ow, pl] = dim(w, k, s, 1, pad, 1);
  const out = new Array(x.data.length).fill(0);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let best = -1;
    for (let iy = Math.max(oy * s - pt, 0); iy < Math.min(oy * s - pt + k, h); iy++) {
      for (let ix = Math.max(ox * s - pl, 0); ix < Math.min(ox * s - pl + k, w); ix++) {
        const i = ((b * h + iy) * w + ix) * c + ch;
        if (best < 0 || x.data[i] > x.data[best]) best = i;
      }
    }
    if (best >= 0) out[best] += dy.data[((b * oh + oy) * ow + ox) * c + ch];
  }
  return { shape: x.shape, data: out };
}

describe('MaxPoolGrad vs naive loops', () => {
  const cases: { x: number[]; k: number; s: number; pad: 'SAME' | 'VALID'; ties?: boolean; what: string }[] = [
    { x: [32, 28, 28, 8], k: 2, s: 2, pad: 'VALID', what: 'the CNN\'s first pool' },
    { x: [3, 9, 9, 5], k: 3, s: 2, pad: 'SAME', what: 'overlapping windows, clipped at the edges' },
    { x: [2, 7, 6, 3], k: 2, s: 2, pad: 'SAME', ties: true, what: 'ties (relu zeros, repeated values): the first maximum' },
    { x: [1, 5, 5, 1], k: 3, s: 1, pad: 'VALID', ties: true, what: 'one channel, stride 1' },
  ];
  for (const dtype of ['float32', 'float64', 'int32'] as tf.DType[]) {
    for (const [i, c] of cases.entries()) {
      it(`${dtype} x [${c.x}] ${c.k}×${c.k} stride ${c.s} ${c.pad}: ${c.what}`, () => {
        tf.resetDefaultGraph();
        const rng = new Lcg(30 + i);
        const x: Arr = { shape: c.x, data: c.ties || dtype === 'int32' ? Array.from({ length: sizeOf(c.x) }, () => Math.max(0, rng.int(-3, 4))) : randomData(rng, sizeOf(c.x), 'float32', -1, 1) };
        const xt = constOf(x, dtype);
        const y = tf.nn.maxPool(xt, c.k, c.s, c.pad);
        const yShape = y.shape as number[];
        const dy: Arr = { shape: yShape, data: randomData(new Lcg(40 + i), sizeOf(yShape), dtype === 'int32' ? 'int32' : 'float32', -5, 5) };
        // Integers have no gradients in TF: the raw op (as a GraphDef would carry it).
        const gx = dtype === 'int32'
          ? makeNode(tf.getDefaultGraph(), 'MaxPoolGrad', [xt, y, constOf(dy, dtype)], {
            T: dtype, ksize: [1, c.k, c.k, 1], strides: [1, c.s, c.s, 1], padding: c.pad, explicit_paddings: [], data_format: 'NHWC' }, null, undefined).outputs[0]
          : tf.gradients(y, [xt], constOf(dy, dtype))[0];
        expect(gx!.op.type).toBe('MaxPoolGrad');
        expectMatches(run([gx!]).out[0], refMaxPoolGrad(x, dy, c.k, c.s, c.pad), dtype, tolFor(dtype, { rtol: 1e-6, atol: 1e-6 }));
      });
    }
  }

  it('NaN never wins a window unless it comes first; -0 and +0 tie (the first one wins)', () => {
    tf.resetDefaultGraph();
    // Windows (2×2, stride 2) of a [1, 2, 6, 1] image: [NaN, 1 | 0, 0], [2, NaN | 5, 3], [-0, 0 | -1, -2].
    const x: Arr = { shape: [1, 2, 6, 1], data: [NaN, 1, 2, NaN, -0, 0, 0, 0, 5, 3, -1, -2] };
    const xt = constOf(x, 'float32');
    const y = tf.nn.maxPool(xt, 2, 2, 'VALID');
    const dy: Arr = { shape: [1, 1, 3, 1], data: [10, 20, 30] };
    const [gx] = tf.gradients(y, [xt], constOf(dy, 'float32'));
    const got = Array.from(run([gx!]).out[0].data as Float32Array);
    expect(got).toEqual(refMaxPoolGrad(x, dy, 2, 2, 'VALID').data);
    expect(got).toEqual([10, 0, 0, 0, 30, 0, 0, 0, 20, 0, 0, 0]);
  });
});

describe('ReluGrad writing over a dying input', () => {
  it('takes over the incoming gradient when it dies there, and still computes g · (f > 0)', () => {
    tf.resetDefaultGraph();
    const x = rand([64, 512], 50), up = rand([64, 512], 51);
    const xt = constOf(x, 'float32');
    // ReluGrad(Mul output, Relu output): the Mul's output (a fresh block) dies at ReluGrad.
    const [g1] = tf.gradients(tf.nn.relu(xt), [xt], tf.multiply(constOf(up, 'float32'), 2));
    expect(g1!.op.type).toBe('ReluGrad');
    const { out: [a], memory } = run([g1!]);
    expect(memory.forwarded).toBe(1);
    expectMatches(a, { shape: [64, 512], data: x.data.map((v, i) => (v > 0 ? up.data[i] * 2 : 0)) }, 'float32', { rtol: 0, atol: 0 });
    // A constant incoming gradient is not the kernel's to write over: a fresh output, same values.
    tf.resetDefaultGraph();
    const xt2 = constOf(x, 'float32');
    const [g2] = tf.gradients(tf.nn.relu(xt2), [xt2], constOf(up, 'float32'));
    const b = run([g2!]);
    expect(b.memory.forwarded).toBe(0);
    expectMatches(b.out[0], { shape: [64, 512], data: x.data.map((v, i) => (v > 0 ? up.data[i] : 0)) }, 'float32', { rtol: 0, atol: 0 });
  });

  it("is TF's gradients * (features > 0): an Inf or NaN gradient where the feature is not positive gives NaN, a negative one -0", () => {
    tf.resetDefaultGraph();
    // TF 2.21: tf.raw_ops.ReluGrad(gradients=[inf, nan, -inf, 1, nan, -2, 3], features=[-1, -1, 0, -0, 2, -1, 6])
    //   -> [nan, nan, nan, 0, nan, -0, 3]; Relu6Grad: the same but 0 at features >= 6.
    const g = [Infinity, NaN, -Infinity, 1, NaN, -2, 3], f = [-1, -1, 0, -0, 2, -1, 6];
    for (const [type, last] of [['ReluGrad', 3], ['Relu6Grad', 0]] as const) {
      for (const dtype of ['float32', 'float64'] as tf.DType[]) {
        // 37 copies: the vector loop and its tail both see every case.
        const rep = (a: number[]) => Array.from({ length: 37 }, () => a).flat();
        const t = makeNode(tf.getDefaultGraph(), type, [constOf({ shape: [259], data: rep(g) }, dtype), constOf({ shape: [259], data: rep(f) }, dtype)], { T: dtype }, null, undefined).outputs[0];
        const got = Array.from(run([t]).out[0].data as Float32Array);
        expect(got).toEqual(rep([NaN, NaN, NaN, 0, NaN, -0, last]));
        expect(Object.is(got[5], -0)).toBe(true);
      }
    }
  });
});
