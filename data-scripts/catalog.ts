import * as fs from 'fs';
import * as path from 'path';
import {
  cifar10BinaryDir,
  cifar10BinaryFiles,
  checkImageNetC,
  cifar10JpegCandidates,
  dataRoot,
  fashionMnistDirs,
  fashionMnistFiles,
  FASHION_MNIST_SYSTEM_DIR,
  IMAGENET_C_ENV,
  IMAGENET_C_SEVERITIES,
  IMAGENETTE_ARCHIVE,
  imagenetCRoot,
  imagenetteArchive,
  loadCifar10Images,
  loadImageFolder,
  loadImagenette,
  loadImageNetC,
  readTarFile,
} from '../lib/data';
import { CORRUPTIONS } from '../lib/data/corruptions';
import { download } from './download';
import { progressReporter } from './progress';

/** Options of a `prepare` command. */
export interface PrepareArgs {
  src?: string;
  size?: number;
  val?: string;
  valLabels?: string;
  /** ImageNet's training folder, whose class order ImageNet-C's labels follow. */
  train?: string;
  limit?: number;
}

/** A dataset the data-scripts know: where it is, how to download it, how to prepare its cache. */
export interface CatalogEntry {
  name: string;
  description: string;
  /** Where it is on this machine, or `null` when absent. */
  where(): string | null;
  /** Downloads it (and unpacks what needs unpacking). */
  get?(): Promise<void>;
  /** Builds its prepared image cache. */
  prepare?(args: PrepareArgs): Promise<void>;
  /** How to obtain it when there is no `get`. */
  howToGet?: string;
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

export const CATALOG: CatalogEntry[] = [
  {
    name: 'fashion-mnist',
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
  },
  {
    name: 'cifar10',
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
  },
  {
    name: 'cifar10-jpg',
    description: 'CIFAR-10 training images from an image-folder export (class folders of JPEGs, folder or .tar.gz), prepared into a cache',
    where: () => cifar10JpegCandidates().find((f) => fs.existsSync(f)) ?? null,
    howToGet: 'point --src at a folder or .tar.gz of class-named folders of 32x32 images (e.g. ../shared/datasets/cifar10-jpg-train.tar.gz)',
    async prepare({ src, limit }) {
      const ds = await loadCifar10Images(src, { limit, onProgress: progressReporter('cifar10-jpg', 'images') });
      console.log(`cifar10-jpg: ${ds.size} images of [${ds.imageShape.join(', ')}] ready (loadCifar10Images() reads the cache)`);
    },
  },
  {
    name: 'imagenette',
    description: `Imagenette (${IMAGENETTE_ARCHIVE}): 10 ImageNet classes, ~9,500 train + ~3,900 val images, shortest side 160`,
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
  {
    name: 'imagenet',
    description: 'ImageNet-1k (ILSVRC 2012) from your own copy: train as class folders, val flat with a labels file',
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
  {
    name: 'imagenet-c',
    description: 'ImageNet-C (Hendrycks & Dietterich, 2019), Fig. 15: 15 corruptions x 5 severities of the 50,000 validation images, <corruption>/<severity>/<wnid>/*.JPEG',
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
];

/** The catalogue entry called `name`, or an error listing the known names. */
export function catalogEntry(name: string): CatalogEntry {
  const e = CATALOG.find((c) => c.name === name);
  if (!e) throw new Error(`unknown dataset "${name}"; known: ${CATALOG.map((c) => c.name).join(', ')}`);
  return e;
}
