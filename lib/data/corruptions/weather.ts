import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { SeverityTable, pick } from './severity';

/** Fog: a plasma fractal of roughness `decay` added with weight c, rescaled to the image's maximum: (c, decay). */
export const FOG: SeverityTable<readonly [number, number]> = {
  cifar: [[0.2, 3], [0.5, 3], [0.75, 2.5], [1, 2], [1.5, 1.75]],
  imagenet: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]],
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
