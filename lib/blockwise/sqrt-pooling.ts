import * as tf from '@tensorflow/tfjs-core';

/**
 * Global square-root pooling (paper Sec. 3.3, "CbE w/ square-root pooling"): the spatial mean of the
 * square roots, `mean_{H,W}(sqrt(x + eps))`, which squeezes large activations and lifts small ones.
 * `[N, H, W, C] -> [N, C]`. The input must be non-negative (it follows the expansion's ReLU).
 *
 * The paper gives no formula. eps keeps the gradient `1 / (2 sqrt(x + eps))` finite at the exact zeros a
 * ReLU produces (there it is 1 / (2 sqrt(eps)) = 500 at the default 1e-6, then zeroed by the ReLU's own
 * gradient); without it the backward pass multiplies infinity by zero and yields NaN. It shifts each
 * root by at most sqrt(eps) = 1e-3.
 */
export function sqrtPool(x: tf.Tensor4D, eps = 1e-6): tf.Tensor2D {
  if (x.rank !== 4) throw new Error(`sqrtPool: expected an [N, H, W, C] input, got shape [${x.shape}]`);
  if (!(eps > 0)) throw new Error(`sqrtPool: eps must be > 0, got ${eps}`);
  return tf.tidy(() => tf.mean(tf.sqrt(tf.add(x, eps)), [1, 2]));
}
