import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon, BINARY_OPS } from './native-addon';
import { NativeBackend, OTHER_BACKENDS, registerNativeKernel } from './native-backend';
import { binary } from './native-kernels';

/**
 * Leaner gradients for two ops every ResNet step runs, replacing tfjs-core's (same values, fewer passes over
 * the activations; bench/NOTES.md has the measurements):
 * - ReLU: tfjs computes `dy * step(x)` (two kernels, one temporary); here one kernel `BlockwiseReluGrad`
 *   (C++ on the native backend, that same formula on the others).
 * - Mean (global average pooling): tfjs computes `dy * ones(x.shape) / n`, which allocates a tensor of ones
 *   as large as the input and makes two passes over it; here `broadcastTo(dy / n, x.shape)`, one Tile.
 */
export const RELU_GRAD = 'BlockwiseReluGrad';

/** A kernel input as a Tensor the caller still owns (the extra reference keeps disposal from freeing it). */
function borrow(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

const opsReluGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as Record<string, tf.TensorInfo>;
  const [d, v] = [borrow(dy, backend as tf.KernelBackend), borrow(x, backend as tf.KernelBackend)];
  const out = tf.tidy(() => tf.mul(d, tf.step(v)));
  tf.dispose([d, v]);
  return out;
};

let registered = false;

/**
 * Registers `BlockwiseReluGrad` on every backend and the two gradients above. Must run after tfjs-core's own
 * gradients are registered (lib/backend registerGradients), which would otherwise replace them. Idempotent.
 */
export function registerFusedGradients(): void {
  if (registered) return;
  if (tf.getGradient(tf.Relu) === undefined || tf.getGradient(tf.Mean) === undefined) {
    throw new Error("registerFusedGradients: tfjs-core's gradients are not registered yet; await registerGradients() first");
  }
  registered = true;
  for (const backendName of OTHER_BACKENDS) tf.registerKernel({ kernelName: RELU_GRAD, backendName, kernelFunc: opsReluGrad });
  const { addon } = loadNativeAddon();
  if (addon) {
    const native = binary(BINARY_OPS.indexOf('ReluGrad'));
    registerNativeKernel(RELU_GRAD, (args) => {
      const { dy, x } = args.inputs as Record<string, tf.TensorInfo>;
      const backend = args.backend as NativeBackend;
      if (dy.dtype === 'float32' && x.dtype === 'float32') return native({ a: dy, b: x }, {}, backend, addon) as tf.TensorInfo;
      return opsReluGrad(args);
    });
  }
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const n = axes.reduce((p, a) => p * x.shape[a], 1);
      return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), n), x.shape) };
    },
  });
}
