import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { vicregLoss, vicregTerms } from '../../lib/losses';
import { assertClose, assertNoLeak } from '../helpers';
import { checkPairCase, fixtures, hadamardColumns } from './fixture-cases';

describe('losses/vicreg', () => {
  fixtures.vicreg.forEach((c) => {
    const label = `[${c.shape}] ${JSON.stringify(c.options)}`;
    it(`loss and gradients match PyTorch (facebookresearch/vicreg) for ${label}`, () => {
      checkPairCase(`vicreg ${label}`, c, (z1, z2) => vicregLoss(z1, z2, c.options));
    });

    it(`the three weighted terms match PyTorch for ${label}`, async () => {
      const z1 = tf.tensor2d(c.z1, c.shape);
      const z2 = tf.tensor2d(c.z2, c.shape);
      await assertNoLeak(() => {
        const t = vicregTerms(z1, z2, c.options);
        for (const term of ['invariance', 'variance', 'covariance', 'loss'] as const) {
          const expected = term === 'loss' ? c.loss : (c[term] as number);
          assertClose(t[term].dataSync()[0], expected, { rtol: 1e-4, atol: 1e-6, what: term });
        }
        tf.dispose([t.loss, t.invariance, t.variance, t.covariance]);
      }, 'vicregTerms');
      tf.dispose([z1, z2]);
    });
  });

  it('is 0 for identical, decorrelated views whose dimensions have std >= 1', () => {
    // Columns: orthogonal +-2 patterns of mean 0 (std 2 sqrt(8/7) > 1, covariance 0).
    const z = hadamardColumns(8, 3, 2);
    const t = vicregTerms(z, z);
    for (const term of ['invariance', 'variance', 'covariance', 'loss'] as const) {
      assertClose(t[term].dataSync()[0], 0, { atol: 1e-7, what: term });
    }
    tf.dispose([z, t.loss, t.invariance, t.variance, t.covariance]);
  });

  it('collapsed views cost stdCoeff * (1 - sqrt(1e-4)) and nothing else', () => {
    const z = tf.ones([5, 4]) as tf.Tensor2D;
    const t = vicregTerms(z, z);
    assertClose(t.variance.dataSync()[0], 25 * (1 - 0.01), { rtol: 1e-6, what: 'variance' });
    assertClose(t.invariance.dataSync()[0], 0, { atol: 1e-9, what: 'invariance' });
    assertClose(t.covariance.dataSync()[0], 0, { atol: 1e-9, what: 'covariance' });
    // The gradient stays finite at collapse thanks to the 1e-4 under the square root.
    const g = tf.grads((a: tf.Tensor) => vicregLoss(a as tf.Tensor2D, z))([z]);
    assert.ok(Array.from(g[0].dataSync()).every(Number.isFinite), 'gradient at collapse must be finite');
    tf.dispose([z, t.loss, t.invariance, t.variance, t.covariance, ...g]);
  });

  it('rejects bad shapes with a message naming both shapes, and bad coefficients', () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([5, 3]) as tf.Tensor2D;
    assert.throws(() => vicregLoss(a, b), /vicregLoss.*z1 shape \[4,3\], z2 shape \[5,3\]/);
    assert.throws(() => vicregLoss(a, a, { stdCoeff: -1 }), /stdCoeff must be finite and >= 0, got -1/);
    tf.dispose([a, b]);
  });
});
