// A TF-built graph over DT_STRING tensors (scripts/golden/strings.py): its string Consts import
// from TensorProto.string_val, and every fetch matches what TensorFlow computed; re-exported by
// tensorloom, the GraphDef imports again with the same results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const dir = join(__dirname, '..', 'fixtures', 'graphdef');
interface Plain { dtype: tf.DType; shape: number[]; values: (string | number | boolean)[] }
const fixture = JSON.parse(readFileSync(join(dir, 'strings.json'), 'utf8')) as
  { op_types: string[]; feed: { name: string; values: string[] }; fetches: Record<string, Plain> };

function values(a: tf.NDArray): (string | number | boolean)[] {
  if (a.dtype === 'bool') return Array.from(a.data as Uint8Array, (v) => v !== 0);
  if (a.dtype === 'int64') return Array.from(a.data as BigInt64Array, Number);
  return Array.from(a.data as ArrayLike<string | number>);
}

function runAll(g: tf.Graph): Map<string, tf.NDArray> {
  const names = Object.keys(fixture.fetches);
  const sess = new tf.Session({ graph: g });
  try {
    const got = sess.run(names, [[fixture.feed.name, fixture.feed.values]]) as tf.NDArray[];
    return new Map(names.map((n, i) => [n, got[i]]));
  } finally {
    sess.close();
  }
}

describe('a TF-built string graph (TensorFlow as the oracle)', () => {
  it('covers the string ops', () => {
    for (const t of ['Add', 'Equal', 'NotEqual', 'Select', 'SelectV2', 'Where', 'GatherV2', 'ConcatV2', 'Pack', 'Unpack', 'Tile', 'ShapeN'])
      expect(fixture.op_types).toContain(t);
  });

  it('imports (string_val Consts) and matches TF on every fetch', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.loadGraphDef(join(dir, 'strings.pb'), { name: '' }));
    const table = g.getOperationByName('table');
    expect(table.outputs[0].dtype).toBe('string');
    expect((table.attrs.get('value')!.value as tf.NDArray).toArray()).toEqual([['p', 'q', 'r'], ['s', 't', 'u']]);
    for (const [name, got] of runAll(g)) {
      const want = fixture.fetches[name];
      expect({ name, dtype: got.dtype, shape: got.shape, values: values(got) }).toEqual({ name, ...want });
    }
  });

  it('tensorloom\'s own GraphDef of it imports again with the same results', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.loadGraphDef(join(dir, 'strings.pb'), { name: '' }));
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.importGraphDef(g.toGraphDefBytes(), { name: '' }));
    const a = runAll(g), b = runAll(g2);
    for (const [name, v] of a) expect(values(b.get(name)!), name).toEqual(values(v));
  });
});
