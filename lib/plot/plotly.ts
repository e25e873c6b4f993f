import type { Data, ErrorBar, Layout, LayoutAxis, PlotData, ViolinData } from 'plotly.js';

/**
 * Plotly figure specifications as plain typed objects: `{ data, layout }` exactly as plotly.js, JupyterLab's
 * plotly renderer and VS Code read them (the MIME type `application/vnd.plotly.v1+json`). The types are those of
 * `@types/plotly.js`, so a notebook can build any trace type (heatmaps, histograms, ...) and pass it to `display`
 * or `savePng`; the Plotly reference (https://plotly.com/javascript/reference/) documents the attributes. No DOM is
 * involved: a figure is data that a notebook displays, a run saves as JSON and `savePng` renders.
 */

/** Any plotly.js trace (`@types/plotly.js`' `Data`). */
export type PlotlyTrace = Data;

/** An axis of a layout (`xaxis`, `yaxis2`, ...). */
export type PlotlyAxis = Partial<LayoutAxis>;

/**
 * A figure's layout. `@types/plotly.js` leaves out the layout attributes of violin plots, which `violinFigure`
 * sets; they are added here with plotly.js' own names and values.
 */
export type PlotlyLayout = Partial<Layout> & {
  violinmode?: 'group' | 'overlay';
  violingap?: number;
  violingroupgap?: number;
};

/**
 * A complete figure: traces and a layout. `T` narrows the traces where they are known (`barFigure` returns a
 * `PlotlyFigure<PlotlyBarTrace>`); the default takes any trace, so `display` and `savePng` take any figure.
 */
export interface PlotlyFigure<T extends Data = Data> {
  data: T[];
  layout: PlotlyLayout;
}

/** Error bars given as data: `array[i]` above and below point i. */
export type PlotlyErrorBars = Omit<Extract<ErrorBar, { type: 'data' }>, 'array'> & { array: number[] };

/** Attributes every trace has, which `@types/plotly.js` types on `PlotData` only (not on `ViolinData`). */
type TraceBase = Partial<Pick<PlotData, 'legendgroup' | 'showlegend' | 'xaxis' | 'yaxis'>>;

/**
 * One violin as `violinFigure` draws it: a kernel density estimate of the numbers `y` at the category `x0`.
 * Violins of the same `offsetgroup` sit at the same offset within a category when the layout's `violinmode` is
 * `'group'`; `spanmode: 'hard'` stops the density at the smallest and largest value.
 */
export type PlotlyViolinTrace = Omit<Partial<ViolinData>, 'type' | 'name' | 'x0' | 'y'> &
  TraceBase & { type: 'violin'; name: string; x0: string; y: number[] };

/** Lines and/or markers through the points `(x[i], y[i])`, as the line figures of this folder draw them. */
export type PlotlyScatterTrace = Omit<Partial<PlotData>, 'type' | 'name' | 'mode' | 'x' | 'y' | 'error_y'> & {
  type: 'scatter';
  name: string;
  mode: 'lines' | 'markers' | 'lines+markers';
  x: number[] | string[];
  y: number[];
  error_y?: PlotlyErrorBars;
};

/** Bars of height `y[i]` at the categories `x[i]`, as `barFigure` draws them. */
export type PlotlyBarTrace = Omit<Partial<PlotData>, 'type' | 'name' | 'x' | 'y' | 'error_y'> & {
  type: 'bar';
  name: string;
  x: string[];
  y: number[];
  error_y?: PlotlyErrorBars;
};

/**
 * Line and fill colours, one per series in order (plotly.js' default colourway), so that a method keeps its
 * colour across the lines, error bars and paper markers of a figure.
 */
export const SERIES_COLORS: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** The colour of series `i` (the colours repeat after ten series). */
export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length];
}

/** The title of a figure (its layout title's text), or `''` when it has none. */
export function figureTitle(fig: PlotlyFigure): string {
  return fig.layout.title?.text ?? '';
}
