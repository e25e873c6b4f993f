import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { crossCorrelation, crossCorrelationTerms, summarize } from '../../lib/eval';
import { assertClose, assertNoLeak } from '../helpers';
import { fixtures } from '../losses/fixture-cases';

describe('eval/cross-correlation', () => {
  fixtures.crossCorrelation.forEach((c) => {
    it(`matrix and its on/off-diagonal terms match PyTorch for [${c.shape}]`, async () => {
      const z1 = tf.tensor2d(c.z1, c.shape);
      const z2 = tf.tensor2d(c.z2, c.shape);
      await assertNoLeak(() => {
        const m = crossCorrelation(z1, z2);
        assert.deepStrictEqual(m.shape, [c.shape[1], c.shape[1]]);
        assertClose(m.dataSync(), c.c, { rtol: 1e-4, atol: 1e-6, what: 'c' });
        m.dispose();
        const { onDiagonal, offDiagonal } = crossCorrelationTerms(z1, z2);
        assertClose(onDiagonal, c.onDiagonal, { rtol: 1e-4, atol: 1e-6, what: 'onDiagonal' });
        assertClose(offDiagonal, c.offDiagonal, { rtol: 1e-4, atol: 1e-6, what: 'offDiagonal' });
      }, 'crossCorrelationTerms');
      tf.dispose([z1, z2]);
    });
  });

  it('identical views have on-diagonal terms ~1', () => {
    const z = tf.tensor2d([1, 0, 3, 2, 1, -1, 0, 4, 2, 5, 1, 1], [4, 3]);
    const { onDiagonal, offDiagonal } = crossCorrelationTerms(z, z);
    assertClose(onDiagonal, [1, 1, 1], { atol: 1e-5, what: 'onDiagonal' });
    assert.strictEqual(offDiagonal.length, 6);
    z.dispose();
  });

  it('rejects bad shapes naming them', () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([3, 3]) as tf.Tensor2D;
    assert.throws(() => crossCorrelationTerms(a, b), /crossCorrelation: .*z1 shape \[4,3\], z2 shape \[3,3\]/);
    tf.dispose([a, b]);
  });
});

describe('eval/summarize', () => {
  fixtures.summarize.forEach((s, i) => {
    it(`matches torch mean, std and quantile (linear) for case ${i}`, () => {
      const r = summarize(s.values);
      assert.strictEqual(r.count, s.count);
      for (const key of ['mean', 'std', 'min', 'q1', 'median', 'q3', 'max'] as const) {
        assertClose(r[key], s[key], { rtol: 1e-12, atol: 1e-12, what: key });
      }
    });
  });

  it('summarizes a Float32Array, gives NaN std for one value and rejects empty or NaN input', () => {
    assert.deepStrictEqual(summarize(new Float32Array([2, 4])), {
      count: 2, mean: 3, std: Math.SQRT2, min: 2, q1: 2.5, median: 3, q3: 3.5, max: 4,
    });
    assert.ok(Number.isNaN(summarize([7]).std));
    assert.strictEqual(summarize([7]).median, 7);
    assert.throws(() => summarize([]), /no values/);
    assert.throws(() => summarize([1, NaN, 2]), /contain NaN/);
  });
});
