import * as tf from '@tensorflow/tfjs-core';
import { checkSeverity } from './severity';
import { gaussianNoise, impulseNoise, shotNoise } from './noise';
import { brightness, contrast } from './photometric';
import { pixelate } from './pixelate';
import { defocusBlur, glassBlur, motionBlur, zoomBlur } from './blur';
import { fog, frost, snow } from './weather';
import { elasticTransform } from './geometric';
import { jpegCompression } from './jpeg';

export * from './severity';
export * from './noise';
export * from './photometric';
export * from './pixelate';
export * from './blur';
export * from './weather';
export * from './geometric';
export * from './jpeg';

/** The 15 corruptions of ImageNet-C / CIFAR-10-C (Hendrycks & Dietterich, 2019), in the benchmark's order. */
export const CORRUPTIONS = [
  'gaussian_noise', 'shot_noise', 'impulse_noise',
  'defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur',
  'snow', 'frost', 'fog', 'brightness',
  'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression',
] as const;
export type CorruptionName = (typeof CORRUPTIONS)[number];

type Corruption = (x: tf.Tensor4D, severity: number, seed: number) => tf.Tensor4D;
type AsyncName = 'jpeg_compression';

const SYNC: Record<Exclude<CorruptionName, AsyncName>, Corruption> = {
  gaussian_noise: gaussianNoise,
  shot_noise: shotNoise,
  impulse_noise: impulseNoise,
  brightness: (x, s) => brightness(x, s),
  contrast: (x, s) => contrast(x, s),
  pixelate: (x, s) => pixelate(x, s),
  defocus_blur: (x, s) => defocusBlur(x, s),
  motion_blur: motionBlur,
  zoom_blur: (x, s) => zoomBlur(x, s),
  glass_blur: glassBlur,
  snow,
  fog,
  frost,
  elastic_transform: elasticTransform,
};

/** Corruptions whose implementation is asynchronous (an external encoder); `corruptAsync` runs them. */
const ASYNC: Record<AsyncName, (x: tf.Tensor4D, severity: number, seed: number) => Promise<tf.Tensor4D>> = {
  jpeg_compression: (x, s) => jpegCompression(x, s),
};

function check(images: tf.Tensor4D, name: string, severity: number): void {
  if (!(CORRUPTIONS as readonly string[]).includes(name))
    throw new Error(`corrupt: unknown corruption '${name}'; expected one of ${CORRUPTIONS.join(', ')}`);
  checkSeverity(name, severity);
  if (images.rank !== 4) throw new Error(`corrupt(${name}): images must be [N, H, W, C], got shape [${images.shape}]`);
}

/**
 * Corrupts `images` `[N, H, W, C]` in [0, 1] with corruption `name` at `severity` (1-5), drawing any
 * randomness from `seed`. Returns a new tensor of the same shape in [0, 1]; the caller owns it.
 * `jpeg_compression` needs an asynchronous encoder: use `corruptAsync`, which runs every corruption.
 * Deviations from the benchmark: `frost` draws a procedural texture (the benchmark's frost photographs cannot be
 * fetched here); the benchmark's 8-bit round trips (PIL images, ImageMagick PNGs) are kept as floats except where
 * a later step depends on them (glass blur's first blur, snow's flake layer).
 *
 * ```ts
 * const foggy = corrupt(images, 'fog', 3, 0);            // images [N, 32, 32, 3] in [0, 1]: CIFAR-10-C constants
 * const jpeg = await corruptAsync(images, 'jpeg_compression', 5, 0);
 * ```
 */
export function corrupt(images: tf.Tensor4D, name: string, severity: number, seed: number): tf.Tensor4D {
  check(images, name, severity);
  if (name in ASYNC) throw new Error(`corrupt(${name}): asynchronous; use corruptAsync`);
  return SYNC[name as keyof typeof SYNC](images, severity, seed);
}

/** `corrupt` for every corruption, including the asynchronous ones (`jpeg_compression`). */
export async function corruptAsync(images: tf.Tensor4D, name: string, severity: number, seed: number): Promise<tf.Tensor4D> {
  check(images, name, severity);
  return name in ASYNC ? ASYNC[name as AsyncName](images, severity, seed) : corrupt(images, name, severity, seed);
}
