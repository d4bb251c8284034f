// Seed example 3: a chain of ops with plain-number operands; run and eval agree.
import * as tf from 'tensorloom';

const a = tf.constant(5);
const b = tf.add(a, 5);
const c = tf.multiply(b, 2);
const sess = new tf.Session();
console.log(sess.run(c));                       // 20
sess.asDefault(() => console.log(c.eval()));   // 20
sess.close();
