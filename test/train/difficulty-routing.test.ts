import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { exampleDifficulty, routeByDifficulty, routingWeights } from '../../lib/train/difficulty-routing';
import { barlowTwinsTerms } from '../../lib/losses';
import { Rng } from '../../lib/nn/rng';
import { assertClose } from '../helpers';

describe('train/difficulty-routing', () => {
  it('exampleDifficulty: the hardest examples score highest; the scores sum to the invariance deficit, sum_i (1 - c_ii) = D / 2N sum_b d_b', () => {
    const rng = new Rng(5);
    const n = 16;
    const d = 6;
    const z1 = tf.tensor2d(rng.normals(n * d), [n, d]);
    const noise = Float32Array.from(rng.normals(n * d), (v, i) => v * (Math.floor(i / d) % 4 === 0 ? 2 : 0.1));
    const z2 = tf.tidy(() => tf.add(z1, tf.tensor2d(noise, [n, d]))) as tf.Tensor2D;
    const difficulty = Array.from(exampleDifficulty(z1, z2).dataSync());
    // Examples 0, 4, 8, 12 had their second view moved 20x further: they are the hardest.
    const hardest = [...difficulty.keys()].sort((a, b) => difficulty[b] - difficulty[a]).slice(0, 4).sort((a, b) => a - b);
    assert.deepStrictEqual(hardest, [0, 4, 8, 12]);
    const { invariance } = barlowTwinsTerms(z1, z2, { lambda: 0 });
    const c = tf.tidy(() => {
      const s = (z: tf.Tensor2D) => {
        const { mean, variance } = tf.moments(z, 0);
        return tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      };
      return tf.div(tf.sum(tf.mul(s(z1), s(z2)), 0), n);
    });
    const deficit = Array.from(c.dataSync()).reduce((acc, cii) => acc + (1 - cii), 0);
    const total = difficulty.reduce((acc, v) => acc + v, 0);
    assertClose(deficit, (total * d) / (2 * n), { rtol: 1e-3, what: 'sum_i (1 - c_ii)' });
    tf.dispose([z1, z2, c, invariance]);
  });

  it('routeByDifficulty: equal quantiles, easiest to block 0, ties by position', () => {
    const route = routeByDifficulty([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4], 4);
    assert.deepStrictEqual(Array.from(route), [2, 0, 3, 1, 2, 0, 3, 1]);
    assert.deepStrictEqual(Array.from(routeByDifficulty([1, 1, 1, 1, 1, 1], 3)), [0, 0, 1, 1, 2, 2]);
    // 10 examples over 4 blocks: quantile sizes 3, 2, 3, 2 (floor(rank * 4 / 10)).
    const uneven = routeByDifficulty([...Array(10).keys()], 4);
    assert.deepStrictEqual(Array.from(uneven), [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]);
    assert.throws(() => routeByDifficulty([1, 2, 3, 4, 5, 6, 7], 4), /7 examples cannot give each of 4 blocks two examples/);
    assert.throws(() => routeByDifficulty([1, 2, NaN, 4], 2), /difficulty of example 2 is NaN/);
  });

  it('routingWeights: train-all-below and weighted schemes', () => {
    const route = Int32Array.from([0, 2, 1, 2, 0, 1]);
    assert.deepStrictEqual(routingWeights(route, 3, { kind: 'train-all-below' }).map((w) => Array.from(w)), [
      [1, 1, 1, 1, 1, 1],
      [0, 1, 1, 1, 0, 1],
      [0, 1, 0, 1, 0, 0],
    ]);
    const weighted = routingWeights(route, 3, { kind: 'weighted', otherWeight: 0.25 }).map((w) => Array.from(w));
    assert.deepStrictEqual(weighted, [
      [1, 0.25, 0.25, 0.25, 1, 0.25],
      [0.25, 0.25, 1, 0.25, 0.25, 1],
      [0.25, 1, 0.25, 1, 0.25, 0.25],
    ]);
    assert.throws(() => routingWeights(route, 3, { kind: 'weighted', otherWeight: 1.5 }), /otherWeight must be a number in \[0, 1\], got 1.5/);
    assert.throws(() => routingWeights(route, 3, { kind: 'nearest' } as never), /routing.kind must be 'train-all-below' or 'weighted', got 'nearest'/);
  });
});
