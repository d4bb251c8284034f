// Packaging: ESM + CJS entry points with .d.ts types; npm scripts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode } from './helpers';

/** A temp consumer project with node_modules/tensorloom → the repo. */
function consumer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'tensorloom'));
  return dir;
}

describe('review-issue2: packaging', () => {
  it('require() and import() of the package share one implementation and run a graph (passing)', () => {
    const dir = consumer();
    writeFileSync(join(dir, 'check.mjs'), `
      import { createRequire } from 'node:module';
      import * as esm from 'tensorloom';
      import def from 'tensorloom';
      const cjs = createRequire(import.meta.url)('tensorloom');
      const s = new esm.Session();
      console.log(JSON.stringify([esm.Session === cjs.Session, def.Session === cjs.Session,
        String(s.run(esm.add(esm.constant(10), 5)))]));
    `);
    const r = spawnSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([true, true, '15']);
  });

  it('npm pack ships the CJS and ESM entries, their .d.ts, the native sources and binding.gyp (passing)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
    for (const f of ['dist/cjs/lib/index.js', 'dist/cjs/lib/index.d.ts', 'dist/esm/index.mjs', 'binding.gyp', 'native/addon.cc', 'package.json', 'README.md'])
      expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('build/'))).toBe(false);
  });

  it('the addon loads through the package name inside worker_threads (passing)', () => {
    const dir = consumer();
    const r = runNode(`
      const { Worker } = require('node:worker_threads');
      const src = "const tf = require('tensorloom'); const s = new tf.Session(); require('node:worker_threads').parentPort.postMessage(s.run(tf.add(tf.constant(1), 2)).item());";
      let n = 0;
      for (let i = 0; i < 2; i++) new Worker(src, { eval: true }).on('message', (m) => { console.log('worker', m); if (++n === 2) process.exit(0); });
    `, [], dir);
    expect(r.stdout.trim().split('\n')).toEqual(['worker 3', 'worker 3']);
  });

  // The emitted .d.ts use NodeJS.CallSite (errors.d.ts: static prepareStackTrace inherited by the
  // class-expression subclasses) and import 'node:util' (ndarray.d.ts: [inspect.custom]), but
  // @types/node is only a devDependency and no `/// <reference types="node" />` is emitted. A
  // consumer without Node types in scope (TypeScript 6+/7 default `types: []`) fails to compile.
  it('a TypeScript consumer type-checks against the shipped .d.ts without @types/node in scope', () => {
    const dir = consumer();
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', strict: true, noEmit: true, types: [] },
      files: ['main.mts'],
    }));
    writeFileSync(join(dir, 'main.mts'), `
      import * as tf from 'tensorloom';
      const x: tf.Tensor = tf.placeholder(tf.float32, [null, 3], 'x');
      const sess: tf.Session = new tf.Session();
      const y: tf.NDArray = sess.run(x, new Map([[x, [[1, 2, 3]]]]));
      export const v = y.toArray();
    `);
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // npm runs "pre<name>" before "<name>": a script named "prebuild" (prebuildify) is a pre-hook of
  // "build", so `npm run build` also runs prebuildify (a second full native compile + prebuilds/).
  it('no build script runs the prebuildify script as its npm pre-hook', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    // npm runs "preX" before "X": with a "prebuild" (prebuildify) script there must be no "build".
    expect(pkg.scripts.prebuild).toBe('bash scripts/prebuild.sh');
    expect(pkg.scripts.build).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'tl-scripts-'));
    // Same script names, each replaced by an echo of its name: shows which ones npm runs.
    const scripts = Object.fromEntries(Object.keys(pkg.scripts).map((k) => [k, `echo RAN:${k}`]));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', scripts }));
    const r = spawnSync('npm', ['run', 'build:all'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout).toContain('RAN:build:all');
    expect(r.stdout).not.toContain('RAN:prebuild');
  });
});
