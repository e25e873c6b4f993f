import * as tf from '@tensorflow/tfjs-core';
import { Container, Mode, Sequential } from './module';
import { Conv2d } from './conv2d';
import { BatchNorm } from './batch-norm';
import { Seed, toRng } from './seed';
import { ResidualBlock, ResidualBlockConfig, downsampleShortcut } from './residual-block';

/**
 * ResNet bottleneck block (ResNet-50/101/152), torchvision layout and names ("ResNet v1.5"): 1x1 conv to
 * `planes`, 3x3 conv carrying the stride, 1x1 conv to `4 * planes`, each followed by batch norm, ReLU after
 * the first two and after the residual sum: `relu(bn3(conv3(...)) + downsample(x))`. Convs have no bias.
 * `[N, H, W, inChannels] -> [N, H/stride, W/stride, 4 * planes]`.
 */
export class Bottleneck extends Container implements ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm;
  readonly downsample: Sequential | null;
  readonly outChannels: number;

  constructor(readonly config: ResidualBlockConfig, seed: Seed) {
    const rng = toRng(seed);
    const { inChannels, planes } = config;
    const stride = config.stride ?? 1;
    const out = planes * Bottleneck.expansion;
    const conv1 = new Conv2d({ inChannels, outChannels: planes, kernelSize: 1, padding: 0 }, rng);
    const bn1 = new BatchNorm({ channels: planes });
    const conv2 = new Conv2d({ inChannels: planes, outChannels: planes, kernelSize: 3, stride, padding: 1 }, rng);
    const bn2 = new BatchNorm({ channels: planes });
    const conv3 = new Conv2d({ inChannels: planes, outChannels: out, kernelSize: 1, padding: 0 }, rng);
    const bn3 = new BatchNorm({ channels: out, gammaInit: (config.zeroInitResidual ?? true) ? 0 : 1 });
    const downsample = downsampleShortcut(inChannels, out, stride, rng);
    super([
      ['conv1', conv1],
      ['bn1', bn1],
      ['conv2', conv2],
      ['bn2', bn2],
      ['conv3', conv3],
      ['bn3', bn3],
      ...(downsample ? [['downsample', downsample] as const] : []),
    ]);
    this.conv1 = conv1;
    this.bn1 = bn1;
    this.conv2 = conv2;
    this.bn2 = bn2;
    this.conv3 = conv3;
    this.bn3 = bn3;
    this.downsample = downsample;
    this.outChannels = out;
  }

  /** `[N, H, W, inChannels] -> [N, H/stride, W/stride, 4 * planes]`. */
  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(x), mode));
      h = tf.relu(this.bn2.apply(this.conv2.apply(h), mode));
      h = this.bn3.apply(this.conv3.apply(h), mode);
      const shortcut = this.downsample ? this.downsample.apply(x, mode) : x;
      return tf.relu(tf.add<tf.Tensor4D>(h, shortcut));
    });
  }
}
