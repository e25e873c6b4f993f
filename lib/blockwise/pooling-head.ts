import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module } from '../nn/module';

/**
 * A pooling head (paper Sec. 3.3): turns a block output `[N, H, W, C]` into the feature vector `[N, outDim]`
 * that the block's projector and the linear probes read. One head per training block.
 */
export interface PoolingHead extends Module {
  /** Width of the pooled feature vector. */
  readonly outDim: number;
  /** `[N, H, W, C] -> [N, outDim]`; `mode` matters only to heads with batch norm. */
  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor2D;
}
