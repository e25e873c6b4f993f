import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { PAPER_HEAD_WIDTH } from './cbe';
import { PoolingHead } from './pooling-head';

export interface LocalSpatialPoolingConfig {
  /** Channels C of the block output. */
  inChannels: number;
  /**
   * Target feature width, the projector's input: 2048 in the paper, so C x bins = 2048 (8 bins for
   * 256 channels, 4 for 512, 2 for 1024, 1 for 2048). Must be a multiple of `inChannels`.
   */
  outDim?: number;
  /**
   * Grid of bins `[rows, cols]` (rows split H, cols split W). The paper gives only the bin count; by
   * default we take the most nearly square grid with rows <= cols: 8 bins -> 2 x 4, 4 -> 2 x 2, 2 -> 1 x 2.
   * When given, `rows * cols` must equal `outDim / inChannels`.
   */
  grid?: readonly [number, number];
}

/**
 * Local spatial pooling (LSP, paper Sec. 3.3): the block output is divided into a grid of spatial bins,
 * averaged inside each bin, and the bin averages are concatenated so the feature width reaches the
 * projector's 2048. Bins follow PyTorch's `adaptive_avg_pool2d`: bin i of `rows` covers rows
 * `[floor(i H / rows), ceil((i + 1) H / rows))` (likewise for columns), so H need not divide evenly.
 * Features are ordered channel-major like `torch.flatten(adaptive_avg_pool2d(x, grid), 1)` on NCHW:
 * feature `c * bins + i * cols + j`. No parameters.
 * `[N, H, W, C] -> [N, C * rows * cols]`.
 */
export class LocalSpatialPooling implements PoolingHead {
  readonly outDim: number;
  readonly grid: readonly [number, number];

  constructor(readonly config: LocalSpatialPoolingConfig) {
    const c = config.inChannels;
    if (!(Number.isInteger(c) && c > 0)) throw new Error(`LocalSpatialPooling: inChannels must be a positive integer, got ${c}`);
    if (config.grid !== undefined) {
      const [r, k] = config.grid;
      if (!(Number.isInteger(r) && r > 0 && Number.isInteger(k) && k > 0)) {
        throw new Error(`LocalSpatialPooling: grid must be two positive integers, got [${config.grid}]`);
      }
    }
    const outDim = config.outDim ?? (config.grid ? c * config.grid[0] * config.grid[1] : PAPER_HEAD_WIDTH);
    if (!(Number.isInteger(outDim) && outDim >= c && outDim % c === 0)) {
      throw new Error(`LocalSpatialPooling: outDim ${outDim} is not a positive multiple of the ${c} input channels`);
    }
    const bins = outDim / c;
    this.grid = config.grid ?? squarestGrid(bins);
    if (this.grid[0] * this.grid[1] !== bins) {
      throw new Error(`LocalSpatialPooling: grid [${this.grid}] has ${this.grid[0] * this.grid[1]} bins, but outDim ${outDim} / ${c} channels needs ${bins}`);
    }
    this.outDim = outDim;
  }

  apply(x: tf.Tensor4D): tf.Tensor2D {
    const [n, h, w, c] = x.shape;
    const [rows, cols] = this.grid;
    if (x.rank !== 4 || c !== this.config.inChannels) {
      throw new Error(`LocalSpatialPooling: input shape [${x.shape}], expected [N, H, W, ${this.config.inChannels}]`);
    }
    if (h < rows || w < cols) {
      throw new Error(`LocalSpatialPooling: input shape [${x.shape}] is smaller than the ${rows} x ${cols} grid of bins`);
    }
    return tf.tidy(() => {
      const bins: tf.Tensor2D[] = [];
      for (let i = 0; i < rows; i++) {
        const [h0, h1] = binBounds(i, rows, h);
        for (let j = 0; j < cols; j++) {
          const [w0, w1] = binBounds(j, cols, w);
          bins.push(tf.mean(tf.slice(x, [0, h0, w0, 0], [n, h1 - h0, w1 - w0, c]), [1, 2]));
        }
      }
      return tf.reshape(tf.stack(bins, 2), [n, c * rows * cols]);
    });
  }

  parameters(): NamedVariable[] {
    return [];
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {}
}

/** PyTorch's adaptive pooling bin `[start, end)` for bin i of `bins` over `size` positions. */
function binBounds(i: number, bins: number, size: number): [number, number] {
  return [Math.floor((i * size) / bins), Math.ceil(((i + 1) * size) / bins)];
}

/** `[rows, cols]` with rows * cols = bins, rows <= cols, rows as large as possible. */
function squarestGrid(bins: number): [number, number] {
  let rows = Math.floor(Math.sqrt(bins));
  while (bins % rows !== 0) rows--;
  return [rows, bins / rows];
}
