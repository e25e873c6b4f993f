import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddingPair } from './embedding-pair';
import { offDiagonal } from './off-diagonal';

/** Options of the NT-Xent loss. */
export interface NtXentOptions {
  /**
   * Temperature tau dividing the cosine similarities: 0.1. The blockwise paper does not publish the value it
   * used for SimCLR; 0.1 is SimCLR's usual ImageNet setting, 0.2 is usual on CIFAR (override per preset).
   */
  temperature?: number;
}

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen, Kornblith, Norouzi, Hinton:
 * "A Simple Framework for Contrastive Learning of Visual Representations", ICML 2020).
 *
 * Inputs: the two views' embeddings `z1`, `z2`, both `[N, D]`, N >= 2. The 2N embeddings are compared by cosine
 * similarity divided by the temperature; each is an anchor whose positive is the other view of the same image
 * and whose negatives are the other 2N - 2 embeddings (its similarity with itself is left out). The loss, a
 * softmax cross-entropy picking the positive, averaged over the 2N anchors, pulls views of one image together
 * and pushes different images apart.
 *
 *     const loss = ntXentLoss(z1, z2, { temperature: 0.2 });   // z1, z2: [N, D] projector outputs
 *     const { value, grads } = tf.variableGrads(() => ntXentLoss(project(view1), project(view2)));
 */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: NtXentOptions = {}): tf.Scalar {
  const { temperature = 0.1 } = options;
  checkEmbeddingPair('ntXentLoss', z1, z2);
  if (!(temperature > 0)) throw new Error(`ntXentLoss: temperature must be > 0, got ${temperature}`);
  const n = z1.shape[0];
  return tf.tidy(() => {
    const z = tf.concat([z1, z2], 0);
    // Rows scaled to unit length like torch's F.normalize (norm floored at 1e-12, so a zero row gives no NaN).
    const unit = tf.mul(z, tf.rsqrt(tf.maximum(tf.sum(tf.square(z), 1, true), 1e-24)));
    const similarity = tf.div(tf.matMul(unit, unit, false, true), temperature) as tf.Tensor2D;
    // Dropping the diagonal leaves [2N, 2N - 1] logits per anchor; anchor i's positive, column i + N of the full
    // matrix for i < N and i - N otherwise, moves one column left when it lies right of the diagonal.
    const logits = offDiagonal(similarity);
    const positives = Array.from({ length: 2 * n }, (_, i) => (i < n ? i + n - 1 : i - n));
    const targets = tf.oneHot(tf.tensor1d(positives, 'int32'), 2 * n - 1);
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}
