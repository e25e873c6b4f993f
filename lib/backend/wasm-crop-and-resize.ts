import * as tf from '@tensorflow/tfjs-core';
import { cropInto } from '../data/augmentations/bilinear-crop';

/**
 * A bilinear float32 `CropAndResize` for the `wasm` backend that samples as the `cpu` backend does (JavaScript
 * doubles). tfjs-backend-wasm 4.22's kernel computes the sample positions in float32, so a box that ends on the
 * image's last row or column (y2 = 1 with y1 > 0, the bottom of a random resized crop) can place its last sample a
 * rounding step past the edge, where it is filled with the extrapolation value: a black last row in the view. Other
 * methods and dtypes go to the built-in kernel.
 */
export const WASM_CROP_KERNELS: readonly string[] = [tf.CropAndResize];

/** The kernel functions made here (so that registering again is a no-op, and a built-in is never wrapped twice). */
const ours = new WeakSet<tf.KernelFunc>();

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (public methods of that class). */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/**
 * out `[B, h, w, C]` = each box `[y1, x1, y2, x2]` (normalised) of image `boxInd[b]` of `image` `[N, H, W, C]`,
 * bilinearly sampled as the cpu backend does (`cropInto`); a sample outside the image is `extrapolationValue`, a box
 * naming no image is zeros (as on cpu).
 */
function cropAndResizeBilinear(
  image: tf.TypedArray, [N, H, W, C]: number[], boxes: tf.TypedArray, boxInd: tf.TypedArray, h: number, w: number,
  extrapolationValue: number, out: tf.TypedArray,
): void {
  const size = h * w * C;
  for (let b = 0; b < boxInd.length; b++) {
    const target = out.subarray(b * size, (b + 1) * size);
    if (!(boxInd[b] >= 0 && boxInd[b] < N)) target.fill(0);
    else cropInto(image.subarray(boxInd[b] * H * W * C, (boxInd[b] + 1) * H * W * C), H, W, C, boxes, b, target, h, w, false, extrapolationValue);
  }
}

function cropKernel(builtIn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { image, boxes, boxInd } = inputs as { image: tf.TensorInfo; boxes: tf.TensorInfo; boxInd: tf.TensorInfo };
    const { cropSize, method, extrapolationValue } = attrs as unknown as tf.CropAndResizeAttrs;
    if (method !== 'bilinear' || image.dtype !== 'float32' || boxes.dtype !== 'float32' || boxInd.dtype !== 'int32') return builtIn(args);
    const [h, w] = cropSize;
    // Output first: allocating can grow the wasm memory, which detaches views taken before it.
    const out = backend.makeOutput([boxInd.shape[0], h, w, image.shape[3]], 'float32');
    cropAndResizeBilinear(
      backend.typedArrayFromHeap(image), image.shape, backend.typedArrayFromHeap(boxes), backend.typedArrayFromHeap(boxInd), h, w,
      extrapolationValue, backend.typedArrayFromHeap(out),
    );
    return out;
  };
}

/**
 * Registers the bilinear `CropAndResize` for the `wasm` backend in place of the built-in one (kept for 'nearest' and
 * other dtypes). Idempotent; works before or after the backend is initialised.
 */
export function registerWasmCropAndResize(): void {
  const existing = tf.getKernelsForBackend('wasm').find((r) => r.kernelName === tf.CropAndResize);
  if (existing === undefined) throw new Error('registerWasmCropAndResize: the wasm backend has no built-in CropAndResize kernel to fall back on');
  if (ours.has(existing.kernelFunc)) return;
  const kernelFunc = cropKernel(existing.kernelFunc);
  ours.add(kernelFunc);
  tf.unregisterKernel(tf.CropAndResize, 'wasm');
  tf.registerKernel({ ...existing, kernelFunc });
}
