import * as fs from 'fs';
import * as path from 'path';
import { CORRUPTIONS } from './corruptions';
import { ImageDataset } from './dataset';
import { download } from './download';
import { cifar10BinaryDir, cifar10BinaryFiles, cifar10JpegCandidates, loadCifar10, loadCifar10ForSmoke, loadCifar10Images } from './cifar10';
import { FASHION_MNIST_SYSTEM_DIR, fashionMnistDirs, fashionMnistFiles, loadFashionMnist } from './fashion-mnist';
import { loadImageFolder } from './image-folder';
import { checkImageNetC, IMAGENET_C_ENV, IMAGENET_C_SEVERITIES, imagenetCRoot, loadImageNetC } from './imagenet-c';
import { IMAGENETTE_ARCHIVE, imagenetteArchive, loadImagenette } from './imagenette';
import { ChannelStats, CIFAR10_STATS, FASHION_MNIST_STATS } from './normalization';
import { dataRoot } from './paths';
import { progressReporter } from './progress';
import { readTarFile } from './tar';
import { barlowTwinsViews, barlowTwinsViewsSmall, TwoViewRecipe } from './views';

/** Options of a `prepare` command (`node dist/data-scripts/datasets.js prepare <name> ...`). */
export interface PrepareArgs {
  src?: string;
  size?: number;
  val?: string;
  valLabels?: string;
  /** ImageNet's training folder, whose class order ImageNet-C's labels follow. */
  train?: string;
  limit?: number;
}

/** A dataset's files on disk, for the data-scripts: where they are, how to download them, how to prepare their cache. */
export interface DatasetFiles {
  /** What the files hold (both splits, the archive, ...). */
  description: string;
  /** Where they are on this machine, or `null` when absent. */
  where(): string | null;
  /** Downloads them (and unpacks what needs unpacking). */
  get?(): Promise<void>;
  /** Builds their prepared image cache. */
  prepare?(args: PrepareArgs): Promise<void>;
  /** How to obtain them when there is no `get`. */
  howToGet?: string;
}

/**
 * Everything the library knows about one dataset. A run, a preset or the command line names a dataset; the
 * readers, the default views and the data-scripts all look it up here, so a new dataset is one entry of `DATASETS`.
 */
export interface DatasetEntry {
  name: string;
  /** What reading it by name gives. */
  description: string;
  /**
   * Reads its images (absent: the dataset is read from a path, e.g. ImageNet's folders, or by its own loader).
   * `imageSize` is given only to an entry that is `resizable`.
   */
  read?(options: { imageSize?: number }): Promise<ImageDataset>;
  /** Which split `read` gives: a run trains by name only on a `'train'` entry (`loadTrainingDataset`). */
  split?: 'train' | 'test';
  /** Whether `read` resizes to any `imageSize` (a folder of images); otherwise the stored size is the only one. */
  resizable?: boolean;
  /** Per-channel mean and std its default views normalise with (default ImageNet's). */
  stats?: ChannelStats;
  /**
   * The two-view recipe a run uses when its config gives none (`defaultViewsOf`): `'small'`, Barlow Twins' recipe
   * without blur for small images (crops resized bilinearly; a single gray channel stays one, which the colour jitter
   * treats as torchvision treats a gray image); `'full'`, the paper's recipe (crops resized bicubically, as the
   * authors'). Default: `'full'` for 3-channel images, none for 1-channel ones.
   */
  views?: 'small' | 'full';
  /** Names its reader gives the images besides `<name>/<split>` (a fallback's generated images). */
  aliases?: readonly string[];
  /** Its files, for `datasets.js list / get / prepare`. */
  files?: DatasetFiles;
}

/** The Fashion-MNIST files as the dataset's authors publish them, with their published MD5s. */
const FASHION_MNIST_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const FASHION_MNIST_MD5: Record<string, string> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};

/** The official CIFAR-10 binary release and the MD5 published beside it. */
const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

/** fast.ai's Imagenette release (no checksum is published for it). */
const IMAGENETTE_URL = `https://s3.amazonaws.com/fast-ai-imageclas/${IMAGENETTE_ARCHIVE}`;

function fashionMnistWhere(): string | null {
  const names = [...Object.values(fashionMnistFiles('train')), ...Object.values(fashionMnistFiles('test'))];
  return fashionMnistDirs().find((d) => names.every((n) => fs.existsSync(path.join(d, n)) || fs.existsSync(path.join(d, n.replace(/\.gz$/, ''))))) ?? null;
}

const FASHION_MNIST_FILES: DatasetFiles = {
  description: 'Fashion-MNIST, 60,000 + 10,000 grayscale 28x28 images, 10 classes (idx files)',
  where: fashionMnistWhere,
  async get() {
    const found = fashionMnistWhere();
    if (found) {
      console.log(`fashion-mnist is already present in ${found}${found === FASHION_MNIST_SYSTEM_DIR ? ' (Debian package dataset-fashion-mnist)' : ''}`);
      return;
    }
    const dir = path.join(dataRoot(), 'fashion-mnist');
    for (const [file, md5] of Object.entries(FASHION_MNIST_MD5)) {
      await download({ url: FASHION_MNIST_BASE + file, dest: path.join(dir, file), md5, onProgress: progressReporter(file, 'bytes') });
    }
    console.log(`fashion-mnist is in ${dir} (MD5 verified)`);
  },
};

const CIFAR10_FILES: DatasetFiles = {
  description: 'CIFAR-10, official binary release: 50,000 train + 10,000 test 32x32 colour images',
  where: () => (cifar10BinaryFiles('train').concat(cifar10BinaryFiles('test')).every((f) => fs.existsSync(path.join(cifar10BinaryDir(), f))) ? cifar10BinaryDir() : null),
  async get() {
    const archive = path.join(dataRoot(), 'cifar-10-binary.tar.gz');
    await download({ url: CIFAR10_URL, dest: archive, md5: CIFAR10_MD5, onProgress: progressReporter('cifar-10-binary.tar.gz', 'bytes') });
    const out = cifar10BinaryDir();
    await fs.promises.mkdir(out, { recursive: true });
    let unpacked = 0;
    for await (const e of readTarFile(archive)) {
      const base = path.posix.basename(e.path);
      if (e.type === 'file' && /\.(bin|txt)$/.test(base)) {
        await fs.promises.writeFile(path.join(out, base), e.data);
        unpacked++;
      }
    }
    console.log(`cifar10: unpacked ${unpacked} files into ${out} (MD5 verified)`);
  },
};

const IMAGENETTE_DESCRIPTION = `Imagenette (${IMAGENETTE_ARCHIVE}): 10 ImageNet classes, ~9,500 train + ~3,900 val images, shortest side 160`;
const IMAGENET_DESCRIPTION = 'ImageNet-1k (ILSVRC 2012) from your own copy: train as class folders, val flat with a labels file';
const IMAGENET_C_DESCRIPTION =
  'ImageNet-C (Hendrycks & Dietterich, 2019), Fig. 15: 15 corruptions x 5 severities of the 50,000 validation images, <corruption>/<severity>/<wnid>/*.JPEG';

/**
 * The datasets the library knows, in the order listings show them: Fashion-MNIST (the embedded default, Debian's
 * `dataset-fashion-mnist`) and CIFAR-10 (binary release, or `cifar10-jpg`, the JPEG tarball), their training and test
 * splits; `cifar10-smoke` for smoke runs; Imagenette, ImageNet and ImageNet-C, whose files the data-scripts get or
 * prepare and which are read from their folders.
 */
export const DATASETS: readonly DatasetEntry[] = [
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST training set, 60,000 grayscale 28x28 images',
    read: () => loadFashionMnist('train'),
    split: 'train',
    stats: FASHION_MNIST_STATS,
    views: 'small',
    files: FASHION_MNIST_FILES,
  },
  {
    name: 'fashion-mnist-test',
    description: 'Fashion-MNIST test set, 10,000 images',
    read: () => loadFashionMnist('test'),
    split: 'test',
    stats: FASHION_MNIST_STATS,
    views: 'small',
  },
  {
    name: 'cifar10',
    description: 'CIFAR-10 training set (binary release), 50,000 colour 32x32 images',
    read: () => loadCifar10('train'),
    split: 'train',
    stats: CIFAR10_STATS,
    views: 'small',
    files: CIFAR10_FILES,
  },
  {
    name: 'cifar10-test',
    description: 'CIFAR-10 test set (binary release), 10,000 images',
    read: () => loadCifar10('test'),
    split: 'test',
    stats: CIFAR10_STATS,
    views: 'small',
  },
  {
    name: 'cifar10-jpg',
    description: 'CIFAR-10 training set from the JPEG tarball (cifar10-jpg-train.tar.gz)',
    read: ({ imageSize }) => loadCifar10Images(undefined, imageSize !== undefined ? { size: imageSize, resize: true } : {}),
    split: 'train',
    resizable: true,
    stats: CIFAR10_STATS,
    views: 'small',
    files: {
      description: 'CIFAR-10 training images from an image-folder export (class folders of JPEGs, folder or .tar.gz), prepared into a cache',
      where: () => cifar10JpegCandidates().find((f) => fs.existsSync(f)) ?? null,
      howToGet: 'point --src at a folder or .tar.gz of class-named folders of 32x32 images (e.g. ../shared/datasets/cifar10-jpg-train.tar.gz)',
      async prepare({ src, limit }) {
        const ds = await loadCifar10Images(src, { limit, onProgress: progressReporter('cifar10-jpg', 'images') });
        console.log(`cifar10-jpg: ${ds.size} images of [${ds.imageShape.join(', ')}] ready (loadCifar10Images() reads the cache)`);
      },
    },
  },
  {
    name: 'cifar10-smoke',
    description: 'for smoke runs: the CIFAR-10 JPEG tarball or binary release where present, else 1,000 generated CIFAR-shaped images',
    read: () => loadCifar10ForSmoke(),
    split: 'train',
    stats: CIFAR10_STATS,
    views: 'small',
    aliases: ['cifar10-generated'],
  },
  {
    name: 'imagenette',
    description: IMAGENETTE_DESCRIPTION,
    files: {
      description: IMAGENETTE_DESCRIPTION,
      where: () => (fs.existsSync(imagenetteArchive()) ? imagenetteArchive() : null),
      async get() {
        await download({ url: IMAGENETTE_URL, dest: imagenetteArchive(), onProgress: progressReporter(IMAGENETTE_ARCHIVE, 'bytes') });
        console.log(`imagenette: ${imagenetteArchive()} (no checksum is published for it); next: prepare imagenette [--size N]`);
      },
      async prepare({ size = 160, limit }) {
        for (const split of ['train', 'val'] as const) {
          const ds = await loadImagenette(split, { size, limit, onProgress: progressReporter(`imagenette/${split}`, 'images') });
          console.log(`imagenette/${split}: ${ds.size} images of [${ds.imageShape.join(', ')}], ${ds.classNames.length} classes`);
        }
        console.log(`load with loadImagenette('train' | 'val', { size: ${size} })`);
      },
    },
  },
  {
    name: 'imagenet',
    description: IMAGENET_DESCRIPTION,
    files: {
      description: IMAGENET_DESCRIPTION,
      where: () => null,
      howToGet:
        'download it from image-net.org (needs an account), unpack train/ into one folder per synset, then: ' +
        'prepare imagenet --src <train folder> [--val <val folder> --val-labels <LOC_val_solution.csv>] [--size 256]',
      async prepare({ src, size = 256, val, valLabels, limit }) {
        if (!src) throw new Error('prepare imagenet needs --src <train folder or .tar of class folders>');
        const common = { size, resize: true, inMemory: false, limit };
        const train = await loadImageFolder(src, { ...common, name: 'imagenet-train', onProgress: progressReporter('imagenet/train', 'images') });
        console.log(`imagenet/train: ${train.size} images, ${train.classNames.length} classes; load with loadImageFolder('${src}', { name: 'imagenet-train', size: ${size}, resize: true })`);
        if (val) {
          if (!valLabels) throw new Error('--val needs --val-labels <file> (image name and synset per line)');
          const v = await loadImageFolder(val, {
            ...common,
            name: 'imagenet-val',
            labelsFile: valLabels,
            classNames: train.classNames,
            onProgress: progressReporter('imagenet/val', 'images'),
          });
          console.log(`imagenet/val: ${v.size} images`);
        }
      },
    },
  },
  {
    name: 'imagenet-c',
    description: IMAGENET_C_DESCRIPTION,
    files: {
      description: IMAGENET_C_DESCRIPTION,
      where: () => (fs.existsSync(imagenetCRoot()) ? imagenetCRoot() : null),
      howToGet:
        `download the release's noise, blur, weather and digital archives from zenodo.org/record/2235448, unpack them into one folder, ` +
        `set ${IMAGENET_C_ENV} to it (or use the data folder's imagenet-c/), then: prepare imagenet-c [--src <folder>] --train <ImageNet train folder> [--size 256]`,
      async prepare({ src, size = 256, train, limit }) {
        const root = src ?? imagenetCRoot();
        const { classFolders } = checkImageNetC(root);
        // Labels in the training set's order; without it, the sorted synsets found (ImageNet's order when all 1,000 are present).
        const classNames = train ? (await loadImageFolder(train, { name: 'imagenet-train', size, resize: true, inMemory: false, limit })).classNames : classFolders;
        for (const c of CORRUPTIONS) {
          for (const s of IMAGENET_C_SEVERITIES) {
            const ds = await loadImageNetC(root, c, s, { classNames, size });
            console.log(`imagenet-c/${c}/${s}: ${ds.size} images of [${ds.imageShape.join(', ')}]`);
          }
        }
      },
    },
  },
];

/** The dataset a run trains on when neither its config nor its caller names one. */
export const DEFAULT_DATASET = 'fashion-mnist';

/** The entry called exactly `name`, or undefined. */
export function datasetEntry(name: string): DatasetEntry | undefined {
  return DATASETS.find((e) => e.name === name);
}

/** The names of the entries that pass `filter`, in registry order. */
export function datasetNames(filter: (e: DatasetEntry) => boolean = () => true): string[] {
  return DATASETS.filter(filter).map((e) => e.name);
}

/**
 * The entry whose images carry `name`: the entry itself, the one a reader's `<entry>/<split>` name comes from
 * (`fashion-mnist/train`), or the one that lists it among its `aliases`; undefined for any other dataset.
 */
export function datasetEntryOfImages(name: string): DatasetEntry | undefined {
  return datasetEntry(name) ?? datasetEntry(name.split('/')[0]) ?? DATASETS.find((e) => e.aliases?.includes(name));
}

/**
 * Reads the entry called `name` (its `read`; `imageSize` goes to a `resizable` entry only, the others read at their
 * stored size), or `undefined` when no entry of that name has a reader.
 */
export async function readNamedDataset(name: string, { imageSize }: { imageSize?: number } = {}): Promise<ImageDataset | undefined> {
  const entry = datasetEntry(name);
  if (!entry?.read) return undefined;
  return entry.read(entry.resizable ? { imageSize } : {});
}

/**
 * The default two-view recipe of a dataset at its image size: its registry entry's `views` with the entry's `stats`
 * (`datasetEntryOfImages`), else the paper's recipe with ImageNet statistics for a 3-channel dataset. Other 1-channel
 * datasets need an explicit recipe.
 */
export function defaultViewsOf(dataset: { name: string; imageShape: readonly [number, number, number] }): TwoViewRecipe {
  const [h, , c] = dataset.imageShape;
  const entry = datasetEntryOfImages(dataset.name);
  const views = entry?.views ?? (c === 3 ? 'full' : null);
  if (views === 'small') return barlowTwinsViewsSmall({ size: h, stats: entry?.stats });
  if (views === 'full') return barlowTwinsViews({ size: h, stats: entry?.stats });
  throw new Error(`defaultViews: no default view recipe for ${dataset.name} (${c} channels); set data.views`);
}
