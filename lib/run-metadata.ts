// RunOptions and RunMetadata (TF config.proto / step_stats.proto / cost_graph.proto in camelCase),
// filled from the native executor's per-run trace arrays: one batch per run, no per-op crossing.
import { DType, dtypeCode, dtypeFromCode, typedArrayFor } from './dtypes';
import { checkKeys, invalidArgument } from './errors';
import type { Graph, Operation, Tensor } from './graph';
import type { NativeTrace } from './binding';
import { nodeDef, nodeInputs } from './serialize';
import { PRODUCER } from './graphdef/export';
import { arrayToTensor } from './graphdef/tensor';
import type { GraphDefObject, NodeDefObject } from './graphdef/types';

export type TraceLevel = 'NO_TRACE' | 'SOFTWARE_TRACE' | 'HARDWARE_TRACE' | 'FULL_TRACE';
const LEVELS: TraceLevel[] = ['NO_TRACE', 'SOFTWARE_TRACE', 'HARDWARE_TRACE', 'FULL_TRACE'];

export const CPU_DEVICE = '/job:localhost/replica:0/task:0/device:CPU:0';
export const ALLOCATOR = 'cpu';

export interface RunOptionsInit {
  traceLevel?: TraceLevel | number;
  /** End the run with DeadlineExceededError after this many ms (checked between ops and inside long kernels). */
  timeoutInMs?: number;
  /** Fill RunMetadata.partitionGraphs with the pruned graph that ran. */
  outputPartitionGraphs?: boolean;
  /**
   * TF's inter-op pool index: -1 (caller thread) or 0 (the session's pool). Both run the graph
   * the same way here (ops run in order, each kernel uses the intra-op pool); other values throw.
   */
  interOpThreadPool?: number;
  reportTensorAllocationsUponOom?: boolean;
}

/** Options for one run (TF RunOptions). */
const RUN_OPTION_KEYS = ['traceLevel', 'timeoutInMs', 'outputPartitionGraphs', 'interOpThreadPool', 'reportTensorAllocationsUponOom'] as const;

export class RunOptions {
  static readonly NO_TRACE = 0;
  static readonly SOFTWARE_TRACE = 1;
  static readonly HARDWARE_TRACE = 2;
  static readonly FULL_TRACE = 3;
  static readonly TraceLevel = { NO_TRACE: 0, SOFTWARE_TRACE: 1, HARDWARE_TRACE: 2, FULL_TRACE: 3 } as const;

  traceLevel: number;
  timeoutInMs: number;
  outputPartitionGraphs: boolean;
  interOpThreadPool: number;
  reportTensorAllocationsUponOom: boolean;

  constructor(init: RunOptionsInit = {}) {
    if (init === null || typeof init !== 'object') throw new TypeError(`RunOptions: expected an options object, got ${String(init)}`);
    if (!(init instanceof RunOptions)) checkKeys(init, RUN_OPTION_KEYS, 'RunOptions');
    this.traceLevel = RunOptions.level(init.traceLevel ?? 0);
    this.timeoutInMs = init.timeoutInMs ?? 0;
    if (typeof this.timeoutInMs !== 'number' || !Number.isFinite(this.timeoutInMs) || this.timeoutInMs < 0)
      throw invalidArgument(`timeoutInMs must be a non-negative number, got ${String(init.timeoutInMs)}`);
    this.outputPartitionGraphs = !!init.outputPartitionGraphs;
    this.interOpThreadPool = init.interOpThreadPool ?? 0;
    this.reportTensorAllocationsUponOom = !!init.reportTensorAllocationsUponOom;
  }

  /** A trace level as its number (accepts 0..3 or the names). */
  static level(l: TraceLevel | number): number {
    if (typeof l === 'number' && Number.isInteger(l) && l >= 0 && l <= 3) return l;
    const i = LEVELS.indexOf(l as TraceLevel);
    if (i < 0) throw invalidArgument(`Invalid traceLevel ${String(l)}; use one of ${LEVELS.join(', ')}`);
    return i;
  }
}

export interface AllocationDescription { requestedBytes: number; allocatedBytes: number; allocatorName: string }
export interface TensorDescription { dtype: DType; shape: number[]; allocationDescription: AllocationDescription }
export interface NodeOutput { slot: number; tensorDescription: TensorDescription }
export interface AllocatorMemoryUsed { allocatorName: string; totalBytes: number; peakBytes: number; liveBytes: number }
export interface NodeExecStats {
  nodeName: string;
  allStartMicros: number; opStartRelMicros: number; opEndRelMicros: number; allEndRelMicros: number;
  allStartNanos: number; opStartRelNanos: number; opEndRelNanos: number; allEndRelNanos: number;
  scheduledMicros: number; scheduledNanos: number;
  threadId: number;
  timelineLabel: string;
  output: NodeOutput[];
  memory: AllocatorMemoryUsed[];
}
export interface DeviceStepStats { device: string; nodeStats: NodeExecStats[]; threadNames: Record<number, string> }
export interface StepStats { devStats: DeviceStepStats[] }
export interface CostGraphNode {
  name: string; device: string; id: number;
  inputInfo: { precedingNode: number; precedingPort: number }[];
  outputInfo: { size: number; aliasInputPort: number; shape: number[]; dtype: DType }[];
  temporaryMemorySize: number;
  computeCost: number; computeTime: number; memoryTime: number;
  isFinal: boolean; controlInput: number[];
}
export interface CostGraph { node: CostGraphNode[] }
export type GraphDefLike = GraphDefObject;

export interface RunMemory { bytesPeak: number; bytesTotal: number; poolHits: number; poolMisses: number; forwarded: number }
const emptyMemory = (): RunMemory => ({ bytesPeak: 0, bytesTotal: 0, poolHits: 0, poolMisses: 0, forwarded: 0 });

/** Filled by run/runAsync when passed (its previous content is replaced, as in TF). */
export class RunMetadata {
  stepStats: StepStats = { devStats: [] };
  costGraph: CostGraph = { node: [] };
  partitionGraphs: GraphDefLike[] = [];
  /**
   * The run's memory (tensorloom extension): peak and total bytes its outputs allocated; of the
   * allocations of 64 KiB and more, how many the caching allocator served from blocks earlier
   * runs freed (`poolHits`) or mapped fresh from the OS (`poolMisses`); and how many outputs
   * were written over an input whose last use was that op (`forwarded`, no allocation).
   */
  memory: RunMemory = emptyMemory();
  clear(): void {
    this.stepStats = { devStats: [] };
    this.costGraph = { node: [] };
    this.partitionGraphs = [];
    this.memory = emptyMemory();
  }
}

/**
 * The fused steps of a run (native build_plan's remapper, TF's grappler remapper): tail op id →
 * the chain's ops, head first (MatMul / Conv2D / DepthwiseConv2dNative, BiasAdd, then the
 * activation if any; or an elementwise chain). The step is named like its tail and typed as TF
 * names these kernels (`_FusedElementwise` for a chain).
 */
export function fusedChains(graph: Graph, fused: Int32Array | undefined): Map<number, Operation[]> {
  const out = new Map<number, Operation[]>();
  for (let i = 0; fused && i < fused.length; i += 1 + fused[i]) {
    const chain = Array.from(fused.subarray(i + 1, i + 1 + fused[i]), (id) => graph.opAt(id));
    out.set(chain[chain.length - 1].id, chain);
  }
  return out;
}

const FUSED_TYPE: Record<string, string> = { MatMul: '_FusedMatMul', BatchMatMulV2: '_FusedBatchMatMulV2', Conv2D: '_FusedConv2D', DepthwiseConv2dNative: '_FusedDepthwiseConv2dNative' };
const ENC = new TextEncoder();

/**
 * TF's NodeDef of a fused step: the head's inputs and attrs plus the bias (`num_args` 1), and
 * `fused_ops` ["BiasAdd"] or ["BiasAdd", "<activation>"] (with LeakyRelu's `leakyrelu_alpha`;
 * "GeluExact" for Keras' Mul/Neg/Mul/Erfc/Mul chain). A MatMul whose Reshape was absorbed
 * (Tensordot) lists "Reshape" first and reads the Reshape's shape after the bias.
 */
export function fusedNodeDef(chain: readonly Operation[], defOf: (op: Operation) => NodeDefObject = nodeDef): NodeDefObject {
  const head = chain[0], tail = chain[chain.length - 1];
  const d = defOf(head);
  if (head.type === 'Mean') return layerNormNodeDef(chain);
  if (!(d.op in FUSED_TYPE)) return elementwiseNodeDef(chain);
  const reshape = chain[1].type === 'Reshape' ? chain[1] : undefined;
  const mid = chain[reshape ? 2 : 1], before = reshape ?? head;
  const ref = (t: Tensor) => (t.valueIndex === 0 ? t.op.name : t.name);
  // The mid node's other data input as it ran (a folded batch norm's: its shift).
  const midInputs = defOf(mid).input.filter((x) => !x.startsWith('^'));
  const bias = midInputs[0] === before.name ? midInputs[1] : midInputs[0];
  const dataInputs = d.input.filter((x) => !x.startsWith('^'));
  const controls = [...new Set([...d.input.filter((x) => x.startsWith('^')), ...chain.flatMap((o) => o.controlInputs.map((c) => `^${c.name}`))])];
  const act = chain.some((o) => o.type === 'Erfc') ? 'GeluExact' : tail !== mid ? tail.type : undefined;
  const fusedOps = [...(reshape ? ['Reshape'] : []), 'BiasAdd', ...(act ? [act] : [])];
  const attr = { ...d.attr, num_args: { i: 1 }, fused_ops: { list: { s: fusedOps.map((x) => ENC.encode(x)) } } } as NodeDefObject['attr'];
  if (tail.type === 'LeakyRelu') attr.leakyrelu_alpha = { f: tail.getAttr('alpha') as number };
  return {
    name: tail.name, op: FUSED_TYPE[d.op], device: d.device,
    input: [...dataInputs, bias, ...(reshape ? [ref(reshape.inputs[1])] : []), ...controls], attr,
  };
}

/**
 * How a run's plan ran each node (native fold_constants, fold_scale_into_filter and the
 * remapper): a folded node as a `Const` of its plan-time value (its `value` attr only when
 * the values came along, i.e. with the executed list), a Mul whose convolution was folded
 * into it as that convolution under the Mul's name, a convolution that absorbed the Pad before
 * it with EXPLICIT padding, the tail of a fused chain as the fused kernel; any other node as
 * itself.
 */
export class PlanNodes {
  readonly fused: Map<number, Operation[]>;
  readonly #folded = new Map<number, number>();   // node id -> index in foldedValues
  readonly #scaled = new Map<number, Operation>(); // mul id -> the conv it runs as
  readonly #padded = new Map<number, [Operation, number[]]>(); // conv id -> the Pad it absorbed, explicit_paddings
  readonly #normed = new Map<number, [Operation, Operation]>(); // batch norm id -> the conv and shift it runs as a BiasAdd of
  constructor(readonly graph: Graph, readonly tr: Pick<NativeTrace, 'fused' | 'folded' | 'scaled' | 'padded' | 'foldedValues'> & { normed?: Int32Array }) {
    this.fused = fusedChains(graph, tr.fused);
    (tr.folded ?? []).forEach((id, i) => this.#folded.set(id, i));
    for (let i = 0; tr.scaled && i < tr.scaled.length; i += 2) this.#scaled.set(tr.scaled[i + 1], graph.opAt(tr.scaled[i]));
    for (let i = 0; tr.normed && i < tr.normed.length; i += 3) this.#normed.set(tr.normed[i], [graph.opAt(tr.normed[i + 1]), graph.opAt(tr.normed[i + 2])]);
    for (let i = 0; tr.padded && i < tr.padded.length; i += 10)
      this.#padded.set(tr.padded[i + 1], [graph.opAt(tr.padded[i]), Array.from(tr.padded.subarray(i + 2, i + 10))]);
  }
  /** A node's NodeDef as it ran (not fused). */
  readonly defOf = (op: Operation): NodeDefObject => {
    const f = this.#folded.get(op.id);
    if (f !== undefined) {
      const dtype = dtypeCode(op.outputs[0].dtype);
      const attr: NodeDefObject['attr'] = { dtype: { type: dtype } };
      const v = this.tr.foldedValues?.[f];
      if (v) {
        const [code, shape, data] = v;
        const values = Array.isArray(data) ? data : typedArrayFor(dtypeFromCode(code), data, 0, shape.reduce((a, b) => a * b, 1));
        attr.value = { tensor: arrayToTensor(code, shape, values) };
      }
      return { name: op.name, op: 'Const', input: [], device: '', attr };
    }
    const ctl = (o: Operation) => o.controlInputs.map((c) => `^${c.name}`);
    const normed = this.#normed.get(op.id);
    if (normed) {
      const attr = { T: { type: dtypeCode('float32') }, data_format: { s: ENC.encode('NHWC') } } as NodeDefObject['attr'];
      return { name: op.name, op: 'BiasAdd', device: '', input: [normed[0].name, normed[1].name, ...ctl(op)], attr };
    }
    const conv = this.#scaled.get(op.id);
    const d = conv ? { ...nodeDef(conv), name: op.name } : nodeDef(op);
    if (conv) d.input = [...d.input, ...ctl(op)];  // the conv's inputs and controls, then the Mul's controls
    const padded = this.#padded.get(op.id);
    if (!padded) return d;
    const src = padded[0].inputs[0];
    const attr = { ...d.attr, padding: { s: ENC.encode('EXPLICIT') }, explicit_paddings: { list: { i: padded[1] } } } as NodeDefObject['attr'];
    return { ...d, input: [src.valueIndex === 0 ? src.op.name : src.name, ...d.input.slice(1), ...ctl(padded[0])], attr };
  };
  /** The tensors a node reads as it ran (a folded node none, a Mul run as a conv the conv's). */
  inputsOf(op: Operation): Tensor[] {
    if (this.#folded.has(op.id)) return [];
    const normed = this.#normed.get(op.id);
    if (normed) return [normed[0].outputs[0], normed[1].outputs[0]];
    const inputs = (this.#scaled.get(op.id) ?? op).inputs;
    const padded = this.#padded.get(op.id);
    return padded ? [padded[0].inputs[0], ...inputs.slice(1)] : inputs;
  }
  /** The NodeDef of the step that node `id` names. */
  stepDef(id: number): NodeDefObject {
    const chain = this.fused.get(id);
    return chain ? fusedNodeDef(chain, this.defOf) : this.defOf(this.graph.opAt(id));
  }
  /** The step's timeline label ("name = Type(inputs)"). */
  label(id: number): string {
    if (!this.fused.has(id) && !this.#folded.has(id) && !this.#scaled.has(id) && !this.#padded.has(id) && !this.#normed.has(id))
      return timelineLabel(this.graph.opAt(id));
    const d = this.stepDef(id);
    return `${d.name} = ${d.op}(${d.input.join(', ')})`;
  }
}

/**
 * A layer norm's step (native fuse_layer_norm; TF's oneDNN remapper names it `_MklLayerNorm`):
 * inputs x, scale, offset and the `epsilon` attr. The chain ends [.., Rsqrt, Mul s, Neg, Mul,
 * AddV2 (+ offset), Mul (x · s), AddV2].
 */
function layerNormNodeDef(chain: readonly Operation[]): NodeDefObject {
  const at = (k: number) => chain[chain.length - k];
  const [add1, mul1, s, r] = [at(3), at(4), at(6), at(7)];
  const ref = (t: Tensor) => (t.valueIndex === 0 ? t.op.name : t.name);
  const otherInput = (op: Operation, not: Operation) => op.inputs.find((t) => t.op !== not)!;
  const add = r.inputs[0].op;
  const epsOp = otherInput(add, chain.find((o) => o.type === 'Mean' && o !== chain[0]) ?? chain[0]).op;
  const eps = epsOp.type === 'Const' ? (epsOp.getAttr('value') as { data: ArrayLike<number> }).data[0] : 0;
  const controls = [...new Set(chain.flatMap((o) => o.controlInputs.map((c) => `^${c.name}`)))];
  const attr = { T: nodeDef(at(1)).attr.T, epsilon: { f: Number(eps) } } as NodeDefObject['attr'];
  return {
    name: at(1).name, op: '_MklLayerNorm', device: nodeDef(at(1)).device,
    input: [ref(chain[0].inputs[0]), ref(otherInput(s, r)), ref(otherInput(add1, mul1)), ...controls], attr,
  };
}

/**
 * An elementwise chain's step (native fuse_elementwise): the head's inputs, then each later
 * link's operand from outside the chain, in the order the native step reads them; `T` and
 * `fused_ops`, the chain's op types in order.
 */
function elementwiseNodeDef(chain: readonly Operation[]): NodeDefObject {
  const tail = chain[chain.length - 1];
  const ref = (t: Tensor) => (t.valueIndex === 0 ? t.op.name : t.name);
  const input = chain[0].inputs.map(ref);
  for (let k = 1; k < chain.length; k++) input.push(...chain[k].inputs.filter((t) => t.op !== chain[k - 1]).map(ref));
  const controls = [...new Set(chain.flatMap((o) => o.controlInputs.map((c) => `^${c.name}`)))];
  const attr = { T: nodeDef(tail).attr.T, fused_ops: { list: { s: chain.map((o) => ENC.encode(o.type)) } } } as NodeDefObject['attr'];
  return { name: tail.name, op: '_FusedElementwise', device: nodeDef(tail).device, input: [...input, ...controls], attr };
}

const labels = new WeakMap<Operation, string>();

/** "name = Type(in1, in2:1, ^ctrl)" like TF's StepStatsCollector (an op's inputs never change, so it is cached). */
export function timelineLabel(op: Operation): string {
  let l = labels.get(op);
  if (l === undefined) labels.set(op, l = `${op.name} = ${op.type}(${nodeInputs(op).join(', ')})`);
  return l;
}

const round64 = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Epoch nanoseconds as a JS number: above 2^53 doubles are 256 ns apart, so this picks the
 * representable value nearest micros·1000 + rem that still lies in the same µs, keeping
 * floor(nanos / 1000) === micros.
 */
function epochNanos(micros: number, rem: number): number {
  let v = micros * 1000 + rem;
  if (v <= Number.MAX_SAFE_INTEGER) return v;  // exact
  const ulp = 2 ** (Math.floor(Math.log2(v)) - 52);  // spacing of doubles near v
  for (let i = 0; i < 8 && Math.floor(v / 1000) > micros; i++) v -= ulp;
  for (let i = 0; i < 8 && Math.floor(v / 1000) < micros; i++) v += ulp;
  return v;
}

/**
 * Exact start of each traced node relative to its step's start, in ns (the absolute epoch
 * fields are JS numbers above 2^53, good only to 256 ns): step wall time and overlap are
 * derived from these, so op time never exceeds the step that contains it.
 */
export const relativeStartNanos = new WeakMap<NodeExecStats, number>();

/** Decodes a native trace into StepStats and the CostGraph. */
export function fillFromTrace(meta: RunMetadata, graph: Graph, tr: NativeTrace, finals: Set<number>): void {
  const plan = new PlanNodes(graph, tr);
  const epochNs = tr.startEpochNs;
  const baseMicros = Number(epochNs / 1000n);
  const baseRemNs = Number(epochNs % 1000n);
  const nodeStats: NodeExecStats[] = [];
  const costNodes: CostGraphNode[] = [];
  const threads: Record<number, string> = {};
  let live = 0, peak = 0;
  let o = 0;
  // Absolute times: epoch µs of the run start plus the node's offset, without float drift.
  const absMicros = (relNs: number) => baseMicros + Math.floor((baseRemNs + relNs) / 1000);
  const absNanos = (relNs: number) => epochNanos(absMicros(relNs), (baseRemNs + relNs) % 1000);
  const rows = tr.nodes, outs = tr.outputs;
  for (let r = 0; r < rows.length; r += 8) {
    const id = rows[r], sched = rows[r + 1], start = rows[r + 2], opStart = rows[r + 3], opEnd = rows[r + 4];
    const end = rows[r + 5], tid = rows[r + 6], allocated = rows[r + 7];
    const op = graph.opAt(id);
    const output: NodeOutput[] = [];
    const nOut = outs[o++];
    for (let k = 0; k < nOut; k++) {
      const dtype = dtypeFromCode(outs[o++]), bytes = outs[o++], rank = outs[o++];
      const shape: number[] = [];
      for (let d = 0; d < rank; d++) shape.push(outs[o++]);
      output.push({ slot: k, tensorDescription: { dtype, shape, allocationDescription: {
        requestedBytes: bytes, allocatedBytes: allocated > 0 ? round64(bytes) : bytes, allocatorName: ALLOCATOR } } });
    }
    live += allocated;
    peak = Math.max(peak, live);
    const allStartMicros = absMicros(start);
    const relUs = (ns: number) => Math.floor((ns - start) / 1000);
    threads[tid] ??= 'tensorloom executor';  // the thread that ran the step's ops
    const stats: NodeExecStats = {
      nodeName: op.name,
      allStartMicros,
      opStartRelMicros: relUs(opStart), opEndRelMicros: relUs(opEnd), allEndRelMicros: relUs(end),
      allStartNanos: absNanos(start),
      opStartRelNanos: opStart - start, opEndRelNanos: opEnd - start, allEndRelNanos: end - start,
      scheduledMicros: absMicros(sched), scheduledNanos: absNanos(sched),
      threadId: tid,
      timelineLabel: plan.label(id),
      output,
      memory: [{ allocatorName: ALLOCATOR, totalBytes: allocated, peakBytes: allocated, liveBytes: allocated }],
    };
    relativeStartNanos.set(stats, start);
    nodeStats.push(stats);
    const us = (opEnd - opStart) / 1000;
    costNodes.push({
      name: op.name, device: CPU_DEVICE, id,
      inputInfo: op.inputs.map((t) => ({ precedingNode: t.op.id, precedingPort: t.valueIndex })),
      outputInfo: output.map((x) => ({ size: x.tensorDescription.allocationDescription.requestedBytes, aliasInputPort: -1,
        shape: x.tensorDescription.shape, dtype: x.tensorDescription.dtype })),
      temporaryMemorySize: 0,
      computeCost: Math.max(1, Math.round(us)), computeTime: Math.round(us), memoryTime: 0,
      isFinal: finals.has(id), controlInput: op.controlInputs.map((c) => c.id),
    });
  }
  meta.stepStats = { devStats: [{ device: CPU_DEVICE, nodeStats, threadNames: threads }] };
  meta.costGraph = { node: costNodes };
  meta.memory = { bytesPeak: tr.bytesPeak, bytesTotal: tr.bytesTotal, poolHits: tr.poolHits, poolMisses: tr.poolMisses, forwarded: tr.forwarded };
}

/**
 * The pruned graph that ran, as a GraphDef-like object (nodes placed on the CPU device). As in
 * TF's function-call convention, each fed tensor an executed node reads becomes an `_Arg`
 * node (`_arg_<name>_<i>`), so the partition stands alone.
 */
export function partitionGraph(graph: Graph, executed: Int32Array, fed: readonly Tensor[], tr?: NativeTrace): GraphDefLike {
  const none = new Int32Array(0);
  const plan = new PlanNodes(graph, tr ?? { fused: none, folded: none, scaled: none, padded: new Float64Array(0), foldedValues: [] });
  const consumed = new Set(Array.from(executed, (i) => (plan.fused.get(i) ?? [graph.opAt(i)]).flatMap((o) => plan.inputsOf(o))).flat());
  const args = new Map<string, string>();  // fed tensor input string -> _Arg node name
  const argNodes: NodeDefObject[] = [];
  fed.forEach((t, i) => {
    if (!consumed.has(t)) return;
    const ref = t.valueIndex === 0 ? t.op.name : t.name;
    const name = `_arg_${t.op.name.replace(/\//g, '_')}_${t.valueIndex}_${i}`;
    args.set(ref, name);
    argNodes.push({ name, op: '_Arg', input: [], attr: { T: { type: dtypeCode(t.dtype) }, index: { i } }, device: CPU_DEVICE });
  });
  // A control edge from a constant the plan pruned (constant folding drops those edges) is left out.
  const ran = new Set(Array.from(executed, (i) => graph.opAt(i).name));
  const nodes = Array.from(executed, (i) => {
    const d = plan.stepDef(i);
    const input = d.input.filter((s) => !s.startsWith('^') || ran.has(s.slice(1)) || !tr?.folded.length);
    return { ...d, input: input.map((s) => args.get(s) ?? s), device: CPU_DEVICE };
  });
  return { node: [...argNodes, ...nodes], versions: { producer: PRODUCER }, library: {} };
}
