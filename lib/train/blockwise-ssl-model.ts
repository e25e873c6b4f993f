import * as tf from '@tensorflow/tfjs-core';
import { Mode, Module, NamedVariable, prefixed } from '../nn/module';
import { Rng } from '../nn/rng';
import { BlockwiseConfig, BlockwiseNetwork, StagedBackbone } from '../blockwise/blockwise-network';
import { HeadSpec, createHead } from '../blockwise/create-head';
import { PoolingHead } from '../blockwise/pooling-head';
import { Projector, createBlockProjectors } from '../blockwise/projector';

/** The parts of a blockwise self-supervised model beyond the backbone; defaults are the paper's. */
export interface BlockwiseSslConfig extends BlockwiseConfig {
  /** Pooling head of every block (one spec for all, or one per block); default 1x1 CbE to 2048 + GSP. */
  head?: HeadSpec | HeadSpec[];
  /** Projector hidden and output widths; default the paper's [8192, 8192, 8192]. */
  projector?: number[];
  /** Start every block's projector from the same weights (authors' code); default true when widths agree. */
  identicalProjectors?: boolean;
}

/**
 * A backbone cut into training blocks, with one pooling head and one projector per block (paper Fig. 2):
 * `images -> block k -> (noise) -> head k -> projector k -> z_k`, stop-gradient between blocks unless the
 * config trains end-to-end. Owns the backbone, heads and projectors: `dispose()` frees them all.
 *
 * Variable names: `network.<torchvision name>`, `heads.<k>.<name>`, `projectors.<k>.<name>`.
 */
export class BlockwiseSslModel implements Module {
  readonly network: BlockwiseNetwork;
  readonly heads: PoolingHead[];
  readonly projectors: Projector[];

  constructor(backbone: StagedBackbone, config: BlockwiseSslConfig, seed: number) {
    const rng = new Rng(seed);
    this.network = new BlockwiseNetwork(backbone, config, rng.fork());
    const nBlocks = this.network.blocks.length;
    const specs = Array.isArray(config.head) ? config.head : Array<HeadSpec>(nBlocks).fill(config.head ?? { kind: 'cbe' });
    if (specs.length !== nBlocks) {
      throw new Error(`BlockwiseSslModel: ${specs.length} head specs given for ${nBlocks} training blocks`);
    }
    const headRng = rng.fork();
    this.heads = specs.map((s, k) => createHead(s, this.network.blockChannels[k], headRng));
    const inWidths = this.heads.map((h) => h.outDim);
    const identical = config.identicalProjectors ?? inWidths.every((w) => w === inWidths[0]);
    this.projectors = createBlockProjectors(inWidths, config.projector ?? [8192, 8192, 8192], rng.fork(), {
      identicalInit: identical,
    });
  }

  get numBlocks(): number {
    return this.network.blocks.length;
  }

  /**
   * Images `[N, H, W, C]` -> per block run: the block output (noised in train mode), the pooled head output
   * `[N, head_k.outDim]` and the embedding `[N, projector_k.outDim]`. `blocks` limits the run to the first
   * blocks; `blockModes` gives each block (and its head and projector) its own mode.
   */
  forward(
    x: tf.Tensor4D,
    mode: Mode,
    opts: { blocks?: number; blockModes?: readonly Mode[] } = {},
  ): { features: tf.Tensor4D[]; pooled: tf.Tensor2D[]; embeddings: tf.Tensor2D[] } {
    return tf.tidy(() => {
      const features = this.network.forward(x, mode, opts);
      const modes = opts.blockModes ?? features.map(() => mode);
      const pooled = features.map((f, k) => this.heads[k].apply(f, modes[k]));
      const embeddings = pooled.map((p, k) => this.projectors[k].apply(p, modes[k]));
      return { features, pooled, embeddings };
    });
  }

  /** Parameters of training block k with its head and projector (what block k's loss trains). */
  blockParameters(k: number): NamedVariable[] {
    return [
      ...prefixed('network', this.network.blocks[k].parameters()),
      ...prefixed(`heads.${k}`, this.heads[k].parameters()),
      ...prefixed(`projectors.${k}`, this.projectors[k].parameters()),
    ];
  }

  parameters(): NamedVariable[] {
    return [...Array(this.numBlocks).keys()].flatMap((k) => this.blockParameters(k));
  }

  buffers(): NamedVariable[] {
    return [
      ...prefixed('network', this.network.buffers()),
      ...this.heads.flatMap((h, k) => prefixed(`heads.${k}`, h.buffers())),
      ...this.projectors.flatMap((p, k) => prefixed(`projectors.${k}`, p.buffers())),
    ];
  }

  dispose(): void {
    this.network.dispose();
    for (const h of this.heads) h.dispose();
    for (const p of this.projectors) p.dispose();
  }
}
