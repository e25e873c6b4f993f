/**
 * blockwise-ssl: the public API, re-exports only. One line per module: a module is either here (what a study or
 * notebook needs: models, losses, optimisers, data, training, probes, presets, plots) or in `./internals`
 * (`blockwise-ssl/internals`: backend kernels, file formats, run-folder housekeeping, job arrays), never both.
 */
export * as tf from '@tensorflow/tfjs-core';

// Backend: choosing it (kernels and the native addon are internals).
export * from './backend/init-backend';

// Layers and the ResNet backbone.
export * from './nn';

// Training blocks, stop-gradient, noise, pooling heads, projectors.
export * from './blockwise';

// Losses (Barlow Twins, VICReg, NT-Xent, cross-entropy) and the per-block loss dispatch.
export * from './losses';

// Optimisers and schedules.
export * from './optim';

// Data: the dataset registry, datasets, loader, augmentations, view recipes, corruptions.
export * from './data/dataset';
export * from './data/registry';
export * from './data/dataset-source';
export * from './data/split';
export * from './data/loader';
export * from './data/paths';
export * from './data/fashion-mnist';
export * from './data/cifar10';
export * from './data/image-folder';
export * from './data/imagenette';
export * from './data/normalization';
export * from './data/augmentations/crop-resize';
export * from './data/augmentations/bicubic';
export * from './data/augmentations/random-resized-crop';
export * from './data/augmentations/horizontal-flip';
export * from './data/augmentations/grayscale';
export * from './data/augmentations/color-adjust';
export * from './data/augmentations/color-jitter';
export * from './data/augmentations/gaussian-blur';
export * from './data/augmentations/solarize';
export * from './data/views';
export { CORRUPTIONS, CorruptionName, corrupt, corruptAsync } from './data/corruptions';
export * from './data/corrupted-dataset';
export * from './data/imagenet-c';

// Probes and statistics.
export * from './eval';

// Training: the model, the step, run configs, the training loop, trained runs.
export * from './train/non-finite-loss-error';
export * from './train/blockwise-ssl-model';
export * from './train/difficulty-routing';
export * from './train/ssl-step';
export * from './train/train-config';
export * from './train/build-model';
export * from './train/load-run';
export * from './train/run-training';
export { readRunDatasetSource, runDatasetFile, writeRunDatasetSource } from './train/run-folder';
export * from './train/run-metrics';
export * from './train/tensorboard';

// Plots, tables and notebook display.
export * from './plot';

// Experiments: presets per figure and scale, running, saving and loading them, statistics over seeds, claims.
export * from './experiments/preset';
export * from './experiments/overrides';
export * from './experiments/scales';
export * from './experiments/run-recipe';
export * from './experiments/presets';
export * from './experiments/probe-run';
export * from './experiments/run-statistics';
export * from './experiments/results';
export * from './experiments/run-experiment';
export * from './experiments/load-experiment';
export * from './experiments/collect-experiment';
export * from './experiments/seed-stats';
export * from './experiments/claims';
export * from './experiments/results-report';
export * from './experiments/figure-report';
export * from './experiments/robustness';
