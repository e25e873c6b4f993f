import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { checkInterpolation, CropBox, CropInterpolation, cropResize } from './crop-resize';

/** Options of `randomResizedCrop`; defaults are the Barlow Twins / torchvision ones. */
export interface RandomResizedCropOptions {
  /** Output side (square), or `[height, width]`. */
  size: number | readonly [number, number];
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, sampled log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /**
   * How the crop is resized (see `CropInterpolation`): default `DEFAULT_CROP_INTERPOLATION` (bilinear, also
   * torchvision's default); the Barlow Twins recipe (`barlowTwinsViews`) sets `'bicubic'`.
   */
  interpolation?: CropInterpolation;
}

/**
 * Draws one crop box of an `H` x `W` image as torchvision's `RandomResizedCrop.get_params` does: up to ten
 * tries of a random area and log-uniform aspect ratio that fit, else the central crop of the clamped ratio.
 */
export function sampleCropBox(H: number, W: number, rng: Rng, scale: readonly [number, number], ratio: readonly [number, number]): CropBox {
  const area = H * W;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= W && h > 0 && h <= H) return { i: rng.int(H - h + 1), j: rng.int(W - w + 1), h, w };
  }
  const inRatio = W / H;
  let w = W;
  let h = H;
  if (inRatio < ratio[0]) h = Math.round(W / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(H * ratio[1]);
  return { i: Math.floor((H - h) / 2), j: Math.floor((W - w) / 2), h, w };
}

/**
 * Random resized crop: a random part of each image (area fraction in `scale`, aspect ratio in `ratio`),
 * resized to `size`. `[N, H, W, C]` -> `[N, size, size, C]`; one box per sample from `rng`.
 */
export function randomResizedCrop(images: tf.Tensor4D, rng: Rng, options: RandomResizedCropOptions): tf.Tensor4D {
  const [n, H, W] = images.shape;
  const boxes = sampleCropBoxes(n, H, W, rng, options);
  return cropResize(images, boxes, cropSize(options.size), options.interpolation);
}

/** The output `[height, width]` of a crop size option. */
export function cropSize(size: RandomResizedCropOptions['size']): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** One crop box per image of a batch of `n` `H` x `W` images (`sampleCropBox`), after checking the options. */
export function sampleCropBoxes(n: number, H: number, W: number, rng: Rng, { scale = [0.08, 1], ratio = [3 / 4, 4 / 3], interpolation }: RandomResizedCropOptions): CropBox[] {
  if (interpolation !== undefined) checkInterpolation(interpolation, 'randomResizedCrop');
  if (!(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) throw new Error(`randomResizedCrop: bad scale [${scale}]`);
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) throw new Error(`randomResizedCrop: bad ratio [${ratio}]`);
  return Array.from({ length: n }, () => sampleCropBox(H, W, rng, scale, ratio));
}
