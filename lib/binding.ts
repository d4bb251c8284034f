// The only file that loads the addon (node-gyp-build: a matching prebuild, else build/Release;
// TENSORLOOM_ADDON=<file.node> overrides, for the sanitizer build).
// It types the flat native surface.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { errorForCode } from './errors';

/** A value's data: a typed array, or for small non-int64 values a plain array of numbers (cheaper to cross). */
export type NativeData = ArrayBufferView | number[];
/** Flat (dtype, shape, data) triples, one per value. */
export type NativeValues = (number | number[] | NativeData)[];
/** Run flags: bit 0 trace, bit 1 list the executed nodes. */
export const RUN_TRACE = 1, RUN_EXECUTED = 2;
export interface NativeTrace {
  startEpochNs: bigint;
  /** rows of [node, scheduledNs, startNs, opStartNs, opEndNs, endNs, threadId, bytesAllocated] */
  nodes: Float64Array;
  /** per row: nOutputs, then per output: dtype, bytes, rank, dims... */
  outputs: Float64Array;
  executed: Int32Array;
  /** Fused steps: per chain its length, then its node ids (head first, the tail names the step). */
  fused: Int32Array;
  /** Nodes that ran as a Const of a value computed when the plan was built (constant folding). */
  folded: Int32Array;
  /** (conv, mul) id pairs: the Mul ran as the convolution, with the filter scaled (folded). */
  scaled: Int32Array;
  /** (batch norm, conv, bias) id triples: the batch norm ran as BiasAdd(conv, bias), its scale folded into the filter. */
  normed: Int32Array;
  /** Per (pad, conv) 10 numbers: their ids and the 8 explicit_paddings the conv ran with on the Pad's input. */
  padded: Float64Array;
  /** With the executed list: per folded node (in `folded` order) its value as [dtype, shape, data]. */
  foldedValues: [number, number[], ArrayBuffer | number[]][];
  bytesPeak: number; bytesTotal: number;
  poolHits: number; poolMisses: number; forwarded: number;
}
/** (dtype, shape, data) per fetch, then the NativeTrace when traced. */
export type NativeRunResult = (number | number[] | ArrayBuffer | NativeTrace)[];
/** Values up to this many elements (not int64) cross N-API as arrays of numbers (native kSmallValue). */
export const SMALL_VALUE = 16;
export type SessionHandle = { readonly __brand: 'tensorloom.session' };
/** A (feeds, fetches, targets) signature prepared once; its plan is resolved at its first run. */
export type PreparedHandle = { readonly __brand: 'tensorloom.prepared' };

export interface Binding {
  sessionCreate(intraOpThreads: number, remapping?: boolean, interOpThreads?: number, constantFolding?: boolean, elementwiseFusion?: boolean): SessionHandle;
  sessionExtend(s: SessionHandle, buf: Uint8Array): number;
  sessionRun(s: SessionHandle, feeds: Int32Array, feedValues: NativeValues, fetches: Int32Array, targets: Int32Array,
             flags: number, timeoutMs: number): NativeRunResult;
  sessionRunAsync(s: SessionHandle, feeds: Int32Array, feedValues: NativeValues, fetches: Int32Array, targets: Int32Array,
                  flags: number, timeoutMs: number): Promise<NativeRunResult>;
  sessionClose(s: SessionHandle): void;
  sessionPrepare(s: SessionHandle, feeds: Int32Array, fetches: Int32Array, targets: Int32Array): PreparedHandle;
  /**
   * Runs a prepared signature. feedValues null: every feed is a scalar in `io` as (dtype code,
   * value) pairs. Returns undefined when the outputs were written to `io` as [count, per output:
   * dtype, rank, dims..., values...], else the NativeRunResult.
   */
  runPrepared(p: PreparedHandle, feedValues: NativeValues | null, flags: number, timeoutMs: number): NativeRunResult | undefined;
  /** Stages a prepared run (feeds read during the call) until flushRuns; the run callback settles it by `id`. */
  runPreparedAsync(p: PreparedHandle, feedValues: NativeValues | null, flags: number, timeoutMs: number, id: number): void;
  /** Hands the staged runs to the run threads (once per JS task, from a microtask). */
  flushRuns(): void;
  /**
   * Where finished prepared runs go, in batches: per run `io` holds [id, 0, outputs as above] or
   * [id, 1 (result array) | 2 (error), index into extras].
   */
  setRunCallback(cb: (count: number, extras: unknown[]) => void): void;
  /** The environment's block shared with native for small feeds and fetched values. */
  io: Float64Array;
  _sessionInfo(s: SessionHandle): { nodes: number; plans: number; threads: number };
  graphValidate(buf: Uint8Array): number;
  schemaHash: number;
  isa: string;
}

function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'binding.gyp'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('tensorloom: cannot find the package root (binding.gyp)');
    dir = up;
  }
  return dir;
}

let cached: Binding | undefined;
/** The loaded addon (loaded on first use). */
export function binding(): Binding {
  if (!cached) cached = load(packageRoot());
  return cached;
}

function load(root: string): Binding {
  // TENSORLOOM_ADDON names another build of the addon to load (npm run test:asan: the ASan/UBSan build).
  const override = process.env.TENSORLOOM_ADDON;
  if (override) return require(override) as Binding;
  try {
    return nodeGypBuild(root) as Binding;
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('No native build was found')) throw e;
    // No build/Release and no prebuild for this platform: the install script did not run
    // (npm install --ignore-scripts) or its source build failed.
    throw new Error(
      `tensorloom: the native addon is not built for ${process.platform}-${process.arch} (no prebuild matches, and no build/Release). ` +
      'If it was installed with --ignore-scripts, run `npm rebuild tensorloom` to build it (a source build needs a C++17 compiler, make and Python 3). ' +
      `Package: ${root}`, { cause: e });
  }
}

/** Native errors carry tlCode/tlNode; this maps them to the tf.errors class (no op attached). */
export function nativeError(e: unknown): unknown {
  const err = e as { tlCode?: number; message?: string };
  if (err && typeof err.tlCode === 'number') return errorForCode(err.tlCode, err.message ?? '');
  return e;
}
