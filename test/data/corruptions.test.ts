import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { CORRUPTIONS, corrupt } from '../../lib';
import { Rng } from '../../lib/nn/rng';

const IMPLEMENTED = ['gaussian_noise', 'shot_noise', 'impulse_noise', 'brightness', 'contrast'];

function images(h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(3).uniforms(2 * h * w * 3, 0.1, 0.9), [2, h, w, 3]);
}

describe('corruptions', () => {
  it('lists the 15 benchmark corruptions', () => {
    assert.strictEqual(CORRUPTIONS.length, 15);
    assert.strictEqual(new Set(CORRUPTIONS).size, 15);
  });

  it('rejects unknown names, out-of-range severities and non-4D input with clear errors', () => {
    const x = images(32, 32);
    assert.throws(() => corrupt(x, 'blur', 1, 0), /unknown corruption 'blur'/);
    assert.throws(() => corrupt(x, 'contrast', 6, 0), /contrast.*severity must be an integer 1-5, got 6/);
    assert.throws(() => corrupt(x, 'contrast', 0, 0), /severity/);
    const y = tf.zeros([32, 32, 3]) as unknown as tf.Tensor4D;
    assert.throws(() => corrupt(y, 'contrast', 1, 0), /\[N, H, W, C\].*32,32,3/);
    tf.dispose([x, y]);
  });

  for (const name of IMPLEMENTED) {
    for (const size of [32, 64]) {
      it(`${name} (${size}x${size}): seeded, shape kept, in [0, 1], distance grows with severity, no leaks`, () => {
        const x = images(size, size);
        const before = tf.memory().numTensors;
        let previous = 0;
        for (let s = 1; s <= 5; s++) {
          const a = corrupt(x, name, s, 7);
          const b = corrupt(x, name, s, 7);
          assert.deepStrictEqual(a.shape, x.shape);
          assert.deepStrictEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
          const v = a.dataSync();
          assert.ok(v.every((e) => e >= 0 && e <= 1), `${name} s${s} out of [0, 1]`);
          const d = tf.tidy(() => tf.mean(tf.square(tf.sub(a, x))).dataSync()[0]);
          assert.ok(d > previous, `${name}: distance at severity ${s} (${d}) not above ${previous}`);
          previous = d;
          tf.dispose([a, b]);
        }
        assert.strictEqual(tf.memory().numTensors, before);
        x.dispose();
      });
    }
  }
});
