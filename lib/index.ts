/**
 * tensorloom: TensorFlow-1-style graph execution for Node.js.
 *
 * @example
 * import * as tf from 'tensorloom';
 * const x = tf.placeholder(tf.float32, [null, 3], 'x');
 * const w = tf.constant([[1], [2], [3]]);
 * const y = tf.nn.relu(tf.matmul(x, w));
 * const sess = new tf.Session();
 * const meta = new tf.RunMetadata();
 * const out = sess.run(y, new Map([[x, [[1, 2, 3]]]]),
 *                      new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE }), meta);
 * console.log(out);                                          // [[14]]
 * const trace = new tf.Timeline(meta.stepStats).generateChromeTraceFormat();
 */
export { DType, TypedArray, NDData, float32, float64, int32, int64, uint8, bool, string, DTYPES } from './dtypes';
export { Graph, Operation, Tensor, StaticShape, FeedDict, getDefaultGraph, resetDefaultGraph, nameScope, controlDependencies } from './graph';
export { NDArray, ndarray, ValueLike } from './ndarray';
export {
  OpOptions, TensorLike, MatMulOptions, ReduceOptions,
  constant, placeholder, placeholderWithDefault, identity, noOp, group,
  add, subtract, multiply, divide, maximum, minimum,
  negative, abs, exp, log, sqrt, square, tanh, sigmoid, matmul,
  reduceSum, reduceMean, reduceMax, reshape, cast, fill,
} from './ops/builders';
export * from './ops/math';
export * from './ops/array';
export * from './ops/reduce';
export { nn } from './ops/nn';
export {
  ShapeArg, RandomUniformOptions, RandomNormalOptions, MultinomialOptions, CategoricalOptions, DropoutOptions,
  setRandomSeed, getSeed, randomUniform, randomNormal, truncatedNormal, randomShuffle, multinomial, random,
} from './ops/random';
export * from './gradients';
export * from './variables';
export { Session, InteractiveSession, SessionOptions, SessionConfig, getDefaultSession } from './session';
export {
  RunOptions, RunMetadata, RunOptionsInit, TraceLevel, StepStats, DeviceStepStats, NodeExecStats,
  NodeOutput, TensorDescription, AllocationDescription, CostGraph, CostGraphNode,
} from './run-metadata';
export { Timeline, chromeTrace, ChromeTrace, ChromeTraceEvent, TimelineOptions, ChromeTraceFormatOptions, StepStatsAnalysis, AllocationMaximum } from './timeline';
export { profiler, ProfileSummary, ProfileRow, SummarizeOptions } from './profiler';
export type { ReportOptions, ReportInput } from './report';
export type { FeedValue, FeedObject, Feeds, Fetches, FetchElement, FetchResult, FetchValue, CallableFn, NestedValue } from './fetch-types';
export { loadGraph } from './serialize';
export { importGraphDef, loadGraphDef, ImportGraphDefOptions } from './graphdef/import';
export type { GraphDefObject, NodeDefObject, AttrValueObject, TensorObject, ShapeObject } from './graphdef/types';
import * as errors from './errors';
export { errors };
export { OpError, InvalidArgumentError } from './errors';

import { binding } from './binding';
/** The kernel ISA chosen at load ("avx512", "avx2", "neon" or "scalar"; TL_ISA caps it). */
export function isa(): string { return binding().isa; }
export * as train from './train';
