// Damaged checkpoint files (seeded random byte flips and truncations of TF-written checkpoints)
// never crash the reader: every failure is a tf.errors.OpError, never a RangeError or a raw
// protobuf error, and whatever is read back past the CRCs is what TF stored.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { BundleReader } from '../../lib/train/checkpoint/bundle';
import { materializeCase } from '../../scripts/golden/checkpoint-cases';

const ROOT = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'tl-ckpt-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** xorshift32: a small deterministic generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/** Every key's value, or the OpError that stopped reading. */
function readAll(prefix: string): { values?: Map<string, string>; error?: unknown } {
  try {
    const r = new BundleReader(prefix);
    const values = new Map<string, string>();
    for (const k of r.keys()) {
      let v: tf.NDArray;
      try { v = r.value(k); } catch (e) {
        if (e instanceof tf.errors.UnimplementedError) continue;  // a damaged dtype field
        throw e;
      }
      values.set(k, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString('hex'));
    }
    return { values };
  } catch (e) { return { error: e }; }
}

for (const name of ['dtypes', 'many', 'zero_size']) {
  it(`${name}: 300 damaged copies give OpErrors or TF's values`, () => {
    const dir = join(tmp, name);
    materializeCase(ROOT, name, dir);
    const prefix = join(dir, 'model');
    const good = readAll(prefix).values!;
    const files = [`${prefix}.index`, `${prefix}.data-00000-of-00001`];
    const originals = files.map((f) => readFileSync(f));
    const next = rng(name.length * 7919);
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const which = next() < 0.7 ? 0 : 1;
      const buf = Buffer.from(originals[which]);
      const damaged = next() < 0.8
        ? (buf[Math.floor(next() * buf.length)] ^= 1 << Math.floor(next() * 8), buf)
        : buf.subarray(0, Math.floor(next() * buf.length));
      writeFileSync(files[which], damaged);
      const { values, error } = readAll(prefix);
      if (error !== undefined) {
        expect(error, String(error)).toBeInstanceOf(tf.errors.OpError);
        errors++;
      } else {
        for (const [k, v] of values!) expect(good.get(k), k).toBe(v);  // undetected damage never changes a value
      }
      writeFileSync(files[which], originals[which]);
    }
    expect(errors).toBeGreaterThan(100);
  });
}
