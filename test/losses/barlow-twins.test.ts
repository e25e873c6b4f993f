import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { barlowTwinsCrossCorrelation, barlowTwinsLoss, barlowTwinsTerms } from '../../lib/losses';
import { assertClose, assertNoLeak } from '../helpers';
import { checkPairCase, fixtures, hadamardColumns } from './fixture-cases';

describe('losses/barlow-twins', () => {
  fixtures.barlowTwins.forEach((c) => {
    const label = `[${c.shape}] ${JSON.stringify(c.options)}`;
    it(`loss and gradients match PyTorch (facebookresearch/barlowtwins) for ${label}`, () => {
      checkPairCase(`barlowTwins ${label}`, c, (z1, z2) => barlowTwinsLoss(z1, z2, c.options));
    });

    it(`invariance and redundancy terms match PyTorch for ${label}`, async () => {
      const z1 = tf.tensor2d(c.z1, c.shape);
      const z2 = tf.tensor2d(c.z2, c.shape);
      await assertNoLeak(() => {
        const { loss, invariance, redundancy } = barlowTwinsTerms(z1, z2, c.options);
        assertClose(invariance.dataSync()[0], c.invariance as number, { rtol: 1e-4, atol: 1e-6, what: 'invariance' });
        assertClose(redundancy.dataSync()[0], c.redundancy as number, { rtol: 1e-4, atol: 1e-6, what: 'redundancy' });
        assertClose(loss.dataSync()[0], c.loss, { rtol: 1e-4, atol: 1e-6, what: 'loss' });
        tf.dispose([loss, invariance, redundancy]);
      }, 'barlowTwinsTerms');
      tf.dispose([z1, z2]);
    });
  });

  it('identical views with orthogonal standardised dimensions (D <= N) give a loss of ~0', () => {
    const z = hadamardColumns(8, 4, 3);
    const { loss, invariance, redundancy } = barlowTwinsTerms(z, z);
    // c_ii = var / (var + eps) with var = 9, so invariance = 4 (eps / (9 + eps))^2.
    assertClose(invariance.dataSync()[0], 4 * (1e-5 / (9 + 1e-5)) ** 2, { atol: 1e-10, what: 'invariance' });
    assertClose(redundancy.dataSync()[0], 0, { atol: 1e-10, what: 'redundancy' });
    assertClose(loss.dataSync()[0], 0, { atol: 1e-10, what: 'loss' });
    tf.dispose([z, loss, invariance, redundancy]);
  });

  it('identical views with lambda 0 give invariance ~0 for correlated dimensions too; the target shifts it', () => {
    const base = tf.tensor2d([1, 2, -1, 0.5, 3, 1, -2, 0, 2, 0.5, 1, -1, 0, 1, 2.5, -0.5, 1.5, -3], [6, 3]);
    const z = tf.add(base, tf.tensor1d([5, -1, 0.3])) as tf.Tensor2D;
    const zero = barlowTwinsLoss(z, z, { lambda: 0 });
    assertClose(zero.dataSync()[0], 0, { atol: 1e-9, what: 'loss, target 1' });
    const shifted = barlowTwinsLoss(z, z, { lambda: 0, invarianceTarget: 0.6 });
    // c_ii = var_i / (var_i + eps) with the biased batch variance var_i of column i.
    const variance = tf.tidy(() => tf.moments(z, 0).variance);
    const variances = variance.dataSync();
    const expected = Array.from(variances).reduce((s, v) => s + (v / (v + 1e-5) - 0.6) ** 2, 0);
    assertClose(shifted.dataSync()[0], expected, { rtol: 1e-5, what: 'loss, target 0.6' });
    assertClose(expected, 3 * 0.4 ** 2, { rtol: 1e-4, what: 'expected loss, target 0.6' });
    const withRedundancy = barlowTwinsTerms(z, z);
    assert.ok(withRedundancy.redundancy.dataSync()[0] > 1e-4, 'correlated dimensions must be penalised');
    tf.dispose([base, z, variance, zero, shifted, withRedundancy.loss, withRedundancy.invariance, withRedundancy.redundancy]);
  });

  it('cross-correlation of identical views is the correlation matrix (diagonal ~1, symmetric)', () => {
    const z = tf.tensor2d([0, 1, 2, 3, 5, 4, -1, 0, 2, 2, 7, 1], [4, 3]);
    const c = barlowTwinsCrossCorrelation(z, z);
    assert.deepStrictEqual(c.shape, [3, 3]);
    const v = c.dataSync();
    for (let i = 0; i < 3; i++) {
      assertClose(v[i * 3 + i], 1, { atol: 1e-5, what: `c[${i},${i}]` });
      for (let j = 0; j < 3; j++) assertClose(v[i * 3 + j], v[j * 3 + i], { atol: 1e-6, what: `c[${i},${j}]` });
    }
    tf.dispose([z, c]);
  });

  it('works for D = 1 (no off-diagonal terms)', () => {
    const z1 = tf.tensor2d([1, 2, 4], [3, 1]);
    const z2 = tf.tensor2d([2, 1, 5], [3, 1]);
    const { loss, redundancy } = barlowTwinsTerms(z1, z2);
    assert.strictEqual(redundancy.dataSync()[0], 0);
    // Biased variances 42/27 and 78/27, covariance 48/27: c = 48/27 / sqrt((42/27 + eps)(78/27 + eps)) ~ 0.8386.
    const c = 48 / 27 / Math.sqrt((42 / 27 + 1e-5) * (78 / 27 + 1e-5));
    assertClose(loss.dataSync()[0], (1 - c) ** 2, { rtol: 1e-4, what: 'loss' });
    tf.dispose([z1, z2, loss, redundancy]);
  });

  it('differentiates with tf.variableGrads and leaks no tensors', async () => {
    const c = fixtures.barlowTwins[0];
    const w1 = tf.variable(tf.tensor2d(c.z1, c.shape));
    const w2 = tf.variable(tf.tensor2d(c.z2, c.shape));
    await assertNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => barlowTwinsLoss(w1, w2), [w1, w2]);
      assertClose(value.dataSync()[0], c.loss, { rtol: 1e-4, what: 'loss' });
      assertClose(grads[w1.name].dataSync(), c.gradZ1, { rtol: 1e-4, atol: 1e-6, what: 'dL/dz1' });
      tf.dispose([value, grads[w1.name], grads[w2.name]]);
    }, 'barlowTwinsLoss + variableGrads');
    tf.dispose([w1, w2]);
  });

  it('rejects bad shapes with a message naming both shapes, and bad options', () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 5]) as tf.Tensor2D;
    const one = tf.zeros([1, 3]) as tf.Tensor2D;
    const flat = tf.zeros([12]) as unknown as tf.Tensor2D;
    assert.throws(() => barlowTwinsLoss(a, b), /barlowTwinsLoss.*z1 shape \[4,3\], z2 shape \[4,5\]/);
    assert.throws(() => barlowTwinsLoss(one, one), /N >= 2.*z1 shape \[1,3\]/);
    assert.throws(() => barlowTwinsTerms(flat, a), /\[N, D\].*z1 shape \[12\], z2 shape \[4,3\]/);
    assert.throws(() => barlowTwinsLoss(a, a, { lambda: NaN }), /lambda must be finite and >= 0, got NaN/);
    assert.throws(() => barlowTwinsLoss(a, a, { invarianceTarget: Infinity }), /invarianceTarget must be finite/);
    assert.throws(() => barlowTwinsLoss(a, a, { eps: 0 }), /eps must be finite and > 0, got 0/);
    tf.dispose([a, b, one, flat]);
  });
});
