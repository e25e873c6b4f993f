import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { decodeImage } from './image-decode';
import { CacheLock, ImageCacheMeta, ImageCacheWriter, lockImageCache, openImageCache, readImageCacheMeta } from './image-cache';
import { dataRoot } from './paths';
import { readTarFile } from './tar';

/**
 * Options of `loadImageFolder` / `prepareImageFolder`. A source is a folder tree or a `.tar` / `.tar.gz`
 * archive of one; images are recognised by their extension (jpg, jpeg, png, webp, case-insensitive), hidden
 * files (`.name`, `._name`) are skipped, symbolic links are followed. All images must lie at the same depth
 * (class folders holding images directly): an image in a nested subfolder is an error naming it, since its
 * folder would otherwise silently become an extra class.
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

/** An image file of a folder source: its path relative to the root and what identifies its content. */
interface FolderFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

/**
 * The images under `root`, sorted, following symbolic links (a link back to a folder being walked is an
 * error naming it). Throws on a folder that holds no images, directly or below it: an empty class folder.
 */
function listFolder(root: string): FolderFile[] {
  const out: FolderFile[] = [];
  const walking = new Set<string>();
  const walk = (rel: string): number => {
    const abs = path.join(root, rel);
    const real = fs.realpathSync(abs);
    if (walking.has(real)) throw new Error(`image folder: ${abs} links back to ${real}, a folder that contains it (a symbolic-link loop)`);
    walking.add(real);
    const before = out.length;
    const names = fs.readdirSync(abs).sort();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const r = rel ? `${rel}/${name}` : name;
      let st: fs.Stats;
      try {
        st = fs.statSync(path.join(root, r));
      } catch (e) {
        throw new Error(`image folder: cannot read ${path.join(root, r)}: ${(e as Error).message}`);
      }
      if (st.isDirectory()) {
        if (walk(r) === 0) throw new Error(`image folder: folder ${path.join(root, r)} holds no images (an empty class folder?)`);
      } else if (st.isFile() && isImagePath(r)) out.push({ path: r, bytes: st.size, mtimeMs: st.mtimeMs });
    }
    walking.delete(real);
    return out.length - before;
  };
  walk('');
  return out;
}

/** SHA-256 (hex) of a folder's image list with sizes and modification times: it changes when any image does. */
function manifestDigest(files: readonly FolderFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.bytes}\0${f.mtimeMs}\n`);
  return hash.digest('hex');
}

/** The images of a folder source below `under`, listed once per call. */
function folderFiles(root: string, under: string | null): FolderFile[] {
  const base = under === null ? root : path.join(root, under);
  if (under !== null && !fs.existsSync(base)) throw new Error(`image folder: ${root} has no folder ${under}`);
  return listFolder(base).map((f) => ({ ...f, path: under === null ? f.path : `${under}${f.path}` }));
}

/** Throws unless every image lies as deep as the first one (a nested folder would become a class of its own). */
function checkDepth(first: { path: string } | null, p: string, index: number): void {
  if (!first) return;
  const depth = (q: string) => q.split('/').length;
  if (depth(p) !== depth(first.path)) {
    throw new Error(
      `image folder: ${p} (image ${index}) lies ${depth(p) - 1} folders deep, but ${first.path} (image 0) lies ${depth(first.path) - 1}; ` +
        `images in nested subfolders would become classes of their own: move them into their class folder (${path.posix.dirname(p)})`,
    );
  }
}

function normalisedUnder(under: string | undefined): string | null {
  if (!under) return null;
  return under.replace(/^\.?\/+/, '').replace(/\/+$/, '') + '/';
}

/** The images of a source, in a deterministic order, plus their number when it is known up front. */
function sourceEntries(source: string, under: string | null): { total: number | null; entries: AsyncIterable<SourceEntry> } {
  const stat = fs.statSync(source);
  if (stat.isDirectory()) {
    const files = folderFiles(source, under).map((f) => f.path);
    files.forEach((p, i) => checkDepth(i > 0 ? { path: files[0] } : null, p, i));
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
        if (!isImagePath(p) || (under !== null && !p.startsWith(under))) continue;
        if (e.type === 'other') {
          throw new Error(`image folder: ${p} in ${source} is a link (or another non-file entry), which this reader does not follow; archive the files themselves (tar --hard-dereference --dereference)`);
        }
        if (e.type !== 'file') continue;
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
    const before = map.get(stem(fields[0]));
    if (before !== undefined && before !== fields[1]) {
      throw new Error(`labels file ${file}, line ${i + 1}: ${fields[0]} has class ${fields[1]}, but an earlier line gave it ${before}`);
    }
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

/**
 * What identifies a prepared cache: the source (path; an archive's byte size and modification time, a folder's
 * manifest digest over every image's path, size and modification time) and the decode options. The folder
 * name `imageCacheDir` derives from it leaves the content out, so an edited source rebuilds its cache in place.
 */
function cacheKey(source: string, o: ImageFolderOptions, content = true): Record<string, unknown> {
  const abs = path.resolve(source);
  const st = fs.statSync(abs);
  const labels = o.labelsFile ? path.resolve(o.labelsFile) : null;
  const labelsStat = labels && content ? fs.statSync(labels) : null;
  return {
    path: abs,
    bytes: st.isDirectory() || !content ? null : st.size,
    mtimeMs: st.isDirectory() || !content ? null : st.mtimeMs,
    ...(st.isDirectory() && content ? { manifest: manifestDigest(folderFiles(abs, normalisedUnder(o.under))) } : {}),
    ...(labelsStat ? { labelsBytes: labelsStat.size } : {}),
    size: resolvedSize(o.size),
    resize: o.resize ?? false,
    channels: o.channels ?? 3,
    classNames: o.classNames ?? null,
    labelsFile: labels,
    labelsMtimeMs: labelsStat ? labelsStat.mtimeMs : null,
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
  const hash = crypto.createHash('sha256').update(JSON.stringify(cacheKey(source, options, false))).digest('hex').slice(0, 12);
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
  const existed = fs.existsSync(dir);
  return prepare(source, options, await lockImageCache(dir), null, existed);
}

/**
 * Imports `source` while holding the cache folder's `lock` (released on return or error). `reuse`, when given,
 * is the key of a cache that can be kept: a concurrent preparer may have finished it while this one waited.
 */
async function prepare(
  source: string,
  options: ImageFolderOptions,
  lock: CacheLock,
  reuse: string | null,
  existed: boolean,
): Promise<{ dir: string; meta: ImageCacheMeta }> {
  try {
    return await prepareLocked(source, options, lock, reuse);
  } finally {
    await lock.release(); // a no-op when the writer already released it
    // A failed first import leaves no empty cache folder behind (`datasets list` would call it unfinished).
    if (!existed) await fs.promises.rmdir(imageCacheDir(source, options)).catch(() => undefined);
  }
}

async function prepareLocked(
  source: string,
  options: ImageFolderOptions,
  lock: CacheLock,
  reuse: string | null,
): Promise<{ dir: string; meta: ImageCacheMeta }> {
  const dir = imageCacheDir(source, options);
  // The key is taken before reading: a source edited during the import makes the next load rebuild.
  const key = cacheKey(source, options);
  const existing = readImageCacheMeta(dir);
  if (reuse !== null && existing && JSON.stringify(existing.source) === reuse) return { dir, meta: existing };
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
  const seen = new Map<string, number>();
  let first: SourceEntry | null = null;
  let writer: ImageCacheWriter | null = null;
  let failure: Error | null = null;
  let done = 0;
  const inFlight = new Set<Promise<void>>();

  const decodeInto = async (index: number, entry: SourceEntry): Promise<void> => {
    const where = `${entry.path} (image ${index} of ${source})`;
    const img = await decodeImage(await entry.bytes(), { size, channels, resize }, where);
    if (!size) size = [img.height, img.width];
    if (!writer) writer = await ImageCacheWriter.create(dir, [img.height, img.width, channels], lock);
    await writer.put(index, img.pixels);
    done++;
    options.onProgress?.(done, expected);
  };

  try {
    for await (const entry of entries) {
      if (failure || classOf.length >= limit) break;
      const index = classOf.length;
      checkDepth(first, entry.path, index);
      first ??= entry;
      // An archive can hold a path twice (tar -r appends): the image would count twice.
      if (seen.has(entry.path)) throw new Error(`image folder: ${entry.path} appears twice in ${source} (images ${seen.get(entry.path)} and ${index})`);
      seen.set(entry.path, index);
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
    const meta = await (writer as ImageCacheWriter).finish(name, labels, classNames, key);
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
 * A cache whose source changed since (any image's size or modification time, an archive's) is rebuilt.
 *
 *     const train = await loadImageFolder('imagenette2-160.tgz', { under: 'imagenette2-160/train', size: 128, resize: true });
 */
export async function loadImageFolder(source: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  if (!fs.existsSync(source)) throw new Error(`image folder: ${source} does not exist`);
  const dir = imageCacheDir(source, options);
  const meta = readImageCacheMeta(dir);
  const key = JSON.stringify(cacheKey(source, options));
  if (meta === null || JSON.stringify(meta.source) !== key) {
    // A stale or missing cache is rebuilt; a process preparing it now is waited for, and its cache kept.
    const existed = fs.existsSync(dir);
    await prepare(source, options, await lockImageCache(dir), key, existed);
  }
  return openImageCache(dir, { inMemory: options.inMemory });
}
