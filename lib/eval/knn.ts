import * as tf from '@tensorflow/tfjs-core';
import { ExtractedFeatures, LabelledFeatures, checkLabelledFeatures, featuresOfBlock } from './features';
import { checkClassCount, checkProbeLabels, checkSameBlocks } from './linear-probe';

/** The weighted k-nearest-neighbour probe's settings; defaults are InstDisc's and solo-learn's (k 20, T 0.07). */
export interface KnnConfig {
  /** Neighbours that vote; default 20 (at most the training set size). */
  k?: number;
  /** Temperature T of the vote weights exp(similarity / T); default 0.07. */
  temperature?: number;
  /** Training rows compared at once; default 4096. Peak memory is `queryChunk * trainChunk` similarities. */
  trainChunk?: number;
  /** Test rows compared at once; default 1024. */
  queryChunk?: number;
}

/** What a kNN run reports. */
export interface KnnResult {
  /** Top-1 accuracy over the test set, in [0, 1]. */
  top1: number;
  /** Top-5 accuracy when there are more than 5 classes, else `null`. */
  top5: number | null;
  /** Predicted class of every test row. */
  predictions: Int32Array;
}

/** A kNN result for one block (0-based `block`). */
export interface BlockKnnResult extends KnnResult {
  block: number;
}

/** `x / max(||x||_2, 1e-12)` per row (PyTorch's `F.normalize`): `[N, D] -> [N, D]`. */
function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)));
}

/** Rows `[start, end)` of features as an L2-normalised tensor `[end - start, D]`. */
function normalizedRows(f: LabelledFeatures, start: number, end: number): tf.Tensor2D {
  return tf.tidy(() => l2NormalizeRows(tf.tensor2d(f.values.subarray(start * f.dim, end * f.dim), [end - start, f.dim])));
}

/**
 * Weighted k-nearest-neighbour classification on frozen features (Wu et al., 2018, InstDisc; solo-learn's
 * `WeightedKNNClassifier`): features are L2-normalised, the k training rows of highest cosine similarity s vote
 * for their labels with weight exp(s / T), and the class with the largest vote wins (ties: the lower class
 * index). Runs chunk by chunk over the training features, keeping each test row's k best neighbours so far,
 * so memory stays at one chunk of similarities.
 *
 *     const { top1 } = knnClassify(featuresOfBlock(trainSet, 3), featuresOfBlock(testSet, 3), 10);
 */
export function knnClassify(train: LabelledFeatures, test: LabelledFeatures, classes: number, config: KnnConfig = {}): KnnResult {
  const what = 'knnClassify';
  checkClassCount(what, classes);
  checkLabelledFeatures(`${what} (train)`, train);
  checkLabelledFeatures(`${what} (test)`, test);
  if (train.dim !== test.dim) throw new Error(`${what}: train features have dim ${train.dim}, test features ${test.dim}`);
  checkProbeLabels(`${what} (train)`, train.labels, classes);
  checkProbeLabels(`${what} (test)`, test.labels, classes);
  const { temperature = 0.07, trainChunk = 4096, queryChunk = 1024 } = config;
  const kWanted = config.k ?? 20;
  if (!(Number.isInteger(kWanted) && kWanted >= 1)) throw new Error(`${what}: k must be an integer >= 1, got ${kWanted}`);
  if (!(temperature > 0)) throw new Error(`${what}: temperature must be > 0, got ${temperature}`);
  for (const [name, v] of [['trainChunk', trainChunk], ['queryChunk', queryChunk]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${what}: ${name} must be an integer >= 1, got ${v}`);
  }
  const nTrain = train.labels.length;
  const nTest = test.labels.length;
  const k = Math.min(kWanted, nTrain);
  // Each test row's k best similarities so far, in descending order, and the training rows they belong to.
  const bestSim = new Float32Array(nTest * k).fill(-Infinity);
  const bestIdx = new Int32Array(nTest * k).fill(-1);
  const queries: tf.Tensor2D[] = [];
  try {
    for (let q = 0; q < nTest; q += queryChunk) queries.push(normalizedRows(test, q, Math.min(q + queryChunk, nTest)));
    const mergedSim = new Float32Array(k);
    const mergedIdx = new Int32Array(k);
    for (let start = 0; start < nTrain; start += trainChunk) {
      const end = Math.min(start + trainChunk, nTrain);
      const kc = Math.min(k, end - start);
      const keys = normalizedRows(train, start, end);
      let row0 = 0;
      for (const query of queries) {
        const top = tf.tidy(() => tf.topk(tf.matMul(query, keys, false, true), kc));
        const sims = top.values.dataSync() as Float32Array;
        const idx = top.indices.dataSync() as Int32Array;
        tf.dispose([top.values, top.indices]);
        for (let r = 0; r < query.shape[0]; r++) {
          const base = (row0 + r) * k;
          // Merge two descending lists: the row's current best k and this chunk's best kc.
          let a = 0;
          let b = 0;
          for (let m = 0; m < k; m++) {
            if (b < kc && (a >= k || sims[r * kc + b] > bestSim[base + a])) {
              mergedSim[m] = sims[r * kc + b];
              mergedIdx[m] = start + idx[r * kc + b];
              b++;
            } else {
              mergedSim[m] = bestSim[base + a];
              mergedIdx[m] = bestIdx[base + a];
              a++;
            }
          }
          bestSim.set(mergedSim, base);
          bestIdx.set(mergedIdx, base);
        }
        row0 += query.shape[0];
      }
      keys.dispose();
    }
  } finally {
    tf.dispose(queries);
  }
  const predictions = new Int32Array(nTest);
  const votes = new Float64Array(classes);
  const order = Int32Array.from({ length: classes }, (_, c) => c);
  let top1 = 0;
  let top5 = 0;
  for (let r = 0; r < nTest; r++) {
    votes.fill(0);
    for (let m = 0; m < k; m++) votes[train.labels[bestIdx[r * k + m]]] += Math.exp(bestSim[r * k + m] / temperature);
    order.sort((c1, c2) => votes[c2] - votes[c1] || c1 - c2);
    predictions[r] = order[0];
    const label = test.labels[r];
    if (order[0] === label) top1++;
    if (classes > 5 && order.subarray(0, 5).includes(label)) top5++;
  }
  return { top1: top1 / nTest, top5: classes > 5 ? top5 / nTest : null, predictions };
}

/** `knnClassify` for every block of two extractions holding the same blocks (train: the neighbours; test: the queries). */
export function knnBlocks(train: ExtractedFeatures, test: ExtractedFeatures, config: KnnConfig = {}): BlockKnnResult[] {
  checkSameBlocks('knnBlocks', train, test);
  return train.blocks.map(({ block }, i) => ({ block, ...knnClassify(featuresOfBlock(train, i), featuresOfBlock(test, i), train.classCount, config) }));
}
