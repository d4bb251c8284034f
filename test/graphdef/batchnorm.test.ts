// Frozen-style TF1 inference graphs with FusedBatchNorm, V2 and V3 (scripts/golden/batchnorm.py):
// they import, match TensorFlow's results with the plan's rewrites on and off, and with them on
// each batch norm after a convolution runs folded into it, fused with its bias and activation
// (native fold_batchnorm_into_conv); an NCHW batch norm on a transpose runs as itself. TF's
// gradient of them (FusedBatchNormGrad, V2, V3) imports and matches too, and so does
// tf.gradients on the imported forward graph.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

const dir = join(__dirname, '..', 'fixtures', 'graphdef');
interface Fetch { shape: number[]; values: number[] }
const fixture = JSON.parse(readFileSync(join(dir, 'batchnorm.json'), 'utf8')) as
  { op_types: string[]; feed: { name: string; shape: number[]; values: number[] }; fetches: Record<string, Fetch> };
const OFF = { graphOptions: { rewriteOptions: { constantFolding: 'OFF' as const, remapping: 'OFF' as const } } };

const FORWARD = ['out_a:0', 'out_b:0', 'out_d:0', 'out_e:0'];

function run(config?: tf.SessionConfig, names = Object.keys(fixture.fetches)): { out: Map<string, tf.NDArray>; meta: tf.RunMetadata } {
  const g = new tf.Graph();
  g.asDefault(() => tf.loadGraphDef(join(dir, 'batchnorm.pb'), { name: '' }));
  const sess = new tf.Session({ graph: g, config });
  const meta = new tf.RunMetadata();
  const x = tf.ndarray(Float32Array.from(fixture.feed.values), fixture.feed.shape, 'float32');
  const got = sess.run(names, [[fixture.feed.name, x]], { outputPartitionGraphs: true }, meta) as tf.NDArray[];
  sess.close();
  return { out: new Map(names.map((n, i) => [n, got[i]])), meta };
}

function expectMatchesTf(out: Map<string, tf.NDArray>, names = Object.keys(fixture.fetches)) {
  for (const name of names) {
    const want = fixture.fetches[name], got = out.get(name)!;
    expect(got.shape).toEqual(want.shape);
    const scale = Math.max(1, ...want.values.map(Math.abs));
    let worst = 0;
    (got.data as Float32Array).forEach((v, i) => { worst = Math.max(worst, Math.abs(v - want.values[i])); });
    expect({ name, worst: worst <= 2e-5 * scale }).toEqual({ name, worst: true });
  }
}

describe('frozen TF1 graphs with FusedBatchNorm, V2 and V3 (TensorFlow as the oracle)', () => {
  it('covers the three batch norm ops', () => {
    for (const t of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3', 'FusedBatchNormGrad', 'FusedBatchNormGradV2',
      'FusedBatchNormGradV3', 'Conv2D', 'DepthwiseConv2dNative', 'BiasAdd'])
      expect(fixture.op_types).toContain(t);
  });

  it('matches TF with every node run as itself, TF\'s gradient nodes included', () => {
    const { out, meta } = run(OFF);
    expectMatchesTf(out);
    const ops = meta.partitionGraphs[0].node.map((n) => n.op);
    for (const t of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']) expect(ops).toContain(t);
  });

  it('matches TF with each batch norm folded into its convolution and fused (the forward fetches)', () => {
    const { out, meta } = run(undefined, FORWARD);
    expectMatchesTf(out, FORWARD);
    const node = (name: string) => meta.partitionGraphs[0].node.find((n) => n.name === name);
    const fusedOps = (name: string) => (node(name)!.attr.fused_ops.list!.s as Uint8Array[]).map((s) => new TextDecoder().decode(s));
    expect(node('a/relu')!.op).toBe('_FusedConv2D');
    expect(fusedOps('a/relu')).toEqual(['BiasAdd', 'Relu']);
    expect(node('b/relu6')!.op).toBe('_FusedConv2D');
    expect(fusedOps('b/relu6')).toEqual(['BiasAdd', 'Relu6']);
    expect(node('b/bias_add')).toBeUndefined();
    expect(node('d/bn')!.op).toBe('_FusedDepthwiseConv2dNative');
    expect(fusedOps('d/bn')).toEqual(['BiasAdd']);
    expect(node('e/bn')!.op).toBe('FusedBatchNormV3');  // NCHW, after a transpose
    for (const gone of ['a/bn', 'b/bn', 'a/conv', 'b/conv', 'd/dw', 'a/gamma', 'a/mean', 'a/var']) expect(node(gone)).toBeUndefined();
    // With the gradient fetched too, the batch norms' inputs have other readers: nothing folds.
    const all = run();
    expectMatchesTf(all.out);
    expect(all.meta.partitionGraphs[0].node.find((n) => n.name === 'a/bn')!.op).toBe('FusedBatchNorm');
  });

  it('tf.gradients through the imported batch norms gives TF\'s gradient', () => {
    const g = new tf.Graph();
    const [x, grad] = g.asDefault(() => {
      tf.loadGraphDef(join(dir, 'batchnorm.pb'), { name: 'tf' });
      const t = (name: string) => g.getTensorByName(`tf/${name}:0`);
      const loss = tf.addN([tf.reduceSum(tf.multiply(t('a/relu'), t('a/relu'))), tf.reduceSum(t('b/relu6')),
        tf.reduceSum(tf.multiply(t('d/bn'), t('d/bn'))), tf.reduceSum(t('e/bn'))]);
      return [t('x'), tf.gradients(loss, [t('x')])[0]];
    });
    const types = g.getOperations().filter((o) => !o.name.startsWith('tf/')).map((o) => o.type);
    for (const t of ['FusedBatchNormGrad', 'FusedBatchNormGradV2', 'FusedBatchNormGradV3']) expect(types).toContain(t);
    const sess = new tf.Session({ graph: g });
    const got = sess.run(grad, [[x, tf.ndarray(Float32Array.from(fixture.feed.values), fixture.feed.shape, 'float32')]]) as tf.NDArray;
    sess.close();
    expectMatchesTf(new Map([['out_grad_x:0', got]]), ['out_grad_x:0']);
  });
});
