import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { mapSampleGroups } from './sample-groups';

/** The normalised 1-D Gaussian of standard deviation `sigma` (pixels) on offsets `-radius..radius`. */
export function gaussianKernel(sigma: number, radius: number): Float32Array {
  if (!(sigma > 0)) throw new Error(`gaussianKernel: sigma must be > 0, got ${sigma}`);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let d = -radius; d <= radius; d++) {
    const v = Math.exp(-(d * d) / (2 * sigma * sigma));
    k[d + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** The kernel radius of a batch's blur: `ceil(3 * max sigma)`, truncated to `min(H, W) - 1` (0: no blur). */
export function blurRadius(sigmas: ArrayLike<number>, H: number, W: number): number {
  if (sigmas.length === 0) return 0;
  return Math.min(Math.ceil(3 * Math.max(...Array.from(sigmas))), H - 1, W - 1);
}

/**
 * Gaussian blur with its own `sigma` (pixels) per image: `[N, H, W, C]` -> same shape. Separable (a vertical then
 * a horizontal pass), kernel radius `ceil(3 * max sigma)` truncated to `min(H, W) - 1` for tiny images,
 * reflect padding (torchvision's `gaussian_blur`). The batch is folded into the channel axis so that one
 * depthwise convolution applies every image's own kernel at once.
 */
export function gaussianBlur(images: tf.Tensor4D, sigmas: ArrayLike<number>): tf.Tensor4D {
  const [n, H, W, C] = images.shape;
  if (sigmas.length !== n) throw new Error(`gaussianBlur: ${sigmas.length} sigmas for a batch of ${n}`);
  const radius = blurRadius(sigmas, H, W);
  if (radius < 1) return images.clone();
  const size = 2 * radius + 1;
  const taps = new Float32Array(size * n * C);
  for (let s = 0; s < n; s++) {
    const k = gaussianKernel(sigmas[s], radius);
    for (let t = 0; t < size; t++) for (let c = 0; c < C; c++) taps[t * n * C + s * C + c] = k[t];
  }
  return tf.tidy(() => {
    // [N, H, W, C] -> [1, H, W, N*C]: channel s*C + c is channel c of image s.
    const folded = tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [1, H, W, n * C]) as tf.Tensor4D;
    const vertical = tf.tensor4d(taps, [size, 1, n * C, 1]);
    const horizontal = tf.tensor4d(taps, [1, size, n * C, 1]);
    const padV = tf.mirrorPad(folded, [[0, 0], [radius, radius], [0, 0], [0, 0]], 'reflect');
    const v = tf.depthwiseConv2d(padV, vertical, 1, 'valid');
    const padH = tf.mirrorPad(v, [[0, 0], [0, 0], [radius, radius], [0, 0]], 'reflect');
    const b = tf.depthwiseConv2d(padH, horizontal, 1, 'valid');
    return tf.transpose(tf.reshape(b, [H, W, n, C]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
}

/** Options of `randomGaussianBlur`; defaults are Barlow Twins' view 1. */
export interface RandomGaussianBlurOptions {
  /** Probability of blurring an image (default 1). */
  p?: number;
  /** Range of sigma in pixels, drawn uniformly per image (default [0.1, 2]). */
  sigma?: readonly [number, number];
}

/**
 * Blurs each image with probability `p` with a sigma drawn uniformly from `sigma` (Barlow Twins' `GaussianBlur`,
 * which uses PIL's box-filter approximation of the same Gaussian). Two uniforms per sample from `rng`.
 */
export function randomGaussianBlur(images: tf.Tensor4D, rng: Rng, options: RandomGaussianBlurOptions = {}): tf.Tensor4D {
  const { chosen, sigmas } = sampleGaussianBlur(images.shape[0], rng, options);
  return mapSampleGroups(images, [{ indices: chosen, fn: (x) => gaussianBlur(x, sigmas) }]);
}

/**
 * Draws which of `n` images `randomGaussianBlur` blurs and their sigmas: two uniforms per sample from `rng`
 * (apply, sigma), whatever is applied. Shared by the tensor path and the fused typed-array path.
 */
export function sampleGaussianBlur(n: number, rng: Rng, { p = 1, sigma = [0.1, 2] }: RandomGaussianBlurOptions = {}): { chosen: number[]; sigmas: number[] } {
  if (!(sigma[0] > 0 && sigma[0] <= sigma[1])) throw new Error(`randomGaussianBlur: bad sigma range [${sigma}]`);
  const chosen: number[] = [];
  const sigmas: number[] = [];
  for (let i = 0; i < n; i++) {
    const apply = rng.uniform() < p;
    const s = sigma[0] + (sigma[1] - sigma[0]) * rng.uniform();
    if (apply) {
      chosen.push(i);
      sigmas.push(s);
    }
  }
  return { chosen, sigmas };
}
