import * as fs from 'fs';
import * as path from 'path';
import { RunStatus, runPaths } from '../train/run-folder';
import { ExperimentPreset, FigureId, Scale, SCALES } from './preset';
import { FIGURE_IDS } from './presets';
import { readEpochResults } from './epoch-probes';
import { readResults, ResultRow } from './results';
import { readRobustnessTable } from './robustness';
import { experimentRunDir, ExperimentRunSummary, ExperimentSummary, trainingOrder } from './run-experiment';
import { RunStatistics, runStatisticsFile } from './run-statistics';

/** An experiment read back from its folder: the summary `runExperiment` returned when it ran, and the preset it ran. */
export interface LoadedExperiment extends ExperimentSummary {
  preset: ExperimentPreset;
}

/** The parsed JSON of `file`; a missing or malformed file is an error naming it and saying what it should hold. */
function readJsonFile(file: string, what: string): unknown {
  if (!fs.existsSync(file)) throw new Error(`loadExperiment: ${file} is missing (${what})`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`loadExperiment: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The preset an experiment folder was run with (its `preset.json`, as `runExperiment` wrote it, seeds and overrides
 * included). Throws, naming the file, when it is missing or is not a preset.
 */
export function readExperimentPreset(dir: string): ExperimentPreset {
  const file = path.join(path.resolve(dir), 'preset.json');
  const p = readJsonFile(file, 'runExperiment writes the preset into every experiment folder');
  const problem = !isObject(p)
    ? 'not a JSON object'
    : !FIGURE_IDS.includes(p.figure as FigureId)
      ? `figure ${JSON.stringify(p.figure)} is not one of ${FIGURE_IDS.join(', ')}`
      : !SCALES.includes(p.scale as Scale)
        ? `scale ${JSON.stringify(p.scale)} is not one of ${SCALES.join(', ')}`
        : !Array.isArray(p.runs) || !p.runs.every((r) => isObject(r) && typeof r.label === 'string' && isObject(r.config))
          ? "'runs' is not a list of runs with a label and a config"
          : !Array.isArray(p.seeds) || p.seeds.length === 0 || !p.seeds.every(Number.isInteger)
            ? "'seeds' is not a non-empty list of integers"
            : null;
  if (problem !== null) throw new Error(`loadExperiment: ${file} is not an experiment preset: ${problem}`);
  return p as unknown as ExperimentPreset;
}

/** The rows of an experiment's `results.csv`, checked against its preset (figure, run labels, seeds, finite numbers). */
function readCheckedResults(file: string, p: ExperimentPreset): ResultRow[] {
  if (!fs.existsSync(file)) throw new Error(`loadExperiment: ${file} is missing (runExperiment writes it after the first run)`);
  const rows = readResults(file);
  const labels = p.runs.map((r) => r.label);
  rows.forEach((r, i) => {
    const where = `loadExperiment: ${file}, row ${i + 2}`;
    if (r.figure !== p.figure) throw new Error(`${where}: figure '${r.figure}' is not the preset's '${p.figure}'`);
    if (!labels.includes(r.run)) throw new Error(`${where}: run '${r.run}' is not a run of the preset (${labels.join(', ')})`);
    if (!p.seeds.includes(r.seed)) throw new Error(`${where}: seed ${r.seed} is not one of the preset's seeds [${p.seeds}]`);
    const bad = (['block', 'top1', 'steps'] as const).find((k) => !Number.isFinite(r[k]));
    if (bad !== undefined) throw new Error(`${where}: column '${bad}' is not a number`);
    if (r.top5 !== null && !Number.isFinite(r.top5)) throw new Error(`${where}: column 'top5' is neither a number nor empty`);
  });
  return rows;
}

/** A run folder's `status.json`, or null when the folder was never started; malformed is an error naming the file. */
function readStatus(runDir: string): RunStatus | null {
  const file = runPaths(runDir).status;
  if (!fs.existsSync(file)) return null;
  const s = readJsonFile(file, 'the run status');
  if (!isObject(s) || !['running', 'completed', 'stopped', 'failed'].includes(s.state as string) || !Number.isInteger(s.step) || !Number.isInteger(s.totalSteps)) {
    throw new Error(`loadExperiment: ${file} is not a run status (state, step, totalSteps)`);
  }
  return s as unknown as RunStatus;
}

/**
 * Rebuilds the summary `runExperiment` returned from an experiment folder, without training or probing: a full
 * experiment folder, or one `collectExperiment` saved (no checkpoints, no metrics). Reads `preset.json` (the preset,
 * returned as `preset`), `results.csv` (every probe row), `epochs.csv` (the probes at `probeEpochs`, when any) and, per run and seed, `status.json` and `statistics.json`
 * (when the preset asks for Fig. 8 statistics). Runs come in the order they were trained (`trainingOrder`, seed by
 * seed); a run that is not completed (stopped, failed, or still training when the folder was saved) is
 * `'stopped'` with no probes, runs never started are left out, and the summary is `'completed'` only when every run of
 * every seed is. Missing or malformed files are errors naming the file.
 *
 *     const { preset, results, runs } = loadExperiment('results/cpu/fig4');
 */
export function loadExperiment(dir: string): LoadedExperiment {
  const outDir = path.resolve(dir);
  if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) throw new Error(`loadExperiment: ${outDir} is not a folder`);
  const p = readExperimentPreset(outDir);
  const resultsFile = path.join(outDir, 'results.csv');
  const results = readCheckedResults(resultsFile, p);
  const runs: ExperimentRunSummary[] = [];
  for (const seed of p.seeds) {
    const probed = new Set(results.filter((r) => r.seed === seed).map((r) => r.run));
    for (const r of trainingOrder(p.runs)) {
      const label = r.label;
      const runDir = experimentRunDir(outDir, label, seed, p.seeds);
      const status = readStatus(runDir);
      if (status === null) {
        if (probed.has(label)) throw new Error(`loadExperiment: ${runPaths(runDir).status} is missing, but ${resultsFile} has rows of run '${label}' seed ${seed}`);
        continue;
      }
      const completed = status.state === 'completed';
      const measured = completed && p.statistics !== null && (p.statistics.runs === undefined || p.statistics.runs.includes(label));
      const statisticsFile = runStatisticsFile(runDir);
      runs.push({
        label,
        description: r.description,
        seed,
        method: r.config.method,
        runDir,
        status: completed ? 'completed' : 'stopped',
        steps: status.step,
        totalSteps: status.totalSteps,
        probes: completed ? results.filter((x) => x.run === label && x.seed === seed).map(({ figure: _, ...row }) => row) : [],
        statistics: measured && fs.existsSync(statisticsFile) ? (readJsonFile(statisticsFile, 'Fig. 8 statistics') as RunStatistics) : null,
        paper: r.paper ?? [],
      });
    }
  }
  const complete = runs.length === p.runs.length * p.seeds.length && runs.every((r) => r.status === 'completed');
  return {
    figure: p.figure,
    scale: p.scale,
    title: p.title,
    finding: p.finding,
    outDir,
    status: complete ? 'completed' : 'stopped',
    runs,
    results,
    resultsFile,
    epochResults: readEpochResults(path.join(outDir, 'epochs.csv')),
    robustness: readRobustnessTable(path.join(outDir, 'robustness.csv')),
    preset: p,
  };
}

/**
 * Where a notebook finds the saved results of `figure` at `scale`: `<root>/<scale>/<figure>/` when it holds a
 * `results.csv`, at `cpu` and `paper` scale, unless `retrain`; null otherwise (train). Smoke results are never
 * saved: smoke runs take seconds and exist to exercise the pipeline.
 *
 *     const saved = savedExperimentDir('../results', 'fig4', 'cpu', { retrain: process.env.BLOCKWISE_RETRAIN === '1' });
 *     const summary = saved !== null ? loadExperiment(saved) : await runExperiment(preset('fig4', 'cpu'), { outDir });
 */
export function savedExperimentDir(root: string, figure: FigureId, scale: Scale, { retrain = false }: { retrain?: boolean } = {}): string | null {
  if (!SCALES.includes(scale)) throw new Error(`savedExperimentDir: scale '${scale}' is not one of ${SCALES.join(', ')}`);
  if (retrain || scale === 'smoke') return null;
  const dir = path.resolve(root, scale, figure);
  return fs.existsSync(path.join(dir, 'results.csv')) ? dir : null;
}
