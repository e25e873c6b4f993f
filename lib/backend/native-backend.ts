import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native-addon';
import { nativeKernelConfig } from './native-kernels';
import { BufferPool } from './native-buffer-pool';

/** Name under which the native backend registers with tfjs. */
export const NATIVE_BACKEND = 'native';

/** The other backends, which get the tfjs-ops versions of the fused kernels (native-batch-norm.ts, native-gradients.ts). */
export const OTHER_BACKENDS: readonly string[] = ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow'];

/**
 * Registers a C++ kernel for the native backend, replacing the cpu backend's version that
 * registerNativeBackend copied there when it ran first.
 */
export function registerNativeKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(kernelName, NATIVE_BACKEND) !== undefined) tf.unregisterKernel(kernelName, NATIVE_BACKEND);
  tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND, kernelFunc });
}

/**
 * The `native` tfjs backend: tensors live in JavaScript Float32Arrays exactly as in tfjs' `cpu` backend (it is
 * one), and the hot kernels run in C++ over those same arrays (see native-kernels.ts): convolutions through
 * oneDNN, the elementwise, reduction and data-movement kernels with two threads. Every other kernel is the cpu
 * backend's.
 */
export class NativeBackend extends MathBackendCPU {
  /** Output arrays of the native kernels, recycled once their tensors are freed. */
  readonly pool: BufferPool;

  /** @param poolBytes most bytes of freed output arrays kept for reuse (see NativeBackendOptions). */
  constructor(poolBytes = defaultPoolBytes()) {
    super();
    this.pool = new BufferPool(poolBytes);
    // The cpu backend's one-time advice to install tfjs-node is about itself, not about this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A Float32Array for a kernel output; the kernel must write every element. */
  floats(length: number): Float32Array {
    return this.pool.take(length);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    this.pool.stored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.pool.stored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    this.pool.escaped(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const disposed = super.disposeData(dataId, force);
    if (disposed) this.pool.release(values);
    return disposed;
  }
}

/**
 * A quarter of the machine's memory, at most 4 GiB, or `$BLOCKWISE_NATIVE_POOL_BYTES`. Generous on purpose: memory
 * new to the process is slow to touch on virtual machines (measured here: ~0.9 s to first write 128 MB, 15 ms to
 * rewrite it; bench/NOTES.md), and one step of blockwise training on 32x32 maps frees and reallocates several
 * 134 MB tensors. The paper preset frees and reallocates gigabytes of 8192 x 8192 arrays per step: a larger pool
 * keeps them (bench/paper-step.ts).
 */
export function defaultPoolBytes(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.BLOCKWISE_NATIVE_POOL_BYTES;
  if (given !== undefined && given !== '') {
    const bytes = Number(given);
    if (!(Number.isInteger(bytes) && bytes >= 0)) throw new Error(`BLOCKWISE_NATIVE_POOL_BYTES must be a whole number of bytes >= 0, got '${given}'`);
    return bytes;
  }
  return Math.min(4 * 2 ** 30, Math.floor(os.totalmem() / 4));
}

export interface NativeBackendOptions {
  /** Threads for oneDNN and the elementwise kernels; default: the addon's (OpenMP's) default, all cores. */
  threads?: number;
  /** tfjs backend priority; the highest registered one is tfjs' default. Default 1 (the cpu backend's). */
  priority?: number;
  /** Most bytes of freed kernel outputs kept for reuse; default `$BLOCKWISE_NATIVE_POOL_BYTES`, else a quarter of the memory, at most 4 GiB. */
  poolBytes?: number;
}

/**
 * Registers the `native` backend and its kernels when the addon loads. Returns whether it did, and why not
 * (the addon is optional: native/build.js skips it without a C++ compiler or oneDNN). Idempotent. Does not
 * switch to it: call `await tf.setBackend('native')`.
 */
export function registerNativeBackend(options: NativeBackendOptions = {}): { registered: boolean; reason: string } {
  const { addon, reason } = loadNativeAddon();
  if (addon === null) return { registered: false, reason };
  if (options.threads !== undefined) addon.setNumThreads(options.threads);
  if (tf.findBackendFactory(NATIVE_BACKEND) !== null) return { registered: true, reason };
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(options.poolBytes), options.priority ?? 1);
  // Kernels already registered for native (the fused ones, when registered first) keep their C++ version.
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(k.kernelName, NATIVE_BACKEND) === undefined) tf.registerKernel(nativeKernelConfig(k, NATIVE_BACKEND, addon));
  }
  return { registered: true, reason };
}
