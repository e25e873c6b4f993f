import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { augmentView, barlowTwinsViews, barlowTwinsViewsSmall, CropInterpolation, twoViews, ViewRecipe, FASHION_MNIST_STATS } from '../../lib/data';
import { applyView, fusedTwoViews, pixelsToUnit, sampleView } from '../../lib/data/augmentations/fused-view';
import { pixelsToTensor } from '../../lib/data/loader';
import { onBackend } from '../backend/compare-backends';
import { assertClose } from '../helpers';

/** Seeded uint8 pixels `[N, H, W, C]`. */
function randomPixels(shape: [number, number, number, number], seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(256));
}

/** The tensor path's view of `pixels` on the active backend, as a Float32Array. */
function tensorView(pixels: Uint8Array, shape: [number, number, number, number], recipe: ViewRecipe, seed: number): Float32Array {
  const x = pixelsToTensor(pixels, shape);
  const v = augmentView(x, recipe, new Rng(seed));
  const out = v.dataSync() as Float32Array;
  tf.dispose([x, v]);
  return out;
}

/** Every step forced on: crop (resized with `interpolation`), flip, jitter (with hue), grayscale, blur, solarize, normalize. */
function everything(size: number, stats = barlowTwinsViews().view1.normalize, interpolation: CropInterpolation = 'bilinear'): ViewRecipe {
  const v = barlowTwinsViews({ size, interpolation }).view2;
  return { ...v, flip: 0.5, colorJitter: { ...v.colorJitter, p: 1 }, grayscale: 0.3, blur: { p: 0.7, sigma: [0.1, 2] }, solarize: { ...v.solarize, p: 0.5 }, normalize: stats };
}

describe('fused view (typed-array augmentation)', () => {
  const shape: [number, number, number, number] = [16, 20, 20, 3];
  const pixels = randomPixels(shape, 3);

  for (const backend of ['cpu', 'wasm', 'native']) {
    it(`equals the tensor-op view on the same draws, every step on (${backend} backend)`, async function () {
      if (!tf.engine().registryFactory[backend]) this.skip();
      for (const [seed, recipe] of [
        [1, everything(12)],
        [2, everything(24)],
        [3, barlowTwinsViews({ size: 16, interpolation: 'bilinear' }).view1],
        [4, barlowTwinsViewsSmall({ size: 16 }).view2],
        // Bicubic: shrinking (antialiased) and enlarging crops, the paper's recipe as it is.
        [5, everything(12, undefined, 'bicubic')],
        [6, everything(24, undefined, 'bicubic')],
        [7, barlowTwinsViews({ size: 16 }).view1],
      ] as [number, ViewRecipe][]) {
        const expected = await onBackend(backend, () => tensorView(pixels, shape, recipe, seed));
        const draws = sampleView(shape[0], shape[1], shape[2], shape[3], recipe, new Rng(seed));
        const actual = applyView(pixelsToUnit(pixels), shape, recipe, draws);
        assert.strictEqual(actual.length, expected.length);
        // Normalized values reach about +-2.6; float32 rounding inside the colour maps and blur sums differs.
        assertClose(actual, expected, { atol: 2e-5, rtol: 0, what: `seed ${seed}, ${recipe.crop.size}x${recipe.crop.size} ${recipe.crop.interpolation}` });
      }
    });
  }

  it('is bit-identical to the cpu backend for bilinear crop, flip, grayscale, solarize and normalize', async () => {
    const v = barlowTwinsViews({ size: 14, interpolation: 'bilinear' }).view2;
    const recipe: ViewRecipe = { ...v, colorJitter: { ...v.colorJitter, p: 0 }, grayscale: 0.5, blur: { ...v.blur, p: 0 }, solarize: { ...v.solarize, p: 0.5 } };
    const expected = await onBackend('cpu', () => tensorView(pixels, shape, recipe, 9));
    const actual = applyView(pixelsToUnit(pixels), shape, recipe, sampleView(16, 20, 20, 3, recipe, new Rng(9)));
    let differing = 0;
    for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) differing++;
    // Grayscale is a float32 matrix product on the tensor path: allow its last-bit differences, nothing else.
    assert.ok(differing < actual.length * 0.02, `${differing} of ${actual.length} values differ`);
    assertClose(actual, expected, { atol: 1e-6, rtol: 0, what: 'exact steps' });
  });

  it('bicubic crop + flip alone: both paths agree within 1e-6 on [0, 1] pixels, shrinking and enlarging', async () => {
    for (const size of [8, 28]) {
      const v = barlowTwinsViews({ size, interpolation: 'bicubic' }).view1;
      const recipe: ViewRecipe = { ...v, colorJitter: { ...v.colorJitter, p: 0 }, grayscale: 0, blur: { ...v.blur, p: 0 }, normalize: null };
      const expected = await onBackend('cpu', () => tensorView(pixels, shape, recipe, 12));
      const actual = applyView(pixelsToUnit(pixels), shape, recipe, sampleView(16, 20, 20, 3, recipe, new Rng(12)));
      assertClose(actual, expected, { atol: 1e-6, rtol: 0, what: `bicubic crop to ${size}` });
      assert.ok(actual.every((x) => x >= 0 && x <= 1), 'clamped to [0, 1]');
    }
  });

  it('gray images (C = 1): jitter without saturation and hue, as the tensor path', async () => {
    const s: [number, number, number, number] = [8, 16, 16, 1];
    const px = randomPixels(s, 4);
    for (const interpolation of ['bilinear', 'bicubic'] as const) {
      const recipe = everything(12, FASHION_MNIST_STATS, interpolation);
      const expected = await onBackend('cpu', () => tensorView(px, s, recipe, 5));
      const actual = applyView(pixelsToUnit(px), s, recipe, sampleView(8, 16, 16, 1, recipe, new Rng(5)));
      assertClose(actual, expected, { atol: 2e-5, rtol: 0, what: `gray, ${interpolation}` });
    }
  });

  it('fusedTwoViews draws the views as twoViews does (view 1, then view 2 from the same generator)', async () => {
    const recipe = barlowTwinsViews({ size: 12 });
    const [e1, e2] = await onBackend('cpu', () => {
      const x = pixelsToTensor(pixels, shape);
      const views = twoViews(x, recipe, new Rng(11));
      const out = views.map((t) => t.dataSync() as Float32Array);
      tf.dispose([x, ...views]);
      return out;
    });
    const [a1, a2] = fusedTwoViews(pixels, shape, recipe, new Rng(11));
    assertClose(a1, e1, { atol: 2e-5, rtol: 0, what: 'view 1' });
    assertClose(a2, e2, { atol: 2e-5, rtol: 0, what: 'view 2' });
  });

  it('is deterministic: the same seed gives the same bits, another seed other views', () => {
    const recipe = barlowTwinsViews({ size: 12 });
    const a = fusedTwoViews(pixels, shape, recipe, new Rng(7));
    const b = fusedTwoViews(pixels, shape, recipe, new Rng(7));
    const c = fusedTwoViews(pixels, shape, recipe, new Rng(8));
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a[0], c[0]);
  });

  it('rejects bad shapes and recipes with the problem named', () => {
    const recipe = barlowTwinsViews({ size: 12 });
    assert.throws(() => fusedTwoViews(pixels, [16, 20, 20, 4], recipe, new Rng(0)), /1 or 3 channels, got shape \[16,20,20,4\]/);
    assert.throws(() => fusedTwoViews(pixels, [15, 20, 20, 3], recipe, new Rng(0)), /19200 values for shape \[15,20,20,3\]/);
    const bad = { ...recipe, view1: { ...recipe.view1, crop: { ...recipe.view1.crop, scale: [0.5, 2] as [number, number] } } };
    assert.throws(() => fusedTwoViews(pixels, shape, bad, new Rng(0)), /bad scale \[0.5,2\]/);
    const stats = { ...recipe, view2: { ...recipe.view2, normalize: FASHION_MNIST_STATS } };
    assert.throws(() => fusedTwoViews(pixels, shape, stats, new Rng(0)), /1 means and 1 stds for images of shape \[16,20,20,3\]/);
  });
});
