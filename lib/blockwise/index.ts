/** Blockwise training: training blocks, stop-gradient, feature noise, pooling heads, projectors. */
export * from './stop-gradient';
export * from './noise';
export * from './partition';
export * from './blockwise-network';
export * from './pooling-head';
export * from './gsp';
export * from './lsp';
export * from './grouped-conv2d';
export * from './l2-pooling';
export * from './sqrt-pooling';
export * from './cbe';
export * from './create-head';
export * from './projector';
