// Graph, Operation and Tensor: the symbolic side. A Graph is an append-only list of
// Operations (node index = position, so order is topological), with TF1's naming rules
// (case-insensitive uniquification, name scopes) and control-dependency contexts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { DType } from './dtypes';
import { invalidArgument, NodeDefLike } from './errors';
import type { NDArray } from './ndarray';
import type { AttrKind } from './ops/schema';
import type { GraphDefObject } from './graphdef/types';
import type { FeedValue } from './fetch-types';

export type StaticShape = (number | null)[] | null;
export interface AttrValue { kind: AttrKind; value: unknown }
export type FeedDict = Map<Tensor | string, FeedValue> | Iterable<readonly [Tensor | string, FeedValue]>;

/** Options of a chained op: the op's name, plus attrs where the op has them. */
export interface MethodOptions { name?: string }
/** Where ops are built from; attached lazily by lib/ops (avoids an import cycle). */
export interface TensorMethods {
  binary(type: 'add' | 'subtract' | 'multiply' | 'divide' | 'maximum' | 'minimum', a: Tensor, b: unknown, o?: MethodOptions): Tensor;
  matmul(a: Tensor, b: unknown, o?: object): Tensor;
  reshape(a: Tensor, shape: unknown, o?: MethodOptions): Tensor; cast(a: Tensor, d: DType, o?: MethodOptions): Tensor;
  unary(type: string, a: Tensor, o?: MethodOptions): Tensor; reduce(type: string, a: Tensor, axis?: unknown, o?: object): Tensor;
}
export const tensorMethods = {} as TensorMethods;
/** Session hook used by eval/run (set by lib/session). */
export const sessionHooks = {} as {
  evalTensor(t: Tensor, feedDict: FeedDict | undefined, session: unknown): NDArray;
  runOp(o: Operation, feedDict: FeedDict | undefined, session: unknown): void;
};

// Node's util.inspect.custom, by its registered name (keeps Node's types out of the public .d.ts).
const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;
const pyShape = (s: StaticShape) => (s === null ? '<unknown>' : `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`);

const VALID_ROOT = /^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$/;
const VALID_NESTED = /^[A-Za-z0-9_.\-/]*$/;

/** A symbolic handle to one output of an Operation. */
export class Tensor {
  constructor(readonly op: Operation, readonly valueIndex: number, readonly dtype: DType, readonly shape: StaticShape) {}
  get name(): string { return `${this.op.name}:${this.valueIndex}`; }
  get graph(): Graph { return this.op.graph; }
  /** Consumers of this tensor, in creation order. */
  consumers(): Operation[] { return this.graph.getOperations().filter((o) => o.inputs.includes(this)); }
  /** Runs this tensor in a session (the default one unless given): `sess.run(this, feedDict)`. */
  eval(feedDict?: FeedDict, session?: unknown): NDArray { return sessionHooks.evalTensor(this, feedDict, session); }
  toString(): string {
    const s = this.shape === null ? '<unknown>' : `(${this.shape.map((d) => (d === null ? '?' : d)).join(', ')}${this.shape.length === 1 ? ',' : ''})`;
    return `Tensor("${this.name}", shape=${s}, dtype=${this.dtype})`;
  }
  /** TF's repr: `<tf.Tensor 'Add:0' shape=(2, 3) dtype=float32>`. */
  [inspectSymbol](): string { return `<tf.Tensor '${this.name}' shape=${pyShape(this.shape)} dtype=${this.dtype}>`; }
  // Chainable ops: each is the tf.* function of the same name with this tensor first.
  add(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('add', this, b, options); }
  sub(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('subtract', this, b, options); }
  subtract(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('subtract', this, b, options); }
  mul(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('multiply', this, b, options); }
  multiply(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('multiply', this, b, options); }
  div(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('divide', this, b, options); }
  divide(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('divide', this, b, options); }
  maximum(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('maximum', this, b, options); }
  minimum(b: unknown, options?: MethodOptions): Tensor { return tensorMethods.binary('minimum', this, b, options); }
  matmul(b: unknown, options?: { transposeA?: boolean; transposeB?: boolean; name?: string }): Tensor { return tensorMethods.matmul(this, b, options); }
  reshape(shape: unknown, options?: MethodOptions): Tensor { return tensorMethods.reshape(this, shape, options); }
  cast(dtype: DType, options?: MethodOptions): Tensor { return tensorMethods.cast(this, dtype, options); }
  neg(options?: MethodOptions): Tensor { return tensorMethods.unary('Neg', this, options); }
  negative(options?: MethodOptions): Tensor { return tensorMethods.unary('Neg', this, options); }
  abs(options?: MethodOptions): Tensor { return tensorMethods.unary('Abs', this, options); }
  exp(options?: MethodOptions): Tensor { return tensorMethods.unary('Exp', this, options); }
  log(options?: MethodOptions): Tensor { return tensorMethods.unary('Log', this, options); }
  sqrt(options?: MethodOptions): Tensor { return tensorMethods.unary('Sqrt', this, options); }
  square(options?: MethodOptions): Tensor { return tensorMethods.unary('Square', this, options); }
  tanh(options?: MethodOptions): Tensor { return tensorMethods.unary('Tanh', this, options); }
  sigmoid(options?: MethodOptions): Tensor { return tensorMethods.unary('Sigmoid', this, options); }
  relu(options?: MethodOptions): Tensor { return tensorMethods.unary('Relu', this, options); }
  softmax(options?: MethodOptions): Tensor { return tensorMethods.unary('Softmax', this, options); }
  sum(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Sum', this, axis, options); }
  mean(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Mean', this, axis, options); }
  max(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Max', this, axis, options); }
  reduceSum(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Sum', this, axis, options); }
  reduceMean(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Mean', this, axis, options); }
  reduceMax(axis?: number | number[] | null, options?: { keepDims?: boolean; name?: string }): Tensor { return tensorMethods.reduce('Max', this, axis, options); }
}

/** A node of the graph. */
export class Operation {
  readonly outputs: Tensor[] = [];
  /** Creation stack (formatted lazily by V8). */
  private readonly site: { stack?: string } = {};
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly name: string,
    readonly type: string,
    readonly inputs: Tensor[],
    readonly controlInputs: Operation[],
    readonly attrs: ReadonlyMap<string, AttrValue>,
  ) {
    Error.captureStackTrace(this.site, Graph.prototype.createOp);
  }
  /** The JS stack of where this op was built. */
  get traceback(): string { return (this.site.stack ?? '').split('\n').slice(1).join('\n'); }
  /** The first stack frame outside tensorloom, e.g. "/app/model.ts:12:7". */
  get definedAt(): string {
    const frames = this.traceback.split('\n').map((l) => l.trim().replace(/^at /, ''));
    const user = frames.find((f) => !/[\\/]lib[\\/](ops|graph|session|variables|gradients)/.test(f) && !f.includes('node:')) ?? frames[0] ?? '';
    const m = /\(([^)]*)\)$/.exec(user);
    return m ? m[1] : user;
  }
  getAttr(name: string): unknown {
    const a = this.attrs.get(name);
    if (!a) throw invalidArgument(`Operation '${this.name}' has no attr named '${name}'.`);
    return a.value;
  }
  /** Runs this op in a session (the default one unless given); returns nothing, like TF. */
  run(feedDict?: FeedDict, session?: unknown): void { sessionHooks.runOp(this, feedDict, session); }
  get nodeDef(): NodeDefLike { return this.graph.nodeDef(this); }
  toString(): string { return `Operation '${this.name}' type=${this.type}`; }
  /** TF's repr: `<tf.Operation 'Add' type=Add>`. */
  [inspectSymbol](): string { return `<tf.Operation '${this.name}' type=${this.type}>`; }
}

interface ControlContext { ops: Operation[]; created: Set<Operation> }

const defaultGraphStack: Graph[] = [];  // InteractiveSession({ graph }) (process-wide)
// graph.asDefault scopes: an AsyncLocalStorage, so an async fn keeps its graph across awaits.
const scopedGraphs = new AsyncLocalStorage<readonly Graph[]>();
let globalDefaultGraph: Graph | null = null;

export class Graph {
  private readonly ops: Operation[] = [];
  private readonly byName = new Map<string, Operation>();
  private readonly namesInUse = new Map<string, number>();
  private nameStack = '';
  private controlStack: ControlContext[] = [];
  private readonly deviceStack: string[] = [];
  /** The graph-level random seed (tf.setRandomSeed, TF's graph.seed); null when unset. */
  seed: number | null = null;

  /** `<tf.Graph with 12 ops>`. */
  [inspectSymbol](): string { return `<tf.Graph with ${this.ops.length} op${this.ops.length === 1 ? '' : 's'}>`; }

  /** Number of ops (TF's graph.version grows with each op). */
  get version(): number { return this.ops.length; }
  getOperations(): Operation[] { return this.ops.slice(); }
  /** Op by index (internal, used by the session and serializer). */
  opAt(i: number): Operation { return this.ops[i]; }

  /** Runs fn with this graph as the default graph; returns fn's result. */
  asDefault<T>(fn: (g: Graph) => T): T {
    return scopedGraphs.run([...(scopedGraphs.getStore() ?? []), this], () => fn(this));
  }

  /** TF's unique_name: prefixes the scope, compares case-insensitively, appends _1, _2 ... */
  uniqueName(name: string, markAsUsed = true): string {
    if (this.nameStack) name = `${this.nameStack}/${name}`;
    const key = name.toLowerCase();
    let i = this.namesInUse.get(key) ?? 0;
    if (markAsUsed) this.namesInUse.set(key, i + 1);
    if (i > 0) {
      const base = key;
      while (this.namesInUse.has(`${base}_${i}`)) i++;
      if (markAsUsed) this.namesInUse.set(`${base}_${i}`, 1);
      name = `${name}_${i}`;
    }
    return name;
  }

  /** The current name scope ("" at the root, else "a/b"). */
  getNameScope(): string { return this.nameStack; }

  /**
   * Runs fn inside name scope `name`: "" or null resets to the root, a name ending in "/"
   * re-enters that absolute scope, anything else opens a new uniquified scope. fn gets "scope/".
   */
  nameScope<T>(name: string | null, fn: (scope: string) => T): T {
    const old = this.nameStack;
    let next: string;
    if (!name) next = '';
    else {
      const re = old ? VALID_NESTED : VALID_ROOT;
      if (!re.test(name)) throw invalidArgument(`'${name}' is not a valid scope name`);
      next = name.endsWith('/') ? name.slice(0, -1) : this.uniqueName(name);
    }
    this.nameStack = next;
    try { return fn(next ? `${next}/` : ''); } finally { this.nameStack = old; }
  }

  /** Ops created inside fn get control inputs on `controlInputs`; null clears the active ones. */
  controlDependencies<T>(controlInputs: (Operation | Tensor)[] | null, fn: () => T): T {
    const old = this.controlStack;
    if (controlInputs === null) this.controlStack = [];
    else {
      const ops: Operation[] = [];
      const active = new Set(this.controlStack.flatMap((c) => c.ops));
      for (const c of controlInputs) {
        const op = c instanceof Tensor ? c.op : c;
        if (!(op instanceof Operation)) throw new TypeError(`Control input must be Operation or Tensor: ${String(c)}`);
        if (op.graph !== this) throw invalidArgument(`Control input ${op.name} is not an element of this graph.`);
        if (!active.has(op) && !ops.includes(op)) ops.push(op);
      }
      this.controlStack = [...old, { ops, created: new Set() }];
    }
    try { return fn(); } finally { this.controlStack = old; }
  }

  /**
   * Adds an op. `name` is uniquified unless it ends with "/" (then used verbatim, as TF).
   * Control inputs come from the active controlDependencies contexts.
   */
  createOp(type: string, inputs: Tensor[], attrs: Map<string, AttrValue>, outputs: { dtype: DType; shape: StaticShape }[],
           name?: string, controlInputs: Operation[] = []): Operation {
    for (const t of inputs) if (t.graph !== this) throw invalidArgument(`Tensor ${t} must be from the same graph as the other inputs of '${type}'.`);
    let opName: string;
    if (name !== undefined && name.endsWith('/')) {
      opName = name.slice(0, -1);
      // A verbatim name (imported nodes, scoped op names) is taken: later unique_name calls skip it.
      if (!this.namesInUse.has(opName.toLowerCase())) this.namesInUse.set(opName.toLowerCase(), 1);
    }
    else {
      const base = name ?? type;
      if (!(this.nameStack ? VALID_NESTED : VALID_ROOT).test(base) || base.includes(':'))
        throw invalidArgument(`'${base}' is not a valid node name`);
      opName = this.uniqueName(base);
    }
    if (this.byName.has(opName)) throw invalidArgument(`Duplicate node name in graph: '${opName}'`);
    const ctl = [...controlInputs];
    const inputOps = new Set(inputs.map((t) => t.op));
    for (const ctx of this.controlStack) {
      if (inputs.some((t) => ctx.created.has(t.op))) continue;  // dominated: an input already depends on it
      for (const c of ctx.ops) if (!inputOps.has(c) && !ctl.includes(c)) ctl.push(c);
    }
    const op = new Operation(this, this.ops.length, opName, type, inputs, ctl, attrs);
    outputs.forEach((o, i) => op.outputs.push(new Tensor(op, i, o.dtype, o.shape)));
    this.ops.push(op);
    this.byName.set(opName, op);
    for (const ctx of this.controlStack) ctx.created.add(op);
    return op;
  }

  /** A restore point for all-or-nothing changes (GraphDef import). @internal */
  checkpoint(): { readonly ops: number; readonly names: Map<string, number> } {
    return { ops: this.ops.length, names: new Map(this.namesInUse) };
  }
  /** Drops every op created since `cp` and restores the names in use. @internal */
  rollback(cp: { readonly ops: number; readonly names: Map<string, number> }): void {
    for (const op of this.ops.splice(cp.ops)) this.byName.delete(op.name);
    this.namesInUse.clear();
    for (const [k, v] of cp.names) this.namesInUse.set(k, v);
  }

  /** Marks a name used (for graphs decoded from a buffer). */
  reserveName(name: string): void {
    const key = name.toLowerCase();
    if (!this.namesInUse.has(key)) this.namesInUse.set(key, 1);
  }

  getOperationByName(name: string): Operation {
    const op = this.byName.get(name);
    if (!op) throw invalidArgument(`The name '${name}' refers to an Operation not in the graph.`);
    return op;
  }

  getTensorByName(name: string): Tensor {
    const el = this.asGraphElement(name, true, false);
    return el as Tensor;
  }

  /** TF's as_graph_element for names, Tensors and Operations (throws InvalidArgumentError). */
  asGraphElement(obj: unknown, allowTensor = true, allowOperation = true): Tensor | Operation {
    if (obj instanceof Tensor && allowTensor) {
      if (obj.graph !== this) throw invalidArgument(`Tensor ${obj} is not an element of this graph.`);
      return obj;
    }
    if (obj instanceof Operation && allowOperation) {
      if (obj.graph !== this) throw invalidArgument(`Operation ${obj.name} is not an element of this graph.`);
      return obj;
    }
    if (typeof obj === 'string') {
      const name = obj;
      if (name.includes(':') && allowTensor) {
        const parts = name.split(':');
        if (parts.length !== 2 || !/^\d+$/.test(parts[1]))
          throw invalidArgument(`The name '${name}' looks a like a Tensor name, but is not a valid one. Tensor names must be of the form "<op_name>:<output_index>".`);
        const op = this.byName.get(parts[0]);
        if (!op) throw invalidArgument(`The name '${name}' refers to a Tensor which does not exist. The operation, '${parts[0]}', does not exist in the graph.`);
        const idx = Number(parts[1]);
        if (idx >= op.outputs.length)
          throw invalidArgument(`The name '${name}' refers to a Tensor which does not exist. The operation, '${parts[0]}', exists but only has ${op.outputs.length} outputs.`);
        return op.outputs[idx];
      }
      if (!name.includes(':') && allowOperation) {
        const op = this.byName.get(name);
        if (!op) throw invalidArgument(`The name '${name}' refers to an Operation not in the graph.`);
        return op;
      }
      if (!name.includes(':') && allowTensor) {
        if (this.byName.has(name))
          throw invalidArgument(`The name '${name}' refers to an Operation, not a Tensor. Tensor names must be of the form "<op_name>:<output_index>".`);
        throw invalidArgument(`The name '${name}' looks like an (invalid) Operation name, not a Tensor. Tensor names must be of the form "<op_name>:<output_index>".`);
      }
    }
    const kinds = [allowTensor && 'Tensor', allowOperation && 'Operation'].filter(Boolean).join(' or ');
    throw new TypeError(`Can not convert a ${obj === null ? 'null' : typeof obj === 'object' ? (obj as object).constructor?.name : typeof obj} into a ${kinds}.`);
  }

  nodeDef(op: Operation): NodeDefLike { return graphDefHooks.nodeDef(op); }
  /**
   * The graph as TensorFlow's GraphDef message, as a plain object (protobuf JSON field names:
   * `node[]` with name, op, input, device, attr; `versions`; `library`). Enum values are numbers
   * and bytes are Uint8Arrays, as the protobuf message holds them.
   */
  asGraphDef(): GraphDefObject { return graphDefHooks.graphDef(this); }
  /** The binary GraphDef protobuf, which TensorFlow's import_graph_def reads. */
  toGraphDefBytes(): Uint8Array { return graphDefHooks.graphDefBytes(this); }
  /** The compact binary format (see lib/serialize.ts). */
  toBuffer(): Uint8Array { return graphDefHooks.encode(this, 0); }
  /** Writes toBuffer() to a file. */
  save(path: string): void {
    writeFileSync(path, this.toBuffer());
  }
  static fromBuffer(buf: Uint8Array): Graph { return graphDefHooks.decode(buf); }
}

/** Serialization hooks (set by lib/serialize, which imports this module). */
export const graphDefHooks = {} as {
  nodeDef(op: Operation): NodeDefLike;
  graphDef(g: Graph): GraphDefObject;
  graphDefBytes(g: Graph): Uint8Array;
  encode(g: Graph, base: number): Uint8Array;
  decode(buf: Uint8Array): Graph;
};

/** Makes g the default graph until popDefaultGraph(g) (for InteractiveSession). */
export function pushDefaultGraph(g: Graph): void { defaultGraphStack.push(g); }
export function popDefaultGraph(g: Graph): void {
  const i = defaultGraphStack.lastIndexOf(g);
  if (i >= 0) defaultGraphStack.splice(i, 1);
}

/** The innermost graph made default with asDefault, else the global default graph. */
export function getDefaultGraph(): Graph {
  const scoped = scopedGraphs.getStore();
  if (scoped && scoped.length) return scoped[scoped.length - 1];
  if (defaultGraphStack.length) return defaultGraphStack[defaultGraphStack.length - 1];
  if (!globalDefaultGraph) globalDefaultGraph = new Graph();
  return globalDefaultGraph;
}

/** Clears the global default graph (not allowed inside graph.asDefault). */
export function resetDefaultGraph(): void {
  if (defaultGraphStack.length || scopedGraphs.getStore()?.length) throw new Error('Do not use tf.resetDefaultGraph() to clear nested graphs. If you need a cleared graph, exit the nesting and create a new graph.');
  globalDefaultGraph = new Graph();
}

export function nameScope<T>(name: string | null, fn: (scope: string) => T): T { return getDefaultGraph().nameScope(name, fn); }
export function controlDependencies<T>(ops: (Operation | Tensor)[] | null, fn: () => T): T {
  return getDefaultGraph().controlDependencies(ops, fn);
}
