// Transpose, ReverseV2, Tile, BroadcastTo, Pad / PadV2 / MirrorPad against array-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Lcg } from '../reference/ops';
import * as ref from './array-reference';
import { ALL_DTYPES, randArr } from './array-reference';
import { expectBoth, expectError, expectRunError, expectValue, fed, ndOf } from './array-helpers';
import { constOf } from './helpers';

const zeros = (shape: number[]) => tf.constant(tf.ndarray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));

const rng = new Lcg(7);

describe('Transpose', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[]][] = [
    [[], []], [[1], [0]], [[5], [0]], [[2, 3], [1, 0]], [[2, 3], [0, 1]], [[2, 3, 4], [2, 0, 1]], [[3, 0, 2], [1, 2, 0]],
    [[7, 1, 5, 3], [3, 1, 0, 2]], [[2, 3, 4, 5], [0, 1, 3, 2]], [[9, 33, 17], [2, 1, 0]], [[4, 1, 9], [1, 0, 2]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, perm] of CASES) {
      it(`${dtype} [${shape}] perm [${perm}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.transpose(x, perm), a, dtype, ref.transpose(a, perm));
      });
    }
  }

  it('large tiled transposes cross parallel chunks (float32 [301,257], int64 [3,130,70] perm [2,0,1])', () => {
    const a = randArr(rng, [301, 257], 'float32');
    expectValue(tf.transpose(constOf(a, 'float32')), ref.transpose(a, [1, 0]), 'float32');
    const b = randArr(rng, [3, 130, 70], 'int64');
    expectValue(tf.transpose(constOf(b, 'int64'), [2, 0, 1]), ref.transpose(b, [2, 0, 1]), 'int64');
  });

  it('default perm reverses the dims; TF1 names; unknown rank builds Rank/sub/Range/sub_1', () => {
    const x = zeros([2, 3, 4]);
    const y = tf.transpose(x);
    expect(y.op.type).toBe('Transpose');
    expect(y.op.name).toBe('transpose');
    expect(y.op.inputs[1].op.name).toBe('transpose/perm');
    expect(y.shape).toEqual([4, 3, 2]);
    const p = tf.placeholder(tf.int32);
    const z = tf.transpose(p);
    expect(z.shape).toBeNull();
    expect(tf.getDefaultGraph().getOperations().map((o) => o.name).filter((n) => n.startsWith('transpose_1/')))
      .toEqual(['transpose_1/Rank', 'transpose_1/sub/y', 'transpose_1/sub', 'transpose_1/Range/start', 'transpose_1/Range/delta',
        'transpose_1/Range', 'transpose_1/sub_1']);
    const a = randArr(rng, [2, 3, 4], 'int32');
    expectValue(z, ref.transpose(a, [2, 1, 0]), 'int32', [[p, ndOf(a, 'int32')]]);
  });

  it('shape inference: perm Tensor, unknown input, negative perm entries', () => {
    expect(tf.transpose(tf.placeholder(tf.float32, [2, null]), tf.placeholder(tf.int32, [2])).shape).toEqual([null, null]);
    expect(tf.transpose(tf.placeholder(tf.float32), [1, 0, 2]).shape).toEqual([null, null, null]);
    expect(tf.transpose(tf.placeholder(tf.float32, [2, null, 5]), [2, 0, 1]).shape).toEqual([5, 2, null]);
    expect(tf.transpose(tf.placeholder(tf.float32), tf.placeholder(tf.int32, [1])).shape).toBeNull();
    expect(tf.transpose(zeros([2, 3]), [-1, 0]).shape).toEqual([3, 2]);  // TF's shape fn allows it
  });

  it('errors: build time and run time (TF messages)', () => {
    const x = zeros([2, 3]);
    expectError(() => tf.transpose(x, [0, 1, 2]), /Dimension must be 2 but is 3/);
    expectError(() => tf.transpose(x, [0, 2]), /perm dim 2 is out of range of input rank 2/);
    const [p, feed] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.transpose(p, [0, 0]), [feed], /1 is missing from \{0,0\}/);
    expectRunError(tf.transpose(p, [-1, 0]), [feed], /-1 is out of range \[0 \.\. 2\)/);
    expectRunError(tf.transpose(p, [0, 1, 2]), [feed], /transpose expects a vector of size 2. But input\(1\) is a vector of size 3/);
    const perm = tf.placeholder(tf.int32);
    expectRunError(tf.transpose(p, perm), [feed, [perm, tf.ndarray(Int32Array.from([1, 0]), [1, 2])]], /perm must be rank 1, got shape \[1,2\]/);
  });
});

describe('ReverseV2', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[]][] = [
    [[5], [0]], [[1], [0]], [[2, 3], [1]], [[2, 3], [0, 1]], [[2, 3], []], [[3, 4, 5], [-1, 0]], [[0, 3], [1]], [[4, 2, 3, 2], [1, 3]], [[2, 5, 7], [1]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, axes] of CASES) {
      it(`${dtype} [${shape}] axis [${axes}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.reverse(x, axes), a, dtype, ref.reverse(a, axes));
      });
    }
  }
  it('large (float64 [700, 130] both axes) and scalar', () => {
    const a = randArr(rng, [700, 130], 'float64');
    expectValue(tf.reverse(constOf(a, 'float64'), [0, 1]), ref.reverse(a, [0, 1]), 'float64');
    expectValue(tf.reverse(tf.constant(3, 'int32'), []), { shape: [], data: [3] }, 'int32');
  });
  it('errors', () => {
    const x = zeros([2, 3]);
    expectError(() => tf.reverse(x, [0, -2]), /axis 0 specified more than once/);
    expectError(() => tf.reverse(x, [2]), /'axis'\[0\] = 2 is out of valid range \[0, 1/);
    const [p, feed] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.reverse(p, [0, -2]), [feed], /axis 0 specified more than once/);
    expectRunError(tf.reverse(p, [2]), [feed], /'axis'\[0\] = 2 is out of valid range \[0, 1/);
    // TF passes scalars and empty tensors through without looking at the axes.
    const [q, feedQ] = fed({ shape: [0, 3], data: [] }, 'float32');
    expectValue(tf.reverse(q, [7]), { shape: [0, 3], data: [] }, 'float32', [feedQ]);
  });
});

describe('Tile', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[]][] = [
    [[], []], [[1], [4]], [[3], [2]], [[2, 3], [1, 1]], [[2, 3], [2, 3]], [[2, 1, 3], [1, 5, 1]], [[2, 3], [0, 2]], [[0, 3], [4, 1]], [[3, 2, 2, 1], [2, 1, 3, 2]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, mult] of CASES) {
      it(`${dtype} [${shape}] x [${mult}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.tile(x, mult), a, dtype, ref.tile(a, mult));
      });
    }
  }
  it('large: int32 [300, 7] x [40, 3]', () => {
    const a = randArr(rng, [300, 7], 'int32');
    expectValue(tf.tile(constOf(a, 'int32'), [40, 3]), ref.tile(a, [40, 3]), 'int32');
  });
  it('shape inference and errors', () => {
    expect(tf.tile(tf.placeholder(tf.float32, [null, 3]), [0, 2]).shape).toEqual([0, 6]);
    expect(tf.tile(tf.placeholder(tf.float32, [null, 3]), [2, 1]).shape).toEqual([null, 3]);
    expect(tf.tile(tf.placeholder(tf.float32), [1, 2]).shape).toEqual([null, null]);
    expect(tf.tile(tf.placeholder(tf.float32, [2, 3]), [1, -1]).shape).toEqual([2, null]);
    expect(tf.tile(tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.int32, [2])).shape).toEqual([null, null]);
    const x = zeros([2, 3]);
    expectError(() => tf.tile(x, [1, 2, 3]), /Shape must be rank 2 but is rank 3/);
    expectError(() => tf.tile(x, [1, -2]), /Invalid value in tensor used for shape: -2/);
    expectError(() => tf.tile(x, [1.5, 2]), /multiples must be integers/);
    const [p, feed] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.tile(p, [1, 2, 3]), [feed], /Expected multiples argument to be a vector of length 2 but got length 3/);
    const m = tf.placeholder(tf.int32);
    expectRunError(tf.tile(p, m), [feed, [m, tf.ndarray(Int32Array.from([1, -2]), [2])]], /Expected multiples\[1\] >= 0, but got -2/);
    expectRunError(tf.tile(p, m), [feed, [m, tf.ndarray(Int32Array.from([1, 2]), [1, 2])]], /Expected multiples to be 1-D, but got shape \[1,2\]/);
    const m64 = tf.placeholder(tf.int64);
    expectRunError(tf.tile(p, m64), [feed, [m64, tf.ndarray(BigInt64Array.from([2n ** 62n, 2n]), [2])]], /Expected a non-negative size, got -9223372036854775808/);
  });
});

describe('BroadcastTo', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[]][] = [
    [[], [3]], [[], []], [[1], [4]], [[3], [2, 3]], [[2, 1], [2, 5]], [[1, 3, 1], [4, 3, 2]], [[2, 3], [2, 3]], [[1], [0]], [[3, 1], [2, 3, 0]], [[5, 1, 1, 2], [5, 3, 4, 2]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, to] of CASES) {
      it(`${dtype} [${shape}] -> [${to}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.broadcastTo(x, to), a, dtype, ref.broadcastTo(a, to));
      });
    }
  }
  it('large: float32 [1, 513] -> [200, 513] and [97, 1] -> [97, 1000]', () => {
    const a = randArr(rng, [1, 513], 'float32');
    expectValue(tf.broadcastTo(constOf(a, 'float32'), [200, 513]), ref.broadcastTo(a, [200, 513]), 'float32');
    const b = randArr(rng, [97, 1], 'float32');
    expectValue(tf.broadcastTo(constOf(b, 'float32'), [97, 1000]), ref.broadcastTo(b, [97, 1000]), 'float32');
  });
  it('shape inference and errors', () => {
    expect(tf.broadcastTo(tf.placeholder(tf.float32, [null, 3]), [2, -1]).shape).toEqual([2, 3]);
    expect(tf.broadcastTo(tf.placeholder(tf.float32), [2, 4]).shape).toEqual([2, 4]);
    const x = zeros([2, 3]);
    expectError(() => tf.broadcastTo(x, [2, 4]), /Dimensions must be equal, but are 3 and 4/);
    expectError(() => tf.broadcastTo(x, [3]), /Shape must be at most rank 1 but is rank 2/);
    const [p, feed] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.broadcastTo(p, [2, 4]), [feed], /Incompatible shapes: \[2,3\] vs. \[2,4\]/);
    expectRunError(tf.broadcastTo(p, [3]), [feed], /Rank of input \(2\) must be no greater than rank of output shape \(1\)/);
    expectRunError(tf.broadcastTo(p, [2, 1]), [feed], /Unable to broadcast tensor of shape \[2,3\] to tensor of shape \[2,1\]/);
    const s = tf.placeholder(tf.int32);
    expectRunError(tf.broadcastTo(p, s), [feed, [s, tf.ndarray(Int32Array.from([-1, 3]), [2])]], /Dimension -1 must be >= 0/);
    expectRunError(tf.broadcastTo(p, s), [feed, [s, tf.ndarray(Int32Array.from([3]), [1, 1])]], /shape must be a vector of \{int32,int64\}, got shape \[1,1\]/);
  });
});

describe('Pad, PadV2, MirrorPad', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], [number, number][]][] = [
    [[], []], [[1], [[1, 2]]], [[4], [[0, 0]]], [[2, 3], [[1, 0], [2, 1]]], [[3, 4], [[2, 2], [0, 3]]], [[2, 3, 4], [[1, 1], [0, 2], [3, 0]]],
    [[0, 3], [[1, 1], [1, 0]]], [[5, 1, 3], [[0, 0], [0, 0], [2, 2]]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, paddings] of CASES) {
      it(`${dtype} [${shape}] constant ${JSON.stringify(paddings)}`, () => {
        const a = randArr(rng, shape, dtype);
        const p = shape.length ? paddings : tf.ndarray(new Int32Array(0), [0, 2]);  // a JS [] is 1-D
        expectBoth((x) => tf.pad(x, p), a, dtype, ref.pad(a, paddings));
        const v = dtype === 'bool' ? true : 7;
        expectBoth((x) => tf.pad(x, p, { constantValues: v }), a, dtype, ref.pad(a, paddings, 'CONSTANT', dtype === 'bool' ? 1 : 7));
      });
    }
  }
  const MIRROR: [number[], [number, number][]][] = [
    [[4], [[3, 2]]], [[1], [[0, 0]]], [[2, 3], [[1, 1], [2, 2]]], [[3, 4, 5], [[2, 1], [3, 0], [1, 4]]], [[5, 2, 3, 2, 4], [[2, 2], [1, 0], [0, 2], [1, 1], [3, 3]]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, paddings] of MIRROR) {
      for (const mode of ['REFLECT', 'SYMMETRIC']) {
        const ok = paddings.every(([b, e], i) => (mode === 'REFLECT' ? b < shape[i] && e < shape[i] : b <= shape[i] && e <= shape[i]));
        if (!ok) continue;
        it(`${dtype} [${shape}] ${mode} ${JSON.stringify(paddings)}`, () => {
          const a = randArr(rng, shape, dtype);
          expectBoth((x) => tf.pad(x, paddings, { mode }), a, dtype, ref.pad(a, paddings, mode));
        });
      }
    }
  }
  it('large (float32 [300, 150] constant and SYMMETRIC [[3, 4], [60, 149]])', () => {
    const a = randArr(rng, [300, 150], 'float32');
    expectValue(tf.pad(constOf(a, 'float32'), [[3, 4], [60, 149]], { mode: 'SYMMETRIC' }), ref.pad(a, [[3, 4], [60, 149]], 'SYMMETRIC'), 'float32');
    expectValue(tf.pad(constOf(a, 'float32'), [[3, 4], [60, 149]], { constantValues: -1.5 }), ref.pad(a, [[3, 4], [60, 149]], 'CONSTANT', -1.5), 'float32');
  });
  it('op types and names (Pad / PadV2 / MirrorPad, TF1)', () => {
    const x = zeros([2, 3]);
    expect(tf.pad(x, [[1, 1], [0, 0]]).op.type).toBe('Pad');
    const v2 = tf.pad(x, [[1, 1], [0, 0]], { constantValues: 2 });
    expect([v2.op.type, v2.op.name, v2.op.inputs[2].op.name]).toEqual(['PadV2', 'PadV2', 'PadV2/constant_values']);
    const m = tf.pad(x, [[1, 1], [0, 0]], { mode: 'reflect' });
    expect([m.op.type, m.op.attrs.get('mode')!.value]).toEqual(['MirrorPad', 'REFLECT']);
    expectError(() => tf.pad(x, [[1, 1], [0, 0]], { mode: 'EDGE' }), /Unknown padding mode: EDGE/);
  });
  it('shape inference and errors', () => {
    expect(tf.pad(tf.placeholder(tf.float32, [null, 3]), [[1, 1], [0, 2]]).shape).toEqual([null, 5]);
    expect(tf.pad(tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.int32, [2, 2])).shape).toEqual([null, null]);
    expect(tf.pad(tf.placeholder(tf.float32), tf.placeholder(tf.int32, [null, 2])).shape).toBeNull();
    expect(tf.pad(tf.placeholder(tf.float32), [[1, 1]], { mode: 'REFLECT' }).shape).toEqual([null]);
    const x = zeros([2, 3]);
    expectError(() => tf.pad(x, [[1, -1], [0, 0]]), /Paddings must be non-negative/);
    expectError(() => tf.pad(x, [[1, 1]]), /Shape must be rank 1 but is rank 2/);
    expectError(() => tf.pad(x, [[1, 1, 1], [0, 0, 0]]), /Dimension must be 2 but is 3/);
    const [p, feed] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.pad(p, [[1, 1]]), [feed], /The first dimension of paddings must be the rank of inputs\[1,2\] \[2,3\]/);
    const pp = tf.placeholder(tf.int32);
    expectRunError(tf.pad(p, pp), [feed, [pp, tf.ndarray(new Int32Array(6), [2, 3])]], /paddings must be a matrix with 2 columns: \[2,3\]/);
    expectRunError(tf.pad(p, pp), [feed, [pp, tf.ndarray(Int32Array.from([1, -1, 0, 0]), [2, 2])]], /Paddings must be non-negative: 1 -1/);
    const cv = tf.placeholder(tf.float32);
    expectRunError(tf.pad(p, [[1, 1], [0, 0]], { constantValues: cv }), [feed, [cv, tf.ndarray(new Float32Array(2), [2])]], /constant_values must be a scalar. Found: \[2\]/);
    expectRunError(tf.pad(p, [[2, 0], [0, 0]], { mode: 'REFLECT' }), [feed], /paddings must be less than the dimension size: 2, 0 not less than 2/);
    expectRunError(tf.pad(p, [[3, 0], [0, 0]], { mode: 'SYMMETRIC' }), [feed], /paddings must be no greater than the dimension size: 3, 0 greater than 2/);
    const [q, feedQ] = fed({ shape: [0, 3], data: [] }, 'float32');
    expectRunError(tf.pad(q, [[0, 0], [0, 0]], { mode: 'REFLECT' }), [feedQ], /paddings must be less than the dimension size: 0, 0 not less than 0/);
    const [r9, feed9] = fed({ shape: new Array(9).fill(1), data: [1] }, 'float32');
    expectRunError(tf.pad(r9, new Array(9).fill([0, 0])), [feed9], /inputs rank not in \[0,8\]: 9/, tf.errors.UnimplementedError);
    const [r6, feed6] = fed({ shape: new Array(6).fill(2), data: new Array(64).fill(1) }, 'float32');
    expectRunError(tf.pad(r6, new Array(6).fill([0, 0]), { mode: 'REFLECT' }), [feed6], /inputs rank not in \[0,5\]: 6/, tf.errors.UnimplementedError);
  });
});
