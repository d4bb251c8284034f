// npm run soak: many runs of one small graph, sync then runAsync with several in flight, printing
// runs/s and the RSS slope (KB per 100k runs, least squares over samples taken after a warm-up,
// each after a full GC). Fails when either slope is above the bound: a leak of a few bytes per
// run shows up as hundreds of KB per 100k runs.
// Usage: node --expose-gc dist/cjs/scripts/soak.js [--runs N] [--inflight K] [--bound KB]
//   --runs      runs per phase (default 1,000,000)
//   --inflight  runAsync calls kept pending at once (default 16)
//   --bound     largest accepted RSS slope, KB per 100k runs (default 256)
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
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** RSS samples (runs done, KB) after a GC every `every` runs past the first 20% (warm-up). */
class Sampler {
  readonly every = Math.max(1, Math.floor(runs / 50));
  readonly warm = Math.floor(runs / 5);
  readonly points: [number, number][] = [];
  sample(done: number): void {
    if (done < this.warm || done % this.every !== 0) return;
    gc();
    this.points.push([done, process.memoryUsage().rss / 1024]);
  }
  /** Least-squares slope of RSS over runs, in KB per 100k runs. */
  slope(): number {
    const n = this.points.length;
    if (n < 2) return 0;
    const mx = this.points.reduce((a, [x]) => a + x, 0) / n, my = this.points.reduce((a, [, y]) => a + y, 0) / n;
    let num = 0, den = 0;
    for (const [x, y] of this.points) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
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
  const slope = s.slope();
  const rss = s.points.length ? s.points[s.points.length - 1][1] : process.memoryUsage().rss / 1024;
  const ok = slope <= bound;
  console.log(`${phase}: ${runs} runs in ${(ms / 1000).toFixed(1)} s = ${Math.round(runs / (ms / 1000))} runs/s; ` +
    `RSS ${(rss / 1024).toFixed(1)} MB, slope ${slope.toFixed(1)} KB per 100k runs (bound ${bound}) ${ok ? 'ok' : 'FAIL'}`);
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
