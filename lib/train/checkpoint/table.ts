// The LevelDB table format ("SSTable") that TF's checkpoint index files use, without
// compression (tensorflow/core/lib/io/{table_builder,block_builder,format,block,table}.cc).
//
// A table is: data blocks | metaindex block (empty) | index block | 48-byte footer. A block holds
// prefix-compressed entries (varint32 shared, unshared, value length; key suffix; value) with a
// restart point (a full key) every 16 entries, then the restart offsets and their count as
// fixed32; each block is followed by a type byte (0: uncompressed) and the masked CRC-32C of
// block + type byte. The index block maps a separator key >= each data block's last key to that
// block's handle (varint64 offset, size). The footer holds the metaindex and index handles,
// zero-padded to 40 bytes, and the magic number.
import { DataLossError, OutOfRangeError, UnimplementedError } from '../../errors';
import { crc32c, maskCrc, unmaskCrc } from './crc32c';

const BLOCK_SIZE = 262144;
const RESTART_INTERVAL = 16;
const TRAILER = 5;
const FOOTER = 48;
const MAGIC_LO = 0x8b80fb57, MAGIC_HI = 0xdb477524;

const dataLoss = (m: string) => new DataLossError(null, null, m);

/** A growable byte buffer with LevelDB's integer encodings. */
class Bytes {
  buf = new Uint8Array(256);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.length); this.length += b.length; }
  byte(v: number): void { this.room(1); this.buf[this.length++] = v; }
  fixed32(v: number): void { for (let i = 0; i < 4; i++) this.byte((v >>> (8 * i)) & 0xff); }
  /** Unsigned varint of a non-negative safe integer (varint32 and varint64 alike). */
  varint(v: number): void {
    while (v >= 0x80) { this.byte((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    this.byte(v);
  }
  view(): Uint8Array { return this.buf.subarray(0, this.length); }
}

function sharedPrefix(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

class BlockBuilder {
  private out = new Bytes();
  private restarts = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  constructor(private readonly interval: number) {}

  get empty(): boolean { return this.out.length === 0; }
  /** BlockBuilder::CurrentSizeEstimate: entries + restart array + its count. */
  get sizeEstimate(): number { return this.out.length + 4 * this.restarts.length + 4; }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.interval) shared = sharedPrefix(this.lastKey, key);
    else { this.restarts.push(this.out.length); this.counter = 0; }
    this.out.varint(shared);
    this.out.varint(key.length - shared);
    this.out.varint(value.length);
    this.out.bytes(key.subarray(shared));
    this.out.bytes(value);
    this.lastKey = key;
    this.counter++;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) this.out.fixed32(r);
    this.out.fixed32(this.restarts.length);
    return this.out.view();
  }
}

/** BytewiseComparator::FindShortestSeparator: a short key k with start <= k < limit. */
function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const i = sharedPrefix(start, limit);
  if (i >= Math.min(start.length, limit.length)) return start;  // one is a prefix of the other
  const b = start[i];
  if (b < 0xff && b + 1 < limit[i]) {
    const k = start.slice(0, i + 1);
    k[i]++;
    return k;
  }
  return start;
}

/** BytewiseComparator::FindShortSuccessor: a short key >= key. */
function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const k = key.slice(0, i + 1);
      k[i]++;
      return k;
    }
  }
  return key;
}

/**
 * Builds a table from entries given in strictly increasing key order (bytewise), the way TF's
 * TableBuilder does with the tensor bundle's options (256 KiB blocks, restart every 16 entries,
 * no compression), so the bytes equal TF's.
 */
export function buildTable(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const file = new Bytes();
  const index = new BlockBuilder(1);
  let data = new BlockBuilder(RESTART_INTERVAL);
  let lastKey: Uint8Array | null = null;
  let pending: Uint8Array | null = null;  // the handle of the last flushed data block, awaiting its index key

  const writeBlock = (block: BlockBuilder): Uint8Array => {
    const raw = block.finish();
    const handle = new Bytes();
    handle.varint(file.length);
    handle.varint(raw.length);
    file.bytes(raw);
    file.byte(0);
    file.fixed32(maskCrc(crc32c(new Uint8Array([0]), crc32c(raw))));
    return handle.view();
  };
  const flush = () => {
    if (data.empty) return;
    pending = writeBlock(data);
    data = new BlockBuilder(RESTART_INTERVAL);
  };

  for (const [key, value] of entries) {
    if (pending) { index.add(shortestSeparator(lastKey!, key), pending); pending = null; }
    lastKey = key;
    data.add(key, value);
    if (data.sizeEstimate >= BLOCK_SIZE) flush();
  }
  flush();
  const metaindex = writeBlock(new BlockBuilder(RESTART_INTERVAL));
  if (pending) index.add(shortSuccessor(lastKey!), pending);
  const indexHandle = writeBlock(index);
  const footer = new Uint8Array(FOOTER);
  footer.set(metaindex, 0);
  footer.set(indexHandle, metaindex.length);
  const dv = new DataView(footer.buffer);
  dv.setUint32(40, MAGIC_LO, true);
  dv.setUint32(44, MAGIC_HI, true);
  file.bytes(footer);
  return file.view().slice();
}

/** Reads varints from a byte range, failing with `error` past its end. */
class Cursor {
  constructor(readonly b: Uint8Array, public pos: number, readonly end: number, readonly error: string) {}
  varint(max: number): number {
    let v = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw dataLoss(this.error);
      const byte = this.b[this.pos++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        if (v > max) throw dataLoss(this.error);
        return v;
      }
      mul *= 0x80;
    }
    throw dataLoss(this.error);
  }
}

interface Handle { offset: number; size: number }
function decodeHandle(c: Cursor): Handle {
  return { offset: c.varint(Number.MAX_SAFE_INTEGER), size: c.varint(Number.MAX_SAFE_INTEGER) };
}

/** A block's contents after checking its bounds, trailer type and CRC (format.cc ReadBlock). */
function readBlock(file: Uint8Array, h: Handle): Uint8Array {
  if (h.offset + h.size + TRAILER > file.length) throw new OutOfRangeError(null, null, 'Read less bytes than requested');
  const contents = file.subarray(h.offset, h.offset + h.size + 1);
  const stored = new DataView(file.buffer, file.byteOffset + h.offset + h.size + 1, 4).getUint32(0, true);
  if (unmaskCrc(stored) !== crc32c(contents)) throw dataLoss('block checksum mismatch');
  const type = contents[h.size];
  if (type === 1) throw new UnimplementedError(null, null, 'Snappy-compressed checkpoint index blocks are not supported');
  if (type !== 0) throw dataLoss('bad block type');
  return contents.subarray(0, h.size);
}

/** The entries of a block, keys restored from their shared prefixes (block.cc Block::Iter). */
function blockEntries(block: Uint8Array): [Uint8Array, Uint8Array][] {
  if (block.length < 4) throw dataLoss('bad block contents');
  const dv = new DataView(block.buffer, block.byteOffset, block.length);
  const restarts = dv.getUint32(block.length - 4, true);
  if (restarts > (block.length - 4) / 4) throw dataLoss('bad block contents');
  const end = block.length - 4 * (restarts + 1);
  const out: [Uint8Array, Uint8Array][] = [];
  const c = new Cursor(block, 0, end, 'bad entry in block');
  let key: Uint8Array = new Uint8Array(0);
  while (c.pos < end) {
    const shared = c.varint(0xffffffff), unshared = c.varint(0xffffffff), vlen = c.varint(0xffffffff);
    if (shared > key.length || c.pos + unshared + vlen > end) throw dataLoss('bad entry in block');
    const next = new Uint8Array(shared + unshared);
    next.set(key.subarray(0, shared));
    next.set(block.subarray(c.pos, c.pos + unshared), shared);
    key = next;
    c.pos += unshared;
    out.push([key, block.subarray(c.pos, c.pos + vlen)]);
    c.pos += vlen;
  }
  return out;
}

/**
 * Every entry of a table, in file order, after checking the footer and every block's CRC.
 * `onFirstBlockError` may rewrite the error of the first data block (TF reports it while seeking
 * the bundle's header entry).
 */
export function readTable(file: Uint8Array, onFirstBlockError: (e: Error) => Error = (e) => e): [Uint8Array, Uint8Array][] {
  if (file.length < FOOTER) throw dataLoss('file is too short to be an sstable');
  const foot = new DataView(file.buffer, file.byteOffset + file.length - FOOTER, FOOTER);
  if (foot.getUint32(40, true) !== MAGIC_LO || foot.getUint32(44, true) !== MAGIC_HI) throw dataLoss('not an sstable (bad magic number)');
  const fc = new Cursor(file, file.length - FOOTER, file.length - 8, 'bad block handle');
  decodeHandle(fc);  // metaindex: nothing in it is needed
  const index = blockEntries(readBlock(file, decodeHandle(fc)));
  const out: [Uint8Array, Uint8Array][] = [];
  index.forEach(([, value], i) => {
    try {
      const handle = decodeHandle(new Cursor(value, 0, value.length, 'bad block handle'));
      for (const entry of blockEntries(readBlock(file, handle))) out.push(entry);
    } catch (e) {
      throw i === 0 ? onFirstBlockError(e as Error) : e;
    }
  });
  return out;
}
