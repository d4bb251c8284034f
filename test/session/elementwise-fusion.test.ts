// Plan-time elementwise fusion (native fuse_elementwise; rewriteOptions.elementwiseFusion 'ON',
// off by default): a chain of float32 unary / binary / BiasAdd ops, each link read only by the
// next, runs as one _FusedElementwise step over cache-sized blocks. Results equal the unfused
// plan (elementwiseFusion OFF) bit for bit and a naive
// JS reference; partition graphs and the trace show the step; shapes the blocked kernel does not
// take (an operand broadcast along a middle dim, a value that grows along the chain) and errors
// go through the links' own kernels.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const ON = { graphOptions: { rewriteOptions: { elementwiseFusion: 'ON' as const } } };
const OFF = { graphOptions: { rewriteOptions: { elementwiseFusion: 'OFF' as const } } };
const f = Math.fround;
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 3);
}
type Build = () => { feeds: [tf.Tensor, tf.NDArray][]; fetches: tf.Tensor[] };

/** Runs build's graph with fusion on (traced) and off; both results and the fused run's metadata. */
function both(build: Build): { on: tf.NDArray[]; off: tf.NDArray[]; meta: tf.RunMetadata } {
  const g = new tf.Graph();
  const { feeds, fetches } = g.asDefault(build);
  const on = new tf.Session({ graph: g, config: ON }), off = new tf.Session({ graph: g, config: OFF });
  const meta = new tf.RunMetadata();
  const r1 = on.run(fetches, feeds, { traceLevel: 'FULL_TRACE', outputPartitionGraphs: true }, meta) as tf.NDArray[];
  const r2 = off.run(fetches, feeds) as tf.NDArray[];
  on.close(); off.close();
  return { on: r1, off: r2, meta };
}
const fusedNodes = (m: tf.RunMetadata) => m.partitionGraphs[0].node.filter((n) => n.op === '_FusedElementwise');
const fusedOps = (n: { attr: Record<string, { list?: { s?: Uint8Array[] } }> }) =>
  (n.attr.fused_ops.list!.s as Uint8Array[]).map((s) => new TextDecoder().decode(s));
function expectSame(a: tf.NDArray, b: tf.NDArray): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.data as Float32Array, y = b.data as Float32Array;
  let bad = -1;
  for (let i = 0; i < x.length && bad < 0; i++) if (!Object.is(x[i], y[i])) bad = i;
  expect(bad, `first difference at ${bad}: ${x[bad]} vs ${y[bad]}`).toBe(-1);
}
function expectClose(a: tf.NDArray, want: ArrayLike<number>, rtol: number, atol: number): void {
  const x = a.data as Float32Array;
  expect(x.length).toBe(want.length);
  let bad = -1;
  for (let i = 0; i < x.length && bad < 0; i++) if (!(Math.abs(x[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) bad = i;
  expect(bad, `first mismatch at ${bad}: ${x[bad]} vs ${want[bad]}`).toBe(-1);
}
/** erfc in double: the continued fraction for |x| >= 2, else 1 - the Taylor series of erf. */
function erfc(x: number): number {
  if (x >= 2) { let c = x; for (let k = 200; k >= 1; k--) c = x + (k / 2) / c; return Math.exp(-x * x) / Math.sqrt(Math.PI) / c; }
  if (x <= -2) return 2 - erfc(-x);
  let s = 0, t = x;
  for (let k = 0; k < 60; k++) { s += t / (2 * k + 1); t *= -x * x / (k + 1); }
  return 1 - (2 / Math.sqrt(Math.PI)) * s;
}

describe('elementwise fusion', () => {
  it('one step for a chain with same-shape, scalar, last-dim and per-row operands; bit-identical to the unfused plan', () => {
    const rows = 37, cols = 300;  // 11100 elements: more than one block
    const xv = values(rows * cols, 1), zv = values(rows * cols, 2), rv = values(cols, 3), cv = values(rows, 4);
    let names: string[] = [];
    const { on, off, meta } = both(() => {
      const x = tf.placeholder('float32', [rows, cols], 'x'), z = tf.placeholder('float32', [rows, cols], 'z');
      const t = tf.tanh(x);
      const u = tf.multiply(t, tf.constant(0.5));
      const v = tf.add(u, tf.constant(tf.ndarray(rv, [cols], 'float32')));
      const w = tf.subtract(v, tf.constant(tf.ndarray(cv, [rows, 1], 'float32')), 'w');
      const e = tf.erfc(tf.negative(w));
      const y = tf.multiply(z, e, 'tail');
      names = [t, u, v, w, e].map((o) => o.op.name);
      return { feeds: [[x, tf.ndarray(xv, [rows, cols], 'float32')], [z, tf.ndarray(zv, [rows, cols], 'float32')]], fetches: [y] };
    });
    expectSame(on[0], off[0]);
    const want = Array.from(xv, (xi, i) => {
      const r = Math.floor(i / cols), c = i % cols;
      const w = f(f(f(f(Math.tanh(xi)) * 0.5) + rv[c]) - cv[r]);
      return zv[i] * erfc(-w);
    });
    // erfc(-w) near 5 moves 10x relative per relative change of w: 1 ulp of tanh shows as ~5e-6.
    expectClose(on[0], want, 2e-5, 1e-30);
    const [node] = fusedNodes(meta);
    expect(fusedNodes(meta)).toHaveLength(1);
    expect(node.name).toBe('tail');
    expect(fusedOps(node)).toEqual(['Tanh', 'Mul', 'Add', 'Sub', 'Neg', 'Erfc', 'Mul']);
    const types = meta.partitionGraphs[0].node.map((n) => n.name);
    for (const n of names) expect(types).not.toContain(n);
    const labels = meta.stepStats.devStats[0].nodeStats.map((n) => n.timelineLabel);
    expect(labels.filter((l) => l.startsWith('tail = _FusedElementwise('))).toHaveLength(1);
  });

  it('large tensors: long rows split in blocks, and flat chains split across threads', () => {
    const rows = 3, cols = 70001;  // a row longer than a block, odd length for the vector tails
    const xv = values(rows * cols, 5), bv = values(cols, 6);
    const { on, off } = both(() => {
      const x = tf.placeholder('float32', [rows, cols]);
      const b = tf.constant(tf.ndarray(bv, [cols], 'float32'));
      const y = tf.nn.relu(tf.nn.biasAdd(tf.multiply(x, tf.constant(1.5)), b));
      const flat = tf.placeholder('float32', [300001]);
      const fv = values(300001, 7);
      const q = tf.maximum(tf.subtract(tf.square(flat), tf.constant(2)), tf.constant(-1));
      return { feeds: [[x, tf.ndarray(xv, [rows, cols], 'float32')], [flat, tf.ndarray(fv, [300001], 'float32')]], fetches: [y, q] };
    });
    expectSame(on[0], off[0]);
    expectSame(on[1], off[1]);
    expectClose(on[0], Array.from(xv, (xi, i) => Math.max(0, f(f(xi * 1.5) + bv[i % cols]))), 0, 0);
    const fv = values(300001, 7);
    expectClose(on[1], Array.from(fv, (v) => Math.max(f(f(v * v) - 2), -1)), 0, 0);
  });

  it('shapes the blocked kernel does not take run the links\' kernels (same results)', () => {
    const av = values(4 * 5, 8), bv = values(4 * 3 * 5, 9), mv = values(3, 10);
    const { on, off, meta } = both(() => {
      const a = tf.placeholder('float32', [4, 1, 5]), b = tf.placeholder('float32', [4, 3, 5]);
      const grow = tf.multiply(tf.add(tf.nn.relu(a), b), tf.constant(2));  // the value grows at the Add
      const mid = tf.subtract(tf.exp(b), tf.constant(tf.ndarray(mv, [1, 3, 1], 'float32')));  // a middle-dim operand
      return { feeds: [[a, tf.ndarray(av, [4, 1, 5], 'float32')], [b, tf.ndarray(bv, [4, 3, 5], 'float32')]], fetches: [grow, mid] };
    });
    expect(fusedNodes(meta)).toHaveLength(2);
    expectSame(on[0], off[0]);
    expectSame(on[1], off[1]);
    expectClose(on[0], Array.from(bv, (v, i) => f(f(Math.max(0, av[Math.floor(i / 15) * 5 + (i % 5)]) + v) * 2)), 0, 0);
    expectClose(on[1], Array.from(bv, (v, i) => Math.exp(v) - mv[Math.floor(i / 5) % 3]), 2e-6, 1e-6);
  });

  it('a value read twice, fetched or fed splits the chain; a chain reading its head input again stays correct', () => {
    const pv = values(1000, 11);
    const { on, off, meta } = both(() => {
      const p = tf.placeholder('float32', [1000]);
      const x = tf.add(p, tf.constant(1), 'x');          // read by both links below: not absorbed
      const y = tf.add(tf.multiply(x, tf.constant(2), 'm'), x, 'y');  // one chain m -> y, x twice
      const s = tf.sigmoid(p, 's');
      const t = tf.tanh(s, 't');                         // s is fetched too: s and t stay apart
      return { feeds: [[p, tf.ndarray(pv, [1000], 'float32')]], fetches: [y, s, t] };
    });
    on.forEach((v, i) => expectSame(v, off[i]));
    expectClose(on[0], Array.from(pv, (v) => { const x = f(v + 1); return f(f(x * 2) + x); }), 0, 0);
    const fused = fusedNodes(meta);
    expect(fused.map((n) => n.name)).toEqual(['y']);
    expect(fused[0].input).toEqual(['x', 'Const_1', 'x']);
    const names = meta.partitionGraphs[0].node.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['x', 's', 't']));
  });

  it('errors of a fused link keep their class and message; empty tensors', () => {
    const g = new tf.Graph();
    const { x, b, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 4]), b = tf.placeholder('float32', [null]);
      return { x, b, y: tf.nn.relu(tf.nn.biasAdd(tf.tanh(x), b)) };
    });
    for (const config of [ON, OFF]) {
      const s = new tf.Session({ graph: g, config });
      expect(() => s.run(y, [[x, tf.ndarray(new Float32Array(8), [2, 4])], [b, tf.ndarray(new Float32Array(3), [3])]]))
        .toThrow(tf.errors.InvalidArgumentError);
      expect(() => s.run(y, [[x, tf.ndarray(new Float32Array(8), [2, 4])], [b, tf.ndarray(new Float32Array(3), [3])]]))
        .toThrow(/Must provide as many biases as the last dimension of the input tensor: \[3\] vs. \[2,4\]/);
      const empty = s.run(y, [[x, tf.ndarray(new Float32Array(0), [0, 4])], [b, tf.ndarray(new Float32Array(4), [4])]]) as tf.NDArray;
      expect(empty.shape).toEqual([0, 4]);
      s.close();
    }
  });

  it('only float32 chains fuse; OFF and the default keep every node; a bad switch value is refused', () => {
    const { on, off, meta } = both(() => {
      const i = tf.placeholder('int32', [6]);
      return { feeds: [[i, tf.ndarray(new Int32Array([1, -2, 3, -4, 5, 2 ** 30]), [6], 'int32')]], fetches: [tf.add(tf.multiply(i, tf.constant(3, 'int32')), tf.constant(1, 'int32'))] };
    });
    expect(fusedNodes(meta)).toHaveLength(0);
    expect(Array.from(on[0].data as Int32Array)).toEqual(Array.from(off[0].data as Int32Array));
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.exp(tf.negative(tf.constant([1, 2, 3]))));
    for (const config of [OFF, undefined, ON]) {
      // Constant folding off: it would fold the whole constant chain first.
      const rewriteOptions = { ...config?.graphOptions?.rewriteOptions, constantFolding: 'OFF' as const };
      const s = new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions } } });
      const m = new tf.RunMetadata();
      s.run(y, undefined, { traceLevel: 'FULL_TRACE', outputPartitionGraphs: true }, m);
      expect(m.partitionGraphs[0].node.map((n) => n.op)).toEqual(config === ON ? ['Const', '_FusedElementwise'] : ['Const', 'Neg', 'Exp']);
      s.close();
    }
    expect(() => new tf.Session({ graph: g, config: { graphOptions: { rewriteOptions: { elementwiseFusion: 'MAYBE' as 'ON' } } } }))
      .toThrow(/Invalid elementwiseFusion MAYBE/);
  });
});
