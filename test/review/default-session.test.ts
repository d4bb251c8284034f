// Review: default-session rules (API.md "Sessions"; TF1-SEMANTICS §3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { sessions, thrown } from './helpers';

const CLOSED = 'Attempted to use a closed Session.';
const S = sessions();
beforeEach(() => tf.resetDefaultGraph());
afterEach(() => S.closeAll());

describe('review: default session', () => {
  // TF1-SEMANTICS §3.3: "Closed session: eval on a closed (but still default) session →
  // RuntimeError('Attempted to use a closed Session.') from run". Closing inside
  // `with sess.as_default()` does not pop it.
  it('closing the session inside its own asDefault: eval throws the closed-session error (not a silent run in another session)', () => {
    const c = tf.add(tf.constant(1), tf.constant(2));
    const outer = S.open();                 // the implicit default
    const inner = S.open();
    const e = inner.asDefault(() => {
      inner.close();
      return thrown(() => c.eval());
    });
    expect(e.message).toContain(CLOSED);
    expect(e).not.toBeInstanceOf(tf.errors.OpError);
    expect(outer.closed).toBe(false);
  });

  it('closing the only session inside its asDefault: eval throws the closed-session error', () => {
    const c = tf.constant(1);
    const sess = S.open();
    const e = sess.asDefault(() => { sess.close(); return thrown(() => c.eval()); });
    expect(e.message).toBe(CLOSED);
  });

  // TF1-SEMANTICS §3.2(3): InteractiveSession "if graph= was passed also enters that graph as
  // default; close() pops them".
  it('InteractiveSession({ graph }) also makes that graph the default until closed', () => {
    const g = new tf.Graph();
    const sess = S.interactive({ graph: g });
    const c = tf.constant(3);
    expect(c.graph).toBe(g);
    expect(c.eval().item()).toBe(3);
    sess.close();
    expect(tf.getDefaultGraph()).not.toBe(g);
  });

  // ---- passing contract points ----
  it('a Session created while another is the default does not replace it; asDefault still wins', () => {
    const c = tf.constant(5);
    const first = S.open();
    const second = S.open();
    expect(tf.getDefaultSession()).toBe(first);
    second.asDefault(() => expect(tf.getDefaultSession()).toBe(second));
    expect(tf.getDefaultSession()).toBe(first);
    expect(c.eval().item()).toBe(5);
  });

  it('a Session created inside another session\'s asDefault does not become the default after it', () => {
    const a = S.open();
    a.close();
    const b = S.open();  // implicit default (none registered)
    expect(tf.getDefaultSession()).toBe(b);
    const c = S.open();
    const d = c.asDefault(() => S.open());
    expect(tf.getDefaultSession()).toBe(b);
    expect(d).not.toBe(tf.getDefaultSession());
  });

  it('InteractiveSession beats the implicit default; asDefault inside it beats both', () => {
    const plain = S.open();
    const inter = S.interactive();
    expect(tf.getDefaultSession()).toBe(inter);
    plain.asDefault(() => expect(tf.getDefaultSession()).toBe(plain));
    expect(tf.getDefaultSession()).toBe(inter);
    inter.close();
    expect(tf.getDefaultSession()).toBe(plain);
  });

  it('op.run() with the default session runs the op and returns undefined; without one it throws the run() text', () => {
    const n = tf.noOp({ name: 'init' });
    expect(thrown(() => n.run()).message).toContain('No default session is registered');
    const sess = S.open();
    expect(n.run()).toBeUndefined();
    expect(sess.run('init')).toBeNull();
  });

  it('a closed implicit default frees the slot: the next Session becomes the default', () => {
    const c = tf.constant(2);
    const s1 = S.open();
    s1.close();
    const s2 = S.open();
    expect(tf.getDefaultSession()).toBe(s2);
    expect(c.eval().item()).toBe(2);
  });
});
