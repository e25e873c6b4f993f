import * as tf from '@tensorflow/tfjs-core';
import { Layer, NamedVariable } from './module';

export interface MaxPool2dConfig {
  /** Square window size k (k x k). */
  kernelSize: number;
  /** Default: the kernel size, as in PyTorch. */
  stride?: number;
  /** Symmetric padding on each side; padded positions never win the max (PyTorch's -inf padding). */
  padding?: number;
}

/**
 * Max pooling over NHWC tensors, `nn.MaxPool2d(k, stride, padding)` with PyTorch's floor output size:
 * `[N, H, W, C] -> [N, floor((H + 2p - k) / s) + 1, floor((W + 2p - k) / s) + 1, C]`. The ResNet stem
 * uses k 3, stride 2, padding 1.
 */
export class MaxPool2d implements Layer {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly config: MaxPool2dConfig) {
    this.kernelSize = config.kernelSize;
    this.stride = config.stride ?? config.kernelSize;
    this.padding = config.padding ?? 0;
    if (this.padding > this.kernelSize / 2) {
      throw new Error(`MaxPool2d: padding ${this.padding} must be at most half the kernel size ${this.kernelSize}`);
    }
  }

  /** `[N, H, W, C] -> [N, H', W', C]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = x.shape;
    if (h + 2 * this.padding < this.kernelSize || w + 2 * this.padding < this.kernelSize) {
      throw new Error(`MaxPool2d: input shape [${x.shape}] is smaller than the ${this.kernelSize}x${this.kernelSize} window`);
    }
    return tf.maxPool(x, this.kernelSize, this.stride, this.padding);
  }

  parameters(): NamedVariable[] {
    return [];
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {}
}
