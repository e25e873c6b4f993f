import * as tf from '@tensorflow/tfjs-core';

/**
 * Stop-gradient (PyTorch's `x.detach()`): a tensor with the same values as `x` that is not connected to
 * the gradient tape. Blockwise training feeds block k+1 with block k's detached output, so the loss of
 * block k+1 trains only block k+1 and backpropagation never even enters the blocks below.
 *
 * The result is a new tensor wrapping `x`'s data (no copy): the backend's reference count of the data is
 * raised, so the two tensors can be disposed in either order and each stays readable until it is
 * disposed itself. Since no kernel produces the result, the tape holds no node leading from it back to `x`
 * (a `customGrad` returning zeros would still run the backward pass of everything below).
 *
 * `[...shape] -> [...shape]`, same dtype; tracked by the enclosing `tf.tidy` like any new tensor.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  if (x.isDisposed) throw new Error(`stopGradient: input tensor of shape [${x.shape}] is disposed`);
  const engine = tf.engine();
  const info = engine.state.tensorInfo.get(x.dataId);
  if (info === undefined) throw new Error(`stopGradient: input tensor of shape [${x.shape}] has no data on any backend`);
  info.backend.incRef(x.dataId);
  return engine.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, info.backend) as T;
}
