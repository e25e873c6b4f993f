import * as tf from '@tensorflow/tfjs-core';
import { ImageDataset } from './dataset';

/** Per-channel mean and standard deviation of a dataset's pixels on the [0, 1] scale. */
export interface ChannelStats {
  mean: readonly number[];
  std: readonly number[];
}

/** ImageNet (torchvision's constants, used by Barlow Twins). */
export const IMAGENET_STATS: ChannelStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** CIFAR-10 training set, official binary release (per-pixel population statistics). */
export const CIFAR10_STATS: ChannelStats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

/** Fashion-MNIST training set (computed by `channelStats` on the 60,000 training images). */
export const FASHION_MNIST_STATS: ChannelStats = { mean: [0.286], std: [0.353] };

/**
 * Normalization, the last step of every view: `(x - mean) / std` per channel. `[N, H, W, C]` -> same shape;
 * `mean` and `std` have C entries.
 */
export function normalize(images: tf.Tensor4D, { mean, std }: ChannelStats): tf.Tensor4D {
  const c = images.shape[3];
  if (mean.length !== c || std.length !== c) {
    throw new Error(`normalize: ${mean.length} means and ${std.length} stds for images of shape [${images.shape}]`);
  }
  if (std.some((s) => !(s > 0))) throw new Error(`normalize: std must be > 0, got [${std}]`);
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d(mean as number[])), tf.tensor1d(std as number[])) as tf.Tensor4D);
}

/** Mean and (population) standard deviation of every channel over all pixels of a dataset, on the [0, 1] scale. */
export async function channelStats(dataset: ImageDataset, chunk = 1024): Promise<ChannelStats> {
  const c = dataset.imageShape[2];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let start = 0; start < dataset.size; start += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, dataset.size - start) }, (_, k) => start + k);
    const px = await dataset.read(idx);
    for (let i = 0; i < px.length; i++) {
      const v = px[i] / 255;
      sum[i % c] += v;
      sq[i % c] += v * v;
    }
  }
  const count = (dataset.size * dataset.imageShape[0] * dataset.imageShape[1]) || 1;
  const mean = Array.from(sum, (s) => s / count);
  return { mean, std: Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / count - mean[k] * mean[k]))) };
}
