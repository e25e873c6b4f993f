import { PlotlyFigure, PlotlyViolinTrace, seriesColor } from './plotly';

/**
 * The cross-correlation terms of one block (`blockCorrelationStatistics` returns one such entry per block):
 * the on-diagonal c_ii and off-diagonal c_ij, i != j, of the Barlow Twins cross-correlation matrix.
 */
export interface BlockTerms {
  /** 0-based block index (drawn as "block 1" .. "block 4"). */
  block: number;
  onDiagonal: ArrayLike<number>;
  offDiagonal: ArrayLike<number>;
}

/** One model's violins: e.g. `{ name: 'simultaneous blockwise (CbE+GSP)', blocks: stats }`. */
export interface ViolinSeries {
  name: string;
  blocks: readonly BlockTerms[];
}

export interface ViolinFigureOptions {
  title?: string;
  /**
   * At most this many values per violin (default 2000): a larger set is replaced by that many evenly spaced
   * quantiles of it, which keeps the density's shape while keeping the figure (and the notebook) small.
   */
  maxPointsPerViolin?: number;
}

/** Decimals kept of every plotted value: cross-correlations lie in [-1, 1], so 1e-4 is far below what a violin shows. */
const PLOT_DECIMALS = 1e4;

/**
 * The paper's Fig. 8: violins of the on-diagonal (top panel) and off-diagonal (bottom panel) cross-correlation
 * terms, one violin per block and model, the models side by side within a block and coloured alike in both
 * panels. On-diagonal terms near 1 mean a block's features are invariant to the augmentations (Barlow Twins'
 * invariance term); off-diagonal terms near 0 mean its dimensions are decorrelated (the redundancy term). The
 * densities stop at the data's extremes (`spanmode: 'hard'`); a box marks the quartiles and a line the mean.
 *
 *     display(violinFigure([{ name: 'blockwise', blocks: await blockCorrelationStatistics(model, data, { views }) }]));
 */
export function violinFigure(series: readonly ViolinSeries[], options: ViolinFigureOptions = {}): PlotlyFigure<PlotlyViolinTrace> {
  const { title = 'Cross-correlation terms per block', maxPointsPerViolin = 2000 } = options;
  if (series.length === 0) throw new Error('violinFigure: no series given');
  if (!(Number.isInteger(maxPointsPerViolin) && maxPointsPerViolin >= 2)) {
    throw new Error(`violinFigure: maxPointsPerViolin must be an integer >= 2, got ${maxPointsPerViolin}`);
  }
  const blockIndices = [...new Set(series.flatMap((s) => s.blocks.map((b) => b.block)))].sort((a, b) => a - b);
  const categories = blockIndices.map(blockLabel);
  const panels = [
    { term: 'onDiagonal', label: 'on-diagonal', xaxis: 'x', yaxis: 'y' },
    { term: 'offDiagonal', label: 'off-diagonal', xaxis: 'x2', yaxis: 'y2' },
  ] as const;
  const data: PlotlyViolinTrace[] = [];
  series.forEach((s, i) => {
    if (s.blocks.length === 0) throw new Error(`violinFigure: series '${s.name}' has no blocks`);
    const color = seriesColor(i);
    for (const panel of panels) {
      for (const b of s.blocks) {
        if (!(Number.isInteger(b.block) && b.block >= 0)) {
          throw new Error(`violinFigure: series '${s.name}' has block index ${b.block}; expected a 0-based integer`);
        }
        data.push({
          type: 'violin',
          name: s.name,
          legendgroup: s.name,
          showlegend: panel.term === 'onDiagonal' && b === s.blocks[0],
          offsetgroup: s.name,
          x0: blockLabel(b.block),
          y: plotValues(b[panel.term], maxPointsPerViolin, `series '${s.name}', block ${b.block + 1}, ${panel.label}`),
          xaxis: panel.xaxis,
          yaxis: panel.yaxis,
          spanmode: 'hard',
          box: { visible: true, width: 0.35, fillcolor: 'rgba(255, 255, 255, 0.8)', line: { color, width: 1 } },
          meanline: { visible: true, color },
          points: false,
          line: { color, width: 1 },
          fillcolor: color,
          opacity: 0.6,
        });
      }
    }
  });
  const xaxis = { type: 'category' as const, categoryorder: 'array' as const, categoryarray: categories };
  return {
    data,
    layout: {
      title: { text: title },
      violinmode: 'group',
      xaxis: { ...xaxis, anchor: 'y' },
      yaxis: { title: { text: 'on-diagonal c<sub>ii</sub>' }, domain: [0.55, 1] },
      xaxis2: { ...xaxis, anchor: 'y2', title: { text: 'block' } },
      yaxis2: { title: { text: 'off-diagonal c<sub>ij</sub>' }, domain: [0, 0.45] },
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: -0.12, yanchor: 'top' },
      height: 680,
      width: 860,
    },
  };
}

/** "block 1" for the 0-based block 0. */
function blockLabel(block: number): string {
  return `block ${block + 1}`;
}

/** The values to plot: all of them, or `max` evenly spaced quantiles (order statistics) when there are more; rounded. */
function plotValues(values: ArrayLike<number>, max: number, what: string): number[] {
  const n = values.length;
  if (n === 0) throw new Error(`violinFigure: ${what} has no values`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`violinFigure: ${what} holds the non-finite value ${values[i]} at ${i}`);
  }
  const round = (v: number): number => Math.round(v * PLOT_DECIMALS) / PLOT_DECIMALS;
  if (n <= max) return Array.from(values, round);
  const sorted = Float64Array.from(values).sort();
  return Array.from({ length: max }, (_, k) => round(sorted[Math.round((k * (n - 1)) / (max - 1))]));
}
