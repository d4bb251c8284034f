// The plain-object form of TensorFlow's GraphDef messages (graph.proto), as decodeGraphDef
// returns them: protobuf JSON (camelCase) field names, proto3 defaults left out except where
// noted, enums as their numbers, bytes as Uint8Array.
//
// int64 fields (Int64) hold a `number` when the value is a safe integer and a `bigint`
// otherwise, so no value is ever rounded.

/** An int64/uint64 field's value: a number when Number.isSafeInteger, else a bigint. */
export type Int64 = number | bigint;

/** Thrown for malformed GraphDefs: bad binary, text-format syntax (with line/column), bad values. */
export class GraphDefError extends Error {
  /** 1-based position of a text-format error. */
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, position?: { line: number; column: number }, options?: { cause?: unknown }) {
    super(position ? `${message} (line ${position.line}, column ${position.column})` : message, options);
    this.name = 'GraphDefError';
    if (position) { this.line = position.line; this.column = position.column; }
  }
}

/** TensorShapeProto. A dim size of -1 is unknown; unknownRank means the rank is unknown too. */
export interface ShapeObject {
  dim: { size: Int64; name?: string }[];
  unknownRank?: boolean;
}

/**
 * TensorProto. Either `tensorContent` (raw little-endian element bytes) or the *Val field of the
 * dtype holds the data; see tensorToArray for how TensorFlow reads them.
 */
export interface TensorObject {
  /** A DataType enum value (DataType.DT_FLOAT, ...). */
  dtype: number;
  tensorShape?: ShapeObject;
  versionNumber?: number;
  tensorContent?: Uint8Array;
  /** DT_HALF and DT_BFLOAT16: 16-bit patterns. */
  halfVal?: number[];
  floatVal?: number[];
  doubleVal?: number[];
  /** DT_INT32, DT_INT16, DT_INT8, DT_UINT8, DT_UINT16 and the quantized types. */
  intVal?: number[];
  stringVal?: Uint8Array[];
  /** DT_COMPLEX64: real, imaginary, real, ... */
  scomplexVal?: number[];
  int64Val?: Int64[];
  boolVal?: boolean[];
  /** DT_COMPLEX128: real, imaginary, real, ... */
  dcomplexVal?: number[];
  uint32Val?: number[];
  uint64Val?: Int64[];
  /** The 8-bit float types: one byte per element. */
  float8Val?: Uint8Array;
}

/** NameAttrList: a function (or op) name with attribute values. */
export interface NameAttrListObject {
  name: string;
  attr: Record<string, AttrValueObject>;
}

/** AttrValue.ListValue: the "list(...)" attribute kinds; only the matching array is set. */
export interface ListValueObject {
  s?: Uint8Array[];
  i?: Int64[];
  f?: number[];
  b?: boolean[];
  type?: number[];
  shape?: ShapeObject[];
  tensor?: TensorObject[];
  func?: NameAttrListObject[];
}

/**
 * AttrValue: exactly one key, the member of TF's `value` oneof that is set (present even when
 * it holds the default, e.g. `{ b: false }`). An AttrValue with nothing set decodes to `{}`.
 */
export type AttrValueObject =
  | { s: Uint8Array }
  | { i: Int64 }
  | { f: number }
  | { b: boolean }
  | { type: number }
  | { shape: ShapeObject }
  | { tensor: TensorObject }
  | { list: ListValueObject }
  | { func: NameAttrListObject }
  | { placeholder: string }
  | Record<string, never>;

/** NodeDef. name, op, input, device and attr are always present. */
export interface NodeDefObject {
  name: string;
  op: string;
  input: string[];
  device: string;
  attr: Record<string, AttrValueObject>;
  experimentalDebugInfo?: { originalNodeNames?: string[]; originalFuncNames?: string[] };
}

/** VersionDef. */
export interface VersionDefObject {
  producer?: number;
  minConsumer?: number;
  badConsumers?: number[];
}

/** FunctionDef, typed loosely: tensorloom does not run functions; it only carries them. */
export interface FunctionDefObject {
  signature?: Record<string, unknown>;
  attr?: Record<string, AttrValueObject>;
  argAttr?: Record<string, { attr?: Record<string, AttrValueObject> }>;
  resourceArgUniqueId?: Record<string, number>;
  nodeDef?: NodeDefObject[];
  ret?: Record<string, string>;
  controlRet?: Record<string, string>;
}

/** FunctionDefLibrary. */
export interface FunctionDefLibraryObject {
  function?: FunctionDefObject[];
  gradient?: { functionName?: string; gradientFunc?: string }[];
  registeredGradients?: { gradientFunc?: string; registeredOpType?: string }[];
}

/** GraphDef. `node` is always present. */
export interface GraphDefObject {
  node: NodeDefObject[];
  versions?: VersionDefObject;
  /** Deprecated: superseded by versions.producer. */
  version?: number;
  library?: FunctionDefLibraryObject;
}
