import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { loadImageFolder } from './image-folder';
import { DATASETS, readNamedDataset } from './registry';

/**
 * Where an experiment's images come from, as a plain object a preset holds: a dataset of the registry read by name
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

/** The datasets a source can name, with what reading each gives: the registry's entries that have a reader (`DATASETS`). */
export const NAMED_DATASETS: Readonly<Record<string, string>> = Object.fromEntries(DATASETS.filter((e) => e.read).map((e) => [e.name, e.description]));

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
  const dataset = await readNamedDataset(name, { imageSize });
  if (!dataset) {
    throw new Error(`loadDatasetSource: unknown dataset '${name}' (known: ${Object.keys(NAMED_DATASETS).join(', ')}; or give an image folder or tarball path)`);
  }
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
