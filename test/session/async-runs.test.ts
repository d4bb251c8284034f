// runAsync on the addon's own run threads with batched completions: many runs in flight settle
// with the right values in any order, errors reject the right promise, and an idle session
// never keeps the process alive.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const lib = join(__dirname, '..', '..', 'dist', 'cjs', 'lib', 'index.js');
const hasDist = (() => { try { require.resolve(lib); return true; } catch { return false; } })();

describe('runAsync', () => {
  it('200 runs in flight each settle with their own feed\'s result', async () => {
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => { const x = tf.placeholder('float32', [3]); return [x, tf.reduceSum(tf.multiply(x, 2))]; });
    const sess = new tf.Session({ graph: g });
    const ps = Array.from({ length: 200 }, (_, i) => sess.runAsync(y, [[x, [i, 1, 2]]]));
    const vals = await Promise.all(ps);
    vals.forEach((v, i) => expect(v.item()).toBe(2 * (i + 3)));
    sess.close();
  });

  it('failing and succeeding runs in one batch reject and resolve the right promises', async () => {
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => { const x = tf.placeholder('int32', [null]); return [x, tf.reshape(x, [2, -1])]; });
    const sess = new tf.Session({ graph: g });
    const res = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => sess.runAsync(y, [[x, new Int32Array(i % 2 ? 3 : 4)]])));
    res.forEach((r, i) => {
      if (i % 2) expect(r.status === 'rejected' && (r.reason as Error) instanceof tf.errors.InvalidArgumentError).toBe(true);
      else expect(r.status === 'fulfilled' && (r.value as tf.NDArray).shape).toEqual([2, 2]);
    });
    sess.close();
  });

  it('runs reuse settled runs\' native records: traced, failing and plain runs in flight do not leak into each other', async () => {
    // Settled runs go back to a free list and are filled again by the next runAsync: a traced
    // run's trace, a failed run's error or an earlier run's outputs must not reach a later run.
    const g = new tf.Graph();
    const [x, n, y, bad] = g.asDefault(() => {
      const x = tf.placeholder('float32', []), n = tf.placeholder('int32', [1]);
      return [x, n, tf.add(tf.multiply(x, 3), 1), tf.reshape(tf.fill(n, x), [2, -1])];
    });
    const sess = new tf.Session({ graph: g });
    for (let round = 0; round < 20; round++) {
      const metas: (tf.RunMetadata | null)[] = [];
      const ps = Array.from({ length: 24 }, (_, i) => {
        const v = round * 100 + i;
        if (i % 6 === 5) return sess.runAsync(bad, [[x, v], [n, new Int32Array([3])]]);
        const meta = i % 4 === 1 ? new tf.RunMetadata() : null;
        metas[i] = meta;
        return sess.runAsync(y, [[x, v]], meta ? { traceLevel: tf.RunOptions.TraceLevel.FULL_TRACE } : null, meta);
      });
      const res = await Promise.allSettled(ps);
      res.forEach((r, i) => {
        if (i % 6 === 5) {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(tf.errors.InvalidArgumentError);
          return;
        }
        expect(r.status).toBe('fulfilled');
        expect(((r as PromiseFulfilledResult<tf.NDArray>).value).item()).toBe(3 * (round * 100 + i) + 1);
        const meta = metas[i];
        if (meta) expect(meta.stepStats.devStats[0].nodeStats.map((n) => n.nodeName)).toContain('Add');
      });
    }
    sess.close();
  });

  it('keeps the event loop turning while fast runs are in flight back to back', async () => {
    // Between bursts of fast runs the loop polls for their completions instead of sleeping;
    // timers must still fire on time, long before the bursts end.
    const g = new tf.Graph();
    const [x, y] = g.asDefault(() => { const x = tf.placeholder('float32', []); return [x, tf.add(x, 1)]; });
    const sess = new tf.Session({ graph: g });
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 16 }, () => sess.runAsync(y, [[x, i]])));
    const bursts = 1500;
    let done = 0, atTimer = -1;
    const timer = new Promise<void>((resolve) => setTimeout(() => { atTimer = done; resolve(); }, 2));
    for (; done < bursts; done++) {
      const v = await Promise.all(Array.from({ length: 16 }, (_, k) => sess.runAsync(y, [[x, k]])));
      expect(v[15].item()).toBe(16);
    }
    await timer;
    expect(atTimer).toBeGreaterThanOrEqual(0);
    expect(atTimer).toBeLessThan(bursts);
    sess.close();
  });

  it.skipIf(!hasDist)('a process whose fast runs were polled for exits once they settled', () => {
    const code = `
      const tf = require(process.env.TL_LIB);
      const x = tf.placeholder('float32', []);
      const y = tf.add(x, 1);
      const sess = new tf.Session();
      (async () => {
        let s = 0;
        for (let i = 0; i < 300; i++) s += (await Promise.all(Array.from({ length: 16 }, () => sess.runAsync(y, [[x, i]]))))[0].item();
        console.log('done', s);
      })();
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, TL_LIB: lib } });
    expect(r.stdout.trim()).toBe(`done ${(300 * 299) / 2 + 300}`);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it.skipIf(!hasDist)('an idle session does not keep the process alive after its runs settled', () => {
    const code = `
      const tf = require(process.env.TL_LIB);
      const sess = new tf.Session();
      const y = tf.add(tf.constant(1), 2);
      Promise.all([sess.runAsync(y), sess.runAsync(y)]).then((v) => console.log('done', v[0].item() + v[1].item()));
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, TL_LIB: lib } });
    expect(r.stdout.trim()).toBe('done 6');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
