import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradients } from '../../lib/backend/register-gradients';
import { NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';
import { RELU_GRAD, registerFusedGradients } from '../../lib/backend/native-gradients';
import { Rng } from '../../lib/nn/rng';
import { assertClose, assertNoLeak } from '../helpers';

/** The leaner ReLU and Mean gradients, against their closed forms, on every backend. */
describe('fused ReLU and Mean gradients', () => {
  const nativeOk = registerNativeBackend().registered;
  before(async () => {
    await registerGradients();
    registerFusedGradients();
  });

  it('runs its own C++ kernel on the native backend, not the copied cpu one', function () {
    if (!nativeOk) this.skip();
    assert.notStrictEqual(tf.getKernel(RELU_GRAD, NATIVE_BACKEND)?.kernelFunc, tf.getKernel(RELU_GRAD, 'cpu')?.kernelFunc);
  });

  for (const backend of ['cpu', 'wasm', NATIVE_BACKEND]) {
    it(`${backend}: relu and mean gradients equal dy * (x > 0) and dy / n`, async function () {
      if (backend === NATIVE_BACKEND && !nativeOk) {
        console.log('    skipped: native addon not available');
        this.skip();
      }
      const previous = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const rng = new Rng(4);
        const shape = [3, 4, 5, 6];
        const xv = rng.normals(360);
        xv[0] = 0; // ReLU's gradient at 0 is 0, as tfjs' step(0) = 0.
        const wv = rng.normals(360);
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const w = tf.tensor4d(wv, shape as [number, number, number, number]);
        const u = tf.tensor2d(rng.normals(18), [3, 6]);
        await assertNoLeak(() => {
          const [dRelu, dMean] = tf.tidy(() => [
            tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)))(x),
            tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [1, 2]), u)))(x),
          ]);
          assertClose(dRelu.dataSync(), Array.from(wv, (g, i) => (xv[i] > 0 ? g : 0)), { what: `${backend} relu gradient` });
          const uv = u.dataSync();
          const expected = Array.from({ length: 360 }, (_, i) => uv[Math.floor(i / 120) * 6 + (i % 6)] / 20);
          assertClose(dMean.dataSync(), expected, { what: `${backend} mean gradient` });
          tf.dispose([dRelu, dMean]);
        }, `${backend} gradients`);
        tf.dispose([x, w, u]);
      } finally {
        await tf.setBackend(previous);
      }
    });
  }
});
