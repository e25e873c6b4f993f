import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { SeverityTable, pick } from './severity';

/**
 * Elastic transform: a random affine warp moving three anchor points by up to `affine` pixels, then a
 * displacement field of uniform noise smoothed by a gaussian of standard deviation `sigma` and scaled by
 * `alpha`: (alpha, sigma, affine). CIFAR-10-C states them as multiples of 32, ImageNet-C of 244 (the
 * benchmark's typo for 224, kept as it is part of the published constants).
 */
export const ELASTIC_TRANSFORM: SeverityTable<readonly [number, number, number]> = {
  cifar: [[32 * 0, 32 * 0, 32 * 0.08], [32 * 0.05, 32 * 0.2, 32 * 0.07], [32 * 0.08, 32 * 0.06, 32 * 0.06],
    [32 * 0.1, 32 * 0.04, 32 * 0.05], [32 * 0.1, 32 * 0.03, 32 * 0.03]],
  imagenet: [[244 * 2, 244 * 0.7, 244 * 0.1], [244 * 2, 244 * 0.08, 244 * 0.2], [244 * 0.05, 244 * 0.01, 244 * 0.02],
    [244 * 0.07, 244 * 0.01, 244 * 0.02], [244 * 0.12, 244 * 0.01, 244 * 0.02]],
};

/** Reflect-101 (OpenCV's default border: ...c b | a b c | b a...) of index i into [0, n). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Half-sample symmetric reflection (scipy.ndimage 'reflect': ...b a | a b c | c b...) of index i into [0, n). */
function reflectHalf(i: number, n: number): number {
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/**
 * Bilinear samples of `v` (`[N, H, W, C]` row-major) at rows `ys` and columns `xs` (`N H W` each, per output
 * pixel), neighbours outside the image mapped by `border`.
 */
function bilinear(v: ArrayLike<number>, shape: readonly number[], ys: Float64Array, xs: Float64Array, border: (i: number, n: number) => number): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(n * h * w * c);
  for (let p = 0; p < n * h * w; p++) {
    const base = Math.floor(p / (h * w)) * h * w;
    const y0 = Math.floor(ys[p]);
    const x0 = Math.floor(xs[p]);
    const fy = ys[p] - y0;
    const fx = xs[p] - x0;
    const r0 = border(y0, h) * w;
    const r1 = border(y0 + 1, h) * w;
    const c0 = border(x0, w);
    const c1 = border(x0 + 1, w);
    const a = (base + r0 + c0) * c;
    const b = (base + r0 + c1) * c;
    const d = (base + r1 + c0) * c;
    const e = (base + r1 + c1) * c;
    for (let k = 0; k < c; k++)
      out[p * c + k] = (1 - fy) * ((1 - fx) * v[a + k] + fx * v[b + k]) + fy * ((1 - fx) * v[d + k] + fx * v[e + k]);
  }
  return out;
}

/**
 * skimage `gaussian` (scipy `gaussian_filter`, truncate 3, mode 'reflect') along one axis of length `n`, as a
 * matrix `[n, n]`: the taps beyond the ends folded back onto the samples they reflect to, so a long kernel
 * (ImageNet severity 1: sigma 171 on 224 samples) costs n per output value, not 2 round(3 sigma) + 1.
 */
function reflectGaussianMatrix(n: number, sigma: number): Float64Array {
  const r = Math.floor(3 * sigma + 0.5);
  const taps = Array.from({ length: 2 * r + 1 }, (_, t) => Math.exp(-((t - r) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let t = -r; t <= r; t++) m[i * n + reflectHalf(i + t, n)] += taps[t + r] / total;
  return m;
}

/** A row-major `[rows, cols]` field smoothed by skimage `gaussian` (truncate 3, mode 'reflect'); sigma 0 keeps it. */
function smoothNoise(noise: Float64Array, rows: number, cols: number, sigma: number): Float64Array {
  if (sigma === 0) return noise;
  const down = reflectGaussianMatrix(rows, sigma);
  const across = reflectGaussianMatrix(cols, sigma);
  const mid = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < rows; k++) {
      const wt = down[i * rows + k];
      if (wt !== 0) for (let j = 0; j < cols; j++) mid[i * cols + j] += wt * noise[k * cols + j];
    }
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++)
    for (let k = 0; k < cols; k++) {
      const wt = across[j * cols + k];
      if (wt !== 0) for (let i = 0; i < rows; i++) out[i * cols + j] += wt * mid[i * cols + k];
    }
  return out;
}

/** The affine map (2x3, on (x, y) points) taking the three points `from` to `to` (OpenCV `getAffineTransform`). */
function affineFrom3(from: number[][], to: number[][]): number[] {
  const [[x0, y0], [x1, y1], [x2, y2]] = from;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  const solve = (v: number[]) => [
    (v[0] * (y1 - y2) - y0 * (v[1] - v[2]) + (v[1] * y2 - v[2] * y1)) / det,
    (x0 * (v[1] - v[2]) - v[0] * (x1 - x2) + (x1 * v[2] - x2 * v[1])) / det,
    (x0 * (y1 * v[2] - y2 * v[1]) - y0 * (x1 * v[2] - x2 * v[1]) + v[0] * (x1 * y2 - x2 * y1)) / det,
  ];
  return [...solve(to.map((p) => p[0])), ...solve(to.map((p) => p[1]))];
}

/**
 * Elastic transform (the benchmark's modification of Simard et al.'s) with given draws: per image, the anchors
 * (c + s, c + s), (c + s, c - s), (c - s, c - s) (c = floor(size / 2), s = floor(min(H, W) / 3), as OpenCV
 * (x, y) points) each move by U(-affine, affine); the image is warped by that affine map (bilinear, reflect-101
 * borders, OpenCV `warpAffine`), then resampled at (y + dy, x + dx) (bilinear, half-sample reflection, scipy
 * `map_coordinates` order 1) with dx, dy fields of U(-1, 1) smoothed by a gaussian and times alpha.
 * `uniforms` holds U(0, 1) draws image by image, each `6 + 2 H W`: the six anchor moves (x, y of each anchor
 * in turn), the dx field, the dy field (row-major), the benchmark's order of draws.
 */
export function elasticTransformWith(x: tf.Tensor4D, constants: readonly [number, number, number], uniforms: ArrayLike<number>): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [alpha, sigma, affine] = constants;
  const per = 6 + 2 * h * w;
  if (uniforms.length !== n * per)
    throw new Error(`elasticTransformWith: ${uniforms.length} uniforms, expected ${n * per} for images of shape [${x.shape}]`);
  const count = n * h * w;
  const warpY = new Float64Array(count);
  const warpX = new Float64Array(count);
  const fieldY = new Float64Array(count);
  const fieldX = new Float64Array(count);
  const [cy, cx] = [Math.floor(h / 2), Math.floor(w / 2)];
  const s = Math.floor(Math.min(h, w) / 3);
  const anchors = [[cy + s, cx + s], [cy + s, cx - s], [cy - s, cx - s]];
  for (let img = 0; img < n; img++) {
    let k = img * per;
    const moved = anchors.map((p) => p.map((e) => e + affine * (-1 + 2 * uniforms[k++])));
    // warpAffine samples the source at the inverse map of each destination pixel.
    const [a, b, c, d, e, f] = affineFrom3(moved, anchors);
    const field = () => {
      const u = Float64Array.from({ length: h * w }, () => -1 + 2 * uniforms[k++]);
      return smoothNoise(u, h, w, sigma);
    };
    const dx = field();
    const dy = field();
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const p = (img * h + i) * w + j;
        warpX[p] = a * j + b * i + c;
        warpY[p] = d * j + e * i + f;
        fieldY[p] = i + alpha * dy[i * w + j];
        fieldX[p] = j + alpha * dx[i * w + j];
      }
  }
  const warped = bilinear(x.dataSync(), x.shape, warpY, warpX, reflect101);
  const out = bilinear(warped, x.shape, fieldY, fieldX, reflectHalf);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return tf.tensor4d(out, x.shape);
}

/** Elastic transform (see `ELASTIC_TRANSFORM`, `elasticTransformWith`), the draws from `seed`. */
export function elasticTransform(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const rng = new Rng(seed);
  return elasticTransformWith(x, pick(ELASTIC_TRANSFORM, severity, h, w), rng.uniforms(n * (6 + 2 * h * w)));
}
