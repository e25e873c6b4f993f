import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../nn/rng';
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

/**
 * A small generated stand-in for CIFAR-10 (`[32, 32, 3]`, its ten class names, balanced labels): each class is a
 * colour and a stripe orientation and frequency of its own, each image a random stripe phase plus pixel noise, all
 * drawn from `seed`. Only for smoke runs, which check that a pipeline runs: it is not CIFAR-10.
 */
export function generatedCifar10({ count = 1000, seed = 0 }: { count?: number; seed?: number } = {}): InMemoryImageDataset {
  if (!(Number.isInteger(count) && count >= CIFAR10_CLASSES.length)) throw new Error(`generatedCifar10: count must be an integer >= 10, got ${count}`);
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % CIFAR10_CLASSES.length;
    labels[i] = k;
    const angle = (Math.PI * k) / CIFAR10_CLASSES.length;
    const frequency = (2 * Math.PI * (2 + (k % 3))) / 32;
    const colour = [0, 1, 2].map((c) => 128 + 60 * Math.cos((2 * Math.PI * k) / CIFAR10_CLASSES.length + (2 * Math.PI * c) / 3));
    const phase = 2 * Math.PI * rng.uniform();
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const stripe = 50 * Math.cos(frequency * (x * Math.cos(angle) + y * Math.sin(angle)) + phase);
        for (let c = 0; c < 3; c++) {
          images[i * 3072 + (y * 32 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(colour[c] + stripe + 12 * rng.normal())));
        }
      }
    }
  }
  return new InMemoryImageDataset('cifar10-generated', images, labels, [32, 32, 3], CIFAR10_CLASSES);
}

/**
 * CIFAR-10 for smoke runs (the dataset `cifar10-smoke`): the JPEG tarball where one of `cifar10JpegCandidates()` is,
 * else the binary release in `cifar10BinaryDir()`, else `generatedCifar10()` (saying so on stderr), so that a fresh
 * clone runs its smoke notebooks without a download. CPU and paper scale read CIFAR-10 itself.
 */
export async function loadCifar10ForSmoke(): Promise<ImageDataset> {
  if (cifar10JpegCandidates().some((f) => fs.existsSync(f))) return loadCifar10Images();
  const binaryDir = cifar10BinaryDir();
  if (cifar10BinaryFiles('train').every((f) => fs.existsSync(path.join(binaryDir, f)))) return loadCifar10('train');
  const generated = generatedCifar10();
  console.warn(
    `cifar10-smoke: no CIFAR-10 here (${cifar10JpegCandidates().join(', ')}, ${binaryDir}): ${generated.size} generated ` +
      `CIFAR-shaped images instead, enough for a smoke run (${datasetCommand('get', 'cifar10')} gets CIFAR-10)`,
  );
  return generated;
}
