import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { BasicBlock } from '../../lib/nn/basic-block';
import { Bottleneck } from '../../lib/nn/bottleneck';
import { ResNet, resNetStage } from '../../lib/nn/resnet';
import { assertNoLeak, assertTensorClose, loadFixture } from '../helpers';
import { ForwardBackwardReference, checkAgainstReference } from './reference';

describe('nn residual blocks against PyTorch', () => {
  const fixture = loadFixture('nn');

  it('a whole BasicBlock ResNet (CIFAR stem, 4 stages): eval and train forward, gradients, running statistics', async () => {
    const model = new ResNet(
      { block: 'basic', blocksPerStage: [2, 1, 1, 1], widths: [4, 6, 8, 8], stem: 'cifar', stemWidth: 4, numClasses: 5 },
      3,
    );
    assert.deepStrictEqual(model.stageChannels, [4, 6, 8, 8]);
    await assertNoLeak(() => checkAgainstReference(model, fixture.basicResNet as ForwardBackwardReference), 'basic ResNet');
    model.dispose();
  });

  it('one Bottleneck stage (2 blocks, stride 2, projection shortcut): eval and train forward, gradients, running statistics', async () => {
    const stage = resNetStage('bottleneck', 8, 4, 2, 2, 5);
    await assertNoLeak(() => checkAgainstReference(stage, fixture.bottleneckStage as ForwardBackwardReference), 'bottleneck stage');
    stage.dispose();
  });

  it('has a projection shortcut exactly when the stride or the width changes', () => {
    const cases: Array<[BasicBlock | Bottleneck, boolean]> = [
      [new BasicBlock({ inChannels: 8, planes: 8 }, 1), false],
      [new BasicBlock({ inChannels: 8, planes: 8, stride: 2 }, 1), true],
      [new BasicBlock({ inChannels: 4, planes: 8 }, 1), true],
      [new Bottleneck({ inChannels: 32, planes: 8 }, 1), false],
      [new Bottleneck({ inChannels: 8, planes: 8 }, 1), true],
    ];
    for (const [block, hasShortcut] of cases) {
      assert.strictEqual(block.downsample !== null, hasShortcut, `${block.constructor.name} ${JSON.stringify(block.config)}`);
      block.dispose();
    }
  });

  it('zero-initialises the last BN gamma of each residual branch, so a fresh block is relu(x + shortcut)', async () => {
    const block = new Bottleneck({ inChannels: 16, planes: 4 }, 7);
    const x = tf.randomNormal([2, 3, 3, 16]) as tf.Tensor4D;
    const y = block.apply(x, 'eval');
    const expected = tf.relu(x);
    assertTensorClose(y, expected.dataSync(), { what: 'identity block output' });
    assert.deepStrictEqual(Array.from(block.bn3.gamma!.dataSync()), new Array(16).fill(0));
    const plain = new BasicBlock({ inChannels: 4, planes: 4, zeroInitResidual: false }, 7);
    assert.deepStrictEqual(Array.from(plain.bn2.gamma!.dataSync()), [1, 1, 1, 1]);
    tf.dispose([x, y, expected]);
    block.dispose();
    plain.dispose();
  });
});
