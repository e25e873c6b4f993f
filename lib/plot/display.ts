import type { ColumnTable } from 'arquero';
import { PlotlyFigure, figureTitle } from './plotly';
import { PngOptions, pngRendererUnavailable, pngSize, renderPng } from './png-renderer';
import { TableOptions, TableRow, markdownTable } from './table';

/** The MIME type of a Plotly figure in a notebook output (JupyterLab's plotly renderer, VS Code). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** Notebook output metadata key under which `display` records the figure's name (the notebook runner checks it). */
export const FIGURE_METADATA_KEY = 'blockwise-ssl';

/** Environment variable: `0` skips the PNG fallback (faster where the frontend renders Plotly itself). */
export const PLOT_PNG_ENV = 'BLOCKWISE_PLOT_PNG';

/** One notebook display output: the same content in several MIME types, and per-type metadata. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface DisplayOptions {
  /** The name the notebook runner knows the figure by; default the figure's title. */
  name?: string;
  /** PNG fallback size (see `renderPng`); `false` leaves the PNG out. */
  png?: PngOptions | false;
}

/**
 * The display bundle of a figure: the Plotly JSON (interactive in JupyterLab with its plotly extension and in
 * VS Code), a PNG of it when given (what the classic Notebook, nbconvert's HTML and GitHub show), a one-line
 * text form for consoles, and the figure's name in the metadata. No HTML form, because frontends prefer HTML to
 * PNG and plotly.js' HTML needs a script the classic Notebook does not load offline.
 */
export function figureBundle(fig: PlotlyFigure, name: string, png?: { bytes: Uint8Array; width: number; height: number }): DisplayBundle {
  const data: Record<string, unknown> = {
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout },
    'text/plain': `<Plotly figure '${name}': ${fig.data.length} traces>`,
  };
  const metadata: Record<string, unknown> = { [FIGURE_METADATA_KEY]: { figure: name } };
  if (png) {
    data['image/png'] = Buffer.from(png.bytes).toString('base64');
    metadata['image/png'] = { width: png.width, height: png.height };
  }
  return { data, metadata };
}

let warnedNoPng = false;

/**
 * Shows a figure as the output of the current tslab notebook cell: the Plotly figure with a PNG fallback
 * rendered in headless chromium (see `renderPng`). Where chromium (or playwright-core) is missing, or
 * `BLOCKWISE_PLOT_PNG=0`, only the Plotly JSON is shown, and the first such call says why on stderr.
 * Await it: `await display(violinFigure(series))`.
 */
export async function display(fig: PlotlyFigure, options: DisplayOptions = {}): Promise<void> {
  const name = options.name ?? (figureTitle(fig) || 'figure');
  let png: { bytes: Uint8Array; width: number; height: number } | undefined;
  if (options.png !== false && process.env[PLOT_PNG_ENV] !== '0') {
    const unavailable = pngRendererUnavailable();
    if (unavailable === null) {
      const size = pngSize(fig, options.png);
      try {
        png = { bytes: await renderPng(fig, size), width: size.width, height: size.height };
      } catch (err) {
        throw new Error(`display: ${(err as Error).message} (${PLOT_PNG_ENV}=0 shows figures without the PNG fallback)`);
      }
    } else if (!warnedNoPng) {
      warnedNoPng = true;
      console.warn(`display: Plotly JSON only, no PNG fallback: ${unavailable}`);
    }
  }
  writeDisplayData(figureBundle(fig, name, png));
}

/** Shows rows as a table in the current tslab notebook cell (Markdown, rendered by every frontend); see `markdownTable`. */
export function displayTable(rows: readonly TableRow[], options: TableOptions = {}): void {
  const md = markdownTable(rows, options);
  writeDisplayData({ data: { 'text/markdown': md, 'text/plain': md }, metadata: {} });
}

/** Shows Markdown text (a caption, a heading, a table `markdownTable` made) in the current tslab notebook cell. */
export function displayMarkdown(text: string): void {
  writeDisplayData({ data: { 'text/markdown': text }, metadata: {} });
}

export interface FrameDisplayOptions {
  /** Most decimals shown for non-integer numbers; default 3. */
  digits?: number;
}

/**
 * The display bundle of an arquero table: its HTML (arquero's `toHTML`: what JupyterLab, VS Code, the classic
 * Notebook and nbconvert's HTML show) and the same rows as a Markdown table in plain text (`markdownTable`: what
 * consoles and text-only exports show). Missing values are empty cells.
 */
export function frameBundle(table: ColumnTable, { digits = 3 }: FrameDisplayOptions = {}): DisplayBundle {
  const columns = table.columnNames();
  const html = table.toHTML({ maxdigits: digits, null: () => '' });
  // markdownTable leaves a missing key empty; other non-numbers print as strings.
  const rows = (table.objects() as Record<string, unknown>[]).map((r) => {
    const row: Record<string, string | number> = {};
    for (const c of columns) {
      const v = r[c];
      if (v !== null && v !== undefined) row[c] = typeof v === 'number' ? v : String(v);
    }
    return row;
  });
  const text = rows.length > 0 ? markdownTable(rows, { columns, digits }) : `(no rows; columns ${columns.join(', ')})`;
  return { data: { 'text/html': html, 'text/plain': text }, metadata: {} };
}

/**
 * Shows an arquero table in the current tslab notebook cell, as HTML with a plain-text Markdown fallback (see
 * `frameBundle`): `displayFrame(seedSummaryFrame(summary.results), { digits: 2 })`.
 */
export function displayFrame(table: ColumnTable, options: FrameDisplayOptions = {}): void {
  writeDisplayData(frameBundle(table, options));
}

type DisplayDataWriter = (content: DisplayBundle & { transient: Record<string, unknown> }, update: boolean) => void;

/**
 * Sends a display bundle through tslab's display-data writer. tslab's public `display.*` functions send one MIME
 * type each; a bundle of several (Plotly JSON + PNG) needs the writer they use, which tslab keeps on its
 * `jupyter` module while a cell runs. That module is looked up among the modules this process has loaded, not
 * resolved from this package's folder: in a user's notebook the running tslab is the kernel's (a global install,
 * the user's project, this repository's), which need not be reachable from where blockwise-ssl is installed.
 */
function writeDisplayData(bundle: DisplayBundle): void {
  const writer = runningTslabWriter();
  if (!writer) {
    throw new Error('display: not running in a tslab notebook kernel (use savePng(figure, file) in scripts)');
  }
  writer({ ...bundle, transient: {} }, false);
}

/** The display-data writer of the tslab kernel running this process, or null outside a running cell. */
function runningTslabWriter(): DisplayDataWriter | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer = (mod?.exports as { lastWriteDisplayData?: DisplayDataWriter | null } | undefined)?.lastWriteDisplayData;
    if (writer) return writer;
  }
  return null;
}
