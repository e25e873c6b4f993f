import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../lib/backend';
import { Rng } from '../../lib/nn/rng';
import { onBackend } from './compare-backends';

/** `tf.image.cropAndResize` on `backend` over fresh tensors; values, shape, and no tensor left behind. */
async function crop(backend: string, image: Float32Array, shape: [number, number, number, number], boxes: number[][], boxInd: number[], size: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolation = 0): Promise<{ shape: number[]; values: Float32Array }> {
  return onBackend(backend, () => {
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => tf.image.cropAndResize(tf.tensor4d(image, shape), tf.tensor2d(boxes.flat(), [boxes.length, 4]), tf.tensor1d(boxInd, 'int32'), size, method, extrapolation));
    const r = { shape: out.shape, values: out.dataSync() as Float32Array };
    out.dispose();
    assert.strictEqual(tf.memory().numTensors, before, `${backend}: tensors leaked`);
    return r;
  });
}

describe('backend: wasm CropAndResize samples as the cpu backend', () => {
  before(() => registerWasmTrainingKernels());
  const rng = new Rng(41);
  const image = Float32Array.from(rng.normals(3 * 8 * 8 * 3), (v) => Math.abs(v) + 0.5);

  it('boxes that end on the last row or column keep it (the built-in kernel extrapolated it to 0): bit for bit the cpu backend', async () => {
    // A random resized crop of rows 1-7 (or 2-7) of an 8-pixel side onto 8 pixels: y1 = 1/7 (2/7), y2 = 1.
    const boxes = [[1 / 7, 0, 1, 1], [2 / 7, 0, 1, 1], [0, 1 / 7, 1, 1], [1 / 7, 1 / 7, 6 / 7, 6 / 7]];
    const cpu = await crop('cpu', image, [3, 8, 8, 3], boxes, [0, 1, 2, 0], [8, 8]);
    const wasm = await crop('wasm', image, [3, 8, 8, 3], boxes, [0, 1, 2, 0], [8, 8]);
    assert.deepStrictEqual(wasm.shape, [4, 8, 8, 3]);
    assert.deepStrictEqual(Array.from(wasm.values), Array.from(cpu.values));
    // Every value is a blend of the image's (all >= 0.5): none is the extrapolation value.
    assert.ok(wasm.values.every((v) => v >= 0.5), 'no sample fell outside the image');
  });

  it('extrapolation outside the image, a 1-pixel crop, an out-of-range box index and nearest sampling agree with cpu', async () => {
    const boxes = [[-0.2, -0.1, 1.3, 0.9], [0.3, 0.4, 0.3, 0.4], [0.1, 0.2, 0.9, 0.7], [0.9, 0.8, 0.1, 0.2]];
    for (const [size, method, ind] of [[[5, 7], 'bilinear', [2, 0, 5, 1]], [[1, 1], 'bilinear', [0, 1, 2, 0]], [[6, 4], 'nearest', [1, 2, 0, 0]]] as const) {
      const cpu = await crop('cpu', image, [3, 8, 8, 3], boxes, [...ind], [size[0], size[1]], method, -3);
      const wasm = await crop('wasm', image, [3, 8, 8, 3], boxes, [...ind], [size[0], size[1]], method, -3);
      assert.deepStrictEqual(wasm.shape, cpu.shape);
      wasm.values.forEach((v, i) => assert.ok(Math.abs(v - cpu.values[i]) <= 1e-6, `${method} ${size} [${i}]: wasm ${v}, cpu ${cpu.values[i]}`));
    }
  });
});
