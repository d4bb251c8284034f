// The caching allocator and in-place elementwise kernels (native/alloc.h,
// KernelContext::forward_or_allocate): RunMetadata.memory reports pool hits, misses and
// forwarded outputs, and writing over a dying input never changes a value anyone can still see
// (a fetched tensor, a second consumer, a feed, a variable, a constant, an alias), checked
// against plain-JS results at small and pooled (>= 256 KiB) sizes.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const SMALL = 1000, LARGE = 1 << 17;  // 4 KB and 512 KiB of float32

function ramp(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + seed) * 4;
  return a;
}
/** A full, non-incremental GC (as --expose-gc gives). */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const relu = (x: number) => (x > 0 ? x : 0);
const f32 = (xs: ArrayLike<number>) => Float32Array.from(xs);
function expectArray(got: tf.NDArray, want: Float32Array): void {
  const g = got.data as Float32Array;
  expect(g.length).toBe(want.length);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (g[i] !== want[i] && !(Number.isNaN(g[i]) && Number.isNaN(want[i]))) bad = i;
  expect(bad === -1 ? 'ok' : `index ${bad}: ${g[bad]} vs ${want[bad]}`).toBe('ok');
}

function traced<T>(sess: tf.Session, fetches: T, feeds: tf.FeedDict | undefined): [tf.RunResult<T>, tf.RunMetadata] {
  const meta = new tf.RunMetadata();
  const out = sess.run(fetches, feeds, { traceLevel: 'FULL_TRACE' }, meta);
  return [out as tf.RunResult<T>, meta];
}

describe.each([['small', SMALL], ['pooled', LARGE]])('in-place elementwise (%s)', (_label, n) => {
  const A = ramp(n, 1), B = ramp(n, 2);
  const sum = f32(Array.from(A, (a, i) => Math.fround(a + B[i])));

  it('relu(a + b) writes over the sum and gives the right values', () => {
    const g = new tf.Graph();
    const [a, b, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]), b = tf.placeholder('float32', [n]);
      return [a, b, tf.nn.relu(tf.add(a, b))];
    });
    const sess = new tf.Session({ graph: g });
    const [out, meta] = traced(sess, y, [[a, A], [b, B]]);
    expectArray(out, f32(Array.from(sum, relu)));
    expect(meta.memory.forwarded).toBe(1);
    // The feeds belong to the caller: never written.
    expectArray(sess.run(a, [[a, A], [b, B]]), ramp(n, 1));
    expect(Buffer.compare(Buffer.from(A.buffer), Buffer.from(ramp(n, 1).buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(B.buffer), Buffer.from(ramp(n, 2).buffer))).toBe(0);
    sess.close();
  });

  it('a fetched intermediate keeps its value', () => {
    const g = new tf.Graph();
    const [a, b, t, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]), b = tf.placeholder('float32', [n]);
      const t = tf.add(a, b);
      return [a, b, t, tf.nn.relu(t)];
    });
    const sess = new tf.Session({ graph: g });
    const [[tv, yv], meta] = traced(sess, [t, y], [[a, A], [b, B]]);
    expectArray(tv, sum);
    expectArray(yv, f32(Array.from(sum, relu)));
    expect(meta.memory.forwarded).toBe(0);
    sess.close();
  });

  it('a value with two consumers is overwritten only by the last one', () => {
    const g = new tf.Graph();
    const [a, b, u, v, w] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]), b = tf.placeholder('float32', [n]);
      const t = tf.add(a, b);
      const u = tf.nn.relu(t), v = tf.negative(t);
      return [a, b, u, v, tf.multiply(tf.square(u), v)];
    });
    const sess = new tf.Session({ graph: g });
    const [[uv, vv, wv], meta] = traced(sess, [u, v, w], [[a, A], [b, B]]);
    const ur = f32(Array.from(sum, relu)), vr = f32(Array.from(sum, (x) => -x));
    expectArray(uv, ur);
    expectArray(vv, vr);
    expectArray(wv, f32(Array.from(ur, (x, i) => Math.fround(Math.fround(x * x) * vr[i]))));
    // Relu(t) runs before t's last use and Square's input u is fetched; Neg writes over t (its
    // last use) and Mul over Square's output, while the fetched v it reads stays intact.
    expect(meta.memory.forwarded).toBe(2);
    sess.close();
  });

  it('x * x over one dying value, and a broadcast operand', () => {
    const g = new tf.Graph();
    const [a, b, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]), b = tf.placeholder('float32', [n]);
      const t = tf.add(a, b);
      return [a, b, tf.subtract(tf.multiply(t, t), tf.constant(1.5))];
    });
    const sess = new tf.Session({ graph: g });
    const [out, meta] = traced(sess, y, [[a, A], [b, B]]);
    expectArray(out, f32(Array.from(sum, (x) => Math.fround(Math.fround(x * x) - 1.5))));
    expect(meta.memory.forwarded).toBe(2);
    sess.close();
  });

  it('never writes over a variable, a constant or a reshaped alias still in use', () => {
    const g = new tf.Graph();
    const [a, v, y1, y2, y3, c] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]);
      const v = new tf.Variable(tf.constant(A), { name: 'v' });
      const c = tf.constant(B);
      const t = tf.add(a, a);
      const r = tf.reshape(t, [n, 1]);
      // relu(t) dies with t, but r still aliases t's buffer: no forwarding there.
      const y3 = tf.add(tf.reshape(tf.nn.relu(t), [n, 1]), r);
      return [a, v, tf.nn.relu(v), tf.abs(c), y3, c];
    });
    const sess = new tf.Session({ graph: g });
    sess.run(v.initializer);
    const [[r1, r2, r3]] = traced(sess, [y1, y2, y3], [[a, A]]);
    const twice = f32(Array.from(A, (x) => Math.fround(x + x)));
    expectArray(r1, f32(Array.from(A, relu)));
    expectArray(r2, f32(Array.from(B, Math.abs)));
    expectArray(r3, f32(Array.from(twice, (x) => Math.fround(relu(x) + x))));
    expectArray(sess.run(v), A);
    expectArray(sess.run(c), B);
    sess.close();
  });
});

describe('caching allocator', () => {
  it('serves the second run of a graph from blocks the first run freed', () => {
    const n = 1 << 18;  // 1 MiB intermediates
    const g = new tf.Graph();
    const [a, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]);
      return [a, tf.reduceSum(tf.matmul(tf.reshape(tf.exp(a), [512, 512]), tf.reshape(tf.sin(a), [512, 512])))];
    });
    const sess = new tf.Session({ graph: g });
    const A = ramp(n, 3).map((x) => x / 8);
    traced(sess, y, [[a, A]]);
    const [, meta] = traced(sess, y, [[a, A]]);
    expect(meta.memory.poolHits).toBeGreaterThan(0);
    expect(meta.memory.poolMisses).toBe(0);
    expect(meta.memory.bytesPeak).toBeGreaterThanOrEqual(2 * 4 * n);
    sess.close();
  });

  it('fetched values handed to JS stay intact while later runs reuse memory', async () => {
    // 16 MiB and more cross without a copy; the block returns to the pool only when JS drops it.
    const n = (16 << 20) / 4 + 16;
    const g = new tf.Graph();
    const [a, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]);
      return [a, tf.add(a, tf.constant(1))];
    });
    const sess = new tf.Session({ graph: g });
    const A = new Float32Array(n).fill(2);
    const first = sess.run(y, [[a, A]]);
    const kept = [first];
    for (let i = 0; i < 4; i++) {
      A.fill(10 + i);
      kept.push(sess.run(y, [[a, A]]));
    }
    const want = [3, 11, 12, 13, 14];
    kept.forEach((k, i) => {
      const d = k.data as Float32Array;
      expect([d[0], d[n >> 1], d[n - 1]]).toEqual([want[i], want[i], want[i]]);
    });
    sess.close();
  });

  it('a dropped fetched block returns to the pool at the GC, without a turn of the event loop', () => {
    // N-API runs finalizers from a setImmediate; a loop of sync runs never reaches it. The run
    // reclaims blocks whose ArrayBuffers the GC has collected, so the next run reuses them.
    const gc = forcedGc();
    const n = (16 << 20) / 4;
    const g = new tf.Graph();
    const [a, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]);
      return [a, tf.nn.relu(tf.add(a, tf.constant(-1)))];
    });
    const sess = new tf.Session({ graph: g });
    const A = new Float32Array(n).fill(3);
    const held = sess.run(y, [[a, A]]);
    sess.run(y, [[a, A]]);   // dropped at once
    gc();
    A.fill(5);
    const [out, meta] = traced(sess, y, [[a, A]]);
    expect(meta.memory.poolMisses).toBe(0);   // the Add's output is the dropped run's block
    expect(meta.memory.poolHits).toBeGreaterThan(0);
    // The held value was not reclaimed: its bytes are untouched by the runs after it.
    const h = held.data as Float32Array, o = out.data as Float32Array;
    expect([h[0], h[n >> 1], h[n - 1]]).toEqual([2, 2, 2]);
    expect([o[0], o[n >> 1], o[n - 1]]).toEqual([4, 4, 4]);
    sess.close();
  });

  it('with hundreds of fetched values kept, dropped ones still return to the pool and kept ones keep their bytes', () => {
    // The run checks the newest fetched values and a few of the older ones per call: a dropped
    // value among many kept ones is found within a bounded number of runs, not all at once.
    const gc = forcedGc();
    const n = 30000;  // 120 KB: handed over without a copy
    const g = new tf.Graph();
    const [a, y] = g.asDefault(() => {
      const a = tf.placeholder('float32', [n]);
      return [a, tf.add(a, tf.constant(1))];
    });
    const sess = new tf.Session({ graph: g });
    const kept: tf.NDArray[] = [];
    for (let i = 0; i < 300; i++) kept.push(sess.run(y, [[a, new Float32Array(n).fill(i)]]) as tf.NDArray);
    // Every other kept value is dropped, then enough runs to pass the cursor over all of them.
    for (let i = 0; i < kept.length; i += 2) kept[i] = undefined as unknown as tf.NDArray;
    gc();
    const A = new Float32Array(n).fill(-7);
    let misses = 0;
    for (let r = 0; r < 40; r++) {
      const [out, meta] = traced(sess, y, [[a, A]]);
      misses += meta.memory.poolMisses;
      const d = out.data as Float32Array;
      expect([d[0], d[n - 1]]).toEqual([-6, -6]);
    }
    expect(misses).toBe(0);  // every run found a returned block
    for (let i = 1; i < kept.length; i += 2) {
      const d = kept[i].data as Float32Array;
      expect([d[0], d[n >> 1], d[n - 1]]).toEqual([i + 1, i + 1, i + 1]);
    }
    sess.close();
  });

  it('a zero-size and a scalar output still work in place', () => {
    const g = new tf.Graph();
    const [a, y, s] = g.asDefault(() => {
      const a = tf.placeholder('float32', [0, 3]);
      const x = tf.placeholder('float32', []);
      return [a, tf.nn.relu(tf.add(a, a)), tf.nn.relu(tf.add(x, tf.constant(-2)))];
    });
    const sess = new tf.Session({ graph: g });
    const out = sess.run(y, [[a, new Float32Array(0)]]);
    expect(out.shape).toEqual([0, 3]);
    const x = g.getOperationByName('Placeholder_1').outputs[0];
    expect(sess.run(s, [[x, 5]]).data[0]).toBe(3);
    expect(sess.run(s, [[x, 1]]).data[0]).toBe(0);
    sess.close();
  });
});

// Buffer sizes around the allocator's seams: glibc's per-thread cache (~1 KiB), the per-thread
// small-block classes above it, and the pooled sizes from 256 KiB (a heap block rounded up to
// 256 KiB must never be taken for a pooled one). Each size runs many times, so blocks are
// recycled through every path, and every value is checked.
describe('allocator size seams', () => {
  const FLOATS = [255, 257, 300, 1000, 4096, 5000, 65535, 65520, 65521, 65535, 65536, 65537, 70000];
  it('a + b at each size, repeatedly, matches plain JS', () => {
    for (const n of FLOATS) {
      const g = new tf.Graph();
      const [a, b, y] = g.asDefault(() => {
        const a = tf.placeholder('float32', [n]), b = tf.placeholder('float32', [n]);
        return [a, b, tf.multiply(tf.add(a, b), tf.add(a, a))];
      });
      const A = ramp(n, 3), B = ramp(n, 4);
      const want = f32(Array.from(A, (x, i) => Math.fround(Math.fround(x + B[i]) * Math.fround(x + x))));
      const sess = new tf.Session({ graph: g });
      const kept: tf.NDArray[] = [];
      for (let r = 0; r < 12; r++) {
        const out = sess.run(y, [[a, A], [b, B]]) as tf.NDArray;
        if (r % 3 === 0) kept.push(out);  // some outputs stay alive while later runs allocate
        else expectArray(out, want);
      }
      for (const k of kept) expectArray(k, want);
      sess.close();
    }
  });
});

// Pooled classes under 2 MiB are carved from one huge page each: many live blocks of one class
// (fetched and kept, so none is recycled) must never overlap.
describe('blocks carved from one region', () => {
  it('twelve live 300 KB outputs per run, two runs kept, each with its own values', () => {
    const n = 75000, outs = 12;
    const g = new tf.Graph();
    const [x, ys] = g.asDefault(() => {
      const x = tf.placeholder('float32', [n]);
      return [x, Array.from({ length: outs }, (_, i) => tf.add(x, tf.constant(i + 1)))] as const;
    });
    const X = ramp(n, 5);
    const sess = new tf.Session({ graph: g });
    const runs = [sess.run(ys, [[x, X]]) as tf.NDArray[], sess.run(ys, [[x, X]]) as tf.NDArray[]];
    for (const r of runs)
      r.forEach((out, i) => expectArray(out, f32(Array.from(X, (v) => Math.fround(v + i + 1)))));
    sess.close();
  });
});
