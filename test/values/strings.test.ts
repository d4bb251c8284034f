// The string dtype (TF's DT_STRING): constants, feeds and fetches as JS strings, the ops that
// move or compare strings, Add as concatenation, clear errors elsewhere, and the graph buffer
// and GraphDef round trips. References are plain JS array manipulations.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { decodeStrings, encodeStrings } from '../../lib/serialize';

function run<T = tf.NDArray>(build: () => unknown, feeds?: (g: tf.Graph) => [tf.Tensor | string, unknown][]): T {
  const g = new tf.Graph();
  const fetches = g.asDefault(build);
  const sess = new tf.Session({ graph: g });
  try { return sess.run(fetches as tf.Tensor, feeds?.(g) as never) as T; } finally { sess.close(); }
}

function errorOf(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}

const WORDS = ['', 'a', 'bc', 'héllo', '日本語', '🙂 emoji', 'x'.repeat(100), 'nul\u0000inside'];

describe('string values', () => {
  it('tf.constant of JS strings infers dtype string and fetches JS strings', () => {
    const r = run(() => tf.constant([['a', 'bc'], ['', 'd']]));
    expect(r.dtype).toBe('string');
    expect(r.shape).toEqual([2, 2]);
    expect(r.data).toEqual(['a', 'bc', '', 'd']);
    expect(r.toArray()).toEqual([['a', 'bc'], ['', 'd']]);
    const s = run(() => tf.constant('scalar'));
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe('scalar');
    expect(tf.string).toBe('string');
  });

  it('keeps every UTF-8 string intact (multi-byte, NUL, long) through a graph constant', () => {
    const r = run(() => tf.identity(tf.constant(WORDS)));
    expect(r.data).toEqual(WORDS);
    const big = Array.from({ length: 3000 }, (_, i) => `s${i}`.repeat(i % 7));
    expect(run(() => tf.constant(big)).data).toEqual(big);
  });

  it('string placeholders are fed with JS string arrays (and NDArrays), any shape incl. empty', () => {
    for (const [value, shape] of [[['x', 'yy', 'zzz'], [3]], [[['a'], ['b']], [2, 1]], [[], [0]], ['one', []]] as [tf.ValueLike, number[]][]) {
      const r = run(() => tf.identity(tf.placeholder('string', null, 'p')), (g) => [[g.getTensorByName('p:0'), value]]);
      expect(r.shape).toEqual(shape);
      expect(r.toArray()).toEqual(value);
    }
    const nd = tf.ndarray(WORDS, [2, 4]);
    expect(nd.dtype).toBe('string');
    const r = run(() => tf.identity(tf.placeholder(tf.string, [2, 4], 'p')), (g) => [[g.getTensorByName('p:0'), nd]]);
    expect(r.data).toEqual(WORDS);
  });

  it('fetching a fed string tensor directly and running async give the same strings', async () => {
    const g = new tf.Graph();
    const p = g.asDefault(() => tf.placeholder('string', [null], 'p'));
    const sess = new tf.Session({ graph: g });
    try {
      expect(sess.run(p, [[p, ['q', 'r']]]).data).toEqual(['q', 'r']);
      const r = await sess.runAsync(g.asDefault(() => tf.reverse(p, [0])), [[p, WORDS]]);
      expect(r.data).toEqual([...WORDS].reverse());
    } finally {
      sess.close();
    }
  });

  it('validates string values from JS: types, mixing, lone surrogates, shapes', () => {
    let e = errorOf(() => tf.constant(['a', 1] as never));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/Cannot mix string and number/);
    e = errorOf(() => tf.constant([1, 2], 'string'));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("Expected string, got 1 of type 'number' instead.");
    e = errorOf(() => tf.constant(['a'], 'float32'));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/Cannot convert 'a' of type string to float32/);
    e = errorOf(() => tf.constant(['ok', 'bad\uD800']));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/String element 1 is not well-formed Unicode/);
    expect(tf.constant(['pair \uD83D\uDE42']).dtype).toBe('string');  // a surrogate pair is fine
    e = errorOf(() => tf.constant([['a', 'b'], ['c']]));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    e = errorOf(() => run(() => tf.identity(tf.placeholder('string', [2], 'p')), (g) => [[g.getTensorByName('p:0'), [1, 2]]]));
    expect(e).toBeInstanceOf(TypeError);
    e = errorOf(() => run(() => tf.identity(tf.placeholder('string', [2], 'p')), (g) => [[g.getTensorByName('p:0'), ['a', 'b', 'c']]]));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/Cannot feed value of shape \[3\] for Tensor 'p:0', which has shape '\[2\]'/);
    e = errorOf(() => run(() => tf.identity(tf.placeholder('float32', [1], 'p')), (g) => [[g.getTensorByName('p:0'), ['a']]]));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    e = errorOf(() => tf.ndarray(new Float32Array(2), undefined, 'string'));
    expect(e).toBeInstanceOf(TypeError);
  });

  it('prints like numpy with quotes', () => {
    expect(String(tf.ndarray(['a', "it's"]))).toBe("['a', 'it\\'s']");
    expect(String(tf.ndarray([['x'], ['y']]))).toBe("[['x'],\n ['y']]");
    expect(String(tf.ndarray('s'))).toBe("'s'");
    expect(JSON.stringify(tf.ndarray(['a', 'b']))).toBe('["a","b"]');
  });
});

describe('ops on strings', () => {
  const grid = [['a', 'b', 'c'], ['d', 'e', 'f']];
  it('Reshape, ExpandDims, Squeeze, Transpose, Tile, ReverseV2', () => {
    expect(run(() => tf.reshape(tf.constant(grid), [3, 2])).toArray()).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    expect(run(() => tf.expandDims(tf.constant(grid), 1)).shape).toEqual([2, 1, 3]);
    expect(run(() => tf.squeeze(tf.constant([['a'], ['b']]))).toArray()).toEqual(['a', 'b']);
    expect(run(() => tf.transpose(tf.constant(grid))).toArray()).toEqual([['a', 'd'], ['b', 'e'], ['c', 'f']]);
    expect(run(() => tf.tile(tf.constant(['x', 'y']), [3])).toArray()).toEqual(['x', 'y', 'x', 'y', 'x', 'y']);
    expect(run(() => tf.reverse(tf.constant(grid), [1])).toArray()).toEqual([['c', 'b', 'a'], ['f', 'e', 'd']]);
  });

  it('GatherV2, ConcatV2, Pack, Unpack, Split', () => {
    expect(run(() => tf.gather(tf.constant(grid), [1, 0, 1])).toArray()).toEqual([grid[1], grid[0], grid[1]]);
    expect(run(() => tf.gather(tf.constant(grid), [2, 0], { axis: 1 })).toArray()).toEqual([['c', 'a'], ['f', 'd']]);
    expect(run(() => tf.concat([tf.constant(grid), tf.constant([['g', 'h', 'i']])], 0)).toArray()).toEqual([...grid, ['g', 'h', 'i']]);
    expect(run(() => tf.concat([tf.constant(grid), tf.constant([['1'], ['2']])], 1)).toArray()).toEqual([['a', 'b', 'c', '1'], ['d', 'e', 'f', '2']]);
    expect(run(() => tf.stack([tf.constant(['a', 'b']), tf.constant(['c', 'd'])], 1)).toArray()).toEqual([['a', 'c'], ['b', 'd']]);
    const parts = run<tf.NDArray[]>(() => tf.unstack(tf.constant(grid), null, 1));
    expect(parts.map((p) => p.toArray())).toEqual([['a', 'd'], ['b', 'e'], ['c', 'f']]);
    const halves = run<tf.NDArray[]>(() => tf.split(tf.constant(['a', 'b', 'c', 'd']), 2));
    expect(halves.map((p) => p.toArray())).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('Slice and StridedSlice', () => {
    expect(run(() => tf.slice(tf.constant(grid), [0, 1], [2, 2])).toArray()).toEqual([['b', 'c'], ['e', 'f']]);
    expect(run(() => tf.stridedSlice(tf.constant(grid), [0, -1], [0, 0], [1, -1], { beginMask: 1, endMask: 3 })).toArray())
      .toEqual([['c', 'b', 'a'], ['f', 'e', 'd']]);
  });

  it('Fill, ZerosLike, Shape, Size, Rank, ShapeN', () => {
    expect(run(() => tf.fill([2, 2], tf.constant('z'))).toArray()).toEqual([['z', 'z'], ['z', 'z']]);
    expect(run(() => tf.zerosLike(tf.constant(['a', 'b']))).toArray()).toEqual(['', '']);  // TF: b''
    const p = () => tf.placeholder('string', null, 'p');
    const feed = (g: tf.Graph): [tf.Tensor, unknown][] => [[g.getTensorByName('p:0'), grid]];
    expect(Array.from(run(() => tf.shape(p()), feed).data as Int32Array)).toEqual([2, 3]);
    expect(run(() => tf.size(p()), feed).item()).toBe(6);
    expect(run(() => tf.rank(p()), feed).item()).toBe(2);
    const [s1, s2] = run<tf.NDArray[]>(() => tf.shapeN([p(), tf.constant(['q'])], { outType: 'int64' }), feed);
    expect(Array.from(s1.data as BigInt64Array)).toEqual([2n, 3n]);
    expect(Array.from(s2.data as BigInt64Array)).toEqual([1n]);
  });

  it('Select, SelectV2 (broadcasting), Equal and NotEqual by bytes', () => {
    expect(run(() => tf.where(tf.constant([true, false]), tf.constant(['a', 'b']), tf.constant(['x', 'y']))).toArray()).toEqual(['a', 'y']);
    expect(run(() => tf.whereV2(tf.constant([[true], [false]]), tf.constant(['a', 'b']), tf.constant('-'))).toArray())
      .toEqual([['a', 'b'], ['-', '-']]);
    const a = ['', 'a', 'ab', 'héllo', 'héllo', 'a\u0000b'], b = ['', 'b', 'ab', 'hello', 'héllo', 'a\u0000c'];
    expect(Array.from(run(() => tf.equal(tf.constant(a), tf.constant(b))).data)).toEqual(a.map((x, i) => Number(x === b[i])));
    expect(Array.from(run(() => tf.notEqual(tf.constant(a), tf.constant(b))).data)).toEqual(a.map((x, i) => Number(x !== b[i])));
    expect(run(() => tf.equal(tf.constant([['a'], ['b']]), tf.constant(['a', 'b']))).toArray()).toEqual([[true, false], [false, true]]);
    expect(run(() => tf.equal(tf.constant(['a', 'b']), 'b')).toArray()).toEqual([false, true]);
  });

  it('Add concatenates strings with broadcasting, as TF', () => {
    expect(run(() => tf.add(tf.constant(['a', 'b', '']), tf.constant(['1', '', '3']))).toArray()).toEqual(['a1', 'b', '3']);
    expect(run(() => tf.add(tf.constant([['x'], ['yy']]), tf.constant(['-', '日本']))).toArray()).toEqual([['x-', 'x日本'], ['yy-', 'yy日本']]);
    expect(run(() => tf.add(tf.constant('pre_'), tf.placeholder('string', [null], 'p')), (g) => [[g.getTensorByName('p:0'), WORDS]]).data)
      .toEqual(WORDS.map((w) => `pre_${w}`));
    expect(run(() => tf.add(tf.constant([], 'string'), tf.constant('a'))).shape).toEqual([0]);
    // A chain of ops keeps the concatenated strings alive after their producer's output is released.
    expect(run(() => tf.gather(tf.concat([tf.add(tf.constant(['p', 'q']), tf.constant('!')), tf.constant(['r'])], 0), [2, 1, 0])).toArray())
      .toEqual(['r', 'q!', 'p!']);
  });

  it('ops that take no strings fail clearly at build time; mixing with numbers is a TypeError', () => {
    const s = () => tf.constant(['a']);
    let e = errorOf(() => new tf.Graph().asDefault(() => tf.nn.relu(s())));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/^Value passed to parameter '\w+' has DataType string not in list of allowed values: float32, float64, /);
    e = errorOf(() => new tf.Graph().asDefault(() => tf.subtract(s(), s())));
    expect(e.message).toMatch(/has DataType string not in list of allowed values/);
    e = errorOf(() => new tf.Graph().asDefault(() => tf.cast(s(), 'float32')));
    expect(e.message).toMatch(/has DataType string not in list of allowed values/);
    e = errorOf(() => new tf.Graph().asDefault(() => tf.less(s(), s())));
    expect(e.message).toMatch(/has DataType string not in list of allowed values/);
    e = errorOf(() => new tf.Graph().asDefault(() => tf.add(s(), 1)));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("Expected string, got 1 of type 'number' instead.");
    e = errorOf(() => new tf.Graph().asDefault(() => tf.add(s(), tf.constant([1]))));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    e = errorOf(() => new tf.Graph().asDefault(() => new tf.Variable(s())));
    expect(e.message).toMatch(/DataType string not in list of allowed values/);
  });
});

describe('string serialization', () => {
  it('records round-trip and reject malformed data', () => {
    expect(decodeStrings(encodeStrings(WORDS), WORDS.length)).toEqual(WORDS);
    const rec = encodeStrings(['abc']);
    expect(Array.from(rec)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 97, 98, 99, 0, 0, 0, 0, 0]);
    expect(() => decodeStrings(rec, 2)).toThrow(/truncated/);
    expect(() => decodeStrings(rec.subarray(0, 10), 1)).toThrow(/runs past/);
    expect(() => decodeStrings(rec.subarray(0, 12), 1)).toThrow(/size does not match/);
    const bad = rec.slice(); bad[8] = 0xff;
    expect(() => decodeStrings(bad, 1)).toThrow(/not valid UTF-8/);
  });

  it('string Consts survive the graph buffer (Graph.fromBuffer) and run from it', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.identity(tf.constant([WORDS, WORDS.map((w) => w + '.')]), { name: 'out' }));
    const g2 = tf.Graph.fromBuffer(g.toBuffer());
    const sess = new tf.Session({ graph: g2 });
    try {
      expect(sess.run('out:0').toArray()).toEqual([WORDS, WORDS.map((w) => w + '.')]);
    } finally {
      sess.close();
    }
  });

  it('GraphDef export writes string_val and import reads it back; non-UTF-8 bytes are refused', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.add(tf.constant(['a', 'é']), tf.placeholder('string', [2], 'p'), { name: 'out' }));
    const def = g.asGraphDef();
    const c = def.node.find((n) => n.op === 'Const')!;
    expect(c.attr.dtype).toEqual({ type: 7 });  // DT_STRING
    expect(c.attr.value.tensor).toMatchObject({ dtype: 7, stringVal: [Uint8Array.of(97), Uint8Array.of(0xc3, 0xa9)] });
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.importGraphDef(g.toGraphDefBytes(), { name: '' }));
    const sess = new tf.Session({ graph: g2 });
    try {
      expect(sess.run('out:0', [['p:0', ['1', '2']]]).toArray()).toEqual(['a1', 'é2']);
    } finally {
      sess.close();
    }
    const raw = {
      node: [{ name: 's', op: 'Const', attr: { dtype: { type: 7 }, value: { tensor: { dtype: 7, tensorShape: { dim: [{ size: 1 }] }, stringVal: [Uint8Array.of(0xff)] } } } }],
    };
    const e = errorOf(() => new tf.Graph().asDefault(() => tf.importGraphDef(raw as never)));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/DT_STRING element 0 is not valid UTF-8/);
  });
});

describe('NDArrays built directly', () => {
  it('must pair dtype string with an array of strings, checked again where they cross to native', () => {
    expect(() => new tf.NDArray(new Float32Array(1), [1], 'string')).toThrow(TypeError);
    expect(() => new tf.NDArray(['a'] as never, [1], 'float32')).toThrow(TypeError);
    const bad = new tf.NDArray(['a', 2 as never], [2], 'string');
    const e = errorOf(() => run(() => tf.identity(tf.placeholder('string', [2], 'p')), (g) => [[g.getTensorByName('p:0'), bad]]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("Expected string, got 2 of type 'number' instead.");
    const lone = new tf.NDArray(['\uDC00'], [1], 'string');
    expect(() => run(() => tf.constant(lone))).toThrow(/not well-formed Unicode/);
  });
});
