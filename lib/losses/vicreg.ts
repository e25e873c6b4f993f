import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddingPair } from './embedding-pair';
import { offDiagonalSquaredSum } from './off-diagonal';

/** Coefficients of the three VICReg terms; the defaults are the paper's (and facebookresearch/vicreg's). */
export interface VicregOptions {
  /** Weight of the invariance (similarity) term, the paper's lambda: 25. */
  simCoeff?: number;
  /** Weight of the variance (standard deviation) term, the paper's mu: 25. */
  stdCoeff?: number;
  /** Weight of the covariance term, the paper's nu: 1. */
  covCoeff?: number;
}

/** The VICReg loss and its three weighted terms, all scalar tensors; `loss = invariance + variance + covariance`. */
export interface VicregTerms {
  loss: tf.Scalar;
  /** simCoeff * mean squared error between the two views. */
  invariance: tf.Scalar;
  /** stdCoeff * (mean(relu(1 - std(z1))) + mean(relu(1 - std(z2)))) / 2. */
  variance: tf.Scalar;
  /** covCoeff * (sum of squared off-diagonal covariances of z1 + the same of z2) / D. */
  covariance: tf.Scalar;
}

/** Hinge on the per-dimension standard deviation and off-diagonal covariance penalty of one view `[N, D]`. */
function varianceAndCovariance(z: tf.Tensor2D): [tf.Scalar, tf.Scalar] {
  return tf.tidy(() => {
    const [n, d] = z.shape;
    const centred = tf.sub(z, tf.mean(z, 0));
    // Unbiased variance (torch's `var`); the 1e-4 keeps sqrt's gradient finite for collapsed dimensions.
    const std = tf.sqrt(tf.add(tf.div(tf.sum(tf.square(centred), 0), n - 1), 1e-4));
    const hinge = tf.mean(tf.relu(tf.sub(1, std))) as tf.Scalar;
    const cov = tf.div(tf.matMul(centred, centred, true, false), n - 1) as tf.Tensor2D;
    const offDiagonalSquares = tf.div(offDiagonalSquaredSum(cov), d) as tf.Scalar;
    return [hinge, offDiagonalSquares];
  });
}

/**
 * VICReg loss (Bardes, Ponce, LeCun: "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", ICLR 2022), computed exactly as facebookresearch/vicreg's `main_vicreg.py`, with
 * its three terms separately for logging.
 *
 * Inputs: the two views' embeddings `z1`, `z2`, both `[N, D]`, N >= 2. The invariance term pulls the two views
 * together (mean squared error), the variance term keeps the standard deviation of every dimension above 1
 * over the batch (preventing collapse), the covariance term decorrelates different dimensions.
 *
 *     const { loss, invariance, variance, covariance } = vicregTerms(z1, z2);
 *     console.log(invariance.dataSync()[0], variance.dataSync()[0], covariance.dataSync()[0]);
 */
export function vicregTerms(z1: tf.Tensor2D, z2: tf.Tensor2D, options: VicregOptions = {}): VicregTerms {
  const { simCoeff = 25, stdCoeff = 25, covCoeff = 1 } = options;
  checkEmbeddingPair('vicregLoss', z1, z2);
  for (const [name, value] of Object.entries({ simCoeff, stdCoeff, covCoeff })) {
    if (!(value >= 0 && value < Infinity)) throw new Error(`vicregLoss: ${name} must be finite and >= 0, got ${value}`);
  }
  const [invariance, variance, covariance] = tf.tidy(() => {
    const [std1, cov1] = varianceAndCovariance(z1);
    const [std2, cov2] = varianceAndCovariance(z2);
    return [
      tf.mul(tf.mean(tf.squaredDifference(z1, z2)), simCoeff) as tf.Scalar,
      tf.mul(tf.add(std1, std2), stdCoeff / 2) as tf.Scalar,
      tf.mul(tf.add(cov1, cov2), covCoeff) as tf.Scalar,
    ];
  });
  return { loss: tf.tidy(() => tf.addN([invariance, variance, covariance])), invariance, variance, covariance };
}

/**
 * VICReg loss as a scalar tensor; see `vicregTerms` for the definition and the paper.
 *
 *     const loss = vicregLoss(z1, z2);   // z1, z2: [N, D] projector outputs of the two views
 *     const { value, grads } = tf.variableGrads(() => vicregLoss(project(view1), project(view2)));
 */
export function vicregLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: VicregOptions = {}): tf.Scalar {
  return tf.tidy(() => vicregTerms(z1, z2, options).loss);
}
