// Checkpoint V2 against TensorFlow's own files (scripts/golden/checkpoints.py): tensorloom restores
// every checkpoint TF wrote with TF's values, and its Saver writes the same .index and .data
// bytes for the same variables (several dtypes, scalars, zero-size, 40 keys with restart points,
// a two-block index, a larger tensor, dict keys whose UTF-8 order differs from UTF-16 order).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { withSession } from './helpers';
import { buildCase, caseValue, checkpointFixtures, fullKey, loadCases, materializeCase } from '../../scripts/golden/checkpoint-cases';

const ROOT = join(__dirname, '..', '..');
const CASES = loadCases(ROOT);
const tmp = mkdtempSync(join(tmpdir(), 'tl-ckpt-golden-'));
mkdirSync(join(tmp, 'ours'));  // the Saver creates only the last level, as TF's
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of TF's files for `name` (gunzipped), returning the prefix. */
function tfCheckpoint(name: string): string {
  const dir = join(tmp, 'tf', name);
  materializeCase(ROOT, name, dir);
  return join(dir, 'model');
}


const bytesOf = (a: tf.NDArray) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

describe('TF-written checkpoints', () => {
  it('the fixtures cover the intended cases, and the multiblock index really has two data blocks', () => {
    expect(Object.keys(CASES).sort()).toEqual(['dtypes', 'float16', 'large', 'many', 'multiblock', 'unicode_keys', 'zero_size']);
    const index = readFileSync(tfCheckpoint('multiblock') + '.index');
    // The footer starts with two block handles (varint pairs): metaindex, then index. The index
    // block restarts at every entry, so its restart count (its last fixed32) is its entry count:
    // one per data block.
    let at = index.length - 48;
    const varint = () => { let v = 0, m = 1, b; do { b = index[at++]; v += (b & 0x7f) * m; m *= 128; } while (b & 0x80); return v; };
    varint(); varint();
    const [offset, size] = [varint(), varint()];
    expect(index.readUInt32LE(offset + size - 4)).toBe(2);
    const keys = tf.train.listVariables(tfCheckpoint('multiblock')).map(([k]) => k);
    expect(keys).toHaveLength(100);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: tensorloom restores TF's checkpoint with TF's values (variables zeroed first)`, () => {
      const prefix = tfCheckpoint(name);
      withSession((sess) => {
        const { vars, specs, varList } = buildCase(c, { zeros: true });
        sess.run(tf.globalVariablesInitializer());
        new tf.train.Saver(varList).restore(sess, prefix);
        const got = sess.run(vars) as tf.NDArray[];
        specs.forEach((spec, i) => {
          const want = caseValue(spec)!;
          expect(got[i].dtype).toBe(want.dtype);
          expect(got[i].shape).toEqual(want.shape);
          expect(bytesOf(got[i]).equals(bytesOf(want)), fullKey(spec).slice(0, 20)).toBe(true);
        });
      });
    });

    if (name === 'float16') continue;  // tensorloom has no float16 variable to save
    it(`${name}: tensorloom's Saver writes TF's bytes`, () => {
      const theirPrefix = tfCheckpoint(name);
      const prefix = join(tmp, 'ours', name, 'model');
      withSession((sess) => {
        const { varList } = buildCase(c);
        sess.run(tf.globalVariablesInitializer());
        expect(new tf.train.Saver(varList).save(sess, prefix, { writeState: false })).toBe(prefix);
      });
      for (const ext of ['.index', '.data-00000-of-00001']) {
        const theirs = readFileSync(theirPrefix + ext);
        const ours = readFileSync(prefix + ext);
        expect(ours.equals(theirs), `${name}${ext}: ${ours.length} vs ${theirs.length} bytes`).toBe(true);
      }
      expect(readdirSync(join(tmp, 'ours', name)).sort()).toEqual(['model.data-00000-of-00001', 'model.index']);
    });
  }

  it('listVariables and loadVariable read TF checkpoints (sorted keys, shapes, values)', () => {
    const prefix = tfCheckpoint('dtypes');
    const specs = CASES.dtypes.variables;
    expect(tf.train.listVariables(prefix)).toEqual(specs.map((v) => [v.key, v.shape]).sort(([a], [b]) => (a < b ? -1 : 1)));
    const gs = tf.train.loadVariable(prefix, 'global_step:0');
    expect(gs.dtype).toBe('int64');
    expect(gs.item()).toBe(9007199254740993n);  // beyond 2^53: stored and read exactly
    expect(tf.train.loadVariable(prefix, 'flags').toArray()).toEqual([true, false, true]);
    expect(() => tf.train.loadVariable(prefix, 'nope')).toThrow(tf.errors.NotFoundError);
    expect(() => tf.train.loadVariable(prefix, 'nope')).toThrow('Key nope not found in checkpoint');
  });

  it('float16: listed; a Saver without it restores the rest; restoring it into float32 gives TF\'s dtype error', () => {
    const prefix = tfCheckpoint('float16');
    expect(tf.train.listVariables(prefix)).toEqual([['f', [2]], ['h', [3]]]);
    expect(() => tf.train.loadVariable(prefix, 'h')).toThrow(tf.errors.UnimplementedError);
    withSession((sess) => {
      const h = new tf.Variable(new Float32Array(3), { name: 'h' });
      const f = new tf.Variable(new Float32Array(2), { name: 'f' });
      sess.run(tf.globalVariablesInitializer());
      new tf.train.Saver([f]).restore(sess, prefix);
      expect(Array.from(sess.run(f).data as Float32Array)).toEqual([4, 5]);
      let err: Error | undefined;
      try { new tf.train.Saver([h, f]).restore(sess, prefix); } catch (e) { err = e as Error; }
      expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(err!.message).toMatch(/^Restoring from checkpoint failed\. This is most likely due to a mismatch between the current graph and the graph from the checkpoint\./);
      expect(err!.message).toContain('tensor_name = h; expected dtype float does not equal original dtype half');
    });
  });

  it("TF's state file: latestCheckpoint and getCheckpointState resolve its relative paths; our Saver writes the same text", () => {
    const dir = join(tmp, 'tf-steps');
    materializeCase(ROOT, 'steps', dir);
    expect(tf.train.latestCheckpoint(dir)).toBe(join(dir, 'model-3'));
    expect(tf.train.getCheckpointState(dir)).toEqual({
      modelCheckpointPath: join(dir, 'model-3'), allModelCheckpointPaths: [join(dir, 'model-2'), join(dir, 'model-3')],
    });
    const ours = join(tmp, 'our-steps');
    withSession((sess) => {
      const w = new tf.Variable(new Float32Array([1, 2]), { name: 'w' });
      const saver = new tf.train.Saver(null, { maxToKeep: 2, saveRelativePaths: true });
      sess.run(tf.globalVariablesInitializer());
      for (const step of [1, 2, 3]) {
        sess.run(w.assignAdd([1, 1]));
        saver.save(sess, join(ours, 'model'), { globalStep: step });
      }
    });
    expect(readdirSync(ours).sort()).toEqual(readdirSync(dir).sort());
    for (const f of readdirSync(dir)) expect(readFileSync(join(ours, f)).equals(readFileSync(join(dir, f))), f).toBe(true);
  });

  it('the fixture directory holds only what the manifest describes', () => {
    expect(readdirSync(checkpointFixtures(ROOT)).sort()).toEqual([...Object.keys(CASES), 'manifest.json', 'steps'].sort());
  });
});
