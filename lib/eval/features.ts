import * as tf from '@tensorflow/tfjs-core';
import { BlockwiseNetwork } from '../blockwise/blockwise-network';
import { PoolingHead } from '../blockwise/pooling-head';
import { ImageDataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { centerCrop } from '../data/augmentations/crop-resize';
import { ChannelStats, normalize } from '../data/normalization';

/**
 * Which representation of a block the probes read:
 * - `'head'`: the block's pooling-head output `[N, head.outDim]` (the paper's probe input, e.g. 2048-d CbE);
 * - `'gsp'`: global spatial pooling (GSP, the mean over all positions) of the raw block output `[N, C]`. At CPU
 *   scale a random CbE head alone already gives a strong probe, so the raw pooled block output is the cleaner
 *   measure of what the block learned.
 */
export type FeatureKind = 'head' | 'gsp';

/** What feature extraction needs from a model: the blockwise backbone and one pooling head per block. */
export interface FrozenBlockwiseModel {
  readonly network: BlockwiseNetwork;
  readonly heads: readonly PoolingHead[];
}

/** A per-batch image transform, `[N, H, W, C]` in [0, 1] -> the model's input; its result is disposed by the caller. */
export type ImageTransform = (images: tf.Tensor4D) => tf.Tensor4D;

/**
 * The evaluation transform of the linear probe: the central square (`cropFraction` of the shorter side,
 * torchvision's Resize(256) + CenterCrop(224) is `224 / 256`) resized to `size`, then normalized with `stats`
 * when given. `size` defaults to the image's own size, i.e. no resizing when `cropFraction` is 1.
 */
export function evaluationTransform({
  size,
  cropFraction = 1,
  stats = null,
}: { size?: number; cropFraction?: number; stats?: ChannelStats | null } = {}): ImageTransform {
  return (images) =>
    tf.tidy(() => {
      const [, h, w] = images.shape;
      const needsCrop = cropFraction !== 1 || (size !== undefined && (size !== h || size !== w));
      const cropped = needsCrop ? centerCrop(images, size ?? Math.min(h, w), cropFraction) : images;
      return stats ? normalize(cropped, stats) : cropped.clone();
    });
}

/** Checks a list of 0-based block indices against a network with `count` blocks. */
export function checkBlockIndices(what: string, blocks: readonly number[], count: number): void {
  if (blocks.length === 0) throw new Error(`${what}: no blocks selected`);
  for (const b of blocks) {
    if (!(Number.isInteger(b) && b >= 0 && b < count)) {
      throw new Error(`${what}: block index ${b} is not an integer in [0, ${count}) (0-based; the model has ${count} blocks)`);
    }
  }
  if (new Set(blocks).size !== blocks.length) throw new Error(`${what}: block indices [${blocks}] repeat`);
}

/**
 * Global spatial pooling (GSP) of the eval-mode block outputs (running batch-norm statistics, no noise): for each
 * entry of `blocks` (0-based), `[N, H_k, W_k, C_k] -> [N, C_k]`. The backbone features of the paper's Fig. 8,
 * without head or projector. The caller owns the returned tensors.
 */
export function pooledBlockOutputs(network: BlockwiseNetwork, images: tf.Tensor4D, blocks: readonly number[]): tf.Tensor2D[] {
  checkBlockIndices('pooledBlockOutputs', blocks, network.blocks.length);
  return tf.tidy(() => {
    const outputs = network.forward(images, 'eval', { blocks: Math.max(...blocks) + 1 });
    return blocks.map((b) => tf.mean(outputs[b], [1, 2]) as tf.Tensor2D);
  });
}

/**
 * The frozen features of a batch: runs the network in eval mode (running batch-norm statistics, no noise;
 * nothing in the model changes) up to the deepest requested block and returns, for each entry of `blocks`
 * (0-based), `[N, D]`: the head output (`'head'`, D = head outDim) or the global spatial average of the
 * block output (`'gsp'`, D = block channels). Projectors are not run. The caller owns the returned tensors.
 *
 *     const [f1, f4] = blockFeatures(model, images, 'gsp', [0, 3]);
 */
export function blockFeatures(model: FrozenBlockwiseModel, images: tf.Tensor4D, kind: FeatureKind, blocks: readonly number[]): tf.Tensor2D[] {
  checkBlockIndices('blockFeatures', blocks, model.network.blocks.length);
  if (kind !== 'head' && kind !== 'gsp') throw new Error(`blockFeatures: kind must be 'head' or 'gsp', got '${kind}'`);
  if (kind === 'gsp') return pooledBlockOutputs(model.network, images, blocks);
  return tf.tidy(() => {
    const outputs = model.network.forward(images, 'eval', { blocks: Math.max(...blocks) + 1 });
    return blocks.map((b) => model.heads[b].apply(outputs[b], 'eval'));
  });
}

/** One block's features over a dataset: `values` is `[labels.length, dim]`, row-major (row i is image i). */
export interface LabelledFeatures {
  values: Float32Array;
  dim: number;
  labels: Int32Array;
}

/** Checks that `values` holds one `dim`-wide row per label, naming the lengths that disagree. */
export function checkLabelledFeatures(what: string, f: LabelledFeatures): void {
  if (!(Number.isInteger(f.dim) && f.dim >= 1)) throw new Error(`${what}: feature dim must be a positive integer, got ${f.dim}`);
  if (f.labels.length === 0) throw new Error(`${what}: no samples`);
  if (f.values.length !== f.labels.length * f.dim) {
    throw new Error(
      `${what}: ${f.values.length} feature values do not make ${f.labels.length} rows of dim ${f.dim} (one row per label)`,
    );
  }
}

/** The frozen features of a whole dataset, one matrix per requested block, with the dataset's labels. */
export interface ExtractedFeatures {
  kind: FeatureKind;
  /** Number of classes of the dataset. */
  classCount: number;
  /** Label of every image, in dataset order. */
  labels: Int32Array;
  /** One entry per requested block: its 0-based index, width and `[labels.length, dim]` values. */
  blocks: { block: number; dim: number; values: Float32Array }[];
}

/** Block `i` of an extraction (the i-th requested block) as labelled features. */
export function featuresOfBlock(set: ExtractedFeatures, i: number): LabelledFeatures {
  const b = set.blocks[i];
  if (b === undefined) throw new Error(`featuresOfBlock: entry ${i} is outside the ${set.blocks.length} extracted blocks`);
  return { values: b.values, dim: b.dim, labels: set.labels };
}

export interface ExtractFeaturesOptions {
  /** Representation; default `'head'` (the paper's probe input). */
  kind?: FeatureKind;
  /** 0-based blocks to extract; default every block. */
  blocks?: readonly number[];
  /** Images per forward pass; default 256. Peak tensor memory is one batch's activations. */
  batchSize?: number;
  /** Applied to each `[0, 1]` batch before the model (e.g. `evaluationTransform({ stats })`); default none. */
  transform?: ImageTransform;
  /** Called after every batch with the number of images done and the dataset size. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Frozen per-block features of a whole dataset (the linear probe's and kNN's input), in dataset order, computed
 * batch by batch in eval mode (see `blockFeatures`): the model's weights and batch-norm statistics are left
 * untouched. Holds `size * sum(dims) * 4` bytes of features on the JavaScript heap and one batch of tensors at
 * a time, disposed as soon as its rows are copied out.
 *
 * Eval mode uses whatever running statistics the model holds. For a random-network baseline built fresh they
 * were never updated (mean 0, variance 1), unlike those of a trained model: say which a baseline uses.
 *
 *     const train = await extractFeatures(model, trainSet, { kind: 'gsp', transform: evaluationTransform({ stats: CIFAR10_STATS }) });
 */
export async function extractFeatures(
  model: FrozenBlockwiseModel,
  dataset: ImageDataset,
  { kind = 'head', blocks, batchSize = 256, transform, onProgress }: ExtractFeaturesOptions = {},
): Promise<ExtractedFeatures> {
  const count = model.network.blocks.length;
  const chosen = blocks ? [...blocks] : [...Array(count).keys()];
  checkBlockIndices('extractFeatures', chosen, count);
  if (dataset.size === 0) throw new Error(`extractFeatures: ${dataset.name} has no images`);
  const dims = chosen.map((b) => (kind === 'head' ? model.heads[b].outDim : model.network.blockChannels[b]));
  const out = chosen.map((block, i) => ({ block, dim: dims[i], values: new Float32Array(dataset.size * dims[i]) }));
  const loader = new DataLoader(dataset, { batchSize, shuffle: false });
  let done = 0;
  for await (const batch of loader.epoch(0)) {
    let feats: tf.Tensor2D[];
    try {
      feats = tf.tidy(() => blockFeatures(model, transform ? transform(batch.images) : batch.images, kind, chosen));
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
    for (let i = 0; i < feats.length; i++) {
      out[i].values.set(feats[i].dataSync() as Float32Array, done * dims[i]);
    }
    tf.dispose(feats);
    done += batch.indices.length;
    onProgress?.(done, dataset.size);
  }
  return { kind, classCount: dataset.classNames.length, labels: Int32Array.from(dataset.labels), blocks: out };
}
