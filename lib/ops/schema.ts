// THE op registry: plain data shared by the TS graph builder and, through the generated
// native/ops.gen.h (`npm run gen`), by the C++ decoder and kernel table.
// Ids are the wire format: explicit, stable, only ever appended (test/schema.test.ts freezes them).

/** Wire kinds of attributes (native AttrKind). */
export const ATTR_KINDS = { int: 1, float: 2, bool: 3, string: 4, type: 5, shape: 6, ints: 7, tensor: 8 } as const;
export type AttrKind = keyof typeof ATTR_KINDS;

/** Static shape rule names, implemented once in lib/ops/shape.ts. */
export type ShapeRule =
  | 'const' | 'placeholder' | 'same' | 'none' | 'broadcast' | 'matmul' | 'reduce' | 'reshape' | 'fill' | 'conv2d';

/** Native kernel family: one C++ function `kernel_<family>` serves every op of the family. */
export type KernelFamily =
  | 'const' | 'placeholder' | 'identity' | 'noop' | 'unary' | 'binary' | 'matmul' | 'reduce'
  | 'reshape' | 'cast' | 'softmax' | 'fill' | 'conv2d';

export interface OpDef {
  readonly id: number;
  /** TF op type name, also the default node name. */
  readonly type: string;
  readonly kernel: KernelFamily;
  readonly inputs: readonly [min: number, max: number];
  readonly outputs: number;
  /** TF attribute names (snake_case, as in a GraphDef) in wire order. */
  readonly attrs: readonly (readonly [name: string, kind: AttrKind])[];
  readonly shape: ShapeRule;
  /** Input dtypes the kernel accepts ('numeric' = all but bool). */
  readonly dtypes?: 'numeric' | 'float' | 'any';
}

const T = ['T', 'type'] as const;
const unary = (id: number, type: string, dtypes: OpDef['dtypes'] = 'numeric'): OpDef =>
  ({ id, type, kernel: 'unary', inputs: [1, 1], outputs: 1, attrs: [T], shape: 'same', dtypes });
const binary = (id: number, type: string): OpDef =>
  ({ id, type, kernel: 'binary', inputs: [2, 2], outputs: 1, attrs: [T], shape: 'broadcast', dtypes: 'numeric' });
const reduce = (id: number, type: string): OpDef =>
  ({ id, type, kernel: 'reduce', inputs: [2, 2], outputs: 1,
     attrs: [['keep_dims', 'bool'], T, ['Tidx', 'type']], shape: 'reduce', dtypes: 'numeric' });

export const OPS: readonly OpDef[] = [
  { id: 1, type: 'Const', kernel: 'const', inputs: [0, 0], outputs: 1,
    attrs: [['value', 'tensor'], ['dtype', 'type']], shape: 'const', dtypes: 'any' },
  { id: 2, type: 'Placeholder', kernel: 'placeholder', inputs: [0, 0], outputs: 1,
    attrs: [['dtype', 'type'], ['shape', 'shape']], shape: 'placeholder', dtypes: 'any' },
  { id: 3, type: 'PlaceholderWithDefault', kernel: 'identity', inputs: [1, 1], outputs: 1,
    attrs: [['dtype', 'type'], ['shape', 'shape']], shape: 'placeholder', dtypes: 'any' },
  { id: 4, type: 'Identity', kernel: 'identity', inputs: [1, 1], outputs: 1, attrs: [T], shape: 'same', dtypes: 'any' },
  { id: 5, type: 'NoOp', kernel: 'noop', inputs: [0, 0], outputs: 0, attrs: [], shape: 'none' },

  binary(10, 'Add'),
  binary(11, 'Sub'),
  binary(12, 'Mul'),
  binary(13, 'RealDiv'),
  binary(14, 'Maximum'),
  binary(15, 'Minimum'),

  unary(20, 'Neg'),
  unary(21, 'Abs'),
  unary(22, 'Exp', 'float'),
  unary(23, 'Log', 'float'),
  unary(24, 'Sqrt', 'float'),
  unary(25, 'Square'),
  unary(26, 'Tanh', 'float'),
  unary(27, 'Sigmoid', 'float'),
  unary(28, 'Relu'),

  { id: 30, type: 'MatMul', kernel: 'matmul', inputs: [2, 2], outputs: 1,
    attrs: [['transpose_a', 'bool'], ['transpose_b', 'bool'], T], shape: 'matmul', dtypes: 'numeric' },
  reduce(31, 'Sum'),
  reduce(32, 'Mean'),
  reduce(33, 'Max'),
  { id: 34, type: 'Reshape', kernel: 'reshape', inputs: [2, 2], outputs: 1,
    attrs: [T, ['Tshape', 'type']], shape: 'reshape', dtypes: 'any' },
  { id: 35, type: 'Cast', kernel: 'cast', inputs: [1, 1], outputs: 1,
    attrs: [['SrcT', 'type'], ['DstT', 'type']], shape: 'same', dtypes: 'any' },
  { id: 36, type: 'Softmax', kernel: 'softmax', inputs: [1, 1], outputs: 1, attrs: [T], shape: 'same', dtypes: 'float' },
  { id: 37, type: 'Fill', kernel: 'fill', inputs: [2, 2], outputs: 1, attrs: [T, ['index_type', 'type']], shape: 'fill', dtypes: 'any' },
  { id: 38, type: 'Conv2D', kernel: 'conv2d', inputs: [2, 2], outputs: 1,
    attrs: [T, ['strides', 'ints'], ['use_cudnn_on_gpu', 'bool'], ['padding', 'string'], ['explicit_paddings', 'ints'],
      ['data_format', 'string'], ['dilations', 'ints']], shape: 'conv2d', dtypes: 'float' },
];

const byType = new Map(OPS.map((d) => [d.type, d]));
const byId = new Map(OPS.map((d) => [d.id, d]));

/** The definition of op type `type` (throws for an unknown type). */
export function opDef(type: string): OpDef {
  const d = byType.get(type);
  if (!d) throw new Error(`Unknown op type '${type}'`);
  return d;
}
export function opDefById(id: number): OpDef | undefined { return byId.get(id); }

/** FNV-1a over a canonical text of the schema; the buffer header carries it and the addon checks it. */
export function schemaHash(): number {
  const text = OPS.map((d) => `${d.id}:${d.type}:${d.kernel}:${d.inputs.join('-')}:${d.outputs}:` +
    d.attrs.map(([n, k]) => `${n}=${k}`).join(',')).join(';');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

/** The text of native/ops.gen.h, generated from OPS. */
export function nativeHeader(): string {
  const lines = [
    '// generated by `npm run gen` from lib/ops/schema.ts, do not edit',
    '#ifndef TL_OPS',
    `#define TL_SCHEMA_HASH 0x${schemaHash().toString(16).padStart(8, '0')}u`,
    '// X(id, Type, kernel family, min inputs, max inputs, outputs)',
    '#define TL_OPS(X) \\',
    ...OPS.map((d) => `  X(${d.id}, ${d.type}, ${d.kernel}, ${d.inputs[0]}, ${d.inputs[1]}, ${d.outputs}) \\`),
    '',
    '// X(Type, attr index, name, kind)',
    '#define TL_ATTRS(X) \\',
    ...OPS.flatMap((d) => d.attrs.map(([n, k], i) => `  X(${d.type}, ${i}, ${n}, ${k}) \\`)),
    '',
    '#endif',
    '',
  ];
  return lines.join('\n');
}
