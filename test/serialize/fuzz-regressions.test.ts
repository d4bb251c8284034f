// Inputs the libFuzzer target (native/fuzz, scripts/fuzz.sh) once found to misbehave; each must
// now be rejected cleanly by the native decoder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const dir = join(__dirname, '..', 'fixtures', 'fuzz');

describe('fuzzer regressions', () => {
  for (const file of readdirSync(dir)) {
    it(`rejects ${file}`, () => {
      const buf = new Uint8Array(readFileSync(join(dir, file)));
      expect(() => tf.Graph.fromBuffer(buf)).toThrow(tf.errors.InvalidArgumentError);
    });
  }
});
