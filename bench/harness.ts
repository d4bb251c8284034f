// The measuring machinery of bench/run.ts: engines behind one interface, interleaved timing,
// and a JSON-lines client for engines that live in another process (TensorFlow in python,
// tensorloom at a forced ISA level in a child node).
import { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Spec } from './data';

/** The first values of an engine's output (canonical layout) for the cross-engine check. */
export interface Probe { length: number; head: number[] }

/** One engine set up for one row. */
export interface Runner {
  probe(): Promise<Probe>;
  /** `runs` timed calls; seconds per call of each (feeds and fetches included). */
  block(runs: number): Promise<number[]>;
  close(): Promise<void> | void;
}

export interface Engine {
  /** Column header. */
  name: string;
  /** A Runner, or why this engine has no such workload (the cell prints "–"). */
  prepare(spec: Spec, inputShape?: number[]): Promise<Runner | string>;
  close(): Promise<void> | void;
}

export const PROBE_LEN = 64;
export const probeOf = (data: ArrayLike<number>): Probe =>
  ({ length: data.length, head: Array.from({ length: Math.min(data.length, PROBE_LEN) }, (_, i) => Number(data[i])) });
/** The probe of `calls` consecutive calls' outputs, concatenated (a training row: the losses of its first steps). */
export async function probeCalls(calls: number, call: () => ArrayLike<number> | Promise<ArrayLike<number>>): Promise<Probe> {
  if (calls === 1) return probeOf(await call());
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const v = await call();
    for (let j = 0; j < v.length; j++) out.push(Number(v[j]));  // no spread: outputs may be 16M values
  }
  return probeOf(out);
}

/** Calls faster than this are timed in groups (see localBlock). */
export const GROUP_SECONDS = 20e-6;

/**
 * Times `fn` `runs` times in this process: one sample per call, except that a synchronous call
 * (it returns no promise) faster than GROUP_SECONDS is timed in groups of calls lasting about
 * that long, each of its calls given the group's mean: reading the clock and awaiting each call
 * cost ~0.3 µs, as much as a whole scalar `sess.run`, and would be counted as the engine's.
 */
export async function localBlock(fn: () => unknown, runs: number, perCall = 1): Promise<number[]> {
  const s: number[] = [];
  let group = 1;
  for (let i = 0; i < runs;) {
    const n = Math.min(group, runs - i);
    const t0 = process.hrtime.bigint();
    let sync = true;
    for (let j = 0; j < n; j++) {
      const v = fn();
      if (v instanceof Promise) { sync = false; await v; }
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / n;
    for (let j = 0; j < n; j++) s.push(dt / perCall);
    i += n;
    if (sync && n === 1 && dt < GROUP_SECONDS) group = Math.max(1, Math.floor(GROUP_SECONDS / Math.max(dt, 1e-8)));
    if (!sync) group = 1;
  }
  return s;
}

export interface Budget {
  warmup: number;       // untimed calls first
  seconds: number;      // timed seconds per engine and row, at least ...
  minSamples: number;   // ... and this many samples (an engine that has run 3·seconds may stop at 3)
  blockSeconds: number; // length of one engine's turn before the next engine's
  pauseSeconds: number; // idle time between turns, so an engine's spinning worker threads (onnxruntime's, TF's) go to sleep before the next one runs
}

export const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Warms every runner up, then gives them turns in rotating order (so that a change in the
 * machine's load hits all alike) until each has its budget. Returns each one's samples.
 */
export async function interleave(runners: Runner[], b: Budget): Promise<number[][]> {
  const perBlock: number[] = [];
  for (const r of runners) {
    const w = await r.block(Math.max(1, b.warmup));
    perBlock.push(Math.max(1, Math.min(2000, Math.round(b.blockSeconds / Math.max(1e-7, Math.min(...w))))));
  }
  const acc = runners.map(() => ({ s: [] as number[], time: 0 }));
  const done = (a: { s: number[]; time: number }) =>
    (a.time >= b.seconds && a.s.length >= b.minSamples) || (a.time >= 3 * b.seconds && a.s.length >= 3);
  for (let round = 0; !acc.every(done); round++) {
    for (let k = 0; k < runners.length; k++) {
      const i = (k + round) % runners.length;
      if (done(acc[i])) continue;
      if (b.pauseSeconds > 0) await new Promise((resolve) => setTimeout(resolve, b.pauseSeconds * 1000));
      const s = await runners[i].block(perBlock[i]);
      acc[i].s.push(...s);
      acc[i].time += s.reduce((p, q) => p + q, 0);
    }
  }
  return acc.map((a) => a.s);
}

/** max |a - ref| over the probe heads / max(|ref|, 1e-6); Infinity on a length mismatch. */
export function probeDiff(a: Probe, ref: Probe): number {
  if (a.length !== ref.length || a.head.length !== ref.head.length) return Infinity;
  let d = 0, scale = 1e-6;
  for (let i = 0; i < ref.head.length; i++) {
    d = Math.max(d, Math.abs(a.head[i] - ref.head[i]));
    scale = Math.max(scale, Math.abs(ref.head[i]));
  }
  return Number.isNaN(d) ? NaN : d / scale;
}

export const errText = (e: unknown): string => (e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));

/**
 * A process answering one JSON line per request line (bench/tf_micro_bench.py, or bench/run.js
 * --serve-tensorloom). Its first line is a header; replies carrying `error` reject.
 */
export class LineServer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private waiting: { resolve(v: any): void; reject(e: Error): void }[] = [];
  private buf = '';
  private stderr = '';
  private exited: Error | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly header: Promise<any>;

  constructor(private proc: ChildProcessWithoutNullStreams, what: string) {
    this.header = this.next();
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      this.buf += d;
      for (let i: number; (i = this.buf.indexOf('\n')) >= 0;) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (!line.trim().startsWith('{')) continue;
        const msg = JSON.parse(line);
        const w = this.waiting.shift();
        if (msg.error) w?.reject(new Error(msg.error)); else w?.resolve(msg);
      }
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-4000); });
    const fail = (why: string) => {
      const tail = this.stderr.trim().split('\n').slice(-2).join(' | ');
      this.exited = new Error(`${what} ${why}${tail ? `: ${tail}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    };
    proc.on('error', (e) => fail(`failed to start (${e.message})`));
    proc.on('exit', (code) => fail(`exited (${code})`));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private next(): Promise<any> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(cmd: object): Promise<any> {
    const p = this.next();
    if (!this.exited) this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    return p;
  }

  close(): void {
    if (this.proc.exitCode === null && !this.exited) this.proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}

/** An engine in another process: `setup` a row, `probe`, `time` blocks, `release`. */
export function remoteEngine(name: string, server: LineServer): Engine {
  return {
    name,
    async prepare(spec, inputShape) {
      const r = await server.request({ cmd: 'setup', spec, input_shape: inputShape ?? [] });
      if (r.unsupported) return String(r.unsupported);
      return {
        probe: async () => (await server.request({ cmd: 'probe' })) as Probe,
        block: async (runs) => (await server.request({ cmd: 'time', runs })).s as number[],
        close: async () => { await server.request({ cmd: 'release' }); },
      };
    },
    close: () => server.close(),
  };
}

/**
 * The other side of remoteEngine, for a node child: answers requests on stdin with `engine`.
 * (python's side is bench/tf_micro_bench.py.)
 */
export async function serveEngine(engine: Engine, header: object): Promise<void> {
  const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  say({ ready: true, ...header });
  let runner: Runner | null = null;
  let pending = '';
  for await (const chunk of process.stdin) {
    pending += String(chunk);
    for (let i: number; (i = pending.indexOf('\n')) >= 0;) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (!line.trim()) continue;
      const c = JSON.parse(line);
      try {
        if (c.cmd === 'quit') { await runner?.close(); await engine.close(); return; }
        if (c.cmd === 'setup') {
          await runner?.close();
          runner = null;
          const r = await engine.prepare(c.spec as Spec, c.input_shape);
          if (typeof r === 'string') say({ unsupported: r }); else { runner = r; say({ ok: true }); }
        } else if (c.cmd === 'probe') say(await runner!.probe());
        else if (c.cmd === 'time') say({ s: await runner!.block(Number(c.runs)) });
        else if (c.cmd === 'release') { await runner?.close(); runner = null; say({ ok: true }); }
        else say({ error: `unknown command ${c.cmd}` });
      } catch (e) { say({ error: errText(e) }); }
    }
  }
}
