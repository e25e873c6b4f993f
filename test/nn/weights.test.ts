import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { BasicBlock } from '../../lib/nn/basic-block';
import { loadWeights, weightDict } from '../../lib/nn/weights';
import { assertClose, assertNoLeak } from '../helpers';

describe('nn weights: loadWeights / weightDict', () => {
  it('round-trips every parameter and buffer by name', async () => {
    const a = new BasicBlock({ inChannels: 2, planes: 3, stride: 2 }, 1);
    const b = new BasicBlock({ inChannels: 2, planes: 3, stride: 2, zeroInitResidual: false }, 2);
    a.bn1.runningMean.assign(tf.tensor1d([0.5, -1, 2]));
    const dict = await weightDict(a);
    assert.deepStrictEqual(Object.keys(dict), [
      'conv1.weight', 'bn1.weight', 'bn1.bias', 'conv2.weight', 'bn2.weight', 'bn2.bias',
      'downsample.0.weight', 'downsample.1.weight', 'downsample.1.bias',
      'bn1.running_mean', 'bn1.running_var', 'bn2.running_mean', 'bn2.running_var',
      'downsample.1.running_mean', 'downsample.1.running_var',
    ]);
    assert.deepStrictEqual(dict['conv1.weight'].shape, [3, 3, 2, 3]);
    await assertNoLeak(() => loadWeights(b, JSON.parse(JSON.stringify(dict))), 'loadWeights');
    for (const v of [...b.parameters(), ...b.buffers()]) assertClose(v.variable.dataSync(), dict[v.name].data, { rtol: 0, atol: 0, what: v.name });
    a.dispose();
    b.dispose();
  });

  it('names the parameter whose shape or size is wrong, and the missing / unexpected names', async () => {
    const block = new BasicBlock({ inChannels: 2, planes: 2 }, 1);
    const dict = await weightDict(block);
    const before = block.conv1.weight.dataSync().slice();
    assert.throws(
      () => loadWeights(block, { ...dict, 'bn1.bias': { shape: [3], data: [0, 0, 0] } }),
      /'bn1.bias' has shape \[3\] in the dict, \[2\] in the module/,
    );
    assert.throws(() => loadWeights(block, { ...dict, 'bn1.bias': { shape: [2], data: [0] } }), /'bn1.bias' has 1 values for shape \[2\]/);
    const { ['conv2.weight']: _dropped, ...partial } = dict;
    assert.throws(() => loadWeights(block, { ...partial, 'fc.weight': dict['bn1.bias'] }), /missing \[conv2.weight\], unexpected \[fc.weight\]/);
    assertClose(block.conv1.weight.dataSync(), before, { rtol: 0, atol: 0, what: 'nothing loaded after an error' });
    const zeros = { shape: [2], data: [0, 0] };
    assert.deepStrictEqual(loadWeights(block, { 'bn1.weight': zeros, 'fc.bias': zeros }, { strict: false }).unexpected, ['fc.bias']);
    assertClose(block.bn1.gamma!.dataSync(), [0, 0]);
    block.dispose();
  });
});
