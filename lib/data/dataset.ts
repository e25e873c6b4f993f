/**
 * A labelled image dataset: `size` images of one shape `[H, W, C]`, stored as uint8 pixels (0..255), and an
 * integer label per image in `[0, classNames.length)`. Float conversion happens only when a batch is made
 * (see `DataLoader`), so memory holds a quarter of what float storage would need.
 *
 * `read` is asynchronous so that an implementation may read from disk (the prepared image cache) while the
 * current batch trains.
 */
export interface ImageDataset {
  /** Human-readable name used in messages, e.g. `fashion-mnist/train`. */
  readonly name: string;
  /** Number of images. */
  readonly size: number;
  /** Shape of one image `[H, W, C]` (NHWC without N). */
  readonly imageShape: readonly [number, number, number];
  /** Class names; label `k` means `classNames[k]`. */
  readonly classNames: readonly string[];
  /** Label of every image, length `size`. */
  readonly labels: Int32Array;
  /** The uint8 pixels of the images at `indices`, laid out `[indices.length, H, W, C]`. */
  read(indices: ArrayLike<number>): Promise<Uint8Array>;
}

/** Bytes of one image of shape `[H, W, C]`. */
export function imageBytes(shape: readonly [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

/** Checks that every label lies in `[0, classCount)`, naming the first bad index. */
export function checkLabels(name: string, labels: Int32Array, classCount: number): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < classCount)) {
      throw new Error(`${name}: label ${l} of image ${i} is outside [0, ${classCount})`);
    }
  }
}

/** A dataset held in memory as one uint8 buffer `[size, H, W, C]`. */
export class InMemoryImageDataset implements ImageDataset {
  readonly size: number;

  constructor(
    readonly name: string,
    readonly images: Uint8Array,
    readonly labels: Int32Array,
    readonly imageShape: readonly [number, number, number],
    readonly classNames: readonly string[],
  ) {
    const per = imageBytes(imageShape);
    if (!(per > 0) || imageShape.some((d) => !Number.isInteger(d))) {
      throw new Error(`${name}: bad image shape [${imageShape.join(', ')}]`);
    }
    if (images.length !== labels.length * per) {
      throw new Error(
        `${name}: ${images.length} pixel bytes do not hold ${labels.length} images of shape [${imageShape.join(', ')}]`,
      );
    }
    checkLabels(name, labels, classNames.length);
    this.size = labels.length;
  }

  read(indices: ArrayLike<number>): Promise<Uint8Array> {
    return Promise.resolve(this.readSync(indices));
  }

  /** Synchronous `read`: copies the images at `indices` into a new `[indices.length, H, W, C]` buffer. */
  readSync(indices: ArrayLike<number>): Uint8Array {
    const per = imageBytes(this.imageShape);
    const out = new Uint8Array(indices.length * per);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (!(Number.isInteger(k) && k >= 0 && k < this.size)) {
        throw new Error(`${this.name}: image index ${k} is outside [0, ${this.size})`);
      }
      out.set(this.images.subarray(k * per, (k + 1) * per), i * per);
    }
    return out;
  }
}

/**
 * The images of `dataset` at `indices` (in that order) as a dataset of their own; pixels are read from the
 * parent on demand, nothing is copied.
 */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>, name = `${dataset.name}[subset]`): ImageDataset {
  const map = Int32Array.from(indices);
  const labels = new Int32Array(map.length);
  for (let i = 0; i < map.length; i++) {
    const k = map[i];
    if (!(Number.isInteger(k) && k >= 0 && k < dataset.size)) {
      throw new Error(`subset of ${dataset.name}: index ${k} is outside [0, ${dataset.size})`);
    }
    labels[i] = dataset.labels[k];
  }
  return {
    name,
    size: map.length,
    imageShape: dataset.imageShape,
    classNames: dataset.classNames,
    labels,
    read(idx: ArrayLike<number>): Promise<Uint8Array> {
      const parent = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) {
        const k = idx[i];
        if (!(Number.isInteger(k) && k >= 0 && k < map.length)) {
          throw new Error(`${name}: image index ${k} is outside [0, ${map.length})`);
        }
        parent[i] = map[k];
      }
      return dataset.read(parent);
    },
  };
}
