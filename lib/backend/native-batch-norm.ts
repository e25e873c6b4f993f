import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon, NativeAddon } from './native-addon';
import { NativeBackend, OTHER_BACKENDS, registerNativeKernel } from './native-backend';

/**
 * Batch normalisation in training mode as one fused kernel with one fused gradient kernel (the
 * composed formula costs ~30 elementwise and reduction kernels per layer and step once differentiated).
 * On the `native` backend both run in C++ (native/src/batch-norm.cc); on every other backend they are the
 * same formulas written with tfjs ops, still far fewer kernels than automatic differentiation produces.
 */
export const BATCH_NORM_TRAIN = 'BlockwiseBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'BlockwiseBatchNormTrainGrad';

export interface BatchNormTrainResult<T extends tf.Tensor> {
  /** `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, the shape of x. */
  y: T;
  /** Batch mean per channel, `[C]`. */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel, `[C]` (PyTorch normalises with this one too). */
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over every axis but the last: x `[..., C]`, gamma and beta `[C]` or `null` (no
 * affine transform). Differentiable with respect to x, gamma and beta through all three outputs. Registers
 * its kernels and gradient on first use (`registerBatchNormTrain`).
 *
 *     const { y, mean, variance } = batchNormTrain(x, gamma, beta, 1e-5);   // x [N, H, W, C]
 */
export function batchNormTrain<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D | null, beta: tf.Tensor1D | null, epsilon: number): BatchNormTrainResult<T> {
  const c = x.shape[x.rank - 1];
  for (const [name, p] of [['gamma', gamma], ['beta', beta]] as const) {
    if (p !== null && (p.rank !== 1 || p.shape[0] !== c)) {
      throw new Error(`batchNormTrain: ${name} shape [${p.shape}] does not match the ${c} channels of x [${x.shape}]`);
    }
  }
  if (x.size / c < 2) throw new Error(`batchNormTrain: needs more than one value per channel, x shape [${x.shape}]`);
  registerBatchNormTrain();
  // The gradient needs gamma saved (tfjs saves inputs by name and cannot save an absent one): default to ones.
  const scale = gamma ?? tf.ones([c]);
  const inputs: tf.NamedTensorMap = beta ? { x, gamma: scale, beta } : { x, gamma: scale };
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, inputs, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  if (gamma === null) scale.dispose();
  return { y: y as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

type Inputs = Record<string, tf.TensorInfo>;

/** The native backend's forward kernel: one C++ call (the tfjs-ops kernel for inputs that are not float32). */
function nativeForward(addon: NativeAddon): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend: b } = args;
    const backend = b as NativeBackend;
    const { x, gamma, beta } = inputs as Inputs;
    if ([x, gamma, beta].some((t) => t !== undefined && t.dtype !== 'float32')) return opsForward(args);
    const c = x.shape[x.shape.length - 1];
    const v = (t: tf.TensorInfo | undefined): Float32Array | null => (t ? (backend.data.get(t.dataId).values as Float32Array) : null);
    const y = backend.floats(tf.util.sizeFromShape(x.shape));
    const mean = backend.floats(c);
    const variance = backend.floats(c);
    addon.batchNormTrain(v(x) as Float32Array, c, v(gamma), v(beta), (attrs as { epsilon: number }).epsilon, y, mean, variance);
    return [backend.makeTensorInfo(x.shape, 'float32', y), backend.makeTensorInfo([c], 'float32', mean), backend.makeTensorInfo([c], 'float32', variance)];
  };
}

function nativeGrad(addon: NativeAddon): tf.KernelFunc {
  return ({ inputs, attrs, backend: b }) => {
    const backend = b as NativeBackend;
    const { x, dy, gamma, mean, variance, dMean, dVariance } = inputs as Inputs;
    const c = x.shape[x.shape.length - 1];
    const v = (t: tf.TensorInfo): Float32Array => backend.data.get(t.dataId).values as Float32Array;
    const dx = backend.floats(tf.util.sizeFromShape(x.shape));
    const dGamma = backend.floats(c);
    const dBeta = backend.floats(c);
    addon.batchNormTrainGrad(
      v(x), v(dy), c, gamma ? v(gamma) : null, v(mean), v(variance), v(dMean), v(dVariance),
      (attrs as { epsilon: number }).epsilon, dx, dGamma, dBeta,
    );
    return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo([c], 'float32', dGamma), backend.makeTensorInfo([c], 'float32', dBeta)];
  };
}

/** A kernel input as a Tensor the caller still owns (the extra reference keeps disposal from freeing it). */
function borrow(info: tf.TensorInfo | undefined, backend: tf.KernelBackend): tf.Tensor | null {
  if (info === undefined) return null;
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** Forward kernel of every other backend, from tfjs ops. */
const opsForward: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const i = inputs as Inputs;
  const epsilon = (attrs as { epsilon: number }).epsilon;
  const k = backend as tf.KernelBackend;
  const [x, gamma, beta] = [borrow(i.x, k), borrow(i.gamma, k), borrow(i.beta, k)];
  const out = tf.tidy(() => {
    const axes = [...Array((x as tf.Tensor).rank - 1).keys()];
    const { mean, variance } = tf.moments(x as tf.Tensor, axes);
    let scale = tf.rsqrt(tf.add(variance, epsilon));
    if (gamma) scale = tf.mul(scale, gamma);
    let y = tf.mul(tf.sub(x as tf.Tensor, mean), scale);
    if (beta) y = tf.add(y, beta);
    return [y, mean, variance];
  });
  tf.dispose([x as tf.Tensor, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])]);
  return out;
};

/** Gradient kernel of every other backend, from tfjs ops (the formula of batchNormTrainGrad in batch-norm.cc). */
const opsGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const i = inputs as Inputs;
  const epsilon = (attrs as { epsilon: number }).epsilon;
  const names = ['x', 'dy', 'gamma', 'mean', 'variance', 'dMean', 'dVariance'] as const;
  const t = Object.fromEntries(names.map((n) => [n, borrow(i[n], backend as tf.KernelBackend)])) as Record<(typeof names)[number], tf.Tensor | null>;
  const out = tf.tidy(() => {
    const x = t.x as tf.Tensor;
    const dy = t.dy as tf.Tensor;
    const axes = [...Array(x.rank - 1).keys()];
    const m = x.size / x.shape[x.rank - 1];
    const inv = tf.rsqrt(tf.add(t.variance as tf.Tensor, epsilon));
    const centred = tf.sub(x, t.mean as tf.Tensor);
    const dBeta = tf.sum(dy, axes);
    const dGamma = tf.mul(tf.sum(tf.mul(dy, centred), axes), inv);
    const a = t.gamma ? tf.mul(t.gamma, inv) : inv;
    // dx = a * (dy - dBeta / M - xhat * dGamma / M) + dMean / M + dVariance * 2 (x - mean) / M
    const xhatCoef = tf.sub(tf.mul(t.dVariance as tf.Tensor, 2 / m), tf.div(tf.mul(tf.mul(a, inv), dGamma), m));
    const shift = tf.sub(tf.div(t.dMean as tf.Tensor, m), tf.div(tf.mul(a, dBeta), m));
    const dx = tf.add(tf.add(tf.mul(dy, a), tf.mul(centred, xhatCoef)), shift);
    return [dx, dGamma, dBeta];
  });
  tf.dispose(Object.values(t).filter((v): v is tf.Tensor => v !== null));
  return out;
};

let registered = false;

/**
 * Registers the two kernels (C++ on `native` when the addon loads, tfjs ops on the others) and the gradient
 * of `BlockwiseBatchNormTrain`. Idempotent.
 */
export function registerBatchNormTrain(): void {
  if (registered) return;
  registered = true;
  for (const backendName of OTHER_BACKENDS) {
    tf.registerKernel({ kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: opsForward });
    tf.registerKernel({ kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: opsGrad });
  }
  const { addon } = loadNativeAddon();
  if (addon) {
    registerNativeKernel(BATCH_NORM_TRAIN, nativeForward(addon));
    registerNativeKernel(BATCH_NORM_TRAIN_GRAD, nativeGrad(addon));
  }
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dMean, dVariance] = dys as tf.Tensor[];
      const [x, gamma, mean, variance] = saved;
      const inputs: tf.NamedTensorMap = { x, dy, gamma, mean, variance, dMean, dVariance };
      // One kernel computes all three gradients; the closures hand out its results.
      const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, inputs, attrs) as tf.Tensor[];
      return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
    },
  });
}
