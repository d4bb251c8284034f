// Graph building: TF1 op names and types, uniquification, name scopes, control dependencies,
// Tensor properties and static shapes, constant dtype rules, NDArray (API.md; TF1-SEMANTICS §4.3, §4.4).
import { beforeEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as tf from 'tensorloom';

beforeEach(() => tf.resetDefaultGraph());

const names = () => tf.getDefaultGraph().getOperations().map((o) => o.name);

describe('default op names and types', () => {
  it('TF1 types and default names', () => {
    const a = tf.constant(Float32Array.from([1, 2]));
    const m = tf.constant(Float32Array.from([1, 2, 3, 4]), null, [2, 2]);
    const p = tf.placeholder(tf.float32, [2]);
    const cases: [tf.Tensor | tf.Operation, string, string][] = [
      [a, 'Const', 'Const'],
      [p, 'Placeholder', 'Placeholder'],
      [tf.add(a, p), 'Add', 'Add'],
      [tf.subtract(a, p), 'Sub', 'Sub'],
      [tf.multiply(a, p), 'Mul', 'Mul'],
      [tf.maximum(a, p), 'Maximum', 'Maximum'],
      [tf.minimum(a, p), 'Minimum', 'Minimum'],
      [tf.matmul(m, m), 'MatMul', 'MatMul'],
      [tf.negative(a), 'Neg', 'Neg'],
      [tf.exp(a), 'Exp', 'Exp'],
      [tf.nn.relu(a), 'Relu', 'Relu'],
      [tf.nn.softmax(a), 'Softmax', 'Softmax'],
      [tf.reduceSum(m), 'Sum', 'Sum'],
      [tf.reduceMean(m), 'Mean', 'Mean'],
      [tf.reduceMax(m), 'Max', 'Max'],
      [tf.reshape(m, [4]), 'Reshape', 'Reshape'],
      [tf.cast(a, tf.int32), 'Cast', 'Cast'],
      [tf.identity(a), 'Identity', 'Identity'],
      [tf.noOp(), 'NoOp', 'NoOp'],
      [tf.placeholderWithDefault(a, [2]), 'PlaceholderWithDefault', 'PlaceholderWithDefault'],
    ];
    for (const [t, type, name] of cases) {
      const op = t instanceof tf.Tensor ? t.op : t;
      expect(op.type, name).toBe(type);
      expect(op.name, type).toBe(name);
    }
  });

  it('tf.divide is a RealDiv named truediv (TF1 `x / y`)', () => {
    // NOTE: API.md lists tf.divide but not its node name; TF1 names it "truediv".
    const d = tf.divide(tf.constant(1), tf.constant(2));
    expect(d.op.type).toBe('RealDiv');
    expect(d.op.name).toBe('truediv');
  });

  it('repeated ops are uniquified Add, Add_1, Add_2', () => {
    const a = tf.constant(1);
    expect([tf.add(a, a), tf.add(a, a), tf.add(a, a)].map((t) => t.op.name)).toEqual(['Add', 'Add_1', 'Add_2']);
    expect([tf.constant(1), tf.constant(2)].map((t) => t.op.name)).toEqual(['Const_1', 'Const_2']);
  });

  it('explicit names via { name } and uniquification of explicit names', () => {
    const a = tf.constant(1, null, null, { name: 'a' });
    expect(a.op.name).toBe('a');
    expect(tf.constant(1, null, null, { name: 'a' }).op.name).toBe('a_1');
    expect(tf.matmul(tf.constant([[1]]), tf.constant([[2]]), { name: 'logits' }).op.name).toBe('logits');
    expect(tf.placeholder(tf.float32, [], 'x').op.name).toBe('x');
    expect(tf.add(a, a, { name: 'sum' }).name).toBe('sum:0');
  });

  it("names are compared case-insensitively: 'foo' then 'Foo' → 'Foo_1'", () => {
    tf.constant(1, null, null, { name: 'foo' });
    expect(tf.constant(1, null, null, { name: 'Foo' }).op.name).toBe('Foo_1');
    expect(tf.constant(1, null, null, { name: 'FOO' }).op.name).toBe('FOO_2');
  });

  it("out of order: 'foo_2' first, then 'foo', 'foo_1', 'foo_3'", () => {
    tf.constant(1, null, null, { name: 'foo_2' });
    const got = [1, 2, 3].map(() => tf.constant(1, null, null, { name: 'foo' }).op.name);
    expect(got).toEqual(['foo', 'foo_1', 'foo_3']);
  });

  it("TF NameStackTest: foo, foo_1, foo_2, then 'foo_1' → 'foo_1_1'", () => {
    for (let i = 0; i < 3; i++) tf.constant(1, null, null, { name: 'foo' });
    expect(tf.constant(1, null, null, { name: 'foo_1' }).op.name).toBe('foo_1_1');
    expect(tf.constant(1, null, null, { name: 'foo_1' }).op.name).toBe('foo_1_2');
  });

  it('names are unique per graph: another graph starts again at Add', () => {
    const a = tf.constant(1);
    tf.add(a, a);
    const g = new tf.Graph();
    const t = g.asDefault(() => { const b = tf.constant(1); return tf.add(b, b); });
    expect(t.op.name).toBe('Add');
    expect(t.graph).toBe(g);
  });

  it('an invalid op name (with a colon) is rejected', () => {
    expect(() => tf.constant(1, null, null, { name: 'a:0' })).toThrow();
  });
});

describe('nameScope', () => {
  it("prefixes names: 'layer1/MatMul'; second 'layer1' → 'layer1_1/...'", () => {
    const x = tf.placeholder(tf.float32, [null, 2], 'x');
    const w = tf.constant([[1], [2]], null, null, { name: 'w' });
    const y1 = tf.nameScope('layer1', () => tf.matmul(x, w));
    const y2 = tf.nameScope('layer1', () => tf.matmul(x, w));
    expect(y1.op.name).toBe('layer1/MatMul');
    expect(y2.op.name).toBe('layer1_1/MatMul');
    expect(y1.name).toBe('layer1/MatMul:0');
  });

  it('nesting, the callback gets "scope/", returns the callback result', () => {
    const r = tf.nameScope('a', (s1) => tf.nameScope('b', (s2) => {
      expect(s1).toBe('a/');
      expect(s2).toBe('a/b/');
      return tf.constant(1, null, null, { name: 'c' });
    }));
    expect(r.op.name).toBe('a/b/c');
  });

  it("re-entering an absolute scope 'a/' reuses it without uniquifying", () => {
    tf.nameScope('a', () => tf.constant(1));
    const t = tf.nameScope('b', () => tf.nameScope('a/', (s) => { expect(s).toBe('a/'); return tf.constant(1); }));
    expect(t.op.name).toBe('a/Const_1');
    expect(names()).toEqual(['a/Const', 'a/Const_1']);
  });

  it('a scope name collides case-insensitively (bar then Bar → Bar_1/foo)', () => {
    tf.nameScope('bar', () => tf.constant(1, null, null, { name: 'foo' }));
    expect(tf.nameScope('Bar', () => tf.constant(1, null, null, { name: 'foo' })).op.name).toBe('Bar_1/foo');
  });

  it('TF NameStackTest scopes: bar/baz/foo, second baz → bar/baz_1/foo, re-entering bar → bar_1/baz/foo, then bar_2', () => {
    const f = () => tf.constant(1, null, null, { name: 'foo' }).op.name;
    tf.nameScope('bar', () => {
      expect(f()).toBe('bar/foo');
      expect(tf.nameScope('baz', f)).toBe('bar/baz/foo');
      expect(tf.nameScope('baz', f)).toBe('bar/baz_1/foo');
    });
    expect(tf.nameScope('bar', () => tf.nameScope('baz', f))).toBe('bar_1/baz/foo');
    expect(tf.constant(1, null, null, { name: 'bar' }).op.name).toBe('bar_2');
  });

  it("an empty scope name ('' or null) resets to the root", () => {
    const t = tf.nameScope('outer', () => tf.nameScope(null, () => tf.constant(1, null, null, { name: 'rooted' })));
    expect(t.op.name).toBe('rooted');
    const u = tf.nameScope('outer2', () => tf.nameScope('', () => tf.constant(1, null, null, { name: 'rooted2' })));
    expect(u.op.name).toBe('rooted2');
  });

  it('an invalid root scope name is rejected', () => {
    expect(() => tf.nameScope('_bar', () => 0)).toThrow();
    expect(() => tf.nameScope('foo:0', () => 0)).toThrow();
    expect(tf.nameScope('foo', () => tf.nameScope('_bar', (s) => s))).toBe('foo/_bar/');
  });

  it('the scope is restored when the callback throws', () => {
    expect(() => tf.nameScope('s', () => { throw new Error('x'); })).toThrow('x');
    expect(tf.constant(1).op.name).toBe('Const');
  });
});

describe('controlDependencies, group, identity, noOp', () => {
  it('ops built inside get controlInputs on the given ops (tensors converted to their ops)', () => {
    const a = tf.constant(1, null, null, { name: 'a' });
    const n = tf.noOp({ name: 'n' });
    const before = tf.constant(2, null, null, { name: 'before' });
    const [c, d] = tf.controlDependencies([a, n], () => [tf.constant(5, null, null, { name: 'c' }), tf.add(before, before, { name: 'd' })]);
    expect(c.op.controlInputs.map((o) => o.name).sort()).toEqual(['a', 'n']);
    expect(d.op.controlInputs.map((o) => o.name).sort()).toEqual(['a', 'n']);
    expect(before.op.controlInputs).toEqual([]);   // merely using a tensor inside adds nothing to it
    expect(tf.constant(3).op.controlInputs).toEqual([]);  // outside the block
  });

  it('nested contexts take the union; null clears', () => {
    const a = tf.constant(1, null, null, { name: 'a' });
    const b = tf.constant(2, null, null, { name: 'b' });
    tf.controlDependencies([a], () => {
      const inner = tf.controlDependencies([b, a], () => tf.constant(0, null, null, { name: 'inner' }));
      expect(inner.op.controlInputs.map((o) => o.name).sort()).toEqual(['a', 'b']);
      const cleared = tf.controlDependencies(null, () => tf.constant(0, null, null, { name: 'cleared' }));
      expect(cleared.op.controlInputs).toEqual([]);
    });
  });

  it('returns the callback value; a non op/tensor control input is a TypeError', () => {
    expect(tf.controlDependencies([], () => 42)).toBe(42);
    expect(() => tf.controlDependencies([5 as never], () => 0)).toThrow(TypeError);
  });

  it('group: a NoOp named group_deps with control inputs on all inputs; fetches as null', () => {
    const a = tf.constant(1), b = tf.add(a, a), n = tf.noOp();
    const g = tf.group(a, b, n);
    expect(g).toBeInstanceOf(tf.Operation);
    expect(g.type).toBe('NoOp');
    expect(g.name).toBe('group_deps');
    expect(g.outputs).toEqual([]);
    expect(g.controlInputs.map((o) => o.name).sort()).toEqual(['Add', 'Const', 'NoOp']);
    expect(tf.group(a, { name: 'train' }).name).toBe('train');
    expect(tf.group(a).name).toBe('group_deps_1');
    const sess = new tf.Session();
    try { expect(sess.run(g)).toBeNull(); } finally { sess.close(); }
  });

  it('identity passes the value through; noOp has no outputs', () => {
    const a = tf.constant(Int32Array.from([3, 4]));
    const i = tf.identity(a);
    expect(i.dtype).toBe('int32');
    expect(i.shape).toEqual([2]);
    expect(i.op.inputs[0]).toBe(a);
    const n = tf.noOp();
    expect(n.outputs).toEqual([]);
    const sess = new tf.Session();
    try {
      expect(sess.run(i).toArray()).toEqual([3, 4]);
      expect(sess.run(n)).toBeNull();
    } finally { sess.close(); }
  });
});

describe('Tensor and Operation properties', () => {
  it('.name, .op, .dtype, .shape, .graph, .valueIndex, op.inputs/outputs', () => {
    const a = tf.constant(Float32Array.from([1, 2, 3]));
    const b = tf.placeholder(tf.float32, [2, 3]);
    const c = tf.add(b, a);
    expect(c.name).toBe('Add:0');
    expect(c.op).toBeInstanceOf(tf.Operation);
    expect(c.op.type).toBe('Add');
    expect(c.op.outputs).toEqual([c]);
    expect(c.op.outputs[0]).toBe(c);
    expect(c.op.inputs).toEqual([b, a]);
    expect(c.op.graph).toBe(tf.getDefaultGraph());
    expect(c.dtype).toBe('float32');
    expect(c.shape).toEqual([2, 3]);
    expect(c.graph).toBe(tf.getDefaultGraph());
    expect(c.valueIndex).toBe(0);
    expect(c.op.controlInputs).toEqual([]);
  });

  it('static shape inference with null dims and unknown rank', () => {
    const x = tf.placeholder(tf.float32, [null, 3]);
    const u = tf.placeholder(tf.float32);
    const v = tf.constant(Float32Array.from([1, 2, 3]));
    expect(x.shape).toEqual([null, 3]);
    expect(u.shape).toBeNull();
    expect(tf.add(x, v).shape).toEqual([null, 3]);
    expect(tf.add(u, v).shape).toBeNull();
    expect(tf.add(x, tf.placeholder(tf.float32, [5, 1])).shape).toEqual([5, 3]);
    expect(tf.matmul(x, tf.placeholder(tf.float32, [3, 7])).shape).toEqual([null, 7]);
    expect(tf.reduceSum(x, 1).shape).toEqual([null]);
    expect(tf.reduceSum(x, 0, true).shape).toEqual([1, 3]);
    expect(tf.reduceSum(v).shape).toEqual([]);
    expect(tf.reshape(x, [-1]).shape).toEqual([null]);
    expect(tf.reshape(v, [-1, 1]).shape).toEqual([3, 1]);
    expect(tf.nn.relu(x).shape).toEqual([null, 3]);
    expect(tf.cast(x, tf.int32).shape).toEqual([null, 3]);
    expect(tf.constant(5).shape).toEqual([]);
    expect(tf.constant([[1, 2, 3]]).shape).toEqual([1, 3]);
  });

  it('Tensor.toString is TF-like', () => {
    const x = tf.placeholder(tf.float32, [null, 3], 'x');
    // NOTE: exact text not in API.md; TF1 prints Tensor("x:0", shape=(?, 3), dtype=float32).
    expect(String(x)).toContain('x:0');
  });
});

describe('constant dtype rules (tfjs convention)', () => {
  it('numbers → float32, booleans → bool, bigints → int64', () => {
    expect(tf.constant(2).dtype).toBe('float32');
    expect(tf.constant(2.5).dtype).toBe('float32');
    expect(tf.constant([[1, 2], [3, 4]]).dtype).toBe('float32');
    expect(tf.constant(true).dtype).toBe('bool');
    expect(tf.constant([true, false]).dtype).toBe('bool');
    expect(tf.constant(5n).dtype).toBe('int64');
    expect(tf.constant([1n, 2n]).dtype).toBe('int64');
  });

  it('typed arrays keep their dtype; NDArray keeps its dtype; explicit dtype wins', () => {
    expect(tf.constant(new Float32Array(1)).dtype).toBe('float32');
    expect(tf.constant(new Float64Array(1)).dtype).toBe('float64');
    expect(tf.constant(new Int32Array(1)).dtype).toBe('int32');
    expect(tf.constant(new BigInt64Array(1)).dtype).toBe('int64');
    expect(tf.constant(new Uint8Array(1)).dtype).toBe('uint8');
    expect(tf.constant(tf.ndarray([1, 2], [2], 'int32')).dtype).toBe('int32');
    expect(tf.constant([1, 2], tf.int32).dtype).toBe('int32');
    expect(tf.constant([1, 2], tf.float64).dtype).toBe('float64');
  });

  it('constant values round-trip through a run with the right dtype', () => {
    const sess = new tf.Session();
    try {
      const [f, b, l, u] = sess.run([tf.constant(0.1), tf.constant([true, false]), tf.constant(2n ** 62n), tf.constant(Uint8Array.from([255]))]);
      expect(f.item()).toBe(Math.fround(0.1));
      expect(b.toArray()).toEqual([true, false]);
      expect(l.item()).toBe(2n ** 62n);
      expect(u.item()).toBe(255);
    } finally { sess.close(); }
  });

  it('constant(value, dtype, shape) fills the shape', () => {
    const sess = new tf.Session();
    try {
      expect(sess.run(tf.constant(7, tf.int32, [2, 2])).toArray()).toEqual([[7, 7], [7, 7]]);
    } finally { sess.close(); }
  });

  it('a ragged nested array is rejected', () => {
    expect(() => tf.constant([[1, 2], [3]])).toThrow();
  });
});

describe('NDArray', () => {
  it('item() for number, boolean and bigint scalars', () => {
    expect(tf.ndarray([15], []).item()).toBe(15);
    expect(tf.ndarray(Float32Array.from([1.5]), []).item()).toBe(1.5);
    expect(tf.ndarray([true], [], 'bool').item()).toBe(true);
    expect(tf.ndarray(BigInt64Array.from([3n]), []).item()).toBe(3n);
    expect(() => tf.ndarray([1, 2]).item()).toThrow();
  });

  it('toArray(), size, rank, shape, dtype', () => {
    const a = tf.ndarray(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(a.size).toBe(6);
    expect(a.rank).toBe(2);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('int32');
    const s = tf.ndarray([4], []);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.toArray()).toBe(4);
    const e = tf.ndarray(new Float32Array(0), [0, 3]);
    expect(e.size).toBe(0);
    expect(e.toArray()).toEqual([]);
  });

  it('toString / util.inspect: 15 for a scalar, [10, 5, 15] for a vector', () => {
    const sess = new tf.Session();
    try {
      const v = sess.run(tf.add(tf.constant(10), tf.constant(5)));
      expect(String(v)).toBe('15');
      expect(inspect(v)).toBe('15');
      const w = sess.run(tf.constant(Float32Array.from([10, 5, 15])));
      expect(String(w)).toBe('[10, 5, 15]');
      expect(inspect(w)).toBe('[10, 5, 15]');
      expect(String(sess.run(tf.constant(0.1)))).toBe('0.1');  // float32 0.1 prints as 0.1, not 0.10000000149011612
      const m = String(sess.run(tf.constant([[1, 2], [3, 4]])));
      expect(m.startsWith('[[1, 2]')).toBe(true);
      expect(m).toContain('[3, 4]]');
    } finally { sess.close(); }
  });

  it('int64 data is a BigInt64Array; int32 an Int32Array; bool a Uint8Array of 0/1; float32 a Float32Array', () => {
    const sess = new tf.Session();
    try {
      const [l, i, b, f] = sess.run([tf.constant([1n, -2n]), tf.constant([1, 2], tf.int32), tf.constant([true, false]), tf.constant([1])]);
      expect(l.data).toBeInstanceOf(BigInt64Array);
      expect(Array.from(l.data)).toEqual([1n, -2n]);
      expect(i.data).toBeInstanceOf(Int32Array);
      expect(b.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(b.data)).toEqual([1, 0]);
      expect(f.data).toBeInstanceOf(Float32Array);
    } finally { sess.close(); }
  });

  it('tf.ndarray checks the shape against the data', () => {
    expect(() => tf.ndarray([1, 2, 3], [2, 2])).toThrow();
    expect(tf.ndarray([1, 2, 3, 4], [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tf.ndarray([1, 2], undefined, 'float64').data).toBeInstanceOf(Float64Array);
  });
});

describe('graphs', () => {
  it('resetDefaultGraph gives a fresh default graph; asDefault returns the callback result', () => {
    const g0 = tf.getDefaultGraph();
    tf.constant(1);
    tf.resetDefaultGraph();
    const g1 = tf.getDefaultGraph();
    expect(g1).not.toBe(g0);
    expect(g1.getOperations()).toEqual([]);
    const g = new tf.Graph();
    const r = g.asDefault(() => { expect(tf.getDefaultGraph()).toBe(g); return tf.constant(1); });
    expect(r.graph).toBe(g);
    expect(tf.getDefaultGraph()).toBe(g1);
  });

  it('nested asDefault: innermost graph is the default', () => {
    const a = new tf.Graph(), b = new tf.Graph();
    a.asDefault(() => {
      b.asDefault(() => expect(tf.getDefaultGraph()).toBe(b));
      expect(tf.getDefaultGraph()).toBe(a);
    });
  });

  it('mixing tensors of two graphs in one op throws', () => {
    const t1 = tf.constant(1);
    const t2 = new tf.Graph().asDefault(() => tf.constant(2));
    expect(() => tf.add(t1, t2)).toThrow();
  });
});
