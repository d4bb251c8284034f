// The benchmark harness (bench/): shared inputs, interleaved timing, the issue-8 target marks,
// the table, and the JSON-lines protocol of the out-of-process engines. No engine is timed here.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MLP_SIZES, feeds, mlpLayer, probeSteps, trainParams, uniform } from '../../bench/data';
import { tensorloomEngine } from '../../bench/engines';
import { LineServer, Runner, interleave, median, probeCalls, probeDiff } from '../../bench/harness';
import { Table, fmtTime, mark } from '../../bench/table';

describe('bench inputs', () => {
  it('uniform() gives the values numpy computes in bench/tf_micro_bench.py', () => {
    // Printed by python3 -c "from tf_micro_bench import uniform; print(uniform(6, 1)) ..." (float32 → double).
    expect(Array.from(uniform(6, 1))).toEqual([0.1467951536178589, 0.17678754031658173, 0.40826746821403503,
      0.8555258512496948, -0.3076220452785492, -0.31136491894721985]);
    expect(Array.from(uniform(4, 13, Math.sqrt(6 / (784 + 512))))).toEqual([-0.04536348953843117, -0.010049368254840374,
      0.0008814791799522936, 0.00942777656018734]);
    expect(uniform(1 << 20, 5)[(1 << 20) - 1]).toBe(0.1138751357793808);
  });

  it('feeds() shapes match their data and stay in (-1, 1)', () => {
    for (const f of [...feeds({ kind: 'matmul', n: 3 }), ...feeds({ kind: 'conv', size: 4, channels: 2 }), ...feeds({ kind: 'model', name: 'm', batch: 2, json: '' }, [3, 5])]) {
      expect(f.data.length).toBe(f.shape.reduce((p, q) => p * q, 1));
      expect(f.data.every((v) => v > -1 && v < 1)).toBe(true);
    }
    expect(feeds({ kind: 'scalar_add' })).toEqual([{ data: Float32Array.of(2), shape: [] }]);
    // The two matmul operands differ (different seeds).
    const [a, b] = feeds({ kind: 'matmul', n: 2 });
    expect(a.data).not.toEqual(b.data);
  });

  it('training rows: x as the inference rows\' input, one-hot y of class i mod 10, Glorot-bounded weights', () => {
    const [x, y] = feeds({ kind: 'train', model: 'mlp', batch: 12 });
    expect(x).toEqual(feeds({ kind: 'mlp', batch: 12 })[0]);
    expect(y.shape).toEqual([12, 10]);
    for (let i = 0; i < 12; i++) expect(Array.from(y.data.subarray(i * 10, i * 10 + 10))).toEqual(Array.from({ length: 10 }, (_, c) => (c === i % 10 ? 1 : 0)));
    expect(feeds({ kind: 'train', model: 'cnn', batch: 3 }).map((f) => f.shape)).toEqual([[3, 28, 28, 1], [3, 10]]);

    const mlp = trainParams('mlp');
    expect(mlp.map((p) => p.shape)).toEqual([[784, 512], [512], [512, 512], [512], [512, 10], [10]]);
    expect(mlp[2].data).toEqual(mlpLayer(2).w);
    const cnn = trainParams('cnn');
    expect(cnn.map((p) => p.shape)).toEqual([[3, 3, 1, 8], [8], [3, 3, 8, 16], [16], [7 * 7 * 16, 10], [10]]);
    const fans = [[9, 72], [72, 144], [784, 10]];
    cnn.forEach((p, i) => {
      expect(p.data.length).toBe(p.shape.reduce((a, b) => a * b, 1));
      const bound = i % 2 ? 0.01 : Math.sqrt(6 / (fans[i >> 1][0] + fans[i >> 1][1]));
      expect(Math.max(...p.data.map(Math.abs))).toBeLessThan(bound);
      if (i % 2 === 0) expect(Math.max(...p.data.map(Math.abs))).toBeGreaterThan(0.9 * bound);   // the filters fill their range
    });
    expect(MLP_SIZES).toEqual([784, 512, 512, 10]);
    expect([probeSteps({ kind: 'train', model: 'cnn', batch: 1 }), probeSteps({ kind: 'mlp', batch: 1 })]).toEqual([2, 1]);
  });

  it("tensorloom's training rows take TF's first two Adam steps (the losses TF 1.x computes)", async () => {
    // Printed by bench/tf_micro_bench.py (TensorFlow 2.21, tf.compat.v1): Row(tf, spec, [], 2).probe().
    const tfLosses = { mlp: [2.409466505050659, 1.4586381912231445], cnn: [2.4425065517425537, 2.3520913124084473] };
    for (const model of ['mlp', 'cnn'] as const) {
      const r = await tensorloomEngine(1).prepare({ kind: 'train', model, batch: model === 'mlp' ? 64 : 32 });
      if (typeof r === 'string') throw new Error(r);
      try {
        const p = await r.probe();
        expect(p.length).toBe(2);
        p.head.forEach((l, i) => expect(Math.abs(l - tfLosses[model][i]), `${model} step ${i + 1}: ${l}`).toBeLessThan(1e-5 * tfLosses[model][i]));
        expect((await r.block(2)).length).toBe(2);
        // Training goes on: the next step's loss is lower again.
        expect((await r.probe()).head[0]).toBeLessThan(p.head[1]);
      } finally { await r.close(); }
    }
  });
});

/** A runner whose calls "take" `secs` each (nothing sleeps), logging whose turn it was. */
function fake(name: string, secs: number, log: string[]): Runner & { calls: number } {
  const r = {
    calls: 0,
    probe: async () => ({ length: 1, head: [0] }),
    block: async (runs: number) => { log.push(name); r.calls += runs; return Array<number>(runs).fill(secs); },
    close: () => {},
  };
  return r;
}

describe('interleave', () => {
  const budget = { warmup: 2, seconds: 1, minSamples: 10, blockSeconds: 0.25, pauseSeconds: 0 };

  it('rotates the turns and stops each engine at its budget', async () => {
    const log: string[] = [];
    // Binary fractions, so the sums of the budget check are exact.
    const fast = fake('fast', 2 ** -7, log), slow = fake('slow', 0.125, log);
    const [f, s] = await interleave([fast, slow], budget);
    // Warm-up (2 calls each), then turns of 0.25 s (32 calls for fast, 2 for slow), the first
    // engine alternating; fast is done after 4 turns (1 s), slow needs a 5th for 10 samples.
    expect(log).toEqual(['fast', 'slow', 'fast', 'slow', 'slow', 'fast', 'fast', 'slow', 'slow', 'fast', 'slow']);
    expect(f.length).toBe(128);
    expect(s.length).toBe(10);
    expect(fast.calls).toBe(130);
    expect(slow.calls).toBe(12);
  });

  it('lets a very slow engine stop at 3 samples once it has run 3 budgets', async () => {
    const log: string[] = [];
    const [s] = await interleave([fake('glacial', 2, log)], budget);
    expect(s).toEqual([2, 2, 2]);                    // one per turn; at 4 s (≥ 3 budgets) it still lacks a 3rd sample
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('probeCalls', () => {
  it('concatenates the outputs of consecutive calls (sync or async)', async () => {
    let k = 0;
    expect(await probeCalls(2, () => [++k, 10 * k])).toEqual({ length: 4, head: [1, 10, 2, 20] });
    expect(await probeCalls(1, async () => Float32Array.of(0.5))).toEqual({ length: 1, head: [0.5] });
  });
});

describe('probeDiff', () => {
  it('is relative to the largest reference value', () => {
    expect(probeDiff({ length: 3, head: [1, 2, -4] }, { length: 3, head: [1, 2, -4] })).toBe(0);
    expect(probeDiff({ length: 3, head: [1, 2.4, -4] }, { length: 3, head: [1, 2, -4] })).toBeCloseTo(0.1, 12);
    expect(probeDiff({ length: 4, head: [1, 2, -4] }, { length: 3, head: [1, 2, -4] })).toBe(Infinity);
    expect(probeDiff({ length: 1, head: [NaN] }, { length: 1, head: [1] })).toBeNaN();
  });
});

describe('table', () => {
  it('formats times with 3 significant digits', () => {
    expect([3.15e-6, 1.3e-4, 7.5e-4, 0.0132, 0.187, 2.1].map(fmtTime)).toEqual(['3.15 µs', '130 µs', '750 µs', '13.2 ms', '187 ms', '2.10 s']);
  });

  it('marks the rows of issue 8 against its targets', () => {
    const ms = (o: Record<string, number>) => new Map(Object.entries(o).map(([k, v]) => [k, v * 1e-3]));
    // The issue's own measurements: matmul 512 misses 1.1× best; sum of 16M floats passes.
    expect(mark({ best: 1.1 }, ms({ 'TF 1.x': 0.75, onnxruntime: 0.77, 'tfjs-cpu': 180, tensorloom: 1.32 })))
      .toBe('FAIL ≥1.1× best (0.57×)');
    expect(mark({ best: 1 }, ms({ 'TF 1.x': 6.2, onnxruntime: 1.86, tensorloom: 1.82 }))).toBe('pass ≥1× best (1.02×)');
    expect(mark({ best: 1, ort: 2 }, ms({ 'TF 1.x': 13.1, onnxruntime: 36.5, tensorloom: 60.9 })))
      .toBe('FAIL ≥1× best (0.22×), ≥2× ort (0.60×)');
    expect(mark({ maxSeconds: 1.5e-6, tfjs: 1.3 }, ms({ 'tfjs-cpu': 2.1e-3, tensorloom: 3.15e-3 })))
      .toBe('FAIL ≥1.3× tfjs-cpu (0.67×), ≤1.50 µs');
    expect(mark({ maxSeconds: 1.5e-6, tfjs: 1.3 }, ms({ 'tfjs-cpu': 2.1e-3, tensorloom: 1e-3 }))).toBe('pass ≥1.3× tfjs-cpu (2.10×), ≤1.50 µs');
    // Every row must also be ≥ 3× tfjs-wasm when that column exists.
    expect(mark({ best: 1 }, ms({ onnxruntime: 2, 'tfjs-wasm': 2.5, tensorloom: 1 }))).toBe('FAIL ≥3× tfjs-wasm (2.50×)');
    expect(mark({ best: 1 }, ms({ 'tfjs-cpu': 2, tensorloom: 1 }))).toBe('– (no peer to compare)');
    expect(mark({ best: 1 }, ms({ onnxruntime: 2 }))).toBe('FAIL: no tensorloom time');
  });

  it('prints aligned rows and renders the same cells as markdown', () => {
    const lines: string[] = [];
    const t = new Table(['workload', 'a', 'b', 'target'], [8, 6, 6, 6], (l) => lines.push(l));
    t.add(['mm', '1 ms', '2 ms', 'pass']);
    expect(lines).toEqual(['workload       a       b  target', '--------  ------  ------  ------', 'mm          1 ms    2 ms  pass']);
    expect(t.markdown()).toBe('| workload | a | b | target |\n| --- | ---: | ---: | --- |\n| mm | 1 ms | 2 ms | pass |');
  });
});

describe('LineServer', () => {
  // A stand-in for bench/tf_micro_bench.py: a header line, then echo, an error reply, or exit.
  const script = `
    process.stdout.write('noise that is not JSON\\n' + JSON.stringify({ ready: true, v: 1 }) + '\\n');
    let buf = '';
    process.stdin.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\\n')) >= 0;) {
        const c = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
        if (c.cmd === 'die') { process.stderr.write('boom\\n'); process.exit(3); }
        process.stdout.write(JSON.stringify(c.cmd === 'bad' ? { error: 'ValueError: bad' } : { echo: c.x }) + '\\n');
      }
    });`;

  it('answers requests in order, rejects error replies and everything after an exit', async () => {
    const server = new LineServer(spawn(process.execPath, ['-e', script]), 'fake server');
    expect(await server.header).toEqual({ ready: true, v: 1 });
    const [a, b] = await Promise.all([server.request({ cmd: 'x', x: 1 }), server.request({ cmd: 'x', x: 2 })]);
    expect([a.echo, b.echo]).toEqual([1, 2]);
    await expect(server.request({ cmd: 'bad' })).rejects.toThrow('ValueError: bad');
    await expect(server.request({ cmd: 'die' })).rejects.toThrow(/fake server exited \(3\): boom/);
    await expect(server.request({ cmd: 'x', x: 3 })).rejects.toThrow(/exited/);
  });

  it('rejects the header when the program cannot start', async () => {
    const server = new LineServer(spawn('/nonexistent/python3-for-tensorloom-bench'), 'missing python');
    await expect(server.header).rejects.toThrow(/missing python failed to start/);
  });
});
