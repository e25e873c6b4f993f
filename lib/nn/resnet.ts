import * as tf from '@tensorflow/tfjs-core';
import { Container, Mode, Sequential } from './module';
import { Conv2d } from './conv2d';
import { BatchNorm } from './batch-norm';
import { Linear } from './linear';
import { ReLU } from './relu';
import { MaxPool2d } from './max-pool';
import { Seed, toRng } from './seed';
import { BasicBlock } from './basic-block';
import { Bottleneck } from './bottleneck';
import { BlockType, ResidualBlock } from './residual-block';

/**
 * The stem before the residual stages. `'imagenet'`: 7x7 stride-2 conv (padding 3), BN, ReLU, 3x3 stride-2
 * max-pool (padding 1), so `H -> H/4`. `'cifar'`: 3x3 stride-1 conv (padding 1), BN, ReLU, no max-pool, so the
 * 32x32 images of CIFAR keep their resolution (solo-learn's CIFAR ResNet).
 */
export type StemType = 'imagenet' | 'cifar';

/** Everything that fixes a ResNet's architecture; a plain object that a preset can print and diff. */
export interface ResNetConfig {
  block: BlockType;
  /** Residual blocks per stage, e.g. `[3, 4, 6, 3]` for ResNet-50. */
  blocksPerStage: number[];
  /** Width ("planes") of each stage; a stage outputs `width * expansion` channels. Strides are 1, 2, 2, 2, ... */
  widths: number[];
  stem: StemType;
  /** Output channels of the stem conv (torchvision: 64). */
  stemWidth: number;
  /** Channels of the input images; default 3. */
  inChannels?: number;
  /** Size of the classifier `fc`; `null` for a backbone without one (self-supervised pretraining). */
  numClasses: number | null;
  /** Zero-init of the last BN gamma in every residual branch (torchvision's `zero_init_residual`); default true. */
  zeroInitResidual?: boolean;
}

/**
 * ResNet (He et al., 2016) in torchvision's layout, NHWC: stem -> layer1..layerK -> global average pool -> fc.
 * Variable names match a torchvision state dict (`conv1.weight`, `layer1.0.downsample.1.running_mean`,
 * `fc.weight`; `num_batches_tracked` has no counterpart, as momentum is fixed). The blockwise method trains
 * `stem + layer1`, `layer2`, `layer3`, `layer4` as four separate blocks, hence `stem`, `stages` and
 * `stageChannels`.
 *
 * Initialisation as torchvision: convs kaiming-normal (fan_out), BN gamma 1 and beta 0 (the last BN of each
 * residual branch at 0 when `zeroInitResidual`), fc PyTorch's default uniform.
 */
export class ResNet extends Container {
  /** conv1, bn1, ReLU (and max-pool): `[N, H, W, inChannels] -> [N, H/4 or H, W/4 or W, stemWidth]`. */
  readonly stem: Sequential;
  /** layer1, layer2, ...: each a Sequential of residual blocks named `0`, `1`, ... */
  readonly stages: Sequential[];
  /** Output channels of each stage, `[256, 512, 1024, 2048]` for ResNet-50. */
  readonly stageChannels: number[];
  /** Classifier on the pooled last-stage features, `[N, stageChannels.at(-1)] -> [N, numClasses]`. */
  readonly fc: Linear | null;

  constructor(readonly config: ResNetConfig, seed: Seed) {
    const { blocksPerStage, widths } = config;
    if (blocksPerStage.length === 0 || blocksPerStage.length !== widths.length) {
      throw new Error(`ResNet: blocksPerStage [${blocksPerStage}] and widths [${widths}] must be non-empty and of equal length`);
    }
    const rng = toRng(seed);
    const stem = resNetStem(config.stem, config.inChannels ?? 3, config.stemWidth, rng);
    const stages: Sequential[] = [];
    const stageChannels: number[] = [];
    let channels = config.stemWidth;
    widths.forEach((planes, i) => {
      const stage = resNetStage(config.block, channels, planes, blocksPerStage[i], i === 0 ? 1 : 2, rng, config.zeroInitResidual ?? true);
      channels = planes * expansion(config.block);
      stages.push(stage);
      stageChannels.push(channels);
    });
    const fc = config.numClasses === null ? null : new Linear({ inFeatures: channels, outFeatures: config.numClasses }, rng);
    super([['', stem], ...stages.map((s, i) => [`layer${i + 1}`, s] as const), ...(fc ? [['fc', fc] as const] : [])]);
    this.stem = stem;
    this.stages = stages;
    this.stageChannels = stageChannels;
    this.fc = fc;
  }

  /** Stem and all stages: `[N, H, W, inChannels] -> [N, H', W', stageChannels.at(-1)]` (H' = H/32 for 'imagenet'). */
  features(x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
    return tf.tidy(() => this.stages.reduce((h, s) => s.apply(h, mode), this.stem.apply(x, mode)));
  }

  /**
   * Features, global average pool and `fc`: `[N, H, W, inChannels] -> [N, numClasses]` logits, or the pooled
   * features `[N, stageChannels.at(-1)]` when there is no fc.
   */
  apply(x: tf.Tensor4D, mode: Mode): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.mean(this.features(x, mode), [1, 2]) as tf.Tensor2D;
      return this.fc ? this.fc.apply(pooled) : pooled;
    });
  }
}

/** Output channels per unit of width: 1 for the basic block, 4 for the bottleneck. */
export function expansion(block: BlockType): number {
  return block === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
}

/** The stem as a Sequential named like torchvision's top-level modules (`conv1`, `bn1`, `relu`, `maxpool`). */
export function resNetStem(type: StemType, inChannels: number, width: number, seed: Seed): Sequential {
  const rng = toRng(seed);
  const conv =
    type === 'imagenet'
      ? new Conv2d({ inChannels, outChannels: width, kernelSize: 7, stride: 2, padding: 3 }, rng)
      : new Conv2d({ inChannels, outChannels: width, kernelSize: 3, stride: 1, padding: 1 }, rng);
  return new Sequential([
    ['conv1', conv],
    ['bn1', new BatchNorm({ channels: width })],
    ['relu', new ReLU()],
    ...(type === 'imagenet' ? [['maxpool', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 })] as const] : []),
  ]);
}

/**
 * One stage (torchvision's `_make_layer`): `blocks` residual blocks of width `planes`, the first carrying
 * the stride and the projection shortcut. `[N, H, W, inChannels] -> [N, H/stride, W/stride, planes * expansion]`.
 */
export function resNetStage(
  block: BlockType,
  inChannels: number,
  planes: number,
  blocks: number,
  stride: number,
  seed: Seed,
  zeroInitResidual = true,
): Sequential {
  if (!(blocks >= 1)) throw new Error(`resNetStage: a stage needs at least one block, got ${blocks}`);
  const rng = toRng(seed);
  const make = (inC: number, s: number): ResidualBlock =>
    block === 'basic'
      ? new BasicBlock({ inChannels: inC, planes, stride: s, zeroInitResidual }, rng)
      : new Bottleneck({ inChannels: inC, planes, stride: s, zeroInitResidual }, rng);
  const out = planes * expansion(block);
  return new Sequential(Array.from({ length: blocks }, (_, i) => [`${i}`, i === 0 ? make(inChannels, stride) : make(out, 1)] as const));
}

/** Options of the ResNet factories. */
export interface ResNetOptions {
  seed: Seed;
  /** Classifier size; `null` for no fc. Default 1000 (ImageNet) for resnet18/50, 10 for cifarResNet18. */
  numClasses?: number | null;
  inChannels?: number;
  zeroInitResidual?: boolean;
}

/** ResNet-50: bottleneck blocks [3, 4, 6, 3], widths 64-512, ImageNet stem; 25,557,032 parameters with 1000 classes. */
export function resnet50(opts: ResNetOptions): ResNet {
  return new ResNet(
    { block: 'bottleneck', blocksPerStage: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: 'imagenet', stemWidth: 64, ...factoryOptions(opts, 1000) },
    opts.seed,
  );
}

/** ResNet-18: basic blocks [2, 2, 2, 2], widths 64-512, ImageNet stem; 11,689,512 parameters with 1000 classes. */
export function resnet18(opts: ResNetOptions): ResNet {
  return new ResNet(
    { block: 'basic', blocksPerStage: [2, 2, 2, 2], widths: [64, 128, 256, 512], stem: 'imagenet', stemWidth: 64, ...factoryOptions(opts, 1000) },
    opts.seed,
  );
}

/**
 * CIFAR ResNet-18: ResNet-18 with the 3x3 stride-1 stem and no max-pool, for 32x32 images. `widths`
 * narrows it for CPU scale (e.g. `[32, 64, 128, 256]`); the stem is as wide as the first stage.
 */
export function cifarResNet18(opts: ResNetOptions & { widths?: number[] }): ResNet {
  const widths = opts.widths ?? [64, 128, 256, 512];
  return new ResNet(
    { block: 'basic', blocksPerStage: [2, 2, 2, 2], widths, stem: 'cifar', stemWidth: widths[0], ...factoryOptions(opts, 10) },
    opts.seed,
  );
}

function factoryOptions(opts: ResNetOptions, defaultClasses: number): Pick<ResNetConfig, 'numClasses' | 'inChannels' | 'zeroInitResidual'> {
  return {
    numClasses: opts.numClasses === undefined ? defaultClasses : opts.numClasses,
    inChannels: opts.inChannels ?? 3,
    zeroInitResidual: opts.zeroInitResidual ?? true,
  };
}
