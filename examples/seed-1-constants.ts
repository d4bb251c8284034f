// Seed example 1: two constants, one add, evaluated in the implicit default session.
import * as tf from 'tensorloom';

const a = tf.constant(10);
const b = tf.constant(5);
const c = tf.add(a, b);
const sess = new tf.Session();  // becomes the default session (no other is registered)
console.log(c.eval());          // 15
sess.close();
