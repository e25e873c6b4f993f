import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable, newVariable } from '../nn/module';
import { Rng } from '../nn/rng';
import { torchDefaultUniform } from '../nn/init';

export interface GroupedConv2dConfig {
  inChannels: number;
  outChannels: number;
  /** Square kernel size k; stride 1 and zero padding `floor(k / 2)` on each side keep H and W. */
  kernelSize: number;
  /** Number of groups g; both channel counts must be multiples of g. 1 is a plain convolution. */
  groups?: number;
}

/**
 * PyTorch's `nn.Conv2d(in, out, k, padding=k // 2, groups=g, bias=False)` over NHWC tensors, the
 * convolution of the conv-based expansion head (CbE): group j convolves input channels `[j in/g, (j+1) in/g)`
 * into output channels `[j out/g, (j+1) out/g)`. tfjs' `conv2d` has no groups argument, so the layer runs one
 * plain convolution with a block-diagonal `[k, k, in, out]` weight: the grouped weight tiled g times along the
 * input channels, times a 0/1 mask of the groups. That costs the arithmetic of an ungrouped convolution but is
 * one kernel call; slicing the input per group and concatenating the outputs was 25x slower on the CPU
 * backends (their slice, concat and pad gradients copy element by element in JavaScript).
 *
 * Weight `[k, k, in/g, out]` (PyTorch's `[out, in/g, k, k]` transposed), PyTorch's default init
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = k * k * in / g. `[N, H, W, in] -> [N, H, W, out]`.
 */
export class GroupedConv2d implements Module {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly groups: number;
  readonly padding: number;
  /** `[1, 1, in, out]` 0/1 mask of the block-diagonal weight (null with one group). */
  private readonly mask: tf.Tensor4D | null;

  constructor(readonly config: GroupedConv2dConfig, rng: Rng) {
    const { inChannels, outChannels, kernelSize: k } = config;
    const g = config.groups ?? 1;
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['kernelSize', k], ['groups', g]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new Error(`GroupedConv2d: ${name} must be a positive integer, got ${v}`);
    }
    if (inChannels % g !== 0 || outChannels % g !== 0) {
      throw new Error(`GroupedConv2d: groups ${g} must divide both inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    this.groups = g;
    this.padding = Math.floor(k / 2);
    const fanIn = k * k * (inChannels / g);
    this.weight = tf.tidy(() => newVariable(torchDefaultUniform([k, k, inChannels / g, outChannels], fanIn, rng))) as tf.Variable<tf.Rank.R4>;
    const ci = inChannels / g;
    const co = outChannels / g;
    this.mask =
      g === 1
        ? null
        : tf.tensor4d(
            Float32Array.from({ length: inChannels * outChannels }, (_, i) => (Math.floor(Math.floor(i / outChannels) / ci) === Math.floor((i % outChannels) / co) ? 1 : 0)),
            [1, 1, inChannels, outChannels],
          );
  }

  /** `[N, H, W, in] -> [N, H, W, out]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const { inChannels, outChannels, kernelSize: k } = this.config;
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new Error(`GroupedConv2d: input shape [${x.shape}], expected [N, H, W, ${inChannels}]`);
    }
    if (this.mask === null) return tf.conv2d(x, this.weight, 1, this.padding);
    const mask = this.mask;
    return tf.tidy(() => tf.conv2d(x, tf.mul(tf.tile(this.weight, [1, 1, this.groups, 1]), mask) as tf.Tensor4D, 1, this.padding));
  }

  parameters(): NamedVariable[] {
    return [{ name: 'weight', variable: this.weight }];
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {
    this.weight.dispose();
    this.mask?.dispose();
  }
}
