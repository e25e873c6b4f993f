import * as fs from 'fs';
import * as path from 'path';

/**
 * The files of a run folder:
 * - `config.json`: the resolved `TrainConfig` (every default filled in);
 * - `metrics.jsonl`: one JSON object per training step (`StepMetrics`);
 * - `status.json`: whether the run is running, completed, stopped or failed (`RunStatus`);
 * - `probes.csv`: probe results, one row per (probe, block, ...), written by the evaluation code;
 * - `checkpoints/step-<8 digits>.ckpt`: checkpoints (see `writeCheckpoint`).
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

/** One line of `metrics.jsonl`: what one training step did. */
export interface StepMetrics {
  /** Global step, 0-based. */
  step: number;
  /** Epoch of the step, 0-based. */
  epoch: number;
  /** Phase index (sequential training: one per trained block). */
  phase: number;
  /** Loss of every block, `null` for blocks without a loss in this step (JSON has no NaN). */
  blockLosses: (number | null)[];
  /** Sum of the back-propagated block losses. */
  loss: number;
  lr: number;
  /** Training images (not views) per second over this step, data loading and augmentation included. */
  imagesPerSecond: number;
  /** Wall-clock time of writing, ISO 8601. */
  time: string;
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
export function writeFileAtomic(file: string, text: string): void {
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

/** The metrics of a run, in step order; a torn last line (a run killed mid-write) is skipped. */
export function readMetrics(runDir: string): StepMetrics[] {
  const file = runPaths(runDir).metrics;
  if (!fs.existsSync(file)) return [];
  const out: StepMetrics[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as StepMetrics);
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

function csvCell(v: TableValue): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Appends rows to a CSV table (header line first when the file is new), the format arquero's `loadCSV` /
 * `fromCSV` and pandas read. Every row must have the file's columns, in any order; `null` is an empty cell.
 */
export function appendTableRows(file: string, rows: Record<string, TableValue>[]): void {
  if (rows.length === 0) return;
  let columns: string[];
  let text = '';
  if (fs.existsSync(file) && fs.statSync(file).size > 0) {
    columns = fs.readFileSync(file, 'utf8').split(/\r?\n/, 1)[0].split(',');
  } else {
    columns = Object.keys(rows[0]);
    const bad = columns.find((c) => !/^[^",\r\n]+$/.test(c));
    if (bad !== undefined) throw new Error(`appendTableRows: column name '${bad}' is empty or holds a comma, quote or line break`);
    text += `${columns.join(',')}\n`;
  }
  for (const row of rows) {
    const keys = Object.keys(row);
    const extra = keys.filter((k) => !columns.includes(k));
    const missing = columns.filter((c) => !(c in row));
    if (extra.length > 0 || missing.length > 0) {
      throw new Error(`appendTableRows: ${file} has columns [${columns}]; a row lacks [${missing}] and adds [${extra}]`);
    }
    text += `${columns.map((c) => csvCell(row[c])).join(',')}\n`;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, text);
}

