import * as tf from '@tensorflow/tfjs-core';
import { InMemoryImageDataset } from '../../lib/data/dataset';
import { ResNet } from '../../lib/nn/resnet';
import { Rng } from '../../lib/nn/rng';
import { BlockwiseSslModel } from '../../lib/train/blockwise-ssl-model';
import { paperBlockwise } from '../helpers';

/**
 * A tiny CIFAR-stem BasicBlock ResNet (4 stages, widths 4/6/8/8) cut into 4 blocks, with 12-wide CbE heads and
 * small projectors. One train-mode forward pass moves its batch-norm running statistics away from (0, 1), so
 * that eval mode has something to use and tests can see whether they change.
 */
export function tinyModel(seed = 1): BlockwiseSslModel {
  const backbone = new ResNet(
    { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [4, 6, 8, 8], stem: 'cifar', stemWidth: 4, numClasses: null },
    seed,
  );
  const model = new BlockwiseSslModel(backbone, { ...paperBlockwise(), head: { kind: 'cbe', outChannels: 12 }, projector: [16, 16] }, seed + 1);
  const x = tf.tensor4d(new Rng(seed + 2).uniforms(6 * 8 * 8 * 3), [6, 8, 8, 3]);
  tf.dispose(model.forward(x, 'train'));
  x.dispose();
  return model;
}

/** `size` random 8x8 RGB images, labels cycling through `classes` classes. */
export function tinyDataset(size: number, classes = 3, seed = 5, side = 8): InMemoryImageDataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: size * side * side * 3 }, () => rng.int(256));
  const labels = Int32Array.from({ length: size }, (_, i) => i % classes);
  return new InMemoryImageDataset('tiny', pixels, labels, [side, side, 3], Array.from({ length: classes }, (_, c) => `c${c}`));
}

/** Every buffer (batch-norm running statistics) of a model, copied out. */
export function bufferSnapshot(model: BlockwiseSslModel): Float32Array[] {
  return model.buffers().map((b) => (b.variable.dataSync() as Float32Array).slice());
}

/**
 * `size` 8x8 RGB images that differ a lot from one another: each a random linear colour gradient, so that
 * pooled features vary across images far beyond the batch-norm eps.
 */
export function gradientDataset(size: number, classes = 3, seed = 6): InMemoryImageDataset {
  const rng = new Rng(seed);
  const side = 8;
  const pixels = new Uint8Array(size * side * side * 3);
  for (let n = 0; n < size; n++) {
    const coef = Array.from({ length: 9 }, () => rng.uniform());
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        for (let c = 0; c < 3; c++) {
          const v = 0.5 * coef[c] + 0.25 * coef[3 + c] * (x / side) + 0.25 * coef[6 + c] * (y / side);
          pixels[((n * side + y) * side + x) * 3 + c] = Math.round(255 * v);
        }
      }
    }
  }
  const labels = Int32Array.from({ length: size }, (_, i) => i % classes);
  return new InMemoryImageDataset('gradients', pixels, labels, [side, side, 3], Array.from({ length: classes }, (_, c) => `c${c}`));
}
