/**
 * blockwise-ssl/internals: what the library's command line, benchmarks and tests build on but a study does not
 * need, re-exports only: backend kernels and the native addon, file formats (IDX, tar, image cache), seed streams,
 * checkpoints and run-folder housekeeping, the training plan, job arrays and the experiment runner's files. No
 * module is both here and in the package root (`lib/index.ts`).
 *
 *     import { readCheckpoint, runPaths } from 'blockwise-ssl/internals';
 */
export * from './backend/tensorflow-node';
export * from './backend/register-gradients';
export * from './backend/wasm-training-kernels';
export * from './backend/wasm-reductions';
export * from './backend/wasm-crop-and-resize';
export * from './backend/conv2d-gradients';
export * from './backend/native-backend';
export * from './backend/native-addon';
export * from './backend/native-batch-norm';
export * from './backend/native-gradients';
export * from './backend/native-kernels';
export * from './backend/native-buffer-pool';
export * from './backend/attempt';

export * from './data/shuffle';
export * from './data/idx';
export * from './data/tar';
export * from './data/image-decode';
export * from './data/image-cache';
export * from './data/download';
export * from './data/progress';
export * from './data/augmentations/sample-groups';
export * from './data/augmentations/fused-view';
export * from './data/augmentations/bilinear-crop';
export * from './data/view-maker';
// Each corruption on its own, and on given random draws (the root exports `corrupt` and `CORRUPTIONS`).
export * from './data/corruptions/blur';
export * from './data/corruptions/geometric';
export * from './data/corruptions/jpeg';
export * from './data/corruptions/noise';
export * from './data/corruptions/photometric';
export * from './data/corruptions/pixelate';
export * from './data/corruptions/resample';
export * from './data/corruptions/severity';
export * from './data/corruptions/weather';

export * from './train/reseedable-rng';
export * from './train/seeds';
export * from './train/config-schema';
export * from './train/training-plan';
export * from './train/training-data';
export * from './train/checkpoint';
export * from './train/run-folder';
export * from './train/run-lock';

export * from './experiments/csv';
export * from './experiments/epoch-probes';
export * from './experiments/experiment-folder';
export * from './experiments/untrained-run';
export * from './experiments/job-array';
