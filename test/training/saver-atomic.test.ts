// A save that fails while writing (the disk fills up on the second temporary file) leaves the
// previous checkpoint at the same prefix whole and restorable, and no temporary files behind.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import * as tf from 'tensorloom';

const failing = vi.hoisted(() => ({ pattern: null as RegExp | null }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (failing.pattern?.test(String(path))) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof fs.openSync;
  return { ...fs, default: { ...fs, openSync }, openSync };
});

const dir = mkdtempSync(join(tmpdir(), 'tl-saver-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a failing write leaves the previous checkpoint intact', () => {
  const g = new tf.Graph();
  g.asDefault(() => {
    const w = new tf.Variable([1, 2, 3], { name: 'w' });
    const sess = new tf.Session({ graph: g });
    sess.run(w.initializer);
    const saver = new tf.train.Saver([w]);
    const p = saver.save(sess, join(dir, 'm'))!;
    const before = readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))] as const);
    sess.run(w.assign([7, 8, 9]));
    for (const pattern of [/\.index\.tempstate/, /\.data-00000-of-00001\.tempstate/, /checkpoint\.tempstate/]) {
      failing.pattern = pattern;
      let err: unknown;
      try { saver.save(sess, p); } catch (e) { err = e; }
      failing.pattern = null;
      expect(err).toBeInstanceOf(tf.errors.ResourceExhaustedError);
      expect((err as Error).message).toContain('no space left on device');
      if (pattern.source.startsWith('checkpoint')) continue;  // the bundle itself was written: only the state file failed
      expect(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))] as const)).toEqual(before);
    }
    expect(readdirSync(dir).filter((f) => f.includes('tempstate'))).toEqual([]);
    sess.run(w.assign([0, 0, 0]));
    saver.restore(sess, p);
    expect(Array.from(sess.run(w).data as Float32Array)).toEqual([7, 8, 9]);  // the last bundle written (state-file failure case)
    sess.close();
  });
});
