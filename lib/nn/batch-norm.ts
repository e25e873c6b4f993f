import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module, NamedVariable, newVariable } from './module';
import { batchNormTrain } from '../backend/native-batch-norm';

export interface BatchNormConfig {
  /** Number of channels C (the last axis). */
  channels: number;
  /** Added to the variance; PyTorch's 1e-5. */
  eps?: number;
  /** Weight of the batch statistic in the running average (PyTorch convention): 0.1. */
  momentum?: number;
  /** Learnable scale gamma and shift beta; off for the Barlow Twins loss' normalisation. */
  affine?: boolean;
  /** Initial gamma; torchvision zero-initialises the last BN of each residual branch. */
  gammaInit?: number;
}

/**
 * Batch normalisation over every axis but the last: `[N, C]` or `[N, H, W, C]` in, same shape out.
 *
 * Train mode normalises with the batch mean and biased variance and moves the running statistics by
 * `momentum` towards the batch mean and the unbiased variance (PyTorch's rule). Eval mode uses the running
 * statistics. Train mode runs one fused kernel and one fused gradient kernel (`batchNormTrain`: C++ on the
 * native backend, tfjs ops elsewhere) rather than `tf.batchNorm`, whose gradient tiles the statistics to the
 * input's shape, or the differentiated formula, ~30 kernels per layer and step.
 */
export class BatchNorm implements Module {
  readonly gamma: tf.Variable<tf.Rank.R1> | null;
  readonly beta: tf.Variable<tf.Rank.R1> | null;
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  readonly runningVar: tf.Variable<tf.Rank.R1>;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly config: BatchNormConfig) {
    const c = config.channels;
    this.eps = config.eps ?? 1e-5;
    this.momentum = config.momentum ?? 0.1;
    const affine = config.affine ?? true;
    const vector = (value: number, trainable: boolean) =>
      tf.tidy(() => newVariable(tf.fill([c], value), trainable)) as tf.Variable<tf.Rank.R1>;
    this.gamma = affine ? vector(config.gammaInit ?? 1, true) : null;
    this.beta = affine ? vector(0, true) : null;
    this.runningMean = vector(0, false);
    this.runningVar = vector(1, false);
  }

  /** `[..., C] -> [..., C]`; in train mode also updates the running statistics. */
  apply<T extends tf.Tensor>(x: T, mode: Mode): T {
    const c = x.shape[x.rank - 1];
    if (c !== this.config.channels) {
      throw new Error(`BatchNorm: input shape [${x.shape}] has ${c} channels, expected ${this.config.channels}`);
    }
    const n = x.size / c;
    if (mode === 'train' && n < 2) {
      throw new Error(`BatchNorm: train mode needs more than one value per channel, input shape [${x.shape}]`);
    }
    return tf.tidy(() => {
      if (mode === 'train') {
        const { y, mean, variance } = batchNormTrain(x, this.gamma, this.beta, this.eps);
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
        return y;
      }
      let scale: tf.Tensor = tf.rsqrt(tf.add(this.runningVar, this.eps));
      if (this.gamma) scale = tf.mul(scale, this.gamma);
      const y = tf.mul(tf.sub(x, this.runningMean), scale);
      return (this.beta ? tf.add(y, this.beta) : y) as T;
    });
  }

  parameters(): NamedVariable[] {
    return this.gamma && this.beta
      ? [
          { name: 'weight', variable: this.gamma },
          { name: 'bias', variable: this.beta },
        ]
      : [];
  }

  buffers(): NamedVariable[] {
    return [
      { name: 'running_mean', variable: this.runningMean },
      { name: 'running_var', variable: this.runningVar },
    ];
  }

  dispose(): void {
    this.gamma?.dispose();
    this.beta?.dispose();
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}
