import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module, NamedVariable, prefixed } from '../nn/module';
import { Rng } from '../nn/rng';
import { BlockwiseConfig, BlockwiseNetwork, StagedBackbone } from '../blockwise/blockwise-network';
import { HeadSpec, createHead } from '../blockwise/create-head';
import { PoolingHead } from '../blockwise/pooling-head';
import { Projector, createBlockProjectors } from '../blockwise/projector';
import { ReseedableRng } from './reseedable-rng';

/** The parts of a blockwise self-supervised model beyond the backbone; the paper's are `resolveTrainConfig`'s defaults. */
export interface BlockwiseSslConfig extends BlockwiseConfig {
  /** Pooling head of every block (one spec for all, or one per block); the paper's is 1x1 CbE to 2048 + GSP. */
  head: HeadSpec | HeadSpec[];
  /** Projector hidden and output widths; the paper's are `PAPER_PROJECTOR`, [8192, 8192, 8192]. */
  projector: number[];
  /** Start every block's projector from the same weights (authors' code); default true when widths agree. */
  identicalProjectors?: boolean;
}

/**
 * A backbone cut into training blocks, with one pooling head and one projector per block (paper Fig. 2):
 * `images -> block k -> (noise) -> head k -> projector k -> z_k`, stop-gradient between blocks unless the
 * config trains end-to-end. Owns the backbone, heads and projectors: `dispose()` frees them all.
 *
 * Variable names: `network.<torchvision name>`, `heads.<k>.<name>`, `projectors.<k>.<name>`. The names
 * of the backbone's variables do not depend on the partition, so weights move between models cut differently.
 */
export class BlockwiseSslModel implements Module {
  readonly network: BlockwiseNetwork;
  readonly heads: PoolingHead[];
  readonly projectors: Projector[];
  /** The generator of the feature noise (shared with `network`); see `reseedNoise`. */
  private readonly noiseRng: ReseedableRng;

  constructor(backbone: StagedBackbone, config: BlockwiseSslConfig, seed: number) {
    const rng = new Rng(seed);
    // Seeded as `rng.fork()` would be, but reseedable so that a trainer can make each step's noise a function of the step.
    this.noiseRng = new ReseedableRng(Math.floor(rng.uniform() * 4294967296));
    this.network = new BlockwiseNetwork(backbone, config, this.noiseRng);
    const nBlocks = this.network.blocks.length;
    const specs = Array.isArray(config.head) ? config.head : Array<HeadSpec>(nBlocks).fill(config.head);
    if (specs.length !== nBlocks) {
      throw new Error(`BlockwiseSslModel: ${specs.length} head specs given for ${nBlocks} training blocks`);
    }
    const headRng = rng.fork();
    this.heads = specs.map((s, k) => createHead(s, this.network.blockChannels[k], headRng));
    const inWidths = this.heads.map((h) => h.outDim);
    const identical = config.identicalProjectors ?? inWidths.every((w) => w === inWidths[0]);
    this.projectors = createBlockProjectors(inWidths, config.projector, rng.fork(), {
      identicalInit: identical,
    });
  }

  get numBlocks(): number {
    return this.network.blocks.length;
  }

  /**
   * Images `[N, H, W, C]` -> per block run: the block output (noised in train mode), the pooled head output
   * `[N, head_k.outDim]` and the embedding `[N, projector_k.outDim]`. `blocks` limits the run to the first
   * blocks; `blockModes` gives each block run (and its head and projector) its own mode.
   *
   * With `from: f > 0`, `x` is not an image but block f's input (block f - 1's output, e.g. computed by frozen
   * blocks outside a gradient tape), and the run covers blocks f .. blocks - 1: entry i of every returned
   * array (and of `blockModes`) is block f + i.
   */
  forward(
    x: tf.Tensor4D,
    mode: Mode,
    opts: { from?: number; blocks?: number; blockModes?: readonly Mode[] } = {},
  ): { features: tf.Tensor4D[]; pooled: tf.Tensor2D[]; embeddings: tf.Tensor2D[] } {
    const from = opts.from ?? 0;
    const to = opts.blocks ?? this.numBlocks;
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= this.numBlocks)) {
      throw new Error(`BlockwiseSslModel.forward: blocks ${from}..${to - 1} is not a non-empty range in 0..${this.numBlocks - 1}`);
    }
    const modes = opts.blockModes ?? Array<Mode>(to - from).fill(mode);
    if (modes.length !== to - from) {
      throw new Error(`BlockwiseSslModel.forward: ${modes.length} blockModes given for ${to - from} blocks`);
    }
    return tf.tidy(() => {
      const features = this.network.forward(x, mode, { from, blocks: to, blockModes: modes });
      const pooled = features.map((f, i) => this.heads[from + i].apply(f, modes[i]));
      const embeddings = pooled.map((p, i) => this.projectors[from + i].apply(p, modes[i]));
      return { features, pooled, embeddings };
    });
  }

  /**
   * Makes the feature noise drawn from now on a function of `seed` alone (the trainer passes one derived from
   * the run seed and the step).
   */
  reseedNoise(seed: number): void {
    this.noiseRng.reseed(seed);
  }

  /** Parameters of training block k with its head and projector (what block k's loss trains). */
  blockParameters(k: number): NamedVariable[] {
    return [
      ...prefixed('network', this.network.blocks[k].parameters()),
      ...prefixed(`heads.${k}`, this.heads[k].parameters()),
      ...prefixed(`projectors.${k}`, this.projectors[k].parameters()),
    ];
  }

  /** Buffers (batch-norm running statistics) of training block k with its head and projector. */
  blockBuffers(k: number): NamedVariable[] {
    return [
      ...prefixed('network', this.network.blocks[k].buffers()),
      ...prefixed(`heads.${k}`, this.heads[k].buffers()),
      ...prefixed(`projectors.${k}`, this.projectors[k].buffers()),
    ];
  }

  parameters(): NamedVariable[] {
    return [...Array(this.numBlocks).keys()].flatMap((k) => this.blockParameters(k));
  }

  buffers(): NamedVariable[] {
    return [...Array(this.numBlocks).keys()].flatMap((k) => this.blockBuffers(k));
  }

  dispose(): void {
    this.network.dispose();
    for (const h of this.heads) h.dispose();
    for (const p of this.projectors) p.dispose();
  }
}
