// Graph → TensorFlow GraphDef objects (graph.asGraphDef, op.nodeDef, RunMetadata partition
// graphs); lib/graphdef/codec.ts turns them into protobuf bytes.
import { DType, dtypeCode } from '../dtypes';
import type { AttrValue, Operation, StaticShape } from '../graph';
import type { NDArray } from '../ndarray';
import { arrayToTensor } from './tensor';
import type { AttrValueObject, GraphDefObject, NodeDefObject, ShapeObject } from './types';

const ENC = new TextEncoder();
/** TF's GraphDef producer version this export claims (TF 1.15 wrote 134; 2.x writes higher). */
export const PRODUCER = 1205;

function exportAttr(a: AttrValue): AttrValueObject {
  const v = a.value;
  const shapeObj = (s: StaticShape): ShapeObject => (s === null ? { dim: [], unknownRank: true } : { dim: s.map((d) => ({ size: d ?? -1 })) });
  switch (a.kind) {
    case 'int': return { i: v as number };
    case 'float': return { f: v as number };
    case 'bool': return { b: v as boolean };
    case 'string': return { s: ENC.encode(v as string) };
    case 'type': return { type: dtypeCode(v as DType) };
    case 'shape': return { shape: shapeObj(v as StaticShape) };
    case 'ints': return { list: { i: (v as number[]).slice() } };
    case 'floats': return { list: { f: (v as number[]).slice() } };
    case 'types': return { list: { type: (v as DType[]).map(dtypeCode) } };
    case 'tensor': {
      const t = v as NDArray;
      return { tensor: arrayToTensor(dtypeCode(t.dtype), t.shape, t.data) };
    }
  }
}

/** A node's inputs as GraphDef strings: "name" for output 0, "name:1", "^ctrl" for control inputs. */
export function nodeInputs(op: Operation): string[] {
  return op.inputs.map((t) => (t.valueIndex === 0 ? t.op.name : t.name)).concat(op.controlInputs.map((c) => `^${c.name}`));
}

/** The NodeDef of one op. */
export function nodeDefOf(op: Operation): NodeDefObject {
  const attr: Record<string, AttrValueObject> = {};
  for (const [k, a] of op.attrs) attr[k] = exportAttr(a);
  return { name: op.name, op: op.type, input: nodeInputs(op), device: '', attr };
}

/** The GraphDef of `ops` (a whole graph, or the nodes a run executed). */
export function toGraphDef(ops: readonly Operation[]): GraphDefObject {
  return {
    node: ops.map(nodeDefOf),
    versions: { producer: PRODUCER },
    library: {},
  };
}

