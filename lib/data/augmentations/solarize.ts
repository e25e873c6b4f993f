import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { indicesWhere, mapSampleGroups } from './sample-groups';

/** PIL's default solarization threshold, 128 of 255, on the [0, 1] scale the loader produces. */
export const SOLARIZE_THRESHOLD = 128 / 255;

/** Solarization: every value `>= threshold` becomes `1 - value`. Images in [0, 1], any shape. */
export function solarize<T extends tf.Tensor>(images: T, threshold = SOLARIZE_THRESHOLD): T {
  return tf.tidy(() => tf.where(tf.greaterEqual(images, threshold), tf.sub(1, images), images)) as T;
}

/** Solarizes each image with probability `p`; one uniform per sample from `rng`. */
export function randomSolarize(images: tf.Tensor4D, rng: Rng, p: number, threshold = SOLARIZE_THRESHOLD): tf.Tensor4D {
  const draws = rng.uniforms(images.shape[0]);
  return mapSampleGroups(images, [{ indices: indicesWhere(draws.length, (i) => draws[i] < p), fn: (x) => solarize(x, threshold) }]);
}
