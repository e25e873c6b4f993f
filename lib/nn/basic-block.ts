import * as tf from '@tensorflow/tfjs-core';
import { Container, Mode, Sequential } from './module';
import { Conv2d } from './conv2d';
import { BatchNorm } from './batch-norm';
import { Seed, toRng } from './seed';
import { ResidualBlock, ResidualBlockConfig, downsampleShortcut } from './residual-block';

/**
 * ResNet basic block (ResNet-18/34), torchvision layout and names:
 * `relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))`, both convs 3x3 without bias, the stride on conv1.
 * `[N, H, W, inChannels] -> [N, H/stride, W/stride, planes]` (expansion 1).
 */
export class BasicBlock extends Container implements ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly downsample: Sequential | null;
  readonly outChannels: number;

  constructor(readonly config: ResidualBlockConfig, seed: Seed) {
    const rng = toRng(seed);
    const { inChannels, planes } = config;
    const stride = config.stride ?? 1;
    const conv1 = new Conv2d({ inChannels, outChannels: planes, kernelSize: 3, stride, padding: 1 }, rng);
    const bn1 = new BatchNorm({ channels: planes });
    const conv2 = new Conv2d({ inChannels: planes, outChannels: planes, kernelSize: 3, padding: 1 }, rng);
    const bn2 = new BatchNorm({ channels: planes, gammaInit: (config.zeroInitResidual ?? true) ? 0 : 1 });
    const downsample = downsampleShortcut(inChannels, planes, stride, rng);
    super([
      ['conv1', conv1],
      ['bn1', bn1],
      ['conv2', conv2],
      ['bn2', bn2],
      ...(downsample ? [['downsample', downsample] as const] : []),
    ]);
    this.conv1 = conv1;
    this.bn1 = bn1;
    this.conv2 = conv2;
    this.bn2 = bn2;
    this.downsample = downsample;
    this.outChannels = planes;
  }

  /** `[N, H, W, inChannels] -> [N, H/stride, W/stride, planes]`. */
  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.bn2.apply(this.conv2.apply(tf.relu(this.bn1.apply(this.conv1.apply(x), mode))), mode);
      const shortcut = this.downsample ? this.downsample.apply(x, mode) : x;
      return tf.relu(tf.add<tf.Tensor4D>(h, shortcut));
    });
  }
}
