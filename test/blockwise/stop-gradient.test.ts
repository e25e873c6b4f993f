// This file is about backends: it runs the same checks on 'cpu' and 'wasm' and restores the backend after.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { stopGradient } from '../../lib/blockwise/stop-gradient';
import { assertClose, assertNoLeak } from '../helpers';

for (const backend of ['cpu', 'wasm']) {
  describe(`stopGradient on '${backend}'`, () => {
    let previous: string;
    before(async () => {
      previous = tf.getBackend();
      assert.ok(await tf.setBackend(backend), `backend '${backend}' failed to initialise`);
    });
    after(async () => {
      await tf.setBackend(previous);
    });

    it('keeps the values, shape and dtype', async () => {
      await assertNoLeak(() => {
        const x = tf.tensor3d([1, -2, 3, 4.5, 5, 6], [1, 2, 3]);
        const y = stopGradient(x);
        assert.notStrictEqual(y, x);
        assert.deepStrictEqual(y.shape, [1, 2, 3]);
        assert.strictEqual(y.dtype, 'float32');
        assertClose(y.dataSync(), [1, -2, 3, 4.5, 5, 6]);
        x.dispose();
        y.dispose();
      });
    });

    it('leaves the other tensor readable whichever is disposed first, and frees the data after both', async () => {
      const buffers = tf.memory().numDataBuffers;
      for (const first of ['input', 'detached']) {
        await assertNoLeak(() => {
          const x = tf.tensor1d([7, 8, 9]);
          const y = stopGradient(x);
          const [gone, kept] = first === 'input' ? [x, y] : [y, x];
          gone.dispose();
          assertClose(kept.dataSync(), [7, 8, 9]);
          const total = tf.sum(kept);
          assertClose(total.dataSync(), [24]);
          total.dispose();
          kept.dispose();
        }, `disposing the ${first} tensor first`);
        assert.strictEqual(tf.memory().numDataBuffers, buffers);
      }
    });

    it('survives tf.tidy in both directions (returning the detached tensor or the input)', async () => {
      await assertNoLeak(() => {
        const y = tf.tidy(() => stopGradient(tf.tensor1d([1, 2])));
        assertClose(y.dataSync(), [1, 2]);
        y.dispose();
        const x = tf.tidy(() => {
          const a = tf.tensor1d([3, 4]);
          stopGradient(a);
          return a;
        });
        assertClose(x.dataSync(), [3, 4]);
        x.dispose();
      });
    });

    it('cuts the tape: lower variables get no gradient and their backward pass never runs', async () => {
      const a = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 1, -0.5], [2, 3]));
      const b = tf.variable(tf.tensor2d([1, -2, 0.5, 3, -1, 1], [3, 2]));
      const x = tf.tensor2d([1, 2, -1, 0.5], [2, 2]);
      let lowerBackwardCalls = 0;
      const spy = tf.customGrad((...inputs) => ({
        value: tf.clone(inputs[0] as tf.Tensor),
        gradFunc: (dy: tf.Tensor) => {
          lowerBackwardCalls++;
          return dy;
        },
      }));
      const lower = () => spy(tf.relu(tf.matMul(x, a))) as tf.Tensor2D;
      const upper = (h: tf.Tensor2D) => tf.sum(tf.square(tf.matMul(h, b))) as tf.Scalar;

      await assertNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => upper(stopGradient(lower())), [a, b]);
        assert.strictEqual(lowerBackwardCalls, 0);
        assert.deepStrictEqual(Object.keys(grads), [b.name]);
        // d/dB sum((hB)^2) = 2 h^T (h B), with h = relu(x A) held constant
        const expected = tf.tidy(() => {
          const h = tf.relu(tf.matMul(x, a));
          return tf.mul(2, tf.matMul(h, tf.matMul(h, b), true, false));
        });
        assertClose(grads[b.name].dataSync(), expected.dataSync(), { what: 'dL/dB' });
        const plain = tf.tidy(() => upper(lower()));
        assertClose(value.dataSync(), plain.dataSync(), { what: 'loss' });
        tf.dispose([value, expected, plain, grads[b.name]]);
      });

      // Control: without stopGradient the same loss reaches A through the spy.
      await assertNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => upper(lower()), [a, b]);
        assert.strictEqual(lowerBackwardCalls, 1);
        assert.deepStrictEqual(Object.keys(grads).sort(), [a.name, b.name].sort());
        assert.ok(tf.tidy(() => tf.sum(tf.abs(grads[a.name])).dataSync()[0]) > 0);
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose([a, b, x]);
    });

    it('rejects a disposed tensor', () => {
      const x = tf.scalar(1);
      x.dispose();
      assert.throws(() => stopGradient(x), /disposed/);
    });
  });
}
