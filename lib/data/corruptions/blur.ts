import * as tf from '@tensorflow/tfjs-core';
import { SeverityTable, pick } from './severity';

/** Defocus blur: a disk of radius r (pixels) antialiased by a gaussian of standard deviation s: (r, s). */
export const DEFOCUS_BLUR: SeverityTable<readonly [number, number]> = {
  cifar: [[0.3, 0.4], [0.4, 0.5], [0.5, 0.6], [1, 0.2], [1.5, 0.1]],
  imagenet: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]],
};

/** Reflect-101 (OpenCV's default border: ...c b | a b c | b a...) of index i into [0, n). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** `x` padded by `p` on each side of H and W, the border values chosen by `border(i, n)`. */
function pad(x: tf.Tensor4D, p: number, border: (i: number, n: number) => number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const idx = (n: number) => tf.tensor1d(Array.from({ length: n + 2 * p }, (_, i) => border(i - p, n)), 'int32');
    return tf.gather(tf.gather(x, idx(h), 1), idx(w), 2) as tf.Tensor4D;
  });
}

/** Correlates every channel of `x` with the odd square `kernel` (`[k, k]`, row-major), borders by `border`. */
function filter2d(x: tf.Tensor4D, kernel: Float32Array, k: number, border: (i: number, n: number) => number): tf.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    const filter = tf.tile(tf.tensor4d(kernel, [k, k, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(pad(x, (k - 1) / 2, border), filter, 1, 'valid');
  });
}

/** A normalised 1-D gaussian of `k` taps (OpenCV `getGaussianKernel` for sigma > 0). */
function gaussianTaps(k: number, sigma: number): number[] {
  const g = Array.from({ length: k }, (_, i) => Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((e) => e / s);
}

/**
 * The benchmark's disk kernel: a binary disk X^2 + Y^2 <= r^2 on a grid of half-width 8 (r <= 8, then a
 * 3x3 antialiasing gaussian) or r (then 5x5), normalised, then blurred by that gaussian with reflect-101
 * borders (OpenCV `GaussianBlur`).
 */
export function diskKernel(radius: number, aliasBlur: number): { kernel: Float32Array; size: number } {
  const half = radius <= 8 ? 8 : Math.ceil(radius);
  const size = 2 * half + 1;
  const disk = new Float64Array(size * size);
  let total = 0;
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++)
      if ((i - half) ** 2 + (j - half) ** 2 <= radius * radius) {
        disk[i * size + j] = 1;
        total++;
      }
  const g = gaussianTaps(radius <= 8 ? 3 : 5, aliasBlur);
  const r = (g.length - 1) / 2;
  const blur = (src: Float64Array, along: 'row' | 'col') => {
    const out = new Float64Array(size * size);
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++)
          s += g[t + r] * (along === 'row' ? src[i * size + reflect101(j + t, size)] : src[reflect101(i + t, size) * size + j]);
        out[i * size + j] = s;
      }
    return out;
  };
  const blurred = blur(blur(disk.map((e) => e / total), 'row'), 'col');
  return { kernel: Float32Array.from(blurred), size };
}

/** Defocus blur: every channel convolved with the antialiased disk, reflect-101 borders (OpenCV `filter2D`). */
export function defocusBlur(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [radius, aliasBlur] = pick(DEFOCUS_BLUR, severity, h, w);
  const { kernel, size } = diskKernel(radius, aliasBlur);
  return tf.tidy(() => tf.clipByValue(filter2d(x, kernel, size, reflect101), 0, 1) as tf.Tensor4D);
}
