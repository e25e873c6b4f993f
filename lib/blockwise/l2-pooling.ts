import * as tf from '@tensorflow/tfjs-core';

/**
 * Global L2 pooling (paper Sec. 3.3, "CbE w/ L2-pooling"): the root mean square of each channel over all
 * spatial positions, `sqrt(mean_{H,W}(x^2) + eps)`. `[N, H, W, C] -> [N, C]`.
 *
 * The paper gives no formula; this is the usual L2 pooling (Sermanet et al.) taken over the whole map.
 * eps keeps the gradient `x / (H W sqrt(mean(x^2) + eps))` finite where a channel is zero everywhere,
 * which after the ReLU of the expansion happens; it shifts the value by at most sqrt(eps) (1e-3 at the
 * default 1e-6, only for all-zero channels; negligible once mean(x^2) >> eps).
 */
export function l2Pool(x: tf.Tensor4D, eps = 1e-6): tf.Tensor2D {
  if (x.rank !== 4) throw new Error(`l2Pool: expected an [N, H, W, C] input, got shape [${x.shape}]`);
  if (!(eps > 0)) throw new Error(`l2Pool: eps must be > 0, got ${eps}`);
  return tf.tidy(() => tf.sqrt(tf.add(tf.mean(tf.square(x), [1, 2]), eps)) as tf.Tensor2D);
}
