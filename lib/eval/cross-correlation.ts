import * as tf from '@tensorflow/tfjs-core';
import { barlowTwinsCrossCorrelation } from '../losses/barlow-twins';
import { checkEmbeddingPair } from '../losses/embedding-pair';

/**
 * The Barlow Twins cross-correlation matrix c, `[D, D]`, of two views' features `z1`, `z2` (`[N, D]`, N >= 2):
 * each dimension standardised over the batch (mean, biased variance, eps 1e-5), `c = z1n^T z2n / N`, the same
 * normalisation as the loss. The blockwise paper's Fig. 8 computes it on backbone features after global spatial
 * pooling (no projector), per block.
 *
 *     const c = crossCorrelation(pooledView1, pooledView2);   // [D, D], c_ij in [-1, 1]
 */
export function crossCorrelation(z1: tf.Tensor2D, z2: tf.Tensor2D): tf.Tensor2D {
  checkEmbeddingPair('crossCorrelation', z1, z2);
  return barlowTwinsCrossCorrelation(z1, z2);
}

/** The entries of the cross-correlation matrix split the way Barlow Twins' two terms see them. */
export interface CrossCorrelationTerms {
  /** The D on-diagonal values c_ii (what the invariance term pushes to 1). */
  onDiagonal: Float32Array;
  /** The D (D - 1) off-diagonal values c_ij, i != j, row by row (what the redundancy term pushes to 0). */
  offDiagonal: Float32Array;
}

/**
 * On- and off-diagonal entries of `crossCorrelation(z1, z2)` as plain arrays: the data behind the paper's
 * Fig. 8 violin plots (one violin per block and term).
 *
 *     const { onDiagonal, offDiagonal } = crossCorrelationTerms(pooledView1, pooledView2);
 *     console.log(summarize(onDiagonal).median, summarize(offDiagonal).std);
 */
export function crossCorrelationTerms(z1: tf.Tensor2D, z2: tf.Tensor2D): CrossCorrelationTerms {
  const c = crossCorrelation(z1, z2);
  const values = c.dataSync() as Float32Array;
  c.dispose();
  const d = z1.shape[1];
  const onDiagonal = new Float32Array(d);
  const offDiagonal = new Float32Array(d * (d - 1));
  let k = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (i === j) onDiagonal[i] = values[i * d + j];
      else offDiagonal[k++] = values[i * d + j];
    }
  }
  return { onDiagonal, offDiagonal };
}

/** Descriptive statistics of a set of values, the columns of pandas' `describe()`. */
export interface Summary {
  count: number;
  mean: number;
  /** Sample standard deviation (divides by count - 1); NaN for a single value. */
  std: number;
  min: number;
  /** First quartile (25 %). */
  q1: number;
  median: number;
  /** Third quartile (75 %). */
  q3: number;
  max: number;
}

/**
 * Count, mean, sample standard deviation and the five quantiles (min, q1, median, q3, max) of `values`, for
 * tables next to the violin plots. Quantiles interpolate linearly between order statistics (numpy's and
 * torch's default); sums run in double precision.
 *
 *     const { median, q1, q3 } = summarize(crossCorrelationTerms(z1, z2).onDiagonal);
 */
export function summarize(values: ArrayLike<number>): Summary {
  const count = values.length;
  if (count === 0) throw new Error('summarize: no values');
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[count - 1])) throw new Error(`summarize: the ${count} values contain NaN`);
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / count;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) * (v - mean);
  const quantile = (q: number): number => {
    const position = q * (count - 1);
    const lo = Math.floor(position);
    const hi = Math.min(lo + 1, count - 1);
    return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
  };
  return {
    count,
    mean,
    std: Math.sqrt(squares / (count - 1)),
    min: sorted[0],
    q1: quantile(0.25),
    median: quantile(0.5),
    q3: quantile(0.75),
    max: sorted[count - 1],
  };
}
