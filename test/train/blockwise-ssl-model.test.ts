import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { ResNet } from '../../lib/nn/resnet';
import { Rng } from '../../lib/nn/rng';
import { BlockwiseSslModel } from '../../lib/train/blockwise-ssl-model';
import { assertNoLeak, paperBlockwise } from '../helpers';
import { TINY_BACKBONE } from './tiny-run';

function tinyModel(): BlockwiseSslModel {
  return new BlockwiseSslModel(new ResNet(TINY_BACKBONE, 3), { ...paperBlockwise(), head: { kind: 'cbe', outChannels: 12 }, projector: [16, 16] }, 4);
}

function images(seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normals(6 * 8 * 8 * 3), [6, 8, 8, 3]);
}

describe('BlockwiseSslModel', () => {
  it('forward from block f on block f - 1 output equals the full forward (what frozen lower blocks outside the tape rely on)', async () => {
    const model = tinyModel();
    const x = images(1);
    await assertNoLeak(() => {
      const full = model.forward(x, 'eval', { blocks: 4 });
      const h = model.network.forward(x, 'eval', { blocks: 2 });
      const rest = model.forward(h[1], 'eval', { from: 2, blocks: 4 });
      assert.strictEqual(rest.embeddings.length, 2);
      for (const i of [0, 1]) {
        assert.deepStrictEqual(rest.features[i].dataSync(), full.features[2 + i].dataSync());
        assert.deepStrictEqual(rest.embeddings[i].dataSync(), full.embeddings[2 + i].dataSync());
      }
      tf.dispose([full, h, rest]);
    });
    assert.throws(() => model.forward(x, 'eval', { from: 2, blocks: 2 }), /blocks 2..1 is not a non-empty range in 0..3/);
    assert.throws(() => model.forward(x, 'eval', { from: 1, blockModes: ['eval'] }), /1 blockModes given for 3 blocks/);
    x.dispose();
    model.dispose();
  });

  it('reseedNoise makes the train-mode noise a function of the seed', () => {
    const model = tinyModel();
    const x = images(2);
    const run = (seed: number): Float32Array =>
      tf.tidy(() => {
        model.reseedNoise(seed);
        return model.forward(x, 'train', { blocks: 2 }).features[1].dataSync() as Float32Array;
      });
    const a = run(11);
    assert.deepStrictEqual(run(11), a);
    assert.notDeepStrictEqual(run(12), a);
    x.dispose();
    model.dispose();
  });

  it('blockParameters / blockBuffers split the variables by block, heads and projectors included', () => {
    const model = tinyModel();
    const byBlock = [0, 1, 2, 3].map((k) => [...model.blockParameters(k), ...model.blockBuffers(k)].map((v) => v.name));
    assert.deepStrictEqual(byBlock.flat().sort(), [...model.parameters(), ...model.buffers()].map((v) => v.name).sort());
    assert.ok(byBlock[0].includes('network.bn1.running_mean') && byBlock[0].includes('heads.0.1.running_var'));
    assert.ok(byBlock[3].includes('network.layer4.0.bn2.running_var') && byBlock[3].includes('projectors.3.1.running_mean'));
    model.dispose();
  });
});
