import { HeadSpec } from '../blockwise/create-head';
import { FeatureNoiseConfig, NO_NOISE } from '../blockwise/noise';
import { TwoViewRecipe } from '../data/views';
import { PAPER_LAMBDA } from '../losses/barlow-twins';
import { BlockLossSpec } from '../losses/block-loss';
import { DataConfig, defaultHead, InitFromRun, OptimizerConfig, RESNET50_BACKBONE, TrainConfig, TrainMethod } from '../train/train-config';
import { ExperimentPreset, ExperimentRun, FigureId, PaperAccuracy, ProbeSettings } from './preset';
import { ScaleSettings } from './scales';

/**
 * A pooling head by the paper's name (Sec. 3.3): `'gsp'` (global spatial pooling), `'lsp'` (local spatial pooling
 * to the scale's head width), `'cbe'` (1x1 conv-based expansion to the head width + GSP), or a full `HeadSpec`.
 */
export type HeadChoice = 'gsp' | 'lsp' | 'cbe' | HeadSpec;

/** The head `choice` names at a scale. */
export function headSpec(s: ScaleSettings, choice: HeadChoice): HeadSpec {
  if (choice === 'gsp') return { kind: 'gsp' };
  if (choice === 'lsp') return { kind: 'lsp', outDim: s.headWidth };
  if (choice === 'cbe') return cbe(s);
  return choice;
}

/** A CbE head at the scale's width with a 1x1 filter and average pooling unless `options` say otherwise. */
export function cbe(s: ScaleSettings, options: Omit<Extract<HeadSpec, { kind: 'cbe' }>, 'kind'> = {}): HeadSpec {
  return { kind: 'cbe', outChannels: s.headWidth, kernelSize: 1, ...options };
}

/** What distinguishes one run of a figure; everything else comes from the scale. */
export interface RunRecipe {
  method: TrainMethod;
  /** Default the method's `defaultHead`: `'gsp'` for end-to-end, `'cbe'` (at the scale's width) otherwise. */
  head?: HeadChoice | HeadChoice[];
  /**
   * sigma of element-wise feature noise, or a noise config. Default `NO_NOISE`: the paper's Sec. 5 ablations run without
   * noise; only the final recipe (Fig. 4, 5, 14 and the noise ablation) adds 0.25.
   */
  noise?: number | FeatureNoiseConfig;
  partition?: number[][];
  /** Default Barlow Twins with lambda 0.0051; cross-entropy for supervised blockwise training. */
  loss?: BlockLossSpec | BlockLossSpec[];
  projector?: number[];
  trainBlocks?: number[];
  init?: InitFromRun;
  views?: TwoViewRecipe | TwoViewRecipe[];
  data?: Partial<DataConfig>;
  optimizer?: Partial<OptimizerConfig>;
}

/**
 * How many times a schedule a run trains for: once per trained block for sequential runs, once otherwise. The paper's
 * footnote 5 ("the training procedure for both sequential blockwise and simultaneous blockwise training is equivalent
 * when only the first block is trained") means each block of a sequential run gets the whole schedule, not a quarter
 * of it; `trainingPlan` splits a run's steps equally over its blocks. The presets (`runConfig`) and the command line's
 * `--epochs` / `--steps` both scale the schedule by it. Blocks loaded from another run (`init`) are left out of the
 * trained blocks by default, as in `resolveTrainConfig`.
 */
export function schedulesOfConfig(config: TrainConfig): number {
  if (config.method !== 'sequential') return 1;
  const stages = (config.model?.backbone ?? RESNET50_BACKBONE).widths.length;
  return config.trainBlocks?.length ?? (config.model?.partition?.length ?? stages) - (config.init?.blocks.length ?? 0);
}

/** The training config of `recipe` at a scale: the scale's backbone, widths, schedule and views, the recipe's method and parts. */
export function runConfig(s: ScaleSettings, recipe: RunRecipe): TrainConfig {
  const head = recipe.head ?? defaultHead(recipe.method).kind;
  const noise = recipe.noise ?? NO_NOISE;
  const times = schedulesOfConfig({
    method: recipe.method,
    model: { backbone: s.backbone, ...(recipe.partition ? { partition: recipe.partition } : {}) },
    ...(recipe.trainBlocks ? { trainBlocks: recipe.trainBlocks } : {}),
    ...(recipe.init ? { init: recipe.init } : {}),
  });
  const schedule: Partial<DataConfig> = {
    ...(s.data.epochs !== undefined ? { epochs: s.data.epochs * times } : {}),
    ...(s.data.steps !== undefined ? { steps: s.data.steps * times } : {}),
  };
  return {
    method: recipe.method,
    model: {
      backbone: s.backbone,
      head: Array.isArray(head) ? head.map((h) => headSpec(s, h)) : headSpec(s, head),
      projector: recipe.projector ?? s.projector,
      noise: typeof noise === 'number' ? { sigma: noise, variant: 'element' } : { ...noise },
      ...(recipe.partition ? { partition: recipe.partition } : {}),
    },
    loss: recipe.loss ?? (recipe.method === 'supervised-blockwise' ? { kind: 'cross-entropy' } : { kind: 'barlow-twins', lambda: PAPER_LAMBDA }),
    optimizer: { ...s.optimizer, ...recipe.optimizer },
    data: { dataset: s.dataset.name, ...s.data, ...schedule, ...(recipe.views ? { views: recipe.views } : {}), ...recipe.data },
    ...(recipe.trainBlocks ? { trainBlocks: recipe.trainBlocks } : {}),
    ...(recipe.init ? { init: recipe.init } : {}),
    checkpoint: s.checkpoint,
  };
}

/** A run of a preset. */
export function run(
  label: string,
  description: string,
  config: TrainConfig,
  extras: { paper?: PaperAccuracy[]; probeStages?: number[]; probeEpochs?: number[]; untrained?: boolean } = {},
): ExperimentRun {
  return { label, description, config, ...extras };
}

/**
 * The random-network baseline of the CPU and smoke scales (see `ExperimentRun.untrained`): the simultaneous CbE
 * model at its initial weights. The paper has no such run, so paper-scale presets leave it out.
 */
export function randomInitRun(s: ScaleSettings): ExperimentRun[] {
  if (s.scale === 'paper') return [];
  return [run('random-init', 'untrained network (random weights, CbE heads), the baseline of head features', runConfig(s, { method: 'simultaneous' }), { untrained: true })];
}

/** Whether a run has stages without a pooling head of their own (end-to-end, merged blocks), whose per-block curve needs GSP features. */
function hasHeadlessStages(r: ExperimentRun): boolean {
  const partition = r.config.model?.partition;
  return r.config.method === 'end-to-end' || (partition !== undefined && partition.some((b) => b.length > 1));
}

/** The parts of a preset a figure file gives. */
export interface PresetParts {
  title: string;
  finding: string;
  runs: ExperimentRun[];
  probe?: Partial<ProbeSettings>;
  /** Whether to compute the Fig. 8 statistics (for every run). */
  statistics?: boolean;
  /** What the figure's preset changes beyond the scale's notes. */
  notes?: string;
}

/**
 * A preset from a scale's settings and a figure's parts. At paper scale the probes read the heads (the paper's
 * protocol), plus GSP features when a run has stages without a head of its own (end-to-end, merged blocks), so
 * that its per-block curve exists.
 */
export function makePreset(s: ScaleSettings, figure: FigureId, parts: PresetParts): ExperimentPreset {
  const labels = new Set<string>();
  for (const r of parts.runs) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(r.label)) throw new Error(`makePreset: ${figure}: run label '${r.label}' is not lowercase words joined by dashes`);
    if (labels.has(r.label)) throw new Error(`makePreset: ${figure}: two runs are labelled '${r.label}'`);
    labels.add(r.label);
  }
  const features = s.scale === 'paper' && parts.runs.some(hasHeadlessStages) ? [...s.probe.features, 'gsp' as const] : s.probe.features;
  return {
    figure,
    scale: s.scale,
    title: parts.title,
    finding: parts.finding,
    dataset: s.dataset,
    evalDataset: s.evalDataset,
    runs: parts.runs,
    seeds: s.seeds,
    probe: { ...s.probe, features, ...parts.probe },
    statistics: parts.statistics ? s.statistics : null,
    notes: parts.notes ? `${s.notes} ${parts.notes}` : s.notes,
  };
}
