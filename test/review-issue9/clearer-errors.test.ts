// Issue 9, "clearer errors": feed problems name the feed and are tf.errors classes; unknown
// option keys are TypeErrors naming the key and the accepted ones; TF-style inspection.
import { inspect } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

beforeEach(() => tf.resetDefaultGraph());

describe('feed values', () => {
  it('conversion errors name the feed and quote strings', () => {
    const x = tf.placeholder('int32', [null], 'x');
    const sess = new tf.Session();
    const y = tf.add(x, 1);
    expect(() => sess.run(y, [[x, [1.5]]])).toThrow("Cannot convert 1.5 to int32 for feed 'x:0'");
    expect(() => sess.run(y, [[x, ['a']]])).toThrow(/'a' of type string.*feed 'x:0'/);
    sess.close();
  });

  it('a typed array on a SharedArrayBuffer is accepted (copied)', () => {
    const f = tf.placeholder('float32', [null], 'f');
    const data = new Float32Array(new SharedArrayBuffer(4 * 40)).fill(2);
    const sess = new tf.Session();
    expect(sess.run(tf.reduceSum(f), [[f, data]]).item()).toBe(80);
    sess.close();
  });

  it('rank above 16, a mutated NDArray shape and a detached buffer are InvalidArgumentError naming the feed', () => {
    const u = tf.placeholder('float32', null, 'u');
    const y = tf.identity(u);
    const sess = new tf.Session();
    const rank17 = tf.ndarray(new Float32Array(1), new Array(17).fill(1));
    expect(() => sess.run(y, [[u, rank17]])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(y, [[u, rank17]])).toThrow(/'u:0'.*maximum rank is 16/);
    const nd = tf.ndarray(new Float32Array(4), [4]);
    nd.shape.push(2);
    expect(() => sess.run(y, [[u, nd]])).toThrow(/'u:0'.*\[4,2\] does not match its 4 elements/);
    const buf = new ArrayBuffer(64);
    const fa = new Float32Array(buf);
    structuredClone(buf, { transfer: [buf] });
    expect(() => sess.run(y, [[u, fa]])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(y, [[u, fa]])).toThrow(/'u:0'.*detached/);
    return expect(sess.runAsync(y, [[u, fa]])).rejects.toThrow(/detached/).finally(() => sess.close());
  });
});

describe('unknown option keys', () => {
  it('RunOptions and Session options name the unknown key and the accepted ones', () => {
    expect(() => new tf.RunOptions({ tracelevel: 3 } as never)).toThrow(TypeError);
    expect(() => new tf.RunOptions({ tracelevel: 3 } as never)).toThrow(/'tracelevel'.*traceLevel/);
    expect(() => new tf.RunOptions({ timeoutMs: 3 } as never)).toThrow(/'timeoutMs'.*timeoutInMs/);
    expect(() => new tf.Session({ confg: {} } as never)).toThrow(/'confg'.*config/);
    expect(() => new tf.Session({ config: { intraOpThreads: 1 } } as never)).toThrow(/'intraOpThreads'.*intraOpParallelismThreads/);
  });
});

describe('inspection', () => {
  it('Tensor, Operation, Graph and Session print like TF reprs', () => {
    const g = new tf.Graph();
    const [a, b] = g.asDefault(() => { const a = tf.placeholder('float32', [null, 3], 'a'); return [a, tf.add(a, 1)]; });
    expect(inspect(b)).toBe("<tf.Tensor 'Add:0' shape=(None, 3) dtype=float32>");
    expect(inspect(a.op)).toBe("<tf.Operation 'a' type=Placeholder>");
    expect(inspect(tf.constant(1))).toMatch(/^<tf.Tensor 'Const(_\d+)?:0' shape=\(\) dtype=float32>$/);
    expect(inspect(g)).toBe('<tf.Graph with 3 ops>');
    const sess = new tf.Session({ graph: g });
    expect(inspect(sess)).toBe('<tf.Session (open) graph with 3 ops>');
    sess.close();
    expect(inspect(sess)).toBe('<tf.Session (closed) graph with 3 ops>');
  });
});

describe('asDefault across await (AsyncLocalStorage)', () => {
  it('an async callback keeps its default graph and session after awaits; concurrent scopes do not leak', async () => {
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const g1 = new tf.Graph(), g2 = new tf.Graph();
    const c1 = g1.asDefault(() => tf.constant(1));
    const c2 = g2.asDefault(() => tf.constant(2));
    const s1 = new tf.Session({ graph: g1 }), s2 = new tf.Session({ graph: g2 });
    const task = (g: tf.Graph, s: tf.Session, c: tf.Tensor) => g.asDefault(() => s.asDefault(async () => {
      await tick();
      expect(tf.getDefaultGraph()).toBe(g);
      const v = c.eval();
      await tick();
      const d = tf.add(c, 10);  // built in the scoped default graph
      expect(d.graph).toBe(g);
      return [v.item(), d.eval().item()];
    }));
    const [a, b] = await Promise.all([task(g1, s1, c1), task(g2, s2, c2)]);
    expect(a).toEqual([1, 11]);
    expect(b).toEqual([2, 12]);
    expect(tf.getDefaultGraph()).not.toBe(g1);
    s1.close(); s2.close();
  });
});

describe('strides and dilations beyond the supported limit fail at build time', () => {
  it('every windowed builder names the argument and the limit (2^20); the limit itself builds and runs', () => {
    const x = tf.constant(new Float32Array(16).fill(1), 'float32', [1, 4, 4, 1]);
    const w = tf.constant(new Float32Array(4).fill(1), 'float32', [2, 2, 1, 1]);
    const big = 2 ** 20 + 1;
    const cases: [string, () => unknown][] = [
      ['strides', () => tf.nn.conv2d(x, w, big, 'SAME')],
      ['dilations', () => tf.nn.conv2d(x, w, 1, 'SAME', { dilations: [1, big, 1, 1] })],
      ['strides', () => tf.nn.conv2d(x, w, [1, big, 1, 1], [[0, 0], [1, 1], [1, 1], [0, 0]])],
      ['strides', () => tf.nn.maxPool(x, 2, big, 'VALID')],
      ['strides', () => tf.nn.avgPool(x, 2, [big, 1], 'VALID')],
      ['strides', () => tf.nn.depthwiseConv2d(x, w, [1, big, big, 1], 'VALID')],
      ['dilation_rate', () => tf.nn.depthwiseConv2d(x, w, [1, 1, 1, 1], 'VALID', { rate: [big, 1] })],
      ['strides', () => tf.nn.conv2dTranspose(x, w, [1, 8, 8, 1], big, 'SAME')],
      ['dilations', () => tf.nn.conv2dTranspose(x, w, [1, 5, 5, 1], 1, 'VALID', { dilations: big })],
    ];
    for (const [what, build] of cases) {
      expect(build).toThrow(tf.errors.InvalidArgumentError);
      expect(build).toThrow(new RegExp(`^${what} .* exceed the supported limit of 1048576 \\(2\\^20\\)$`));
    }
    const y = tf.nn.conv2d(x, w, 2 ** 20, 'SAME');
    expect(y.shape).toEqual([1, 1, 1, 1]);
    const sess = new tf.Session();
    expect(Array.from(sess.run(y).data as Float32Array)).toEqual([4]);
    sess.close();
  });
});
