// The printed form of bench/run.ts's results: time formatting, issue 8's targets as marks, and
// a table printed row by row that also renders as markdown.

/** Targets of issue 8 as speed-ups (peer time / tensorloom time) or an absolute bound. */
export interface Target { best?: number; ort?: number; tfjs?: number; maxSeconds?: number }
export const WASM_TARGET = 3;   // every workload ≥ 3× tfjs-wasm

/** `s` seconds with 3 significant digits in a unit that suits it. */
export function fmtTime(s: number): string {
  const [v, unit] = s < 1e-3 ? [s * 1e6, 'µs'] : s < 1 ? [s * 1e3, 'ms'] : [s, 's'];
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
}

/** The target mark of a row from its medians (seconds) by engine name. */
export function mark(t: Target, med: Map<string, number>): string {
  const tl = med.get('tensorloom');
  if (tl === undefined) return 'FAIL: no tensorloom time';
  const parts: { ok: boolean; text: string }[] = [];
  const speedup = (what: string, factor: number | undefined, peerTime: number | undefined) => {
    if (factor !== undefined && peerTime !== undefined) parts.push({ ok: peerTime / tl >= factor, text: `≥${factor}× ${what} (${(peerTime / tl).toFixed(2)}×)` });
  };
  const bestOf = ['TF 1.x', 'onnxruntime'].map((n) => med.get(n)).filter((x): x is number => x !== undefined);
  speedup('best', t.best, bestOf.length ? Math.min(...bestOf) : undefined);
  speedup('ort', t.ort, med.get('onnxruntime'));
  speedup('tfjs-cpu', t.tfjs, med.get('tfjs-cpu'));
  speedup('tfjs-wasm', WASM_TARGET, med.get('tfjs-wasm'));
  if (t.maxSeconds !== undefined) parts.push({ ok: tl <= t.maxSeconds, text: `≤${fmtTime(t.maxSeconds)}` });
  if (!parts.length) return '– (no peer to compare)';
  const failed = parts.filter((p) => !p.ok);
  return failed.length ? `FAIL ${failed.map((p) => p.text).join(', ')}` : `pass ${parts.map((p) => p.text).join(', ')}`;
}

/** A table printed row by row as it is measured, kept for the markdown record. */
export class Table {
  readonly rows: string[][] = [];
  constructor(readonly head: string[], private widths: number[], private out: (line: string) => void = console.log) { this.print(head); this.print(widths.map((w) => '-'.repeat(w))); }
  add(cells: string[]): void { this.rows.push(cells); this.print(cells); }
  private print(cells: string[]): void {
    this.out(cells.map((c, i) => (i === 0 ? c.padEnd(this.widths[i]) : i === cells.length - 1 ? c : c.padStart(this.widths[i]))).join('  '));
  }
  markdown(): string {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(this.head), line(this.head.map((_, i) => (i === 0 || i === this.head.length - 1 ? '---' : '---:'))), ...this.rows.map(line)].join('\n');
  }
}

