// Session: run / runAsync / makeCallable / close, TF1 fetch and feed semantics, default-session
// rules (API.md). The native side owns the graph copy, plan cache and kernels; this side maps
// fetch structures, converts feeds, extends the native graph when the JS graph grew, and turns
// native errors into tf.errors classes that name the failing op.
import { AsyncLocalStorage } from 'node:async_hooks';
import { binding, nativeError, NativeRunResult, NativeTrace, NativeValues, RUN_EXECUTED, RUN_TRACE, SessionHandle, SMALL_VALUE } from './binding';
import { TypedArray, dtypeCode, dtypeFromCode, dtypeInfo, typedArrayFor } from './dtypes';
import { OpError, checkKeys, errorForCode, invalidArgument } from './errors';
import { FeedDict, Graph, Operation, Tensor, getDefaultGraph, popDefaultGraph, pushDefaultGraph, sessionHooks } from './graph';
import { NDArray, toNDArray } from './ndarray';
import { shapeCompatible, shapeText } from './ops/shape';
import { RunMetadata, RunOptions, RunOptionsInit, fillFromTrace, partitionGraph } from './run-metadata';
import { encodeGraph, setNativeValidator } from './serialize';
import type { CallableFn, Feeds, Fetches, FetchResult, ValidFetches } from './fetch-types';

export interface SessionConfig {
  /** Threads a kernel may use (0: one per core). */
  intraOpParallelismThreads?: number;
  /** Accepted for TF compatibility; ops of one run execute in order (each kernel is parallel). */
  interOpParallelismThreads?: number;
  /** Default deadline for every run, like ConfigProto.operation_timeout_in_ms. */
  operationTimeoutInMs?: number;
  /**
   * TF's GraphOptions.rewrite_options: `remapping: 'OFF'` keeps MatMul / Conv2D /
   * DepthwiseConv2dNative + BiasAdd (+ activation) as separate steps instead of one fused
   * `_FusedMatMul` / `_FusedConv2D` kernel (on by default, as TF's remapper).
   * `elementwiseFusion: 'ON'` (tensorloom's own switch; off by default, as TF1 runs and traces
   * every node) runs each chain of float32 elementwise ops as one `_FusedElementwise` step that
   * makes one pass over memory; results are identical either way.
   */
  graphOptions?: { rewriteOptions?: { remapping?: Toggle; elementwiseFusion?: Toggle } };
}
export interface SessionOptions { graph?: Graph; config?: SessionConfig }

type Element = Tensor | Operation;
/** A fetch structure flattened to elements, and how to rebuild it from their values. */
interface FetchMapper { elements: Element[]; build(values: Map<Element, NDArray | null>): unknown }

const CLOSED = 'Attempted to use a closed Session.';

type Toggle = 'DEFAULT' | 'ON' | 'OFF' | 'AGGRESSIVE';
/**
 * Which plan-time rewrites are on (config.graphOptions.rewriteOptions): remapping (bias and
 * activation steps) and elementwiseFusion.
 */
function rewriteOptions(g: SessionConfig['graphOptions']): { remapping: boolean; elementwiseFusion: boolean } {
  const defaults = { remapping: true, elementwiseFusion: false };
  if (g === undefined) return defaults;
  if (g === null || typeof g !== 'object') throw new TypeError(`graphOptions must be an object, but got ${String(g)}`);
  checkKeys(g, ['rewriteOptions'], 'Session config.graphOptions');
  const r = g.rewriteOptions;
  if (r === undefined) return defaults;
  if (r === null || typeof r !== 'object') throw new TypeError(`rewriteOptions must be an object, but got ${String(r)}`);
  checkKeys(r, ['remapping', 'elementwiseFusion'], 'Session config.graphOptions.rewriteOptions');
  const toggles = ['DEFAULT', 'ON', 'OFF', 'AGGRESSIVE'];
  for (const k of ['remapping', 'elementwiseFusion'] as const) {
    if (r[k] !== undefined && !toggles.includes(r[k]!)) throw invalidArgument(`Invalid ${k} ${String(r[k])}; use one of ${toggles.join(', ')}`);
  }
  return { remapping: r.remapping !== 'OFF', elementwiseFusion: r.elementwiseFusion === 'ON' || r.elementwiseFusion === 'AGGRESSIVE' };
}
/** The native executor's rank limit (kMaxRank). */
const MAX_RANK = 16;
const EMPTY = 'The Session graph is empty.  Add operations to the graph before calling run().';

function mapFetches(graph: Graph, fetch: unknown): FetchMapper {
  if (fetch === null || fetch === undefined) throw new TypeError(`Fetch argument ${fetch} has invalid type ${fetch === null ? 'null' : 'undefined'}`);
  if (fetch instanceof Tensor || fetch instanceof Operation || typeof fetch === 'string') {
    let el: Element;
    try {
      el = graph.asGraphElement(fetch, true, true);
    } catch (e) {
      if (e instanceof TypeError) throw e;
      const name = typeof fetch === 'string' ? `'${fetch}'` : String(fetch);
      throw invalidArgument(`Fetch argument ${name} cannot be interpreted as a Tensor. (${(e as Error).message})`);
    }
    return { elements: [el], build: (v) => v.get(el) ?? null };
  }
  if (Array.isArray(fetch)) {
    const subs = fetch.map((f) => mapFetches(graph, f));
    return { elements: subs.flatMap((s) => s.elements), build: (v) => subs.map((s) => s.build(v)) };
  }
  if (fetch instanceof Map) {
    const subs = [...fetch].map(([k, f]) => [k, mapFetches(graph, f)] as const);
    return { elements: subs.flatMap(([, s]) => s.elements), build: (v) => new Map(subs.map(([k, s]) => [k, s.build(v)])) };
  }
  const proto = typeof fetch === 'object' ? Object.getPrototypeOf(fetch) : undefined;
  if (proto === Object.prototype || proto === null) {
    const subs = Object.entries(fetch as object).map(([k, f]) => [k, mapFetches(graph, f)] as const);
    return { elements: subs.flatMap(([, s]) => s.elements), build: (v) => Object.fromEntries(subs.map(([k, s]) => [k, s.build(v)])) };
  }
  const type = typeof fetch === 'object' ? (fetch as object).constructor?.name ?? 'object' : typeof fetch;
  throw new TypeError(`Fetch argument ${String(fetch)} has invalid type ${type}, must be a string or Tensor. (Can not convert a ${type} into a Tensor or Operation.)`);
}

function feedPairs(feedDict: unknown): [unknown, unknown][] {
  if (feedDict === undefined || feedDict === null) return [];
  if (feedDict instanceof Map) return [...feedDict];
  if (typeof (feedDict as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return [...(feedDict as Iterable<unknown>)].map((p) => {
      if (!Array.isArray(p) || p.length !== 2) throw new TypeError('feedDict entries must be [key, value] pairs');
      return [p[0], p[1]];
    });
  }
  if (typeof feedDict === 'object' && Object.getPrototypeOf(feedDict) === Object.prototype) return Object.entries(feedDict as object);
  throw new TypeError('feedDict must be a Map, an array of [key, value] pairs, or an object keyed by tensor names');
}

function resolveFeedKey(graph: Graph, key: unknown): Tensor {
  try {
    return graph.asGraphElement(key, true, false) as Tensor;
  } catch (e) {
    const msg = `Cannot interpret feed_dict key as Tensor: ${(e as Error).message}`;
    if (e instanceof OpError && /not an element of this graph/.test(e.message)) throw invalidArgument(msg);
    throw new TypeError(msg);
  }
}

/** Converts a feed value to the tensor's dtype and checks it against the static shape. */
export function convertFeed(t: Tensor, value: unknown, key: unknown = t): NDArray {
  if (value instanceof Tensor || value instanceof Operation) {
    throw new TypeError(`The value of a feed cannot be a tf.Tensor object. Acceptable feed values include JS numbers, booleans, bigints, nested arrays, typed arrays or NDArrays. For reference, the tensor object was ${value} which was passed to the feed with key ${key}.`);
  }
  const view = value instanceof NDArray ? value.data : ArrayBuffer.isView(value) ? value : null;
  if (view && isDetached(view.buffer)) throw invalidArgument(`Cannot read the value fed for '${t.name}': its ArrayBuffer is detached`);
  let arr: NDArray;
  try {
    arr = convertFeedValue(t, value);
  } catch (e) {
    // Name the feed in value errors; V8's own (a detached buffer) become InvalidArgumentError too.
    if (e instanceof OpError && !e.message.includes(`'${t.name}'`)) {
      const m = /^(Cannot convert .*? to \w+)(: .*)$/s.exec(e.message);
      throw errorForCode(e.code, m ? `${m[1]} for feed '${t.name}'${m[2]}` : `${e.message} (feed '${t.name}')`);
    }
    if (e instanceof TypeError && /detached/i.test(e.message)) throw invalidArgument(`Cannot read the value fed for '${t.name}': its ArrayBuffer is detached`);
    throw e;
  }
  // What the native side reads must be consistent: data length, rank limit, no shared memory.
  if (arr.shape.length > MAX_RANK) throw invalidArgument(`Cannot feed a value of rank ${arr.shape.length} for '${t.name}': the maximum rank is ${MAX_RANK}`);
  const n = arr.shape.reduce((a, b) => a * b, 1);
  if (!arr.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== arr.data.length)
    throw invalidArgument(`Cannot feed the NDArray given for '${t.name}': its shape [${arr.shape.join(',')}] does not match its ${arr.data.length} elements (was its shape changed?)`);
  if (typeof SharedArrayBuffer !== 'undefined' && arr.data.buffer instanceof SharedArrayBuffer)
    arr = new NDArray(arr.data.slice() as TypedArray, arr.shape.slice(), arr.dtype);  // a private copy
  return arr;
}

/** True for a transferred (detached) ArrayBuffer: a view on it cannot even be constructed. */
function isDetached(buf: ArrayBufferLike): boolean {
  try { new Uint8Array(buf, 0, 0); return false; } catch { return true; }
}

/** The feed value as an NDArray of t's dtype, shaped by t's static shape where it is a flat typed array. */
function convertFeedValue(t: Tensor, value: unknown): NDArray {
  let arr: NDArray;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    arr = toNDArray(value, t.dtype);
    const s = t.shape;
    let shape = [arr.size];
    if (s !== null) {
      const unknown = s.filter((d) => d === null).length;
      const known = s.reduce<number>((a, d) => a * (d ?? 1), 1);
      if (unknown === 0 && known === arr.size) shape = s as number[];
      else if (unknown === 1 && (known === 0 ? arr.size === 0 : arr.size % known === 0) && !(known === 0 && s.length > 1))
        shape = s.map((d) => (d === null ? (known === 0 ? 0 : arr.size / known) : d));
    }
    arr = new NDArray(arr.data, shape, arr.dtype);
  } else {
    arr = toNDArray(value, t.dtype);
  }
  if (!shapeCompatible(arr.shape, t.shape))
    throw invalidArgument(`Cannot feed value of shape ${shapeText(arr.shape)} for Tensor '${t.name}', which has shape '${shapeText(t.shape)}'`);
  return arr;
}

/** Output i of a native result as an NDArray. */
function fromNative(res: NativeRunResult, i: number): NDArray {
  const dtype = dtypeFromCode(res[3 * i] as number);
  const shape = res[3 * i + 1] as number[];
  const data = res[3 * i + 2] as ArrayBuffer | number[];
  if (Array.isArray(data)) return new NDArray(new (dtypeInfo(dtype).array)(data as never), shape, dtype);
  return new NDArray(typedArrayFor(dtype, data, 0, shape.reduce((a, b) => a * b, 1)), shape, dtype);
}

/** Feed values as flat (dtype, shape, data) triples; small ones as plain numbers. */
function toNative(values: NDArray[]): NativeValues {
  const out: NativeValues = [];
  for (const v of values) {
    const small = v.size <= SMALL_VALUE && v.dtype !== 'int64';
    out.push(dtypeCode(v.dtype), v.shape, small ? Array.from(v.data as ArrayLike<number>) : v.data);
  }
  return out;
}

const defaultStack: Session[] = [];
let implicitDefault: Session | null = null;

// asDefault scopes live in an AsyncLocalStorage, so `sess.asDefault(async () => { await x;
// c.eval() })` keeps its default across awaits, and concurrent async code never sees another
// task's scope. InteractiveSession (not scoped) uses the process-wide stack below it.
const scoped = new AsyncLocalStorage<readonly Session[]>();

/** The default session: the innermost asDefault scope, else InteractiveSession, else the implicit one. */
export function getDefaultSession(): Session | null {
  const s = scoped.getStore();
  if (s && s.length) return s[s.length - 1];
  return defaultStack.length ? defaultStack[defaultStack.length - 1] : implicitDefault;
}

/** A compiled (fetches, fed tensors) pair: what run needs besides the feed values. */
interface RunSpec {
  mapper: FetchMapper;
  unique: Element[];
  fed: Tensor[];
  nativeFetches: Tensor[];
  targets: Operation[];
  feeds: Int32Array;
  fetches: Int32Array;
  targetIds: Int32Array;
}

/**
 * A TF1 session over one graph.
 * @example
 * const sess = new tf.Session();
 * sess.run(c);                                  // NDArray
 * sess.run({ y, loss }, new Map([[x, batch]])); // { y: NDArray, loss: NDArray }
 */
export class Session {
  readonly graph: Graph;
  readonly config: SessionConfig;
  #handle: SessionHandle;
  #sent = 0;
  #closed = false;

  constructor(options: SessionOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`Session options must be an object, got ${String(options)}`);
    if (options instanceof Graph) throw new TypeError('Session options must be an object: did you do "new Session(graph)" instead of "new Session({ graph })"?');
    if (options.graph !== undefined && !(options.graph instanceof Graph)) throw new TypeError(`graph must be a tf.Graph, but got ${String(options.graph)}`);
    checkKeys(options, ['graph', 'config', 'target'], 'Session');
    if (options.config !== undefined && (options.config === null || typeof options.config !== 'object')) throw new TypeError(`config must be an object, but got ${String(options.config)}`);
    if (options.config) checkKeys(options.config, ['intraOpParallelismThreads', 'interOpParallelismThreads', 'operationTimeoutInMs', 'allowSoftPlacement', 'logDevicePlacement', 'graphOptions'], 'Session config');
    const rewrites = rewriteOptions(options.config?.graphOptions);
    this.graph = options.graph ?? getDefaultGraph();
    this.config = { ...options.config };
    const threads = this.config.intraOpParallelismThreads ?? 0;
    if (!Number.isInteger(threads) || threads < 0) throw invalidArgument(`intraOpParallelismThreads must be a non-negative integer, got ${threads}`);
    this.#handle = binding().sessionCreate(threads, rewrites.remapping, rewrites.elementwiseFusion);
    if (!getDefaultSession()) implicitDefault = this;
  }

  get closed(): boolean { return this.#closed; }

  /** `<tf.Session (open) graph with 12 ops>`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `<tf.${this.constructor.name} (${this.#closed ? 'closed' : 'open'}) graph with ${this.graph.getOperations().length} ops>`;
  }

  /** Closes the session: in-flight runs end with CancelledError; later calls throw. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    binding().sessionClose(this.#handle);
    if (implicitDefault === this) implicitDefault = null;
    // asDefault() entries stay until their callback returns (TF: closing inside as_default
    // does not pop it), so eval() there reports the closed session.
    this.onClose();
  }

  /** Hook for subclasses: runs once when the session closes. */
  protected onClose(): void {}

  /** The session graph as a GraphDef-like object (TF's sess.graph_def). */
  get graphDef(): ReturnType<Graph['asGraphDef']> { return this.graph.asGraphDef(); }

  /**
   * Makes this the default session inside fn (nesting allowed; innermost wins), including
   * across `await` when fn is async (the scope follows fn's asynchronous continuations).
   */
  asDefault<T>(fn: (sess: this) => T): T {
    return scoped.run([...(scoped.getStore() ?? []), this], () => fn(this));
  }


  /**
   * Runs one step: computes `fetches` (a Tensor, Operation, name, or any nesting of arrays and
   * plain objects of those) given `feedDict`; returns NDArrays in the same structure
   * (Operations give null).
   * @throws TypeError for bad fetch/feed types; tf.errors.* for values, shapes and failures in the run.
   */
  run<const F>(fetches: F & ValidFetches<F>, feedDict?: Feeds | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): FetchResult<F>;
  /** The same, for fetches whose type is generic (`T extends Tensor`) or the loose `Fetches`. */
  run<const F extends Fetches>(fetches: F, feedDict?: Feeds | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): FetchResult<F>;
  run(fetches: unknown, feedDict?: FeedDict | Record<string, unknown> | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): any {
    const { spec, values } = this.#prepare(fetches, feedDict);
    return this.#execute(spec, values, options, runMetadata, false);
  }

  /** Like run, off the JS thread. Never throws: every error rejects the promise. */
  runAsync<const F>(fetches: F & ValidFetches<F>, feedDict?: Feeds | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): Promise<FetchResult<F>>;
  /** The same, for fetches whose type is generic (`T extends Tensor`) or the loose `Fetches`. */
  runAsync<const F extends Fetches>(fetches: F, feedDict?: Feeds | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): Promise<FetchResult<F>>;
  runAsync(fetches: unknown, feedDict?: FeedDict | Record<string, unknown> | null, options?: RunOptions | RunOptionsInit | null, runMetadata?: RunMetadata | null): Promise<any> {
    try {
      const { spec, values } = this.#prepare(fetches, feedDict);
      return this.#execute(spec, values, options, runMetadata, true) as Promise<unknown>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * A function that runs `fetches` with positional feed values for `feedList`; the fetch
   * structure, pruning and plan are resolved once.
   * @example const f = sess.makeCallable(y, [x]); f(batch1); f(batch2);
   */
  makeCallable<const F, const L extends readonly (Tensor | string)[] = []>(fetches: F & ValidFetches<F>, feedList?: L): CallableFn<F, L>;
  /** The same, for fetches whose type is generic (`T extends Tensor`) or the loose `Fetches`. */
  makeCallable<const F extends Fetches, const L extends readonly (Tensor | string)[] = []>(fetches: F, feedList?: L): CallableFn<F, L>;
  makeCallable(fetches: unknown, feedList: (Tensor | string)[] = []): (...feedValues: unknown[]) => any {
    if (!Array.isArray(feedList)) throw new TypeError('`feed_list` must be a list or tuple.');
    this.#checkUsable();
    const fed = feedList.map((k) => resolveFeedKey(this.graph, k));
    const spec = this.#compile(fetches, fed);
    return (...vals: unknown[]) => {
      if (vals.length !== fed.length) throw invalidArgument(`Expected ${fed.length} feed values, but got ${vals.length}`);
      this.#checkUsable();
      return this.#execute(spec, fed.map((t, i) => convertFeed(t, vals[i])), undefined, undefined, false);
    };
  }

  #checkUsable(): void {
    if (this.#closed) throw new Error(CLOSED);
    if (this.graph.version === 0) throw new Error(EMPTY);
  }

  #prepare(fetches: unknown, feedDict: unknown): { spec: RunSpec; values: NDArray[] } {
    this.#checkUsable();
    const feeds = new Map<Tensor, NDArray>();
    for (const [k, v] of feedPairs(feedDict)) {
      const t = resolveFeedKey(this.graph, k);
      feeds.set(t, convertFeed(t, v, k));
    }
    const fed = [...feeds.keys()];
    return { spec: this.#cachedSpec(fetches, fed), values: fed.map((t) => feeds.get(t)!) };
  }

  // Repeated runs of the same single fetch (a Tensor, Operation or name: immutable keys) with
  // the same fed tensors reuse the compiled spec. Arrays and objects may be mutated by the
  // caller between runs, so they are compiled each time.
  #specCache = new Map<unknown, RunSpec>();
  #cachedSpec(fetches: unknown, fed: Tensor[]): RunSpec {
    const cacheable = fetches instanceof Tensor || fetches instanceof Operation || typeof fetches === 'string';
    if (!cacheable) return this.#compile(fetches, fed);
    const hit = this.#specCache.get(fetches);
    if (hit && hit.fed.length === fed.length && hit.fed.every((t, i) => t === fed[i])) return hit;
    const spec = this.#compile(fetches, fed);
    if (this.#specCache.size > 256) this.#specCache.clear();
    this.#specCache.set(fetches, spec);
    return spec;
  }

  #compile(fetches: unknown, fed: Tensor[]): RunSpec {
    const mapper = mapFetches(this.graph, fetches);
    const unique = [...new Set(mapper.elements)];
    const fedSet = new Set(fed);
    const nativeFetches = unique.filter((e): e is Tensor => e instanceof Tensor && !fedSet.has(e));
    const targets = unique.filter((e): e is Operation => e instanceof Operation);
    const pairs = (ts: Tensor[]) => Int32Array.from(ts.flatMap((t) => [t.op.id, t.valueIndex]));
    return {
      mapper, unique, fed, nativeFetches, targets,
      feeds: pairs(fed), fetches: pairs(nativeFetches), targetIds: Int32Array.from(targets, (o) => o.id),
    };
  }

  /** Sends ops added since the last run to the native graph (TF's _extend_graph). */
  #extend(): void {
    const n = this.graph.version;
    if (n === this.#sent) return;
    try {
      binding().sessionExtend(this.#handle, encodeGraph(this.graph, this.#sent));
    } catch (e) {
      throw nativeError(e);
    }
    this.#sent = n;
  }

  #execute(spec: RunSpec, values: NDArray[], opts: RunOptions | RunOptionsInit | null | undefined, meta: RunMetadata | null | undefined, async: boolean): unknown {
    // TF accepts options=None / run_metadata=None; a plain object is read as RunOptions' init.
    const options = opts === null || opts === undefined ? undefined : opts instanceof RunOptions ? opts : new RunOptions(opts);
    if (meta === null) meta = undefined;
    if (meta !== undefined && !(meta instanceof RunMetadata)) throw new TypeError('runMetadata must be a tf.RunMetadata');
    const pool = options?.interOpThreadPool ?? 0;
    if (pool !== 0 && pool !== -1) throw invalidArgument(`Invalid inter_op_thread_pool: ${pool}`);
    const trace = !!meta && (options?.traceLevel ?? 0) > 0;
    const wantPartitions = !!meta && !!options?.outputPartitionGraphs;
    const fetchValues = new Map<Element, NDArray | null>();
    // A fetched fed tensor returns the converted feed; runAsync copies it, since the caller may
    // change the typed array before the promise settles.
    spec.fed.forEach((t, i) => fetchValues.set(t, async ? new NDArray(values[i].data.slice(), values[i].shape.slice(), values[i].dtype) : values[i]));
    meta?.clear();
    if (spec.nativeFetches.length === 0 && spec.targets.length === 0) {
      const out = spec.mapper.build(fetchValues);
      return async ? Promise.resolve(out) : out;
    }
    this.#extend();
    const args = [this.#handle, spec.feeds, toNative(values), spec.fetches, spec.targetIds,
      (trace ? RUN_TRACE : 0) | (wantPartitions ? RUN_EXECUTED : 0),
      options?.timeoutInMs || this.config.operationTimeoutInMs || 0] as const;
    const finish = (res: NativeRunResult) => {
      spec.nativeFetches.forEach((t, i) => fetchValues.set(t, fromNative(res, i)));
      for (const op of spec.targets) fetchValues.set(op, null);
      const tr = res[3 * spec.nativeFetches.length] as NativeTrace | undefined;
      if (meta && tr) {
        if (trace) {
          const finals = new Set<number>([...spec.nativeFetches.map((t) => t.op.id), ...spec.targets.map((o) => o.id)]);
          fillFromTrace(meta, this.graph, tr, finals);
        }
        if (wantPartitions) meta.partitionGraphs = [partitionGraph(this.graph, tr.executed, spec.fed, tr.fused)];
      }
      return spec.mapper.build(fetchValues);
    };
    if (async) {
      return binding().sessionRunAsync(...args).then(finish, (e) => { throw this.#opError(e); });
    }
    let res: NativeRunResult;
    try {
      res = binding().sessionRun(...args);
    } catch (e) {
      throw this.#opError(e);
    }
    return finish(res);
  }

  /** A native error as its tf.errors class, naming the failing op and where it was built. */
  #opError(e: unknown): unknown {
    const err = e as { tlCode?: number; tlNode?: number; message?: string };
    if (!err || typeof err.tlCode !== 'number') return e;
    const op = err.tlNode !== undefined && err.tlNode >= 0 && err.tlNode < this.graph.version ? this.graph.opAt(err.tlNode) : null;
    let msg = err.message ?? '';
    if (op) msg += `\n\t [[node ${op.name} (defined at ${op.definedAt}) ]]`;
    return errorForCode(err.tlCode, msg, op, op ? op.nodeDef : null);
  }

  /** Native counters for tests and benchmarks: nodes held, cached plans, intra-op threads. */
  _info(): { nodes: number; plans: number; threads: number } { return binding()._sessionInfo(this.#handle); }
}

/** A session that installs itself as the default session until closed (TF InteractiveSession). */
export class InteractiveSession extends Session {
  #graphEntered = false;
  constructor(options: SessionOptions = {}) {
    super(options);
    defaultStack.push(this);
    // As TF: an explicit graph also becomes the default graph until close().
    if (options.graph) { pushDefaultGraph(options.graph); this.#graphEntered = true; }
  }
  protected override onClose(): void {
    const i = defaultStack.lastIndexOf(this);
    if (i >= 0) defaultStack.splice(i, 1);
    if (this.#graphEntered) popDefaultGraph(this.graph);
  }
}

const NO_DEFAULT_EVAL = 'Cannot evaluate tensor using `eval()`: No default session is registered. Use `sess.asDefault()` or pass an explicit session to `eval(feedDict, sess)`';
const NO_DEFAULT_RUN = 'Cannot execute operation using `run()`: No default session is registered. Use `sess.asDefault()` or pass an explicit session to `run(feedDict, sess)`';

function sessionFor(graph: Graph, session: unknown, what: 'tensor' | 'operation'): Session {
  const explicit = session !== undefined && session !== null;
  const s = explicit ? session : getDefaultSession();
  if (!s) throw new Error(what === 'tensor' ? NO_DEFAULT_EVAL : NO_DEFAULT_RUN);
  if (!(s instanceof Session)) throw new TypeError(`session must be a tf.Session, got ${String(s)}`);
  if (s.graph !== graph) {
    const subject = what === 'tensor' ? "evaluate tensor: the tensor's" : "execute operation: the operation's";
    throw invalidArgument(explicit
      ? `Cannot use the given session to ${subject} graph is different from the session's graph.`
      : `Cannot use the default session to ${subject} graph is different from the session's graph. Pass an explicit session to \`${what === 'tensor' ? 'eval' : 'run'}(feedDict, sess)\`.`);
  }
  return s;
}

Object.assign(sessionHooks, {
  evalTensor: (t: Tensor, feedDict: FeedDict | undefined, session: unknown) => sessionFor(t.graph, session, 'tensor').run(t, feedDict),
  runOp: (o: Operation, feedDict: FeedDict | undefined, session: unknown) => { sessionFor(o.graph, session, 'operation').run(o, feedDict); },
});

setNativeValidator((buf) => {
  try { binding().graphValidate(buf); } catch (e) { throw nativeError(e); }
});

