// Reading and writing TensorFlow GraphDefs: binary protobuf (protobufjs with graph.proto), text
// format (.pbtxt) and plain objects (this module's form, or protobuf JSON as json_format writes).
//
// Everything is normalized to one form (types.ts): camelCase fields; proto3 defaults left out
// except the always-present fields listed in ALWAYS; enums as numbers; bytes as Uint8Array
// (views into the input when decoding binary: no copy); 64-bit integers as numbers when safe,
// bigints otherwise.
import * as protobuf from 'protobufjs';
import { messageType } from './schema';
import { INT_RANGES, fieldsById, jsonName, mapKeyType, parseTextFormat, printTextFormat, toInt64 } from './text-format';
import { GraphDefError, type GraphDefObject } from './types';

export * from './types';
export { arrayToTensor, tensorToArray, type TensorArray, type TensorData } from './tensor';
export { dataTypeFromName, dataTypeName, graphProtoPath } from './schema';

type Plain = Record<string, unknown>;
const MAX_DEPTH = 100;

/** Fields present in normalized objects even when they hold the default, per message type. */
const ALWAYS: Record<string, readonly string[]> = {
  '.tensorflow.GraphDef': ['node'],
  '.tensorflow.NodeDef': ['name', 'op', 'input', 'device', 'attr'],
  '.tensorflow.NameAttrList': ['name', 'attr'],
  '.tensorflow.TensorProto': ['dtype'],
  '.tensorflow.TensorShapeProto': ['dim'],
  '.tensorflow.TensorShapeProto.Dim': ['size'],
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a Uint8Array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isDefault(v: unknown): boolean {
  return v === '' || v === false || Object.is(v, 0) || (v instanceof Uint8Array && v.length === 0);
}

function emptyOf(f: protobuf.Field): unknown {
  if (f.map) return {};
  if (f.repeated) return [];
  return f.type === 'string' ? '' : f.type === 'bool' ? false : f.type === 'bytes' ? new Uint8Array(0) : 0;
}

/** Buffers and other Uint8Array subclasses as plain Uint8Array views (no copy). */
function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** An integer from a number, bigint, decimal string (protobuf JSON) or protobufjs Long. */
function toBigInt(v: unknown, signed64: boolean): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string') return /^-?(0|[1-9][0-9]*)$/.test(v.trim()) ? BigInt(v.trim()) : undefined;
  if (v && typeof v === 'object' && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number') {
    const { low, high } = v as { low: number; high: number };
    const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return signed64 ? BigInt.asIntN(64, bits) : bits;
  }
  return undefined;
}

function toFloat(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(v) ? Number(v) : undefined;
}

/** One scalar of protobuf type `type` (an enum when `en` is one), normalized. */
function scalar(type: string, en: protobuf.ReflectionObject | null, v: unknown, path: () => string): unknown {
  const bad = (why: string): never => { throw new GraphDefError(`${path()}: ${why}, got ${describe(v)}`); };
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : bad('expected a string');
    case 'bytes':
      if (v instanceof Uint8Array) return plainBytes(v);
      if (typeof v === 'string') {   // protobuf JSON: base64
        if (!BASE64.test(v) || v.length % 4 === 1) bad('expected bytes (a Uint8Array or base64 string)');
        const b = Buffer.from(v, 'base64');
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      }
      if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) return Uint8Array.from(v);
      return bad('expected bytes (a Uint8Array or base64 string)');
    case 'bool':
      return typeof v === 'boolean' ? v : bad('expected a boolean');
    case 'float':
    case 'double': {
      const n = toFloat(v);
      if (n === undefined) bad('expected a number');
      return type === 'float' ? Math.fround(n!) : n;
    }
  }
  if (en instanceof protobuf.Enum && typeof v === 'string' && !/^-?[0-9]/.test(v)) {
    return hasOwn(en.values, v) ? en.values[v] : bad(`expected a ${en.name} name`);
  }
  const range = en instanceof protobuf.Enum ? INT_RANGES.int32 : INT_RANGES[type];
  if (!range) return bad(`unsupported field type '${type}'`);
  const b = toBigInt(v, type === 'int64' || type === 'sint64' || type === 'sfixed64');
  if (b === undefined) return bad('expected an integer');
  if (b < range.min || b > range.max) bad(`out of range for ${en ? en.name : type}`);
  return range.wide ? toInt64(b) : Number(b);
}

/** A field's value (one element for repeated fields, one value for maps), normalized. */
function single(f: protobuf.Field, v: unknown, path: () => string, depth: number): unknown {
  const sub = f.resolvedType;
  if (sub instanceof protobuf.Type) return message(sub, v, path, depth + 1);
  return scalar(f.type, sub, v, path);
}

/** A message in any accepted form, normalized (validated, defaults filled or left out). */
function message(type: protobuf.Type, value: unknown, path: () => string, depth: number): Plain {
  if (depth > MAX_DEPTH) throw new GraphDefError(`${path()}: messages nested more than ${MAX_DEPTH} deep`);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new GraphDefError(`${path()}: expected a ${type.name} object, got ${describe(value)}`);
  }
  const src = value as Plain;
  const fields = fieldsById(type);
  for (const k of Object.keys(src)) {
    if (!fields.some((f) => f.name === k || jsonName(f.name) === k)) {
      throw new GraphDefError(`${path()}: ${type.fullName.slice(1)} has no field '${k}'`);
    }
  }
  const always = ALWAYS[type.fullName] ?? [];
  const out: Plain = {};
  const oneofs = new Map<string, string>();
  for (const f of fields) {
    f.resolve();
    const key = jsonName(f.name);
    const here = (): string => `${path()}.${key}`;
    let v = hasOwn(src, f.name) ? src[f.name] : undefined;
    if (key !== f.name && hasOwn(src, key) && src[key] != null) {
      if (v != null) throw new GraphDefError(`${here()}: given both as '${f.name}' and as '${key}'`);
      v = src[key];
    }
    let result: unknown;
    if (v == null) {
      if (always.includes(f.name)) out[key] = emptyOf(f);
      continue;
    } else if (f.map) {
      if (typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) throw new GraphDefError(`${here()}: expected a map (an object), got ${describe(v)}`);
      const keyType = mapKeyType(f);
      const map: Plain = {};
      for (const [k, e] of v instanceof Map ? v.entries() : Object.entries(v as Plain)) {
        const mapKey = String(scalar(keyType, null, keyType === 'string' ? String(k) : k, () => `${here()} key`));
        map[mapKey] = single(f, e, () => `${here()}[${JSON.stringify(mapKey)}]`, depth);
      }
      if (!Object.keys(map).length && !always.includes(f.name)) continue;
      result = map;
    } else if (f.repeated) {
      const listLike = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && f.type !== 'bytes');
      if (!listLike) throw new GraphDefError(`${here()}: expected an array, got ${describe(v)}`);
      const list = Array.from(v as ArrayLike<unknown>, (e, i) => single(f, e, () => `${here()}[${i}]`, depth));
      if (!list.length && !always.includes(f.name)) continue;
      result = list;
    } else {
      result = single(f, v, here, depth);
      if (!f.partOf && isDefault(result) && !always.includes(f.name)) continue;
    }
    if (f.partOf) {
      const other = oneofs.get(f.partOf.name);
      if (other) throw new GraphDefError(`${path()}: '${other}' and '${key}' are both set, but only one may be`);
      oneofs.set(f.partOf.name, key);
    }
    out[key] = result;
  }
  return out;
}

/** A normalized message as protobufjs encodes it: .proto field names, int64s it can write. */
function toWire(type: protobuf.Type, obj: Plain): Plain {
  const out: Plain = {};
  for (const f of fieldsById(type)) {
    const v = obj[jsonName(f.name)];
    if (v === undefined) continue;
    const sub = f.resolvedType instanceof protobuf.Type ? f.resolvedType : null;
    const wire = (e: unknown): unknown => sub ? toWire(sub, e as Plain)
      : typeof e === 'bigint' ? { low: Number(BigInt.asIntN(32, e)), high: Number(BigInt.asIntN(32, e >> 32n)), unsigned: false }
        : e;
    if (f.map) {
      const keys = Object.keys(v as Plain).sort();   // deterministic: sorted as C++ protobuf sorts them
      if (keys.length) out[f.name] = Object.fromEntries(keys.map((k) => [k, wire((v as Plain)[k])]));
    } else if (f.repeated) {
      if ((v as unknown[]).length) out[f.name] = (v as unknown[]).map(wire);
    } else if (f.partOf || !isDefault(v)) out[f.name] = wire(v);
  }
  return out;
}

/** Bytes, text or object input to decodeGraphDef. */
export type GraphDefInput = Uint8Array | ArrayBuffer | string | GraphDefObject | Record<string, unknown>;

/**
 * Reads a GraphDef from binary protobuf (Uint8Array/Buffer/ArrayBuffer), protobuf text format
 * (a string, as in .pbtxt files) or an object (this module's form or protobuf JSON: snake_case
 * or camelCase names, int64s as decimal strings, bytes as base64, enums by name), and returns
 * it normalized (see types.ts). Unknown fields are skipped in binary input (protobuf rules)
 * and rejected in text and object input. Throws GraphDefError for malformed input.
 */
export function decodeGraphDef(input: GraphDefInput): GraphDefObject {
  const type = messageType('GraphDef');
  let obj: unknown = input;
  if (typeof input === 'string') obj = parseTextFormat(type, input);
  else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : plainBytes(input);
    try {
      obj = type.decode(bytes);   // a plain Uint8Array gets protobufjs' bounds-checked reader
    } catch (e) {
      throw new GraphDefError(`invalid binary GraphDef: ${(e as Error).message}`, undefined, { cause: e });
    }
  }
  return message(type, obj, () => 'GraphDef', 0) as unknown as GraphDefObject;
}

/** Normalizes then serializes a GraphDef to binary protobuf (map entries sorted by key). */
export function encodeGraphDef(def: GraphDefObject | Record<string, unknown>): Uint8Array {
  const type = messageType('GraphDef');
  const wire = toWire(type, message(type, def, () => 'GraphDef', 0));
  const out = type.encode(wire).finish();
  return plainBytes(out);
}

/**
 * Normalizes then prints a GraphDef in protobuf text format, as TensorFlow's Python
 * `text_format.MessageToString(graph_def)` (and tf.io.write_graph's .pbtxt) does.
 */
export function graphDefToText(def: GraphDefObject | Record<string, unknown>): string {
  const type = messageType('GraphDef');
  return printTextFormat(type, message(type, def, () => 'GraphDef', 0));
}
