import { FeatureKind } from '../eval/features';
import { PlotlyFigure, PlotlyScatterTrace, seriesColor } from './plotly';

/** What `accuracyVsEpochsFigure` reads of a probe row (an `EpochResultRow` of `epochs.csv`): top-1 as a fraction in [0, 1]. */
export interface EpochAccuracyRow {
  run: string;
  block: number;
  features: FeatureKind;
  probe: string;
  seed: number;
  epoch: number;
  top1: number;
}

export interface AccuracyVsEpochsOptions {
  /** The block plotted, 1-based (the paper's numbering). */
  block: number;
  /** The probed representation: `'head'` or `'gsp'`. */
  representation: FeatureKind;
  /** The probe's name, e.g. `'linear'` or `'knn'`. */
  probe: string;
  title?: string;
}

/**
 * Block-k top-1 accuracy against training epochs: one line per run label (in the order runs first appear), the
 * mean over seeds with error bars of one sample standard deviation (none for a single seed), so the gap between
 * end-to-end and blockwise training can be read as it grows or shrinks. Rows of other blocks, representations or
 * probes are left out; a seed probed twice at an epoch counts once (its last row).
 *
 *     accuracyVsEpochsFigure(summary.epochResults, { block: 4, representation: 'gsp', probe: 'linear' });
 */
export function accuracyVsEpochsFigure(rows: readonly EpochAccuracyRow[], options: AccuracyVsEpochsOptions): PlotlyFigure<PlotlyScatterTrace> {
  const { block, representation, probe, title = `Block ${block} accuracy against training epochs (${representation}, ${probe} probe)` } = options;
  const byRun = new Map<string, Map<number, Map<number, number>>>();
  for (const r of rows) {
    if (r.block !== block || r.features !== representation || r.probe !== probe) continue;
    if (!Number.isFinite(r.epoch) || !Number.isFinite(r.top1)) throw new Error(`accuracyVsEpochsFigure: run '${r.run}' seed ${r.seed} has epoch ${r.epoch}, top-1 ${r.top1}`);
    const epochs = byRun.get(r.run) ?? new Map<number, Map<number, number>>();
    byRun.set(r.run, epochs);
    const seeds = epochs.get(r.epoch) ?? new Map<number, number>();
    epochs.set(r.epoch, seeds);
    seeds.set(r.seed, 100 * r.top1);
  }
  if (byRun.size === 0) throw new Error(`accuracyVsEpochsFigure: no rows of block ${block}, ${representation} features, probe '${probe}'`);
  const data: PlotlyScatterTrace[] = [...byRun].map(([name, epochs], i) => {
    const points = [...epochs].sort((a, b) => a[0] - b[0]).map(([epoch, seeds]) => ({ epoch, ...meanAndStd([...seeds.values()]) }));
    const color = seriesColor(i);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x: points.map((p) => p.epoch),
      y: points.map((p) => p.mean),
      error_y: { type: 'data', array: points.map((p) => p.std), visible: true },
      line: { color },
      marker: { color, size: 7 },
    };
  });
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'epochs (of the last block\'s phase for sequential runs)' } },
      yaxis: { title: { text: `block ${block} ${probe}-probe top-1 accuracy (%)` } },
      width: 760,
      height: Math.max(480, 180 + 22 * data.length),
    },
  };
}

/** Mean and sample standard deviation (divides by n - 1; 0 for a single value, which draws no error bar). */
function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const squares = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0 };
}
