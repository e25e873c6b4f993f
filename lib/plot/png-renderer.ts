import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PlotlyFigure } from './plotly';

/** Environment variable naming the chromium executable; default Debian's `/usr/bin/chromium`. */
export const CHROMIUM_ENV = 'BLOCKWISE_CHROMIUM';

/** The chromium executable `savePng` and `display` render with. */
export function chromiumPath(): string {
  return process.env[CHROMIUM_ENV] || '/usr/bin/chromium';
}

/** PNG size: CSS pixels and the device scale (2 gives a sharp image on high-density screens). */
export interface PngOptions {
  /** Default the figure's `layout.width`, else 800. */
  width?: number;
  /** Default the figure's `layout.height`, else 500. */
  height?: number;
  /** Default 2. */
  scale?: number;
}

/** Why figures cannot be rendered to PNG here (no chromium, playwright-core or plotly.js), or `null` when they can. */
export function pngRendererUnavailable(): string | null {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) return `no chromium at ${exe} (install Debian's 'chromium' or set ${CHROMIUM_ENV})`;
  for (const pkg of ['playwright-core', 'plotly.js-dist-min']) {
    try {
      require.resolve(pkg);
    } catch {
      return `the npm package '${pkg}' is not installed (npm install playwright-core plotly.js-dist-min)`;
    }
  }
  return null;
}

/** The pixel size a figure is rendered at. */
export function pngSize(fig: PlotlyFigure, options: PngOptions = {}): { width: number; height: number; scale: number } {
  const size = {
    width: options.width ?? fig.layout.width ?? 800,
    height: options.height ?? fig.layout.height ?? 500,
    scale: options.scale ?? 2,
  };
  for (const [key, v] of Object.entries(size)) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`renderPng: ${key} must be a positive number, got ${v}`);
  }
  return size;
}

/**
 * Renders a figure to PNG bytes with plotly.js' `Plotly.toImage` in headless chromium (driven by
 * playwright-core). plotly.js comes from the npm package `plotly.js-dist-min` and is injected into a blank
 * page whose network requests are all refused, so rendering works offline and never reaches a CDN. One
 * browser serves consecutive calls (0.3-0.7 s a figure once started; starting it, mostly parsing plotly.js'
 * 4.5 MB, takes 3-20 s on a busy 2-core machine) and closes itself after 5 minutes without work; `closePngRenderer()` closes it at once.
 */
export async function renderPng(fig: PlotlyFigure, options: PngOptions = {}): Promise<Uint8Array> {
  const size = pngSize(fig, options);
  const job = queue.then(() => renderNow(fig, size));
  queue = job.catch(() => undefined);
  return job;
}

/** Writes a figure as a PNG file (see `renderPng`), creating the folder if needed. */
export async function savePng(fig: PlotlyFigure, file: string, options: PngOptions = {}): Promise<void> {
  const png = await renderPng(fig, options);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, png);
}

/** Closes the renderer's browser now (a later render starts a new one); lets a script's process exit at once. */
export async function closePngRenderer(): Promise<void> {
  await queue;
  await closeSession();
}

interface Session {
  browser: Browser;
  page: Page;
  /** URLs the page tried to load and was refused (plotly.js needs none for these figures). */
  refused: string[];
}

const IDLE_CLOSE_MS = 300_000;
let session: Promise<Session> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let idleTimer: NodeJS.Timeout | null = null;

async function renderNow(fig: PlotlyFigure, size: { width: number; height: number; scale: number }): Promise<Uint8Array> {
  if (idleTimer) clearTimeout(idleTimer);
  const s = await openSession();
  try {
    const url = await s.page.evaluate(
      ({ figure, opts }) =>
        (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly.toImage(figure, {
          format: 'png',
          ...opts,
        }),
      { figure: fig as unknown, opts: size },
    );
    const prefix = 'data:image/png;base64,';
    if (!url.startsWith(prefix)) throw new Error(`renderPng: Plotly.toImage returned '${url.slice(0, 40)}...', not a PNG data URL`);
    return new Uint8Array(Buffer.from(url.slice(prefix.length), 'base64'));
  } catch (err) {
    const refused = s.refused.length ? ` (refused network requests: ${s.refused.join(', ')})` : '';
    throw new Error(`renderPng: plotly.js could not render the figure: ${(err as Error).message}${refused}`);
  } finally {
    idleTimer = setTimeout(() => void closeSession(), IDLE_CLOSE_MS);
    idleTimer.unref();
  }
}

function openSession(): Promise<Session> {
  if (!session) {
    session = startSession();
    session.catch(() => (session = null));
  }
  return session;
}

async function startSession(): Promise<Session> {
  const unavailable = pngRendererUnavailable();
  if (unavailable) throw new Error(`renderPng: cannot render PNG: ${unavailable}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], headless: true });
  try {
    const page = await browser.newPage();
    const refused: string[] = [];
    await page.route('**/*', (route) => {
      refused.push(route.request().url());
      return route.abort();
    });
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ path: require.resolve('plotly.js-dist-min') });
    return { browser, page, refused };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

async function closeSession(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  const s = session;
  session = null;
  if (s) await (await s.catch(() => null))?.browser.close();
}
