/** Evaluation: frozen features, linear probes (offline and online), kNN, cross-correlation statistics (Fig. 8). */
export * from './cross-correlation';
export * from './features';
export * from './top-k';
export * from './linear-probe';
export * from './linear-probe-augmented';
export * from './knn';
export * from './online-probe';
export * from './block-statistics';
export * from './robustness';
