import * as tf from '@tensorflow/tfjs-core';
import { Mode } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { BlockLossSpec, blockLoss, ExampleWeighting } from '../losses/block-loss';
import { NonFiniteLossError } from './non-finite-loss-error';
import { stopGradient } from '../blockwise/stop-gradient';

/**
 * How a step back-propagates: `'joint'`, one backward pass through the sum of the block losses, or `'per-block'`,
 * one pass per block (see `SslStepConfig.backward`).
 */
export type BackwardMode = 'joint' | 'per-block';

/**
 * What the backward pass needs, whoever checks it (a run's config, the training step): a known mode, and for
 * `'per-block'` stop-gradient between blocks (`stopGradient`) and no example weighting (`weighting`, the
 * weighting's `action` or null). Throws an error naming `what`.
 */
export function checkBackward(what: string, backward: BackwardMode, stopGradient: boolean, weighting: string | null): void {
  if (backward !== 'joint' && backward !== 'per-block') throw new Error(`${what}: backward must be 'joint' or 'per-block', got '${backward}'`);
  if (backward === 'joint') return;
  if (!stopGradient) throw new Error(`${what}: backward 'per-block' needs stop-gradient between blocks (end-to-end training back-propagates through every block)`);
  if (weighting !== null) {
    throw new Error(`${what}: backward 'per-block' cannot ${weighting} (the example weights read the last block before the first block's loss)`);
  }
}

/** What one training step does; the trainers (end-to-end, simultaneous, sequential, ...) differ only here. */
export interface SslStepConfig {
  /**
   * Loss of every block, or one per block (the paper's Appendix A tunes lambda and the invariance target per
   * block). `{ kind: 'cross-entropy' }` (supervised blockwise training) needs the batch labels.
   */
  loss: BlockLossSpec | BlockLossSpec[];
  /**
   * The blocks whose loss is back-propagated (0-based). Simultaneous blockwise: all; end-to-end: the last
   * (with a model built with `stopGradient: false`, or cut into one block); sequential: the block being trained.
   */
  lossBlocks: number[];
  /**
   * Blocks whose parameters stay untouched (sequential training freezes the blocks below, batch-norm
   * statistics included). Default none. Leading frozen blocks (0, 1, ... up to the first trained one) run
   * outside the gradient tape.
   */
  frozenBlocks?: number[];
  /**
   * Mode of the frozen blocks. `'eval'` (default): running batch-norm statistics, left unchanged, and no
   * noise. `'train'`: batch statistics, running statistics updated, noise on; only their parameters stay
   * fixed (the paper's check, Sec. 5, of "keeping the batch-norm parameters always in training mode").
   */
  frozenMode?: Mode;
  /**
   * Per-example weights of the block losses, computed in the step from every loss block's embeddings; e.g.
   * `difficultyRouting(scheme)` (Appendix A): the batch is ranked by each example's loss at the last block in
   * this step and every block's Barlow Twins loss weights the examples by where they were routed. Default: none.
   */
  weighting?: ExampleWeighting;
  /**
   * `'joint'` (default): one backward pass through the sum of the block losses. `'per-block'`: one pass per
   * block, so that only one block's activations and loss intermediates (the paper's 8192 x 8192
   * cross-correlations) are alive at a time; the same gradients, for models with stop-gradient between blocks
   * whose every non-frozen block in the run has a loss. The feature noise is drawn in another order (view 1 and
   * view 2 block by block), so steps match the joint pass in distribution, not bit for bit.
   */
  backward?: BackwardMode;
}

/** Per-block loss values of one step (NaN for blocks without a loss). */
export interface SslStepResult {
  blockLosses: number[];
  /** Sum of the back-propagated block losses. */
  loss: number;
}

/**
 * One optimiser step of blockwise self-supervised training, the paper's method top to bottom:
 * two views -> blocks (stop-gradient between them, noise) -> heads -> projectors -> per-block losses ->
 * one optimiser step. The block losses are summed before the backward pass; with stop-gradient between
 * blocks this equals back-propagating each separately (the authors' code), since no gradient path joins them.
 * The views run as two forward passes, so batch norm uses each view's own statistics. `labels` `[N]` (int32)
 * are needed only by cross-entropy block losses.
 *
 * A non-finite block loss throws a `NonFiniteLossError` naming the block before any parameter or optimiser
 * state changes (the batch-norm running statistics of the blocks run in train mode have already moved).
 */
export function sslTrainStep(
  model: BlockwiseSslModel,
  views: readonly [tf.Tensor4D, tf.Tensor4D],
  config: SslStepConfig,
  optimizer: Optimizer,
  lr: number,
  labels?: tf.Tensor1D,
): SslStepResult {
  const n = model.numBlocks;
  const specs = Array.isArray(config.loss) ? config.loss : Array<BlockLossSpec>(n).fill(config.loss);
  if (specs.length !== n) throw new Error(`sslTrainStep: ${specs.length} loss specs given for ${n} blocks`);
  const frozen = new Set(config.frozenBlocks ?? []);
  if (config.lossBlocks.length === 0) throw new Error('sslTrainStep: lossBlocks is empty');
  for (const k of [...config.lossBlocks, ...frozen]) {
    if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new Error(`sslTrainStep: block index ${k} is not in 0..${n - 1}`);
  }
  for (const k of config.lossBlocks) {
    if (frozen.has(k)) throw new Error(`sslTrainStep: block ${k} is both frozen and trained`);
  }
  const frozenMode = config.frozenMode ?? 'eval';
  const weighting = config.weighting;
  weighting?.check('sslTrainStep', n, config.lossBlocks, specs);
  const runBlocks = Math.max(...config.lossBlocks) + 1;
  let prefix = 0;
  while (frozen.has(prefix)) prefix++;
  const blocks = [...Array(runBlocks - prefix).keys()].map((i) => prefix + i);
  checkBackward('sslTrainStep', config.backward ?? 'joint', model.network.stopGradient, weighting?.action ?? null);
  if (config.backward === 'per-block') {
    const lossless = blocks.filter((k) => !frozen.has(k) && !config.lossBlocks.includes(k));
    if (lossless.length > 0) throw new Error(`sslTrainStep: per-block backward: block ${lossless[0] + 1} is trained but has no loss`);
  }
  const blockModes: Mode[] = blocks.map((k) => (frozen.has(k) ? frozenMode : 'train'));
  const trainable = blocks.filter((k) => !frozen.has(k)).flatMap((k) => model.blockParameters(k).map((p) => p.variable));

  // The frozen lower blocks need no gradient: run them once per view, outside the tape.
  const inputs =
    prefix === 0
      ? views
      : views.map((v) => tf.tidy(() => model.network.forward(v, frozenMode, { blocks: prefix })[prefix - 1]));
  const pass: BackwardPass = { model, inputs, specs, lossBlocks: config.lossBlocks, blockModes, prefix, labels };
  const computed = config.backward === 'per-block' ? perBlockGradients(pass) : jointGradients(pass, trainable, weighting);
  try {
    const values = computed.losses.map((l) => l.dataSync()[0]);
    const blockLosses = Array<number>(n).fill(NaN);
    config.lossBlocks.forEach((k, i) => (blockLosses[k] = values[i]));
    config.lossBlocks.forEach((k, i) => {
      if (!Number.isFinite(values[i])) {
        throw new NonFiniteLossError(`sslTrainStep: block ${k + 1} loss is ${values[i]}; weights left unchanged`, k, values[i]);
      }
    });
    optimizer.step(computed.grads, lr);
    return { blockLosses, loss: computed.total?.dataSync()[0] ?? values.reduce((a, v) => a + v, 0) };
  } finally {
    tf.dispose([...computed.losses, computed.grads, ...(computed.total ? [computed.total] : [])]);
    if (prefix > 0) tf.dispose(inputs as tf.Tensor4D[]);
  }
}

/** The back-propagated block losses (in `lossBlocks` order), the gradients of the trained parameters, and their sum when the backward pass took it. */
interface StepGradients {
  losses: tf.Scalar[];
  grads: tf.NamedTensorMap;
  total?: tf.Scalar;
}

/** What both backward passes work on: blocks `prefix .. prefix + blockModes.length - 1` run on `inputs` (the two views, or block `prefix`'s input). */
interface BackwardPass {
  model: BlockwiseSslModel;
  inputs: readonly tf.Tensor4D[];
  specs: BlockLossSpec[];
  lossBlocks: number[];
  blockModes: Mode[];
  prefix: number;
  labels: tf.Tensor1D | undefined;
}

/** One backward pass through the sum of the block losses (every method). */
function jointGradients(
  { model, inputs, specs, lossBlocks, blockModes, prefix, labels }: BackwardPass,
  trainable: tf.Variable[],
  weighting: ExampleWeighting | undefined,
): StepGradients {
  const runBlocks = prefix + blockModes.length;
  const losses: tf.Scalar[] = [];
  try {
    const { value, grads } = tf.variableGrads(() => {
      const a = model.forward(inputs[0], 'train', { from: prefix, blocks: runBlocks, blockModes });
      const b = model.forward(inputs[1], 'train', { from: prefix, blocks: runBlocks, blockModes });
      const z1 = lossBlocks.map((k) => a.embeddings[k - prefix]);
      const z2 = lossBlocks.map((k) => b.embeddings[k - prefix]);
      const weights = weighting?.weights(z1, z2);
      const ls = lossBlocks.map((k, i) => blockLoss(specs[k], z1[i], z2[i], labels, weights?.[i]));
      for (const l of ls) losses.push(tf.keep(l));
      return ls.length === 1 ? ls[0] : (tf.addN(ls) as tf.Scalar);
    }, trainable);
    return { losses, grads, total: value };
  } catch (e) {
    tf.dispose(losses);
    throw e;
  }
}

/**
 * One backward pass per block (`SslStepConfig.backward: 'per-block'`), blocks in order: both views through
 * block k, its head, projector and loss under a gradient tape of block k's parameters only, then the tape is
 * dropped and block k's (detached) outputs feed block k + 1. With stop-gradient between blocks the gradients
 * equal the joint pass's; only one block's activations and loss intermediates are alive at a time.
 */
function perBlockGradients({ model, inputs, specs, lossBlocks, blockModes, prefix, labels }: BackwardPass): StepGradients {
  const losses = new Map<number, tf.Scalar>();
  const grads: tf.NamedTensorMap = {};
  let h: tf.Tensor4D[] = [...inputs];
  const owned: tf.Tensor4D[] = [];
  try {
    blockModes.forEach((mode, i) => {
      const k = prefix + i;
      const last = i === blockModes.length - 1;
      // Block k's outputs, the next block's inputs; in `owned` as soon as they exist, so an error frees them.
      const next: tf.Tensor4D[] = [];
      const keep = (t: tf.Tensor4D): void => {
        next.push(t);
        owned.push(t);
      };
      if (!lossBlocks.includes(k)) {
        // A frozen block between trained ones: no tape.
        for (const x of h) keep(tf.tidy(() => model.forward(x, mode, { from: k, blocks: k + 1, blockModes: [mode] }).features[0]));
      } else {
        const params = model.blockParameters(k);
        const { value, grads: g } = tf.variableGrads(() => {
          const [a, b] = h.map((x) => model.forward(x, 'train', { from: k, blocks: k + 1, blockModes: [mode] }));
          if (!last) for (const y of [a, b]) keep(tf.keep(stopGradient(y.features[0])));
          return blockLoss(specs[k], a.embeddings[0], b.embeddings[0], labels);
        }, params.map((p) => p.variable));
        losses.set(k, value);
        Object.assign(grads, g);
      }
      h = next;
    });
    tf.dispose(owned);
    return { losses: lossBlocks.map((k) => losses.get(k)!), grads };
  } catch (e) {
    tf.dispose([...owned, ...losses.values(), grads]);
    throw e;
  }
}
