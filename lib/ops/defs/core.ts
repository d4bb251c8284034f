// Core ops: constants, placeholders, structure, and the first kernels of the vertical slice.
// Ids are the wire format: explicit, stable, only ever appended (test/fixtures/op-ids.json).
import { OpDef, op } from '../registry';
import { conv2dShape } from './nn';

const binary = (id: number, type: string, T = 'numbertype') =>
  op(id, type, 'binary', { in: ['x: T', 'y: T'], out: ['z: T'], attrs: [`T: ${T}`], shape: 'broadcast', dtypes: 'numeric' });
const unary = (id: number, type: string, T = 'numbertype') =>
  op(id, type, 'unary', { in: ['x: T'], out: ['y: T'], attrs: [`T: ${T}`], shape: 'same', dtypes: T === 'floatingtype' ? 'float' : 'numeric' });
const reduce = (id: number, type: string) =>
  op(id, type, 'reduce', { in: ['input: T', 'reduction_indices: Tidx'], out: ['output: T'],
    attrs: ['keep_dims: bool = false', 'T: numbertype', 'Tidx: {int32, int64} = int32'], shape: 'reduce', dtypes: 'numeric' });

export const CORE_OPS: readonly OpDef[] = [
  op(1, 'Const', 'const', { out: ['output: dtype'], attrs: ['value: tensor', 'dtype: type'], shape: 'const', dtypes: 'any', strings: true }),
  op(2, 'Placeholder', 'placeholder', { out: ['output: dtype'], attrs: ['dtype: type', 'shape: shape = unknown'], shape: 'placeholder', dtypes: 'any', strings: true }),
  op(3, 'PlaceholderWithDefault', 'identity', { in: ['input: dtype'], out: ['output: dtype'], attrs: ['dtype: type', 'shape: shape'], shape: 'placeholder', dtypes: 'any', strings: true }),
  op(4, 'Identity', 'identity', { in: ['input: T'], out: ['output: T'], attrs: ['T: type'], shape: 'same', dtypes: 'any', strings: true }),
  op(5, 'NoOp', 'noop', { shape: 'none' }),

  // TF's Add also concatenates strings (AddV2 does not).
  op(10, 'Add', 'binary', { in: ['x: T', 'y: T'], out: ['z: T'], shape: 'broadcast', dtypes: 'numeric', strings: true,
    attrs: ['T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, complex128, string}'] }),
  binary(11, 'Sub'),
  binary(12, 'Mul'),
  binary(13, 'RealDiv'),
  binary(14, 'Maximum'),
  binary(15, 'Minimum'),

  unary(20, 'Neg'),
  unary(21, 'Abs'),
  unary(22, 'Exp', 'floatingtype'),
  unary(23, 'Log', 'floatingtype'),
  unary(24, 'Sqrt', 'floatingtype'),
  unary(25, 'Square'),
  unary(26, 'Tanh', 'floatingtype'),
  unary(27, 'Sigmoid', 'floatingtype'),
  unary(28, 'Relu'),

  op(30, 'MatMul', 'matmul', { in: ['a: T', 'b: T'], out: ['product: T'],
    attrs: ['transpose_a: bool = false', 'transpose_b: bool = false', 'T: numbertype'],
    shape: 'matmul', dtypes: 'numeric' }),
  reduce(31, 'Sum'),
  reduce(32, 'Mean'),
  reduce(33, 'Max'),
  op(34, 'Reshape', 'reshape', { in: ['tensor: T', 'shape: Tshape'], out: ['output: T'], attrs: ['T: type', 'Tshape: {int32, int64} = int32'], shape: 'reshape', dtypes: 'any', strings: true }),
  op(35, 'Cast', 'cast', { in: ['x: SrcT'], out: ['y: DstT'], attrs: ['SrcT: type', 'DstT: type', 'Truncate: bool = false'], shape: 'same', dtypes: 'any' }),
  op(36, 'Softmax', 'softmax', { in: ['logits: T'], out: ['softmax: T'], attrs: ['T: floatingtype'], shape: 'same', dtypes: 'float' }),
  op(37, 'Fill', 'fill', { in: ['dims: index_type', 'value: T'], out: ['output: T'], attrs: ['T: type', 'index_type: {int32, int64} = int32'], shape: 'fill', dtypes: 'any', strings: true }),
  op(38, 'Conv2D', 'conv2d', { in: ['input: T', 'filter: T'], out: ['output: T'],
    attrs: ['T: {half, bfloat16, float, double, int32}', 'strides: list(int)', 'use_cudnn_on_gpu: bool = true', 'padding: string', 'explicit_paddings: list(int) = []',
      'data_format: string = "NHWC"', 'dilations: list(int) = [1, 1, 1, 1]'], shape: conv2dShape }),
];
