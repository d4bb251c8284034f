// The op registry's vocabulary: an op is declared once, in TF's own REGISTER_OP terms (typed
// input/output args, attrs with defaults and allowed types), in one of lib/ops/defs/*.ts. From
// that one declaration:
//   - the TS graph builder derives output dtypes and counts, fills attr defaults, checks dtypes;
//   - GraphDef import maps TF NodeDefs directly (same op and attr names);
//   - native/ops.gen.h (`npm run gen`) gives the C++ decoder the same arg/attr tables, so it
//     checks every node's dtypes generically, and the kernel table its family function.
import type { DType } from '../dtypes';
import type { AttrValue, Operation, StaticShape, Tensor } from '../graph';

/** Wire kinds of attributes (native AttrKind). Only ever appended. */
export const ATTR_KINDS = { int: 1, float: 2, bool: 3, string: 4, type: 5, shape: 6, ints: 7, tensor: 8, types: 9, floats: 10 } as const;
export type AttrKind = keyof typeof ATTR_KINDS;

/** Named shape rules of lib/ops/shape.ts (older ops); newer ops give a ShapeFn. */
export type ShapeRule =
  | 'const' | 'placeholder' | 'same' | 'none' | 'broadcast' | 'matmul' | 'reduce' | 'reshape' | 'fill';

/** What a shape function sees. `fail(msg)` makes TF's error text naming the node and input shapes. */
export interface ShapeContext {
  readonly type: string;
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: ReadonlyMap<string, AttrValue>;
  attr<T = unknown>(name: string): T;
  fail(msg: string): Error;
}
/** Static output shapes, one per output (null = unknown rank, null dims = unknown). */
export type ShapeFn = (c: ShapeContext) => StaticShape[];

/** One input or output argument, as TF's OpDef ArgDef. */
export interface ArgDef {
  readonly name: string;
  /** Fixed dtype ('bool' for a comparison's output, 'int32' for an index). */
  readonly type?: DType;
  /** The type attr giving this arg's dtype ("T"). */
  readonly typeAttr?: string;
  /** The int attr giving how many tensors this arg is ("N"); with typeAttr or type. */
  readonly numberAttr?: string;
  /** The list(type) attr giving the dtypes of a list arg (IdentityN's "T"). */
  readonly typeListAttr?: string;
}

export interface AttrDef {
  readonly name: string;
  readonly kind: AttrKind;
  /** TF's default (absent: the attr is required). */
  readonly default?: unknown;
  /** Allowed dtypes of a type / list(type) attr (absent: any this project supports). */
  readonly allowed?: readonly DType[];
  /** Minimum of an int attr (TF's `N: int >= 1`). */
  readonly min?: number;
}

/** Native kernel family: one C++ function `kernel_<family>` serves every op of the family. */
export type KernelFamily = string;

export interface OpDef {
  readonly id: number;
  /** TF op type name, also the default node name. */
  readonly type: string;
  readonly kernel: KernelFamily;
  readonly in: readonly ArgDef[];
  readonly out: readonly ArgDef[];
  /** In wire order. */
  readonly attrs: readonly AttrDef[];
  readonly shape: ShapeRule | ShapeFn;
  /** Stateful ops are never folded or cached (RandomUniform, Assign, ...). */
  readonly stateful?: boolean;
  /** The tf.* builder(s) that make this op, for the README's op table ('' = GraphDef import only). */
  readonly builder?: string;
  /** Derived: [min, max] input count, and the output count (-1: set by attrs). */
  readonly inputs: readonly [min: number, max: number];
  readonly outputs: number;
  /** Input dtypes the kernel accepts: kept for the older builders' messages. */
  readonly dtypes?: 'numeric' | 'float' | 'any';
  /** The op's gradient function (see GradFn; also registerGradient). */
  readonly grad?: GradFn | null;
}

/**
 * A gradient function, as TF's @ops.RegisterGradient: given the forward op and the gradient
 * of each of its outputs (null where no gradient flows), builds (with the ordinary builders,
 * inside the op's `gradients/<op>_grad` name scope) and returns the gradient of each input
 * (null where there is none, e.g. an integer index input).
 */
export type GradFn = (op: Operation, grads: (Tensor | null)[]) => (Tensor | null)[];

// Gradient functions by op type: null = NotDifferentiable (TF's ops.NotDifferentiable: inputs
// get no gradient), absent = no gradient defined (tf.gradients raises LookupError's text).
const GRADIENTS = new Map<string, GradFn | null>();

/** Registers `fn` as the gradient of op type `type` (null: not differentiable). Once per type. */
export function registerGradient(type: string, fn: GradFn | null): void {
  if (GRADIENTS.has(type)) throw new Error(`Registering two gradient with name '${type}'! (Previous registration was in registerGradient)`);
  GRADIENTS.set(type, fn);
}
/** Declares op types as not differentiable (TF's ops.NotDifferentiable). */
export function notDifferentiable(...types: string[]): void { for (const t of types) registerGradient(t, null); }
/** The gradient function of `type`: a GradFn, null (not differentiable) or undefined (none defined). */
export function gradientFunction(type: string): GradFn | null | undefined { return GRADIENTS.get(type); }

// ---- declaring ops in TF's REGISTER_OP notation ----------------------------------------------

const TF_TYPES: Record<string, DType | null> = {
  float: 'float32', double: 'float64', int32: 'int32', int64: 'int64', uint8: 'uint8', bool: 'bool',
  // TF types this project does not carry: accepted in allowed-lists, never produced.
  half: null, bfloat16: null, int8: null, int16: null, uint16: null, uint32: null, uint64: null,
  string: 'string',
  complex64: null, complex128: null, qint8: null, quint8: null, qint32: null, resource: null, variant: null,
};
/** TF's named type groups, restricted to the dtypes this project supports. */
const TYPE_GROUPS: Record<string, readonly DType[]> = {
  numbertype: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  realnumbertype: ['float32', 'float64', 'int32', 'int64', 'uint8'],
  floatingtype: ['float32', 'float64'],
  anytype: ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'],
  inttype: ['int32', 'int64', 'uint8'],
};
export const ALL_DTYPES = TYPE_GROUPS.anytype;

function parseTypeList(s: string): DType[] {
  const group = TYPE_GROUPS[s.trim()];
  if (group) return [...group];
  const out: DType[] = [];
  for (const n of s.replace(/[{}]/g, '').split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(n in TF_TYPES)) throw new Error(`registry: unknown TF type '${n}'`);
    const d = TF_TYPES[n];
    if (d) out.push(d);
  }
  return out;
}

function parseDefault(kind: AttrKind, s: string): unknown {
  s = s.trim();
  switch (kind) {
    case 'int': return Number(s);
    case 'float': return Number(s);
    case 'bool': return s === 'true';
    case 'string': return JSON.parse(s.replace(/^'|'$/g, '"'));
    case 'type': return TF_TYPES[s] ?? (() => { throw new Error(`registry: default type ${s}`); })();
    case 'ints': return s === '[]' ? [] : s.replace(/[[\]]/g, '').split(',').map(Number);
    case 'floats': return s === '[]' ? [] : s.replace(/[[\]]/g, '').split(',').map(Number);
    case 'types': return [];
    case 'shape': return s === 'unknown' ? null : JSON.parse(s);
    default: throw new Error(`registry: no default syntax for ${kind}`);
  }
}

/**
 * One attr in TF notation: `T: type`, `T: {float, double}`, `T: numbertype`, `N: int >= 1`,
 * `keep_dims: bool = false`, `strides: list(int)`, `padding: string`, `T: list(type)`,
 * `alpha: float = 0.2`, `value: tensor`, `shape: shape = unknown`, `Tidx: {int32, int64} = int32`.
 */
function parseAttr(spec: string): AttrDef {
  const m = /^(\w+)\s*:\s*(.+?)(?:\s*(?<![<>])=\s*(.+))?$/.exec(spec.trim());
  if (!m) throw new Error(`registry: bad attr spec '${spec}'`);
  const [, name, typ, dflt] = m;
  let kind: AttrKind, allowed: DType[] | undefined, min: number | undefined;
  const t = typ.trim();
  if (/^int\s*>=\s*-?\d+$/.test(t)) { kind = 'int'; min = Number(t.split('>=')[1]); }
  else if (t === 'int') kind = 'int';
  else if (t === 'float') kind = 'float';
  else if (t === 'bool') kind = 'bool';
  else if (t === 'string' || /^\{\s*'/.test(t) || /^\{\s*"/.test(t)) kind = 'string';
  else if (t === 'shape') kind = 'shape';
  else if (t === 'tensor') kind = 'tensor';
  else if (t === 'list(int)') kind = 'ints';
  else if (t === 'list(float)') kind = 'floats';
  else if (/^list\(type\)/.test(t) || /^list\(\{/.test(t)) { kind = 'types'; const inner = /\((.*)\)/.exec(t)![1]; if (inner !== 'type') allowed = parseTypeList(inner); }
  else if (t === 'type') kind = 'type';
  else { kind = 'type'; allowed = parseTypeList(t); }
  return { name, kind, allowed, min, ...(dflt !== undefined ? { default: parseDefault(kind, dflt) } : {}) };
}

/** One arg in TF notation: `x: T`, `y: bool`, `values: N * T`, `output: T` with T a list(type). */
function parseArg(spec: string, attrs: readonly AttrDef[]): ArgDef {
  const m = /^(\w+)\s*:\s*(?:(\w+)\s*\*\s*)?(\w+)$/.exec(spec.trim());
  if (!m) throw new Error(`registry: bad arg spec '${spec}'`);
  const [, name, num, typ] = m;
  const a = attrs.find((x) => x.name === typ);
  const base: ArgDef = a
    ? (a.kind === 'types' ? { name, typeListAttr: typ } : { name, typeAttr: typ })
    : { name, type: TF_TYPES[typ] ?? (() => { throw new Error(`registry: arg type '${typ}'`); })() };
  if (num && !attrs.some((x) => x.name === num && x.kind === 'int')) throw new Error(`registry: number attr '${num}' of ${spec}`);
  return num ? { ...base, numberAttr: num } : base;
}

export interface OpSpec {
  /** Input args, e.g. ['x: T', 'y: T'] or ['values: N * T', 'axis: Tidx']. */
  in?: readonly string[];
  out?: readonly string[];
  attrs?: readonly string[];
  shape: ShapeRule | ShapeFn;
  stateful?: boolean;
  dtypes?: OpDef['dtypes'];
  builder?: string;
  /** The gradient function (registered under the op's type; see GradFn). */
  grad?: GradFn | null;
  /**
   * The kernels take DT_STRING where TF's type attrs allow it. Without this, string is left out of
   * every type attr (an unrestricted `T: type` means the non-string dtypes), so an op whose kernel
   * would read string elements as numbers cannot be built with them.
   */
  strings?: boolean;
}

/** Declares an op: `op(100, 'AddV2', 'binary', { in: ['x: T', 'y: T'], out: ['z: T'], attrs: ['T: numbertype'], shape: 'broadcast' })`. */
export function op(id: number, type: string, kernel: KernelFamily, spec: OpSpec): OpDef {
  const attrs = (spec.attrs ?? []).map(parseAttr).map((a) => (spec.strings || (a.kind !== 'type' && a.kind !== 'types') ? a
    : { ...a, allowed: a.allowed ? a.allowed.filter((d) => d !== 'string') : ALL_DTYPES }));
  const ins = (spec.in ?? []).map((s) => parseArg(s, attrs));
  const outs = (spec.out ?? []).map((s) => parseArg(s, attrs));
  const variadic = (a: ArgDef) => a.numberAttr !== undefined || a.typeListAttr !== undefined;
  const minOf = (a: ArgDef) => (a.typeListAttr ? 0 : a.numberAttr ? Math.max(attrs.find((x) => x.name === a.numberAttr)!.min ?? 0, 0) : 1);
  const min = ins.reduce((n, a) => n + minOf(a), 0);
  const max = ins.some(variadic) ? 0xffff : ins.length;
  const outputs = outs.some(variadic) ? -1 : outs.length;
  if (spec.grad !== undefined) registerGradient(type, spec.grad);
  return { id, type, kernel, in: ins, out: outs, attrs, shape: spec.shape, stateful: spec.stateful, builder: spec.builder, inputs: [min, max], outputs, dtypes: spec.dtypes,
    ...(spec.grad !== undefined ? { grad: spec.grad } : {}) };
}

/** Output (or input) dtypes of a node with these attrs: each arg expanded by its number/list attr. */
export function argDTypes(args: readonly ArgDef[], attrs: ReadonlyMap<string, AttrValue>): DType[] {
  const out: DType[] = [];
  for (const a of args) {
    if (a.typeListAttr) { out.push(...(attrs.get(a.typeListAttr)!.value as DType[])); continue; }
    const t = a.type ?? (attrs.get(a.typeAttr!)!.value as DType);
    const n = a.numberAttr ? (attrs.get(a.numberAttr)!.value as number) : 1;
    for (let i = 0; i < n; i++) out.push(t);
  }
  return out;
}
