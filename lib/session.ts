// Session: run / runAsync / makeCallable / close, TF1 fetch and feed semantics, default-session
// rules (API.md). The native side owns the graph copy, plan cache and kernels; this side maps
// fetch structures, converts feeds, extends the native graph when the JS graph grew, and turns
// native errors into tf.errors classes that name the failing op.
import { AsyncLocalStorage } from 'node:async_hooks';
import { binding, nativeError, NativeRunResult, NativeTrace, NativeValues, PreparedHandle, RUN_EXECUTED, RUN_TRACE, SessionHandle, SMALL_VALUE } from './binding';
import { DType, TypedArray, dtypeCode, dtypeFromCode, dtypeInfo, typedArrayFor } from './dtypes';
import { OpError, checkKeys, errorForCode, invalidArgument } from './errors';
import { FeedDict, Graph, Operation, Tensor, getDefaultGraph, popDefaultGraph, pushDefaultGraph, sessionHooks } from './graph';
import { NDArray, toNDArray } from './ndarray';
import { shapeCompatible, shapeText } from './ops/shape';
import { RunMetadata, RunOptions, RunOptionsInit, fillFromTrace, partitionGraph } from './run-metadata';
import { encodeGraph, encodeStrings, setNativeValidator, stringsOfRecords } from './serialize';
import type { CallableFn, Feeds, Fetches, FetchResult, ValidFetches } from './fetch-types';

export interface SessionConfig {
  /** Threads a kernel may use (0: one per core). */
  intraOpParallelismThreads?: number;
  /**
   * Independent ops of one run that may execute at the same time (0: one per core, TF's rule;
   * negative: every op in order on the calling thread, as TF's run-in-caller-thread). They run
   * on the intra-op pool's threads; runs of small plans (under ~0.2 ms) and plans with variables
   * keep their ops in order. Unset: in order (one thread per traced run, as before).
   */
  interOpParallelismThreads?: number;
  /** Default deadline for every run, like ConfigProto.operation_timeout_in_ms. */
  operationTimeoutInMs?: number;
  /**
   * TF's GraphOptions.rewrite_options: `remapping: 'OFF'` keeps MatMul / Conv2D /
   * DepthwiseConv2dNative / BatchMatMulV2 of a matrix + BiasAdd (+ activation, or Keras' exact
   * GELU; a Tensordot's Reshape before the bias included) as separate steps instead of one fused
   * `_FusedMatMul` / `_FusedConv2D` / `_FusedBatchMatMulV2` kernel (on by default, as TF's
   * remapper).
   * `constantFolding: 'OFF'` runs every node of a constant subgraph on every run instead of
   * computing it once per plan (TF's constant folding, also folding a per-channel Mul into the
   * preceding convolution's constant filter; on by default).
   * `elementwiseFusion: 'ON'` (tensorloom's own switch; off by default, as TF1 runs and traces
   * every node) runs each chain of float32 elementwise ops as one `_FusedElementwise` step that
   * makes one pass over memory; results are identical either way.
   */
  graphOptions?: { rewriteOptions?: { remapping?: Toggle; constantFolding?: Toggle; elementwiseFusion?: Toggle } };
}
/** TF's RewriterConfig.Toggle. */
export type Toggle = 'DEFAULT' | 'ON' | 'OFF' | 'AGGRESSIVE';
export interface SessionOptions { graph?: Graph; config?: SessionConfig }

type Element = Tensor | Operation;
/** A fetch structure flattened to elements, and how to rebuild it from their values. */
interface FetchMapper { elements: Element[]; build(values: Map<Element, NDArray | null>): unknown }

const CLOSED = 'Attempted to use a closed Session.';

/**
 * Which plan-time rewrites are on (config.graphOptions.rewriteOptions): remapping (fused bias and
 * activation steps), constant folding and elementwise fusion.
 */
function rewriteOptions(g: SessionConfig['graphOptions']): { remapping: boolean; constantFolding: boolean; elementwiseFusion: boolean } {
  const on = { remapping: true, constantFolding: true, elementwiseFusion: false };
  if (g === undefined) return on;
  if (g === null || typeof g !== 'object') throw new TypeError(`graphOptions must be an object, but got ${String(g)}`);
  checkKeys(g, ['rewriteOptions'], 'Session config.graphOptions');
  const r = g.rewriteOptions;
  if (r === undefined) return on;
  if (r === null || typeof r !== 'object') throw new TypeError(`rewriteOptions must be an object, but got ${String(r)}`);
  checkKeys(r, ['remapping', 'constantFolding', 'elementwiseFusion'], 'Session config.graphOptions.rewriteOptions');
  const toggles = ['DEFAULT', 'ON', 'OFF', 'AGGRESSIVE'];
  for (const k of ['remapping', 'constantFolding', 'elementwiseFusion'] as const)
    if (r[k] !== undefined && !toggles.includes(r[k]!)) throw invalidArgument(`Invalid ${k} ${String(r[k])}; use one of ${toggles.join(', ')}`);
  return {
    remapping: r.remapping !== 'OFF', constantFolding: r.constantFolding !== 'OFF',
    elementwiseFusion: r.elementwiseFusion === 'ON' || r.elementwiseFusion === 'AGGRESSIVE',
  };
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
  const data = value instanceof NDArray ? value.data : value;
  const view = ArrayBuffer.isView(data) ? data : null;
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
  if (typeof SharedArrayBuffer !== 'undefined' && !Array.isArray(arr.data) && arr.data.buffer instanceof SharedArrayBuffer)
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
  if (dtype === 'string') return new NDArray(stringsOfRecords(data as ArrayBuffer, shape.reduce((a, b) => a * b, 1)), shape, dtype);
  if (Array.isArray(data)) return new NDArray(new (dtypeInfo(dtype).array)(data as never), shape, dtype);
  return new NDArray(typedArrayFor(dtype, data, 0, shape.reduce((a, b) => a * b, 1)), shape, dtype);
}

/**
 * The fetched values the native side wrote to the io block from io[k] on ([count, per output:
 * dtype, rank, dims..., values...]), appended to out; returns the index after them.
 */
function ioOutputs(io: Float64Array, k: number, out: NDArray[]): NDArray[] {
  ioRead(io, k, out);
  return out;
}
/** ioOutputs, returning the index after the outputs. */
function ioRead(io: Float64Array, k: number, out: NDArray[]): number {
  const count = io[k++];
  for (let i = 0; i < count; i++) {
    const dtype = dtypeFromCode(io[k++]);
    const rank = io[k++];
    const shape: number[] = [];
    let size = 1;
    for (let d = 0; d < rank; d++) { const n = io[k++]; shape.push(n); size *= n; }
    const data = new (dtypeInfo(dtype).array)(size);
    for (let j = 0; j < size; j++) (data as Float64Array)[j] = io[k++];
    out.push(new NDArray(data, shape, dtype));
  }
  return k;
}

/** A non-empty flat array of up to 64 Tensors / Operations (a fetch list whose spec is cached by its elements). */
function isFlatList(f: unknown): f is Element[] {
  if (!Array.isArray(f) || f.length === 0 || f.length > 64) return false;
  for (const e of f) if (!(e instanceof Tensor) && !(e instanceof Operation)) return false;
  return true;
}

/** At most this many scalar feeds travel through the io block (2 doubles each, of native kIoDoubles = 4096). */
const IO_FEEDS = 1024;

/**
 * Whether the JS number x fed to a tensor of dtype d converts exactly as convertFeed would
 * (float: any number; int32/uint8/bool: an integer in range), so it may go as a plain scalar.
 * Anything else takes the general path, which converts or throws its error.
 */
function scalarFits(d: DType, x: number): boolean {
  if (d === 'float32' || d === 'float64') return true;
  const info = dtypeInfo(d);
  return info.min !== undefined && Number.isInteger(x) && x >= info.min && x <= info.max!;
}

/** Feed values as flat (dtype, shape, data) triples; small ones as plain numbers. */
function toNative(values: NDArray[]): NativeValues {
  const out: NativeValues = [];
  for (const v of values) {
    if (v.dtype === 'string') { out.push(dtypeCode(v.dtype), v.shape, encodeStrings(v.data as string[])); continue; }  // records, as in the graph format
    const small = v.size <= SMALL_VALUE && v.dtype !== 'int64';
    out.push(dtypeCode(v.dtype), v.shape, small ? Array.from(v.data as ArrayLike<number>) : v.data as TypedArray);
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
  /** Per fed tensor: its dtype code when a JS number fed to it may travel as a plain scalar, else -1 (int64, non-scalar static shape). */
  scalarCodes: number[];
  /** A fed tensor is also fetched (its converted feed value is part of the result). */
  fedFetched: boolean;
  /** The fetch is one tensor computed by the run: the result is its value. */
  single: boolean;
  /** Reused across runs (cached or callable): runs go through a prepared native signature. */
  reused: boolean;
  prep?: PreparedHandle;
}

/** A run of runPreparedAsync waiting for the run callback. */
interface PendingRun { resolve(v: unknown): void; reject(e: unknown): void; done(outs: NDArray[] | null, res: NativeRunResult | null): unknown; session: Session }
const pendingRuns = new Map<number, PendingRun>();
let nextRunId = 1;
let runCallbackSet = false;
let flushQueued = false;
/** Starts the runs staged in this task: one hand-over (and at most one wake-up) for all of them. */
function flushRuns(): void {
  flushQueued = false;
  binding().flushRuns();
}
/** The result of a single-fetch run: its one value. */
const singleValue = (outs: NDArray[] | null, res: NativeRunResult | null): NDArray => (outs ? outs[0] : fromNative(res!, 0));

/** The run callback: settles a batch of finished prepared runs (binding.setRunCallback). */
function onRunsDone(count: number, extras: unknown[]): void {
  const io = binding().io;
  let k = 0;
  for (let i = 0; i < count; i++) {
    const id = io[k], kind = io[k + 1];
    let outs: NDArray[] | null = null, extra: unknown;
    if (kind === 0) {
      outs = [];
      k = ioRead(io, k + 2, outs);
    } else {
      extra = extras[io[k + 2]];
      k += 3;
    }
    const p = pendingRuns.get(id);
    if (!p) continue;
    pendingRuns.delete(id);
    try {
      if (kind === 2) p.reject(p.session._opError(extra));
      else p.resolve(p.done(outs, kind === 1 ? extra as NativeRunResult : null));
    } catch (e) {
      p.reject(e);
    }
  }
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
    const interOp = this.config.interOpParallelismThreads ?? -1;
    if (!Number.isInteger(interOp)) throw invalidArgument(`interOpParallelismThreads must be an integer, got ${interOp}`);
    this.#handle = binding().sessionCreate(threads, rewrites.remapping, interOp, rewrites.constantFolding, rewrites.elementwiseFusion);
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
    spec.reused = true;
    return (...vals: unknown[]) => {
      if (vals.length !== fed.length) throw invalidArgument(`Expected ${fed.length} feed values, but got ${vals.length}`);
      this.#checkUsable();
      if (this.#scalarFeeds(spec, vals)) return this.#execute(spec, null, undefined, undefined, false);
      return this.#execute(spec, fed.map((t, i) => convertFeed(t, vals[i])), undefined, undefined, false);
    };
  }

  #checkUsable(): void {
    if (this.#closed) throw new Error(CLOSED);
    if (this.graph.version === 0) throw new Error(EMPTY);
  }

  /**
   * The serving fast path: when every feed value is a JS number that converts exactly (scalarFits)
   * to a scalar-shaped fed tensor, writes them to the io block as (dtype code, value) and returns
   * true; the run then sends no feed values. Nothing else differs from convertFeed.
   */
  #scalarFeeds(spec: RunSpec, vals: readonly unknown[]): boolean {
    if (spec.fedFetched || !spec.reused || vals.length > IO_FEEDS) return false;
    const io = binding().io;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i], code = spec.scalarCodes[i];
      if (typeof v !== 'number' || code < 0 || !scalarFits(spec.fed[i].dtype, v)) return false;
      io[2 * i] = code;
      io[2 * i + 1] = v;
    }
    return true;
  }

  /** A feed key as the tensor it names (strings are resolved once per session). */
  #feedKey(k: unknown): Tensor | null {
    if (k instanceof Tensor) return k.graph === this.graph ? k : null;
    return typeof k === 'string' ? this.#keyCache.get(k) ?? null : null;
  }
  #keyCache = new Map<string, Tensor>();

  /** A run whose spec is cached and whose feeds (a Map, [key, value] pairs or nothing) are all plain scalars: its spec, feeds written to io. */
  #prepareFast(fetches: unknown, feedDict: unknown): RunSpec | null {
    const isMap = feedDict instanceof Map;
    if (!isMap && !Array.isArray(feedDict) && feedDict !== undefined && feedDict !== null) return null;
    const spec = this.#specCache.get(fetches);
    if (!spec || spec.fedFetched) return null;
    const n = feedDict ? isMap ? (feedDict as Map<unknown, unknown>).size : (feedDict as unknown[]).length : 0;
    if (n !== spec.fed.length || n > IO_FEEDS) return null;
    // As #scalarFeeds, straight from the feeds (in the spec's feed order).
    const io = binding().io;
    const put = (i: number, k: unknown, v: unknown): boolean => {
      const t = spec.fed[i], code = spec.scalarCodes[i];
      if (this.#feedKey(k) !== t || typeof v !== 'number' || code < 0 || !scalarFits(t.dtype, v)) return false;
      io[2 * i] = code;
      io[2 * i + 1] = v;
      return true;
    };
    if (isMap) {
      let i = 0;
      for (const [k, v] of feedDict as Map<unknown, unknown>) if (!put(i++, k, v)) return null;
    } else {
      for (let i = 0; i < n; i++) {
        const p = (feedDict as unknown[])[i];
        if (!Array.isArray(p) || p.length !== 2 || !put(i, p[0], p[1])) return null;
      }
    }
    return spec;
  }

  #prepare(fetches: unknown, feedDict: unknown): { spec: RunSpec; values: NDArray[] | null } {
    this.#checkUsable();
    if (typeof fetches !== 'object' || fetches === null || fetches instanceof Tensor || fetches instanceof Operation) {
      const fast = this.#prepareFast(fetches, feedDict);
      if (fast) return { spec: fast, values: null };
    }
    const feeds = new Map<Tensor, NDArray>();
    for (const [k, v] of feedPairs(feedDict)) {
      const t = resolveFeedKey(this.graph, k);
      if (typeof k === 'string' && this.#keyCache.size < 1024) this.#keyCache.set(k, t);
      feeds.set(t, convertFeed(t, v, k));
    }
    const fed = [...feeds.keys()];
    return { spec: this.#cachedSpec(fetches, fed), values: fed.map((t) => feeds.get(t)!) };
  }

  // Repeated runs of the same single fetch (a Tensor, Operation or name: immutable keys) with
  // the same fed tensors reuse the compiled spec. A flat array of Tensors / Operations (a new
  // literal each call, as usually written) finds its spec by its elements. Other structures
  // (nested, objects) are compiled each time.
  #specCache = new Map<unknown, RunSpec>();
  #listCache = new Map<Element, { elements: Element[]; spec: RunSpec }[]>();
  #cachedSpec(fetches: unknown, fed: Tensor[]): RunSpec {
    const sameFed = (s: RunSpec) => s.fed.length === fed.length && s.fed.every((t, i) => t === fed[i]);
    if (isFlatList(fetches)) {
      const list = this.#listCache.get(fetches[0]) ?? [];
      const hit = list.find((e) => e.elements.length === fetches.length && e.elements.every((x, i) => x === fetches[i]) && sameFed(e.spec));
      if (hit) return hit.spec;
      const spec = this.#compile(fetches, fed);
      spec.reused = true;
      if (this.#listCache.size > 256) this.#listCache.clear();
      if (list.length >= 8) list.shift();
      list.push({ elements: fetches.slice(), spec });
      this.#listCache.set(fetches[0], list);
      return spec;
    }
    const cacheable = fetches instanceof Tensor || fetches instanceof Operation || typeof fetches === 'string';
    if (!cacheable) return this.#compile(fetches, fed);
    const hit = this.#specCache.get(fetches);
    if (hit && sameFed(hit)) return hit;
    const spec = this.#compile(fetches, fed);
    spec.reused = true;
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
    const uniqueSet = new Set(unique);
    return {
      mapper, unique, fed, nativeFetches, targets,
      feeds: pairs(fed), fetches: pairs(nativeFetches), targetIds: Int32Array.from(targets, (o) => o.id),
      scalarCodes: fed.map((t) => (t.dtype !== 'int64' && (t.shape === null || t.shape.length === 0) ? dtypeCode(t.dtype) : -1)),
      fedFetched: fed.some((t) => uniqueSet.has(t)),
      single: (fetches instanceof Tensor || typeof fetches === 'string') && nativeFetches.length === 1 && targets.length === 0 && unique.length === 1,
      reused: false,
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

  /** values null: the feeds are scalars already in the io block (#scalarFeeds). */
  #execute(spec: RunSpec, values: NDArray[] | null, opts: RunOptions | RunOptionsInit | null | undefined, meta: RunMetadata | null | undefined, async: boolean): unknown {
    // TF accepts options=None / run_metadata=None; a plain object is read as RunOptions' init.
    const options = opts === null || opts === undefined ? undefined : opts instanceof RunOptions ? opts : new RunOptions(opts);
    if (meta === null) meta = undefined;
    if (meta !== undefined && !(meta instanceof RunMetadata)) throw new TypeError('runMetadata must be a tf.RunMetadata');
    const pool = options?.interOpThreadPool ?? 0;
    if (pool !== 0 && pool !== -1) throw invalidArgument(`Invalid inter_op_thread_pool: ${pool}`);
    const trace = !!meta && (options?.traceLevel ?? 0) > 0;
    const wantPartitions = !!meta && !!options?.outputPartitionGraphs;
    const flags = (trace ? RUN_TRACE : 0) | (wantPartitions ? RUN_EXECUTED : 0);
    const timeout = options?.timeoutInMs || this.config.operationTimeoutInMs || 0;
    meta?.clear();
    // The serving path: one fetched tensor of a cached signature, no run metadata.
    if (spec.single && spec.reused && !meta && !spec.fedFetched) {
      this.#extend();
      const prep = this.#prepared(spec);
      const nativeValues = values === null ? null : toNative(values);
      if (async) return this.#submit(prep, nativeValues, flags, timeout, singleValue);
      const res = this.#runPrepared(prep, nativeValues, flags, timeout);
      return res ? fromNative(res, 0) : ioOutputs(binding().io, 0, [])[0];
    }
    const fetchValues = new Map<Element, NDArray | null>();
    // A fetched fed tensor returns the converted feed; runAsync copies it, since the caller may
    // change the typed array before the promise settles. (values is null only when none is fetched.)
    if (values) {
      const fed = values;
      spec.fed.forEach((t, i) => fetchValues.set(t, async ? new NDArray(fed[i].data.slice(), fed[i].shape.slice(), fed[i].dtype) : fed[i]));
    }
    if (spec.nativeFetches.length === 0 && spec.targets.length === 0) {
      const out = spec.mapper.build(fetchValues);
      return async ? Promise.resolve(out) : out;
    }
    this.#extend();
    // outs: the fetched values from the io block, else res holds them (and the trace, if any).
    const finish = (outs: NDArray[] | null, res: NativeRunResult | null) => {
      spec.nativeFetches.forEach((t, i) => fetchValues.set(t, outs ? outs[i] : fromNative(res!, i)));
      for (const op of spec.targets) fetchValues.set(op, null);
      const tr = res ? res[3 * spec.nativeFetches.length] as NativeTrace | undefined : undefined;
      if (meta && tr) {
        if (trace) {
          const finals = new Set<number>([...spec.nativeFetches.map((t) => t.op.id), ...spec.targets.map((o) => o.id)]);
          fillFromTrace(meta, this.graph, tr, finals);
        }
        if (wantPartitions) meta.partitionGraphs = [partitionGraph(this.graph, tr.executed, spec.fed, tr)];
      }
      return spec.mapper.build(fetchValues);
    };
    const nativeValues = values === null ? null : toNative(values);
    if (spec.reused) {
      // A cached signature: its prepared native run (small outputs come back through io).
      const prep = this.#prepared(spec);
      if (async) return this.#submit(prep, nativeValues, flags, timeout, finish);
      const res = this.#runPrepared(prep, nativeValues, flags, timeout);
      return res ? finish(null, res) : finish(ioOutputs(binding().io, 0, []), null);
    }
    const args = [this.#handle, spec.feeds, nativeValues!, spec.fetches, spec.targetIds, flags, timeout] as const;
    if (async) {
      return binding().sessionRunAsync(...args).then((res) => finish(null, res), (e) => { throw this.#opError(e); });
    }
    let res: NativeRunResult;
    try {
      res = binding().sessionRun(...args);
    } catch (e) {
      throw this.#opError(e);
    }
    return finish(null, res);
  }

  /** A synchronous prepared run: its result array, or undefined when the outputs are in the io block. */
  #runPrepared(prep: PreparedHandle, values: NativeValues | null, flags: number, timeout: number): NativeRunResult | undefined {
    try {
      return binding().runPrepared(prep, values, flags, timeout);
    } catch (e) {
      throw this.#opError(e);
    }
  }

  /** The spec's prepared native signature (made at its first run, after the graph was sent). */
  #prepared(spec: RunSpec): PreparedHandle {
    if (!spec.prep) {
      try {
        spec.prep = binding().sessionPrepare(this.#handle, spec.feeds, spec.fetches, spec.targetIds);
      } catch (e) {
        throw this.#opError(e);
      }
    }
    return spec.prep;
  }

  /** Queues a prepared run; its promise settles from the run callback with done(outputs). */
  #submit(prep: PreparedHandle, values: NativeValues | null, flags: number, timeout: number,
          done: (outs: NDArray[] | null, res: NativeRunResult | null) => unknown): Promise<unknown> {
    const b = binding();
    if (!runCallbackSet) {
      b.setRunCallback(onRunsDone);
      runCallbackSet = true;
    }
    const id = nextRunId++;
    try {
      b.runPreparedAsync(prep, values, flags, timeout, id);
    } catch (e) {
      return Promise.reject(this.#opError(e));
    }
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flushRuns);
    }
    return new Promise((resolve, reject) => {
      pendingRuns.set(id, { resolve, reject, done, session: this });
    });
  }

  /** @internal The run callback's access to #opError. */
  _opError(e: unknown): unknown { return this.#opError(e); }

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

