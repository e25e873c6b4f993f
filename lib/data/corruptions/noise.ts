import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../nn/rng';
import { SeverityTable, pick } from './severity';

/** Gaussian noise: clip(x + N(0, c^2)). c is the standard deviation. */
export const GAUSSIAN_NOISE: SeverityTable<number> = {
  cifar: [0.04, 0.06, 0.08, 0.09, 0.1],
  imagenet: [0.08, 0.12, 0.18, 0.26, 0.38],
};
/** Shot noise: clip(Poisson(x c) / c). c is the photon count at full intensity. */
export const SHOT_NOISE: SeverityTable<number> = {
  cifar: [500, 250, 100, 75, 50],
  imagenet: [60, 25, 12, 5, 3],
};
/** Impulse (salt-and-pepper) noise: a fraction c of the values set to 0 or 1 with equal odds. */
export const IMPULSE_NOISE: SeverityTable<number> = {
  cifar: [0.01, 0.02, 0.03, 0.05, 0.07],
  imagenet: [0.03, 0.06, 0.09, 0.17, 0.27],
};

/** Gaussian noise with a given standard-normal draw `z` (same shape as `x`); tests pass their own draw. */
export function gaussianNoiseWith(x: tf.Tensor4D, z: tf.Tensor4D, c: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(z, c)), 0, 1) as tf.Tensor4D);
}

export function gaussianNoise(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const c = pick(GAUSSIAN_NOISE, severity, h, w);
  return tf.tidy(() => gaussianNoiseWith(x, tf.tensor4d(new Rng(seed).normals(x.size), x.shape), c));
}

/**
 * A Poisson draw: Knuth's product of uniforms for small means, the rounded normal approximation
 * (clamped at 0) above 30, where it is within the benchmark's 8-bit quantisation.
 */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng.uniform();
  while (p > l) {
    k++;
    p *= rng.uniform();
  }
  return k;
}

export function shotNoise(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const c = pick(SHOT_NOISE, severity, h, w);
  const v = x.dataSync();
  const rng = new Rng(seed);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.min(1, Math.max(0, poisson(rng, v[i] * c) / c));
  return tf.tensor4d(out, x.shape);
}

export function impulseNoise(x: tf.Tensor4D, severity: number, seed: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const amount = pick(IMPULSE_NOISE, severity, h, w);
  const v = x.dataSync();
  const rng = new Rng(seed);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const hit = rng.uniform() < amount;
    const salt = rng.uniform() < 0.5;
    out[i] = hit ? (salt ? 1 : 0) : v[i];
  }
  return tf.tensor4d(out, x.shape);
}
