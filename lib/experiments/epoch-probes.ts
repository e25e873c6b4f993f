import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../data/dataset';
import { checkpointFile, listCheckpoints } from '../train/checkpoint';
import { readRunConfig } from '../train/load-run';
import { readRunJson, RunStatus, runPaths } from '../train/run-folder';
import { ResolvedTrainConfig } from '../train/train-config';
import { trainingPlan } from '../train/training-plan';
import { runSplit } from '../train/training-data';
import { readTableRows } from './csv';
import { loadDatasetSource } from '../data/dataset-source';
import { ExperimentPreset, ExperimentRun, FigureId, ProbeSettings } from './preset';
import { parseProbeRow, ProbeProgress, probesAtStep, storedProbesAtStep } from './probe-run';
import { ResultRow, RESULT_COLUMNS } from './results';
import { appendTableRows } from '../train/run-folder';

/** A row of an experiment's `epochs.csv`: a result row of a checkpoint probed at `epoch` (see `epochCheckpointStep`). */
export interface EpochResultRow extends ResultRow {
  epoch: number;
}

/** The columns of `epochs.csv`, in order: `results.csv`'s with the epoch after the steps. */
export const EPOCH_RESULT_COLUMNS: readonly (keyof EpochResultRow)[] = [...RESULT_COLUMNS.slice(0, -1), 'epoch', 'dataset'];

/** The images a run trained on: its split of `dataset` (all of them when it held none out). */
function trainSize(config: ResolvedTrainConfig, dataset: ImageDataset): number {
  return runSplit(dataset, config.data).train.size;
}

/**
 * The steps completed at epoch `epoch` of a run (may be fractional): `epoch` epochs into its last phase, i.e.
 * `lastPhase.startStep + round(epoch * stepsPerEpoch)`. One-phase methods (end-to-end, simultaneous, supervised)
 * have trained `epoch` epochs there. A sequential run gives each block its own phase of the whole schedule
 * (`schedulesOfConfig`), so its epoch e has every lower block fully trained and the last block trained for e epochs,
 * with the same learning-rate schedule position as a one-phase run at epoch e: the point at which block-4 accuracy
 * compares like with like. (The global step count instead would leave the last block untrained for 3/4 of the run.)
 */
export function epochCheckpointStep(config: ResolvedTrainConfig, trainImages: number, epoch: number): number {
  const plan = trainingPlan(config, trainImages);
  const last = plan.phases[plan.phases.length - 1];
  const phaseEpochs = last.steps / plan.stepsPerEpoch;
  if (!(Number.isFinite(epoch) && epoch > 0 && Math.round(epoch * plan.stepsPerEpoch) <= last.steps)) {
    throw new Error(`epochCheckpointStep: epoch ${epoch} is outside the run's last phase of ${+phaseEpochs.toFixed(4)} epochs (${last.steps} steps of ${plan.stepsPerEpoch} per epoch)`);
  }
  return last.startStep + Math.round(epoch * plan.stepsPerEpoch);
}

export interface EpochProbeOptions {
  /** The run's training images (as for `probeRun`). */
  dataset: ImageDataset;
  evalDataset?: ImageDataset | null;
  onProgress?: (event: ProbeProgress) => void;
}

/**
 * Probes a run's kept checkpoints at `run.probeEpochs` (see `epochCheckpointStep`) with `settings`, reusing the rows
 * its `probes.csv` already holds for a checkpoint's step, and returns them with their epoch. A missing checkpoint
 * whose rows are not all stored is an error naming the run folder, the epoch and the checkpoints kept; every epoch is
 * checked before any probe runs.
 */
export async function probeRunEpochs(runDir: string, run: ExperimentRun, settings: ProbeSettings, figure: FigureId, options: EpochProbeOptions): Promise<EpochResultRow[]> {
  const config = readRunConfig(runDir);
  const images = trainSize(config, options.dataset);
  const epochs = run.probeEpochs ?? [];
  const steps = epochs.map((e) => epochCheckpointStep(config, images, e));
  const dir = runPaths(runDir).checkpoints;
  steps.forEach((step, i) => {
    if (!fs.existsSync(checkpointFile(dir, step)) && storedProbesAtStep(runDir, settings, step, options).missing.length > 0) {
      const kept = listCheckpoints(dir).map((c) => c.step);
      throw new Error(`probeRunEpochs: ${runDir} has no checkpoint at epoch ${epochs[i]} (after ${step} steps); it keeps checkpoints after [${kept.join(', ')}] steps`);
    }
  });
  const rows: EpochResultRow[] = [];
  for (let i = 0; i < steps.length; i++) {
    const probed = await probesAtStep(runDir, settings, steps[i], { label: run.label, stages: run.probeStages, dataset: options.dataset, evalDataset: options.evalDataset, onProgress: options.onProgress });
    rows.push(...probed.map((r) => ({ figure, ...r, epoch: epochs[i] })));
  }
  return rows;
}

/** Writes `rows` as the whole of an `epochs.csv` (header, then one line per row, in `EPOCH_RESULT_COLUMNS` order). */
export function writeEpochResults(file: string, rows: readonly EpochResultRow[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  if (rows.length === 0) fs.writeFileSync(tmp, `${EPOCH_RESULT_COLUMNS.join(',')}\n`);
  appendTableRows(tmp, rows.map((r) => Object.fromEntries(EPOCH_RESULT_COLUMNS.map((c) => [c, r[c]]))));
  fs.renameSync(tmp, file);
}

/** The rows of an `epochs.csv`, typed; a missing file is none. */
export function readEpochResults(file: string): EpochResultRow[] {
  return readTableRows(file).map((r) => ({ figure: r.figure as FigureId, ...parseProbeRow(r), epoch: Number(r.epoch) }));
}

/** The run folders of a preset's runs that have `probeEpochs`, with their run and seed (the layout of `experimentRunDir`). */
function epochRuns(outDir: string, p: ExperimentPreset): { run: ExperimentRun; seed: number; runDir: string }[] {
  const out: { run: ExperimentRun; seed: number; runDir: string }[] = [];
  for (const seed of p.seeds) {
    for (const run of p.runs) {
      if (!run.probeEpochs?.length) continue;
      out.push({ run, seed, runDir: p.seeds.length > 1 ? path.join(path.resolve(outDir), run.label, `seed-${seed}`) : path.join(path.resolve(outDir), run.label) });
    }
  }
  return out;
}

/** Whether the run folder `runDir` holds a run that trained to its end (`status.json` says completed). */
function isCompleted(runDir: string): boolean {
  const file = runPaths(runDir).status;
  return fs.existsSync(file) && readRunJson<RunStatus>(file).state === 'completed';
}

/**
 * Probes an experiment's saved runs at their `probeEpochs` afterwards, without training (`runExperiment` does the
 * same after each run it completes): every run and seed of `p` with `probeEpochs`, rows already in a run's
 * `probes.csv` for a checkpoint's step reused. Writes `epochs.csv` in `outDir` and returns its rows. A run folder
 * without the checkpoint of an asked epoch is an error naming it.
 *
 *     const rows = await probeEpochs('results/cifar10-long/fig4', preset('fig4', 'cifar10-long'));
 */
export async function probeEpochs(
  outDir: string,
  p: ExperimentPreset,
  options: {
    dataset?: ImageDataset;
    evalDataset?: ImageDataset | null;
    onProgress?: (run: string, seed: number, event: ProbeProgress) => void;
    /**
     * Probe only the runs that trained to their end and pass over the others (not started, stopped, failed or still
     * training in another process, whose folders are not touched), calling `onSkip` for each; by default every run
     * must exist.
     */
    completedOnly?: boolean;
    onSkip?: (run: string, seed: number, runDir: string) => void;
  } = {},
): Promise<EpochResultRow[]> {
  let targets = epochRuns(outDir, p);
  if (options.completedOnly) {
    const done = targets.filter((t) => isCompleted(t.runDir));
    for (const t of targets) if (!done.includes(t)) options.onSkip?.(t.run.label, t.seed, t.runDir);
    targets = done;
  }
  for (const t of targets) {
    if (!fs.existsSync(runPaths(t.runDir).config)) throw new Error(`probeEpochs: ${t.runDir} is not a run folder (no config.json); train it first`);
  }
  const dataset = options.dataset ?? (await loadDatasetSource(p.dataset));
  const evalDataset = options.evalDataset !== undefined ? options.evalDataset : p.evalDataset ? await loadDatasetSource(p.evalDataset, { classNames: dataset.classNames }) : null;
  const rows: EpochResultRow[] = [];
  for (const t of targets) {
    rows.push(...(await probeRunEpochs(t.runDir, t.run, p.probe, p.figure, { dataset, evalDataset, onProgress: options.onProgress && ((e) => options.onProgress!(t.run.label, t.seed, e)) })));
  }
  writeEpochResults(path.join(path.resolve(outDir), 'epochs.csv'), rows);
  return rows;
}
