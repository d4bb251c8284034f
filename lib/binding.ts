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
  bytesPeak: number; bytesTotal: number;
  poolHits: number; poolMisses: number; forwarded: number;
}
/** (dtype, shape, data) per fetch, then the NativeTrace when traced. */
export type NativeRunResult = (number | number[] | ArrayBuffer | NativeTrace)[];
/** Values up to this many elements (not int64) cross N-API as arrays of numbers (native kSmallValue). */
export const SMALL_VALUE = 16;
export type SessionHandle = { readonly __brand: 'tensorloom.session' };

export interface Binding {
  sessionCreate(intraOpThreads: number, remapping?: boolean, elementwiseFusion?: boolean): SessionHandle;
  sessionExtend(s: SessionHandle, buf: Uint8Array): number;
  sessionRun(s: SessionHandle, feeds: Int32Array, feedValues: NativeValues, fetches: Int32Array, targets: Int32Array,
             flags: number, timeoutMs: number): NativeRunResult;
  sessionRunAsync(s: SessionHandle, feeds: Int32Array, feedValues: NativeValues, fetches: Int32Array, targets: Int32Array,
                  flags: number, timeoutMs: number): Promise<NativeRunResult>;
  sessionClose(s: SessionHandle): void;
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
