// Tracing overhead: the MLP of examples/profile-mlp.ts, ms/run with NO_TRACE vs FULL_TRACE
// (RunMetadata decoded each run), interleaved in one process so both see the same machine state.
// Usage: node dist/cjs/bench/tracing.js [runs=100] [batch=64]
import * as tf from 'tensorloom';
import { buildMlp } from '../examples/mlp';

const runs = Number(process.argv[2] ?? 100);
const batch = Number(process.argv[3] ?? 64);
const mlp = buildMlp({ seed: 42 });
const feeds = new Map([[mlp.x, mlp.batch(batch)]]);
const sess = new tf.Session();
const noTrace = new tf.RunOptions({ traceLevel: tf.RunOptions.NO_TRACE });
const fullTrace = new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });

const timeRun = (traced: boolean): number => {
  const t0 = process.hrtime.bigint();
  if (traced) sess.run(mlp.probs, feeds, fullTrace, new tf.RunMetadata());
  else sess.run(mlp.probs, feeds, noTrace);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

for (let i = 0; i < 10; i++) { timeRun(false); timeRun(true); }   // warmup: plan cache, pools, JIT
const times = { NO_TRACE: [] as number[], FULL_TRACE: [] as number[] };
for (let i = 0; i < runs; i++) {
  // Alternate which goes first so neither always runs on a warmer cache.
  if (i % 2) { times.FULL_TRACE.push(timeRun(true)); times.NO_TRACE.push(timeRun(false)); }
  else { times.NO_TRACE.push(timeRun(false)); times.FULL_TRACE.push(timeRun(true)); }
}
sess.close();

const stats = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p90: q(0.9), min: s[0] };
};
const no = stats(times.NO_TRACE), full = stats(times.FULL_TRACE);
const row = (name: string, s: ReturnType<typeof stats>) =>
  `${name.padEnd(10)}  ${s.mean.toFixed(3).padStart(8)}  ${s.p50.toFixed(3).padStart(8)}  ${s.p90.toFixed(3).padStart(8)}  ${s.min.toFixed(3).padStart(8)}`;
console.log(`MLP 784-512-512-10, batch ${batch}, ${runs} runs each (interleaved), ISA ${tf.isa()}, node ${process.version}`);
console.log(`${'ms/run'.padEnd(10)}  ${'mean'.padStart(8)}  ${'p50'.padStart(8)}  ${'p90'.padStart(8)}  ${'min'.padStart(8)}`);
console.log(row('NO_TRACE', no));
console.log(row('FULL_TRACE', full));
console.log(`ratio FULL/NO: mean ${(full.mean / no.mean).toFixed(3)}, p50 ${(full.p50 / no.p50).toFixed(3)}, min ${(full.min / no.min).toFixed(3)}`);
