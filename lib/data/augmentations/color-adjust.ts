import * as tf from '@tensorflow/tfjs-core';
import { LUMA_WEIGHTS } from './grayscale';

/**
 * The colour adjustments of colour jitter, each with its own factor per image, on images in [0, 1]
 * `[N, H, W, C]`, clamped to [0, 1] (torchvision's tensor `adjust_*` functions, batched).
 *
 * Brightness, contrast and saturation are per-image affine maps of the colour vector, so a batch of them is
 * one batched matrix product `[N, HW, C] x [N, C, C]` plus an offset: `affineColor` takes one such map per
 * image, and an image that is not to change gets the identity (which reproduces it exactly). Gray images
 * (C = 1): brightness and contrast apply; saturation and hue leave them unchanged, exactly as torchvision
 * treats a 1-channel image (a gray image has no saturation or hue to change).
 */

/** One image's colour map: `out = clamp(scale * x + mix * luma(x) + shift * mean(luma(x)), 0, 1)`. */
export interface ColorMap {
  scale: number;
  mix: number;
  /** Weight of the image's mean luma (contrast); 0 skips computing it. */
  shift: number;
}

/** The map that changes nothing. */
export const IDENTITY_COLOR_MAP: ColorMap = { scale: 1, mix: 0, shift: 0 };

/** Luma weights for C channels (C = 1: the value itself). */
function lumaWeights(c: number): number[] {
  if (c === 1) return [1];
  if (c === 3) return [...LUMA_WEIGHTS];
  throw new Error(`colour adjustment: expected 1 or 3 channels, got ${c}`);
}

/** Applies one `ColorMap` per image: `[N, H, W, C]` -> same shape, clamped to [0, 1]. */
export function affineColor(images: tf.Tensor4D, maps: readonly ColorMap[]): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (maps.length !== n) throw new Error(`affineColor: ${maps.length} maps for a batch of ${n}`);
  const weights = lumaWeights(c);
  // M[k][j]: weight of input channel k in output channel j.
  const m = new Float32Array(n * c * c);
  const shift = new Float32Array(n);
  maps.forEach((map, s) => {
    for (let k = 0; k < c; k++) for (let j = 0; j < c; j++) m[s * c * c + k * c + j] = (k === j ? map.scale : 0) + map.mix * weights[k];
    shift[s] = map.shift;
  });
  return tf.tidy(() => {
    let out: tf.Tensor = tf.matMul(tf.reshape(images, [n, h * w, c]), tf.tensor3d(m, [n, c, c]));
    if (shift.some((v) => v !== 0)) {
      const meanLuma = tf.matMul(tf.mean(images, [1, 2]), tf.tensor2d(weights, [c, 1])); // [N, 1]
      out = tf.add(out, tf.reshape(tf.mul(meanLuma, tf.tensor2d(shift, [n, 1])), [n, 1, 1]));
    }
    return tf.reshape(tf.clipByValue(out, 0, 1), [n, h, w, c]) as tf.Tensor4D;
  });
}

/** Brightness: `clamp(f * x)`; f = 1 keeps the image, 0 makes it black. */
export function brightnessMap(f: number): ColorMap {
  return { scale: f, mix: 0, shift: 0 };
}

/** Contrast: blend with the image's mean luma, `f * x + (1 - f) * mean`; f = 0 gives a flat gray image. */
export function contrastMap(f: number): ColorMap {
  return { scale: f, mix: 0, shift: 1 - f };
}

/** Saturation: blend with the luma image, `f * x + (1 - f) * luma`; f = 0 gives gray, f > 1 oversaturates. */
export function saturationMap(f: number): ColorMap {
  return { scale: f, mix: 1 - f, shift: 0 };
}

export function adjustBrightness(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return affineColor(images, Array.from(factors, brightnessMap));
}

export function adjustContrast(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return affineColor(images, Array.from(factors, contrastMap));
}

/** Identity for C = 1. */
export function adjustSaturation(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  if (images.shape[3] === 1) return images.clone();
  return affineColor(images, Array.from(factors, saturationMap));
}

/**
 * Hue: rotates each image's hue by `f` turns (f in [-0.5, 0.5]), keeping saturation and value, as
 * torchvision's RGB -> HSV -> RGB round trip does. Written without the HSV intermediate: the value
 * `max(r, g, b)` and chroma `max - min` are kept, and the new channels are `max - chroma * k(n)` with
 * k(n) = clamp(min(q, 4 - q), 0, 1), q = (n + 6 * hue) mod 6, n = 5, 3, 1 for R, G, B (the sector-free form
 * of HSV -> RGB). The hue's sector is the first maximal channel, R before G before B, as in torchvision.
 * Identity for C = 1.
 */
export function adjustHue(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (c === 1) return images.clone();
  if (c !== 3) throw new Error(`adjustHue: expected 1 or 3 channels, got shape [${images.shape}]`);
  if (factors.length !== n) throw new Error(`adjustHue: ${factors.length} factors for a batch of ${n}`);
  for (let i = 0; i < n; i++) {
    if (!(factors[i] >= -0.5 && factors[i] <= 0.5)) throw new Error(`adjustHue: factor ${factors[i]} of image ${i} is outside [-0.5, 0.5]`);
  }
  return tf.tidy(() => {
    const maxc = tf.max(images, 3, true);
    const chroma = tf.sub(maxc, tf.min(images, 3, true));
    // (g - b, b - r, r - g) per pixel; for a maximal R, G or B the hue in sixths is 0, 2 or 4 plus that over chroma.
    const diffs = tf.reshape(
      tf.matMul(tf.reshape(images, [n * h * w, 3]), tf.tensor2d([0, -1, 1, 1, 0, -1, -1, 1, 0], [3, 3])),
      [n, h, w, 3],
    );
    const sector = tf.oneHot(tf.argMax(images, 3), 3);
    const sixths = tf.sum(tf.mul(sector, tf.add(tf.div(diffs, tf.maximum(chroma, 1e-30)), tf.tensor1d([0, 2, 4]))), 3, true);
    const turned = tf.add(sixths, tf.tensor4d(Float32Array.from(factors, (f) => 6 * f), [n, 1, 1, 1]));
    const q = tf.mod(tf.add(turned, tf.tensor1d([5, 3, 1])), 6);
    const k = tf.clipByValue(tf.minimum(q, tf.sub(4, q)), 0, 1);
    return tf.sub(maxc, tf.mul(chroma, k)) as tf.Tensor4D;
  });
}
