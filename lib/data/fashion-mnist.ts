import * as fs from 'fs';
import * as path from 'path';
import { InMemoryImageDataset } from './dataset';
import { readIdxFile } from './idx';
import { dataRoot, datasetCommand, MissingDatasetError } from './paths';

/** Fashion-MNIST class names, in label order (Xiao et al., 2017). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** Where Debian's `dataset-fashion-mnist` package installs the idx files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** The idx file names of a split, as the dataset's authors publish them (gzipped). */
export function fashionMnistFiles(split: 'train' | 'test'): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte.gz`, labels: `${prefix}-labels-idx1-ubyte.gz` };
}

/** The folders searched for the idx files, in order: Debian's package, then the data-script's download folder. */
export function fashionMnistDirs(): string[] {
  return [FASHION_MNIST_SYSTEM_DIR, path.join(dataRoot(), 'fashion-mnist')];
}

function findFile(dir: string, gzName: string): string | null {
  for (const name of [gzName, gzName.replace(/\.gz$/, '')]) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/**
 * Fashion-MNIST (60,000 train / 10,000 test grayscale 28x28 images, 10 classes) as an in-memory dataset of
 * shape `[28, 28, 1]`. Reads the idx files (gzipped or not) from `dir` when given, else from the first of
 * `fashionMnistDirs()` that has them; a missing dataset raises `MissingDatasetError` naming the command
 * that downloads it.
 *
 * The images keep their single channel: the colour augmentations treat C = 1 exactly as torchvision treats a
 * gray image (see `colorJitter`), so no 3-channel copy is needed.
 */
export async function loadFashionMnist(split: 'train' | 'test', { dir }: { dir?: string } = {}): Promise<InMemoryImageDataset> {
  const names = fashionMnistFiles(split);
  const dirs = dir ? [dir] : fashionMnistDirs();
  let found: { images: string; labels: string } | null = null;
  for (const d of dirs) {
    const images = findFile(d, names.images);
    const labels = findFile(d, names.labels);
    if (images && labels) {
      found = { images, labels };
      break;
    }
  }
  if (!found) {
    throw new MissingDatasetError(
      `Fashion-MNIST (${names.images}, ${names.labels})`,
      dirs,
      `${datasetCommand('get', 'fashion-mnist')} (or, on Debian: apt-get install dataset-fashion-mnist)`,
    );
  }
  const [images, labels] = await Promise.all([readIdxFile(found.images), readIdxFile(found.labels)]);
  if (images.shape.length !== 3) {
    throw new Error(`fashion-mnist: ${found.images} has shape [${images.shape.join(', ')}], expected [N, 28, 28]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `fashion-mnist: ${found.labels} has shape [${labels.shape.join(', ')}], expected [${images.shape[0]}] to match ${found.images}`,
    );
  }
  const [, h, w] = images.shape;
  const lab = Int32Array.from(labels.data);
  const bad = lab.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new Error(`fashion-mnist: ${found.labels} record ${bad} has label ${lab[bad]}, expected 0..9`);
  return new InMemoryImageDataset(`fashion-mnist/${split}`, images.data, lab, [h, w, 1], FASHION_MNIST_CLASSES);
}
