/**
 * Bilinear crop of image `src` (`H` x `W` x `C`) by box `k` of `box` (`[y1, x1, y2, x2]` per box, normalised) onto
 * `out` (`h` x `w` x `C`), mirrored when `flip`; a sample outside the image is `extrapolationValue`. The `cpu`
 * backend's `cropAndResize` arithmetic, in the same order (JavaScript doubles), so the fused view path and the wasm
 * backend's `CropAndResize` equal it bit for bit.
 */
export function cropInto(
  src: ArrayLike<number>, H: number, W: number, C: number, box: ArrayLike<number>, k: number,
  out: { [i: number]: number }, h: number, w: number, flip = false, extrapolationValue = 0,
): void {
  const y1 = box[4 * k];
  const x1 = box[4 * k + 1];
  const y2 = box[4 * k + 2];
  const x2 = box[4 * k + 3];
  const heightScale = h > 1 ? ((y2 - y1) * (H - 1)) / (h - 1) : 0;
  const widthScale = w > 1 ? ((x2 - x1) * (W - 1)) / (w - 1) : 0;
  for (let y = 0; y < h; y++) {
    const yInd = h > 1 ? y1 * (H - 1) + y * heightScale : 0.5 * (y1 + y2) * (H - 1);
    for (let x = 0; x < w; x++) {
      const o = (y * w + (flip ? w - 1 - x : x)) * C;
      const xInd = w > 1 ? x1 * (W - 1) + x * widthScale : 0.5 * (x1 + x2) * (W - 1);
      if (yInd < 0 || yInd > H - 1 || xInd < 0 || xInd > W - 1) {
        for (let c = 0; c < C; c++) out[o + c] = extrapolationValue;
        continue;
      }
      const top = Math.floor(yInd);
      const bottom = Math.ceil(yInd);
      const yLerp = yInd - top;
      const left = Math.floor(xInd);
      const right = Math.ceil(xInd);
      const xLerp = xInd - left;
      for (let c = 0; c < C; c++) {
        const tl = src[(top * W + left) * C + c];
        const tr = src[(top * W + right) * C + c];
        const bl = src[(bottom * W + left) * C + c];
        const br = src[(bottom * W + right) * C + c];
        const t = tl + (tr - tl) * xLerp;
        const b = bl + (br - bl) * xLerp;
        out[o + c] = t + (b - t) * yLerp;
      }
    }
  }
}
