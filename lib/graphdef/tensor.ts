// TensorProto <-> typed arrays, following TensorFlow's Tensor::FromProto rules.
import { dataTypeName } from './schema';
import { toInt64 } from './text-format';
import { GraphDefError, type ShapeObject, type TensorObject } from './types';

/** The element array of a numeric tensor. Complex tensors interleave real and imaginary parts. */
export type TensorData =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** A decoded tensor: DT_STRING tensors hold one Uint8Array per element. */
export interface TensorArray {
  dtype: number;
  shape: number[];
  data: TensorData | Uint8Array[];
}

type ArrayCtor = {
  new (length: number): TensorData;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TensorData;
  readonly BYTES_PER_ELEMENT: number;
};
type ValField = 'floatVal' | 'doubleVal' | 'intVal' | 'scomplexVal' | 'int64Val' | 'boolVal' | 'dcomplexVal'
  | 'halfVal' | 'uint32Val' | 'uint64Val' | 'float8Val';
/** Per DataType: the element array, the *_val field TF reads, and the numbers per element. */
interface Kind { array: ArrayCtor; field: ValField; parts: number }

const kind = (array: ArrayCtor, field: ValField, parts = 1): Kind => ({ array, field, parts });
const KINDS: Record<number, Kind> = {
  1: kind(Float32Array, 'floatVal'),          // DT_FLOAT
  2: kind(Float64Array, 'doubleVal'),         // DT_DOUBLE
  3: kind(Int32Array, 'intVal'),              // DT_INT32
  4: kind(Uint8Array, 'intVal'),              // DT_UINT8
  5: kind(Int16Array, 'intVal'),              // DT_INT16
  6: kind(Int8Array, 'intVal'),               // DT_INT8
  8: kind(Float32Array, 'scomplexVal', 2),    // DT_COMPLEX64
  9: kind(BigInt64Array, 'int64Val'),         // DT_INT64
  10: kind(Uint8Array, 'boolVal'),            // DT_BOOL
  11: kind(Int8Array, 'intVal'),              // DT_QINT8
  12: kind(Uint8Array, 'intVal'),             // DT_QUINT8
  13: kind(Int32Array, 'intVal'),             // DT_QINT32
  14: kind(Uint16Array, 'halfVal'),           // DT_BFLOAT16 (bit patterns)
  15: kind(Int16Array, 'intVal'),             // DT_QINT16
  16: kind(Uint16Array, 'intVal'),            // DT_QUINT16
  17: kind(Uint16Array, 'intVal'),            // DT_UINT16
  18: kind(Float64Array, 'dcomplexVal', 2),   // DT_COMPLEX128
  19: kind(Uint16Array, 'halfVal'),           // DT_HALF (bit patterns)
  22: kind(Uint32Array, 'uint32Val'),         // DT_UINT32
  23: kind(BigUint64Array, 'uint64Val'),      // DT_UINT64
  24: kind(Uint8Array, 'float8Val'),          // DT_FLOAT8_E5M2 and the other 8-bit floats
  25: kind(Uint8Array, 'float8Val'),
  26: kind(Uint8Array, 'float8Val'),
  27: kind(Uint8Array, 'float8Val'),
  28: kind(Uint8Array, 'float8Val'),
};
const DT_STRING = 7;
/** Tensors larger than this (bytes of element data) are refused rather than allocated. */
const MAX_BYTES = 2 ** 31;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new GraphDefError(`tensor: ${message}`);
}

/** The dims of a tensor's shape (none: a scalar); each must be a known size >= 0. */
function dimsOf(shape: ShapeObject | undefined): number[] {
  if (!shape) return [];
  if (shape.unknownRank) fail('a tensor value cannot have an unknown rank');
  return (shape.dim ?? []).map(({ size }) => {
    const n = Number(size);
    if (!Number.isSafeInteger(n) || n < 0) fail(`invalid dimension size ${size}`);
    return n;
  });
}

function countOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) fail(`shape [${dims.join(',')}] has too many elements`);
  }
  return n;
}

function kindOf(dtype: number): Kind {
  return KINDS[dtype] ?? fail(`${dataTypeName(dtype)} values are not supported`);
}

/**
 * The values of a TensorProto, as TensorFlow reads them:
 * - a non-empty `tensorContent` holds every element's raw little-endian bytes and must be
 *   exactly count × element-size bytes long. The returned array is a view of those bytes when
 *   they are aligned (so it shares memory with the decoded GraphDef), otherwise one copy;
 * - otherwise the dtype's *Val field: fewer values than elements means the last value fills
 *   the rest, none means zeros, extra values are ignored (intVal carries the 8/16/32-bit
 *   integer types, halfVal the 16-bit patterns of DT_HALF/DT_BFLOAT16, boolVal bools as 0/1,
 *   int64Val/uint64Val fill BigInt64Array/BigUint64Array);
 * - DT_STRING gives one Uint8Array per element, from stringVal or TF's encoded string list.
 * Throws GraphDefError for an unsupported dtype, a bad shape, a content length mismatch, or
 * a tensor over 2 GiB.
 */
export function tensorToArray(t: TensorObject): TensorArray {
  const { dtype } = t;
  const shape = dimsOf(t.tensorShape);
  const n = countOf(shape);
  if (dtype === DT_STRING) return { dtype, shape, data: stringsOf(t, n) };
  const { array, field, parts } = kindOf(dtype);
  const len = n * parts, bytes = len * array.BYTES_PER_ELEMENT;
  if (bytes > MAX_BYTES) fail(`${dataTypeName(dtype)} [${shape.join(',')}] is over 2 GiB`);
  const content = t.tensorContent;
  if (n > 0 && content && content.length > 0) {
    if (content.length !== bytes) {
      fail(`tensor_content of ${dataTypeName(dtype)} [${shape.join(',')}] must be ${bytes} bytes, not ${content.length}`);
    }
    if (!LITTLE_ENDIAN && array.BYTES_PER_ELEMENT > 1) fail('tensor_content needs a little-endian host');
    if (content.byteOffset % array.BYTES_PER_ELEMENT === 0 && content.buffer instanceof ArrayBuffer) {
      return { dtype, shape, data: new array(content.buffer, content.byteOffset, len) };
    }
    const copy = new Uint8Array(bytes);
    copy.set(content);
    return { dtype, shape, data: new array(copy.buffer, 0, len) };
  }

  const vals: ArrayLike<unknown> = t[field] ?? [];
  const data = new array(len);
  const out = data as unknown as { [i: number]: unknown };
  const convert = array === BigInt64Array || array === BigUint64Array ? (v: unknown) => BigInt(v as number | bigint)
    : field === 'boolVal' ? (v: unknown) => (v ? 1 : 0) : (v: unknown) => Number(v);
  const given = Math.min(Math.floor(vals.length / parts), n) * parts;
  for (let i = 0; i < given; i++) out[i] = convert(vals[i]);
  if (given > 0) for (let i = given; i < len; i++) out[i] = out[i - parts];   // repeat the last element
  return { dtype, shape, data };
}

/** DT_STRING elements: stringVal (last one repeated), or tensor_content as TF encodes a string list. */
function stringsOf(t: TensorObject, n: number): Uint8Array[] {
  const content = t.tensorContent;
  if (n > 0 && content && content.length > 0) {
    // n varint32 lengths, then the n strings back to back
    const lengths: number[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      let len = 0;
      for (let shift = 0; ; shift += 7) {
        if (at >= content.length || shift > 28) fail('malformed DT_STRING tensor_content');
        const b = content[at++];
        len += (b & 127) * 2 ** shift;
        if (b < 128) break;
      }
      lengths.push(len);
    }
    const out = lengths.map((len) => content.subarray(at, (at += len)));
    if (at !== content.length) fail('malformed DT_STRING tensor_content');
    return out;
  }
  const vals = t.stringVal ?? [];
  if (n * 8 > MAX_BYTES) fail(`DT_STRING tensor of ${n} elements is too large`);
  const empty = new Uint8Array(0);
  return Array.from({ length: n }, (_, i) => vals[Math.min(i, vals.length - 1)] ?? empty);
}

/**
 * A TensorProto holding `data` with the given dtype and shape, as TF's make_tensor_proto writes
 * one: a single element goes in the dtype's *Val field, more go in tensorContent (a copy of the
 * bytes), and DT_STRING tensors use stringVal (strings are UTF-8 encoded). `data` may be the
 * dtype's typed array or any array-like of numbers/bigints/booleans (converted to the dtype's
 * element type); complex data interleaves real and imaginary parts.
 */
export function arrayToTensor(
  dtype: number,
  shape: readonly number[],
  data: TensorData | ArrayLike<number | bigint | boolean> | ArrayLike<Uint8Array | string>,
): TensorObject {
  for (const d of shape) if (!Number.isSafeInteger(d) || d < 0) fail(`invalid dimension size ${d}`);
  const n = countOf(shape);
  const tensor: TensorObject = { dtype, tensorShape: { dim: shape.map((size) => ({ size })) } };
  if (dtype === DT_STRING) {
    const encoder = new TextEncoder();
    const strings = Array.from(data as ArrayLike<unknown>, (s) =>
      typeof s === 'string' ? encoder.encode(s) : s instanceof Uint8Array ? s : fail('DT_STRING data must be strings or Uint8Arrays'));
    if (strings.length !== n) fail(`${strings.length} strings given for shape [${shape.join(',')}]`);
    if (n > 0) tensor.stringVal = strings;
    return tensor;
  }
  const { array, field, parts } = kindOf(dtype);
  let values: TensorData;
  let fresh = false;   // values is our own array (no copy needed)
  if (data instanceof array) values = data as TensorData;
  else {
    const big = array === BigInt64Array || array === BigUint64Array;
    const src = Array.from(data as ArrayLike<unknown>, (v) => (typeof v === 'boolean' ? Number(v) : v));
    values = new array(src.length);
    const out = values as unknown as { [i: number]: unknown };
    src.forEach((v, i) => { out[i] = big ? BigInt(v as number | bigint) : Number(v); });
    fresh = true;
  }
  if (values.length !== n * parts) {
    fail(`${values.length / parts} ${dataTypeName(dtype)} values given for shape [${shape.join(',')}] (${n} elements)`);
  }
  if (n === 0) return tensor;
  if (n > 1) {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    tensor.tensorContent = fresh ? bytes : bytes.slice();
    return tensor;
  }
  if (field === 'float8Val') tensor.float8Val = Uint8Array.from(values as Uint8Array);
  else if (field === 'boolVal') tensor.boolVal = [values[0] !== 0];
  else if (field === 'int64Val' || field === 'uint64Val') tensor[field] = Array.from(values as BigInt64Array, toInt64);
  else tensor[field] = Array.from(values as Float64Array);
  return tensor;
}
