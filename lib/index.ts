/** blockwise-ssl: the public API (re-exports only). */
export * as tf from '@tensorflow/tfjs-core';
export * from './nn/module';
export * from './nn/rng';
export * from './nn/init';
export * from './nn/conv2d';
export * from './nn/linear';
export * from './nn/batch-norm';
export * from './backend';
export * from './blockwise';
export * from './losses';
export * from './optim';
export * from './data';
export * from './eval';
