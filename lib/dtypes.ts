// dtypes: names, TF wire codes (DataType enum values), element sizes and typed-array types.

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool' | 'string';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
/** An NDArray's elements: a typed array, or for dtype 'string' an array of JS strings. */
export type NDData = TypedArray | string[];

export const float32: DType = 'float32';
export const float64: DType = 'float64';
export const int32: DType = 'int32';
export const int64: DType = 'int64';
export const uint8: DType = 'uint8';
export const bool: DType = 'bool';
/** TF's DT_STRING (tfName 'string'): values are JS strings, stored as UTF-8 bytes. */
export const string: DType = 'string';

interface DTypeInfo {
  readonly code: number;          // TF DataType enum value (the wire value)
  readonly tfName: string;        // TF DataTypeString, used in TF's error texts
  readonly enumName: string;      // GraphDef JSON name
  readonly array: { new (n: number | ArrayBufferLike, offset?: number, length?: number): TypedArray; BYTES_PER_ELEMENT: number };
  readonly float: boolean;
  readonly min?: number; readonly max?: number;  // integer ranges that fit in a JS number
}

const INFO: Record<DType, DTypeInfo> = {
  float32: { code: 1, tfName: 'float', enumName: 'DT_FLOAT', array: Float32Array, float: true },
  float64: { code: 2, tfName: 'double', enumName: 'DT_DOUBLE', array: Float64Array, float: true },
  int32: { code: 3, tfName: 'int32', enumName: 'DT_INT32', array: Int32Array, float: false, min: -2147483648, max: 2147483647 },
  uint8: { code: 4, tfName: 'uint8', enumName: 'DT_UINT8', array: Uint8Array, float: false, min: 0, max: 255 },
  int64: { code: 9, tfName: 'int64', enumName: 'DT_INT64', array: BigInt64Array as never, float: false },
  bool: { code: 10, tfName: 'bool', enumName: 'DT_BOOL', array: Uint8Array, float: false, min: 0, max: 1 },
  // No typed array: string data is a string[] (isString() guards every use of `array`).
  string: { code: 7, tfName: 'string', enumName: 'DT_STRING', array: undefined as never, float: false },
};

export const DTYPES = Object.keys(INFO) as DType[];
const BY_CODE = new Map(DTYPES.map((d) => [INFO[d].code, d]));

export function isDType(x: unknown): x is DType { return typeof x === 'string' && x in INFO; }
export function dtypeInfo(d: DType): DTypeInfo { return INFO[d]; }
export function dtypeCode(d: DType): number { return INFO[d].code; }
export function dtypeFromCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (!d) throw new Error(`Unknown dtype code ${code}`);
  return d;
}
/** Bytes per element of a fixed-size dtype (strings have none: throws). */
export function dtypeSize(d: DType): number {
  if (d === 'string') throw new TypeError('string elements have no fixed size');
  return INFO[d].array.BYTES_PER_ELEMENT;
}
export function isString(d: DType): d is 'string' { return d === 'string'; }
export function isFloat(d: DType): boolean { return INFO[d].float; }

/** Checks a user-supplied dtype argument (accepts the dtype names exported as tf.float32 etc.). */
export function asDType(x: unknown): DType {
  if (isDType(x)) return x;
  throw new TypeError(`Expected a dtype (${DTYPES.join(', ')}), got ${String(x)}`);
}

/** The dtype a typed array holds by itself (Uint8Array → uint8). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** A typed array of dtype `d` viewing `bytes` bytes of `buf` (copied if misaligned). */
export function typedArrayFor(d: DType, buf: ArrayBufferLike, byteOffset: number, length: number): TypedArray {
  if (d === 'string') throw new TypeError('string values are no typed array');
  const A = INFO[d].array;
  if (byteOffset % A.BYTES_PER_ELEMENT !== 0) {
    const copy = new Uint8Array(length * A.BYTES_PER_ELEMENT);
    copy.set(new Uint8Array(buf, byteOffset, length * A.BYTES_PER_ELEMENT));
    return new A(copy.buffer, 0, length);
  }
  return new A(buf, byteOffset, length);
}
