/** Training: the blockwise self-supervised model, its training step, the trainers' shared loop, checkpoints and run folders. */
export * from './non-finite-loss-error';
export * from './reseedable-rng';
export * from './seeds';
export * from './blockwise-ssl-model';
export * from './difficulty-routing';
export * from './ssl-step';
export * from './train-config';
export * from './config-schema';
export * from './training-plan';
export * from './training-data';
export * from './checkpoint';
export * from './run-folder';
export * from './run-lock';
export * from './build-model';
export * from './load-run';
export * from './run-training';
export * from './run-metrics';
export { EVENT_FILE_VERSION, listEventFiles, readEventFile, ScalarEvent, ScalarWriter } from './tensorboard';
