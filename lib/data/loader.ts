import * as tf from '@tensorflow/tfjs-core';
import { ImageDataset } from './dataset';
import { epochRng, shuffledIndices } from './shuffle';

/** One batch: images `[N, H, W, C]` float32 in [0, 1], labels `[N]` int32, and which dataset images they are. */
export interface Batch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Dataset indices of the N images, in batch order. */
  indices: Int32Array;
}

/** Options of `DataLoader`. */
export interface LoaderOptions {
  batchSize: number;
  /** Visit the images in a seeded random order that changes every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the epoch orders (default 0). */
  seed?: number;
  /** Drop the last, smaller batch of an epoch (default false); batch-norm training usually wants true. */
  dropLast?: boolean;
  /** Batches prepared ahead of the one being consumed (default 1; 0 prepares each on demand). */
  prefetch?: number;
}

/** `k / 255` for every uint8 value, as float32: the batch-time conversion of stored pixels to [0, 1]. */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/** Converts uint8 pixels `[N, H, W, C]` to a float32 tensor in [0, 1]. */
export function pixelsToTensor(pixels: Uint8Array, shape: readonly [number, number, number, number]): tf.Tensor4D {
  const f = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) f[i] = UNIT_SCALE[pixels[i]];
  return tf.tensor4d(f, shape as [number, number, number, number], 'float32');
}

/**
 * Turns a dataset into epochs of batches. `epoch(e)` is an async iterator; while the caller trains on one
 * batch, the next `prefetch` batches are already being read (from memory or the disk cache) and converted.
 * The caller owns each yielded batch and disposes its tensors; batches prepared ahead and never consumed
 * (the loop broke early) are disposed by the iterator.
 *
 *     const loader = new DataLoader(train, { batchSize: 256, seed: 1, dropLast: true });
 *     for (let e = 0; e < epochs; e++) for await (const b of loader.epoch(e)) { step(b); tf.dispose([b.images, b.labels]); }
 */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;

  constructor(
    readonly dataset: ImageDataset,
    { batchSize, shuffle = true, seed = 0, dropLast = false, prefetch = 1 }: LoaderOptions,
  ) {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
      throw new Error(`DataLoader: prefetch must be an integer >= 0, got ${prefetch}`);
    }
    if (dropLast && dataset.size < batchSize) {
      throw new Error(`DataLoader: ${dataset.name} has ${dataset.size} images, fewer than one batch of ${batchSize}`);
    }
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.prefetch = prefetch;
  }

  /** Number of batches one epoch yields. */
  get batchesPerEpoch(): number {
    const n = this.dataset.size / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The order in which epoch `epoch` visits the dataset (the identity when not shuffling). */
  order(epoch: number): Int32Array {
    if (this.shuffle) return shuffledIndices(this.dataset.size, epochRng(this.seed, epoch));
    return Int32Array.from({ length: this.dataset.size }, (_, i) => i);
  }

  /** The batches of epoch `epoch` (0-based), prefetching ahead of the consumer. */
  async *epoch(epoch: number): AsyncGenerator<Batch, void, undefined> {
    const order = this.order(epoch);
    const count = this.batchesPerEpoch;
    const pending: Promise<Batch>[] = [];
    let next = 0;
    const launch = (): void => {
      if (next >= count) return;
      const p = this.makeBatch(order.subarray(next * this.batchSize, Math.min((next + 1) * this.batchSize, order.length)));
      // A prefetched batch may fail before anyone awaits it; the failure surfaces when it is awaited.
      p.catch(() => undefined);
      pending.push(p);
      next++;
    };
    for (let i = 0; i < 1 + this.prefetch; i++) launch();
    try {
      while (pending.length > 0) {
        const batch = await pending.shift()!;
        launch();
        yield batch;
      }
    } finally {
      const left = await Promise.allSettled(pending);
      for (const r of left) if (r.status === 'fulfilled') tf.dispose([r.value.images, r.value.labels]);
    }
  }

  private async makeBatch(indices: Int32Array): Promise<Batch> {
    const ids = Int32Array.from(indices);
    const pixels = await this.dataset.read(ids);
    const [h, w, c] = this.dataset.imageShape;
    const labels = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) labels[i] = this.dataset.labels[ids[i]];
    return {
      images: pixelsToTensor(pixels, [ids.length, h, w, c]),
      labels: tf.tensor1d(labels, 'int32'),
      indices: ids,
    };
  }
}
