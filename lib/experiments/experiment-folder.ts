import * as fs from 'fs';
import * as path from 'path';
import { readRunJson, writeRunJson } from '../train/run-folder';
import { ExperimentPreset, ExperimentRun } from './preset';

/**
 * The experiment-level files of an experiment folder (`preset.json`, `results.csv`, `epochs.csv`, `robustness.csv`)
 * are shared by every process that trains into the folder: two `reproduce` commands with different `--runs` (two
 * lanes, or a quick baseline beside a running lane) must each add their runs to them, not replace the other's. Each
 * update is a read-merge-write under the folder's `experiment.lock`, written through a temporary name and a rename.
 */

/** The lock file that serialises updates of an experiment folder's shared files. */
export const EXPERIMENT_LOCK_FILE = 'experiment.lock';

/** A lock older than this is left by a killed process and is taken over (an update takes milliseconds). */
const STALE_LOCK_MS = 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `update` holding `<outDir>/experiment.lock` (created exclusively; waited for while another process holds it,
 * taken over when older than a minute), and releases it afterwards, also when `update` throws.
 */
export function withExperimentLock<T>(outDir: string, update: () => T, { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): T {
  const lock = path.join(outDir, EXPERIMENT_LOCK_FILE);
  const began = Date.now();
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released between the two calls
      }
      if (age > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() - began > timeoutMs) throw new Error(`withExperimentLock: ${lock} has been held by another process for ${Math.round(age / 1000)} s`);
      sleepSync(20);
    }
  }
  try {
    return update();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** `run|seed`: the key of one run of one seed in an experiment's tables. */
export function runSeedKey(run: string, seed: number): string {
  return `${run}|${seed}`;
}

/**
 * The rows of a shared table after this process's update: the stored rows of the runs (and seeds) this process has
 * not produced, then this process's rows, which replace whatever was stored for theirs.
 */
export function mergeTableRows<T extends { run: string; seed: number }>(stored: readonly T[], fresh: readonly T[], produced: ReadonlySet<string>): T[] {
  return [...stored.filter((r) => !produced.has(runSeedKey(r.run, r.seed))), ...fresh];
}

/**
 * Reads `file` (when it exists), merges `fresh` in (`mergeTableRows`) and writes it, under the folder's lock.
 * `read` and `write` are the table's own (the write atomic).
 */
export function updateExperimentTable<T extends { run: string; seed: number }>(
  outDir: string,
  file: string,
  fresh: readonly T[],
  produced: ReadonlySet<string>,
  read: (file: string) => T[],
  write: (file: string, rows: readonly T[]) => void,
): void {
  withExperimentLock(outDir, () => write(file, mergeTableRows(fs.existsSync(file) ? read(file) : [], fresh, produced)));
}

/**
 * The preset a folder records after this process starts: the stored one's runs and seeds together with `p`'s (a
 * run of the same label takes `p`'s definition). A folder that holds another figure or scale, or whose runs sit in
 * the other layout (`<label>/` for one seed, `<label>/seed-<s>/` for several), is an error naming both.
 */
export function mergedPreset(stored: ExperimentPreset | null, p: ExperimentPreset, where: string): ExperimentPreset {
  if (stored === null) return p;
  if (stored.figure !== p.figure || stored.scale !== p.scale) {
    throw new Error(`${where} holds the ${stored.figure} experiment at the ${stored.scale} scale, not ${p.figure} at the ${p.scale} scale; use another folder`);
  }
  if (stored.seeds.length > 1 !== p.seeds.length > 1) {
    throw new Error(
      `${where} holds runs of seed(s) ${stored.seeds.join(', ')} (${stored.seeds.length > 1 ? '<label>/seed-<s>/ folders' : '<label>/ folders'}); ` +
        `seed(s) ${p.seeds.join(', ')} would use the other layout: give ${stored.seeds.length > 1 ? 'two or more seeds' : 'one seed'}, or use another folder`,
    );
  }
  const labels = new Set(p.runs.map((r) => r.label));
  const runs: ExperimentRun[] = [...stored.runs.filter((r) => !labels.has(r.label)), ...p.runs];
  const order = [...stored.runs.map((r) => r.label), ...p.runs.map((r) => r.label).filter((l) => !stored.runs.some((r) => r.label === l))];
  runs.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  const seeds = [...new Set([...stored.seeds, ...p.seeds])].sort((a, b) => a - b);
  return { ...p, runs, seeds };
}

/** Records `p` in `<outDir>/preset.json`, merged with what the folder holds (`mergedPreset`), under the lock. */
export function updateExperimentPreset(outDir: string, p: ExperimentPreset): ExperimentPreset {
  const file = path.join(outDir, 'preset.json');
  return withExperimentLock(outDir, () => {
    const merged = mergedPreset(fs.existsSync(file) ? readRunJson<ExperimentPreset>(file) : null, p, outDir);
    writeRunJson(file, merged);
    return merged;
  });
}
