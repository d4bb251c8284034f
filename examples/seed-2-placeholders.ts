// Seed example 2: feed a placeholder, then run ops built after the session was created.
import * as tf from 'tensorloom';

const x = tf.placeholder(tf.float32);
const y = tf.constant(2.0);
const z = tf.multiply(x, y);
const sess = new tf.Session();
console.log(sess.run(z, new Map([[x, 5.0]])));  // 10

const a = tf.constant(10);
const b = tf.constant(5);
const c = tf.add(a, b);
console.log(sess.run([a, b, c]));               // [ 10, 5, 15 ]
sess.close();
