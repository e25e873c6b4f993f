import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { SeverityTable, pick } from './severity';
import { applyAlongAxis } from './resample';

/** Defocus blur: a disk of radius r (pixels) antialiased by a gaussian of standard deviation s: (r, s). */
export const DEFOCUS_BLUR: SeverityTable<readonly [number, number]> = {
  cifar: [[0.3, 0.4], [0.4, 0.5], [0.5, 0.6], [1, 0.2], [1.5, 0.1]],
  imagenet: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]],
};
/** Motion blur: ImageMagick `-motion-blur radius x sigma` at a uniform angle in [-45, 45) degrees: (radius, sigma). */
export const MOTION_BLUR: SeverityTable<readonly [number, number]> = {
  cifar: [[6, 1], [6, 1.5], [6, 2], [8, 2], [9, 2.5]],
  imagenet: [[10, 3], [15, 5], [15, 8], [15, 12], [20, 15]],
};
/**
 * Zoom blur: the mean of the image and its centre zooms by numpy `arange(1, end, step)`: (end, step). arange
 * takes ceil((end - 1) / step) values in floating point, which includes `end` itself for 1.06 and 1.11.
 */
export const ZOOM_BLUR: SeverityTable<readonly [number, number]> = {
  cifar: [[1.06, 0.01], [1.11, 0.01], [1.16, 0.01], [1.21, 0.01], [1.26, 0.01]],
  imagenet: [[1.11, 0.01], [1.16, 0.01], [1.21, 0.02], [1.26, 0.02], [1.31, 0.03]],
};
/** Glass blur: gaussian blur (sigma), `iterations` passes of local swaps within `delta`, gaussian blur again. */
export const GLASS_BLUR: SeverityTable<readonly [number, number, number]> = {
  cifar: [[0.05, 1, 1], [0.25, 1, 1], [0.4, 1, 1], [0.25, 1, 2], [0.4, 1, 2]],
  imagenet: [[0.7, 1, 2], [0.9, 2, 1], [1, 2, 3], [1.1, 3, 2], [1.5, 4, 2]],
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

const clampIndex = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));

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

/**
 * ImageMagick's motion-blur kernel (MagickCore `MotionBlurImage`): `2 ceil(radius) + 1` one-sided gaussian
 * weights exp(-i^2 / (2 sigma^2)), normalised, on the pixels i steps along `angle` (degrees; 0 is +x, the
 * offsets rounded half up), laid out as a square correlation kernel centred on the pixel.
 */
export function motionKernel(radius: number, sigma: number, angle: number): { kernel: Float32Array; size: number } {
  const width = 2 * Math.ceil(radius) + 1;
  const weights = Array.from({ length: width }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const size = 2 * width + 1;
  const kernel = new Float32Array(size * size);
  const a = (angle * Math.PI) / 180;
  for (let i = 0; i < width; i++) {
    const dx = Math.ceil(i * Math.cos(a) - 0.5);
    const dy = Math.ceil(i * Math.sin(a) - 0.5);
    kernel[(dy + width) * size + dx + width] += weights[i] / total;
  }
  return { kernel, size };
}

/**
 * Motion blur: each image blurred along its own angle, uniform in [-45, 45) degrees from `seed`, edge pixels
 * repeated beyond the border (ImageMagick's default virtual pixels). The benchmark writes the result as 8-bit
 * PNG; this keeps floats.
 */
export function motionBlur(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [radius, sigma] = pick(MOTION_BLUR, severity, h, w);
  const rng = new Rng(seed);
  const angles = Array.from({ length: n }, () => -45 + 90 * rng.uniform());
  return tf.tidy(() => {
    const images = tf.split(x, n, 0).map((img, i) => {
      const { kernel, size } = motionKernel(radius, sigma, angles[i]);
      return filter2d(img as tf.Tensor4D, kernel, size, clampIndex);
    });
    return tf.clipByValue(tf.concat(images, 0), 0, 1) as tf.Tensor4D;
  });
}

/**
 * One axis of the benchmark's `clipped_zoom` as a matrix `[n, n]`: crop the centred ceil(n / z) samples, zoom
 * them by z with linear interpolation (scipy `ndimage.zoom`, order 1: output j samples input
 * j (m - 1) / (M - 1), M = round(m z)), trim the centred n.
 */
export function zoomMatrix(n: number, z: number): Float32Array {
  const m = Math.ceil(n / z);
  const top = Math.floor((n - m) / 2);
  const big = Math.round(m * z);
  const trim = Math.floor((big - n) / 2);
  const out = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    const pos = big > 1 ? ((j + trim) * (m - 1)) / (big - 1) : 0;
    const lo = Math.min(Math.floor(pos), m - 1);
    const f = pos - lo;
    out[j * n + top + lo] += 1 - f;
    if (f > 0) out[j * n + top + lo + 1] += f;
  }
  return out;
}

/** Zoom blur: (x + sum_z zoom_z(x)) / (1 + #z) over z = 1, 1 + step, ... < end, each zoom two matrix products. */
export function zoomBlur(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [end, step] = pick(ZOOM_BLUR, severity, h, w);
  const zooms = Array.from({ length: Math.ceil((end - 1) / step) }, (_, i) => 1 + i * step);
  return tf.tidy(() => {
    let sum: tf.Tensor4D = x;
    for (const z of zooms) {
      const rows = applyAlongAxis(x, tf.tensor2d(zoomMatrix(h, z), [h, h]), 1);
      sum = tf.add(sum, applyAlongAxis(rows, tf.tensor2d(zoomMatrix(w, z), [w, w]), 2));
    }
    return tf.clipByValue(tf.div(sum, zooms.length + 1), 0, 1) as tf.Tensor4D;
  });
}

/**
 * One axis of skimage's `gaussian` (scipy `gaussian_filter`, truncate 4, mode 'nearest') as a matrix `[n, n]`.
 */
export function gaussianMatrix(n: number, sigma: number): Float32Array {
  const r = Math.floor(4 * sigma + 0.5);
  const g = gaussianTaps(2 * r + 1, sigma);
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let t = -r; t <= r; t++) out[i * n + clampIndex(i + t, n)] += g[t + r];
  return out;
}

function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const rows = applyAlongAxis(x, tf.tensor2d(gaussianMatrix(h, sigma), [h, h]), 1);
    return applyAlongAxis(rows, tf.tensor2d(gaussianMatrix(w, sigma), [w, w]), 2);
  });
}

/**
 * Glass blur. The benchmark visits pixels bottom-right to top-left, each (h, w) with d < h <= H - d and
 * d < w <= W - d, and "swaps" it with (h + dy, w + dx), dx, dy uniform integers in [-d, d). Its swap is a
 * tuple assignment of numpy views, which copies (h + dy, w + dx) into (h, w) and leaves the other pixel as it
 * was; CIFAR-10-C and ImageNet-C were made that way, so this copies too. The copies do not depend on pixel
 * values, so they compose into one source index per pixel, drawn from `seed` and applied by one gather. The
 * first blur is floored to 8 bits as in the benchmark.
 */
export function glassBlur(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [sigma, delta, iterations] = pick(GLASS_BLUR, severity, h, w);
  const rng = new Rng(seed);
  const source = new Int32Array(n * h * w);
  for (let img = 0; img < n; img++) {
    const from = Int32Array.from({ length: h * w }, (_, i) => i);
    for (let it = 0; it < iterations; it++)
      for (let i = h - delta; i > delta; i--)
        for (let j = w - delta; j > delta; j--) {
          const dx = rng.int(2 * delta) - delta;
          const dy = rng.int(2 * delta) - delta;
          from[i * w + j] = from[(i + dy) * w + j + dx];
        }
    for (let i = 0; i < h * w; i++) source[img * h * w + i] = img * h * w + from[i];
  }
  return tf.tidy(() => {
    const blurred = tf.div(tf.floor(tf.mul(gaussianBlur(x, sigma), 255)), 255);
    const flat = tf.reshape(blurred, [n * h * w, c]);
    const swapped = tf.reshape(tf.gather(flat, tf.tensor1d(source, 'int32')), x.shape) as tf.Tensor4D;
    return tf.clipByValue(gaussianBlur(swapped, sigma), 0, 1) as tf.Tensor4D;
  });
}
