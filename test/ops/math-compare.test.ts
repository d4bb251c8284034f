// Comparisons (bool output, broadcasting) and logic: Equal, NotEqual (incompatible_shape_error),
// Less, LessEqual, Greater, GreaterEqual, LogicalAnd, LogicalOr, against math-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { BROADCAST_PAIRS, Rng, Val, broadcastMap, constOf, mismatch, runAll, sizeOf } from './math-reference';

type Cmp = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual';
const BUILD: Record<Cmp, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor> = {
  Equal: (x, y) => tf.equal(x, y), NotEqual: (x, y) => tf.notEqual(x, y), Less: (x, y) => tf.less(x, y),
  LessEqual: (x, y) => tf.lessEqual(x, y), Greater: (x, y) => tf.greater(x, y), GreaterEqual: (x, y) => tf.greaterEqual(x, y),
};
// IEEE comparisons (every one false against NaN but !=); bigint compares exactly.
const REF: Record<Cmp, (a: Val, b: Val) => boolean> = {
  Equal: (a, b) => a === b, NotEqual: (a, b) => a !== b, Less: (a, b) => a < b,
  LessEqual: (a, b) => a <= b, Greater: (a, b) => a > b, GreaterEqual: (a, b) => a >= b,
};
const ALL: tf.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

/** Few distinct values so that ties are common; floats include NaN and ±Inf. */
function operand(rng: Rng, d: tf.DType, shape: number[]): { shape: number[]; data: Val[] } {
  const data = rng.values(sizeOf(shape), d, d === 'uint8' ? 250 : -3, d === 'uint8' ? 256 : 3);
  if (d === 'int64') data.forEach((v, i) => { data[i] = 2n ** 60n + BigInt(v); });  // beyond 2^53: exact compares
  if (d === 'float32' || d === 'float64') data.forEach((v, i) => { if (i % 7 === 3) data[i] = [NaN, Infinity, -Infinity, -0][i % 4]; });
  return { shape, data };
}

describe('comparison ops vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const op of Object.keys(BUILD) as Cmp[]) {
    for (const d of op === 'Equal' || op === 'NotEqual' ? ALL : ALL.filter((x) => x !== 'bool')) {
      it(`${op} ${d} over ${BROADCAST_PAIRS.length} shape pairs`, () => {
        const rng = new Rng(op.length * 13 + d.length);
        const cases = BROADCAST_PAIRS.map(([sa, sb]) => [operand(rng, d, sa), operand(rng, d, sb)]);
        const outs = runAll(cases.map(([a, b]) => BUILD[op](constOf(a, d), constOf(b, d))));
        cases.forEach(([a, b], i) => {
          const want = broadcastMap([a, b], (x, y) => (REF[op](x, y) ? 1 : 0));
          const m = mismatch(outs[i], want, 'bool');
          expect(m, `[${a.shape}] ∘ [${b.shape}]: ${m}`).toBeNull();
        });
      });
    }
  }

  for (const [op, f, ref] of [['LogicalAnd', tf.logicalAnd, (a: Val, b: Val) => a && b], ['LogicalOr', tf.logicalOr, (a: Val, b: Val) => a || b]] as const) {
    it(`${op} over ${BROADCAST_PAIRS.length} shape pairs`, () => {
      const rng = new Rng(op.length);
      const cases = BROADCAST_PAIRS.map(([sa, sb]) => [sa, sb].map((s) => ({ shape: s, data: rng.values(sizeOf(s), 'bool', 0, 1) })));
      const outs = runAll(cases.map(([a, b]) => f(constOf(a, 'bool'), constOf(b, 'bool'))));
      cases.forEach(([a, b], i) => expect(mismatch(outs[i], broadcastMap([a, b], (x, y) => (ref(x, y) ? 1 : 0)), 'bool')).toBeNull());
    });
  }

  it('NaN compares unequal to everything, itself included; -0 equals +0', () => {
    const x = tf.constant(Float32Array.from([NaN, NaN, -0, 1])), y = tf.constant(Float32Array.from([NaN, 1, 0, NaN]));
    const [eq, ne, lt, ge] = runAll([tf.equal(x, y), tf.notEqual(x, y), tf.less(x, y), tf.greaterEqual(x, y)]);
    expect(Array.from(eq.data as Uint8Array)).toEqual([0, 0, 1, 0]);
    expect(Array.from(ne.data as Uint8Array)).toEqual([1, 1, 0, 1]);
    expect(Array.from(lt.data as Uint8Array)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ge.data as Uint8Array)).toEqual([0, 0, 1, 0]);
  });
});

describe('Equal / NotEqual with incompatibleShapeError: false', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const o = { incompatibleShapeError: false };

  it('known incompatible shapes: a scalar, false for Equal and true for NotEqual (TF\'s kernel)', () => {
    const x = tf.constant([1, 2]), y = tf.constant([1, 2, 3]);
    const e = tf.equal(x, y, o), n = tf.notEqual(x, y, o);
    expect(e.shape).toEqual([]);
    expect(e.op.attrs.get('incompatible_shape_error')!.value).toBe(false);
    const [ev, nv] = runAll([e, n]);
    expect(ev.shape).toEqual([]);
    expect([ev.item(), nv.item()]).toEqual([false, true]);
  });

  it('compatible shapes broadcast as usual', () => {
    const e = tf.equal(tf.constant([1, 2]), tf.constant([[1], [2]]), o);
    expect(e.shape).toEqual([2, 2]);
    expect(Array.from(runAll([e])[0].data as Uint8Array)).toEqual([1, 0, 0, 1]);
  });

  it('static shapes as TF\'s helper: an unknown dim against one > 1 gives unknown rank; unknown vs unknown stays a dim', () => {
    const p = (s: (number | null)[] | null) => tf.placeholder('float32', s);
    expect(tf.equal(p([null]), p([3]), o).shape).toBeNull();
    expect(tf.equal(p([null]), p([null]), o).shape).toEqual([null]);
    expect(tf.equal(p([1]), p([null]), o).shape).toEqual([null]);
    expect(tf.equal(p([null, 2]), p([3]), o).shape).toEqual([]);
    expect(tf.notEqual(p(null), p([3]), o).shape).toBeNull();
  });

  it('fed incompatible shapes at run time: the scalar answer; with the default attr an error', () => {
    const x = tf.placeholder('float32', [null]), y = tf.placeholder('float32', [null]);
    const loose = tf.notEqual(x, y, o), strict = tf.notEqual(x, y);
    const sess = new tf.Session();
    try {
      const feeds: tf.FeedDict = [[x, [1, 2]], [y, [1, 2, 3]]];
      const v = sess.run(loose, feeds) as tf.NDArray;
      expect(v.shape).toEqual([]);
      expect(v.item()).toBe(true);
      expect(() => sess.run(strict, feeds)).toThrow(tf.errors.InvalidArgumentError);
      expect(() => sess.run(strict, feeds)).toThrow(/Incompatible shapes: \[2\] vs\. \[3\]/);
    } finally { sess.close(); }
  });
});

describe('comparison and logic builders', () => {
  beforeEach(() => tf.resetDefaultGraph());

  it('TF names, JS operands in the scope as x / y with the tensor\'s dtype, bool outputs', () => {
    const x = tf.constant(Int32Array.from([1, 5]));
    for (const [f, type] of [[tf.equal, 'Equal'], [tf.notEqual, 'NotEqual'], [tf.less, 'Less'], [tf.lessEqual, 'LessEqual'],
      [tf.greater, 'Greater'], [tf.greaterEqual, 'GreaterEqual']] as const) {
      const t = f(x, 3);
      expect([t.op.name, t.op.type, t.dtype]).toEqual([type, type, 'bool']);
      expect(t.op.inputs[1].op.name).toBe(`${type}/y`);
      expect(t.op.inputs[1].dtype).toBe('int32');
    }
    const a = tf.logicalAnd(tf.constant([true, false]), true), n = tf.logicalNot([false], { name: 'not' });
    expect([a.op.name, a.op.inputs[1].op.name]).toEqual(['LogicalAnd', 'LogicalAnd/y']);
    expect([n.op.name, n.op.inputs[0].op.name]).toEqual(['not', 'not/x']);
    expect(Array.from(runAll([tf.logicalOr(false, tf.constant([true, false]))])[0].data as Uint8Array)).toEqual([1, 0]);
  });

  it('dtype errors at build time', () => {
    const b = tf.constant([true]), f = tf.constant([1]);
    expect(() => tf.less(b, b)).toThrow(/not in list of allowed values/);
    expect(() => tf.logicalAnd(f, f)).toThrow(/Input 'x' of 'LogicalAnd' Op has type float32 that does not match expected type of bool/);
    expect(() => tf.equal(f, tf.constant(Int32Array.from([1])))).toThrow(tf.errors.InvalidArgumentError);
    expect(tf.equal(b, b).dtype).toBe('bool');
  });

  it('static shapes broadcast; incompatible dims fail at build time naming the node', () => {
    const p = tf.placeholder('float32', [null, 3]);
    expect(tf.greater(p, tf.placeholder('float32', [5, 1, 1])).shape).toEqual([5, null, 3]);
    expect(tf.logicalOr(tf.placeholder('bool', [2]), tf.placeholder('bool')).shape).toBeNull();
    expect(() => tf.less(p, tf.placeholder('float32', [2]))).toThrow(/Dimensions must be equal, but are 3 and 2 for 'Less' \(op: 'Less'\)/);
    expect(() => tf.logicalAnd(tf.placeholder('bool', [2]), tf.placeholder('bool', [3]))).toThrow(tf.errors.InvalidArgumentError);
  });
});
