import * as tf from '@tensorflow/tfjs-core';
import { BarlowTwinsOptions, barlowTwinsLoss } from './barlow-twins';
import { crossEntropyLoss } from './cross-entropy';
import { NtXentOptions, ntXentLoss } from './nt-xent';
import { VicregOptions, vicregLoss } from './vicreg';

/**
 * Which self-supervised loss a block trains with, as a plain object a preset can hold. Barlow Twins is the
 * paper's main loss; VICReg and SimCLR's NT-Xent are its Fig. 5.
 */
export type SslLossSpec =
  | ({ kind: 'barlow-twins' } & BarlowTwinsOptions)
  | ({ kind: 'vicreg' } & VicregOptions)
  | ({ kind: 'nt-xent' } & NtXentOptions);

/**
 * The loss of one training block, as a plain object a preset can hold: a self-supervised loss on the two
 * views' embeddings (`SslLossSpec`), or `{ kind: 'cross-entropy' }` for supervised blockwise training, where
 * the block's projector outputs one logit per class (paper Sec. 5: "we include the full projection head in
 * the supervised case, but project to the classes").
 */
export type BlockLossSpec = SslLossSpec | { kind: 'cross-entropy' };

/** The loss `spec` names on two views' embeddings `[N, D]`: a scalar. */
export function sslLoss(spec: SslLossSpec, z1: tf.Tensor2D, z2: tf.Tensor2D): tf.Scalar {
  switch (spec.kind) {
    case 'barlow-twins':
      return barlowTwinsLoss(z1, z2, spec);
    case 'vicreg':
      return vicregLoss(z1, z2, spec);
    case 'nt-xent':
      return ntXentLoss(z1, z2, spec);
    default:
      throw new Error(`sslLoss: unknown loss kind '${(spec as { kind: unknown }).kind}'`);
  }
}

/**
 * The loss `spec` names on the two views' projector outputs `z1`, `z2` `[N, D]`: a scalar. Cross-entropy
 * needs the images' int32 `labels` `[N]` and averages over both views (each view is a labelled sample, so
 * the supervised run sees the same augmented data and batch-norm statistics as the self-supervised one).
 * Example `weights` `[N]` (see `ExampleWeighting`) weight the batch statistics of a Barlow Twins loss; the
 * other losses take none.
 */
export function blockLoss(spec: BlockLossSpec, z1: tf.Tensor2D, z2: tf.Tensor2D, labels?: tf.Tensor1D, weights?: Float32Array): tf.Scalar {
  if (weights !== undefined) {
    if (spec.kind !== 'barlow-twins') throw new Error(`blockLoss: example weights need a Barlow Twins loss, not '${spec.kind}'`);
    return tf.tidy(() => barlowTwinsLoss(z1, z2, spec, tf.tensor1d(weights)));
  }
  if (spec.kind !== 'cross-entropy') return sslLoss(spec, z1, z2);
  if (labels === undefined) throw new Error('blockLoss: a cross-entropy block loss needs the batch labels');
  return tf.tidy(() => tf.mul(tf.add(crossEntropyLoss(z1, labels), crossEntropyLoss(z2, labels)), 0.5) as tf.Scalar);
}

/**
 * A per-example weighting of the block losses of a training step (the paper's Appendix A difficulty routing is
 * one: `difficultyRouting`). The step computes every block's embeddings, asks `weights` for each loss block's
 * `[N]` example weights, and hands them to that block's `blockLoss`.
 */
export interface ExampleWeighting {
  /** What the step does with it, for errors: e.g. `'route by difficulty'`. */
  readonly action: string;
  /** Throws an error naming `what` unless the step (its `numBlocks`, the blocks with a loss, every block's loss) fits the weighting. */
  check(what: string, numBlocks: number, lossBlocks: readonly number[], losses: readonly BlockLossSpec[]): void;
  /**
   * One `[N]` weight array per loss block, in order, from the loss blocks' embeddings of the two views (read as
   * data, off the gradient path).
   */
  weights(z1: readonly tf.Tensor2D[], z2: readonly tf.Tensor2D[]): Float32Array[];
}
