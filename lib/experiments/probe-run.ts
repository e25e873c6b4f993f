import * as path from 'path';
import { BlockwiseNetwork } from '../blockwise/blockwise-network';
import { NO_NOISE } from '../blockwise/noise';
import { defaultPartition } from '../blockwise/partition';
import { ImageDataset, subset } from '../data/dataset';
import { shuffledIndices } from '../data/shuffle';
import { TwoViewRecipe } from '../data/views';
import { Rng } from '../nn/rng';
import { evaluationTransform, extractFeatures, FeatureKind, FrozenBlockwiseModel } from '../eval/features';
import { knnBlocks } from '../eval/knn';
import { BlockProbeResult, linearProbeBlocks } from '../eval/linear-probe';
import { linearProbeAugmented } from '../eval/linear-probe-augmented';
import { BlockwiseSslModel } from '../train/blockwise-ssl-model';
import { loadRunModel, readRunConfig } from '../train/load-run';
import { appendTableRows, runPaths } from '../train/run-folder';
import { probeTag } from '../train/run-metrics';
import { ScalarWriter } from '../train/tensorboard';
import { ResolvedTrainConfig, TrainMethod } from '../train/train-config';
import { runSplit } from '../train/training-data';
import { readTableRows } from './csv';
import { ProbeSettings } from './preset';

/**
 * One probe result, a row of a run's `probes.csv`: the probe `probe` (a linear probe's name, or `'knn'`) on the
 * `features` of backbone block `block` (1-based, the paper's numbering) of run `run` after `steps` training steps,
 * scored on `dataset`. `top1` and `top5` are fractions in [0, 1]; `top5` is null with 5 classes or fewer.
 */
export interface ProbeRow {
  run: string;
  method: TrainMethod;
  block: number;
  features: FeatureKind;
  probe: string;
  top1: number;
  top5: number | null;
  seed: number;
  steps: number;
  dataset: string;
}

/** Progress of `probeRun`, for a progress line. */
export type ProbeProgress =
  | { kind: 'extract'; features: FeatureKind; split: 'train' | 'eval'; done: number; total: number }
  | { kind: 'result'; row: ProbeRow };

export interface ProbeRunOptions {
  /** Name of the run in the rows; default the folder's name. */
  label?: string;
  /** Images whose training split the probes train on (split as the run was); default the run's own training dataset. */
  dataset: ImageDataset;
  /** Images the probes are scored on; default the held-out split of `dataset`. */
  evalDataset?: ImageDataset | null;
  /** Backbone stages (0-based) to probe; default every stage. */
  stages?: readonly number[];
  /** The checkpoint probed, by steps completed (`listCheckpoints`); default the newest. */
  step?: number;
  onProgress?: (event: ProbeProgress) => void;
}

/**
 * The backbone of `model` cut into one block per stage, sharing its layers (nothing is copied; dispose `model` only):
 * the network whose GSP features give a per-stage curve for any partition (an end-to-end run is one block).
 */
export function stageNetwork(model: BlockwiseSslModel): BlockwiseNetwork {
  const backbone = model.network.backbone;
  return new BlockwiseNetwork(backbone, { partition: defaultPartition(backbone.stages.length), stopGradient: true, noise: NO_NOISE }, 0);
}

/** The view recipe of a run's last trained block (the full recipe of adaptive augmentations). */
export function runViewRecipe(config: ResolvedTrainConfig): TwoViewRecipe {
  const views = config.data.views;
  return Array.isArray(views) ? views[views.length - 1] : views;
}

/** A seeded random subset of at most `count` images (all of them when `count` is null or not smaller), in dataset order. */
export function seededSubset(dataset: ImageDataset, count: number | null, seed: number): ImageDataset {
  if (count === null || count >= dataset.size) return dataset;
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`seededSubset: count must be a positive integer or null, got ${count}`);
  const picked = shuffledIndices(dataset.size, new Rng(seed)).subarray(0, count).sort();
  return subset(dataset, picked, `${dataset.name}[${count}]`);
}

/**
 * The images a run's probes train on and are scored on: the run's training split of `dataset` (split as the run
 * split it; a run that trained on every image splits 10% off) and the held-out split, or `evalDataset`, each cut to
 * a seeded subset when the settings ask; `evaluationName` names the scored set before that cut.
 */
export function probeSplits(
  config: ResolvedTrainConfig,
  settings: Pick<ProbeSettings, 'trainImages' | 'evalImages' | 'seed'>,
  dataset: ImageDataset,
  evalDataset: ImageDataset | null = null,
): { train: ImageDataset; evaluation: ImageDataset; evaluationName: string } {
  const fraction = config.data.validationFraction > 0 ? config.data.validationFraction : 0.1;
  const split = evalDataset ? { train: dataset, validation: evalDataset } : runSplit(dataset, { validationFraction: fraction, splitSeed: config.data.splitSeed });
  const evaluation = split.validation!;
  if (evaluation.classNames.length !== split.train.classNames.length) {
    throw new Error(`probeSplits: ${split.train.name} has ${split.train.classNames.length} classes, ${evaluation.name} ${evaluation.classNames.length}`);
  }
  if (evaluation.imageShape[2] !== split.train.imageShape[2]) {
    throw new Error(`probeSplits: ${split.train.name} images have ${split.train.imageShape[2]} channels, ${evaluation.name} images ${evaluation.imageShape[2]}`);
  }
  return {
    train: seededSubset(split.train, settings.trainImages, settings.seed),
    evaluation: seededSubset(evaluation, settings.evalImages, settings.seed + 1),
    evaluationName: evaluation.name,
  };
}

/** The probed representations of a model: the model per block (`'head'`) or its stage network (`'gsp'`), and which blocks map to which stage. */
export function featureSource(model: BlockwiseSslModel, kind: FeatureKind, stages: readonly number[]): { source: FrozenBlockwiseModel; blocks: number[]; stageOf: number[] } {
  if (kind === 'gsp') return { source: { network: stageNetwork(model), heads: [] }, blocks: [...stages], stageOf: [...stages] };
  const lastStages = model.network.blockStages.map((s) => s[s.length - 1]);
  const blocks = lastStages.map((_, k) => k).filter((k) => stages.includes(lastStages[k]));
  return { source: model, blocks, stageOf: blocks.map((k) => lastStages[k]) };
}

/**
 * Probes a trained run (its newest checkpoint, or the one after `options.step` steps) at every backbone stage: for each representation of
 * `settings.features`, each linear probe of `settings.linear` and the kNN probe, trained on the run's training
 * split (`probeSplits`) and scored on the held-out images, the model in eval mode (running batch-norm statistics,
 * no noise). Images get the evaluation transform of the run's views (centre crop of `evalCropFraction`, resize to
 * the view size, the views' normalization). Appends the rows to the run's `probes.csv`, writes their top-1 accuracies
 * as TensorBoard scalars at the checkpoint's step (`probe/<features>/block<k>/<probe>`, `probeTag`), and returns them.
 *
 *     const rows = await probeRun('runs/fig4/end-to-end', preset('fig4', 'cpu').probe, { dataset: await loadDatasetSource({ name: 'fashion-mnist' }) });
 */
export async function probeRun(runDir: string, settings: ProbeSettings, options: ProbeRunOptions): Promise<ProbeRow[]> {
  const { model, config, step } = await loadRunModel(runDir, { step: options.step });
  try {
    const numStages = model.network.backbone.stages.length;
    const stages = options.stages ? [...options.stages] : [...Array(numStages).keys()];
    for (const s of stages) {
      if (!(Number.isInteger(s) && s >= 0 && s < numStages)) throw new Error(`probeRun: stage ${s} is not in 0..${numStages - 1}`);
    }
    const { train, evaluation, evaluationName } = probeSplits(config, settings, options.dataset, options.evalDataset ?? null);
    const recipe = runViewRecipe(config);
    const size = recipe.view1.crop.size;
    if (typeof size !== 'number') throw new Error(`probeRun: the run's views crop to [${size}], probes need a square size`);
    const stats = recipe.view1.normalize;
    const transform = evaluationTransform({ size, cropFraction: settings.evalCropFraction, stats });
    const label = options.label ?? path.basename(path.resolve(runDir));
    const rows: ProbeRow[] = [];
    const emit = (features: FeatureKind, probe: string, stageOf: number[], results: { block: number; top1: number; top5: number | null }[], blocks: number[]): void => {
      for (const r of results) {
        const row: ProbeRow = {
          run: label,
          method: config.method,
          block: stageOf[blocks.indexOf(r.block)] + 1,
          features,
          probe,
          top1: r.top1,
          top5: r.top5,
          seed: config.seed,
          steps: step,
          dataset: evaluationName,
        };
        rows.push(row);
        options.onProgress?.({ kind: 'result', row });
      }
    };
    for (const kind of settings.features) {
      const { source, blocks, stageOf } = featureSource(model, kind, stages);
      if (blocks.length === 0) continue;
      const precomputed = settings.linear.filter((l) => !l.augmented);
      if (precomputed.length > 0 || settings.knn) {
        const extract = (set: ImageDataset, split: 'train' | 'eval') =>
          extractFeatures(source, set, {
            kind,
            blocks,
            batchSize: settings.batchSize,
            transform,
            onProgress: (done, total) => options.onProgress?.({ kind: 'extract', features: kind, split, done, total }),
          });
        const trainFeatures = await extract(train, 'train');
        const evalFeatures = await extract(evaluation, 'eval');
        for (const { name, augmented: _, ...probeConfig } of precomputed) {
          emit(kind, name, stageOf, linearProbeBlocks(trainFeatures, evalFeatures, { seed: settings.seed, ...probeConfig }), blocks);
        }
        if (settings.knn) emit(kind, 'knn', stageOf, knnBlocks(trainFeatures, evalFeatures, settings.knn), blocks);
      }
      for (const { name, augmented: _, ...probeConfig } of settings.linear.filter((l) => l.augmented)) {
        const results: BlockProbeResult[] = await linearProbeAugmented(source, train, evaluation, {
          seed: settings.seed,
          ...probeConfig,
          kind,
          blocks,
          crop: { size },
          stats,
          evalTransform: transform,
        });
        emit(kind, name, stageOf, results, blocks);
      }
    }
    appendTableRows(runPaths(runDir).probes, rows.map((r) => ({ ...r })));
    new ScalarWriter(runDir).write(step, Object.fromEntries(rows.map((r) => [probeTag(r.features, r.block, r.probe), r.top1])));
    return rows;
  } finally {
    model.dispose();
  }
}

/** The rows of a run's `probes.csv`, typed. */
export function readProbeRows(runDir: string): ProbeRow[] {
  return readTableRows(runPaths(runDir).probes).map(parseProbeRow);
}

/** One CSV row (column name -> text) of `probes.csv` or `results.csv` as a typed `ProbeRow`. */
export function parseProbeRow(r: Record<string, string>): ProbeRow {
  return {
    run: r.run,
    method: r.method as TrainMethod,
    block: Number(r.block),
    features: r.features as FeatureKind,
    probe: r.probe,
    top1: Number(r.top1),
    top5: r.top5 === '' ? null : Number(r.top5),
    seed: Number(r.seed),
    steps: Number(r.steps),
    dataset: r.dataset,
  };
}

/** Probe rows of a run after `steps` steps on `dataset` already in its `probes.csv`, per (features, probe); later rows replace earlier ones. */
function storedProbes(runDir: string, steps: number, dataset: string): Map<string, ProbeRow[]> {
  const latest = new Map<string, ProbeRow>();
  for (const r of readProbeRows(runDir)) {
    if (r.steps === steps && r.dataset === dataset) latest.set(`${r.features}\u0000${r.probe}\u0000${r.block}`, r);
  }
  const out = new Map<string, ProbeRow[]>();
  for (const r of latest.values()) {
    const key = `${r.features}\u0000${r.probe}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

/**
 * What a run's `probes.csv` holds for `settings` after `steps` steps on the set `probesAtStep` would score: the rows of
 * every representation probed with all of the settings' probes, and the representations still to probe.
 */
export function storedProbesAtStep(
  runDir: string,
  settings: ProbeSettings,
  steps: number,
  { dataset, evalDataset }: Pick<ProbeRunOptions, 'dataset' | 'evalDataset'>,
): { rows: ProbeRow[]; missing: FeatureKind[] } {
  const { evaluationName } = probeSplits(readRunConfig(runDir), { trainImages: null, evalImages: null, seed: 0 }, dataset, evalDataset ?? null);
  const have = storedProbes(runDir, steps, evaluationName);
  const names = [...settings.linear.map((l) => l.name), ...(settings.knn ? ['knn'] : [])];
  const rows: ProbeRow[] = [];
  const missing: FeatureKind[] = [];
  for (const kind of settings.features) {
    const found = names.map((n) => have.get(`${kind}\u0000${n}`));
    if (found.every((f) => f !== undefined)) rows.push(...(found.flat() as ProbeRow[]));
    else missing.push(kind);
  }
  return { rows, missing };
}

/**
 * A run's probe rows after `steps` steps: those its `probes.csv` already holds for that step (and scored set), and
 * the missing representations probed now on the checkpoint after `steps` steps (appended to `probes.csv`).
 */
export async function probesAtStep(runDir: string, settings: ProbeSettings, steps: number, options: Omit<ProbeRunOptions, 'step'>): Promise<ProbeRow[]> {
  const { rows, missing } = storedProbesAtStep(runDir, settings, steps, options);
  if (missing.length > 0) rows.push(...(await probeRun(runDir, { ...settings, features: missing }, { ...options, step: steps })));
  return rows;
}
