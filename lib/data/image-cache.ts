import * as fs from 'fs';
import * as path from 'path';
import { checkLabels, imageBytes, ImageDataset, InMemoryImageDataset } from './dataset';

/**
 * A prepared image cache: decoded, resized uint8 pixels of a whole dataset in one raw file, so that later
 * epochs (and later runs) never decode again. A folder holding
 * - `images.u8`: `[size, H, W, C]` uint8, row-major;
 * - `labels.i32`: `[size]` int32, little-endian;
 * - `meta.json`: this description. It is written last, so a folder without it is an unfinished cache.
 */
export interface ImageCacheMeta {
  format: 'blockwise-ssl/image-cache';
  version: 1;
  name: string;
  size: number;
  imageShape: [number, number, number];
  classNames: string[];
  /** Where the images came from and how they were decoded (compared when the cache is reused). */
  source: Record<string, unknown>;
}

const IMAGES = 'images.u8';
const LABELS = 'labels.i32';
const META = 'meta.json';

/** The cache's description, or `null` when `dir` holds no finished cache. */
export function readImageCacheMeta(dir: string): ImageCacheMeta | null {
  const file = path.join(dir, META);
  if (!fs.existsSync(file)) return null;
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as ImageCacheMeta;
  if (meta.format !== 'blockwise-ssl/image-cache' || meta.version !== 1) {
    throw new Error(`image cache: ${file} is not a version-1 blockwise-ssl image cache`);
  }
  return meta;
}

/**
 * Writes a cache image by image, at any index order (positional writes: images decoded in parallel land at
 * their own index). `finish` adds labels and the description; until then the folder is not a valid cache.
 */
export class ImageCacheWriter {
  private count = 0;

  private constructor(
    readonly dir: string,
    readonly imageShape: [number, number, number],
    private readonly file: fs.promises.FileHandle,
  ) {}

  /** Starts a cache in `dir` (created if needed; a previous cache there is removed). */
  static async create(dir: string, imageShape: [number, number, number]): Promise<ImageCacheWriter> {
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.rm(path.join(dir, META), { force: true });
    const file = await fs.promises.open(path.join(dir, `${IMAGES}.partial`), 'w');
    return new ImageCacheWriter(dir, imageShape, file);
  }

  /** Writes image `index` (`[H, W, C]` uint8). */
  async put(index: number, pixels: Uint8Array): Promise<void> {
    const per = imageBytes(this.imageShape);
    if (pixels.length !== per) {
      throw new Error(`image cache: image ${index} has ${pixels.length} bytes, expected ${per} for [${this.imageShape.join(', ')}]`);
    }
    await this.file.write(pixels, 0, per, index * per);
    this.count = Math.max(this.count, index + 1);
  }

  /** Completes the cache: `labels` must cover every index written. */
  async finish(
    name: string,
    labels: Int32Array,
    classNames: string[],
    source: Record<string, unknown>,
  ): Promise<ImageCacheMeta> {
    if (labels.length !== this.count) {
      throw new Error(`image cache: ${labels.length} labels for ${this.count} images in ${this.dir}`);
    }
    checkLabels(name, labels, classNames.length);
    await this.file.close();
    await fs.promises.writeFile(path.join(this.dir, LABELS), new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
    await fs.promises.rename(path.join(this.dir, `${IMAGES}.partial`), path.join(this.dir, IMAGES));
    const meta: ImageCacheMeta = {
      format: 'blockwise-ssl/image-cache',
      version: 1,
      name,
      size: this.count,
      imageShape: this.imageShape,
      classNames,
      source,
    };
    await fs.promises.writeFile(path.join(this.dir, META), JSON.stringify(meta, null, 1));
    return meta;
  }

  /** Gives up: closes and deletes what was written. */
  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await fs.promises.rm(path.join(this.dir, `${IMAGES}.partial`), { force: true });
  }
}

/** A cache read from disk image by image: for datasets larger than memory (ImageNet). */
export class DiskImageDataset implements ImageDataset {
  readonly name: string;
  readonly size: number;
  readonly imageShape: readonly [number, number, number];
  readonly classNames: readonly string[];

  constructor(
    readonly dir: string,
    meta: ImageCacheMeta,
    readonly labels: Int32Array,
  ) {
    this.name = meta.name;
    this.size = meta.size;
    this.imageShape = meta.imageShape;
    this.classNames = meta.classNames;
  }

  async read(indices: ArrayLike<number>): Promise<Uint8Array> {
    const per = imageBytes(this.imageShape);
    const out = new Uint8Array(indices.length * per);
    const file = path.join(this.dir, IMAGES);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (!(Number.isInteger(k) && k >= 0 && k < this.size)) throw new Error(`${this.name}: image index ${k} is outside [0, ${this.size})`);
    }
    const fh = await fs.promises.open(file, 'r');
    try {
      const reads: Promise<void>[] = [];
      for (let i = 0; i < indices.length; i++) {
        const k = indices[i];
        reads.push(
          fh.read(out, i * per, per, k * per).then(({ bytesRead }) => {
            if (bytesRead !== per) throw new Error(`image cache: ${file} is truncated (image ${k} is incomplete)`);
          }),
        );
      }
      await Promise.all(reads);
    } finally {
      await fh.close();
    }
    return out;
  }
}

/**
 * Opens a finished cache. `inMemory` (default: when the pixels take at most 1 GiB) reads all pixels once;
 * otherwise batches are read from disk as they are needed.
 */
export async function openImageCache(dir: string, { inMemory }: { inMemory?: boolean } = {}): Promise<ImageDataset> {
  const meta = readImageCacheMeta(dir);
  if (!meta) throw new Error(`image cache: ${dir} holds no finished cache (no ${META})`);
  const bytes = meta.size * imageBytes(meta.imageShape);
  const imagesFile = path.join(dir, IMAGES);
  const stat = await fs.promises.stat(imagesFile);
  if (stat.size !== bytes) {
    throw new Error(`image cache: ${imagesFile} has ${stat.size} bytes, expected ${bytes} (${meta.size} images)`);
  }
  const raw = await fs.promises.readFile(path.join(dir, LABELS));
  if (raw.length !== meta.size * 4) {
    throw new Error(`image cache: ${path.join(dir, LABELS)} has ${raw.length} bytes, expected ${meta.size * 4}`);
  }
  const labels = new Int32Array(meta.size);
  for (let i = 0; i < meta.size; i++) labels[i] = raw.readInt32LE(4 * i);
  if (inMemory ?? bytes <= 1 << 30) {
    const images = await fs.promises.readFile(imagesFile);
    return new InMemoryImageDataset(meta.name, new Uint8Array(images.buffer, images.byteOffset, images.length), labels, meta.imageShape, meta.classNames);
  }
  checkLabels(meta.name, labels, meta.classNames.length);
  return new DiskImageDataset(dir, meta, labels);
}
