// Issue 9, Packaging: installing from a git URL works. npm clones the repository, installs it with
// its devDependencies, runs `prepare` (build:ts: dist/ is not in git), packs it, and installs the
// packed copy, offline. The test repository is this checkout's files (tracked and new, not ignored)
// committed to a temp repo; with it the built addon is committed as this platform's prebuild so the
// test needs no compiler and stays fast. TL_PACKAGING_FULL=1 commits no prebuild: the install then
// builds the addon from source (minutes), with an empty HOME and no network.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  BUILT_ADDON, HAVE_GIT, HAVE_NPM, PREBUILD_DIR, PREBUILD_NAME, ROOT, SMOKE, bareBin, bareEnv, consumerApp, run, tempDir,
} from './helpers';

const FULL = process.env.TL_PACKAGING_FULL === '1';

function git(cwd: string, ...args: string[]) {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A git repository holding this checkout's working tree (tracked and untracked, not ignored files). */
function testRepo(withPrebuild: boolean): { dir: string; commit: string } {
  const dir = tempDir('repo');
  const files = git(ROOT, 'ls-files', '-co', '--exclude-standard', '-z').split('\0').filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  if (withPrebuild) {
    mkdirSync(join(dir, PREBUILD_DIR), { recursive: true });
    copyFileSync(BUILT_ADDON, join(dir, PREBUILD_DIR, PREBUILD_NAME));
    git(dir, 'add', '-f', PREBUILD_DIR);   // only in this throwaway repo: prebuilds/ is ignored for real
  }
  git(dir, 'commit', '-q', '-m', 'snapshot');
  return { dir, commit: git(dir, 'rev-parse', 'HEAD').trim() };
}

describe.skipIf(!HAVE_NPM || !HAVE_GIT || process.platform !== 'linux' || (!FULL && !existsSync(BUILT_ADDON)))('packaging: install from a git URL', () => {
  it(`npm installs git+file://<repo> offline: prepare builds dist/, the package runs${FULL ? ' (addon built from source)' : ''}`, () => {
    const repo = testRepo(!FULL);
    const url = `git+file://${repo.dir}`;
    const app = consumerApp(url, undefined, `${url}#${repo.commit}`);
    // With FULL the compiler toolchain is needed (the PATH is left as is).
    const env = FULL ? bareEnv(process.env.PATH!) : bareEnv(bareBin());
    const r = run('npm', ['ci', '--foreground-scripts'], { cwd: app, env, timeout: FULL ? 900_000 : 120_000 });
    expect(r.out).not.toMatch(/npm error/);
    expect(r.status).toBe(0);
    const pkg = join(app, 'node_modules/tensorloom');
    expect(existsSync(join(pkg, 'dist/cjs/lib/index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist/esm/index.mjs'))).toBe(true);
    expect(existsSync(join(pkg, FULL ? 'build/Release/tensorloom.node' : join(PREBUILD_DIR, PREBUILD_NAME)))).toBe(true);
    const s = run('node', ['-e', SMOKE], { cwd: app, env });
    expect(s.stderr).toBe('');
    expect(JSON.parse(s.stdout).y).toEqual([[14], [0]]);
  }, FULL ? 900_000 : 120_000);
});
