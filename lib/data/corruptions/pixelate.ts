import * as tf from '@tensorflow/tfjs-core';
import { SeverityTable, pick } from './severity';
import { applyAlongAxis, boxResampleMatrix } from './resample';

/**
 * Pixelate: PIL BOX resize to (floor(W c), floor(H c)) and BOX resize back, which enlarges by
 * nearest-neighbour. c is the fraction of the side kept.
 */
export const PIXELATE: SeverityTable<number> = {
  cifar: [0.95, 0.9, 0.85, 0.75, 0.65],
  imagenet: [0.6, 0.5, 0.4, 0.3, 0.25],
};

/**
 * Both resizes along one axis compose into one `[H, H]` (or `[W, W]`) matrix, so the corruption is two matrix
 * products per batch. PIL works on 8-bit images and rounds after each axis and each resize; this float
 * version differs from it by at most 1/255 on 8-bit input (the test holds it to that).
 */
export function pixelate(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const c = pick(PIXELATE, severity, h, w);
  return tf.tidy(() => {
    const axisMatrix = (n: number) => {
      const small = Math.max(1, Math.floor(n * c));
      const down = tf.tensor2d(boxResampleMatrix(n, small), [small, n]);
      const up = tf.tensor2d(boxResampleMatrix(small, n), [n, small]);
      return tf.matMul(up, down) as tf.Tensor2D;
    };
    const rows = applyAlongAxis(x, axisMatrix(h), 1);
    return tf.clipByValue(applyAlongAxis(rows, axisMatrix(w), 2), 0, 1) as tf.Tensor4D;
  });
}
