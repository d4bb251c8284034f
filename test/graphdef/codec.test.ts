// lib/graphdef: GraphDef binary/text/object codec (protobufjs + graph.proto) and TensorProto
// helpers, checked against fixtures written by real TensorFlow/Python protobuf
// (test/fixtures/graphdef/make_fixtures.py; Python is not needed to run these tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GraphDefError, arrayToTensor, dataTypeFromName, dataTypeName, decodeGraphDef, encodeGraphDef,
  graphDefToText, graphProtoPath, tensorToArray,
  type GraphDefObject, type NodeDefObject, type TensorObject,
} from '../../lib/graphdef/codec';

const FIXTURES = join(__dirname, '..', 'fixtures', 'graphdef');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, STRING: 7, COMPLEX64: 8, INT64: 9, BOOL: 10, UINT16: 17, HALF: 19, UINT32: 22, UINT64: 23, RESOURCE: 20 };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function node(g: GraphDefObject, name: string): NodeDefObject {
  const n = g.node.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}
function attr<K extends string>(n: NodeDefObject, key: string, kind: K): unknown {
  const v = n.attr[key] as Record<string, unknown>;
  expect(Object.keys(v)).toEqual([kind]);
  return v[kind];
}
const tensorOf = (n: NodeDefObject): TensorObject => attr(n, 'value', 'tensor') as TensorObject;
/** The GraphDefError thrown by fn (fails the test if fn does not throw one). */
function errorOf(fn: () => unknown): GraphDefError {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(GraphDefError);
    return e as GraphDefError;
  }
  throw new Error('expected a GraphDefError');
}

describe('graph.proto', () => {
  it('is found beside the sources and names TF DataTypes', () => {
    expect(graphProtoPath()).toBe(join(__dirname, '..', '..', 'lib', 'graphdef', 'graph.proto'));
    expect(dataTypeName(1)).toBe('DT_FLOAT');
    expect(dataTypeName(109)).toBe('DT_INT64_REF');
    expect(dataTypeName(999)).toBe('DataType 999');
    expect(dataTypeFromName('DT_UINT64')).toBe(23);
    expect(dataTypeFromName('toString')).toBeUndefined();
  });
});

describe('GraphDefs written by TensorFlow (tiny: a tf.compat.v1 graph)', () => {
  const pb = fixture('tiny.pb');
  const g = decodeGraphDef(pb);

  it('binary, text and JSON decode to the same object', () => {
    expect(decodeGraphDef(fixture('tiny.pbtxt').toString('utf8'))).toEqual(g);
    expect(decodeGraphDef(JSON.parse(fixture('tiny.json').toString('utf8')))).toEqual(g);
    expect(decodeGraphDef(new Uint8Array(pb).buffer)).toEqual(g);   // an ArrayBuffer
  });

  it('re-encodes byte for byte and prints exactly as Python text_format', () => {
    expect(Buffer.from(encodeGraphDef(g)).equals(pb)).toBe(true);
    expect(graphDefToText(g)).toBe(fixture('tiny.pbtxt').toString('utf8'));
  });

  it('holds the nodes, attrs and inputs TF wrote', () => {
    expect(g.versions?.producer).toBeGreaterThan(1000);
    const x = node(g, 'x');
    expect(x).toEqual({
      name: 'x', op: 'Placeholder', input: [], device: '',
      attr: { dtype: { type: DT.FLOAT }, shape: { shape: { dim: [{ size: -1 }, { size: 3 }] } } },
    });
    expect(node(g, 'mm').input).toEqual(['x', 'w']);
    expect(node(g, 'mm').attr.transpose_a).toEqual({ b: false });
    expect(node(g, 'act').attr.alpha).toEqual({ f: Math.fround(0.2) });
    expect(node(g, 'out').input).toEqual(['act', '^big', '^huge']);
    expect(node(g, 'idx_out').input).toEqual(['u:1']);
    const conv = node(g, 'conv');
    expect(conv.attr.strides).toEqual({ list: { i: [1, 2, 2, 1] } });
    expect(conv.attr.explicit_paddings).toEqual({ list: {} });
    expect(conv.attr.padding).toEqual({ s: bytes('SAME') });
    expect((conv.attr.padding as { s: Uint8Array }).s.constructor).toBe(Uint8Array);   // not a Buffer
  });

  it('reads the Const tensors by TF rules', () => {
    const arr = (name: string) => tensorToArray(tensorOf(node(g, name)));
    expect(arr('w')).toEqual({ dtype: DT.FLOAT, shape: [3, 2], data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]) });
    expect(arr('b')).toEqual({ dtype: DT.FLOAT, shape: [2], data: Float32Array.from([0.5, 0.5]) });   // float_val broadcast
    expect(arr('fill').data).toEqual(Int32Array.from([7, 7, 7, 7]));
    expect(arr('big').data).toEqual(BigInt64Array.from([1n, -2n, 2n ** 53n + 1n]));
    expect(tensorOf(node(g, 'huge')).int64Val).toEqual([2n ** 62n + 3n]);   // unsafe int64: a bigint
    expect(arr('huge')).toEqual({ dtype: DT.INT64, shape: [], data: BigInt64Array.from([2n ** 62n + 3n]) });
    expect(arr('s').data).toEqual([bytes('a'), Uint8Array.from([98, 0, 255, 34, 10])]);
    expect(arr('h').data).toEqual(Uint16Array.from([0x3c00, 0xc100]));   // 1.0, -2.5 as float16 bits
    expect(arr('flag')).toEqual({ dtype: DT.BOOL, shape: [], data: Uint8Array.from([1]) });
    expect(arr('k').shape).toEqual([3, 3, 2, 2]);
  });
});

describe('GraphDefs written by Python protobuf (edge: every field kind)', () => {
  const pb = fixture('edge.pb');
  const g = decodeGraphDef(pb);

  it('binary, text and JSON decode to the same object; text prints back exactly', () => {
    const text = fixture('edge.pbtxt').toString('utf8');
    expect(decodeGraphDef(text)).toEqual(g);
    expect(decodeGraphDef(JSON.parse(fixture('edge.json').toString('utf8')))).toEqual(g);
    expect(graphDefToText(g)).toBe(text);
    expect(decodeGraphDef(encodeGraphDef(g))).toEqual(g);
    expect(encodeGraphDef(g).length).toBe(pb.length);   // same bytes up to map-entry order
  });

  it('keeps 64-bit integers exact: numbers when safe, bigints otherwise', () => {
    const n = node(g, 'ints\u00e9');
    expect(attr(n, 'i', 'i')).toBe(-(2n ** 63n));
    expect(attr(n, 'j', 'i')).toBe(0);   // oneof member set to its default is kept
    expect(attr(n, 'li', 'list')).toEqual({ i: [2n ** 63n - 1n, -1, 0, 2n ** 53n + 1n] });
    expect((attr(n, 'u64', 'tensor') as TensorObject).uint64Val).toEqual([2n ** 64n - 1n, 7]);
    expect(tensorToArray(attr(n, 'u64', 'tensor') as TensorObject).data).toEqual(BigUint64Array.from([2n ** 64n - 1n, 7n]));
  });

  it('reads floats, bytes, shapes, funcs and the library', () => {
    const f = node(g, 'floats');
    expect(f.device).toBe('/device:CPU:0');
    expect(f.input).toEqual(['a:1', '^ctrl']);
    expect(attr(f, 'f', 'f')).toBe(Math.fround(1e-5));
    expect(Object.is(attr(f, 'g', 'f'), -0)).toBe(true);
    expect(attr(f, 'h', 'f')).toBe(Infinity);
    const d = tensorToArray(tensorOf(f));
    expect(d.shape).toEqual([6]);
    expect(Array.from(d.data as Float64Array)).toEqual([0.1, 1e16, 1e15, 1.2345678901234567e-7, NaN, -2]);
    expect(tensorOf(f).tensorShape).toEqual({ dim: [{ size: 6, name: 'batch' }] });
    const n = node(g, 'ints\u00e9');
    expect(attr(n, 's', 's')).toEqual(Uint8Array.from([0, 1, 127, 128, 255, 39, 34, 92, 9, 13, 10, 32, 111, 107]));
    expect(attr(n, 'lt', 'list')).toEqual({ type: [DT.FLOAT, 109, DT.UINT64] });
    expect(attr(n, 'lsh', 'list')).toEqual({ shape: [{ dim: [], unknownRank: true }, { dim: [{ size: 0 }] }, { dim: [] }] });
    expect(attr(n, 'ph', 'placeholder')).toBe('T');
    expect(attr(n, 'fn', 'func')).toEqual({ name: 'f', attr: { T: { type: DT.HALF } } });
    const c64 = (attr(n, 'lt2', 'list') as { tensor: TensorObject[] }).tensor[0];
    expect(tensorToArray(c64).data).toEqual(Float32Array.from([1.5, -2, 1.5, -2, 1.5, -2]));   // last pair repeated
    expect(g.library?.function?.[0].ret).toEqual({ y: 'id:output:0' });
    expect(g.library?.function?.[0].argAttr).toEqual({ 0: { attr: { _x: { b: true } } } });
    expect(g.library?.gradient).toEqual([{ functionName: 'f', gradientFunc: 'g' }]);
    expect(g.versions).toEqual({ producer: 27, minConsumer: 12, badConsumers: [3, 5] });
  });
});

// A hand-written .pbtxt using the text-format syntax TF files (and people) use.
const PBTXT = `# a frozen MLP layer, written by hand
node {
  name: "x"
  op: "Placeholder"
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr {
    key: "shape"
    value { shape { dim { size: -1 } dim { size: 2 } } }
  }
}
node <
  name: 'w'
  op: "Const"
  attr: { key: "dtype" value: { type: 1 } }   # enum by number, ':' before '{'
  attr {
    key: "value"
    value {
      tensor {
        dtype: DT_FLOAT
        tensor_shape { dim { size: 2 } dim { size: 1 } }
        tensor_content: "\\000\\000\\200?" "\\x00\\x00\\x00\\x40"   # 1.0, 2.0: octal, hex, concatenated
      }
    }
  }
>
node {
  name: "b"; op: "Const",
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } float_val: 1e-05 } } }
}
node {
  name: "mm"
  op: "MatMul"
  input: ["x", "w"]
  input: "^ctrl"
  input: "split:1"
  attr { key: "T" value { type: DT_FLOAT } }
  attr { key: "transpose_a" value { b: false } }
  attr { key: "transpose_b" value { b: True } }
}
node {
  name: "misc"
  op: "Misc"
  attr { key: "floats" value { list { f: [1.5, -inf, inf, nan, 3f, .5, 1E3, -0] } } }
  attr { key: "bools" value { list { b: [t, f, 1, 0, true, False] } } }
  attr { key: "ints" value { list { i: [0x10, 017, -9223372036854775808, 9007199254740993] } } }
  attr { key: "str" value { s: "tab\\there \\"q\\" \\'s\\' \\\\ \\n \\u00e9 é" } }
}
versions { producer: 27 }
`;

describe('text format', () => {
  const g = decodeGraphDef(PBTXT);

  it('parses a hand-written pbtxt', () => {
    expect(g.node.map((n) => n.name)).toEqual(['x', 'w', 'b', 'mm', 'misc']);
    expect(node(g, 'x').attr.shape).toEqual({ shape: { dim: [{ size: -1 }, { size: 2 }] } });
    expect(node(g, 'w').attr.dtype).toEqual({ type: DT.FLOAT });
    expect(tensorToArray(tensorOf(node(g, 'w')))).toEqual({ dtype: DT.FLOAT, shape: [2, 1], data: Float32Array.from([1, 2]) });
    expect(tensorToArray(tensorOf(node(g, 'b'))).data).toEqual(Float32Array.from([1e-5, 1e-5, 1e-5]));
    expect(node(g, 'mm').input).toEqual(['x', 'w', '^ctrl', 'split:1']);
    expect(node(g, 'mm').attr.transpose_a).toEqual({ b: false });
    expect(node(g, 'mm').attr.transpose_b).toEqual({ b: true });
    const misc = node(g, 'misc');
    expect(attr(misc, 'floats', 'list')).toEqual({ f: [1.5, -Infinity, Infinity, NaN, 3, 0.5, 1000, -0] });
    expect(attr(misc, 'bools', 'list')).toEqual({ b: [true, false, true, false, true, false] });
    expect(attr(misc, 'ints', 'list')).toEqual({ i: [16, 15, -(2n ** 63n), 2n ** 53n + 1n] });
    expect(new TextDecoder().decode(attr(misc, 'str', 's') as Uint8Array)).toBe('tab\there "q" \'s\' \\ \n é é');
    expect(g.versions).toEqual({ producer: 27 });
  });

  it('prints what it parses and parses what it prints', () => {
    const text = graphDefToText(g);
    expect(decodeGraphDef(text)).toEqual(g);
    expect(graphDefToText(decodeGraphDef(text))).toBe(text);
    expect(text).toContain('        tensor_content: "\\000\\000\\200?\\000\\000\\000@"\n');
    expect(text).toContain('        f: -inf\n        f: inf\n        f: nan\n        f: 3.0\n        f: 0.5\n        f: 1000.0\n        f: -0.0\n');
    expect(text).toContain('        i: 16\n        i: 15\n        i: -9223372036854775808\n        i: 9007199254740993\n');
    expect(text).toContain('      s: "tab\\there \\"q\\" \\\'s\\\' \\\\ \\n \\303\\251 \\303\\251"\n');
  });

  it('prints the layout TF prints', () => {
    const def: GraphDefObject = {
      node: [{ name: 'x', op: 'Placeholder', input: [], device: '', attr: { dtype: { type: DT.FLOAT } } }],
      versions: { producer: 27 },
    };
    expect(graphDefToText(def)).toBe(
      'node {\n  name: "x"\n  op: "Placeholder"\n  attr {\n    key: "dtype"\n    value {\n      type: DT_FLOAT\n    }\n  }\n}\nversions {\n  producer: 27\n}\n');
    expect(graphDefToText({ node: [] })).toBe('');
    expect(decodeGraphDef('')).toEqual({ node: [] });
    expect(decodeGraphDef('  # only a comment\n')).toEqual({ node: [] });
  });

  it.each([
    ['node {\n  name: "x"\n  op: 3\n}', 3, 7, /expected a quoted string/],
    ['node {\n  nme: "x"\n}', 2, 3, /no field named 'nme' in tensorflow.NodeDef/],
    ['node {\n  name: "x\n}', 2, 9, /unterminated string/],
    ['node {\n  name: "x"\n', 3, 1, /expected a field name or '}', found end of input/],
    ['node { attr { key: "T" value { type: DT_FLOOT } } }', 1, 38, /'DT_FLOOT' is not a value of enum tensorflow.DataType/],
    ['versions { producer: 2147483648 }', 1, 22, /out of range for int32/],
    ['node { name: "a" name: "b" }', 1, 18, /'name' is set twice/],
    ['node { attr { key: "a" value { b: true i: 1 } } }', 1, 40, /only one member of oneof 'value'/],
    ['node { name: "a" } }', 1, 20, /expected a field name, found '}'/],
    ['node { name: "\\q" }', 1, 15, /unknown escape '\\q'/],
    ['node { attr { key: "a" value { f: 1.5.2 } } }', 1, 35, /malformed number/],
    ['node { attr { key: "a" value { i: 1.5 } } }', 1, 35, /expected an integer/],
    ['node { attr { key: "a" value { b: yes } } }', 1, 35, /expected true or false/],
    ['node { name: ["a"] }', 1, 14, /'name' is not repeated/],
    ['node { name: "a" @ }', 1, 18, /unexpected character '@'/],
    ['node { name: "\\xff" }', 1, 14, /invalid UTF-8/],
  ])('rejects %j at line %i, column %i', (text, line, column, message) => {
    const e = errorOf(() => decodeGraphDef(text));
    expect(e.message).toMatch(message);
    expect([e.line, e.column]).toEqual([line, column]);
  });

  it('refuses nesting beyond 100 levels instead of overflowing the stack', () => {
    let text = 'x: 1';
    for (let i = 0; i < 200; i++) text = `attr { key: "a" value { func { name: "f" ${text} } } }`;
    expect(errorOf(() => decodeGraphDef(`node { ${text} }`)).message).toMatch(/nested more than 100 deep/);
  });
});

describe('objects', () => {
  it('accepts protobuf JSON: snake or camel names, int64 strings, base64 bytes, enum names', () => {
    const g = decodeGraphDef({
      node: [{
        name: 'c', op: 'Const',
        attr: {
          value: { tensor: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '2' }] }, tensorContent: 'AACAPwAAAEA=' } },
          big: { i: '-9007199254740993' },
          s: { s: 'U0FNRQ==' },
          l: { list: { type: ['DT_INT32', 9], f: ['NaN', 'Infinity', 1] } },
        },
      }],
      versions: { producer: 27, bad_consumers: [1] },
    });
    const c = node(g, 'c');
    expect(c.input).toEqual([]);
    expect(c.device).toBe('');
    expect(tensorToArray(tensorOf(c))).toEqual({ dtype: DT.FLOAT, shape: [2], data: Float32Array.from([1, 2]) });
    expect(c.attr.big).toEqual({ i: -(2n ** 53n) - 1n });
    expect(c.attr.s).toEqual({ s: bytes('SAME') });
    expect(c.attr.l).toEqual({ list: { type: [DT.INT32, DT.INT64], f: [NaN, Infinity, 1] } });
    expect(g.versions).toEqual({ producer: 27, badConsumers: [1] });
  });

  it('round-trips through binary and text unchanged', () => {
    const def: GraphDefObject = {
      node: [
        { name: 'p', op: 'Placeholder', input: [], device: '', attr: { dtype: { type: DT.INT64 }, shape: { shape: { dim: [], unknownRank: true } } } },
        {
          name: 'q', op: 'Foo', input: ['p', 'p:2', '^r'], device: '/cpu:0',
          attr: {
            i: { i: 2n ** 60n }, z: { i: 0 }, f: { f: 0.5 }, e: {},
            t: { tensor: arrayToTensor(DT.INT64, [2], BigInt64Array.from([-1n, 2n ** 63n - 1n])) },
            l: { list: { s: [bytes('a'), new Uint8Array(0)], shape: [{ dim: [{ size: 4, name: 'n' }] }] } },
          },
        },
      ],
      versions: { producer: 1 },
      library: { function: [{ signature: { name: 'f' }, ret: { y: 'a:0' } }] },
    };
    expect(decodeGraphDef(encodeGraphDef(def))).toEqual(decodeGraphDef(def));
    expect(decodeGraphDef(graphDefToText(def))).toEqual(decodeGraphDef(def));
    expect(decodeGraphDef(def)).toEqual(decodeGraphDef(decodeGraphDef(def)));   // normalizing is idempotent
    expect(decodeGraphDef(def).node[1].attr.e).toEqual({});
  });

  it.each([
    [{ node: {} }, /GraphDef.node: expected an array, got an object/],
    [{ node: [{ name: 1 }] }, /GraphDef.node\[0\].name: expected a string, got number 1/],
    [{ node: [{ name: 'a', colour: 'red' }] }, /GraphDef.node\[0\]: tensorflow.NodeDef has no field 'colour'/],
    [{ node: [{ name: 'a', attr: { T: { type: 'DT_FLOOT' } } }] }, /GraphDef.node\[0\].attr\["T"\].type: expected a DataType name/],
    [{ node: [{ name: 'a', attr: { T: { b: true, i: 1 } } }] }, /'i' and 'b' are both set/],
    [{ node: [{ name: 'a', attr: { T: { i: 2 ** 64 } } }] }, /out of range for int64/],
    [{ node: [{ name: 'a', attr: { T: { i: 1.5 } } }] }, /expected an integer, got number 1.5/],
    [{ node: [{ name: 'a', attr: { T: { s: 'not base64!' } } }] }, /expected bytes/],
    [{ node: [], versions: { producer: '1e3' } }, /GraphDef.versions.producer: expected an integer/],
    [{ node: [{ name: 'a', input: ['x'], in_put: ['y'] }] }, /no field 'in_put'/],
  ])('rejects %j', (obj, message) => {
    expect(errorOf(() => decodeGraphDef(obj as never)).message).toMatch(message);
  });

  it('rejects the same field given in both spellings, and cyclic objects', () => {
    expect(errorOf(() => decodeGraphDef({ node: [], versions: { minConsumer: 1, min_consumer: 2 } })).message).toMatch(/both as 'min_consumer' and as 'minConsumer'/);
    const cyclic: Record<string, unknown> = { name: 'f' };
    cyclic.attr = { a: { func: cyclic } };
    expect(errorOf(() => decodeGraphDef({ node: [{ name: 'n', attr: { a: { func: cyclic } } }] })).message).toMatch(/nested more than 100 deep/);
  });
});

describe('binary errors', () => {
  const pb = fixture('tiny.pb');

  it('truncated input throws GraphDefError (or decodes a shorter valid prefix), never anything else', () => {
    let failures = 0;
    for (let cut = 1; cut < pb.length; cut++) {
      try { decodeGraphDef(pb.subarray(0, cut)); } catch (e) {
        expect(e).toBeInstanceOf(GraphDefError);
        expect((e as Error).message).toMatch(/^invalid binary GraphDef: /);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(pb.length * 0.9);
    expect(errorOf(() => decodeGraphDef(pb.subarray(0, 100))).message).toMatch(/invalid binary GraphDef/);
  });

  it('random and corrupted bytes never escape as other errors', () => {
    let seed = 12345;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    for (let k = 0; k < 300; k++) {
      const buf = k % 2 ? Uint8Array.from({ length: rand(64) }, () => rand(256)) : Uint8Array.from(pb);
      if (k % 2 === 0) for (let j = 0; j < 4; j++) buf[rand(buf.length)] = rand(256);
      try { decodeGraphDef(buf); } catch (e) { expect(e).toBeInstanceOf(GraphDefError); }
    }
  });

  it('deeply nested binary is refused', () => {
    // AttrValue{func=10: NameAttrList{attr=2: entry{key=1 "a", value=2: AttrValue{...}}}}, 300 deep
    const ld = (field: number, body: Uint8Array): Uint8Array => {
      const len: number[] = [];
      for (let n = body.length; ; n >>>= 7) { if (n < 128) { len.push(n); break; } len.push((n & 127) | 128); }
      return Uint8Array.from([(field << 3) | 2, ...len, ...body]);
    };
    let value: Uint8Array = Uint8Array.from([0x28, 1]);   // b: true
    for (let i = 0; i < 300; i++) value = ld(10, ld(2, Uint8Array.from([...ld(1, bytes('a')), ...ld(2, value)])));
    const graph = ld(1, Uint8Array.from([...ld(1, bytes('n')), ...ld(5, Uint8Array.from([...ld(1, bytes('a')), ...ld(2, value)]))]));
    expect(errorOf(() => decodeGraphDef(graph)).message).toMatch(/nest/);
  });

  it('bytes fields are views of the input, not copies', () => {
    const input = new Uint8Array(pb);
    const w = tensorOf(node(decodeGraphDef(input), 'w'));
    expect(w.tensorContent!.buffer).toBe(input.buffer);
  });
});

describe('tensorToArray', () => {
  const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size })) });

  it('repeats the last *_val value to fill the shape; no values means zeros; extras are ignored', () => {
    expect(tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(2, 2), floatVal: [1, 2] }).data).toEqual(Float32Array.from([1, 2, 2, 2]));
    expect(tensorToArray({ dtype: DT.DOUBLE, tensorShape: shape(3) }).data).toEqual(new Float64Array(3));
    expect(tensorToArray({ dtype: DT.INT32, tensorShape: shape(2), intVal: [1, 2, 3] }).data).toEqual(Int32Array.from([1, 2]));
    expect(tensorToArray({ dtype: DT.INT32, intVal: [5] })).toEqual({ dtype: DT.INT32, shape: [], data: Int32Array.from([5]) });
    expect(tensorToArray({ dtype: DT.STRING, tensorShape: shape(3), stringVal: [bytes('a'), bytes('b')] }).data).toEqual([bytes('a'), bytes('b'), bytes('b')]);
    expect(tensorToArray({ dtype: DT.STRING, tensorShape: shape(2) }).data).toEqual([new Uint8Array(0), new Uint8Array(0)]);
    expect(tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(0, 5), floatVal: [1] }).data).toEqual(new Float32Array(0));
  });

  it('maps each dtype to its *_val field and typed array', () => {
    expect(tensorToArray({ dtype: DT.INT8, tensorShape: shape(3), intVal: [-1, 127, 300] }).data).toEqual(Int8Array.from([-1, 127, 44]));
    expect(tensorToArray({ dtype: DT.UINT8, tensorShape: shape(2), intVal: [255] }).data).toEqual(Uint8Array.from([255, 255]));
    expect(tensorToArray({ dtype: DT.INT16, tensorShape: shape(1), intVal: [-300] }).data).toEqual(Int16Array.from([-300]));
    expect(tensorToArray({ dtype: DT.UINT16, tensorShape: shape(1), intVal: [65535] }).data).toEqual(Uint16Array.from([65535]));
    expect(tensorToArray({ dtype: DT.BOOL, tensorShape: shape(3), boolVal: [false, true] }).data).toEqual(Uint8Array.from([0, 1, 1]));
    expect(tensorToArray({ dtype: DT.HALF, tensorShape: shape(2), halfVal: [0x3c00] }).data).toEqual(Uint16Array.from([0x3c00, 0x3c00]));
    expect(tensorToArray({ dtype: DT.INT64, tensorShape: shape(3), int64Val: [1, 2n ** 62n] }).data).toEqual(BigInt64Array.from([1n, 2n ** 62n, 2n ** 62n]));
    expect(tensorToArray({ dtype: DT.UINT32, tensorShape: shape(2), uint32Val: [4294967295] }).data).toEqual(Uint32Array.from([4294967295, 4294967295]));
    expect(tensorToArray({ dtype: DT.COMPLEX64, tensorShape: shape(2), scomplexVal: [1, 2] }).data).toEqual(Float32Array.from([1, 2, 1, 2]));
  });

  it('reads tensor_content as little-endian bytes: a view when aligned, one copy when not', () => {
    const src = Float32Array.from([1.5, -2, 3]);
    const aligned = new Uint8Array(src.buffer);
    const view = tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(3), tensorContent: aligned }).data as Float32Array;
    expect(view).toEqual(src);
    expect(view.buffer).toBe(src.buffer);
    const odd = new Uint8Array(13);
    odd.set(aligned, 1);
    const copy = tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(3), tensorContent: odd.subarray(1) }).data as Float32Array;
    expect(copy).toEqual(src);
    expect(copy.buffer).not.toBe(odd.buffer);
    const i64 = tensorToArray({ dtype: DT.INT64, tensorShape: shape(2), tensorContent: new Uint8Array(BigInt64Array.from([-5n, 2n ** 63n - 1n]).buffer) });
    expect(i64.data).toEqual(BigInt64Array.from([-5n, 2n ** 63n - 1n]));
  });

  it('reads DT_STRING tensor_content (varint lengths, then the bytes)', () => {
    const content = Uint8Array.from([1, 0, 3, ...bytes('a'), ...bytes('xyz')]);
    expect(tensorToArray({ dtype: DT.STRING, tensorShape: shape(3), tensorContent: content }).data).toEqual([bytes('a'), new Uint8Array(0), bytes('xyz')]);
    expect(errorOf(() => tensorToArray({ dtype: DT.STRING, tensorShape: shape(2), tensorContent: content })).message).toMatch(/malformed DT_STRING/);
  });

  it('rejects content length mismatches, bad shapes and unsupported dtypes', () => {
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(3), tensorContent: new Uint8Array(8) })).message)
      .toMatch(/tensor_content of DT_FLOAT \[3\] must be 12 bytes, not 8/);
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(-1) })).message).toMatch(/invalid dimension size -1/);
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: { dim: [], unknownRank: true } })).message).toMatch(/unknown rank/);
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(2 ** 30, 2 ** 30) })).message).toMatch(/too many elements/);
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: { dim: [{ size: 2n ** 62n }] } })).message).toMatch(/invalid dimension size/);
    expect(errorOf(() => tensorToArray({ dtype: DT.FLOAT, tensorShape: shape(2 ** 20, 2 ** 10), floatVal: [1] })).message).toMatch(/over 2 GiB/);
    expect(errorOf(() => tensorToArray({ dtype: DT.RESOURCE })).message).toMatch(/DT_RESOURCE values are not supported/);
  });
});

describe('arrayToTensor', () => {
  it('writes tensor_content for several elements and *_val for one, and reads back', () => {
    const cases: [number, number[], ArrayLike<number | bigint | boolean>][] = [
      [DT.FLOAT, [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])],
      [DT.DOUBLE, [2], [0.1, -0]],
      [DT.INT32, [3], Int32Array.from([-1, 0, 2 ** 31 - 1])],
      [DT.UINT8, [2], [0, 255]],
      [DT.INT64, [2], [1n, -(2n ** 63n)]],
      [DT.UINT64, [1], [2n ** 64n - 1n]],
      [DT.BOOL, [3], [true, false, true]],
      [DT.HALF, [], [0x3c00]],
      [DT.COMPLEX64, [1], [1, -1]],
      [DT.FLOAT, [0], []],
    ];
    for (const [dtype, shape, data] of cases) {
      const t = arrayToTensor(dtype, shape, data);
      const n = shape.reduce((a, b) => a * b, 1);
      expect(t.tensorContent !== undefined).toBe(n > 1);
      const binary = encodeGraphDef({ node: [{ name: 'c', op: 'Const', input: [], device: '', attr: { value: { tensor: t } } }] });
      const back = tensorToArray(tensorOf(decodeGraphDef(binary).node[0]));
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(data as ArrayLike<unknown>, (v) =>
        typeof v === 'boolean' ? Number(v) : dtype === DT.INT64 || dtype === DT.UINT64 ? BigInt(v as bigint) : dtype === DT.FLOAT ? Math.fround(v as number) : v));
    }
    expect(arrayToTensor(DT.FLOAT, [], [2.5])).toEqual({ dtype: DT.FLOAT, tensorShape: { dim: [] }, floatVal: [2.5] });
    expect(arrayToTensor(DT.INT64, [], [2n ** 60n]).int64Val).toEqual([2n ** 60n]);
  });

  it('copies the caller\'s array, encodes strings, and checks sizes', () => {
    const data = Float32Array.from([1, 2]);
    const t = arrayToTensor(DT.FLOAT, [2], data);
    data[0] = 9;
    expect(tensorToArray(t).data).toEqual(Float32Array.from([1, 2]));
    expect(arrayToTensor(DT.STRING, [2], ['é', bytes('x')]).stringVal).toEqual([bytes('é'), bytes('x')]);
    expect(errorOf(() => arrayToTensor(DT.FLOAT, [3], [1, 2])).message).toMatch(/2 DT_FLOAT values given for shape \[3\]/);
    expect(errorOf(() => arrayToTensor(DT.FLOAT, [-1], [])).message).toMatch(/invalid dimension size -1/);
    expect(errorOf(() => arrayToTensor(DT.STRING, [1], [1 as never])).message).toMatch(/strings or Uint8Arrays/);
  });
});

