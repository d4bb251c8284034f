#!/usr/bin/env node
// tensorloom-profile: turns a Chrome trace (Timeline.generateChromeTraceFormat) or a JSON array
// of RunMetadata objects into one self-contained HTML page (tf.profiler.report).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const USAGE = `usage: tensorloom-profile <trace.json> [-o profile.html] [--title TEXT]

  <trace.json>   a Chrome trace written by Timeline.generateChromeTraceFormat(), or a JSON
                 array of RunMetadata objects (JSON.stringify(metas)), one per step
  -o, --output   where to write the page (default: the input's name with .html, beside it)
  --title        page title (default: the input's file name)`;

function fail(message, code = 1) {
  process.stderr.write(`tensorloom-profile: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { input: undefined, output: undefined, title: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${a} needs a value\n${USAGE}`, 2));
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); process.exit(0); }
    else if (a === '-o' || a === '--output') opts.output = value();
    else if (a.startsWith('--output=')) opts.output = a.slice(9);
    else if (a === '--title') opts.title = value();
    else if (a.startsWith('--title=')) opts.title = a.slice(8);
    else if (a.startsWith('-') && a !== '-') fail(`unknown option ${a}\n${USAGE}`, 2);
    else if (opts.input === undefined) opts.input = a;
    else fail(`one input file only (got ${opts.input} and ${a})\n${USAGE}`, 2);
  }
  if (opts.input === undefined) fail(`no input file\n${USAGE}`, 2);
  return opts;
}

function loadReport() {
  const file = path.join(__dirname, '..', 'dist', 'cjs', 'lib', 'report.js');
  try {
    return require(file).report;
  } catch (e) {
    fail(`cannot load ${file} (${e.message}); build the package first: npm run build:ts`);
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const input = path.resolve(opts.input);
  let text;
  try { text = fs.readFileSync(input, 'utf8'); } catch (e) { fail(`cannot read ${opts.input}: ${e.message}`); }
  let json;
  try { json = JSON.parse(text); } catch (e) { fail(`${opts.input} is not JSON: ${e.message}`); }
  const output = path.resolve(opts.output ?? path.join(path.dirname(input), path.basename(input, path.extname(input)) + '.html'));
  if (output === input) fail(`the output would overwrite the input ${opts.input}; pass -o`);
  const report = loadReport();
  try {
    report(json, { path: output, title: opts.title ?? `tensorloom profile: ${path.basename(input)}` });
  } catch (e) {
    fail(e instanceof TypeError ? `${opts.input}: ${e.message}` : (e && e.stack) || String(e));
  }
  process.stdout.write(`wrote ${output}\n`);
}

main();
