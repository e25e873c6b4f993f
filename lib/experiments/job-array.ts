import * as fs from 'fs';
import * as path from 'path';
import { withCropInterpolation } from '../data/views';
import { readRunJson, RunStatus, runPaths, writeRunJson } from '../train/run-folder';
import { ExperimentPreset } from './preset';
import { ResultRow, writeResults } from './results';
import { RobustnessRow, runRobustnessFile, writeRobustnessTable } from './robustness';
import { ExperimentEvent, experimentRunDir, ExperimentRunSummary, runExperiment, trainingOrder } from './run-experiment';

/**
 * A figure's runs as the tasks of a job array (a SLURM `--array`, a Kubernetes Indexed Job): one (run, seed) per
 * index, trained, probed and measured by a process of its own into its own run folder, so that a scheduler, not this
 * package, spreads them over machines. The tasks never write the experiment's `results.csv` (they run at the same
 * time); each leaves a task record (`arrayTaskFile`) with its probe rows, and `collectArray` assembles `results.csv`
 * from them, row for row what `runExperiment` writes in one process.
 *
 * Indexes come in waves: a run that starts from another run of the preset (`init.run`, Fig. 7's first block taken
 * from the end-to-end run) is in the wave after its source, so wave 0 is every run without one. The SLURM script
 * submits each later wave as a second array that waits for the first; a Kubernetes task waits for its source
 * (`sourceState`).
 */
export interface ArrayTask {
  /** 0-based, as `SLURM_ARRAY_TASK_ID` and `JOB_COMPLETION_INDEX`. */
  index: number;
  label: string;
  seed: number;
  runDir: string;
  /** 0 for runs trained from scratch; 1 + the source's wave for runs that start from another run of the preset. */
  wave: number;
  /** The index of the run this one starts from (`init.run`), or null. */
  source: number | null;
  /** An untrained baseline (`ExperimentRun.untrained`): written, not trained. */
  untrained: boolean;
}

/** What `<out>/array/manifest.json` holds: which (run, seed, run folder) each index is, and the waves. */
export interface ArrayManifest {
  figure: string;
  scale: string;
  outDir: string;
  /** The command line of a task without its `--index` (`reproduce <figure> --scale ... --out ...`). */
  command: string[];
  /** Index ranges, inclusive, one per wave. */
  waves: { first: number; last: number }[];
  tasks: ArrayTask[];
}

/** How a task ended, in `<out>/array/tasks/<index>.json`. */
export interface ArrayTaskRecord {
  index: number;
  label: string;
  seed: number;
  state: 'completed' | 'stopped' | 'failed';
  steps: number;
  totalSteps: number;
  /** Why it failed. */
  message?: string;
  /** The run's rows of `results.csv` (none unless completed). */
  results: ResultRow[];
  updated: string;
}

/** The folder of an experiment's job-array files: `manifest.json`, the scripts, `tasks/`, `logs/`. */
export function arrayDir(outDir: string): string {
  return path.join(path.resolve(outDir), 'array');
}

/** The record of task `index`. */
export function arrayTaskFile(outDir: string, index: number): string {
  return path.join(arrayDir(outDir), 'tasks', `${index}.json`);
}

/** The tasks of a preset's job array, wave by wave, each wave seed by seed in `trainingOrder`. */
export function arrayTasks(p: ExperimentPreset, outDir: string): ArrayTask[] {
  const order = trainingOrder(p.runs);
  const labels = new Set(p.runs.map((r) => r.label));
  const waveOf = new Map<string, number>();
  for (const r of order) {
    const source = r.config.init?.run;
    waveOf.set(r.label, source !== undefined && labels.has(source) ? waveOf.get(source)! + 1 : 0);
  }
  const waves = Math.max(...waveOf.values()) + 1;
  const tasks: ArrayTask[] = [];
  const indexOf = new Map<string, number>();
  for (let wave = 0; wave < waves; wave++) {
    for (const seed of p.seeds) {
      for (const r of order) {
        if (waveOf.get(r.label) !== wave) continue;
        const source = r.config.init?.run;
        const index = tasks.length;
        indexOf.set(`${r.label}\u0000${seed}`, index);
        tasks.push({
          index,
          label: r.label,
          seed,
          runDir: experimentRunDir(outDir, r.label, seed, p.seeds),
          wave,
          source: source !== undefined && labels.has(source) ? indexOf.get(`${source}\u0000${seed}`)! : null,
          untrained: r.untrained === true,
        });
      }
    }
  }
  return tasks;
}

/** The manifest of a preset's job array (see `ArrayManifest`). */
export function arrayManifest(p: ExperimentPreset, outDir: string, command: string[]): ArrayManifest {
  const tasks = arrayTasks(p, outDir);
  const waves = [...new Set(tasks.map((t) => t.wave))].map((w) => {
    const inWave = tasks.filter((t) => t.wave === w);
    return { first: inWave[0].index, last: inWave[inWave.length - 1].index };
  });
  return { figure: p.figure, scale: p.scale, outDir: path.resolve(outDir), command, waves, tasks };
}

/** `p` with the crop interpolation of its runs' view recipes named, so that a preset written before the choice existed compares equal. */
function namedInterpolations(p: ExperimentPreset): ExperimentPreset {
  return {
    ...p,
    runs: p.runs.map((r) => {
      const views = r.config.data?.views;
      return views === undefined ? r : { ...r, config: { ...r.config, data: { ...r.config.data, views: withCropInterpolation(views) } } };
    }),
  };
}

/**
 * Makes `outDir` an experiment folder of `p`: writes `preset.json` when it has none (every task may, at the same
 * time: the content is the same and the write is atomic), and throws when it holds another preset, naming the fields
 * that differ (an array's tasks must be started with the options it was emitted with).
 */
export function claimExperimentFolder(p: ExperimentPreset, outDir: string): void {
  const file = path.join(path.resolve(outDir), 'preset.json');
  const fresh = JSON.parse(JSON.stringify(namedInterpolations(p))) as Record<string, unknown>;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeRunJson(file, p);
    return;
  }
  const stored = namedInterpolations(readRunJson<ExperimentPreset>(file)) as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(fresh)])].filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(fresh[k]));
  if (keys.length > 0) {
    throw new Error(`${file} holds another preset (it differs in ${keys.join(', ')}); give the options the array was emitted with, or another --out`);
  }
}

/** The record of task `index`, or null when it has not ended yet. */
export function readArrayTaskRecord(outDir: string, index: number): ArrayTaskRecord | null {
  const file = arrayTaskFile(outDir, index);
  return fs.existsSync(file) ? readRunJson<ArrayTaskRecord>(file) : null;
}

function readStatus(runDir: string): RunStatus | null {
  const file = runPaths(runDir).status;
  return fs.existsSync(file) ? readRunJson<RunStatus>(file) : null;
}

/** Whether task `t` is done: its record says completed and its run folder still holds the run it probed. */
export function arrayTaskComplete(outDir: string, t: ArrayTask): boolean {
  const record = readArrayTaskRecord(outDir, t.index);
  const status = readStatus(t.runDir);
  return record?.state === 'completed' && status?.state === 'completed' && status.step === record.steps;
}

/**
 * Whether the run task `t` starts from is trained: `ready`, or why not, `failed` when waiting for it would be in
 * vain (its training or its task failed).
 */
export function sourceState(outDir: string, tasks: readonly ArrayTask[], t: ArrayTask): { ready: true } | { ready: false; failed: boolean; reason: string } {
  if (t.source === null) return { ready: true };
  const s = tasks[t.source];
  const status = readStatus(s.runDir);
  if (status?.state === 'completed') return { ready: true };
  const record = readArrayTaskRecord(outDir, s.index);
  const name = `index ${s.index} (${s.label}, seed ${s.seed})`;
  if (status?.state === 'failed') return { ready: false, failed: true, reason: `${name} failed: ${status.message ?? 'see its log'}` };
  if (record?.state === 'failed') return { ready: false, failed: true, reason: `${name} failed: ${record.message ?? 'see its log'}` };
  const where = status ? `${status.state} at step ${status.step}/${status.totalSteps}` : 'not started';
  return { ready: false, failed: false, reason: `${name}, which it starts from, is ${where}` };
}

/**
 * Waits until the run task `t` starts from is trained, checking every `pollMs`; throws when that run failed, or
 * returns false when `signal` aborts first.
 */
export async function waitForSource(outDir: string, tasks: readonly ArrayTask[], t: ArrayTask, { pollMs, signal }: { pollMs: number; signal?: AbortSignal }): Promise<boolean> {
  for (;;) {
    const s = sourceState(outDir, tasks, t);
    if (s.ready) return true;
    if (s.failed) throw new Error(`index ${t.index} (${t.label}, seed ${t.seed}) cannot start: ${s.reason}`);
    if (signal?.aborted) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  }
}

export interface ArrayTaskOptions {
  signal?: AbortSignal;
  onEvent?: (e: ExperimentEvent) => void;
  shareRunsFrom?: string[];
}

/**
 * Runs task `index` of `p`'s job array in `outDir` (see `ArrayTask`): trains its run (or resumes the checkpoint its
 * folder holds, or reuses a completed run), probes it, computes its statistics, and writes its task record. The
 * run it starts from must be trained (`sourceState`); otherwise it throws before touching anything. A task that
 * throws records why, and throws again.
 *
 *     await runArrayTask(preset('fig7', 'smoke'), 'runs/fig7-smoke', 2);
 */
export async function runArrayTask(p: ExperimentPreset, outDir: string, index: number, options: ArrayTaskOptions = {}): Promise<{ task: ArrayTask; record: ArrayTaskRecord; run: ExperimentRunSummary }> {
  const tasks = arrayTasks(p, outDir);
  const t = tasks[index];
  if (!Number.isInteger(index) || t === undefined) throw new Error(`runArrayTask: ${p.figure} has indexes 0-${tasks.length - 1}, not ${index}`);
  const source = sourceState(outDir, tasks, t);
  if (!source.ready) throw new Error(`index ${index} (${t.label}, seed ${t.seed}) cannot start: ${source.reason}; run that index first`);
  claimExperimentFolder(p, outDir);
  const record = (r: Omit<ArrayTaskRecord, 'index' | 'label' | 'seed' | 'updated'>): ArrayTaskRecord => {
    const full: ArrayTaskRecord = { index, label: t.label, seed: t.seed, ...r, updated: new Date().toISOString() };
    fs.mkdirSync(path.dirname(arrayTaskFile(outDir, index)), { recursive: true });
    writeRunJson(arrayTaskFile(outDir, index), full);
    return full;
  };
  let run: ExperimentRunSummary;
  try {
    const summary = await runExperiment(p, {
      outDir,
      only: { label: t.label, seed: t.seed },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.shareRunsFrom ? { shareRunsFrom: options.shareRunsFrom } : {}),
    });
    run = summary.runs[0];
  } catch (e) {
    const status = readStatus(t.runDir);
    record({ state: 'failed', steps: status?.step ?? 0, totalSteps: status?.totalSteps ?? 0, message: (e as Error).message, results: [] });
    throw e;
  }
  const results = run.status === 'completed' ? run.probes.map((row) => ({ figure: p.figure, ...row })) : [];
  return { task: t, record: record({ state: run.status, steps: run.steps, totalSteps: run.totalSteps, results }), run };
}

/** Where the tasks of a job array stand, and the `results.csv` assembled from the completed ones. */
export interface ArrayCollection {
  tasks: ArrayTask[];
  complete: ArrayTask[];
  /** Tasks whose training or probes failed. */
  failed: { task: ArrayTask; message: string }[];
  /** Tasks started and not done: stopped (preempted, out of time), killed, still running, or trained but not probed. */
  incomplete: { task: ArrayTask; state: string }[];
  /** Tasks not started. */
  missing: ArrayTask[];
  results: ResultRow[];
  resultsFile: string;
}

/**
 * Writes `outDir/results.csv` from the records of the completed tasks of `p`'s job array, in the order
 * `runExperiment` writes it (seed by seed, runs in `trainingOrder`), and says which tasks are not done and why.
 *
 *     const c = collectArray(preset('fig7', 'smoke'), 'runs/fig7-smoke');
 *     c.missing.map((t) => t.index);
 */
export function collectArray(p: ExperimentPreset, outDir: string): ArrayCollection {
  const tasks = arrayTasks(p, outDir);
  const out: ArrayCollection = { tasks, complete: [], failed: [], incomplete: [], missing: [], results: [], resultsFile: path.join(path.resolve(outDir), 'results.csv') };
  for (const t of tasks) {
    const record = readArrayTaskRecord(outDir, t.index);
    const status = readStatus(t.runDir);
    if (arrayTaskComplete(outDir, t)) out.complete.push(t);
    else if (status?.state === 'failed') out.failed.push({ task: t, message: status.message ?? 'training failed' });
    else if (record?.state === 'failed') out.failed.push({ task: t, message: record.message ?? 'failed' });
    else if (status !== null) {
      const trained = status.state === 'completed' ? 'trained, not probed' : `${status.state} at step ${status.step}/${status.totalSteps}`;
      out.incomplete.push({ task: t, state: trained });
    } else out.missing.push(t);
  }
  const done = new Set(out.complete.map((t) => t.index));
  for (const seed of p.seeds) {
    for (const r of trainingOrder(p.runs)) {
      const t = tasks.find((x) => x.label === r.label && x.seed === seed)!;
      if (done.has(t.index)) out.results.push(...readArrayTaskRecord(outDir, t.index)!.results);
    }
  }
  writeResults(out.resultsFile, out.results);
  // Fig. 15: each task kept its scores on corrupted images in its run folder.
  if (p.robustness) {
    const rows: RobustnessRow[] = [];
    for (const seed of p.seeds) {
      for (const r of trainingOrder(p.runs)) {
        const t = tasks.find((x) => x.label === r.label && x.seed === seed)!;
        const file = runRobustnessFile(t.runDir);
        if (done.has(t.index) && fs.existsSync(file)) rows.push(...readRunJson<{ rows: RobustnessRow[] }>(file).rows.map((x) => ({ ...x, run: r.label })));
      }
    }
    writeRobustnessTable(path.join(path.resolve(outDir), 'robustness.csv'), p.figure, rows);
  }
  return out;
}

/** Indexes as a SLURM `--array` list: `0-3,5,7-8`. */
export function indexRanges(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
