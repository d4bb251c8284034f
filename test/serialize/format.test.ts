// The binary graph format: round trip, files, byte stability, asGraphDef, bad-buffer rejection
// (API.md "Serialization"; STYLE.md 3.9 test/serialize/).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from 'tensorloom';
import { Lcg } from '../reference/ops';

const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-format-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A graph touching every attr kind the slice uses, name scopes, control inputs and all dtypes. */
function buildModel(): { g: tf.Graph; x: string; fetches: string[] } {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder(tf.float32, [null, 3], 'x');
    tf.placeholder(tf.int32, null, 'unknown_rank');
    const init = tf.noOp({ name: 'init' });
    tf.nameScope('layer1', () => {
      const w = tf.constant(Float32Array.from([1, 2, 3, 4, 5, 6]), null, [2, 3], { name: 'w' });
      const b = tf.constant(Float32Array.from([0.5, -0.5]), null, null, { name: 'b' });
      const h = tf.controlDependencies([init], () => tf.add(tf.matmul(x, w, { transposeB: true }), b));
      const r = tf.nn.relu(h, { name: 'out' });
      tf.reduceSum(r, 1, true, { name: 'rowsum' });
      tf.nn.softmax(r, { name: 'probs' });
      tf.reshape(r, [-1], { name: 'flat' });
      tf.cast(r, tf.int32, { name: 'as_int' });
    });
    tf.constant(Float64Array.from([Math.PI, -0, Infinity, NaN]), null, null, { name: 'f64' });
    tf.constant(BigInt64Array.from([2n ** 62n, -1n]), null, null, { name: 'i64' });
    tf.constant(Uint8Array.from([0, 255]), null, null, { name: 'u8' });
    tf.constant([true, false, true], null, null, { name: 'flags' });
    tf.constant(new Float32Array(0), null, [0, 3], { name: 'empty' });
    tf.placeholderWithDefault(tf.constant(7, tf.int32), [], 'pwd');
    tf.group(init, { name: 'train' });
  });
  return { g, x: 'x:0', fetches: ['layer1/out:0', 'layer1/rowsum:0', 'layer1/probs:0', 'layer1/flat:0', 'layer1/as_int:0', 'f64:0', 'i64:0', 'u8:0', 'flags:0', 'empty:0', 'pwd:0', 'train'] };
}

const FEED = [[1, 2, 3], [-1, 0, 4]];

function runAll(g: tf.Graph, fetches: string[]): unknown {
  const sess = new tf.Session({ graph: g });
  try {
    const feeds = g.getOperations().some((o) => o.name === 'x') ? new Map([['x:0', FEED]]) : undefined;
    const out = sess.run(fetches, feeds);
    return out.map((v: tf.NDArray | null) => (v === null ? null : { dtype: v.dtype, shape: v.shape, data: Array.from(v.data as ArrayLike<number>, (e) => (typeof e === 'bigint' ? `${e}n` : Object.is(e, -0) ? '-0' : e)) }));
  } finally { sess.close(); }
}

function describeGraph(g: tf.Graph) {
  return g.getOperations().map((o) => ({
    name: o.name, type: o.type,
    inputs: o.inputs.map((t) => t.name), control: o.controlInputs.map((c) => c.name),
    outputs: o.outputs.map((t) => ({ dtype: t.dtype, shape: t.shape })),
  }));
}

beforeEach(() => tf.resetDefaultGraph());
const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

describe('round trip', () => {
  it('fromBuffer(toBuffer(g)) has the same names, types, inputs, control inputs, outputs and attrs', () => {
    const { g } = buildModel();
    const h = tf.Graph.fromBuffer(g.toBuffer());
    expect(h).toBeInstanceOf(tf.Graph);
    expect(describeGraph(h)).toEqual(describeGraph(g));
    expect(json(h.asGraphDef())).toBe(json(g.asGraphDef()));
  });

  it('a loaded graph runs and gives the same results', () => {
    const { g, fetches } = buildModel();
    const h = tf.Graph.fromBuffer(g.toBuffer());
    const a = runAll(g, fetches), b = runAll(h, fetches);
    expect(b).toEqual(a);
    // spot-check real values: relu(x @ w^T + b) for x = [[1,2,3],[-1,0,4]], w = [[1,2,3],[4,5,6]]
    expect((a as { data: number[] }[])[0].data).toEqual([14.5, 31.5, 11.5, 19.5]);
    expect((a as { data: unknown[] }[])[6].data).toEqual([`${2n ** 62n}n`, '-1n']);
  });

  it('the loaded graph keeps uniquifying names after the loaded ones', () => {
    const g = new tf.Graph();
    g.asDefault(() => { const a = tf.constant(1); tf.add(a, a); });
    const h = tf.Graph.fromBuffer(g.toBuffer());
    const t = h.asDefault(() => tf.add(h.getTensorByName('Const:0'), 1));
    expect(t.op.name).toBe('Add_1');
  });

  it('save(path) / tf.loadGraph(path) via a temp file', () => {
    const { g, fetches } = buildModel();
    const file = join(tmp, 'model.tlg');
    g.save(file);
    const h = tf.loadGraph(file);
    expect(describeGraph(h)).toEqual(describeGraph(g));
    expect(runAll(h, fetches)).toEqual(runAll(g, fetches));
  });

  it('accepts a Node Buffer, including a small one from the shared pool (byteOffset > 0)', () => {
    const { g, fetches } = buildModel();
    const buf = Buffer.from(g.toBuffer());   // small Buffers are slices of Node's 8 KiB pool
    const h = tf.Graph.fromBuffer(buf);
    expect(runAll(h, fetches)).toEqual(runAll(g, fetches));
    const c = new tf.Graph();
    c.asDefault(() => tf.constant(Float32Array.from([1, 2, 3]), null, null, { name: 'c' }));
    const small = Buffer.from(c.toBuffer());
    const d = tf.Graph.fromBuffer(small);
    expect(runAll(d, ['c:0'])).toEqual([{ dtype: 'float32', shape: [3], data: [1, 2, 3] }]);
  });

  it('does not alias the input buffer (the caller may reuse it)', () => {
    const { g, fetches } = buildModel();
    const buf = new Uint8Array(g.toBuffer());
    const h = tf.Graph.fromBuffer(buf);
    buf.fill(0);
    expect(runAll(h, fetches)).toEqual(runAll(g, fetches));
    const nodeBuf = Buffer.from(g.toBuffer());
    const k = tf.Graph.fromBuffer(nodeBuf);
    nodeBuf.fill(0);
    expect(runAll(k, fetches)).toEqual(runAll(g, fetches));
  });

  it('encoding is byte-stable: twice the same bytes, and decode → encode reproduces them', () => {
    const { g } = buildModel();
    const a = g.toBuffer(), b = g.toBuffer();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // NOTE: re-encoding a decoded graph byte-for-byte is not stated in API.md; expected of a canonical format.
    const c = tf.Graph.fromBuffer(a).toBuffer();
    expect(Buffer.from(c).equals(Buffer.from(a))).toBe(true);
    const { g: g2 } = buildModel();   // an identically built graph encodes identically
    expect(Buffer.from(g2.toBuffer()).equals(Buffer.from(a))).toBe(true);
  });

  it('an empty graph round-trips', () => {
    const h = tf.Graph.fromBuffer(new tf.Graph().toBuffer());
    expect(h.getOperations()).toEqual([]);
  });
});

describe('asGraphDef', () => {
  it('is a plain object: node[] with name, op, input (name / name:i / ^ctrl), attr', () => {
    const { g } = buildModel();
    const gd = g.asGraphDef();
    expect(JSON.parse(json(gd))).toBeTruthy();
    expect(gd.node.map((n) => n.name)).toEqual(g.getOperations().map((o) => o.name));
    const byName = new Map(gd.node.map((n) => [n.name, n]));
    const add = byName.get('layer1/Add')!;
    expect(add.op).toBe('Add');
    // MatMul was created in the same controlDependencies block, so Add gets no ^init of its own (TF's pruning of dominated edges)
    expect(add.input).toEqual(['layer1/MatMul', 'layer1/b']);
    const mm = byName.get('layer1/MatMul')!;
    expect(mm.op).toBe('MatMul');
    expect(mm.input).toEqual(['x', 'layer1/w', '^init']);
    expect(Object.keys(mm.attr).sort()).toEqual(['T', 'transpose_a', 'transpose_b']);
    expect(JSON.stringify(mm.attr.transpose_b)).toContain('true');
    expect(JSON.stringify(mm.attr.transpose_a)).toContain('false');
    const train = byName.get('train')!;
    expect(train.op).toBe('NoOp');
    expect(train.input).toEqual(['^init']);
    const x = byName.get('x')!;
    expect(x.op).toBe('Placeholder');
    expect(x.input).toEqual([]);
    expect(Object.keys(x.attr).sort()).toEqual(['dtype', 'shape']);
    const sum = byName.get('layer1/rowsum')!;
    expect(Object.keys(sum.attr)).toContain('keep_dims');
  });

  it('op.nodeDef matches the graph def entry', () => {
    const { g } = buildModel();
    const op = g.getOperationByName('layer1/MatMul');
    expect(op.nodeDef).toEqual(g.asGraphDef().node.find((n) => n.name === 'layer1/MatMul'));
  });
});

describe('bad-buffer rejection', () => {
  const small = () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 2], 'x');
      const w = tf.constant(Float32Array.from([1, 2, 3, 4]), null, [2, 2], { name: 'w' });
      tf.nn.relu(tf.matmul(x, w), { name: 'y' });
    });
    return g;
  };

  function expectRejected(buf: Uint8Array, what: string) {
    let err: unknown;
    try { tf.Graph.fromBuffer(buf); } catch (e) { err = e; }
    expect(err, `${what}: accepted`).toBeDefined();
    expect(err, `${what}: ${String(err)}`).toBeInstanceOf(tf.errors.InvalidArgumentError);
  }

  it('every truncation of a small graph is rejected with InvalidArgumentError', () => {
    const buf = small().toBuffer();
    expect(buf.length).toBeGreaterThan(64);
    for (let n = 0; n < buf.length; n++) expectRejected(buf.slice(0, n), `truncated to ${n}/${buf.length}`);
  });

  it('wrong magic, version, schema hash, extension base and length are rejected', () => {
    const buf = small().toBuffer();
    const patch = (at: number, bytes: number[]) => { const b = buf.slice(); bytes.forEach((v, i) => (b[at + i] = v)); return b; };
    expectRejected(patch(0, [0x58]), 'magic byte 0');
    expectRejected(patch(0, [0x54, 0x4c, 0x47, 0x00]), 'magic byte 3');
    expectRejected(patch(4, [2, 0]), 'format version 2');
    const hash = new DataView(buf.buffer, buf.byteOffset).getUint32(8, true);
    expectRejected(patch(8, [(hash ^ 1) & 0xff]), 'schema hash');
    expectRejected(patch(12, [1]), 'base node index 1');
    const extended = new Uint8Array(buf.length + 64); extended.set(buf);
    // NOTE: trailing garbage after the declared total length: rejected (length field must match); inferred.
    expectRejected(extended, 'trailing bytes');
  });

  it('random text and all-zero buffers are rejected', () => {
    expectRejected(new TextEncoder().encode('this is not a graph at all, definitely not, no'), 'text');
    expectRejected(new Uint8Array(256), 'zeros');
  });

  it('a non-Uint8Array argument is a TypeError', () => {
    expect(() => tf.Graph.fromBuffer('TLGF' as never)).toThrow(TypeError);
    expect(() => tf.Graph.fromBuffer(null as never)).toThrow(TypeError);
  });

  it('seeded random byte mutations (400) either decode to a runnable graph or throw InvalidArgumentError, never crash', () => {
    const g = small();
    const buf = g.toBuffer();
    const rng = new Lcg(20240601);
    let rejected = 0, accepted = 0;
    for (let k = 0; k < 400; k++) {
      const b = buf.slice();
      const flips = 1 + rng.int(0, 3);
      for (let f = 0; f < flips; f++) {
        const at = rng.int(0, b.length);
        b[at] = (b[at] + 1 + rng.int(0, 255)) & 0xff;  // always a different byte
      }
      let h: tf.Graph | undefined;
      try { h = tf.Graph.fromBuffer(b); } catch (e) {
        expect(e, `mutation ${k}: ${String(e)}`).toBeInstanceOf(tf.errors.InvalidArgumentError);
        rejected++;
        continue;
      }
      accepted++;
      // A buffer that decodes must also be safe to run: errors must be tf.errors classes.
      const sess = new tf.Session({ graph: h });
      try {
        const last = h.getOperations().filter((o) => o.outputs.length).pop();
        if (last) sess.run(last.outputs[0], new Map([['x:0', tf.ndarray(Float32Array.from([1, 2, 3, 4]), [2, 2])]]));
      } catch (e) {
        expect(e instanceof tf.errors.OpError || e instanceof TypeError, `mutation ${k} run: ${String(e)}`).toBe(true);
      } finally { sess.close(); }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('a corrupt file is rejected by tf.loadGraph', () => {
    const file = join(tmp, 'bad.tlg');
    writeFileSync(file, small().toBuffer().slice(0, 40));
    expect(() => tf.loadGraph(file)).toThrow(tf.errors.InvalidArgumentError);
  });
});
