// API.md: "everything about values, shapes and dtypes ... is a tf.errors.* class"; TF1 reports a
// feed value that cannot be converted to the tensor's dtype as a ValueError (numpy: "could not
// convert string to float"), which the README maps to InvalidArgumentError. Only bad fetch /
// feed-key types and a Tensor as feed value are TypeErrors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

describe('review-issue2: feed value conversion errors', () => {
  let sess: tf.Session;
  beforeEach(() => { tf.resetDefaultGraph(); });
  afterEach(() => sess?.close());

  it('a string fed to a float32 placeholder is an InvalidArgumentError (not a TypeError)', () => {
    const x = tf.placeholder(tf.float32, [2], 'x');
    sess = new tf.Session();
    let err: unknown;
    try { sess.run(x, [[x, ['a', 'b']]]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
  });

  it('a failing Reshape of a fed value names the op and its build site; the session stays usable (passing)', () => {
    const x = tf.placeholder(tf.float32, [null], 'x');
    const r = tf.reshape(x, [3, -1], { name: 'bad_reshape' });
    sess = new tf.Session();
    let err: any;
    try { sess.run(r, [[x, [1, 2, 3, 4]]]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(err.code).toBe(3);
    expect(err.op.name).toBe('bad_reshape');
    expect(err.message).toMatch(/bad_reshape \(defined at .*feed-values\.test\.ts:\d+:\d+\)/);
    expect(sess.run(r, [[x, [1, 2, 3, 4, 5, 6]]]).shape).toEqual([3, 2]);
  });
});
