/*
 * The compact binary graph format: what the native executor consumes (native/graph.cc decodes
 * and validates it) and the file format of graph.save / tf.loadGraph. All integers are
 * little-endian. Node inputs refer to earlier nodes by index, so the node order is a
 * topological order and a valid buffer cannot hold a cycle.
 *
 *   header (32 bytes)
 *     u8[4]  magic "TLGF"
 *     u16    format version (1)           u16 flags (0)
 *     u32    schema hash (lib/ops/schema.ts; the addon rejects another schema's buffers)
 *     u32    base node index (0 for a whole graph; N for an extension of an N-node graph)
 *     u32    node count                   u32 string count
 *     u32    constant data offset (64-aligned)
 *     u32    total length in bytes
 *   strings   count × { u32 byte length, UTF-8 bytes }       (node names, attr names)
 *   nodes     count × {
 *     u32 name string; u16 op id; u16 #inputs; u16 #control inputs; u16 #outputs; u16 #attrs; u16 0
 *     #inputs × { u32 node index, u32 output index }
 *     #control × u32 node index
 *     #outputs × { u8 dtype, i8 rank (-1 unknown), rank × i64 dim (-1 unknown) }
 *     #attrs × { u32 name string, u8 kind, payload }
 *       int: i64 | float: f64 | bool: u8 | string: u32 string | type: u8 dtype
 *       shape: i8 rank (-1 unknown), rank × i64 | ints: u32 n, n × i64
 *       types: u32 n, n × u8 dtype | floats: u32 n, n × f64
 *       tensor: u8 dtype, i8 rank, rank × i64 dim, u32 offset in data section (64-aligned), u32 bytes
 *   }
 *   zero padding to the data offset
 *   constant data: each payload 64-byte aligned, so it is used in place (zero-copy).
 *     A string constant's payload is one record per element, each 8-byte aligned:
 *     { u64 byte length, UTF-8 bytes, zero padding to 8 } (native keeps 8-byte pointers to them).
 * dtypes are TF's DataType numbers (float32 1, float64 2, int32 3, uint8 4, string 7, int64 9, bool 10).
 */
import * as nodeBuffer from 'node:buffer';
import { readFileSync } from 'node:fs';
import { DType, dtypeCode, dtypeFromCode, dtypeSize, typedArrayFor } from './dtypes';
import { invalidArgument } from './errors';
import { AttrValue, Graph, StaticShape, graphDefHooks } from './graph';
import { NDArray, checkStrings } from './ndarray';
import { nodeDefOf } from './graphdef/export';
import { ATTR_KINDS, AttrKind, opDef, opDefById, schemaHash } from './ops/schema';

const MAGIC = [0x54, 0x4c, 0x47, 0x46];
const VERSION = 1;
const KIND_NAMES = Object.fromEntries(Object.entries(ATTR_KINDS).map(([k, v]) => [v, k])) as Record<number, AttrKind>;

class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number) { this.ensure(1); this.view.setUint8(this.len, v); this.len += 1; }
  i8(v: number) { this.ensure(1); this.view.setInt8(this.len, v); this.len += 1; }
  u16(v: number) { this.ensure(2); this.view.setUint16(this.len, v, true); this.len += 2; }
  u32(v: number) { this.ensure(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  i64(v: number | bigint) { this.ensure(8); this.view.setBigInt64(this.len, BigInt(v), true); this.len += 8; }
  f64(v: number) { this.ensure(8); this.view.setFloat64(this.len, v, true); this.len += 8; }
  bytes(b: Uint8Array) { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  pad(to: number) { while (this.len % to) this.u8(0); }
  setU32(at: number, v: number) { this.view.setUint32(at, v, true); }
  result(): Uint8Array { return this.buf.slice(0, this.len); }
}

function shapeDims(s: StaticShape): number[] { return s === null ? [] : s.map((d) => (d === null ? -1 : d)); }

/** Encodes the ops of g from index `base` on (base > 0: an extension for a session). */
export function encodeGraph(g: Graph, base: number): Uint8Array {
  const ops = g.getOperations().slice(base);
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const sid = (s: string) => {
    let i = stringIds.get(s);
    if (i === undefined) { i = strings.length; strings.push(s); stringIds.set(s, i); }
    return i;
  };
  const consts: Uint8Array[] = [];
  const body = new Writer();
  for (const op of ops) {
    const def = opDef(op.type);
    body.u32(sid(op.name)); body.u16(def.id); body.u16(op.inputs.length); body.u16(op.controlInputs.length);
    body.u16(op.outputs.length); body.u16(op.attrs.size); body.u16(0);
    for (const t of op.inputs) { body.u32(t.op.id); body.u32(t.valueIndex); }
    for (const c of op.controlInputs) body.u32(c.id);
    for (const t of op.outputs) {
      body.u8(dtypeCode(t.dtype));
      body.i8(t.shape === null ? -1 : t.shape.length);
      for (const d of shapeDims(t.shape)) body.i64(d);
    }
    for (const [name, a] of op.attrs) {
      body.u32(sid(name)); body.u8(ATTR_KINDS[a.kind]);
      const v = a.value;
      switch (a.kind) {
        case 'int': body.i64(v as number); break;
        case 'float': body.f64(v as number); break;
        case 'bool': body.u8(v ? 1 : 0); break;
        case 'string': body.u32(sid(v as string)); break;
        case 'type': body.u8(dtypeCode(v as DType)); break;
        case 'shape': {
          const s = v as StaticShape;
          body.i8(s === null ? -1 : s.length);
          for (const d of shapeDims(s)) body.i64(d);
          break;
        }
        case 'ints': body.u32((v as number[]).length); for (const x of v as number[]) body.i64(x); break;
        case 'types': body.u32((v as DType[]).length); for (const x of v as DType[]) body.u8(dtypeCode(x)); break;
        case 'floats': body.u32((v as number[]).length); for (const x of v as number[]) body.f64(x); break;
        case 'tensor': {
          const t = v as NDArray;
          body.u8(dtypeCode(t.dtype)); body.i8(t.rank);
          for (const d of t.shape) body.i64(d);
          const bytes = constBytes(t);
          body.u32(consts.length);  // patched below with the data offset
          body.u32(bytes.byteLength);
          consts.push(bytes);
          break;
        }
      }
    }
  }
  const head = new Writer();
  head.bytes(Uint8Array.from(MAGIC)); head.u16(VERSION); head.u16(0); head.u32(schemaHash());
  head.u32(base); head.u32(ops.length); head.u32(strings.length); head.u32(0); head.u32(0);
  const enc = new TextEncoder();
  for (const s of strings) { const b = enc.encode(s); head.u32(b.length); head.bytes(b); }
  const bodyStart = head.len;
  head.bytes(body.result());
  head.pad(64);
  const dataOffset = head.len;
  // Lay out the constants and patch their offsets into the node records.
  const offsets: number[] = [];
  let off = 0;
  for (const c of consts) { offsets.push(off); off += Math.ceil(c.byteLength / 64) * 64; }
  const out = new Uint8Array(dataOffset + off);
  out.set(head.result());
  consts.forEach((c, i) => out.set(c, dataOffset + offsets[i]));
  const view = new DataView(out.buffer);
  view.setUint32(24, dataOffset, true);
  view.setUint32(28, out.length, true);
  if (out.length > 0xffffffff) throw invalidArgument('Graph too large for the format (4 GiB)');
  // Second pass over the body to patch constant indices into offsets (walk the same layout).
  const r = new Reader(out, bodyStart);
  for (let k = 0; k < ops.length; k++) r.node((at, idx) => view.setUint32(at, offsets[idx], true));
  return out;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
// node:buffer's isUtf8 (Node >= 18.14), else a fatal TextDecoder.
const isUtf8: (b: Uint8Array) => boolean = (nodeBuffer as { isUtf8?: (b: Uint8Array) => boolean }).isUtf8 ??
  ((b) => { try { utf8Fatal.decode(b); return true; } catch { return false; } });

/** A constant's payload bytes: its typed array's, or a string tensor's records (see the layout above). */
function constBytes(t: NDArray): Uint8Array {
  if (t.dtype !== 'string') { const d = t.data as ArrayBufferView; return new Uint8Array(d.buffer, d.byteOffset, d.byteLength); }
  return encodeStrings(t.data as string[]);
}

/**
 * string elements as records { u64 length, UTF-8 bytes, zero padding to 8 }: what native reads
 * for string constants and feeds, so the elements are checked here (an NDArray built directly
 * may hold anything).
 */
export function encodeStrings(values: readonly string[]): Uint8Array {
  checkStrings(values);
  // Node's Buffer (byteLength, write, toString) is several times faster than a TextEncoder per element.
  let total = 0;
  const lens = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) { lens[i] = Buffer.byteLength(values[i], 'utf8'); total += 8 + Math.ceil(lens[i] / 8) * 8; }
  if (total > 0xffffffff) throw invalidArgument('Strings too large for the graph format (4 GiB)');
  const out = Buffer.alloc(total);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const n = lens[i];
    out.writeUInt32LE(n % 0x100000000, at);
    out.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
    if (n === values[i].length) asciiInto(out, values[i], at + 8);  // byte length = char count: ASCII
    else out.write(values[i], at + 8, n, 'utf8');
    at += 8 + Math.ceil(n / 8) * 8;
  }
  return out;
}

/** Writes an ASCII string's bytes (a plain loop beats Buffer#write's per-call cost on short strings). */
function asciiInto(out: Uint8Array, v: string, at: number): void {
  for (let j = 0; j < v.length; j++) out[at + j] = v.charCodeAt(j);
}

/** The n strings of records native wrote (a fetched string tensor): trusted layout, no checks. */
export function stringsOfRecords(data: ArrayBuffer, n: number): string[] {
  const buf = Buffer.from(data);
  const out: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x100000000;
    out[i] = len ? buf.toString('utf8', at + 8, at + 8 + len) : '';
    at += 8 + Math.ceil(len / 8) * 8;
  }
  return out;
}

/** The n strings of a string constant's records (bounds and UTF-8 checked). */
export function decodeStrings(bytes: Uint8Array, n: number): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (at + 8 > buf.length) throw invalidArgument('Invalid graph buffer: string constant truncated');
    const len = buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x100000000;
    if (len > buf.length - at - 8) throw invalidArgument('Invalid graph buffer: string constant element runs past its data');
    const end = at + 8 + len;
    if (!isUtf8(buf.subarray(at + 8, end))) throw invalidArgument('Invalid graph buffer: string constant element is not valid UTF-8');
    out[i] = buf.toString('utf8', at + 8, end);
    at = 8 + at + Math.ceil(len / 8) * 8;
  }
  if (at !== buf.length) throw invalidArgument('Invalid graph buffer: string constant size does not match its shape');
  return out;
}

/** Bounds-checked reader for decodeGraph (the native decoder is the authority on validity). */
class Reader {
  private view: DataView;
  constructor(private buf: Uint8Array, public pos: number) { this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); }
  private need(n: number) { if (this.pos + n > this.buf.length) throw invalidArgument('Invalid graph buffer: truncated'); }
  u8() { this.need(1); return this.view.getUint8(this.pos++); }
  i8() { this.need(1); return this.view.getInt8(this.pos++); }
  u16() { this.need(2); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i64() {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    // JS numbers hold integers exactly only to 2^53: a larger dim or int would come back wrong.
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(`Invalid graph buffer: 64-bit value ${v} is beyond ±2^53`);
    return Number(v);
  }
  f64() { this.need(8); const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  dims(rank: number): number[] { const d: number[] = []; for (let i = 0; i < rank; i++) d.push(this.i64()); return d; }
  /** Walks one node record; `onTensor(pos, value)` sees the position of each tensor attr's offset field. */
  node(onTensor?: (at: number, value: number) => void) {
    const rec = { name: this.u32(), op: this.u16(), nIn: this.u16(), nCtl: this.u16(), nOut: this.u16(), nAttr: this.u16(),
      inputs: [] as [number, number][], control: [] as number[], outputs: [] as { dtype: number; rank: number; dims: number[] }[],
      attrs: [] as { name: number; kind: number; value: unknown }[] };
    this.u16();
    for (let i = 0; i < rec.nIn; i++) rec.inputs.push([this.u32(), this.u32()]);
    for (let i = 0; i < rec.nCtl; i++) rec.control.push(this.u32());
    for (let i = 0; i < rec.nOut; i++) { const dtype = this.u8(), rank = this.i8(); rec.outputs.push({ dtype, rank, dims: this.dims(Math.max(rank, 0)) }); }
    for (let i = 0; i < rec.nAttr; i++) {
      const name = this.u32(), kind = this.u8();
      let value: unknown;
      switch (KIND_NAMES[kind]) {
        case 'int': value = this.i64(); break;
        case 'float': value = this.f64(); break;
        case 'bool': value = this.u8() !== 0; break;
        case 'string': value = this.u32(); break;
        case 'type': value = this.u8(); break;
        case 'shape': { const rank = this.i8(); value = rank < 0 ? null : this.dims(rank); break; }
        case 'ints': { const n = this.u32(); value = this.dims(n); break; }
        case 'types': { const n = this.u32(); const t: number[] = []; for (let j = 0; j < n; j++) t.push(this.u8()); value = t; break; }
        case 'floats': { const n = this.u32(); const f: number[] = []; for (let j = 0; j < n; j++) f.push(this.f64()); value = f; break; }
        case 'tensor': {
          const dtype = this.u8(), rank = this.i8(), dims = this.dims(Math.max(rank, 0));
          const at = this.pos;
          const offset = this.u32(), bytes = this.u32();
          onTensor?.(at, offset);
          value = { dtype, dims, offset, bytes };
          break;
        }
        default: throw invalidArgument(`Invalid graph buffer: unknown attr kind ${kind}`);
      }
      rec.attrs.push({ name, kind, value });
    }
    return rec;
  }
}

/** Graph.fromBuffer: validates with the native decoder (when loaded), then rebuilds the graph. */
export function decodeGraph(buf: Uint8Array): Graph {
  if (!(buf instanceof Uint8Array)) throw new TypeError('Graph.fromBuffer expects a Uint8Array or Buffer');
  nativeValidate?.(buf);
  const r = new Reader(buf, 0);
  if (buf.length < 32 || MAGIC.some((m, i) => buf[i] !== m)) throw invalidArgument('Invalid graph buffer: bad magic (not a tensorloom graph)');
  r.pos = 4;
  const version = r.u16(); r.u16();
  const hash = r.u32(), base = r.u32(), nodeCount = r.u32(), stringCount = r.u32(), dataOffset = r.u32();
  if (version !== VERSION) throw invalidArgument(`Invalid graph buffer: unsupported format version ${version}`);
  if (hash !== schemaHash()) throw invalidArgument('Invalid graph buffer: built against another op schema (schema hash mismatch)');
  if (base !== 0) throw invalidArgument('Invalid graph buffer: this is a graph extension, not a whole graph');
  r.pos = 32;
  const dec = new TextDecoder();
  const strings: string[] = [];
  for (let i = 0; i < stringCount; i++) { const n = r.u32(); r.pos += n; if (r.pos > buf.length) throw invalidArgument('Invalid graph buffer: truncated'); strings.push(dec.decode(buf.subarray(r.pos - n, r.pos))); }
  const g = new Graph();
  for (let k = 0; k < nodeCount; k++) {
    const rec = r.node();
    const def = opDefById(rec.op);
    if (!def) throw invalidArgument(`Invalid graph buffer: unknown op id ${rec.op}`);
    const inputs = rec.inputs.map(([n, i]) => {
      if (n >= k) throw invalidArgument('Invalid graph buffer: input refers to a later node');
      const t = g.opAt(n).outputs[i];
      if (!t) throw invalidArgument('Invalid graph buffer: input refers to a missing output');
      return t;
    });
    const attrs = new Map<string, AttrValue>();
    for (const a of rec.attrs) {
      const kind = KIND_NAMES[a.kind];
      let value = a.value;
      if (kind === 'type') value = dtypeFromCode(value as number);
      else if (kind === 'types') value = (value as number[]).map(dtypeFromCode);
      else if (kind === 'string') value = strings[value as number];
      else if (kind === 'shape') value = value === null ? null : (value as number[]).map((d) => (d < 0 ? null : d));
      else if (kind === 'tensor') {
        const t = value as { dtype: number; dims: number[]; offset: number; bytes: number };
        const dtype = dtypeFromCode(t.dtype);
        const n = t.dims.reduce((x, y) => x * y, 1);
        const start = dataOffset + t.offset;
        if (start + t.bytes > buf.length || (dtype !== 'string' && n * dtypeSize(dtype) !== t.bytes)) throw invalidArgument('Invalid graph buffer: constant out of bounds');
        if (dtype === 'string') { attrs.set(strings[a.name], { kind, value: new NDArray(decodeStrings(buf.subarray(start, start + t.bytes), n), t.dims, dtype) }); continue; }
        // Own the bytes (the caller may reuse buf; Buffer#slice would only be a view of Node's pool).
        const copy = Uint8Array.prototype.slice.call(buf, start, start + t.bytes);
        value = new NDArray(typedArrayFor(dtype, copy.buffer, 0, n), t.dims, dtype);
      }
      attrs.set(strings[a.name], { kind, value });
    }
    const outputs = rec.outputs.map((o) => ({ dtype: dtypeFromCode(o.dtype), shape: o.rank < 0 ? null : o.dims.map((d) => (d < 0 ? null : d)) }));
    const name = strings[rec.name];
    g.reserveName(name);
    g.createOp(def.type, inputs, attrs, outputs, `${name}/`, rec.control.map((c) => g.opAt(c)));
  }
  return g;
}

let nativeValidate: ((buf: Uint8Array) => void) | undefined;
/** Installs the native validator (lib/session does, once the addon is loaded). */
export function setNativeValidator(fn: (buf: Uint8Array) => void): void { nativeValidate = fn; }

export { nodeDefOf as nodeDef, nodeInputs } from './graphdef/export';

/** tf.loadGraph(path): reads a file written by graph.save(). */
export function loadGraph(path: string): Graph {
  return decodeGraph(new Uint8Array(readFileSync(path)));
}

Object.assign(graphDefHooks, { nodeDef: nodeDefOf, encode: encodeGraph, decode: decodeGraph });
