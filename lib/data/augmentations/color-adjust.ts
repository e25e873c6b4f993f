import * as tf from '@tensorflow/tfjs-core';
import { luma } from './grayscale';
import { hsvToRgb, rgbToHsv } from './hsv';

/**
 * The four colour adjustments of colour jitter, each with its own factor per image, on images in [0, 1]
 * `[N, H, W, C]` (torchvision's tensor `adjust_*` functions, batched). Results are clamped to [0, 1].
 * Gray images (C = 1): brightness and contrast apply; saturation and hue leave them unchanged, exactly as
 * torchvision treats a 1-channel image (a gray image has no saturation or hue to change).
 */

/** `[N]` factors as a `[N, 1, 1, 1]` tensor. */
function perSample(factors: ArrayLike<number>, n: number, what: string): tf.Tensor4D {
  if (factors.length !== n) throw new Error(`${what}: ${factors.length} factors for a batch of ${n}`);
  return tf.tensor4d(Float32Array.from(factors), [n, 1, 1, 1]);
}

/** `clamp(f * a + (1 - f) * b, 0, 1)` with a per-image factor `f`. */
function blend(a: tf.Tensor4D, b: tf.Tensor, f: tf.Tensor4D): tf.Tensor4D {
  return tf.clipByValue(tf.add(tf.mul(f, a), tf.mul(tf.sub(1, f), b)), 0, 1) as tf.Tensor4D;
}

/** Brightness: `clamp(f * x)`; f = 1 keeps the image, 0 makes it black. */
export function adjustBrightness(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.mul(images, perSample(factors, images.shape[0], 'adjustBrightness')), 0, 1) as tf.Tensor4D);
}

/** Contrast: blend with the image's mean luma; f = 0 gives a flat gray image. */
export function adjustContrast(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => blend(images, tf.mean(luma(images), [1, 2, 3], true), perSample(factors, images.shape[0], 'adjustContrast')));
}

/** Saturation: blend with the luma image; f = 0 gives gray, f > 1 oversaturates. Identity for C = 1. */
export function adjustSaturation(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  if (images.shape[3] === 1) return images.clone();
  return tf.tidy(() => blend(images, luma(images), perSample(factors, images.shape[0], 'adjustSaturation')));
}

/** Hue: rotates the hue by `f` turns (f in [-0.5, 0.5]) in HSV space. Identity for C = 1. */
export function adjustHue(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  if (images.shape[3] === 1) return images.clone();
  for (let i = 0; i < factors.length; i++) {
    if (!(factors[i] >= -0.5 && factors[i] <= 0.5)) throw new Error(`adjustHue: factor ${factors[i]} of image ${i} is outside [-0.5, 0.5]`);
  }
  return tf.tidy(() => {
    const n = images.shape[0];
    const [h, sv] = tf.split(rgbToHsv(images), [1, 2], 3);
    const shifted = tf.mod(tf.add(h, perSample(factors, n, 'adjustHue')), 1);
    return hsvToRgb(tf.concat([shifted, sv], 3) as tf.Tensor4D);
  });
}
