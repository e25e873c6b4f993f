import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { accuracy, crossEntropyLoss } from '../../lib/losses';
import { assertClose, assertNoLeak } from '../helpers';
import { fixtures, maxAbs } from './fixture-cases';

describe('losses/cross-entropy', () => {
  fixtures.crossEntropy.forEach((c) => {
    it(`loss, gradient and accuracy match torch.nn.functional.cross_entropy for [${c.shape}]`, async () => {
      const logits = tf.tensor2d(c.logits, c.shape);
      const labels = tf.tensor1d(c.labels, 'int32');
      await assertNoLeak(() => {
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => crossEntropyLoss(x as tf.Tensor2D, labels))([logits]);
        assertClose(value.dataSync()[0], c.loss, { rtol: 1e-4, atol: 1e-6, what: 'loss' });
        assertClose(grads[0].dataSync(), c.grad, { rtol: 1e-4, atol: 1e-4 * maxAbs(c.grad), what: 'dL/dlogits' });
        assert.strictEqual(accuracy(logits, labels), c.accuracy);
        tf.dispose([value, ...grads]);
      }, 'crossEntropyLoss');
      tf.dispose([logits, labels]);
    });
  });

  it('equals log K for uniform logits and counts correct rows', () => {
    const logits = tf.tensor2d([0, 0, 0, 0, 0, 0, 5, 1, 0, 1, 5, 0], [4, 3]);
    const loss = crossEntropyLoss(tf.zeros([4, 3]) as tf.Tensor2D, tf.tensor1d([0, 1, 2, 1], 'int32'));
    assertClose(loss.dataSync()[0], Math.log(3), { rtol: 1e-6, what: 'loss' });
    const labels = tf.tensor1d([2, 1, 0, 0], 'int32');
    assert.strictEqual(accuracy(logits, labels), 0.25);
    tf.dispose([logits, loss, labels]);
  });

  it('rejects bad shapes, dtypes and labels', () => {
    const logits = tf.zeros([4, 3]) as tf.Tensor2D;
    const short = tf.tensor1d([0, 1, 2], 'int32');
    const floats = tf.tensor1d([0, 1, 2, 0], 'float32');
    const outside = tf.tensor1d([0, 1, 3, 0], 'int32');
    assert.throws(() => crossEntropyLoss(logits, short), /logits shape \[4,3\], labels shape \[3\]/);
    assert.throws(() => accuracy(logits, short), /accuracy.*logits shape \[4,3\], labels shape \[3\]/);
    assert.throws(() => crossEntropyLoss(logits, floats), /labels must be int32, got float32/);
    assert.throws(() => crossEntropyLoss(logits, outside), /label 3 is outside \[0, 3\)/);
    tf.dispose([logits, short, floats, outside]);
  });
});
