import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable, prefixed } from '../nn/module';
import { Rng } from '../nn/rng';
import { ExtractedFeatures, featuresOfBlock } from './features';
import { LinearProbe, checkClassCount } from './linear-probe';
import { topKCorrect } from './top-k';

/** Settings of the online probes; optimisation as the offline probe's SGD (momentum 0.9, weight decay 1e-6). */
export interface OnlineProbeConfig {
  /** Learning rate used when `step` is not given one; default 0.1. */
  lr?: number;
  /** Default 0.9. */
  momentum?: number;
  /** Default 1e-6. */
  weightDecay?: number;
  /** Std of the normal weight init; default 0.01. */
  initStd?: number;
}

/**
 * Online linear probes (solo-learn, VISSL): one linear classifier per block, trained during pretraining on each
 * step's pooled features `[N, D_k]` (the same head outputs the projectors read). The features are constants to
 * the probes, so no gradient reaches the backbone or heads and pretraining is unchanged; the probes give a
 * running accuracy per block at the cost of one small matmul each. Owns its probes: `dispose()` frees them.
 *
 *     const online = new OnlineProbe(model.heads.map((h) => h.outDim), 10, {}, seed);
 *     const { losses, top1 } = online.step(pooledView1, labels);   // per block
 */
export class OnlineProbe implements Module {
  readonly probes: LinearProbe[];
  readonly lr: number;

  constructor(readonly dims: readonly number[], readonly classes: number, config: OnlineProbeConfig, seed: number) {
    checkClassCount('OnlineProbe', classes);
    if (dims.length === 0) throw new Error('OnlineProbe: no blocks (dims is empty)');
    this.lr = config.lr ?? 0.1;
    if (!(this.lr > 0)) throw new Error(`OnlineProbe: lr must be > 0, got ${this.lr}`);
    const rng = new Rng(seed);
    this.probes = dims.map((d) => new LinearProbe(d, classes, config, rng.fork()));
  }

  /**
   * One SGD step of every block's probe on `pooled[k]` `[N, D_k]` with int32 `labels` `[N]`. Returns each probe's
   * batch loss and top-1 accuracy on the batch, measured before its update.
   */
  step(pooled: readonly tf.Tensor2D[], labels: tf.Tensor1D, lr = this.lr): { losses: number[]; top1: number[] } {
    if (pooled.length !== this.probes.length) {
      throw new Error(`OnlineProbe.step: ${pooled.length} feature tensors for ${this.probes.length} probes`);
    }
    const top1 = this.probes.map((p, k) => {
      const logits = p.logits(pooled[k]);
      const correct = topKCorrect(logits, labels, 1);
      logits.dispose();
      return correct / labels.shape[0];
    });
    const losses = this.probes.map((p, k) => p.step(pooled[k], labels, lr));
    return { losses, top1 };
  }

  /** Top-1 (and top-5 over 5 classes) accuracy of every probe on frozen features of its block (one block per probe, in order). */
  evaluate(features: ExtractedFeatures): { top1: number; top5: number | null }[] {
    if (features.blocks.length !== this.probes.length) {
      throw new Error(`OnlineProbe.evaluate: ${features.blocks.length} blocks of features for ${this.probes.length} probes`);
    }
    return this.probes.map((p, k) => p.evaluate(featuresOfBlock(features, k)));
  }

  parameters(): NamedVariable[] {
    return this.probes.flatMap((p, k) => prefixed(`${k}`, p.parameters()));
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {
    for (const p of this.probes) p.dispose();
  }
}
