import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../data/dataset';
import { readRunConfig } from '../train/load-run';
import { appendTableRows, readRunJson, RunStatus, runDatasetFile, runPaths, writeRunDatasetSource, writeRunJson } from '../train/run-folder';
import { CheckpointEvent, resumeTraining, runTraining, StepEvent, TrainingResult } from '../train/run-training';
import { resolveTrainConfig, TrainConfig, TrainMethod } from '../train/train-config';
import { loadDatasetSource } from '../data/dataset-source';
import { EpochResultRow, probeRunEpochs, readEpochResults, writeEpochResults } from './epoch-probes';
import { runSeedKey, updateExperimentPreset, updateExperimentTable } from './experiment-folder';
import { ExperimentPreset, ExperimentRun, FigureId, PaperAccuracy, Scale } from './preset';
import { ProbeProgress, ProbeRow, probesAtStep, readProbeRows } from './probe-run';
import { readResults, ResultRow, writeResults } from './results';
import { checkRobustnessSettings, readRobustnessTable, RobustnessRow, robustnessRun, writeRobustnessTable } from './robustness';
import { readRunStatistics, RunStatistics, runStatistics } from './run-statistics';
import { writeUntrainedRun } from './untrained-run';

/** What `runExperiment` reports while it works, for a progress bar or a notebook. */
export type ExperimentEvent =
  | {
      type: 'run-start';
      label: string;
      seed: number;
      runDir: string;
      /** 0-based position among the `count` runs (all seeds). */
      index: number;
      count: number;
      /** Training from scratch, resuming a stopped run, reusing a completed one, or writing an untrained one. */
      action: 'train' | 'resume' | 'reuse' | 'untrained';
      /** The run folder of another experiment this run was copied from (`shareRunsFrom`). */
      sharedFrom?: string;
    }
  | { type: 'step'; label: string; seed: number; step: StepEvent }
  | { type: 'checkpoint'; label: string; seed: number; checkpoint: CheckpointEvent }
  | { type: 'run-end'; label: string; seed: number; status: 'completed' | 'stopped'; steps: number; totalSteps: number }
  | { type: 'probe'; label: string; seed: number; progress: ProbeProgress }
  | { type: 'statistics'; label: string; seed: number; statistics: RunStatistics }
  | { type: 'robustness'; label: string; seed: number; progress: { corruption: string; severity: number; done: number; total: number } };

export interface ExperimentOptions {
  /** Folder of the experiment: one run folder per run label (`<label>/`, or `<label>/seed-<s>/` with several seeds), `results.csv`, `preset.json`. */
  outDir: string;
  onEvent?: (event: ExperimentEvent) => void;
  /**
   * Continue what `outDir` holds (default true): completed runs are not retrained, stopped or interrupted runs
   * resume from their newest checkpoint, and probe rows and statistics already computed for the same step are
   * reused. A stored run whose config differs from the preset's is an error. False: `outDir` must hold none of
   * the runs.
   */
  reuse?: boolean;
  /**
   * Aborting stops the current run after its current step, with a checkpoint; the summary then says `'stopped'`.
   */
  signal?: AbortSignal;
  /** The training images, instead of loading `preset.dataset`. */
  dataset?: ImageDataset;
  /** The images probes are scored on, instead of loading `preset.evalDataset`. */
  evalDataset?: ImageDataset | null;
  /**
   * Other experiments' folders (e.g. `runs/fig4-cpu`) whose completed runs this one reuses: before training a run,
   * a completed run there with the same seed and the same resolved training config (Fig. 7's sequential LSP run is
   * Fig. 4's, for instance) is copied into this experiment's folder, probes and all, instead of being trained again.
   * Searched in order, when the run is reached, so a folder another process is filling counts as far as it has got.
   */
  shareRunsFrom?: string[];
  /**
   * Run only this run and seed (one task of a job array, see `runArrayTask`): the other runs are not touched, and
   * `preset.json` and `results.csv` are left to the caller, since the tasks of an array run at the same time.
   */
  only?: { label: string; seed: number };
}

/** One run of an experiment as it ended. */
export interface ExperimentRunSummary {
  label: string;
  description: string;
  seed: number;
  method: TrainMethod;
  runDir: string;
  status: 'completed' | 'stopped';
  steps: number;
  totalSteps: number;
  /** Probe rows of this run (none when it stopped before the end). */
  probes: ProbeRow[];
  /** Its Fig. 8 statistics, when the preset asks for them. */
  statistics: RunStatistics | null;
  paper: PaperAccuracy[];
}

/** What `runExperiment` returns: everything a notebook plots. */
export interface ExperimentSummary {
  figure: FigureId;
  scale: Scale;
  title: string;
  finding: string;
  outDir: string;
  /** `'stopped'` when aborted: the runs after the stopped one were not started. */
  status: 'completed' | 'stopped';
  runs: ExperimentRunSummary[];
  /** Every probe row, with the figure: the content of `results.csv`. */
  results: ResultRow[];
  resultsFile: string;
  /** The probe rows of the runs' `probeEpochs` checkpoints, with their epoch: the content of `epochs.csv` (empty without any). */
  epochResults: EpochResultRow[];
  /** Fig. 15's scores on clean and corrupted held-out images, when the preset asks (`robustness`): the content of `robustness.csv`. */
  robustness: RobustnessRow[];
}

/** The folder of a run of an experiment. */
export function experimentRunDir(outDir: string, label: string, seed: number, seeds: readonly number[]): string {
  return seeds.length > 1 ? path.join(path.resolve(outDir), label, `seed-${seed}`) : path.join(path.resolve(outDir), label);
}

/** The runs in the order `runExperiment` trains them: every run after the run its `init` names (by label). */
export function trainingOrder(runs: readonly ExperimentRun[]): ExperimentRun[] {
  const byLabel = new Map(runs.map((r) => [r.label, r]));
  const done = new Set<string>();
  const order: ExperimentRun[] = [];
  const visit = (r: ExperimentRun, chain: string[]): void => {
    if (done.has(r.label)) return;
    if (chain.includes(r.label)) throw new Error(`runExperiment: runs ${[...chain, r.label].join(' -> ')} initialise from each other in a cycle`);
    const source = r.config.init?.run;
    const dep = source !== undefined ? byLabel.get(source) : undefined;
    if (dep) visit(dep, [...chain, r.label]);
    done.add(r.label);
    order.push(r);
  };
  for (const r of runs) visit(r, []);
  return order;
}

function checkPreset(p: ExperimentPreset): void {
  if (p.runs.length === 0) throw new Error(`runExperiment: ${p.figure} has no runs`);
  if (p.seeds.length === 0 || !p.seeds.every(Number.isInteger) || new Set(p.seeds).size !== p.seeds.length) {
    throw new Error(`runExperiment: seeds [${p.seeds}] must be distinct integers, at least one`);
  }
  const labels = p.runs.map((r) => r.label);
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
  if (repeated !== undefined) throw new Error(`runExperiment: two runs are labelled '${repeated}'`);
  const wanted = p.statistics?.runs ?? [];
  const missing = wanted.filter((l) => !labels.includes(l));
  if (missing.length > 0) throw new Error(`runExperiment: statistics.runs names unknown runs ${missing.join(', ')}`);
  if (p.robustness) checkRobustnessSettings(p.robustness, `runExperiment: ${p.figure}: robustness`);
}

/** The first path at which two JSON values differ, or null. */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    return JSON.stringify(a) === JSON.stringify(b) ? null : at || '(root)';
  }
  const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])];
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    if (d !== null) return d;
  }
  return null;
}

/** Where the config stored in `runDir` first differs from `config` resolved on `dataset`, or null; the stored `init.step` (filled in at the start) is not compared. */
function storedConfigDifference(runDir: string, config: TrainConfig, dataset: ImageDataset): string | null {
  const stored = JSON.parse(JSON.stringify(readRunConfig(runDir)));
  if (stored.init) delete stored.init.step;
  const name = config.data?.dataset ?? dataset.name;
  const fresh = JSON.parse(
    JSON.stringify(resolveTrainConfig({ ...config, data: { ...config.data, dataset: name } }, { name, imageShape: dataset.imageShape, numClasses: dataset.classNames.length })),
  );
  return firstDifference(stored, fresh);
}

/** Checks that a stored run was trained with `config`. */
function checkStoredConfig(runDir: string, config: TrainConfig, dataset: ImageDataset): void {
  const diff = storedConfigDifference(runDir, config, dataset);
  if (diff !== null) {
    throw new Error(`runExperiment: ${runDir} holds a run trained with another config (they differ at ${diff}); remove the folder or choose another outDir`);
  }
}

/** The run folders of an experiment folder: `<label>/` and `<label>/seed-<s>/` holding a `config.json`. */
function experimentRunDirs(experimentDir: string): string[] {
  if (!fs.existsSync(experimentDir)) return [];
  const dirs: string[] = [];
  for (const label of fs.readdirSync(experimentDir, { withFileTypes: true })) {
    if (!label.isDirectory()) continue;
    const dir = path.join(experimentDir, label.name);
    if (fs.existsSync(runPaths(dir).config)) dirs.push(dir);
    for (const seed of fs.readdirSync(dir, { withFileTypes: true })) {
      const seedDir = path.join(dir, seed.name);
      if (seed.isDirectory() && /^seed-\d+$/.test(seed.name) && fs.existsSync(runPaths(seedDir).config)) dirs.push(seedDir);
    }
  }
  return dirs;
}

/**
 * A completed run, in one of `experimentDirs`, with `config` on `dataset` (seed included) and trained or not as
 * `untrained` says (an untrained baseline has the config of a trained run: the simultaneous CbE run without noise),
 * or null. Runs that start from another run (`init`) are never shared: their source is a folder of their own experiment.
 */
function findSharedRun(experimentDirs: readonly string[], config: TrainConfig, untrained: boolean, dataset: ImageDataset, exclude: string): string | null {
  if (config.init !== undefined) return null;
  for (const experimentDir of experimentDirs) {
    for (const dir of experimentRunDirs(path.resolve(experimentDir))) {
      if (path.resolve(dir) === exclude) continue;
      const status = fs.existsSync(runPaths(dir).status) ? readRunJson<RunStatus>(runPaths(dir).status) : null;
      if (status?.state !== 'completed' || (status.totalSteps === 0) !== untrained) continue;
      if (storedConfigDifference(dir, config, dataset) === null) return dir;
    }
  }
  return null;
}

/**
 * Copies a shared run folder to `runDir`: its status names the copy's own checkpoint, its probe rows carry the run's
 * label in this experiment.
 */
function copySharedRun(source: string, runDir: string, label: string): void {
  fs.cpSync(source, runDir, { recursive: true });
  const statusFile = runPaths(runDir).status;
  const status = readRunJson<RunStatus>(statusFile);
  if (status.lastCheckpoint !== null && path.resolve(status.lastCheckpoint).startsWith(path.resolve(source) + path.sep)) {
    writeRunJson(statusFile, { ...status, lastCheckpoint: path.join(runDir, path.relative(path.resolve(source), path.resolve(status.lastCheckpoint))) });
  }
  const probes = runPaths(runDir).probes;
  if (!fs.existsSync(probes)) return;
  const rows = readProbeRows(runDir);
  fs.rmSync(probes);
  if (rows.length > 0) appendTableRows(probes, rows.map((r) => ({ ...r, run: label })));
}

/**
 * Runs a preset: for every seed and run (runs that initialise from another run after it), trains into
 * `outDir/<label>/` (skipping completed runs and resuming stopped ones, see `reuse`), probes every block (linear
 * probes and kNN, on the run's held-out split or the preset's evaluation set) into the run's `probes.csv`,
 * computes the Fig. 8 statistics when the preset asks (`statistics.json` in the run folder), probes the kept
 * checkpoints of a run's `probeEpochs` (`probeRunEpochs`, rows in `epochs.csv`), and keeps the
 * experiment's `results.csv` (one row per run, seed, block, representation and probe) up to date after each run.
 * Writes the preset itself to `preset.json`. Returns the summary the notebooks plot.
 *
 *     const summary = await runExperiment(preset('fig4', 'cpu'), { outDir: 'runs/fig4-cpu', onEvent: console.log });
 */
export async function runExperiment(p: ExperimentPreset, options: ExperimentOptions): Promise<ExperimentSummary> {
  checkPreset(p);
  const reuse = options.reuse ?? true;
  const outDir = path.resolve(options.outDir);
  const order = trainingOrder(p.runs);
  const only = options.only;
  const count = only ? 1 : order.length * p.seeds.length;
  if (!reuse) {
    for (const seed of p.seeds) {
      for (const r of order) {
        const dir = experimentRunDir(outDir, r.label, seed, p.seeds);
        if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`runExperiment: ${dir} already holds a run (pass reuse to continue it)`);
      }
    }
  }
  const dataset = options.dataset ?? (await loadDatasetSource(p.dataset));
  const evalDataset = options.evalDataset !== undefined ? options.evalDataset : p.evalDataset ? await loadDatasetSource(p.evalDataset, { classNames: dataset.classNames }) : null;
  fs.mkdirSync(outDir, { recursive: true });
  // Shared with other processes training other runs into the folder: each adds its runs (experiment-folder.ts).
  if (!only) updateExperimentPreset(outDir, p);
  const resultsFile = path.join(outDir, 'results.csv');
  const epochsFile = path.join(outDir, 'epochs.csv');
  const robustnessFile = path.join(outDir, 'robustness.csv');
  const summary: ExperimentSummary = {
    figure: p.figure,
    scale: p.scale,
    title: p.title,
    finding: p.finding,
    outDir,
    status: 'completed',
    runs: [],
    results: [],
    resultsFile,
    epochResults: [],
    robustness: [],
  };

  // The runs (and seeds) this process has visited: its rows replace the stored ones of those, and only of those.
  const produced = new Set<string>();
  const saveResults = (): void => updateExperimentTable(outDir, resultsFile, summary.results, produced, readResults, writeResults);
  let index = 0;
  for (const seed of p.seeds) {
    for (const r of order) {
      if (only && (only.label !== r.label || only.seed !== seed)) continue;
      const runDir = experimentRunDir(outDir, r.label, seed, p.seeds);
      const source = r.config.init?.run;
      const init = r.config.init && source !== undefined && p.runs.some((x) => x.label === source) ? { ...r.config.init, run: experimentRunDir(outDir, source, seed, p.seeds) } : r.config.init;
      const config: TrainConfig = { ...r.config, seed, ...(init ? { init } : {}) };
      const emit = (e: ExperimentEvent): void => options.onEvent?.(e);
      const unstarted = !fs.existsSync(runDir) || fs.readdirSync(runDir).length === 0;
      const shared = unstarted && options.shareRunsFrom ? findSharedRun(options.shareRunsFrom, config, r.untrained === true, dataset, runDir) : null;
      if (shared !== null) copySharedRun(shared, runDir, r.label);
      const stored = fs.existsSync(runPaths(runDir).status) ? readRunJson<RunStatus>(runPaths(runDir).status) : null;
      const empty = !fs.existsSync(runDir) || fs.readdirSync(runDir).length === 0;
      if (!empty) checkStoredConfig(runDir, config, dataset);
      const action = r.untrained ? (empty ? 'untrained' : 'reuse') : empty ? 'train' : stored?.state === 'completed' ? 'reuse' : 'resume';
      emit({ type: 'run-start', label: r.label, seed, runDir, index: index++, count, action, ...(shared !== null ? { sharedFrom: shared } : {}) });
      // Where the images came from, for `resume` and `probe` from the command line; unknown for images passed in.
      const datasetSource = options.dataset ? undefined : p.dataset;
      const hooks = {
        dataset,
        source: datasetSource,
        signal: options.signal,
        onStep: (step: StepEvent) => emit({ type: 'step', label: r.label, seed, step }),
        onCheckpoint: (checkpoint: CheckpointEvent) => emit({ type: 'checkpoint', label: r.label, seed, checkpoint }),
      };
      let result: Pick<TrainingResult, 'status' | 'step' | 'totalSteps'>;
      if (action === 'untrained') {
        await writeUntrainedRun(runDir, config, dataset, datasetSource);
        result = { status: 'completed', step: 0, totalSteps: 0 };
      } else if (action === 'train') {
        result = await runTraining(config, { runDir, ...hooks });
      } else if (action === 'resume') {
        result = await resumeTraining(runDir, hooks);
      } else {
        result = { status: 'completed', step: stored!.step, totalSteps: stored!.totalSteps };
        // A run stored before runs recorded their source.
        if (datasetSource && !fs.existsSync(runDatasetFile(runDir))) writeRunDatasetSource(runDir, datasetSource);
      }
      emit({ type: 'run-end', label: r.label, seed, status: result.status, steps: result.step, totalSteps: result.totalSteps });
      const entry: ExperimentRunSummary = {
        label: r.label,
        description: r.description,
        seed,
        method: r.config.method,
        runDir,
        status: result.status,
        steps: result.step,
        totalSteps: result.totalSteps,
        probes: [],
        statistics: null,
        paper: r.paper ?? [],
      };
      summary.runs.push(entry);
      produced.add(runSeedKey(r.label, seed));
      if (result.status === 'stopped') {
        summary.status = 'stopped';
        if (!only) saveResults();
        return summary;
      }
      const onProgress = (progress: ProbeProgress) => emit({ type: 'probe', label: r.label, seed, progress });
      entry.probes = await probesAtStep(runDir, p.probe, result.step, { label: r.label, stages: r.probeStages, dataset, evalDataset, onProgress });
      summary.results.push(...entry.probes.map((row) => ({ figure: p.figure, ...row })));
      if (p.statistics && (p.statistics.runs === undefined || p.statistics.runs.includes(r.label))) {
        const saved = readRunStatistics(runDir);
        const same = saved !== null && saved.steps === result.step && JSON.stringify(saved.settings) === JSON.stringify(p.statistics);
        entry.statistics = same ? saved : await runStatistics(runDir, p.statistics, { label: r.label, dataset, evalDataset });
        emit({ type: 'statistics', label: r.label, seed, statistics: entry.statistics });
      }
      if (r.probeEpochs?.length) {
        summary.epochResults.push(...(await probeRunEpochs(runDir, r, p.probe, p.figure, { dataset, evalDataset, onProgress })));
        // A job-array task (`only`) leaves the experiment's tables to --collect, as results.csv.
        if (!only) updateExperimentTable(outDir, epochsFile, summary.epochResults, produced, readEpochResults, writeEpochResults);
      }
      if (p.robustness) {
        const onRobustness = (progress: { corruption: string; severity: number; done: number; total: number }) => emit({ type: 'robustness', label: r.label, seed, progress });
        summary.robustness.push(...(await robustnessRun(runDir, p.robustness, p.probe, {
          label: r.label,
          step: result.step,
          dataset,
          evalDataset,
          // Every run scores the same held-out images: each corrupted copy is generated once per experiment folder.
          cacheDir: path.join(outDir, 'corrupted-images'),
          onProgress: onRobustness,
        })));
        if (!only) updateExperimentTable(outDir, robustnessFile, summary.robustness, produced, readRobustnessTable, (f, rows) => writeRobustnessTable(f, p.figure, rows));
      }
      if (!only) saveResults();
    }
  }
  return summary;
}
