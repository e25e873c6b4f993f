import * as tf from '@tensorflow/tfjs-core';

/**
 * The weights of PIL's BOX resampling (Pillow `ImagingResample`, `box_filter`) of `inSize` samples to
 * `outSize`, as a matrix `[outSize, inSize]`. Output sample i averages, with equal weights, the input samples
 * whose centres lie in (i s, (i + 1) s] for s = inSize / outSize; when enlarging this is nearest-neighbour
 * with index floor((i + 0.5) s). PIL rounds to 8 bits after each axis; this float version does not.
 */
export function boxResampleMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 0.5 * filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support + 0.5), 0);
    const hi = Math.min(Math.floor(center + support + 0.5), inSize);
    let total = 0;
    const row: number[] = [];
    for (let k = lo; k < hi; k++) {
      const t = (k - center + 0.5) / filterScale;
      const w = t > -0.5 && t <= 0.5 ? 1 : 0;
      row.push(w);
      total += w;
    }
    for (let k = lo; k < hi; k++) m[i * inSize + k] = row[k - lo] / total;
  }
  return m;
}

/** `out[..., i, ...] = sum_k m[i, k] x[..., k, ...]` along `axis` (1: height, 2: width) of `[N, H, W, C]`. */
export function applyAlongAxis(x: tf.Tensor4D, m: tf.Tensor2D, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const perm = axis === 1 ? [1, 0, 2, 3] : [2, 0, 1, 3];
    const inverse = axis === 1 ? [1, 0, 2, 3] : [1, 2, 0, 3];
    const moved = tf.transpose(x, perm);
    const [len, ...rest] = moved.shape;
    const flat = tf.reshape(moved, [len, rest.reduce((a, b) => a * b, 1)]);
    const out = tf.reshape(tf.matMul(m, flat), [m.shape[0], ...rest]);
    return tf.transpose(out, inverse) as tf.Tensor4D;
  });
}
