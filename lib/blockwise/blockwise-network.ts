import * as tf from '@tensorflow/tfjs-core';
import { Layer, Mode, Module, NamedVariable, Sequential } from '../nn/module';
import { Rng } from '../nn/rng';
import { Seed, toRng } from '../nn/seed';
import { FeatureNoiseConfig, featureNoise } from './noise';
import { Partition, validatePartition } from './partition';
import { stopGradient } from './stop-gradient';

/**
 * What blockwise training needs from a backbone: the stem (ResNet's conv1 / bn1 / relu / maxpool), the
 * stages (`layer1` .. `layer4`) and each stage's output channels (`[256, 512, 1024, 2048]` for ResNet-50).
 * The stem's variable names are used as they are, stage i's are prefixed `layer{i + 1}`, which gives
 * torchvision's names for a torchvision-style ResNet.
 */
export interface StagedBackbone {
  readonly stem: Layer;
  readonly stages: readonly Layer[];
  readonly stageChannels: readonly number[];
}

/**
 * How the backbone is trained blockwise. Every value is required: the paper's (one block per stage,
 * stop-gradient between them, `PAPER_NOISE`) are `resolveTrainConfig`'s defaults, and presets set what each
 * figure uses.
 */
export interface BlockwiseConfig {
  /** Grouping of stages into training blocks; the paper's is `defaultPartition`, one block per stage. */
  partition: Partition;
  /** Detach each block's input from the block below; false trains end-to-end. */
  stopGradient: boolean;
  /** Feature noise at every block output in train mode. */
  noise: FeatureNoiseConfig;
}

export interface BlockwiseForwardOptions {
  /**
   * Start at block `from` (default 0): the input is then not an image but block `from`'s input, block
   * `from - 1`'s output (e.g. computed by frozen blocks outside a gradient tape).
   */
  from?: number;
  /** Run the training blocks up to (not including) `blocks` (sequential training of block k, probes); default all. */
  blocks?: number;
  /** One mode per block run (blocks `from .. blocks - 1`), overriding `mode`: e.g. frozen lower blocks in eval mode. */
  blockModes?: readonly Mode[];
}

/**
 * A backbone cut into training blocks (paper Sec. 3.1, Fig. 2): block 1 = stem + `layer1`, block k =
 * `layer{k}` by default. `forward` returns every block's output; each output gets feature noise (train
 * mode only) and that noised tensor is both what the block's pooling head reads and what the next block
 * receives, detached by a stop-gradient, as in the authors' code (`x2 = layer2(x1.detach())` after
 * `x1 = add_noise(layer1(x))`). So a loss on block k's output trains block k alone. The paper puts the
 * noise "before the beginning of every block"; the code adds it to each block's output (block 4's too, read
 * only by its head) and never to the input images, which is what we do.
 *
 * The network takes ownership of the backbone's layers: `dispose()` frees them.
 */
export class BlockwiseNetwork implements Module {
  /** The training blocks, in order; block k's variables are `blocks[k].parameters()`. */
  readonly blocks: Sequential[];
  /** Backbone stage indices of each block. */
  readonly blockStages: number[][];
  /** Output channels of each block (its last stage's). */
  readonly blockChannels: number[];
  readonly stopGradient: boolean;
  readonly noise: FeatureNoiseConfig;
  private readonly rng: Rng;

  /** `noiseSeed` seeds the feature noise draws (an `Rng` is used as is and advanced). */
  constructor(readonly backbone: StagedBackbone, config: BlockwiseConfig, noiseSeed: Seed) {
    const { stem, stages, stageChannels } = backbone;
    if (stages.length !== stageChannels.length) {
      throw new Error(`BlockwiseNetwork: backbone has ${stages.length} stages but ${stageChannels.length} stageChannels [${stageChannels}]`);
    }
    const { partition, noise } = config;
    validatePartition(partition, stages.length);
    if (!(noise.sigma >= 0)) throw new Error(`BlockwiseNetwork: noise sigma must be >= 0, got ${noise.sigma}`);
    this.blockStages = partition.map((b) => [...b]);
    this.blockChannels = partition.map((b) => stageChannels[b[b.length - 1]]);
    this.blocks = partition.map(
      (b, k) => new Sequential([...(k === 0 ? [['', stem] as const] : []), ...b.map((s) => [`layer${s + 1}`, stages[s]] as const)]),
    );
    this.stopGradient = config.stopGradient;
    this.noise = noise;
    this.rng = toRng(noiseSeed);
  }

  /**
   * `[N, H, W, 3]` images -> one `[N, H_k, W_k, blockChannels[k]]` output per block run (noised in train
   * mode); with `from: f > 0`, block f's input -> the outputs of blocks f .. (entry i is block f + i). The
   * network's one loop over its blocks: models and training steps call it. The caller owns (and disposes) the
   * returned tensors.
   */
  forward(x: tf.Tensor4D, mode: Mode, opts: BlockwiseForwardOptions = {}): tf.Tensor4D[] {
    const from = opts.from ?? 0;
    const n = opts.blocks ?? this.blocks.length;
    if (!(Number.isInteger(n) && n >= 1 && n <= this.blocks.length)) {
      throw new Error(`BlockwiseNetwork.forward: blocks must be an integer in 1..${this.blocks.length}, got ${n}`);
    }
    if (!(Number.isInteger(from) && from >= 0 && from < n)) {
      throw new Error(`BlockwiseNetwork.forward: from must be an integer in 0..${n - 1} (below blocks), got ${from}`);
    }
    const modes = opts.blockModes ?? Array<Mode>(n - from).fill(mode);
    if (modes.length !== n - from) {
      throw new Error(`BlockwiseNetwork.forward: ${modes.length} blockModes given for ${n - from} blocks`);
    }
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      let h = x;
      modes.forEach((m, i) => {
        const y = featureNoise(this.blocks[from + i].apply(h, m), m, this.noise, this.rng);
        outs.push(y);
        if (i + 1 < modes.length) h = this.stopGradient ? stopGradient(y) : y;
      });
      return outs;
    });
  }

  parameters(): NamedVariable[] {
    return this.blocks.flatMap((b) => b.parameters());
  }

  buffers(): NamedVariable[] {
    return this.blocks.flatMap((b) => b.buffers());
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }
}
