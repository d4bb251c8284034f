// `npm run gen`: writes native/ops.gen.h from lib/ops/schema.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHeader } from '../lib/ops/schema';

const out = join(__dirname, '..', '..', '..', 'native', 'ops.gen.h');
writeFileSync(out, nativeHeader());
console.log(`wrote ${out}`);
