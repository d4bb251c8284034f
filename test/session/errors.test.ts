// tf.errors classes and codes, kernel failures in a run, pruning, build-time errors and operand
// conversion (API.md "Errors", "Graphs and tensors"; TF1-SEMANTICS §2.1, §8).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}

let opened: tf.Session[] = [];
const open = (o?: tf.SessionOptions) => { const s = new tf.Session(o); opened.push(s); return s; };
beforeEach(() => { tf.resetDefaultGraph(); opened = []; });
afterEach(() => { for (const s of opened) s.close(); });

describe('tf.errors classes and codes', () => {
  // error_codes.proto values. API.md names nine subclasses; the other seven are TF1's (API.md: "where
  // this page is silent, do what TF1 does").
  const CODES: [string, number][] = [
    ['CancelledError', 1], ['UnknownError', 2], ['InvalidArgumentError', 3], ['DeadlineExceededError', 4],
    ['NotFoundError', 5], ['AlreadyExistsError', 6], ['PermissionDeniedError', 7], ['ResourceExhaustedError', 8],
    ['FailedPreconditionError', 9], ['AbortedError', 10], ['OutOfRangeError', 11], ['UnimplementedError', 12],
    ['InternalError', 13], ['UnavailableError', 14], ['DataLossError', 15], ['UnauthenticatedError', 16],
  ];
  for (const [name, code] of CODES) {
    it(`${name} has code ${code}, extends OpError and Error`, () => {
      const C = (tf.errors as unknown as Record<string, new (n: null, o: null, m: string) => tf.OpError>)[name];
      expect(C, `tf.errors.${name} missing`).toBeTypeOf('function');
      const e = new C(null, null, 'the message');
      expect(e).toBeInstanceOf(tf.errors.OpError);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toBe(code);
      expect(e.message).toBe('the message');
      expect(e.name).toBe(name);
      expect(e.op).toBeNull();
    });
  }

  it('OpError is exported at top level too, and InvalidArgumentError is the same class', () => {
    expect(tf.OpError).toBe(tf.errors.OpError);
    expect(tf.InvalidArgumentError).toBe(tf.errors.InvalidArgumentError);
  });

  it('subclasses are distinct (an InvalidArgumentError is not a NotFoundError)', () => {
    const e = new tf.errors.InvalidArgumentError(null, null, 'x');
    expect(e).not.toBeInstanceOf(tf.errors.NotFoundError);
    expect(e).not.toBeInstanceOf(tf.errors.DeadlineExceededError);
  });
});

/** Builds the failing graph in a named function so the build site shows in the error's stack. */
function buildTheReshapeHere() {
  const shape = tf.placeholder(tf.int32, [2], 'new_shape');
  const some4 = tf.constant(Float32Array.from([1, 2, 3, 4]), null, null, { name: 'some4' });
  return { shape, r: tf.reshape(some4, shape, { name: 'bad_reshape' }) };
}

describe('kernel failures in a run', () => {
  it('Reshape of 4 values to a fed [3, 7] → InvalidArgumentError naming the op, err.op set', () => {
    const { shape, r } = buildTheReshapeHere();
    const sess = open();
    const e = thrown(() => sess.run(r, new Map([[shape, [3, 7]]]))) as tf.OpError;
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.code).toBe(3);
    expect(e.message).toContain('Input to reshape is a tensor with 4 values, but the requested shape has 21');
    expect(e.message).toContain('bad_reshape');
    expect(e.op).toBe(r.op);
    expect(e.nodeDef?.name).toBe('bad_reshape');
    expect(e.nodeDef?.op).toBe('Reshape');
    // API.md: the error carries the JS stack of where the failing op was *built*
    expect(e.stack).toContain('buildTheReshapeHere');
  });

  it('the session stays usable after a kernel failure (same fetch, then others)', () => {
    const { shape, r } = buildTheReshapeHere();
    const sess = open();
    expect(() => sess.run(r, new Map([[shape, [3, 7]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(sess.run(r, new Map([[shape, [2, 2]]])).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(() => sess.run(r, new Map([[shape, [5, 1]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(sess.run(tf.add(r, 1), new Map([[shape, [1, 4]]])).toArray()).toEqual([[2, 3, 4, 5]]);
  });

  it('runAsync rejects with the same kernel error and the session stays usable', async () => {
    const { shape, r } = buildTheReshapeHere();
    const sess = open();
    let err: unknown;
    try { await sess.runAsync(r, new Map([[shape, [3, 7]]])); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect((err as tf.OpError).op).toBe(r.op);
    expect((err as Error).message).toContain('Input to reshape is a tensor with 4 values, but the requested shape has 21');
    expect((await sess.runAsync(r, new Map([[shape, [4, 1]]]))).shape).toEqual([4, 1]);
  });

  it('a fed value that breaks a downstream reshape: [null] placeholder fed 4 values, reshape to [2, 3]', () => {
    const x = tf.placeholder(tf.float32, [null], 'x');
    const r = tf.reshape(x, [2, 3], { name: 'r' });
    const sess = open();
    const e = thrown(() => sess.run(r, new Map([[x, [1, 2, 3, 4]]]))) as tf.OpError;
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain('Input to reshape is a tensor with 4 values, but the requested shape has 6');
    expect(e.op?.name).toBe('r');
  });

  it('timeoutInMs ends a long run with DeadlineExceededError (code 4) and the session stays usable', () => {
    const n = 1024;
    let m = tf.constant(new Float32Array(n * n).fill(0.001), null, [n, n]);
    for (let i = 0; i < 8; i++) m = tf.matmul(m, m);
    const out = tf.reduceSum(m);
    const sess = open();
    const e = thrown(() => sess.run(out, undefined, new tf.RunOptions({ timeoutInMs: 1 }))) as tf.OpError;
    expect(e).toBeInstanceOf(tf.errors.DeadlineExceededError);
    expect(e.code).toBe(4);
    expect(sess.run(tf.constant(7)).item()).toBe(7);
  });
});

describe('pruning: only the subgraph needed for the fetches runs', () => {
  it('an unfed placeholder branch does not run when not needed', () => {
    const p = tf.placeholder(tf.float32, [], 'p');
    const needsP = tf.add(p, 1, { name: 'needsP' });
    const a = tf.constant(2, null, null, { name: 'a' });
    const b = tf.multiply(a, 3, { name: 'b' });
    const sess = open();
    expect(sess.run(b).item()).toBe(6);
    expect(() => sess.run(needsP)).toThrow(tf.errors.InvalidArgumentError);
    expect(sess.run([b, a]).map((v: tf.NDArray) => v.item())).toEqual([6, 2]);
  });

  it('a branch whose kernel would fail does not run when a sibling is fetched', () => {
    const x = tf.placeholder(tf.float32, [null], 'x');
    const bad = tf.reshape(x, [5], { name: 'bad' });   // fails for the 4 values fed below
    const good = tf.reduceSum(x, undefined, { name: 'good' });
    tf.group(bad, good, { name: 'both' });
    const sess = open();
    expect(sess.run(good, new Map([[x, [1, 2, 3, 4]]])).item()).toBe(10);
    expect(() => sess.run('both', new Map([[x, [1, 2, 3, 4]]]))).toThrow(tf.errors.InvalidArgumentError);
  });

  it('run metadata lists exactly the executed nodes: the pruned branch is absent', () => {
    const p = tf.placeholder(tf.float32, [], 'p');
    tf.add(p, 1, { name: 'unused' });
    const a = tf.constant(2, null, null, { name: 'a' });
    const b = tf.multiply(a, 3, { name: 'b' });
    const sess = open();
    const meta = new tf.RunMetadata();
    sess.run(b, undefined, new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE }), meta);
    const ran = meta.stepStats.devStats.flatMap((d) => d.nodeStats.map((s) => s.nodeName));
    expect(ran).toContain('b');
    expect(ran).toContain('a');
    expect(ran).not.toContain('p');
    expect(ran).not.toContain('unused');
  });

  // TF CONST_TEST testControlDependency: with control_dependencies([p]) c = 5; (p * c).eval({p: 2}) == 10.
  it('control dependencies are part of the needed subgraph; a fed control input does not run', () => {
    const p = tf.placeholder(tf.float32, [], 'p');
    const c = tf.controlDependencies([p], () => tf.constant(5, null, null, { name: 'c' }));
    const sess = open();
    expect(() => sess.run(c)).toThrow(tf.errors.InvalidArgumentError);   // p runs (unfed) first
    expect(sess.run(tf.multiply(p, c), new Map([[p, 2]])).item()).toBe(10);
  });
});

describe('build-time errors', () => {
  it('matmul [2,3] by [4,5] throws InvalidArgumentError naming both shapes', () => {
    const a = tf.constant(new Float32Array(6), null, [2, 3]);
    const b = tf.constant(new Float32Array(20), null, [4, 5]);
    const e = thrown(() => tf.matmul(a, b));
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toContain('[2,3]');
    expect(e.message).toContain('[4,5]');
  });

  it('a failed build adds no MatMul node to the graph', () => {
    // NOTE: TF1 (TF_FinishOperation) leaves no node behind when shape inference fails; inferred, not in API.md.
    const a = tf.constant(new Float32Array(6), null, [2, 3]);
    const b = tf.constant(new Float32Array(20), null, [4, 5]);
    expect(() => tf.matmul(a, b)).toThrow();
    expect(tf.getDefaultGraph().getOperations().filter((o) => o.type === 'MatMul')).toHaveLength(0);
    // (the name 'MatMul' may stay reserved: TF1 enters name_scope('MatMul') before creating the op)
  });

  it('dtype mismatch in add throws at build time (no silent promotion)', () => {
    const f = tf.constant(Float32Array.from([1]));
    const i = tf.constant(Int32Array.from([1]));
    const e = thrown(() => tf.add(f, i));
    // API.md: everything about dtypes is a tf.errors class; InvalidArgumentError is this library's mapping of TF's build-time errors.
    expect(e).toBeInstanceOf(tf.errors.OpError);
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(e.message).toMatch(/int32/);
    expect(e.message).toMatch(/float32/);
    expect(() => tf.matmul(tf.constant(new Float64Array(1), null, [1, 1]), tf.constant(new Float32Array(1), null, [1, 1]))).toThrow(tf.errors.OpError);
  });
});

describe('operand conversion', () => {
  it('tf.add(intTensor, 1) is int32 and computes in int32', () => {
    const i = tf.constant(Int32Array.from([1, 2]));
    const y = tf.add(i, 1);
    expect(y.dtype).toBe('int32');
    const z = tf.add(1, i);
    expect(z.dtype).toBe('int32');
    const sess = open();
    expect(sess.run(y).toArray()).toEqual([2, 3]);
    expect(sess.run(z).toArray()).toEqual([2, 3]);
  });

  it('numbers and arrays take the other operand dtype: float64, int64, uint8', () => {
    const d = tf.multiply(tf.constant(Float64Array.from([0.1])), 3);
    const l = tf.add(tf.constant(BigInt64Array.from([2n ** 40n])), [1]);
    const u = tf.subtract(tf.constant(Uint8Array.from([10])), 3);
    expect([d.dtype, l.dtype, u.dtype]).toEqual(['float64', 'int64', 'uint8']);
    const sess = open();
    expect(sess.run(d).item()).toBe(0.1 * 3);
    expect(sess.run(l).item()).toBe(2n ** 40n + 1n);
    expect(sess.run(u).item()).toBe(7);
  });

  it('a lossy operand conversion (1.5 into int32) is refused', () => {
    const i = tf.constant(Int32Array.from([1]));
    expect(() => tf.add(i, 1.5)).toThrow(tf.errors.InvalidArgumentError);
  });

  it('two JS numbers make float32 (untyped constant rule)', () => {
    expect(tf.add(1, 2).dtype).toBe('float32');
  });

  it("shape-like arguments given as JS arrays become int32 (reshape's shape, reduction axes)", () => {
    const x = tf.constant(new Float64Array(6));
    const r = tf.reshape(x, [2, 3]);
    expect(r.op.inputs[1].dtype).toBe('int32');
    const s = tf.reduceSum(r, [1]);
    expect(s.op.inputs[1].dtype).toBe('int32');
  });

  it('an Operation is not a tensor operand', () => {
    const n = tf.noOp();
    expect(() => tf.add(n as never, 1)).toThrow(TypeError);
  });
});
