// The inputs and weights of every benchmark row, identical in every engine. A counter-based
// generator (murmur3's 32-bit finalizer of i + seed·0x9E3779B9) rather than a sequential one,
// so bench/tf_micro_bench.py builds bit-identical arrays with numpy in one vectorized pass
// (`uniform` there mirrors this function: change both together).

/** n float32 values, scale · U(-1, 1), element i a pure function of (i, seed). */
export function uniform(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  const base = Math.imul(seed, 0x9e3779b9);
  for (let i = 0; i < n; i++) {
    let x = (i + base) >>> 0;
    x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    a[i] = ((x >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return a;
}

/** What a row computes; bench/tf_micro_bench.py builds the same from this JSON. */
export type Spec =
  | { kind: 'matmul'; n: number }                 // a[n,n] · b[n,n], both fed
  | { kind: 'relu_add'; n: number }               // relu(a + b), a and b [n] fed
  | { kind: 'sum'; n: number }                    // sum of x[n] (all axes) to a scalar
  | { kind: 'mlp'; batch: number }                // x[batch,784] → 512 → 512 → 10, relu, softmax; constant weights
  | { kind: 'conv'; size: number; channels: number } // relu(conv3x3(x[1,s,s,c], SAME) + bias), c out channels, NHWC
  | { kind: 'scalar_add' }                        // x + 1, x a fed float32 scalar
  | { kind: 'async16' }                           // the same, 16 calls in flight; time per call
  | { kind: 'model'; name: string; batch: number; json: string } // a GraphDef of bench/models/
  | { kind: 'train'; model: 'mlp' | 'cnn'; batch: number };       // one Adam step (lr 1e-3) on mean softmax cross-entropy, x and one-hot y fed

/**
 * The CNN of the training row: like examples/train-mnist-like.ts (conv 3×3 SAME + bias + relu,
 * max pool 2×2, dense head) at MNIST's size with two conv layers: [n,28,28,1] → 8 → pool → 16 →
 * pool → [n,7,7,16] → dense 10. (Small: tfjs-cpu's Conv2DBackpropFilter needs seconds already.)
 */
export const CNN = { size: 28, channels: [1, 8, 16], classes: 10 };

export const MLP_SIZES = [784, 512, 512, 10];
export const ASYNC_IN_FLIGHT = 16;
/** Calls per probe: a training row's probe is the loss of two consecutive steps from the initial weights (the 2nd checks the update). */
export const probeSteps = (spec: Spec): number => (spec.kind === 'train' ? 2 : 1);

/** Glorot-uniform weights and small biases of layer l (1-based) of the MLP. */
export function mlpLayer(l: number): { w: Float32Array; b: Float32Array; fanIn: number; fanOut: number } {
  const fanIn = MLP_SIZES[l - 1], fanOut = MLP_SIZES[l];
  return { w: uniform(fanIn * fanOut, 10 + l, Math.sqrt(6 / (fanIn + fanOut))), b: uniform(fanOut, 20 + l, 0.01), fanIn, fanOut };
}

/** The convolution's filter (HWIO, [3, 3, c, c]) and bias. */
export function convParams(c: number): { w: Float32Array; b: Float32Array } {
  return { w: uniform(9 * c * c, 8, Math.sqrt(6 / (18 * c))), b: uniform(c, 9, 0.1) };
}

/** A trained variable's initial value. */
export interface Param { data: Float32Array; shape: number[] }

/**
 * The variables of a training row in order [w1, b1, w2, b2, ...]: the MLP's are mlpLayer's; the
 * CNN's conv filters are HWIO, its dense weight [7·7·16, 10]; Glorot-uniform, small biases.
 */
export function trainParams(model: 'mlp' | 'cnn'): Param[] {
  if (model === 'mlp') return MLP_SIZES.slice(1).flatMap((_, i) => { const { w, b, fanIn, fanOut } = mlpLayer(i + 1); return [{ data: w, shape: [fanIn, fanOut] }, { data: b, shape: [fanOut] }]; });
  const ch = CNN.channels, flat = (CNN.size >> (ch.length - 1)) ** 2 * ch[ch.length - 1];
  const layer = (l: number, shape: number[], fanIn: number, fanOut: number): Param[] => {
    const n = shape.reduce((p, q) => p * q, 1);
    return [{ data: uniform(n, 30 + l, Math.sqrt(6 / (fanIn + fanOut))), shape }, { data: uniform(shape[shape.length - 1], 40 + l, 0.01), shape: [shape[shape.length - 1]] }];
  };
  return [...ch.slice(1).flatMap((c, i) => layer(i + 1, [3, 3, ch[i], c], 9 * ch[i], 9 * c)), ...layer(ch.length, [flat, CNN.classes], flat, CNN.classes)];
}

/** The fed arrays of a spec, in the order the engines feed them (flat, row-major, NHWC). */
export function feeds(spec: Spec, inputShape: number[] = []): { data: Float32Array; shape: number[] }[] {
  switch (spec.kind) {
    case 'matmul': return [1, 2].map((s) => ({ data: uniform(spec.n * spec.n, s), shape: [spec.n, spec.n] }));
    case 'relu_add': return [3, 4].map((s) => ({ data: uniform(spec.n, s), shape: [spec.n] }));
    case 'sum': return [{ data: uniform(spec.n, 5), shape: [spec.n] }];
    case 'mlp': return [{ data: uniform(spec.batch * MLP_SIZES[0], 6), shape: [spec.batch, MLP_SIZES[0]] }];
    case 'conv': return [{ data: uniform(spec.size * spec.size * spec.channels, 7), shape: [1, spec.size, spec.size, spec.channels] }];
    case 'scalar_add': case 'async16': return [{ data: Float32Array.of(2), shape: [] }];
    case 'model': {
      const shape = [spec.batch, ...inputShape];
      return [{ data: uniform(shape.reduce((p, q) => p * q, 1), 11), shape }];
    }
    case 'train': {
      // x as the inference rows' input; example i is of class i mod 10.
      const shape = spec.model === 'mlp' ? [spec.batch, MLP_SIZES[0]] : [spec.batch, CNN.size, CNN.size, 1];
      const y = new Float32Array(spec.batch * 10);
      for (let i = 0; i < spec.batch; i++) y[i * 10 + (i % 10)] = 1;
      return [{ data: uniform(shape.reduce((p, q) => p * q, 1), spec.model === 'mlp' ? 6 : 12), shape }, { data: y, shape: [spec.batch, 10] }];
    }
  }
}
