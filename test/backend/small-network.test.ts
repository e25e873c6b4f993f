import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../lib/backend';
import { BatchNorm } from '../../lib/nn/batch-norm';
import { Conv2d } from '../../lib/nn/conv2d';
import { Linear } from '../../lib/nn/linear';
import { Module } from '../../lib/nn/module';
import { Rng } from '../../lib/nn/rng';
import { assertNoLeak } from '../helpers';
import { assertRelClose, onBackend } from './compare-backends';

/**
 * A miniature ResNet with every kernel kind of a training step: 7x7/2 stem, batch norm (train mode), ReLU,
 * 3x3/2 max pool with padding 1, a residual unit with a 3x3/2 convolution and a 1x1/2 projection shortcut,
 * global average pooling, a linear classifier, softmax cross-entropy.
 */
class TinyResNet {
  readonly stem: Conv2d;
  readonly stemBn: BatchNorm;
  readonly conv: Conv2d;
  readonly convBn: BatchNorm;
  readonly shortcut: Conv2d;
  readonly fc: Linear;

  constructor(rng: Rng) {
    this.stem = new Conv2d({ inChannels: 3, outChannels: 6, kernelSize: 7, stride: 2 }, rng);
    this.stemBn = new BatchNorm({ channels: 6 });
    this.conv = new Conv2d({ inChannels: 6, outChannels: 8, kernelSize: 3, stride: 2 }, rng);
    this.convBn = new BatchNorm({ channels: 8, gammaInit: 0.5 });
    this.shortcut = new Conv2d({ inChannels: 6, outChannels: 8, kernelSize: 1, stride: 2, padding: 0, bias: true }, rng);
    this.fc = new Linear({ inFeatures: 8, outFeatures: 5 }, rng);
  }

  modules(): Module[] {
    return [this.stem, this.stemBn, this.conv, this.convBn, this.shortcut, this.fc];
  }

  /** Mean cross-entropy of `[N, H, W, 3]` images against one-hot labels `[N, 5]`. */
  loss(x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const h = tf.maxPool(tf.relu(this.stemBn.apply(this.stem.apply(x), 'train')), 3, 2, 1);
      const r = tf.relu(tf.add(this.convBn.apply(this.conv.apply(h), 'train'), this.shortcut.apply(h)));
      return tf.losses.softmaxCrossEntropy(labels, this.fc.apply(tf.mean(r, [1, 2]) as tf.Tensor2D)) as tf.Scalar;
    });
  }
}

/** Loss and the gradient of every parameter, on the active backend, from the same seed. */
async function lossAndGradients(): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const rng = new Rng(7);
  const net = new TinyResNet(rng);
  const x = tf.tensor4d(rng.normals(2 * 19 * 17 * 3), [2, 19, 17, 3]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5), 'float32') as tf.Tensor2D);
  const named = net.modules().flatMap((m, i) => m.parameters().map((p) => ({ name: `${i}.${p.name}`, variable: p.variable })));
  const result = await assertNoLeak(() => {
    const { value, grads } = tf.variableGrads(() => net.loss(x, labels), named.map((p) => p.variable));
    const out = {
      loss: value.dataSync()[0],
      grads: new Map(named.map((p) => [p.name, grads[p.variable.name].dataSync() as Float32Array])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  }, 'a training step');
  net.modules().forEach((m) => m.dispose());
  tf.dispose([x, labels]);
  return result;
}

describe('backend: a small conv + BN + ReLU + pool + linear network', () => {
  before(() => registerWasmTrainingKernels());

  it('has the same loss and parameter gradients on wasm as on the cpu backend', async () => {
    const wasm = await onBackend('wasm', lossAndGradients);
    const cpu = await onBackend('cpu', lossAndGradients);
    assertRelClose([wasm.loss], [cpu.loss], 'loss');
    assert.strictEqual(cpu.grads.size, 10);
    for (const [name, g] of cpu.grads) {
      assert.ok(g.some((v) => v !== 0), `dL/d ${name} is all zeros: the comparison would prove nothing`);
      assertRelClose(wasm.grads.get(name)!, g, `dL/d ${name}`);
    }
  });
});
