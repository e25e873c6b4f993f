import * as tf from '@tensorflow/tfjs-core';
import { Container, Mode } from '../nn/module';
import { BatchNorm } from '../nn/batch-norm';
import { Rng } from '../nn/rng';
import { GroupedConv2d } from './grouped-conv2d';
import { l2Pool } from './l2-pooling';
import { sqrtPool } from './sqrt-pooling';
import { PoolingHead } from './pooling-head';

/**
 * The spatial pooling after the expansion: `'average'` (global spatial pooling, the paper's "CbE + GSP"
 * and the authors' code), `'l2'` (L2 pooling, see `l2Pool`) or `'sqrt'` (square-root pooling, see `sqrtPool`).
 */
export type CbePooling = 'average' | 'l2' | 'sqrt';

/** The width of the paper's pooling heads (CbE expansion and LSP): 2048, ResNet-50's last block width. */
export const PAPER_HEAD_WIDTH = 2048;

export interface ConvExpansionConfig {
  /** Channels C of the block output. */
  inChannels: number;
  /** Width after the expansion, the projector's input: 2048 in the paper (block 4 included, 2048 -> 2048). */
  outChannels?: number;
  /** Filter size k; default 1, the paper's final recipe (Sec. 5 shows larger k hurts; the authors' script default is 3). */
  kernelSize?: number;
  /** Grouped expansion (the paper's group-conv variant); default 1. */
  groups?: number;
  /** Default `'average'`. */
  pooling?: CbePooling;
  /** eps of the L2 / square-root pooling (their doc comments give the reason); default 1e-6. */
  eps?: number;
}

/**
 * Conv-based expansion head (CbE, paper Sec. 3.3; `pool_conv` in the authors' code): a k x k convolution
 * (padding k // 2, no bias, PyTorch's default init) expands the block output to 2048 channels, then batch
 * norm, ReLU and a global spatial pooling. `[N, H, W, C] -> [N, outChannels]`.
 *
 * Variable names follow the authors' `nn.Sequential`: `0.weight` (conv, `[k, k, C / groups, out]`),
 * `1.weight`, `1.bias`, `1.running_mean`, `1.running_var` (batch norm).
 */
export class ConvExpansion extends Container implements PoolingHead {
  readonly outDim: number;
  readonly conv: GroupedConv2d;
  readonly bn: BatchNorm;
  readonly pooling: CbePooling;
  readonly eps: number;

  constructor(readonly config: ConvExpansionConfig, rng: Rng) {
    const out = config.outChannels ?? PAPER_HEAD_WIDTH;
    const pooling = config.pooling ?? 'average';
    if (!['average', 'l2', 'sqrt'].includes(pooling)) {
      throw new Error(`ConvExpansion: pooling must be 'average', 'l2' or 'sqrt', got '${pooling}'`);
    }
    const conv = new GroupedConv2d(
      { inChannels: config.inChannels, outChannels: out, kernelSize: config.kernelSize ?? 1, groups: config.groups },
      rng,
    );
    const bn = new BatchNorm({ channels: out });
    super([
      ['0', conv],
      ['1', bn],
    ]);
    this.conv = conv;
    this.bn = bn;
    this.outDim = out;
    this.pooling = pooling;
    this.eps = config.eps ?? 1e-6;
  }

  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor2D {
    return tf.tidy(() => {
      const h = tf.relu(this.bn.apply(this.conv.apply(x), mode));
      switch (this.pooling) {
        case 'average':
          return tf.mean(h, [1, 2]) as tf.Tensor2D;
        case 'l2':
          return l2Pool(h, this.eps);
        case 'sqrt':
          return sqrtPool(h, this.eps);
      }
    });
  }
}
