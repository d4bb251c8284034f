// Shared by the training tests: a fresh default graph with a session on it, and the error a
// call throws.
import * as tf from 'tensorloom';

/** Runs fn with a fresh graph as default and a session on it (closed afterwards). */
export function withSession<T>(fn: (sess: tf.Session, g: tf.Graph) => T): T {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const sess = new tf.Session({ graph: g });
    try { return fn(sess, g); } finally { sess.close(); }
  });
}

/** The error fn throws (fails the test when it throws none). */
export function catchError(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}
