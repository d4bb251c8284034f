// Lifetime under GC and teardown, in child processes so a crash cannot take the runner down:
// sessions collected while their runs are pending, and a process exiting mid-run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = join(__dirname, '..', '..', 'dist', 'cjs', 'lib', 'index.js');
const hasDist = (() => { try { require.resolve(lib); return true; } catch { return false; } })();

function node(code: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...args, '-e', code], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TL_LIB: lib } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasDist)('GC and teardown', () => {
  it('sessions dropped and collected while runAsync is pending still settle every promise', () => {
    const r = node(`
      const tf = require(process.env.TL_LIB);
      (async () => {
        let settled = 0;
        for (let round = 0; round < 20; round++) {
          const g = new tf.Graph();
          const [x, y] = g.asDefault(() => { const x = tf.placeholder('float32', [64, 64]); return [x, tf.reduceSum(tf.matmul(x, x))]; });
          let sess = new tf.Session({ graph: g });
          const ps = [];
          for (let i = 0; i < 4; i++) ps.push(sess.runAsync(y, new Map([[x, new Float32Array(4096).fill(1)]])).then((v) => v.item()));
          sess = null;          // no close(): only the pending runs keep the native session alive
          global.gc();
          const vals = await Promise.all(ps);
          if (vals.some((v) => v !== 64 * 64 * 64)) throw new Error('wrong value ' + vals);
          settled += vals.length;
          global.gc();
        }
        console.log('settled', settled);
      })().catch((e) => { console.error(e); process.exit(1); });
    `, ['--expose-gc']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('settled 80');
    expect(r.status).toBe(0);
  });

  it('a process that exits while runs are in flight exits cleanly', () => {
    const r = node(`
      const tf = require(process.env.TL_LIB);
      const x = tf.placeholder('float32', [256, 256]);
      let t = x; for (let i = 0; i < 30; i++) t = tf.matmul(t, x);
      const sess = new tf.Session();
      for (let i = 0; i < 4; i++) sess.runAsync(t, new Map([[x, new Float32Array(65536).fill(0.001)]]));
      setTimeout(() => process.exit(0), 5);
    `);
    expect(r.status).toBe(0);
  });
});
