// Variables and session state in TF1 graph mode: tf.Variable (TF1's RefVariable over the
// VariableV2 / Assign ops of lib/ops/defs/state.ts), tf.getVariable with tf.variableScope (TF1's
// _VariableStore and VariableScope reuse rules), TF1's initializers, graph collections, and the
// assign ops. Values live in each native session (native/resource.h), never in the graph.
//
// Graph-level state (collections, the getVariable store, the current variable scope) hangs off
// the Graph in a WeakMap, so graphs stay plain and are collected with their state.
//
// A Variable is a Tensor: the VariableV2 op's output itself (`w:0`), so it can be fetched, fed,
// passed to any op constructor, or given to Assign / the Apply* ops as their ref input. Ops that
// consume it read the variable's value when they run (TF1's ref semantics). Divergence: TF1 wires
// consumers to the `w/read` snapshot instead; the values are the same (see Variable).
import { DType, asDType, dtypeInfo } from './dtypes';
import { checkKeys, invalidArgument } from './errors';
import { Graph, Operation, StaticShape, Tensor, getDefaultGraph } from './graph';
import { ValueLike } from './ndarray';
import { OpOptions, TensorLike, constant, fill, group, identity, makeNode, noOp, opts } from './ops/builders';
import { isRefTensor } from './ops/defs/state';
import { randomNormal, randomUniform, truncatedNormal } from './ops/random';
import { booleanMask, stack } from './ops/array';
import { logicalNot } from './ops/math';
import { Session, getDefaultSession } from './session';

// ---- collections --------------------------------------------------------------------------

/** TF1's standard collection names (tf.GraphKeys). */
export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  VARIABLES: 'variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
  LOCAL_VARIABLES: 'local_variables',
  MODEL_VARIABLES: 'model_variables',
  MOVING_AVERAGE_VARIABLES: 'moving_average_variables',
  GLOBAL_STEP: 'global_step',
  TRAIN_OP: 'train_op',
  UPDATE_OPS: 'update_ops',
  SAVERS: 'savers',
  INIT_OP: 'init_op',
  LOCAL_INIT_OP: 'local_init_op',
  READY_OP: 'ready_op',
  SUMMARIES: 'summaries',
  LOSSES: 'losses',
  REGULARIZATION_LOSSES: 'regularization_losses',
} as const;

interface GraphState {
  collections: Map<string, unknown[]>;
  /** Variables made by getVariable, by full name (TF's _VariableStore._vars). */
  store: Map<string, Variable>;
  /** The current variable scope and how often each scope name was opened (uniquifies default names). */
  scope: VariableScope;
  scopeCounts: Map<string, number>;
}
const states = new WeakMap<Graph, GraphState>();

function stateOf(g: Graph): GraphState {
  let s = states.get(g);
  if (!s) {
    s = { collections: new Map(), store: new Map(), scope: null as unknown as VariableScope, scopeCounts: new Map() };
    states.set(g, s);
    s.scope = new VariableScope(g, false, '', null, 'float32', '');
  }
  return s;
}

/** Adds `value` to the collection `name` of the graph (default: the default graph). */
export function addToCollection(name: string, value: unknown, graph: Graph = getDefaultGraph()): void {
  getCollectionRef(name, graph).push(value);
}

/** Adds `value` to each collection of `names` (each once, as TF). */
export function addToCollections(names: string | Iterable<string>, value: unknown, graph: Graph = getDefaultGraph()): void {
  for (const n of new Set(typeof names === 'string' ? [names] : names)) addToCollection(n, value, graph);
}

/** The collection's own list (created empty if missing): changing it changes the collection. */
export function getCollectionRef<T = unknown>(key: string, graph: Graph = getDefaultGraph()): T[] {
  const c = stateOf(graph).collections;
  let list = c.get(key);
  if (!list) c.set(key, (list = []));
  return list as T[];
}

/**
 * A copy of the collection `key`, in insertion order. With `scope`, only the items whose `name`
 * matches the regular expression `scope` at its start (TF's `re.match(scope, item.name)`).
 * @example tf.getCollection(tf.GraphKeys.TRAINABLE_VARIABLES, 'layer1')
 */
export function getCollection<T = unknown>(key: string, scope?: string | null, graph: Graph = getDefaultGraph()): T[] {
  const list = (stateOf(graph).collections.get(key) ?? []) as T[];
  if (scope === undefined || scope === null) return list.slice();
  const re = new RegExp(scope, 'y');
  return list.filter((item) => {
    const name = (item as { name?: unknown })?.name;
    if (typeof name !== 'string') return false;  // items without a name are left out
    re.lastIndex = 0;
    return re.test(name);
  });
}

/** The variables of GLOBAL_VARIABLES (optionally filtered by scope, see getCollection). */
export const globalVariables = (scope?: string | null): Variable[] => getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES, scope);
/** The variables of TRAINABLE_VARIABLES (what optimizers train by default). */
export const trainableVariables = (scope?: string | null): Variable[] => getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES, scope);
/** The variables of LOCAL_VARIABLES. */
export const localVariables = (scope?: string | null): Variable[] => getCollection<Variable>(GraphKeys.LOCAL_VARIABLES, scope);
/** The variables of MODEL_VARIABLES. */
export const modelVariables = (scope?: string | null): Variable[] => getCollection<Variable>(GraphKeys.MODEL_VARIABLES, scope);

/**
 * An op that runs the initializers of `varList`: a NoOp named `init` with a control input on
 * each initializer (a plain NoOp for an empty list), as TF1.
 */
export function variablesInitializer(varList: readonly Variable[], options?: OpOptions | string): Operation {
  const name = opts(options).name ?? 'init';
  if (varList.length) return group(varList.map((v) => v.initializer), { name });
  return noOp({ name });
}

/**
 * The op that initializes every global variable (TF1's `tf.global_variables_initializer()`).
 * @example sess.run(tf.globalVariablesInitializer());
 */
export const globalVariablesInitializer = (): Operation => variablesInitializer(globalVariables());
/** The op that initializes every local variable. */
export const localVariablesInitializer = (): Operation => variablesInitializer(localVariables());

// ---- assign ops -----------------------------------------------------------------------------

export interface AssignOptions extends OpOptions {
  /** Assign only: the value's shape must equal the variable's (default true). */
  validateShape?: boolean;
  /** Update under the variable's lock (default: true for Assign, false for AssignAdd/Sub, as TF). */
  useLocking?: boolean;
}

/** A TF `Ref(T)` input: a Variable, a VariableV2 output or an Assign's output. */
function refOf(ref: unknown, type: string): Tensor {
  if (!(ref instanceof Tensor) || !isRefTensor(ref))
    throw new TypeError(`'${type}' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)`);
  return ref;
}

/** An op input: a Tensor of g as is, else a Const of `dtype` named `name` (in the current scope). */
function operand(g: Graph, x: TensorLike, dtype: DType | undefined, name: string): Tensor {
  if (x instanceof Tensor) {
    if (x.graph !== g) throw invalidArgument(`Tensor ${x} must be from the same graph as the other inputs.`);
    return x;
  }
  if (x instanceof Operation) throw new TypeError(`Can not convert an Operation into a Tensor (${x.name}).`);
  return g.asDefault(() => constant(x as ValueLike, dtype ?? null, null, { name }));
}

function update(type: 'Assign' | 'AssignAdd' | 'AssignSub', ref: unknown, value: TensorLike, o: AssignOptions): Tensor {
  const r = refOf(ref, type);
  const g = r.graph;
  return g.nameScope(o.name ?? type, (scope) => {
    const v = operand(g, value, r.dtype, 'value');
    const attrs = type === 'Assign'
      ? { T: r.dtype, validate_shape: o.validateShape, use_locking: o.useLocking }
      : { T: r.dtype, use_locking: o.useLocking };
    return makeNode(g, type, [r, v], attrs, null, scope).outputs[0];
  });
}

/**
 * Assigns `value` to the variable `ref` (op Assign) and returns the variable's reference after
 * the update. With `validateShape: false` the variable takes the value's shape.
 * @example sess.run(tf.assign(w, [[1, 2]]))
 */
export function assign(ref: Tensor, value: TensorLike, options?: AssignOptions | string): Tensor {
  return update('Assign', ref, value, opts(options, { validateShape: true, useLocking: true }));
}
/** ref += value, in place (op AssignAdd); returns the variable's reference. */
export function assignAdd(ref: Tensor, value: TensorLike, options?: Omit<AssignOptions, 'validateShape'> | string): Tensor {
  return update('AssignAdd', ref, value, opts(options, { useLocking: true }));
}
/** ref -= value, in place (op AssignSub); returns the variable's reference. */
export function assignSub(ref: Tensor, value: TensorLike, options?: Omit<AssignOptions, 'validateShape'> | string): Tensor {
  return update('AssignSub', ref, value, opts(options, { useLocking: true }));
}

/** A bool scalar: whether the variable holds a value in the session that runs it (op IsVariableInitialized). */
export function isVariableInitialized(ref: Tensor, options?: OpOptions | string): Tensor {
  const r = refOf(ref, 'IsVariableInitialized');
  const g = r.graph;
  return g.nameScope(opts(options).name ?? 'IsVariableInitialized', (scope) =>
    makeNode(g, 'IsVariableInitialized', [r], { dtype: r.dtype }, null, scope).outputs[0]);
}

// ---- tf.Variable ----------------------------------------------------------------------------

export interface VariableOptions {
  /** The variable's op name (default 'Variable', uniquified in the current name scope). */
  name?: string;
  /** Also add it to TRAINABLE_VARIABLES (default true). */
  trainable?: boolean;
  /** The dtype the initial value is converted to (default: the initial value's). */
  dtype?: DType;
  /** The collections to add it to (default [GLOBAL_VARIABLES]). */
  collections?: readonly string[];
  /** false: the variable's shape is unknown and any assigned shape is accepted (default true). */
  validateShape?: boolean;
}

/** Options of Variable.assign / assignAdd / assignSub. */
export interface VariableUpdateOptions extends OpOptions { useLocking?: boolean }

/** An initial value: a Tensor, a JS value, or a function returning one (built in `<name>/Initializer`). */
export type InitialValue = TensorLike | (() => TensorLike);

const pyDim = (d: number | null) => (d === null ? 'None' : String(d));
/** Python's TensorShape text: (2,), (2, 3), (), <unknown>. */
const pyShape = (s: StaticShape) => (s === null ? '<unknown>' : `(${s.map(pyDim).join(', ')}${s.length === 1 ? ',' : ''})`);
const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * Builds a variable's initial value and VariableV2 node (TF1's RefVariable._init_from_args) in the
 * name scope `name`, outside any control-dependency context (TF's init_scope).
 */
function variableNodes(init: InitialValue, o: VariableOptions): { op: Operation; initialValue: Tensor; scope: string } {
  if (init === undefined || init === null) throw invalidArgument('initial_value must be specified.');
  const g = getDefaultGraph();
  const dtype = o.dtype === undefined ? undefined : asDType(o.dtype);
  const validateShape = o.validateShape ?? true;
  return g.controlDependencies(null, () => g.nameScope(o.name ?? 'Variable', (scope) => {
    const convert = (x: TensorLike) => {
      if (x instanceof Tensor && dtype !== undefined && x.dtype !== dtype)
        throw invalidArgument(`Tensor conversion requested dtype ${dtype} for Tensor with dtype ${x.dtype}: ${x}`);
      return operand(g, x, dtype, 'initial_value');
    };
    const initialValue = typeof init === 'function' ? g.nameScope('Initializer', () => convert(init())) : convert(init);
    const shape = validateShape ? initialValue.shape : null;
    if (validateShape && (shape === null || shape.some((d) => d === null)))
      throw invalidArgument(`initial_value must have a shape specified: ${initialValue}`);
    const op = makeNode(g, 'VariableV2', [], { shape, dtype: initialValue.dtype, container: '', shared_name: '' }, null, scope);
    return { op, initialValue, scope };
  }));
}

/**
 * A TF1 variable (RefVariable): a value held by each session, initialized by running
 * `initializer`. Nodes as TF1 builds them: `w/initial_value` (unless the initial value is a
 * Tensor), `w` (VariableV2), `w/Assign` (the initializer) and `w/read` (value()).
 *
 * A Variable is the Tensor `w:0` itself, so it can be fetched, fed, and passed wherever a Tensor
 * is; an op that consumes it reads the variable's current value when it runs (TF1's ref
 * semantics). Divergence: TF1 wires such consumers to the `w/read` snapshot; here they read `w`
 * directly, with the same values.
 * @example
 * const w = new tf.Variable([[1, 2], [3, 4]], { name: 'w' });
 * const y = tf.matmul(x, w);
 * sess.run(tf.globalVariablesInitializer());
 * sess.run(w.assignAdd([[1, 1], [1, 1]]));
 */
export class Variable extends Tensor {
  /** The Assign op that initializes the variable. */
  readonly initializer: Operation;
  /** The tensor the variable is initialized from. */
  readonly initialValue: Tensor;
  readonly trainable: boolean;
  readonly #snapshot: Tensor;

  constructor(initialValue: InitialValue, options: VariableOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`Variable options must be an object, got ${String(options)}`);
    checkKeys(options, ['name', 'trainable', 'dtype', 'collections', 'validateShape'], 'Variable');
    const given: Iterable<string> = options.collections ?? [GraphKeys.GLOBAL_VARIABLES];
    if (!Array.isArray(given) && !(given instanceof Set))
      throw invalidArgument(`collections argument to Variable constructor must be a list, tuple, or set. Got ${String(given)}`);
    const { op, initialValue: init, scope } = variableNodes(initialValue, options);
    super(op, 0, op.outputs[0].dtype, op.outputs[0].shape);
    op.outputs[0] = this;  // the graph's `w:0` is this object
    const g = op.graph;
    this.initialValue = init;
    this.trainable = options.trainable ?? true;
    [this.initializer, this.#snapshot] = g.controlDependencies(null, () => g.nameScope(scope, () => [
      assign(this, init, { validateShape: options.validateShape ?? true }).op,
      identity(this, { name: 'read' }),
    ] as const));
    const collections = [...given];
    if (this.trainable && !collections.includes(GraphKeys.TRAINABLE_VARIABLES)) collections.push(GraphKeys.TRAINABLE_VARIABLES);
    addToCollections(collections, this, g);
  }

  /** The `w/read` snapshot (TF1's value()): the variable's value as a plain tensor. */
  value(): Tensor { return this.#snapshot; }
  /** A new Identity of the variable named `read`, under the current name scope and control dependencies. */
  readValue(): Tensor { return identity(this, { name: 'read' }); }
  /**
   * The value to initialize another variable from (TF1's initialized_value()). Divergence: this
   * is the initial value itself, where TF1 reads the variable once initialized (through
   * tf.cond, which tensorloom does not have); the same while initializing.
   */
  initializedValue(): Tensor { return this.initialValue; }

  /**
   * Assigns `value` (op Assign; use_locking false, as TF's Variable.assign) and returns the
   * updated reference, or the op with `readValue: false`.
   */
  assign(value: TensorLike, options?: VariableUpdateOptions & { validateShape?: boolean; readValue?: true }): Tensor;
  assign(value: TensorLike, options: VariableUpdateOptions & { validateShape?: boolean; readValue: false }): Operation;
  assign(value: TensorLike, options: VariableUpdateOptions & { validateShape?: boolean; readValue?: boolean } = {}): Tensor | Operation {
    opts(options, { useLocking: true, validateShape: true, readValue: true });
    const t = assign(this, value, { useLocking: options.useLocking ?? false, validateShape: options.validateShape, name: options.name });
    return options.readValue === false ? t.op : t;
  }
  /** Adds `delta` in place (op AssignAdd); returns the updated reference, or the op with `readValue: false`. */
  assignAdd(delta: TensorLike, options?: VariableUpdateOptions & { readValue?: true }): Tensor;
  assignAdd(delta: TensorLike, options: VariableUpdateOptions & { readValue: false }): Operation;
  assignAdd(delta: TensorLike, options: VariableUpdateOptions & { readValue?: boolean } = {}): Tensor | Operation {
    opts(options, { useLocking: true, readValue: true });
    const t = assignAdd(this, delta, { useLocking: options.useLocking ?? false, name: options.name });
    return options.readValue === false ? t.op : t;
  }
  /** Subtracts `delta` in place (op AssignSub); returns the updated reference, or the op with `readValue: false`. */
  assignSub(delta: TensorLike, options?: VariableUpdateOptions & { readValue?: true }): Tensor;
  assignSub(delta: TensorLike, options: VariableUpdateOptions & { readValue: false }): Operation;
  assignSub(delta: TensorLike, options: VariableUpdateOptions & { readValue?: boolean } = {}): Tensor | Operation {
    opts(options, { useLocking: true, readValue: true });
    const t = assignSub(this, delta, { useLocking: options.useLocking ?? false, name: options.name });
    return options.readValue === false ? t.op : t;
  }

  /**
   * Loads a JS value into the variable in a session (the default one unless given), by running
   * the initializer with the value fed for the initial value, as TF1's Variable.load.
   */
  load(value: ValueLike, session?: Session): void {
    const s = session ?? getDefaultSession();
    if (!s) throw invalidArgument('Either session argument should be provided or default session should be established');
    s.run(this.initializer, [[this.initializer.inputs[1], value]]);
  }

  /** `<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>`, as TF1. */
  override toString(): string { return `<tf.Variable '${this.name}' shape=${pyShape(this.shape)} dtype=${this.dtype}_ref>`; }
  [inspectSymbol](): string { return this.toString(); }
}

// ---- initializers ---------------------------------------------------------------------------

/** A TF1 initializer: makes a variable's initial value for a shape and dtype (TF's __call__). */
export abstract class Initializer {
  constructor(readonly dtype: DType = 'float32') { asDType(dtype); }
  abstract call(shape: readonly number[], dtype?: DType): Tensor;
}
/** An initializer object, or a function `(shape, dtype) => value` (a function of no arguments also works without a shape). */
export type InitializerLike = Initializer | ((shape: number[], dtype: DType) => TensorLike);

/**
 * TF1's zeros/ones (array_ops._constant_if_small): a Const when the value has fewer than 1000
 * elements, else Fill(`<name>/shape_as_tensor`, `<name>/Const`), all named `name`.
 */
function filled(shape: readonly number[] | Tensor, dtype: DType, one: boolean, name: string): Tensor {
  const g = getDefaultGraph();
  const value = dtype === 'bool' ? one : one ? 1 : 0;
  return g.nameScope(name, (scope) => {
    if (shape instanceof Tensor) return fill(shape, constant(value, dtype, { name: 'Const' }), { name: scope });
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw invalidArgument(`shape must be a list of non-negative integers or an int32/int64 Tensor, got ${String(shape)}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n < 1000) return constant(value, dtype, [...shape], { name: scope });
    const fits32 = shape.every((d) => d <= 2147483647);
    const dims = constant(fits32 ? Int32Array.from(shape) : BigInt64Array.from(shape, BigInt), { name: 'shape_as_tensor' });
    return fill(dims, constant(value, dtype, { name: 'Const' }), { name: scope });
  });
}

/**
 * A tensor of zeros (TF1's tf.zeros): a Const named `zeros` below 1000 elements, else a Fill; a
 * Tensor shape gives a Fill.
 * @example tf.zeros([784, 10])
 */
export function zeros(shape: readonly number[] | Tensor, dtype: DType = 'float32', options?: OpOptions | string): Tensor {
  return filled(shape, asDType(dtype), false, opts(options).name ?? 'zeros');
}
/** A tensor of ones (TF1's tf.ones), built as zeros. */
export function ones(shape: readonly number[] | Tensor, dtype: DType = 'float32', options?: OpOptions | string): Tensor {
  return filled(shape, asDType(dtype), true, opts(options).name ?? 'ones');
}

class Zeros extends Initializer { call(shape: readonly number[], dtype = this.dtype): Tensor { return filled(shape, dtype, false, 'zeros'); } }
class Ones extends Initializer { call(shape: readonly number[], dtype = this.dtype): Tensor { return filled(shape, dtype, true, 'ones'); } }
class Constant extends Initializer {
  constructor(readonly value: ValueLike, dtype?: DType) { super(dtype); }
  call(shape: readonly number[], dtype = this.dtype): Tensor { return constant(this.value, dtype, [...shape]); }
}
/** The random initializers (TF1's init_ops): a builder of lib/ops/random.ts over the variable's shape. */
class Random extends Initializer {
  constructor(dtype: DType | undefined, private readonly build: (shape: number[], dtype: DType) => Tensor) { super(dtype); }
  call(shape: readonly number[], dtype = this.dtype): Tensor { return this.build([...shape], dtype); }
}
/** TF's _assert_float_dtype. */
function floatDType(dtype: DType | undefined): DType {
  const d = asDType(dtype ?? 'float32');
  if (!dtypeInfo(d).float) throw invalidArgument(`Argument \`dtype\` is expected to be floating point. Received: ${d}.`);
  return d;
}
/** TF's _compute_fans: [fanIn, fanOut], conv kernels [..., in, out] times the receptive field. */
function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const field = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * field, shape[shape.length - 1] * field];
}

/** An initializer's options object, its keys checked (TypeError naming an unknown one). */
function initOptions<T extends object>(o: T | undefined, keys: readonly (keyof T & string)[], what: string): T {
  if (o === undefined || o === null) return {} as T;
  if (typeof o !== 'object') throw new TypeError(`${what}: options must be an object, got ${typeof o}`);
  checkKeys(o, keys, what);
  return o;
}

/** Initializes to 0 (false for bool). */
export const zerosInitializer = (options?: { dtype?: DType }): Initializer => new Zeros(initOptions(options, ['dtype'], 'zeros_initializer').dtype);
/** Initializes to 1 (true for bool). */
export const onesInitializer = (options?: { dtype?: DType }): Initializer => new Ones(initOptions(options, ['dtype'], 'ones_initializer').dtype);
/**
 * Initializes to `value`: a scalar fills the shape; a shorter list is padded with its last
 * element (TF1's constant); a longer one is an error.
 */
export const constantInitializer = (value: ValueLike = 0, options?: { dtype?: DType }): Initializer =>
  new Constant(value, initOptions(options, ['dtype'], 'constant_initializer').dtype);
type RandomOptions = { seed?: number | null; dtype?: DType };
/** Normal(mean, stddev) values (tf.randomNormal). */
export const randomNormalInitializer = (o?: { mean?: number; stddev?: number } & RandomOptions, options = initOptions(o, ['mean', 'stddev', 'seed', 'dtype'], 'random_normal_initializer')): Initializer =>
  new Random(floatDType(options.dtype), (shape, dtype) => randomNormal(shape, { mean: options.mean ?? 0, stddev: options.stddev ?? 1, dtype, seed: options.seed }));
/** Normal values within two standard deviations of the mean (tf.truncatedNormal). */
export const truncatedNormalInitializer = (o?: { mean?: number; stddev?: number } & RandomOptions, options = initOptions(o, ['mean', 'stddev', 'seed', 'dtype'], 'truncated_normal_initializer')): Initializer =>
  new Random(floatDType(options.dtype), (shape, dtype) => truncatedNormal(shape, { mean: options.mean ?? 0, stddev: options.stddev ?? 1, dtype, seed: options.seed }));
/** Uniform [minval, maxval) values (tf.randomUniform; integer dtypes need maxval). */
export const randomUniformInitializer = (o?: { minval?: number; maxval?: number } & RandomOptions, options = initOptions(o, ['minval', 'maxval', 'seed', 'dtype'], 'random_uniform_initializer')): Initializer =>
  new Random(options.dtype, (shape, dtype) => randomUniform(shape, { minval: options.minval ?? 0, maxval: options.maxval, dtype, seed: options.seed }));

export interface VarianceScalingOptions extends RandomOptions {
  scale?: number;
  mode?: 'fan_in' | 'fan_out' | 'fan_avg';
  distribution?: 'normal' | 'truncated_normal' | 'untruncated_normal' | 'uniform';
}
/**
 * TF1's variance_scaling_initializer: scale / n with n the fan-in, fan-out or their mean (at least
 * 1); truncated normal with stddev sqrt(scale / n) / 0.8796... ('normal' is the same), normal with
 * stddev sqrt(scale / n), or uniform within ±sqrt(3 scale / n).
 */
export function varianceScalingInitializer(o?: VarianceScalingOptions): Initializer {
  const options = initOptions(o, ['scale', 'mode', 'distribution', 'seed', 'dtype'], 'variance_scaling_initializer');
  const { scale = 1, mode = 'fan_in', seed } = options;
  const distribution = (options.distribution ?? 'truncated_normal').toLowerCase();
  if (!(scale > 0)) throw invalidArgument(`Argument \`scale\` must be a positive float. Received: ${scale}`);
  if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) throw invalidArgument(`Argument \`mode\` should be one of ('fan_in', 'fan_out', 'fan_avg'). Received: ${mode}`);
  if (!['normal', 'uniform', 'truncated_normal', 'untruncated_normal'].includes(distribution))
    throw invalidArgument(`Argument \`distribution\` should be one of ('normal', uniform', 'truncated_normal', 'untruncated_normal'). Received: ${distribution}`);
  return new Random(floatDType(options.dtype), (shape, dtype) => {
    const [fanIn, fanOut] = computeFans(shape);
    const s = scale / Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      return randomUniform(shape, { minval: -limit, maxval: limit, dtype, seed });
    }
    if (distribution === 'untruncated_normal') return randomNormal(shape, { mean: 0, stddev: Math.sqrt(s), dtype, seed });
    return truncatedNormal(shape, { mean: 0, stddev: Math.sqrt(s) / 0.87962566103423978, dtype, seed });
  });
}
type SeedOnly = { seed?: number | null; dtype?: DType };
const seedOnly = (o: SeedOnly | undefined, what: string) => initOptions(o, ['seed', 'dtype'], what);
/** Glorot (Xavier) uniform: ±sqrt(6 / (fanIn + fanOut)); getVariable's default for floats. */
export const glorotUniformInitializer = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'glorotUniformInitializer'), scale: 1, mode: 'fan_avg', distribution: 'uniform' });
/** Glorot (Xavier) truncated normal with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796. */
export const glorotNormalInitializer = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'glorotNormalInitializer'), scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' });
/** He normal: truncated normal with stddev sqrt(2 / fanIn) / 0.8796. */
export const heNormal = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'heNormal'), scale: 2, mode: 'fan_in', distribution: 'truncated_normal' });
/** He uniform: ±sqrt(6 / fanIn). */
export const heUniform = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'heUniform'), scale: 2, mode: 'fan_in', distribution: 'uniform' });
/** LeCun normal: truncated normal with stddev sqrt(1 / fanIn) / 0.8796. */
export const lecunNormal = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'lecunNormal'), scale: 1, mode: 'fan_in', distribution: 'truncated_normal' });
/** LeCun uniform: ±sqrt(3 / fanIn). */
export const lecunUniform = (o?: SeedOnly) => varianceScalingInitializer({ ...seedOnly(o, 'lecunUniform'), scale: 1, mode: 'fan_in', distribution: 'uniform' });

// ---- variable scopes and getVariable ------------------------------------------------------

/** getVariable's reuse mode that creates missing variables and returns existing ones. */
export const AUTO_REUSE: unique symbol = Symbol.for('tensorloom.AUTO_REUSE');
export type Reuse = boolean | typeof AUTO_REUSE;

export interface GetVariableOptions {
  shape?: readonly (number | null)[] | null;
  /** Default: the scope's dtype (float32). */
  dtype?: DType;
  /** An initializer, or a Tensor / JS value (then no shape). Default: the scope's, else glorotUniform for floats, zeros otherwise. */
  initializer?: InitializerLike | TensorLike | null;
  trainable?: boolean;
  collections?: readonly string[];
  validateShape?: boolean;
  /** Overrides the scope's reuse for this call. */
  reuse?: Reuse | null;
}

const isInitializerFn = (x: unknown): x is Initializer | ((shape: number[], dtype: DType) => TensorLike) =>
  x instanceof Initializer || typeof x === 'function';

/** A getVariable shape argument, validated. */
function shapeArg(shape: readonly (number | null)[]): (number | null)[] {
  if (!Array.isArray(shape)) throw new TypeError(`shape must be an array of numbers or nulls, got ${String(shape)}`);
  return shape.map((d) => {
    if (d !== null && !(Number.isSafeInteger(d) && d >= 0)) throw invalidArgument(`Dimension ${String(d)} must be a non-negative integer or null`);
    return d;
  });
}

/**
 * A variable scope (TF1's VariableScope): the prefix of getVariable names, whether getVariable
 * reuses existing variables, and the default initializer and dtype.
 */
export class VariableScope {
  #reuse: Reuse;
  #initializer: InitializerLike | null;
  #dtype: DType;
  /** @internal */
  constructor(readonly graph: Graph, reuse: Reuse, readonly name: string, initializer: InitializerLike | null, dtype: DType,
              readonly originalNameScope: string) {
    this.#reuse = reuse;
    this.#initializer = initializer;
    this.#dtype = dtype;
  }
  get reuse(): Reuse { return this.#reuse; }
  get initializer(): InitializerLike | null { return this.#initializer; }
  get dtype(): DType { return this.#dtype; }
  /** Reuse variables from now on in this scope (and the scopes opened inside it). */
  reuseVariables(): void { this.#reuse = true; }
  setInitializer(initializer: InitializerLike | null): void { this.#initializer = initializer; }
  setDtype(dtype: DType): void { this.#dtype = asDType(dtype); }
  toString(): string { return `<tf.VariableScope '${this.name}'>`; }

  /** getVariable in this scope (see tf.getVariable). */
  getVariable(name: string, options: GetVariableOptions = {}): Variable {
    checkKeys(options, ['shape', 'dtype', 'initializer', 'trainable', 'collections', 'validateShape', 'reuse'], 'getVariable');
    if (typeof name !== 'string' || !name) throw invalidArgument(`getVariable needs a name, got ${String(name)}`);
    const reuse = options.reuse ?? this.#reuse;
    const fullName = this.name ? `${this.name}/${name}` : name;
    let { initializer, dtype } = options;
    if (dtype !== undefined) dtype = asDType(dtype);
    // A Tensor initializer must have the explicit dtype. A JS value is converted to it (TF
    // checks its Python type, but JS numbers carry no int/float distinction).
    if (dtype !== undefined && initializer instanceof Tensor && initializer.dtype !== dtype)
      throw invalidArgument(`Initializer type '<dtype: '${initializer.dtype}'>' and explicit dtype '<dtype: '${dtype}'>' don't match.`);
    const valueDType = initializer !== undefined && initializer !== null && !(initializer instanceof Tensor) && !isInitializerFn(initializer) ? dtype : undefined;
    initializer ??= this.#initializer;
    dtype ??= this.#dtype;
    // Variable names depend on the variable scope only: built at the root name scope.
    const g = this.graph;
    return g.asDefault(() => g.nameScope(null, () => getSingleVariable(stateOf(g), fullName, reuse, dtype!, initializer ?? null, valueDType, options)));
  }
}

/** TF1's _VariableStore._get_single_variable: reuse rules, then a new Variable. */
function getSingleVariable(st: GraphState, name: string, reuse: Reuse, dtype: DType, initializer: InitializerLike | TensorLike | null,
                           valueDType: DType | undefined, o: GetVariableOptions): Variable {
  const fromValue = initializer !== null && !isInitializerFn(initializer);
  if (o.shape !== undefined && o.shape !== null && fromValue) throw invalidArgument('If initializer is a constant, do not specify shape.');
  const shape = o.shape === undefined || o.shape === null ? null : shapeArg(o.shape);
  const found = st.store.get(name);
  if (found) {
    if (reuse === false) {
      throw invalidArgument(`Variable ${name} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope? ` +
        `Originally defined at:\n\n${found.op.traceback}`);
    }
    const fs = found.shape;
    if (shape !== null && fs !== null && (shape.length !== fs.length || shape.some((d, i) => d !== null && fs[i] !== null && d !== fs[i])))
      throw invalidArgument(`Trying to share variable ${name}, but specified shape ${pyShape(shape)} and found shape ${pyShape(fs)}.`);
    if (dtype !== found.dtype) throw invalidArgument(`Trying to share variable ${name}, but specified dtype ${dtype} and found dtype ${found.dtype}_ref.`);
    return found;
  }
  if (reuse === true)
    throw invalidArgument(`Variable ${name} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?`);
  // The default initializer: glorot_uniform for floats, zeros for the others (TF's _get_default_initializer).
  const init = initializer ?? (dtypeInfo(dtype).float ? glorotUniformInitializer() : zerosInitializer());
  let initialValue: InitialValue;
  let varDType: DType | undefined;
  if (!isInitializerFn(init)) {
    initialValue = init;
    varDType = valueDType;
  } else if (shape !== null && shape.every((d) => d !== null)) {
    const dims = shape as number[];
    initialValue = () => (init instanceof Initializer ? init.call(dims, dtype) : init(dims.slice(), dtype));
    varDType = dtype;
  } else if (typeof init === 'function' && init.length === 0) {
    initialValue = init as () => TensorLike;
  } else {
    throw invalidArgument('The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided ' +
      "or an instance of `tf.keras.initializers.*' and `shape` should be fully defined.");
  }
  const v = new Variable(initialValue, { name, trainable: o.trainable, dtype: varDType, collections: o.collections, validateShape: o.validateShape });
  st.store.set(name, v);
  return v;
}

export interface VariableScopeOptions {
  /** true: getVariable returns existing variables (and requires them); AUTO_REUSE: returns or creates; default: inherited. */
  reuse?: Reuse | null;
  /** The scope name when nameOrScope is null (uniquified: 'dense', 'dense_1', ...). */
  defaultName?: string;
  /** Tensors the scope's ops use: they pick the graph. */
  values?: readonly Tensor[];
  /** Default initializer of getVariable in this scope. */
  initializer?: InitializerLike | null;
  /** Default dtype of getVariable in this scope. */
  dtype?: DType;
  /** false: do not open a name scope of the same name (default true). */
  auxiliaryNameScope?: boolean;
}

/** The current variable scope of the default graph. */
export function getVariableScope(): VariableScope { return stateOf(getDefaultGraph()).scope; }

/**
 * Runs `fn` in a variable scope (TF1's `with tf.variable_scope(...)`) and returns its result.
 * A string opens `<current>/<name>` (and a name scope `name`, uniquified); a VariableScope
 * re-enters that scope; null opens `defaultName`, uniquified. Reuse is inherited by inner scopes.
 * @example
 * tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: tf.zerosInitializer() }));  // layer1/w:0
 * tf.variableScope('layer1', { reuse: true }, () => tf.getVariable('w'));                                       // the same variable
 */
export function variableScope<T>(nameOrScope: string | VariableScope | null, fn: (scope: VariableScope) => T): T;
export function variableScope<T>(nameOrScope: string | VariableScope | null, options: VariableScopeOptions | null | undefined, fn: (scope: VariableScope) => T): T;
export function variableScope<T>(nameOrScope: string | VariableScope | null, a: VariableScopeOptions | null | undefined | ((s: VariableScope) => T),
                                 b?: (scope: VariableScope) => T): T {
  const [o, fn] = typeof a === 'function' ? [{} as VariableScopeOptions, a] : [a ?? {}, b];
  if (typeof fn !== 'function') throw new TypeError('variableScope needs a function to run in the scope');
  checkKeys(o, ['reuse', 'defaultName', 'values', 'initializer', 'dtype', 'auxiliaryNameScope'], 'variableScope');
  if ((o.defaultName === undefined || o.defaultName === null) && (nameOrScope === undefined || nameOrScope === null))
    throw new TypeError('If default_name is None then name_or_scope is required');
  if (nameOrScope !== null && typeof nameOrScope !== 'string' && !(nameOrScope instanceof VariableScope))
    throw new TypeError('VariableScope: name_or_scope must be a string or VariableScope.');
  const reuse = o.reuse === false || o.reuse === null ? undefined : o.reuse;
  if (!(reuse === true || reuse === undefined || reuse === AUTO_REUSE)) throw invalidArgument('The reuse parameter must be True or False or None.');
  const dtype = o.dtype === undefined ? undefined : asDType(o.dtype);
  const g = (o.values ?? []).find((v) => v instanceof Tensor)?.graph ?? getDefaultGraph();
  const st = stateOf(g);
  const auxiliary = o.auxiliaryNameScope ?? true;

  // TF's _pure_variable_scope: the VariableScope object while fn runs.
  const pure = (target: string | VariableScope, oldNameScope: string | undefined, r: Reuse | undefined): T => {
    const old = st.scope;
    let scope: VariableScope, exit: () => void;
    if (target instanceof VariableScope) {
      scope = new VariableScope(g, r ? r : target.reuse, target.name, target.initializer, target.dtype, target.originalNameScope);
      openScope(st, target.name);
      const counts = new Map(st.scopeCounts);
      exit = () => { st.scopeCounts = counts; };
    } else {
      const name = old.name ? `${old.name}/${target}` : target;
      scope = new VariableScope(g, r || old.reuse, name, old.initializer, old.dtype, oldNameScope ?? target);
      openScope(st, name);
      exit = () => closeSubscopes(st, name);
    }
    if (o.initializer !== undefined && o.initializer !== null) scope.setInitializer(o.initializer);
    if (dtype !== undefined) scope.setDtype(dtype);
    st.scope = scope;
    try { return fn(scope); } finally { exit(); st.scope = old; }
  };
  // The name scope it opens: the given name, or the current one again (auxiliaryNameScope false).
  const withNameScope = (name: string, body: (ns: string) => T): T => {
    if (auxiliary) return g.nameScope(name, body);
    const cur = g.getNameScope();
    return g.nameScope(cur ? `${cur}/` : null, body);
  };
  return g.asDefault(() => {
    if (nameOrScope === null || nameOrScope === undefined) {
      if (reuse) throw invalidArgument('reuse=True cannot be used without a name_or_scope');
      const defaultName = o.defaultName!;
      return withNameScope(defaultName, (ns) => pure(uniqueScopeName(st, defaultName), ns, undefined));
    }
    const nsName = typeof nameOrScope === 'string' ? nameOrScope : nameOrScope.name.split('/').pop()!;
    if (!nsName && auxiliary) return pure(nameOrScope, undefined, reuse);
    return withNameScope(nsName, (ns) => pure(nameOrScope, typeof nameOrScope === 'string' ? ns : nameOrScope.originalNameScope, reuse));
  });
}

function openScope(st: GraphState, name: string): void { st.scopeCounts.set(name, (st.scopeCounts.get(name) ?? 0) + 1); }
function closeSubscopes(st: GraphState, name: string): void {
  for (const k of st.scopeCounts.keys()) if (k.startsWith(`${name}/`)) st.scopeCounts.set(k, 0);
}
/** TF's _get_unique_variable_scope: `prefix`, else `prefix_1`, `prefix_2`... unused in the current scope. */
function uniqueScopeName(st: GraphState, prefix: string): string {
  const base = st.scope.name ? `${st.scope.name}/${prefix}` : prefix;
  if (!st.scopeCounts.get(base)) return prefix;
  let i = 1;
  while (st.scopeCounts.get(`${base}_${i}`)) i++;
  return `${prefix}_${i}`;
}

/**
 * Gets the variable `name` of the current variable scope, or creates it (TF1's tf.get_variable).
 * In a reusing scope it must exist (`Variable layer1/w does not exist, ...`); otherwise it must
 * not (`Variable layer1/w already exists, disallowed. ...`); with AUTO_REUSE either way.
 * @example tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2, 3], initializer: tf.zerosInitializer() }))
 */
export function getVariable(name: string, options: GetVariableOptions = {}): Variable {
  return getVariableScope().getVariable(name, options);
}


/**
 * The names of the variables in `varList` (default: the global and local variables, else every
 * VariableV2 op of the graph) that are not initialized in the session that runs it: a 1-D string
 * tensor, built as TF1's report_uninitialized_variables (scope `report_uninitialized_variables`:
 * IsVariableInitialized per variable, Pack `stack`, LogicalNot, a Const of the variables' op
 * names, boolean_mask). With no variables, a Const empty string tensor.
 * @example sess.run(tf.reportUninitializedVariables()).toArray()  // ['w', 'b'] before the initializer runs
 */
export function reportUninitializedVariables(varList?: readonly Tensor[] | null, options?: OpOptions | string): Tensor {
  const g = getDefaultGraph();
  let vars: readonly Tensor[] = varList ?? [...globalVariables(), ...localVariables()];
  if (!varList && vars.length === 0) vars = g.getOperations().filter((op) => op.type === 'VariableV2').map((op) => op.outputs[0]);
  return g.nameScope(opts(options).name ?? 'report_uninitialized_variables', () => {
    if (vars.length === 0) return constant([], 'string');
    const initialized = vars.map((v) => isVariableInitialized(v));
    const mask = logicalNot(stack(initialized));
    const names = constant(vars.map((v) => v.op.name));
    return booleanMask(names, mask);
  });
}
