import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { indicesWhere, mapSampleGroups } from './sample-groups';

/** Mirrors every image left-right: `[N, H, W, C]` -> same shape. */
export function horizontalFlip(images: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(images, 2);
}

/** Mirrors each image left-right with probability `p` (default 0.5); one uniform per sample from `rng`. */
export function randomHorizontalFlip(images: tf.Tensor4D, rng: Rng, p = 0.5): tf.Tensor4D {
  const draws = rng.uniforms(images.shape[0]);
  return mapSampleGroups(images, [{ indices: indicesWhere(draws.length, (i) => draws[i] < p), fn: horizontalFlip }]);
}
