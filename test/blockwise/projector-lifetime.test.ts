import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { Projector } from '../../lib/blockwise/projector';

describe('Projector lifetime', () => {
  it('a copied projector owns only its variables: copy then dispose leaves no tensor behind', () => {
    const source = new Projector([6, 8, 4], new Rng(1));
    const before = tf.memory().numTensors;
    const copy = new Projector(source);
    // 2 weights + one batch norm (gamma, beta, running mean, running var)
    assert.strictEqual(tf.memory().numTensors, before + 6);
    copy.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
    source.dispose();
  });
});
