// The seed document's three examples, as a user writes them.
import { describe, expect, it, beforeEach } from 'vitest';
import * as tf from 'tensorloom';

describe('seed examples', () => {
  beforeEach(() => tf.resetDefaultGraph());

  it('1: constant + constant evaluates to 15 in the implicit default session', () => {
    const a = tf.constant(10);
    const b = tf.constant(5);
    const c = tf.add(a, b);
    const sess = new tf.Session();
    try {
      expect(c.eval().item()).toBe(15);
      expect(String(c.eval())).toBe('15');
    } finally {
      sess.close();
    }
  });

  it('2: placeholder feed, then ops built after the session are runnable', () => {
    const x = tf.placeholder(tf.float32);
    const y = tf.constant(2.0);
    const z = tf.multiply(x, y);
    const sess = new tf.Session();
    expect(sess.run(z, new Map([[x, 5.0]])).item()).toBe(10);
    const a = tf.constant(10), b = tf.constant(5), c = tf.add(a, b);
    expect(sess.run([a, b, c]).map((v: tf.NDArray) => v.item())).toEqual([10, 5, 15]);
    sess.close();
  });

  it('3: chained ops with a scalar operand', () => {
    const a = tf.constant(5);
    const b = tf.add(a, 5);
    const c = tf.multiply(b, 2);
    const sess = new tf.Session();
    expect(sess.run(c).item()).toBe(20);
    sess.asDefault(() => expect(c.eval().item()).toBe(20));
    sess.close();
  });
});
