/** blockwise-ssl: the public API (re-exports only). */
export * as tf from '@tensorflow/tfjs-core';
export * from './nn';
export * from './backend';
export * from './blockwise';
export * from './losses';
export * from './optim';
export * from './data';
export * from './eval';
export * from './train';
export * from './plot';
export * from './experiments';
export { CORRUPTIONS, CorruptionName, corrupt, corruptAsync } from './data/corruptions';
