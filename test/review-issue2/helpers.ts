// Shared helpers for the issue-2 review tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(ROOT, 'dist/cjs/lib/index.js');

/** Runs `node -e script` in a child (so a native crash cannot take the test runner down). */
export function runNode(script: string, args: string[] = [], cwd = ROOT) {
  const r = spawnSync(process.execPath, ['-e', script, '--', ...args], { cwd, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface WalkedNode {
  name: string; op: number;
  outputs: { dtypeAt: number; rank: number }[];
  attrs: Record<string, { kind: number; at: number }>;
}

/** Walks the binary graph format documented at the top of lib/serialize.ts; returns field offsets per node. */
export function walkGraphBuffer(buf: Uint8Array): WalkedNode[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const nodeCount = v.getUint32(16, true), strCount = v.getUint32(20, true);
  let p = 32;
  const strings: string[] = [];
  for (let i = 0; i < strCount; i++) {
    const n = v.getUint32(p, true); p += 4;
    strings.push(new TextDecoder().decode(buf.subarray(p, p + n))); p += n;
  }
  const nodes: WalkedNode[] = [];
  for (let k = 0; k < nodeCount; k++) {
    const name = strings[v.getUint32(p, true)], op = v.getUint16(p + 4, true);
    const nIn = v.getUint16(p + 6, true), nCtl = v.getUint16(p + 8, true), nOut = v.getUint16(p + 10, true), nAttr = v.getUint16(p + 12, true);
    p += 16 + nIn * 8 + nCtl * 4;
    const outputs: WalkedNode['outputs'] = [];
    for (let i = 0; i < nOut; i++) { const rank = v.getInt8(p + 1); outputs.push({ dtypeAt: p, rank }); p += 2 + Math.max(rank, 0) * 8; }
    const attrs: WalkedNode['attrs'] = {};
    for (let i = 0; i < nAttr; i++) {
      const an = strings[v.getUint32(p, true)], kind = v.getUint8(p + 4);
      p += 5;
      attrs[an] = { kind, at: p };
      switch (kind) {
        case 1: case 2: p += 8; break;
        case 3: case 5: p += 1; break;
        case 4: p += 4; break;
        case 6: { const r = v.getInt8(p); p += 1 + Math.max(r, 0) * 8; break; }
        case 7: { const n = v.getUint32(p, true); p += 4 + n * 8; break; }
        case 8: { const r = v.getInt8(p + 1); p += 2 + r * 8 + 8; break; }
        default: throw new Error(`unknown attr kind ${kind}`);
      }
    }
    nodes.push({ name, op, outputs, attrs });
  }
  return nodes;
}
