import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from './dataset';
import { ImageFolderOptions, loadImageFolder } from './image-folder';
import { dataRoot, datasetCommand, MissingDatasetError } from './paths';

/** The Imagenette release used here (10 easy ImageNet classes, shortest side 160 pixels), as an archive name. */
export const IMAGENETTE_ARCHIVE = 'imagenette2-160.tgz';

/** Where `datasets.js get imagenette` puts the archive. */
export function imagenetteArchive(): string {
  return path.join(dataRoot(), IMAGENETTE_ARCHIVE);
}

/**
 * Imagenette (fast.ai's ten-class ImageNet subset) read straight from its `.tgz` (class folders named by
 * ImageNet synset, train and val inside), decoded once into a prepared cache at `size` x `size`
 * (shortest-side resize, centre crop; default 160, the release's own shortest side).
 */
export async function loadImagenette(
  split: 'train' | 'val',
  { size = 160, archive = imagenetteArchive(), ...rest }: { size?: number; archive?: string } & Omit<ImageFolderOptions, 'size' | 'resize' | 'under'> = {},
): Promise<ImageDataset> {
  if (!fs.existsSync(archive)) throw new MissingDatasetError('Imagenette', [archive], datasetCommand('get', 'imagenette'));
  const root = path.basename(archive).replace(/\.(tgz|tar\.gz|tar)$/i, '');
  return loadImageFolder(archive, { name: `imagenette/${split}`, ...rest, size, resize: true, under: `${root}/${split}` });
}
