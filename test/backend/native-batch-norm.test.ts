import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { batchNormTrain, registerBatchNormTrain } from '../../lib/backend/native-batch-norm';
import { NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';
import { Rng } from '../../lib/nn/rng';
import { assertClose } from '../helpers';

/**
 * The fused training-mode batch norm (`batchNormTrain`, kernels BlockwiseBatchNormTrain / ...Grad) against
 * the composed formula differentiated by tfjs on the cpu backend, on every backend that has the kernels.
 * The loss uses all three outputs (y, mean, variance), so every gradient path is checked.
 */

interface Result {
  y: number[];
  mean: number[];
  variance: number[];
  dx: number[];
  dGamma: number[];
  dBeta: number[];
}

function lossOf(y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, w: tf.Tensor, u: tf.Tensor, v: tf.Tensor): tf.Scalar {
  return tf.addN([tf.sum(tf.mul(y, w)), tf.sum(tf.mul(mean, u)), tf.sum(tf.mul(variance, v))]) as tf.Scalar;
}

/** Outputs and gradients on the active backend; `fused` picks batchNormTrain or the composed reference. */
function evaluate(shape: number[], affine: boolean, fused: boolean, seed: number): Result {
  const rng = new Rng(seed);
  const c = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  // An offset mean and a spread scale, as in real activations.
  const x = tf.tensor(rng.normals(n, 2).map((z) => z + 3), shape);
  const gamma = tf.tensor1d(rng.normals(c, 0.5).map((z) => z + 1));
  const beta = tf.tensor1d(rng.normals(c));
  const w = tf.tensor(rng.normals(n), shape);
  const u = tf.tensor1d(rng.normals(c));
  const v = tf.tensor1d(rng.normals(c));
  const eps = 1e-5;
  const forward = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } => {
    if (fused) return batchNormTrain(xx, affine ? (g as tf.Tensor1D) : null, affine ? (b as tf.Tensor1D) : null, eps);
    const { mean, variance } = tf.moments(xx, [...Array(xx.rank - 1).keys()]);
    let y = tf.mul(tf.sub(xx, mean), tf.rsqrt(tf.add(variance, eps)));
    if (affine) y = tf.add(tf.mul(y, g), b);
    return { y, mean, variance };
  };
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const { y, mean, variance } = forward(x, gamma, beta);
    // Without the affine transform gamma and beta take no part, and have no gradient.
    const grads = tf.grads((xx: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) => {
      const r = forward(xx, g ?? gamma, b ?? beta);
      return lossOf(r.y, r.mean, r.variance, w, u, v);
    })(affine ? [x, gamma, beta] : [x]);
    return [y, mean, variance, ...grads];
  });
  const [y, mean, variance, dx, dGamma = [], dBeta = []] = outs.map((t) => Array.from(t.dataSync()));
  tf.dispose([...outs, x, gamma, beta, w, u, v]);
  assert.strictEqual(tf.memory().numTensors, before - 6, 'tensors leaked');
  return { y, mean, variance, dx, dGamma, dBeta };
}

async function on<T>(backend: string, fn: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return fn();
  } finally {
    await tf.setBackend(previous);
  }
}

function assertSame(actual: Result, expected: Result, what: string): void {
  for (const key of Object.keys(expected) as (keyof Result)[]) {
    const e = expected[key];
    const scale = e.reduce((s, z) => Math.max(s, Math.abs(z)), 0);
    assertClose(actual[key], e, { rtol: 0, atol: 2e-5 * Math.max(scale, 1), what: `${what} ${key}` });
  }
}

describe('batchNormTrain (fused batch norm and its gradient)', () => {
  const nativeOk = registerNativeBackend().registered;
  before(() => registerBatchNormTrain());

  for (const backend of ['cpu', 'wasm', NATIVE_BACKEND]) {
    for (const [shape, affine] of [[[4, 5, 6, 8], true], [[16, 12], true], [[3, 7, 5, 6], false]] as [number[], boolean][]) {
      it(`${backend}: x [${shape}]${affine ? '' : ' without gamma/beta'} equals the composed formula`, async function () {
        if (backend === NATIVE_BACKEND && !nativeOk) {
          console.log('    skipped: native addon not available');
          this.skip();
        }
        const expected = await on('cpu', () => evaluate(shape, affine, false, 21));
        const actual = await on(backend, () => evaluate(shape, affine, true, 21));
        assertSame(actual, expected, backend);
      });
    }
  }

  it('rejects a gamma of the wrong size', () => {
    const x = tf.zeros([4, 3]);
    const g = tf.ones([2]) as tf.Tensor1D;
    assert.throws(() => batchNormTrain(x, g, null, 1e-5), /gamma shape \[2\] does not match the 3 channels/);
    tf.dispose([x, g]);
  });
});
