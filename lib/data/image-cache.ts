import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLabels, imageBytes, ImageDataset, InMemoryImageDataset } from './dataset';

/**
 * A prepared image cache: decoded, resized uint8 pixels of a whole dataset in one raw file, so that later
 * epochs (and later runs) never decode again. A folder holding
 * - `images.u8`: `[size, H, W, C]` uint8, row-major;
 * - `labels.i32`: `[size]` int32, little-endian;
 * - `meta.json`: this description. It is written last, so a folder without it is an unfinished cache.
 * Every file is written under a unique temporary name and renamed into place, while the writer holds the
 * folder's lock (`.lock`), so two processes preparing the same cache take turns instead of mixing their bytes.
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
  /** SHA-256 (hex) of `images.u8` then `labels.i32`, checked when the cache is read into memory (absent in older caches). */
  sha256?: string;
}

const IMAGES = 'images.u8';
const LABELS = 'labels.i32';
const META = 'meta.json';

const LOCK = '.lock';
/** The temporary files writers create (`tempName`), and the fixed name earlier versions used. */
const LEFTOVER = /^((images\.u8|labels\.i32|meta\.json)\.\d+-[0-9a-f]{12}\.tmp|images\.u8\.partial)$/;

/** The cache's description, or `null` when `dir` holds no finished cache. */
export function readImageCacheMeta(dir: string): ImageCacheMeta | null {
  const file = path.join(dir, META);
  if (!fs.existsSync(file)) return null;
  let meta: ImageCacheMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as ImageCacheMeta;
  } catch (e) {
    throw new Error(`image cache: ${file} is not valid JSON (${(e as Error).message}); delete ${dir} and prepare it again`);
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 'blockwise-ssl/image-cache' || meta.version !== 1) {
    throw new Error(`image cache: ${file} is not a version-1 blockwise-ssl image cache`);
  }
  const shape = meta.imageShape;
  const valid =
    Number.isInteger(meta.size) &&
    meta.size > 0 &&
    Array.isArray(shape) &&
    shape.length === 3 &&
    shape.every((d) => Number.isInteger(d) && d > 0) &&
    Array.isArray(meta.classNames) &&
    meta.classNames.length > 0 &&
    typeof meta.name === 'string';
  if (!valid) {
    throw new Error(`image cache: ${file} has an invalid size, imageShape, classNames or name (size ${JSON.stringify(meta.size)}, imageShape ${JSON.stringify(shape)})`);
  }
  return meta;
}

/** A name no other writer (process or call) uses: `<base>.<pid>-<random>.tmp`. */
function tempName(file: string): string {
  return `${file}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`;
}

/** Writes `data` to `file` through a unique temporary name and an atomic rename. */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(file);
  try {
    await fs.promises.writeFile(tmp, data, { flag: 'wx' });
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** How the cache lock tells a live holder from a dead one. */
export interface CacheLockOptions {
  /** A lock file not refreshed for this long is stale, whatever its pid (default 120 000: holders refresh it every 15 s). */
  staleMs?: number;
  /** Pause between attempts while another process holds the lock (default 250). */
  pollMs?: number;
  /** Called once when the lock is held by another process, with its description. */
  onWait?: (holder: string) => void;
}

/** A held cache lock; `release` removes it (only if it is still ours). */
export interface CacheLock {
  readonly file: string;
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of cache folder `dir` (the file `dir/.lock`, holding the owner's pid, host and start time),
 * waiting while a live process holds it. A lock whose holder died (same host, pid gone) or that was not
 * refreshed for `staleMs` (a holder on another host, or a frozen one) is taken over.
 */
export async function lockImageCache(dir: string, { staleMs = 120_000, pollMs = 250, onWait }: CacheLockOptions = {}): Promise<CacheLock> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK);
  const token = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const content = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token });
  let waited = false;
  for (;;) {
    try {
      const fh = await fs.promises.open(file, 'wx');
      try {
        await fh.writeFile(content);
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`image cache: cannot create the lock ${file}: ${(e as Error).message}`);
    }
    let text = '';
    let mtimeMs = 0;
    try {
      text = await fs.promises.readFile(file, 'utf8');
      mtimeMs = (await fs.promises.stat(file)).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    let holder: { pid?: number; host?: string } = {};
    try {
      holder = JSON.parse(text);
    } catch {
      // half-written by a holder that is starting, or garbage: judged by its age alone
    }
    const dead = holder.host === os.hostname() && Number.isInteger(holder.pid) && holder.pid !== process.pid && !pidAlive(holder.pid!);
    if (dead || Date.now() - mtimeMs > staleMs) {
      // Move the stale lock aside, then check it was the one judged stale (another waiter may have replaced it).
      const aside = tempName(file);
      try {
        await fs.promises.rename(file, aside);
      } catch {
        continue;
      }
      const moved = await fs.promises.readFile(aside, 'utf8').catch(() => '');
      if (moved !== text) await fs.promises.link(aside, file).catch(() => undefined);
      await fs.promises.rm(aside, { force: true });
      continue;
    }
    if (!waited) onWait?.(text);
    waited = true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const beat = setInterval(() => {
    const now = new Date();
    fs.promises.utimes(file, now, now).catch(() => undefined);
  }, 15_000);
  beat.unref();
  return {
    file,
    async release() {
      clearInterval(beat);
      const text = await fs.promises.readFile(file, 'utf8').catch(() => '');
      if (text.includes(token)) await fs.promises.rm(file, { force: true });
    },
  };
}

/**
 * Writes a cache image by image, at any index order (positional writes: images decoded in parallel land at
 * their own index). `finish` adds labels and the description; until then the folder is not a valid cache.
 */
export class ImageCacheWriter {
  private count = 0;
  private readonly written: boolean[] = [];

  private constructor(
    readonly dir: string,
    readonly imageShape: [number, number, number],
    private readonly file: fs.promises.FileHandle,
    private readonly imagesTemp: string,
    private readonly lock: CacheLock,
  ) {}

  /**
   * Starts a cache in `dir` (created if needed; a previous cache there is removed). Takes the folder's lock
   * (waiting for another writer to finish) unless `lock`, already held by the caller, is handed over; the
   * writer releases it in `finish` or `abort`.
   */
  static async create(dir: string, imageShape: [number, number, number], lock?: CacheLock): Promise<ImageCacheWriter> {
    const held = lock ?? (await lockImageCache(dir));
    try {
      await fs.promises.rm(path.join(dir, META), { force: true });
      // With the lock held, temporary files here are a killed writer's leftovers (or an older version's `.partial`).
      for (const name of await fs.promises.readdir(dir)) {
        if (LEFTOVER.test(name)) await fs.promises.rm(path.join(dir, name), { force: true });
      }
      const temp = tempName(path.join(dir, IMAGES));
      const file = await fs.promises.open(temp, 'wx');
      return new ImageCacheWriter(dir, imageShape, file, temp, held);
    } catch (e) {
      await held.release();
      throw e;
    }
  }

  /** Writes image `index` (`[H, W, C]` uint8). */
  async put(index: number, pixels: Uint8Array): Promise<void> {
    const per = imageBytes(this.imageShape);
    if (pixels.length !== per) {
      throw new Error(`image cache: image ${index} has ${pixels.length} bytes, expected ${per} for [${this.imageShape.join(', ')}]`);
    }
    if (!(Number.isInteger(index) && index >= 0)) throw new Error(`image cache: image index ${index} is not a non-negative integer`);
    await this.file.write(pixels, 0, per, index * per);
    this.written[index] = true;
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
    for (let i = 0; i < this.count; i++) {
      // An unwritten index would read back as a black image.
      if (!this.written[i]) throw new Error(`image cache: image ${i} of ${this.count} was never written to ${this.dir}`);
    }
    checkLabels(name, labels, classNames.length);
    await this.file.sync();
    await this.file.close();
    const labelBytes = new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength);
    const sha256 = await cacheChecksum(this.imagesTemp, labelBytes);
    await writeAtomic(path.join(this.dir, LABELS), labelBytes);
    await fs.promises.rename(this.imagesTemp, path.join(this.dir, IMAGES));
    const meta: ImageCacheMeta = {
      format: 'blockwise-ssl/image-cache',
      version: 1,
      name,
      size: this.count,
      imageShape: this.imageShape,
      classNames,
      source,
      sha256,
    };
    await writeAtomic(path.join(this.dir, META), JSON.stringify(meta, null, 1));
    await this.lock.release();
    return meta;
  }

  /** Gives up: closes and deletes what was written, and releases the lock. */
  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await fs.promises.rm(this.imagesTemp, { force: true });
    await this.lock.release();
  }
}

/** SHA-256 (hex) of an images file followed by the label bytes. */
async function cacheChecksum(imagesFile: string, labelBytes: Uint8Array): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(imagesFile, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.update(labelBytes).digest('hex');
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
 * Opens a finished cache. `inMemory` (default: when the pixels take at most 1 GiB) reads all pixels once and
 * checks them against the checksum in `meta.json`; otherwise batches are read from disk as they are needed,
 * and only the file sizes are checked (hashing hundreds of GB on every open would cost more than it saves).
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
    if (meta.sha256) {
      const got = crypto.createHash('sha256').update(images).update(raw).digest('hex');
      if (got !== meta.sha256) {
        throw new Error(`image cache: ${dir} is corrupt (SHA-256 of ${IMAGES} and ${LABELS} is ${got}, ${META} says ${meta.sha256}); delete it and prepare it again`);
      }
    }
    return new InMemoryImageDataset(meta.name, new Uint8Array(images.buffer, images.byteOffset, images.length), labels, meta.imageShape, meta.classNames);
  }
  checkLabels(meta.name, labels, meta.classNames.length);
  return new DiskImageDataset(dir, meta, labels);
}
