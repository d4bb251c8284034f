// Review: op constructor options, chainable Tensor methods and the ops API.md names.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { sessions } from './helpers';

const S = sessions();
beforeEach(() => { S.closeAll(); tf.resetDefaultGraph(); });

describe('review: chainable methods take the same final options object', () => {
  // API.md: "every op constructor takes an optional `{ name }`" and Tensor has "chainable
  // methods for the common ops (a.add(b), a.matmul(b), ...)": a.add(b, { name }) is tf.add(a, b, { name }).
  it('a.add(b, { name }) names the op like tf.add(a, b, { name })', () => {
    const a = tf.constant([1, 2]), b = tf.constant([3, 4]);
    expect((a.add as (b: unknown, o?: object) => tf.Tensor)(b, { name: 'total' }).name).toBe('total:0');
  });

  it('sub / mul / div / reshape / cast / relu / softmax methods honour { name }', () => {
    const a = tf.constant([1, 2]);
    const m = a as unknown as Record<string, (...args: unknown[]) => tf.Tensor>;
    expect(m.sub(1, { name: 's' }).name).toBe('s:0');
    expect(m.mul(2, { name: 'm' }).name).toBe('m:0');
    expect(m.div(2, { name: 'd' }).name).toBe('d:0');
    expect(m.reshape([2, 1], { name: 'r' }).name).toBe('r:0');
    expect(m.cast('int32', { name: 'c' }).name).toBe('c:0');
    expect(m.relu({ name: 'act' }).name).toBe('act:0');
    expect(m.softmax({ name: 'probs' }).name).toBe('probs:0');
  });

  it('matmul and sum methods already honour { name } (passing)', () => {
    const a = tf.constant([[1, 2]]), b = tf.constant([[3], [4]]);
    expect(a.matmul(b, { name: 'logits', transposeB: false }).name).toBe('logits:0');
    expect(a.sum(1, { keepDims: true, name: 'tot' } as never).name).toBe('tot:0');
  });
});

describe('review: constant() with a final options object', () => {
  // API.md: "Attributes go in a final options object"; "every op constructor takes an optional { name }".
  it('tf.constant(value, { name }) and tf.constant(value, dtype, { name })', () => {
    const c = tf.constant as unknown as (...a: unknown[]) => tf.Tensor;
    const x = c(5, { name: 'five' });
    expect(x.name).toBe('five:0');
    expect(x.dtype).toBe('float32');
    const y = c(7, 'int32', { name: 'seven' });
    expect(y.name).toBe('seven:0');
    expect(y.dtype).toBe('int32');
  });

  it('tf.constant(value, dtype, shape, { name }) and the positional string name (passing)', () => {
    expect(tf.constant(1, 'int32', [2, 2], { name: 'ones' }).shape).toEqual([2, 2]);
    expect(tf.constant(1, null, null, 'k').name).toBe('k:0');
  });
});

describe('review: ops named in API.md', () => {
  // API.md: "Shape-like arguments (reshape's shape, axes, `fill` dims) given as JS arrays become int32."
  it('tf.fill(dims, value) exists; JS-array dims become an int32 Const; op type Fill', () => {
    const fill = (tf as unknown as Record<string, (...a: unknown[]) => tf.Tensor>).fill;
    expect(typeof fill).toBe('function');
    const f = fill([2, 3], 7);
    expect(f.op.type).toBe('Fill');
    expect(f.op.inputs[0].dtype).toBe('int32');
    expect(f.shape).toEqual([2, 3]);
    const sess = S.open();
    expect(sess.run(f).toArray()).toEqual([[7, 7, 7], [7, 7, 7]]);
  });

  // API.md: "tf.nn.relu, tf.nn.softmax, tf.nn.conv2d, ..."
  it('tf.nn.conv2d exists (op type Conv2D)', () => {
    const conv2d = (tf.nn as unknown as Record<string, (...a: unknown[]) => tf.Tensor>).conv2d;
    expect(typeof conv2d).toBe('function');
    const x = tf.placeholder(tf.float32, [1, 4, 4, 1]);
    const w = tf.constant(new Float32Array(9).fill(1), null, [3, 3, 1, 1]);
    const y = conv2d(x, w, { strides: [1, 1, 1, 1], padding: 'VALID' });
    expect(y.op.type).toBe('Conv2D');
    expect(y.shape).toEqual([1, 2, 2, 1]);
  });
});
