// tf.errors: OpError and its subclasses with TF's numeric codes (error_codes.proto).
import type { Operation } from './graph';

export const OK = 0, CANCELLED = 1, UNKNOWN = 2, INVALID_ARGUMENT = 3, DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5, ALREADY_EXISTS = 6, PERMISSION_DENIED = 7, RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9, ABORTED = 10, OUT_OF_RANGE = 11, UNIMPLEMENTED = 12, INTERNAL = 13,
  UNAVAILABLE = 14, DATA_LOSS = 15, UNAUTHENTICATED = 16;

/** A GraphDef-style description of the op an error is about. */
export interface NodeDefLike { name: string; op: string; input: string[]; attr: Record<string, unknown> }

/**
 * Base of every runtime and value error, like TF's `tf.errors.OpError`.
 * `op` is the failing operation when known; `stack` ends with the JS stack of where that op
 * was built ("Original stack trace for 'name'").
 */
export class OpError extends Error {
  readonly code: number;
  readonly op: Operation | null;
  readonly nodeDef: NodeDefLike | null;
  /** Alias of `code`, as TF's `error_code`. */
  get errorCode(): number { return this.code; }

  constructor(nodeDef: NodeDefLike | null, op: Operation | null, message: string, code: number = UNKNOWN) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.op = op;
    this.nodeDef = nodeDef;
    const built = op?.traceback;
    if (built && this.stack) this.stack += `\n\nOriginal stack trace for '${op!.name}':\n${built}`;
  }
}

// Explicit classes (not a factory) so the published .d.ts names each one as a type.
type NodeDefArg = NodeDefLike | null;
type OpArg = Operation | null;
export class CancelledError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, CANCELLED); } }
export class UnknownError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, UNKNOWN); } }
export class InvalidArgumentError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, INVALID_ARGUMENT); } }
export class DeadlineExceededError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, DEADLINE_EXCEEDED); } }
export class NotFoundError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, NOT_FOUND); } }
export class AlreadyExistsError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, ALREADY_EXISTS); } }
export class PermissionDeniedError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, PERMISSION_DENIED); } }
export class ResourceExhaustedError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, RESOURCE_EXHAUSTED); } }
export class FailedPreconditionError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, FAILED_PRECONDITION); } }
export class AbortedError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, ABORTED); } }
export class OutOfRangeError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, OUT_OF_RANGE); } }
export class UnimplementedError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, UNIMPLEMENTED); } }
export class InternalError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, INTERNAL); } }
export class UnavailableError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, UNAVAILABLE); } }
export class DataLossError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, DATA_LOSS); } }
export class UnauthenticatedError extends OpError { constructor(n: NodeDefArg, op: OpArg, m: string) { super(n, op, m, UNAUTHENTICATED); } }

const BY_CODE: Record<number, new (n: NodeDefArg, op: OpArg, m: string) => OpError> = {
  [CANCELLED]: CancelledError, [UNKNOWN]: UnknownError, [INVALID_ARGUMENT]: InvalidArgumentError,
  [DEADLINE_EXCEEDED]: DeadlineExceededError, [NOT_FOUND]: NotFoundError, [ALREADY_EXISTS]: AlreadyExistsError,
  [PERMISSION_DENIED]: PermissionDeniedError, [RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [FAILED_PRECONDITION]: FailedPreconditionError, [ABORTED]: AbortedError, [OUT_OF_RANGE]: OutOfRangeError,
  [UNIMPLEMENTED]: UnimplementedError, [INTERNAL]: InternalError, [UNAVAILABLE]: UnavailableError,
  [DATA_LOSS]: DataLossError, [UNAUTHENTICATED]: UnauthenticatedError,
};

/** The OpError subclass for a TF error code (UnknownError for unknown codes). */
export function errorForCode(code: number, message: string, op: Operation | null = null,
                             nodeDef: NodeDefLike | null = null): OpError {
  const C = BY_CODE[code] ?? UnknownError;
  return new C(nodeDef, op, message);
}

/** Shorthand for the build-time value errors (TF's ValueError) this library raises as InvalidArgumentError. */
export function invalidArgument(message: string, op: Operation | null = null): OpError {
  return new InvalidArgumentError(null, op, message);
}

/** Throws TypeError for keys of `obj` outside `accepted`, naming the key and the accepted ones. */
export function checkKeys(obj: object, accepted: readonly string[], what: string): void {
  for (const k of Object.keys(obj)) {
    if (!accepted.includes(k)) throw new TypeError(`${what}: unknown option '${k}' (accepted: ${accepted.join(', ')})`);
  }
}
