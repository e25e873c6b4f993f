/** Training: the blockwise self-supervised model and its training step. */
export * from './ssl-loss';
export * from './blockwise-ssl-model';
export * from './ssl-step';
