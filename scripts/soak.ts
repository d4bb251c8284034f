// npm run soak: many runs of one small graph, sync then runAsync with several in flight, printing
// runs/s and the RSS slope (KB per 100k runs, least squares over samples taken after a warm-up,
// each after a full GC). The bound applies to RSS less V8's free heap (heapTotal - heapUsed): V8
// grows its young generation in steps (semi-spaces up to 16 MB) while allocation is fast, which
// moves RSS by ~16 MB once, at a point that depends on load; what native code keeps per run, and
// live JS objects (heapUsed after a full GC), show up in the rest. Fails when either phase's slope is above the bound: a leak of a few
// bytes per run is hundreds of KB per 100k runs.
// Usage: node --expose-gc dist/cjs/scripts/soak.js [--runs N] [--inflight K] [--bound KB]
//   --runs      runs per phase (default 1,000,000)
//   --inflight  runAsync calls kept pending at once (default 16)
//   --bound     largest accepted RSS slope, KB per 100k runs (default 256); a slope whose growth over
//               the sampled runs stays under 1 MB passes (RSS noise), which matters only for short runs
import * as tf from '../lib/index';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got ${process.argv[i + 1]}`);
  return v;
}
const runs = Math.floor(flag('runs', 1_000_000));
const inflight = Math.floor(flag('inflight', 16));
const bound = flag('bound', 256);
/** RSS noise (KB) a short run cannot see below. */
const NOISE_KB = 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Memory samples (runs done, RSS KB, RSS less V8's free heap KB) after a GC every `every` runs past the first 20% (warm-up). */
class Sampler {
  readonly every = Math.max(1, Math.floor(runs / 50));
  readonly warm = Math.floor(runs / 5);
  readonly points: [number, number, number][] = [];
  sample(done: number): void {
    if (done < this.warm || done % this.every !== 0) return;
    gc();
    const m = process.memoryUsage();
    this.points.push([done, m.rss / 1024, (m.rss - m.heapTotal + m.heapUsed) / 1024]);
  }
  /** Least-squares slope of column `col` (1: RSS, 2: RSS less V8's free heap) over runs, in KB per 100k runs. */
  slope(col: 1 | 2): number {
    const n = this.points.length;
    if (n < 2) return 0;
    const mx = this.points.reduce((a, p) => a + p[0], 0) / n, my = this.points.reduce((a, p) => a + p[col], 0) / n;
    let num = 0, den = 0;
    for (const p of this.points) { num += (p[0] - mx) * (p[col] - my); den += (p[0] - mx) ** 2; }
    return (num / den) * 100_000;
  }
}

const x = tf.placeholder('float32', [4], 'x');
const y = tf.nn.relu(tf.add(tf.multiply(x, 2), 1));
const sess = new tf.Session();
const feed = new Float32Array([1, -2, 3, -4]);
const feeds = new Map([[x, feed]]);
const expect0 = 3;

function report(phase: string, ms: number, s: Sampler): boolean {
  const native = s.slope(2);
  const rss = s.points.length ? s.points[s.points.length - 1][1] : process.memoryUsage().rss / 1024;
  // Growth the slope implies over the sampled runs: below NOISE_KB a short run cannot tell a
  // leak from RSS noise (JIT, allocator), so only a slope above the bound AND that much growth fails.
  const sampled = s.points.length ? s.points[s.points.length - 1][0] - s.points[0][0] : 0;
  const growth = (native * sampled) / 100_000;
  const ok = native <= bound || growth <= NOISE_KB;
  console.log(`${phase}: ${runs} runs in ${(ms / 1000).toFixed(1)} s = ${Math.round(runs / (ms / 1000))} runs/s; RSS ${(rss / 1024).toFixed(1)} MB, ` +
    `slope per 100k runs: RSS ${s.slope(1).toFixed(1)} KB, RSS less free V8 heap ${native.toFixed(1)} KB (bound ${bound}; ` +
    `${growth.toFixed(0)} KB over the sampled runs) ${ok ? 'ok' : 'FAIL'}`);
  return ok;
}

async function main(): Promise<void> {
  console.log(`soak: node ${process.version}, isa ${tf.isa()}, ${runs} runs per phase, ${inflight} runAsync in flight`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('soak: run node with --expose-gc for steadier RSS samples');
  const sync = new Sampler();
  let t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    const r = sess.run(y, feeds);
    if (i === 1 && (r.data as Float32Array)[0] !== expect0) throw new Error(`wrong value ${r.data[0]}`);
    sync.sample(i);
  }
  const okSync = report('sync    ', performance.now() - t0, sync);

  const async = new Sampler();
  t0 = performance.now();
  let started = 0, done = 0;
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (started >= runs) return;
      started++;
      sess.runAsync(y, feeds).then(() => {
        done++;
        async.sample(done);
        if (done === runs) resolve(); else next();
      }, reject);
    };
    for (let k = 0; k < inflight; k++) next();
  });
  const okAsync = report('runAsync', performance.now() - t0, async);
  sess.close();
  if (!okSync || !okAsync) {
    console.log('soak: FAILED (RSS grows beyond the bound)');
    process.exitCode = 1;
  } else console.log('soak: ok');
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
