import { Rng } from '../../nn/rng';
import type { TwoViewRecipe, ViewRecipe } from '../views';
import { ColorJitterDraws, sampleColorJitter } from './color-jitter';
import { cropBicubicInto } from './bicubic';
import { checkInterpolation, cropBoxCoordinates, DEFAULT_CROP_INTERPOLATION } from './crop-resize';
import { blurRadius, gaussianKernel, sampleGaussianBlur } from './gaussian-blur';
import { LUMA_WEIGHTS } from './grayscale';
import { cropSize, sampleCropBoxes } from './random-resized-crop';
import { cropInto } from './bilinear-crop';

/**
 * The view recipe in one pass over typed arrays, image by image: random resized crop + flip, colour jitter,
 * grayscale, gaussian blur, solarization and normalization without a tensor in between. It is the data path of
 * training (`runTraining` runs it in a worker thread, off the training thread); the tensor-op functions of this
 * folder (`augmentView`) stay the reference it is tested against.
 *
 * The random draws are the tensor path's, in the same order (`sampleView` calls the same samplers), so one seed
 * gives both paths the same crops, flips, jitters, blurs and solarizations. The arithmetic follows each tensor op:
 * a bilinear crop is tfjs' `cropAndResize` (the same box mapping, so it is bit-identical to the cpu backend's
 * kernel), a bicubic one Pillow's resize with the weights the tensor path multiplies by (`bicubic.ts`), the flip
 * is exact, every stage is rounded to float32 where the tensor path stores a tensor. What can differ is the float32
 * rounding inside the bicubic and blur sums, the colour maps and the hue rotation (a few 1e-7 on [0, 1] pixels).
 */

/** The random choices of one view of a batch (see `sampleView`). */
export interface ViewDraws {
  /** `[y1, x1, y2, x2]` per image, `cropAndResize`'s normalised box of the random resized crop. */
  boxes: Float32Array;
  /** `[i, j, h, w]` per image, the same crop in pixels (top row, left column, height, width). */
  crops: Int32Array;
  /** Per image, the flip draw (flipped when below `recipe.flip`). */
  flip: Float32Array;
  jitter: ColorJitterDraws;
  /** Per image, the grayscale draw (gray when below `recipe.grayscale`). */
  gray: Float32Array;
  /** The blurred images and their sigmas, in pixels. */
  blur: { chosen: number[]; sigmas: number[] };
  /** Per image, the solarization draw (solarized when below `recipe.solarize.p`). */
  solarize: Float32Array;
}

/** Checks a batch shape `[N, H, W, C]` and returns it as numbers. */
function checkShape(shape: readonly number[], length: number, who: string): [number, number, number, number] {
  if (shape.length !== 4 || shape.some((d) => !(Number.isInteger(d) && d > 0))) {
    throw new Error(`${who}: shape must be [N, H, W, C] of positive integers, got [${shape}]`);
  }
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new Error(`${who}: images must have 1 or 3 channels, got shape [${shape}]`);
  if (length !== n * h * w * c) throw new Error(`${who}: ${length} values for shape [${shape}] (${n * h * w * c} expected)`);
  return [n, h, w, c];
}

/**
 * Draws one view's random choices for a batch of `n` `H` x `W` x `C` images, consuming `rng` exactly as
 * `augmentView` does: the crop boxes of all images, the flips, colour jitter (8 per image), grayscale, blur
 * (2 per image), solarization.
 */
export function sampleView(n: number, H: number, W: number, C: number, recipe: ViewRecipe, rng: Rng): ViewDraws {
  const size = cropSize(recipe.crop.size);
  const pixelBoxes = sampleCropBoxes(n, H, W, rng, recipe.crop);
  const boxes = cropBoxCoordinates(pixelBoxes, H, W, size);
  const crops = Int32Array.from(pixelBoxes.flatMap((b) => [b.i, b.j, b.h, b.w]));
  const flip = rng.uniforms(n);
  const jitter = sampleColorJitter(n, C, rng, recipe.colorJitter);
  const gray = rng.uniforms(n);
  const blur = sampleGaussianBlur(n, rng, recipe.blur);
  const solarize = rng.uniforms(n);
  return { boxes, crops, flip, jitter, gray, blur, solarize };
}

const f32 = Math.fround;
const HUE = 3;
/** Brightness, contrast, saturation as `[scale, mix, shift]` of `out = scale * x + mix * luma(x) + shift * mean luma`. */
const MAPS = [(f: number) => [f, 0, 0], (f: number) => [f, 0, 1 - f], (f: number) => [f, 1 - f, 0]];
/** HSV -> RGB offsets of the sector-free form (see `adjustHue`): n = 5, 3, 1 for R, G, B. */
const HUE_OFFSETS = [5, 3, 1];

/** One colour map (`affineColor`) on one image in place, clamped to [0, 1]. */
function colorMapInPlace(x: Float32Array, C: number, scale: number, mix: number, shift: number): void {
  const pixels = x.length / C;
  if (C === 1) {
    const m = f32(scale + mix);
    let meanShift = 0;
    if (shift !== 0) {
      let sum = 0;
      for (let i = 0; i < pixels; i++) sum += x[i];
      meanShift = f32(f32(sum / pixels) * f32(shift));
    }
    for (let i = 0; i < pixels; i++) x[i] = Math.min(1, Math.max(0, f32(x[i] * m) + meanShift));
    return;
  }
  const [w0, w1, w2] = LUMA_WEIGHTS;
  // M[k][j] = (k == j ? scale : 0) + mix * w[k], as float32 (the tensor path's matrix).
  const d0 = f32(scale + mix * w0), d1 = f32(scale + mix * w1), d2 = f32(scale + mix * w2);
  const o0 = f32(mix * w0), o1 = f32(mix * w1), o2 = f32(mix * w2);
  let meanShift = 0;
  if (shift !== 0) {
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < pixels; i++) {
      r += x[3 * i];
      g += x[3 * i + 1];
      b += x[3 * i + 2];
    }
    const luma = f32(f32(r / pixels) * f32(w0) + f32(g / pixels) * f32(w1) + f32(b / pixels) * f32(w2));
    meanShift = f32(luma * f32(shift));
  }
  for (let i = 0; i < pixels; i++) {
    const r = x[3 * i], g = x[3 * i + 1], b = x[3 * i + 2];
    x[3 * i] = Math.min(1, Math.max(0, f32(r * d0 + g * o1 + b * o2) + meanShift));
    x[3 * i + 1] = Math.min(1, Math.max(0, f32(r * o0 + g * d1 + b * o2) + meanShift));
    x[3 * i + 2] = Math.min(1, Math.max(0, f32(r * o0 + g * o1 + b * d2) + meanShift));
  }
}

/** Hue rotation by `turns` on one RGB image in place (`adjustHue`'s sector-free HSV round trip). */
function hueInPlace(x: Float32Array, turns: number): void {
  const shift = f32(6 * turns);
  for (let i = 0; i < x.length; i += 3) {
    const r = x[i], g = x[i + 1], b = x[i + 2];
    const maxc = Math.max(r, g, b);
    const chroma = maxc - Math.min(r, g, b);
    // The first maximal channel picks the sector, R before G before B (tf.argMax).
    const sixths = r === maxc ? (g - b) / Math.max(chroma, 1e-30) : g === maxc ? (b - r) / Math.max(chroma, 1e-30) + 2 : (r - g) / Math.max(chroma, 1e-30) + 4;
    const turned = sixths + shift;
    for (let j = 0; j < 3; j++) {
      const q = (((turned + HUE_OFFSETS[j]) % 6) + 6) % 6;
      const k = Math.min(1, Math.max(0, Math.min(q, 4 - q)));
      x[i + j] = maxc - chroma * k;
    }
  }
}

/** Reflect-padded index (`mirrorPad` 'reflect'): -1 -> 1, n -> n - 2; valid for offsets below n. */
function reflect(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** Separable gaussian blur of one `h` x `w` x `C` image in place, vertical then horizontal (`gaussianBlur`). */
function blurInPlace(x: Float32Array, h: number, w: number, C: number, kernel: Float32Array, radius: number, tmp: Float32Array): void {
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) s += kernel[t + radius] * x[(reflect(y + t, h) * w + xx) * C + c];
        tmp[(y * w + xx) * C + c] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) s += kernel[t + radius] * tmp[(y * w + reflect(xx + t, w)) * C + c];
        x[(y * w + xx) * C + c] = s;
      }
    }
  }
}

/**
 * Applies one view's draws to a batch: `images` `[N, H, W, C]` in [0, 1] (float32, row-major) -> the view
 * `[N, size, size, C]` as a new Float32Array, normalized when the recipe says so.
 */
export function applyView(images: Float32Array, shape: readonly number[], recipe: ViewRecipe, draws: ViewDraws): Float32Array {
  const [n, H, W, C] = checkShape(shape, images.length, 'applyView');
  const [h, w] = cropSize(recipe.crop.size);
  const stats = recipe.normalize;
  if (stats && (stats.mean.length !== C || stats.std.length !== C)) {
    throw new Error(`normalize: ${stats.mean.length} means and ${stats.std.length} stds for images of shape [${shape}]`);
  }
  if (stats && stats.std.some((s) => !(s > 0))) throw new Error(`normalize: std must be > 0, got [${stats.std}]`);
  const bicubic = checkInterpolation(recipe.crop.interpolation ?? DEFAULT_CROP_INTERPOLATION, 'applyView') === 'bicubic';
  const per = h * w * C;
  const out = new Float32Array(n * per);
  const tmp = new Float32Array(Math.max(per, bicubic ? H * w * C : 0));
  const { jitter, blur } = draws;
  const radius = blurRadius(blur.sigmas, h, w);
  const blurOf = new Map<number, number>();
  blur.chosen.forEach((i, k) => blurOf.set(i, blur.sigmas[k]));
  const threshold = f32(recipe.solarize.threshold);
  const mean = stats ? stats.mean.map(f32) : [];
  const std = stats ? stats.std.map(f32) : [];
  for (let i = 0; i < n; i++) {
    const x = out.subarray(i * per, (i + 1) * per);
    const image = images.subarray(i * H * W * C, (i + 1) * H * W * C);
    const flip = draws.flip[i] < recipe.flip;
    if (bicubic) {
      const [top, left, bh, bw] = draws.crops.subarray(4 * i, 4 * i + 4);
      cropBicubicInto(image, W, C, top, left, bh, bw, x, h, w, flip, tmp);
    } else cropInto(image, H, W, C, draws.boxes, i, x, h, w, flip);
    if (jitter.apply[i]) {
      for (let step = 0; step < 4; step++) {
        const op = jitter.order[i][step];
        if (!jitter.enabled[op]) continue;
        if (op === HUE) hueInPlace(x, jitter.factors[i][HUE]);
        else {
          const [scale, mix, shift] = MAPS[op](jitter.factors[i][op]);
          colorMapInPlace(x, C, scale, mix, shift);
        }
      }
    }
    if (C === 3 && draws.gray[i] < recipe.grayscale) colorMapInPlace(x, C, 0, 1, 0);
    const sigma = blurOf.get(i);
    if (sigma !== undefined && radius >= 1) blurInPlace(x, h, w, C, gaussianKernel(sigma, radius), radius, tmp);
    if (draws.solarize[i] < recipe.solarize.p) {
      for (let k = 0; k < per; k++) if (x[k] >= threshold) x[k] = 1 - x[k];
    }
    if (stats) for (let k = 0; k < per; k++) x[k] = f32(x[k] - mean[k % C]) / std[k % C];
  }
  return out;
}

/** `k / 255` for every uint8 value, as float32 (the loader's conversion of stored pixels). */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/** uint8 pixels -> float32 in [0, 1], as `pixelsToTensor` converts them. */
export function pixelsToUnit(pixels: Uint8Array): Float32Array {
  const f = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) f[i] = UNIT_SCALE[pixels[i]];
  return f;
}

/**
 * The two views of a batch of uint8 pixels `[N, H, W, C]` under a two-view recipe, view 1 first, both drawn
 * from `rng` as `twoViews` draws them: two Float32Arrays `[N, size, size, C]`.
 */
export function fusedTwoViews(pixels: Uint8Array | Float32Array, shape: readonly number[], recipe: TwoViewRecipe, rng: Rng): [Float32Array, Float32Array] {
  const [n, H, W, C] = checkShape(shape, pixels.length, 'fusedTwoViews');
  const images = pixels instanceof Uint8Array ? pixelsToUnit(pixels) : pixels;
  const v1 = applyView(images, shape, recipe.view1, sampleView(n, H, W, C, recipe.view1, rng));
  return [v1, applyView(images, shape, recipe.view2, sampleView(n, H, W, C, recipe.view2, rng))];
}
