/**
 * Bicubic resizing as Pillow's `Image.resize(size, Image.BICUBIC)` does it (libImaging/Resample.c), the
 * resize of the Barlow Twins recipe (torchvision's `RandomResizedCrop(224, interpolation=BICUBIC)` on PIL
 * images, which cuts the crop out and then resizes it): separable cubic convolution with a = -0.5 whose
 * support is stretched by the scale factor when shrinking (antialiasing), taps clipped to the crop and the
 * weights of each output pixel renormalised to sum to 1.
 *
 * The weights are computed once per crop box and axis (`bicubicCoefficients`); the typed-array pass
 * (`cropBicubicInto`) and the tensor path (`bicubicMatrix`, two batched matmuls in `cropResize`) use the same ones.
 */

/** Keys' cubic convolution kernel with a = -0.5 (Pillow's `bicubic_filter`), support [-2, 2]. */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** The weights of a 1-D resize of `length` input pixels onto `out` (see `bicubicCoefficients`). */
export interface ResampleCoefficients {
  /** Per output pixel, its first input pixel, counted from the crop's start. */
  first: Int32Array;
  /** Per output pixel, how many input pixels from `first` on it weighs. */
  count: Int32Array;
  /** `taps` weights per output pixel (zero past `count`), in float64, each row summing to 1. */
  weights: Float64Array;
  /** Weights stored per output pixel: Pillow's `ksize`, 2 * ceil(support) + 1. */
  taps: number;
}

/**
 * Pillow's `precompute_coeffs` for a crop of `length` pixels resized to `out` with the bicubic filter:
 * scale = length / out, support = 2 * max(scale, 1), output pixel o centred at (o + 0.5) * scale, taps
 * from round(centre - support) to round(centre + support) clipped to the crop, weights
 * cubic((tap - centre + 0.5) / max(scale, 1)) normalised by their sum.
 */
export function bicubicCoefficients(length: number, out: number): ResampleCoefficients {
  if (!(Number.isInteger(length) && length > 0 && Number.isInteger(out) && out > 0)) {
    throw new Error(`bicubicCoefficients: length and out must be positive integers, got ${length} and ${out}`);
  }
  const scale = length / out;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  // Pillow multiplies by the reciprocal; so do we, for the same last bits.
  const inverse = 1 / filterScale;
  const first = new Int32Array(out);
  const count = new Int32Array(out);
  const weights = new Float64Array(out * taps);
  for (let o = 0; o < out; o++) {
    const centre = (o + 0.5) * scale;
    // C's (int) truncates; below zero both ends clip to 0 anyway.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const n = Math.min(length, Math.trunc(centre + support + 0.5)) - lo;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      const w = cubic((t + lo - centre + 0.5) * inverse);
      weights[o * taps + t] = w;
      sum += w;
    }
    if (sum !== 0) for (let t = 0; t < n; t++) weights[o * taps + t] /= sum;
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, weights, taps };
}

/**
 * The bicubic resize of the crop `[start, start + length)` of an axis of `full` pixels onto `out` pixels as a
 * dense `[out, full]` float32 matrix (zero outside the crop): the tensor path's `W_y` / `W_x`.
 */
export function bicubicMatrix(start: number, length: number, full: number, out: number): Float32Array {
  if (!(Number.isInteger(start) && start >= 0 && start + length <= full)) {
    throw new Error(`bicubicMatrix: crop [${start}, ${start + length}) is not inside an axis of ${full} pixels`);
  }
  const { first, count, weights, taps } = bicubicCoefficients(length, out);
  const m = new Float32Array(out * full);
  for (let o = 0; o < out; o++) {
    for (let t = 0; t < count[o]; t++) m[o * full + start + first[o] + t] = weights[o * taps + t];
  }
  return m;
}

/**
 * Bicubic resize of the crop (top row `i`, left column `j`, `bh` x `bw` pixels) of image `src` (`H` x `W` x `C`,
 * float32, row-major) onto `out` (`h` x `w` x `C`), mirrored left-right when `flip`, clamped to [0, 1] (Pillow
 * clips its 8-bit output; the overshoot of the cubic kernel at edges would otherwise leave the pixel range).
 * Horizontal pass first, into the float32 scratch `tmp` of at least `bh * w * C` values, then vertical, each
 * summed in float64: Pillow's order and precision for float images.
 */
export function cropBicubicInto(
  src: Float32Array, W: number, C: number,
  i: number, j: number, bh: number, bw: number,
  out: Float32Array, h: number, w: number, flip: boolean, tmp: Float32Array,
): void {
  const cx = bicubicCoefficients(bw, w);
  const cy = bicubicCoefficients(bh, h);
  for (let y = 0; y < bh; y++) {
    const row = (i + y) * W;
    for (let x = 0; x < w; x++) {
      const lo = j + cx.first[x];
      const n = cx.count[x];
      const k = x * cx.taps;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += src[(row + lo + t) * C + c] * cx.weights[k + t];
        tmp[(y * w + x) * C + c] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    const lo = cy.first[y];
    const n = cy.count[y];
    const k = y * cy.taps;
    for (let x = 0; x < w; x++) {
      const o = (y * w + (flip ? w - 1 - x : x)) * C;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += tmp[((lo + t) * w + x) * C + c] * cy.weights[k + t];
        out[o + c] = Math.min(1, Math.max(0, Math.fround(s)));
      }
    }
  }
}
