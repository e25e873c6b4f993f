import * as tf from '@tensorflow/tfjs-core';

/**
 * How many of the N rows of `scores` `[N, K]` (logits, votes) have their `labels` entry (int32 `[N]`) among the
 * `k` largest: top-1 with `k = 1`, top-5 with `k = 5`. Divide by N for the accuracy.
 *
 *     const top5 = topKCorrect(logits, labels, 5) / labels.shape[0];
 */
export function topKCorrect(scores: tf.Tensor2D, labels: tf.Tensor1D, k: number): number {
  const [n, classes] = scores.shape;
  if (scores.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== n) {
    throw new Error(`topKCorrect: expected scores [N, K] and labels [N], got [${scores.shape}] and [${labels.shape}]`);
  }
  if (!(Number.isInteger(k) && k >= 1 && k <= classes)) {
    throw new Error(`topKCorrect: k must be an integer in [1, ${classes}] for scores [${scores.shape}], got ${k}`);
  }
  const correct = tf.tidy(() => {
    const { indices } = tf.topk(scores, k);
    return tf.sum(tf.cast(tf.equal(indices, tf.expandDims(tf.cast(labels, 'int32'), 1)), 'int32'));
  });
  const count = correct.dataSync()[0];
  correct.dispose();
  return count;
}
