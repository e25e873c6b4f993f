import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { SeverityTable, pick } from './severity';
import { motionBlurPixels, motionTaps, zoomTaps } from './blur';

/** Fog: a plasma fractal of roughness `decay` added with weight c, rescaled to the image's maximum: (c, decay). */
export const FOG: SeverityTable<readonly [number, number]> = {
  cifar: [[0.2, 3], [0.5, 3], [0.75, 2.5], [1, 2], [1.5, 1.75]],
  imagenet: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]],
};

/**
 * Snow: a layer of N(mean, std^2) flakes per pixel, zoomed by `zoom` about the centre, zeroed below `threshold`,
 * motion-blurred (ImageMagick `radius`, `sigma`) at an angle uniform in [-135, -45) degrees, added to the image
 * and to it turned by 180 degrees, over the image whitened with weight 1 - blend:
 * (mean, std, zoom, threshold, radius, sigma, blend).
 */
export type SnowConstants = readonly [number, number, number, number, number, number, number];
export const SNOW: SeverityTable<SnowConstants> = {
  cifar: [[0.1, 0.2, 1, 0.6, 8, 3, 0.95], [0.1, 0.2, 1, 0.5, 10, 4, 0.9], [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9],
    [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85], [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8]],
  imagenet: [[0.1, 0.3, 3, 0.5, 10, 4, 0.8], [0.2, 0.3, 2, 0.5, 12, 4, 0.7], [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
    [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65], [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55]],
};

/**
 * Snow with given draws: `normals` (`N H W` standard normals, image by image, row-major) and one angle per
 * image (degrees). As in the benchmark, per image: the layer mean + std z, zoomed (`clipped_zoom`, linear),
 * zeroed below the threshold, clipped and floored to 8 bits, motion-blurred (edge pixels repeated; the
 * benchmark's 8-bit PNG of the result is kept as floats here); the image becomes
 * blend x + (1 - blend) max(x, 1.5 gray(x) + 0.5) (gray: 0.299 R + 0.587 G + 0.114 B, OpenCV's RGB2GRAY; x
 * itself for one channel), and the output is clip(that + layer + layer turned 180 degrees).
 */
export function snowWith(x: tf.Tensor4D, constants: SnowConstants, normals: ArrayLike<number>, angles: readonly number[]): tf.Tensor4D {
  const [n, h, w, ch] = x.shape;
  if (ch !== 1 && ch !== 3) throw new Error(`corrupt(snow): needs 1 or 3 channels, got ${ch} (shape [${x.shape}])`);
  if (normals.length !== n * h * w || angles.length !== n)
    throw new Error(`snowWith: ${normals.length} normals and ${angles.length} angles for images of shape [${x.shape}]`);
  const [mean, std, zoom, threshold, radius, sigma, blend] = constants;
  const rows = zoomTaps(h, zoom);
  const cols = zoomTaps(w, zoom);
  const layers = new Float32Array(n * h * w);
  const flake = new Float64Array(h * w);
  const zoomedRows = new Float64Array(h * w);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < h * w; p++) flake[p] = mean + std * normals[img * h * w + p];
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const lo = rows.lo[i];
        const f = rows.frac[i];
        zoomedRows[i * w + j] = (1 - f) * flake[lo * w + j] + (f > 0 ? f * flake[(lo + 1) * w + j] : 0);
      }
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const lo = cols.lo[j];
        const f = cols.frac[j];
        const v = (1 - f) * zoomedRows[i * w + lo] + (f > 0 ? f * zoomedRows[i * w + lo + 1] : 0);
        layers[(img * h + i) * w + j] = v < threshold ? 0 : Math.floor(Math.min(1, Math.max(0, v)) * 255) / 255;
      }
  }
  const blurred = motionBlurPixels(layers, [n, h, w, 1], angles.map((a) => motionTaps(radius, sigma, a)));
  const both = new Float32Array(n * h * w);
  for (let img = 0; img < n; img++)
    for (let p = 0; p < h * w; p++) both[img * h * w + p] = blurred[img * h * w + p] + blurred[img * h * w + h * w - 1 - p];
  return tf.tidy(() => {
    const gray = ch === 3 ? tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 3, true) : x;
    const whitened = tf.add(tf.mul(x, blend), tf.mul(tf.maximum(x, tf.add(tf.mul(gray, 1.5), 0.5)), 1 - blend));
    return tf.clipByValue(tf.add(whitened, tf.tensor4d(both, [n, h, w, 1])), 0, 1) as tf.Tensor4D;
  });
}

/** Snow (see `SNOW`, `snowWith`), drawing each image's flakes and then its angle from `seed`. */
export function snow(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const rng = new Rng(seed);
  const normals = new Float32Array(n * h * w);
  const angles: number[] = [];
  for (let img = 0; img < n; img++) {
    normals.set(rng.normals(h * w), img * h * w);
    angles.push(-135 + 90 * rng.uniform());
  }
  return snowWith(x, pick(SNOW, severity, h, w), normals, angles);
}

/**
 * Frost: c0 x + c1 t, clipped, with t a frost texture: (c0, c1). The benchmark crops one of six photographs of
 * frost (frost1.png ... frost6.jpg, shipped with its code); those cannot be fetched here, so `frostTexture`
 * draws a procedural stand-in.
 */
export const FROST: SeverityTable<readonly [number, number]> = {
  cifar: [[1, 0.2], [1, 0.3], [0.9, 0.4], [0.85, 0.4], [0.75, 0.45]],
  imagenet: [[1, 0.4], [0.8, 0.6], [0.7, 0.7], [0.65, 0.7], [0.6, 0.75]],
};

/**
 * The benchmark's plasma fractal (diamond-square on a periodic `size` x `size` grid, `size` a power of two):
 * each new point is the mean of its four neighbours plus wibble * U(-wibble, wibble), wibble starting at 100
 * and divided by `decay` per level (the benchmark scales the uniform by wibble twice; kept). Min-max
 * normalised to [0, 1]; row-major `[size, size]`.
 */
export function plasmaFractal(size: number, decay: number, rng: Rng): Float64Array {
  if (size < 1 || (size & (size - 1)) !== 0) throw new Error(`plasmaFractal: size must be a power of two, got ${size}`);
  const map = new Float64Array(size * size);
  let step = size;
  let wibble = 100;
  const at = (i: number, j: number) => map[i * size + j];
  const wibbled = (sum: number) => sum / 4 + wibble * (-wibble + 2 * wibble * rng.uniform());
  while (step >= 2) {
    const half = step / 2;
    const g = size / step;
    // Squares: the centre of each cell from its four corners (the grid wraps around).
    for (let a = 0; a < g; a++)
      for (let b = 0; b < g; b++) {
        const a1 = ((a + 1) % g) * step;
        const b1 = ((b + 1) % g) * step;
        map[(a * step + half) * size + b * step + half] = wibbled(
          at(a * step, b * step) + at(a1, b * step) + at(a * step, b1) + at(a1, b1));
      }
    // Diamonds: edge midpoints from the two centres and two corners around them, top edges first.
    const centre = (a: number, b: number) => at((((a % g) + g) % g) * step + half, (((b % g) + g) % g) * step + half);
    const corner = (a: number, b: number) => at((((a % g) + g) % g) * step, (((b % g) + g) % g) * step);
    for (let a = 0; a < g; a++)
      for (let b = 0; b < g; b++)
        map[a * step * size + b * step + half] = wibbled(centre(a, b) + centre(a - 1, b) + corner(a, b) + corner(a, b + 1));
    for (let a = 0; a < g; a++)
      for (let b = 0; b < g; b++)
        map[(a * step + half) * size + b * step] = wibbled(centre(a, b) + centre(a, b - 1) + corner(a, b) + corner(a + 1, b));
    step = half;
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return map.map((v) => (v - lo) / (hi - lo || 1));
}

/**
 * Fog: x + c p with p a plasma fractal per image (drawn from `seed`, on the smallest power-of-two grid
 * covering H and W, cropped top-left as the benchmark crops 256 to 224), times max(x) / (max(x) + c) with
 * max(x) per image, clipped.
 */
export function fog(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [c, decay] = pick(FOG, severity, h, w);
  const size = 2 ** Math.ceil(Math.log2(Math.max(h, w)));
  const rng = new Rng(seed);
  const layers = new Float32Array(n * h * w);
  for (let img = 0; img < n; img++) {
    const p = plasmaFractal(size, decay, rng);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) layers[(img * h + i) * w + j] = p[i * size + j];
  }
  return tf.tidy(() => {
    const max = tf.max(x, [1, 2, 3], true);
    const fogged = tf.add(x, tf.mul(tf.tensor4d(layers, [n, h, w, 1]), c));
    return tf.clipByValue(tf.mul(fogged, tf.div(max, tf.add(max, c))), 0, 1) as tf.Tensor4D;
  });
}

/**
 * A procedural, seeded stand-in for the benchmark's frost photographs, `[h, w]` row-major in [0, 1]: a faint
 * plasma haze (0.15 of the range) under ice crystals, each a six-armed star at a uniform centre whose arms
 * (lengths up to a quarter of the shorter side) carry side needles at +-60 degrees, drawn bright (0.6-1) one
 * pixel wide and softened by a 3x3 mean. Most of it is dark, like frost on a window seen against the image;
 * it is not a match for the photographs' statistics (their mean brightness is not known here).
 */
export function frostTexture(h: number, w: number, rng: Rng): Float32Array {
  const size = 2 ** Math.ceil(Math.log2(Math.max(h, w)));
  const haze = plasmaFractal(size, 2, rng);
  const t = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) t[i * w + j] = 0.15 * haze[i * size + j];
  const line = (y: number, x: number, angle: number, length: number, value: number) => {
    for (let k = 0; k <= length; k += 0.5) {
      const i = Math.round(y + k * Math.sin(angle));
      const j = Math.round(x + k * Math.cos(angle));
      if (i >= 0 && i < h && j >= 0 && j < w) t[i * w + j] = Math.max(t[i * w + j], value);
    }
  };
  const crystals = 3 + Math.floor((h * w) / 256);
  const reach = Math.max(2, Math.min(h, w) / 4);
  for (let k = 0; k < crystals; k++) {
    const y = rng.uniform() * h;
    const x = rng.uniform() * w;
    const turn = rng.uniform() * Math.PI / 3;
    const value = 0.6 + 0.4 * rng.uniform();
    for (let arm = 0; arm < 6; arm++) {
      const angle = turn + (arm * Math.PI) / 3;
      const length = reach * (0.3 + 0.7 * rng.uniform());
      line(y, x, angle, length, value);
      for (let b = 1; b <= 2; b++) {
        const at = (length * b) / 3;
        const [by, bx] = [y + at * Math.sin(angle), x + at * Math.cos(angle)];
        line(by, bx, angle + Math.PI / 3, length / 3, value * 0.8);
        line(by, bx, angle - Math.PI / 3, length / 3, value * 0.8);
      }
    }
  }
  const soft = new Float32Array(h * w);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      let sum = 0;
      let count = 0;
      for (let di = -1; di <= 1; di++)
        for (let dj = -1; dj <= 1; dj++)
          if (i + di >= 0 && i + di < h && j + dj >= 0 && j + dj < w) {
            sum += t[(i + di) * w + j + dj];
            count++;
          }
      soft[i * w + j] = sum / count;
    }
  return soft;
}

/** Frost: clip(c0 x + c1 t) with a procedural texture t per image from `seed` (see `FROST`, `frostTexture`). */
export function frost(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const [c0, c1] = pick(FROST, severity, h, w);
  const rng = new Rng(seed);
  const textures = new Float32Array(n * h * w);
  for (let img = 0; img < n; img++) textures.set(frostTexture(h, w, rng), img * h * w);
  return tf.tidy(() => {
    const t = tf.tensor4d(textures, [n, h, w, 1]);
    return tf.clipByValue(tf.add(tf.mul(x, c0), tf.mul(t, c1)), 0, 1) as tf.Tensor4D;
  });
}
