import { Layer, Sequential } from './module';
import { Conv2d } from './conv2d';
import { BatchNorm } from './batch-norm';
import { Rng } from './rng';

/** The two residual blocks of He et al. (2016): two 3x3 convs (`'basic'`) or 1x1-3x3-1x1 (`'bottleneck'`). */
export type BlockType = 'basic' | 'bottleneck';

export interface ResidualBlockConfig {
  /** Channels of the block input. */
  inChannels: number;
  /** Width of the residual branch ("planes"); the block outputs `planes * expansion` channels. */
  planes: number;
  /** Spatial stride of the block (on the 3x3 conv and on the shortcut); default 1. */
  stride?: number;
  /**
   * Start the last batch-norm scale (gamma) of the residual branch at 0, so that the block starts as the
   * identity (torchvision's `zero_init_residual=True`, used by the Barlow Twins code); default true.
   */
  zeroInitResidual?: boolean;
}

/** A residual block `relu(branch(x) + shortcut(x))`: `[N, H, W, inChannels] -> [N, H/stride, W/stride, outChannels]`. */
export interface ResidualBlock extends Layer {
  readonly outChannels: number;
}

/**
 * The projection shortcut torchvision uses when the stride or the channel count changes: 1x1 conv (no
 * bias) + batch norm, named `downsample.0` and `downsample.1`. `null` when the identity fits.
 */
export function downsampleShortcut(inChannels: number, outChannels: number, stride: number, rng: Rng): Sequential | null {
  if (stride === 1 && inChannels === outChannels) return null;
  return new Sequential([
    ['0', new Conv2d({ inChannels, outChannels, kernelSize: 1, stride, padding: 0 }, rng)],
    ['1', new BatchNorm({ channels: outChannels })],
  ]);
}
