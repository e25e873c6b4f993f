import * as tf from '@tensorflow/tfjs-core';

/**
 * Checks that `z1` and `z2` are the embeddings of two views of one batch: both `[N, D]`, equal shapes, N >= 2
 * (batch statistics of a single sample are undefined and would turn the loss into NaN). Throws an error that
 * names `what` (the calling function) and both shapes.
 */
export function checkEmbeddingPair(what: string, z1: tf.Tensor, z2: tf.Tensor): void {
  const shapes = `z1 shape [${z1.shape}], z2 shape [${z2.shape}]`;
  if (z1.rank !== 2 || z2.rank !== 2) {
    throw new Error(`${what}: expected two [N, D] embeddings, got ${shapes}`);
  }
  if (z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]) {
    throw new Error(`${what}: the two views must have equal shapes, got ${shapes}`);
  }
  const [n = 0, d = 0] = z1.shape;
  if (n < 2 || d < 1) {
    throw new Error(`${what}: needs a batch of N >= 2 embeddings of D >= 1 dimensions, got ${shapes}`);
  }
}
