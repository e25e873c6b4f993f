import * as fs from 'fs';
import { FeatureKind } from '../eval/features';
import { appendTableRows } from '../train/run-folder';
import { readTableRows } from './csv';
import { FigureId, PaperAccuracy } from './preset';
import { ProbeRow, parseProbeRow } from './probe-run';

/** A row of an experiment's `results.csv`: a probe row with its figure. */
export interface ResultRow extends ProbeRow {
  figure: FigureId;
}

/** The columns of `results.csv`, in order. */
export const RESULT_COLUMNS: readonly (keyof ResultRow)[] = ['figure', 'run', 'method', 'block', 'features', 'probe', 'top1', 'top5', 'seed', 'steps', 'dataset'];

/** Writes `rows` as the whole of `results.csv` (header, then one line per row, in `RESULT_COLUMNS` order). */
export function writeResults(file: string, rows: readonly ResultRow[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  appendTableRows(tmp, rows.map((r) => Object.fromEntries(RESULT_COLUMNS.map((c) => [c, r[c]]))));
  if (rows.length === 0) fs.writeFileSync(tmp, `${RESULT_COLUMNS.join(',')}\n`);
  fs.renameSync(tmp, file);
}

/** The rows of a `results.csv`, typed. */
export function readResults(file: string): ResultRow[] {
  return readTableRows(file).map((r) => ({ figure: r.figure as FigureId, ...parseProbeRow(r) }));
}

/** One run's accuracy per block over seeds (in %), with the paper's numbers: the shape of the plots' `BlockAccuracySeries`. */
export interface AccuracySeries {
  name: string;
  points: { block: number; accuracies: number[] }[];
  paper?: PaperAccuracy[];
}

/**
 * The accuracy curves of one probe on one representation, one series per run (in the order runs first appear),
 * top-1 in % per block with one entry per seed: what `blockAccuracyFigure` plots.
 *
 *     blockAccuracyFigure(accuracySeries(summary.results, { features: 'gsp', probe: 'linear', paper: paperNumbers }));
 */
export function accuracySeries(
  rows: readonly ProbeRow[],
  { features, probe, paper = {} }: { features: FeatureKind; probe: string; paper?: Record<string, PaperAccuracy[]> },
): AccuracySeries[] {
  const byRun = new Map<string, Map<number, number[]>>();
  for (const r of rows) {
    if (r.features !== features || r.probe !== probe) continue;
    const blocks = byRun.get(r.run) ?? new Map<number, number[]>();
    byRun.set(r.run, blocks);
    blocks.set(r.block, [...(blocks.get(r.block) ?? []), 100 * r.top1]);
  }
  return [...byRun].map(([name, blocks]) => ({
    name,
    points: [...blocks].sort((a, b) => a[0] - b[0]).map(([block, accuracies]) => ({ block, accuracies })),
    ...(paper[name] ? { paper: paper[name] } : {}),
  }));
}

/**
 * A per-block accuracy table: one row per run and seed, one column per block (`block 1`, ...) holding the top-1
 * accuracy in % of the given representation and probe (empty where the run has no such row).
 */
export function accuracyTable(rows: readonly ProbeRow[], { features, probe }: { features: FeatureKind; probe: string }): Record<string, string | number>[] {
  const chosen = rows.filter((r) => r.features === features && r.probe === probe);
  const blocks = [...new Set(chosen.map((r) => r.block))].sort((a, b) => a - b);
  const keys = [...new Set(chosen.map((r) => `${r.run}\u0000${r.seed}`))];
  const multiSeed = new Set(chosen.map((r) => r.seed)).size > 1;
  return keys.map((key) => {
    const [run, seed] = key.split('\u0000');
    const row: Record<string, string | number> = { run: multiSeed ? `${run} (seed ${seed})` : run };
    for (const b of blocks) {
      const hit = chosen.filter((r) => r.run === run && String(r.seed) === seed && r.block === b).pop();
      if (hit) row[`block ${b}`] = 100 * hit.top1;
    }
    return row;
  });
}
