import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InMemoryImageDataset } from '../../lib/data/dataset';
import { TwoViewRecipe, ViewRecipe } from '../../lib/data/views';
import { ResNetConfig } from '../../lib/nn/resnet';
import { Rng } from '../../lib/nn/rng';
import { TrainConfig, TrainMethod } from '../../lib/train/train-config';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { SavedTensor } from '../../lib/optim/optimizer';

/** A tiny CIFAR-stem BasicBlock ResNet (4 stages, widths 4-8). */
export const TINY_BACKBONE: ResNetConfig = {
  block: 'basic',
  blocksPerStage: [1, 1, 1, 1],
  widths: [4, 6, 8, 8],
  stem: 'cifar',
  stemWidth: 4,
  numClasses: null,
};

/** Mild random views of 8x8 images: crops, flips, light jitter, no normalization. */
export function mildViews(size = 8): TwoViewRecipe {
  const v: ViewRecipe = {
    crop: { size, scale: [0.6, 1], ratio: [3 / 4, 4 / 3] },
    flip: 0.5,
    colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.1, hue: 0.05, p: 0.5 },
    grayscale: 0,
    blur: { p: 0, sigma: [0.1, 2] },
    solarize: { p: 0, threshold: 0.5 },
    normalize: null,
  };
  return { view1: v, view2: { ...v } };
}

/** Views without randomness: view 1 is the image, view 2 its mirror image. */
export function fixedViews(size = 8): TwoViewRecipe {
  const v: ViewRecipe = {
    crop: { size, scale: [1, 1], ratio: [1, 1] },
    flip: 0,
    colorJitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0, p: 0 },
    grayscale: 0,
    blur: { p: 0, sigma: [0.1, 2] },
    solarize: { p: 0, threshold: 0.5 },
    normalize: null,
  };
  return { view1: v, view2: { ...v, flip: 1 } };
}

/**
 * 40 RGB 8x8 images of 4 classes: class c is a bright vertical or horizontal bar at a class-dependent place
 * on a noisy background, so both the self-supervised and the supervised losses have something to learn.
 */
export function tinyDataset(n = 40): InMemoryImageDataset {
  const rng = new Rng(123);
  const images = new Uint8Array(n * 8 * 8 * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    labels[i] = c;
    const at = 1 + 2 * (c % 2) + rng.int(2);
    const tone = [rng.uniform(), rng.uniform(), rng.uniform()];
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const bar = c < 2 ? x === at || x === at + 1 : y === at || y === at + 1;
        for (let ch = 0; ch < 3; ch++) {
          const v = bar ? 0.6 + 0.4 * tone[ch] : 0.3 * rng.uniform();
          images[((i * 8 + y) * 8 + x) * 3 + ch] = Math.round(255 * v);
        }
      }
    }
  }
  return new InMemoryImageDataset('tiny-bars', images, labels, [8, 8, 3], ['v-left', 'v-right', 'h-top', 'h-bottom']);
}

/**
 * A tiny run of `method`: CbE heads to 12 channels, projectors 16-16, batch 8 on the 32 training images
 * (4 steps per epoch), no warm-up, a high learning rate so a few steps move the losses.
 */
export function tinyConfig(method: TrainMethod, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    method,
    model: { backbone: TINY_BACKBONE, head: { kind: 'cbe', outChannels: 12 }, projector: [16, 16], noise: { sigma: 0, variant: 'element' } },
    optimizer: { baseLr: 16, warmupEpochs: 0 },
    data: { batchSize: 8, steps: 8, validationFraction: 0.2, views: mildViews() },
    seed: 7,
    checkpoint: { everySteps: 2, keep: 100 },
    ...overrides,
  };
}

const made: string[] = [];

/** A path for one run's folder inside a fresh temporary folder (removed by `removeTempDirs`). */
export function tempRunDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bwssl-${name}-`));
  made.push(dir);
  return path.join(dir, 'run');
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** The weights of a checkpoint file. */
export async function checkpointWeights(file: string): Promise<Record<string, SavedTensor>> {
  return (await readCheckpoint(file)).weights;
}

/** Names (of `names`) whose values differ bit-wise between two weight sets. */
export function changedNames(a: Record<string, SavedTensor>, b: Record<string, SavedTensor>, names: string[]): string[] {
  return names.filter((n) => {
    const x = a[n].values;
    const y = b[n].values;
    return x.length !== y.length || x.some((v, i) => !Object.is(v, y[i]));
  });
}

/** Mean of the numbers. */
export function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
