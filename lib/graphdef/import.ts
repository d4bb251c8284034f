// GraphDef import (TF1's tf.import_graph_def) and export (graph.asGraphDef / toGraphDefBytes).
// Import maps each NodeDef straight onto the op registry (the same op and attr names), adds
// the nodes in a topological order under a name scope, and is atomic: any error rolls the
// graph back to where it was.
import { readFileSync } from 'node:fs';
import { DType, dtypeFromCode } from '../dtypes';
import { InvalidArgumentError, OpError, UnimplementedError, errorForCode, invalidArgument } from '../errors';
import { Graph, Operation, StaticShape, Tensor, getDefaultGraph, graphDefHooks } from '../graph';
import { NDArray } from '../ndarray';
import { makeNode } from '../ops/builders';
import type { AttrDef, OpDef } from '../ops/registry';
import { findOpDef } from '../ops/schema';
import { decodeGraphDef, encodeGraphDef, tensorToArray } from './codec';
import { toGraphDef } from './export';
import type { AttrValueObject, GraphDefObject, NodeDefObject, ShapeObject } from './types';

export interface ImportGraphDefOptions {
  /** Name scope of the imported nodes ('import' by default, '' for none). */
  name?: string;
  /** Tensors of the imported graph ('x:0', 'x' = 'x:0', '^x' for control) replaced by tensors (ops) of this one. */
  inputMap?: Record<string, Tensor | Operation> | Map<string, Tensor | Operation>;
  /** Names of tensors ('x:0') and operations ('init') to return, in order. */
  returnElements?: string[];
}

const TEXT = new TextDecoder();

function parseInputName(s: string): { node: string; index: number; control: boolean } {
  if (s.startsWith('^')) return { node: s.slice(1), index: -1, control: true };
  const m = /^(.*):(\d+)$/.exec(s);
  return m ? { node: m[1], index: Number(m[2]), control: false } : { node: s, index: 0, control: false };
}

const toNumber = (v: number | bigint): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${v} is outside the safe integer range`);
  return n;
};

function dtypeOf(code: number, node: string): DType {
  const base = code > 100 ? code - 100 : code;  // _REF types (TF1 variables) read as their value type
  try { return dtypeFromCode(base); } catch {
    throw new UnimplementedError(null, null, `Node '${node}': dtype ${code} (a TF DataType tensorloom does not support) is not supported`);
  }
}

function shapeOf(s: ShapeObject | undefined): StaticShape {
  if (!s || s.unknownRank) return s ? null : [];
  return s.dim.map((d) => { const n = toNumber(d.size); return n < 0 ? null : n; });
}

const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true });
/** DT_STRING elements as JS strings: tensorloom's strings are text, so their bytes must be UTF-8. */
function utf8Strings(bytes: readonly Uint8Array[], node: string): string[] {
  return bytes.map((b, i) => {
    try { return UTF8_FATAL.decode(b); } catch {
      throw invalidArgument(`Node '${node}': DT_STRING element ${i} is not valid UTF-8 (tensorloom holds strings as text, not arbitrary bytes)`);
    }
  });
}

/** A NodeDef attr value as the registry's attr kind expects it. */
function attrValue(def: AttrDef, v: AttrValueObject, node: string): unknown {
  const o = v as Record<string, unknown>;
  const bad = () => invalidArgument(`Node '${node}': attr '${def.name}' should be ${def.kind}, got ${JSON.stringify(Object.keys(o))}`);
  const list = o.list as Record<string, unknown[]> | undefined;
  switch (def.kind) {
    case 'int': if ('i' in o) return toNumber(o.i as number | bigint); throw bad();
    case 'float': if ('f' in o) return o.f; throw bad();
    case 'bool': if ('b' in o) return o.b; throw bad();
    case 'string': if ('s' in o) return TEXT.decode(o.s as Uint8Array); throw bad();
    case 'type': if ('type' in o) return dtypeOf(o.type as number, node); throw bad();
    case 'shape': if ('shape' in o) return shapeOf(o.shape as ShapeObject); throw bad();
    case 'ints': if (list) return (list.i ?? []).map((x) => toNumber(x as number | bigint)); throw bad();
    case 'floats': if (list) return (list.f ?? []).slice(); throw bad();
    case 'types': if (list) return (list.type ?? []).map((x) => dtypeOf(x as number, node)); throw bad();
    case 'tensor': {
      if (!('tensor' in o)) throw bad();
      const t = tensorToArray(o.tensor as never);
      const dtype = dtypeOf(t.dtype, node);
      if (dtype === 'string') return new NDArray(utf8Strings(t.data as Uint8Array[], node), t.shape, dtype);
      return new NDArray(t.data as never, t.shape, dtype);
    }
  }
}

/**
 * Orders the nodes so every input comes first, keeping the GraphDef's own order where it
 * already is one (a depth-first post-order, iterative for deep graphs); a cycle names its nodes.
 */
function topoOrder(nodes: NodeDefObject[], byName: Map<string, NodeDefObject>): NodeDefObject[] {
  const state = new Map<string, 1 | 2>();  // 1 = on the stack, 2 = placed
  const out: NodeDefObject[] = [];
  const deps = (n: NodeDefObject) => n.input.map((i) => parseInputName(i).node).filter((d) => byName.has(d));
  for (const root of nodes) {
    if (state.has(root.name)) continue;
    const stack: { node: NodeDefObject; deps: string[]; next: number }[] = [{ node: root, deps: deps(root), next: 0 }];
    state.set(root.name, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next === top.deps.length) {
        stack.pop();
        state.set(top.node.name, 2);
        out.push(top.node);
        continue;
      }
      const d = top.deps[top.next++];
      const st = state.get(d);
      if (st === 2) continue;
      if (st === 1) {
        const cycle = stack.slice(stack.findIndex((f) => f.node.name === d)).map((f) => `'${f.node.name}'`);
        throw invalidArgument(`GraphDef has a cycle: ${cycle.join(' -> ')} -> '${d}'`);
      }
      const n = byName.get(d)!;
      state.set(d, 1);
      stack.push({ node: n, deps: deps(n), next: 0 });
    }
  }
  return out;
}

function mapEntries(m: ImportGraphDefOptions['inputMap']): [string, Tensor | Operation][] {
  if (!m) return [];
  return m instanceof Map ? [...m] : Object.entries(m);
}

/**
 * TF1's tf.import_graph_def: imports `def` (binary GraphDef bytes, text format, or an
 * asGraphDef() object) into the default graph under `name` ('import' by default).
 * Returns the `returnElements` in order (null when none were asked for).
 * @example const [probs] = tf.importGraphDef(fs.readFileSync('frozen.pb'), { inputMap: { 'input:0': x }, returnElements: ['probs:0'] })
 */
export function importGraphDef(def: Uint8Array | string | GraphDefObject, options: ImportGraphDefOptions = {}): (Tensor | Operation)[] | null {
  if (options === null || typeof options !== 'object') throw new TypeError('importGraphDef options must be an object');
  for (const k of Object.keys(options)) {
    if (!['name', 'inputMap', 'returnElements'].includes(k))
      throw new TypeError(`importGraphDef: unknown option '${k}' (accepted: name, inputMap, returnElements)`);
  }
  let gd: GraphDefObject;
  try { gd = decodeGraphDef(def); } catch (e) {
    if (e instanceof OpError) throw e;
    throw new InvalidArgumentError(null, null, `Cannot parse GraphDef: ${(e as Error).message}`);
  }
  const g = getDefaultGraph();
  const byName = new Map<string, NodeDefObject>();
  for (const n of gd.node) {
    if (!n.name) throw invalidArgument('GraphDef has a node with an empty name');
    if (byName.has(n.name)) throw invalidArgument(`Duplicate node name in graph: '${n.name}'`);
    byName.set(n.name, n);
  }
  // Every unsupported op type, with the nodes that use it, in one error.
  const unsupported = new Map<string, string[]>();
  for (const n of gd.node) if (!findOpDef(n.op)) (unsupported.get(n.op) ?? unsupported.set(n.op, []).get(n.op)!).push(n.name);
  if (unsupported.size) {
    const list = [...unsupported].map(([op, names]) => `${op} (used by ${names.slice(0, 5).map((s) => `'${s}'`).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''})`);
    throw new UnimplementedError(null, null, `GraphDef uses op types tensorloom does not support: ${list.join('; ')}`);
  }
  const inputMap = new Map<string, Tensor | Operation>();
  for (const [k, v] of mapEntries(options.inputMap)) {
    const key = k.startsWith('^') || k.includes(':') ? k : `${k}:0`;
    if (k.startsWith('^') ? !(v instanceof Operation) : !(v instanceof Tensor))
      throw new TypeError(`inputMap['${k}'] must be a ${k.startsWith('^') ? 'Operation' : 'Tensor'} of this graph`);
    if (v.graph !== g) throw invalidArgument(`inputMap['${k}'] is not an element of the default graph`);
    inputMap.set(key, v);
  }
  const order = topoOrder(gd.node, byName);
  const returns = options.returnElements ?? null;
  if (returns !== null && !Array.isArray(returns)) throw new TypeError('returnElements must be an array of names');

  const cp = g.checkpoint();
  try {
    return g.nameScope(options.name === undefined ? 'import' : options.name, (scope) => {
      const built = new Map<string, Operation>();
      const usedMap = new Set<string>();
      for (const n of order) built.set(n.name, importNode(g, n, scope, built, inputMap, usedMap));
      const unused = [...inputMap.keys()].filter((k) => !usedMap.has(k));
      if (unused.length) throw invalidArgument(`Attempted to map inputs that were not found in graph_def: [${unused.join(', ')}]`);
      if (returns === null) return null;
      return returns.map((r) => {
        const p = parseInputName(r);
        const op = built.get(p.node);
        if (!op || (r.includes(':') && !op.outputs[p.index])) throw invalidArgument(`Requested return_element '${r}' not found in graph_def.`);
        return r.includes(':') ? op.outputs[p.index] : op;
      });
    });
  } catch (e) {
    g.rollback(cp);
    throw e;
  }
}

function importNode(g: Graph, n: NodeDefObject, scope: string, built: Map<string, Operation>,
                    inputMap: Map<string, Tensor | Operation>, usedMap: Set<string>): Operation {
  const def = findOpDef(n.op) as OpDef;
  const inputs: Tensor[] = [];
  const control: Operation[] = [];
  for (const s of n.input) {
    const p = parseInputName(s);
    const key = p.control ? s : `${p.node}:${p.index}`;
    const mapped = inputMap.get(key);
    if (mapped) {
      usedMap.add(key);
      if (p.control) control.push(mapped as Operation); else inputs.push(mapped as Tensor);
      continue;
    }
    const src = built.get(p.node);
    if (!src) throw invalidArgument(`Node '${n.name}': Unknown input node '${s}'`);
    if (p.control) { if (!control.includes(src)) control.push(src); continue; }
    const t = src.outputs[p.index];
    if (!t) throw invalidArgument(`Node '${n.name}': input '${s}' refers to output ${p.index} of '${p.node}', which has ${src.outputs.length} outputs`);
    inputs.push(t);
  }
  const attrs: Record<string, unknown> = {};
  for (const a of def.attrs) {
    const v = n.attr[a.name];
    if (v === undefined) continue;  // the registry's default applies (makeNode)
    try { attrs[a.name] = attrValue(a, v, n.name); } catch (e) {
      if (e instanceof OpError || e instanceof TypeError) throw e;
      throw invalidArgument(`Node '${n.name}': attr '${a.name}': ${(e as Error).message}`);
    }
  }
  try {
    return makeNode(g, n.op, inputs, attrs, null, `${scope}${n.name}/`, control);
  } catch (e) {
    if (e instanceof OpError && !e.message.includes(`'${scope}${n.name}'`)) throw errorForCode(e.code, `Node '${scope}${n.name}' (${n.op}): ${e.message}`);
    throw e;
  }
}

/** tf.loadGraphDef(path, opts): reads a binary (.pb) or text (.pbtxt / .pbtext / .txt) GraphDef and imports it. */
export function loadGraphDef(path: string, options?: ImportGraphDefOptions): (Tensor | Operation)[] | null {
  const bytes = readFileSync(path);
  const text = /\.(pbtxt|pbtext|txt|prototxt)$/i.test(path);
  return importGraphDef(text ? bytes.toString('utf8') : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
}

Object.assign(graphDefHooks, {
  graphDef: (g: Graph) => toGraphDef(g.getOperations()),
  graphDefBytes: (g: Graph) => encodeGraphDef(toGraphDef(g.getOperations())),
});
export { toGraphDef };

