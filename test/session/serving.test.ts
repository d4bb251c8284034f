// The serving path (issue 8): a repeated run of a cached signature goes through a prepared native
// run, scalar number feeds and small fetched values cross through the io block, and runAsync
// settles batches through one run callback. None of it may change what a run returns or
// throws: every case compares the warm (fast) path with the first (general) run of a fresh
// session and with values computed here.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}

/** A scalar placeholder of dtype d and y = x (+ 0 where the dtype adds), in a fresh graph. */
function scalarGraph(d: tf.DType): { g: tf.Graph; x: tf.Tensor; y: tf.Tensor } {
  const g = new tf.Graph();
  const { x, y } = g.asDefault(() => {
    const x = tf.placeholder(d, [], 'x');
    return { x, y: d === 'bool' || d === 'uint8' ? tf.identity(x) : tf.add(x, tf.zerosLike(x)) };
  });
  return { g, x, y };
}

describe('serving path: scalar feeds of a cached signature', () => {
  const cases: [tf.DType, number[], (v: number) => number][] = [
    ['float32', [2, 0.1, -0, 1e40, -1e-46, NaN, 3.4028235677973366e38], Math.fround],
    ['float64', [2, 0.1, 1e300, -5e-324, NaN], (v) => v],
    ['int32', [7, -2147483648, 2147483647, 0], (v) => v],
    ['uint8', [0, 255, 17], (v) => v],
    ['bool', [1, 0, 1], (v) => v],
  ];
  for (const [d, values, expected] of cases) {
    it(`${d}: every run (the first, general one and the warm ones) gives the numpy-converted value`, () => {
      const { g, x, y } = scalarGraph(d);
      const sess = new tf.Session({ graph: g });
      for (const v of [...values, ...values]) {
        const r = sess.run(y, new Map([[x, v]]));
        expect(r.dtype).toBe(d);
        expect(r.shape).toEqual([]);
        const want = expected(v);
        if (Number.isNaN(want)) expect(Number.isNaN(r.data[0] as number)).toBe(true);
        else expect(Object.is(r.data[0], d === 'bool' ? want : want + 0) || r.data[0] === want).toBe(true);
      }
      sess.close();
    });
  }

  it('values that do not convert exactly throw on a warm signature exactly what a cold one throws', () => {
    const bad: [tf.DType, unknown][] = [['int32', 1.5], ['int32', 2 ** 31], ['int32', NaN], ['uint8', -1], ['uint8', 256], ['bool', 2], ['int32', 2n ** 40n], ['float32', 'a']];
    for (const [d, v] of bad) {
      const cold = scalarGraph(d);
      const coldSess = new tf.Session({ graph: cold.g });
      const coldErr = thrown(() => coldSess.run(cold.y, new Map([[cold.x, v]])));
      coldSess.close();
      const warm = scalarGraph(d);
      const warmSess = new tf.Session({ graph: warm.g });
      warmSess.run(warm.y, new Map([[warm.x, 1]]));
      warmSess.run(warm.y, new Map([[warm.x, 1]]));
      const warmErr = thrown(() => warmSess.run(warm.y, new Map([[warm.x, v]])));
      expect(warmErr.constructor).toBe(coldErr.constructor);
      expect(warmErr.message).toBe(coldErr.message);
      // and the session still serves good values afterwards
      expect(warmSess.run(warm.y, new Map([[warm.x, 1]])).item()).toBe(d === 'bool' ? true : 1);
      warmSess.close();
    }
  });

  it('booleans and bigints (not plain numbers) fed to a warm signature convert as on the first run', () => {
    const { g, x, y } = scalarGraph('int32');
    const sess = new tf.Session({ graph: g });
    for (let i = 0; i < 3; i++) {
      expect(sess.run(y, new Map([[x, i]])).item()).toBe(i);
      expect(sess.run(y, new Map([[x, true]])).item()).toBe(1);
      expect(sess.run(y, new Map([[x, -5n]])).item()).toBe(-5);
    }
    sess.close();
  });

  it('a number fed to a non-scalar placeholder of a warm signature is the shape error it always was', () => {
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => { const x = tf.placeholder('float32', [2], 'v'); return [x, tf.multiply(x, 3)]; });
    const sess = new tf.Session({ graph: g });
    expect(Array.from(sess.run(y, new Map([[x, [1, 2]]])).data)).toEqual([3, 6]);
    const e = thrown(() => sess.run(y, new Map([[x, 5]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toBe("Cannot feed value of shape [] for Tensor 'v:0', which has shape '[2]'");
    sess.close();
  });

  it('keys by name and by tensor, in any order, and two feeds; a key of another graph still throws', () => {
    const g = new tf.Graph();
    const { a, b, y } = g.asDefault(() => {
      const a = tf.placeholder('float32', [], 'a'), b = tf.placeholder('float32', null, 'b');
      return { a, b, y: tf.subtract(tf.multiply(a, 10), b) };
    });
    const sess = new tf.Session({ graph: g });
    for (let i = 0; i < 4; i++) {
      expect(sess.run(y, new Map<tf.Tensor | string, number>([[a, i], [b, 1]])).item()).toBe(10 * i - 1);
      expect(sess.run(y, new Map<tf.Tensor | string, number>([['b:0', i], ['a:0', 2]])).item()).toBe(20 - i);
      expect(sess.run('Sub:0', new Map<tf.Tensor | string, number>([[a, 1], ['b:0', i]])).item()).toBe(10 - i);
      expect(sess.run(y, [[a, i], ['b:0', 2]]).item()).toBe(10 * i - 2);
      expect(sess.run(y, [[a, i], [b, [2]]]).toArray()).toEqual([10 * i - 2]);  // not a scalar: the general path
    }
    const other = new tf.Graph().asDefault(() => tf.placeholder('float32', [], 'a'));
    expect(thrown(() => sess.run(y, [[a, 1], [b]] as never))).toBeInstanceOf(TypeError);
    const e = thrown(() => sess.run(y, new Map<tf.Tensor | string, number>([[other, 1], [b, 1]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/not an element of this graph/);
    // a missing feed is still the placeholder's error
    const m = thrown(() => sess.run(y, new Map([[a, 1]])));
    expect(m).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(m.message).toMatch(/You must feed a value for placeholder tensor 'b'/);
    sess.close();
  });

  it('fetching a fed scalar returns the converted feed; makeCallable takes scalar arguments', () => {
    const { g, x, y } = scalarGraph('float32');
    const sess = new tf.Session({ graph: g });
    for (let i = 0; i < 3; i++) {
      const [xv, yv] = sess.run([x, y], new Map([[x, 0.1]]));
      expect(xv.data[0]).toBe(Math.fround(0.1));
      expect(yv.data[0]).toBe(Math.fround(0.1));
      expect(sess.run(x, new Map([[x, 0.1 * i]])).item()).toBe(Math.fround(0.1 * i));
    }
    const f = sess.makeCallable(y, [x]);
    for (const v of [1, 2.5, -3]) expect(f(v).item()).toBe(v);
    const fi = (() => { const s = scalarGraph('int32'); const ss = new tf.Session({ graph: s.g }); return ss.makeCallable(s.y, [s.x]); })();
    expect(fi(4).item()).toBe(4);
    expect(thrown(() => fi(4.5))).toBeInstanceOf(tf.errors.InvalidArgumentError);
    sess.close();
  });
});

/** Per dtype: a placeholder of shape s and a computation on it with its closed form. */
function valueGraph(d: tf.DType, shape: number[]) {
  const g = new tf.Graph();
  const { x, y } = g.asDefault(() => {
    const x = tf.placeholder(d, shape, 'x');
    switch (d) {
      case 'bool': return { x, y: tf.logicalNot(x) };
      case 'uint8': return { x, y: tf.identity(x) };
      case 'int64': return { x, y: tf.add(x, tf.constant(BigInt(5), 'int64')) };
      default: return { x, y: tf.multiply(x, tf.constant(3, d)) };
    }
  });
  const n = shape.reduce((a, b) => a * b, 1);
  const input = (k: number): tf.NDArray => {
    const A = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array, int64: BigInt64Array }[d];
    const data = new A(n);
    for (let i = 0; i < n; i++) (data as unknown as (number | bigint)[])[i] = d === 'int64' ? BigInt(i * 7 - k) : d === 'bool' ? (i + k) % 2 : d === 'uint8' ? (i * 13 + k) % 256 : (i - k) * 0.5 + (d === 'int32' ? 0.5 * ((i - k) % 2 === 0 ? 0 : 1) : 0);
    return tf.ndarray(d === 'int32' ? Int32Array.from(data as Float64Array, (v) => Math.round(v)) : data, shape, d);
  };
  const expected = (inp: tf.NDArray): (number | bigint | boolean)[] => Array.from(inp.data as ArrayLike<number | bigint>, (v) => {
    switch (d) {
      case 'bool': return v === 0 ? 1 : 0;
      case 'uint8': return v;
      case 'int64': return (v as bigint) + 5n;
      case 'float32': return Math.fround((v as number) * 3);
      default: return (v as number) * 3;
    }
  });
  return { g, x, y, input, expected };
}

describe('serving path: fetched values through the io block and as buffers', () => {
  const shapes = [[], [0], [1], [64], [65], [2, 0, 3], [4, 4, 4], [31, 33]];
  for (const d of ['float32', 'float64', 'int32', 'uint8', 'bool', 'int64'] as tf.DType[]) {
    it(`${d}: every size and shape, cold and warm, sync and async, equal the closed form`, async () => {
      for (const shape of shapes) {
        const { g, x, y, input, expected } = valueGraph(d, shape);
        const sess = new tf.Session({ graph: g });
        for (let k = 0; k < 3; k++) {
          const inp = input(k);
          for (const r of [sess.run(y, new Map([[x, inp]])), await sess.runAsync(y, new Map([[x, inp]]))]) {
            expect(r.dtype).toBe(d);
            expect(r.shape).toEqual(shape);
            expect(Array.from(r.data as ArrayLike<number | bigint>)).toEqual(expected(inp));
          }
        }
        sess.close();
      }
    });
  }

  it('a flat fetch list (a new literal each run, or one array changed between runs) finds its own spec', () => {
    const g = new tf.Graph();
    const { x, a, b, c, noop } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      return { x, a: tf.add(x, 1), b: tf.multiply(x, 2), c: tf.subtract(x, 3), noop: tf.noOp() };
    });
    const sess = new tf.Session({ graph: g });
    const list: (tf.Tensor | tf.Operation)[] = [a, b];
    for (let i = 0; i < 4; i++) {
      const [av, bv, n] = sess.run([a, b, noop], new Map([[x, i]]));
      expect([av.item(), bv.item(), n]).toEqual([i + 1, 2 * i, null]);
      expect(sess.run([b, a], [[x, i]]).map((v: tf.NDArray) => v.item())).toEqual([2 * i, i + 1]);
      expect(sess.run([a, a, c], [[x, i]]).map((v: tf.NDArray) => v.item())).toEqual([i + 1, i + 1, i - 3]);
      list[1] = i % 2 ? c : b;  // the same array, other contents
      expect(sess.run(list, [[x, i]]).map((v: tf.NDArray) => v.item())).toEqual([i + 1, i % 2 ? i - 3 : 2 * i]);
      expect(sess.run([x, a], [[x, i]]).map((v: tf.NDArray) => v.item())).toEqual([i, i + 1]);  // a fed tensor fetched
    }
    sess.close();
  });

  it('a structure of fetches (list and object) from a warm signature', () => {
    const g = new tf.Graph();
    const { x, a, b } = g.asDefault(() => { const x = tf.placeholder('float32', [], 'x'); return { x, a: tf.add(x, 1), b: tf.multiply(x, tf.fill([70], 2)) }; });
    const sess = new tf.Session({ graph: g });
    const fetches = [a, b];
    for (let i = 0; i < 3; i++) {
      const [av, bv] = sess.run(fetches, new Map([[x, i]]));
      expect(av.item()).toBe(i + 1);
      expect(Array.from(bv.data)).toEqual(new Array(70).fill(2 * i));
      const o = sess.run({ p: a, q: [a, 'Add:0'] }, new Map([[x, i]]));
      expect(o.p.item()).toBe(i + 1);
      expect(o.q.map((v: tf.NDArray) => v.item())).toEqual([i + 1, i + 1]);
    }
    sess.close();
  });
});

describe('serving path: beyond the io block', () => {
  it('a callable whose small outputs together exceed the io block returns them all', () => {
    const g = new tf.Graph();
    const { x, ys } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      return { x, ys: Array.from({ length: 80 }, (_, i) => tf.multiply(tf.fill([64], i), x)) };
    });
    const sess = new tf.Session({ graph: g });
    const f = sess.makeCallable(ys, [x]);
    for (const v of [1, 2]) {
      const out = f(v) as tf.NDArray[];
      expect(out.length).toBe(80);
      out.forEach((o, i) => expect(Array.from(o.data)).toEqual(new Array(64).fill(i * v)));
    }
    sess.close();
  });

  it('more scalar feeds than the io block holds take the general path', () => {
    const g = new tf.Graph();
    const { ps, y } = g.asDefault(() => {
      const ps = Array.from({ length: 1100 }, (_, i) => tf.placeholder('float32', [], `p${i}`));
      return { ps, y: tf.add(ps[0], ps[1099]) };
    });
    const sess = new tf.Session({ graph: g });
    const f = sess.makeCallable(y, ps);
    for (const k of [1, 2]) expect(f(...ps.map((_, i) => i * k)).item()).toBe(1099 * k);
    const feeds = new Map(ps.map((p, i) => [p, i]));
    for (let k = 0; k < 2; k++) expect(sess.run(y, feeds).item()).toBe(1099);
    sess.close();
  });
});

describe('serving path: runAsync batches', () => {
  it('more runs than the io block holds in one callback settle with their own values', async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => { const x = tf.placeholder('float32', [], 'x'); return { x, y: tf.multiply(tf.fill([64], 1), x) }; });
    const sess = new tf.Session({ graph: g });
    const vals = await Promise.all(Array.from({ length: 400 }, (_, i) => sess.runAsync(y, new Map([[x, i]]))));
    vals.forEach((v, i) => {
      expect(v.shape).toEqual([64]);
      expect(Array.from(v.data)).toEqual(new Array(64).fill(i));
    });
    sess.close();
  });

  it('failing runs, traced runs and plain runs of several signatures in one batch settle each its own way', async () => {
    const g = new tf.Graph();
    const { x, p, y, z } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x'), p = tf.placeholder('float32', [], 'p');
      return { x, p, y: tf.add(x, 1), z: tf.add(x, p) };
    });
    const sess = new tf.Session({ graph: g });
    const metas: tf.RunMetadata[] = [];
    const runs = Array.from({ length: 60 }, (_, i) => {
      switch (i % 3) {
        case 0: return sess.runAsync(y, new Map([[x, i]]));
        case 1: return sess.runAsync(z, new Map([[x, i]]));  // p not fed
        default: {
          const meta = new tf.RunMetadata();
          metas.push(meta);
          return sess.runAsync(y, new Map([[x, i]]), { traceLevel: tf.RunOptions.FULL_TRACE }, meta);
        }
      }
    });
    const res = await Promise.allSettled(runs);
    res.forEach((r, i) => {
      if (i % 3 === 1) {
        expect(r.status).toBe('rejected');
        const e = (r as PromiseRejectedResult).reason as Error;
        expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
        expect(e.message).toMatch(/You must feed a value for placeholder tensor 'p'/);
      } else {
        expect(r.status).toBe('fulfilled');
        expect(((r as PromiseFulfilledResult<tf.NDArray>).value).item()).toBe(i + 1);
      }
    });
    for (const m of metas) expect(m.stepStats.devStats[0].nodeStats.map((n) => n.nodeName)).toContain('Add');
    sess.close();
  });

  it('a run staged and then cancelled by close() in the same task rejects with CancelledError', async () => {
    const { g, x, y } = scalarGraph('float32');
    const sess = new tf.Session({ graph: g });
    expect((await sess.runAsync(y, new Map([[x, 1]]))).item()).toBe(1);
    const p = sess.runAsync(y, new Map([[x, 2]]));
    sess.close();
    await expect(p).rejects.toBeInstanceOf(tf.errors.CancelledError);
  });

  it('the feed value is read when runAsync is called (a typed array changed afterwards does not matter)', async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => { const x = tf.placeholder('float32', [3], 'x'); return { x, y: tf.multiply(x, 2) }; });
    const sess = new tf.Session({ graph: g });
    const v = Float32Array.of(1, 2, 3);
    await sess.runAsync(y, new Map([[x, v]]));
    const p = sess.runAsync(y, new Map([[x, v]]));
    v.fill(100);
    expect(Array.from((await p).data)).toEqual([2, 4, 6]);
    sess.close();
  });
});
