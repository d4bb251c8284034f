// tf.importGraphDef / tf.loadGraphDef with TF1's import_graph_def semantics, and atomicity.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { graphDefToText } from '../../lib/graphdef/codec';

beforeEach(() => tf.resetDefaultGraph());

const TEXT = `
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: -1 } dim { size: 2 } } } } }
node { name: "w" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } dim { size: 2 } } float_val: 1 float_val: 2 float_val: 3 float_val: 4 } } } }
node { name: "mm" op: "MatMul" input: "x" input: "w" attr { key: "T" value { type: DT_FLOAT } } attr { key: "transpose_b" value { b: true } } }
node { name: "init" op: "NoOp" }
node { name: "out" op: "Identity" input: "mm" input: "^init" attr { key: "T" value { type: DT_FLOAT } } }
versions { producer: 1205 }
`;

describe('importGraphDef', () => {
  it('imports text format under "import/", with attrs, defaults and control inputs', () => {
    const res = tf.importGraphDef(TEXT, { returnElements: ['out:0', 'init', 'x:0'] })!;
    const [out, init, x] = res as [tf.Tensor, tf.Operation, tf.Tensor];
    expect(out.name).toBe('import/out:0');
    expect(init.name).toBe('import/init');
    expect(x.shape).toEqual([null, 2]);
    expect(out.shape).toEqual([null, 2]);
    const mm = tf.getDefaultGraph().getOperationByName('import/mm');
    expect(mm.getAttr('transpose_b')).toBe(true);
    expect(mm.getAttr('transpose_a')).toBe(false);  // registry default
    expect(out.op.controlInputs.map((o) => o.name)).toEqual(['import/init']);
    const sess = new tf.Session();
    // [1,1] · w^T = [1+2, 3+4]
    expect(sess.run(out, new Map([[x, [[1, 1]]]])).toArray()).toEqual([[3, 7]]);
    sess.close();
  });

  it('a second import gets a unique scope; name "" imports names verbatim', () => {
    tf.importGraphDef(TEXT);
    const [o] = tf.importGraphDef(TEXT, { returnElements: ['out:0'] })! as tf.Tensor[];
    expect(o.name).toBe('import_1/out:0');
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(TEXT, { name: '' }));
    expect(g.getOperationByName('mm').type).toBe('MatMul');
    expect(() => g.asDefault(() => tf.importGraphDef(TEXT, { name: '' }))).toThrow(tf.errors.InvalidArgumentError);
    expect(g.getOperations().length).toBe(5);
  });

  it('binary bytes and the asGraphDef() object import the same graph', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(TEXT, { name: '' }));
    const bytes = g.toGraphDefBytes();
    for (const def of [bytes, g.asGraphDef()]) {
      const h = new tf.Graph();
      h.asDefault(() => tf.importGraphDef(def, { name: '' }));
      expect(h.getOperations().map((o) => `${o.name}/${o.type}/${o.inputs.map((t) => t.name)}`))
        .toEqual(g.getOperations().map((o) => `${o.name}/${o.type}/${o.inputs.map((t) => t.name)}`));
    }
  });

  it('inputMap replaces tensors of the imported graph; returnElements keep their order', () => {
    const feed = tf.constant([[2, 0]], 'float32', { name: 'feed' });
    const [out] = tf.importGraphDef(TEXT, { inputMap: { 'x:0': feed }, returnElements: ['out:0'] })! as tf.Tensor[];
    expect(out.shape).toEqual([1, 2]);
    expect(out.op.inputs[0].op.inputs[0]).toBe(feed);
    const sess = new tf.Session();
    expect(sess.run(out).toArray()).toEqual([[2, 6]]);
    sess.close();
    // 'x' means 'x:0'
    const [o2] = tf.importGraphDef(TEXT, { inputMap: { x: feed }, returnElements: ['mm:0'] })! as tf.Tensor[];
    expect(o2.op.inputs[0]).toBe(feed);
  });

  it('errors: unmapped inputMap keys, unknown return elements, bad options', () => {
    const n = tf.getDefaultGraph().getOperations().length;
    const c = tf.constant([[1, 1]]);
    expect(() => tf.importGraphDef(TEXT, { inputMap: { 'nope:0': c } })).toThrow(/Attempted to map inputs that were not found in graph_def: \[nope:0\]/);
    expect(() => tf.importGraphDef(TEXT, { returnElements: ['missing:0'] })).toThrow(/Requested return_element 'missing:0' not found/);
    expect(() => tf.importGraphDef(TEXT, { returnElemets: ['x'] } as never)).toThrow(TypeError);
    expect(tf.getDefaultGraph().getOperations().length).toBe(n + 1);  // only the constant
  });

  it('unsupported op types: UnimplementedError listing every type and its nodes; the graph is unchanged', () => {
    const text = TEXT + `node { name: "u1" op: "FancyOp" input: "x" } node { name: "u2" op: "FancyOp" } node { name: "v" op: "OtherOp" }`;
    const before = tf.getDefaultGraph().getOperations().length;
    let err: Error | null = null;
    try { tf.importGraphDef(text); } catch (e) { err = e as Error; }
    expect(err).toBeInstanceOf(tf.errors.UnimplementedError);
    expect(err!.message).toMatch(/FancyOp \(used by 'u1', 'u2'\)/);
    expect(err!.message).toMatch(/OtherOp \(used by 'v'\)/);
    expect(tf.getDefaultGraph().getOperations().length).toBe(before);
  });

  it('dangling inputs, cycles, bad attrs and bad shapes are InvalidArgumentError naming the node; atomic', () => {
    const g = tf.getDefaultGraph();
    const cases: [string, RegExp][] = [
      [TEXT + 'node { name: "d" op: "Identity" input: "ghost" attr { key: "T" value { type: DT_FLOAT } } }', /Node 'd'.*ghost/],
      [TEXT + 'node { name: "c1" op: "Identity" input: "c2" attr { key: "T" value { type: DT_FLOAT } } } node { name: "c2" op: "Identity" input: "c1" attr { key: "T" value { type: DT_FLOAT } } }', /cycle/],
      [TEXT + 'node { name: "b" op: "Identity" input: "x" attr { key: "T" value { b: true } } }', /Node 'b'.*attr 'T'/],
      [TEXT + 'node { name: "v3" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } float_val: 1 } } } }' +
        'node { name: "s" op: "Add" input: "w" input: "v3" attr { key: "T" value { type: DT_FLOAT } } }', /Dimensions must be equal.*'import\/s'/],
      [TEXT + 'node { name: "t" op: "Identity" input: "x" attr { key: "T" value { type: DT_INT32 } } }', /'import\/t'/],
      ['node { name: "x" op: "NoOp" } node { name: "x" op: "NoOp" }', /Duplicate node name/],
    ];
    for (const [text, re] of cases) {
      const cp = g.getOperations().length;
      let err: Error | null = null;
      try { tf.importGraphDef(text); } catch (e) { err = e as Error; }
      expect(err, text).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err!.message).toMatch(re);
      expect(g.getOperations().length).toBe(cp);
    }
    // After all those failures, names are free again: the next import is 'import', not 'import_6'.
    const [o] = tf.importGraphDef(TEXT, { returnElements: ['out:0'] })! as tf.Tensor[];
    expect(o.name).toBe('import/out:0');
  });

  it('malformed bytes and text are InvalidArgumentError', () => {
    expect(() => tf.importGraphDef(new Uint8Array([0x0a, 0xff, 0xff]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.importGraphDef('node { name: ')).toThrow(tf.errors.InvalidArgumentError);
  });

  it('loadGraphDef reads .pb and .pbtxt files written by TensorFlow', () => {
    const dir = join(__dirname, '..', 'fixtures', 'graphdef');
    // tiny.* uses Unique, which tensorloom does not implement: the error lists it.
    expect(() => tf.loadGraphDef(join(dir, 'tiny.pb'))).toThrow(/Unique \(used by/);
    const g = new tf.Graph();
    const [probs] = g.asDefault(() => tf.loadGraphDef(join(__dirname, '..', 'fixtures', 'golden', 'export', 'mlp.pb'), { returnElements: ['probs:0'] })!);
    expect((probs as tf.Tensor).shape).toEqual([null, 4]);
    // The same graph in text format (TF's text_format of the GraphDef).
    const { writeFileSync, mkdtempSync } = require('node:fs') as typeof import('node:fs');
    const tmp = join(mkdtempSync(join(require('node:os').tmpdir(), 'tl-')), 'g.pbtxt');
    writeFileSync(tmp, graphDefToText(g.asGraphDef()));
    const h = new tf.Graph();
    const [p2] = h.asDefault(() => tf.loadGraphDef(tmp, { returnElements: ['import/probs:0'] })!);
    expect((p2 as tf.Tensor).name).toBe('import/import/probs:0');
  });
});

describe('asGraphDef / toGraphDefBytes', () => {
  it('is the GraphDef message as an object: node[] with name, op, input, device, attr; versions; library', () => {
    const x = tf.placeholder('float32', [null, 3], 'x');
    const y = tf.add(x, 1, { name: 'y' });
    tf.controlDependencies([y], () => tf.noOp({ name: 'after' }));
    const gd = tf.getDefaultGraph().asGraphDef();
    expect(gd.versions?.producer).toBeGreaterThan(0);
    expect(gd.library).toBeDefined();
    const byName = new Map(gd.node.map((n) => [n.name, n]));
    expect(byName.get('y')!.input).toEqual(['x', 'y/y']);
    expect(byName.get('after')!.input).toEqual(['^y']);
    expect(byName.get('x')!.attr.dtype).toEqual({ type: 1 });
    expect(byName.get('x')!.attr.shape).toEqual({ shape: { dim: [{ size: -1 }, { size: 3 }] } });
    expect(byName.get('x')!.device).toBe('');
    expect(y.op.nodeDef).toEqual(byName.get('y'));
  });
});

describe('names after import', () => {
  it('imported names are taken: a later unnamed op gets a unique name', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.importGraphDef('node { name: "Const" op: "NoOp" } node { name: "x" op: "NoOp" }', { name: '' });
      expect(tf.constant(1).op.name).toBe('Const_1');
      expect(tf.noOp({ name: 'x' }).name).toBe('x_1');
    });
  });
});
