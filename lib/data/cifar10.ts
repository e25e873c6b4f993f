import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset, InMemoryImageDataset } from './dataset';
import { ImageFolderOptions, loadImageFolder } from './image-folder';
import { dataRoot, datasetCommand, MissingDatasetError } from './paths';

/** CIFAR-10 class names in label order (Krizhevsky, 2009); also the sorted folder names of its image-folder exports. */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

/** Bytes of one record of the official binary format: a label byte, then 1024 red, 1024 green, 1024 blue bytes. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

/** The binary batch files of a split, as `cifar-10-binary.tar.gz` unpacks them (folder `cifar-10-batches-bin`). */
export function cifar10BinaryFiles(split: 'train' | 'test'): string[] {
  return split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
}

/** Where the data-script unpacks the binary batches. */
export function cifar10BinaryDir(): string {
  return path.join(dataRoot(), 'cifar-10-batches-bin');
}

/**
 * Parses records of the official binary format into NHWC pixels `[n, 32, 32, 3]` and labels `[n]`; the
 * format stores each image channel-planar (CHW), so it is transposed here. `file` names the source in errors.
 */
export function parseCifar10Binary(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new Error(
      `cifar10: ${file} has ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
        `(record ${whole} is truncated)`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base];
    if (label >= CIFAR10_CLASSES.length) throw new Error(`cifar10: ${file} record ${r} has label ${label}, expected 0..9`);
    labels[r] = label;
    const out = r * 3072;
    for (let p = 0; p < 1024; p++) {
      images[out + 3 * p] = bytes[base + 1 + p];
      images[out + 3 * p + 1] = bytes[base + 1 + 1024 + p];
      images[out + 3 * p + 2] = bytes[base + 1 + 2048 + p];
    }
  }
  return { images, labels };
}

/**
 * CIFAR-10 from the official binary batches (50,000 train / 10,000 test images, `[32, 32, 3]`), read from `dir`
 * (default `cifar10BinaryDir()`, where `datasets.js get cifar10` puts them).
 */
export async function loadCifar10(split: 'train' | 'test', { dir = cifar10BinaryDir() }: { dir?: string } = {}): Promise<InMemoryImageDataset> {
  const files = cifar10BinaryFiles(split).map((f) => path.join(dir, f));
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new MissingDatasetError(`CIFAR-10 binary (${missing.map((f) => path.basename(f)).join(', ')})`, [dir], datasetCommand('get', 'cifar10'));
  const parts = await Promise.all(files.map(async (f) => parseCifar10Binary(await fs.promises.readFile(f), f)));
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3072);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return new InMemoryImageDataset(`cifar10/${split}`, images, labels, [32, 32, 3], CIFAR10_CLASSES);
}

/** Places where the CIFAR-10 JPEG training tarball is looked for: the data folder, then a `shared/` folder beside the checkout (found from the compiled file, dist/lib/data, not from the working folder, which is notebooks/ in a notebook). */
export function cifar10JpegCandidates(): string[] {
  return [path.join(dataRoot(), 'cifar10-jpg-train.tar.gz'), path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'datasets', 'cifar10-jpg-train.tar.gz')];
}

/**
 * CIFAR-10 imported from an image-folder export (class-named folders of 32x32 JPEGs), given as a folder or a
 * `.tar.gz` such as `cifar10-jpg-train.tar.gz`. Decoded once into a prepared cache; labels follow the official
 * class order. Images that are not 32x32 are an error unless `resize` is asked for. JPEG compression makes
 * the pixels differ slightly from the binary release.
 */
export async function loadCifar10Images(
  source?: string,
  options: Omit<ImageFolderOptions, 'classNames' | 'channels'> = {},
): Promise<ImageDataset> {
  const candidates = source ? [source] : cifar10JpegCandidates();
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new MissingDatasetError('CIFAR-10 JPEG images', candidates, datasetCommand('prepare', 'cifar10-jpg', '--src <folder or .tar.gz>'));
  return loadImageFolder(found, { size: 32, name: 'cifar10-jpg', ...options, channels: 3, classNames: CIFAR10_CLASSES });
}
