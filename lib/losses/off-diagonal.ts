import * as tf from '@tensorflow/tfjs-core';

/**
 * The off-diagonal entries of a square `[M, M]` matrix as `[M, M - 1]`: row i holds m[i, j] for j != i, in
 * order. Same trick as facebookresearch/barlowtwins' `off_diagonal`: in the flattened matrix the diagonal sits
 * every M + 1 entries, so dropping the last entry and viewing the rest as `[M - 1, M + 1]` puts the diagonal in
 * column 0. Built from slice and reshape only (no mask, no gather), so it differentiates on every backend.
 */
export function offDiagonal(m: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = m.shape;
  if (rows !== cols) throw new Error(`offDiagonal: expected a square matrix, got shape [${m.shape}]`);
  if (rows === 1) return tf.zeros([1, 0]);
  return tf.tidy(() => {
    const flat = tf.slice(tf.reshape(m, [rows * rows]), 0, rows * rows - 1);
    const shifted = tf.slice(tf.reshape(flat, [rows - 1, rows + 1]), [0, 1], [rows - 1, rows]);
    return tf.reshape(shifted, [rows, rows - 1]);
  });
}

/**
 * sum_{i != j} m_ij^2 of a square `[M, M]` matrix, as a scalar: the redundancy-reduction (Barlow Twins) and
 * covariance (VICReg) penalties. Exactly 0 for M = 1, where the wasm backend's Sum of an empty tensor would
 * return uninitialised memory.
 */
export function offDiagonalSquaredSum(m: tf.Tensor2D): tf.Scalar {
  if (m.shape[0] === 1 && m.shape[1] === 1) return tf.scalar(0);
  return tf.tidy(() => tf.sum(tf.square(offDiagonal(m))));
}
