import * as path from 'path';

/**
 * The optional C++ addon (native/, built at `npm install` by native/build.js against oneDNN). Every function
 * reads its Float32Array inputs and writes its preallocated output in place, without copies; shapes travel as
 * plain arrays. The op-code tables below mirror the enums in native/src/*.cc.
 */
export interface NativeAddon {
  setNumThreads(threads: number): void;
  numThreads(): number;
  /** geometry: [N, H, W, Ci, Co, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, Ho, Wo]. */
  conv2d(x: Float32Array, filter: Float32Array, geometry: number[], out: Float32Array): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, geometry: number[], out: Float32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, geometry: number[], out: Float32Array): void;
  /** geometry: [batchA, batchB, M, N, K, transposeA (0/1), transposeB (0/1)]; a batch of 1 broadcasts. */
  batchMatMul(a: Float32Array, b: Float32Array, geometry: number[], out: Float32Array): void;
  binary(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array | Uint8Array, outShape: number[]): void;
  /** alpha: Step's value for x <= 0, ClipByValue's minimum; beta: ClipByValue's maximum. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  addN(xs: Float32Array[], out: Float32Array): void;
  reduce(op: number, x: Float32Array, shape: number[], axes: number[], out: Float32Array): void;
  transpose(x: Float32Array, shape: number[], perm: number[], out: Float32Array): void;
  pad(x: Float32Array, shape: number[], before: number[], after: number[], value: number, out: Float32Array): void;
  slice(x: Float32Array, shape: number[], begin: number[], size: number[], out: Float32Array): void;
  tile(x: Float32Array, shape: number[], reps: number[], out: Float32Array): void;
  /** x seen as dims = [outer, axisSize, inner]; out [outer, indices.length, inner]. */
  gather(x: Float32Array, dims: number[], indices: Int32Array, out: Float32Array): void;
  /** x, y: [M, channels]; writes y, mean and (biased) variance. */
  batchNormTrain(
    x: Float32Array, channels: number, gamma: Float32Array | null, beta: Float32Array | null, epsilon: number,
    y: Float32Array, mean: Float32Array, variance: Float32Array,
  ): void;
  /** Gradients of batchNormTrain's outputs (y, mean, variance) with respect to x, gamma and beta. */
  batchNormTrainGrad(
    x: Float32Array, dy: Float32Array, channels: number, gamma: Float32Array | null, mean: Float32Array, variance: Float32Array,
    dMean: Float32Array, dVariance: Float32Array, epsilon: number, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
  ): void;
}

/**
 * Binary kernels by op code (`enum Binary` in native/src/elementwise.cc); codes from `Greater` on return bool.
 * `ReluGrad` (a = dy, b = x) is not a tfjs kernel: native-gradients.ts registers it under its own name.
 */
export const BINARY_OPS = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow', 'ReluGrad',
  'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual',
] as const;

/** Unary kernels by op code (`enum Unary` in native/src/elementwise.cc). */
export const UNARY_OPS = [
  'Relu', 'Step', 'Neg', 'Exp', 'Log', 'Sqrt', 'Rsqrt', 'Square', 'Abs', 'Reciprocal', 'Sigmoid', 'Tanh', 'Relu6', 'Log1p', 'ClipByValue',
] as const;

/** Reduction kernels by op code (`enum Reduce` in native/src/reduce.cc). */
export const REDUCE_OPS = ['Sum', 'Mean', 'Max', 'Min'] as const;

/** Where native/build.js puts the addon, relative to this file compiled into dist/lib/backend/. */
export const NATIVE_ADDON_PATH = path.join(__dirname, '..', '..', '..', 'native', 'build', 'blockwise_native.node');

let loaded: { addon: NativeAddon | null; reason: string } | null = null;

/**
 * The addon, or `null` with the reason it could not be loaded (not built: no compiler or no oneDNN at install
 * time; or its shared libraries are gone). Loaded once per process.
 */
export function loadNativeAddon(): { addon: NativeAddon | null; reason: string } {
  if (loaded === null) {
    try {
      loaded = { addon: require(NATIVE_ADDON_PATH) as NativeAddon, reason: 'loaded' };
    } catch (e) {
      loaded = { addon: null, reason: `cannot load ${NATIVE_ADDON_PATH}: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return loaded;
}
