// feedDict forms, overrides, conversions and feed errors (API.md "Sessions"; TF1-SEMANTICS §2).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}

describe('feed forms', () => {
  let sess: tf.Session;
  beforeEach(() => { tf.resetDefaultGraph(); });
  afterEach(() => sess?.close());

  it('Map keyed by Tensor and by tensor name; [key, value] pairs by Tensor and by name', () => {
    const x = tf.placeholder(tf.float32, [2], 'x');
    const y = tf.placeholder(tf.float32, [], 'y');
    const z = tf.multiply(x, y);
    sess = new tf.Session();
    expect(sess.run(z, new Map<tf.Tensor | string, unknown>([[x, [1, 2]], [y, 3]])).toArray()).toEqual([3, 6]);
    expect(sess.run(z, new Map<tf.Tensor | string, unknown>([['x:0', [1, 2]], ['y:0', 4]])).toArray()).toEqual([4, 8]);
    expect(sess.run(z, [[x, [2, 2]], ['y:0', 5]])).toBeInstanceOf(tf.NDArray);
    expect(sess.run(z, [[x, [2, 2]], ['y:0', 5]]).toArray()).toEqual([10, 10]);
  });

  it('feed value kinds: number, boolean, bigint, nested arrays, typed arrays, NDArray', () => {
    const f = tf.placeholder(tf.float32, [2, 2]);
    const b = tf.placeholder(tf.bool, []);
    const i = tf.placeholder(tf.int64, []);
    const s = tf.placeholder(tf.float64, []);
    sess = new tf.Session();
    expect(sess.run(f, new Map([[f, [[1, 2], [3, 4]]]])).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(sess.run(f, new Map([[f, Float32Array.from([1, 2, 3, 4])]])).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(sess.run(f, new Map([[f, tf.ndarray(Float32Array.from([5, 6, 7, 8]), [2, 2])]])).toArray()).toEqual([[5, 6], [7, 8]]);
    expect(sess.run(b, new Map([[b, true]])).item()).toBe(true);
    expect(sess.run(i, new Map([[i, 2n ** 62n]])).item()).toBe(2n ** 62n);
    expect(sess.run(s, new Map([[s, 0.1]])).item()).toBe(0.1);
  });

  it('a flat typed array takes the static shape, or infers the one unknown dim', () => {
    const full = tf.placeholder(tf.float32, [2, 3]);
    const part = tf.placeholder(tf.float32, [null, 3]);
    const mid = tf.placeholder(tf.int32, [2, null, 2]);
    const anyRank = tf.placeholder(tf.float32);
    sess = new tf.Session();
    expect(sess.run(full, new Map([[full, new Float32Array(6)]])).shape).toEqual([2, 3]);
    expect(sess.run(part, new Map([[part, new Float32Array(12)]])).shape).toEqual([4, 3]);
    expect(sess.run(part, new Map([[part, new Float32Array(0)]])).shape).toEqual([0, 3]);
    expect(sess.run(mid, new Map([[mid, Int32Array.from({ length: 20 }, (_, k) => k)]])).shape).toEqual([2, 5, 2]);
    expect(sess.run(anyRank, new Map([[anyRank, new Float32Array(5)]])).shape).toEqual([5]);
  });

  it('a flat typed array that does not fit the static shape is an InvalidArgumentError', () => {
    const full = tf.placeholder(tf.float32, [2, 3], 'full');
    const part = tf.placeholder(tf.float32, [null, 3], 'part');
    const two = tf.placeholder(tf.float32, [null, null], 'two');
    sess = new tf.Session();
    expect(() => sess.run(full, new Map([[full, new Float32Array(5)]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(part, new Map([[part, new Float32Array(7)]]))).toThrow(tf.errors.InvalidArgumentError);
    // two unknown dims: the flat array cannot be shaped (API.md: pass an NDArray or nested array)
    expect(() => sess.run(two, new Map([[two, new Float32Array(6)]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(sess.run(two, new Map([[two, tf.ndarray(new Float32Array(6), [3, 2])]])).shape).toEqual([3, 2]);
  });

  it('fetching a fed tensor returns the fed value, converted to the tensor dtype', () => {
    const x = tf.placeholder(tf.float32, [3]);
    const c = tf.constant(Int32Array.from([1, 2]));
    sess = new tf.Session();
    const v = sess.run(x, new Map([[x, Float64Array.from([0.1, 2, 3])]]));
    expect(v.dtype).toBe('float32');
    expect(Array.from(v.data)).toEqual([Math.fround(0.1), 2, 3]);
    const w = sess.run(c, new Map([[c, [7, 8]]]));
    expect(w.dtype).toBe('int32');
    expect(w.toArray()).toEqual([7, 8]);
  });

  it('feeding a non-placeholder overrides it and the producer does not run', () => {
    const p = tf.placeholder(tf.float32, [], 'p');       // never fed: running it would fail
    const q = tf.add(p, 1, { name: 'q' });
    const r = tf.multiply(q, 2, { name: 'r' });
    sess = new tf.Session();
    const opts = new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });
    const meta = new tf.RunMetadata();
    expect(sess.run(r, new Map([[q, 5]]), opts, meta).item()).toBe(10);
    const ran = meta.stepStats.devStats.flatMap((d) => d.nodeStats.map((n) => n.nodeName));
    expect(ran).toContain('r');
    expect(ran).not.toContain('q');
    expect(ran).not.toContain('p');
  });

  it('feeding a constant by name overrides its value (TF testCreate)', () => {
    const w = tf.constant(Float32Array.from([1, 1]), null, null, { name: 'W1' });
    const y = tf.multiply(w, 3);
    sess = new tf.Session();
    expect(sess.run(y, new Map([['W1:0', [2, 4]]])).toArray()).toEqual([6, 12]);
    expect(sess.run(y).toArray()).toEqual([3, 3]);
  });

  it('feeding a constant checks its static shape', () => {
    const w = tf.constant(Float32Array.from([1, 1, 1, 1]), null, null, { name: 'Const' });
    sess = new tf.Session();
    const e = thrown(() => sess.run(tf.identity(w), new Map([[w, [1, 2, 3]]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("Cannot feed value of shape [3] for Tensor 'Const:0', which has shape '[4]'");
  });

  it('placeholderWithDefault: unfed gives the default, fed gives the fed value, shape still checked', () => {
    const d = tf.placeholderWithDefault(tf.constant(Float32Array.from([2, 2, 2, 2]), null, [2, 2]), [2, 2]);
    const y = tf.add(d, 1);
    sess = new tf.Session();
    expect(sess.run(y).toArray()).toEqual([[3, 3], [3, 3]]);
    expect(sess.run(y, new Map([[d, [[6, 6], [6, 6]]]])).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(() => sess.run(y, new Map([[d, [[6, 6, 6], [6, 6, 6]]]]))).toThrow(tf.errors.InvalidArgumentError);
    const free = tf.placeholderWithDefault(tf.constant(1), null);
    expect(sess.run(free, new Map([[free, [[1, 2, 3]]]])).shape).toEqual([1, 3]);
  });
});

describe('feed conversions (numpy asarray, lossy conversions refused)', () => {
  let sess: tf.Session;
  beforeEach(() => { tf.resetDefaultGraph(); });
  afterEach(() => sess?.close());

  it('Float64Array into float32 is converted (rounded)', () => {
    const x = tf.placeholder(tf.float32, [2]);
    sess = new tf.Session();
    const v = sess.run(tf.identity(x), new Map([[x, Float64Array.from([1 / 3, 1e-50])]]));
    expect(v.dtype).toBe('float32');
    expect(Array.from(v.data)).toEqual([Math.fround(1 / 3), 0]);
  });

  it('Int32Array and booleans into float32 are converted', () => {
    const x = tf.placeholder(tf.float32, [2]);
    sess = new tf.Session();
    expect(sess.run(tf.identity(x), new Map([[x, Int32Array.from([-3, 4])]])).toArray()).toEqual([-3, 4]);
    expect(sess.run(tf.identity(x), new Map([[x, [true, false]]])).toArray()).toEqual([1, 0]);
  });

  it('whole numbers from a Float64Array into int32 are accepted', () => {
    const x = tf.placeholder(tf.int32, [2]);
    sess = new tf.Session();
    const v = sess.run(tf.identity(x), new Map([[x, Float64Array.from([3, -4])]]));
    expect(v.dtype).toBe('int32');
    expect(v.toArray()).toEqual([3, -4]);
  });

  const lossy: [string, tf.DType, unknown][] = [
    ['1.5 into int32', 'int32', 1.5],
    ['[1, 2.5] into int32', 'int32', [1, 2.5]],
    ['Float32Array [0.5] into int32', 'int32', Float32Array.from([0.5])],
    ['NaN into int32', 'int32', NaN],
    ['Infinity into int64', 'int64', Infinity],
    ['-Infinity into int32', 'int32', -Infinity],
    ['2^31 into int32', 'int32', 2 ** 31],
    ['-2^31 - 1 into int32', 'int32', -(2 ** 31) - 1],
    ['256 into uint8', 'uint8', 256],
    ['-1 into uint8', 'uint8', -1],
    ['2n ** 63n into int64', 'int64', 2n ** 63n],
    ['2n ** 40n into int32', 'int32', 2n ** 40n],
    ['NaN in a Float64Array into int64', 'int64', Float64Array.from([1, NaN])],
  ];
  for (const [what, dtype, value] of lossy) {
    it(`${what} throws InvalidArgumentError`, () => {
      const x = tf.placeholder(dtype);
      sess = new tf.Session();
      expect(() => sess.run(tf.identity(x), new Map([[x, value]]))).toThrow(tf.errors.InvalidArgumentError);
    });
  }

  it('the int range edges are accepted', () => {
    const x = tf.placeholder(tf.int32, [2]);
    const u = tf.placeholder(tf.uint8, [2]);
    const l = tf.placeholder(tf.int64, [2]);
    sess = new tf.Session();
    expect(sess.run(x, new Map([[x, [2147483647, -2147483648]]])).toArray()).toEqual([2147483647, -2147483648]);
    expect(sess.run(u, new Map([[u, [0, 255]]])).toArray()).toEqual([0, 255]);
    expect(Array.from(sess.run(l, new Map([[l, [2n ** 63n - 1n, -(2n ** 63n)]]])).data)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });
});

describe('feed errors', () => {
  let sess: tf.Session;
  beforeEach(() => { tf.resetDefaultGraph(); });
  afterEach(() => sess?.close());

  it("shape mismatch: Cannot feed value of shape [1,2] for Tensor 'x:0', which has shape '[3]'", () => {
    const x = tf.placeholder(tf.float32, [3], 'x');
    sess = new tf.Session();
    const e = thrown(() => sess.run(tf.identity(x), new Map([[x, [[1, 2]]]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("Cannot feed value of shape [1,2] for Tensor 'x:0', which has shape '[3]'");
  });

  it('shape mismatch against a partial shape names the tensor', () => {
    const x = tf.placeholder(tf.float32, [null, 3], 'x');
    sess = new tf.Session();
    const e = thrown(() => sess.run(tf.identity(x), new Map([[x, [[1, 2]]]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("Cannot feed value of shape [1,2] for Tensor 'x:0'");
    // rank mismatch too
    expect(() => sess.run(tf.identity(x), new Map([[x, [1, 2, 3]]]))).toThrow(tf.errors.InvalidArgumentError);
  });

  it("missing placeholder: You must feed a value for placeholder tensor 'p' with dtype float and shape [10,10]", () => {
    const p = tf.placeholder(tf.float32, [10, 10], 'p');
    const y = tf.add(p, 1);
    sess = new tf.Session();
    const e = thrown(() => sess.run(y));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain("You must feed a value for placeholder tensor 'p' with dtype float and shape [10,10]");
    expect((e as tf.OpError).op?.name).toBe('p');
    expect((e as tf.OpError).code).toBe(3);
  });

  it('missing placeholder messages for partial shape, scalar and unknown rank', () => {
    const a = tf.placeholder(tf.float32, [null, 3], 'a');
    const b = tf.placeholder(tf.int32, [], 'b');
    const c = tf.placeholder(tf.float64, null, 'c');
    sess = new tf.Session();
    expect(thrown(() => sess.run(a)).message).toContain("You must feed a value for placeholder tensor 'a' with dtype float and shape [?,3]");
    const eb = thrown(() => sess.run(b));
    expect(eb.message).toContain("You must feed a value for placeholder tensor 'b' with dtype int32");
    expect(eb.message).not.toContain('and shape');
    const ec = thrown(() => sess.run(c));
    expect(ec.message).toContain("You must feed a value for placeholder tensor 'c' with dtype double");
    expect(ec.message).not.toContain('and shape');
  });

  it('a Tensor as feed value is a TypeError (also through eval)', () => {
    const x = tf.placeholder(tf.float32, []);
    const k = tf.constant(1);
    sess = new tf.Session();
    const e = thrown(() => sess.run(x, new Map([[x, k]])));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('The value of a feed cannot be a tf.Tensor object');
    expect(() => x.eval(new Map([[x, k]]), sess)).toThrow(TypeError);
  });

  it('bad feed keys are TypeErrors: Cannot interpret feed_dict key as Tensor', () => {
    const a = tf.placeholder(tf.float32, [], 'a');
    sess = new tf.Session();
    for (const key of ['a', 'nope', 'nope:0', 5, {}, a.op] as unknown[]) {
      const e = thrown(() => sess.run(a, new Map([[key as string, 1]])));
      expect(e, String(key)).toBeInstanceOf(TypeError);
      expect(e.message).toContain('Cannot interpret feed_dict key as Tensor');
    }
    expect(thrown(() => sess.run(a, new Map([['a', 1]]))).message)
      .toContain("The name 'a' refers to an Operation, not a Tensor.");
  });

  it("feeding a tensor of another graph is an InvalidArgumentError saying it is not an element of this session's graph", () => {
    const a = tf.placeholder(tf.float32, [], 'a');
    const other = new tf.Graph().asDefault(() => tf.placeholder(tf.float32, [], 'q'));
    sess = new tf.Session();
    const e = thrown(() => sess.run(a, new Map<tf.Tensor, unknown>([[a, 1], [other, 2]])));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/q:0/);
    expect(e.message).toMatch(/not an element of this graph/);
  });

  it('feed errors leave the session usable', () => {
    const x = tf.placeholder(tf.float32, [3], 'x');
    sess = new tf.Session();
    expect(() => sess.run(x, new Map([[x, [1]]]))).toThrow();
    expect(sess.run(tf.add(x, 1), new Map([[x, [1, 2, 3]]])).toArray()).toEqual([2, 3, 4]);
  });
});
