import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { barlowTwinsLoss, barlowTwinsTerms, crossEntropyLoss, ntXentLoss, vicregLoss, vicregTerms } from '../../lib/losses';
import { assertClose } from '../helpers';
import { checkPairCase, fixtures, maxAbs } from './fixture-cases';

// Registering wasm here, once the suite's backend is up, keeps its higher priority from changing that default.
// The losses are built from ops both CPU backends implement (no LogSoftmax kernel, which wasm lacks, and no
// mask-form Where): each runs and differentiates on 'cpu' and 'wasm' and matches the PyTorch values there.
describe('losses on the cpu and wasm backends', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`compute values and gradients on '${backend}'`, async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      await tf.ready();
      const previous = tf.getBackend();
      await import('@tensorflow/tfjs-backend-wasm');
      try {
        if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' failed to initialise`);
        const [bt, vic, nt] = [fixtures.barlowTwins[1], fixtures.vicreg[0], fixtures.ntXent[0]];
        checkPairCase(`${backend} barlowTwins`, bt, (z1, z2) => barlowTwinsLoss(z1, z2, bt.options));
        checkPairCase(`${backend} vicreg`, vic, (z1, z2) => vicregLoss(z1, z2, vic.options));
        checkPairCase(`${backend} ntXent`, nt, (z1, z2) => ntXentLoss(z1, z2, nt.options));
        const ce = fixtures.crossEntropy[1];
        const logits = tf.tensor2d(ce.logits, ce.shape);
        const labels = tf.tensor1d(ce.labels, 'int32');
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => crossEntropyLoss(x as tf.Tensor2D, labels))([logits]);
        assertClose(value.dataSync()[0], ce.loss, { rtol: 1e-4, what: `${backend} crossEntropy` });
        assertClose(grads[0].dataSync(), ce.grad, { rtol: 1e-4, atol: 1e-4 * maxAbs(ce.grad), what: `${backend} dCE` });
        tf.dispose([logits, labels, value, ...grads]);
        // D = 1: no off-diagonal entries, and an exact 0 for them (wasm sums an empty tensor to garbage).
        const z1 = tf.tensor2d([1, 2, 4], [3, 1]);
        const z2 = tf.tensor2d([2, 1, 5], [3, 1]);
        const bt1 = barlowTwinsTerms(z1, z2);
        const vic1 = vicregTerms(z1, z2);
        assert.strictEqual(bt1.redundancy.dataSync()[0], 0);
        assert.strictEqual(vic1.covariance.dataSync()[0], 0);
        tf.dispose([z1, z2, bt1.loss, bt1.invariance, bt1.redundancy, vic1.loss, vic1.invariance, vic1.variance, vic1.covariance]);
      } finally {
        await tf.setBackend(previous);
      }
    });
  }
});
