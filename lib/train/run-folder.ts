import * as fs from 'fs';
import * as aq from 'arquero';
import * as path from 'path';
import { DatasetSource } from '../data/dataset-source';
import { RUN_LOCK_FILE, runLockHolder } from './run-lock';

/**
 * The files of a run folder:
 * - `config.json`: the resolved `TrainConfig` (every default filled in);
 * - `metrics.jsonl`: one JSON object per training step (`StepMetrics`), flat: a column per block's loss;
 * - `events.out.tfevents.<secs>.<host>.<pid>`: the same scalars (and probe accuracies) for TensorBoard, one file per
 *   process that wrote some (`ScalarWriter` in `tensorboard.ts`);
 * - `status.json`: whether the run is running, completed, stopped or failed (`RunStatus`);
 * - `probes.csv`: probe results, one row per (probe, block, ...), written by the evaluation code;
 * - `checkpoints/step-<8 digits>.ckpt`: checkpoints (see `writeCheckpoint`);
 * - `dataset.json`: where the images came from (`DatasetSource`; written by `runTraining` when given one), for `resume`
 *   and `probe`;
 * - `statistics.json`: Fig. 8 statistics (written by the experiments);
 * - `.blockwise-run`: the marker of a folder this project created (`RUN_MARKER_FILE`);
 * - `run.lock`: held while a process trains in the folder (`lockRunFolder`).
 */
export interface RunPaths {
  dir: string;
  config: string;
  metrics: string;
  status: string;
  probes: string;
  checkpoints: string;
}

export function runPaths(runDir: string): RunPaths {
  const dir = path.resolve(runDir);
  return {
    dir,
    config: path.join(dir, 'config.json'),
    metrics: path.join(dir, 'metrics.jsonl'),
    status: path.join(dir, 'status.json'),
    probes: path.join(dir, 'probes.csv'),
    checkpoints: path.join(dir, 'checkpoints'),
  };
}

/**
 * The column of a block's loss in `metrics.jsonl` and `training.csv`: `block1Loss`, `block2Loss`, ... (1-based, as
 * the paper numbers blocks). Both files have one flat column per block, so pandas, arquero or a spreadsheet read
 * them without unpacking arrays.
 */
export type BlockLossColumn = `block${number}Loss`;

/** The loss column of block `index` (0-based). */
export function blockLossColumn(index: number): BlockLossColumn {
  return `block${index + 1}Loss`;
}

/** A column per block (`block1Loss`, ...) of `losses`, one per block in order; NaN (no loss in this step) is `null`. */
export function blockLossColumns(losses: readonly (number | null)[]): Record<BlockLossColumn, number | null> {
  return Object.fromEntries(losses.map((l, i) => [blockLossColumn(i), l === null || Number.isNaN(l) ? null : l]));
}

/** The block losses of a flat row (`metrics.jsonl` line, `training.csv` row), block 1 first, `null` where none. */
export function rowBlockLosses(row: { [column: BlockLossColumn]: number | null | undefined }): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; blockLossColumn(i) in row; i++) out.push(row[blockLossColumn(i)] ?? null);
  return out;
}

/** One line of `metrics.jsonl`: what one training step did. */
export interface StepMetrics {
  /** Global step, 0-based. */
  step: number;
  /** Epoch of the step, 0-based. */
  epoch: number;
  /** Phase index (sequential training: one per trained block). */
  phase: number;
  lr: number;
  /** Sum of the back-propagated block losses. */
  loss: number;
  /** Loss of every block (`block1Loss`, ...), `null` for blocks without a loss in this step (JSON has no NaN). */
  [column: BlockLossColumn]: number | null;
  /** Training images (not views) per second over this step, data loading and augmentation included. */
  imagesPerSecond: number;
  /** Wall-clock time of writing, ISO 8601. */
  time: string;
}

/**
 * A `metrics.jsonl` line as `StepMetrics`, its keys in file order. Lines written before the flat shape hold the block
 * losses as one array (`blockLosses`); they become the flat columns.
 */
function flatStepMetrics(line: Record<string, unknown>): StepMetrics {
  if (!Array.isArray(line.blockLosses)) return line as unknown as StepMetrics;
  const { step, epoch, phase, lr, loss, blockLosses, imagesPerSecond, time, ...rest } = line;
  return {
    step,
    epoch,
    phase,
    lr,
    loss,
    ...blockLossColumns(blockLosses as (number | null)[]),
    imagesPerSecond,
    time,
    ...rest,
  } as StepMetrics;
}

/** The state of a run, rewritten at every start, checkpoint and end. A killed run stays `'running'`. */
export interface RunStatus {
  state: 'running' | 'completed' | 'stopped' | 'failed';
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** The newest checkpoint file, or null. */
  lastCheckpoint: string | null;
  /** Why it failed (non-finite loss, ...), when it did. */
  message?: string;
  updated: string;
}

let tmpCount = 0;

/**
 * Writes `text` to `file` atomically: into a temporary file of a name no other writer uses (`<file>.tmp-<pid>-<n>`),
 * then renamed over `file`, so a kill or a full disk leaves either the old file or the new one, never a torn one.
 * A failure names the file and removes the temporary file.
 */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${tmpCount++}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Writes `value` as pretty JSON, atomically (`writeFileAtomic`). */
export function writeRunJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The file of a run folder that records where its images came from (`DatasetSource`), for `resume` and `probe`. */
export function runDatasetFile(runDir: string): string {
  return path.join(path.resolve(runDir), 'dataset.json');
}

/** Records a run's dataset source in its folder (`dataset.json`, written atomically). */
export function writeRunDatasetSource(runDir: string, source: DatasetSource): void {
  writeRunJson(runDatasetFile(runDir), source);
}

/** Where a run's images came from: its `dataset.json`, else the dataset its config names. */
export function readRunDatasetSource(runDir: string, datasetName: string): DatasetSource {
  const file = runDatasetFile(runDir);
  return fs.existsSync(file) ? readRunJson<DatasetSource>(file) : { name: datasetName };
}

/** Reads a JSON file of a run folder; a file that is not JSON is an error naming it. */
export function readRunJson<T>(file: string): T {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** Appends one step's metrics to `metrics.jsonl`; a failure (a full disk) names the file. */
export function appendMetrics(file: string, m: StepMetrics): void {
  try {
    fs.appendFileSync(file, `${JSON.stringify(m)}\n`);
  } catch (e) {
    throw new Error(`cannot append to ${file}: ${(e as Error).message}`);
  }
}

/**
 * The metrics of a run, in step order, flat (`StepMetrics`; lines of the older shape with a `blockLosses` array are
 * read as the flat columns); a torn last line (a run killed mid-write) is skipped.
 */
export function readMetrics(runDir: string): StepMetrics[] {
  const file = runPaths(runDir).metrics;
  if (!fs.existsSync(file)) return [];
  const out: StepMetrics[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(flatStepMetrics(JSON.parse(line) as Record<string, unknown>));
    } catch {
      // Only the line a killed run was writing can be torn.
    }
  }
  return out;
}

/**
 * Keeps only the metrics of steps before `step` (a resumed run rewrites the steps after its checkpoint) and drops a
 * torn last line. The file is replaced atomically (`writeFileAtomic`), and only when a line goes: a run killed
 * meanwhile keeps every line it had.
 */
export function truncateMetrics(runDir: string, step: number): void {
  const file = runPaths(runDir).metrics;
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  if (lines[lines.length - 1] === '') lines.pop();
  const kept = readMetrics(runDir).filter((m) => m.step < step);
  if (fs.existsSync(file) && kept.length === lines.length) return;
  writeFileAtomic(file, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

/** A cell of a results table. */
export type TableValue = string | number | boolean | null;

/**
 * Appends rows to a CSV table (header line first when the file is new), written by arquero's `toCSV` (RFC 4180
 * quoting), the format arquero's `loadCSV` / `fromCSV` and pandas read. Every row must have the file's columns, in
 * any order; `null` is an empty cell.
 */
export function appendTableRows(file: string, rows: Record<string, TableValue>[]): void {
  if (rows.length === 0) return;
  let columns: string[];
  const isNew = !(fs.existsSync(file) && fs.statSync(file).size > 0);
  if (!isNew) {
    columns = fs.readFileSync(file, 'utf8').split(/\r?\n/, 1)[0].split(',');
  } else {
    columns = Object.keys(rows[0]);
    const bad = columns.find((c) => !/^[^",\r\n]+$/.test(c));
    if (bad !== undefined) throw new Error(`appendTableRows: column name '${bad}' is empty or holds a comma, quote or line break`);
  }
  for (const row of rows) {
    const keys = Object.keys(row);
    const extra = keys.filter((k) => !columns.includes(k));
    const missing = columns.filter((c) => !(c in row));
    if (extra.length > 0 || missing.length > 0) {
      throw new Error(`appendTableRows: ${file} has columns [${columns}]; a row lacks [${missing}] and adds [${extra}]`);
    }
  }
  const text = aq.toCSV(aq.from(rows, columns), { header: isNew, columns });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, text);
}

/**
 * The marker of a run folder created by this project (`runTraining`, `writeUntrainedRun`): `--overwrite` deletes
 * only folders that hold it (or old run folders written before it existed, see `clearRunFolder`).
 */
export const RUN_MARKER_FILE = '.blockwise-run';

/** Marks a folder as a run folder of this project (`RUN_MARKER_FILE`). */
export function markRunFolder(runDir: string): void {
  writeRunJson(path.join(path.resolve(runDir), RUN_MARKER_FILE), { createdBy: 'blockwise-ssl', created: new Date().toISOString() });
}

/** The files this project writes at the top of a run folder (besides `checkpoints/` and TensorBoard event files). */
const RUN_FILES = [RUN_MARKER_FILE, RUN_LOCK_FILE, 'config.json', 'metrics.jsonl', 'status.json', 'probes.csv', 'dataset.json', 'statistics.json'];

/** Whether a file name is one of the TensorBoard event files a run writes (`events.out.tfevents.<secs>.<host>.<pid>`). */
export function isEventFileName(name: string): boolean {
  return /^events\.out\.tfevents\.\d+\.[\w.-]+$/.test(name) && !/\.(tmp|stale)-[\w-]+$/.test(name);
}

function isRunFile(name: string): boolean {
  const base = name.replace(/\.(tmp|stale)-[\w-]+$/, '');
  return RUN_FILES.includes(base) || isEventFileName(base);
}

/** Entries of a run folder that this project did not write, relative to it (`checkpoints/x` for one in checkpoints/). */
function foreignEntries(dir: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const stat = fs.lstatSync(path.join(dir, name));
    if (name === 'checkpoints' && stat.isDirectory()) {
      for (const c of fs.readdirSync(path.join(dir, name))) {
        const ok = /^step-\d+\.ckpt(\.tmp-\d+)?$/.test(c) && fs.lstatSync(path.join(dir, name, c)).isFile();
        if (!ok) out.push(`checkpoints/${c}`);
      }
    } else if (!(isRunFile(name) && stat.isFile())) {
      out.push(name);
    }
  }
  return out.sort();
}

/**
 * Whether `dir` is or may become a run folder: absent (its nearest existing parent a writable folder), or a folder.
 * Throws an error naming the path otherwise (a file named as the run folder, or a file in its path).
 */
export function checkRunDirPath(runDir: string, who: string): void {
  const dir = path.resolve(runDir);
  let at = dir;
  while (!fs.existsSync(at)) {
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!fs.statSync(at).isDirectory()) {
    throw new Error(at === dir ? `${who}: ${dir} is a file, not a run folder; give a folder` : `${who}: cannot create the run folder ${dir}: ${at} is a file`);
  }
  try {
    if (at === dir) fs.accessSync(at, fs.constants.W_OK);
    // Creating a folder is the only sure test (permissions, read-only or virtual file systems such as /proc).
    else fs.rmdirSync(fs.mkdtempSync(path.join(at, '.blockwise-probe-')));
  } catch (e) {
    throw new Error(`${who}: cannot ${at === dir ? 'write in' : 'create the run folder'} ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Empties a run folder so that a new run can start in it (`train --overwrite`), deleting only what this project
 * wrote. It refuses, with an error naming the folder:
 * - a folder holding anything this project does not write (a user's project folder with a `config.json`);
 * - a folder without the run marker (`RUN_MARKER_FILE`), unless it is a run folder written before the marker
 *   existed: besides the run files, it has `config.json`, `status.json` and `checkpoints/`, and nothing else;
 * - a folder a live process trains in (its `run.lock`).
 * The folder itself stays, empty. An absent or empty folder is left as it is.
 */
export function clearRunFolder(runDir: string, who: string): void {
  const dir = path.resolve(runDir);
  checkRunDirPath(dir, who);
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) return;
  const foreign = foreignEntries(dir);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, ... (${foreign.length} in all)` : '');
    throw new Error(`${who}: not deleting ${dir}: it holds ${shown}, which blockwise-ssl did not write; delete or move them yourself, or give another folder`);
  }
  const paths = runPaths(dir);
  const names = fs.readdirSync(dir);
  const legacy = ['config.json', 'status.json', 'checkpoints'].every((n) => names.includes(n));
  if (!names.includes(RUN_MARKER_FILE) && !legacy) {
    throw new Error(`${who}: not deleting ${dir}: it has no ${RUN_MARKER_FILE} marker and is not a complete run folder (config.json, status.json, checkpoints/), so blockwise-ssl did not create it`);
  }
  const holder = runLockHolder(dir);
  if (holder !== null) throw new Error(`${who}: not deleting ${dir}: process ${holder.pid} on ${holder.hostname} is training in it (${path.join(dir, RUN_LOCK_FILE)})`);
  if (fs.existsSync(paths.checkpoints)) {
    for (const c of fs.readdirSync(paths.checkpoints)) fs.rmSync(path.join(paths.checkpoints, c));
    fs.rmdirSync(paths.checkpoints);
  }
  // The marker goes last: a folder half emptied (a kill) is still one that --overwrite empties.
  for (const n of names) if (n !== 'checkpoints' && n !== RUN_MARKER_FILE) fs.rmSync(path.join(dir, n));
  if (names.includes(RUN_MARKER_FILE)) fs.rmSync(path.join(dir, RUN_MARKER_FILE));
}
