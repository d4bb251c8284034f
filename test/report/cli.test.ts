// bin/tensorloom-profile.cjs: trace.json (or a JSON array of RunMetadata) → an HTML report.
// It loads the compiled dist/cjs/lib/report.js, so it runs when that build exists and is not
// older than lib/report.ts (CI builds it at install).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { mlpRuns, pageData, parseHtml } from './helpers';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/tensorloom-profile.cjs');
const built = join(root, 'dist/cjs/lib/report.js');
const fresh = existsSync(built) && statSync(built).mtimeMs >= statSync(join(root, 'lib/report.ts')).mtimeMs;

const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe.skipIf(!fresh)('tensorloom-profile CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-profile-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let metas: tf.RunMetadata[], nodes: string[];
  beforeAll(() => { ({ metas, nodes } = mlpRuns(3)); });

  it('writes the page beside a Chrome trace and says where', () => {
    const trace = join(dir, 'trace.json');
    writeFileSync(trace, new tf.Timeline(metas[2].stepStats).generateChromeTraceFormat({ showMemory: true }));
    const r = cli(trace);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${join(dir, 'trace.html')}\n`);
    const html = readFileSync(join(dir, 'trace.html'), 'utf8');
    expect(parseHtml(html).problems).toEqual([]);
    expect(html).toContain('<title>tensorloom profile: trace.json</title>');
    const data = pageData(html);
    for (const n of nodes) expect(data.strings).toContain(n);
    expect(data.steps[0].mem).not.toBeNull();
  });

  it('-o and --title; a JSON array of RunMetadata aggregates its steps', () => {
    const json = join(dir, 'metas.json');
    writeFileSync(json, JSON.stringify(metas));
    const out = join(dir, 'sub-profile.html');
    const r = cli(json, '-o', out, '--title', 'three <steps>');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>three &#60;steps&#62;</title>');
    expect(html).toContain('<dt>steps</dt><dd>3</dd>');
    expect(pageData(html).steps).toHaveLength(3);
  });

  it('errors: usage, unreadable, not JSON, not a trace', () => {
    let r = cli();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no input file\nusage: tensorloom-profile <trace\.json>/);
    r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tensorloom-profile/);
    r = cli('a.json', '--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --bogus/);
    r = cli(join(dir, 'missing.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tensorloom-profile: cannot read .*missing\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    r = cli(bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.json is not JSON/);
    writeFileSync(bad, '{"hello": 1}');
    r = cli(bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.json: profiler\.report: input is not a RunMetadata, StepStats/);
    expect(existsSync(join(dir, 'bad.html'))).toBe(false);
  });
});
