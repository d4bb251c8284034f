// Shared helpers for the packaging tests: stage and pack the package, make a fresh consumer app
// whose install is offline (its dependencies from the local npm cache), with no compiler on PATH.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** npm's cache (read with the real HOME before the tests empty it). */
export const NPM_CACHE = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
/** The npm CLI script that runs the `npm` on PATH. */
const NPM_CLI = (() => {
  const r = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  try { return r.status === 0 ? realpathSync(r.stdout.trim()) : ''; } catch { return ''; }
})();
export const HAVE_NPM = NPM_CLI !== '' && existsSync(NPM_CLI);
/** Root may cut the network off for a command (a new network namespace): proof that nothing is downloaded. */
const UNSHARE = spawnSync('sh', ['-c', 'command -v unshare'], { encoding: 'utf8' }).stdout?.trim() ?? '';
export const HAVE_UNSHARE = UNSHARE !== '' && spawnSync(UNSHARE, ['-n', 'true']).status === 0;
export const HAVE_GIT = spawnSync('git', ['--version']).status === 0;
/** The built addon of this checkout (build/Release), the stand-in for this platform's prebuild. */
export const BUILT_ADDON = join(ROOT, 'build/Release/tensorloom.node');
export const PREBUILD_DIR = `prebuilds/${process.platform}-${process.arch}`;
export const PREBUILD_NAME = 'tensorloom.napi.glibc.node';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `tl-${tag}-`));
}

/** A C/C++ toolchain or node-gyp's needs: what a machine "with no compiler" lacks. */
const TOOLCHAIN = /^(cc|c\+\+|cpp|gcc|g\+\+|clang|clang\+\+|ld|ld\.\w+|as|make|gmake|cmake|ninja|python\d*(\.\d+)?|zig|node-gyp)$|-(gcc|g\+\+|cc|c\+\+|clang|ld|as)(-\d+)?$|^(gcc|g\+\+|clang|cpp)-\d+/;

/** A PATH dir holding this PATH's commands but no compiler, make or python (node and npm: this test's own). */
export function bareBin(): string {
  const bin = tempDir('bin');
  const seen = new Set<string>(['node', 'npm', 'npx']);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(NPM_CLI, join(bin, 'npm'));
  for (const dir of (process.env.PATH ?? '').split(':')) {
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const n of names) {
      if (seen.has(n) || TOOLCHAIN.test(n)) continue;
      seen.add(n);
      symlinkSync(join(dir, n), join(bin, n));
    }
  }
  return bin;
}

/** A clean environment: PATH with node and npm only, an empty HOME (no ~/.npmrc, so no nodedir), the real npm cache, offline. */
export function bareEnv(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: bin, HOME: tempDir('home'), npm_config_cache: NPM_CACHE, npm_config_offline: 'true',
    npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra,
  };
}

/** Runs a command, cut off from the network when possible. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { offline?: boolean } = {}) {
  const [c, a] = opts.offline !== false && HAVE_UNSHARE ? [UNSHARE, ['-n', cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { encoding: 'utf8', timeout: 120_000, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

let packed: string[] | undefined;
/** The files `npm pack` would ship from this checkout. */
export function packList(): string[] {
  if (!packed) {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    packed = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path) as string[];
  }
  return packed;
}

/**
 * Packs a copy of the package (the files npm pack ships from this checkout) into a tarball; with
 * `prebuild`, the built addon is added as this platform's prebuild, as `npm run prebuild` names it.
 */
export function packTarball(opts: { prebuild: boolean }): string {
  const stage = tempDir('stage');
  for (const f of packList()) {
    if (f.startsWith('prebuilds/')) continue;
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(stage, f));
  }
  if (opts.prebuild) {
    mkdirSync(join(stage, PREBUILD_DIR), { recursive: true });
    copyFileSync(BUILT_ADDON, join(stage, PREBUILD_DIR, PREBUILD_NAME));
  }
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json'], { cwd: stage, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  return join(stage, JSON.parse(r.stdout)[0].filename);
}

type LockEntry = Record<string, unknown> & { version?: string; dependencies?: Record<string, string> };

/**
 * A consumer app depending on `spec`, with a package-lock.json for tensorloom's runtime dependencies
 * taken from this repo's lock (so `npm ci --offline` finds every tarball in the cache by its
 * integrity: the cache holds the tarballs this repo installed, not the registry's package lists).
 */
export function consumerApp(spec: string, tarball?: string, resolved?: string): string {
  const app = tempDir('app');
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockEntry>;
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', version: '1.0.0', dependencies: { tensorloom: spec } },
  };
  const self: LockEntry = {
    version: PKG.version, license: PKG.license, hasInstallScript: true, dependencies: PKG.dependencies, bin: PKG.bin, engines: PKG.engines,
  };
  if (tarball) {
    self.resolved = spec;
    self.integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  } else if (resolved) {
    self.resolved = resolved;
  }
  packages['node_modules/tensorloom'] = self;
  const todo = Object.keys(PKG.dependencies);
  while (todo.length) {
    const name = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const e = repoLock[key];
    if (!e) throw new Error(`${name} is not hoisted in package-lock.json`);
    const { dev: _d, devOptional: _o, peer: _p, optional: _x, ...entry } = e;
    packages[key] = entry;
    todo.push(...Object.keys(e.dependencies ?? {}));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify(packages[''], null, 1));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 1));
  return app;
}

/** A tiny graph through the installed package, printed as JSON. */
export const SMOKE = `
  const tf = require('tensorloom');
  const x = tf.placeholder(tf.float32, [null, 3], 'x');
  const y = tf.nn.relu(tf.matmul(x, tf.constant([[1], [2], [3]])));
  const s = new tf.Session();
  console.log(JSON.stringify({ y: s.run(y, new Map([[x, [[1, 2, 3], [-1, 0, 0]]]])).toArray(), isa: tf.isa() }));
`;
