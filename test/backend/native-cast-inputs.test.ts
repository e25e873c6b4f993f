import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';

describe('backend: native kernels on relabelled casts', () => {
  it('a float32 tensor cast from int32 or bool (the cpu Cast keeps the integer array) still computes right', async function () {
    const { registered, reason } = registerNativeBackend();
    if (!registered) {
      console.log(`      skipped: native addon not available (${reason})`);
      this.skip();
    }
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND);
    try {
      const out = tf.tidy(() => {
        const i = tf.cast(tf.tensor1d([1, 2, 3], 'int32'), 'float32');
        const b = tf.cast(tf.tensor1d([true, false, true], 'bool'), 'float32');
        return [tf.mul(tf.tensor1d([0.5, 0.5, 0.5]), i), tf.add(b, i), tf.sum(i), tf.maximum(i, b)];
      });
      assert.deepStrictEqual(out.map((t) => Array.from(t.dataSync())), [[0.5, 1, 1.5], [2, 2, 4], [6], [1, 2, 3]]);
      tf.dispose(out);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
