// Select (TF1's tf.where with x and y), SelectV2 (tf.whereV2), ClipByValue (raw op and TF1's
// clip_by_value composite) and AddN, against math-reference.ts; TF's shape rules and messages.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Ref, Rng, Val, broadcastMap, constOf, isInt, mismatch, runAll, sizeOf, store } from './math-reference';

const ALL: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
const NUM: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8'];
const rand = (rng: Rng, d: tf.DType, shape: number[], lo = -100, hi = 100): Ref =>
  ({ shape, data: rng.values(sizeOf(shape), d, d === 'uint8' ? 0 : d === 'bool' ? 0 : lo, d === 'uint8' ? 256 : d === 'bool' ? 1 : hi) });
const p = (d: tf.DType, s: (number | null)[] | null) => tf.placeholder(d, s);

function expectRunError(t: tf.Tensor, re: RegExp, feeds: tf.FeedDict): void {
  const sess = new tf.Session({ graph: t.graph });
  try {
    expect(() => sess.run(t, feeds)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(t, feeds)).toThrow(re);
  } finally { sess.close(); }
}

describe('Select (tf.where)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [cond shape, t/e shape]: elementwise, scalar condition, per-row vector condition.
  const CASES: [number[], number[]][] = [[[], []], [[7], [7]], [[33], [33]], [[3, 11], [3, 11]], [[], [4, 5]], [[4], [4, 5]],
    [[3], [3, 2, 7]], [[0], [0, 3]], [[2, 0], [2, 0]], [[40000], [40000]], [[300], [300, 160]]];
  for (const d of ALL) {
    it(`${d}: elementwise, scalar and per-row conditions`, () => {
      const rng = new Rng(d.length);
      const cases = CASES.map(([sc, st]) => [rand(rng, 'bool', sc), rand(rng, d, st), rand(rng, d, st)]);
      const outs = runAll(cases.map(([c, t, e]) => tf.where(constOf(c, 'bool'), constOf(t, d), constOf(e, d))));
      cases.forEach(([c, t, e], i) => {
        // the per-row condition is the numpy broadcast of cond reshaped to [n, 1, ..., 1]
        const cr = { shape: c.shape.length === 1 && t.shape.length > 1 ? [...c.shape, ...t.shape.slice(1).map(() => 1)] : c.shape, data: c.data };
        const m = mismatch(outs[i], broadcastMap([cr, t, e], (x, y, z) => (x ? y : z)), d);
        expect(m, `cond [${c.shape}], t [${t.shape}]: ${m}`).toBeNull();
      });
    });
  }

  it('static shapes as TF\'s shape function', () => {
    expect(tf.where(p('bool', [2, 3]), p('float32', [2, 3]), p('float32', [2, 3])).shape).toEqual([2, 3]);
    expect(tf.where(p('bool', null), p('float32', [2, null]), p('float32', [null, 3])).shape).toEqual([2, 3]);
    expect(tf.where(p('bool', []), p('float32', [2, 3]), p('float32', [2, 3])).shape).toEqual([2, 3]);
    expect(tf.where(p('bool', [2]), p('float32', [2, 3]), p('float32', [2, 3])).shape).toEqual([2, 3]);
    expect(tf.where(p('bool', [null]), p('float32', [null, 3]), p('float32', [2, 3])).shape).toEqual([2, 3]);
    expect(tf.where(p('bool', [null, 3]), p('float32', [2, null]), p('float32', null)).shape).toEqual([2, 3]);
    const bad: [(number | null)[] | null, (number | null)[], (number | null)[], RegExp][] = [
      [null, [2, 3], [2, 4], /Dimension 1 in both shapes must be equal, but are 3 and 4\. Shapes are \[2,3\] and \[2,4\]\./],
      [null, [2, 3], [2], /Shapes must be equal rank, but are 2 and 1/],
      [[3], [2, 3], [2, 3], /Dimension 0 in both shapes must be equal, but are 3 and 2\. Shapes are \[3\] and \[2\]\./],
      [[2], [], [], /Shapes must be equal rank, but are 0 and 1/],
      [[2, 4], [2, 3], [2, 3], /Dimension 1 in both shapes must be equal, but are 3 and 4/],
      [[3], [2], [2], /Dimension 0 in both shapes must be equal, but are 3 and 2/],
    ];
    for (const [c, t, e, re] of bad) {
      expect(() => tf.where(p('bool', c), p('float32', t), p('float32', e))).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.where(p('bool', c), p('float32', t), p('float32', e))).toThrow(re);
    }
    expect(() => tf.where(p('bool', [3]), p('float32', [2]), p('float32', [2]))).toThrow(/for 'Select(_\d+)?' \(op: 'Select'\) with input shapes: \[3\], \[2\], \[2\]/);
  });

  it('run-time shape errors carry TF\'s kernel messages', () => {
    const c = p('bool', null), t = p('float32', null), e = p('float32', null);
    const s = tf.where(c, t, e);
    const cases: [unknown, unknown, unknown, RegExp][] = [
      [[true, false], [1, 2, 3], [1, 2, 3], /Inputs to operation Select of type Select must have the same size and shape\.  Input 0: \[2\] != input 1: \[3\]/],
      [[true, false, true], [[1, 1], [1, 1]], [[0, 0], [0, 0]], /Number of batches of 'then' must match size of 'cond', but saw: 2 vs\. 3/],
      [[true, false], [[1, 1], [1, 1]], [[0, 0, 0], [0, 0, 0]], /'then' and 'else' must have the same size\.  but received: \[2,2\] vs\. \[2,3\]/],
      [true, [[1, 1], [1, 1]], [[0, 0, 0], [0, 0, 0]], /'then' and 'else' must have the same size\.  but received: \[2,2\] vs\. \[2,3\]/],
      [[[true, false]], [[1, 1], [1, 1]], [[0, 0], [0, 0]], /Input 0: \[1,2\] != input 1: \[2,2\]/],
      [[true, false], 1, 3, /'then' must be at least a vector, but saw shape: \[\]/],
    ];
    for (const [cv, tv, ev, re] of cases) expectRunError(s, re, [[c, cv], [t, tv], [e, ev]]);
  });

  it('builder: TF1 names and conversions (condition to bool, x / y to the tensor operand\'s dtype)', () => {
    const s = tf.where([true, false], tf.constant(Int32Array.from([1, 2])), [7, 8]);
    expect(s.op.type).toBe('Select');
    expect(s.op.inputs.map((x) => `${x.op.name}:${x.dtype}`)).toEqual(['Select/condition:bool', 'Const:int32', 'Select/e:int32']);
    expect(Array.from(runAll([s])[0].data as Int32Array)).toEqual([1, 8]);
    expect(() => tf.where([true, false], tf.constant([1, 2]), 0)).toThrow(/Shapes must be equal rank, but are 1 and 0/);
    expect(() => tf.where(tf.constant([true]), tf.constant([1]))).toThrow(/x and y must both be non-None or both be None/);
    expect(() => tf.where(tf.constant([1]), tf.constant([1]), tf.constant([2]))).toThrow(/does not match expected type of bool/);
  });
});

describe('SelectV2 (tf.whereV2): numpy broadcasting of all three', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const TRIPLES: [number[], number[], number[]][] = [[[], [], []], [[7], [7], [7]], [[3], [2, 1], []], [[2, 1], [3], [1]],
    [[4, 1, 3], [5, 1], [1, 1, 1]], [[0, 3], [3], []], [[40000], [], [40000]], [[1, 160], [257, 1], [160]]];
  for (const d of ALL) {
    it(`${d} over ${TRIPLES.length} shape triples`, () => {
      const rng = new Rng(d.length * 3);
      const cases = TRIPLES.map(([sc, st, se]) => [rand(rng, 'bool', sc), rand(rng, d, st), rand(rng, d, se)]);
      const outs = runAll(cases.map(([c, t, e]) => tf.whereV2(constOf(c, 'bool'), constOf(t, d), constOf(e, d))));
      cases.forEach(([c, t, e], i) => {
        const m = mismatch(outs[i], broadcastMap([c, t, e], (x, y, z) => (x ? y : z)), d);
        expect(m, `[${c.shape}] [${t.shape}] [${e.shape}]: ${m}`).toBeNull();
      });
    });
  }

  it('static shapes broadcast (t with e first, then the condition); errors name TF\'s dims', () => {
    expect(tf.whereV2(p('bool', [2, 1]), p('float32', [3]), p('float32', [])).shape).toEqual([2, 3]);
    expect(tf.whereV2(p('bool', null), p('float32', [3]), p('float32', [1])).shape).toBeNull();
    expect(tf.whereV2(p('bool', [null, 1]), p('float32', [null]), p('float32', [4])).shape).toEqual([null, 4]);
    expect(() => tf.whereV2(p('bool', [2, 1]), p('float32', [3]), p('float32', [4]))).toThrow(/Dimensions must be equal, but are 3 and 4/);
    expect(() => tf.whereV2(p('bool', [2]), p('float32', [3]), p('float32', [1]))).toThrow(/Dimensions must be equal, but are 2 and 3/);
  });

  it('run time: "condition [2], then [3], and else [3] must be broadcastable"', () => {
    const c = p('bool', null), t = p('float32', null);
    expectRunError(tf.whereV2(c, t, t), /condition \[2\], then \[3\], and else \[3\] must be broadcastable/, [[c, [true, false]], [t, [1, 2, 3]]]);
  });

  it('builder names: SelectV2 with SelectV2/condition, SelectV2/t, SelectV2/e', () => {
    const s = tf.whereV2([true], 1, tf.constant([2]));
    expect(s.op.inputs.map((x) => x.op.name)).toEqual(['SelectV2/condition', 'SelectV2/t', 'Const']);
    expect(s.op.name).toBe('SelectV2');
  });
});

describe('ClipByValue', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // std::max(std::min(t, hi), lo), as TF's kernel.
  const clip = (t: Val, lo: Val, hi: Val) => { const r = hi < t ? hi : t; return r < lo ? lo : r; };

  for (const d of NUM) {
    it(`raw op ${d}: scalar and same-shape bounds`, () => {
      const rng = new Rng(d.length * 5);
      const shapes = [[], [7], [33], [0, 3], [40000], [3, 11]];
      const cases = shapes.flatMap((s) => [
        [rand(rng, d, s), rand(rng, d, [], -50, 0), rand(rng, d, [], 0, 50)],
        [rand(rng, d, s), rand(rng, d, s, -50, 10), rand(rng, d, [], -10, 50)],
        [rand(rng, d, s), rand(rng, d, s), rand(rng, d, s)],  // lo > hi somewhere
      ]);
      const outs = runAll(cases.map(([t, lo, hi]) => tf.rawOps.ClipByValue(constOf(t, d), constOf(lo, d), constOf(hi, d))));
      cases.forEach(([t, lo, hi], i) => {
        const m = mismatch(outs[i], broadcastMap([t, lo, hi], clip), d);
        expect(m, `t [${t.shape}], lo [${lo.shape}], hi [${hi.shape}]: ${m}`).toBeNull();
      });
    });
  }

  it('NaN and signed zeros as TF: NaN t stays, NaN bounds do not clip, lo > hi gives lo', () => {
    const f = (t: number[], lo: number[] | number, hi: number[] | number) =>
      Array.from(runAll([tf.rawOps.ClipByValue(tf.constant(Float32Array.from(t)), tf.constant(lo), tf.constant(hi))])[0].data as Float32Array);
    expect(f([1, 5, NaN, -3], 0, 4)).toEqual([1, 4, NaN, 0]);
    expect(f([1, 5, -3], 0, NaN)).toEqual([1, 5, 0]);
    expect(f([1, 5, -3], NaN, 4)).toEqual([1, 4, -3]);
    expect(f([1, 5, -3], 4, 0)).toEqual([4, 4, 4]);
    expect(f([1, 5, -3], [0, 1, 2], [4, NaN, 0])).toEqual([1, 5, 2]);
    const z = f([-0, 0], 0, -0);
    expect([Object.is(z[0], -0), Object.is(z[1], 0)]).toEqual([true, true]);
  });

  it('bounds must be scalars or t\'s shape (TF\'s kernel message); the static shape is t\'s', () => {
    const t = p('float32', null), lo = p('float32', null);
    const c = tf.rawOps.ClipByValue(t, lo, 4);
    expect(tf.rawOps.ClipByValue(p('float32', [2, null]), p('float32', [5]), 1).shape).toEqual([2, null]);
    expectRunError(c, /clip_value_min and clip_value_max must be either of the same shape as input, or a scalar\. input shape: \[3\]clip_value_min shape: \[1\]clip_value_max shape: \[\]/,
      [[t, [1, 2, 3]], [lo, [0]]]);
  });

  it('tf.clipByValue is TF1\'s composite: clip_by_value/Minimum then Maximum named clip_by_value', () => {
    const c = tf.clipByValue([1, 5, -3], 0, 4);
    expect(c.graph.getOperations().map((o) => `${o.name}:${o.type}`)).toEqual([
      'clip_by_value/t:Const', 'clip_by_value/Minimum/y:Const', 'clip_by_value/Minimum:Minimum', 'clip_by_value/y:Const', 'clip_by_value:Maximum']);
    expect(Array.from(runAll([c])[0].data as Float32Array)).toEqual([1, 4, 0]);
    const n = tf.clipByValue(tf.constant(Int32Array.from([9])), 0, 4, { name: 'cl' });
    expect([n.op.name, n.dtype]).toEqual(['cl', 'int32']);
    expect(tf.clipByValue(p('float32', null), 0, 1).shape).toBeNull();
  });

  it('tf.clipByValue rejects bounds that would broadcast t (TF1\'s merge_with ValueError)', () => {
    expect(() => tf.clipByValue(tf.constant([1, 2]), 0, tf.constant([[1, 2], [3, 4]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.clipByValue(tf.constant([1, 2]), tf.constant([[1, 2], [3, 4]]), 4)).toThrow(/Shapes \(2,\) and \(2, 2\) are incompatible/);
  });
});

describe('AddN (tf.addN)', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const d of NUM) {
    it(`${d}: 2, 3 and 9 inputs over several shapes, left-to-right sums`, () => {
      const rng = new Rng(d.length * 11);
      const cases: Ref[][] = [];
      const sizes: [number[], number][] = [[[], 2], [[7], 3], [[0, 3], 2], [[3, 11], 9], [[33], 9], [[40000], 3]];
      for (const [shape, n] of sizes) cases.push(Array.from({ length: n }, () => rand(rng, d, shape, -1e4, 1e4)));
      const outs = runAll(cases.map((xs) => tf.addN(xs.map((x) => constOf(x, d)))));
      cases.forEach((xs, i) => {
        const want = { shape: xs[0].shape, data: xs[0].data.map((_, j) => xs.slice(1).reduce<Val>((acc, x) => store(isInt(d) ? BigInt(acc) + BigInt(x.data[j]) : Number(acc) + Number(x.data[j]), d), xs[0].data[j])) };
        const m = mismatch(outs[i], want, d);
        expect(m, `${xs.length} x [${xs[0].shape}]: ${m}`).toBeNull();
      });
    });
  }

  it('float32 accumulates in float32, left to right ((1e8 + 1) - 1e8 = 0)', () => {
    const t = tf.addN([tf.constant([1e8]), tf.constant([1]), tf.constant([-1e8])]);
    expect(runAll([t])[0].data[0]).toBe(0);
  });

  it('one input is returned as is, or as an Identity when named (TF1\'s add_n)', () => {
    const x = tf.constant([1, 2]);
    expect(tf.addN([x])).toBe(x);
    const y = tf.addN([x], { name: 's' });
    expect([y.op.name, y.op.type]).toEqual(['s', 'Identity']);
    expect(() => tf.addN([])).toThrow(/inputs must be a list of at least one Tensor/);
  });

  it('builder: op AddN named AddN, JS values become Consts of the tensors\' dtype', () => {
    const s = tf.addN([tf.constant(Int32Array.from([1, 2])), [3, 4]]);
    expect([s.op.name, s.op.type, s.dtype]).toEqual(['AddN', 'AddN', 'int32']);
    expect(s.op.attrs.get('N')!.value).toBe(2);
    expect(Array.from(runAll([s])[0].data as Int32Array)).toEqual([4, 6]);
    expect(() => tf.addN([tf.constant([true]), tf.constant([false])])).toThrow(/not in list of allowed values/);
  });

  it('static shapes merge from the last input backwards, with TF\'s messages', () => {
    expect(tf.addN([p('float32', [null, 3]), p('float32', [2, null]), p('float32', null)]).shape).toEqual([2, 3]);
    expect(tf.addN([p('float32', null), p('float32', null)]).shape).toBeNull();
    expect(() => tf.addN([p('float32', [2]), p('float32', [2]), p('float32', [3])]))
      .toThrow(/Dimension 0 in both shapes must be equal, but are 2 and 3\. Shapes are \[2\] and \[3\]\.\n\tFrom merging shape 1 with other shapes\. for 'AddN(_\d+)?' \(op: 'AddN'\)/);
    expect(() => tf.addN([p('float32', [2]), p('float32', [2, 1]), p('float32', [2])])).toThrow(/Shapes must be equal rank, but are 2 and 1\n\tFrom merging shape 1/);
  });

  it('run time: inputs of different shapes fail with TF\'s kernel message', () => {
    const a = p('float32', null), b = p('float32', null);
    expectRunError(tf.addN([a, b]), /Inputs to operation AddN of type AddN must have the same size and shape\.  Input 0: \[2\] != input 1: \[3\]/,
      [[a, [1, 2]], [b, [1, 2, 3]]]);
  });
});
