import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { ntXentLoss } from '../../lib/losses';
import { assertClose } from '../helpers';
import { checkPairCase, fixtures } from './fixture-cases';

describe('losses/nt-xent', () => {
  fixtures.ntXent.forEach((c) => {
    const label = `[${c.shape}] ${JSON.stringify(c.options)}`;
    it(`loss and gradients match a PyTorch SimCLR NT-Xent for ${label}`, () => {
      checkPairCase(`ntXent ${label}`, c, (z1, z2) => ntXentLoss(z1, z2, c.options));
    });
  });

  it('has the closed form -log(e^(1/t) / (e^(1/t) + 2N - 2)) for identical one-hot views', () => {
    // Anchor i: similarity 1 with its positive, 0 with the 2N - 2 negatives (orthogonal one-hot rows).
    const z = tf.mul(tf.eye(4), 3) as tf.Tensor2D;
    for (const t of [0.1, 0.5, 1]) {
      const loss = ntXentLoss(z, z, { temperature: t });
      const expected = -Math.log(Math.exp(1 / t) / (Math.exp(1 / t) + 6));
      assertClose(loss.dataSync()[0], expected, { rtol: 1e-5, atol: 1e-6, what: `temperature ${t}` });
      loss.dispose();
    }
    z.dispose();
  });

  it('is finite with a zero embedding', () => {
    const z1 = tf.tensor2d([0, 0, 1, 2, -1, 0.5], [3, 2]);
    const z2 = tf.tensor2d([1, 0, 1, 1, -1, 1], [3, 2]);
    const g = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => ntXentLoss(a as tf.Tensor2D, b as tf.Tensor2D))([z1, z2]);
    assert.ok(Number.isFinite(g.value.dataSync()[0]));
    assert.ok(Array.from(g.grads[0].dataSync()).every(Number.isFinite), 'gradient must be finite');
    tf.dispose([z1, z2, g.value, ...g.grads]);
  });

  it('rejects bad shapes and temperatures', () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 2]) as tf.Tensor2D;
    assert.throws(() => ntXentLoss(a, b), /ntXentLoss.*z1 shape \[4,3\], z2 shape \[4,2\]/);
    assert.throws(() => ntXentLoss(a, a, { temperature: 0 }), /temperature must be > 0, got 0/);
    assert.throws(() => ntXentLoss(a, a, { temperature: NaN }), /temperature must be > 0, got NaN/);
    tf.dispose([a, b]);
  });
});
