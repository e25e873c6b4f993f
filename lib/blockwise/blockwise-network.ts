import * as tf from '@tensorflow/tfjs-core';
import { Layer, Mode, Module, NamedVariable, Sequential } from '../nn/module';
import { Rng } from '../nn/rng';
import { Seed, toRng } from '../nn/seed';
import { FeatureNoiseConfig, featureNoise } from './noise';
import { Partition, defaultPartition, validatePartition } from './partition';
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
 * How the backbone is trained blockwise. Defaults are the paper's final recipe (Sec. 4, the authors'
 * `train.sh`): 4 blocks, stop-gradient between them, element-wise noise with sigma 0.25. The Sec. 5
 * ablations run without noise (`noise: { sigma: 0 }`); experiment presets set what each figure uses.
 */
export interface BlockwiseConfig {
  /** Grouping of stages into training blocks; default one block per stage. */
  partition?: Partition;
  /** Detach each block's input from the block below (default true); false trains end-to-end. */
  stopGradient?: boolean;
  /** Feature noise at every block output in train mode; default `{ sigma: 0.25, variant: 'element' }`. */
  noise?: FeatureNoiseConfig;
}

export interface BlockwiseForwardOptions {
  /** Run only the first `blocks` training blocks (sequential training of block k, probes); default all. */
  blocks?: number;
  /** One mode per block run, overriding `mode`: e.g. frozen lower blocks in eval mode (sequential training). */
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
    const partition = config.partition ?? defaultPartition(stages.length);
    validatePartition(partition, stages.length);
    const noise = config.noise ?? { sigma: 0.25, variant: 'element' };
    if (!(noise.sigma >= 0)) throw new Error(`BlockwiseNetwork: noise sigma must be >= 0, got ${noise.sigma}`);
    this.blockStages = partition.map((b) => [...b]);
    this.blockChannels = partition.map((b) => stageChannels[b[b.length - 1]]);
    this.blocks = partition.map(
      (b, k) => new Sequential([...(k === 0 ? [['', stem] as const] : []), ...b.map((s) => [`layer${s + 1}`, stages[s]] as const)]),
    );
    this.stopGradient = config.stopGradient ?? true;
    this.noise = noise;
    this.rng = toRng(noiseSeed);
  }

  /**
   * `[N, H, W, 3]` images -> one `[N, H_k, W_k, blockChannels[k]]` output per block run (noised in train
   * mode). The caller owns (and disposes) the returned tensors.
   */
  forward(x: tf.Tensor4D, mode: Mode, opts: BlockwiseForwardOptions = {}): tf.Tensor4D[] {
    const n = opts.blocks ?? this.blocks.length;
    if (!(Number.isInteger(n) && n >= 1 && n <= this.blocks.length)) {
      throw new Error(`BlockwiseNetwork.forward: blocks must be an integer in 1..${this.blocks.length}, got ${n}`);
    }
    const modes = opts.blockModes ?? Array<Mode>(n).fill(mode);
    if (modes.length !== n) {
      throw new Error(`BlockwiseNetwork.forward: ${modes.length} blockModes given for ${n} blocks`);
    }
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      let h = x;
      for (let k = 0; k < n; k++) {
        const y = featureNoise(this.blocks[k].apply(h, modes[k]), modes[k], this.noise, this.rng);
        outs.push(y);
        if (k + 1 < n) h = this.stopGradient ? stopGradient(y) : y;
      }
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
