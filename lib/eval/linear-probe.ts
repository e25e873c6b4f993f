import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable } from '../nn/module';
import { Linear } from '../nn/linear';
import { Rng } from '../nn/rng';
import { Sgd } from '../optim/sgd';
import { cosine } from '../optim/schedule';
import { crossEntropyLoss } from '../losses/cross-entropy';
import { epochRng, shuffledIndices } from '../data/shuffle';
import { ExtractedFeatures, LabelledFeatures, checkLabelledFeatures, featuresOfBlock } from './features';
import { topKCorrect } from './top-k';

/**
 * The linear probe's optimisation, defaults from the Barlow Twins `evaluate.py` protocol the paper follows:
 * SGD momentum 0.9, weight decay 1e-6, batch 256, learning rate 0.1 with cosine decay to 0 over the epochs
 * (stepped per epoch), 100 epochs, weights N(0, 0.01) and bias 0. Barlow Twins' own default learning rate is
 * 0.3 (`--lr-classifier`). Presets scale `epochs` down at CPU scale.
 */
export interface LinearProbeConfig {
  /** Passes over the training set; default 100 (the paper's). */
  epochs?: number;
  /** Default 256. The last, smaller batch of an epoch is kept (PyTorch's `drop_last=False`). */
  batchSize?: number;
  /** Learning rate at epoch 0; default 0.1 (the paper's probe; Barlow Twins uses 0.3). */
  lr?: number;
  /** Default 0.9. */
  momentum?: number;
  /** Default 1e-6. */
  weightDecay?: number;
  /** Std of the normal weight init; default 0.01. */
  initStd?: number;
  /**
   * Standardise every feature dimension with the training set's mean and std before probing (both sets, the
   * training statistics). Default false, as the reference protocol: the probe reads the raw features.
   */
  standardize?: boolean;
  /** Seeds the weight init and the per-epoch sample orders; default 0. */
  seed?: number;
  /** Called after every epoch with the probed block (0-based, `null` when unknown) and the epoch's mean train loss. */
  onEpoch?: (progress: { block: number | null; epoch: number; trainLoss: number }) => void;
}

/** What a probe run reports. */
export interface LinearProbeResult {
  /** Mean training cross-entropy of every epoch (over samples; with augmentation, over augmented samples). */
  epochLosses: number[];
  /** Top-1 accuracy on the validation set after the last epoch, in [0, 1]. */
  top1: number;
  /** Top-5 accuracy on the validation set when there are more than 5 classes, else `null`. */
  top5: number | null;
}

/** A probe result for one block (0-based `block`). */
export interface BlockProbeResult extends LinearProbeResult {
  block: number;
}

/** Checks a class count for a classifier. */
export function checkClassCount(what: string, classes: number): void {
  if (!(Number.isInteger(classes) && classes >= 2)) throw new Error(`${what}: needs an integer number of classes >= 2, got ${classes}`);
}

/** Checks that every label lies in [0, classes), naming the first bad one. */
export function checkProbeLabels(what: string, labels: Int32Array, classes: number): void {
  const i = labels.findIndex((l) => !(l >= 0 && l < classes));
  if (i >= 0) throw new Error(`${what}: label ${labels[i]} of sample ${i} is outside [0, ${classes})`);
}

/**
 * A linear classifier on frozen features with its own SGD optimiser: `Linear(D -> classes)`, weights
 * N(0, initStd^2), bias 0. `step` trains it on one batch of features (`[N, D]`, used as constants: no gradient
 * reaches whatever produced them); `logits` reads it. Owns its parameters and momentum buffers.
 */
export class LinearProbe implements Module {
  readonly linear: Linear;
  readonly optimizer: Sgd;

  constructor(
    readonly inFeatures: number,
    readonly classes: number,
    { initStd = 0.01, momentum = 0.9, weightDecay = 1e-6 }: Pick<LinearProbeConfig, 'initStd' | 'momentum' | 'weightDecay'>,
    rng: Rng,
  ) {
    checkClassCount('LinearProbe', classes);
    if (!(Number.isInteger(inFeatures) && inFeatures >= 1)) throw new Error(`LinearProbe: inFeatures must be a positive integer, got ${inFeatures}`);
    this.linear = new Linear({ inFeatures, outFeatures: classes, init: { normalStd: initStd } }, rng);
    this.optimizer = new Sgd(this.linear.parameters(), { momentum, weightDecay });
  }

  /** `[N, D] -> [N, classes]`. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    return this.linear.apply(features);
  }

  /** One SGD step on the cross-entropy of a batch (`features` `[N, D]`, int32 `labels` `[N]`); returns the batch's mean loss. */
  step(features: tf.Tensor2D, labels: tf.Tensor1D, lr: number): number {
    const vars = this.linear.parameters().map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => crossEntropyLoss(this.logits(features), labels), vars);
    try {
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) throw new Error(`LinearProbe: the loss is ${loss} at learning rate ${lr}`);
      this.optimizer.step(grads, lr);
      return loss;
    } finally {
      tf.dispose([value, grads]);
    }
  }

  /** Top-1 and top-5 (more than 5 classes, else `null`) accuracy over `features` `[N, D]`, in batches of `batchSize`. */
  evaluate(features: LabelledFeatures, batchSize = 1024): { top1: number; top5: number | null } {
    checkLabelledFeatures('LinearProbe.evaluate', features);
    if (features.dim !== this.inFeatures) {
      throw new Error(`LinearProbe.evaluate: features have dim ${features.dim}, the probe reads ${this.inFeatures}`);
    }
    checkProbeLabels('LinearProbe.evaluate', features.labels, this.classes);
    const n = features.labels.length;
    let top1 = 0;
    let top5 = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      const x = tf.tensor2d(features.values.subarray(start * features.dim, end * features.dim), [end - start, features.dim]);
      const y = tf.tensor1d(features.labels.subarray(start, end), 'int32');
      const logits = this.logits(x);
      top1 += topKCorrect(logits, y, 1);
      if (this.classes > 5) top5 += topKCorrect(logits, y, 5);
      tf.dispose([x, y, logits]);
    }
    return { top1: top1 / n, top5: this.classes > 5 ? top5 / n : null };
  }

  parameters(): NamedVariable[] {
    return this.linear.parameters();
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {
    this.linear.dispose();
    this.optimizer.dispose();
  }
}

/** Checks the epoch count and batch size of a probe config and returns them with their defaults. */
export function probeSchedule(what: string, { epochs = 100, batchSize = 256, lr = 0.1 }: LinearProbeConfig): { epochs: number; batchSize: number; lrAt: (epoch: number) => number } {
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`${what}: epochs must be an integer >= 1, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`${what}: batchSize must be an integer >= 1, got ${batchSize}`);
  if (!(lr > 0)) throw new Error(`${what}: lr must be > 0, got ${lr}`);
  return { epochs, batchSize, lrAt: cosine({ baseLr: lr, totalSteps: epochs }) };
}

/**
 * Per-dimension standardisation with the statistics of `train`: a function mapping features to
 * `(x - mean) / std` (population std; a constant dimension keeps std 1), returning new arrays.
 */
export function featureStandardizer(train: LabelledFeatures): (f: LabelledFeatures) => LabelledFeatures {
  const d = train.dim;
  const n = train.labels.length;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = train.values[i * d + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] /= n;
    const s = Math.sqrt(Math.max(0, sq[j] / n - mean[j] * mean[j]));
    std[j] = s > 1e-12 ? s : 1;
  }
  return (f) => {
    if (f.dim !== d) throw new Error(`featureStandardizer: features have dim ${f.dim}, the training features ${d}`);
    const values = new Float32Array(f.values.length);
    for (let i = 0; i < values.length; i++) values[i] = (f.values[i] - mean[i % d]) / std[i % d];
    return { values, dim: d, labels: f.labels };
  };
}

/**
 * Per-dimension standardisation with the statistics of `train` (`featureStandardizer`), applied to `train` and
 * `validation`. Returns new arrays.
 */
export function standardizeFeatures(train: LabelledFeatures, validation: LabelledFeatures): [LabelledFeatures, LabelledFeatures] {
  const apply = featureStandardizer(train);
  return [apply(train), apply(validation)];
}

/** A linear probe trained by `fitLinearProbe`: scores any set of features of the same width; dispose it when done. */
export interface FittedLinearProbe {
  /** Mean training cross-entropy of every epoch. */
  epochLosses: number[];
  /** Top-1 and top-5 accuracy on `features` (standardised with the training statistics when the config asks). */
  score(features: LabelledFeatures): { top1: number; top5: number | null };
  dispose(): void;
}

/**
 * Trains a linear probe on precomputed frozen features (`train`, one `[n, D]` row per label) and returns it, to
 * score one or many sets (`trainLinearProbe` scores one; the robustness evaluation of Fig. 15 scores every
 * corrupted copy of the held-out images with one probe). Every epoch visits the training set in a fresh seeded order.
 */
export function fitLinearProbe(train: LabelledFeatures, classes: number, config: LinearProbeConfig = {}, block: number | null = null): FittedLinearProbe {
  const what = 'fitLinearProbe';
  checkClassCount(what, classes);
  checkLabelledFeatures(`${what} (train)`, train);
  checkProbeLabels(`${what} (train)`, train.labels, classes);
  const { epochs, batchSize, lrAt } = probeSchedule(what, config);
  const seed = config.seed ?? 0;
  const standardize = config.standardize ? featureStandardizer(train) : (f: LabelledFeatures) => f;
  const tr = standardize(train);
  const n = tr.labels.length;
  const probe = new LinearProbe(tr.dim, classes, config, new Rng(seed));
  const x = tf.tensor2d(tr.values, [n, tr.dim]);
  const y = tf.tensor1d(tr.labels, 'int32');
  const epochLosses: number[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffledIndices(n, epochRng(seed, epoch));
      const lr = lrAt(epoch);
      let sum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const idx = tf.tensor1d(order.subarray(start, Math.min(start + batchSize, n)), 'int32');
        const xb = tf.gather(x, idx) as tf.Tensor2D;
        const yb = tf.gather(y, idx) as tf.Tensor1D;
        try {
          sum += probe.step(xb, yb, lr) * idx.shape[0];
        } finally {
          tf.dispose([idx, xb, yb]);
        }
      }
      epochLosses.push(sum / n);
      config.onEpoch?.({ block, epoch, trainLoss: sum / n });
    }
  } catch (e) {
    probe.dispose();
    throw e;
  } finally {
    tf.dispose([x, y]);
  }
  return {
    epochLosses,
    score: (features) => {
      checkLabelledFeatures(`${what} (scored)`, features);
      if (features.dim !== tr.dim) throw new Error(`${what}: scored features have dim ${features.dim}, the training features ${tr.dim}`);
      return probe.evaluate(standardize(features));
    },
    dispose: () => probe.dispose(),
  };
}

/**
 * Trains a linear probe on precomputed frozen features (`train`, one `[n, D]` row per label) and reports its
 * accuracy on `validation` (paper Sec. 4: the probe that reads block k's features). The fast route: the
 * features are computed once (see `extractFeatures`), without train-time augmentation; `linearProbeAugmented`
 * is the paper's protocol with augmentation. Every epoch visits the training set in a fresh seeded order.
 *
 *     const r = trainLinearProbe(featuresOfBlock(trainSet, 3), featuresOfBlock(valSet, 3), 10, { epochs: 30 });
 *     console.log(r.top1, r.epochLosses.at(-1));
 */
export function trainLinearProbe(
  train: LabelledFeatures,
  validation: LabelledFeatures,
  classes: number,
  config: LinearProbeConfig = {},
  block: number | null = null,
): LinearProbeResult {
  const what = 'trainLinearProbe';
  checkClassCount(what, classes);
  checkLabelledFeatures(`${what} (train)`, train);
  checkLabelledFeatures(`${what} (validation)`, validation);
  if (train.dim !== validation.dim) throw new Error(`${what}: train features have dim ${train.dim}, validation features ${validation.dim}`);
  checkProbeLabels(`${what} (train)`, train.labels, classes);
  checkProbeLabels(`${what} (validation)`, validation.labels, classes);
  const probe = fitLinearProbe(train, classes, config, block);
  try {
    return { epochLosses: probe.epochLosses, ...probe.score(validation) };
  } finally {
    probe.dispose();
  }
}

/**
 * `trainLinearProbe` for every block of an extraction: one probe per block, each on that block's features,
 * all with the same config (and seed). `train` and `validation` must hold the same blocks and feature kind.
 *
 *     const results = linearProbeBlocks(await extractFeatures(model, trainSet), await extractFeatures(model, valSet), { epochs: 30 });
 */
export function linearProbeBlocks(train: ExtractedFeatures, validation: ExtractedFeatures, config: LinearProbeConfig = {}): BlockProbeResult[] {
  checkSameBlocks('linearProbeBlocks', train, validation);
  return train.blocks.map(({ block }, i) => ({
    block,
    ...trainLinearProbe(featuresOfBlock(train, i), featuresOfBlock(validation, i), train.classCount, config, block),
  }));
}

/** Checks that two extractions hold the same blocks, kind and class count. */
export function checkSameBlocks(what: string, a: ExtractedFeatures, b: ExtractedFeatures): void {
  const ba = a.blocks.map((x) => `${x.block}:${x.dim}`).join(',');
  const bb = b.blocks.map((x) => `${x.block}:${x.dim}`).join(',');
  if (ba !== bb) throw new Error(`${what}: the two feature sets hold different blocks (block:dim) [${ba}] and [${bb}]`);
  if (a.kind !== b.kind) throw new Error(`${what}: feature kinds differ ('${a.kind}' and '${b.kind}')`);
  if (a.classCount !== b.classCount) throw new Error(`${what}: class counts differ (${a.classCount} and ${b.classCount})`);
}
