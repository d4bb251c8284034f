// tf.fill: shape from dims (a JS array becomes an int32 Const, or a fed tensor), scalar value.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

describe('fill', () => {
  beforeEach(() => tf.resetDefaultGraph());

  it('fills every dtype, with TF names and static shape', () => {
    const f = tf.fill([2, 3], 9);
    expect(f.op.type).toBe('Fill');
    expect(f.op.name).toBe('Fill');
    expect(f.op.inputs.map((t) => t.name)).toEqual(['Fill/dims:0', 'Fill/value:0']);
    expect(f.op.inputs[0].dtype).toBe('int32');
    expect(f.shape).toEqual([2, 3]);
    expect(f.dtype).toBe('float32');
    const sess = new tf.Session();
    expect(sess.run(f).toArray()).toEqual([[9, 9, 9], [9, 9, 9]]);
    expect(Array.from(sess.run(tf.fill([3], tf.constant(7n))).data)).toEqual([7n, 7n, 7n]);
    expect(sess.run(tf.fill([2], true)).toArray()).toEqual([true, true]);
    expect(sess.run(tf.fill([2, 1], tf.constant(-4, 'int32'))).toArray()).toEqual([[-4], [-4]]);
    expect(sess.run(tf.fill([], 1.5)).item()).toBe(1.5);
    expect(sess.run(tf.fill([0, 4], 1)).shape).toEqual([0, 4]);
    expect(sess.run(tf.fill([1000], tf.constant(2.5, 'float64'))).data.every((v) => v === 2.5)).toBe(true);
    sess.close();
  });

  it('takes dims at run time and checks them', () => {
    const dims = tf.placeholder(tf.int32, [null], 'dims');
    const f = tf.fill(dims, 1, { name: 'ones' });
    expect(f.name).toBe('ones:0');
    expect(f.shape).toBeNull();  // dims unknown at build time: rank unknown too ([null] dims)
    const sess = new tf.Session();
    expect(sess.run(f, new Map([[dims, [2, 2]]])).toArray()).toEqual([[1, 1], [1, 1]]);
    expect(() => sess.run(f, new Map([[dims, [2, -1]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(f, new Map([[dims, [2, -1]]]))).toThrow(/Fill dimensions must be >= 0/);
    sess.close();
  });

  it('rejects bad arguments when built', () => {
    expect(() => tf.fill([2, -1], 1)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.fill([2], [1, 2])).toThrow(/rank 0/);
  });
});
