// Session lifecycle: close, empty graph, default-session rules, eval, graph growth, runAsync,
// makeCallable, concurrency, worker_threads (API.md "Sessions"; TF1-SEMANTICS §3, §4).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from 'tensorloom';

const lib = join(__dirname, '..', '..', 'dist', 'cjs', 'lib', 'index.js');
const hasDist = (() => { try { require.resolve(lib); return true; } catch { return false; } })();

const CLOSED = 'Attempted to use a closed Session.';
const NO_DEFAULT_EVAL = 'Cannot evaluate tensor using `eval()`: No default session is registered. Use `sess.asDefault()` or pass an explicit session to `eval(feedDict, sess)`';

function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}
async function rejected(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (e) { return e as Error; }
  throw new Error('expected a rejection');
}
/** A plain Error: not a TypeError and not a tf.errors class. */
function expectPlainError(e: Error, text: string) {
  expect(e).toBeInstanceOf(Error);
  expect(e).not.toBeInstanceOf(TypeError);
  expect(e).not.toBeInstanceOf(tf.errors.OpError);
  expect(e.message).toContain(text);
}

// Every session a test opens is closed afterwards so the implicit default does not leak.
let opened: tf.Session[] = [];
function open(o?: tf.SessionOptions): tf.Session { const s = new tf.Session(o); opened.push(s); return s; }
beforeEach(() => { tf.resetDefaultGraph(); opened = []; });
afterEach(() => { for (const s of opened) s.close(); });

describe('close', () => {
  it('run after close throws the plain Error `Attempted to use a closed Session.`', () => {
    const c = tf.constant(1);
    const sess = open();
    expect(sess.closed).toBe(false);
    sess.close();
    expect(sess.closed).toBe(true);
    expectPlainError(thrown(() => sess.run(c)), CLOSED);
    expect(thrown(() => sess.run(c)).message).toBe(CLOSED);
  });

  it('close is idempotent', () => {
    const sess = open();
    sess.close();
    expect(() => sess.close()).not.toThrow();
  });

  it('runAsync and makeCallable after close fail the same way', async () => {
    const c = tf.constant(1);
    const sess = open();
    sess.close();
    expectPlainError(await rejected(sess.runAsync(c)), CLOSED);
    expectPlainError(thrown(() => sess.makeCallable(c)), CLOSED);
  });

  it('a callable made before close refuses to run after close', () => {
    const c = tf.constant(1);
    const sess = open();
    const f = sess.makeCallable(c);
    expect(f().item()).toBe(1);
    sess.close();
    // NOTE: TF's fast path returns CancelledError here; API.md says a closed session is a plain Error. Either is accepted.
    expect(() => f()).toThrow(/closed/i);
  });

  it('eval on a closed session that was the default no longer finds it', () => {
    const c = tf.constant(1);
    const sess = open();
    expect(c.eval().item()).toBe(1);
    sess.close();
    expectPlainError(thrown(() => c.eval()), NO_DEFAULT_EVAL);
  });
});

describe('empty graph', () => {
  it('run on an empty graph throws the plain Error `The Session graph is empty.`', () => {
    const sess = open();
    for (const f of [[], {}, [[]]]) {
      const e = thrown(() => sess.run(f));
      expectPlainError(e, 'The Session graph is empty.');
      expect(e.message).toBe('The Session graph is empty.  Add operations to the graph before calling run().');
    }
  });

  it('the same session works once ops are added', () => {
    const sess = open();
    expect(() => sess.run([])).toThrow();
    const c = tf.constant(4);
    expect(sess.run(c).item()).toBe(4);
  });
});

describe('default session', () => {
  it('eval / run with no default session throw the API.md text (plain Error)', () => {
    const c = tf.constant(1);
    expectPlainError(thrown(() => c.eval()), NO_DEFAULT_EVAL);
    expect(thrown(() => c.eval()).message).toBe(NO_DEFAULT_EVAL);
    expectPlainError(thrown(() => c.op.run()), 'No default session is registered');
  });

  it('eval and op.run with an explicit session work without a default', () => {
    const c = tf.constant(1);
    const sess = open();
    sess.close();  // no default any more
    const s2 = open();  // created while no default is registered: becomes the implicit default
    expect(c.eval(undefined, s2).item()).toBe(1);
    expect(c.op.run(undefined, s2)).toBeUndefined();
  });

  it('a plain Session created while none is registered becomes the default until closed', () => {
    const c = tf.add(tf.constant(10), tf.constant(5));
    const s1 = open();
    expect(c.eval().item()).toBe(15);
    expect(c.op.run()).toBeUndefined();
    const s2 = open();  // a default is registered: s2 does not take over
    s1.close();
    expectPlainError(thrown(() => c.eval()), NO_DEFAULT_EVAL);
    expect(s2.run(c).item()).toBe(15);
  });

  it('asDefault: nesting, innermost wins, restored on exit, returns the callback result', () => {
    const g1 = new tf.Graph(), g2 = new tf.Graph();
    const t1 = g1.asDefault(() => tf.constant(1));
    const t2 = g2.asDefault(() => tf.constant(2));
    const s1 = open({ graph: g1 }), s2 = open({ graph: g2 });
    const r = s1.asDefault(() => {
      expect(t1.eval().item()).toBe(1);
      s2.asDefault(() => {
        expect(t2.eval().item()).toBe(2);  // innermost (s2) is used
        const e = thrown(() => t1.eval());  // s2's graph is not t1's graph
        expect(e.message).toContain("graph is different from the session's graph");
      });
      expect(t1.eval().item()).toBe(1);   // s1 again
      return 'done';
    });
    expect(r).toBe('done');
  });

  it('asDefault restores the previous default when the callback throws', () => {
    const g2 = new tf.Graph();
    const t2 = g2.asDefault(() => tf.constant(2));
    const t1 = tf.constant(1);
    const s1 = open(), s2 = open({ graph: g2 });
    expect(() => s2.asDefault(() => { throw new Error('boom'); })).toThrow('boom');
    expect(t1.eval().item()).toBe(1);
    expect(() => t2.eval()).toThrow();
    expect(s1.closed).toBe(false);
  });

  it('eval with the default session of another graph throws (graph mismatch)', () => {
    const g2 = new tf.Graph();
    const t2 = g2.asDefault(() => tf.constant(2));
    open();
    const e = thrown(() => t2.eval());
    expect(e.message).toContain("the tensor's graph is different from the session's graph");
    const e2 = thrown(() => t2.op.run());
    expect(e2.message).toContain("the operation's graph is different from the session's graph");
  });

  it('eval with an explicit session of another graph throws (graph mismatch)', () => {
    const g2 = new tf.Graph();
    const s2 = open({ graph: g2 });
    const t1 = tf.constant(1);
    expect(() => t1.eval(undefined, s2)).toThrow(/graph is different from the session's graph/);
  });

  it('InteractiveSession installs itself as the default until closed', () => {
    const t1 = tf.constant(1);
    const g2 = new tf.Graph();
    const t2 = g2.asDefault(() => tf.constant(2));
    open();  // implicit default for the default graph
    const inter = new tf.InteractiveSession({ graph: g2 });
    opened.push(inter);
    expect(t2.eval().item()).toBe(2);
    expect(() => t1.eval()).toThrow(/graph is different/);
    inter.close();
    expect(t1.eval().item()).toBe(1);
    expect(() => t2.eval()).toThrow(/graph is different/);
  });

  it('eval takes a feed dict', () => {
    const x = tf.placeholder(tf.float32, []);
    const y = tf.multiply(x, 2);
    open();
    expect(y.eval(new Map([[x, 21]])).item()).toBe(42);
    expect(y.eval([[x, 1]]).item()).toBe(2);
  });

  it('each eval is its own run: separate evals see separate feeds, run([x, y]) one', () => {
    // NOTE: without stateful/random ops the "computed twice" part is not observable; this pins independence.
    const p = tf.placeholder(tf.float32, []);
    const x = tf.add(p, 1), y = tf.multiply(p, 10);
    const sess = open();
    expect(x.eval(new Map([[p, 1]])).item()).toBe(2);
    expect(y.eval(new Map([[p, 2]])).item()).toBe(20);
    expect(sess.run([x, y], new Map([[p, 3]])).map((v: tf.NDArray) => v.item())).toEqual([4, 30]);
    expect(() => x.eval()).toThrow(tf.errors.InvalidArgumentError);  // the feed of an earlier eval does not persist
  });
});

describe('graph growth after session creation', () => {
  it('ops added after creation and after earlier runs are runnable', () => {
    const a = tf.constant(2);
    const sess = open();
    expect(sess.run(a).item()).toBe(2);
    const b = tf.multiply(a, 3);
    expect(sess.run(b).item()).toBe(6);
    const c = tf.nameScope('later', () => tf.add(b, tf.constant(1)));
    expect(c.op.name).toBe('later/Add');
    expect(sess.run([a, b, c]).map((v: tf.NDArray) => v.item())).toEqual([2, 6, 7]);
    expect(sess.run('later/Add:0').item()).toBe(7);
  });

  it('a session on an explicit graph sees that graph, not the default one', () => {
    const g = new tf.Graph();
    const sess = open({ graph: g });
    expect(sess.graph).toBe(g);
    const t = g.asDefault(() => tf.add(tf.constant(1), 2));
    expect(sess.run(t).item()).toBe(3);
    expect(() => sess.run(tf.constant(0))).toThrow(tf.errors.InvalidArgumentError);
  });

  it('intraOpParallelismThreads: 1 gives the same result as the default pool', () => {
    const x = tf.constant(Float32Array.from({ length: 4099 }, (_, i) => (i % 13) - 6));
    const y = tf.reduceSum(tf.multiply(x, x));
    const s1 = open({ config: { intraOpParallelismThreads: 1 } }), s2 = open();
    const expected = Array.from({ length: 4099 }, (_, i) => ((i % 13) - 6) ** 2).reduce((p, q) => p + q, 0);
    expect(s1.run(y).item()).toBe(expected);
    expect(s2.run(y).item()).toBe(expected);
  });

  it.skipIf(!hasDist)('intra-op pools created and closed back to back (workers not yet started, or mid-spin) neither hang nor lose work', () => {
    // A session of N threads holds the process's N-thread pool; closing the last one joins its
    // workers, which may not have started running yet. In a child process: a hang there would
    // block this worker's thread, where no test timeout can fire.
    const code = `
      const tf = require(process.env.TL_LIB);
      const n = 300000;
      const x = tf.constant(Float32Array.from({ length: n }, (_, i) => (i % 7) - 3));
      const y = tf.reduceSum(tf.abs(x));
      let expected = 0;
      for (let i = 0; i < n; i++) expected += Math.abs((i % 7) - 3);
      let bad = 0;
      for (let i = 0; i < 60; i++) {
        const sess = new tf.Session({ config: { intraOpParallelismThreads: 2 + (i % 4) } });
        if (i % 3 !== 0 && sess.run(y).item() !== expected) bad++;
        sess.close();
      }
      console.log('done', bad);
    `;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TL_LIB: lib } });
    expect(r.stdout.trim()).toBe('done 0');
    expect(r.status).toBe(0);
  });
});

describe('runAsync', () => {
  it('resolves the same structure and values as run', async () => {
    const x = tf.placeholder(tf.float32, [null, 2]);
    const w = tf.constant(Float32Array.from([1, 2, 3, 4]), null, [2, 2]);
    const y = tf.matmul(x, w);
    const sess = open();
    const feeds = new Map([[x, [[1, 1], [2, 0]]]]);
    const fetches = { y, both: [y, w], op: y.op, name: 'MatMul:0' };
    const sync = sess.run(fetches, feeds);
    const async = await sess.runAsync(fetches, feeds);
    const plain = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o));
    expect(plain(async)).toEqual(plain(sync));
    expect(async.y.toArray()).toEqual([[4, 6], [2, 4]]);
    expect(async.op).toBeNull();
  });

  it('never throws synchronously; rejects with the same classes run throws', async () => {
    const p = tf.placeholder(tf.float32, [3], 'p');
    const y = tf.add(p, 1);
    const sess = open();
    const cases: [unknown, unknown, new (...a: never[]) => Error][] = [
      [null, undefined, TypeError],
      [5, undefined, TypeError],
      [y, undefined, tf.errors.InvalidArgumentError],                         // missing feed (in the run)
      [y, new Map([[p, [1, 2]]]), tf.errors.InvalidArgumentError],            // shape mismatch (validation)
      [y, new Map([[p, y]]), TypeError],                                       // Tensor as feed value
      [y, new Map([['p', 1]]), TypeError],                                     // bad key
      ['nope:0', undefined, tf.errors.InvalidArgumentError],                   // unknown name
    ];
    for (const [fetch, feed, cls] of cases) {
      let promise!: Promise<unknown>;
      expect(() => { promise = sess.runAsync(fetch, feed as tf.FeedDict); }).not.toThrow();
      const syncErr = thrown(() => sess.run(fetch, feed as tf.FeedDict));
      const asyncErr = await rejected(promise);
      expect(asyncErr).toBeInstanceOf(cls);
      expect(asyncErr.constructor).toBe(syncErr.constructor);
      expect(asyncErr.message).toBe(syncErr.message);
    }
    const e = await rejected(sess.runAsync(y));
    expect((e as tf.OpError).op?.name).toBe('p');
  });

  it('empty graph and closed session reject (not throw)', async () => {
    const sess = open();
    let pr!: Promise<unknown>;
    expect(() => { pr = sess.runAsync([]); }).not.toThrow();
    expectPlainError(await rejected(pr), 'The Session graph is empty.');
    tf.constant(1);
    sess.close();
    expect(() => { pr = sess.runAsync([]); }).not.toThrow();
    expectPlainError(await rejected(pr), CLOSED);
  });

  it('copies feed typed arrays at call time: mutating after the call does not affect the run', async () => {
    const n = 1 << 20;
    const x = tf.placeholder(tf.float32, [n]);
    const s = tf.reduceSum(tf.multiply(x, 1));
    const sess = open();
    const buf = new Float32Array(n).fill(1);
    const ndBuf = new Float32Array(n).fill(2);
    const p1 = sess.runAsync(s, new Map([[x, buf]]));
    const p2 = sess.runAsync(s, new Map([[x, tf.ndarray(ndBuf, [n])]]));
    buf.fill(100);
    ndBuf.fill(100);
    expect((await p1).item()).toBe(n);
    expect((await p2).item()).toBe(2 * n);
  });

  it('concurrent runAsync calls on one session each get their own result', async () => {
    const x = tf.placeholder(tf.float32, [null]);
    const y = tf.reduceSum(tf.square(x));
    const sess = open();
    const inputs = Array.from({ length: 16 }, (_, k) => Float32Array.from({ length: 1000 + k * 37 }, (_, i) => ((i + k) % 5)));
    const results = await Promise.all(inputs.map((a) => sess.runAsync(y, new Map([[x, a]]))));
    results.forEach((r: tf.NDArray, k) => expect(r.item()).toBe(inputs[k].reduce((p, v) => p + v * v, 0)));
  });

  it('sync run interleaved with pending async runs', async () => {
    const x = tf.placeholder(tf.float64, []);
    const y = tf.multiply(x, 3);
    const sess = open();
    const pending = [1, 2, 3].map((v) => sess.runAsync(y, new Map([[x, v]])));
    expect(sess.run(y, new Map([[x, 10]])).item()).toBe(30);
    expect((await Promise.all(pending)).map((v: tf.NDArray) => v.item())).toEqual([3, 6, 9]);
  });
});

describe('makeCallable', () => {
  it('positional feeds for the feed list, fetch structure preserved', () => {
    const x = tf.placeholder(tf.float32, [2], 'x');
    const y = tf.placeholder(tf.float32, [], 'y');
    const z = tf.multiply(x, y);
    const sess = open();
    const f = sess.makeCallable({ z, x, op: z.op }, [x, 'y:0']);
    const r1 = f([1, 2], 3);
    expect(r1.z.toArray()).toEqual([3, 6]);
    expect(r1.x.toArray()).toEqual([1, 2]);
    expect(r1.op).toBeNull();
    expect(f(Float32Array.from([4, 5]), 2).z.toArray()).toEqual([8, 10]);
  });

  it('no feed list: a single tensor or op', () => {
    const c = tf.add(tf.constant(1), 2);
    const sess = open();
    expect(sess.makeCallable(c)().item()).toBe(3);
    expect(sess.makeCallable(c.op)()).toBeNull();
  });

  it('validates feed values per call and the feed-list type', () => {
    const x = tf.placeholder(tf.int32, [2], 'x');
    const sess = open();
    const f = sess.makeCallable(tf.identity(x), [x]);
    expect(() => f([1, 2, 3])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => f([1.5, 2])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => f()).toThrow();
    expect(f([1, 2]).toArray()).toEqual([1, 2]);
    expect(() => sess.makeCallable(x, 'x:0' as never)).toThrow(TypeError);
  });

  it('ops added after makeCallable do not disturb it; the callable sees new ops it was made for', () => {
    const a = tf.constant(2);
    const sess = open();
    const b = tf.multiply(a, 5);
    const f = sess.makeCallable(b);
    tf.add(b, 1);
    expect(f().item()).toBe(10);
  });
});

describe('worker_threads', () => {
  const root = join(__dirname, '..', '..');
  const entry = join(root, 'dist', 'cjs', 'lib', 'index.js');

  function ensureDist(): boolean {
    if (existsSync(entry)) return true;
    try { execSync('npm run build:ts', { cwd: root, stdio: 'ignore', timeout: 300_000 }); } catch { return false; }
    return existsSync(entry);
  }

  it('a Session built and run inside a Worker, alongside a session on the main thread', async (ctx) => {
    if (!ensureDist()) { ctx.skip(); return; }  // dist/cjs could not be built: `npm run build:ts` failed
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const tf = require(workerData.entry);
      const x = tf.placeholder(tf.float32, [null, 3]);
      const w = tf.constant(new Float32Array([1, 0, 0, 1, 1, 1]), null, [3, 2]);
      const y = tf.reduceSum(tf.matmul(x, w), 1);
      const sess = new tf.Session();
      const out = [];
      for (let k = 0; k < 20; k++) out.push(Array.from(sess.run(y, new Map([[x, [[k, 1, 2], [3, 4, k]]]])).data));
      sess.runAsync(y, new Map([[x, [[1, 1, 1]]]])).then((v) => {
        out.push(Array.from(v.data));
        sess.close();
        parentPort.postMessage(out);
      }, (e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
    `;
    const worker = new Worker(code, { eval: true, workerData: { entry } });
    const main = tf.reduceSum(tf.constant(Float32Array.from([1, 2, 3])));
    const sess = open();
    const mainResults: number[] = [];
    const done = new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (c) => { if (c !== 0) reject(new Error(`worker exited with ${c}`)); });
    });
    for (let k = 0; k < 20; k++) mainResults.push((await sess.runAsync(main)).item());
    const out = await done;
    await worker.terminate();
    expect(out).not.toHaveProperty('error');
    // y[i] = sum_j (x @ w)[i, j] with w = [[1,0],[0,1],[1,1]]: row [a,b,c] → a + b + 2c
    const expected = Array.from({ length: 20 }, (_, k) => [k + 1 + 4, 3 + 4 + 2 * k]);
    expected.push([4]);
    expect(out).toEqual(expected);
    expect(mainResults).toEqual(new Array(20).fill(6));
  });

  it('a Worker that loads the addon and exits without closing its session does not crash the process', async (ctx) => {
    if (!ensureDist()) { ctx.skip(); return; }
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const tf = require(workerData.entry);
      const sess = new tf.Session();
      const v = sess.run(tf.add(tf.constant(1), 2)).item();
      sess.runAsync(tf.constant(5));  // left pending on purpose
      parentPort.postMessage(v);
    `;
    const worker = new Worker(code, { eval: true, workerData: { entry } });
    const v = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    expect(v).toBe(3);
    const exit = await new Promise<number>((resolve) => worker.once('exit', resolve));
    expect(typeof exit).toBe('number');
    expect(tf.add(tf.constant(1), 1).eval(undefined, open()).item()).toBe(2);  // main thread still fine
  });
});
