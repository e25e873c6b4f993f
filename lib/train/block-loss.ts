import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss } from '../losses/cross-entropy';
import { SslLossSpec, sslLoss } from './ssl-loss';

/**
 * The loss of one training block, as a plain object a preset can hold: a self-supervised loss on the two
 * views' embeddings (`SslLossSpec`), or `{ kind: 'cross-entropy' }` for supervised blockwise training, where
 * the block's projector outputs one logit per class (paper Sec. 5: "we include the full projection head in
 * the supervised case, but project to the classes").
 */
export type BlockLossSpec = SslLossSpec | { kind: 'cross-entropy' };

/**
 * The loss `spec` names on the two views' projector outputs `z1`, `z2` `[N, D]`: a scalar. Cross-entropy
 * needs the images' int32 `labels` `[N]` and averages over both views (each view is a labelled sample, so
 * the supervised run sees the same augmented data and batch-norm statistics as the self-supervised one).
 */
export function blockLoss(spec: BlockLossSpec, z1: tf.Tensor2D, z2: tf.Tensor2D, labels?: tf.Tensor1D): tf.Scalar {
  if (spec.kind !== 'cross-entropy') return sslLoss(spec, z1, z2);
  if (labels === undefined) throw new Error('blockLoss: a cross-entropy block loss needs the batch labels');
  return tf.tidy(() => tf.mul(tf.add(crossEntropyLoss(z1, labels), crossEntropyLoss(z2, labels)), 0.5) as tf.Scalar);
}
