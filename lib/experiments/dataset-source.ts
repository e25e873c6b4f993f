import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../data/dataset';
import { loadFashionMnist } from '../data/fashion-mnist';
import { loadCifar10, loadCifar10Images } from '../data/cifar10';
import { loadImageFolder } from '../data/image-folder';
import { loadTrainingDataset } from '../train/training-data';

/**
 * Where an experiment's images come from, as a plain object a preset holds: a dataset the library knows by name
 * (`NAMED_DATASETS`), or an image folder / `.tar(.gz)` of class folders at `path` (ImageNet's train folder; a flat
 * validation folder with a `labelsFile`).
 */
export interface DatasetSource {
  /** The name runs record (`TrainConfig.data.dataset`) and results show. */
  name: string;
  /** An image folder or tarball; absent: the named dataset. */
  path?: string;
  /** Square side the images are resized to (shortest side, then centre crop) when read; default as stored. */
  imageSize?: number;
  /** Channels read from `path`: 3 (default) or 1. */
  channels?: 1 | 3;
  /** ImageNet's validation layout: a flat folder plus a file of image name and class per line. */
  labelsFile?: string;
}

/**
 * The datasets known by name: Fashion-MNIST (the embedded default, Debian's `dataset-fashion-mnist`) and CIFAR-10
 * (binary release, or `cifar10-jpg`, the JPEG tarball), their training and test splits; `cifar10-smoke` for smoke runs.
 */
export const NAMED_DATASETS: Readonly<Record<string, string>> = {
  'fashion-mnist': 'Fashion-MNIST training set, 60,000 grayscale 28x28 images',
  'fashion-mnist-test': 'Fashion-MNIST test set, 10,000 images',
  cifar10: 'CIFAR-10 training set (binary release), 50,000 colour 32x32 images',
  'cifar10-test': 'CIFAR-10 test set (binary release), 10,000 images',
  'cifar10-jpg': 'CIFAR-10 training set from the JPEG tarball (cifar10-jpg-train.tar.gz)',
  'cifar10-smoke': 'for smoke runs: the CIFAR-10 JPEG tarball or binary release where present, else 1,000 generated CIFAR-shaped images',
};

/**
 * Loads the images of a source. `classNames` fixes the label order of a folder source (a validation folder must
 * use its training set's order).
 */
export async function loadDatasetSource(source: DatasetSource, { classNames }: { classNames?: readonly string[] } = {}): Promise<ImageDataset> {
  const { name, imageSize } = source;
  if (imageSize !== undefined && !(Number.isInteger(imageSize) && imageSize >= 1)) {
    throw new Error(`loadDatasetSource: ${name}: imageSize must be a positive integer, got ${imageSize}`);
  }
  if (source.path !== undefined) {
    if (!fs.existsSync(source.path)) throw new Error(`loadDatasetSource: ${name}: ${source.path} does not exist`);
    return loadImageFolder(source.path, {
      name,
      ...(imageSize !== undefined ? { size: imageSize, resize: true } : {}),
      channels: source.channels ?? 3,
      ...(source.labelsFile !== undefined ? { labelsFile: source.labelsFile } : {}),
      ...(classNames !== undefined ? { classNames } : {}),
    });
  }
  if (!(name in NAMED_DATASETS)) {
    throw new Error(`loadDatasetSource: unknown dataset '${name}' (known: ${Object.keys(NAMED_DATASETS).join(', ')}; or give an image folder or tarball path)`);
  }
  if (name === 'cifar10-jpg') return loadCifar10Images(undefined, imageSize !== undefined ? { size: imageSize, resize: true } : {});
  const dataset = name === 'fashion-mnist-test' ? await loadFashionMnist('test') : name === 'cifar10-test' ? await loadCifar10('test') : await loadTrainingDataset(name);
  if (imageSize !== undefined && imageSize !== dataset.imageShape[0]) {
    throw new Error(`loadDatasetSource: ${name} images are ${dataset.imageShape[0]}x${dataset.imageShape[1]}; it cannot be read at imageSize ${imageSize}`);
  }
  return dataset;
}

/**
 * A source from a command-line word: a known name, or an existing folder / tarball path (named by its base name).
 * `like` gives a path source the image size and channels of the images a model was trained on.
 */
export function datasetSourceFromArgument(arg: string, like?: { imageSize: number; channels: number }): DatasetSource {
  if (arg in NAMED_DATASETS) return { name: arg };
  if (!fs.existsSync(arg)) {
    throw new Error(`'${arg}' is neither a known dataset (${Object.keys(NAMED_DATASETS).join(', ')}) nor an existing image folder or tarball`);
  }
  const name = path.basename(arg).replace(/\.(tar\.gz|tgz|tar)$/i, '');
  if (like && like.channels !== 1 && like.channels !== 3) throw new Error(`datasetSourceFromArgument: images with ${like.channels} channels cannot be read from a folder`);
  return { name, path: path.resolve(arg), ...(like ? { imageSize: like.imageSize, channels: like.channels as 1 | 3 } : {}) };
}

/** The file of a run folder that records where its images came from (`DatasetSource`), for `resume` and `probe`. */
export function runDatasetFile(runDir: string): string {
  return path.join(path.resolve(runDir), 'dataset.json');
}

/** Records a run's dataset source in its folder (`dataset.json`). */
export function writeRunDatasetSource(runDir: string, source: DatasetSource): void {
  fs.mkdirSync(path.resolve(runDir), { recursive: true });
  fs.writeFileSync(runDatasetFile(runDir), `${JSON.stringify(source, null, 2)}\n`);
}

/** Where a run's images came from: its `dataset.json`, else the dataset its config names. */
export function readRunDatasetSource(runDir: string, datasetName: string): DatasetSource {
  const file = runDatasetFile(runDir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DatasetSource) : { name: datasetName };
}
