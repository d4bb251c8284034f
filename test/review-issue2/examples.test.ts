// The seed examples as programs (examples/seed-*.ts compiled to dist/cjs/examples) and the README
// quick start run verbatim from a consumer directory: what a user sees on stdout.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

function runFile(file: string, cwd = ROOT) {
  const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('review-issue2: seed example programs print what the issue says (passing)', () => {
  it('seed 1 prints 15', () => {
    expect(runFile(join(ROOT, 'dist/cjs/examples/seed-1-constants.js'))).toEqual({ status: 0, stdout: '15\n', stderr: '' });
  });
  it('seed 2 prints 10 then [ 10, 5, 15 ]', () => {
    expect(runFile(join(ROOT, 'dist/cjs/examples/seed-2-placeholders.js'))).toEqual({ status: 0, stdout: '10\n[ 10, 5, 15 ]\n', stderr: '' });
  });
  it('seed 3 prints 20 twice (run, then eval in a default session)', () => {
    expect(runFile(join(ROOT, 'dist/cjs/examples/seed-3-chain.js'))).toEqual({ status: 0, stdout: '20\n20\n', stderr: '' });
  });
});

describe('review-issue2: README (passing)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('starts with the two set-up commands, then a quick start of at most 10 lines', () => {
    const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
    expect(blocks[0][1]).toBe('sh');
    expect(blocks[0][2].trim().split('\n')).toHaveLength(2);
    expect(blocks[0][2]).toMatch(/npm install && npm start/);
    expect(blocks[0][2]).toMatch(/npm install && npm test/);
    expect(blocks[1][1]).toBe('ts');
    expect(blocks[1][2].trim().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('the quick start runs verbatim as an ES module and prints its commented results', () => {
    const code = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)![1];
    const dir = mkdtempSync(join(tmpdir(), 'tl-readme-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'tensorloom'));
    writeFileSync(join(dir, 'quick.mjs'), code);
    const r = runFile(join(dir, 'quick.mjs'), dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('[[14],\n [0]]\n6\n');
  });
});
