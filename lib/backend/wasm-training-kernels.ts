import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradient, conv2dInputGradient, Conv2DGeometry } from './conv2d-gradients';
import { registerWasmCropAndResize, WASM_CROP_KERNELS } from './wasm-crop-and-resize';
import { registerWasmReductions, WASM_REDUCTION_KERNELS } from './wasm-reductions';

/**
 * Kernels that make the `wasm` backend (tfjs-backend-wasm 4.22) train a ResNet, and train it accurately:
 * - `Conv2DBackpropFilter`: missing from the wasm backend, so every convolution's weight gradient would fail;
 * - `Conv2DBackpropInput`: present, but a plain loop; replaced by one routed through the fast forward Conv2D.
 *   Both are expressed as forward convolutions (see conv2d-gradients.ts);
 * - `Sum`, `Mean` (float32): present, but with a float accumulator; replaced by ones that accumulate in double
 *   (see wasm-reductions.ts);
 * - `CropAndResize` (bilinear, float32): present, but its float32 sample positions can overshoot the last row or
 *   column and fill it with the extrapolation value; replaced by the cpu backend's sampling (wasm-crop-and-resize.ts).
 * Every other kernel of a ResNet training step (batch norm from moments, ReLU, max pool and its gradient, matMul,
 * add, softmax cross-entropy) exists on wasm 4.22.
 */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  ...WASM_REDUCTION_KERNELS,
  ...WASM_CROP_KERNELS,
];

/**
 * Wraps a kernel input as a Tensor owned by the caller of the wrapper. The engine hands kernels bare TensorInfos;
 * without the extra reference, disposing the wrapper would free the data of the caller's tensor.
 */
function borrow<R extends tf.Rank>(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor<R> {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor<R>;
}

function geometry(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): Conv2DGeometry {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm training kernel): data format '${attrs.dataFormat}' is not supported, only NHWC`);
  }
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, attrs, backend: b }) => {
  const backend = b as tf.KernelBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const g = geometry(tf.Conv2DBackpropFilter, x.shape as [number, number, number, number], a.filterShape, a);
  return tf.tidy(() => conv2dFilterGradient(borrow(x, backend), borrow(dy, backend), g));
};

const conv2DBackpropInput: tf.KernelFunc = ({ inputs, attrs, backend: b }) => {
  const backend = b as tf.KernelBackend;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const g = geometry(tf.Conv2DBackpropInput, a.inputShape, filter.shape as [number, number, number, number], a);
  return tf.tidy(() => conv2dInputGradient(borrow(dy, backend), borrow(filter, backend), g));
};

const KERNELS: ReadonlyArray<tf.KernelConfig> = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput },
];

/**
 * Registers the training kernels for the `wasm` backend, replacing the built-in `Conv2DBackpropInput` for this
 * process. Idempotent; works before or after the backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  for (const k of KERNELS) {
    const existing = tf.getKernelsForBackend('wasm').find((r) => r.kernelName === k.kernelName);
    if (existing?.kernelFunc === k.kernelFunc) continue;
    if (existing) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  registerWasmReductions();
  registerWasmCropAndResize();
}
