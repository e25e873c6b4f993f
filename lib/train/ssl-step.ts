import * as tf from '@tensorflow/tfjs-core';
import { Mode } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { SslLossSpec, sslLoss } from './ssl-loss';

/** What one self-supervised training step does; the trainers (end-to-end, simultaneous, sequential) differ only here. */
export interface SslStepConfig {
  /** Loss of every block, or one per block (the paper's Appendix A tunes lambda per block). */
  loss: SslLossSpec | SslLossSpec[];
  /**
   * The blocks whose loss is back-propagated (0-based). Simultaneous blockwise: all; end-to-end: the last
   * (with a model built with `stopGradient: false`); sequential: the block being trained.
   */
  lossBlocks: number[];
  /**
   * Blocks run in eval mode with their parameters untouched (sequential training freezes the blocks below,
   * batch-norm statistics included). Default none.
   */
  frozenBlocks?: number[];
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
 * The views run as two forward passes, so batch norm uses each view's own statistics.
 *
 * A non-finite block loss throws (naming the block) before the weights change.
 */
export function sslTrainStep(
  model: BlockwiseSslModel,
  views: readonly [tf.Tensor4D, tf.Tensor4D],
  config: SslStepConfig,
  optimizer: Optimizer,
  lr: number,
): SslStepResult {
  const n = model.numBlocks;
  const specs = Array.isArray(config.loss) ? config.loss : Array<SslLossSpec>(n).fill(config.loss);
  if (specs.length !== n) throw new Error(`sslTrainStep: ${specs.length} loss specs given for ${n} blocks`);
  const frozen = new Set(config.frozenBlocks ?? []);
  for (const k of [...config.lossBlocks, ...frozen]) {
    if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new Error(`sslTrainStep: block index ${k} is not in 0..${n - 1}`);
  }
  for (const k of config.lossBlocks) {
    if (frozen.has(k)) throw new Error(`sslTrainStep: block ${k} is both frozen and trained`);
  }
  const runBlocks = Math.max(...config.lossBlocks) + 1;
  const blockModes: Mode[] = [...Array(runBlocks).keys()].map((k) => (frozen.has(k) ? 'eval' : 'train'));
  const trainable = [...Array(n).keys()]
    .filter((k) => !frozen.has(k))
    .flatMap((k) => model.blockParameters(k).map((p) => p.variable));

  const kept: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const a = model.forward(views[0], 'train', { blocks: runBlocks, blockModes });
    const b = model.forward(views[1], 'train', { blocks: runBlocks, blockModes });
    const losses = config.lossBlocks.map((k) => sslLoss(specs[k], a.embeddings[k], b.embeddings[k]));
    for (const l of losses) kept.push(tf.keep(l));
    return losses.length === 1 ? losses[0] : (tf.addN(losses) as tf.Scalar);
  }, trainable);

  try {
    const values = kept.map((l) => l.dataSync()[0]);
    const blockLosses = Array<number>(n).fill(NaN);
    config.lossBlocks.forEach((k, i) => (blockLosses[k] = values[i]));
    config.lossBlocks.forEach((k, i) => {
      if (!Number.isFinite(values[i])) throw new Error(`sslTrainStep: block ${k + 1} loss is ${values[i]}; weights left unchanged`);
    });
    optimizer.step(grads, lr);
    return { blockLosses, loss: value.dataSync()[0] };
  } finally {
    tf.dispose([value, ...kept, grads]);
  }
}
