// Slice and StridedSlice against numpy indexing (array-reference.ts), their shape inference on
// partial information, and TF's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Lcg } from '../reference/ops';
import * as ref from './array-reference';
import { ALL_DTYPES, Masks, randArr } from './array-reference';
import { expectBoth, expectError, expectRunError, expectValue, fed, ndOf } from './array-helpers';
import { constOf, runOnce } from './helpers';

const rng = new Lcg(5);
const zeros = (shape: number[]) => tf.constant(tf.ndarray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));
const ph = (shape: (number | null)[] | null) => tf.placeholder(tf.float32, shape);

describe('Slice', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const CASES: [number[], number[], number[]][] = [
    [[], [], []], [[5], [1], [3]], [[5], [0], [-1]], [[5], [5], [0]], [[2, 3], [1, 0], [1, 3]], [[2, 3], [0, 1], [-1, -1]],
    [[3, 4, 5], [1, 2, 0], [2, 1, 5]], [[0, 3], [0, 1], [0, 2]], [[4, 1, 6], [2, 0, 1], [2, -1, 4]], [[6, 7], [0, 0], [6, 7]],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, begin, size] of CASES) {
      it(`${dtype} [${shape}] begin [${begin}] size [${size}]`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.slice(x, begin, size), a, dtype, ref.slice(a, begin, size));
      });
    }
  }
  it('large: float32 [500, 300] rows 17..466, cols 3..290; int64 begin/size', () => {
    const a = randArr(rng, [500, 300], 'float32');
    expectValue(tf.slice(constOf(a, 'float32'), [17, 3], [450, 288]), ref.slice(a, [17, 3], [450, 288]), 'float32');
    expectValue(tf.slice(constOf(a, 'float32'), tf.constant(BigInt64Array.from([1n, 2n])), [3, -1]), ref.slice(a, [1, 2], [3, -1]), 'float32');
  });
  it('shape inference', () => {
    expect(tf.slice(zeros([2, 3]), [1, 1], [-1, -1]).shape).toEqual([1, 2]);
    expect(tf.slice(zeros([2, 3]), [1, 1], tf.placeholder(tf.int32, [2])).shape).toEqual([null, null]);
    expect(tf.slice(zeros([2, 3]), tf.placeholder(tf.int32, [2]), [1, -1]).shape).toEqual([1, null]);
    expect(tf.slice(ph([null, 3]), [0, 1], [-1, 2]).shape).toEqual([null, 2]);
    expect(tf.slice(ph(null), [0, 1], [1, 2]).shape).toEqual([1, 2]);
    expect(tf.slice(zeros([2, 3]), [-1, 0], [1, 1]).shape).toEqual([1, 1]);  // TF checks begin only at run time
    expect(tf.slice(ph(null), tf.placeholder(tf.int32), tf.placeholder(tf.int32)).shape).toBeNull();
  });
  it('errors (TF messages)', () => {
    expectError(() => tf.slice(zeros([2, 3]), [0, 0], [-2, 1]), /Invalid value in tensor used for shape: -2/);
    expectError(() => tf.slice(zeros([2, 3]), [3, 0], [-1, 1]), /Negative dimension size caused by subtracting 3 from 2/);
    expectError(() => tf.slice(zeros([2, 3]), [0], [1]), /Shape must be rank 1 but is rank 2/);
    expectError(() => tf.slice(zeros([2, 3]), [0, 0.5], [1, 1]), /begin must be integers/);
    const [p, fp] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(tf.slice(p, [1, 1], [2, 1]), [fp], /Expected size\[0\] in \[0, 1\], but got 2/);
    expectRunError(tf.slice(p, [-1, 0], [1, 1]), [fp], /Expected begin\[0\] in \[0, 2\], but got -1/);
    expectRunError(tf.slice(p, [3, 0], [0, 1]), [fp], /Expected begin\[0\] in \[0, 2\], but got 3/);
    expectRunError(tf.slice(p, [0], [1]), [fp], /Expected begin and size arguments to be 1-D tensors of size 2, but got shapes \[1\] and \[1\] instead\./);
    const [q, fq] = fed({ shape: [0, 3], data: [] }, 'float32');
    expectRunError(tf.slice(q, [1, 0], [0, 1]), [fq], /Expected begin\[0\] == 0 \(got 1\) and size\[0\] == 0 \(got 0\) when input.dim_size\(0\) == 0/);
  });
});

describe('StridedSlice', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [shape, begin, end, strides, masks]
  const CASES: [number[], number[], number[], number[], Masks][] = [
    [[7], [1], [6], [2], {}], [[7], [-1], [-10], [-2], {}], [[7], [10], [-10], [-3], {}], [[7], [0], [0], [-1], { beginMask: 1, endMask: 1 }],
    [[7], [3], [0], [1], { shrinkAxisMask: 1 }], [[7], [-2], [0], [1], { shrinkAxisMask: 1 }], [[7], [5], [2], [1], {}],
    [[2, 3], [0], [1], [1], {}], [[2, 3], [1, 0], [2, 3], [1, 2], {}], [[2, 3], [0, 0, 0], [1, 2, 3], [1, 1, 1], { newAxisMask: 2 }],
    [[2, 3], [0, 0, 0], [1, 2, 3], [1, 1, 1], { newAxisMask: 2, shrinkAxisMask: 3 }], [[2, 3, 4], [0, 0, 0], [1, 2, 3], [1, 1, 1], { ellipsisMask: 1, newAxisMask: 3 }],
    [[2, 3, 4], [1, 0, 1], [2, 0, 3], [1, 1, 1], { ellipsisMask: 2 }], [[2, 3, 4], [0, 2], [0, 0], [1, -1], { ellipsisMask: 1, endMask: 2 }],
    [[2, 3], [0], [1], [1], { beginMask: 255, endMask: 255, shrinkAxisMask: 2 }], [[3, 4], [1], [2], [1], { beginMask: 6, endMask: 6 }],
    [[4], [3], [2], [1], { beginMask: 1, shrinkAxisMask: 1 }], [[], [0], [1], [1], { newAxisMask: 1 }], [[], [0], [1], [1], { ellipsisMask: 1 }],
    [[0, 3], [0, 1], [0, 3], [1, 1], {}], [[4, 0], [1], [3], [1], {}], [[5, 6], [-1, 5], [-6, 0], [-1, -2], {}], [[3, 4, 5], [2, 3], [0, 1], [1, 1], { shrinkAxisMask: 3 }],
  ];
  for (const dtype of ALL_DTYPES) {
    for (const [shape, b, e, s, m] of CASES) {
      it(`${dtype} [${shape}] [${b}]:[${e}]:[${s}] ${JSON.stringify(m)}`, () => {
        const a = randArr(rng, shape, dtype);
        expectBoth((x) => tf.stridedSlice(x, b, e, s, m), a, dtype, ref.stridedSlice(a, b, e, s, m));
      });
    }
  }

  it('random specs vs numpy indexing (static shape inference included)', () => {
    const r = new Lcg(99);
    const shape = [4, 5, 6];
    const a = randArr(r, shape, 'int32');
    const x = constOf(a, 'int32');
    const p = tf.placeholder(tf.int32);
    const built: { onConst: tf.Tensor; onFed: tf.Tensor; masks: Masks; want: ReturnType<typeof ref.stridedSlice> }[] = [];
    for (let t = 0; t < 120; t++) {
      const n = r.int(1, 6);
      const m: Required<Masks> = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
      const b: number[] = [], e: number[] = [], s: number[] = [];
      let real = 0;
      for (let i = 0; i < n; i++) {
        const kind = r.int(0, 10);
        if (kind === 0 && !m.ellipsisMask) m.ellipsisMask |= 1 << i;
        else if (kind === 1) m.newAxisMask |= 1 << i;
        else if (kind === 2 && real < 3) { m.shrinkAxisMask |= 1 << i; real++; }
        else if (real < 3) real++;
        else m.newAxisMask |= 1 << i;
        if (r.int(0, 4) === 0) m.beginMask |= 1 << i;
        if (r.int(0, 4) === 0) m.endMask |= 1 << i;
        b.push(r.int(-8, 8)); e.push(r.int(-8, 8));
        s.push([-3, -2, -1, 1, 1, 2, 3][r.int(0, 7)]);
        if ((m.shrinkAxisMask >> i) & 1 && !((m.newAxisMask >> i) & 1) && !((m.ellipsisMask >> i) & 1)) s[i] = 1;
      }
      let want;
      try { want = ref.stridedSlice(a, b, e, s, m); } catch { continue; }
      built.push({ onConst: tf.stridedSlice(x, b, e, s, m), onFed: tf.stridedSlice(p, b, e, s, m), masks: m, want });
    }
    expect(built.length).toBeGreaterThan(60);
    const sess = new tf.Session();
    try {
      const outs: tf.NDArray[] = sess.run(built.flatMap((c) => [c.onConst, c.onFed]), new Map([[p, ndOf(a, 'int32')]]));
      built.forEach((c, i) => {
        expect(c.onConst.shape, JSON.stringify(c.masks)).toEqual(c.want.shape);
        for (const o of [outs[2 * i], outs[2 * i + 1]]) {
          expect(o.shape).toEqual(c.want.shape);
          expect(Array.from(o.data as Int32Array)).toEqual(c.want.data);
        }
      });
    } finally { sess.close(); }
  });

  it('large: float32 [300, 400] reversed rows, every 3rd column', () => {
    const a = randArr(rng, [300, 400], 'float32');
    const m = { beginMask: 3, endMask: 3 };
    expectValue(tf.stridedSlice(constOf(a, 'float32'), [0, 0], [0, 0], [-1, 3], m), ref.stridedSlice(a, [0, 0], [0, 0], [-1, 3], m), 'float32');
  });

  it('shape inference on partial information (as TF)', () => {
    const i32 = (s: (number | null)[]) => tf.placeholder(tf.int32, s);
    expect(tf.stridedSlice(ph([null, 3, null]), [0, 1], [1, 2], [1, 1]).shape).toEqual([null, 1, null]);
    expect(tf.stridedSlice(ph([null, 3, null]), [0, 1, 0], [1, 2, 3], [1, 1, -1], { shrinkAxisMask: 1, endMask: 4 }).shape).toEqual([1, null]);
    expect(tf.stridedSlice(zeros([2, 3]), i32([2]), [1, 2], [1, 1]).shape).toEqual([null, null]);
    expect(tf.stridedSlice(zeros([2, 3]), i32([2]), [1, 2], [1, 1], { shrinkAxisMask: 1 }).shape).toEqual([null]);
    expect(tf.stridedSlice(zeros([2, 3]), i32([2]), [1, 2], [1, 1], { beginMask: 2, endMask: 2 }).shape).toEqual([null, 3]);
    expect(tf.stridedSlice(zeros([2, 3]), [0, 0], [1, 2], i32([2])).shape).toBeNull();
    expect(tf.stridedSlice(ph(null), [0], [1], [1]).shape).toBeNull();
    expect(tf.stridedSlice(zeros([2, 3]), i32([null]), i32([null]), [1, 1]).shape).toEqual([null, null]);
  });

  it('Shape -> StridedSlice -> Pack -> Reshape, as frozen graphs compute a flatten', () => {
    const x = ph([null, 4, 5]);
    const s = tf.shape(x);
    expect([s.op.type, s.shape]).toEqual(['Shape', [3]]);
    const batch = tf.stridedSlice(s, [0], [1], [1], { shrinkAxisMask: 1 });
    expect(batch.shape).toEqual([]);
    const y = tf.reshape(x, tf.stack([batch, tf.constant(-1, 'int32')]));
    expect(y.shape!.length).toBe(2);
    const a = randArr(rng, [3, 4, 5], 'float32');
    const out = runOnce(y, new Map([[x, ndOf(a, 'float32')]]));
    expect(out.shape).toEqual([3, 20]);
    expect(Array.from(out.data as Float32Array)).toEqual(a.data);
  });

  it('names and default strides', () => {
    const y = tf.stridedSlice(zeros([4]), [1], [3]);
    expect([y.op.type, y.op.name, y.op.inputs.map((t) => t.op.name), y.shape]).toEqual(
      ['StridedSlice', 'StridedSlice', ['Const', 'StridedSlice/begin', 'StridedSlice/end', 'StridedSlice/strides'], [2]]);
  });

  it('errors (TF messages), build time and run time', () => {
    const x = zeros([2, 3]);
    const ss = (t: tf.Tensor, b: number[], e: number[], s: number[], m: Masks = {}) => tf.stridedSlice(t, b, e, s, m);
    expectError(() => ss(x, [0], [1], [0]), /strides\[0\] must be non-zero/);
    expectError(() => ss(x, [5], [6], [1], { shrinkAxisMask: 1 }), /slice index 5 of dimension 0 out of bounds\./);
    expectError(() => ss(x, [1], [0], [-1], { shrinkAxisMask: 1 }), /only stride 1 allowed on non-range indexing\./);
    expectError(() => ss(x, [0, 0, 0], [1, 1, 1], [1, 1, 1]), /Index out of range using input dim 2; input has only 2 dims/);
    expectError(() => ss(x, [0, 0], [1, 1], [1, 1], { ellipsisMask: 3 }), /Multiple ellipses in slice spec not allowed/);
    expectError(() => ss(x, [0, 0], [1], [1, 1]), /Dimension 0 in both shapes must be equal, but are 2 and 1/);
    expectError(() => ss(zeros([]), [0], [1], [1]), /Attempting to slice scalar input\./);
    const [p, fp] = fed({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'float32');
    expectRunError(ss(p, [0], [1], [0]), [fp], /strides\[0\] must be non-zero/);
    expectRunError(ss(p, [5], [6], [1], { shrinkAxisMask: 1 }), [fp], /slice index 5 of dimension 0 out of bounds\./);
    expectRunError(ss(p, [-3], [6], [1], { shrinkAxisMask: 1 }), [fp], /slice index -1 of dimension 0 out of bounds\./);
    expectRunError(ss(p, [1], [0], [-1], { shrinkAxisMask: 1 }), [fp], /only stride 1 allowed on non-range indexing\./);
    expectRunError(ss(p, [0, 0, 0], [1, 1, 1], [1, 1, 1]), [fp], /Index out of range using input dim 2; input has only 2 dims/);
    expectRunError(ss(p, [0, 0], [1, 1], [1, 1], { ellipsisMask: 3 }), [fp], /Multiple ellipses in slice spec not allowed/);
    expectRunError(ss(p, new Array(40).fill(0), new Array(40).fill(1), new Array(40).fill(1)), [fp],
      /Expected begin, end, and strides to be 1D equal size tensors, but got shapes \[40\], \[40\], and \[40\] instead\./);
    const [s, fs] = fed({ shape: [], data: [1] }, 'float32');
    expectRunError(ss(s, [0], [1], [1]), [fs], /Attempting to slice scalar input\./);
    expectRunError(ss(s, [0], [1], [1], { shrinkAxisMask: 1 }), [fs], /Attempting to slice scalar input\./);
    const [z, fz] = fed({ shape: [0, 3], data: [] }, 'float32');
    expectRunError(ss(z, [0], [1], [1], { shrinkAxisMask: 1 }), [fz], /slice index 0 of dimension 0 out of bounds\./);
    const b = tf.placeholder(tf.int32);
    expectRunError(tf.stridedSlice(p, b, [1, 1], [1, 1]), [fp, [b, tf.ndarray(Int32Array.from([0]), [1])]],
      /Expected begin, end, and strides to be 1D equal size tensors, but got shapes \[1\], \[2\], and \[2\] instead\./);
  });
});
