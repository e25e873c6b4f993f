import * as fs from 'fs';
import * as path from 'path';
import { CORRUPTIONS } from './corruptions';
import { ImageDataset } from './dataset';
import { dataRoot } from './paths';
import { loadImageFolder } from './image-folder';

/** The severities of the common-corruptions benchmark, each a folder of ImageNet-C. */
export const IMAGENET_C_SEVERITIES = [1, 2, 3, 4, 5] as const;

/** Environment variable naming the ImageNet-C folder (default `dataRoot()/imagenet-c`). */
export const IMAGENET_C_ENV = 'BLOCKWISE_IMAGENET_C';

/** The ImageNet-C folder: `$BLOCKWISE_IMAGENET_C`, else `imagenet-c` under the data folder. */
export function imagenetCRoot(): string {
  return process.env[IMAGENET_C_ENV] || path.join(dataRoot(), 'imagenet-c');
}

function subfolders(dir: string): fs.Dirent[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
}

/**
 * Checks the layout of an ImageNet-C folder (Hendrycks & Dietterich, 2019, as released: `<root>/<corruption>/<severity>/<wnid>/*.JPEG`)
 * for `corruptions` (default all 15) and returns the class folders found. Every folder under `root` must be one of
 * the 15 benchmark corruptions (the release's four extra corruptions come in a separate archive: unpack them
 * elsewhere), each wanted corruption must hold the severity folders 1-5 and nothing else, and every class folder must
 * hold at least one image; anything else is an error naming the path.
 */
export function checkImageNetC(root: string, corruptions: readonly string[] = CORRUPTIONS): { classFolders: string[] } {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`ImageNet-C: ${root} is not a folder (expected <corruption>/<severity>/<wnid>/*.JPEG)`);
  const known = CORRUPTIONS as readonly string[];
  for (const name of corruptions) {
    if (!known.includes(name)) throw new Error(`ImageNet-C: '${name}' is not a corruption of the benchmark (${CORRUPTIONS.join(', ')})`);
  }
  for (const e of subfolders(root)) {
    if (!known.includes(e.name)) throw new Error(`ImageNet-C: ${path.join(root, e.name)} is not a corruption of the benchmark (${CORRUPTIONS.join(', ')})`);
  }
  const classFolders = new Set<string>();
  for (const name of corruptions) {
    const dir = path.join(root, name);
    if (!fs.existsSync(dir)) throw new Error(`ImageNet-C: ${dir} is missing`);
    const severities = subfolders(dir).map((e) => e.name);
    const extra = severities.filter((s) => !IMAGENET_C_SEVERITIES.map(String).includes(s));
    if (extra.length > 0) throw new Error(`ImageNet-C: ${path.join(dir, extra[0])} is not a severity folder (1-5)`);
    for (const s of IMAGENET_C_SEVERITIES) {
      const sdir = path.join(dir, String(s));
      if (!severities.includes(String(s)) || !fs.statSync(sdir).isDirectory()) throw new Error(`ImageNet-C: severity folder ${sdir} is missing`);
      const classes = subfolders(sdir);
      if (classes.length === 0) throw new Error(`ImageNet-C: ${sdir} holds no class folders`);
      for (const c of classes) {
        const cdir = path.join(sdir, c.name);
        if (!fs.statSync(cdir).isDirectory()) throw new Error(`ImageNet-C: ${cdir} is not a class folder`);
        if (!fs.readdirSync(cdir).some((f) => /\.(jpe?g|png|webp)$/i.test(f) && !f.startsWith('.'))) throw new Error(`ImageNet-C: class folder ${cdir} holds no images`);
        classFolders.add(c.name);
      }
    }
  }
  return { classFolders: [...classFolders].sort() };
}

/** Options of `loadImageNetC`. */
export interface ImageNetCOptions {
  /**
   * Label order: the training set's class names (ImageNet's sorted synsets, as `loadImageFolder` orders an
   * ImageNet train folder). Default: the sorted class folders of the set read; a class folder not among them is an error.
   */
  classNames?: readonly string[];
  /** Square side the images are resized to (shortest side, then centre crop); default as stored (224 in the release). */
  size?: number;
  /** 3 (default) or 1. */
  channels?: 1 | 3;
}

/**
 * The images of one corruption and severity of ImageNet-C (`<root>/<corruption>/<severity>/`), labelled by class
 * folder in the training set's order, decoded once into the image cache as `loadImageFolder` does.
 * `checkImageNetC` checks the whole folder first.
 *
 *     const fog3 = await loadImageNetC(imagenetCRoot(), 'fog', 3, { classNames: train.classNames, size: 256 });
 */
export async function loadImageNetC(root: string, corruption: string, severity: number, { classNames, size, channels = 3 }: ImageNetCOptions = {}): Promise<ImageDataset> {
  if (!(CORRUPTIONS as readonly string[]).includes(corruption)) throw new Error(`ImageNet-C: '${corruption}' is not a corruption of the benchmark (${CORRUPTIONS.join(', ')})`);
  if (!(IMAGENET_C_SEVERITIES as readonly number[]).includes(severity)) throw new Error(`ImageNet-C: severity must be 1-5, got ${severity}`);
  const dir = path.join(root, corruption, String(severity));
  if (!fs.existsSync(dir)) throw new Error(`ImageNet-C: severity folder ${dir} is missing`);
  for (const c of subfolders(dir)) {
    const cdir = path.join(dir, c.name);
    if (!c.isDirectory() && !fs.statSync(cdir).isDirectory()) throw new Error(`ImageNet-C: ${cdir} is not a class folder`);
    if (!fs.readdirSync(cdir).some((f) => /\.(jpe?g|png|webp)$/i.test(f) && !f.startsWith('.'))) throw new Error(`ImageNet-C: class folder ${cdir} holds no images`);
    if (classNames && !classNames.includes(c.name)) throw new Error(`ImageNet-C: class folder ${cdir} is not a class of the training set`);
  }
  return loadImageFolder(dir, {
    name: `imagenet-c/${corruption}/${severity}`,
    channels,
    ...(size !== undefined ? { size, resize: true } : {}),
    ...(classNames ? { classNames } : {}),
  });
}
