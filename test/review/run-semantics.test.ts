// Review: runAsync, fetch/feed TF1 corner cases (API.md "Sessions"; TF1-SEMANTICS §1, §2).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { rejected, sessions, thrown } from './helpers';

const S = sessions();
beforeEach(() => tf.resetDefaultGraph());
afterEach(() => S.closeAll());

describe('review: runAsync reads the feeds during the call', () => {
  // API.md: "It reads (copies or pins) the feed values during the call, so changing a typed
  // array after runAsync returns does not affect that run." A fetched fed tensor is part of that run.
  it('fetching a fed tensor with runAsync: mutating the typed array after the call does not change the result', async () => {
    const x = tf.placeholder(tf.float32, [3], 'x');
    const y = tf.multiply(x, 2);
    const sess = S.open();
    const buf = new Float32Array([1, 2, 3]);
    const p = sess.runAsync([x, y], new Map([[x, buf]]));
    buf.fill(100);
    const [xv, yv] = await p;
    expect(Array.from(yv.data)).toEqual([2, 4, 6]);
    expect(Array.from(xv.data)).toEqual([1, 2, 3]);
  });

  it('the same with an NDArray feed value', async () => {
    const x = tf.placeholder(tf.float32, [2, 2], 'x');
    const sess = S.open();
    const data = new Float32Array([1, 2, 3, 4]);
    const p = sess.runAsync(x, [[x, tf.ndarray(data, [2, 2])]]);
    data.fill(0);
    expect((await p).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  // ---- passing contract points ----
  it('runAsync rejects (never throws) for an invalid interOpThreadPool, with InvalidArgumentError', async () => {
    const sess = S.open();
    const c = tf.constant(1);
    let p: Promise<unknown> | undefined;
    expect(() => { p = sess.runAsync(c, undefined, new tf.RunOptions({ interOpThreadPool: 7 })); }).not.toThrow();
    expect(await rejected(p!)).toBeInstanceOf(tf.errors.InvalidArgumentError);
  });

  it('runAsync of empty containers and of an Operation resolves like run', async () => {
    tf.constant(1);
    const n = tf.noOp();
    const sess = S.open();
    expect(await sess.runAsync([[], {}])).toEqual([[], {}]);
    expect(await sess.runAsync(n)).toBeNull();
    expect(await sess.runAsync({ a: [n] })).toEqual({ a: [null] });
  });

  it('runAsync rejects a missing placeholder with InvalidArgumentError containing the TF text', async () => {
    const p = tf.placeholder(tf.float32, [10, 10], 'p');
    const sess = S.open();
    const e = await rejected(sess.runAsync(tf.add(p, 1)));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("You must feed a value for placeholder tensor 'p' with dtype float and shape [10,10]");
  });
});

describe('review: TF1 fetch corner cases (passing)', () => {
  it('empty fetch containers on a non-empty graph do not call the runtime (no plan is built)', () => {
    tf.constant(1);
    const sess = S.open();
    const before = sess._info().plans;
    expect(sess.run([[], {}, []])).toEqual([[], {}, []]);
    expect(sess._info().plans).toBe(before);
  });

  it('closed is checked before empty-graph, both plain Errors (TF _run order)', () => {
    const g = new tf.Graph();
    const sess = S.open({ graph: g });
    expect(thrown(() => sess.run([])).message).toBe('The Session graph is empty.  Add operations to the graph before calling run().');
    sess.close();
    const e = thrown(() => sess.run([]));
    expect(e.message).toBe('Attempted to use a closed Session.');
    expect(e).not.toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(tf.errors.OpError);
  });

  it('a tensor, its name and its op in one fetch: [42, 42, null] (TF testFetchList)', () => {
    const a = tf.constant(42, null, null, 'a');
    const sess = S.open();
    const r = sess.run([a, 'a:0', a.op, 'a']);
    expect(r[0].item()).toBe(42);
    expect(r[1].item()).toBe(42);
    expect(r[2]).toBeNull();
    expect(r[3]).toBeNull();
  });

  it('fetching a fed tensor by name returns the fed value converted to its dtype', () => {
    const x = tf.placeholder(tf.int32, [2], 'x');
    const sess = S.open();
    const v = sess.run('x:0', [['x:0', new Float64Array([1, 2])]]);
    expect(v.dtype).toBe('int32');
    expect(v.data).toBeInstanceOf(Int32Array);
    expect(Array.from(v.data)).toEqual([1, 2]);
    expect(sess.run(x, [[x, [3, 4]]]).toArray()).toEqual([3, 4]);
  });

  it('an Operation as feed key is a TypeError "Cannot interpret feed_dict key as Tensor"', () => {
    const p = tf.placeholder(tf.float32, [], 'q');
    const sess = S.open();
    const e = thrown(() => sess.run(p, [[p.op as never, 1]]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('Cannot interpret feed_dict key as Tensor');
  });

  it('an Operation as feed value is a TypeError too', () => {
    const p = tf.placeholder(tf.float32, [], 'q');
    const sess = S.open();
    expect(thrown(() => sess.run(p, [[p, tf.noOp() as never]]))).toBeInstanceOf(TypeError);
  });

  it('int64 results: BigInt64Array data, bigint item() and toArray()', () => {
    const sess = S.open();
    const v = sess.run(tf.add(tf.constant([1n, 2n]), 3));
    expect(v.dtype).toBe('int64');
    expect(v.data).toBeInstanceOf(BigInt64Array);
    expect(v.toArray()).toEqual([4n, 5n]);
    expect(sess.run(tf.constant(9007199254740993n)).item()).toBe(9007199254740993n);
  });

  it('a flat typed array into a scalar placeholder takes shape []', () => {
    const p = tf.placeholder(tf.float32, [], 'p');
    const sess = S.open();
    const v = sess.run(p, [[p, new Float32Array([2.5])]]);
    expect(v.shape).toEqual([]);
    expect(v.item()).toBe(2.5);
  });
});
