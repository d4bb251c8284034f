// Type tests (issue 9): sess.run / runAsync / makeCallable return types computed from the
// fetches, and typed feed values. The TypeScript compiler checks test/types/fixtures:
// correct-uses.ts must compile with zero errors (its expectType<...>() calls assert the exact
// inferred types), wrong-uses.ts must compile with zero errors too, which means every
// `// @ts-expect-error` in it met an error (an unused one is error TS2578). A copy of
// wrong-uses.ts without the directives then shows each annotated line fails with its code.
//
// typescript 7 is the native compiler; its JS API has no ts.createProgram, so this runs its
// tsc (the repo's compiler options via test/types/tsconfig.json, noEmit, skipLibCheck).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TYPES = join(ROOT, 'test/types');
const FIXTURES = join(TYPES, 'fixtures');
const TSC = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('typescript/package.json')), 'bin/tsc');

interface Diagnostic { file: string; line: number; code: string; text: string }
interface Compile { status: number | null; output: string; diagnostics: Diagnostic[] }

function tsc(project: string): Promise<Compile> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', fail);
    child.on('close', (status) => {
      // "file(line,col): error TSxxxx: text", or "error TSxxxx: text" for a diagnostic without a file.
      const diagnostics = [...output.matchAll(/^(?:(.+?)\((\d+),\d+\): )?error (TS\d+): (.*)$/gm)]
        .map((m) => ({ file: m[1] === undefined ? '' : resolve(ROOT, m[1]), line: Number(m[2] ?? 0), code: m[3], text: m[4] }));
      done({ status, output, diagnostics });
    });
  });
}

/** Line (1-based) of the statement each `// @ts-expect-error TSxxxx: why` directive covers → its code. */
function directives(source: string): Map<number, string> {
  const out = new Map<number, string>();
  source.split('\n').forEach((l, i) => {
    if (!/^\s*\/\/ @ts-expect-error/.test(l)) return;
    const code = /^\s*\/\/ @ts-expect-error (TS\d+):/.exec(l)?.[1];
    if (!code) throw new Error(`wrong-uses.ts:${i + 1}: write the directive as "// @ts-expect-error TSxxxx: why"`);
    out.set(i + 2, code);
  });
  return out;
}

/** wrong-uses.ts without its directives (same line numbers), in a temporary directory. */
function strippedCopy(source: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-types-'));
  const file = join(dir, 'wrong-uses.ts');
  writeFileSync(file, source.replace(/^(\s*)\/\/ @ts-expect-error.*$/gm, '$1//'));
  copyFileSync(join(FIXTURES, 'expect.ts'), join(dir, 'expect.ts'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    extends: join(TYPES, 'tsconfig.json'),
    // Outside the repo: find @types/node there, and allow files outside its rootDir (no emit).
    compilerOptions: { typeRoots: [join(ROOT, 'node_modules/@types')], rootDir: parse(dir).root },
    include: [],
    files: ['wrong-uses.ts', 'expect.ts', join(ROOT, 'lib/node-gyp-build.d.ts')],
  }));
  return { dir, file };
}

describe('sess.run types (test/types/fixtures)', () => {
  const source = readFileSync(join(FIXTURES, 'wrong-uses.ts'), 'utf8');
  let stripped: { dir: string; file: string };
  let fixtures: Compile;
  let withoutDirectives: Compile;
  beforeAll(async () => {
    stripped = strippedCopy(source);
    // The two compiles run side by side (each takes a few seconds).
    [fixtures, withoutDirectives] = await Promise.all([tsc(join(TYPES, 'tsconfig.json')), tsc(join(stripped.dir, 'tsconfig.json'))]);
  }, 120_000);
  afterAll(() => { if (stripped) rmSync(stripped.dir, { recursive: true, force: true }); });

  it('correct and wrong uses both compile with zero errors (every @ts-expect-error is met)', () => {
    expect(fixtures.output).toBe('');
    expect(fixtures.status).toBe(0);
  });

  it('without the directives, each annotated wrong use fails with its code, and nothing else fails', () => {
    const expected = directives(source);
    expect(expected.size).toBeGreaterThanOrEqual(30);
    const r = withoutDirectives;
    expect(r.diagnostics.length, r.output).toBe((r.output.match(/error TS\d+/g) ?? []).length);
    expect(r.diagnostics.filter((d) => d.file !== stripped.file), r.output).toEqual([]);
    const byLine = new Map<number, string[]>();
    for (const d of r.diagnostics) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d.code]);
    const unexpected = [...byLine.keys()].filter((l) => !expected.has(l)).map((l) => `line ${l}: ${byLine.get(l)!.join(', ')}`);
    expect(unexpected, r.output).toEqual([]);
    const missing = [...expected].filter(([l, code]) => !byLine.get(l)?.includes(code)).map(([l, code]) => `line ${l}: wanted ${code}, got ${byLine.get(l)?.join(', ') ?? 'no error'}`);
    expect(missing, r.output).toEqual([]);
  });
});
