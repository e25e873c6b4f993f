import { Mode } from '../nn/module';
import { ResNetConfig } from '../nn/resnet';
import { LarsConfig } from '../optim/lars';
import { Adam, AdamConfig } from '../optim/adam';
import { defaultPartition, Partition, validatePartition } from '../blockwise/partition';
import { NO_NOISE, PAPER_NOISE } from '../blockwise/noise';
import { PAPER_PROJECTOR } from '../blockwise/projector';
import { HeadSpec } from '../blockwise/create-head';
import { TwoViewRecipe, withCropInterpolation } from '../data/views';
import { defaultViewsOf } from '../data/registry';
import { BlockwiseSslConfig } from './blockwise-ssl-model';
import { BlockLossSpec } from '../losses/block-loss';
import { suggestion } from '../util/suggestion';
import { checkTrainConfigKeys } from './config-schema';
import { checkRouting, difficultyRouting, RoutingScheme } from './difficulty-routing';
import { BackwardMode, checkBackward } from './ssl-step';

/**
 * How a run trains the blocks (paper Sec. 4-5, Fig. 4 and 7):
 * - `'end-to-end'`: the whole backbone is one training block with one head and projector (plain Barlow
 *   Twins); the loss sits at the last block only and back-propagates through the whole network.
 * - `'simultaneous'`: every trained block has its own loss, all blocks step together, stop-gradient between
 *   them (the paper's method). Merged blocks are a `model.partition` such as `[[0, 1], [2], [3]]`.
 * - `'sequential'`: block k trains alone for its share of the steps while the blocks below it are frozen
 *   (parameters and batch-norm statistics), then block k + 1.
 * - `'supervised-blockwise'`: as simultaneous, but each block's projector outputs one logit per class and
 *   the block loss is cross-entropy.
 * - `'random-feature'`: one block (`trainBlocks: [k]`) trains on top of the blocks below it left at their
 *   random initialisation and frozen (the paper's "untrained previous blocks" baseline). With the default
 *   `frozenMode: 'eval'` those blocks normalise with their never-updated running statistics (mean 0,
 *   variance 1), as a probe in eval mode sees them; `'train'` gives them batch statistics instead.
 *
 * The first block of an end-to-end run plugged into blockwise training (Fig. 7) is
 * `{ method: 'sequential', init: { run, blocks: [0] } }`; see `InitFromRun`.
 */
export type TrainMethod = 'end-to-end' | 'simultaneous' | 'sequential' | 'supervised-blockwise' | 'random-feature';

/** Every `TrainMethod`, for command-line parsing and messages. */
export const TRAIN_METHODS: readonly TrainMethod[] = ['end-to-end', 'simultaneous', 'sequential', 'supervised-blockwise', 'random-feature'];

/** The network: the ResNet backbone and how it is cut into blocks with heads and projectors. */
export interface ModelConfig extends Omit<BlockwiseSslConfig, 'stopGradient'> {
  /** The backbone, without classifier (`numClasses: null`); `inChannels` defaults to the dataset's channels. */
  backbone: ResNetConfig;
}

/** The optimisers a run can use: LARS (the paper's) or Adam (with `decoupled`, AdamW). */
export type OptimizerKind = 'lars' | 'adam';

/**
 * LARS and its learning-rate schedule (Barlow Twins' recipe, which the paper follows): the peak learning
 * rate is `baseLr * batchSize / 256`, reached by a linear warm-up over `warmupEpochs`, then a cosine decay
 * to `finalLrFraction` of the peak. Sequential training runs this schedule once per block. With `kind: 'adam'`
 * the same schedule drives Adam, whose settings are `adam`; the LARS settings are then unused.
 */
export interface OptimizerConfig extends Required<LarsConfig> {
  /** Absent (as in the paper and in run folders written before Adam existed): LARS. */
  kind?: OptimizerKind;
  /** Adam's settings, for `kind: 'adam'` only; resolved to all of them (the defaults are {@link Adam}'s). */
  adam?: AdamConfig;
  /** 0.2. */
  baseLr: number;
  /** 10; may be fractional (converted to steps, rounded). */
  warmupEpochs: number;
  /** 0.001. */
  finalLrFraction: number;
}

/** Where the images come from and how they are served. */
export interface DataConfig {
  /**
   * A training set of the dataset registry (`DATASETS`, e.g. `'fashion-mnist'`, `'cifar10-jpg'`, `'cifar10-smoke'`);
   * any other name needs the dataset passed to `runTraining`. Default: the name of the dataset passed, else
   * `DEFAULT_DATASET` (`'fashion-mnist'`).
   */
  dataset: string;
  /** Fraction of each class held out for validation (probes select on it); 0 trains on every image. 0.1. */
  validationFraction: number;
  /** Seed of that split (the same split on every machine and in the probes). 0. */
  splitSeed: number;
  /**
   * The two-view augmentation recipe, or one per training block (Appendix A's adaptive augmentations; only
   * for methods whose steps train one block, i.e. sequential and random-feature). Default by dataset: see
   * `defaultViews`.
   */
  views: TwoViewRecipe | TwoViewRecipe[];
  /** Images per step (each seen as two views). 2048 (paper). */
  batchSize: number;
  /** Passes over the training images; may be fractional. 300 (paper). Ignored when `steps` is set. */
  epochs: number;
  /** Total optimiser steps, overriding `epochs`. */
  steps?: number;
}

/** When checkpoints are written: every `everySteps` steps (null: never by count), at every epoch end, at the end of each sequential phase and of the run. */
export interface CheckpointConfig {
  everySteps: number | null;
  /** How many of the newest checkpoints stay on disk (older ones are deleted). 3. */
  keep: number;
}

/**
 * Blocks whose weights (parameters and batch-norm statistics) come from another run's checkpoint. Loaded
 * blocks are left out of the default `trainBlocks`, so they stay frozen (in `frozenMode`). This is our
 * reading of the paper's Fig. 7 variant, "training the first block in an end-to-end setting, and then
 * plugging it into the blockwise training protocol" with "the rest of the blocks trained in a sequential
 * manner": in sequential training every lower block is frozen while the next one trains, so block 1 keeps
 * the end-to-end weights. List a loaded block in `trainBlocks` to train it further instead.
 */
export interface InitFromRun {
  /** That run's folder. */
  run: string;
  /** Its blocks to copy, 0-based (`[0]`: the first block). The backbone's variable names must match. */
  blocks: number[];
  /** Which of its checkpoints (steps completed); default its latest, recorded in the run's config. */
  step?: number;
}

/**
 * A training run as a plain object: what a preset holds, prints and overrides. Everything but `method` has
 * a default equal to the paper's (ResNet-50, 4 blocks, 1x1 CbE heads to 2048, projectors 8192-8192-8192,
 * noise 0.25, Barlow Twins with lambda 0.0051, LARS with base lr 0.2 x batch / 256, 10 warm-up epochs,
 * cosine to 0.001, batch 2048, 300 epochs); CPU-scale presets override. `resolveTrainConfig` fills them in.
 */
export interface TrainConfig {
  method: TrainMethod;
  model?: Partial<ModelConfig>;
  /** One loss for every block or one per block (per-block lambda and invariance targets). Barlow Twins. */
  loss?: BlockLossSpec | BlockLossSpec[];
  optimizer?: Partial<OptimizerConfig>;
  data?: Partial<DataConfig>;
  /**
   * The blocks this run trains, 0-based. Default: all blocks except those loaded by `init`; random-feature:
   * the last block. Blocks below the highest trained block that are not trained run frozen.
   */
  trainBlocks?: number[];
  /** Mode of frozen blocks (see `SslStepConfig.frozenMode`): `'eval'` (default) or `'train'`. */
  frozenMode?: Mode;
  init?: InitFromRun | null;
  /**
   * Example difficulty-based routing of the batch to the blocks (Appendix A, Fig. 11; see `RoutingScheme`).
   * Simultaneous training with Barlow Twins losses only. Default none (null).
   */
  routing?: RoutingScheme | null;
  /**
   * `'per-block'`: back-propagate one block at a time (`SslStepConfig.backward`): the same gradients with less
   * memory, for runs with stop-gradient between blocks; the feature noise is drawn in another order. Default
   * `'joint'`.
   */
  backward?: BackwardMode;
  /** Seed of the weights, the data order, the augmentations and the noise. 0. */
  seed?: number;
  checkpoint?: Partial<CheckpointConfig>;
}

/** A `TrainConfig` with every default filled in: what a run folder's `config.json` holds. */
export interface ResolvedTrainConfig {
  method: TrainMethod;
  model: ModelConfig & { partition: number[][] };
  /** One per block. */
  loss: BlockLossSpec[];
  optimizer: OptimizerConfig;
  data: DataConfig;
  trainBlocks: number[];
  frozenMode: Mode;
  init: InitFromRun | null;
  /** Present only when the run routes examples by difficulty (so configs written before it existed still match). */
  routing?: RoutingScheme;
  /** Present only when `'per-block'`. */
  backward?: 'per-block';
  seed: number;
  checkpoint: CheckpointConfig;
}

/** What resolving needs to know about the dataset. */
export interface DatasetInfo {
  name: string;
  /** `[H, W, C]`. */
  imageShape: readonly [number, number, number];
  /** Number of classes (the projector width of supervised blockwise training). */
  numClasses: number;
}

/** ResNet-50 as the paper pretrains it: bottleneck blocks [3, 4, 6, 3], widths 64-512, ImageNet stem, no classifier. */
export const RESNET50_BACKBONE: ResNetConfig = {
  block: 'bottleneck',
  blocksPerStage: [3, 4, 6, 3],
  widths: [64, 128, 256, 512],
  stem: 'imagenet',
  stemWidth: 64,
  numClasses: null,
};

/** The paper's training length (Sec. 3.4): batches of 2048 images for 300 epochs. */
export const PAPER_BATCH_SIZE = 2048;
export const PAPER_EPOCHS = 300;

/** The paper's optimiser settings (Barlow Twins' LARS recipe). */
export const PAPER_OPTIMIZER: OptimizerConfig = {
  baseLr: 0.2,
  warmupEpochs: 10,
  finalLrFraction: 0.001,
  momentum: 0.9,
  eta: 0.001,
  weightDecay: 1e-6,
  biasLrMultiplier: 0.024,
};

/**
 * The default two-view recipe of a dataset, as its registry entry says (`defaultViewsOf`): Barlow Twins' recipe
 * without blur at the image size for the small-image datasets, the full recipe with ImageNet statistics for other
 * 3-channel datasets. Other 1-channel datasets need an explicit recipe.
 */
export function defaultViews(dataset: DatasetInfo): TwoViewRecipe {
  return defaultViewsOf(dataset);
}

/** Every Adam setting, the unset ones at Adam's defaults, checked by Adam itself. */
function resolveAdam(given: AdamConfig): Required<AdamConfig> {
  let adam: Adam;
  try {
    adam = new Adam([], given);
  } catch (e) {
    fail(`optimizer.adam: ${(e as Error).message}`);
  }
  const { beta1, beta2, eps, weightDecay, decoupled } = adam;
  adam.dispose();
  return { beta1, beta2, eps, weightDecay, decoupled };
}

function fail(msg: string): never {
  throw new Error(`resolveTrainConfig: ${msg}`);
}

function checkBlocks(what: string, blocks: readonly number[], numBlocks: number): number[] {
  for (const k of blocks) {
    if (!(Number.isInteger(k) && k >= 0 && k < numBlocks)) fail(`${what} [${blocks}] lists block ${k}, not in 0..${numBlocks - 1}`);
  }
  if (new Set(blocks).size !== blocks.length) fail(`${what} [${blocks}] lists a block twice`);
  return [...blocks].sort((a, b) => a - b);
}

/** The pooling head a method's blocks get by default: GSP for end-to-end (Barlow Twins' own average pool), 1x1 CbE to 2048 + GSP (the paper's best) otherwise. */
export function defaultHead(method: TrainMethod): HeadSpec {
  return method === 'end-to-end' ? { kind: 'gsp' } : { kind: 'cbe' };
}

/** The model section: the backbone fitted to the dataset's channels, the partition, noise, heads and projector widths. */
function resolveModel(method: TrainMethod, m: Partial<ModelConfig>, dataset: DatasetInfo): ResolvedTrainConfig['model'] {
  const e2e = method === 'end-to-end';
  const channels = dataset.imageShape[2];
  const givenBackbone = m.backbone ?? RESNET50_BACKBONE;
  if (givenBackbone.numClasses !== null) fail(`model.backbone.numClasses must be null (pretraining has no classifier), got ${givenBackbone.numClasses}`);
  const inChannels = givenBackbone.inChannels ?? channels;
  if (inChannels !== channels) fail(`model.backbone.inChannels is ${inChannels} but ${dataset.name} images have ${channels} channels`);
  const backbone: ResNetConfig = { ...givenBackbone, inChannels };
  const stages = backbone.widths.length;
  const whole = [[...Array(stages).keys()]];
  if (e2e && m.partition !== undefined && m.partition.length !== 1) {
    fail(`end-to-end trains the backbone as one block, but model.partition is ${JSON.stringify(m.partition)}`);
  }
  const partition: number[][] = (m.partition ?? (e2e ? whole : defaultPartition(stages))).map((b: Partition[number]) => [...b]);
  validatePartition(partition, stages);
  const numBlocks = partition.length;
  const noise = m.noise ?? { ...(e2e ? NO_NOISE : PAPER_NOISE) };
  const head = m.head ?? defaultHead(method);
  if (Array.isArray(head) && head.length !== numBlocks) fail(`${head.length} head specs for ${numBlocks} blocks`);
  const givenProjector = m.projector ?? PAPER_PROJECTOR;
  if (givenProjector.length === 0) fail('model.projector needs at least the output width');
  const projector = method === 'supervised-blockwise' ? [...givenProjector.slice(0, -1), dataset.numClasses] : [...givenProjector];
  return {
    backbone,
    partition,
    noise,
    head,
    projector,
    ...(m.identicalProjectors !== undefined ? { identicalProjectors: m.identicalProjectors } : {}),
  };
}

/** One loss per block: Barlow Twins (the paper's), cross-entropy for supervised blockwise training, which needs it. */
function resolveLoss(method: TrainMethod, given: TrainConfig['loss'], numBlocks: number): BlockLossSpec[] {
  const supervised = method === 'supervised-blockwise';
  const spec = given ?? (supervised ? { kind: 'cross-entropy' } : { kind: 'barlow-twins' });
  const loss = Array.isArray(spec) ? spec.map((l) => ({ ...l })) : Array.from({ length: numBlocks }, () => ({ ...spec }));
  if (loss.length !== numBlocks) fail(`${loss.length} loss specs for ${numBlocks} blocks`);
  loss.forEach((l, k) => {
    if (supervised !== (l.kind === 'cross-entropy')) {
      fail(`block ${k + 1} has loss '${l.kind}': method '${method}' ${supervised ? 'needs' : 'cannot use'} cross-entropy`);
    }
  });
  return loss;
}

/** Which blocks come from another run (`init`), which train, and the mode of the frozen ones. */
function resolveBlocks(config: TrainConfig, numBlocks: number): Pick<ResolvedTrainConfig, 'init' | 'trainBlocks' | 'frozenMode'> {
  const method = config.method;
  const init = config.init ?? null;
  if (init) {
    checkBlocks('init.blocks', init.blocks, numBlocks);
    if (typeof init.run !== 'string' || init.run.length === 0) fail('init.run must name a run folder');
    if (method === 'random-feature') fail('random-feature keeps the lower blocks at their random initialisation; init is not allowed');
  }
  const loaded = new Set(init?.blocks ?? []);
  const defaultTrain = method === 'random-feature' ? [numBlocks - 1] : [...Array(numBlocks).keys()].filter((k) => !loaded.has(k));
  const trainBlocks = checkBlocks('trainBlocks', config.trainBlocks ?? defaultTrain, numBlocks);
  if (trainBlocks.length === 0) fail('no block to train (trainBlocks is empty)');
  if (method === 'random-feature' && trainBlocks.length !== 1) fail(`random-feature trains one block, got trainBlocks [${trainBlocks}]`);
  const frozenMode = config.frozenMode ?? 'eval';
  if (frozenMode !== 'eval' && frozenMode !== 'train') fail(`frozenMode must be 'eval' or 'train', got '${frozenMode}'`);
  return { init: init ? { ...init, blocks: [...init.blocks] } : null, trainBlocks, frozenMode };
}

/** The data section: the dataset, its split, the view recipes (checked against the method and the image channels) and the schedule. */
function resolveData(method: TrainMethod, d: Partial<DataConfig>, dataset: DatasetInfo, numBlocks: number): DataConfig {
  const channels = dataset.imageShape[2];
  const name = d.dataset ?? dataset.name;
  let views: TwoViewRecipe | TwoViewRecipe[];
  try {
    // Recorded with every crop's interpolation named, the default (bilinear) included.
    views = withCropInterpolation(d.views ?? defaultViews({ ...dataset, name }));
  } catch (e) {
    fail(`data.${(e as Error).message}`);
  }
  const recipes = Array.isArray(views) ? views : [views];
  if (Array.isArray(views)) {
    if (views.length !== numBlocks) fail(`${views.length} view recipes for ${numBlocks} blocks`);
    if (method !== 'sequential' && method !== 'random-feature' && !(method === 'end-to-end' && numBlocks === 1)) {
      fail(`per-block view recipes need steps that train one block (sequential, random-feature), not '${method}'`);
    }
  }
  for (const r of recipes) {
    for (const v of [r.view1, r.view2]) {
      if (v.normalize && v.normalize.mean.length !== channels) {
        fail(`a view recipe normalizes ${v.normalize.mean.length} channels, ${dataset.name} images have ${channels}`);
      }
    }
  }
  const data: DataConfig = {
    dataset: name,
    validationFraction: d.validationFraction ?? 0.1,
    splitSeed: d.splitSeed ?? 0,
    views,
    batchSize: d.batchSize ?? PAPER_BATCH_SIZE,
    epochs: d.epochs ?? PAPER_EPOCHS,
    ...(d.steps !== undefined ? { steps: d.steps } : {}),
  };
  if (!(data.validationFraction >= 0 && data.validationFraction < 1)) fail(`data.validationFraction ${data.validationFraction} is not in [0, 1)`);
  if (!(Number.isInteger(data.batchSize) && data.batchSize >= 2)) fail(`data.batchSize ${data.batchSize} is not an integer >= 2 (batch norm needs two images)`);
  if (!(data.epochs > 0 && Number.isFinite(data.epochs))) fail(`data.epochs ${data.epochs} is not a finite number > 0`);
  if (data.steps !== undefined && !(Number.isInteger(data.steps) && data.steps >= 1)) fail(`data.steps ${data.steps} is not an integer >= 1`);
  return data;
}

/** The optimiser section: `PAPER_OPTIMIZER` under the given settings, Adam's resolved when it is the kind. */
function resolveOptimizer(given: Partial<OptimizerConfig> | undefined): OptimizerConfig {
  const optimizer: OptimizerConfig = { ...PAPER_OPTIMIZER, ...given };
  const { kind, adam, ...numbers } = optimizer;
  for (const [k, v] of Object.entries(numbers)) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) fail(`optimizer.${k} ${v} is not a finite number >= 0`);
  }
  if (kind === 'adam') optimizer.adam = resolveAdam(adam ?? {});
  else if (adam !== undefined) fail("optimizer.adam is set, but optimizer.kind is not 'adam'");
  if (optimizer.finalLrFraction > 1) fail(`optimizer.finalLrFraction ${optimizer.finalLrFraction} is above 1`);
  return optimizer;
}

/** The checkpoint section: none by step count, the newest 3 kept. */
function resolveCheckpoint(given: Partial<CheckpointConfig> | undefined): CheckpointConfig {
  const checkpoint: CheckpointConfig = { everySteps: null, keep: 3, ...given };
  if (checkpoint.everySteps !== null && !(Number.isInteger(checkpoint.everySteps) && checkpoint.everySteps >= 1)) {
    fail(`checkpoint.everySteps ${checkpoint.everySteps} is not null or an integer >= 1`);
  }
  if (!(Number.isInteger(checkpoint.keep) && checkpoint.keep >= 1)) fail(`checkpoint.keep ${checkpoint.keep} is not an integer >= 1`);
  return checkpoint;
}

/**
 * Difficulty routing and the backward pass. The rules the training step shares are `checkRouting` and
 * `checkBackward`'s; what only a run has (its method, its batch size) is checked here.
 */
function resolveStep(
  config: TrainConfig,
  numBlocks: number,
  trainBlocks: readonly number[],
  loss: readonly BlockLossSpec[],
  batchSize: number,
): Pick<ResolvedTrainConfig, 'routing' | 'backward'> {
  const method = config.method;
  const routing = config.routing ?? null;
  if (routing) {
    checkRouting('resolveTrainConfig', routing, numBlocks, trainBlocks, loss);
    if (method !== 'simultaneous') fail(`difficulty routing needs every block training in every step (method 'simultaneous'), not '${method}'`);
    if (batchSize < 2 * numBlocks) fail(`difficulty routing splits the batch of ${batchSize} into ${numBlocks} groups of at least two; raise data.batchSize`);
  }
  const backward = config.backward ?? 'joint';
  checkBackward('resolveTrainConfig', backward, method !== 'end-to-end', routing ? difficultyRouting(routing).action : null);
  return {
    ...(routing ? { routing: { ...routing } } : {}),
    ...(backward === 'per-block' ? { backward } : {}),
  };
}

/**
 * Fills in every default of `config` for a dataset and checks that the parts fit together (method and
 * partition, losses and blocks, views and channels, schedule numbers), one section at a time. Resolving a
 * resolved config gives it back unchanged.
 */
export function resolveTrainConfig(config: TrainConfig, dataset: DatasetInfo): ResolvedTrainConfig {
  checkTrainConfigKeys(config, 'resolveTrainConfig');
  const method = config.method;
  if (!TRAIN_METHODS.includes(method)) fail(`unknown method '${method}'${suggestion(String(method), TRAIN_METHODS)} (one of ${TRAIN_METHODS.join(', ')})`);
  const model = resolveModel(method, config.model ?? {}, dataset);
  const numBlocks = model.partition.length;
  const loss = resolveLoss(method, config.loss, numBlocks);
  const { init, trainBlocks, frozenMode } = resolveBlocks(config, numBlocks);
  const data = resolveData(method, config.data ?? {}, dataset, numBlocks);
  const optimizer = resolveOptimizer(config.optimizer);
  const checkpoint = resolveCheckpoint(config.checkpoint);
  const step = resolveStep(config, numBlocks, trainBlocks, loss, data.batchSize);
  const seed = config.seed ?? 0;
  if (!Number.isInteger(seed)) fail(`seed ${seed} is not an integer`);
  return { method, model, loss, optimizer, data, trainBlocks, frozenMode, init, ...step, seed, checkpoint };
}
