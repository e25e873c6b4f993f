import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../nn/rng';
import { ImageDataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { epochRng } from '../data/shuffle';
import { ChannelStats, normalize } from '../data/normalization';
import { RandomResizedCropOptions, randomResizedCrop } from '../data/augmentations/random-resized-crop';
import { randomHorizontalFlip } from '../data/augmentations/horizontal-flip';
import {
  FeatureKind,
  FrozenBlockwiseModel,
  ImageTransform,
  blockFeatures,
  checkBlockIndices,
  evaluationTransform,
  extractFeatures,
  featuresOfBlock,
} from './features';
import { BlockProbeResult, LinearProbe, LinearProbeConfig, checkClassCount, probeSchedule } from './linear-probe';

/** The paper's probe protocol with train-time augmentation; the optimisation is `LinearProbeConfig`'s. */
export interface AugmentedLinearProbeConfig extends Omit<LinearProbeConfig, 'standardize'> {
  /** Representation the probes read; default `'head'`. */
  kind?: FeatureKind;
  /** 0-based blocks to probe; default every block. */
  blocks?: readonly number[];
  /** Train-time random resized crop to a `crop.size` square (torchvision defaults: scale 0.08-1, ratio 3/4-4/3). */
  crop: RandomResizedCropOptions & { size: number };
  /** Probability of a horizontal flip; default 0.5. */
  flip?: number;
  /** Normalization of both train and validation images; default none. */
  stats?: ChannelStats | null;
  /** Validation transform; default `evaluationTransform({ size: crop.size, stats })` (centre crop, normalize). */
  evalTransform?: ImageTransform;
}

/**
 * The linear probe of the paper (Barlow Twins `evaluate.py`): every epoch each training image gets a fresh random
 * resized crop and flip and goes through the frozen backbone (eval mode: running batch-norm statistics, no
 * noise), and one probe per block trains on the resulting features; validation images get the centre crop.
 * The backbone runs once per batch for all probed blocks. Slower than probing precomputed features (one
 * backbone pass per image and epoch), hence optional.
 *
 *     const results = await linearProbeAugmented(model, train, validation, { epochs: 100, crop: { size: 224 }, stats: IMAGENET_STATS });
 */
export async function linearProbeAugmented(
  model: FrozenBlockwiseModel,
  train: ImageDataset,
  validation: ImageDataset,
  config: AugmentedLinearProbeConfig,
): Promise<BlockProbeResult[]> {
  const what = 'linearProbeAugmented';
  const classes = train.classNames.length;
  checkClassCount(what, classes);
  if (validation.classNames.length !== classes) {
    throw new Error(`${what}: ${train.name} has ${classes} classes, ${validation.name} ${validation.classNames.length}`);
  }
  const count = model.network.blocks.length;
  const blocks = config.blocks ? [...config.blocks] : [...Array(count).keys()];
  checkBlockIndices(what, blocks, count);
  const kind = config.kind ?? 'head';
  const { epochs, batchSize, lrAt } = probeSchedule(what, config);
  const seed = config.seed ?? 0;
  const stats = config.stats ?? null;
  const flip = config.flip ?? 0.5;
  const dims = blocks.map((b) => (kind === 'head' ? model.heads[b].outDim : model.network.blockChannels[b]));
  const probes = dims.map((d) => new LinearProbe(d, classes, config, new Rng(seed)));
  try {
    const loader = new DataLoader(train, { batchSize, shuffle: true, seed });
    const epochLosses = blocks.map(() => [] as number[]);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const rng = epochRng(seed ^ 0x5bd1e995, epoch);
      const lr = lrAt(epoch);
      const sums = blocks.map(() => 0);
      let seen = 0;
      for await (const batch of loader.epoch(epoch)) {
        try {
          const feats = tf.tidy(() => {
            const cropped = randomResizedCrop(batch.images, rng, config.crop);
            const flipped = randomHorizontalFlip(cropped, rng, flip);
            return blockFeatures(model, stats ? normalize(flipped, stats) : flipped, kind, blocks);
          });
          try {
            probes.forEach((p, i) => (sums[i] += p.step(feats[i], batch.labels, lr) * batch.indices.length));
          } finally {
            tf.dispose(feats);
          }
        } finally {
          tf.dispose([batch.images, batch.labels]);
        }
        seen += batch.indices.length;
      }
      sums.forEach((s, i) => {
        epochLosses[i].push(s / seen);
        config.onEpoch?.({ block: blocks[i], epoch, trainLoss: s / seen });
      });
    }
    const val = await extractFeatures(model, validation, {
      kind,
      blocks,
      batchSize,
      transform: config.evalTransform ?? evaluationTransform({ size: config.crop.size, stats }),
    });
    return blocks.map((block, i) => ({ block, epochLosses: epochLosses[i], ...probes[i].evaluate(featuresOfBlock(val, i)) }));
  } finally {
    for (const p of probes) p.dispose();
  }
}
