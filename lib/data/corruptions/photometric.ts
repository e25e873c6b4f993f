import * as tf from '@tensorflow/tfjs-core';
import { SeverityTable, pick } from './severity';

/** Brightness: c added to the value channel of HSV, clipped to [0, 1]. */
export const BRIGHTNESS: SeverityTable<number> = {
  cifar: [0.05, 0.1, 0.15, 0.2, 0.3],
  imagenet: [0.1, 0.2, 0.3, 0.4, 0.5],
};
/** Contrast: (x - per-image channel mean) c + mean, clipped. */
export const CONTRAST: SeverityTable<number> = {
  cifar: [0.75, 0.5, 0.4, 0.3, 0.15],
  imagenet: [0.4, 0.3, 0.2, 0.1, 0.05],
};

/**
 * Adding c to V = max(r, g, b) keeps hue and saturation, so the RGB round trip is a per-pixel scale by
 * V' / V with V' = min(V + c, 1) (a black pixel, with saturation 0, becomes grey V'). Grayscale images
 * (C = 1) have V = x.
 */
export function brightness(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const c = pick(BRIGHTNESS, severity, h, w);
  return tf.tidy(() => {
    const v = tf.max(x, 3, true);
    const v2 = tf.minimum(tf.add(v, c), 1);
    const scaled = tf.mul(x, tf.divNoNan(v2, v));
    return tf.clipByValue(tf.where(tf.greater(v, 0), scaled, tf.broadcastTo(v2, x.shape)), 0, 1) as tf.Tensor4D;
  });
}

export function contrast(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const c = pick(CONTRAST, severity, h, w);
  return tf.tidy(() => {
    const mean = tf.mean(x, [1, 2], true);
    return tf.clipByValue(tf.add(tf.mul(tf.sub(x, mean), c), mean), 0, 1) as tf.Tensor4D;
  });
}
