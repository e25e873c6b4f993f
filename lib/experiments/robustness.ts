import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CORRUPTIONS } from '../data/corruptions';
import { corruptedDataset } from '../data/corrupted-dataset';
import { ImageDataset, InMemoryImageDataset } from '../data/dataset';
import { loadImageNetC } from '../data/imagenet-c';
import { evaluationTransform, FeatureKind } from '../eval/features';
import { CorruptedImages, CorruptionErrorTable, corruptionErrors, corruptionRobustness } from '../eval/robustness';
import { loadRunModel } from '../train/load-run';
import { appendTableRows, readRunJson, writeRunJson } from '../train/run-folder';
import type { BarSeries } from '../plot/bar-figure';
import { TrainMethod } from '../train/train-config';
import { readTableRows } from './csv';
import { FigureId, LinearProbeSpec, ProbeSettings } from './preset';
import { featureSource, probeSplits, runViewRecipe, seededSubset } from './probe-run';

/**
 * Where the corrupted held-out images come from: `'generated'` corrupts the run's held-out images with the library's
 * corruptions (`corruptedDataset`; the randomness seeded by `seed`, per batch of `batchSize` images), `'imagenet-c'`
 * reads the released ImageNet-C folder at `path` (`loadImageNetC`), its images resized to `imageSize` (shortest side,
 * centre crop) when given.
 */
export type CorruptionSource = { kind: 'generated'; seed: number; batchSize: number } | { kind: 'imagenet-c'; path: string; imageSize?: number };

/**
 * Fig. 15 (Appendix C): robustness to common corruptions of every run of a preset. A linear probe per representation,
 * trained on clean training features (the preset's `probe.trainImages` and `probe.seed`), is scored on the clean
 * held-out images and on their corrupted copies at every severity.
 */
export interface RobustnessSettings {
  /** Corruption names of the benchmark (`CORRUPTIONS`), in the order they are plotted. */
  corruptions: string[];
  /** Severities 1-5. */
  severities: number[];
  source: CorruptionSource;
  /** Representations probed. */
  features: FeatureKind[];
  /** Backbone stage probed (0-based; the paper's block 4 is 3). */
  stage: number;
  /** The probe, trained once on features computed once (not `augmented`). */
  probe: LinearProbeSpec;
  /** Held-out images scored (a seeded subset, the same for every corruption); null: all of them. */
  evalImages: number | null;
  /**
   * Training images the probes train on (a seeded subset), instead of the preset's `probe.trainImages`: the features
   * of every image are held in memory, too many at ImageNet's size.
   */
  trainImages?: number;
}

const SETTINGS_KEYS = ['corruptions', 'severities', 'source', 'features', 'stage', 'probe', 'evalImages', 'trainImages'];

/** Checks robustness settings: known keys, corruptions, severities 1-5, representations, a probe on precomputed features. */
export function checkRobustnessSettings(s: RobustnessSettings, what = 'robustness'): void {
  const unknown = Object.keys(s).filter((k) => !SETTINGS_KEYS.includes(k));
  if (unknown.length > 0) throw new Error(`${what}: unknown setting ${unknown.join(', ')} (known: ${SETTINGS_KEYS.join(', ')})`);
  if (!Array.isArray(s.corruptions) || s.corruptions.length === 0) throw new Error(`${what}: corruptions must list at least one of ${CORRUPTIONS.join(', ')}`);
  for (const c of s.corruptions) if (!(CORRUPTIONS as readonly string[]).includes(c)) throw new Error(`${what}: unknown corruption '${c}' (one of ${CORRUPTIONS.join(', ')})`);
  if (new Set(s.corruptions).size !== s.corruptions.length) throw new Error(`${what}: corruptions [${s.corruptions}] repeat`);
  if (!Array.isArray(s.severities) || s.severities.length === 0 || !s.severities.every((v) => Number.isInteger(v) && v >= 1 && v <= 5) || new Set(s.severities).size !== s.severities.length) {
    throw new Error(`${what}: severities must be distinct integers in 1-5, got [${s.severities}]`);
  }
  if (!Array.isArray(s.features) || s.features.length === 0 || !s.features.every((f) => f === 'head' || f === 'gsp')) throw new Error(`${what}: features must list 'head' and / or 'gsp', got [${s.features}]`);
  if (!(Number.isInteger(s.stage) && s.stage >= 0)) throw new Error(`${what}: stage must be a 0-based integer, got ${s.stage}`);
  if (s.probe.augmented) throw new Error(`${what}: the probe '${s.probe.name}' is augmented; robustness probes train on features computed once`);
  if (s.evalImages !== null && !(Number.isInteger(s.evalImages) && s.evalImages >= 1)) throw new Error(`${what}: evalImages must be a positive integer or null, got ${s.evalImages}`);
  if (s.trainImages !== undefined && !(Number.isInteger(s.trainImages) && s.trainImages >= 1)) throw new Error(`${what}: trainImages must be a positive integer, got ${s.trainImages}`);
  const src = s.source as { kind: string } & Record<string, unknown>;
  if (src.kind === 'generated') {
    const extra = Object.keys(src).filter((k) => !['kind', 'seed', 'batchSize'].includes(k));
    if (extra.length > 0) throw new Error(`${what}: source 'generated' has unknown keys ${extra.join(', ')} (seed, batchSize)`);
    if (!Number.isInteger(src.seed)) throw new Error(`${what}: source.seed must be an integer, got ${src.seed}`);
    if (!(Number.isInteger(src.batchSize) && (src.batchSize as number) >= 1)) throw new Error(`${what}: source.batchSize must be a positive integer, got ${src.batchSize}`);
  } else if (src.kind === 'imagenet-c') {
    const extra = Object.keys(src).filter((k) => !['kind', 'path', 'imageSize'].includes(k));
    if (extra.length > 0) throw new Error(`${what}: source 'imagenet-c' has unknown keys ${extra.join(', ')} (path, imageSize)`);
    if (typeof src.path !== 'string' || src.path === '') throw new Error(`${what}: source.path must name the ImageNet-C folder`);
    if (src.imageSize !== undefined && !(Number.isInteger(src.imageSize) && (src.imageSize as number) >= 1)) throw new Error(`${what}: source.imageSize must be a positive integer, got ${src.imageSize}`);
  } else {
    throw new Error(`${what}: source.kind must be 'generated' or 'imagenet-c', got ${JSON.stringify(src.kind)}`);
  }
}

/**
 * A row of `robustness.csv` (a run's, or the experiment's with `figure`): the probe's top-1 / top-5 (fractions) on
 * the clean held-out images (`corruption` `'clean'`, `severity` 0) or on one corrupted copy; `block` is 1-based.
 */
export interface RobustnessRow {
  run: string;
  method: TrainMethod;
  seed: number;
  steps: number;
  block: number;
  features: FeatureKind;
  probe: string;
  corruption: string;
  severity: number;
  top1: number;
  top5: number | null;
  /** The held-out set before corruption. */
  dataset: string;
}

/** The columns of `robustness.csv`, in order (the experiment's starts with `figure`). */
export const ROBUSTNESS_COLUMNS: readonly (keyof RobustnessRow)[] = ['run', 'method', 'seed', 'steps', 'block', 'features', 'probe', 'corruption', 'severity', 'top1', 'top5', 'dataset'];

/** What a run folder keeps of its robustness evaluation: the settings and checkpoint it was computed with, and the rows. */
interface StoredRobustness {
  settings: RobustnessSettings;
  steps: number;
  rows: RobustnessRow[];
}

/** The file of a run folder holding its robustness evaluation. */
export function runRobustnessFile(runDir: string): string {
  return path.join(path.resolve(runDir), 'robustness.json');
}

/**
 * `corruptedDataset` kept in `cacheDir` (raw uint8 pixels, one file per corruption and severity, named by a digest of
 * the clean images, their labels and the generation settings), so that the runs of an experiment, which score the same
 * held-out images, generate each corrupted copy once.
 */
async function cachedCorruptedDataset(evaluation: ImageDataset, corruption: string, severity: number, source: Extract<CorruptionSource, { kind: 'generated' }>, cacheDir: string): Promise<ImageDataset> {
  const pixels = await evaluation.read(Int32Array.from({ length: evaluation.size }, (_, i) => i));
  const digest = crypto
    .createHash('sha256')
    .update(JSON.stringify({ shape: evaluation.imageShape, seed: source.seed, batchSize: source.batchSize, corruption, severity }))
    .update(pixels)
    .update(new Uint8Array(evaluation.labels.buffer, evaluation.labels.byteOffset, evaluation.labels.byteLength))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `${corruption}-${severity}-${digest}.u8`);
  if (fs.existsSync(file) && fs.statSync(file).size === pixels.length) {
    const stored = new Uint8Array(fs.readFileSync(file));
    return new InMemoryImageDataset(`${evaluation.name}/${corruption}-${severity}`, stored, Int32Array.from(evaluation.labels), evaluation.imageShape, evaluation.classNames);
  }
  const made = await corruptedDataset(evaluation, corruption, severity, { seed: source.seed, batchSize: source.batchSize });
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, made.images);
  fs.renameSync(tmp, file);
  return made;
}

/** The corrupted images of a run's held-out set `evaluation`, generated (kept in `cacheDir` when given) or read from ImageNet-C. */
function corruptedImages(source: CorruptionSource, evaluation: ImageDataset, classNames: readonly string[], cacheDir?: string): CorruptedImages {
  if (source.kind === 'generated') {
    return (c, s) => (cacheDir !== undefined ? cachedCorruptedDataset(evaluation, c, s, source, cacheDir) : corruptedDataset(evaluation, c, s, { seed: source.seed, batchSize: source.batchSize }));
  }
  return (c, s) => loadImageNetC(source.path, c, s, { classNames, ...(source.imageSize !== undefined ? { size: source.imageSize } : {}), channels: evaluation.imageShape[2] === 1 ? 1 : 3 });
}

export interface RobustnessRunOptions {
  /** Name of the run in the rows; default the folder's name. */
  label?: string;
  /** The run's images (probes train on its training split, as `probeRun`). */
  dataset: ImageDataset;
  /** The clean images scored, instead of the run's held-out split (ImageNet's validation set at paper scale). */
  evalDataset?: ImageDataset | null;
  /** The checkpoint, by steps completed; default the newest. */
  step?: number;
  /** Where generated corrupted images are kept for the next run scoring the same held-out images; default nowhere. */
  cacheDir?: string;
  onProgress?: (progress: { corruption: string; severity: number; done: number; total: number }) => void;
}

/**
 * The robustness evaluation of a trained run (`RobustnessSettings`): rows for every representation, the clean
 * held-out images and every corruption and severity, written to the run's `robustness.json`. Scores it holds from the
 * same checkpoint and settings (but for the list of corruptions) are kept; only corruptions not scored yet are.
 *
 *     const rows = await robustnessRun('runs/fig15-cpu/end-to-end', p.robustness!, p.probe, { dataset });
 */
export async function robustnessRun(runDir: string, settings: RobustnessSettings, probe: Pick<ProbeSettings, 'trainImages' | 'seed' | 'batchSize' | 'evalCropFraction'>, options: RobustnessRunOptions): Promise<RobustnessRow[]> {
  checkRobustnessSettings(settings);
  const file = runRobustnessFile(runDir);
  const { model, config, step } = await loadRunModel(runDir, { step: options.step });
  try {
    // The probes are seeded, so scores stored with the same settings on the same checkpoint are what a new
    // evaluation would give: corruptions scored before are kept, only the others are scored.
    const stored = fs.existsSync(file) ? readRunJson<StoredRobustness>(file) : null;
    const sameSetup = stored !== null && stored.steps === step && JSON.stringify({ ...stored.settings, corruptions: [] }) === JSON.stringify({ ...settings, corruptions: [] });
    const kept = sameSetup ? stored.rows.filter((r) => settings.corruptions.includes(r.corruption)) : [];
    const missing = settings.corruptions.filter((c) => !kept.some((r) => r.corruption === c));
    const clean = sameSetup ? stored.rows.filter((r) => r.corruption === 'clean') : [];
    if (missing.length === 0 && clean.length > 0) return orderRows([...clean, ...kept], settings);
    const numStages = model.network.backbone.stages.length;
    if (settings.stage >= numStages) throw new Error(`robustnessRun: stage ${settings.stage} is not in 0..${numStages - 1} (${runDir})`);
    const { train, evaluation, evaluationName } = probeSplits(config, { trainImages: settings.trainImages ?? probe.trainImages, evalImages: null, seed: probe.seed }, options.dataset, options.evalDataset ?? null);
    const scored = seededSubset(evaluation, settings.evalImages, probe.seed + 1);
    const recipe = runViewRecipe(config);
    const size = recipe.view1.crop.size;
    if (typeof size !== 'number') throw new Error(`robustnessRun: the run's views crop to [${size}], probes need a square size`);
    const transform = evaluationTransform({ size, cropFraction: probe.evalCropFraction, stats: recipe.view1.normalize });
    const representations = settings.features.flatMap((kind) => {
      const { source, blocks } = featureSource(model, kind, [settings.stage]);
      return blocks.length > 0 ? [{ kind, model: source, blocks }] : [];
    });
    if (representations.length === 0) throw new Error(`robustnessRun: ${runDir} has no ${settings.features.join(' / ')} features at stage ${settings.stage}`);
    const { name: probeName, augmented: _, ...probeConfig } = settings.probe;
    const results = await corruptionRobustness(representations, train, scored, {
      corruptions: missing.length > 0 ? missing : settings.corruptions.slice(0, 1),
      severities: settings.severities,
      corrupted: corruptedImages(settings.source, scored, options.dataset.classNames, options.cacheDir),
      probe: { seed: probe.seed, ...probeConfig },
      transform,
      batchSize: probe.batchSize,
      onProgress: options.onProgress,
    });
    const label = options.label ?? path.basename(path.resolve(runDir));
    const fresh: RobustnessRow[] = results.map((r) => ({
      run: label,
      method: config.method,
      seed: config.seed,
      steps: step,
      block: settings.stage + 1,
      features: r.kind,
      probe: probeName,
      corruption: r.corruption,
      severity: r.severity,
      top1: r.top1,
      top5: r.top5,
      dataset: evaluationName,
    }));
    const rows = orderRows([...fresh.filter((r) => r.corruption === 'clean' || missing.includes(r.corruption)), ...kept], settings);
    writeRunJson(file, { settings, steps: step, rows } satisfies StoredRobustness);
    return rows;
  } finally {
    model.dispose();
  }
}

/** Rows in the settings' order: per representation, the clean score, then every corruption and severity. */
function orderRows(rows: readonly RobustnessRow[], settings: RobustnessSettings): RobustnessRow[] {
  const rank = (r: RobustnessRow): number[] => [settings.features.indexOf(r.features), r.corruption === 'clean' ? -1 : settings.corruptions.indexOf(r.corruption), r.severity];
  return [...rows].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}

/** Writes the experiment's `robustness.csv` (a `figure` column, then `ROBUSTNESS_COLUMNS`), atomically. */
export function writeRobustnessTable(file: string, figure: FigureId, rows: readonly RobustnessRow[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  if (rows.length === 0) fs.writeFileSync(tmp, `${['figure', ...ROBUSTNESS_COLUMNS].join(',')}\n`);
  else appendTableRows(tmp, rows.map((r) => ({ figure, ...Object.fromEntries(ROBUSTNESS_COLUMNS.map((c) => [c, r[c]])) })));
  fs.renameSync(tmp, file);
}

/** The rows of a `robustness.csv`, typed; a cell that is not a number where one belongs is an error naming the file and row. */
export function readRobustnessTable(file: string): RobustnessRow[] {
  return readTableRows(file).map((r, i) => {
    const row: RobustnessRow = {
      run: r.run,
      method: r.method as TrainMethod,
      seed: Number(r.seed),
      steps: Number(r.steps),
      block: Number(r.block),
      features: r.features as FeatureKind,
      probe: r.probe,
      corruption: r.corruption,
      severity: Number(r.severity),
      top1: Number(r.top1),
      top5: r.top5 === '' ? null : Number(r.top5),
      dataset: r.dataset,
    };
    const bad = (['seed', 'steps', 'block', 'severity', 'top1'] as const).find((k) => !Number.isFinite(row[k]));
    if (bad !== undefined) throw new Error(`readRobustnessTable: ${file}, row ${i + 2}: column '${bad}' is not a number`);
    return row;
  });
}

/** Fig. 15's numbers of one run and representation (`corruptionErrors`), over its seeds. */
export interface RunCorruptionErrors extends CorruptionErrorTable {
  run: string;
  features: FeatureKind;
  /** Seeds averaged: each (corruption, severity) error is the mean over them before the severities are summarised. */
  seeds: number[];
  /** The mean error of every seed on its own, in % (the seed spread of the mean error). */
  seedMeanErrors: number[];
  /** The clean error of every seed, in %. */
  seedCleanErrors: number[];
}

/**
 * Per run (in the order runs first appear) and representation, the error per corruption with its standard deviation
 * over severities, the mean error and the clean error (`corruptionErrors`), top-1 averaged over seeds first.
 *
 *     for (const e of robustnessErrors(summary.robustness, { features: 'gsp' })) console.log(e.run, e.meanError, e.cleanError);
 */
export function robustnessErrors(rows: readonly RobustnessRow[], { features }: { features: FeatureKind }): RunCorruptionErrors[] {
  const chosen = rows.filter((r) => r.features === features);
  const runs = [...new Set(chosen.map((r) => r.run))];
  return runs.map((run) => {
    const own = chosen.filter((r) => r.run === run);
    const seeds = [...new Set(own.map((r) => r.seed))].sort((a, b) => a - b);
    const keys = [...new Set(own.map((r) => `${r.corruption}\u0000${r.severity}`))];
    const averaged = keys.map((key) => {
      const [corruption, severity] = key.split('\u0000');
      const hits = own.filter((r) => r.corruption === corruption && String(r.severity) === severity);
      if (hits.length !== seeds.length) throw new Error(`robustnessErrors: run '${run}' has ${hits.length} scores of ${corruption} at severity ${severity} for ${seeds.length} seeds`);
      return { corruption, severity: Number(severity), top1: hits.reduce((a, r) => a + r.top1, 0) / hits.length };
    });
    const perSeed = seeds.map((seed) => corruptionErrors(own.filter((r) => r.seed === seed)));
    return {
      run,
      features,
      seeds,
      ...corruptionErrors(averaged),
      seedMeanErrors: perSeed.map((t) => t.meanError),
      seedCleanErrors: perSeed.map((t) => t.cleanError).filter((e): e is number => e !== null),
    };
  });
}

/**
 * Fig. 15 as a table: one row per run, its clean error, mean error and the error per corruption with the standard
 * deviation over severities (`'41.2 ± 3.1'`), in %.
 */
export function robustnessTable(rows: readonly RobustnessRow[], { features }: { features: FeatureKind }): Record<string, string | number>[] {
  return robustnessErrors(rows, { features }).map((e) => ({
    run: e.seeds.length > 1 ? `${e.run} (${e.seeds.length} seeds)` : e.run,
    'clean error': e.cleanError ?? '',
    'mean error': e.meanError,
    ...Object.fromEntries(e.corruptions.map((c) => [c.corruption, `${c.error.toFixed(1)} ± ${c.std.toFixed(1)}`])),
  }));
}

/**
 * Fig. 15's bars (`barFigure`): one category per corruption, one series per run (its name with its clean and mean
 * error, as the paper's legend gives the mean error), the error per corruption with the std over severities as error bars.
 *
 *     const { categories, series } = robustnessBars(summary.robustness, { features: 'head', runs: ['end-to-end', 'simultaneous-cbe-noise'] });
 *     await display(barFigure(categories, series, { yTitle: 'top-1 error (%)' }));
 */
export function robustnessBars(rows: readonly RobustnessRow[], { features, runs }: { features: FeatureKind; runs?: readonly string[] }): { categories: string[]; series: BarSeries[] } {
  const errors = robustnessErrors(rows, { features }).filter((e) => runs === undefined || runs.includes(e.run));
  if (errors.length === 0) throw new Error(`robustnessBars: no ${features} rows${runs ? ` of runs ${runs.join(', ')}` : ''}`);
  const categories = errors[0].corruptions.map((c) => c.corruption);
  for (const e of errors) {
    const names = e.corruptions.map((c) => c.corruption);
    if (names.join() !== categories.join()) throw new Error(`robustnessBars: run '${e.run}' has corruptions [${names}], run '${errors[0].run}' [${categories}]`);
  }
  const series = errors.map((e) => ({
    name: `${e.run}: mean error ${e.meanError.toFixed(2)}%${e.cleanError !== null ? `, clean ${e.cleanError.toFixed(2)}%` : ''}`,
    values: e.corruptions.map((c) => c.error),
    errors: e.corruptions.map((c) => c.std),
  }));
  return { categories, series };
}
