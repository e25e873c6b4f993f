import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../../lib/nn/batch-norm';

describe('BatchNorm lifetime', () => {
  it('owns exactly its four variables: construction then dispose leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const bn = new BatchNorm({ channels: 5 });
    assert.strictEqual(tf.memory().numTensors, before + 4);
    bn.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
