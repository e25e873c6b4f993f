import * as fs from 'fs';
import * as path from 'path';
import { plotSubset } from '../eval/block-statistics';
import { Rng } from '../nn/rng';
import { appendTableRows, BlockLossColumn, blockLossColumns, readMetrics, readRunJson, rowBlockLosses, runPaths, StepMetrics, writeRunJson } from '../train/run-folder';
import { readTableRows } from './csv';
import { readExperimentPreset } from './load-experiment';
import { experimentRunDir } from './run-experiment';
import { runRobustnessFile } from './robustness';
import { RunStatistics, runStatisticsFile } from './run-statistics';

/**
 * One row of a run's `training.csv`, in the flat shape of `metrics.jsonl`: the training steps since the previous row
 * (at most `every`, never across a phase), summarised. `step` is the 0-based index of the last of them (as in
 * `metrics.jsonl`), `epoch` and `phase` its; `lr` its learning rate; `loss` and `block1Loss` ... `block<N>Loss` (one
 * per block, null where no step trained the block) the means over the steps; `imagesPerSecond` the training images
 * over the seconds the steps took.
 */
export interface TrainingSummaryRow {
  step: number;
  epoch: number;
  phase: number;
  lr: number;
  loss: number;
  [column: BlockLossColumn]: number | null;
  imagesPerSecond: number;
}

/** `x` to 6 significant digits: a loss summary needs no more, and the committed files stay small. */
function round6(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * A run's training curve in a few rows: one row per `every` steps (after steps `every - 1`, `2 * every - 1`, ...),
 * at the end of every phase (sequential training) and after the last step, each summarising the steps since the
 * previous row (`TrainingSummaryRow`).
 *
 *     trainingSummary(readMetrics('runs/cpu/fig4/end-to-end/seed-0'), 50);
 */
export function trainingSummary(metrics: readonly StepMetrics[], every = 50): TrainingSummaryRow[] {
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`trainingSummary: every must be a positive integer, got ${every}`);
  const rows: TrainingSummaryRow[] = [];
  let window: StepMetrics[] = [];
  metrics.forEach((m, i) => {
    window.push(m);
    const next = metrics[i + 1];
    if ((m.step + 1) % every !== 0 && next !== undefined && next.phase === m.phase) return;
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const losses = window.map(rowBlockLosses);
    const blocks = Math.max(...losses.map((l) => l.length));
    const blockLosses = Array.from({ length: blocks }, (_, b) => {
      const trained = losses.map((l) => l[b]).filter((v): v is number => v !== null && v !== undefined);
      return trained.length > 0 ? round6(mean(trained)) : null;
    });
    // Every step trains one batch, so images per second over the window is the harmonic mean of the steps' rates.
    const rates = window.map((w) => w.imagesPerSecond).filter((r) => Number.isFinite(r) && r > 0);
    rows.push({
      step: m.step,
      epoch: m.epoch,
      phase: m.phase,
      lr: m.lr,
      loss: round6(mean(window.map((w) => w.loss))),
      ...blockLossColumns(blockLosses),
      imagesPerSecond: rates.length > 0 ? round6(rates.length / rates.reduce((a, r) => a + 1 / r, 0)) : 0,
    });
    window = [];
  });
  return rows;
}

/** Writes `rows` as `training.csv`: step, epoch, phase, lr, loss, block1Loss ... blockNLoss (empty: not trained), imagesPerSecond. */
function writeTrainingCsv(file: string, rows: readonly TrainingSummaryRow[]): void {
  const blocks = Math.max(0, ...rows.map((r) => rowBlockLosses(r).length));
  appendTableRows(
    file,
    rows.map((r) => {
      const { step, epoch, phase, lr, loss, imagesPerSecond } = r;
      const losses = rowBlockLosses(r);
      return { step, epoch, phase, lr, loss, ...blockLossColumns(Array.from({ length: blocks }, (_, b) => losses[b] ?? null)), imagesPerSecond };
    }),
  );
}

/**
 * The rows of a `training.csv` (`collectExperiment`) as `TrainingSummaryRow`s, numbers parsed, an empty block loss
 * `null`. A missing file is none; a row whose numbers do not parse is an error naming the file and row.
 */
export function readTrainingCsv(file: string): TrainingSummaryRow[] {
  return readTableRows(file).map((r, i) => {
    const out: Record<string, number | null> = {};
    for (const [column, text] of Object.entries(r)) {
      const blockLoss = /^block\d+Loss$/.test(column);
      if (blockLoss && text === '') {
        out[column] = null;
        continue;
      }
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) throw new Error(`readTrainingCsv: ${file}, row ${i + 2}: column '${column}' is not a number: '${text}'`);
      out[column] = v;
    }
    for (const c of ['step', 'epoch', 'phase', 'lr', 'loss', 'imagesPerSecond']) {
      if (!(c in out)) throw new Error(`readTrainingCsv: ${file} has no column '${c}'`);
    }
    return out as unknown as TrainingSummaryRow;
  });
}

/**
 * Fig. 8 statistics with at most `max` plotted values per term and block: a seeded subset (seed of the statistics'
 * settings) of what the run kept, `settings.maxPlotValues` saying so. The summaries (quartiles, mean, std over all
 * terms) are unchanged.
 */
function thinStatistics(s: RunStatistics, max: number): RunStatistics {
  const rng = new Rng(s.settings.seed);
  const thin = (values: number[]) => Array.from(plotSubset(Float32Array.from(values), max, rng));
  return {
    ...s,
    settings: { ...s.settings, maxPlotValues: Math.min(max, s.settings.maxPlotValues) },
    blocks: s.blocks.map((b) => ({ ...b, onDiagonal: thin(b.onDiagonal), offDiagonal: thin(b.offDiagonal) })),
  };
}

export interface CollectOptions {
  /** Steps per row of `training.csv` (default 50). */
  every?: number;
  /**
   * Plotted values kept per term and block in `statistics.json` (default 500: the violins look the same, and a
   * CPU-scale run's file, written without indentation, drops from about 650 KB to about 40 KB).
   */
  maxPlotValues?: number;
}

/** What `collectExperiment` wrote. */
export interface CollectedExperiment {
  dir: string;
  /** Run folders copied, relative to `dir` (`<label>` or `<label>/seed-<s>`), with the state of their `status.json`. */
  runs: { run: string; state: string }[];
  /** Every file written, relative to `dir`, and the bytes of all of them. */
  files: string[];
  bytes: number;
}

/**
 * `json` (a run's `config.json` or `status.json`) with the run folders and checkpoints it names (`init.run`,
 * `lastCheckpoint`) relative to `runDir`, so that a saved copy names no path of the machine that trained it.
 */
function withRelativePaths(json: Record<string, unknown>, runDir: string): Record<string, unknown> {
  const relative = (p: string): string => path.relative(runDir, path.resolve(p));
  const out = { ...json };
  if (typeof out.lastCheckpoint === 'string') out.lastCheckpoint = relative(out.lastCheckpoint);
  const init = out.init as { run?: unknown } | null | undefined;
  if (init && typeof init.run === 'string') out.init = { ...init, run: relative(init.run) };
  return out;
}

/**
 * Saves what summarises an experiment folder, without checkpoints, into `destDir` (which is replaced; it must be
 * empty, absent, or an earlier copy holding a `preset.json`): `preset.json`, `results.csv`, `epochs.csv` and `robustness.csv` (when any), and per run folder of the
 * preset (`<label>/` or `<label>/seed-<s>/`, those started) its `config.json` and `status.json` (the paths they name
 * made relative to the run folder), `probes.csv`, `robustness.json` (Fig. 15, when any),
 * `statistics.json` (Fig. 8, plotted values cut to `maxPlotValues`, one line) and `training.csv`, the training curve of
 * `metrics.jsonl` summarised every `every` steps (`trainingSummary`). `loadExperiment(destDir)` then gives the summary
 * `runExperiment` returned. The files of a CPU-scale run come to a few KB (tens with statistics).
 *
 *     collectExperiment('runs/cpu/fig4', 'results/cpu/fig4');
 */
export function collectExperiment(sourceDir: string, destDir: string, { every = 50, maxPlotValues = 500 }: CollectOptions = {}): CollectedExperiment {
  const source = path.resolve(sourceDir);
  const dest = path.resolve(destDir);
  if (!(Number.isInteger(maxPlotValues) && maxPlotValues >= 1)) throw new Error(`collectExperiment: maxPlotValues must be a positive integer, got ${maxPlotValues}`);
  if (dest === source || dest.startsWith(`${source}${path.sep}`) || source.startsWith(`${dest}${path.sep}`)) {
    throw new Error(`collectExperiment: ${dest} and ${source} must not hold one another`);
  }
  const p = readExperimentPreset(source);
  const resultsFile = path.join(source, 'results.csv');
  if (!fs.existsSync(resultsFile)) throw new Error(`collectExperiment: ${resultsFile} is missing (runExperiment writes it after the first run)`);
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0 && !fs.existsSync(path.join(dest, 'preset.json'))) {
    throw new Error(`collectExperiment: ${dest} holds files but no preset.json; not replacing a folder that is not a saved experiment`);
  }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  const files: string[] = [];
  const copy = (from: string, to: string): void => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    files.push(path.relative(dest, to));
  };
  copy(path.join(source, 'preset.json'), path.join(dest, 'preset.json'));
  copy(resultsFile, path.join(dest, 'results.csv'));
  for (const table of ['epochs.csv', 'robustness.csv']) {
    if (fs.existsSync(path.join(source, table))) copy(path.join(source, table), path.join(dest, table));
  }
  const runs: CollectedExperiment['runs'] = [];
  for (const seed of p.seeds) {
    for (const r of p.runs) {
      const from = runPaths(experimentRunDir(source, r.label, seed, p.seeds));
      if (!fs.existsSync(from.config)) continue;
      const to = runPaths(experimentRunDir(dest, r.label, seed, p.seeds));
      if (fs.existsSync(from.probes)) copy(from.probes, to.probes);
      for (const key of ['config', 'status'] as const) {
        if (!fs.existsSync(from[key])) continue;
        writeRunJson(to[key], withRelativePaths(readRunJson<Record<string, unknown>>(from[key]), from.dir));
        files.push(path.relative(dest, to[key]));
      }
      if (fs.existsSync(runRobustnessFile(from.dir))) copy(runRobustnessFile(from.dir), runRobustnessFile(to.dir));
      const statistics = runStatisticsFile(from.dir);
      if (fs.existsSync(statistics)) {
        fs.writeFileSync(runStatisticsFile(to.dir), `${JSON.stringify(thinStatistics(readRunJson<RunStatistics>(statistics), maxPlotValues))}\n`);
        files.push(path.relative(dest, runStatisticsFile(to.dir)));
      }
      const training = trainingSummary(readMetrics(from.dir), every);
      if (training.length > 0) {
        writeTrainingCsv(path.join(to.dir, 'training.csv'), training);
        files.push(path.relative(dest, path.join(to.dir, 'training.csv')));
      }
      const state = fs.existsSync(from.status) ? readRunJson<{ state: string }>(from.status).state : 'not started';
      runs.push({ run: path.relative(dest, to.dir), state });
    }
  }
  const bytes = files.reduce((n, f) => n + fs.statSync(path.join(dest, f)).size, 0);
  return { dir: dest, runs, files, bytes };
}
