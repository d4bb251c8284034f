// TF1's optimizers (python/training/optimizer.py and the v1 classes of gradient_descent.py,
// momentum.py, adam.py, rmsprop.py, adagrad.py), built over the Apply* training ops
// (lib/ops/defs/training.ts, updated in place by native/kernels/training.cc), and the global
// step helpers of training_util.py.
//
// Graph layout as TF1: slot variables are made by slot_creator in the variable scope
// `<var op name>/<optimizer name>` (uniquified: `w/Adam`, `w/Adam_1`), non-trainable, in
// GLOBAL_VARIABLES (so globalVariablesInitializer initializes them); applyGradients opens the
// name scope `<name>` (`Adam`), converts the hyper-parameters there (`Adam/learning_rate`), builds
// one `<name>/update_<var>/Apply*` op per variable (hyper-parameters cast to the var's dtype) and
// groups them into the NoOp `<name>`, or with a global step into `<name>/update` followed by
// AssignAdd `<name>`. Gradients that TF gives as IndexedSlices (Gather) arrive dense here
// (tf.gradients densifies them), so every update uses the dense Apply* op.
import { DType } from '../dtypes';
import { checkKeys, invalidArgument } from '../errors';
import { Graph, Operation, Tensor, getDefaultGraph } from '../graph';
import { cast, constant, group, makeNode, multiply } from '../ops/builders';
import { AggregationMethod, gradients } from '../gradients';
import {
  GraphKeys, Initializer, Variable, VariableScope, constantInitializer, getCollection, getCollectionRef, getVariable,
  onesInitializer, trainableVariables, variableScope, zerosInitializer,
} from '../variables';

/** A hyper-parameter: a number, a Tensor, or a function returning one (called when the update is built). */
export type Hyper = number | Tensor | (() => number | Tensor);
/** A `[gradient, variable]` pair; the gradient is null where the variable gets none (as TF's None). */
export type GradVar = [Tensor | null, Variable];

export interface ComputeGradientsOptions {
  /** The variables to differentiate (default: the trainable variables). */
  varList?: readonly Variable[] | null;
  /** Optimizer.GATE_NONE, GATE_OP (default) or GATE_GRAPH: no numeric effect here. */
  gateGradients?: number;
  aggregationMethod?: number | null;
  colocateGradientsWithOps?: boolean;
  /** The gradient of the loss (default: ones). */
  gradLoss?: Tensor | null;
}
export interface ApplyGradientsOptions {
  /** A variable incremented by one after the updates (AssignAdd). */
  globalStep?: Variable | null;
  /** The name scope of the update ops (default: the optimizer's name). */
  name?: string | null;
}
export interface MinimizeOptions extends ComputeGradientsOptions, ApplyGradientsOptions {}

const GRAD_KEYS = ['varList', 'gateGradients', 'aggregationMethod', 'colocateGradientsWithOps', 'gradLoss'];
const APPLY_KEYS = ['globalStep', 'name'];
const VALID_DTYPES: readonly DType[] = ['float32', 'float64'];

/** Python's repr of a list of strings, as TF's messages print `[str(v) for v in ...]`. */
const pyStrList = (xs: readonly string[]) => `[${xs.map((s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s}'`)).join(', ')}]`;

function assertValidDtypes(tensors: readonly Tensor[]): void {
  for (const t of tensors) {
    if (!VALID_DTYPES.includes(t.dtype))
      throw invalidArgument(`Invalid type tf.${t.dtype} for ${t.name}, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].`);
  }
}

/** TF's slot_creator.create_slot_with_initializer: a slot variable in scope `<primary>/<name>`, uniquified. */
function createSlot(primary: Variable, init: Initializer, name: string): Variable {
  const g = primary.graph;
  const shape = primary.shape;
  if (shape === null || shape.some((d) => d === null)) throw invalidArgument(`Slot ${name} of ${primary.name} needs a fully defined shape, got ${String(shape)}`);
  return g.asDefault(() => g.controlDependencies(null, () =>
    variableScope(null, { defaultName: `${primary.op.name}/${name}`, auxiliaryNameScope: false }, (vs) => {
      // get_variable("") in that scope: the slot is named by the scope itself.
      const cut = vs.name.lastIndexOf('/');
      const parent = new VariableScope(g, false, vs.name.slice(0, cut), null, primary.dtype, '');
      return parent.getVariable(vs.name.slice(cut + 1), { shape: shape as number[], dtype: primary.dtype, initializer: init, trainable: false });
    })));
}

/**
 * The base class of TF1's optimizers (tf.train.Optimizer): computeGradients + applyGradients =
 * minimize. Subclasses give the slots, the hyper-parameter tensors and the per-variable update.
 */
export abstract class Optimizer {
  static readonly GATE_NONE = 0;
  static readonly GATE_OP = 1;
  static readonly GATE_GRAPH = 2;

  readonly #name: string;
  protected readonly useLocking: boolean;
  /** Slot name → primary variable → slot variable. */
  readonly #slots = new Map<string, Map<Variable, Variable>>();
  /** Graph → name → non-slot variable (Adam's beta powers). */
  readonly #nonSlot = new Map<Graph, Map<string, Variable>>();

  constructor(useLocking: boolean, name: string) {
    if (!name) throw invalidArgument('Must specify the optimizer name');
    this.useLocking = useLocking;
    this.#name = name;
  }

  getName(): string { return this.#name; }

  /**
   * Adds the ops that minimize `loss` by updating the variables (default: the trainable ones),
   * and increments `globalStep` if given. Returns the training op.
   * @example const train = new tf.train.AdamOptimizer(1e-3).minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep() });
   */
  minimize(loss: Tensor, options: MinimizeOptions = {}): Operation {
    checkKeys(options, [...GRAD_KEYS, ...APPLY_KEYS], 'minimize');
    const { globalStep, name, ...rest } = options;
    const pairs = this.computeGradients(loss, rest);
    if (!pairs.some(([g]) => g !== null)) {
      throw invalidArgument('No gradients provided for any variable, check your graph for ops that do not support gradients, between variables ' +
        `${pyStrList(pairs.map(([, v]) => String(v)))} and loss ${String(loss)}.`);
    }
    return this.applyGradients(pairs, { globalStep, name });
  }

  /** `[gradient, variable]` for each variable of `varList` (default: the trainable variables); null gradients are kept. */
  computeGradients(loss: Tensor, options: ComputeGradientsOptions = {}): GradVar[] {
    if (!(loss instanceof Tensor)) throw new TypeError(`loss must be a Tensor, got ${String(loss)}`);
    checkKeys(options, GRAD_KEYS, 'computeGradients');
    const gate = options.gateGradients ?? Optimizer.GATE_OP;
    if (![Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH].includes(gate))
      throw invalidArgument(`gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not ${gate}`);
    assertValidDtypes([loss]);
    if (options.gradLoss) assertValidDtypes([options.gradLoss]);
    const varList = options.varList ? [...options.varList] : loss.graph.asDefault(() => trainableVariables());
    if (!varList.length) throw invalidArgument('No variables to optimize.');
    for (const v of varList) if (!(v instanceof Variable)) throw new TypeError(`Trying to optimize unsupported type ${String(v)}`);
    const grads = gradients(loss, varList, options.gradLoss ?? null, {
      gateGradients: gate === Optimizer.GATE_OP, aggregationMethod: options.aggregationMethod ?? AggregationMethod.DEFAULT,
      colocateGradientsWithOps: options.colocateGradientsWithOps ?? false,
    });
    const pairs: GradVar[] = varList.map((v, i) => [grads[i], v]);
    assertValidDtypes(pairs.filter(([g]) => g !== null).map(([, v]) => v));
    return pairs;
  }

  /**
   * Adds the update ops for `[gradient, variable]` pairs (pairs with a null gradient are skipped)
   * and, with `globalStep`, its increment. Returns the training op.
   */
  applyGradients(gradsAndVars: Iterable<GradVar>, options: ApplyGradientsOptions = {}): Operation {
    checkKeys(options, APPLY_KEYS, 'applyGradients');
    const pairs = [...gradsAndVars];
    if (!pairs.length) throw invalidArgument('No variables provided.');
    for (const [g, v] of pairs) {
      if (g !== null && !(g instanceof Tensor)) throw new TypeError(`Gradient must be a Tensor, IndexedSlices, or None: ${String(g)}`);
      if (!(v instanceof Variable)) throw new TypeError(`Trying to optimize unsupported type ${String(v)}`);
    }
    const live = pairs.filter((p): p is [Tensor, Variable] => p[0] !== null);
    if (!live.length) throw invalidArgument(`No gradients provided for any variable: ${pyStrList(pairs.map(([, v]) => String(v)))}.`);
    const g = live[0][1].graph;
    const { globalStep } = options;
    return g.asDefault(() => {
      g.controlDependencies(null, () => this.createSlots(live.map(([, v]) => v)));  // TF's init_scope
      return g.nameScope(options.name ?? this.#name, (scope) => {
        this.prepare();
        const updates = live.map(([grad, v]) => g.nameScope(`update_${v.op.name}`, () => this.applyDense(grad, v)));
        let train: Operation;
        if (globalStep === undefined || globalStep === null) train = this.finish(updates, scope);
        else {
          train = g.controlDependencies([this.finish(updates, 'update')], () =>
            globalStep.assignAdd(1, { name: scope }).op);
        }
        const trainOps = getCollectionRef<Operation>(GraphKeys.TRAIN_OP, g);
        if (!trainOps.includes(train)) trainOps.push(train);
        return train;
      });
    });
  }

  /** The slot `name` of `v` (e.g. Adam's 'm'), or null when there is none. */
  getSlot(v: Variable, name: string): Variable | null { return this.#slots.get(name)?.get(v) ?? null; }
  /** The names of the slots this optimizer created, sorted. */
  getSlotNames(): string[] { return [...this.#slots.keys()].sort(); }
  /** The optimizer's variables in the default graph (slots and non-slot variables), sorted by name. */
  variables(): Variable[] {
    const g = getDefaultGraph();
    const vars = [...(this.#nonSlot.get(g)?.values() ?? [])];
    for (const named of this.#slots.values()) for (const s of named.values()) if (s.graph === g) vars.push(s);
    return vars.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- for subclasses (TF's _create_slots, _prepare, _apply_dense, _finish) ----

  protected createSlots(_vars: Variable[]): void {}
  protected prepare(): void {}
  protected abstract applyDense(grad: Tensor, v: Variable): Operation;
  protected finish(updates: (Operation | Tensor)[], name: string): Operation { return group(updates, { name }); }

  /** The slot `slotName` of `v`, created with `init` on first use. */
  protected slot(v: Variable, slotName: string, init: Initializer = zerosInitializer()): Variable {
    let named = this.#slots.get(slotName);
    if (!named) this.#slots.set(slotName, (named = new Map()));
    let s = named.get(v);
    if (!s) named.set(v, (s = createSlot(v, init, this.#name)));
    return s;
  }
  protected existingSlot(v: Variable, slotName: string): Variable { return this.#slots.get(slotName)!.get(v)!; }

  /** A non-trainable variable of the optimizer (TF's _create_non_slot_variable), one per graph and name. */
  protected nonSlot(name: string, initial: Hyper, graph: Graph): Variable {
    let named = this.#nonSlot.get(graph);
    if (!named) this.#nonSlot.set(graph, (named = new Map()));
    let v = named.get(name);
    if (!v) {
      const init = typeof initial === 'function' ? initial() : initial;
      named.set(name, (v = graph.asDefault(() => new Variable(init, { name, trainable: false }))));
    }
    return v;
  }
  protected getNonSlot(name: string, graph: Graph = getDefaultGraph()): Variable | null { return this.#nonSlot.get(graph)?.get(name) ?? null; }

  /** A hyper-parameter as a tensor (TF's convert_to_tensor(x, name)): a number becomes a float32 Const `name`. */
  protected hyper(x: Hyper, name: string): Tensor {
    const v = typeof x === 'function' ? x() : x;
    return v instanceof Tensor ? v : constant(v, 'float32', null, { name });
  }

  /** Builds the Apply* op `type` on `v` (inputs: v, slots, then the rest, cast to v's dtype). */
  protected applyOp(type: string, v: Variable, slots: Variable[], rest: Tensor[], attrs: Record<string, unknown> = {}): Operation {
    const inputs = [v, ...slots, ...rest.map((t) => cast(t, v.dtype))];
    return makeNode(v.graph, type, inputs, { T: v.dtype, use_locking: this.useLocking, ...attrs }, null, undefined).outputs[0].op;
  }
}

/** The learning-rate hyper-parameter shared by every optimizer. */
abstract class LrOptimizer extends Optimizer {
  protected lrT: Tensor | null = null;
  protected readonly learningRate: Hyper;
  /** `keys`: the options the subclass accepts besides useLocking and name (others are a TypeError, as Python's kwargs). */
  constructor(learningRate: Hyper, options: OptimizerOptions, defaultName: string, keys: readonly string[] = []) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${defaultName}Optimizer options must be an object, got ${String(options)}`);
    checkKeys(options, ['useLocking', 'name', ...keys], `${defaultName}Optimizer`);
    super(options.useLocking ?? false, options.name ?? defaultName);
    this.learningRate = learningRate;
  }
  /** The name of the learning rate's Const (TF's Adadelta says 'lr'). */
  protected readonly lrName: string = 'learning_rate';
  protected override prepare(): void { this.lrT = this.hyper(this.learningRate, this.lrName); }
}

export interface OptimizerOptions { useLocking?: boolean; name?: string }

/** var -= lr * grad (ApplyGradientDescent). */
export class GradientDescentOptimizer extends LrOptimizer {
  constructor(learningRate: Hyper, options: OptimizerOptions = {}) { super(learningRate, options, 'GradientDescent'); }
  protected applyDense(grad: Tensor, v: Variable): Operation { return this.applyOp('ApplyGradientDescent', v, [], [this.lrT!, grad]); }
}

export interface MomentumOptions extends OptimizerOptions { useNesterov?: boolean }

/** accum = accum * momentum + grad; var -= lr * accum (ApplyMomentum; Nesterov as TF). Slot 'momentum'. */
export class MomentumOptimizer extends LrOptimizer {
  #momentum: Hyper;
  #momentumT: Tensor | null = null;
  readonly #nesterov: boolean;
  constructor(learningRate: Hyper, momentum: Hyper, options: MomentumOptions = {}) {
    super(learningRate, options, 'Momentum', ['useNesterov']);
    this.#momentum = momentum;
    this.#nesterov = options.useNesterov ?? false;
  }
  protected override createSlots(vars: Variable[]): void { for (const v of vars) this.slot(v, 'momentum'); }
  protected override prepare(): void {
    super.prepare();
    this.#momentumT = this.hyper(this.#momentum, 'momentum');
  }
  protected applyDense(grad: Tensor, v: Variable): Operation {
    return this.applyOp('ApplyMomentum', v, [this.existingSlot(v, 'momentum')], [this.lrT!, grad, this.#momentumT!], { use_nesterov: this.#nesterov });
  }
}

export interface AdamOptions extends OptimizerOptions { beta1?: Hyper; beta2?: Hyper; epsilon?: Hyper }

/**
 * Adam (ApplyAdam) with TF1's "epsilon hat": slots 'm' and 'v', non-slot variables
 * `beta1_power` / `beta2_power` (initialized to beta1 / beta2, multiplied by them after every
 * step: `Adam/mul`, `Adam/Assign`, `Adam/mul_1`, `Adam/Assign_1`).
 */
export class AdamOptimizer extends LrOptimizer {
  readonly #beta1: Hyper;
  readonly #beta2: Hyper;
  readonly #epsilon: Hyper;
  #t: Tensor[] = [];
  constructor(learningRate: Hyper = 0.001, options: AdamOptions = {}) {
    super(learningRate, options, 'Adam', ['beta1', 'beta2', 'epsilon']);
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-8;
  }
  protected override createSlots(vars: Variable[]): void {
    const first = vars.reduce((a, b) => (b.name < a.name ? b : a));
    this.nonSlot('beta1_power', this.#beta1, first.graph);
    this.nonSlot('beta2_power', this.#beta2, first.graph);
    for (const v of vars) { this.slot(v, 'm'); this.slot(v, 'v'); }
  }
  protected override prepare(): void {
    super.prepare();
    this.#t = [this.hyper(this.#beta1, 'beta1'), this.hyper(this.#beta2, 'beta2'), this.hyper(this.#epsilon, 'epsilon')];
  }
  #powers(): [Variable, Variable] { return [this.getNonSlot('beta1_power')!, this.getNonSlot('beta2_power')!]; }
  protected applyDense(grad: Tensor, v: Variable): Operation {
    return this.applyOp('ApplyAdam', v, [this.existingSlot(v, 'm'), this.existingSlot(v, 'v')], [...this.#powers(), this.lrT!, ...this.#t, grad]);
  }
  protected override finish(updates: (Operation | Tensor)[], name: string): Operation {
    const g = getDefaultGraph();
    const [b1p, b2p] = this.#powers();
    const assigns = g.controlDependencies(updates, () => [
      b1p.assign(multiply(b1p, this.#t[0], { name: 'mul' }), { useLocking: this.useLocking }),
      b2p.assign(multiply(b2p, this.#t[1], { name: 'mul' }), { useLocking: this.useLocking }),
    ]);
    return group([...updates, ...assigns], { name });
  }
}

export interface RMSPropOptions extends OptimizerOptions { decay?: Hyper; momentum?: Hyper; epsilon?: Hyper; centered?: boolean }

/**
 * RMSProp (ApplyRMSProp; centered: ApplyCenteredRMSProp). Slots 'rms' (initialized to ones),
 * 'mg' when centered, 'momentum'.
 */
export class RMSPropOptimizer extends LrOptimizer {
  readonly #hypers: [Hyper, Hyper, Hyper];
  readonly #centered: boolean;
  #t: Tensor[] = [];
  constructor(learningRate: Hyper, options: RMSPropOptions = {}) {
    super(learningRate, options, 'RMSProp', ['decay', 'momentum', 'epsilon', 'centered']);
    this.#hypers = [options.decay ?? 0.9, options.momentum ?? 0.0, options.epsilon ?? 1e-10];
    this.#centered = options.centered ?? false;
  }
  protected override createSlots(vars: Variable[]): void {
    for (const v of vars) {
      this.slot(v, 'rms', onesInitializer({ dtype: v.dtype }));
      if (this.#centered) this.slot(v, 'mg');
      this.slot(v, 'momentum');
    }
  }
  protected override prepare(): void {
    super.prepare();
    this.#t = ['decay', 'momentum', 'epsilon'].map((n, i) => this.hyper(this.#hypers[i], n));
  }
  protected applyDense(grad: Tensor, v: Variable): Operation {
    const s = (n: string) => this.existingSlot(v, n);
    const rest = [this.lrT!, ...this.#t, grad];
    return this.#centered
      ? this.applyOp('ApplyCenteredRMSProp', v, [s('mg'), s('rms'), s('momentum')], rest)
      : this.applyOp('ApplyRMSProp', v, [s('rms'), s('momentum')], rest);
  }
}

export interface AdagradOptions extends OptimizerOptions { initialAccumulatorValue?: number }

/** accum += grad²; var -= lr * grad / sqrt(accum) (ApplyAdagrad). Slot 'accumulator'. */
export class AdagradOptimizer extends LrOptimizer {
  readonly #initial: number;
  constructor(learningRate: Hyper, options: AdagradOptions = {}) {
    super(learningRate, options, 'Adagrad', ['initialAccumulatorValue']);
    this.#initial = options.initialAccumulatorValue ?? 0.1;
    if (!(this.#initial > 0)) throw invalidArgument(`initial_accumulator_value must be positive: ${this.#initial}`);
  }
  protected override createSlots(vars: Variable[]): void {
    for (const v of vars) this.slot(v, 'accumulator', constantInitializer(this.#initial, { dtype: v.dtype }));
  }
  protected applyDense(grad: Tensor, v: Variable): Operation {
    return this.applyOp('ApplyAdagrad', v, [this.existingSlot(v, 'accumulator')], [this.lrT!, grad]);
  }
}

export interface AdadeltaOptions extends OptimizerOptions { rho?: Hyper; epsilon?: Hyper }

/**
 * Adadelta (ApplyAdadelta; TF's defaults lr 0.001, rho 0.95, epsilon 1e-8). Slots 'accum' and
 * 'accum_update'; hyper-parameter Consts `lr`, `rho`, `epsilon`.
 */
export class AdadeltaOptimizer extends LrOptimizer {
  protected override readonly lrName = 'lr';
  readonly #hypers: [Hyper, Hyper];
  #t: Tensor[] = [];
  constructor(learningRate: Hyper = 0.001, options: AdadeltaOptions = {}) {
    super(learningRate, options, 'Adadelta', ['rho', 'epsilon']);
    this.#hypers = [options.rho ?? 0.95, options.epsilon ?? 1e-8];
  }
  protected override createSlots(vars: Variable[]): void { for (const v of vars) { this.slot(v, 'accum'); this.slot(v, 'accum_update'); } }
  protected override prepare(): void {
    super.prepare();
    this.#t = [this.hyper(this.#hypers[0], 'rho'), this.hyper(this.#hypers[1], 'epsilon')];
  }
  protected applyDense(grad: Tensor, v: Variable): Operation {
    return this.applyOp('ApplyAdadelta', v, [this.existingSlot(v, 'accum'), this.existingSlot(v, 'accum_update')], [this.lrT!, ...this.#t, grad]);
  }
}

export interface ProximalGradientDescentOptions extends OptimizerOptions { l1RegularizationStrength?: Hyper; l2RegularizationStrength?: Hyper }

/** FOBOS proximal gradient descent with L1/L2 regularization (ApplyProximalGradientDescent). No slots. */
export class ProximalGradientDescentOptimizer extends LrOptimizer {
  readonly #hypers: [Hyper, Hyper];
  #t: Tensor[] = [];
  constructor(learningRate: Hyper, options: ProximalGradientDescentOptions = {}) {
    super(learningRate, options, 'ProximalGradientDescent', ['l1RegularizationStrength', 'l2RegularizationStrength']);
    this.#hypers = [options.l1RegularizationStrength ?? 0, options.l2RegularizationStrength ?? 0];
  }
  protected override prepare(): void {
    super.prepare();
    this.#t = [this.hyper(this.#hypers[0], 'l1_regularization_strength'), this.hyper(this.#hypers[1], 'l2_regularization_strength')];
  }
  protected applyDense(grad: Tensor, v: Variable): Operation { return this.applyOp('ApplyProximalGradientDescent', v, [], [this.lrT!, ...this.#t, grad]); }
}

// ---- global step (training_util.py) -------------------------------------------------------

/** TF's assert_global_step: an integer scalar variable or tensor. */
function assertGlobalStep(t: Tensor): void {
  if (!['int32', 'int64', 'uint8'].includes(t.dtype)) throw new TypeError(`Existing "global_step" does not have integer type: ${t.dtype}`);
  if (t.shape !== null && t.shape.length !== 0 && t.shape.every((d) => d !== null))
    throw new TypeError(`Existing "global_step" is not scalar: (${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`);
}

/** The global step variable of `graph`: the one in the GLOBAL_STEP collection, else the tensor `global_step:0`, else null. */
export function getGlobalStep(graph: Graph = getDefaultGraph()): Variable | null {
  const found = getCollection<Variable>(GraphKeys.GLOBAL_STEP, null, graph);
  let t: Tensor | null = null;
  if (found.length === 1) t = found[0];
  else if (found.length === 0) {
    try { t = graph.getTensorByName('global_step:0'); } catch { return null; }
  } else return null;  // TF logs 'Multiple tensors in global_step collection.'
  assertGlobalStep(t);
  return t as Variable;
}

/** Creates the int64 scalar `global_step` variable (zero, not trainable, in GLOBAL_VARIABLES and GLOBAL_STEP). */
export function createGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  if (getGlobalStep(graph) !== null) throw invalidArgument('"global_step" already exists.');
  return graph.asDefault(() => graph.nameScope(null, () => getVariable(GraphKeys.GLOBAL_STEP, {
    shape: [], dtype: 'int64', initializer: zerosInitializer(), trainable: false,
    collections: [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
  })));
}

/** The global step variable, created if missing (tf.train.get_or_create_global_step). */
export function getOrCreateGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  return getGlobalStep(graph) ?? createGlobalStep(graph);
}
