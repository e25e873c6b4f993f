import { ImageDataset } from '../data/dataset';

/**
 * `dataset` with reads that give the event loop a turn first. The training loop reads one batch per step; an
 * in-memory dataset answers at once, so without this turn a signal handler (Ctrl-C aborting the run) or a timer would
 * not run until training ends. Names, sizes and labels are the dataset's own, so a run trained through it resumes
 * from the dataset itself and the other way round.
 */
export function yieldingDataset(dataset: ImageDataset): ImageDataset {
  return {
    name: dataset.name,
    size: dataset.size,
    imageShape: dataset.imageShape,
    classNames: dataset.classNames,
    labels: dataset.labels,
    read: (indices) => new Promise<void>((resolve) => setImmediate(resolve)).then(() => dataset.read(indices)),
  };
}
