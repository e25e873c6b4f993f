import * as tf from '@tensorflow/tfjs-core';
import { Mode } from '../nn/module';
import { Rng } from '../nn/rng';
import { stopGradient } from './stop-gradient';

/**
 * How the standard-normal draws eps of the feature noise are laid out over a block output `[N, H, W, C]`:
 * - `'element'`: one independent draw per feature value, eps `[N, H, W, C]` (the paper's best variant and
 *   the authors' `--noise-type all`).
 * - `'spatial'`: one draw per sample and spatial location, shared by all channels there, eps `[N, H, W, 1]`.
 *   This is our reading of the paper's "injecting the same noise to all the features at a particular
 *   spatial location" (Sec. 5). The authors' code has no such option: its `hw` and `c` types draw per
 *   element and only change the axes the std is taken over, so they are not reproduced here.
 */
export type NoiseVariant = 'element' | 'spatial';

/** Feature noise added to every block output in train mode (paper Sec. 5, "Impact of noise addition"). */
export interface FeatureNoiseConfig {
  /** sigma, the noise level relative to the feature std; 0 turns noise off. 0.25 in the paper's final recipe. */
  sigma: number;
  /** Layout of the draws; default `'element'`. */
  variant?: NoiseVariant;
  /**
   * Treat std(x) as a constant in the gradient. Default false: the gradient flows through std(x) too, as
   * in the authors' code (`noise * torch.std(x)`, no detach).
   */
  detachStd?: boolean;
}

/** The paper's final recipe (Sec. 4, the authors' `train.sh`): element-wise noise with sigma 0.25. */
export const PAPER_NOISE: Readonly<FeatureNoiseConfig> = Object.freeze({ sigma: 0.25, variant: 'element' });

/** No feature noise: end-to-end training (plain Barlow Twins) and the paper's Sec. 5 ablations. */
export const NO_NOISE: Readonly<FeatureNoiseConfig> = Object.freeze({ sigma: 0, variant: 'element' });

/** The shape of eps for a block output of shape `[N, H, W, C]`: `[N, H, W, C]` or `[N, H, W, 1]`. */
export function noiseShape(shape: readonly number[], variant: NoiseVariant): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`noiseShape: expected an [N, H, W, C] shape, got [${shape}]`);
  if (variant !== 'element' && variant !== 'spatial') {
    throw new Error(`noiseShape: variant must be 'element' or 'spatial', got '${variant}'`);
  }
  const [n, h, w, c] = shape;
  return variant === 'element' ? [n, h, w, c] : [n, h, w, 1];
}

/** Standard-normal draws eps from `rng` for a block output of shape `[N, H, W, C]`, laid out by `variant`. */
export function drawNoise(shape: readonly number[], variant: NoiseVariant, rng: Rng): tf.Tensor4D {
  const s = noiseShape(shape, variant);
  return tf.tensor4d(rng.normals(s[0] * s[1] * s[2] * s[3]), s);
}

/**
 * std(x) of a block output `[N, H, W, C]` as the noise scales by it: one scalar over the whole tensor (all samples,
 * positions and channels) with Bessel's correction, like `torch.std(x)`. Differentiable. Its accuracy is the
 * backend's sum's: the native backend accumulates sums in double (one float32 rounding, as PyTorch's cascade sum).
 */
export function featureStd(x: tf.Tensor): tf.Scalar {
  if (x.size < 2) throw new Error(`featureStd: std needs at least two values, input shape [${x.shape}]`);
  return tf.tidy(() => tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(x, tf.mean(x)))), x.size - 1)) as tf.Scalar);
}

/**
 * `x + sigma * eps * std(x)` for given draws eps (`[N, H, W, C]` or `[N, H, W, 1]`, broadcast over channels).
 * std(x) is one scalar over the whole tensor (all samples, positions and channels) with Bessel's
 * correction, like `torch.std(x)`. With `detachStd` the gradient treats it as a constant; otherwise
 * d/dx includes `sigma * sum(eps * dy) * (x - mean(x)) / ((n - 1) * std(x))`.
 */
export function addScaledNoise(x: tf.Tensor4D, eps: tf.Tensor4D, sigma: number, detachStd = false): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [en, eh, ew, ec] = eps.shape;
  if (en !== n || eh !== h || ew !== w || (ec !== c && ec !== 1)) {
    throw new Error(`addScaledNoise: noise shape [${eps.shape}] does not fit input shape [${x.shape}]`);
  }
  return tf.tidy(() => {
    const sd = featureStd(x);
    const scale = detachStd ? stopGradient(sd) : sd;
    return tf.add(x, tf.mul(tf.mul(eps, scale), sigma));
  });
}

/**
 * The feature noise of a block output `[N, H, W, C] -> [N, H, W, C]`: in train mode
 * `x + sigma * eps * std(x)` with eps drawn from `rng`; in eval mode, or with sigma 0, `x` itself (the
 * same tensor object, not a copy, and `rng` is not advanced).
 */
export function featureNoise(x: tf.Tensor4D, mode: Mode, config: FeatureNoiseConfig, rng: Rng): tf.Tensor4D {
  if (!(config.sigma >= 0)) throw new Error(`featureNoise: sigma must be >= 0, got ${config.sigma}`);
  if (mode === 'eval' || config.sigma === 0) return x;
  return tf.tidy(() => addScaledNoise(x, drawNoise(x.shape, config.variant ?? 'element', rng), config.sigma, config.detachStd));
}
