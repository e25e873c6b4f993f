import * as tf from '@tensorflow/tfjs-core';

function checkLogitsAndLabels(what: string, logits: tf.Tensor, labels: tf.Tensor): void {
  const shapes = `logits shape [${logits.shape}], labels shape [${labels.shape}]`;
  if (logits.rank !== 2 || labels.rank !== 1 || logits.shape[0] !== labels.shape[0] || logits.shape[0] < 1) {
    throw new Error(`${what}: expected logits [N, K] and labels [N] with N >= 1, got ${shapes}`);
  }
  if (labels.dtype !== 'int32') throw new Error(`${what}: labels must be int32, got ${labels.dtype} (${shapes})`);
}

/**
 * Softmax cross-entropy of `logits` `[N, K]` against integer class `labels` `[N]` (int32, in [0, K)), averaged
 * over the batch: the supervised loss (end-to-end supervised baselines, linear probes). Same value as
 * `torch.nn.functional.cross_entropy`. Uses `tf.logSoftmax`, which shifts by the row maximum (log-sum-exp) and
 * is built from elementwise ops, so it runs and differentiates on the wasm backend, which has no LogSoftmax
 * kernel. Throws for a label outside [0, K) (reading the labels back, which are on the CPU in practice).
 *
 *     const loss = crossEntropyLoss(logits, labels);   // logits [N, K], labels int32 [N]
 *     const { value, grads } = tf.variableGrads(() => crossEntropyLoss(classify(x), labels));
 */
export function crossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  checkLogitsAndLabels('crossEntropyLoss', logits, labels);
  const k = logits.shape[1];
  const bad = (labels.dataSync() as Int32Array).find((l) => !(l >= 0 && l < k));
  if (bad !== undefined) {
    throw new Error(`crossEntropyLoss: label ${bad} is outside [0, ${k}) for logits shape [${logits.shape}]`);
  }
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, k), logProbabilities), 1))) as tf.Scalar;
  });
}

/**
 * Top-1 accuracy in [0, 1]: the fraction of the N rows of `logits` `[N, K]` whose largest entry is at the
 * index given by `labels` `[N]` (int32).
 *
 *     const acc = accuracy(logits, labels);   // a number, e.g. 0.71
 */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  checkLogitsAndLabels('accuracy', logits, labels);
  const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
  const count = correct.dataSync()[0];
  correct.dispose();
  return count / logits.shape[0];
}
