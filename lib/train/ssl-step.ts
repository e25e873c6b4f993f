import * as tf from '@tensorflow/tfjs-core';
import { Mode } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { BlockLossSpec, blockLoss } from './block-loss';
import { NonFiniteLossError } from './non-finite-loss-error';
import { exampleDifficulty, routeByDifficulty, routingWeights, RoutingScheme, checkRoutingScheme } from './difficulty-routing';
import { weightedBarlowTwinsTerms } from '../losses/barlow-twins';

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
   * Example difficulty-based routing (Appendix A; see `RoutingScheme`): the batch is ranked by each example's
   * loss at the last block in this step and every block's Barlow Twins loss weights the examples by where they
   * were routed. Needs every block in `lossBlocks`, none frozen, Barlow Twins losses. Default: none.
   */
  routing?: RoutingScheme;
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
  const routing = config.routing;
  if (routing) {
    checkRoutingScheme('sslTrainStep', routing);
    if (frozen.size > 0 || config.lossBlocks.length !== n || config.lossBlocks.some((k, i) => k !== i)) {
      throw new Error(`sslTrainStep: difficulty routing needs every block trained (lossBlocks [${config.lossBlocks}], frozen [${[...frozen]}])`);
    }
    specs.forEach((s, k) => {
      if (s.kind !== 'barlow-twins') throw new Error(`sslTrainStep: difficulty routing weights Barlow Twins losses; block ${k + 1} has '${s.kind}'`);
    });
  }
  const runBlocks = Math.max(...config.lossBlocks) + 1;
  let prefix = 0;
  while (frozen.has(prefix)) prefix++;
  const blocks = [...Array(runBlocks - prefix).keys()].map((i) => prefix + i);
  const blockModes: Mode[] = blocks.map((k) => (frozen.has(k) ? frozenMode : 'train'));
  const trainable = blocks.filter((k) => !frozen.has(k)).flatMap((k) => model.blockParameters(k).map((p) => p.variable));

  // The frozen lower blocks need no gradient: run them once per view, outside the tape.
  const inputs =
    prefix === 0
      ? views
      : views.map((v) => tf.tidy(() => model.network.forward(v, frozenMode, { blocks: prefix })[prefix - 1]));
  const kept: tf.Scalar[] = [];
  try {
    const { value, grads } = tf.variableGrads(() => {
      const a = model.forward(inputs[0], 'train', { from: prefix, blocks: runBlocks, blockModes });
      const b = model.forward(inputs[1], 'train', { from: prefix, blocks: runBlocks, blockModes });
      const losses = routing
        ? routedLosses(specs, a.embeddings, b.embeddings, routing)
        : config.lossBlocks.map((k) => blockLoss(specs[k], a.embeddings[k - prefix], b.embeddings[k - prefix], labels));
      for (const l of losses) kept.push(tf.keep(l));
      return losses.length === 1 ? losses[0] : (tf.addN(losses) as tf.Scalar);
    }, trainable);
    try {
      const values = kept.map((l) => l.dataSync()[0]);
      const blockLosses = Array<number>(n).fill(NaN);
      config.lossBlocks.forEach((k, i) => (blockLosses[k] = values[i]));
      config.lossBlocks.forEach((k, i) => {
        if (!Number.isFinite(values[i])) {
          throw new NonFiniteLossError(`sslTrainStep: block ${k + 1} loss is ${values[i]}; weights left unchanged`, k, values[i]);
        }
      });
      optimizer.step(grads, lr);
      return { blockLosses, loss: value.dataSync()[0] };
    } finally {
      tf.dispose([value, grads]);
    }
  } finally {
    tf.dispose(kept);
    if (prefix > 0) tf.dispose(inputs as tf.Tensor4D[]);
  }
}

/**
 * The block losses of difficulty routing, blocks 0 .. n-1: each example's difficulty is read from the last
 * block's embeddings (as data, off the gradient path), the batch is routed, and every block's Barlow Twins loss
 * weights the examples as the scheme says.
 */
function routedLosses(specs: BlockLossSpec[], z1: tf.Tensor2D[], z2: tf.Tensor2D[], routing: RoutingScheme): tf.Scalar[] {
  const n = z1.length;
  const difficulty = tf.tidy(() => exampleDifficulty(z1[n - 1], z2[n - 1]));
  const route = routeByDifficulty(difficulty.dataSync(), n);
  difficulty.dispose();
  return routingWeights(route, n, routing).map((w, k) =>
    tf.tidy(() => {
      const spec = specs[k];
      if (spec.kind !== 'barlow-twins') throw new Error(`routedLosses: block ${k + 1} has loss '${spec.kind}'`);
      return weightedBarlowTwinsTerms(z1[k], z2[k], tf.tensor1d(w), spec).loss;
    }),
  );
}
