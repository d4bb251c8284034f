// A minimal ONNX ModelProto writer (protobuf wire format by hand) so the benchmark can run the
// same graphs in onnxruntime-node without any model files or extra packages.

type Bytes = number[];
const varint = (n: number | bigint): Bytes => {
  let v = BigInt(n);
  const out: Bytes = [];
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
};
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, v: number): Bytes => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: Uint8Array | Bytes): Bytes => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (field: number, parts: Bytes[]) => bytes(field, parts.flat());

export interface OnnxNode { op: string; inputs: string[]; outputs: string[]; attrs?: Bytes[] }
export interface OnnxValue { name: string; dims: (number | string)[] }
export interface OnnxInit { name: string; dims: number[]; data: Float32Array }

/** An int attribute (AttributeProto type INT = 2). */
export const intAttr = (name: string, v: number): Bytes => [...str(1, name), ...int(20, 2), ...int(3, v)];
/** An ints attribute (type INTS = 7) of non-negative values. */
export const intsAttr = (name: string, vs: number[]): Bytes => [...str(1, name), ...int(20, 7), ...vs.flatMap((v) => int(8, v))];

const valueInfo = (field: number, v: OnnxValue) =>
  msg(field, [str(1, v.name), msg(2, [msg(1, [int(1, 1), msg(2, v.dims.map((d) =>
    msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)])))])])]);

/** Serializes a float32 model (opset 13). */
export function onnxModel(nodes: OnnxNode[], inputs: OnnxValue[], outputs: OnnxValue[], inits: OnnxInit[] = []): Uint8Array {
  const graph: Bytes[] = [
    ...nodes.map((n, i) => msg(1, [...n.inputs.map((s) => str(1, s)), ...n.outputs.map((s) => str(2, s)), str(3, `n${i}`), str(4, n.op),
      ...(n.attrs ?? []).map((a) => msg(5, [a]))])),
    str(2, 'bench'),
    ...inits.map((t) => msg(5, [...t.dims.map((d) => int(1, d)), int(2, 1), str(8, t.name),
      bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))])),
    ...inputs.map((v) => valueInfo(11, v)),
    ...outputs.map((v) => valueInfo(12, v)),
  ];
  return Uint8Array.from([...int(1, 8), ...msg(8, [str(1, ''), int(2, 13)]), ...msg(7, graph)]);
}
