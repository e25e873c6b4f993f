import { PlotlyBarTrace, PlotlyFigure, seriesColor } from './plotly';

/** One series of bars: a value per category, optionally with a symmetric error (e.g. a std) per category. */
export interface BarSeries {
  name: string;
  values: readonly number[];
  errors?: readonly number[];
}

export interface BarFigureOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
}

/**
 * Grouped bars: one bar per category and series, the series side by side (the paper's Fig. 15, error per
 * ImageNet-C corruption for end-to-end vs blockwise with the std over the 5 severity levels; the noise
 * ablation of Sec. 5).
 *
 *     barFigure(['gaussian noise', 'shot noise'], [{ name: 'end-to-end', values: [55.1, 57.0], errors: [9.8, 10.1] }], { yTitle: 'error (%)' });
 */
export function barFigure(categories: readonly string[], series: readonly BarSeries[], options: BarFigureOptions = {}): PlotlyFigure<PlotlyBarTrace> {
  const { title = '', xTitle = '', yTitle = '' } = options;
  if (categories.length === 0) throw new Error('barFigure: no categories given');
  if (series.length === 0) throw new Error('barFigure: no series given');
  const data: PlotlyBarTrace[] = series.map((s, i) => {
    if (s.values.length !== categories.length) {
      throw new Error(`barFigure: series '${s.name}' has ${s.values.length} values for ${categories.length} categories`);
    }
    if (s.errors && s.errors.length !== categories.length) {
      throw new Error(`barFigure: series '${s.name}' has ${s.errors.length} errors for ${categories.length} categories`);
    }
    const trace: PlotlyBarTrace = { type: 'bar', name: s.name, x: [...categories], y: [...s.values], marker: { color: seriesColor(i) } };
    if (s.errors) trace.error_y = { type: 'data', array: [...s.errors], visible: true };
    return trace;
  });
  return {
    data,
    layout: {
      title: { text: title },
      barmode: 'group',
      xaxis: { type: 'category', title: { text: xTitle } },
      yaxis: { title: { text: yTitle } },
      width: Math.max(600, 28 * categories.length * series.length + 200),
      height: 480,
    },
  };
}
