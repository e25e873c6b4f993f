export * from './embedding-pair';
export * from './off-diagonal';
export * from './barlow-twins';
export * from './vicreg';
export * from './nt-xent';
export * from './cross-entropy';
export * from './block-loss';
