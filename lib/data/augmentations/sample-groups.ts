import * as tf from '@tensorflow/tfjs-core';

/** A set of samples of a batch and what to do to them. */
export interface SampleGroup {
  /** Batch indices, each in at most one group of a call. */
  indices: number[];
  /** Maps the gathered samples `[indices.length, H, W, C]` to new ones of the same shape. */
  fn: (samples: tf.Tensor4D, indices: number[]) => tf.Tensor4D;
}

/**
 * Applies a different tensor function to each group of samples of a batch `[N, H, W, C]` and leaves the other
 * samples as they are: the batched form of "with probability p, do f to this image". Each group is gathered,
 * transformed as one batch, and everything is put back in the original order with one gather, so the work is
 * proportional to the samples that change and no blending with a mask can perturb the untouched ones.
 * Returns a new tensor; `images` stays the caller's.
 */
export function mapSampleGroups(images: tf.Tensor4D, groups: SampleGroup[]): tf.Tensor4D {
  const n = images.shape[0];
  const used = groups.filter((g) => g.indices.length > 0);
  if (used.length === 0) return images.clone();
  return tf.tidy(() => {
    const position = new Int32Array(n).fill(-1);
    const parts: tf.Tensor4D[] = [];
    let at = 0;
    for (const g of used) {
      for (const i of g.indices) {
        if (!(Number.isInteger(i) && i >= 0 && i < n) || position[i] >= 0) {
          throw new Error(`mapSampleGroups: sample index ${i} is outside [0, ${n}) or in two groups`);
        }
        position[i] = at++;
      }
      const whole = g.indices.length === n;
      const out = g.fn(whole ? images : tf.gather(images, g.indices), g.indices);
      if (out.shape.length !== 4 || out.shape[0] !== g.indices.length || out.shape.slice(1).some((d, k) => d !== images.shape[k + 1])) {
        throw new Error(`mapSampleGroups: a group function returned shape [${out.shape}] for input [${g.indices.length}, ${images.shape.slice(1)}]`);
      }
      parts.push(out);
    }
    if (at === n && used.length === 1) return parts[0];
    const rest: number[] = [];
    for (let i = 0; i < n; i++) if (position[i] < 0) rest.push(i);
    rest.forEach((i) => (position[i] = at++));
    if (rest.length > 0) parts.push(tf.gather(images, rest));
    return tf.gather(tf.concat(parts, 0), position);
  });
}

/** The batch indices `i < n` for which `chosen(i)` holds. */
export function indicesWhere(n: number, chosen: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (chosen(i)) out.push(i);
  return out;
}
