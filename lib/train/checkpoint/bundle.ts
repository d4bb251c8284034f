// TF's tensor bundle (checkpoint V2): `<prefix>.index` (a table of BundleEntryProtos, see
// table.ts) and `<prefix>.data-00000-of-00001` (the raw tensor bytes), as
// tensorflow/core/util/tensor_bundle/tensor_bundle.cc writes and reads them.
//
// Writing mirrors BundleWriter with the Saver's options: tensors appended in key order, no
// padding, each with the masked CRC-32C of its bytes; every file goes to a temporary name and is
// renamed into place. Reading mirrors BundleReader's checks and error texts (1.15 wording).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import * as protobuf from 'protobufjs';
import { DTYPES, DType, TypedArray, dtypeCode, dtypeInfo, dtypeSize, typedArrayFor } from '../../dtypes';
import { DataLossError, InvalidArgumentError, NotFoundError, OpError, OutOfRangeError, UnimplementedError } from '../../errors';
import { schema } from '../../graphdef/schema';
import { NDArray } from '../../ndarray';
import { crc32c, maskCrc, unmaskCrc } from './crc32c';
import { buildTable, readTable } from './table';

// tensorflow/core/protobuf/tensor_bundle.proto and tensor_slice.proto (field numbers as TF's),
// added to graph.proto's schema so they share its TensorShapeProto, DataType and VersionDef.
const BUNDLE_PROTO = `syntax = "proto3";
package tensorflow;
message BundleHeaderProto {
  int32 num_shards = 1;
  enum Endianness { LITTLE = 0; BIG = 1; }
  Endianness endianness = 2;
  VersionDef version = 3;
}
message TensorSliceProto {
  message Extent { int64 start = 1; oneof has_length { int64 length = 2; } }
  repeated Extent extent = 1;
}
message BundleEntryProto {
  DataType dtype = 1;
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}`;

let types: { header: protobuf.Type; entry: protobuf.Type } | undefined;
function bundleTypes(): NonNullable<typeof types> {
  if (!types) {
    const root = schema();
    if (!root.lookup('tensorflow.BundleEntryProto')) {
      protobuf.parse(BUNDLE_PROTO, root, { keepCase: true });
      root.resolveAll();
    }
    types = { header: root.lookupType('tensorflow.BundleHeaderProto'), entry: root.lookupType('tensorflow.BundleEntryProto') };
  }
  return types;
}

/** kTensorBundleVersion / kTensorBundleMinProducer / kTensorBundleMinConsumer. */
const BUNDLE_VERSION = 1, MIN_PRODUCER = 0;
const TF_VERSION = '1.15.0';

/** TF's DataTypeString for the codes tensorloom has no dtype for (error texts). */
const OTHER_TYPE_NAMES: Record<number, string> = {
  5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64', 11: 'qint8', 12: 'quint8', 13: 'qint32', 14: 'bfloat16',
  15: 'qint16', 16: 'quint16', 17: 'uint16', 18: 'complex128', 19: 'half', 20: 'resource', 21: 'variant', 22: 'uint32', 23: 'uint64',
};
/** TF's name of a DataType code ("float", "int32", "half"). */
export function dataTypeString(code: number): string {
  const ours = ourDType(code);
  return ours ? dtypeInfo(ours).tfName : OTHER_TYPE_NAMES[code] ?? `unknown dtype enum (${code})`;
}

export const indexFilename = (prefix: string): string => `${prefix}.index`;
export const dataFilename = (prefix: string, shard: number, numShards: number): string =>
  `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;

const utf8 = new TextEncoder();
const keyText = new TextDecoder();
const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : (v as { toNumber(): number }).toNumber());

// ---- writing --------------------------------------------------------------------------------

/** One tensor to save: its checkpoint key and value. */
export interface BundleTensor { key: string; value: NDArray }

/** Keys in bytewise (UTF-8) order, as TF's std::map and Python's sorted() order them. */
export function compareKeys(a: string, b: string): number { return Buffer.compare(utf8.encode(a), utf8.encode(b)); }

function tensorBytes(v: NDArray): Uint8Array {
  const d = v.data as TypedArray;  // no string variables (VariableV2 takes no DT_STRING here)
  return new Uint8Array(d.buffer, d.byteOffset, v.size * dtypeSize(v.dtype));
}

/**
 * The bytes of `<prefix>.data-00000-of-00001` (as the tensors' own byte views, in file order: no
 * copy) and `<prefix>.index` for `tensors` (any order; keys unique).
 */
export function encodeBundle(tensors: readonly BundleTensor[]): { data: Uint8Array[]; index: Uint8Array } {
  const { header, entry } = bundleTypes();
  const sorted = [...tensors].sort((a, b) => compareKeys(a.key, b.key));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const rows: [Uint8Array, Uint8Array][] = [[new Uint8Array(0), header.encode({ num_shards: 1, version: { producer: BUNDLE_VERSION } }).finish()]];
  for (const { key, value } of sorted) {
    const bytes = tensorBytes(value);
    // proto3: zero-valued fields are left out, so set only the non-zero ones (TF's bytes).
    const e: Record<string, unknown> = { dtype: dtypeCode(value.dtype), shape: { dim: value.shape.map((n) => (n ? { size: n } : {})) } };
    if (offset) e.offset = offset;
    if (bytes.length) e.size = bytes.length;
    e.crc32c = maskCrc(crc32c(bytes));
    rows.push([utf8.encode(key), entry.encode(e).finish()]);
    chunks.push(bytes);
    offset += bytes.length;
  }
  return { data: chunks, index: buildTable(rows) };
}

let tempCounter = 0;
/** A temporary name beside `path` (TF: `<path>.tempstate<random>`). */
export function tempName(path: string): string {
  return `${path}.tempstate${process.pid}${Date.now()}${tempCounter++}`;
}

/** Writes `bytes` (one array or consecutive pieces) to a temporary file beside `path`, flushed to disk; returns its name. */
export function writeTemp(path: string, bytes: Uint8Array | readonly Uint8Array[]): string {
  const tmp = tempName(path);
  const fd = openSync(tmp, 'w');
  try {
    for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) {
      for (let at = 0; at < piece.length;) at += writeSync(fd, piece, at);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/**
 * Writes a bundle at `prefix`: both files go to temporary names first and are renamed into place
 * (data, then index, as BundleWriter::Finish), so a failure before the renames leaves any
 * earlier checkpoint at `prefix` whole.
 */
export function writeBundle(prefix: string, tensors: readonly BundleTensor[]): void {
  const { data, index } = encodeBundle(tensors);
  const temps: string[] = [];
  try {
    temps.push(writeTemp(dataFilename(prefix, 0, 1), data));
    temps.push(writeTemp(indexFilename(prefix), index));
  } catch (e) {
    for (const t of temps) try { unlinkSync(t); } catch { /* already gone */ }
    throw e;
  }
  renameSync(temps[0], dataFilename(prefix, 0, 1));
  renameSync(temps[1], indexFilename(prefix));
}

// ---- reading --------------------------------------------------------------------------------

/** A checkpoint entry's metadata. */
export interface BundleEntry {
  key: string;
  /** TF DataType code (also for dtypes tensorloom lacks). */
  dtypeCode: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
  sliced: boolean;
}

const fsError = (e: NodeJS.ErrnoException, path: string): OpError =>
  e.code === 'ENOENT' ? new NotFoundError(null, null, `${path}; No such file or directory`)
    : new DataLossError(null, null, `${path}: ${e.message}`);

function readFile(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);  // a plain view: slice() copies
  } catch (e) { throw fsError(e as NodeJS.ErrnoException, path); }
}

/** Reads a checkpoint's index (all of it, every CRC checked) and then tensors on demand (BundleReader). */
export class BundleReader {
  readonly numShards: number;
  readonly #raw = new Map<string, Uint8Array>();
  readonly #entries = new Map<string, BundleEntry>();
  readonly #shards = new Map<number, Uint8Array>();

  constructor(readonly prefix: string) {
    const file = indexFilename(prefix);
    const corrupt = (e: Error) => (e instanceof OpError ? new (e.constructor as new (n: null, o: null, m: string) => OpError)(null, null,
      `Unable to read file (${file}). Perhaps the file is corrupt or was produced by a newer version of TensorFlow with format changes (failed to seek to header entry): ${e.message}`) : e);
    const rows = readTable(readFile(file), corrupt);
    if (!rows.length || rows[0][0].length !== 0)
      throw new DataLossError(null, null, `Unable to read file (${file}). Perhaps the file is corrupt or was produced by a newer version of TensorFlow with format changes (failed to seek to header entry)`);
    for (const [k, v] of rows.slice(1)) this.#raw.set(keyText.decode(k), v);
    const header = this.#decode(bundleTypes().header, '', rows[0][1]);
    this.numShards = num(header.num_shards);
    if (num(header.endianness) !== 0) throw new UnimplementedError(null, null, 'Reading a bundle with different endianness from the reader');
    const version = (header.version ?? {}) as { producer?: number; min_consumer?: number; bad_consumers?: number[] };
    checkVersions(num(version.producer), num(version.min_consumer), version.bad_consumers ?? []);
  }

  #decode(type: protobuf.Type, key: string, bytes: Uint8Array): Record<string, unknown> {
    try {
      return type.toObject(type.decode(bytes), { defaults: false }) as Record<string, unknown>;
    } catch {
      throw new DataLossError(null, null, `Entry for key ${key} not parseable.`);
    }
  }

  /** The checkpoint's keys, sorted (the header entry left out). */
  keys(): string[] { return [...this.#raw.keys()]; }

  has(key: string): boolean { return this.#raw.has(key); }

  /** The entry of `key`: NotFoundError `Key <key> not found in checkpoint` if absent. */
  entry(key: string): BundleEntry {
    let e = this.#entries.get(key);
    if (e) return e;
    const raw = this.#raw.get(key);
    if (!raw) throw new NotFoundError(null, null, `Key ${key} not found in checkpoint`);
    const p = this.#decode(bundleTypes().entry, key, raw);
    const shape = (p.shape ?? {}) as { dim?: { size?: unknown }[]; unknown_rank?: boolean };
    const dims = (shape.dim ?? []).map((d) => num(d.size));
    if (shape.unknown_rank || dims.some((d) => d < 0 || !Number.isSafeInteger(d)))
      throw new DataLossError(null, null, `Invalid tensor shape: ${key} ${shape.unknown_rank ? 'unknown_rank: true' : dims.map((d) => `dim { size: ${d} }`).join(' ')}`);
    e = {
      key, dtypeCode: num(p.dtype), shape: dims, shardId: num(p.shard_id), offset: num(p.offset), size: num(p.size),
      crc32c: num(p.crc32c) >>> 0, sliced: ((p.slices as unknown[]) ?? []).length > 0,
    };
    this.#entries.set(key, e);
    return e;
  }

  /** The tensor stored under `key`, its size and CRC checked (BundleReader::GetValue). */
  value(key: string): NDArray {
    const e = this.entry(key);
    if (e.sliced) throw new UnimplementedError(null, null, `Key ${key} holds slices of a partitioned variable, which tensorloom does not restore`);
    const dtype = ourDType(e.dtypeCode);
    if (!dtype) throw new UnimplementedError(null, null, `Key ${key} has dtype ${dataTypeString(e.dtypeCode)}, which tensorloom does not support`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const expected = count * dtypeSize(dtype);
    if (e.size !== expected) throw new DataLossError(null, null, `Invalid size in bundle entry: key ${key}; stored size ${e.size}; expected size ${expected}`);
    if (e.shardId < 0 || e.shardId >= Math.max(this.numShards, 1))
      throw new DataLossError(null, null, `Invalid shard id in bundle entry: key ${key}; shard ${e.shardId} of ${this.numShards}`);
    let shard = this.#shards.get(e.shardId);
    if (!shard) this.#shards.set(e.shardId, (shard = readFile(dataFilename(this.prefix, e.shardId, this.numShards))));
    if (e.offset + e.size > shard.length) throw new OutOfRangeError(null, null, 'Read less bytes than requested');
    const bytes = shard.subarray(e.offset, e.offset + e.size);
    const actual = crc32c(bytes);
    if (unmaskCrc(e.crc32c) !== actual)
      throw new DataLossError(null, null, `Checksum does not match: stored ${String(unmaskCrc(e.crc32c)).padStart(8, '0')} vs. calculated on the restored bytes ${actual}`);
    // A view of the file's bytes (this reader's own buffer), copied only when misaligned.
    return new NDArray(typedArrayFor(dtype, bytes.buffer, bytes.byteOffset, count), e.shape, dtype);
  }
}

/** The tensorloom dtype of a DataType code, if there is one. */
export function ourDType(code: number): DType | undefined {
  return DTYPES.find((d) => dtypeCode(d) === code && d !== 'string');  // string checkpoints: not restored
}

/** versions.cc CheckVersions(version, kTensorBundleVersion, kTensorBundleMinProducer, "Checkpoint", "checkpoint"). */
function checkVersions(producer: number, minConsumer: number, bad: number[]): void {
  const fail = (m: string) => { throw new InvalidArgumentError(null, null, m); };
  if (producer < MIN_PRODUCER) fail(`Checkpoint producer version ${producer} below min producer ${MIN_PRODUCER} supported by TensorFlow ${TF_VERSION}.  Please regenerate your checkpoint.`);
  if (minConsumer > BUNDLE_VERSION) fail(`Checkpoint min consumer version ${minConsumer} above current version ${BUNDLE_VERSION} for TensorFlow ${TF_VERSION}.  Please upgrade TensorFlow.`);
  if (bad.map(num).includes(BUNDLE_VERSION)) fail(`Checkpoint disallows consumer version ${BUNDLE_VERSION}.  Please upgrade TensorFlow: this version is likely buggy.`);
}

/** Whether `prefix` names a checkpoint: its `.index` file exists, or (V1) the prefix itself. */
export function checkpointExists(prefix: string): boolean {
  return existsSync(indexFilename(prefix)) || existsSync(prefix);
}
