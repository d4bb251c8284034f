// Building blocks of the gradient functions (lib/ops/grads/*.ts): raw op constructors over
// makeNode, named as TF's gen_*_ops wrappers name them inside the `<op>_grad` scope.
import type { DType } from '../../dtypes';
import { Operation, Tensor } from '../../graph';
import { NDArray } from '../../ndarray';
import { constIn, makeNode } from '../builders';

/** One node of `type` in x's graph, default-named; returns the operation. */
export function node(type: string, inputs: Tensor[], attrs: Record<string, unknown> = {}, name?: string): Operation {
  const g = inputs[0].graph;
  return makeNode(g, type, inputs, attrs, null, name);
}
/** Output 0 of a node of `type` with attr T = inputs[0].dtype. */
export const un = (type: string, x: Tensor, attrs: Record<string, unknown> = {}): Tensor => node(type, [x], { T: x.dtype, ...attrs }).outputs[0];
export const bin = (type: string, x: Tensor, y: Tensor, attrs: Record<string, unknown> = {}): Tensor =>
  node(type, [x, y], { T: x.dtype, ...attrs }).outputs[0];

export const mul = (x: Tensor, y: Tensor) => bin('Mul', x, y);
export const neg = (x: Tensor) => un('Neg', x);

/** A Const in t's graph. */
export function konst(t: Tensor, value: number | number[] | NDArray, dtype: DType, name = 'Const'): Tensor {
  const v = value instanceof NDArray ? value : Array.isArray(value)
    ? new NDArray(dtype === 'int64' ? BigInt64Array.from(value, BigInt) : dtype === 'int32' ? Int32Array.from(value) : dtype === 'float64' ? Float64Array.from(value) : Float32Array.from(value), [value.length], dtype)
    : new NDArray(dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : dtype === 'int32' ? Int32Array.of(value) : dtype === 'float64' ? Float64Array.of(value) : Float32Array.of(value), [], dtype);
  return constIn(t.graph, v, dtype, name);
}

/** Shape(x) as int32 (or a Const when x's static shape is fully known, name kept). */
export const shapeOf = (x: Tensor, name?: string): Tensor => node('Shape', [x], { T: x.dtype, out_type: 'int32' }, name).outputs[0];

/** Static shape fully known. */
export const known = (t: Tensor): t is Tensor & { shape: number[] } => t.shape !== null && t.shape.every((d) => d !== null);
export const sameStatic = (a: Tensor, b: Tensor) =>
  known(a) && known(b) && a.shape.length === b.shape!.length && a.shape.every((d, i) => d === b.shape![i]);

export const sum = (x: Tensor, axes: Tensor, keepDims = false): Tensor =>
  node('Sum', [x, axes], { T: x.dtype, Tidx: axes.dtype, keep_dims: keepDims }).outputs[0];
export const reshape = (x: Tensor, shape: Tensor): Tensor => node('Reshape', [x, shape], { T: x.dtype, Tshape: shape.dtype }).outputs[0];
export const cast = (x: Tensor, dtype: DType): Tensor => x.dtype === dtype ? x : node('Cast', [x], { SrcT: x.dtype, DstT: dtype }).outputs[0];

/**
 * The gradient `g` of a broadcasting binary op's inputs x and y, summed back to each input's
 * shape (TF's _AddGrad pattern: Shape, Shape_1, BroadcastGradientArgs, Sum + Reshape). Equal,
 * fully known static shapes need no reduction (TF's SmartBroadcastGradientArgs).
 */
export function reduceBoth(x: Tensor, y: Tensor, gx: Tensor | null, gy: Tensor | null): [Tensor | null, Tensor | null] {
  if (sameStatic(x, y)) return [gx, gy];
  const sx = shapeOf(x), sy = shapeOf(y);
  const args = node('BroadcastGradientArgs', [sx, sy], { T: 'int32' });
  const [rx, ry] = args.outputs;
  return [gx && reshape(sum(gx, rx), sx), gy && reshape(sum(gy, ry), sy)];
}

/** `grad` (shaped like `out`) summed back to x's shape over the axes x was broadcast along. */
export function reduceTo(x: Tensor, grad: Tensor, out: Tensor): Tensor {
  if (sameStatic(x, out)) return grad;
  const sx = shapeOf(x);
  const [rx] = node('BroadcastGradientArgs', [sx, shapeOf(grad)], { T: 'int32' }).outputs;
  return reshape(sum(grad, rx), sx);
}
