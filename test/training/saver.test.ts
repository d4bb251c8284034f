// tf.train.Saver behaviour as TF1's saver.py: var lists and their errors, file naming (global
// step, padding), the state file, maxToKeep, restore checks with TF's classes and texts, and
// that a corrupt or mismatched checkpoint changes no variable. Byte fidelity against TF's files
// is in checkpoint-golden.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { crc32c, maskCrc, unmaskCrc } from '../../lib/train/checkpoint/crc32c';
import { buildTable } from '../../lib/train/checkpoint/table';

const root = mkdtempSync(join(tmpdir(), 'tl-saver-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => { dir = join(root, `t${n++}`); mkdirSync(dir); });

let g: tf.Graph;
let sess: tf.Session;
/** A fresh graph and session with w = [[1,2,3],[4,5,6]] (float32) and b = [7, 8] (int32), initialized. */
function setup(): { w: tf.Variable; b: tf.Variable } {
  g = new tf.Graph();
  return g.asDefault(() => {
    const w = new tf.Variable([[1, 2, 3], [4, 5, 6]], { name: 'w' });
    const b = new tf.Variable(new Int32Array([7, 8]), { name: 'b' });
    sess = new tf.Session({ graph: g });
    sess.run(tf.globalVariablesInitializer());
    return { w, b };
  });
}
const inGraph = <T>(fn: () => T): T => g.asDefault(fn);
const values = (...vs: tf.Tensor[]) => (sess.run(vs) as tf.NDArray[]).map((a) => a.toArray());

function caught(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}
function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, text: string | RegExp): Error {
  const e = caught(fn);
  expect(e).toBeInstanceOf(cls);
  if (typeof text === 'string') expect(e.message).toContain(text);
  else expect(e.message).toMatch(text);
  return e;
}
const files = (d = dir) => readdirSync(d).sort();

describe('CRC-32C', () => {
  it('matches the standard check values and TF\'s masking', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234')))).toBe(0xe3069283);  // extends
    expect(maskCrc(0)).toBe(0xa282ead8);  // an empty tensor's stored crc (TF's zero-size entries)
    for (const c of [0, 1, 0xe3069283, 0xffffffff]) expect(unmaskCrc(maskCrc(c))).toBe(c);
  });
});

describe('Saver construction', () => {
  it('defaults to the global variables at construction time; keys are op names', () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver());
    inGraph(() => new tf.Variable(1, { name: 'later' }));
    sess.run(tf.variablesInitializer(inGraph(() => tf.globalVariables())));
    const path = saver.save(sess, join(dir, 'm'))!;
    expect(tf.train.listVariables(path)).toEqual([['b', [2]], ['w', [2, 3]]]);
    expect(saver.restoreOp!.name).toBe('save/restore_all');
    expect(w.op.name).toBe('w');
    // The restore ops are built once, by the constructor: restoring adds no ops.
    const count = g.getOperations().length;
    saver.restore(sess, path);
    saver.restore(sess, path);
    expect(g.getOperations().length).toBe(count);
    // A second Saver gets its own name scope, as TF's.
    expect(inGraph(() => new tf.train.Saver()).restoreOp!.name).toBe('save_1/restore_all');
  });

  it("TF's argument errors", () => {
    const { w, b } = setup();
    inGraph(() => {
      expectError(() => new tf.train.Saver([]), tf.errors.InvalidArgumentError, 'No variables to save');
      expectError(() => new tf.train.Saver([w, w]), tf.errors.InvalidArgumentError, 'At least two variables have the same name: w');
      expectError(() => new tf.train.Saver({ a: b, b }), tf.errors.InvalidArgumentError, 'The same saveable will be restored with two names: b');
      const c = tf.constant(1, 'float32', [], { name: 'Const' });
      expectError(() => new tf.train.Saver([c]), TypeError, 'Variable to save is not a Variable: Tensor("Const:0", shape=(), dtype=float32)');
      expectError(() => new tf.train.Saver({ a: c }), TypeError, 'names_to_saveables must be a dict mapping string names to Tensors/Variables. Not a variable:');
      expectError(() => new tf.train.Saver(w as never), TypeError, "Variables to save should be passed in a dict or a list. Got <tf.Variable 'w:0'");
      expectError(() => new tf.train.Saver(null, { maxToKeeep: 1 } as never), TypeError, "unknown option 'maxToKeeep'");
    });
    const g2 = new tf.Graph();
    g2.asDefault(() => expectError(() => new tf.train.Saver(), tf.errors.InvalidArgumentError, 'No variables to save'));
  });

  it('allowEmpty: save returns null and writes nothing; restore does nothing', () => {
    setup();
    const saver = inGraph(() => new tf.train.Saver([], { allowEmpty: true }));
    expect(saver.save(sess, join(dir, 'm'))).toBeNull();
    expect(files()).toEqual([]);
    saver.restore(sess, join(dir, 'nothing-here'));
    expect(saver.restoreOp).toBeNull();
  });

  it('an object var list maps checkpoint keys to variables', () => {
    const { w, b } = setup();
    const path = inGraph(() => new tf.train.Saver({ 'net/weights': w, bias: b })).save(sess, join(dir, 'm'))!;
    expect(tf.train.listVariables(path)).toEqual([['bias', [2]], ['net/weights', [2, 3]]]);
    expect(tf.train.loadVariable(path, 'net/weights').toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
});

describe('Saver.save', () => {
  it('names files by global step (number, bigint, Tensor, Variable, tensor name; padded) and returns the prefix', () => {
    const { w } = setup();
    const gs = inGraph(() => new tf.Variable(BigInt(42), { name: 'global_step', dtype: 'int64' }));
    sess.run(gs.initializer);
    const saver = inGraph(() => new tf.train.Saver([w]));
    const p = join(dir, 'model.ckpt');
    expect(saver.save(sess, p, { globalStep: 3 })).toBe(`${p}-3`);
    expect(saver.save(sess, p, { globalStep: 4n })).toBe(`${p}-4`);
    expect(saver.save(sess, p, { globalStep: gs })).toBe(`${p}-42`);
    expect(saver.save(sess, p, { globalStep: 'global_step:0' })).toBe(`${p}-42`);
    expect(saver.save(sess, p, { globalStep: inGraph(() => tf.constant(7, 'int32')) })).toBe(`${p}-7`);
    expect(inGraph(() => new tf.train.Saver([w], { padStepNumber: true })).save(sess, p, { globalStep: 5 })).toBe(`${p}-00000005`);
    expect(saver.save(sess, p)).toBe(p);
    expect(files()).toContain('model.ckpt-42.index');
    expect(files()).toContain('model.ckpt-42.data-00000-of-00001');
    expect(files().filter((f) => f.includes('tempstate'))).toEqual([]);
  });

  it('writes the state file with absolute paths, or relative ones with saveRelativePaths, as TF', () => {
    const { w } = setup();
    inGraph(() => new tf.train.Saver([w])).save(sess, join(dir, 'm'), { globalStep: 1 });
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(`model_checkpoint_path: "${dir}/m-1"\nall_model_checkpoint_paths: "${dir}/m-1"\n`);
    const rel = join(dir, 'rel');
    inGraph(() => new tf.train.Saver([w], { saveRelativePaths: true })).save(sess, join(rel, 'm'), { globalStep: 2 });
    expect(readFileSync(join(rel, 'checkpoint'), 'utf8')).toBe('model_checkpoint_path: "m-2"\nall_model_checkpoint_paths: "m-2"\n');
    expect(tf.train.latestCheckpoint(rel)).toBe(join(rel, 'm-2'));
    // A custom state file name; writeState: false leaves it alone.
    inGraph(() => new tf.train.Saver([w])).save(sess, join(dir, 'x'), { latestFilename: 'mine' });
    expect(tf.train.latestCheckpoint(dir, 'mine')).toBe(join(dir, 'x'));
    expect(tf.train.latestCheckpoint(dir)).toBe(join(dir, 'm-1'));
    inGraph(() => new tf.train.Saver([w])).save(sess, join(dir, 'y'), { writeState: false });
    expect(tf.train.latestCheckpoint(dir)).toBe(join(dir, 'm-1'));
  });

  it('maxToKeep deletes the oldest checkpoints; lastCheckpoints; setLastCheckpoints entries are kept', () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver([w], { maxToKeep: 2 }));
    const p = join(dir, 'm');
    for (const s of [1, 2, 3]) saver.save(sess, p, { globalStep: s });
    expect(saver.lastCheckpoints).toEqual([`${p}-2`, `${p}-3`]);
    expect(files()).toEqual(['checkpoint', 'm-2.data-00000-of-00001', 'm-2.index', 'm-3.data-00000-of-00001', 'm-3.index']);
    expect(tf.train.getCheckpointState(dir)!.allModelCheckpointPaths).toEqual([`${p}-2`, `${p}-3`]);
    // Saving the same name again moves it to the end instead of duplicating it.
    saver.save(sess, p, { globalStep: 2 });
    expect(saver.lastCheckpoints).toEqual([`${p}-3`, `${p}-2`]);
    // Paths given to setLastCheckpoints are never deleted (TF gives them an infinite timestamp).
    saver.setLastCheckpoints([`${p}-2`, `${p}-3`]);
    saver.save(sess, p, { globalStep: 4 });
    saver.save(sess, p, { globalStep: 5 });
    expect(saver.lastCheckpoints).toEqual([`${p}-4`, `${p}-5`]);
    expect(files().filter((f) => f.endsWith('.index'))).toEqual(['m-2.index', 'm-3.index', 'm-4.index', 'm-5.index']);
    // maxToKeep 0 keeps everything and records nothing.
    const all = inGraph(() => new tf.train.Saver([w], { maxToKeep: 0 }));
    for (const s of [1, 2, 3]) all.save(sess, join(dir, 'k'), { globalStep: s });
    expect(all.lastCheckpoints).toEqual([]);
    expect(files().filter((f) => f.startsWith('k-') && f.endsWith('.index'))).toHaveLength(3);
  });

  it('writeMetaGraph writes <prefix>.meta (the GraphDef and the variable collections), deleted with its checkpoint', () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver([w], { maxToKeep: 1 }));
    const p = saver.save(sess, join(dir, 'm'), { globalStep: 1, writeMetaGraph: true })!;
    const meta = readFileSync(`${p}.meta`);
    // Field 2 (graph_def) holds the graph's own GraphDef bytes; VariableDefs name TF1's nodes.
    const graphDef = Buffer.from(g.toGraphDefBytes());
    expect(meta.includes(graphDef)).toBe(true);
    for (const name of ['variables', 'trainable_variables', 'w:0', 'w/Assign', 'w/read:0', '1.15.0']) expect(meta.includes(name)).toBe(true);
    saver.save(sess, join(dir, 'm'), { globalStep: 2, writeMetaGraph: true, metaGraphSuffix: 'meta' });
    expect(files()).toEqual(['checkpoint', 'm-2.data-00000-of-00001', 'm-2.index', 'm-2.meta']);
    // TF's import_meta_graph reading these files is checked by scripts/golden/checkpoints.py --check.
  });

  it('keepCheckpointEveryNHours keeps a checkpoint older than the interval instead of deleting it', () => {
    const { w } = setup();
    const keep = inGraph(() => new tf.train.Saver([w], { maxToKeep: 1, keepCheckpointEveryNHours: 1e-9 }));  // 3.6 µs
    const until = Date.now() + 5;
    while (Date.now() < until) { /* let the interval pass */ }
    for (const s of [1, 2]) keep.save(sess, join(dir, 'k'), { globalStep: s });
    expect(existsSync(join(dir, 'k-1.index'))).toBe(true);
    expect(keep.lastCheckpoints).toEqual([join(dir, 'k-2')]);
  });

  it("path errors: TF's texts", () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver([w]));
    expectError(() => saver.save(sess, join(dir, 'no', 'such', 'm')), tf.errors.InvalidArgumentError, `Parent directory of ${join(dir, 'no', 'such', 'm')} doesn't exist, can't save.`);
    expectError(() => saver.save(sess, join(dir, 'checkpoint')), tf.errors.InvalidArgumentError, `'latest_filename' collides with 'save_path': 'checkpoint' and '${join(dir, 'checkpoint')}'`);
    expectError(() => saver.save(sess, join(dir, 'm'), { latestFilename: 'a/b' }), tf.errors.InvalidArgumentError, "'latest_filename' must not contain path components");
    expectError(() => saver.save({} as never, join(dir, 'm')), TypeError, "'sess' must be a Session");
    // One missing level is created, as TF's BundleWriter does.
    expect(saver.save(sess, join(dir, 'new', 'm'))).toBe(join(dir, 'new', 'm'));
    expect(files(join(dir, 'new'))).toEqual(['checkpoint', 'm.data-00000-of-00001', 'm.index']);
  });

  it('an uninitialized variable: FailedPreconditionError, and the previous checkpoint stays whole', () => {
    const { w } = setup();
    const p = join(dir, 'm');
    const saver = inGraph(() => new tf.train.Saver([w]));
    saver.save(sess, p);
    const before = [readFileSync(`${p}.index`), readFileSync(`${p}.data-00000-of-00001`)];
    const fresh = new tf.Session({ graph: g });
    expectError(() => saver.save(fresh, p), tf.errors.FailedPreconditionError, 'Attempting to use uninitialized value w');
    fresh.close();
    expect(readFileSync(`${p}.index`).equals(before[0]) && readFileSync(`${p}.data-00000-of-00001`).equals(before[1])).toBe(true);
    expect(files()).toEqual(['checkpoint', 'm.data-00000-of-00001', 'm.index']);
  });
});

describe('Saver.restore', () => {
  it('restores into another session and into a new graph by key; the values are the saved ones', () => {
    const { w, b } = setup();
    const saver = inGraph(() => new tf.train.Saver());
    const path = saver.save(sess, join(dir, 'm'), { globalStep: 10 })!;
    sess.run([inGraph(() => w.assign([[0, 0, 0], [0, 0, 0]])), inGraph(() => b.assign([0, 0]))]);
    saver.restore(sess, path);
    expect(values(w, b)).toEqual([[[1, 2, 3], [4, 5, 6]], [7, 8]]);
    // Restoring initializes variables: a fresh session needs no initializer.
    const other = new tf.Session({ graph: g });
    saver.restore(other, tf.train.latestCheckpoint(dir)!);
    expect((other.run(w) as tf.NDArray).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    other.close();
  });

  it('reshape: restores into another shape with the same element count; else TF\'s Reshape error', () => {
    const { w } = setup();
    const path = inGraph(() => new tf.train.Saver([w])).save(sess, join(dir, 'm'))!;
    const g2 = new tf.Graph();
    g2.asDefault(() => {
      const w32 = new tf.Variable(new Float32Array(6), { name: 'w' });
      const s2 = new tf.Session({ graph: g2 });
      new tf.train.Saver([w32], { reshape: true }).restore(s2, path);
      expect(Array.from((s2.run(w32) as tf.NDArray).data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
      const w8 = new tf.Variable(new Float32Array(8), { name: 'w_8' });
      expectError(() => new tf.train.Saver({ w: w8 }, { reshape: true }).restore(s2, path), tf.errors.InvalidArgumentError,
        'Input to reshape is a tensor with 6 values, but the requested shape has 8');
      s2.close();
    });
  });

  describe('a bad checkpoint changes no variable', () => {
    /** Saves w, b; sets them to other values; runs `damage` on the files; restore must throw and leave them. */
    function restoreFails(damage: (p: string) => void, cls: new (...a: never[]) => Error, text: string | RegExp,
                          build?: (vars: { w: tf.Variable; b: tf.Variable }) => tf.Saver): Error {
      const { w, b } = setup();
      const p = inGraph(() => new tf.train.Saver()).save(sess, join(dir, 'm'))!;
      damage(p);
      sess.run([inGraph(() => w.assign([[9, 9, 9], [9, 9, 9]])), inGraph(() => b.assign([9, 9]))]);
      const saver = inGraph(() => (build ? build({ w, b }) : new tf.train.Saver()));
      const e = expectError(() => saver.restore(sess, p), cls, text);
      expect(values(w, b)).toEqual([[[9, 9, 9], [9, 9, 9]], [9, 9]]);
      return e;
    }
    const flip = (file: string, at: (len: number) => number) => {
      const buf = readFileSync(file);
      buf[at(buf.length)] ^= 1;
      writeFileSync(file, buf);
    };
    const data = (p: string) => `${p}.data-00000-of-00001`;
    const index = (p: string) => `${p}.index`;

    it('a flipped data byte: DataLossError, checksum mismatch (the first variable is fine, the second not)', () => {
      restoreFails((p) => flip(data(p), (len) => len - 1), tf.errors.DataLossError, /^Checksum does not match: stored \d{8,} vs\. calculated on the restored bytes \d+$/);
    });
    it('a flipped byte in the index data block / index block: DataLossError block checksum mismatch', () => {
      restoreFails((p) => flip(index(p), () => 20), tf.errors.DataLossError,
        /^Unable to read file \(.*m\.index\)\. Perhaps the file is corrupt or was produced by a newer version of TensorFlow with format changes \(failed to seek to header entry\): block checksum mismatch$/);
      restoreFails((p) => flip(index(p), (len) => len - 48 - 8), tf.errors.DataLossError, /^block checksum mismatch$/);
    });
    it('wrong magic, truncated index, empty index: DataLossError as TF', () => {
      restoreFails((p) => flip(index(p), (len) => len - 1), tf.errors.DataLossError, 'not an sstable (bad magic number)');
      restoreFails((p) => truncateSync(index(p), readFileSync(index(p)).length - 1), tf.errors.DataLossError, 'not an sstable (bad magic number)');
      restoreFails((p) => writeFileSync(index(p), ''), tf.errors.DataLossError, 'file is too short to be an sstable');
    });
    it("a truncated data file: TF's OutOfRangeError 'Read less bytes than requested'", () => {
      restoreFails((p) => truncateSync(data(p), readFileSync(data(p)).length - 1), tf.errors.OutOfRangeError, 'Read less bytes than requested');
    });
    it('a missing data file: NotFoundError wrapped in TF\'s restore hint', () => {
      const e = restoreFails((p) => rmSync(data(p)), tf.errors.NotFoundError, 'm.data-00000-of-00001; No such file or directory');
      expect(e.message).toMatch(/^Restoring from checkpoint failed\. This is most likely due to a Variable name or other graph key that is missing from the checkpoint\. Please ensure that you have not altered the graph expected based on the checkpoint\. Original error:\n\n/);
    });
    it('a missing key: NotFoundError `Key zz not found in checkpoint` (the first missing key in order)', () => {
      restoreFails(() => {}, tf.errors.NotFoundError, /Original error:\n\nKey yy not found in checkpoint$/,
        ({ w, b }) => new tf.train.Saver([w, b, new tf.Variable(1, { name: 'zz' }), new tf.Variable(1, { name: 'yy' })]));
    });
    it('dtype mismatches: InvalidArgumentError listing each, wrapped in TF\'s hint', () => {
      restoreFails(() => {}, tf.errors.InvalidArgumentError,
        /due to a mismatch between the current graph and the graph from the checkpoint\..*\n\ntensor_name = b; expected dtype float does not equal original dtype int32\ntensor_name = w; expected dtype int32 does not equal original dtype float$/s,
        () => new tf.train.Saver({ b: new tf.Variable([1, 2], { name: 'fb' }), w: new tf.Variable(new Int32Array(6), { name: 'iw' }) }));
    });
    it('a shape mismatch: TF\'s Assign text, before any variable is assigned', () => {
      restoreFails(() => {}, tf.errors.InvalidArgumentError, /\n\nAssign requires shapes of both tensors to match\. lhs shape= \[3,2\] rhs shape= \[2,3\]$/,
        ({ b }) => new tf.train.Saver({ b, w: new tf.Variable([[1, 1], [1, 1], [1, 1]], { name: 'w32' }) }));
    });
    it('the header: a newer min_consumer is rejected with TF\'s version text', () => {
      // Rebuild the index with a header requiring consumer version 2.
      // BundleHeaderProto { num_shards: 1, version { producer: 1, min_consumer: 2 } }.
      const header = Uint8Array.from([0x08, 0x01, 0x1a, 0x04, 0x08, 0x01, 0x10, 0x02]);
      restoreFails((p) => writeFileSync(index(p), buildTable([[new Uint8Array(0), header]])), tf.errors.InvalidArgumentError, 'Checkpoint min consumer version 2 above current version 1 for TensorFlow 1.15.0.  Please upgrade TensorFlow.');
    });
  });

  it("paths that are no checkpoint: TF's texts and classes", () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver([w]));
    expectError(() => saver.restore(sess, join(dir, 'nothing')), tf.errors.InvalidArgumentError, `The passed save_path is not a valid checkpoint: ${join(dir, 'nothing')}`);
    expectError(() => saver.restore(sess, null), tf.errors.InvalidArgumentError, "Can't load save_path when it is None.");
    expectError(() => saver.restore(sess, dir), tf.errors.DataLossError, `Unable to open table file ${dir}: FAILED_PRECONDITION: ${dir}; Is a directory`);
  });
});

describe('crash safety and the state file', () => {
  it('leftover temporary files of an interrupted save break nothing', () => {
    const { w } = setup();
    const saver = inGraph(() => new tf.train.Saver([w]));
    const p = saver.save(sess, join(dir, 'm'), { globalStep: 1 })!;
    // What a crash between writing and renaming leaves behind: partial temporaries.
    writeFileSync(`${join(dir, 'm-2')}.index.tempstate123`, 'partial');
    writeFileSync(`${join(dir, 'm-2')}.data-00000-of-00001.tempstate123`, 'partial');
    writeFileSync(join(dir, 'checkpoint.tempstate9'), 'model_checkpoint_path: "m-2"');
    expect(tf.train.latestCheckpoint(dir)).toBe(p);
    expectError(() => saver.restore(sess, join(dir, 'm-2')), tf.errors.InvalidArgumentError, 'The passed save_path is not a valid checkpoint');
    saver.restore(sess, p);
    expect(saver.save(sess, join(dir, 'm'), { globalStep: 2 })).toBe(join(dir, 'm-2'));
    saver.restore(sess, tf.train.latestCheckpoint(dir)!);
    expect(values(w)).toEqual([[[1, 2, 3], [4, 5, 6]]]);
  });

  it('latestCheckpoint: null without a state file or when its checkpoint is gone; getCheckpointState rules', () => {
    expect(tf.train.latestCheckpoint(dir)).toBeNull();
    expect(tf.train.latestCheckpoint(join(dir, 'missing'))).toBeNull();
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "gone"\n');
    expect(tf.train.latestCheckpoint(dir)).toBeNull();
    writeFileSync(join(dir, 'checkpoint'), 'garbage');
    expect(tf.train.getCheckpointState(dir)).toBeNull();
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "a"\nunknown_field: "b"\n');
    expect(tf.train.getCheckpointState(dir)).toBeNull();
    // TF2's CheckpointManager adds timestamps (numbers); comments are allowed.
    writeFileSync(join(dir, 'checkpoint'), '# state\nmodel_checkpoint_path: "b"\nall_model_checkpoint_paths: "a"\n'
      + 'all_model_checkpoint_paths: "/abs/b"\nall_model_checkpoint_timestamps: 1700000000.5\nlast_preserved_timestamp: 1.7e9\n');
    expect(tf.train.getCheckpointState(dir)).toEqual({ modelCheckpointPath: join(dir, 'b'), allModelCheckpointPaths: [join(dir, 'a'), '/abs/b'] });
    writeFileSync(join(dir, 'checkpoint'), 'all_model_checkpoint_paths: "x"\n');
    expectError(() => tf.train.latestCheckpoint(dir), tf.errors.InvalidArgumentError, `Invalid checkpoint state loaded from ${dir}`);
    expect(tf.train.checkpointExists(join(dir, 'x'))).toBe(false);
  });

  it('paths with quotes and non-ASCII are escaped in the state file as TF\'s text format and read back', () => {
    const { w } = setup();
    const odd = join(dir, 'dïr "q"');
    mkdirSync(odd);
    const p = inGraph(() => new tf.train.Saver([w])).save(sess, join(odd, 'm'))!;
    expect(readFileSync(join(odd, 'checkpoint'), 'utf8')).toContain('d\\303\\257r \\"q\\"/m"');
    expect(tf.train.latestCheckpoint(odd)).toBe(p);
    expect(existsSync(`${p}.index`)).toBe(true);
  });
});
