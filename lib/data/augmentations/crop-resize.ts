import * as tf from '@tensorflow/tfjs-core';
import { bicubicMatrix } from './bicubic';

/** A crop in pixels: top row `i`, left column `j`, height `h`, width `w` (torchvision's `(i, j, h, w)`). */
export interface CropBox {
  i: number;
  j: number;
  h: number;
  w: number;
}

/**
 * How a crop is resized: `'bilinear'` (tfjs' `cropAndResize`, no antialiasing when shrinking) or `'bicubic'`
 * (Pillow's bicubic resize, antialiased when shrinking, as the Barlow Twins recipe's torchvision
 * `RandomResizedCrop(..., interpolation=BICUBIC)` on PIL images; see `bicubic.ts`).
 */
export type CropInterpolation = 'bilinear' | 'bicubic';

/**
 * The interpolation of a crop that names none: bilinear, what every view recipe used before the choice existed,
 * so that their configs keep their meaning. The Barlow Twins recipe (`barlowTwinsViews`) names `'bicubic'`.
 */
export const DEFAULT_CROP_INTERPOLATION: CropInterpolation = 'bilinear';

/** The interpolations a crop can be resized with. */
export const CROP_INTERPOLATIONS: readonly CropInterpolation[] = ['bilinear', 'bicubic'];

/** Throws, naming `who` and the value, unless `value` is a `CropInterpolation`. */
export function checkInterpolation(value: unknown, who: string): CropInterpolation {
  if (!CROP_INTERPOLATIONS.includes(value as CropInterpolation)) {
    throw new Error(`${who}: interpolation must be ${CROP_INTERPOLATIONS.map((v) => `'${v}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value as CropInterpolation;
}

/**
 * Normalised `[y1, x1, y2, x2]` for `tf.image.cropAndResize` so that sampling a crop of `length` pixels
 * starting at `start` onto `out` pixels uses half-pixel centres when shrinking (exactly PyTorch's
 * `interpolate(..., mode='bilinear', align_corners=False)` of the crop) and the crop's first and last pixel
 * centres when enlarging: every sample point stays inside the crop, so nothing outside it leaks in.
 */
function span(start: number, length: number, out: number, full: number): [number, number] {
  if (full === 1) return [0, 0];
  const reach = Math.min((length * (out - 1)) / out, length - 1);
  const centre = start + (length - 1) / 2;
  return [(centre - reach / 2) / (full - 1), (centre + reach / 2) / (full - 1)];
}

/**
 * Cuts one box out of each image of `images` `[N, H, W, C]` (in [0, 1]) and resizes it to `size` `[h, w]`.
 *
 * `'bilinear'` (`DEFAULT_CROP_INTERPOLATION`): one batched `cropAndResize`; shrinking
 * does not antialias, as torchvision's tensor path without `antialias`. `'bicubic'`: the Barlow Twins recipe's
 * resize (Pillow's, see `bicubic.ts`) as two batched matmuls, `W_x` over the columns then `W_y` over the rows
 * with each box's separable weights, on any backend; clamped to [0, 1] as Pillow's 8-bit output is (without
 * its rounding to 1/255).
 */
export function cropResize(images: tf.Tensor4D, boxes: readonly CropBox[], size: readonly [number, number], interpolation: CropInterpolation = DEFAULT_CROP_INTERPOLATION): tf.Tensor4D {
  const [n, H, W, C] = images.shape;
  if (boxes.length !== n) throw new Error(`cropResize: ${boxes.length} boxes for a batch of ${n}`);
  checkInterpolation(interpolation, 'cropResize');
  const flat = cropBoxCoordinates(boxes, H, W, size);
  if (interpolation === 'bicubic') {
    const [h, w] = size;
    const wy = new Float32Array(n * h * H);
    const wx = new Float32Array(n * w * W);
    boxes.forEach((b, k) => {
      wy.set(bicubicMatrix(b.i, b.h, H, h), k * h * H);
      wx.set(bicubicMatrix(b.j, b.w, W, w), k * w * W);
    });
    return tf.tidy(() => {
      // [N, W, H*C] -> W_x -> [N, w, H*C] -> [N, H, w*C] -> W_y -> [N, h, w*C].
      const columns = tf.reshape(tf.transpose(images, [0, 2, 1, 3]), [n, W, H * C]);
      const across = tf.matMul(tf.tensor3d(wx, [n, w, W]), columns);
      const rows = tf.reshape(tf.transpose(tf.reshape(across, [n, w, H, C]), [0, 2, 1, 3]), [n, H, w * C]);
      const down = tf.matMul(tf.tensor3d(wy, [n, h, H]), rows);
      return tf.clipByValue(tf.reshape(down, [n, h, w, C]), 0, 1);
    });
  }
  return tf.tidy(() =>
    tf.image.cropAndResize(
      images,
      tf.tensor2d(flat, [n, 4]),
      tf.tensor1d(Int32Array.from({ length: n }, (_, k) => k), 'int32'),
      [size[0], size[1]],
      'bilinear',
    ),
  );
}

/**
 * The normalised `[y1, x1, y2, x2]` of each box for `cropAndResize` onto `size` `[h, w]` (see `span`), four
 * float32 values per box; throws if a box is not inside the `H` x `W` image.
 */
export function cropBoxCoordinates(boxes: readonly CropBox[], H: number, W: number, size: readonly [number, number]): Float32Array {
  const flat = new Float32Array(4 * boxes.length);
  boxes.forEach((b, k) => {
    if (!(b.h > 0 && b.w > 0 && b.i >= 0 && b.j >= 0 && b.i + b.h <= H && b.j + b.w <= W)) {
      throw new Error(`cropResize: box ${JSON.stringify(b)} of sample ${k} is not inside a ${H}x${W} image`);
    }
    const [y1, y2] = span(b.i, b.h, size[0], H);
    const [x1, x2] = span(b.j, b.w, size[1], W);
    flat.set([y1, x1, y2, x2], 4 * k);
  });
  return flat;
}

/**
 * The evaluation transform: the central square of side `fraction` times the shorter image side, resized to
 * `size` x `size` (`fraction = 224 / 256` is torchvision's Resize(256) + CenterCrop(224)).
 */
export function centerCrop(images: tf.Tensor4D, size: number, fraction = 1): tf.Tensor4D {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`centerCrop: fraction must be in (0, 1], got ${fraction}`);
  const [n, H, W] = images.shape;
  const side = Math.max(1, Math.round(fraction * Math.min(H, W)));
  const box: CropBox = { i: Math.floor((H - side) / 2), j: Math.floor((W - side) / 2), h: side, w: side };
  return cropResize(images, Array.from({ length: n }, () => box), [size, size]);
}
