import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradient, registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../lib/backend';
import { Rng } from '../../lib/nn/rng';
import { assertNoLeak } from '../helpers';
import { assertRelClose, onBackend } from './compare-backends';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface ConvCase {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  stride: number;
  pad: Pad;
  x: Float32Array;
  filter: Float32Array;
  dy: Float32Array;
}

/** A random convolution: batch 2-3, odd or even spatial sizes from k to k + 8, 1-6 channels in and out. */
function randomCase(rng: Rng, k: number, stride: number, pad: Pad, size?: number): ConvCase {
  const n = 2 + rng.int(2);
  const h = size ?? k + rng.int(9);
  const w = size ?? k + rng.int(9);
  const ci = 1 + rng.int(6);
  const co = 1 + rng.int(6);
  const xShape: ConvCase['xShape'] = [n, h, w, ci];
  const filterShape: ConvCase['filterShape'] = [k, k, ci, co];
  const outShape = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad).outShape;
  const size4 = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    name: `k${k} s${stride} pad ${JSON.stringify(pad)} x [${xShape}] -> [${outShape}]`,
    xShape,
    filterShape,
    stride,
    pad,
    x: rng.normals(size4(xShape)),
    filter: rng.normals(size4(filterShape)),
    dy: rng.normals(size4(outShape)),
  };
}

/** `[dL/dx, dL/dW]` of `sum(conv2d(x, W) * dy)` with tf.grads on the active backend. */
function convGradients(c: ConvCase): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape);
    const filter = tf.tensor4d(c.filter, c.filterShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))(
      [x, filter],
      tf.tensor(c.dy, tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.stride, 1, c.pad).outShape),
    );
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

describe('backend: wasm training kernels', () => {
  before(() => registerWasmTrainingKernels());

  it('registers Conv2DBackpropFilter and Conv2DBackpropInput for wasm, idempotently', () => {
    registerWasmTrainingKernels();
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const k of WASM_TRAINING_KERNELS) assert.strictEqual(names.filter((n) => n === k).length, 1, k);
    assert.deepStrictEqual([...WASM_TRAINING_KERNELS].sort(), [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.CropAndResize, tf.Mean, tf.Sum].sort());
  });

  const rng = new Rng(20261125);
  const cases: ConvCase[] = [];
  for (const k of [1, 3, 7]) {
    for (const stride of [1, 2]) {
      const pads: Pad[] = ['same', 'valid', Math.floor(k / 2), 0, [[0, 0], [1, 2], [2, 0], [0, 0]]];
      for (const pad of pads) cases.push(randomCase(rng, k, stride, pad));
    }
  }
  // Padding wider than the kernel reaches (the gradients crop instead of padding) and odd sizes under stride 2.
  cases.push(randomCase(rng, 1, 2, 1, 7), randomCase(rng, 3, 2, 4, 5), randomCase(rng, 3, 2, 1, 9));

  for (const c of cases) {
    it(`conv2d gradients on wasm equal the cpu backend's: ${c.name}`, async () => {
      const [dxWasm, dwWasm] = await onBackend('wasm', () => convGradients(c));
      const [dxCpu, dwCpu] = await onBackend('cpu', () => convGradients(c));
      assertRelClose(dxWasm, dxCpu, 'dL/dx');
      assertRelClose(dwWasm, dwCpu, 'dL/dW');
    });
  }

  it('leaves no tensor and no wasm data buffer behind', async () => {
    await onBackend('wasm', async () => {
      const backend = tf.engine().backend;
      for (const c of cases.slice(0, 10)) {
        const buffers = backend.numDataIds();
        await assertNoLeak(() => convGradients(c), c.name);
        assert.strictEqual(backend.numDataIds(), buffers, `${c.name}: wasm data buffers`);
      }
    });
  });

  it('keeps the caller\'s input tensors alive', async () => {
    await onBackend('wasm', () => {
      const c = cases[7];
      const x = tf.tensor4d(c.x, c.xShape);
      const dy = tf.tensor(c.dy, tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.stride, 1, c.pad).outShape) as tf.Tensor4D;
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape };
      tf.dispose(tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap));
      assert.deepStrictEqual(Array.from(x.dataSync()), Array.from(c.x));
      assert.deepStrictEqual(Array.from(dy.dataSync()), Array.from(c.dy));
      tf.dispose([x, dy]);
    });
  });

  it('rejects dilated convolutions and mismatched shapes with the shapes in the message', () => {
    const dilated = tf.backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 2], 1, 2, 'same');
    tf.tidy(() => {
      assert.throws(() => conv2dFilterGradient(tf.zeros([1, 8, 8, 2]), tf.zeros([1, 8, 8, 2]), dilated), /dilation \[2, 2\]/);
      const g = tf.backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 2], 1, 1, 'valid');
      assert.throws(() => conv2dFilterGradient(tf.zeros([1, 8, 8, 2]), tf.zeros([1, 8, 8, 2]), g), /dy \[1,8,8,2\].*\[1,6,6,2\]/);
    });
  });
});
