// The only file that loads the addon (node-gyp-build: a matching prebuild, else build/Release).
// It types the flat native surface.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { errorForCode } from './errors';

export interface NativeValue { dtype: number; shape: number[]; data: ArrayBufferView }
export interface NativeRunRequest {
  feeds: Int32Array; feedValues: NativeValue[]; fetches: Int32Array; targets: Int32Array;
  trace: boolean; wantExecuted: boolean; timeoutMs: number;
}
export interface NativeTrace {
  startEpochNs: bigint;
  /** rows of [node, scheduledNs, startNs, opStartNs, opEndNs, endNs, threadId, bytesAllocated] */
  nodes: Float64Array;
  /** per row: nOutputs, then per output: dtype, bytes, rank, dims... */
  outputs: Float64Array;
  executed: Int32Array;
  bytesPeak: number; bytesTotal: number;
}
export interface NativeRunResult { outputs: { dtype: number; shape: number[]; data: ArrayBuffer }[]; trace?: NativeTrace }
export type SessionHandle = { readonly __brand: 'tensorloom.session' };

export interface Binding {
  sessionCreate(intraOpThreads: number): SessionHandle;
  sessionExtend(s: SessionHandle, buf: Uint8Array): number;
  sessionRun(s: SessionHandle, req: NativeRunRequest): NativeRunResult;
  sessionRunAsync(s: SessionHandle, req: NativeRunRequest): Promise<NativeRunResult>;
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
  if (!cached) cached = nodeGypBuild(packageRoot()) as Binding;
  return cached;
}

/** Native errors carry tlCode/tlNode; this maps them to the tf.errors class (no op attached). */
export function nativeError(e: unknown): unknown {
  const err = e as { tlCode?: number; message?: string };
  if (err && typeof err.tlCode === 'number') return errorForCode(err.tlCode, err.message ?? '');
  return e;
}
