// tf.reportUninitializedVariables: TF1's report_uninitialized_variables, node for node, with the
// names it fetches (as strings) checked against what TensorFlow 2.21 answered for the same graphs.
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { withSession } from './helpers';

describe('tf.reportUninitializedVariables', () => {
  it('fetches the op names of the uninitialized global and local variables as strings', () => {
    withSession((sess) => {
      const a = new tf.Variable(1, { name: 'a' });
      tf.nameScope('scope', () => new tf.Variable([2, 3], { name: 'w' }));
      const b = new tf.Variable(2, { name: 'b', collections: [tf.GraphKeys.LOCAL_VARIABLES] });
      const c = new tf.Variable(3, { name: 'c', collections: [] });
      const r = tf.reportUninitializedVariables();
      const mine = tf.reportUninitializedVariables([c, a], { name: 'mine' });
      expect(r.dtype).toBe('string');
      expect(r.shape).toEqual([null]);
      expect(r.name).toBe('report_uninitialized_variables/boolean_mask/GatherV2:0');
      expect(mine.name).toBe('mine/boolean_mask/GatherV2:0');
      // TF: [b'a', b'scope/w', b'b'], [b'c', b'a'] (c is in no collection: only an explicit list sees it)
      let [all, listed] = sess.run([r, mine]);
      expect(all.toArray()).toEqual(['a', 'scope/w', 'b']);
      expect(listed.toArray()).toEqual(['c', 'a']);
      sess.run(a.initializer);
      sess.run(b.initializer);
      [all, listed] = sess.run([r, mine]);
      expect(all.toArray()).toEqual(['scope/w']);
      expect(listed.toArray()).toEqual(['c']);
      sess.run(tf.globalVariablesInitializer());
      sess.run(c.initializer);
      [all, listed] = sess.run([r, mine]);
      expect(all.shape).toEqual([0]);
      expect(all.toArray()).toEqual([]);
      expect(listed.toArray()).toEqual([]);
    });
  });

  it('builds TF1\'s nodes: IsVariableInitialized per variable, stack, LogicalNot, Const names, boolean_mask', () => {
    withSession((_sess, g) => {
      const v = new tf.Variable([1], { name: 'v' });
      new tf.Variable([2], { name: 'scope/w' });
      tf.reportUninitializedVariables();
      const ops = g.getOperations().filter((o) => o.name.startsWith('report_uninitialized_variables/'));
      expect(ops.slice(0, 5).map((o) => `${o.name} ${o.type}`)).toEqual([
        'report_uninitialized_variables/IsVariableInitialized IsVariableInitialized',
        'report_uninitialized_variables/IsVariableInitialized_1 IsVariableInitialized',
        'report_uninitialized_variables/stack Pack',
        'report_uninitialized_variables/LogicalNot LogicalNot',
        'report_uninitialized_variables/Const Const',
      ]);
      expect(ops[0].inputs[0]).toBe(v);
      expect((ops[4].attrs.get('value')!.value as tf.NDArray).toArray()).toEqual(['v', 'scope/w']);
      // The rest is boolean_mask, its shape pieces folded to Consts as the shapes are known (as TF).
      expect(ops.slice(5).map((o) => o.type)).toEqual([
        'Const', 'Const', 'Const', 'Const', 'StridedSlice', 'Const', 'Prod', 'Const', 'Const', 'Const', 'Const', 'StridedSlice',
        'Const', 'Const', 'Const', 'Const', 'StridedSlice', 'Pack', 'Const', 'ConcatV2', 'Reshape', 'Const', 'Reshape', 'Where',
        'Squeeze', 'Const', 'GatherV2',
      ]);
      expect(ops[ops.length - 1].name).toBe('report_uninitialized_variables/boolean_mask/GatherV2');
    });
  });

  it('with no variables in the collections, scans the graph for VariableV2 ops; with none at all, a Const empty string tensor', () => {
    withSession((sess) => {
      const r = tf.reportUninitializedVariables();
      expect(r.op.type).toBe('Const');
      expect(r.op.name).toBe('report_uninitialized_variables/Const');
      expect(r.shape).toEqual([0]);
      const v = sess.run(r);
      expect(v.dtype).toBe('string');
      expect(v.shape).toEqual([0]);
    });
    withSession((sess) => {
      new tf.Variable(3, { name: 'c', collections: [] });
      expect(sess.run(tf.reportUninitializedVariables()).toArray()).toEqual(['c']);  // TF: [b'c']
    });
  });

  it('serves the classic readiness check in a second session on the same graph', () => {
    withSession((sess, g) => {
      const w = new tf.Variable(tf.zeros([2]), { name: 'w' });
      const r = tf.reportUninitializedVariables();
      sess.run(tf.globalVariablesInitializer());
      expect(sess.run(r).size).toBe(0);
      const other = new tf.Session({ graph: g });
      try {
        expect(other.run(r).toArray()).toEqual(['w']);
        expect(other.run(tf.equal(r, 'w')).toArray()).toEqual([true]);
      } finally {
        other.close();
      }
      void w;
    });
  });
});
