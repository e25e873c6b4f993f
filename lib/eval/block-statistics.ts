import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../nn/rng';
import { BlockwiseNetwork } from '../blockwise/blockwise-network';
import { ImageDataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { shuffledIndices } from '../data/shuffle';
import { TwoViewRecipe, twoViews } from '../data/views';
import { Summary, crossCorrelationTerms, summarize } from './cross-correlation';
import { checkBlockIndices, pooledBlockOutputs } from './features';

/** Makes the two views of a batch of `[0, 1]` images; the caller disposes both. */
export type ViewPairMaker = (images: tf.Tensor4D, rng: Rng) => [tf.Tensor4D, tf.Tensor4D];

export interface BlockStatisticsOptions {
  /** How the two views are made: a two-view recipe (e.g. `barlowTwinsViewsSmall()`) or a function. */
  views: TwoViewRecipe | ViewPairMaker;
  /** Images per batch (the N of each cross-correlation matrix); default 256. */
  batchSize?: number;
  /** Batches to average over; default every full batch of the dataset (pass a subset to bound the cost). */
  batches?: number;
  /** 0-based blocks; default every block. */
  blocks?: readonly number[];
  /** Seeds the batch order, the views and the plotting subsample; default 0. */
  seed?: number;
  /** At most this many values of each term are kept for plotting (a seeded random subset); default 20000. */
  maxPlotValues?: number;
}

/** The cross-correlation terms of one block (0-based `block`, `dim` = D channels). */
export interface BlockCorrelationStatistics {
  block: number;
  dim: number;
  /** Batches of `batchSize` images the matrix is averaged over. */
  batches: number;
  batchSize: number;
  /** The on-diagonal terms c_ii for plotting (all D unless D > maxPlotValues). */
  onDiagonal: Float32Array;
  /** A seeded random subset (in row order) of the D (D - 1) off-diagonal terms c_ij, for plotting. */
  offDiagonal: Float32Array;
  /** Statistics over all D on-diagonal and all D (D - 1) off-diagonal terms (not only the plotted ones). */
  summary: { onDiagonal: Summary; offDiagonal: Summary };
}

/**
 * The statistics behind the paper's Fig. 8 (violins of the on- and off-diagonal cross-correlation terms per
 * block): two augmented views of each batch go through the network in eval mode (running batch-norm statistics,
 * no noise); each block's output is globally average-pooled (GSP, no head, no projector) and the Barlow Twins
 * cross-correlation matrix c of the two views' `[N, D]` features is computed per batch (`crossCorrelationTerms`).
 * The matrices are averaged over the batches, which keeps the loss' per-batch normalisation but lowers the
 * sampling noise of the off-diagonal terms (about 1 / sqrt(N) for one batch). On-diagonal near 1: the block's
 * features are invariant to the augmentations; off-diagonal near 0: its dimensions are decorrelated.
 *
 *     const stats = await blockCorrelationStatistics(model, subset(validation, first2048), { views: barlowTwinsViewsSmall(), batchSize: 256 });
 *     stats.forEach((s) => console.log(s.block + 1, s.summary.onDiagonal.median, s.summary.offDiagonal.std));
 */
export async function blockCorrelationStatistics(
  model: { readonly network: BlockwiseNetwork },
  dataset: ImageDataset,
  options: BlockStatisticsOptions,
): Promise<BlockCorrelationStatistics[]> {
  const what = 'blockCorrelationStatistics';
  const network = model.network;
  const count = network.blocks.length;
  const blocks = options.blocks ? [...options.blocks] : [...Array(count).keys()];
  checkBlockIndices(what, blocks, count);
  const { batchSize = 256, seed = 0, maxPlotValues = 20000 } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 2)) throw new Error(`${what}: batchSize must be an integer >= 2, got ${batchSize}`);
  if (!(Number.isInteger(maxPlotValues) && maxPlotValues >= 1)) throw new Error(`${what}: maxPlotValues must be an integer >= 1, got ${maxPlotValues}`);
  const available = Math.floor(dataset.size / batchSize);
  const batches = options.batches ?? available;
  if (!(Number.isInteger(batches) && batches >= 1 && batches <= available)) {
    throw new Error(`${what}: batches must be an integer in [1, ${available}] (${dataset.name}: ${dataset.size} images in batches of ${batchSize}), got ${batches}`);
  }
  const views = options.views;
  const makeViews: ViewPairMaker = typeof views === 'function' ? views : (x, rng) => twoViews(x, views, rng);
  const rng = new Rng(seed);
  const viewRng = rng.fork();
  const dims = blocks.map((b) => network.blockChannels[b]);
  blocks.forEach((b, i) => {
    if (dims[i] < 2) throw new Error(`${what}: block ${b} has ${dims[i]} channel, no off-diagonal terms`);
  });
  const onSum = dims.map((d) => new Float64Array(d));
  const offSum = dims.map((d) => new Float64Array(d * (d - 1)));
  let done = 0;
  const loader = new DataLoader(dataset, { batchSize, shuffle: true, seed, dropLast: true });
  for await (const batch of loader.epoch(0)) {
    try {
      const [z1, z2] = tf.tidy(() => {
        const [v1, v2] = makeViews(batch.images, viewRng);
        return [pooledBlockOutputs(network, v1, blocks), pooledBlockOutputs(network, v2, blocks)];
      });
      try {
        blocks.forEach((_, i) => {
          const { onDiagonal, offDiagonal } = crossCorrelationTerms(z1[i], z2[i]);
          onDiagonal.forEach((v, j) => (onSum[i][j] += v));
          offDiagonal.forEach((v, j) => (offSum[i][j] += v));
        });
      } finally {
        tf.dispose([...z1, ...z2]);
      }
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
    if (++done === batches) break;
  }
  const plotRng = rng.fork();
  return blocks.map((block, i) => {
    const onDiagonal = Float32Array.from(onSum[i], (v) => v / batches);
    const offDiagonal = Float32Array.from(offSum[i], (v) => v / batches);
    return {
      block,
      dim: dims[i],
      batches,
      batchSize,
      onDiagonal: plotSubset(onDiagonal, maxPlotValues, plotRng),
      offDiagonal: plotSubset(offDiagonal, maxPlotValues, plotRng),
      summary: { onDiagonal: summarize(onDiagonal), offDiagonal: summarize(offDiagonal) },
    };
  });
}

/** `values` itself when it has at most `max` entries, else `max` of them drawn without replacement, in their original order. */
export function plotSubset(values: Float32Array, max: number, rng: Rng): Float32Array {
  if (values.length <= max) return values;
  const picked = shuffledIndices(values.length, rng).subarray(0, max).sort();
  return Float32Array.from(picked, (k) => values[k]);
}

/** `BlockCorrelationStatistics` as plain JSON (number arrays), to save with a run. */
export interface BlockCorrelationStatisticsJson {
  block: number;
  dim: number;
  batches: number;
  batchSize: number;
  onDiagonal: number[];
  offDiagonal: number[];
  summary: { onDiagonal: Summary; offDiagonal: Summary };
}

/** The JSON form of block statistics (`JSON.stringify` it); `blockStatisticsFromJson` reads it back. */
export function blockStatisticsToJson(stats: readonly BlockCorrelationStatistics[]): BlockCorrelationStatisticsJson[] {
  return stats.map((s) => ({ ...s, onDiagonal: Array.from(s.onDiagonal), offDiagonal: Array.from(s.offDiagonal), summary: { ...s.summary } }));
}

/** Block statistics from their JSON form (e.g. `JSON.parse` of a saved run file). */
export function blockStatisticsFromJson(json: readonly BlockCorrelationStatisticsJson[]): BlockCorrelationStatistics[] {
  return json.map((s) => {
    for (const key of ['onDiagonal', 'offDiagonal'] as const) {
      if (!Array.isArray(s[key])) throw new Error(`blockStatisticsFromJson: block ${s.block} has no '${key}' array`);
    }
    return { ...s, onDiagonal: Float32Array.from(s.onDiagonal), offDiagonal: Float32Array.from(s.offDiagonal) };
  });
}
