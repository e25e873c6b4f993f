import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_NAMES, BackendName, describeBackend, initBackend } from '../backend/init-backend';
import { FeatureKind } from '../eval/features';
import { ProbeProgress, ProbeRow } from '../experiments/probe-run';
import { accuracyTable } from '../experiments/results';
import { ExperimentPreset, ProbeSettings } from '../experiments/preset';
import { markdownTable } from '../plot/table';
import { DatasetSource, datasetSourceFromArgument } from '../data/dataset-source';
import { OptionSpec, OptionValue, UsageError } from './args';
import { ProgressBar, ProgressStream } from './progress';

/** Where a command writes: results and tables to `stdout`, progress and messages to `stderr`. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export const BACKEND_OPTION: OptionSpec = {
  name: 'backend',
  kind: 'string',
  choices: BACKEND_NAMES,
  placeholder: 'NAME',
  description: `compute backend: ${BACKEND_NAMES.join(', ')} (default: the best that loads, or $BLOCKWISE_BACKEND)`,
};

/** Starts the compute backend (every entry point must, before any tensor) and says which on stderr. */
export async function startBackend(io: CliIo, backend: OptionValue | undefined): Promise<void> {
  const report = await initBackend(backend !== undefined ? { backend: backend as BackendName } : {});
  io.stderr.write(`${describeBackend(report)}\n`);
}

/**
 * Runs `work` with an AbortSignal that the first Ctrl-C (SIGINT) aborts: training stops after its current step and
 * writes a checkpoint. A second Ctrl-C ends the process at once. `signals` may add others (SIGTERM, which schedulers
 * send to a task they preempt or that reaches its time limit).
 */
export async function withInterrupt<T>(io: CliIo, work: (signal: AbortSignal) => Promise<T>, signals: readonly NodeJS.Signals[] = ['SIGINT']): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      io.stderr.write('\ninterrupted again: quitting without a checkpoint\n');
      process.exit(EXIT_INTERRUPTED);
    }
    io.stderr.write('\nstopping after this step (a checkpoint is written); press Ctrl-C again to quit at once\n');
    controller.abort();
  };
  for (const s of signals) process.on(s, onSigint);
  try {
    return await work(controller.signal);
  } finally {
    for (const s of signals) process.off(s, onSigint);
  }
}

/** Reports probe progress on the bar's stream: one line per finished representation extraction and per result. */
export function probeReporter(bar: ProgressBar, label: string): (p: ProbeProgress) => void {
  return (p) => {
    if (p.kind === 'extract') {
      if (p.done === p.total) bar.message(`${label}: ${p.features} features of ${p.total} ${p.split === 'train' ? 'training' : 'evaluation'} images`);
      return;
    }
    const r = p.row;
    bar.message(`${label}: block ${r.block} ${r.features} ${r.probe} top-1 ${(100 * r.top1).toFixed(2)}%`);
  };
}

/** The per-block accuracy table of one run's probe rows: one line per representation and probe, one column per block (top-1 %). */
export function runAccuracyTable(rows: readonly ProbeRow[]): string {
  const keys = [...new Set(rows.map((r) => `${r.features}\u0000${r.probe}`))];
  const blocks = [...new Set(rows.map((r) => r.block))].sort((a, b) => a - b);
  const table = keys.map((key) => {
    const [features, probe] = key.split('\u0000');
    const line: Record<string, string | number> = { features, probe };
    for (const b of blocks) {
      const hit = rows.filter((r) => r.features === features && r.probe === probe && r.block === b).pop();
      if (hit) line[`block ${b}`] = 100 * hit.top1;
    }
    return line;
  });
  return markdownTable(table, { digits: 2 });
}

/** The per-block accuracy tables of an experiment: one per representation and probe, one line per run. */
export function experimentTables(rows: readonly ProbeRow[], settings: ProbeSettings): string {
  const probes = [...settings.linear.map((l) => l.name), ...(settings.knn ? ['knn'] : [])];
  const parts: string[] = [];
  for (const features of settings.features as FeatureKind[]) {
    for (const probe of probes) {
      const table = accuracyTable(rows, { features, probe });
      if (table.length > 0) parts.push(`top-1 accuracy (%), ${probe} probe on ${features} features:\n${markdownTable(table, { digits: 2 })}`);
    }
  }
  return parts.join('\n\n');
}

/** The probe settings of the experiment a run folder belongs to (its parent's `preset.json`), or null. */
export function experimentProbeSettings(runDir: string): ProbeSettings | null {
  for (const dir of [path.dirname(path.resolve(runDir)), path.dirname(path.dirname(path.resolve(runDir)))]) {
    const file = path.join(dir, 'preset.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as ExperimentPreset).probe;
  }
  return null;
}

/** The dataset source a `--<option>` value names; a word that is neither a known name nor a path is a usage mistake. */
export function datasetArgument(option: string, value: OptionValue, like?: { imageSize: number; channels: number }): DatasetSource {
  try {
    return datasetSourceFromArgument(value as string, like);
  } catch (e) {
    throw new UsageError(`--${option}: ${(e as Error).message}`);
  }
}
