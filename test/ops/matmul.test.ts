// MatMul (with transposeA / transposeB) against the naive triple loop in test/reference/ops.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import * as ref from '../reference/ops';
import { Arr, Lcg, randomData, sizeOf } from '../reference/ops';
import { NUMERIC, constOf, expectMatches, runOnce, sameBits, tolFor } from './helpers';

const abs = (a: Arr): Arr => ({ shape: a.shape, data: a.data.map(Math.abs) });

/** Stored shape of an operand given the logical [rows, cols] and the transpose flag. */
const stored = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);

// [m, k, n]: tiny, odd (SIMD tails), large (blocking + threads), and zero-size dims.
const SIZES: [number, number, number][] = [
  [1, 1, 1], [2, 3, 4], [7, 33, 5], [33, 7, 65], [257, 129, 65], [1, 1023, 1], [0, 3, 4], [3, 4, 0], [2, 0, 3],
];

describe('MatMul vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const dtype of NUMERIC) {
    for (const [m, k, n] of SIZES) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        if (dtype !== 'float32' && m * k * n > 100000 && (ta || tb)) continue;  // keep the int / f64 grid smaller
        it(`${dtype} [${m}x${k}] @ [${k}x${n}] transposeA=${ta} transposeB=${tb}`, () => {
          const rng = new Lcg(m * 1000003 + k * 1009 + n + (ta ? 7 : 0) + (tb ? 13 : 0));
          const lo = dtype.startsWith('int') ? -10 : -1, hi = dtype.startsWith('int') ? 10 : 1;
          const sa = stored(m, k, ta), sb = stored(k, n, tb);
          const a: Arr = { shape: sa, data: randomData(rng, sizeOf(sa), dtype, lo, hi) };
          const b: Arr = { shape: sb, data: randomData(rng, sizeOf(sb), dtype, lo, hi) };
          const c = tf.matmul(constOf(a, dtype), constOf(b, dtype), { transposeA: ta, transposeB: tb });
          expect(c.shape).toEqual([m, n]);
          const expected = ref.matmul(a, b, ta, tb);  // exact in doubles for ints; f64 accumulation for floats
          // Relative to Σ|a||b| so cancellation does not demand impossible accuracy; float32 ~1e-4 for large K.
          const scale = ref.matmul(abs(a), abs(b), ta, tb).data;
          const tol = tolFor(dtype, { rtol: k > 64 ? 1e-4 : 1e-5, atol: 1e-6 }, { rtol: 1e-12, atol: 1e-14 });
          expectMatches(runOnce(c), expected, dtype, tol, scale);
        });
      }
    }
  }

  it('K = 0 gives an all-zero [m, n] result', () => {
    const a = tf.constant(new Float32Array(0), null, [2, 0]);
    const b = tf.constant(new Float32Array(0), null, [0, 3]);
    const out = runOnce(tf.matmul(a, b));
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('float32 matmul with large K (4099) and positive data stays within 1e-4 relative', () => {
    const rng = new Lcg(4099);
    const a: Arr = { shape: [3, 4099], data: randomData(rng, 3 * 4099, 'float32', 0, 1) };
    const b: Arr = { shape: [4099, 5], data: randomData(rng, 4099 * 5, 'float32', 0, 1) };
    const out = runOnce(tf.matmul(constOf(a, 'float32'), constOf(b, 'float32')));
    expectMatches(out, ref.matmul(a, b), 'float32', { rtol: 1e-4, atol: 0 });
  });

  it('NaN and Inf in an operand propagate to exactly the affected outputs', () => {
    const a: Arr = { shape: [2, 2], data: [NaN, 1, 2, 3] };
    const b: Arr = { shape: [2, 2], data: [1, 0, Infinity, 1] };
    const out = runOnce(tf.matmul(constOf(a, 'float64'), constOf(b, 'float64')));
    // row 0 has NaN; row 1: [2*1 + 3*Inf, 2*0 + 3*1]
    expectMatches(out, { shape: [2, 2], data: [NaN, NaN, Infinity, 3] }, 'float64', tolFor('float64'));
  });

  it('fed placeholders with unknown dims: static shape [null, null], result from the fed shapes', () => {
    const x = tf.placeholder(tf.float32, [null, 4]);
    const w = tf.placeholder(tf.float32, [4, null]);
    const y = tf.matmul(x, w);
    expect(y.shape).toEqual([null, null]);
    const rng = new Lcg(1);
    const a: Arr = { shape: [3, 4], data: randomData(rng, 12, 'float32') };
    const b: Arr = { shape: [4, 2], data: randomData(rng, 8, 'float32') };
    const out = runOnce(y, new Map<tf.Tensor, unknown>([[x, tf.ndarray(Float32Array.from(a.data), [3, 4])], [w, tf.ndarray(Float32Array.from(b.data), [4, 2])]]));
    expectMatches(out, ref.matmul(a, b), 'float32', tolFor('float32'));
  });

  it('static shape inference with transposes', () => {
    const a = tf.placeholder(tf.float32, [5, 3]), b = tf.placeholder(tf.float32, [4, 5]);
    expect(tf.matmul(a, b, { transposeA: true, transposeB: true }).shape).toEqual([3, 4]);
    expect(tf.matmul(b, a).shape).toEqual([4, 3]);
  });

  it('rank != 2 operands are rejected at build time (InvalidArgumentError)', () => {
    const v = tf.constant(new Float32Array(3));
    const m = tf.constant(new Float32Array(9), null, [3, 3]);
    expect(() => tf.matmul(v, m)).toThrow(tf.errors.InvalidArgumentError);
  });

  it('a shape mismatch only visible at run time fails the run with InvalidArgumentError naming MatMul', () => {
    const x = tf.placeholder(tf.float32, [null, null]);
    const w = tf.constant(new Float32Array(6), null, [3, 2]);
    const y = tf.matmul(x, w, { name: 'mm' });
    const sess = new tf.Session();
    try {
      let err: unknown;
      try { sess.run(y, new Map([[x, tf.ndarray(new Float32Array(8), [2, 4])]])); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect((err as tf.OpError).op?.name).toBe('mm');
    } finally { sess.close(); }
  });
});

// The engine's paths for float32: a row times constant weights (packed once, then streamed by
// 1..3-row tiles with odd k tails), weights fed vs constant (packed per call vs cached), k split
// into several blocks (accumulating partial tiles), the threads splitting rows or columns (then
// sharing one packing of A), row
// blocks within a thread, several column blocks, and the fused bias + ReLU on all of them.
describe('MatMul engine paths (float32) vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [m, k, n]
  const SHAPES: [number, number, number][] = [
    [1, 701, 77], [1, 33, 5], [1, 1, 40], [2, 701, 33], [3, 701, 97], [13, 50, 31], [20, 650, 300],
    [30, 300, 512], [64, 700, 512], [200, 333, 130], [450, 20, 45], [2, 10, 4100],
    [1, 2600, 3300],  // a row large enough to split its columns over the threads (with an odd tail)
    [64, 512, 10], [300, 1100, 16], [57, 40, 1],  // at most 16 columns: AVX-512's 28x16 tile (row tails, k blocks)
    [1, 784, 10], [1, 603, 7], [1, 513, 16], [1, 1030, 13],  // a row against at most 16 constant columns: the 16-column row kernel (k tails, k blocks)
  ];
  for (const [m, k, n] of SHAPES) {
    for (const tb of [false, true]) {
      it(`[${m}x${k}] @ [${k}x${n}] transposeB=${tb}: fed and constant weights, twice, plain and with bias + relu`, () => {
        const rng = new Lcg(m * 7919 + k * 31 + n + (tb ? 1 : 0));
        const a: Arr = { shape: [m, k], data: randomData(rng, m * k, 'float32', -1, 1) };
        const sb = stored(k, n, tb);
        const b: Arr = { shape: sb, data: randomData(rng, k * n, 'float32', -1, 1) };
        const bias = randomData(rng, n, 'float32', -1, 1);
        const x = tf.placeholder(tf.float32, [m, k]);
        const wFed = tf.placeholder(tf.float32, sb);
        const wConst = constOf(b, 'float32');
        const fetches = [
          tf.matmul(x, wFed, { transposeB: tb }),
          tf.matmul(x, wConst, { transposeB: tb }),
          tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, wConst, { transposeB: tb }), tf.constant(Float32Array.from(bias)))),
          tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, wFed, { transposeB: tb }), tf.constant(Float32Array.from(bias)))),
        ];
        const expected = ref.matmul(a, b, false, tb);
        const scale = ref.matmul(abs(a), abs(b), false, tb).data;
        const relu: Arr = { shape: [m, n], data: expected.data.map((v, i) => Math.max(0, v + bias[i % n])) };
        const tol = { rtol: 1e-4, atol: 1e-6 };
        const sess = new tf.Session({ config: { intraOpParallelismThreads: 2 } });
        try {
          for (let run = 0; run < 2; run++) {
            const out = sess.run(fetches, new Map<tf.Tensor, unknown>([
              [x, tf.ndarray(Float32Array.from(a.data), [m, k])], [wFed, tf.ndarray(Float32Array.from(b.data), sb)]])) as tf.NDArray[];
            expectMatches(out[0], expected, 'float32', tol, scale);
            expectMatches(out[1], expected, 'float32', tol, scale);
            expectMatches(out[2], relu, 'float32', tol, scale);
            expectMatches(out[3], relu, 'float32', tol, scale);
          }
        } finally { sess.close(); }
      });
    }
  }
});

// Threads split a product's rows (under AVX-512 an even share each, in steps of 4 rows, for a few dozen rows
// per thread; whole 14-row slivers dealt out for more) or its columns: every row is summed in
// the same order whatever tile it falls in, so the thread count changes no bit.
describe('MatMul: the thread count changes no bit (float32)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const SHAPES: [number, number, number][] = [[64, 784, 512], [50, 300, 200], [37, 129, 77], [130, 256, 256], [33, 64, 1000], [700, 96, 64],
    [85, 200, 300]];  // 3 threads: shares of 28, 28 and 29 rows (the last the largest)
  for (const [m, k, n] of SHAPES) {
    it(`[${m}x${k}] @ [${k}x${n}], constant and fed weights, 1 to 4 threads`, () => {
      const rng = new Lcg(m * 131 + k * 7 + n);
      const a: Arr = { shape: [m, k], data: randomData(rng, m * k, 'float32', -1, 1) };
      const b: Arr = { shape: [k, n], data: randomData(rng, k * n, 'float32', -1, 1) };
      const x = tf.placeholder(tf.float32, [m, k]);
      const wFed = tf.placeholder(tf.float32, [k, n]);
      const fetches = [tf.matmul(x, constOf(b, 'float32')), tf.matmul(x, wFed)];
      const feeds = new Map<tf.Tensor, unknown>([[x, tf.ndarray(Float32Array.from(a.data), [m, k])], [wFed, tf.ndarray(Float32Array.from(b.data), [k, n])]]);
      const outs = [1, 2, 3, 4].map((threads) => {
        const sess = new tf.Session({ config: { intraOpParallelismThreads: threads } });
        try { return sess.run(fetches, feeds) as tf.NDArray[]; } finally { sess.close(); }
      });
      expectMatches(outs[0][0], ref.matmul(a, b, false, false), 'float32', { rtol: 1e-4, atol: 1e-5 }, ref.matmul({ ...a, data: a.data.map(Math.abs) }, { ...b, data: b.data.map(Math.abs) }, false, false).data);
      for (const o of outs) { sameBits(o[0], outs[0][0]); sameBits(o[1], outs[0][0]); }
    });
  }
});
