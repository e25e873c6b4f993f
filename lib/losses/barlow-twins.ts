import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddingPair } from './embedding-pair';
import { offDiagonalSquaredSum } from './off-diagonal';

/** Barlow Twins' weight lambda of the redundancy-reduction term (Zbontar et al. 2021), the paper's for every block. */
export const PAPER_LAMBDA = 0.0051;

/** Options of the Barlow Twins loss; the defaults are the paper's. */
export interface BarlowTwinsOptions {
  /** Weight lambda of the redundancy-reduction term: `PAPER_LAMBDA`, 0.0051. */
  lambda?: number;
  /**
   * Target of the diagonal entries c_ii: 1. The blockwise paper's Appendix A ("adjusted invariance targets")
   * lowers it for early blocks (0.6, 0.75, 0.9, 1.0 for blocks 1 to 4).
   */
  invarianceTarget?: number;
  /** Added to the batch variance before normalising, like PyTorch's `BatchNorm1d`: 1e-5. */
  eps?: number;
}

/** The Barlow Twins loss and its two terms, all scalar tensors; `loss = invariance + redundancy`. */
export interface BarlowTwinsTerms {
  loss: tf.Scalar;
  /** Invariance term: sum_i (c_ii - target)^2. */
  invariance: tf.Scalar;
  /** Redundancy-reduction term, lambda-weighted: lambda * sum_{i != j} c_ij^2. */
  redundancy: tf.Scalar;
}

/** The options with the paper's defaults filled in, checked; errors name `what`. */
function resolveOptions(what: string, options: BarlowTwinsOptions): Required<BarlowTwinsOptions> {
  const { lambda = PAPER_LAMBDA, invarianceTarget = 1, eps = 1e-5 } = options;
  if (!(lambda >= 0 && lambda < Infinity)) throw new Error(`${what}: lambda must be finite and >= 0, got ${lambda}`);
  if (!Number.isFinite(invarianceTarget)) throw new Error(`${what}: invarianceTarget must be finite, got ${invarianceTarget}`);
  if (!(eps > 0 && eps < Infinity)) throw new Error(`${what}: eps must be finite and > 0, got ${eps}`);
  return { lambda, invarianceTarget, eps };
}

/**
 * Normalises each of the D dimensions of `[N, D]` embeddings by its batch mean and biased batch variance, as
 * PyTorch's `BatchNorm1d(D, affine=False)` does in train mode.
 */
export function standardizeEmbeddings(z: tf.Tensor2D, eps = 1e-5): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(z, 0);
    return tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, eps)));
  });
}

/**
 * The Barlow Twins cross-correlation matrix `c = z1n^T z2n / N`, `[D, D]`, where z1n and z2n are the two views'
 * `[N, D]` embeddings standardised per dimension over the batch (see `standardizeEmbeddings`). c_ij is the correlation
 * between dimension i of view 1 and dimension j of view 2 (slightly below 1 in magnitude because of `eps`).
 */
export function barlowTwinsCrossCorrelation(z1: tf.Tensor2D, z2: tf.Tensor2D, eps = 1e-5): tf.Tensor2D {
  checkEmbeddingPair('barlowTwinsCrossCorrelation', z1, z2);
  return tf.tidy(() => tf.div(tf.matMul(standardizeEmbeddings(z1, eps), standardizeEmbeddings(z2, eps), true, false), z1.shape[0]));
}

/**
 * How the loss averages over the batch: each example counts equally (Barlow Twins), or by its weight `p` `[N, 1]`
 * (summing to 1). Equal weights keep Barlow Twins' own operations (`tf.moments`, a matrix product divided by N),
 * so the plain loss is unchanged bit for bit.
 */
interface BatchAverage {
  /** `[N, D]` -> `[N, D]` standardised per dimension with the batch's (weighted) mean and biased variance. */
  standardize(z: tf.Tensor2D): tf.Tensor2D;
  /** The `[D, D]` cross-correlation c_ij = avg_b z1n_bi z2n_bj and its diagonal `[D]`. */
  correlate(z1n: tf.Tensor2D, z2n: tf.Tensor2D): { c: tf.Tensor2D; diagonal: tf.Tensor1D };
}

function equalAverage(n: number, eps: number): BatchAverage {
  return {
    standardize: (z) => standardizeEmbeddings(z, eps),
    correlate: (z1n, z2n) => ({
      c: tf.div<tf.Tensor2D>(tf.matMul(z1n, z2n, true, false), n),
      // c_ii straight from the standardised embeddings (a sum over the batch) rather than picked out of c.
      diagonal: tf.div<tf.Tensor1D>(tf.sum(tf.mul(z1n, z2n), 0), n),
    }),
  };
}

function weightedAverage(p: tf.Tensor2D, eps: number): BatchAverage {
  return {
    standardize: (z) => {
      const mean = tf.sum(tf.mul(z, p), 0);
      const centred = tf.sub(z, mean);
      const variance = tf.sum(tf.mul(tf.square(centred), p), 0);
      return tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
    },
    correlate: (z1n, z2n) => {
      const z1w = tf.mul(z1n, p);
      return { c: tf.matMul(z1w, z2n, true, false), diagonal: tf.sum<tf.Tensor1D>(tf.mul(z1w, z2n), 0) };
    },
  };
}

/** `weights` `[N]` checked (finite, >= 0, not all 0) and divided by their sum, as `[N, 1]`; errors name `what`. */
function exampleShares(what: string, weights: tf.Tensor1D, n: number): tf.Tensor2D {
  if (weights.rank !== 1 || weights.shape[0] !== n) {
    throw new Error(`${what}: weights of shape [${weights.shape}] do not give one weight to each of the ${n} examples`);
  }
  const w = weights.dataSync();
  let total = 0;
  for (let i = 0; i < w.length; i++) {
    if (!(w[i] >= 0 && w[i] < Infinity)) throw new Error(`${what}: weight ${i} is ${w[i]}, not a finite number >= 0`);
    total += w[i];
  }
  if (!(total > 0)) throw new Error(`${what}: every weight is 0`);
  return tf.tidy(() => tf.reshape(tf.div(weights, total), [-1, 1]));
}

/**
 * Barlow Twins loss (Zbontar, Jing, Misra, LeCun, Deny: "Barlow Twins: Self-Supervised Learning via Redundancy
 * Reduction", ICML 2021), with its invariance and redundancy-reduction terms separately for logging.
 *
 * Inputs: the two views' embeddings `z1`, `z2`, both `[N, D]`, N >= 2. With c their cross-correlation matrix
 * (`barlowTwinsCrossCorrelation`), loss = sum_i (c_ii - target)^2 + lambda * sum_{i != j} c_ij^2: the first
 * term makes each dimension invariant to the augmentation (c_ii -> 1), the second decorrelates different
 * dimensions (c_ij -> 0), reducing redundancy between them. Not scaled by the older code's 0.024 factor.
 *
 * With example `weights` `[N]` (>= 0, not all 0; only their ratios matter) every statistic the loss takes over
 * the N examples (the mean and variance that standardise each dimension, the cross-correlation c) becomes a
 * weighted average. Equal weights give the plain loss; weights of 0 and 1 give it on the examples weighted 1.
 * The paper's Appendix A routes examples to blocks by difficulty and trains the other blocks on them with a
 * reduced weight (`difficultyRouting` in lib/train/difficulty-routing.ts). The weights are data, not
 * parameters: no gradient flows into them.
 *
 *     const { loss, invariance, redundancy } = barlowTwinsTerms(z1, z2);
 *     const weighted = barlowTwinsTerms(z1, z2, {}, tf.tensor1d([1, 1, 0.5, 0.5])).loss;
 */
export function barlowTwinsTerms(
  z1: tf.Tensor2D,
  z2: tf.Tensor2D,
  options: BarlowTwinsOptions = {},
  weights?: tf.Tensor1D,
): BarlowTwinsTerms {
  checkEmbeddingPair('barlowTwinsLoss', z1, z2);
  const { lambda, invarianceTarget, eps } = resolveOptions('barlowTwinsLoss', options);
  const p = weights === undefined ? null : exampleShares('barlowTwinsLoss', weights, z1.shape[0]);
  let invariance: tf.Scalar;
  let redundancy: tf.Scalar;
  try {
    [invariance, redundancy] = tf.tidy(() => {
      const average = p === null ? equalAverage(z1.shape[0], eps) : weightedAverage(p, eps);
      const { c, diagonal } = average.correlate(average.standardize(z1), average.standardize(z2));
      const inv = tf.sum(tf.square(tf.sub(diagonal, invarianceTarget))) as tf.Scalar;
      const red = tf.mul(offDiagonalSquaredSum(c), lambda) as tf.Scalar;
      return [inv, red];
    });
  } finally {
    p?.dispose();
  }
  return { loss: tf.add(invariance, redundancy), invariance, redundancy };
}

/**
 * Barlow Twins loss as a scalar tensor (with example `weights`, the weighted loss); see `barlowTwinsTerms` for the
 * definition and the paper.
 *
 *     const loss = barlowTwinsLoss(z1, z2);   // z1, z2: [N, D] projector outputs of the two views
 *     const { value, grads } = tf.variableGrads(() => barlowTwinsLoss(project(view1), project(view2)));
 */
export function barlowTwinsLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: BarlowTwinsOptions = {}, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => barlowTwinsTerms(z1, z2, options, weights).loss);
}
