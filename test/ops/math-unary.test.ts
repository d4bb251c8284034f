// Unary math and activations: Sign, Reciprocal, Rsqrt, Expm1, Log1p, Sin, Cos, Erf, Erfc, Floor,
// Ceil, Round, IsNan, IsFinite, Softplus, Softsign, Relu6, Elu, Selu, LeakyRelu, LogicalNot,
// against math-reference.ts; special values as TF gives them; the builders.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { Rng, SAME_SHAPES, Val, constOf, isInt, mismatch, runAll, sizeOf, store, Tol } from './math-reference';

/** erf in double: Taylor series below 1.5, the erfc continued fraction above. */
function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) >= 1.5) return Math.sign(x) * (1 - erfcPos(Math.abs(x)));
  let term = x, sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
/** erfc(z) for z >= 1.5 (300 terms converge to double precision there): exp(-z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))). */
function erfcPos(z: number): number {
  if (z === Infinity) return 0;
  let f = z;
  for (let n = 300; n >= 1; n--) f = z + n / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}
const erfcRef = (x: number) => (Number.isNaN(x) ? NaN : x >= 1.5 ? erfcPos(x) : 1 - erfRef(x));

/** Half to even, keeping the sign of zero as C's nearbyint. */
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x), diff = x - f;
  const r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

type Op = 'Sign' | 'Reciprocal' | 'Rsqrt' | 'Expm1' | 'Log1p' | 'Sin' | 'Cos' | 'Erf' | 'Erfc' | 'Floor' | 'Ceil' | 'Round'
  | 'IsNan' | 'IsFinite' | 'Softplus' | 'Softsign' | 'Relu6' | 'Elu' | 'Selu' | 'LeakyRelu';
const BUILD: Record<Op, (x: tf.Tensor) => tf.Tensor> = {
  Sign: (x) => tf.sign(x), Reciprocal: (x) => tf.reciprocal(x), Rsqrt: (x) => tf.rsqrt(x), Expm1: (x) => tf.expm1(x),
  Log1p: (x) => tf.log1p(x), Sin: (x) => tf.sin(x), Cos: (x) => tf.cos(x), Erf: (x) => tf.erf(x), Erfc: (x) => tf.erfc(x),
  Floor: (x) => tf.floor(x), Ceil: (x) => tf.ceil(x), Round: (x) => tf.rawOps.Round(x), IsNan: (x) => tf.isNan(x),
  IsFinite: (x) => tf.isFinite(x), Softplus: (x) => tf.softplus(x), Softsign: (x) => tf.softsign(x), Relu6: (x) => tf.relu6(x),
  Elu: (x) => tf.elu(x), Selu: (x) => tf.selu(x), LeakyRelu: (x) => tf.leakyRelu(x, { alpha: 0.3 }),
};

const SELU_SCALE = 1.0507009873554804934193349852946, SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;
/** TF's formulas, each rounding step where TF's kernel rounds (r = round to dtype). */
function reference(op: Op, v: Val, d: tf.DType): Val | boolean {
  if (isInt(d)) {
    const x = BigInt(v);
    switch (op) {
      case 'Sign': return store(x > 0n ? 1n : x < 0n ? -1n : 0n, d);
      case 'Reciprocal': return store(1n / x, d);
      case 'Round': return store(x, d);
      case 'Relu6': return store(x < 0n ? 0n : x > 6n ? 6n : x, d);
      default: throw new Error(`${op} has no integer kernel`);
    }
  }
  const x = Number(v), r = (y: number) => store(y, d) as number, c = (k: number) => r(k);
  switch (op) {
    case 'Sign': return Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'Reciprocal': return r(1 / x);
    case 'Rsqrt': return r(1 / r(Math.sqrt(x)));
    case 'Expm1': return r(Math.expm1(x));
    case 'Log1p': return r(Math.log1p(x));
    case 'Sin': return r(Math.sin(x));
    case 'Cos': return r(Math.cos(x));
    case 'Erf': return r(erfRef(x));
    case 'Erfc': return r(erfcRef(x));
    case 'Floor': return Math.floor(x);
    case 'Ceil': return Math.ceil(x);
    case 'Round': return roundHalfEven(x);
    case 'IsNan': return Number.isNaN(x);
    case 'IsFinite': return Number.isFinite(x);
    case 'Softplus': {
      const t = r(r(Math.log(d === 'float32' ? 2 ** -23 : 2 ** -52)) + 2);
      return x > -t ? x : x < t ? r(Math.exp(x)) : r(Math.log1p(r(Math.exp(x))));
    }
    case 'Softsign': return r(x / r(1 + Math.abs(x)));
    case 'Relu6': { const y = x < 0 ? 0 : x; return 6 < y ? 6 : y; }
    case 'Elu': return x < 0 ? r(r(Math.exp(x)) - 1) : x;
    case 'Selu': return x < 0 ? r(c(SELU_SCALE_ALPHA) * r(r(Math.exp(x)) - 1)) : r(c(SELU_SCALE) * x);
    case 'LeakyRelu': return x > 0 ? x : r(x * Math.fround(0.3));  // alpha is a 32-bit float attr
  }
}

const F = ['float32', 'float64'] as tf.DType[];
const DTYPES: Record<Op, tf.DType[]> = {
  Sign: [...F, 'int32', 'int64'], Reciprocal: [...F, 'int32', 'int64'], Rsqrt: F, Expm1: F, Log1p: F, Sin: F, Cos: F,
  Erf: F, Erfc: F, Floor: F, Ceil: F, Round: [...F, 'int32', 'int64'], IsNan: F, IsFinite: F, Softplus: F, Softsign: F,
  Relu6: [...F, 'int32', 'int64', 'uint8'], Elu: F, Selu: F, LeakyRelu: F,
};
const RANGE: Partial<Record<Op, [number, number]>> = {
  Rsqrt: [0.001, 100], Log1p: [-0.999, 100], Expm1: [-20, 20], Erf: [-5, 5], Erfc: [-3, 9], Softplus: [-40, 40],
  Round: [-5, 5], Relu6: [-10, 10], Elu: [-10, 5], Selu: [-10, 5], Sin: [-10, 10], Cos: [-10, 10],
};
// Exactly rounded in TF and here: compared exactly. Others: libm / SIMD approximations.
const EXACT_OPS: Op[] = ['Sign', 'Reciprocal', 'Rsqrt', 'Floor', 'Ceil', 'Round', 'IsNan', 'IsFinite', 'Softsign', 'Relu6', 'LeakyRelu'];
function tol(op: Op, d: tf.DType): Tol {
  if (isInt(d) || EXACT_OPS.includes(op)) return { rtol: 0, atol: 0 };
  // exp(x) - 1 (Elu, Selu) inherits exp's absolute error near x = 0.
  const atol = op === 'Elu' || op === 'Selu' ? (d === 'float32' ? 2.5e-7 : 5e-16) : 1e-300;
  return d === 'float32' ? { rtol: 2e-6, atol } : { rtol: 2e-13, atol };
}
const outDType = (op: Op, d: tf.DType): tf.DType => (op === 'IsNan' || op === 'IsFinite' ? 'bool' : d);

describe('unary math ops vs reference', () => {
  beforeEach(() => tf.resetDefaultGraph());
  for (const op of Object.keys(DTYPES) as Op[]) {
    for (const d of DTYPES[op]) {
      it(`${op} ${d} over shapes ${SAME_SHAPES.map((s) => `[${s}]`).join(' ')}`, () => {
        const rng = new Rng(op.length * 7 + d.length);
        const [lo, hi] = d === 'uint8' ? [0, 256] : isInt(d) ? [-50, 50] : RANGE[op] ?? [-100, 100];
        const inputs = SAME_SHAPES.map((shape) => {
          const data = rng.values(sizeOf(shape), d, lo, hi);
          if (op === 'Reciprocal' && isInt(d)) data.forEach((v, i) => { if (Number(v) === 0) data[i] = d === 'int64' ? -1n : 1; });
          if (op === 'Round' && !isInt(d)) data.forEach((v, i) => { if (i % 3 === 0) data[i] = Math.round(Number(v) * 2) / 2; });  // ties
          if ((op === 'IsNan' || op === 'IsFinite') && data.length > 2) { data[0] = NaN; data[1] = -Infinity; }
          return { shape, data };
        });
        const outs = runAll(inputs.map((a) => BUILD[op](constOf(a, d))));
        inputs.forEach((a, i) => {
          const want = { shape: a.shape, data: a.data.map((v) => store(reference(op, v, d), outDType(op, d))) };
          const m = mismatch(outs[i], want, outDType(op, d), tol(op, d));
          expect(m, `[${a.shape}]: ${m}`).toBeNull();
        });
      });
    }
  }

  it('LogicalNot over shapes (bool)', () => {
    const rng = new Rng(5);
    const inputs = SAME_SHAPES.map((shape) => ({ shape, data: rng.values(sizeOf(shape), 'bool', 0, 1) }));
    const outs = runAll(inputs.map((a) => tf.logicalNot(constOf(a, 'bool'))));
    inputs.forEach((a, i) => expect(mismatch(outs[i], { shape: a.shape, data: a.data.map((v) => (v ? 0 : 1)) }, 'bool')).toBeNull());
  });
});

/** op(x) on a float constant of dtype d, as plain numbers. */
function values(f: (x: tf.Tensor) => tf.Tensor, x: number[], d: tf.DType = 'float32'): number[] {
  tf.resetDefaultGraph();
  const out = runAll([f(constOf({ shape: [x.length], data: x }, d))])[0];
  return Array.from(out.data as ArrayLike<number>);
}
const signs = (xs: number[]) => xs.map((x) => (Object.is(x, -0) ? '-0' : String(x)));

describe('unary math ops: special values (as TF 2.x CPU kernels give them)', () => {
  // Each case runs on the SIMD body and its tail: the values are repeated to 19 elements.
  const rep = (xs: number[]) => Array.from({ length: 19 }, (_, i) => xs[i % xs.length]);
  // want(r): the expected values, r rounding a double to the dtype.
  const cases: [string, (x: tf.Tensor) => tf.Tensor, number[], (r: (v: number) => number) => number[]][] = [
    ['Sign', tf.sign, [NaN, -0, 0, -3, 2, Infinity, -Infinity], () => [NaN, 0, 0, -1, 1, 1, -1]],
    ['Round', tf.round, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6, NaN, -0.2], () => [0, 2, 2, -0, -2, -2, 2, -3, NaN, -0]],
    ['Relu6', tf.relu6, [NaN, -1, 7, 3, -0, Infinity, -Infinity, 6], () => [NaN, 0, 6, 3, -0, 6, 0, 6]],
    ['Elu', tf.elu, [-1, 0, 1, NaN, -0, -Infinity, Infinity], (r) => [r(r(Math.exp(-1)) - 1), 0, 1, NaN, -0, -1, Infinity]],
    ['Selu', tf.selu, [0, 1, NaN, -Infinity], (r) => [0, r(1.0507009873554805), NaN, -r(1.7580993408473769)]],
    ['LeakyRelu', (x) => tf.leakyRelu(x), [-1, 0, 1, NaN, -0, -Infinity], () => [-Math.fround(0.2), 0, 1, NaN, -0, -Infinity]],
    ['Softsign', tf.softsign, [-2, 0, 3, Infinity, NaN], (r) => [r(-2 / 3), 0, 0.75, NaN, NaN]],
    ['Softplus', tf.softplus, [Infinity, -Infinity, NaN, 0, 20], (r) => [Infinity, 0, NaN, r(Math.LN2), r(Math.log1p(Math.exp(20)))]],
    ['IsNan', tf.isNan, [NaN, Infinity, 1, -0], () => [1, 0, 0, 0]],
    ['IsFinite', tf.isFinite, [NaN, Infinity, -Infinity, 1], () => [0, 0, 0, 1]],
    ['Rsqrt', tf.rsqrt, [0, -0, -1, 4, Infinity], () => [Infinity, -Infinity, NaN, 0.5, 0]],
    ['Reciprocal', tf.reciprocal, [0, -0, 4, Infinity], () => [Infinity, -Infinity, 0.25, 0]],
    ['Expm1', tf.expm1, [-Infinity, Infinity, NaN, -0], () => [-1, Infinity, NaN, -0]],
    ['Log1p', tf.log1p, [-1, -2, Infinity, -0], () => [-Infinity, NaN, Infinity, -0]],
    ['Erf', tf.erf, [0, -0, Infinity, -Infinity, NaN, 10, -10], () => [0, -0, 1, -1, NaN, 1, -1]],
    ['Erfc', tf.erfc, [Infinity, -Infinity, NaN, 0, 30], () => [0, 2, NaN, 1, 0]],
    ['Floor', tf.floor, [-0.5, -0, 1.5, Infinity], () => [-1, -0, 1, Infinity]],
    ['Ceil', tf.ceil, [-0.5, -0, 1.5, -Infinity], () => [-0, -0, 2, -Infinity]],
    ['Sin', tf.sin, [Infinity, NaN, -0], () => [NaN, NaN, -0]],
    ['Cos', tf.cos, [Infinity, NaN, 0], () => [NaN, NaN, 1]],
  ];
  for (const [name, f, x, want] of cases) {
    for (const d of ['float32', 'float64'] as tf.DType[]) {
      it(`${name} ${d}: ${signs(x).join(', ')}`, () => {
        const r = d === 'float32' ? Math.fround : (v: number) => v;
        const got = values(f, rep(x), d), exp = rep(want(r));
        // Elu(-1) goes through exp: within an ulp of the double-rounded value.
        got.forEach((g, i) => {
          if (name === 'Elu' && rep(x)[i] === -1) expect(Math.abs(g - exp[i])).toBeLessThan(d === 'float32' ? 1e-7 : 1e-15);
          else expect(signs([g])[0], `${name}(${rep(x)[i]})`).toBe(signs([exp[i]])[0]);
        });
      });
    }
  }

  it('Softplus switches formulas at TF\'s thresholds (float32: ±13.94, float64: ±34.04)', () => {
    const x = [-20, -13.9, -13.95, 13.9, 14, -35, -34];
    const f32 = values(tf.softplus, x.slice(0, 5));
    expect(f32[0]).toBe(Math.fround(Math.exp(-20)));
    expect(f32[2]).toBe(Math.fround(Math.exp(Math.fround(-13.95))));
    expect(f32[3]).toBe(Math.fround(13.9 + Math.exp(-13.9)));
    expect(f32[4]).toBe(14);
    const f64 = values(tf.softplus, [-35, -34, 35], 'float64');
    expect(f64[0]).toBe(Math.exp(-35));
    expect(f64[1]).toBeCloseTo(Math.log1p(Math.exp(-34)), 25);
    expect(f64[2]).toBe(35);
  });

  it('Elu and Selu near 0 keep TF\'s exp(x) - 1 (not expm1)', () => {
    const got = values(tf.elu, [-1e-4]);
    expect(Math.abs(got[0] - -1.00016594e-4)).toBeLessThan(1.3e-10);  // TF: -1.00016594e-04; expm1 would be -9.9995e-05
  });

  it('LeakyRelu float64 scales by alpha rounded to a 32-bit float (TF\'s float attr)', () => {
    const got = values((x) => tf.leakyRelu(x, 0.1), [-1], 'float64');
    expect(got[0]).toBe(-Math.fround(0.1));
  });

  it('integers: Sign, Round (identity), Relu6, Reciprocal', () => {
    expect(values(tf.sign, [-5, 0, 7, -2147483648], 'int32')).toEqual([-1, 0, 1, -1]);
    expect(values((x) => tf.rawOps.Round(x), [3, -4, 100], 'int32')).toEqual([3, -4, 100]);
    expect(values(tf.relu6, [-1, 7, 3], 'int32')).toEqual([0, 6, 3]);
    expect(values(tf.relu6, [1, 7, 255], 'uint8')).toEqual([1, 6, 6]);
    expect(values(tf.reciprocal, [1, -1, 2, -3], 'int32')).toEqual([1, -1, 0, 0]);
  });
});

describe('unary math ops: errors', () => {
  beforeEach(() => tf.resetDefaultGraph());
  it('integer Reciprocal of 0 is InvalidArgumentError "Integer division by zero"', () => {
    const t = tf.reciprocal(tf.constant(Int32Array.from([1, 0])));
    const sess = new tf.Session();
    try {
      expect(() => sess.run(t)).toThrow(tf.errors.InvalidArgumentError);
      expect(() => sess.run(t)).toThrow(/Integer division by zero/);
    } finally { sess.close(); }
  });

  it('dtypes outside TF\'s lists fail at build time', () => {
    const i = tf.constant(Int32Array.from([1])), u = tf.constant(Uint8Array.from([1])), b = tf.constant([true]);
    for (const f of [tf.floor, tf.ceil, tf.rsqrt, tf.expm1, tf.log1p, tf.sin, tf.cos, tf.erf, tf.erfc, tf.isNan, tf.isFinite, tf.softplus, tf.softsign, tf.elu, tf.selu]) {
      expect(() => f(i)).toThrow(tf.errors.InvalidArgumentError);
      expect(() => f(i)).toThrow(/not in list of allowed values/);
    }
    for (const f of [tf.sign, tf.reciprocal]) expect(() => f(u)).toThrow(/not in list of allowed values/);
    expect(() => tf.relu6(b)).toThrow(/not in list of allowed values/);
    expect(() => tf.logicalNot(tf.constant([1]))).toThrow(/Input 'x' of 'LogicalNot' Op has type float32 that does not match expected type of bool/);
  });
});

describe('unary math builders', () => {
  beforeEach(() => tf.resetDefaultGraph());
  const names = (t: tf.Tensor) => t.graph.getOperations().map((o) => `${o.name}:${o.type}`);

  it('op types and default names are TF\'s; JS values convert inside the scope under the arg name', () => {
    const x = tf.constant([1, 2]);
    const built: [tf.Tensor, string][] = [
      [tf.sign(x), 'Sign'], [tf.reciprocal(x), 'Reciprocal'], [tf.rsqrt(x), 'Rsqrt'], [tf.expm1(x), 'Expm1'], [tf.log1p(x), 'Log1p'],
      [tf.sin(x), 'Sin'], [tf.cos(x), 'Cos'], [tf.erf(x), 'Erf'], [tf.erfc(x), 'Erfc'], [tf.floor(x), 'Floor'], [tf.ceil(x), 'Ceil'],
      [tf.round(x), 'Round'], [tf.isNan(x), 'IsNan'], [tf.isFinite(x), 'IsFinite'], [tf.softplus(x), 'Softplus'],
      [tf.softsign(x), 'Softsign'], [tf.relu6(x), 'Relu6'], [tf.elu(x), 'Elu'], [tf.selu(x), 'Selu'], [tf.leakyRelu(x), 'LeakyRelu'],
    ];
    for (const [t, type] of built) {
      expect(t.op.type).toBe(type);
      expect(t.op.name).toBe(type);
      expect(t.shape).toEqual([2]);
      expect(t.dtype).toBe(type === 'IsNan' || type === 'IsFinite' ? 'bool' : 'float32');
    }
    expect(tf.relu6([1, 2]).op.inputs[0].op.name).toBe('Relu6_1/features');
    expect(tf.sin(1, { name: 's' }).op.inputs[0].op.name).toBe('s/x');
    expect(tf.logicalNot(true).op.inputs[0].op.name).toBe('LogicalNot/x');
  });

  it('tf.round returns integer tensors as they are; a JS value becomes Const "x" then Round', () => {
    const i = tf.constant(Int32Array.from([3]));
    expect(tf.round(i)).toBe(i);
    const r = tf.round([1.5, 2.5]);
    expect(names(r)).toEqual(['Const:Const', 'x:Const', 'Round:Round']);
    expect(Array.from(runAll([r])[0].data as Float32Array)).toEqual([2, 2]);
  });

  it('tf.leakyRelu: alpha attr (default 0.2), integer features cast to float32 inside the scope', () => {
    const l = tf.leakyRelu(tf.constant([-1]));
    expect(l.op.attrs.get('alpha')!.value).toBe(0.2);
    const m = tf.leakyRelu(tf.constant(Int32Array.from([-10, 3])), { alpha: 0.5, name: 'lr' });
    expect(names(m).slice(-2)).toEqual(['lr/Cast:Cast', 'lr:LeakyRelu']);
    expect(m.dtype).toBe('float32');
    expect(Array.from(runAll([m])[0].data as Float32Array)).toEqual([-5, 3]);
  });

  it('shapes pass through, unknown included', () => {
    expect(tf.elu(tf.placeholder('float32', [null, 3])).shape).toEqual([null, 3]);
    expect(tf.isNan(tf.placeholder('float64')).shape).toBeNull();
  });
});

// exp and what is built on it (sigmoid, tanh, elu, erfc, softmax) compute 2^n · p with one
// instruction on AVX-512 (scalef) and with two exact power-of-two multiplies elsewhere; the
// rounding is the same, so every ISA level gives the same bits, down to the denormal results of
// exp(x) for x in (-103.3, -87.3). Checked against a child process at TL_ISA=scalar (needs the
// compiled dist/, as the packaging tests do). Erfc from 1 up, where it goes through exp (below,
// its 1 - erf branch differs from the scalar level by an ulp for some |x| < 0.75).
describe('the exp family at every ISA level', () => {
  const dist = join(__dirname, '..', '..', 'dist', 'cjs', 'lib', 'index.js');
  const script = (lib: string) => `const tf = require(${JSON.stringify(lib)});
    const n = 200004, xs = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = -110 + 210 * i / n;
    xs.set([NaN, Infinity, -Infinity, 88.72283935546875, 88.7228469848632, -87.33654022216797, -103.97, -0, 0], 0);
    const x = tf.constant(xs);
    const outs = [tf.exp(x), tf.sigmoid(x), tf.tanh(x), tf.elu(x), tf.erfc(tf.add(tf.abs(x), 1)), tf.nn.softmax(tf.reshape(x, [12, -1]))];
    const s = new tf.Session();
    process.stdout.write(tf.isa() + ' ' + s.run(outs).map((v) => Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString('base64')).join(','));`;
  it.skipIf(!existsSync(dist))('exp, sigmoid, tanh, elu, erfc and softmax give the same bits as the scalar level', () => {
    const run = (isa?: string) => {
      const child = spawnSync(process.execPath, ['-e', script(dist)], { env: { ...process.env, ...(isa ? { TL_ISA: isa } : {}) }, encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(child.status, child.stderr).toBe(0);
      const [level, data] = child.stdout.split(' ');
      return { level, outs: data.split(',') };
    };
    const scalar = run('scalar'), here = run();
    expect(scalar.level).toBe('scalar');
    const names = ['exp', 'sigmoid', 'tanh', 'elu', 'erfc', 'softmax'];
    here.outs.forEach((b, i) => expect(b === scalar.outs[i], `${names[i]} at ${here.level}`).toBe(true));
  });
});
