// Inter-op parallelism (config.interOpParallelismThreads, TF's inter_op_parallelism_threads):
// independent branches of a plan whose runs take long enough execute at the same time on the
// pool's threads. Results must equal the in-order run's (interOpParallelismThreads: -1), values
// shared by concurrent consumers must not be overwritten in place, the first error, deadlines
// and traces must keep working.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const N = 160;  // a [N, N] matmul chain per branch: well over the 0.2 ms from which runs go parallel

function matrix(seed: number): tf.NDArray {
  const d = new Float32Array(N * N);
  for (let i = 0; i < d.length; i++) d[i] = (((i * 7919 + seed * 104729) % 1000) / 1000 - 0.5) / 8;
  return tf.ndarray(d, [N, N], 'float32');
}

/** Four independent branches of three matmuls each from one fed matrix, and their sum. */
function branches() {
  const g = new tf.Graph();
  const t = g.asDefault(() => {
    const x = tf.placeholder('float32', [N, N], 'x');
    const outs = [0, 1, 2, 3].map((b) => {
      let h = x;
      for (let k = 0; k < 3; k++) h = tf.tanh(tf.matmul(h, tf.constant(matrix(10 * b + k))));
      return h;
    });
    const total = tf.addN(outs);
    return { x, outs, total };
  });
  return { g, ...t };
}

function sessions(g: tf.Graph): [tf.Session, tf.Session] {
  return [new tf.Session({ graph: g, config: { interOpParallelismThreads: -1 } }), new tf.Session({ graph: g, config: { interOpParallelismThreads: 0, intraOpParallelismThreads: 2 } })];
}

describe('inter-op parallelism', () => {
  it('independent branches give exactly the in-order results, run after run', () => {
    const { g, x, outs, total } = branches();
    const [seq, par] = sessions(g);
    const feed = new Map([[x, matrix(99)]]);
    const want = seq.run([...outs, total], feed).map((v: tf.NDArray) => Array.from(v.data));
    for (let r = 0; r < 6; r++) {
      const got = par.run([...outs, total], feed).map((v: tf.NDArray) => Array.from(v.data));
      expect(got).toEqual(want);
    }
    seq.close();
    par.close();
  });

  it('a value read by concurrent consumers is not overwritten in place by one of them', () => {
    const g = new tf.Graph();
    const { x, m, ys } = g.asDefault(() => {
      const x = tf.placeholder('float32', [N, N], 'x');
      const m = tf.matmul(x, tf.constant(matrix(3)));
      // each consumer is elementwise (may write over its input when it is that value's last use)
      return { x, m, ys: [tf.negative(m), tf.square(m), tf.nn.relu(m), tf.multiply(m, 3)] };
    });
    const [seq, par] = sessions(g);
    const feed = new Map([[x, matrix(5)]]);
    const mv = Array.from(seq.run(m, feed).data);
    const closed = [(v: number) => -v, (v: number) => Math.fround(v * v), (v: number) => Math.max(v, 0), (v: number) => Math.fround(v * 3)];
    for (let r = 0; r < 6; r++) {
      // m itself is not fetched: the four are its only consumers
      const got = par.run(ys, feed) as tf.NDArray[];
      got.forEach((y, k) => expect(Array.from(y.data)).toEqual(mv.map(closed[k])));
    }
    seq.close();
    par.close();
  });

  it('traced runs show steps on more than one thread, overlapping in time', () => {
    const { g, x, total } = branches();
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads: 0, intraOpParallelismThreads: 2 } });
    const feed = new Map([[x, matrix(1)]]);
    for (let r = 0; r < 3; r++) sess.run(total, feed);  // the plan's run time is known from here on
    let overlapped = false;
    for (let r = 0; r < 30 && !overlapped; r++) {
      const meta = new tf.RunMetadata();
      sess.run(total, feed, { traceLevel: tf.RunOptions.FULL_TRACE }, meta);
      const stats = meta.stepStats.devStats.flatMap((d) => d.nodeStats).filter((s) => s.nodeName.startsWith('MatMul'));
      expect(stats.length).toBe(12);
      const byThread = new Set(stats.map((s) => s.threadId));
      const iv = stats.map((s) => [Number(s.allStartMicros), Number(s.allStartMicros) + Number(s.allEndRelMicros)]);
      overlapped = byThread.size > 1 && iv.some(([a0, a1], i) => iv.some(([b0, b1], j) => i !== j && a0 < b1 && b0 < a1));
    }
    expect(overlapped).toBe(true);
    sess.close();
  });

  it('an error in one branch fails the run with its class and op; the session stays usable', () => {
    const g = new tf.Graph();
    const { x, k, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [N, N], 'x');
      const k = tf.placeholder('int32', [1], 'k');
      const slow = tf.tanh(tf.matmul(tf.matmul(x, tf.constant(matrix(1))), tf.constant(matrix(2))));
      const bad = tf.reshape(tf.matmul(x, tf.constant(matrix(4))), k, { name: 'BadReshape' });
      return { x, k, y: tf.add(tf.reduceSum(slow), tf.reduceSum(bad)) };
    });
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads: 0, intraOpParallelismThreads: 2 } });
    const good = new Map<tf.Tensor, unknown>([[x, matrix(7)], [k, Int32Array.of(N * N)]]);
    const want = sess.run(y, good).item();
    for (let r = 0; r < 3; r++) expect(sess.run(y, good).item()).toBe(want);
    let e: unknown;
    try { sess.run(y, new Map<tf.Tensor, unknown>([[x, matrix(7)], [k, Int32Array.of(7)]])); } catch (err) { e = err; }
    expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect((e as tf.errors.OpError).op?.name).toBe('BadReshape');
    expect(sess.run(y, good).item()).toBe(want);
    sess.close();
  });

  it('a deadline stops a parallel run with DeadlineExceededError', () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [N, N], 'x');
      const outs = [0, 1, 2, 3].map((b) => {
        let h = x;
        for (let i = 0; i < 30; i++) h = tf.tanh(tf.matmul(h, tf.constant(matrix(b + i))));
        return h;
      });
      return { x, y: tf.addN(outs) };
    });
    const sess = new tf.Session({ graph: g, config: { interOpParallelismThreads: 0, intraOpParallelismThreads: 2 } });
    const feed = new Map([[x, matrix(2)]]);
    sess.run(y, feed);
    sess.run(y, feed);
    expect(() => sess.run(y, feed, { timeoutInMs: 1 })).toThrow(tf.errors.DeadlineExceededError);
    expect(sess.run(y, feed).shape).toEqual([N, N]);
    sess.close();
  });

  it('unset, a run keeps its steps in order on one thread', () => {
    const { g, x, total } = branches();
    const sess = new tf.Session({ graph: g });
    const feed = new Map([[x, matrix(1)]]);
    for (let r = 0; r < 3; r++) sess.run(total, feed);
    for (let r = 0; r < 3; r++) {
      const meta = new tf.RunMetadata();
      sess.run(total, feed, { traceLevel: tf.RunOptions.FULL_TRACE }, meta);
      expect(new Set(meta.stepStats.devStats[0].nodeStats.map((s) => s.threadId)).size).toBe(1);
    }
    sess.close();
  });

  it('interOpParallelismThreads must be an integer', () => {
    expect(() => new tf.Session({ graph: new tf.Graph(), config: { interOpParallelismThreads: 1.5 } })).toThrow(tf.errors.InvalidArgumentError);
  });
});
