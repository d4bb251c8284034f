// tf.getVariable / tf.variableScope (TF1's reuse rules, names and texts), collections and the
// initializers. Expected names and messages are TF1's (checked against tf.compat.v1 graph mode).
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';
import { catchError } from './helpers';

const zeros = tf.zerosInitializer();
const flat = (a: tf.NDArray) => Array.from(a.data as ArrayLike<number | bigint>, Number);

function inGraph<T>(fn: (g: tf.Graph) => T): T {
  const g = new tf.Graph();
  return g.asDefault(() => fn(g));
}

describe('tf.getVariable and tf.variableScope', () => {
  it('names come from the variable scope; reuse returns the same variable', () => {
    inGraph((g) => {
      const w = tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: zeros }));
      expect(w.name).toBe('layer1/w:0');
      expect(w).toBeInstanceOf(tf.Variable);
      expect(w.initialValue.name).toBe('layer1/w/Initializer/zeros:0');
      expect(g.getOperations().map((o) => o.name)).toEqual(['layer1/w/Initializer/zeros', 'layer1/w', 'layer1/w/Assign', 'layer1/w/read']);
      const again = tf.variableScope('layer1', { reuse: true }, (s) => {
        expect([s.name, s.reuse, s.originalNameScope]).toEqual(['layer1', true, 'layer1_1/']);
        // Ops other than variables take the (uniquified) name scope.
        expect(tf.add(w, 1).name).toBe('layer1_1/Add:0');
        return tf.getVariable('w');
      });
      expect(again).toBe(w);
      expect(tf.variableScope('layer1', { reuse: tf.AUTO_REUSE }, () => tf.getVariable('w', { shape: [2] }))).toBe(w);
    });
  });

  it('TF1 reuse errors (as InvalidArgumentError)', () => {
    inGraph(() => {
      const w = tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: zeros }));
      let e = catchError(() => tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: zeros })));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toMatch(/^Variable layer1\/w already exists, disallowed\. Did you mean to set reuse=True or reuse=tf\.AUTO_REUSE in VarScope\? Originally defined at:\n\n/);
      e = catchError(() => tf.variableScope('layer1', { reuse: true }, () => tf.getVariable('nope', { shape: [1], initializer: zeros })));
      expect(e).toBeInstanceOf(tf.errors.InvalidArgumentError);
      expect(e.message).toBe('Variable layer1/nope does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?');
      e = catchError(() => tf.variableScope('layer1', { reuse: true }, () => tf.getVariable('w', { shape: [3] })));
      expect(e.message).toBe('Trying to share variable layer1/w, but specified shape (3,) and found shape (2,).');
      e = catchError(() => tf.variableScope('layer1', { reuse: true }, () => tf.getVariable('w', { dtype: 'int32' })));
      expect(e.message).toBe('Trying to share variable layer1/w, but specified dtype int32 and found dtype float32_ref.');
      expect(tf.variableScope('layer1', { reuse: true }, () => tf.getVariable('w', { shape: [null] }))).toBe(w);
      e = catchError(() => tf.getVariable('c', { shape: [2], initializer: [1, 2] }));
      expect(e.message).toBe('If initializer is a constant, do not specify shape.');
      e = catchError(() => tf.getVariable('t', { dtype: 'int32', initializer: tf.constant([1, 2]) }));
      expect(e.message).toBe("Initializer type '<dtype: 'float32'>' and explicit dtype '<dtype: 'int32'>' don't match.");
      e = catchError(() => tf.getVariable('u', { shape: [null, 2], initializer: zeros }));
      expect(e.message).toMatch(/^The initializer passed is not valid/);
      expect(() => tf.variableScope(null, {}, () => 1)).toThrow('If default_name is None then name_or_scope is required');
      e = catchError(() => tf.variableScope(null, { defaultName: 'x', reuse: true }, () => 1));
      expect(e.message).toBe('reuse=True cannot be used without a name_or_scope');
      expect(() => tf.variableScope('s', { reuse: 1 as never }, () => 1)).toThrow('The reuse parameter must be True or False or None.');
    });
  });

  it('reuse is inherited by inner scopes; reuse: false does not turn it off', () => {
    inGraph(() => {
      tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: zeros }));
      tf.variableScope('layer1', { reuse: true }, () => {
        tf.variableScope('inner', {}, (s) => expect([s.name, s.reuse, s.originalNameScope]).toEqual(['layer1/inner', true, 'layer1_1/inner/']));
        tf.variableScope('inner2', { reuse: false }, (s) => expect(s.reuse).toBe(true));
      });
      tf.variableScope('plain', {}, (s) => {
        expect(s.reuse).toBe(false);
        s.reuseVariables();
        expect(tf.getVariableScope().reuse).toBe(true);
        expect(() => tf.getVariable('x', { shape: [1], initializer: zeros })).toThrow('Variable plain/x does not exist');
      });
      expect(tf.getVariableScope().name).toBe('');
      expect(tf.getVariableScope().reuse).toBe(false);
    });
  });

  it('re-entering a scope object, default names, name scopes, auxiliaryNameScope', () => {
    inGraph(() => {
      const vs = tf.variableScope('layer1', {}, (s) => {
        tf.getVariable('w', { shape: [2], initializer: zeros });
        expect(new tf.Variable(1, { name: 'x' }).name).toBe('layer1/x:0');  // tf.Variable follows the name scope
        return s;
      });
      tf.variableScope('layer1', {}, () => expect(new tf.Variable(1, { name: 'x' }).name).toBe('layer1_1/x:0'));
      tf.variableScope(vs, {}, (s) => {
        expect([s.name, s.originalNameScope, s.reuse, tf.getDefaultGraph().getNameScope()]).toEqual(['layer1', 'layer1/', false, 'layer1_2']);
        expect(new tf.Variable(1, { name: 'y' }).name).toBe('layer1_2/y:0');
      });
      expect(tf.variableScope(vs, { reuse: true }, () => tf.getVariable('w')).name).toBe('layer1/w:0');
      const names: string[] = [];
      for (let i = 0; i < 2; i++) {
        tf.variableScope(null, { defaultName: 'dense' }, (d) => {
          names.push(d.name, d.originalNameScope);
          tf.variableScope(null, { defaultName: 'sub' }, (s) => names.push(s.name));
          tf.variableScope(null, { defaultName: 'sub' }, (s) => names.push(s.name));
        });
      }
      tf.variableScope('outer', {}, () => tf.variableScope(null, { defaultName: 'dense' }, (d) => names.push(d.name)));
      expect(names).toEqual(['dense', 'dense/', 'dense/sub', 'dense/sub_1', 'dense_1', 'dense_1/', 'dense_1/sub', 'dense_1/sub_1', 'outer/dense']);
      tf.variableScope('b', { auxiliaryNameScope: false }, (s) => {
        expect(tf.constant(1, { name: 'c' }).name).toBe('c:0');
        expect(s.originalNameScope).toBe('');
      });
      tf.nameScope('ns', () => tf.variableScope('vs2', {}, (s) => {
        expect(tf.constant(1, { name: 'c' }).name).toBe('ns/vs2/c:0');
        expect(s.originalNameScope).toBe('ns/vs2/');
        expect(tf.getVariable('k', { shape: [1], initializer: zeros }).name).toBe('vs2/k:0');
      }));
      expect(tf.nameScope('ns', () => tf.getVariable('r', { shape: [1], initializer: zeros })).name).toBe('r:0');
    });
  });

  it('scope initializers and dtypes; default initializers', () => {
    inGraph(() => {
      tf.variableScope('s', { initializer: tf.onesInitializer() }, () => {
        expect(tf.getVariable('o', { shape: [2] }).initialValue.name).toBe('s/o/Initializer/ones:0');
        tf.variableScope('t', {}, () => expect(tf.getVariable('o', { shape: [2] }).initialValue.name).toBe('s/t/o/Initializer/ones:0'));
      });
      tf.variableScope('i', { dtype: 'int32' }, () => {
        const v = tf.getVariable('z', { shape: [2] });  // ints default to zeros
        expect([v.dtype, v.initialValue.name, v.initialValue.op.type]).toEqual(['int32', 'i/z/Initializer/zeros:0', 'Const']);
      });
      expect(tf.getVariable('gb', { shape: [2], dtype: 'bool' }).initialValue.op.type).toBe('Const');
      // Floats default to glorot_uniform (TF's get_variable): random_uniform under Initializer.
      expect(tf.getVariable('g', { shape: [2, 3] }).initialValue.name).toBe('g/Initializer/random_uniform:0');
      expect(tf.getVariable('g0', { shape: [2, 3], initializer: zeros }).name).toBe('g0:0');
      const f = tf.getVariable('f', { initializer: tf.constant([1, 2]) });
      expect([f.initialValue.name, f.shape]).toEqual(['Const:0', [2]]);
      const h = tf.getVariable('h', { initializer: [1, 2], dtype: 'int32' });
      expect([h.initialValue.name, h.dtype]).toEqual(['h/initial_value:0', 'int32']);
      const fn = tf.getVariable('fn', { initializer: () => [5, 6] });
      expect(fn.initialValue.name).toBe('fn/Initializer/initial_value:0');
    });
  });

  it('initializers build TF1\'s nodes and values (Const below 1000 elements, else Fill)', () => {
    inGraph((g) => {
      const small = tf.getVariable('a', { shape: [2, 3], initializer: tf.zerosInitializer() });
      const large = tf.getVariable('b', { shape: [1000], initializer: tf.zerosInitializer() });
      const ones = tf.getVariable('c', { shape: [30, 40], initializer: tf.onesInitializer(), dtype: 'int64' });
      const scalar = tf.getVariable('s', { shape: [], initializer: tf.constantInitializer(5) });
      const padded = tf.getVariable('e', { shape: [2, 3], initializer: tf.constantInitializer([1, 2]) });
      const flags = tf.getVariable('f', { shape: [1200], dtype: 'bool', initializer: tf.onesInitializer() });
      const types = Object.fromEntries(g.getOperations().filter((o) => o.name.includes('Initializer')).map((o) => [o.name, o.type]));
      expect(types).toEqual({
        'a/Initializer/zeros': 'Const',
        'b/Initializer/zeros/shape_as_tensor': 'Const', 'b/Initializer/zeros/Const': 'Const', 'b/Initializer/zeros': 'Fill',
        'c/Initializer/ones/shape_as_tensor': 'Const', 'c/Initializer/ones/Const': 'Const', 'c/Initializer/ones': 'Fill',
        's/Initializer/Const': 'Const',
        'e/Initializer/Const': 'Const',
        'f/Initializer/ones/shape_as_tensor': 'Const', 'f/Initializer/ones/Const': 'Const', 'f/Initializer/ones': 'Fill',
      });
      const sess = new tf.Session({ graph: g });
      sess.run(tf.globalVariablesInitializer());
      const [a, b, c, s, e, f] = sess.run([small, large, ones, scalar, padded, flags]) as tf.NDArray[];
      expect([a.shape, new Set(flat(a))]).toEqual([[2, 3], new Set([0])]);
      expect([b.shape, new Set(flat(b))]).toEqual([[1000], new Set([0])]);
      expect([c.dtype, c.shape, new Set(flat(c))]).toEqual(['int64', [30, 40], new Set([1])]);
      expect([s.shape, flat(s)]).toEqual([[], [5]]);
      expect(flat(e)).toEqual([1, 2, 2, 2, 2, 2]);  // TF1 pads with the last value
      expect([f.dtype, new Set(f.toArray() as boolean[])]).toEqual(['bool', new Set([true])]);
      sess.close();
      expect(() => tf.getVariable('x', { shape: [2], initializer: tf.constantInitializer([1, 2, 3]) })).toThrow('Too many elements provided. Needed at most 2, but received 3');
      // The random initializers build TF1's random subgraphs (values: test/random/golden.test.ts).
      for (const [make, name] of [
        [tf.randomNormalInitializer, 'random_normal/RandomStandardNormal'], [tf.truncatedNormalInitializer, 'truncated_normal/TruncatedNormal'],
        [tf.randomUniformInitializer, 'random_uniform/RandomUniform'], [tf.glorotUniformInitializer, 'random_uniform/RandomUniform'],
        [tf.glorotNormalInitializer, 'truncated_normal/TruncatedNormal']] as const) {
        const v = tf.getVariable(`r${g.version}`, { shape: [2], initializer: make() });
        expect(g.getOperationByName(`${v.op.name}/Initializer/${name}`).type).toBe(name.split('/')[1]);
      }
    });
  });
});

describe('collections', () => {
  it('GLOBAL_VARIABLES and TRAINABLE_VARIABLES in creation order; scope filters by regex at the start', () => {
    inGraph(() => {
      const a = tf.variableScope('layer1', {}, () => tf.getVariable('w', { shape: [2], initializer: zeros }));
      const b = tf.variableScope('layer1', {}, () => new tf.Variable(1, { name: 'x' }));  // layer1_1/x
      const c = tf.variableScope('layer10', {}, () => new tf.Variable(1, { name: 'x' }));
      const nt = new tf.Variable(1, { name: 'nt', trainable: false });
      const lc = new tf.Variable(1, { name: 'lc', collections: [tf.GraphKeys.LOCAL_VARIABLES] });
      expect(tf.globalVariables()).toEqual([a, b, c, nt]);
      expect(tf.trainableVariables()).toEqual([a, b, c, lc]);
      expect(tf.localVariables()).toEqual([lc]);
      expect(tf.globalVariables('layer1').map((v) => v.name)).toEqual(['layer1/w:0', 'layer1_1/x:0', 'layer10/x:0']);
      expect(tf.globalVariables('layer1/').map((v) => v.name)).toEqual(['layer1/w:0']);
      expect(tf.trainableVariables('.*x')).toEqual([b, c]);
      expect(tf.getCollection(tf.GraphKeys.GLOBAL_VARIABLES)).toEqual(tf.globalVariables());
      expect(nt.trainable).toBe(false);
      expect(() => new tf.Variable(1, { collections: 'variables' as never })).toThrow('collections argument to Variable constructor must be a list, tuple, or set');
    });
  });

  it('are per graph; custom collections; getCollectionRef is live, getCollection a copy', () => {
    const g1 = new tf.Graph(), g2 = new tf.Graph();
    const v = g1.asDefault(() => new tf.Variable(1));
    expect(g2.asDefault(() => tf.globalVariables())).toEqual([]);
    expect(g1.asDefault(() => tf.globalVariables())).toEqual([v]);
    g1.asDefault(() => {
      tf.addToCollection('losses', 1);
      tf.addToCollections(['a', 'b', 'a'], 'x');
      expect([tf.getCollection('a'), tf.getCollection('b'), tf.getCollection('losses')]).toEqual([['x'], ['x'], [1]]);
      expect(tf.getCollection('losses', 'l')).toEqual([]);  // items without a name are left out of a scoped query
      tf.getCollection('a').push('y');
      expect(tf.getCollection('a')).toEqual(['x']);
      tf.getCollectionRef('a').push('y');
      expect(tf.getCollection('a')).toEqual(['x', 'y']);
      expect(tf.getCollection('missing')).toEqual([]);
    });
    expect(tf.getCollection('a', null, g1)).toEqual(['x', 'y']);
  });

  it('variablesInitializer / globalVariablesInitializer initialize exactly their variables', () => {
    inGraph((g) => {
      const a = new tf.Variable([1], { name: 'a' });
      const b = new tf.Variable([2], { name: 'b', collections: [tf.GraphKeys.LOCAL_VARIABLES] });
      const sess = new tf.Session({ graph: g });
      sess.run(tf.globalVariablesInitializer());
      expect(flat(sess.run(a))).toEqual([1]);
      expect(() => sess.run(b)).toThrow(tf.errors.FailedPreconditionError);
      expect(tf.localVariablesInitializer().controlInputs).toEqual([b.initializer]);
      sess.run(tf.localVariablesInitializer());
      expect(flat(sess.run(b))).toEqual([2]);
      sess.close();
    });
  });
});
