import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';

/** Mirrors every image left-right: `[N, H, W, C]` -> same shape. */
export function horizontalFlip(images: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(images, 2);
}

/**
 * Mirrors each image left-right with probability `p` (default 0.5); one uniform per sample from `rng`. One
 * `cropAndResize` over the whole batch: a flipped image's box runs from x = 1 to x = 0, and sampling at
 * exact pixel centres copies the pixels unchanged.
 */
export function randomHorizontalFlip(images: tf.Tensor4D, rng: Rng, p = 0.5): tf.Tensor4D {
  const [n, h, w] = images.shape;
  const draws = rng.uniforms(n);
  if (!draws.some((d) => d < p)) return images.clone();
  const boxes = new Float32Array(4 * n);
  draws.forEach((d, i) => boxes.set(d < p ? [0, 1, 1, 0] : [0, 0, 1, 1], 4 * i));
  return tf.tidy(() =>
    tf.image.cropAndResize(images, tf.tensor2d(boxes, [n, 4]), tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), 'int32'), [h, w], 'bilinear'),
  );
}
