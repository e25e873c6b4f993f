import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../nn/rng';
import { colorJitter, ColorJitterOptions } from './augmentations/color-jitter';
import { randomGaussianBlur } from './augmentations/gaussian-blur';
import { randomGrayscale } from './augmentations/grayscale';
import { randomHorizontalFlip } from './augmentations/horizontal-flip';
import { checkInterpolation, CropInterpolation, DEFAULT_CROP_INTERPOLATION } from './augmentations/crop-resize';
import { randomResizedCrop } from './augmentations/random-resized-crop';
import { randomSolarize, SOLARIZE_THRESHOLD } from './augmentations/solarize';
import { ChannelStats, CIFAR10_STATS, IMAGENET_STATS, normalize } from './normalization';

/**
 * How one view of an image is made, step by step in this order: random resized crop, horizontal flip,
 * colour jitter, grayscale, gaussian blur, solarization, normalization (Barlow Twins' `Transform`). A plain
 * object, so a preset can be printed, diffed and overridden. Probabilities of 0 switch a step off.
 */
export interface ViewRecipe {
  /**
   * Output side, the crop's area fraction and aspect-ratio ranges, and how the crop is resized (absent: bilinear,
   * `DEFAULT_CROP_INTERPOLATION`, which recipes written before the choice existed mean).
   */
  crop: { size: number; scale: [number, number]; ratio: [number, number]; interpolation?: CropInterpolation };
  /** Probability of a horizontal flip. */
  flip: number;
  /** Colour jitter strengths and the probability of jittering. */
  colorJitter: Required<ColorJitterOptions>;
  /** Probability of turning the view gray. */
  grayscale: number;
  /** Probability of a gaussian blur and the range of its sigma, in pixels of the output. */
  blur: { p: number; sigma: [number, number] };
  /** Probability of solarizing and the threshold on the [0, 1] scale. */
  solarize: { p: number; threshold: number };
  /** Dataset statistics to normalize with, or `null` to keep [0, 1] pixels. */
  normalize: ChannelStats | null;
}

/** The two views of Barlow Twins' asymmetric recipe: `view1` always blurred, `view2` rarely, and sometimes solarized. */
export interface TwoViewRecipe {
  view1: ViewRecipe;
  view2: ViewRecipe;
}

/**
 * Barlow Twins' augmentation recipe (Zbontar et al., 2021), the one the paper trains with:
 *
 * | step | view 1 | view 2 |
 * |---|---|---|
 * | random resized crop, scale 0.08-1, ratio 3/4-4/3, to `size`, bicubic | yes | yes |
 * | horizontal flip | p 0.5 | p 0.5 |
 * | colour jitter (0.4, 0.4, 0.2, 0.1) | p 0.8 | p 0.8 |
 * | grayscale | p 0.2 | p 0.2 |
 * | gaussian blur, sigma 0.1-2.0 | p 1.0 | p 0.1 |
 * | solarize (128 of 255) | p 0.0 | p 0.2 |
 * | normalize (dataset mean / std) | yes | yes |
 *
 * The crop is resized with `interpolation`, by default `'bicubic'` as the authors' code (torchvision's
 * `RandomResizedCrop(224, interpolation=BICUBIC)` on PIL images; Pillow's antialiased bicubic, see
 * `bicubic.ts`); `'bilinear'` is tfjs' `cropAndResize`, cheaper and without antialiasing.
 */
export function barlowTwinsViews({ size = 224, stats = IMAGENET_STATS, interpolation = 'bicubic' }: { size?: number; stats?: ChannelStats; interpolation?: CropInterpolation } = {}): TwoViewRecipe {
  const common = {
    crop: { size, scale: [0.08, 1] as [number, number], ratio: [3 / 4, 4 / 3] as [number, number], interpolation },
    flip: 0.5,
    colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
    grayscale: 0.2,
    normalize: stats,
  };
  return {
    view1: { ...common, blur: { p: 1.0, sigma: [0.1, 2.0] }, solarize: { p: 0.0, threshold: SOLARIZE_THRESHOLD } },
    view2: { ...common, blur: { p: 0.1, sigma: [0.1, 2.0] }, solarize: { p: 0.2, threshold: SOLARIZE_THRESHOLD } },
  };
}

/**
 * The CPU-scale variant for 32x32 images (CIFAR-10; Fashion-MNIST with `size: 28` and its statistics): the same
 * recipe without gaussian blur, as solo-learn's CIFAR Barlow Twins recipe has it, because a blur of up to 2
 * pixels wipes out most of a 32-pixel image. Solarization stays asymmetric (view 2, p 0.2). The crop is resized
 * with `interpolation`, by default `'bilinear'` (the authors resize bicubically): the CPU-scale presets (smoke,
 * cpu, cifar10-long) and their committed results were made with it, and stay reproducible.
 */
export function barlowTwinsViewsSmall({ size = 32, stats = CIFAR10_STATS, interpolation = 'bilinear' }: { size?: number; stats?: ChannelStats; interpolation?: CropInterpolation } = {}): TwoViewRecipe {
  const full = barlowTwinsViews({ size, stats, interpolation });
  return {
    view1: { ...full.view1, blur: { ...full.view1.blur, p: 0 } },
    view2: { ...full.view2, blur: { ...full.view2.blur, p: 0 } },
  };
}

/**
 * Per-block recipes for the paper's Appendix A "adaptive augmentations" experiment (sequential training):
 * block 1 sees colour jitter only, block 2 colour jitter plus mild random crops, blocks 3 and 4 the full
 * recipe. The paper says "small random crops" without numbers; here they keep `mildCropScale` (default
 * 0.5-1) of the image area. Returns one `TwoViewRecipe` per block.
 */
export function adaptiveAugmentationRecipes(
  full: TwoViewRecipe,
  { blocks = 4, mildCropScale = [0.5, 1] }: { blocks?: number; mildCropScale?: [number, number] } = {},
): TwoViewRecipe[] {
  const jitterOnly = (v: ViewRecipe): ViewRecipe => ({
    ...v,
    crop: { ...v.crop, scale: [1, 1], ratio: [1, 1] },
    flip: 0,
    grayscale: 0,
    blur: { ...v.blur, p: 0 },
    solarize: { ...v.solarize, p: 0 },
  });
  const mildCrops = (v: ViewRecipe): ViewRecipe => ({ ...jitterOnly(v), crop: { ...v.crop, scale: mildCropScale } });
  const stages = [
    { view1: jitterOnly(full.view1), view2: jitterOnly(full.view2) },
    { view1: mildCrops(full.view1), view2: mildCrops(full.view2) },
  ];
  return Array.from({ length: blocks }, (_, b) => stages[b] ?? full);
}

/**
 * `views` with every crop's interpolation named (checked; absent means `DEFAULT_CROP_INTERPOLATION`, bilinear): how
 * a run config records its recipes, and how a config written before the choice existed is read.
 */
export function withCropInterpolation<T extends TwoViewRecipe | TwoViewRecipe[]>(views: T): T {
  const named = (v: ViewRecipe, where: string): ViewRecipe => ({
    ...v,
    crop: { ...v.crop, interpolation: checkInterpolation(v.crop.interpolation ?? DEFAULT_CROP_INTERPOLATION, `${where}.crop`) },
  });
  const two = (r: TwoViewRecipe, where: string): TwoViewRecipe => ({ ...r, view1: named(r.view1, `${where}.view1`), view2: named(r.view2, `${where}.view2`) });
  return (Array.isArray(views) ? views.map((r, k) => two(r, `views[${k}]`)) : two(views, 'views')) as T;
}

/**
 * Makes one view of a batch: `[N, H, W, C]` in [0, 1] -> `[N, size, size, C]`, normalized when the recipe says so.
 * Every random choice comes from `rng`, per sample, so the same seed gives the same view on every backend.
 */
export function augmentView(images: tf.Tensor4D, recipe: ViewRecipe, rng: Rng): tf.Tensor4D {
  const steps: ((x: tf.Tensor4D) => tf.Tensor4D)[] = [
    (x) => randomResizedCrop(x, rng, recipe.crop),
    (x) => randomHorizontalFlip(x, rng, recipe.flip),
    (x) => colorJitter(x, rng, recipe.colorJitter),
    (x) => randomGrayscale(x, rng, recipe.grayscale),
    (x) => randomGaussianBlur(x, rng, recipe.blur),
    (x) => randomSolarize(x, rng, recipe.solarize.p, recipe.solarize.threshold),
  ];
  if (recipe.normalize) {
    const stats = recipe.normalize;
    steps.push((x) => normalize(x, stats));
  }
  let x = steps[0](images);
  for (const step of steps.slice(1)) {
    const next = step(x);
    x.dispose();
    x = next;
  }
  return x;
}

/** The two views of a batch under a two-view recipe: view 1 first, then view 2, both drawn from `rng`. */
export function twoViews(images: tf.Tensor4D, recipe: TwoViewRecipe, rng: Rng): [tf.Tensor4D, tf.Tensor4D] {
  const v1 = augmentView(images, recipe.view1, rng);
  return [v1, augmentView(images, recipe.view2, rng)];
}
