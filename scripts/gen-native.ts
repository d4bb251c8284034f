// `npm run gen`: writes native/ops.gen.h from lib/ops/schema.ts, and the README's op table
// (between the op-table markers) from the registry and the builder sources.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHeader, opTableMarkdown } from '../lib/ops/schema';
import { builderNames } from './op-builders';

const root = join(__dirname, '..', '..', '..');
const out = join(root, 'native', 'ops.gen.h');
writeFileSync(out, nativeHeader());
console.log(`wrote ${out}`);

const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const start = '<!-- op-table:start (npm run gen) -->', end = '<!-- op-table:end -->';
const a = text.indexOf(start), b = text.indexOf(end);
if (a >= 0 && b > a) {
  writeFileSync(readme, text.slice(0, a + start.length) + '\n' + opTableMarkdown(builderNames(root)) + '\n' + text.slice(b));
  console.log(`wrote the op table in ${readme}`);
}
