// sess.run fetch forms and fetch errors (API.md "Sessions"; TF1-SEMANTICS §1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const items = (x: unknown): unknown => {
  if (x instanceof tf.NDArray) return x.toArray();
  if (Array.isArray(x)) return x.map(items);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, items(v)]));
  return x;
};

describe('fetch forms', () => {
  let sess: tf.Session;
  let a: tf.Tensor, b: tf.Tensor, c: tf.Tensor;
  beforeEach(() => {
    tf.resetDefaultGraph();
    a = tf.constant(Float32Array.from([1, 2]), null, null, { name: 'a' });
    b = tf.constant(3, null, null, { name: 'b' });
    c = tf.multiply(a, b, { name: 'c' });
    sess = new tf.Session();
  });
  afterEach(() => sess.close());

  it('a Tensor fetches an NDArray with dtype, shape and data', () => {
    const v = sess.run(c);
    expect(v).toBeInstanceOf(tf.NDArray);
    expect(v.dtype).toBe('float32');
    expect(v.shape).toEqual([2]);
    expect(Array.from(v.data)).toEqual([3, 6]);
  });

  it('a rank-0 tensor fetches a rank-0 NDArray', () => {
    const v = sess.run(b);
    expect(v.shape).toEqual([]);
    expect(v.item()).toBe(3);
  });

  it('an Operation fetches null (and runs)', () => {
    expect(sess.run(c.op)).toBeNull();
    const g = tf.group(c);
    expect(sess.run(g)).toBeNull();
    expect(sess.run([c.op, c]).map((x: unknown) => items(x))).toEqual([null, [3, 6]]);
  });

  it("a tensor name 'c:0' fetches the tensor's value", () => {
    expect(items(sess.run('c:0'))).toEqual([3, 6]);
  });

  it("an op name 'c' fetches null (the operation is run as a target)", () => {
    // NOTE: TF1-SEMANTICS marks bare op-name fetches as inferred from as_graph_element; API.md states it ("init").
    expect(sess.run('c')).toBeNull();
  });

  it('nested arrays and plain objects keep their structure', () => {
    const out = sess.run({ x: [a, { y: c, z: [b, 'c:0'] }], op: c.op, deep: [[[b]]] });
    expect(Object.keys(out)).toEqual(['x', 'op', 'deep']);
    expect(items(out)).toEqual({ x: [[1, 2], { y: [3, 6], z: [3, [3, 6]] }], op: null, deep: [[[3]]] });
  });

  it('object key order is preserved', () => {
    const out = sess.run({ z: a, a: b, m: c });
    expect(Object.keys(out)).toEqual(['z', 'a', 'm']);
  });

  it('empty containers are legal and come back empty', () => {
    expect(sess.run([])).toEqual([]);
    expect(sess.run({})).toEqual({});
    expect(sess.run([[], {}])).toEqual([[], {}]);
    expect(items(sess.run([[], a, {}]))).toEqual([[], [1, 2], {}]);
  });

  it('duplicates [a, b, a] give a value at every position, equal values', () => {
    const [x, y, z] = sess.run([a, b, a]);
    expect(items([x, y, z])).toEqual([[1, 2], 3, [1, 2]]);
    const [p, q] = sess.run([c, 'c:0']);
    expect(items(p)).toEqual(items(q));
  });

  it('a multi-element fetch is one step: duplicates of a fed tensor see the same value', () => {
    const x = tf.placeholder(tf.float32, []);
    const y = tf.add(x, 1);
    const out = sess.run([y, x, y], new Map([[x, 4]]));
    expect(items(out)).toEqual([5, 4, 5]);
  });

  it('fetching the same op both as Operation and Tensor works', () => {
    expect(items(sess.run([c.op, c, 'c']))).toEqual([null, [3, 6], null]);
  });
});

describe('fetch errors', () => {
  let sess: tf.Session;
  let c: tf.Tensor;
  beforeEach(() => {
    tf.resetDefaultGraph();
    c = tf.add(tf.constant(1), tf.constant(2), { name: 'c' });
    sess = new tf.Session();
  });
  afterEach(() => sess.close());

  it('null / undefined anywhere in the fetches is a TypeError', () => {
    expect(() => sess.run(null)).toThrow(TypeError);
    expect(() => sess.run(undefined)).toThrow(TypeError);
    expect(() => sess.run([c, null])).toThrow(TypeError);
    expect(() => sess.run({ b: null })).toThrow(TypeError);
    expect(() => sess.run(null)).toThrow(/Fetch argument null has invalid type/);
  });

  it('non-convertible fetches (number, boolean, class instance, function) are TypeErrors', () => {
    for (const f of [5, true, new Date(), () => c, Symbol('x'), 5n]) {
      expect(() => sess.run(f), String(typeof f)).toThrow(TypeError);
    }
    expect(() => sess.run(5)).toThrow(/Fetch argument 5 has invalid type/);
  });

  it('an unknown tensor name is an InvalidArgumentError naming it', () => {
    let err: unknown;
    try { sess.run('foo:0'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect((err as Error).message).toContain("The name 'foo:0' refers to a Tensor which does not exist. The operation, 'foo', does not exist in the graph.");
  });

  it('an unknown op name, an out-of-range output index and a malformed name are InvalidArgumentErrors', () => {
    expect(() => sess.run('foo')).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run('foo')).toThrow(/The name 'foo' refers to an Operation not in the graph/);
    expect(() => sess.run('c:5')).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run('c:5')).toThrow(/exists but only has 1 outputs/);
    expect(() => sess.run('a:b:c')).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run([c, { x: 'nope:0' }])).toThrow(tf.errors.InvalidArgumentError);
  });

  it('a tensor or op from another graph is an InvalidArgumentError saying it is not an element of this graph', () => {
    const g2 = new tf.Graph();
    const other = g2.asDefault(() => tf.constant(1, null, null, { name: 'other' }));
    let err: unknown;
    try { sess.run(other); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect((err as Error).message).toMatch(/other:0/);
    expect((err as Error).message).toMatch(/is not an element of this graph/);
    expect(() => sess.run(other.op)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(other.op)).toThrow(/is not an element of this graph/);
  });

  it('a failed fetch resolution does not break the session', () => {
    expect(() => sess.run('zzz:0')).toThrow();
    expect(sess.run(c).item()).toBe(3);
  });
});
