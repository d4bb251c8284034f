// Convolutions with few channels (a small CNN's layers) against naive JS loops: Conv2D and
// stride-1 Conv2DBackpropInput with <= 16 channels in and out, Conv2D with <= 4 channels in and
// <= 64 out (an image's first layer; two to four vectors of output channels per pixel group) and
// plain 1x1 Conv2D to <= 64 channels or with a filter of <= 256 KB (its pixels as one run),
// run conv_small.h's direct SIMD loop (8 lanes for <= 8 output channels, else the CPU's widest;
// the bias and a Relu / Relu6 in registers, other activations after each row block); other
// small-image Conv2Ds gather into packed panels or blocks of whole images for one GEMM; strided
// Conv2DBackpropInput GEMMs and col2ims whole images. Cases cover each path's pixel groups
// (8, 4, 2, 1 and edge pixels), channel tails, strides, dilations, explicit and large padding,
// images narrower than the filter, the thread count (same bits), and the fused bias and
// activation (the same values as the separate kernels).
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { makeNode } from '../../lib/ops/builders';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { Pad, constOf, dim, expectMatches, refConv, sameBits, refConvTranspose as refInputGrad } from './helpers';

const rand = (shape: number[], seed: number, dtype: tf.DType = 'float32'): Arr =>
  ({ shape, data: randomData(new Lcg(seed), sizeOf(shape), dtype === 'float64' ? 'float64' : 'float32', -1, 1) });
const TOL = { float32: { rtol: 2e-6, atol: 0 }, float64: { rtol: 1e-13, atol: 0 } } as Record<string, { rtol: number; atol: number }>;
const explicitPads = (p: Pad) => (Array.isArray(p) ? [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]] : p);

/** Runs `fetches` with `threads` intra-op threads (constant folding off: the kernels are tested). */
function run(fetches: tf.Tensor[], threads = 2): tf.NDArray[] {
  const config = { intraOpParallelismThreads: threads, graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const } } };
  const sess = new tf.Session({ graph: fetches[0].graph, config });
  try { return sess.run(fetches) as tf.NDArray[]; } finally { sess.close(); }
}
/** The op types a run of `fetches` executed (RunMetadata timeline labels). */
function opsRun(fetches: tf.Tensor[]): string[] {
  const sess = new tf.Session({ graph: fetches[0].graph, config: { graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const } } } });
  try {
    const md = new tf.RunMetadata();
    sess.run(fetches, undefined, { traceLevel: 'FULL_TRACE' }, md);
    return md.stepStats.devStats.flatMap((d) => d.nodeStats.map((s) => (s.timelineLabel ?? '').replace(/^[^=]*= /, '').replace(/\(.*$/, '')));
  } finally { sess.close(); }
}

interface Case { x: number[]; f: number[]; s: number; pad: Pad; dil?: number; what: string }

const FWD: Case[] = [
  { x: [4, 28, 28, 1], f: [3, 3, 1, 8], s: 1, pad: 'SAME', what: "the CNN's first layer: 8 lanes, groups of 8 + 2 + edge pixels" },
  { x: [3, 14, 14, 8], f: [3, 3, 8, 16], s: 1, pad: 'SAME', what: "the CNN's second layer: widest lanes (was Winograd)" },
  { x: [2, 13, 29, 3], f: [3, 3, 3, 13], s: 1, pad: 'SAME', what: 'odd widths: groups of 8, 4, 2, 1; a channel tail' },
  { x: [2, 11, 12, 5], f: [3, 2, 5, 5], s: 1, pad: 'VALID', what: 'no padding, a 3x2 filter, 5 channels (a partial vector)' },
  { x: [2, 17, 19, 4], f: [3, 3, 4, 11], s: 2, pad: 'SAME', what: 'stride 2' },
  { x: [1, 16, 23, 2], f: [5, 5, 2, 7], s: 3, pad: 'VALID', what: 'stride 3, 5x5' },
  { x: [2, 15, 18, 6], f: [3, 3, 6, 9], s: 1, pad: 'SAME', dil: 2, what: 'dilation 2 (tap by tap)' },
  { x: [1, 9, 10, 3], f: [3, 3, 3, 16], s: 1, pad: [2, 0, 1, 3], what: 'explicit, uneven padding' },
  { x: [2, 6, 2, 4], f: [3, 3, 4, 8], s: 1, pad: 'SAME', what: 'an image narrower than the filter: edge pixels only' },
  { x: [1, 5, 5, 16], f: [1, 3, 16, 1], s: 1, pad: 'SAME', what: '16 channels in, one out' },
  { x: [2, 10, 10, 20], f: [3, 3, 20, 12], s: 1, pad: 'SAME', what: '> 16 in: Winograd' },
  { x: [3, 12, 13, 1], f: [3, 3, 1, 24], s: 2, pad: 'SAME', what: '> 16 out, one channel in: a wide group, then a channel tail' },
  { x: [2, 23, 29, 3], f: [3, 3, 3, 32], s: 2, pad: 'SAME', what: "MobileNet's first layer: 32 out, groups of pixels, the edge" },
  { x: [1, 9, 30, 4], f: [3, 3, 4, 48], s: 1, pad: 'SAME', what: '48 out: a wide group of 32 (or 3 x 16) and 16 more' },
  { x: [2, 7, 15, 3], f: [3, 3, 3, 64], s: 1, pad: 'VALID', what: '64 out: two wide groups of 32 (or one of 4 x 16)' },
  { x: [1, 10, 11, 2], f: [5, 5, 2, 40], s: 2, pad: [3, 1, 0, 4], what: '40 out, 5x5, explicit padding: wide + an 8-channel tail' },
  { x: [2, 12, 14, 3], f: [3, 3, 3, 33], s: 1, pad: 'SAME', dil: 2, what: '33 out, dilation 2: wide tap by tap, a 1-channel tail' },
  { x: [1, 8, 9, 3], f: [3, 3, 3, 72], s: 1, pad: 'SAME', what: '> 64 out, 3 in: packed panels' },
  { x: [2, 9, 13, 32], f: [1, 1, 32, 16], s: 1, pad: 'VALID', what: 'plain 1x1 to 16: one run of 234 pixels, 28, 14, 7 at a time (16 lanes)' },
  { x: [1, 11, 12, 96], f: [1, 1, 96, 24], s: 1, pad: 'SAME', what: 'plain 1x1 to 24 (a projection): a partial last vector' },
  { x: [3, 7, 7, 160], f: [1, 1, 160, 64], s: 1, pad: 'VALID', what: 'plain 1x1 to 64 over a batch: four vectors' },
  { x: [1, 5, 7, 40], f: [1, 1, 40, 40], s: 1, pad: 'VALID', what: 'plain 1x1 to 40: three vectors, the last partial' },
  { x: [1, 1, 1, 576], f: [1, 1, 576, 33], s: 1, pad: 'VALID', what: 'plain 1x1 of one pixel, 576 deep' },
  { x: [2, 4, 5, 8], f: [1, 1, 8, 72], s: 1, pad: 'VALID', what: 'plain 1x1 to 72: groups of 4 vectors, then one (an expansion)' },
  { x: [2, 5, 6, 40], f: [1, 1, 40, 144], s: 1, pad: 'VALID', what: 'plain 1x1 to 144: 64 + 64 + 16 (or 4 x 32 + 16)' },
  { x: [1, 3, 4, 300], f: [1, 1, 300, 256], s: 1, pad: 'VALID', what: 'plain 1x1 with a 300 KB filter: the GEMM' },
  { x: [1, 9, 10, 24], f: [1, 1, 24, 32], s: 2, pad: 'SAME', what: 'strided 1x1: packed panels' },
  { x: [5, 9, 7, 18], f: [2, 2, 18, 20], s: 1, pad: 'VALID', what: '> 16 both ways, 2x2: blocks of whole images, GEMM' },
];

describe('Conv2D with few channels vs naive loops', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const [i, c] of FWD.entries()) {
      it(`${dtype} x [${c.x}] filter [${c.f}] stride ${c.s} ${JSON.stringify(c.pad)}${c.dil ? ` dilation ${c.dil}` : ''}: ${c.what}`, () => {
        const x = rand(c.x, 100 + i, dtype), f = rand(c.f, 200 + i, dtype), bias = rand([c.f[3]], 300 + i, dtype);
        const xt = constOf(x, dtype), ft = constOf(f, dtype);
        const y = tf.nn.conv2d(xt, ft, c.s, explicitPads(c.pad) as 'SAME', c.dil ? { dilations: c.dil } : undefined);
        const [ref, mag] = refConv(x, f, c.s, c.pad, c.dil ?? 1);
        const [two] = run([y], 2), [one] = run([y], 1);
        expectMatches(two, ref, dtype, TOL[dtype], mag);
        sameBits(two, one);
        // Fused with BiasAdd + Relu: the bias and activation of the separate kernels.
        const z = tf.nn.relu(tf.nn.biasAdd(y, constOf(bias, dtype)));
        expect(opsRun([z])).toContain('_FusedConv2D');
        const [fz] = run([z]);
        const cout = c.f[3];
        const act: Arr = { shape: ref.shape, data: ref.data.map((v, j) => Math.max(0, v + bias.data[j % cout])) };
        expectMatches(fz, act, dtype, TOL[dtype], mag.map((m, j) => m + Math.abs(bias.data[j % cout])));
        const [, sep] = run([y, z]);   // y fetched too: the conv runs unfused, then BiasAdd and Relu as their own steps
        expect(Array.from(fz.data)).toEqual(Array.from(sep.data));
      });
    }
  }

  it('other fused activations (Relu6 in registers; Elu, Sigmoid over each block of rows after the bias)', () => {
    for (const [act, fn] of [['relu6', (v: number) => Math.min(6, Math.max(0, v))], ['elu', (v: number) => (v > 0 ? v : Math.expm1(v))],
      ['sigmoid', (v: number) => 1 / (1 + Math.exp(-v))]] as const) {
      for (const cout of [6, 32]) {
        tf.resetDefaultGraph();
        const x = rand([2, 9, 11, 2], 7), f = rand([3, 3, 2, cout], 8), bias = rand([cout], 9);
        const y = tf.nn.conv2d(constOf(x, 'float32'), constOf(f, 'float32'), 1, 'SAME');
        const b = tf.nn.biasAdd(y, constOf({ shape: [cout], data: bias.data.map((v) => v * 4) }, 'float32'));
        const z = act === 'relu6' ? tf.nn.relu6(b) : act === 'elu' ? tf.nn.elu(b) : tf.sigmoid(b);
        expect(opsRun([z])).toContain('_FusedConv2D');
        const [ref, mag] = refConv(x, f, 1, 'SAME', 1);
        expectMatches(run([z])[0], { shape: ref.shape, data: ref.data.map((v, j) => fn(v + bias.data[j % cout] * 4)) }, 'float32',
          { rtol: 1e-5, atol: 1e-6 }, mag.map((m, j) => m + Math.abs(bias.data[j % cout] * 4)));
      }
    }
  });
});

const BWD: Case[] = [
  { x: [4, 14, 14, 8], f: [3, 3, 8, 16], s: 1, pad: 'SAME', what: "the CNN's: 8 lanes (the transposed conv's 8 outputs)" },
  { x: [2, 13, 21, 13], f: [3, 3, 13, 5], s: 1, pad: 'SAME', what: 'odd sizes, channel tails: 16 lanes, a partial vector' },
  { x: [2, 12, 11, 1], f: [3, 3, 1, 8], s: 1, pad: 'SAME', what: 'one input channel' },
  { x: [2, 10, 9, 3], f: [3, 2, 3, 4], s: 1, pad: 'VALID', what: 'no padding: the transposed conv pads by k - 1' },
  { x: [1, 15, 17, 4], f: [3, 3, 4, 6], s: 1, pad: 'SAME', dil: 2, what: 'dilation 2' },
  { x: [1, 8, 9, 5], f: [3, 3, 5, 7], s: 1, pad: [2, 0, 0, 1], what: 'explicit padding up to k - 1' },
  { x: [1, 6, 7, 3], f: [2, 2, 3, 4], s: 1, pad: [0, 3, 2, 0], what: 'explicit padding beyond k - 1: GEMM + col2im' },
  { x: [3, 13, 15, 6], f: [3, 3, 6, 10], s: 2, pad: 'SAME', what: 'stride 2: GEMM over whole images + col2im' },
  { x: [2, 11, 10, 7], f: [3, 3, 7, 9], s: 2, pad: 'VALID', what: 'stride 2, rows no output reads' },
  { x: [2, 9, 9, 20], f: [3, 3, 20, 24], s: 1, pad: 'SAME', what: '> 16 channels: GEMM over whole images + col2im' },
];

describe('Conv2DBackpropInput with few channels vs naive loops', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of ['float32', 'float64'] as tf.DType[]) {
    for (const [i, c] of BWD.entries()) {
      it(`${dtype} to [${c.x}] filter [${c.f}] stride ${c.s} ${JSON.stringify(c.pad)}${c.dil ? ` dilation ${c.dil}` : ''}: ${c.what}`, () => {
        const dil = c.dil ?? 1;
        const [oh] = dim(c.x[1], c.f[0], c.s, dil, c.pad, 0), [ow] = dim(c.x[2], c.f[1], c.s, dil, c.pad, 1);
        const dy = rand([c.x[0], oh, ow, c.f[3]], 400 + i, dtype), f = rand(c.f, 500 + i, dtype);
        const y = tf.nn.conv2dTranspose(constOf(dy, dtype), constOf(f, dtype), c.x, c.s, explicitPads(c.pad) as 'SAME', c.dil ? { dilations: c.dil } : undefined);
        expect(y.op.type).toBe('Conv2DBackpropInput');
        const [ref, mag] = refInputGrad(dy, f, c.x, c.s, c.pad, dil);
        const [two] = run([y], 2), [one] = run([y], 1);
        expectMatches(two, ref, dtype, TOL[dtype], mag);
        sameBits(two, one);
      });
    }
  }

  it('the gradient of a small conv2d through tf.gradients (Conv2DBackpropInput and Conv2DBackpropFilter)', () => {
    const x = rand([3, 10, 10, 4], 61), f = rand([3, 3, 4, 8], 62), dy = rand([3, 10, 10, 8], 63);
    const xt = constOf(x, 'float32'), ft = constOf(f, 'float32');
    const [gx, gf] = tf.gradients(tf.nn.conv2d(xt, ft, 1, 'SAME'), [xt, ft], constOf(dy, 'float32'));
    expect([gx!.op.type, gf!.op.type]).toEqual(['Conv2DBackpropInput', 'Conv2DBackpropFilter']);
    const [ref, mag] = refInputGrad(dy, f, [3, 10, 10, 4], 1, 'SAME', 1);
    expectMatches(run([gx!])[0], ref, 'float32', TOL.float32, mag);
  });

  it('bad shapes are still InvalidArgument errors', () => {
    const dy = constOf(rand([1, 5, 5, 4], 1), 'float32'), f = constOf(rand([3, 3, 2, 4], 2), 'float32');
    const g = tf.getDefaultGraph();
    const attrs = { T: 'float32', strides: [1, 1, 1, 1], padding: 'SAME', dilations: [1, 1, 1, 1], data_format: 'NHWC', use_cudnn_on_gpu: true, explicit_paddings: [] };
    const wrong = makeNode(g, 'Conv2DBackpropInput', [tf.constant(Int32Array.from([1, 6, 5, 2])), f, dy], attrs, null, undefined).outputs[0];
    expect(() => run([wrong])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => run([wrong])).toThrow(/Size of out_backprop doesn't match computed/);
  });
});
