import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { decodeImage } from './image-decode';
import { ImageCacheMeta, ImageCacheWriter, openImageCache, readImageCacheMeta } from './image-cache';
import { dataRoot } from './paths';
import { readTarFile } from './tar';

/**
 * Options of `loadImageFolder` / `prepareImageFolder`. A source is a folder tree or a `.tar` / `.tar.gz`
 * archive of one; images are recognised by their extension (jpg, jpeg, png, webp, case-insensitive), hidden
 * files (`.name`, `._name`) are skipped.
 */
export interface ImageFolderOptions {
  /** Output `[H, W]` (a number: square). Without it, every image must have the size of the first one. */
  size?: number | readonly [number, number];
  /** Shortest-side resize to `size`, then centre crop (default false: another size is an error). */
  resize?: boolean;
  /** 3 (default, sRGB) or 1 (luminance). */
  channels?: 1 | 3;
  /** Label order. Default: the class names found, sorted (ImageNet's synset order for ImageNet folders). */
  classNames?: readonly string[];
  /**
   * ImageNet's validation layout: a flat folder of images plus a labels file. Each line holds an image
   * name (with or without extension) and its class name, separated by a comma or white space; later fields
   * are ignored, so the `LOC_val_solution.csv` of the Kaggle ImageNet release works as it is (its
   * `ImageId,PredictionString` header is skipped). Without it, an image's class is its parent folder's name.
   */
  labelsFile?: string;
  /** Only entries whose path inside the source starts with this folder (a tarball holding train and val). */
  under?: string;
  /** Only the first `limit` images (sorted order for folders, archive order for tarballs). */
  limit?: number;
  /** Where the prepared cache goes. Default: a folder under `dataRoot()/image-cache` named by the source and options. */
  cacheDir?: string;
  /** Dataset name used in messages. Default: the source's base name. */
  name?: string;
  /** Keep the cache in memory (default: when at most 1 GiB); otherwise read batches from disk. */
  inMemory?: boolean;
  /** Decodes in flight at once (default 8). */
  concurrency?: number;
  /** Called after each decoded image with the count so far and the total when known. */
  onProgress?: (done: number, total: number | null) => void;
}

const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

interface SourceEntry {
  /** Path relative to the source root, `/`-separated. */
  path: string;
  bytes: () => Promise<Uint8Array>;
}

function isImagePath(p: string): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  return IMAGE_EXT.test(base) && !base.startsWith('.');
}

function listFolder(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (isImagePath(r)) out.push(r);
    }
  };
  walk('');
  return out;
}

function normalisedUnder(under: string | undefined): string | null {
  if (!under) return null;
  return under.replace(/^\.?\/+/, '').replace(/\/+$/, '') + '/';
}

/** The images of a source, in a deterministic order, plus their number when it is known up front. */
function sourceEntries(source: string, under: string | null): { total: number | null; entries: AsyncIterable<SourceEntry> } {
  const stat = fs.statSync(source);
  if (stat.isDirectory()) {
    const files = listFolder(source).filter((p) => under === null || p.startsWith(under));
    return {
      total: files.length,
      entries: (async function* () {
        for (const p of files) yield { path: p, bytes: () => fs.promises.readFile(path.join(source, p)) };
      })(),
    };
  }
  return {
    total: null,
    entries: (async function* () {
      for await (const e of readTarFile(source)) {
        const p = e.path.replace(/^\.\//, '');
        if (e.type !== 'file' || !isImagePath(p) || (under !== null && !p.startsWith(under))) continue;
        yield { path: p, bytes: () => Promise.resolve(e.data) };
      }
    })(),
  };
}

/** Reads a validation labels file into image stem -> class name. */
export function readLabelsFile(file: string): Map<string, string> {
  const map = new Map<string, string>();
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || (i === 0 && /^imageid[,\s]/i.test(t))) return;
    const fields = t.split(/[,\s]+/);
    if (fields.length < 2) throw new Error(`labels file ${file}, line ${i + 1}: expected "<image> <class>", got "${t}"`);
    map.set(stem(fields[0]), fields[1]);
  });
  return map;
}

function stem(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  return base.replace(IMAGE_EXT, '');
}

function resolvedSize(size: ImageFolderOptions['size']): [number, number] | null {
  if (size === undefined) return null;
  const s: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!s.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`image folder: size must be positive integers, got ${size}`);
  return s;
}

/** What identifies a prepared cache: the source (path, byte size, modification time) and the decode options. */
function cacheKey(source: string, o: ImageFolderOptions): Record<string, unknown> {
  const abs = path.resolve(source);
  const st = fs.statSync(abs);
  const labels = o.labelsFile ? path.resolve(o.labelsFile) : null;
  return {
    path: abs,
    bytes: st.isDirectory() ? null : st.size,
    mtimeMs: st.isDirectory() ? null : st.mtimeMs,
    size: resolvedSize(o.size),
    resize: o.resize ?? false,
    channels: o.channels ?? 3,
    classNames: o.classNames ?? null,
    labelsFile: labels,
    labelsMtimeMs: labels ? fs.statSync(labels).mtimeMs : null,
    under: normalisedUnder(o.under),
    limit: o.limit ?? null,
  };
}

function defaultName(source: string): string {
  return path.basename(source).replace(/\.(tar\.gz|tgz|tar)$/i, '');
}

/** The cache folder `loadImageFolder` uses for a source and options when `cacheDir` is not given. */
export function imageCacheDir(source: string, options: ImageFolderOptions = {}): string {
  if (options.cacheDir) return options.cacheDir;
  const hash = crypto.createHash('sha256').update(JSON.stringify(cacheKey(source, options))).digest('hex').slice(0, 12);
  const label = (options.name ?? defaultName(source)).replace(/[^\w.-]+/g, '-');
  return path.join(dataRoot(), 'image-cache', `${label}-${hash}`);
}

/**
 * Decodes every image of a folder tree or tarball (ImageNet / Imagenette layout: one folder per class) and
 * writes the prepared cache; returns its folder and description. A corrupt image or an image of an
 * unexpected size stops the import with an error naming the file and its index.
 */
export async function prepareImageFolder(source: string, options: ImageFolderOptions = {}): Promise<{ dir: string; meta: ImageCacheMeta }> {
  if (!fs.existsSync(source)) throw new Error(`image folder: ${source} does not exist`);
  const dir = imageCacheDir(source, options);
  const name = options.name ?? defaultName(source);
  const channels = options.channels ?? 3;
  const resize = options.resize ?? false;
  let size = resolvedSize(options.size);
  const concurrency = options.concurrency ?? 8;
  const limit = options.limit ?? Infinity;
  const valLabels = options.labelsFile ? readLabelsFile(options.labelsFile) : null;
  const { total, entries } = sourceEntries(source, normalisedUnder(options.under));
  const expected = total === null ? null : Math.min(total, limit);

  const classOf: string[] = [];
  let writer: ImageCacheWriter | null = null;
  let failure: Error | null = null;
  let done = 0;
  const inFlight = new Set<Promise<void>>();

  const decodeInto = async (index: number, entry: SourceEntry): Promise<void> => {
    const where = `${entry.path} (image ${index} of ${source})`;
    const img = await decodeImage(await entry.bytes(), { size, channels, resize }, where);
    if (!size) size = [img.height, img.width];
    if (!writer) writer = await ImageCacheWriter.create(dir, [img.height, img.width, channels]);
    await writer.put(index, img.pixels);
    done++;
    options.onProgress?.(done, expected);
  };

  try {
    for await (const entry of entries) {
      if (failure || classOf.length >= limit) break;
      const index = classOf.length;
      let cls: string | undefined;
      if (valLabels) {
        cls = valLabels.get(stem(entry.path));
        if (cls === undefined) throw new Error(`image folder: ${entry.path} (image ${index}) has no line in ${options.labelsFile}`);
      } else {
        const parts = entry.path.split('/');
        if (parts.length < 2) {
          throw new Error(`image folder: ${entry.path} (image ${index}) is not inside a class folder; a flat folder needs labelsFile`);
        }
        cls = parts[parts.length - 2];
      }
      classOf.push(cls);
      if (!writer) {
        // The first image fixes the size (when none was given) and opens the cache before going parallel.
        await decodeInto(index, entry);
        continue;
      }
      const p: Promise<void> = decodeInto(index, entry).then(
        () => void inFlight.delete(p),
        (e: Error) => {
          inFlight.delete(p);
          failure ??= e;
        },
      );
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    if (classOf.length === 0 || !writer) throw new Error(`image folder: ${source} holds no images${options.under ? ` under ${options.under}` : ''}`);
    const classNames = options.classNames ? [...options.classNames] : [...new Set(classOf)].sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    const labels = new Int32Array(classOf.length);
    classOf.forEach((c, i) => {
      const l = index.get(c);
      if (l === undefined) throw new Error(`image folder: image ${i} of ${source} has class "${c}", which is not among classNames`);
      labels[i] = l;
    });
    const meta = await (writer as ImageCacheWriter).finish(name, labels, classNames, cacheKey(source, options));
    return { dir, meta };
  } catch (e) {
    await Promise.allSettled(inFlight);
    await (writer as ImageCacheWriter | null)?.abort();
    throw e;
  }
}

/**
 * A labelled image dataset from a folder tree or tarball, decoded once into a prepared cache
 * (`prepareImageFolder`) and read from that cache on every later call with the same source and options.
 *
 *     const train = await loadImageFolder('imagenette2-160.tgz', { under: 'imagenette2-160/train', size: 128, resize: true });
 */
export async function loadImageFolder(source: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const dir = imageCacheDir(source, options);
  const meta = readImageCacheMeta(dir);
  const fresh = meta !== null && JSON.stringify(meta.source) === JSON.stringify(cacheKey(source, options));
  if (!fresh) await prepareImageFolder(source, options);
  return openImageCache(dir, { inMemory: options.inMemory });
}
