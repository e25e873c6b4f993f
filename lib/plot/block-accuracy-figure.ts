import { PlotlyFigure, PlotlyScatterTrace, seriesColor } from './plotly';

/** One method's linear-probe accuracies per block, over seeds, and the paper's numbers for it where it gives them. */
export interface BlockAccuracySeries {
  /** Legend name, e.g. `'simultaneous blockwise (CbE+GSP, noise)'`. */
  name: string;
  /** One entry per evaluated block: its 1-based number and the accuracy (%) of every seed's run. */
  points: readonly { block: number; accuracies: readonly number[] }[];
  /** The paper's top-1 accuracy (%) for this method at some blocks (e.g. `[{ block: 4, accuracy: 70.48 }]`). */
  paper?: readonly { block: number; accuracy: number }[];
}

export interface BlockAccuracyFigureOptions {
  title?: string;
  /** Default `'linear-probe top-1 accuracy (%)'`. */
  yTitle?: string;
}

/**
 * The paper's main plot form (Figs. 4-7, 11-14, 16): accuracy against block, one line per method at the mean over
 * seeds with error bars of one sample standard deviation (none for a single seed), and the paper's reference
 * numbers as open diamonds in the same colour, so a reproduction and its target read off the same axis.
 *
 *     blockAccuracyFigure([{ name: 'end-to-end', points: [{ block: 4, accuracies: [71.2, 71.6] }], paper: [{ block: 4, accuracy: 71.57 }] }]);
 */
export function blockAccuracyFigure(series: readonly BlockAccuracySeries[], options: BlockAccuracyFigureOptions = {}): PlotlyFigure<PlotlyScatterTrace> {
  const { title = 'Accuracy per block', yTitle = 'linear-probe top-1 accuracy (%)' } = options;
  if (series.length === 0) throw new Error('blockAccuracyFigure: no series given');
  const data: PlotlyScatterTrace[] = [];
  const blocks = new Set<number>();
  series.forEach((s, i) => {
    if (s.points.length === 0 && !s.paper?.length) throw new Error(`blockAccuracyFigure: series '${s.name}' has neither points nor paper numbers`);
    const color = seriesColor(i);
    const points = [...s.points].sort((a, b) => a.block - b.block);
    for (const p of points) {
      checkBlock(s.name, p.block);
      if (p.accuracies.length === 0) throw new Error(`blockAccuracyFigure: series '${s.name}', block ${p.block} has no accuracies`);
      if (!Array.from(p.accuracies).every(Number.isFinite)) {
        throw new Error(`blockAccuracyFigure: series '${s.name}', block ${p.block} has a non-finite accuracy in [${p.accuracies}]`);
      }
      blocks.add(p.block);
    }
    if (points.length > 0) {
      const stats = points.map((p) => meanAndStd(p.accuracies));
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: s.name,
        legendgroup: s.name,
        x: points.map((p) => p.block),
        y: stats.map((m) => m.mean),
        error_y: { type: 'data', array: stats.map((m) => m.std), visible: true },
        line: { color },
        marker: { color, size: 7 },
      });
    }
    if (s.paper?.length) {
      for (const p of s.paper) {
        checkBlock(s.name, p.block);
        blocks.add(p.block);
      }
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: `${s.name} (paper)`,
        legendgroup: s.name,
        x: s.paper.map((p) => p.block),
        y: s.paper.map((p) => p.accuracy),
        marker: { color, size: 11, symbol: 'diamond-open', line: { color, width: 2 } },
      });
    }
  });
  const tickvals = [...blocks].sort((a, b) => a - b);
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'block' }, tickvals, ticktext: tickvals.map(String) },
      yaxis: { title: { text: yTitle } },
      width: 760,
      height: Math.max(480, 180 + 22 * data.length + 10 * series.length), // room for the legend, one entry per trace
    },
  };
}

function checkBlock(name: string, block: number): void {
  if (!(Number.isInteger(block) && block >= 1)) {
    throw new Error(`blockAccuracyFigure: series '${name}' has block ${block}; blocks are numbered from 1`);
  }
}

/** Mean and sample standard deviation (divides by n - 1; 0 for a single value, which draws no error bar). */
function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const squares = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0 };
}
