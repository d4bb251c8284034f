// Keras' LayerNormalization subgraph (TF backend: Mean, StopGradient, SquaredDifference, Mean,
// AddV2 eps, Rsqrt, Mul gamma, Mul x, Neg, Mul, AddV2 beta, AddV2) runs as one `_MklLayerNorm`
// step (native fuse_layer_norm, part of the remapper): results match the unfused plan and a
// plain JS reference; the partition graph and trace show the step; a pattern whose inner values
// are read elsewhere, whose gamma is not a constant or that normalizes another axis is left alone.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 3 + Math.cos(i * 1.3) * 0.5);
const OFF = { graphOptions: { rewriteOptions: { remapping: 'OFF' as const } } };

interface Built { x: tf.Tensor; y: tf.Tensor; extra?: tf.Tensor }
/** The layer norm as Keras 3 emits it; `variant` breaks one condition of the fusion. */
function keras(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, axis = -1, stop = true) {
  const m = tf.reduceMean(x, axis, true, { name: 'ln/mean' });
  const sd = tf.squaredDifference(x, stop ? tf.stopGradient(m, 'ln/stop') : m, 'ln/sqdiff');
  const v = tf.reduceMean(sd, axis, true, { name: 'ln/variance' });
  const s = tf.multiply(tf.rsqrt(tf.add(v, tf.constant(eps, 'float32'), 'ln/add'), 'ln/rsqrt'), gamma, 'ln/mul');
  const mul2 = tf.multiply(x, s, 'ln/mul_2');
  const mul1 = tf.multiply(tf.negative(m, 'ln/neg'), s, 'ln/mul_1');
  return { y: tf.add(mul2, tf.add(mul1, beta, 'ln/add_1'), 'ln/add_2'), m, s };
}

function reference(x: number[], d: number, gamma: number[], beta: number[], eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / d; r++) {
    const row = x.slice(r * d, r * d + d);
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    row.forEach((v, j) => out.push(((v - mean) / Math.sqrt(variance + eps)) * gamma[j] + beta[j]));
  }
  return out;
}

function run(build: () => Built, feed: number[], shape: number[]) {
  const g = new tf.Graph();
  const b = g.asDefault(build);
  const fetches = b.extra ? [b.y, b.extra] : [b.y];
  const x = tf.ndarray(Float32Array.from(feed), shape, 'float32');
  const on = new tf.Session({ graph: g }), off = new tf.Session({ graph: g, config: OFF });
  const meta = new tf.RunMetadata();
  const a = on.run(fetches, [[b.x, x]], { outputPartitionGraphs: true, traceLevel: 'FULL_TRACE' }, meta) as tf.NDArray[];
  const again = on.run(fetches, [[b.x, x]]) as tf.NDArray[];
  const c = off.run(fetches, [[b.x, x]]) as tf.NDArray[];
  on.close(); off.close();
  return { on: a, again, off: c, meta };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('Keras layer norm as one step', () => {
  const d = 24, shape = [3, 5, d], eps = 1e-6;
  const xs = values(3 * 5 * d, 1), gamma = values(d, 2), beta = values(d, 3);

  for (const stop of [true, false]) {
    it(`fuses${stop ? '' : ' without StopGradient'}: equals the unfused plan and the JS reference`, () => {
      const r = run(() => {
        const x = tf.placeholder('float32', [null, 5, d], 'x');
        const gm = tf.reshape(tf.constant(gamma, 'float32', [d], 'gamma_v'), [d], 'gamma');
        const { y } = keras(x, gm, tf.constant(beta, 'float32', [1, 1, d], 'beta'), eps, -1, stop);
        return { x, y };
      }, xs, shape);
      const want = reference(xs, d, gamma, beta, eps);
      expectClose(r.on[0].data as Float32Array, want, 2e-6);
      expectClose(r.again[0].data as Float32Array, want, 2e-6);
      expectClose(r.on[0].data as Float32Array, r.off[0].data as Float32Array, 2e-6);
      expect(r.on[0].shape).toEqual(shape);
      const nodes = r.meta.partitionGraphs[0].node;
      const step = nodes.find((n) => n.name === 'ln/add_2')!;
      expect(step.op).toBe('_MklLayerNorm');
      expect(step.input).toEqual(['_arg_x_0_0', 'gamma', 'beta']);
      expect(step.attr.epsilon.f).toBeCloseTo(eps, 12);
      for (const gone of ['ln/mean', 'ln/variance', 'ln/rsqrt', 'ln/mul', 'ln/mul_1', 'ln/add_1', 'ln/sqdiff'])
        expect(nodes.find((n) => n.name === gone)).toBeUndefined();
      const labels = r.meta.stepStats.devStats[0].nodeStats.map((n) => n.timelineLabel);
      expect(labels).toContain('ln/add_2 = _MklLayerNorm(x, gamma, beta)');
    });
  }

  it('leaves the pattern alone when an inner value is fetched, gamma is fed, or the axis is not the last', () => {
    const cases: (() => Built)[] = [
      () => {
        const x = tf.placeholder('float32', [null, 5, d], 'x');
        const { y, m } = keras(x, tf.constant(gamma, 'float32', [d]), tf.constant(beta, 'float32', [d]), eps);
        return { x, y, extra: m };
      },
      () => {
        const x = tf.placeholder('float32', [null, 5, d], 'x');
        const { y } = keras(x, tf.placeholderWithDefault(tf.constant(gamma, 'float32', [d]), [d], 'gamma_in'), tf.constant(beta, 'float32', [d]), eps);
        return { x, y };
      },
      () => {
        const x = tf.placeholder('float32', [null, 5, d], 'x');
        const { y } = keras(x, tf.constant(gamma.slice(0, 5).map((v) => v), 'float32', [5, 1]), tf.constant(beta.slice(0, 5), 'float32', [5, 1]), eps, 1);
        return { x, y };
      },
    ];
    for (const build of cases) {
      const r = run(build, xs, shape);
      r.on.forEach((v, i) => expectClose(v.data as Float32Array, r.off[i].data as Float32Array, 0));
      expect(r.meta.partitionGraphs[0].node.find((n) => n.name === 'ln/add_2')!.op).toBe('Add');
    }
  });

  it('zero rows and a one-element last dim', () => {
    for (const [n, dd] of [[0, 4], [3, 1]]) {
      const r = run(() => {
        const x = tf.placeholder('float32', [null, dd], 'x');
        const { y } = keras(x, tf.constant(values(dd, 4), 'float32', [dd]), tf.constant(values(dd, 5), 'float32', [dd]), 1e-3);
        return { x, y };
      }, values(n * dd, 6), [n, dd]);
      expect(r.on[0].shape).toEqual([n, dd]);
      expectClose(r.on[0].data as Float32Array, r.off[0].data as Float32Array, 2e-6);
      expect(r.meta.partitionGraphs[0].node.find((n2) => n2.name === 'ln/add_2')!.op).toBe('_MklLayerNorm');
    }
  });
});
