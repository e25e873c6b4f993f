import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';

/** PIL's default solarization threshold, 128 of 255, on the [0, 1] scale the loader produces. */
export const SOLARIZE_THRESHOLD = 128 / 255;

/** Solarization: every value `>= threshold` becomes `1 - value`. Images in [0, 1], any shape; `threshold` may broadcast. */
export function solarize<T extends tf.Tensor>(images: T, threshold: number | tf.Tensor = SOLARIZE_THRESHOLD): T {
  // x - t >= 0 is exactly x >= t (rounding is monotonic and keeps the sign), and broadcasts faster on wasm.
  return tf.tidy(() => tf.where(tf.greaterEqual(tf.sub(images, threshold), 0), tf.sub(1, images), images)) as T;
}

/**
 * Solarizes each image with probability `p`; one uniform per sample from `rng`. Batched with a threshold per
 * image: the chosen images get `threshold`, the others one above every pixel value (2), so they pass unchanged.
 */
export function randomSolarize(images: tf.Tensor4D, rng: Rng, p: number, threshold = SOLARIZE_THRESHOLD): tf.Tensor4D {
  const draws = rng.uniforms(images.shape[0]);
  if (!draws.some((d) => d < p)) return images.clone();
  const thresholds = tf.tensor4d(Float32Array.from(draws, (d) => (d < p ? threshold : 2)), [draws.length, 1, 1, 1]);
  const out = solarize(images, thresholds);
  thresholds.dispose();
  return out;
}
