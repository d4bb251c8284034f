// Finite-difference gradient checks, as TF's gradient_checker.compute_gradient_error: the full
// Jacobian of y with respect to each x, theoretical (tf.gradients with one-hot gradYs, one run
// per element of y) against numeric (central differences, one pair of runs per element of x).
import { expect } from 'vitest';
import * as tf from 'tensorloom';

/** A deterministic generator of float64 test inputs. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number { this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0; return this.s / 2 ** 32; }
  /** Uniform in [lo, hi). */
  uniform(shape: number[], lo = -1, hi = 1): tf.NDArray {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.ndarray(Float64Array.from({ length: n }, () => lo + (hi - lo) * this.next()), shape);
  }
  /** Magnitude in [lo, hi), random sign: away from the kinks at 0. */
  awayFromZero(shape: number[], lo = 0.2, hi = 1): tf.NDArray {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.ndarray(Float64Array.from({ length: n }, () => (this.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * this.next())), shape);
  }
}

export interface CheckOptions {
  delta?: number;
  /** Max abs error allowed between the Jacobians. */
  tol?: number;
  /** Placeholders of unknown shape (exercises the dynamic-shape paths). */
  dynamic?: boolean;
  /** Indices of the inputs to differentiate (default: all). */
  wrt?: number[];
  /** 'float32' for float32-only ops (FusedBatchNormV3): looser delta and tolerance apply. */
  dtype?: 'float32' | 'float64';
}

/** Max |theoretical - numeric| over the Jacobians of build(xs) wrt each x; expects < tol. */
export function checkGradient(build: (xs: tf.Tensor[]) => tf.Tensor, inputs: tf.NDArray[], o: CheckOptions = {}): number {
  const dt = o.dtype ?? 'float64';
  const delta = o.delta ?? (dt === 'float32' ? 1e-2 : 1e-5), tol = o.tol ?? 1e-6;
  if (dt === 'float32') inputs = inputs.map((v) => tf.ndarray(Float32Array.from(v.data as Float64Array), v.shape));
  const Arr = dt === 'float32' ? Float32Array : Float64Array;
  const g = new tf.Graph();
  return g.asDefault(() => {
    const xs = inputs.map((v, i) => tf.placeholder(dt, o.dynamic ? null : v.shape, `x${i}`));
    const y = build(xs);
    expect(y.dtype).toBe(dt);
    const sess = new tf.Session({ graph: g });
    try {
      const feeds = (vals: tf.NDArray[]) => new Map<tf.Tensor, tf.NDArray>(xs.map((x, i) => [x, vals[i]]));
      const y0 = sess.run(y, feeds(inputs)) as tf.NDArray;
      const ny = y0.size;
      const gy = tf.placeholder(dt, o.dynamic ? null : y0.shape, 'gy');
      const wrt = o.wrt ?? inputs.map((_, i) => i);
      const grads = tf.gradients(y, wrt.map((i) => xs[i]), gy);
      let maxErr = 0;
      wrt.forEach((xi, k) => {
        const gt = grads[k];
        expect(gt, `gradient of x${xi}`).not.toBeNull();
        const nx = inputs[xi].size;
        // theoretical[j][i] = d y_i / d x_j
        const theo: number[][] = Array.from({ length: nx }, () => new Array(ny).fill(0));
        for (let i = 0; i < ny; i++) {
          const onehot = new Arr(ny); onehot[i] = 1;
          const m = feeds(inputs); m.set(gy, tf.ndarray(onehot, y0.shape));
          const r = sess.run(gt!, m) as tf.NDArray;
          expect(r.shape).toEqual(inputs[xi].shape);
          for (let j = 0; j < nx; j++) theo[j][i] = Number(r.data[j]);
        }
        for (let j = 0; j < nx; j++) {
          const at = (d: number) => {
            const vals = inputs.slice();
            const data = Arr.from(inputs[xi].data as Float64Array);
            data[j] += d;
            vals[xi] = tf.ndarray(data, inputs[xi].shape);
            return Float64Array.from((sess.run(y, feeds(vals)) as tf.NDArray).data as Float64Array);
          };
          const plus = at(delta), minus = at(-delta);
          const step = dt === 'float32' ? Math.fround(Math.fround(Number(inputs[xi].data[j]) + delta) - Math.fround(Number(inputs[xi].data[j]) - delta)) / 2 : delta;
          for (let i = 0; i < ny; i++) {
            const num = (plus[i] - minus[i]) / (2 * step);
            maxErr = Math.max(maxErr, Math.abs(num - theo[j][i]));
          }
        }
      });
      expect(maxErr).toBeLessThan(tol);
      return maxErr;
    } finally { sess.close(); }
  });
}
