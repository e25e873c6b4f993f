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
 * Bilinear samples of `x` `[N, H, W, C]` at rows `ys` and columns `xs` (`N H W` each, per output pixel),
 * neighbours outside the image mapped by `border`: one gather of the four neighbours of every pixel.
 */
function bilinear(x: tf.Tensor4D, ys: Float64Array, xs: Float64Array, border: (i: number, n: number) => number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const count = n * h * w;
  const index = new Int32Array(4 * count);
  const weight = new Float32Array(4 * count);
  for (let p = 0; p < count; p++) {
    const img = Math.floor(p / (h * w));
    const y0 = Math.floor(ys[p]);
    const x0 = Math.floor(xs[p]);
    const fy = ys[p] - y0;
    const fx = xs[p] - x0;
    const taps: [number, number, number][] = [[y0, x0, (1 - fy) * (1 - fx)], [y0, x0 + 1, (1 - fy) * fx],
      [y0 + 1, x0, fy * (1 - fx)], [y0 + 1, x0 + 1, fy * fx]];
    taps.forEach(([i, j, wt], t) => {
      index[4 * p + t] = (img * h + border(i, h)) * w + border(j, w);
      weight[4 * p + t] = wt;
    });
  }
  return tf.tidy(() => {
    const taps = tf.gather(tf.reshape(x, [count, c]), tf.tensor1d(index, 'int32'));
    const weighted = tf.mul(tf.reshape(taps, [count, 4, c]), tf.tensor3d(weight, [count, 4, 1]));
    return tf.reshape(tf.sum(weighted, 1), x.shape) as tf.Tensor4D;
  });
}

/** A row-major `[rows, cols]` field smoothed by skimage `gaussian` (truncate 3, mode 'reflect'). */
function smoothNoise(noise: Float64Array, rows: number, cols: number, sigma: number): Float64Array {
  if (sigma === 0) return noise;
  const r = Math.floor(3 * sigma + 0.5);
  const taps = Array.from({ length: 2 * r + 1 }, (_, t) => Math.exp(-((t - r) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const pass = (src: Float64Array, alongRows: boolean) => {
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++)
          s += taps[t + r] * (alongRows ? src[reflectHalf(i + t, rows) * cols + j] : src[i * cols + reflectHalf(j + t, cols)]);
        out[i * cols + j] = s / total;
      }
    return out;
  };
  return pass(pass(noise, true), false);
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
  return tf.tidy(() => {
    const warped = bilinear(x, warpY, warpX, reflect101);
    return tf.clipByValue(bilinear(warped, fieldY, fieldX, reflectHalf), 0, 1) as tf.Tensor4D;
  });
}

/** Elastic transform (see `ELASTIC_TRANSFORM`, `elasticTransformWith`), the draws from `seed`. */
export function elasticTransform(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const rng = new Rng(seed);
  return elasticTransformWith(x, pick(ELASTIC_TRANSFORM, severity, h, w), rng.uniforms(n * (6 + 2 * h * w)));
}
