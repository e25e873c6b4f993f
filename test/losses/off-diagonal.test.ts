import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { offDiagonal, offDiagonalSquaredSum } from '../../lib/losses';

describe('losses/off-diagonal', () => {
  it('returns row i without its diagonal entry, passes gradients back to those entries only, sums their squares', () => {
    const m = tf.tensor2d([0, 1, 2, 3, 4, 5, 6, 7, 8], [3, 3]);
    const off = offDiagonal(m);
    assert.deepStrictEqual(off.shape, [3, 2]);
    assert.deepStrictEqual(Array.from(off.dataSync()), [1, 2, 3, 5, 6, 7]);
    const [g] = tf.grads((x: tf.Tensor) => tf.sum(offDiagonal(x as tf.Tensor2D)))([m]);
    assert.deepStrictEqual(Array.from(g.dataSync()), [0, 1, 1, 1, 0, 1, 1, 1, 0]);
    const squares = offDiagonalSquaredSum(m);
    assert.strictEqual(squares.dataSync()[0], 1 + 4 + 9 + 25 + 36 + 49);
    tf.dispose([m, off, g, squares]);
  });

  it('is empty for a 1 x 1 matrix and rejects non-square ones', () => {
    const one = tf.tensor2d([[4]]);
    const off = offDiagonal(one);
    assert.deepStrictEqual(off.shape, [1, 0]);
    const squares = offDiagonalSquaredSum(one);
    assert.strictEqual(squares.dataSync()[0], 0);
    squares.dispose();
    const rect = tf.zeros([2, 3]) as tf.Tensor2D;
    assert.throws(() => offDiagonal(rect), /square matrix, got shape \[2,3\]/);
    tf.dispose([one, off, rect]);
  });
});
