import * as path from 'path';
import { PAPER_HEAD_WIDTH } from '../blockwise/cbe';
import { PAPER_PROJECTOR } from '../blockwise/projector';
import { ResNetConfig } from '../nn/resnet';
import { dataRoot } from '../data/paths';
import { CIFAR10_STATS, FASHION_MNIST_STATS, IMAGENET_STATS } from '../data/normalization';
import { barlowTwinsViews, barlowTwinsViewsSmall } from '../data/views';
import { CheckpointConfig, DataConfig, OptimizerConfig, PAPER_BATCH_SIZE, PAPER_EPOCHS, PAPER_OPTIMIZER, RESNET50_BACKBONE } from '../train/train-config';
import { DatasetSource } from '../data/dataset-source';
import { ProbeSettings, Scale, StatisticsSettings } from './preset';

/** Environment variables naming the ImageNet folders of the paper-scale presets (defaults under `dataRoot()/imagenet`). */
export const IMAGENET_ENV = {
  train: 'BLOCKWISE_IMAGENET_TRAIN',
  val: 'BLOCKWISE_IMAGENET_VAL',
  valLabels: 'BLOCKWISE_IMAGENET_VAL_LABELS',
} as const;

/**
 * What every preset of a scale shares: the images, the backbone, the width of the pooling heads and projectors,
 * the schedule, the probes. The figure files build their runs from it (see `runConfig`).
 */
export interface ScaleSettings {
  scale: Scale;
  dataset: DatasetSource;
  evalDataset: DatasetSource | null;
  backbone: ResNetConfig;
  /** Output width of the CbE expansion and of local spatial pooling (LSP): the paper's 2048. */
  headWidth: number;
  /** Projector widths: the paper's 8192-8192-8192. */
  projector: number[];
  /** Batch size, schedule length, view recipe, validation split. */
  data: Partial<DataConfig>;
  optimizer: Partial<OptimizerConfig>;
  checkpoint: Partial<CheckpointConfig>;
  probe: ProbeSettings;
  /** Epochs at which a figure's main runs are probed besides the end (`ExperimentRun.probeEpochs`); none when absent. */
  probeEpochs?: number[];
  statistics: StatisticsSettings;
  seeds: number[];
  /** What this scale changes from the paper, in words. */
  notes: string;
}

/** The paper's ImageNet folders: `$BLOCKWISE_IMAGENET_TRAIN` (class folders) and the validation folder with its labels file. */
function imagenetSources(): { train: DatasetSource; val: DatasetSource } {
  const root = path.join(dataRoot(), 'imagenet');
  const env = (name: string, fallback: string): string => process.env[name] || fallback;
  return {
    // Images prepared at 256 (shortest side, centre crop), the size the training crops of 224 and the probe's
    // Resize(256) + CenterCrop(224) start from; `datasets prepare imagenet --size 256` builds the same cache.
    train: { name: 'imagenet', path: env(IMAGENET_ENV.train, path.join(root, 'train')), imageSize: 256 },
    val: {
      name: 'imagenet-val',
      path: env(IMAGENET_ENV.val, path.join(root, 'val')),
      labelsFile: env(IMAGENET_ENV.valLabels, path.join(root, 'LOC_val_solution.csv')),
      imageSize: 256,
    },
  };
}

/** The paper's settings (Sec. 3.4 and the authors' code): ResNet-50 on ImageNet, batch 2048, 300 epochs, LARS at 0.2. */
function paperSettings(): ScaleSettings {
  const imagenet = imagenetSources();
  return {
    scale: 'paper',
    dataset: imagenet.train,
    evalDataset: imagenet.val,
    backbone: RESNET50_BACKBONE,
    headWidth: PAPER_HEAD_WIDTH,
    projector: [...PAPER_PROJECTOR],
    // The authors' crops are resized bicubically (torchvision's RandomResizedCrop on PIL images).
    data: { batchSize: PAPER_BATCH_SIZE, epochs: PAPER_EPOCHS, views: barlowTwinsViews({ size: 224, stats: IMAGENET_STATS, interpolation: 'bicubic' }), validationFraction: 0 },
    optimizer: { ...PAPER_OPTIMIZER },
    checkpoint: { everySteps: 1000, keep: 3 },
    probe: {
      features: ['head'],
      // Barlow Twins' evaluate.py as the paper runs it: 100 epochs, random resized crops and flips, lr 0.1.
      linear: [{ name: 'linear', augmented: true, epochs: 100, lr: 0.1, batchSize: 256 }],
      // The paper reports no kNN; over 1.28M ImageNet features it would not fit in memory the way it is computed.
      knn: null,
      trainImages: null,
      evalImages: null,
      batchSize: 256,
      evalCropFraction: 224 / 256,
      seed: 0,
    },
    statistics: { batchSize: 2048, batches: 5, maxPlotValues: 20000, seed: 0 },
    seeds: [0],
    notes: 'The paper\'s settings: ResNet-50 on ImageNet (images prepared at 256, bicubic crops of 224), batch 2048, 300 epochs, ' +
      'LARS at 0.2 x batch / 256 with 10 warm-up epochs, CbE / LSP to 2048, projectors 8192-8192-8192, probes scored on ' +
      `ImageNet's validation set. Needs a GPU backend; set ${IMAGENET_ENV.train}, ${IMAGENET_ENV.val} and ${IMAGENET_ENV.valLabels} ` +
      'or put the folders under the data folder\'s imagenet/.',
  };
}

/**
 * The CPU scale: Fashion-MNIST (the embedded default) on a narrow CIFAR-stem ResNet-18-like backbone (one basic
 * block per stage, widths 16-128), views of 16x16, heads of 128 (the LSP bins per block are then 8, 4, 2, 1, as the
 * paper's 2048 over 256-2048 channels), projectors 256-256-256, batch 128.
 *
 * Step times measured 2026-11-30 on this 2-core machine with the native backend (oneDNN, 2 OpenMP threads), batch 128,
 * in seconds per step: simultaneous, CbE 128 + noise 0.25: 0.21 (the CbE head of block 1 dominates) | simultaneous,
 * LSP: 0.17 | supervised blockwise, LSP: 0.17 | simultaneous, GSP: 0.12-0.15 | CbE + L2: 0.16 | blocks 1+2 merged: 0.14 |
 * end-to-end: 0.08 | sequential, LSP: 0.10 while block 1 trains, 0.055 for the later blocks | random-feature: 0.06.
 * Two runs side by side with one thread each train 1.4x more images per second in all than one run with two threads.
 * The crops are resized bilinearly (`barlowTwinsViewsSmall`'s default; the authors resize bicubically), as the
 * committed CPU-scale results were made, so that they regenerate; the notes leave it out so that the presets of
 * experiment folders written before stay equal.
 * One epoch is 421 steps of 128 on the 54,000 training images: 90 s for a simultaneous CbE run; a sequential run
 * trains every block for the whole schedule (`schedulesOfConfig`), about 110 s per epoch. Probes take about 30 s per
 * run. `CPU_EPOCHS` = 2 keeps Fig. 4 (9 runs) at about 25 minutes per seed, so the CPU-scale figures fit in about 3 hours
 * with three seeds for the main claims.
 */
function cpuSettings(): ScaleSettings {
  return {
    scale: 'cpu',
    dataset: { name: 'fashion-mnist' },
    evalDataset: null,
    backbone: { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [16, 32, 64, 128], stem: 'cifar', stemWidth: 16, numClasses: null },
    headWidth: 128,
    projector: [256, 256, 256],
    data: { batchSize: 128, epochs: CPU_EPOCHS, views: barlowTwinsViewsSmall({ size: 16, stats: FASHION_MNIST_STATS }), validationFraction: 0.1 },
    // The paper's LARS recipe; the warm-up shrinks with the schedule (10 of 300 epochs there, 0.1 of ~1 here).
    optimizer: { ...PAPER_OPTIMIZER, warmupEpochs: 0.1 },
    checkpoint: { everySteps: 100, keep: 2 },
    probe: {
      features: ['head', 'gsp'],
      linear: [{ name: 'linear', epochs: 30, lr: 0.1, batchSize: 256, standardize: true }],
      knn: { k: 20, temperature: 0.07 },
      trainImages: 10000,
      evalImages: null,
      batchSize: 512,
      evalCropFraction: 1,
      seed: 0,
    },
    statistics: { batchSize: 256, batches: 8, maxPlotValues: 20000, seed: 0 },
    seeds: [0],
    notes: 'CPU scale: Fashion-MNIST, a narrow CIFAR-stem ResNet (one basic block per stage, widths 16-128) seen through 16x16 ' +
      'views, heads 128 wide, projectors 256-256-256, batch 128, two epochs per run (per block for sequential runs), LARS with a 0.1-epoch warm-up. ' +
      'Probes train on 10,000 training images (features computed once, standardised, 30 epochs) and are scored on the ' +
      '6,000 held-out ones; head features come with the raw GSP block features and a random-network baseline, since a ' +
      'random CbE head alone already probes well at this scale.',
  };
}

/**
 * The long CIFAR-10 scale: the CPU scale's backbone, heads and projectors on CIFAR-10 (the JPEG train split, 45,000
 * training and 5,000 held-out images) through 16x16 views, for `CIFAR10_LONG_EPOCHS` epochs per run (per block for
 * sequential runs), with a checkpoint kept at every epoch end so that probes can follow training.
 *
 * Sizing, measured 2026-12-04 on the 2-core machine with `bench/measure-preset.ts` (native backend, one OpenMP thread
 * as the lanes run, views made by the fused worker path, batch 128, median seconds per step): end-to-end 0.157,
 * simultaneous CbE + noise 0.303, simultaneous LSP 0.205, sequential LSP 0.074 / 0.067 / 0.069 / 0.052 for blocks
 * 1-4, supervised LSP 0.159, random-feature at blocks 2 / 3 / 4 0.091 / 0.070 / 0.069. One step of every trained
 * run of Fig. 4 is 1.32 s, so one epoch (351 steps) of them all is about 7.7 minutes on one thread and 20 epochs x 3
 * seeds about 7.7 lane-hours before probes: two one-thread lanes (`scripts/reproduce/cifar10-long.sh`) finish in
 * about 4 hours. Crops are resized bilinearly, as the CPU scale's (see `cpuSettings`).
 */
function cifar10LongSettings(): ScaleSettings {
  const s = cpuSettings();
  return {
    ...s,
    scale: 'cifar10-long',
    dataset: { name: 'cifar10-jpg' },
    data: { ...s.data, epochs: CIFAR10_LONG_EPOCHS, views: barlowTwinsViewsSmall({ size: 16, stats: CIFAR10_STATS }), validationFraction: 0.1 },
    // One warm-up epoch of twenty (the paper: 10 of 300). LARS trust coefficient 0.02 instead of the paper's 0.001: LARS
    // moves each layer by about lr x eta x |w| per step, and the paper's eta was set for batch 2048 (lr 1.6) over 187,000
    // steps; at batch 128 (lr 0.1) over 7,020 steps it leaves the network close to its initialisation. Measured with
    // scripts/experiments/lars-eta-check.js (end-to-end, 3 epochs, seed 0, block-4 GSP linear probe): eta 0.001 37.5 %,
    // eta 0.02 43.6 % (the 20-epoch run with eta 0.001 reached 42.7 %; results/cifar10-long-paper-lars). 0.02 is also
    // solo-learn's LARS coefficient for Barlow Twins on CIFAR.
    optimizer: { ...s.optimizer, warmupEpochs: 1, eta: CIFAR10_LONG_LARS_ETA },
    // Every epoch end writes a checkpoint; keeping them all lets any epoch be probed afterwards.
    checkpoint: { everySteps: null, keep: CIFAR10_LONG_EPOCHS * 4 + 1 },
    probeEpochs: [5, 10, 15, 20],
    notes:
      `CIFAR-10 long scale: the CPU scale's narrow CIFAR-stem ResNet (widths 16-128), heads 128 wide and projectors 256-256-256 on ` +
      `CIFAR-10 (the JPEG train split: 45,000 training and 5,000 held-out images) through 16x16 views, batch 128, ${CIFAR10_LONG_EPOCHS} epochs ` +
      'per run (per block for sequential runs), LARS with a one-epoch warm-up and trust coefficient 0.02 (the paper\'s 0.001 barely moves the weights ' +
      'in 7,020 steps of 128), a checkpoint kept at every epoch end. Probes train on ' +
      '10,000 training images and are scored on the 5,000 held-out ones, beside the random-network baseline; Fig. 4\'s ' +
      'end-to-end, simultaneous and sequential runs are probed at epochs 5, 10, 15 and 20 too (epochs of the last block\'s phase for sequential runs).',
  };
}

/** The LARS trust coefficient of the `cifar10-long` scale (the paper's, 0.001, under-trains short small-batch runs: see `cifar10LongSettings`). */
export const CIFAR10_LONG_LARS_ETA = 0.02;

/** Epochs of a `cifar10-long` run (per block for sequential runs): ten times the CPU scale's. */
export const CIFAR10_LONG_EPOCHS = 20;

/** Epochs of a CPU-scale run (per block for sequential runs): two keep a simultaneous CbE run at 3 minutes (see `cpuSettings`). */
export const CPU_EPOCHS = 2;

/** A tiny model for a handful of steps: checks that a figure's pipeline runs, in seconds. Crops bilinear, as the CPU scale's. */
function smokeSettings(): ScaleSettings {
  return {
    scale: 'smoke',
    dataset: { name: 'fashion-mnist' },
    evalDataset: null,
    backbone: { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [4, 8, 8, 8], stem: 'cifar', stemWidth: 4, numClasses: null },
    headWidth: 16,
    projector: [16, 16],
    // Four steps: sequential runs give each of the four blocks one.
    data: { batchSize: 16, steps: 4, views: barlowTwinsViewsSmall({ size: 12, stats: FASHION_MNIST_STATS }), validationFraction: 0.1 },
    optimizer: { ...PAPER_OPTIMIZER, warmupEpochs: 0 },
    checkpoint: { everySteps: null, keep: 1 },
    // The run's end, the one checkpoint a smoke run keeps: 4 of the 3,375 steps per epoch that batch 16 makes of
    // Fashion-MNIST's 54,000 training images; enough to run the epoch-probe path.
    probeEpochs: [4 / 3375],
    probe: {
      features: ['head', 'gsp'],
      linear: [{ name: 'linear', epochs: 2, lr: 0.1, batchSize: 64, standardize: true }],
      knn: { k: 20, temperature: 0.07 },
      trainImages: 128,
      evalImages: 64,
      batchSize: 128,
      evalCropFraction: 1,
      seed: 0,
    },
    statistics: { batchSize: 32, batches: 1, maxPlotValues: 200, seed: 0 },
    seeds: [0],
    notes: 'Smoke scale: a tiny ResNet (widths 4-8) for 4 steps of 16 images, probes on 128 images: checks the pipeline, its numbers mean nothing.',
  };
}

/** The shared settings of a scale. */
export function scaleSettings(scale: Scale): ScaleSettings {
  switch (scale) {
    case 'smoke':
      return smokeSettings();
    case 'cpu':
      return cpuSettings();
    case 'cifar10-long':
      return cifar10LongSettings();
    case 'paper':
      return paperSettings();
    default:
      throw new Error(`scaleSettings: unknown scale '${scale as string}' (one of smoke, cpu, cifar10-long, paper)`);
  }
}
