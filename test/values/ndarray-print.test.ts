// NDArray's numpy-like text, including numpy's summarization of large arrays.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as tf from 'tensorloom';

describe('NDArray printing', () => {
  it('prints scalars, vectors and matrices like numpy with commas', () => {
    expect(String(tf.ndarray(15))).toBe('15');
    expect(String(tf.ndarray([10, 5, 15]))).toBe('[10, 5, 15]');
    expect(String(tf.ndarray([[1, 2], [3, 4]], undefined, 'int32'))).toBe('[[1, 2],\n [3, 4]]');
    expect(String(tf.ndarray(new Float32Array([0.1, 1.5])))).toBe('[0.1, 1.5]');  // shortest float32 text
    expect(String(tf.ndarray([true, false]))).toBe('[true, false]');
    expect(String(tf.ndarray(new BigInt64Array([2n ** 62n])))).toBe('[4611686018427387904]');
    expect(inspect(tf.ndarray([[1], [2]]))).toBe('[[1],\n [2]]');
  });

  it('separates 3-D blocks with a blank line', () => {
    const a = tf.ndarray(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]);
    expect(String(a)).toBe('[[[1, 2],\n  [3, 4]],\n\n [[5, 6],\n  [7, 8]]]');
  });

  it('summarizes arrays over 1000 elements to 3 edge items per axis', () => {
    const v = tf.ndarray(Float32Array.from({ length: 1001 }, (_, i) => i));
    expect(String(v)).toBe('[0, 1, 2, ..., 998, 999, 1000]');
    const m = tf.ndarray(Int32Array.from({ length: 2000 }, (_, i) => i), [40, 50]);
    const lines = String(m).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('[[0, 1, 2, ..., 47, 48, 49],');
    expect(lines[3]).toBe(' ...,');
    expect(lines[6]).toBe(' [1950, 1951, 1952, ..., 1997, 1998, 1999]]');
    expect(String(tf.ndarray(new Float32Array(1000)))).not.toContain('...');  // 1000 is printed whole
  });
});
