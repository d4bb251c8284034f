// Shared helpers for the review tests.
import * as tf from 'tensorloom';

export function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected a throw');
}
export async function rejected(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (e) { return e as Error; }
  throw new Error('expected a rejection');
}

/** Opens sessions and closes them all in afterEach, so implicit defaults do not leak between tests. */
export function sessions() {
  let opened: tf.Session[] = [];
  return {
    open(o?: tf.SessionOptions): tf.Session { const s = new tf.Session(o); opened.push(s); return s; },
    interactive(o?: tf.SessionOptions): tf.InteractiveSession { const s = new tf.InteractiveSession(o); opened.push(s); return s; },
    closeAll() { for (const s of opened) s.close(); opened = []; },
  };
}
