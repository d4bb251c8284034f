// Issue 9, Packaging: the packed tarball installs into a fresh app, offline, with no compiler on
// PATH and an empty HOME, and runs; an --ignore-scripts install says to run `npm rebuild tensorloom`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILT_ADDON, HAVE_NPM, PREBUILD_DIR, PREBUILD_NAME, PKG, ROOT, SMOKE, bareBin, bareEnv, consumerApp, packList, packTarball, run,
} from './helpers';

describe('packaging: npm pack contents', () => {
  it('ships LICENSE, the install script, the headers stand-in and the native sources; no tests or build output', () => {
    const files = packList();
    for (const f of ['LICENSE', 'scripts/install.cjs', 'scripts/gyp/common.gypi', 'scripts/native-sources.cjs', 'binding.gyp', 'native/addon.cc', 'dist/cjs/lib/index.js'])
      expect(files).toContain(f);
    expect(files.some((f) => /^(test|build|lib\/.*\.ts$)/.test(f))).toBe(false);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2026 the tensorloom authors');
    expect(PKG.scripts.install).toBe('node scripts/install.cjs');
    expect(PKG.dependencies['node-api-headers']).toBeDefined();
  });

  it('prebuilds/ is ignored by git (binaries are built by `npm run prebuild`, never committed) but shipped by npm pack', () => {
    expect(PKG.files).toContain('prebuilds');
    const r = run('git', ['check-ignore', '-q', 'prebuilds/linux-x64/tensorloom.napi.glibc.node'], { cwd: ROOT, offline: false });
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!HAVE_NPM || !existsSync(BUILT_ADDON) || process.platform !== 'linux')('packaging: installing the packed tarball', () => {
  let withPrebuild: string, withoutPrebuild: string, bin: string;
  beforeAll(() => {
    withPrebuild = packTarball({ prebuild: true });
    withoutPrebuild = packTarball({ prebuild: false });
    bin = bareBin();
  }, 60_000);

  it('installs offline into a fresh app with only node and npm on PATH (the prebuild), and runs a graph', () => {
    const app = consumerApp(`file:${withPrebuild}`, withPrebuild);
    const env = bareEnv(bin);
    const inst = run('npm', ['ci'], { cwd: app, env });
    expect(inst.out).not.toMatch(/ERR|gyp/);
    expect(inst.status).toBe(0);
    const pkgDir = join(app, 'node_modules/tensorloom');
    expect(existsSync(join(pkgDir, PREBUILD_DIR, PREBUILD_NAME))).toBe(true);
    expect(existsSync(join(pkgDir, 'build'))).toBe(false);   // nothing compiled
    const r = run('node', ['-e', SMOKE], { cwd: app, env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).y).toEqual([[14], [0]]);
  });

  it('--ignore-scripts without a matching prebuild: requiring it says to run `npm rebuild tensorloom`', () => {
    const app = consumerApp(`file:${withoutPrebuild}`, withoutPrebuild);
    const env = bareEnv(bin);
    expect(run('npm', ['ci', '--ignore-scripts'], { cwd: app, env }).status).toBe(0);
    const r = run('node', ['-e', SMOKE], { cwd: app, env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('npm rebuild tensorloom');
    expect(r.stderr).not.toMatch(/^\S*Error: No native build was found/m);
  });

  it('no prebuild and no compiler: the install fails saying what a source build needs, having downloaded nothing', () => {
    const app = consumerApp(`file:${withoutPrebuild}`, withoutPrebuild);
    const r = run('npm', ['ci', '--foreground-scripts'], { cwd: app, env: bareEnv(bin) });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("building from source against the running Node's own headers");
    expect(r.out).toContain('needs a C++17 compiler, make and Python 3');
    expect(r.out).not.toMatch(/node-v\d+\.\d+\.\d+-headers|https?:\/\/nodejs\.org/);
  });
});
