import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { barlowTwinsViews, barlowTwinsViewsSmall, cropResize, randomResizedCrop, withCropInterpolation } from '../../lib/data';
import { bicubicCoefficients, bicubicMatrix, cropBicubicInto } from '../../lib/data/augmentations/bicubic';
import { onBackend } from '../backend/compare-backends';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface Case {
  i: number;
  j: number;
  h: number;
  w: number;
  size: [number, number];
  /** Pillow's bicubic resize of the crop, unclipped, `[size[0], size[1], C]`. */
  out: number[];
}

interface Fixture {
  image: number[];
  shape: [number, number, number, number];
  cases: Record<string, Case>;
}

const clip = (values: number[]): number[] => values.map((v) => Math.min(1, Math.max(0, v)));

describe('data/augmentations/bicubic: against Pillow (scripts/fixtures/bicubic.py)', () => {
  const fx = loadFixture<Fixture>('bicubic');
  const [, H, W, C] = fx.shape;
  const image = Float32Array.from(fx.image);

  it('the coefficients are Pillow\'s: a separable resize with them gives its float image, unclipped', () => {
    for (const [name, c] of Object.entries(fx.cases)) {
      const [h, w] = c.size;
      const ky = bicubicMatrix(c.i, c.h, H, h);
      const kx = bicubicMatrix(c.j, c.w, W, w);
      const out = new Float64Array(h * w * C);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < C; ch++) {
            let s = 0;
            for (let yy = 0; yy < H; yy++) for (let xx = 0; xx < W; xx++) s += ky[y * H + yy] * kx[x * W + xx] * image[(yy * W + xx) * C + ch];
            out[(y * w + x) * C + ch] = s;
          }
        }
      }
      // Float32 weights against Pillow's float64 ones, on values in [0, 1].
      assertClose(out, c.out, { atol: 1e-6, rtol: 0, what: name });
    }
  });

  it('weights sum to 1, clip to the crop, and widen by the scale when shrinking', () => {
    for (const [length, out] of [[11, 4], [3, 7], [9, 6], [1, 3], [224, 224], [256, 37]]) {
      const k = bicubicCoefficients(length, out);
      assert.strictEqual(k.taps, 2 * Math.ceil(2 * Math.max(length / out, 1)) + 1);
      for (let o = 0; o < out; o++) {
        let sum = 0;
        for (let t = 0; t < k.taps; t++) sum += k.weights[o * k.taps + t];
        assert.ok(Math.abs(sum - 1) < 1e-12, `${length} -> ${out}, pixel ${o}: weights sum to ${sum}`);
        assert.ok(k.first[o] >= 0 && k.first[o] + k.count[o] <= length && k.count[o] >= 1, `${length} -> ${out}, pixel ${o}: taps outside the crop`);
        for (let t = k.count[o]; t < k.taps; t++) assert.ok(k.weights[o * k.taps + t] === 0, `${length} -> ${out}, pixel ${o}: a weight past the taps`);
      }
    }
    // The same size is the identity.
    const same = bicubicMatrix(2, 5, 9, 5);
    // (The kernel is -0 at +-1, as Pillow's.)
    for (let o = 0; o < 5; o++) for (let x = 0; x < 9; x++) assert.ok(same[o * 9 + x] === (x === o + 2 ? 1 : 0), `identity at ${o}, ${x}`);
    assert.throws(() => bicubicCoefficients(0, 4), /positive integers, got 0 and 4/);
    assert.throws(() => bicubicMatrix(7, 5, 9, 5), /crop \[7, 12\) is not inside an axis of 9 pixels/);
  });

  it('the typed-array pass equals Pillow, clamped to [0, 1], and mirrors exactly when flipping', () => {
    for (const [name, c] of Object.entries(fx.cases)) {
      const [h, w] = c.size;
      const out = new Float32Array(h * w * C);
      const tmp = new Float32Array(H * w * C);
      cropBicubicInto(image, W, C, c.i, c.j, c.h, c.w, out, h, w, false, tmp);
      assertClose(out, clip(c.out), { atol: 1e-6, rtol: 0, what: name });
      const flipped = new Float32Array(h * w * C);
      cropBicubicInto(image, W, C, c.i, c.j, c.h, c.w, flipped, h, w, true, tmp);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < C; ch++) assert.strictEqual(flipped[(y * w + w - 1 - x) * C + ch], out[(y * w + x) * C + ch], `${name} flipped`);
        }
      }
    }
    assert.ok(fx.cases.enlarge.out.some((v) => v < 0), 'the fixture exercises the clamp');
  });

  for (const backend of ['cpu', 'wasm', 'native']) {
    it(`cropResize(..., 'bicubic') equals Pillow on a batch of boxes, clamped to [0, 1] (${backend} backend)`, async function () {
      if (!tf.engine().registryFactory[backend]) this.skip();
      await onBackend(backend, async () => {
        const img = tf.tensor4d(image, fx.shape);
        await assertNoLeak(() => {
          for (const [name, c] of Object.entries(fx.cases)) {
            // Three images, one box each, so the batched matmuls see different weights per image.
            const batch = tf.concat([img, img, img]);
            const other = { i: 0, j: 0, h: H, w: W };
            const out = cropResize(batch, [other, { i: c.i, j: c.j, h: c.h, w: c.w }, other], c.size, 'bicubic');
            assert.deepStrictEqual(out.shape, [3, c.size[0], c.size[1], C]);
            const per = c.size[0] * c.size[1] * C;
            assertClose(out.dataSync().subarray(per, 2 * per), clip(c.out), { atol: 1e-5, rtol: 0, what: `${name} on ${backend}` });
            tf.dispose([batch, out]);
          }
        }, 'bicubic cropResize');
        img.dispose();
      });
    });
  }

  it('an unknown interpolation is an error naming it, on both paths and in a recipe', () => {
    const img = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    assert.throws(() => cropResize(img, [{ i: 0, j: 0, h: 4, w: 4 }], [2, 2], 'lanczos' as never), /cropResize: interpolation must be 'bilinear' or 'bicubic', got "lanczos"/);
    assert.throws(() => randomResizedCrop(img, new Rng(0), { size: 2, interpolation: 'nearest' as never }), /randomResizedCrop: interpolation must be 'bilinear' or 'bicubic', got "nearest"/);
    img.dispose();
    const r = barlowTwinsViews({ size: 8 });
    assert.throws(() => withCropInterpolation({ ...r, view2: { ...r.view2, crop: { ...r.view2.crop, interpolation: 'area' as never } } }), /views\.view2\.crop: interpolation must be 'bilinear' or 'bicubic', got "area"/);
  });

  it('recipes name their interpolation: the paper\'s bicubic, the CPU-scale one bilinear; absent reads as bilinear', () => {
    assert.strictEqual(barlowTwinsViews().view1.crop.interpolation, 'bicubic');
    assert.strictEqual(barlowTwinsViews({ interpolation: 'bilinear' }).view2.crop.interpolation, 'bilinear');
    assert.strictEqual(barlowTwinsViewsSmall().view2.crop.interpolation, 'bilinear');
    assert.strictEqual(barlowTwinsViewsSmall({ interpolation: 'bicubic' }).view1.crop.interpolation, 'bicubic');
    const old = barlowTwinsViewsSmall();
    delete old.view1.crop.interpolation;
    assert.deepStrictEqual(withCropInterpolation(old), barlowTwinsViewsSmall());
  });
});
