import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { affineColor, IDENTITY_COLOR_MAP } from './color-adjust';

/** ITU-R 601-2 luma weights of R, G, B (torchvision's `rgb_to_grayscale`, PIL's `convert('L')`). */
export const LUMA_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/** Luma of RGB images: `[N, H, W, 3]` -> `[N, H, W, 1]`; a 1-channel batch is already gray and is copied. */
export function luma(images: tf.Tensor4D): tf.Tensor4D {
  const c = images.shape[3];
  if (c === 1) return images.clone();
  if (c !== 3) throw new Error(`luma: expected 1 or 3 channels, got shape [${images.shape}]`);
  return tf.tidy(() => tf.sum(tf.mul(images, tf.tensor1d(LUMA_WEIGHTS as unknown as number[])), 3, true) as tf.Tensor4D);
}

/** Grayscale keeping the channel count: each channel becomes the luma. `[N, H, W, C]` -> same shape. */
export function grayscale(images: tf.Tensor4D): tf.Tensor4D {
  const c = images.shape[3];
  return tf.tidy(() => {
    const y = luma(images);
    return c === 1 ? y : tf.tile(y, [1, 1, 1, c]);
  });
}

/**
 * Turns each image gray with probability `p` (one uniform per sample from `rng`), as one batched colour map
 * (see `affineColor`): the chosen images get the luma in every channel, the others the identity. Identity on
 * 1-channel images.
 */
export function randomGrayscale(images: tf.Tensor4D, rng: Rng, p: number): tf.Tensor4D {
  const draws = rng.uniforms(images.shape[0]);
  if (images.shape[3] === 1 || !draws.some((d) => d < p)) return images.clone();
  return affineColor(images, Array.from(draws, (d) => (d < p ? GRAY_MAP : IDENTITY_COLOR_MAP)));
}

const GRAY_MAP = { scale: 0, mix: 1, shift: 0 };
