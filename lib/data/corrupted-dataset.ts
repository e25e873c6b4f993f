import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../nn/rng';
import { CORRUPTIONS, corruptAsync } from './corruptions';
import { imageBytes, ImageDataset, InMemoryImageDataset } from './dataset';

/**
 * The seed of one batch of a corrupted copy: a stream per (corruption, severity) started from `seed`, one draw per
 * batch, so a copy is reproduced by (seed, corruption, severity, batch size) alone and no two corruptions or
 * severities share noise.
 */
function batchSeeds(seed: number, corruption: string, severity: number): () => number {
  const c = (CORRUPTIONS as readonly string[]).indexOf(corruption);
  const rng = new Rng((Math.floor(seed) ^ Math.imul(c * 5 + severity, 0x9e3779b1)) >>> 0);
  return () => rng.int(0x7fffffff);
}

/**
 * A corrupted copy of `dataset` held in memory: every image corrupted with `corruption` at `severity` (1-5, see
 * `corrupt`) at its stored size, in batches of `batchSize`, and stored as uint8 again, as the released ImageNet-C
 * and CIFAR-10-C images are. Labels, classes and order are the dataset's. The corruption's randomness is seeded per
 * batch from `seed` (`batchSeeds`).
 *
 *     const foggy = await corruptedDataset(heldOut, 'fog', 3, { seed: 0 });
 */
export async function corruptedDataset(
  dataset: ImageDataset,
  corruption: string,
  severity: number,
  { seed, batchSize = 256 }: { seed: number; batchSize?: number },
): Promise<InMemoryImageDataset> {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`corruptedDataset: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(seed)) throw new Error(`corruptedDataset: seed must be an integer, got ${seed}`);
  const [h, w, c] = dataset.imageShape;
  const per = imageBytes(dataset.imageShape);
  const pixels = new Uint8Array(dataset.size * per);
  const nextSeed = batchSeeds(seed, corruption, severity);
  for (let start = 0; start < dataset.size; start += batchSize) {
    const count = Math.min(batchSize, dataset.size - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const bytes = await dataset.read(indices);
    const images = tf.tidy(() => tf.div(tf.tensor4d(bytes, [count, h, w, c], 'float32'), 255) as tf.Tensor4D);
    let out: tf.Tensor4D;
    try {
      out = await corruptAsync(images, corruption, severity, nextSeed());
    } finally {
      images.dispose();
    }
    const quantized = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(out, 0, 1), 255)), 'int32'));
    out.dispose();
    pixels.set(quantized.dataSync(), start * per);
    quantized.dispose();
  }
  return new InMemoryImageDataset(`${dataset.name}/${corruption}-${severity}`, pixels, Int32Array.from(dataset.labels), dataset.imageShape, dataset.classNames);
}
