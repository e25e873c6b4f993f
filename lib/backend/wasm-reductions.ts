import * as tf from '@tensorflow/tfjs-core';

/**
 * Float32 `Sum` and `Mean` for the `wasm` backend that accumulate in double and round once, like the `cpu` backend
 * (JavaScript numbers), the native addon and PyTorch's cascade sum. tfjs-backend-wasm 4.22 keeps a float
 * accumulator, which loses about 1e-3 of a sum of half a million non-negative values (a block output's std for the
 * feature noise, a batch norm's per-channel moments of a large batch). Other dtypes go to the built-in kernels.
 */
export const WASM_REDUCTION_KERNELS: readonly string[] = [tf.Sum, tf.Mean];

/** The kernel functions made here (so that registering again is a no-op, and a built-in is never wrapped twice). */
const ours = new WeakSet<tf.KernelFunc>();

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (public methods of that class). */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/**
 * Reduces x viewed as `[a, r, c]` over its middle axis into out `[a, c]` (or that over `r` for a mean), in double:
 * contiguous runs (c = 1) with four accumulators, otherwise one double row of c accumulators per outer index.
 */
function reduceMiddle(x: tf.TypedArray, a: number, r: number, c: number, out: tf.TypedArray, mean: boolean): void {
  if (c === 1) {
    for (let i = 0, base = 0; i < a; i++, base += r) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 4 <= r; j += 4) {
        s0 += x[base + j];
        s1 += x[base + j + 1];
        s2 += x[base + j + 2];
        s3 += x[base + j + 3];
      }
      for (; j < r; j++) s0 += x[base + j];
      const s = s0 + s1 + (s2 + s3);
      out[i] = mean ? s / r : s;
    }
    return;
  }
  const acc = new Float64Array(c);
  for (let i = 0; i < a; i++) {
    acc.fill(0);
    for (let j = 0, base = i * r * c; j < r; j++, base += c) {
      for (let k = 0; k < c; k++) acc[k] += x[base + k];
    }
    for (let k = 0; k < c; k++) out[i * c + k] = mean ? acc[k] / r : acc[k];
  }
}

function reductionKernel(kernelName: string, builtIn: tf.KernelFunc): tf.KernelFunc {
  const mean = kernelName === tf.Mean;
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return builtIn(args);
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    const outShape = x.shape.filter((_, d) => !axes.includes(d));
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    // A contiguous range of reduced axes folds x viewed as [before, reduced, after] without moving data; any
    // other set is moved innermost first (as tfjs' own kernels do).
    const contiguous = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
    const perm = contiguous ? null : tf.backend_util.getAxesPermutation(axes, rank);
    const moved = perm === null ? null : (tf.engine().runKernel(tf.Transpose, { x: x as unknown as tf.Tensor }, { perm } as unknown as tf.NamedAttrMap) as tf.Tensor);
    try {
      const src = moved === null ? x : (moved as unknown as tf.TensorInfo);
      const first = moved === null ? (axes.length === 0 ? rank : axes[0]) : rank - axes.length;
      const last = first + axes.length;
      const size = (from: number, to: number) => src.shape.slice(from, to).reduce((p, d) => p * d, 1);
      // Output first: allocating can grow the wasm memory, which detaches views taken before it.
      const out = backend.makeOutput(shape, 'float32');
      reduceMiddle(backend.typedArrayFromHeap(src), size(0, first), size(first, last), size(last, rank), backend.typedArrayFromHeap(out), mean);
      return out;
    } finally {
      moved?.dispose();
    }
  };
}

/**
 * Registers the double-accumulating `Sum` and `Mean` for the `wasm` backend, in place of the built-in ones (kept
 * for non-float32 inputs). Idempotent; works before or after the backend is initialised.
 */
export function registerWasmReductions(): void {
  for (const name of WASM_REDUCTION_KERNELS) {
    const existing = tf.getKernelsForBackend('wasm').find((r) => r.kernelName === name);
    if (existing === undefined) throw new Error(`registerWasmReductions: the wasm backend has no built-in ${name} kernel to fall back on`);
    if (ours.has(existing.kernelFunc)) continue;
    const kernelFunc = reductionKernel(name, existing.kernelFunc);
    ours.add(kernelFunc);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...existing, kernelFunc });
  }
}
