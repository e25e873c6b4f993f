import * as tf from '@tensorflow/tfjs-core';
import { assertClose, loadFixture } from '../helpers';

/** One case of test/fixtures/losses.json for a two-view loss (see scripts/fixtures/losses.py). */
export interface PairCase {
  shape: [number, number];
  options: Record<string, number>;
  z1: number[];
  z2: number[];
  loss: number;
  gradZ1: number[];
  gradZ2: number[];
  [term: string]: unknown;
}

export interface CrossEntropyCase {
  shape: [number, number];
  logits: number[];
  labels: number[];
  loss: number;
  grad: number[];
  accuracy: number;
}

export interface CrossCorrelationCase {
  shape: [number, number];
  z1: number[];
  z2: number[];
  c: number[];
  onDiagonal: number[];
  offDiagonal: number[];
}

export interface SummaryCase {
  values: number[];
  count: number;
  mean: number;
  std: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface LossFixtures {
  barlowTwins: PairCase[];
  vicreg: PairCase[];
  ntXent: PairCase[];
  crossEntropy: CrossEntropyCase[];
  crossCorrelation: CrossCorrelationCase[];
  summarize: SummaryCase[];
}

export const fixtures = loadFixture<LossFixtures>('losses');

/** Largest magnitude in `values`: gradients are compared with an absolute tolerance relative to it. */
export function maxAbs(values: ArrayLike<number>): number {
  return Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/**
 * Evaluates `loss(z1, z2)` and its gradients with respect to both views on the case's inputs and compares them
 * with the PyTorch values (rtol 1e-4; gradients also get atol 1e-4 * their largest entry); checks that no
 * tensor is left behind.
 */
export function checkPairCase(what: string, c: PairCase, loss: (z1: tf.Tensor2D, z2: tf.Tensor2D) => tf.Scalar): void {
  const before = tf.memory().numTensors;
  const z1 = tf.tensor2d(c.z1, c.shape);
  const z2 = tf.tensor2d(c.z2, c.shape);
  const { value, grads } = tf.tidy(() => {
    const f = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor2D, b as tf.Tensor2D));
    return f([z1, z2]);
  });
  try {
    assertClose(value.dataSync()[0], c.loss, { rtol: 1e-4, atol: 1e-6, what: `${what} loss` });
    assertClose(grads[0].dataSync(), c.gradZ1, { rtol: 1e-4, atol: 1e-4 * maxAbs(c.gradZ1), what: `${what} dL/dz1` });
    assertClose(grads[1].dataSync(), c.gradZ2, { rtol: 1e-4, atol: 1e-4 * maxAbs(c.gradZ2), what: `${what} dL/dz2` });
  } finally {
    tf.dispose([z1, z2, value, ...grads]);
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`${what}: loss and gradients leaked ${leaked} tensors`);
}

/**
 * `[n, d]` with orthogonal +-scale columns of mean 0: columns 1..d of the n x n Sylvester-Hadamard matrix
 * (n a power of 2, d < n).
 */
export function hadamardColumns(n: number, d: number, scale = 1): tf.Tensor2D {
  const values: number[] = [];
  const popcount = (x: number): number => (x === 0 ? 0 : (x & 1) + popcount(x >>> 1));
  for (let i = 0; i < n; i++) for (let j = 1; j <= d; j++) values.push(popcount(i & j) % 2 === 0 ? scale : -scale);
  return tf.tensor2d(values, [n, d]);
}
