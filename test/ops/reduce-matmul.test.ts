// BatchMatMulV2 and Einsum against the naive references in reduce-reference.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Arr, Lcg, randomData } from '../reference/ops';
import { makeNode } from '../../lib/ops/builders';
import { constOf, expectMatches, runOnce, tolFor } from './helpers';
import { batchMatMul, einsum, size } from './reduce-reference';

const DTYPES: tf.DType[] = ['float32', 'float64', 'int32', 'int64'];
const rand = (rng: Lcg, shape: number[], dtype: tf.DType): Arr => ({ shape, data: randomData(rng, size(shape), dtype, -5, 5) });

/** An Einsum node as a GraphDef carries it: no front end (tf.einsum rejects repeated output labels). */
const rawEinsum = (eq: string, ...xs: tf.Tensor[]) =>
  makeNode(xs[0].graph, 'Einsum', xs, { equation: eq, N: xs.length, T: xs[0].dtype }, null, undefined).outputs[0];

function runErr(t: tf.Tensor, feeds?: tf.FeedDict): Error {
  const sess = new tf.Session({ graph: t.graph });
  try { sess.run(t, feeds); } catch (e) { return e as Error; } finally { sess.close(); }
  throw new Error('expected the run to fail');
}

describe('BatchMatMulV2 vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // [x shape, y shape] before adjoints; covers broadcasting, rank 2, empty dims, tiny / mid / large
  // products (the three batching strategies) and a batch that crosses the parallel split.
  const CASES: [number[], number[]][] = [
    [[2, 3], [3, 4]], [[1, 1, 1], [1, 1]], [[5, 2, 3], [5, 3, 4]], [[2, 3, 4], [4, 5]], [[3, 4], [2, 4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]], [[4, 1, 3, 2], [3, 2, 6]], [[0, 3, 4], [1, 4, 5]], [[2, 3, 0], [2, 0, 5]], [[2, 0, 3], [3, 4]],
    [[300, 4, 4], [300, 4, 4]], [[6000, 2, 2], [6000, 2, 2]], [[64, 33, 17], [17, 40]], [[3, 130, 100], [3, 100, 90]],
    [[1, 1, 300], [1, 300, 1]],
    // One y for every batch (rank 2 or batch dims all 1): a single [batch*m, k] product.
    [[4, 3, 5], [1, 5, 6]], [[2, 3, 17, 9], [1, 1, 9, 7]], [[3, 40, 30], [30, 20]], [[1, 3, 4], [4, 5]],
    [[2, 3, 0], [0, 5]], [[8, 128, 64], [64, 96]],
  ];
  for (const dtype of DTYPES) {
    for (const [sx, sy] of CASES) {
      for (const [adjX, adjY] of [[false, false], [true, false], [false, true], [true, true]]) {
        if ((dtype !== 'float32' || adjX || adjY) && size(sx) > 10000) continue;
        it(`${dtype} [${sx}] x [${sy}] adjX=${adjX} adjY=${adjY}`, () => {
          const rng = new Lcg(size(sx) * 5 + size(sy) + (adjX ? 1 : 0) + (adjY ? 2 : 0));
          const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
          const x = rand(rng, adjX ? swap(sx) : sx, dtype), y = rand(rng, adjY ? swap(sy) : sy, dtype);
          const z = tf.batchMatMul(constOf(x, dtype), constOf(y, dtype), { adjX, adjY });
          const { out, scale } = batchMatMul(x, y, adjX, adjY);
          expect(z.op.type).toBe('BatchMatMulV2');
          expect(z.shape).toEqual(out.shape);
          expectMatches(runOnce(z), out, dtype, tolFor(dtype), scale);
        });
      }
    }
  }

  it('integer products wrap (int32), fed placeholders of unknown shape', () => {
    const x = tf.placeholder(tf.int32, null), y = tf.placeholder(tf.int32, [null, null, 2]);
    const z = tf.batchMatMul(x, y);
    expect(z.shape).toBeNull();
    const xv: Arr = { shape: [1, 2, 2], data: [65536, 1, 2, 3] }, yv: Arr = { shape: [2, 2, 2], data: [65536, 0, 5, 6, 7, 8, 9, 10] };
    const out = runOnce(z, new Map([[x, tf.ndarray(Int32Array.from(xv.data), xv.shape)], [y, tf.ndarray(Int32Array.from(yv.data), yv.shape)]]));
    const want = batchMatMul(xv, yv, false, false).out;
    expectMatches(out, { shape: want.shape, data: want.data.map((v) => v | 0) }, 'int32', tolFor('int32'));
  });

  it('build-time shapes and errors (TF\'s BatchMatMulV2Shape)', () => {
    const z = tf.batchMatMul([[1, 2]], tf.constant([[3], [4]]));
    expect(z.op.name).toBe('MatMul');
    expect(z.op.inputs[0].op.name).toBe('MatMul/a');
    expect(runOnce(z).data[0]).toBe(11);
    const ph = (s: (number | null)[] | null) => tf.placeholder(tf.float32, s);
    expect(tf.batchMatMul(ph([null, null, 4, 3]), ph([null, 5, 4]), { adjX: true, adjY: true }).shape).toEqual([null, null, 3, 5]);
    expect(tf.batchMatMul(ph([null, 1, 4, 3]), ph([2, 7, 3, 5])).shape).toEqual([2, 7, 4, 5]);
    expect(tf.batchMatMul(ph([null, 4, 3]), ph([null, 3, 5])).shape).toEqual([null, 4, 5]);
    expect(tf.batchMatMul(ph(null), ph([2, 3]))).toHaveProperty('shape', null);
    expect(() => tf.batchMatMul(ph([2, 3, 4]), ph([3, 5]))).toThrow(/Dimensions must be equal, but are 4 and 3/);
    expect(() => tf.batchMatMul(ph([2, 3, 4]), ph([3, 4, 5]))).toThrow(/Dimensions must be equal, but are 2 and 3/);
    expect(() => tf.batchMatMul(ph([4]), ph([4, 5]))).toThrow(/Shape must be at least rank 2 but is rank 1/);
    expect(() => tf.batchMatMul(tf.constant(Int32Array.from([1, 2]), null, [1, 2]), ph([2, 1]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.batchMatMul(tf.constant(Uint8Array.from([1]), 'uint8', [1, 1]), tf.constant(Uint8Array.from([1]), 'uint8', [1, 1])))
      .toThrow(/not in list of allowed values/);
  });

  it('run-time errors: rank < 2, incompatible batch dims, inner dims', () => {
    const x = tf.placeholder(tf.float32, null), y = tf.placeholder(tf.float32, null);
    const z = tf.batchMatMul(x, y);
    const nd = (s: number[]) => tf.ndarray(new Float32Array(size(s)), s);
    const cases: [number[], number[], string][] = [
      [[4], [4, 5], 'In[0] ndims must be >= 2: 1'],
      [[3, 4], [4], 'In[1] ndims must be >= 2: 1'],
      [[2, 3, 4], [3, 4, 5], 'In[0] and In[1] must have compatible batch dimensions: [2,3,4] vs. [3,4,5]'],
      [[2, 3, 4], [3, 5], 'Matrix size-incompatible: In[0]: [2,3,4], In[1]: [3,5]'],
    ];
    for (const [sx, sy, msg] of cases) {
      const err = runErr(z, new Map([[x, nd(sx)], [y, nd(sy)]]));
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err.message).toContain(msg);
    }
  });
});

describe('Einsum vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  // The equations Keras emits (EinsumDense, MultiHeadAttention) and the general forms: transposes,
  // reductions, diagonals, outer and batch products, '...' broadcasting, swapped output order.
  const CASES: [string, number[][]][] = [
    ['abc,cd->abd', [[2, 3, 4], [4, 5]]],
    ['abcd,cde->abe', [[2, 3, 4, 5], [4, 5, 6]]],
    ['aecd,abcd->acbe', [[2, 3, 4, 5], [2, 6, 4, 5]]],
    ['acbe,aecd->abcd', [[2, 4, 6, 3], [2, 3, 4, 5]]],
    ['abc,cde->abde', [[2, 3, 4], [4, 5, 6]]],
    ['ab,bc->ac', [[3, 4], [4, 5]]],
    ['bij,bjk->bik', [[3, 2, 4], [3, 4, 5]]],
    ['ij,kj->ik', [[3, 4], [5, 4]]],
    ['ji,jk->ik', [[4, 3], [4, 5]]],
    ['ij,jk->ki', [[3, 4], [4, 5]]],
    ['ij->ji', [[2, 3]]],
    ['ij->', [[2, 3]]],
    ['ijk->kij', [[2, 3, 4]]],
    ['ii->i', [[3, 3]]],
    ['iij->j', [[2, 2, 3]]],
    ['i->ii', [[3]]],
    ['ij,jk->iik', [[2, 3], [3, 4]]],
    ['i,j->ij', [[2], [3]]],
    ['ij,ij->ij', [[2, 3], [2, 3]]],
    ['ij,ij->', [[2, 3], [2, 3]]],
    ['ab,ab->ba', [[2, 3], [2, 3]]],
    ['bij,bjk->b', [[2, 3, 4], [2, 4, 5]]],
    ['ij,jk->k', [[2, 3], [3, 4]]],
    ['ij,kl->', [[2, 3], [3, 4]]],
    ['iij,jk->ik', [[3, 3, 4], [4, 2]]],
    ['...ij,...jk->...ik', [[2, 2, 3], [3, 4]]],
    ['...ij,...jk->...ik', [[2, 1, 2, 3], [5, 3, 2]]],
    ['i...->...i', [[2, 3, 4]]],
    ['...,...->...', [[2, 3], [3]]],
    ['ij,jk->...ik', [[2, 3], [3, 4]]],
    ['ij,jk->ik', [[2, 0], [0, 4]]],
    ['ij,jk->ik', [[0, 3], [3, 4]]],
    ['bqhd,bkhd->bhqk', [[2, 5, 3, 4], [2, 6, 3, 4]]],
    ['bhqk,bkhd->bqhd', [[2, 3, 5, 6], [2, 6, 3, 4]]],
    ['abc,cd->abd', [[16, 40, 64], [64, 48]]],
    ['bij,bjk->bik', [[500, 3, 4], [500, 4, 2]]],
    // Strided operands and outputs read and written in place (Keras attention: two batch labels,
    // rows and columns interleaved with them), the operands swapped for the output's order, and
    // contract labels that do not merge into one stride (gathered).
    ['BTNH,BSNH->BNTS', [[2, 9, 3, 8], [2, 10, 3, 8]]],
    ['BNTS,BSNH->BTNH', [[2, 3, 9, 10], [2, 10, 3, 8]]],
    ['BTNH,BSNH->BNTS', [[1, 7, 2, 5], [1, 6, 2, 5]]],
    ['BNTS,BSNH->BTNH', [[1, 2, 7, 6], [1, 6, 2, 5]]],
    ['BTNH,BSNH->BNST', [[2, 5, 3, 4], [2, 6, 3, 4]]],
    ['bij,bjk->kbi', [[3, 4, 5], [3, 5, 6]]],
    ['abc,cbd->ad', [[3, 4, 5], [5, 4, 6]]],
    ['BTNH,BSNH->BNTS', [[2, 3, 2, 0], [2, 4, 2, 0]]],
    ['BTNH,BSNH->BNTS', [[2, 128, 4, 64], [2, 128, 4, 64]]],
    ['BNTS,BSNH->BTNH', [[2, 4, 128, 128], [2, 128, 4, 64]]],
    ['BNTS,BSNH->BTNH', [[3, 1, 40, 50], [3, 50, 1, 30]]],
  ];
  for (const dtype of DTYPES) {
    for (const [eq, shapes] of CASES) {
      if (dtype !== 'float32' && shapes.some((s) => size(s) > 2000)) continue;
      it(`${dtype} '${eq}' [${shapes.map((s) => `[${s}]`).join(', ')}]`, () => {
        const rng = new Lcg(eq.length * 17 + size(shapes[0]));
        const arrs = shapes.map((s) => rand(rng, s, dtype));
        const out_ = eq.split('->')[1];
        const inflate = new Set(out_).size !== out_.length;  // a repeated output label writes a diagonal
        const y = (inflate ? rawEinsum : tf.einsum)(eq, ...arrs.map((a) => constOf(a, dtype)));
        const { out, scale } = einsum(eq, arrs);
        expect(y.op.type).toBe('Einsum');
        expect(y.shape).toEqual(out.shape);
        expectMatches(runOnce(y), out, dtype, tolFor(dtype), scale);
      });
    }
  }

  it('inputs fed through placeholders of unknown shape give the same values', () => {
    const rng = new Lcg(4);
    const a = rand(rng, [2, 4, 6, 3], 'float32'), b = rand(rng, [2, 3, 4, 5], 'float32');
    const pa = tf.placeholder(tf.float32, null), pb = tf.placeholder(tf.float32, [null, 3, null, 5]);
    const y = tf.einsum('acbe,aecd->abcd', pa, pb);
    expect(y.shape).toEqual([null, null, null, 5]);
    const out = runOnce(y, new Map([[pa, tf.ndarray(Float32Array.from(a.data), a.shape)], [pb, tf.ndarray(Float32Array.from(b.data), b.shape)]]));
    const { out: want, scale } = einsum('acbe,aecd->abcd', [a, b]);
    expectMatches(out, want, 'float32', tolFor('float32'), scale);
  });

  it('implicit output, spaces, more than two inputs, TF 2.x names', () => {
    const rng = new Lcg(9);
    const a = rand(rng, [2, 3], 'float64'), b = rand(rng, [3, 4], 'float64'), c = rand(rng, [4, 2], 'float64');
    const [ta, tb, tc] = [a, b, c].map((x) => constOf(x, 'float64'));
    const y = tf.einsum('ij,jk', ta, tb);
    expect(y.op.name).toBe('einsum/Einsum');
    expect(y.op.attrs.get('equation')!.value).toBe('ij,jk->ik');
    expect(tf.einsum(' i j , j k -> i k ', ta, tb, { name: 'mm' }).op.name).toBe('mm/Einsum');
    expect(tf.einsum('...j,jk', tf.placeholder(tf.float64, [5, 2, 3]), tb).op.attrs.get('equation')!.value).toBe('...j,jk->...k');
    expect(tf.einsum('ji', ta).shape).toEqual([3, 2]);  // implicit output is alphabetical: 'ij'
    const three = tf.einsum('ij,jk,kl->il', ta, tb, tc);
    const ab = einsum('ij,jk->ik', [a, b]).out;
    const { out, scale } = einsum('ik,kl->il', [ab, c]);
    expectMatches(runOnce(three), out, 'float64', tolFor('float64'), scale);
    expect(runOnce(tf.einsum('i,i', [1, 2, 3], tf.constant([4, 5, 6]))).data[0]).toBe(32);
  });

  it('build-time shape inference and errors (TF\'s EinsumShape)', () => {
    const ph = (s: (number | null)[] | null) => tf.placeholder(tf.float32, s);
    expect(tf.einsum('bij,bjk->bik', ph([null, 2, 3]), ph([4, null, 5])).shape).toEqual([4, 2, 5]);
    expect(tf.einsum('...ij,...jk->...ik', ph(null), ph([3, 4])).shape).toBeNull();
    expect(tf.einsum('...ij,...jk->...ik', ph([null, 1, 2, 3]), ph([7, 3, 4])).shape).toEqual([null, 7, 2, 4]);
    expect(tf.einsum('ij->j', ph(null)).shape).toEqual([null]);
    const raw = (eq: string, ...xs: tf.Tensor[]) => () => tf.einsum(eq, ...xs);
    const a = ph([2, 3]), b = ph([4, 5]);
    expect(raw('ij,jk->ik', a, b)).toThrow(/Dimensions must be equal, but are 3 and 4/);
    expect(raw('ij,jk->ik', a, ph([3]))).toThrow(/Shape must be rank 2 but is rank 1\n\t for 1th input and equation: ij,jk->ik/);
    expect(raw('ij,jk->ikx', a, ph([3, 5]))).toThrow(/Output subscripts contain the label x not present/);
    expect(raw('ij,jk->iik', a, ph([3, 5]))).toThrow(/Output subscripts contain a label appearing more than once/);
    expect(raw('ij,jk->ik', a)).toThrow(/Got 1 inputs for equation "ij,jk->ik", expecting 2/);
    expect(raw('i.j->ij', a)).toThrow(/Subscripts have incorrect format/);
    expect(raw('...ij,jk->ik', ph([2, 2, 3]), ph([3, 4]))).toThrow(/without ellipsis \(\.\.\.\) in the output subscripts/);
    expect(raw('ij,jk->ik', a, tf.placeholder(tf.float64, [3, 4]))).toThrow(tf.errors.InvalidArgumentError);
  });

  it('run-time checks (kernel): label sizes, ranks, broadcasting, unsupported dtypes', () => {
    const nd = (s: number[]) => tf.ndarray(new Float32Array(size(s)), s);
    const cases: [string, number[], number[], string][] = [
      ['ij,jk->ik', [2, 3], [4, 5], 'Expected dimension 3 at axis 0 of the input shaped [4,5] but got dimension 4'],
      ['bij,bjk->bik', [1, 2, 3], [4, 3, 5], 'Expected dimension 1 at axis 0 of the input shaped [4,3,5] but got dimension 4'],
      ['ij,jk->ik', [2, 3], [3], 'Expected input 1 to have rank 2 but got: 1'],
      ['ij...,jk->ik...', [2], [2, 2], 'Expected input 0 to have rank at least 2 but got: 1'],
      ['...ij,...jk->...ik', [2, 2, 3], [5, 3, 2], 'Invalid broadcasting dimensions'],
      ['...ij,jk->ik', [2, 2, 3], [3, 2], 'Output contains 1 broadcasting dimension(s) but no ellipsis (...) was found in the output subscripts.'],
    ];
    for (const [eq, sx, sy, msg] of cases) {
      const g = new tf.Graph();
      const z = g.asDefault(() => rawEinsum(eq, tf.placeholder(tf.float32, null, 'x'), tf.placeholder(tf.float32, null, 'y')));
      const sess = new tf.Session({ graph: g });
      let err: unknown;
      try { sess.run(z, new Map([['x:0', nd(sx)], ['y:0', nd(sy)]])); } catch (e) { err = e; } finally { sess.close(); }
      expect(err, eq).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect((err as Error).message).toContain(msg);
    }
    const u = tf.einsum('ij->ji', tf.constant(Uint8Array.from([1, 2]), 'uint8', [1, 2]));
    expect(runErr(u)).toBeInstanceOf(tf.errors.InvalidArgumentError);
  });
});
