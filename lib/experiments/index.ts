/** Experiments: one typed preset per figure of the paper at smoke / cpu / paper scale, probes of a run, the experiment runner, and saved results (collect, load). */
export * from './preset';
export * from './dataset-source';
export * from './yielding-dataset';
export * from './overrides';
export * from './scales';
export * from './run-recipe';
export * from './presets';
export * from './csv';
export * from './probe-run';
export * from './run-statistics';
export * from './untrained-run';
export * from './results';
export * from './run-experiment';
export * from './load-experiment';
export * from './collect-experiment';
