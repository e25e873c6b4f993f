import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { PoolingHead } from './pooling-head';

/**
 * Global spatial pooling (GSP, paper Sec. 3.3): the mean over all spatial positions, so the feature
 * width equals the block's channel count (256 for ResNet-50's block 1). No parameters.
 * `[N, H, W, C] -> [N, C]`.
 */
export class GlobalSpatialPooling implements PoolingHead {
  readonly outDim: number;

  constructor(readonly inChannels: number) {
    if (!(Number.isInteger(inChannels) && inChannels > 0)) {
      throw new Error(`GlobalSpatialPooling: inChannels must be a positive integer, got ${inChannels}`);
    }
    this.outDim = inChannels;
  }

  apply(x: tf.Tensor4D): tf.Tensor2D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`GlobalSpatialPooling: input shape [${x.shape}], expected [N, H, W, ${this.inChannels}]`);
    }
    return tf.mean(x, [1, 2]);
  }

  parameters(): NamedVariable[] {
    return [];
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {}
}
