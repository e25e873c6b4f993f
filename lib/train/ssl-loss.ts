import * as tf from '@tensorflow/tfjs-core';
import { BarlowTwinsOptions, barlowTwinsLoss } from '../losses/barlow-twins';
import { VicregOptions, vicregLoss } from '../losses/vicreg';
import { NtXentOptions, ntXentLoss } from '../losses/nt-xent';

/**
 * Which self-supervised loss a block trains with, as a plain object a preset can hold. Barlow Twins is the
 * paper's main loss; VICReg and SimCLR's NT-Xent are its Fig. 5.
 */
export type SslLossSpec =
  | ({ kind: 'barlow-twins' } & BarlowTwinsOptions)
  | ({ kind: 'vicreg' } & VicregOptions)
  | ({ kind: 'nt-xent' } & NtXentOptions);

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
