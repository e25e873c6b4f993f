import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Sequential } from '../../lib/nn/module';
import { Rng } from '../../lib/nn/rng';
import { Conv2d } from '../../lib/nn/conv2d';
import { BatchNorm } from '../../lib/nn/batch-norm';
import { ReLU } from '../../lib/nn/relu';
import { MaxPool2d } from '../../lib/nn/max-pool';
import { assertNoLeak, assertTensorClose, loadFixture } from '../helpers';
import { ForwardBackwardReference, checkAgainstReference } from './reference';

describe('nn layers: conv + batch norm + ReLU + max-pool', () => {
  it('matches PyTorch forward and backward (stride-2 padded conv, BN in train mode, 3x3/2 max-pool)', async () => {
    const ref = loadFixture('nn').stem as ForwardBackwardReference;
    const net = new Sequential([
      ['conv1', new Conv2d({ inChannels: 3, outChannels: 6, kernelSize: 5, stride: 2, padding: 2 }, new Rng(1))],
      ['bn1', new BatchNorm({ channels: 6 })],
      ['relu', new ReLU()],
      ['maxpool', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 })],
    ]);
    await assertNoLeak(() => checkAgainstReference(net, ref), 'stem forward/backward');
    net.dispose();
  });

  it('max-pool pads with -inf and uses the floor output size', async () => {
    const pool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    const x = tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16], [1, 4, 4, 1]);
    const y = pool.apply(x);
    assert.deepStrictEqual(y.shape, [1, 2, 2, 1]);
    // Windows rows/cols {-1..1} and {1..3}: zero padding would give 0 in every corner.
    assertTensorClose(y, [-1, -2, -5, -6]);
    assert.throws(() => new MaxPool2d({ kernelSize: 3, padding: 2 }), /padding 2/);
    tf.dispose([x, y]);
  });

  it('ReLU has no variables and zeroes negatives', () => {
    const relu = new ReLU();
    const x = tf.tensor4d([-1, 0, 2, -3], [1, 2, 2, 1]);
    const y = relu.apply(x);
    assertTensorClose(y, [0, 0, 2, 0]);
    assert.deepStrictEqual([relu.parameters(), relu.buffers()], [[], []]);
    tf.dispose([x, y]);
  });
});
