import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { addScaledNoise, drawNoise, featureNoise, featureStd, noiseShape } from '../../lib/blockwise/noise';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface NoiseCase {
  variant: 'element' | 'spatial';
  detachStd: boolean;
  sigma: number;
  xShape: [number, number, number, number];
  x: number[];
  epsShape: [number, number, number, number];
  eps: number[];
  w: number[];
  y: number[];
  gradX: number[];
}

function std(values: ArrayLike<number>): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}

describe('feature noise', () => {
  const cases = loadFixture<{ noise: NoiseCase[] }>('blockwise').noise;

  for (const c of cases) {
    it(`matches PyTorch x + sigma * eps * torch.std(x) and its gradient (${c.variant}, std ${c.detachStd ? 'detached' : 'attached'})`, async () => {
      await assertNoLeak(() => {
        const x = tf.tensor4d(c.x, c.xShape);
        const eps = tf.tensor4d(c.eps, c.epsShape);
        const w = tf.tensor4d(c.w, c.xShape);
        const y = addScaledNoise(x, eps, c.sigma, c.detachStd);
        assertClose(y.dataSync(), c.y, { rtol: 1e-5, atol: 1e-6, what: 'y' });
        const g = tf.grad((xi) => tf.sum(tf.mul(addScaledNoise(xi as tf.Tensor4D, eps, c.sigma, c.detachStd), w)))(x);
        assertClose(g.dataSync(), c.gradX, { rtol: 1e-4, atol: 1e-5, what: 'dL/dx' });
        tf.dispose([x, eps, w, y, g]);
      });
    });
  }

  it('scales by featureStd, accurate to float32 rounding over a large non-negative block output (as torch.std)', () => {
    // Half a million ReLU-like values: a float accumulator's sum is off by ~1e-4 here, which moved one training
    // step's update of some batch-norm weights by ~6e-3 of their size against a float64 twin.
    const before = tf.memory().numTensors;
    const values = new Rng(5).normals(32 * 32 * 32 * 16).map((v) => Math.max(v, 0) * 2);
    const expected = std(values);
    const x = tf.tensor4d(values, [32, 32, 32, 16]);
    const got = tf.tidy(() => featureStd(x).dataSync()[0]);
    // Every backend's float32 Sum and Mean accumulate in double here: the cpu backend's JavaScript numbers, the native
    // addon's C++ doubles, and our kernels in place of tfjs-backend-wasm's (whose float accumulator was 1e-3 off).
    const tol = 3e-7;
    assert.ok(Math.abs(got - expected) / expected < tol, `featureStd ${got} vs float64 ${expected} (${tf.getBackend()} backend)`);
    // addScaledNoise with eps = 1, sigma = 1 adds exactly that std.
    const added = tf.tidy(() => tf.max(tf.sub(addScaledNoise(x, tf.onesLike(x), 1), x)).dataSync()[0]);
    assert.ok(Math.abs(added - got) / got < 1e-6, `added std ${added} vs featureStd ${got}`);
    assert.throws(() => tf.tidy(() => featureStd(tf.zeros([1, 1, 1, 1]))), /featureStd: std needs at least two values, input shape \[1,1,1,1\]/);
    x.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('the attached and detached std give different gradients (the std term is not negligible here)', () => {
    const [attached, detached] = cases.filter((c) => c.variant === 'element');
    assert.ok(attached.gradX.some((g, i) => Math.abs(g - detached.gradX[i]) > 1e-3));
  });

  it("'element' noise has std sigma * std(x) and mean 0", async () => {
    await assertNoLeak(() => {
      const rng = new Rng(1);
      const x = tf.tensor4d(rng.normals(4 * 8 * 8 * 16, 3).map((v) => v + 1.5), [4, 8, 8, 16]);
      const sigma = 0.5;
      const y = featureNoise(x, 'train', { sigma, variant: 'element' }, new Rng(2));
      const added = tf.sub(y, x);
      const d = Array.from(added.dataSync());
      const sx = std(x.dataSync());
      assertClose(std(d), sigma * sx, { rtol: 0.03, what: 'std of the added noise' });
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      assert.ok(Math.abs(mean) < 0.05 * sigma * sx, `mean of the added noise ${mean}`);
      tf.dispose([x, y, added]);
    });
  });

  it("'spatial' noise is shared by all channels of a location and has std sigma * std(x)", async () => {
    await assertNoLeak(() => {
      const rng = new Rng(3);
      const x = tf.tensor4d(rng.normals(8 * 10 * 10 * 6, 2), [8, 10, 10, 6]);
      const sigma = 0.25;
      const y = featureNoise(x, 'train', { sigma, variant: 'spatial' }, new Rng(4));
      const added = tf.sub(y, x);
      const d = added.dataSync();
      for (let p = 0; p < d.length; p += 6) {
        for (let ch = 1; ch < 6; ch++) assertClose(d[p + ch], d[p], { atol: 1e-5, what: `noise at location ${p / 6}, channel ${ch}` });
      }
      const perLocation = Array.from({ length: d.length / 6 }, (_, i) => d[6 * i]);
      assertClose(std(perLocation), sigma * std(x.dataSync()), { rtol: 0.06, what: 'std of the spatial noise' });
      tf.dispose([x, y, added]);
    });
  });

  it('adds nothing in eval mode or with sigma 0 (returns x itself, leaves the Rng untouched)', async () => {
    await assertNoLeak(() => {
      const x = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
      const rng = new Rng(5);
      assert.strictEqual(featureNoise(x, 'eval', { sigma: 0.25 }, rng), x);
      assert.strictEqual(featureNoise(x, 'train', { sigma: 0 }, rng), x);
      assert.strictEqual(rng.uniform(), new Rng(5).uniform());
      x.dispose();
    });
  });

  it('is reproducible from its seed and differs across seeds', async () => {
    await assertNoLeak(() => {
      const x = tf.tensor4d(new Rng(6).normals(2 * 3 * 3 * 4), [2, 3, 3, 4]);
      const cfg = { sigma: 0.25 };
      const a = featureNoise(x, 'train', cfg, new Rng(7));
      const b = featureNoise(x, 'train', cfg, new Rng(7));
      const c = featureNoise(x, 'train', cfg, new Rng(8));
      assert.deepStrictEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
      assert.notDeepStrictEqual(Array.from(a.dataSync()), Array.from(c.dataSync()));
      tf.dispose([x, a, b, c]);
    });
  });

  it('draws eps of shape [N, H, W, C] or [N, H, W, 1] and validates its inputs', async () => {
    assert.deepStrictEqual(noiseShape([2, 5, 6, 7], 'element'), [2, 5, 6, 7]);
    assert.deepStrictEqual(noiseShape([2, 5, 6, 7], 'spatial'), [2, 5, 6, 1]);
    assert.throws(() => noiseShape([2, 5, 6, 7], 'channel' as 'element'), /variant/);
    await assertNoLeak(() => {
      const eps = drawNoise([2, 5, 6, 7], 'spatial', new Rng(9));
      assert.deepStrictEqual(eps.shape, [2, 5, 6, 1]);
      const x = tf.zeros([2, 5, 6, 7]) as tf.Tensor4D;
      const bad = tf.zeros([2, 5, 5, 1]) as tf.Tensor4D;
      assert.throws(() => addScaledNoise(x, bad, 0.1), /\[2,5,5,1\]/);
      assert.throws(() => featureNoise(x, 'train', { sigma: -1 }, new Rng(0)), /sigma/);
      tf.dispose([eps, x, bad]);
    });
  });
});
