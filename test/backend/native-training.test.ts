import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../lib/backend/wasm-training-kernels';
import { NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';
import { ResNet } from '../../lib/nn/resnet';
import { Rng } from '../../lib/nn/rng';
import { assertClose } from '../helpers';

/**
 * The first training steps of a small ResNet (stem, two basic blocks, one with a strided projection shortcut,
 * batch norm in training mode, global average pool, linear classifier, SGD on softmax cross-entropy) give the
 * same losses on the native, wasm and cpu backends, and leave no tensors behind.
 */
async function losses(backend: string, steps: number): Promise<number[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const rng = new Rng(5);
    const model = new ResNet({ block: 'basic', blocksPerStage: [1, 1], widths: [4, 8], stem: 'cifar', stemWidth: 4, numClasses: 3, zeroInitResidual: false }, 3);
    const vars = model.parameters().map((p) => p.variable);
    const x = tf.tensor4d(rng.normals(6 * 8 * 8 * 3), [6, 8, 8, 3]);
    const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3), 'float32') as tf.Tensor2D);
    const before = tf.memory().numTensors;
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, 'train')) as tf.Scalar, vars);
      tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)))));
      out.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.strictEqual(tf.memory().numTensors, before, `${backend}: training steps leaked tensors`);
    tf.dispose([x, oneHot]);
    model.dispose();
    return out;
  } finally {
    await tf.setBackend(previous);
  }
}

describe('training steps on the native backend', function () {
  before(function () {
    const r = registerNativeBackend();
    if (!r.registered) {
      console.log(`    skipped: native addon not available (${r.reason})`);
      this.skip();
    }
    registerWasmTrainingKernels();
  });

  it('gives the same losses for 4 SGD steps as the wasm and cpu backends', async () => {
    const cpu = await losses('cpu', 4);
    const wasm = await losses('wasm', 4);
    const native = await losses(NATIVE_BACKEND, 4);
    assert.ok(cpu[3] < cpu[0], `the loss should fall: ${cpu}`);
    assertClose(native, cpu, { rtol: 1e-4, what: 'native vs cpu loss' });
    assertClose(wasm, cpu, { rtol: 1e-4, what: 'wasm vs cpu loss' });
  });
});
