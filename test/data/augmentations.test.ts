import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  affineColor,
  IDENTITY_COLOR_MAP,
  augmentView,
  barlowTwinsViews,
  barlowTwinsViewsSmall,
  adaptiveAugmentationRecipes,
  centerCrop,
  colorJitter,
  cropResize,
  gaussianBlur,
  grayscale,
  horizontalFlip,
  mapSampleGroups,
  normalize,
  randomGaussianBlur,
  randomGrayscale,
  randomHorizontalFlip,
  randomResizedCrop,
  randomSolarize,
  sampleCropBox,
  solarize,
  SOLARIZE_THRESHOLD,
  twoViews,
  FASHION_MNIST_STATS,
} from '../../lib/data';
import { assertClose, assertNoLeak, assertTensorClose, loadFixture } from '../helpers';

interface Fixture {
  crop: {
    image: number[];
    shape: [number, number, number, number];
    down: { i: number; j: number; h: number; w: number; size: [number, number]; out: number[] };
    up: { i: number; j: number; h: number; w: number; size: [number, number]; out: number[] };
  };
  color: { image: number[]; shape: [number, number, number, number]; factors: Record<string, number[]>; out: Record<string, number[]> };
  gray_color: { image: number[]; shape: [number, number, number, number]; factors: number[]; brightness: number[]; contrast: number[] };
  grayscale: number[];
  blur: { image: number[]; shape: [number, number, number, number]; sigmas: number[]; out: number[] };
}

/** A batch of random images in [0, 1]. */
function randomImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).uniforms(shape.reduce((a, b) => a * b, 1)), shape);
}

describe('data/augmentations: against PyTorch / torchvision formulas', () => {
  const fx = loadFixture<Fixture>('data');

  it('crop + resize matches interpolate(align_corners=False) when shrinking and corner-aligned when enlarging', async () => {
    const img = tf.tensor4d(fx.crop.image, fx.crop.shape);
    await assertNoLeak(() => {
      for (const c of [fx.crop.down, fx.crop.up]) {
        const out = cropResize(img, [{ i: c.i, j: c.j, h: c.h, w: c.w }], c.size);
        assert.deepStrictEqual(out.shape, [1, c.size[0], c.size[1], 3]);
        assertTensorClose(out, c.out, { atol: 1e-5, what: `crop ${c.h}x${c.w} -> ${c.size}` });
        out.dispose();
      }
    }, 'cropResize');
    img.dispose();
  });

  it('brightness, contrast, saturation and hue match torchvision per image', async () => {
    const img = tf.tensor4d(fx.color.image, fx.color.shape);
    const fns = { brightness: adjustBrightness, contrast: adjustContrast, saturation: adjustSaturation, hue: adjustHue };
    await assertNoLeak(() => {
      for (const [name, fn] of Object.entries(fns)) {
        const out = fn(img, fx.color.factors[name]);
        assertTensorClose(out, fx.color.out[name], { atol: 2e-5, what: name });
        out.dispose();
      }
      const same = affineColor(img, [IDENTITY_COLOR_MAP, IDENTITY_COLOR_MAP, IDENTITY_COLOR_MAP]);
      assertTensorClose(same, fx.color.image, { atol: 0, rtol: 0, what: 'identity colour map' });
      const turned = adjustHue(img, [0, 0, 0]);
      assertTensorClose(turned, fx.color.image, { atol: 2e-6, what: 'hue turned by 0' });
      const g = grayscale(img);
      assertTensorClose(g, fx.grayscale, { atol: 1e-6, what: 'grayscale' });
      tf.dispose([same, turned, g]);
    }, 'colour adjustments');
    img.dispose();
  });

  it('gray (1-channel) images: brightness and contrast as torchvision, saturation and hue leave them unchanged', () => {
    const img = tf.tensor4d(fx.gray_color.image, fx.gray_color.shape);
    const b = adjustBrightness(img, fx.gray_color.factors);
    const c = adjustContrast(img, fx.gray_color.factors);
    const s = adjustSaturation(img, [0, 2]);
    const h = adjustHue(img, [0.3, -0.2]);
    assertTensorClose(b, fx.gray_color.brightness, { atol: 1e-6, what: 'gray brightness' });
    assertTensorClose(c, fx.gray_color.contrast, { atol: 1e-6, what: 'gray contrast' });
    assertTensorClose(s, fx.gray_color.image, { atol: 0, rtol: 0, what: 'gray saturation' });
    assertTensorClose(h, fx.gray_color.image, { atol: 0, rtol: 0, what: 'gray hue' });
    tf.dispose([img, b, c, s, h]);
  });

  it('gaussian blur with one sigma per image matches a reflect-padded separable conv2d', async () => {
    const img = tf.tensor4d(fx.blur.image, fx.blur.shape);
    await assertNoLeak(() => {
      const out = gaussianBlur(img, fx.blur.sigmas);
      assertTensorClose(out, fx.blur.out, { atol: 1e-5, what: 'blur' });
      out.dispose();
    }, 'gaussianBlur');
    img.dispose();
  });
});

describe('data/augmentations: properties', () => {
  it('flipping twice is the identity; a random flip mirrors exactly the drawn samples', () => {
    const x = randomImages([6, 5, 7, 3], 1);
    const twice = tf.tidy(() => horizontalFlip(horizontalFlip(x)));
    assertTensorClose(twice, x.dataSync(), { atol: 0, rtol: 0, what: 'flip twice' });
    const draws = new Rng(9).uniforms(6);
    const r = randomHorizontalFlip(x, new Rng(9), 0.5);
    const flipped = horizontalFlip(x);
    for (let i = 0; i < 6; i++) {
      const expected = draws[i] < 0.5 ? flipped : x;
      const got = tf.slice(r, [i], [1]);
      const want = tf.slice(expected, [i], [1]);
      assertTensorClose(got, want.dataSync(), { atol: 0, rtol: 0, what: `sample ${i}` });
      tf.dispose([got, want]);
    }
    assert.ok(draws.some((d) => d < 0.5) && draws.some((d) => d >= 0.5), 'seed 9 should flip some samples and keep others');
    tf.dispose([x, twice, r, flipped]);
  });

  it('random resized crop boxes stay inside the image and respect scale and ratio', () => {
    const rng = new Rng(3);
    for (const [H, W] of [[32, 32], [28, 28], [17, 40], [224, 160]]) {
      for (let k = 0; k < 300; k++) {
        const b = sampleCropBox(H, W, rng, [0.08, 1], [3 / 4, 4 / 3]);
        assert.ok(b.i >= 0 && b.j >= 0 && b.h >= 1 && b.w >= 1 && b.i + b.h <= H && b.j + b.w <= W, `box ${JSON.stringify(b)} in ${H}x${W}`);
        // Sides are rounded: some unrounded pair within half a pixel must have a ratio in range (or the fallback, a whole side).
        const ratioFits = (b.w + 0.5) / Math.max(b.h - 0.5, 0.5) >= 3 / 4 && (b.w - 0.5) / (b.h + 0.5) <= 4 / 3;
        assert.ok(ratioFits || b.w === W || b.h === H, `ratio of ${JSON.stringify(b)} in ${H}x${W}`);
        assert.ok(b.h * b.w >= 0.08 * H * W * 0.5, `area of ${JSON.stringify(b)} in ${H}x${W}`);
      }
    }
  });

  it('random resized crop: output values come from the input range, shape is [N, size, size, C]', () => {
    const x = randomImages([4, 20, 30, 3], 2);
    const y = randomResizedCrop(x, new Rng(5), { size: 16 });
    assert.deepStrictEqual(y.shape, [4, 16, 16, 3]);
    const v = y.dataSync();
    assert.ok(v.every((a) => a >= 0 && a <= 1));
    const c = centerCrop(x, 10, 0.5);
    assert.deepStrictEqual(c.shape, [4, 10, 10, 3]);
    tf.dispose([x, y, c]);
  });

  it('grayscale has equal channels; random grayscale with p = 0 changes nothing', () => {
    const x = randomImages([5, 4, 4, 3], 4);
    const g = randomGrayscale(x, new Rng(11), 1);
    const v = g.dataSync();
    for (let p = 0; p < v.length; p += 3) assert.ok(v[p] === v[p + 1] && v[p + 1] === v[p + 2], `pixel ${p / 3} has unequal channels`);
    const none = randomGrayscale(x, new Rng(11), 0);
    assertTensorClose(none, x.dataSync(), { atol: 0, rtol: 0, what: 'p = 0' });
    tf.dispose([x, g, none]);
  });

  it('solarization inverts exactly the values at or above the threshold', () => {
    const vals = [0, 0.25, SOLARIZE_THRESHOLD - 1e-6, SOLARIZE_THRESHOLD, 0.75, 1];
    const x = tf.tensor4d(vals, [1, 1, 6, 1]);
    const y = solarize(x);
    assertClose(y.dataSync(), vals.map((v) => (v >= SOLARIZE_THRESHOLD ? 1 - v : v)), { atol: 1e-7, what: 'solarize' });
    const all = randomSolarize(x, new Rng(0), 1);
    assertTensorClose(all, y.dataSync(), { atol: 0, rtol: 0, what: 'p = 1' });
    tf.dispose([x, y, all]);
  });

  it('colour jitter with p = 0 is the identity and keeps values in [0, 1] otherwise', () => {
    const x = randomImages([8, 6, 6, 3], 6);
    const same = colorJitter(x, new Rng(1), { p: 0 });
    assertTensorClose(same, x.dataSync(), { atol: 0, rtol: 0, what: 'p = 0' });
    const j = colorJitter(x, new Rng(1), { p: 1 });
    assert.ok(j.dataSync().every((a) => a >= 0 && a <= 1));
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(j, x))).dataSync()[0]) > 0.01, 'jitter changed nothing');
    tf.dispose([x, same, j]);
  });

  it('mapSampleGroups puts every sample back in place', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4], [5, 1, 1, 1]);
    const y = mapSampleGroups(x, [
      { indices: [3, 0], fn: (s) => tf.add(s, 10) },
      { indices: [4], fn: (s) => tf.mul(s, -1) },
    ]);
    assertTensorClose(y, [10, 1, 2, 13, -4], { atol: 0, rtol: 0, what: 'groups' });
    tf.dispose([x, y]);
  });

  it('normalize divides the centred channels by their std', () => {
    const x = tf.tensor4d([0.286, 0.639, 0], [1, 1, 3, 1]);
    const y = normalize(x, FASHION_MNIST_STATS);
    assertTensorClose(y, [0, 1, -0.286 / 0.353], { atol: 1e-6, what: 'normalize' });
    assert.throws(() => normalize(x, { mean: [0, 0, 0], std: [1, 1, 1] }), /3 means/);
    tf.dispose([x, y]);
  });
});

describe('data/views: the Barlow Twins two-view recipe', () => {
  it('the preset is the published table', () => {
    const r = barlowTwinsViews();
    assert.deepStrictEqual([r.view1.blur.p, r.view2.blur.p, r.view1.solarize.p, r.view2.solarize.p], [1, 0.1, 0, 0.2]);
    assert.deepStrictEqual(r.view1.colorJitter, { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 });
    assert.deepStrictEqual([r.view1.crop.size, r.view1.crop.scale, r.view1.flip, r.view2.grayscale], [224, [0.08, 1], 0.5, 0.2]);
    const small = barlowTwinsViewsSmall();
    assert.deepStrictEqual([small.view1.crop.size, small.view1.blur.p, small.view2.blur.p, small.view2.solarize.p], [32, 0, 0, 0.2]);
    const blocks = adaptiveAugmentationRecipes(r);
    assert.strictEqual(blocks.length, 4);
    assert.deepStrictEqual([blocks[0].view1.crop.scale, blocks[0].view1.flip, blocks[0].view2.solarize.p], [[1, 1], 0, 0]);
    assert.deepStrictEqual(blocks[1].view1.crop.scale, [0.5, 1]);
    assert.strictEqual(blocks[3], r);
  });

  it('the same seed gives the same views, another seed other views, without leaking tensors', async () => {
    const x = randomImages([4, 24, 24, 3], 8);
    const recipe = barlowTwinsViews({ size: 16 });
    const before = tf.memory().numTensors;
    const [a1, a2] = twoViews(x, recipe, new Rng(42));
    assert.strictEqual(tf.memory().numTensors, before + 2, 'twoViews leaves only its two views');
    const [b1, b2] = twoViews(x, recipe, new Rng(42));
    const [c1] = twoViews(x, recipe, new Rng(43));
    assert.deepStrictEqual(a1.shape, [4, 16, 16, 3]);
    assertTensorClose(b1, a1.dataSync(), { atol: 0, rtol: 0, what: 'view 1, same seed' });
    assertTensorClose(b2, a2.dataSync(), { atol: 0, rtol: 0, what: 'view 2, same seed' });
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(a1, c1))).dataSync()[0]) > 0.1, 'another seed gave the same view');
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(a1, a2))).dataSync()[0]) > 0.1, 'the two views are equal');
    tf.dispose([x, a1, a2, b1, b2, c1]);
  });

  it('1-channel images (Fashion-MNIST) go through the whole recipe', () => {
    const x = randomImages([3, 28, 28, 1], 9);
    const v = augmentView(x, barlowTwinsViewsSmall({ size: 28, stats: FASHION_MNIST_STATS }).view2, new Rng(1));
    assert.deepStrictEqual(v.shape, [3, 28, 28, 1]);
    assert.ok(v.dataSync().every(Number.isFinite));
    tf.dispose([x, v]);
  });

  it('runs on both the wasm and the cpu backend with the same result', async function () {
    const start = tf.getBackend();
    const results: Float32Array[] = [];
    try {
      for (const backend of ['cpu', 'wasm']) {
        if (!(await tf.setBackend(backend))) this.skip();
        const x = randomImages([3, 20, 20, 3], 10);
        const recipe = barlowTwinsViews({ size: 12 });
        const views = [
          ...twoViews(x, recipe, new Rng(5)),
          randomGaussianBlur(x, new Rng(2), { p: 1 }),
        ];
        results.push(Float32Array.from(views.flatMap((v) => Array.from(v.dataSync()))));
        tf.dispose([x, ...views]);
      }
    } finally {
      await tf.setBackend(start);
    }
    assertClose(results[1], results[0], { atol: 2e-5, what: 'wasm vs cpu' });
  });
});
