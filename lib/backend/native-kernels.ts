import * as tf from '@tensorflow/tfjs-core';
import { BINARY_OPS, NativeAddon, REDUCE_OPS, UNARY_OPS } from './native-addon';
import type { NativeBackend } from './native-backend';

/**
 * The kernels the `native` backend runs in C++ (native/src): convolutions and their two gradients, batched
 * matrix products, elementwise and broadcast ops, reductions, transpose, pad, slice, tile and gather. Each one
 * handles float32 inputs (int32 indices for gather) and hands anything else (int32 or bool data, complex,
 * NCHW) to the `cpu` backend's kernel of the same name, which also runs every kernel not listed here.
 */

type Inputs = Record<string, tf.TensorInfo>;
export type Float32Kernel = (inputs: Inputs, attrs: tf.NamedAttrMap, backend: NativeBackend, addon: NativeAddon) => tf.TensorInfo | null;

/** The Float32Array behind a tensor of the cpu-style backend (shared, not copied). */
function values(backend: NativeBackend, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

/** Inputs that hold int32 indices rather than float32 data, by kernel. */
const INDEX_INPUTS: Readonly<Record<string, string>> = { [tf.GatherV2]: 'indices' };

/**
 * Whether the native kernel can read the inputs in place: float32 data in Float32Arrays (int32 indices in
 * Int32Arrays). The dtype alone does not tell: the cpu backend's Cast from int32 or bool to float32 relabels
 * the same Int32Array / Uint8Array without converting it.
 */
function supportedDtypes(kernelName: string, inputs: Inputs, backend: NativeBackend): boolean {
  return Object.entries(inputs).every(([name, t]) => {
    const index = INDEX_INPUTS[kernelName] === name;
    if (t.dtype !== (index ? 'int32' : 'float32')) return false;
    const v = backend.data.get(t.dataId).values;
    return index ? v instanceof Int32Array : v instanceof Float32Array;
  });
}

function conv2dGeometry(info: tf.backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, p.top, p.left, p.bottom, p.right,
    info.outHeight, info.outWidth,
  ];
}

const conv2D: Float32Kernel = ({ x, filter }, attrs, backend, addon) => {
  const a = attrs as unknown as tf.Conv2DAttrs;
  if (a.dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides, a.dilations, a.pad, a.dimRoundingMode,
  );
  const out = backend.floats(tf.util.sizeFromShape(info.outShape));
  addon.conv2d(values(backend, x), values(backend, filter), conv2dGeometry(info), out);
  return backend.makeTensorInfo(info.outShape, 'float32', out);
};

const conv2DBackpropInput: Float32Kernel = ({ dy, filter }, attrs, backend, addon) => {
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (a.dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode,
  );
  const out = backend.floats(tf.util.sizeFromShape(info.inShape));
  addon.conv2dBackpropInput(values(backend, dy), values(backend, filter), conv2dGeometry(info), out);
  return backend.makeTensorInfo(info.inShape, 'float32', out);
};

const conv2DBackpropFilter: Float32Kernel = ({ x, dy }, attrs, backend, addon) => {
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode,
  );
  const out = backend.floats(tf.util.sizeFromShape(info.filterShape));
  addon.conv2dBackpropFilter(values(backend, x), values(backend, dy), conv2dGeometry(info), out);
  return backend.makeTensorInfo(info.filterShape, 'float32', out);
};

const batchMatMul: Float32Kernel = ({ a, b }, attrs, backend, addon) => {
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(batchShapeA);
  const batchB = tf.util.sizeFromShape(batchShapeB);
  // Only a whole batch of 1 broadcasts natively; mixed broadcasts ([2, 1] x [1, 3]) go to the cpu kernel.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const [a1, a2] = a.shape.slice(-2);
  const [b1, b2] = b.shape.slice(-2);
  const [m, k] = transposeA ? [a2, a1] : [a1, a2];
  const [kb, n] = transposeB ? [b2, b1] : [b1, b2];
  if (k !== kb) {
    throw new Error(`BatchMatMul (native): inner dimensions ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] differ`);
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
  const outShape = [...batchShape, m, n];
  const out = backend.floats(tf.util.sizeFromShape(outShape));
  addon.batchMatMul(values(backend, a), values(backend, b), [batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0], out);
  return backend.makeTensorInfo(outShape, 'float32', out);
};

/** The native binary kernel with op code `op` (an index into BINARY_OPS). */
export function binary(op: number): Float32Kernel {
  const bool = op >= BINARY_OPS.indexOf('Greater');
  return ({ a, b }, _attrs, backend, addon) => {
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    const out = bool ? new Uint8Array(size) : backend.floats(size);
    addon.binary(op, values(backend, a), a.shape, values(backend, b), b.shape, out, outShape);
    return backend.makeTensorInfo(outShape, bool ? 'bool' : 'float32', out);
  };
}

function unary(op: number): Float32Kernel {
  return ({ x }, attrs, backend, addon) => {
    const out = backend.floats(tf.util.sizeFromShape(x.shape));
    const name = UNARY_OPS[op];
    const clip = attrs as unknown as tf.ClipByValueAttrs;
    const [alpha, beta] = name === 'Step' ? [(attrs as unknown as tf.StepAttrs).alpha, 0] : name === 'ClipByValue' ? [clip.clipValueMin, clip.clipValueMax] : [0, 0];
    addon.unary(op, values(backend, x), out, alpha, beta);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

const addN: Float32Kernel = (inputs, _attrs, backend, addon) => {
  const xs = inputs as unknown as tf.TensorInfo[];
  const out = backend.floats(tf.util.sizeFromShape(xs[0].shape));
  addon.addN(xs.map((t) => values(backend, t)), out);
  return backend.makeTensorInfo(xs[0].shape, 'float32', out);
};

function reduction(op: number): Float32Kernel {
  return ({ x }, attrs, backend, addon) => {
    // Max names its axes `reductionIndices`, the others `axis`; null means every axis.
    const a = attrs as { axis?: number | number[] | null; reductionIndices?: number | number[] | null; keepDims: boolean };
    const spec = 'reductionIndices' in a ? a.reductionIndices : a.axis;
    const axes = spec == null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(spec, x.shape);
    const kept = x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.floats(tf.util.sizeFromShape(kept));
    addon.reduce(op, values(backend, x), x.shape, axes, out);
    const outShape = a.keepDims ? tf.backend_util.expandShapeToKeepDim(kept, axes) : kept;
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

const transpose: Float32Kernel = ({ x }, attrs, backend, addon) => {
  const { perm } = attrs as unknown as tf.TransposeAttrs;
  const out = backend.floats(tf.util.sizeFromShape(x.shape));
  addon.transpose(values(backend, x), x.shape, perm, out);
  return backend.makeTensorInfo(perm.map((p) => x.shape[p]), 'float32', out);
};

const padV2: Float32Kernel = ({ x }, attrs, backend, addon) => {
  const { paddings, constantValue } = attrs as unknown as tf.PadV2Attrs;
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = backend.floats(tf.util.sizeFromShape(outShape));
  addon.pad(values(backend, x), x.shape, paddings.map((p) => p[0]), paddings.map((p) => p[1]), constantValue, out);
  return backend.makeTensorInfo(outShape, 'float32', out);
};

const slice: Float32Kernel = ({ x }, attrs, backend, addon) => {
  const a = attrs as unknown as tf.SliceAttrs;
  const [begin, size] = tf.slice_util.parseSliceParams(x, a.begin, a.size);
  // A contiguous slice is a view in the cpu kernel (no copy at all): keep that.
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  tf.slice_util.assertParamsValid(x, begin, size);
  const out = backend.floats(tf.util.sizeFromShape(size));
  addon.slice(values(backend, x), x.shape, begin, size, out);
  return backend.makeTensorInfo(size, 'float32', out);
};

const tile: Float32Kernel = ({ x }, attrs, backend, addon) => {
  const { reps } = attrs as unknown as tf.TileAttrs;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.floats(tf.util.sizeFromShape(outShape));
  addon.tile(values(backend, x), x.shape, reps, out);
  return backend.makeTensorInfo(outShape, 'float32', out);
};

const gatherV2: Float32Kernel = ({ x, indices }, attrs, backend, addon) => {
  const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
  if ((batchDims ?? 0) !== 0) return null;
  const [ax] = tf.util.parseAxisParam(axis, x.shape);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
  const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const out = backend.floats(tf.util.sizeFromShape(outShape));
  const idx = backend.data.get(indices.dataId).values as Int32Array;
  addon.gather(values(backend, x), [outer, x.shape[ax], inner], idx, out);
  return backend.makeTensorInfo(outShape, 'float32', out);
};

/** Native kernel implementations by tfjs kernel name; `null` from one means "use the cpu kernel". */
export const NATIVE_KERNELS: ReadonlyMap<string, Float32Kernel> = new Map<string, Float32Kernel>([
  [tf.Conv2D, conv2D],
  [tf.Conv2DBackpropInput, conv2DBackpropInput],
  [tf.Conv2DBackpropFilter, conv2DBackpropFilter],
  [tf.BatchMatMul, batchMatMul],
  ...BINARY_OPS.map((name, op) => [name, binary(op)] as [string, Float32Kernel]).filter(([name]) => name !== 'ReluGrad'),
  ...UNARY_OPS.map((name, op) => [name, unary(op)] as [string, Float32Kernel]),
  [tf.AddN, addN],
  ...REDUCE_OPS.map((name, op) => [name, reduction(op)] as [string, Float32Kernel]),
  [tf.Transpose, transpose],
  [tf.PadV2, padV2],
  [tf.Slice, slice],
  [tf.Tile, tile],
  [tf.GatherV2, gatherV2],
]);

/**
 * The kernel registered for the native backend under `cpuKernel`'s name: the native implementation for
 * float32 inputs (int32 indices) when there is one and it accepts the attributes, else the cpu kernel itself.
 */
export function nativeKernelConfig(cpuKernel: tf.KernelConfig, backendName: string, addon: NativeAddon): tf.KernelConfig {
  const native = NATIVE_KERNELS.get(cpuKernel.kernelName);
  if (!native) return { ...cpuKernel, backendName };
  const fallback = cpuKernel.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as NativeBackend;
    const inputs = args.inputs as Inputs;
    if (supportedDtypes(cpuKernel.kernelName, inputs, backend)) {
      const r = native(inputs, args.attrs ?? {}, backend, addon);
      if (r !== null) return r;
    }
    return fallback(args);
  };
  return { ...cpuKernel, backendName, kernelFunc };
}
