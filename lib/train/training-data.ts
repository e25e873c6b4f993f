import * as tf from '@tensorflow/tfjs-core';
import { ImageDataset } from '../data/dataset';
import { datasetEntry, datasetNames, readNamedDataset } from '../data/registry';
import { trainValidationSplit } from '../data/split';
import { DataLoader, pixelsToTensor } from '../data/loader';
import { DataConfig } from './train-config';

/**
 * The training split of a dataset known by name: an entry of the registry (`DATASETS`) whose reader gives a training
 * split, e.g. `'fashion-mnist'`, `'cifar10-jpg'` (the JPEG tarball) or `'cifar10-smoke'` (CIFAR-10 where present, else
 * generated images).
 */
export async function loadTrainingDataset(name: string): Promise<ImageDataset> {
  const dataset = datasetEntry(name)?.split === 'train' ? await readNamedDataset(name) : undefined;
  if (!dataset) {
    const known = datasetNames((e) => e.read !== undefined && e.split === 'train').join(', ');
    throw new Error(`loadTrainingDataset: unknown dataset '${name}' (known: ${known}); pass the dataset itself to runTraining`);
  }
  return dataset;
}

/**
 * The run's split of a training set: the images it pretrains on and the held-out validation images
 * (`null` when `validationFraction` is 0), carved by `trainValidationSplit` with the run's split seed, so
 * the probes of a run see the same split.
 */
export function runSplit(dataset: ImageDataset, data: Pick<DataConfig, 'validationFraction' | 'splitSeed'>): { train: ImageDataset; validation: ImageDataset | null } {
  if (data.validationFraction === 0) return { train: dataset, validation: null };
  return trainValidationSplit(dataset, { validationFraction: data.validationFraction, seed: data.splitSeed });
}

/** The images and labels of one step's batch, as tensors the caller disposes. */
export interface StepBatch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/**
 * Serves step `s`'s batch as a pure function of (seed, s): epoch `floor(s / stepsPerEpoch)` visits the
 * images in `DataLoader`'s seeded order for that epoch, in full batches (the smaller last one dropped), so a
 * resumed run reads exactly the batch the uninterrupted run would have read. `fetch` is asynchronous: start
 * the next step's read before training on the current one.
 */
export class StepBatches {
  private readonly loader: DataLoader;
  private cached: { epoch: number; order: Int32Array } | null = null;

  constructor(readonly dataset: ImageDataset, readonly batchSize: number, seed: number) {
    this.loader = new DataLoader(dataset, { batchSize, seed, shuffle: true, dropLast: true });
  }

  get stepsPerEpoch(): number {
    return this.loader.batchesPerEpoch;
  }

  /** Dataset indices of step `step`'s images. */
  indices(step: number): Int32Array {
    if (!(Number.isInteger(step) && step >= 0)) throw new Error(`StepBatches: step ${step} is not an integer >= 0`);
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (this.cached?.epoch !== epoch) this.cached = { epoch, order: this.loader.order(epoch) };
    const b = step % this.stepsPerEpoch;
    return this.cached.order.slice(b * this.batchSize, (b + 1) * this.batchSize);
  }

  /** Reads step `step`'s pixels and labels (not yet tensors, so an abandoned read leaks nothing). */
  async fetch(step: number): Promise<{ pixels: Uint8Array; labels: Int32Array }> {
    const ids = this.indices(step);
    const pixels = await this.dataset.read(ids);
    return { pixels, labels: Int32Array.from(ids, (i) => this.dataset.labels[i]) };
  }

  /** Tensors of fetched pixels and labels: images `[N, H, W, C]` in [0, 1], labels `[N]` int32. */
  toTensors({ pixels, labels }: { pixels: Uint8Array; labels: Int32Array }): StepBatch {
    const [h, w, c] = this.dataset.imageShape;
    return { images: pixelsToTensor(pixels, [labels.length, h, w, c]), labels: tf.tensor1d(labels, 'int32') };
  }
}
