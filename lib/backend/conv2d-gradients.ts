import * as tf from '@tensorflow/tfjs-core';

/**
 * The geometry of one forward 2-D convolution (NHWC, dilation 1) as tfjs computes it:
 * `tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode)`.
 * Every padding form ('same', 'valid', a symmetric number, explicit pairs) is resolved into
 * `padInfo.{top, bottom, left, right}` and `outHeight/outWidth`, which is all the gradients below read.
 */
export type Conv2DGeometry = tf.backend_util.Conv2DInfo;

type SpatialPadding = [[0, 0], [number, number], [number, number], [0, 0]];

/**
 * Applies signed spatial paddings to `[N, H, W, C]`: the negative parts crop `x` now (a slice), the positive
 * parts are returned as explicit zero padding for the convolution that follows, which pads without a copy.
 */
function cropThenPadding(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { cropped: tf.Tensor4D; padding: SpatialPadding } {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const keepH = h - cropTop - Math.max(0, -bottom);
  const keepW = w - cropLeft - Math.max(0, -right);
  const cropped = keepH === h && keepW === w ? x : tf.slice(x, [0, cropTop, cropLeft, 0], [n, keepH, keepW, c]);
  const padding: SpatialPadding = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return { cropped, padding };
}

/**
 * Inserts `stride - 1` zeros after every row and column: `[N, Ho, Wo, C] -> [N, Ho * sh, Wo * sw, C]`, with
 * `dy[n, i, j, c]` at `[n, i * sh, j * sw, c]` (the trailing zeros are cropped or kept by the caller's padding).
 */
function dilateWithZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n * ho, 1, wo, 1, c]), [
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, [n, ho * sh, wo * sw, c]);
}

/**
 * Gradient of a 2-D convolution with respect to its filter, `dL/dW`, as one forward convolution so that it runs
 * on the backend's fast forward kernel (XNNPACK on wasm).
 *
 * `dW[a, b, ci, co] = sum_{n, i, j} xPadded[n, i * sh + a, j * sw + b, ci] * dy[n, i, j, co]`: with `x`
 * transposed to `[Ci, H, W, N]` (batch = input channel, channels = batch) and `dy` to `[Ho, Wo, N, Co]` (a
 * filter as large as the output), this is a forward convolution with stride 1 and dilation equal to the forward
 * stride, whose `[Ci, kh, kw, Co]` output is transposed back. A 1x1 filter without padding (ResNet's
 * pointwise and shortcut convolutions, the CbE heads) takes a cheaper route: one matrix product.
 *
 * @param x forward input `[N, H, W, Ci]`
 * @param dy gradient of the forward output `[N, Ho, Wo, Co]`
 * @param geometry the forward convolution's geometry
 * @returns `[kh, kw, Ci, Co]`
 */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, geometry: Conv2DGeometry): tf.Tensor4D {
  checkGeometry('conv2dFilterGradient', geometry, x.shape, dy.shape);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = geometry;
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = geometry;
  return tf.tidy(() => {
    // Rows the forward convolution never reached (the output size rounds down) are cropped away; rows it
    // read beyond the input (bottom / right padding) are zeros.
    const bottom = (ho - 1) * sh + kh - h - padInfo.top;
    const right = (wo - 1) * sw + kw - w - padInfo.left;
    if (kh === 1 && kw === 1 && padInfo.top === 0 && padInfo.left === 0 && bottom <= 0 && right <= 0) {
      return pointwiseFilterGradient(x, dy, sh, sw);
    }
    const { cropped, padding } = cropThenPadding(x, padInfo.top, bottom, padInfo.left, right);
    const xT = tf.transpose(cropped, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const g = tf.conv2d(xT, dyT, 1, padding, 'NHWC', [sh, sw]);
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * `dL/dW` of an unpadded 1x1 convolution, `[1, 1, Ci, Co]`: `x[:, ::sh, ::sw, :]^T dy` over the `N * Ho * Wo`
 * positions. The smaller of the two operands is transposed explicitly: the wasm backend's `matMul(a, b, transposeA)` is
 * several times slower than a transpose followed by a plain product.
 */
function pointwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const used =
    ho === h && wo === w ? x : tf.stridedSlice(x, [0, 0, 0, 0], [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, ci], [1, sh, sw, 1]);
  const x2 = tf.reshape(used, [-1, ci]) as tf.Tensor2D;
  const dy2 = tf.reshape(dy, [-1, co]) as tf.Tensor2D;
  const g = ci <= co ? tf.matMul(tf.transpose(x2), dy2) : tf.transpose(tf.matMul(tf.transpose(dy2), x2));
  return tf.reshape(g, [1, 1, ci, co]);
}

/**
 * Gradient of a 2-D convolution with respect to its input, `dL/dx`, as one forward convolution: `dy` is spread
 * out by the stride with zeros, padded by `k - 1 - pad`, and convolved with stride 1 by the filter flipped
 * spatially with its input and output channels swapped (`[kh, kw, Co, Ci]`).
 *
 * @param dy gradient of the forward output `[N, Ho, Wo, Co]`
 * @param filter forward filter `[kh, kw, Ci, Co]`
 * @param geometry the forward convolution's geometry
 * @returns `[N, H, W, Ci]`
 */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, geometry: Conv2DGeometry): tf.Tensor4D {
  checkGeometry('conv2dInputGradient', geometry, geometry.inShape, dy.shape, filter.shape);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = geometry;
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = geometry;
  return tf.tidy(() => {
    const spread = dilateWithZeros(dy, sh, sw);
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    const bottom = h + kh - 1 - top - ho * sh;
    const right = w + kw - 1 - left - wo * sw;
    const { cropped, padding } = cropThenPadding(spread, top, bottom, left, right);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(cropped, flipped as tf.Tensor4D, 1, padding);
  });
}

/** Rejects geometries these gradients do not cover (dilation, NCHW) and shapes that do not match it. */
function checkGeometry(
  fn: string,
  g: Conv2DGeometry,
  xShape: readonly number[],
  dyShape: readonly number[],
  filterShape: readonly number[] = g.filterShape,
): void {
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1) {
    throw new Error(`${fn}: dilation [${g.dilationHeight}, ${g.dilationWidth}] is not supported, only 1`);
  }
  if (g.dataFormat !== 'channelsLast') {
    throw new Error(`${fn}: data format '${g.dataFormat}' is not supported, only NHWC (channelsLast)`);
  }
  const same = (a: readonly number[], b: readonly number[]) => tf.util.arraysEqual(a as number[], b as number[]);
  if (!same(xShape, g.inShape) || !same(dyShape, g.outShape) || !same(filterShape, g.filterShape)) {
    throw new Error(
      `${fn}: shapes x [${xShape}], dy [${dyShape}], filter [${filterShape}] do not match the convolution ` +
        `x [${g.inShape}] -> dy [${g.outShape}] with filter [${g.filterShape}]`,
    );
  }
}
