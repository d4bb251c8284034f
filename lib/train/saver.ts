// tf.train.Saver (TF1's saver.py over checkpoint V2) and the checkpoint helpers
// (latestCheckpoint, getCheckpointState, checkpointExists, listVariables, loadVariable).
//
// Saving fetches the variables in one run and writes the bundle from TypeScript
// (checkpoint/bundle.ts; TF's SaveV2 bytes). Restoring reads and checks everything first (the
// index and its CRCs, every key, dtype, size, data CRC and shape), then assigns all variables in
// one run of ops built once per Saver (`save/Assign*` fed through placeholders, grouped as
// `save/restore_all`), so a bad checkpoint changes no variable.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import {
  DataLossError, FAILED_PRECONDITION, InvalidArgumentError, NOT_FOUND, NotFoundError, OpError, PermissionDeniedError,
  ResourceExhaustedError, UnimplementedError, UnknownError, checkKeys, invalidArgument,
} from '../errors';
import { Operation, Tensor } from '../graph';
import { NDArray } from '../ndarray';
import { group, placeholder, reshape } from '../ops/builders';
import { Session } from '../session';
import { assign, globalVariables } from '../variables';
import { BundleReader, checkpointExists as bundleExists, compareKeys, dataTypeString, indexFilename, writeBundle, writeTemp } from './checkpoint/bundle';
import { dtypeInfo } from '../dtypes';
import { metaGraphBytes } from './meta-graph';

export interface SaverOptions {
  /** How many recent checkpoints to keep (default 5; 0 or null keeps all). */
  maxToKeep?: number | null;
  /** Also keep one checkpoint per this many hours of training (default 10000). */
  keepCheckpointEveryNHours?: number;
  /** Restore a checkpoint tensor into a variable of another shape with the same number of elements. */
  reshape?: boolean;
  /** A Saver with no variables is allowed and does nothing (save returns null). */
  allowEmpty?: boolean;
  /** Zero-pad the step number in file names to 8 digits (`model-00000100`). */
  padStepNumber?: boolean;
  /** Write paths relative to the checkpoint directory into the state file. */
  saveRelativePaths?: boolean;
  /** The name scope of the restore ops (default 'save'). */
  name?: string;
  /** Accepted for TF compatibility: with one device, TF's sharded save writes the same two files. */
  sharded?: boolean;
  /** Accepted for TF compatibility (no effect). */
  restoreSequentially?: boolean;
  /** The checkpoint format: only 2 (V2, TF's default). */
  writeVersion?: number;
}

export interface SaveOptions {
  /** Appended to the prefix as `-<step>`: a number, or a Tensor / Variable / tensor name evaluated in the session. */
  globalStep?: number | bigint | Tensor | string | null;
  /** The name of the state file (default 'checkpoint'). */
  latestFilename?: string | null;
  /** Write and update the state file (default true). */
  writeState?: boolean;
  /**
   * Also write `<prefix>.meta`, a MetaGraphDef TF's tf.train.import_meta_graph reads (default
   * false: TF's default is true, but tensorloom's contract is the .index/.data/state files).
   */
  writeMetaGraph?: boolean;
  /** The meta graph file's extension (default 'meta'). */
  metaGraphSuffix?: string;
}

/** Anything a Saver can save: a Variable or a VariableV2 op's output. */
type Saveable = Tensor;

const SAVER_OPTIONS: readonly (keyof SaverOptions)[] = ['maxToKeep', 'keepCheckpointEveryNHours', 'reshape', 'allowEmpty', 'padStepNumber', 'saveRelativePaths', 'name', 'sharded', 'restoreSequentially', 'writeVersion'];
const SAVE_OPTIONS: readonly (keyof SaveOptions)[] = ['globalStep', 'latestFilename', 'writeState', 'writeMetaGraph', 'metaGraphSuffix'];
const isVariableTensor = (t: unknown): t is Saveable => t instanceof Tensor && (t.op.type === 'VariableV2' || t.op.type === 'Variable');
const describe = (x: unknown): string => (x instanceof Tensor ? x.toString() : Array.isArray(x) ? `[${x.map(describe).join(', ')}]` : String(x));

/** Checkpoint key → variable, as TF's op_list_to_dict / validate_and_slice_inputs, sorted by key. */
function saveablesByKey(varList: readonly unknown[] | Record<string, unknown>): [string, Saveable][] {
  const out = new Map<string, Saveable>();
  if (Array.isArray(varList)) {
    for (const v of varList.flat(Infinity)) {
      if (!isVariableTensor(v)) throw new TypeError(`Variable to save is not a Variable: ${describe(v)}`);
      const key = v.op.name;
      if (out.has(key)) throw invalidArgument(`At least two variables have the same name: ${key}`);
      out.set(key, v);
    }
  } else {
    for (const [key, v] of Object.entries(varList)) {
      if (!isVariableTensor(v)) throw new TypeError(`names_to_saveables must be a dict mapping string names to Tensors/Variables. Not a variable: ${describe(v)}`);
      out.set(key, v);
    }
  }
  const sorted = [...out].sort(([a], [b]) => compareKeys(a, b));
  const seen = new Set<Operation>();
  for (const [key, v] of sorted) {
    if (seen.has(v.op)) throw invalidArgument(`The same saveable will be restored with two names: ${key}`);
    seen.add(v.op);
  }
  return sorted;
}

const shapeText = (s: readonly number[]) => `[${s.join(',')}]`;
const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** TF's _wrap_restore_error_with_msg: the same class, with the hint before the original text. */
function wrapRestoreError(e: OpError, what: string): OpError {
  const C = e.constructor as new (n: null, o: null, m: string) => OpError;
  return new C(null, null, `Restoring from checkpoint failed. This is most likely due to ${what} from the checkpoint. Please ensure that you have not altered the graph expected based on the checkpoint. Original error:\n\n${e.message}`);
}

/** A tf.errors class for a failed file operation (as TF's IOError mapping). */
function fileError(e: unknown, path: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string') return e as Error;
  const m = `${path}; ${err.message}`;
  if (err.code === 'ENOENT') return new NotFoundError(null, null, m);
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') return new PermissionDeniedError(null, null, m);
  if (err.code === 'ENOSPC') return new ResourceExhaustedError(null, null, m);
  return new UnknownError(null, null, m);
}

/** Python's os.path.dirname ('' when there is no directory part). */
function pyDirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
}

const isDirectory = (p: string): boolean => { try { return statSync(p).isDirectory(); } catch { return false; } };

/** Deletes a checkpoint's files (.index, .data-?????-of-?????, .meta); missing ones are fine. */
function removeCheckpoint(prefix: string): void {
  const dir = dirname(prefix), base = basename(prefix);
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    if (!n.startsWith(base)) continue;
    const rest = n.slice(base.length);
    if (rest === '.index' || rest === '.meta' || /^\.data-\d{5}-of-\d{5}$/.test(rest)) {
      try { unlinkSync(join(dir, n)); } catch { /* already gone */ }
    }
  }
}

// ---- the state file ("checkpoint", a text-format CheckpointState) -------------------------------

/** A text-format string literal as TF's text_format writes it (C escapes, non-ASCII bytes in octal). */
function quote(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '"' || c === "'" || c === '\\') out += `\\${c}`;
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function unquote(body: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { bytes.push(...Buffer.from(c, 'utf8')); continue; }
    const n = body[++i];
    let m: RegExpMatchArray | null;
    if (n in simple) bytes.push(simple[n]);
    else if ((m = body.slice(i).match(/^[0-7]{1,3}/))) { bytes.push(parseInt(m[0], 8) & 0xff); i += m[0].length - 1; }
    else if ((m = body.slice(i).match(/^x[0-9a-fA-F]{1,2}/))) { bytes.push(parseInt(m[0].slice(1), 16)); i += m[0].length - 1; }
    else throw new SyntaxError(`bad escape \\${n}`);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** TF's CheckpointState: the newest checkpoint and all kept ones, oldest first. */
export interface CheckpointState { modelCheckpointPath: string; allModelCheckpointPaths: string[] }

function parseState(text: string): CheckpointState | null {
  const state: CheckpointState = { modelCheckpointPath: '', allModelCheckpointPaths: [] };
  // `name: "string"` or `name: number` (CheckpointManager's timestamps), with # comments.
  const field = /(?:\s|#[^\n]*)*([A-Za-z_]+)\s*:\s*(?:"((?:[^"\\\n]|\\.)*)"|[-+0-9.eE]+|inf|nan)(?:\s|#[^\n]*)*/y;
  const known = ['model_checkpoint_path', 'all_model_checkpoint_paths', 'all_model_checkpoint_timestamps', 'last_preserved_timestamp'];
  let at = 0;
  try {
    while (at < text.length) {
      field.lastIndex = at;
      const m = field.exec(text);
      if (!m || !known.includes(m[1]) || (m[2] === undefined) !== m[1].includes('timestamp')) {
        if (/^(?:\s|#[^\n]*)*$/.test(text.slice(at))) break;
        return null;
      }
      at = field.lastIndex;
      if (m[1] === 'model_checkpoint_path') state.modelCheckpointPath = unquote(m[2]);
      else if (m[1] === 'all_model_checkpoint_paths') state.allModelCheckpointPaths.push(unquote(m[2]));
    }
  } catch { return null; }
  return state;
}

/**
 * The state file of `checkpointDir` (TF's tf.train.get_checkpoint_state), relative paths joined
 * to the directory; null when the file is missing or does not parse.
 */
export function getCheckpointState(checkpointDir: string, latestFilename?: string | null): CheckpointState | null {
  const file = join(checkpointDir, latestFilename ?? 'checkpoint');
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return null; }
  const state = parseState(text);
  if (!state) return null;
  if (!state.modelCheckpointPath) throw invalidArgument(`Invalid checkpoint state loaded from ${checkpointDir}`);
  const abs = (p: string) => (isAbsolute(p) ? p : join(checkpointDir, p));
  return { modelCheckpointPath: abs(state.modelCheckpointPath), allModelCheckpointPaths: state.allModelCheckpointPaths.map(abs) };
}

/**
 * The prefix of the newest checkpoint in `checkpointDir` per its state file, or null (no state
 * file, or its checkpoint's files are gone). TF's tf.train.latest_checkpoint.
 */
export function latestCheckpoint(checkpointDir: string, latestFilename?: string | null): string | null {
  const state = getCheckpointState(checkpointDir, latestFilename);
  if (!state) return null;
  return checkpointExists(state.modelCheckpointPath) ? state.modelCheckpointPath : null;
}

/** Whether `prefix` names a checkpoint (its `.index` exists). */
export function checkpointExists(prefix: string): boolean { return bundleExists(prefix); }

/** Python's os.path.relpath(path, start) ('' start = the working directory). */
const relpath = (path: string, start: string) => relative(start || '.', path) || '.';

function writeState(saveDir: string, latestFilename: string, model: string, all: string[], relativePaths: boolean): void {
  let paths = [...all];
  if (relativePaths) {
    if (isAbsolute(model)) model = relpath(model, saveDir);
    paths = paths.map((p) => (isAbsolute(p) ? relpath(p, saveDir) : p));
  }
  if (!paths.length || paths[paths.length - 1] !== model) paths.push(model);
  if (!isAbsolute(saveDir)) {
    if (!isAbsolute(model)) model = relpath(model, saveDir);
    paths = paths.map((p) => (isAbsolute(p) ? p : relpath(p, saveDir)));
  }
  const file = join(saveDir, latestFilename);
  if (file === model) throw invalidArgument(`Save path '${model}' conflicts with path used for checkpoint state.  Please use a different save path.`);
  const text = [`model_checkpoint_path: ${quote(model)}`, ...paths.map((p) => `all_model_checkpoint_paths: ${quote(p)}`)].join('\n') + '\n';
  let tmp: string;
  try { tmp = writeTemp(file, Buffer.from(text, 'utf8')); } catch (e) { throw fileError(e, file); }
  renameSync(tmp, file);
}

// ---- reading checkpoints directly -----------------------------------------------------------------

/** A checkpoint prefix from a prefix or a directory (its latest checkpoint), as TF's load_checkpoint. */
function checkpointPrefix(ckptDirOrFile: string): string {
  if (isDirectory(ckptDirOrFile)) {
    const latest = latestCheckpoint(ckptDirOrFile);
    if (!latest) throw invalidArgument(`Couldn't find 'checkpoint' file or checkpoints in given directory ${ckptDirOrFile}`);
    return latest;
  }
  if (!existsSync(indexFilename(ckptDirOrFile)))
    throw new NotFoundError(null, null, `Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${ckptDirOrFile}`);
  return ckptDirOrFile;
}

/** `[name, shape]` of every tensor in a checkpoint (a prefix, or a directory's latest), sorted by name. */
export function listVariables(ckptDirOrFile: string): [string, number[]][] {
  const r = new BundleReader(checkpointPrefix(ckptDirOrFile));
  return r.keys().map((k) => [k, r.entry(k).shape]);
}

/** The value stored under `name` (a trailing `:0` is ignored) in a checkpoint (a prefix, or a directory's latest). */
export function loadVariable(ckptDirOrFile: string, name: string): NDArray {
  const r = new BundleReader(checkpointPrefix(ckptDirOrFile));
  return r.value(name.endsWith(':0') ? name.slice(0, -2) : name);
}

// ---- Saver --------------------------------------------------------------------------------

interface RestoreSlot { key: string; variable: Saveable; feed: Tensor }

/**
 * Saves and restores variables in TF's checkpoint V2 format (TF1's tf.train.Saver).
 * @example
 * const saver = new tf.train.Saver();
 * const path = saver.save(sess, 'ckpt/model', { globalStep: 100 });  // 'ckpt/model-100'
 * saver.restore(sess, tf.train.latestCheckpoint('ckpt')!);
 */
export class Saver {
  readonly maxToKeep: number;
  readonly keepCheckpointEveryNHours: number;
  readonly reshape: boolean;
  readonly padStepNumber: boolean;
  readonly saveRelativePaths: boolean;
  /** The restore op (`save/restore_all`), or null for an empty Saver. */
  readonly restoreOp: Operation | null = null;
  readonly #slots: RestoreSlot[] = [];
  readonly #empty: boolean;
  #last: [string, number][] = [];
  #toDelete: [string, number][] = [];
  #nextKeepTime: number;

  /**
   * @param varList the variables to save: an array (keys = the variables' op names), an object
   *   mapping checkpoint keys to variables, or null/undefined for every global variable now.
   */
  constructor(varList?: readonly unknown[] | Record<string, unknown> | null, options: SaverOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`Saver options must be an object, got ${String(options)}`);
    checkKeys(options, SAVER_OPTIONS, 'Saver');
    const version = options.writeVersion ?? 2;
    if (version !== 2) throw new UnimplementedError(null, null, `Saver: only checkpoint format V2 (writeVersion 2) is supported, got ${version}`);
    this.maxToKeep = options.maxToKeep === undefined ? 5 : options.maxToKeep ?? 0;
    this.keepCheckpointEveryNHours = options.keepCheckpointEveryNHours ?? 10000;
    this.reshape = options.reshape ?? false;
    this.padStepNumber = options.padStepNumber ?? false;
    this.saveRelativePaths = options.saveRelativePaths ?? false;
    if (!Number.isInteger(this.maxToKeep) || this.maxToKeep < 0) throw invalidArgument(`max_to_keep must be a non-negative integer, got ${options.maxToKeep}`);
    if (varList !== undefined && varList !== null && (typeof varList !== 'object' || varList instanceof Tensor))
      throw new TypeError(`Variables to save should be passed in a dict or a list. Got ${describe(varList)}`);
    const saveables = saveablesByKey(varList ?? globalVariables());
    this.#nextKeepTime = Date.now() / 1000 + this.keepCheckpointEveryNHours * 3600;
    this.#empty = saveables.length === 0;
    if (this.#empty) {
      if (!options.allowEmpty) throw invalidArgument('No variables to save');
      return;
    }
    const g = saveables[0][1].graph;
    for (const [, v] of saveables) if (v.graph !== g) throw invalidArgument(`Tensor ${v} must be from the same graph as the other variables to save.`);
    this.restoreOp = g.asDefault(() => g.nameScope(options.name ?? 'save', () => {
      const assigns = saveables.map(([key, variable]) => {
        const feed = placeholder(variable.dtype, null, 'RestoreV2');
        this.#slots.push({ key, variable, feed });
        const known = variable.shape !== null && variable.shape.every((d) => d !== null);
        const value = this.reshape && known ? reshape(feed, variable.shape as number[]) : feed;
        return assign(variable, value, { validateShape: !this.reshape && known }).op;
      });
      return group(assigns, { name: 'restore_all' });
    }));
  }

  /** The prefixes of the kept checkpoints, oldest first. */
  get lastCheckpoints(): string[] { return this.#last.map(([p]) => p); }

  /** Replaces the list of kept checkpoints; these are never deleted by maxToKeep (TF's set_last_checkpoints). */
  setLastCheckpoints(paths: string[]): void {
    if (!Array.isArray(paths)) throw new TypeError(`setLastCheckpoints expects an array of paths, got ${String(paths)}`);
    this.#last = paths.map((p) => [String(p), Infinity]);
  }

  /** Rebuilds the kept list from checkpoint prefixes that still exist, with their files' times (after a restart). */
  recoverLastCheckpoints(paths: string[]): void {
    this.#last = [];
    for (const p of paths) {
      try { this.#last.push([p, statSync(indexFilename(p)).mtimeMs / 1000]); } catch { /* deleted meanwhile */ }
    }
  }

  /**
   * Saves the variables' values in `sess` to `<savePath>[-<step>].index` and
   * `.data-00000-of-00001`, updates the state file, deletes checkpoints beyond maxToKeep, and
   * returns the prefix written (null for an empty Saver).
   */
  save(sess: Session, savePath: string, options: SaveOptions = {}): string | null {
    checkKeys(options, SAVE_OPTIONS, 'Saver.save');
    const latestFilename = options.latestFilename ?? 'checkpoint';
    if (dirname(latestFilename) !== '.' || latestFilename.includes('/')) throw invalidArgument("'latest_filename' must not contain path components");
    if (typeof savePath !== 'string') throw new TypeError(`save_path must be a string, got ${String(savePath)}`);
    if (!(sess instanceof Session)) throw new TypeError(`'sess' must be a Session; ${String(sess)}`);
    let file = savePath;
    if (options.globalStep !== undefined && options.globalStep !== null) {
      const step = this.#step(sess, options.globalStep);
      file = `${savePath}-${this.padStepNumber ? String(step).padStart(8, '0') : step}`;
    } else if (basename(savePath) === latestFilename) {
      throw invalidArgument(`'latest_filename' collides with 'save_path': '${latestFilename}' and '${savePath}'`);
    }
    const writeMeta = () => {
      if (!options.writeMetaGraph) return;
      const path = `${file}.${options.metaGraphSuffix ?? 'meta'}`;
      try { renameSync(writeTemp(path, metaGraphBytes(sess.graph)), path); } catch (e) { throw fileError(e, path); }
    };
    if (this.#empty) {
      writeMeta();  // as TF, which writes it for an empty Saver too
      return null;
    }
    const parent = pyDirname(savePath) || '.';
    const parentMissing = () => invalidArgument(`Parent directory of ${savePath} doesn't exist, can't save.`);
    let values: NDArray[];
    try {
      values = sess.run(this.#slots.map((s) => s.variable)) as NDArray[];
    } catch (e) {
      throw (e instanceof OpError && (e.code === FAILED_PRECONDITION || e.code === NOT_FOUND) && !isDirectory(parent)) ? parentMissing() : e;
    }
    try { mkdirSync(parent); } catch { /* exists, or its parent does not (TF ignores this too) */ }
    if (!isDirectory(parent)) throw parentMissing();
    try {
      writeBundle(file, this.#slots.map((s, i) => ({ key: s.key, value: values[i] })));
    } catch (e) {
      throw fileError(e, file);
    }
    if (options.writeState ?? true) {
      this.#record(file);
      writeState(pyDirname(savePath), latestFilename, file, this.lastCheckpoints, this.saveRelativePaths);
      this.#deleteOld();
    }
    writeMeta();
    return file;
  }

  #step(sess: Session, step: NonNullable<SaveOptions['globalStep']>): bigint {
    if (typeof step === 'bigint') return step;
    if (typeof step === 'number') {
      if (!Number.isInteger(step)) throw new TypeError(`global_step must be an integer or a Tensor, got ${step}`);
      return BigInt(step);
    }
    const t = typeof step === 'string' ? sess.graph.getTensorByName(step) : step;
    if (!(t instanceof Tensor)) throw new TypeError(`global_step must be an integer or a Tensor, got ${String(step)}`);
    const v = sess.run(t) as NDArray;
    if (v.size !== 1 || v.dtype === 'bool') throw invalidArgument(`global_step must be an integer scalar, got ${v.dtype} of shape ${shapeText(v.shape)}`);
    const x = v.data[0];
    if (typeof x === 'bigint') return x;
    if (!Number.isInteger(x)) throw invalidArgument(`global_step must be an integer, got ${x}`);
    return BigInt(x);
  }

  /** _RecordLastCheckpoint: the newest last, the oldest beyond maxToKeep queued for deletion. */
  #record(path: string): void {
    if (!this.maxToKeep) return;
    this.#last = this.#last.filter(([p]) => p !== path);
    this.#last.push([path, Date.now() / 1000]);
    if (this.#last.length > this.maxToKeep) this.#toDelete.push(this.#last.shift()!);
  }

  /** _MaybeDeleteOldCheckpoints: deletes one queued checkpoint, unless keepCheckpointEveryNHours keeps it. */
  #deleteOld(): void {
    const p = this.#toDelete.shift();
    if (!p) return;
    if (p[1] > this.#nextKeepTime) {
      this.#nextKeepTime += this.keepCheckpointEveryNHours * 3600;
      return;
    }
    removeCheckpoint(p[0]);
  }

  /**
   * Restores the variables from the checkpoint `savePath`. Everything is read and checked
   * first; on any error no variable changes.
   * @throws InvalidArgumentError (not a checkpoint, dtype or shape mismatch), NotFoundError
   *   (missing key or data file), DataLossError (corrupt files), OutOfRangeError (truncated files).
   */
  restore(sess: Session, savePath: string | null): void {
    if (this.#empty) return;
    if (savePath === null || savePath === undefined) throw invalidArgument("Can't load save_path when it is None.");
    if (!(sess instanceof Session)) throw new TypeError(`'sess' must be a Session; ${String(sess)}`);
    const prefix = String(savePath);
    if (!checkpointExists(prefix)) throw invalidArgument(`The passed save_path is not a valid checkpoint: ${prefix}`);
    let feeds: Map<Tensor, NDArray>;
    try {
      feeds = this.#read(prefix);
    } catch (e) {
      if (e instanceof NotFoundError) throw wrapRestoreError(e, 'a Variable name or other graph key that is missing');
      if (e instanceof InvalidArgumentError) throw wrapRestoreError(e, 'a mismatch between the current graph and the graph');
      throw e;
    }
    sess.run(this.restoreOp!, feeds);
  }

  /** Every value to restore, checked as RestoreV2 and Assign/Reshape would check them. */
  #read(prefix: string): Map<Tensor, NDArray> {
    if (!existsSync(indexFilename(prefix))) {
      // TF then reads `prefix` itself as a V1 checkpoint, which tensorloom does not support.
      const why = isDirectory(prefix) ? `FAILED_PRECONDITION: ${prefix}; Is a directory` : 'DATA_LOSS: not an sstable (bad magic number)';
      throw new DataLossError(null, null, `Unable to open table file ${prefix}: ${why}: perhaps your file is in a different file format and you need to use a different restore operator?`);
    }
    const reader = new BundleReader(prefix);
    const mismatched: string[] = [];
    for (const { key, variable } of this.#slots) {
      const code = reader.entry(key).dtypeCode;
      const want = dtypeInfo(variable.dtype).code;
      if (code !== want) mismatched.push(`tensor_name = ${key}; expected dtype ${dataTypeString(want)} does not equal original dtype ${dataTypeString(code)}`);
    }
    if (mismatched.length) throw invalidArgument(mismatched.join('\n'));
    const feeds = new Map<Tensor, NDArray>();
    for (const { key, feed } of this.#slots) feeds.set(feed, reader.value(key));
    for (const { variable, feed } of this.#slots) {
      const stored = feeds.get(feed)!.shape;
      if (variable.shape === null || variable.shape.some((d) => d === null)) continue;
      const want = variable.shape as number[];
      if (this.reshape) {
        if (count(stored) !== count(want)) throw invalidArgument(`Input to reshape is a tensor with ${count(stored)} values, but the requested shape has ${count(want)}`);
      } else if (shapeText(stored) !== shapeText(want)) {
        throw invalidArgument(`Assign requires shapes of both tensors to match. lhs shape= ${shapeText(want)} rhs shape= ${shapeText(stored)}`);
      }
    }
    return feeds;
  }
}
