/**
 * Plotly figure specifications as plain typed objects: `{ data, layout }` exactly as plotly.js, JupyterLab's
 * plotly renderer and VS Code read them (the MIME type `application/vnd.plotly.v1+json`). Only the attributes
 * the figure builders of this folder set are typed; the names are plotly.js' own, so the Plotly reference
 * (https://plotly.com/javascript/reference/) documents them. No DOM is involved: a figure is data that a
 * notebook displays, a run saves as JSON and `savePng` renders.
 */

/** A text attribute in Plotly's object form (`title: { text }`). */
export interface PlotlyText {
  text: string;
}

/** Error bars given as data: `array[i]` above and below point i. */
export interface PlotlyErrorBars {
  type: 'data';
  array: number[];
  visible: boolean;
}

/** Attributes every trace type shares. */
export interface PlotlyTraceBase {
  name: string;
  /** Traces of one group toggle together when a legend entry is clicked. */
  legendgroup?: string;
  showlegend?: boolean;
  /** Axis ids: `'x'`, `'x2'`, ... and `'y'`, `'y2'`, ... (default `'x'` and `'y'`). */
  xaxis?: string;
  yaxis?: string;
}

/**
 * One violin: a kernel density estimate of `y` drawn at the category `x0`. Violins of the same `offsetgroup`
 * sit at the same offset within a category when the layout's `violinmode` is `'group'`.
 */
export interface PlotlyViolinTrace extends PlotlyTraceBase {
  type: 'violin';
  y: number[];
  x0: string;
  offsetgroup?: string;
  /** `'hard'`: the density stops at the smallest and largest value instead of running past them. */
  spanmode?: 'soft' | 'hard';
  /** The quartile box inside the violin; `width` is a fraction of the violin's width. */
  box?: { visible: boolean; width?: number; fillcolor?: string; line?: { color?: string; width?: number } };
  meanline?: { visible: boolean; color?: string };
  points?: false | 'all' | 'outliers' | 'suspectedoutliers';
  line?: { color?: string; width?: number };
  fillcolor?: string;
  opacity?: number;
}

/** Lines and/or markers through the points `(x[i], y[i])`. */
export interface PlotlyScatterTrace extends PlotlyTraceBase {
  type: 'scatter';
  mode: 'lines' | 'markers' | 'lines+markers';
  x: number[] | string[];
  y: number[];
  error_y?: PlotlyErrorBars;
  line?: { color?: string; width?: number; dash?: 'solid' | 'dot' | 'dash' | 'dashdot' };
  marker?: { color?: string; size?: number; symbol?: string; line?: { color?: string; width?: number } };
}

/** Bars of height `y[i]` at the categories `x[i]`. */
export interface PlotlyBarTrace extends PlotlyTraceBase {
  type: 'bar';
  x: string[];
  y: number[];
  error_y?: PlotlyErrorBars;
  marker?: { color?: string };
}

export type PlotlyTrace = PlotlyViolinTrace | PlotlyScatterTrace | PlotlyBarTrace;

export interface PlotlyAxis {
  title?: PlotlyText;
  type?: 'linear' | 'category';
  /** The order of a category axis' categories. */
  categoryorder?: 'array';
  categoryarray?: string[];
  tickvals?: number[];
  ticktext?: string[];
  range?: [number, number];
  zeroline?: boolean;
  /** The fraction of the plotting area (from 0 at the bottom / left to 1) the axis spans; stacks panels. */
  domain?: [number, number];
  /** The axis this one is drawn against (`'y2'` for the x axis of a second panel). */
  anchor?: string;
}

export interface PlotlyLayout {
  title?: PlotlyText;
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  xaxis2?: PlotlyAxis;
  yaxis2?: PlotlyAxis;
  violinmode?: 'group' | 'overlay';
  violingap?: number;
  violingroupgap?: number;
  barmode?: 'group' | 'stack' | 'overlay';
  legend?: { orientation?: 'v' | 'h'; x?: number; y?: number; xanchor?: 'left' | 'center' | 'right'; yanchor?: 'top' | 'middle' | 'bottom' };
  /** Pixel size; the PNG export uses it too (see `savePng`). */
  width?: number;
  height?: number;
  margin?: { l?: number; r?: number; t?: number; b?: number };
}

/** A complete figure. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

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
