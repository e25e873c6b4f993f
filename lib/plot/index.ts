/** Plots: Plotly figure specs (violins, accuracy per block, bars), tables (Markdown, arquero), notebook display and PNG export. */
export * from './plotly';
export * from './violin-figure';
export * from './block-accuracy-figure';
export * from './accuracy-vs-epochs-figure';
export * from './bar-figure';
export * from './table';
export * from './frame';
export * from './png-renderer';
export * from './display';
