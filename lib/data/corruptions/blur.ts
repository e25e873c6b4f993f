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
  // The disk is smaller than its grid for small radii; the rows and columns of exact zeros around it are
  // dropped (the correlation is unchanged, and much cheaper).
  let keep = half;
  while (keep > 0 && Array.from({ length: size }, (_, t) => [blurred[(half - keep) * size + t], blurred[t * size + half - keep],
    blurred[(half + keep) * size + t], blurred[t * size + half + keep]]).flat().every((e) => e === 0)) keep--;
  const trimmed = new Float32Array((2 * keep + 1) ** 2);
  for (let i = 0; i < 2 * keep + 1; i++)
    for (let j = 0; j < 2 * keep + 1; j++) trimmed[i * (2 * keep + 1) + j] = blurred[(half - keep + i) * size + half - keep + j];
  return { kernel: trimmed, size: 2 * keep + 1 };
}

/** Defocus blur: every channel convolved with the antialiased disk, reflect-101 borders (OpenCV `filter2D`). */
export function defocusBlur(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [radius, aliasBlur] = pick(DEFOCUS_BLUR, severity, h, w);
  const { kernel, size } = diskKernel(radius, aliasBlur);
  return tf.tidy(() => tf.clipByValue(filter2d(x, kernel, size, reflect101), 0, 1) as tf.Tensor4D);
}

/** One tap of a motion-blur kernel: the pixel `dy` rows and `dx` columns away, and its weight. */
export type MotionTap = { dy: number; dx: number; weight: number };

/**
 * ImageMagick's motion-blur kernel (MagickCore `MotionBlurImage`, which the benchmark calls through Wand):
 * `2 ceil(radius) + 1` one-sided gaussian weights exp(-i^2 / (2 sigma^2)), normalised, on the pixels
 * (ceil(i sin(angle) - 0.5), ceil(i cos(angle) - 0.5)) rows and columns away, i = 0, 1, ... (angle in degrees,
 * 0 along +x). Taps landing on one pixel stay separate; their weights add up in the blur.
 */
export function motionTaps(radius: number, sigma: number, angle: number): MotionTap[] {
  const width = 2 * Math.ceil(radius) + 1;
  const weights = Array.from({ length: width }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const a = (angle * Math.PI) / 180;
  return weights.map((weight, i) => ({
    dy: Math.ceil(i * Math.sin(a) - 0.5), dx: Math.ceil(i * Math.cos(a) - 0.5), weight: weight / total,
  }));
}

/**
 * Each image of `v` (`[N, H, W, C]` row-major) correlated with its own taps, pixels beyond the border
 * repeating the nearest edge pixel (ImageMagick's default virtual pixels). Plain loops: one image's taps differ
 * from the next one's, and there are at most a few dozen of them.
 */
export function motionBlurPixels(v: ArrayLike<number>, shape: readonly number[], taps: MotionTap[][]): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(n * h * w * c);
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (const { dy, dx, weight } of taps[img])
      for (let i = 0; i < h; i++) {
        const si = Math.min(h - 1, Math.max(0, i + dy));
        for (let j = 0; j < w; j++) {
          const sj = Math.min(w - 1, Math.max(0, j + dx));
          const to = base + (i * w + j) * c;
          const from = base + (si * w + sj) * c;
          for (let k = 0; k < c; k++) out[to + k] += weight * v[from + k];
        }
      }
  }
  return out;
}

/** Motion blur of image i along `angles[i]` (degrees) with ImageMagick's `radius` and `sigma`. */
export function motionBlurWith(x: tf.Tensor4D, radius: number, sigma: number, angles: readonly number[]): tf.Tensor4D {
  if (angles.length !== x.shape[0])
    throw new Error(`motionBlurWith: ${angles.length} angles for ${x.shape[0]} images (shape [${x.shape}])`);
  const taps = angles.map((angle) => motionTaps(radius, sigma, angle));
  const out = motionBlurPixels(x.dataSync(), x.shape, taps);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return tf.tensor4d(out, x.shape);
}

/**
 * Motion blur: each image blurred along its own angle, uniform in [-45, 45) degrees from `seed`. The benchmark
 * reads and writes 8-bit PNG around ImageMagick; this keeps floats (ImageMagick's 8-bit result is these values
 * floored, test/data/corruptions-benchmark.test.ts).
 */
export function motionBlur(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [radius, sigma] = pick(MOTION_BLUR, severity, h, w);
  const rng = new Rng(seed);
  return motionBlurWith(x, radius, sigma, Array.from({ length: n }, () => -45 + 90 * rng.uniform()));
}

/**
 * One axis of the benchmark's `clipped_zoom`: crop the centred m = ceil(n / z) samples (from floor((n - m) / 2)),
 * zoom them by z with linear interpolation (scipy `ndimage.zoom`, order 1: output j of M = round(m z) samples
 * input j (m - 1) / (M - 1)), keep the centred n (from floor((M - n) / 2)). Output j is
 * `(1 - frac[j]) in[lo[j]] + frac[j] in[lo[j] + 1]`.
 */
export function zoomTaps(n: number, z: number): { lo: Int32Array; frac: Float64Array } {
  const m = Math.ceil(n / z);
  const top = Math.floor((n - m) / 2);
  // Python's round (ties to even), as scipy sizes its output.
  const exact = m * z;
  const big = exact - Math.floor(exact) === 0.5 ? 2 * Math.round(exact / 2) : Math.round(exact);
  const trim = Math.floor((big - n) / 2);
  const lo = new Int32Array(n);
  const frac = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const pos = big > 1 ? ((j + trim) * (m - 1)) / (big - 1) : 0;
    const k = Math.min(Math.floor(pos), m - 1);
    lo[j] = top + k;
    frac[j] = k < m - 1 ? pos - k : 0;
  }
  return { lo, frac };
}

/**
 * numpy's `arange(1, end, step)`: ceil((end - 1) / step) values 1 + i delta with delta = (1 + step) - 1 as numpy
 * fills it, not `step` itself. The difference decides scipy's output size in one case: 26 (1 + 25 delta) is
 * 32.500000000000006, rounded to 33, where 26 (1 + 25 step) = 32.5 rounds to 32 (CIFAR severity 5).
 */
export function zoomFactors(end: number, step: number): number[] {
  const delta = 1 + step - 1;
  return Array.from({ length: Math.ceil((end - 1) / step) }, (_, i) => 1 + i * delta);
}

/**
 * Zoom blur: (x + sum_z zoom_z(x)) / (1 + #z) over the factors of `zoomFactors`, each zoom a linear
 * interpolation along rows, then along columns (`zoomTaps`), in plain loops: two taps per output value.
 */
export function zoomBlur(x: tf.Tensor4D, severity: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [end, step] = pick(ZOOM_BLUR, severity, h, w);
  const zooms = zoomFactors(end, step);
  const v = x.dataSync();
  const sum = Float64Array.from(v);
  const rows = new Float64Array(h * w * c);
  for (const z of zooms) {
    const r = zoomTaps(h, z);
    const q = zoomTaps(w, z);
    for (let img = 0; img < n; img++) {
      const base = img * h * w * c;
      for (let i = 0; i < h; i++) {
        const lo = base + r.lo[i] * w * c;
        const f = r.frac[i];
        for (let k = 0; k < w * c; k++) rows[i * w * c + k] = f > 0 ? (1 - f) * v[lo + k] + f * v[lo + w * c + k] : v[lo + k];
      }
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const lo = (i * w + q.lo[j]) * c;
          const f = q.frac[j];
          const to = base + (i * w + j) * c;
          for (let k = 0; k < c; k++) sum[to + k] += f > 0 ? (1 - f) * rows[lo + k] + f * rows[lo + c + k] : rows[lo + k];
        }
    }
  }
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = Math.min(1, Math.max(0, sum[i] / (zooms.length + 1)));
  return tf.tensor4d(out, x.shape);
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
 * Glass blur with given offsets. The benchmark visits pixels bottom-right to top-left, each (h, w) with
 * d < h <= H - d and d < w <= W - d, and "swaps" it with (h + dy, w + dx), dx, dy uniform integers in [-d, d).
 * Its swap is a tuple assignment of numpy views, which copies (h + dy, w + dx) into (h, w) and leaves the other
 * pixel as it was; CIFAR-10-C and ImageNet-C were made that way, so this copies too. The copies do not depend
 * on pixel values, so they compose into one source index per pixel, applied by one gather. The first blur is
 * floored to 8 bits as in the benchmark. `offsets` holds (dx, dy) per visit, in visiting order, image by image:
 * `2 N iterations (H - 2d) (W - 2d)` integers in [-d, d).
 */
export function glassBlurWith(x: tf.Tensor4D, sigma: number, delta: number, iterations: number, offsets: ArrayLike<number>): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const visits = iterations * Math.max(0, h - 2 * delta) * Math.max(0, w - 2 * delta);
  if (offsets.length !== 2 * n * visits)
    throw new Error(`glassBlurWith: ${offsets.length} offsets, expected ${2 * n * visits} for images of shape [${x.shape}]`);
  const source = new Int32Array(n * h * w);
  let k = 0;
  for (let img = 0; img < n; img++) {
    const from = Int32Array.from({ length: h * w }, (_, i) => i);
    for (let it = 0; it < iterations; it++)
      for (let i = h - delta; i > delta; i--)
        for (let j = w - delta; j > delta; j--) {
          const dx = offsets[k++];
          const dy = offsets[k++];
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

/** Glass blur (see `GLASS_BLUR`, `glassBlurWith`), the offsets drawn from `seed`. */
export function glassBlur(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [sigma, delta, iterations] = pick(GLASS_BLUR, severity, h, w);
  const rng = new Rng(seed);
  const count = 2 * n * iterations * Math.max(0, h - 2 * delta) * Math.max(0, w - 2 * delta);
  const offsets = Int32Array.from({ length: count }, () => rng.int(2 * delta) - delta);
  return glassBlurWith(x, sigma, delta, iterations, offsets);
}
