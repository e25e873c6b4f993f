import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable, newVariable } from './module';
import { Rng } from './rng';
import { kaimingNormalFanOut, torchDefaultUniform } from './init';

/** How a convolution's weights start: torchvision ResNet's kaiming-normal, or PyTorch's default uniform. */
export type ConvInit = 'kaiming-fan-out' | 'torch-default';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  /** Square kernel size k (k x k). */
  kernelSize: number;
  stride?: number;
  /** Symmetric zero padding on each side, PyTorch style; default `floor(k / 2)`. */
  padding?: number;
  bias?: boolean;
  init?: ConvInit;
}

/**
 * 2-D convolution over NHWC tensors: `[N, H, W, inC] -> [N, H', W', outC]`, weight `[k, k, inC, outC]`.
 * Padding is symmetric and numeric like PyTorch's `nn.Conv2d(padding=p)`, not tfjs' 'same' (which pads
 * stride-2 convolutions asymmetrically and so would shift every feature map against the reference).
 */
export class Conv2d implements Module {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly config: Conv2dConfig, rng: Rng) {
    const { inChannels, outChannels, kernelSize: k } = config;
    this.stride = config.stride ?? 1;
    this.padding = config.padding ?? Math.floor(k / 2);
    const shape = [k, k, inChannels, outChannels];
    const init = config.init ?? 'kaiming-fan-out';
    this.weight = tf.tidy(() =>
      newVariable(init === 'kaiming-fan-out' ? kaimingNormalFanOut(shape, rng) : torchDefaultUniform(shape, k * k * inChannels, rng)),
    ) as tf.Variable<tf.Rank.R4>;
    this.bias = config.bias
      ? (tf.tidy(() => newVariable(torchDefaultUniform([outChannels], k * k * inChannels, rng))) as tf.Variable<tf.Rank.R1>)
      : null;
  }

  /** `[N, H, W, inC] -> [N, H', W', outC]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const c = x.shape[3];
    if (c !== this.config.inChannels) {
      throw new Error(`Conv2d: input has ${c} channels (shape [${x.shape}]), expected ${this.config.inChannels}`);
    }
    return tf.tidy(() => {
      const y = tf.conv2d(x, this.weight, this.stride, this.padding);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  parameters(): NamedVariable[] {
    const ps: NamedVariable[] = [{ name: 'weight', variable: this.weight }];
    if (this.bias) ps.push({ name: 'bias', variable: this.bias });
    return ps;
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
