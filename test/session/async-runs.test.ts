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
