import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native-addon';
import { nativeKernelConfig } from './native-kernels';
import { BufferPool } from './native-buffer-pool';

/** Name under which the native backend registers with tfjs. */
export const NATIVE_BACKEND = 'native';

/**
 * The `native` tfjs backend: tensors live in JavaScript Float32Arrays exactly as in tfjs' `cpu` backend (it is
 * one), and the hot kernels run in C++ over those same arrays (see native-kernels.ts): convolutions through
 * oneDNN, the elementwise, reduction and data-movement kernels with two threads. Every other kernel is the cpu
 * backend's.
 */
export class NativeBackend extends MathBackendCPU {
  /** Output arrays of the native kernels, recycled once their tensors are freed. */
  readonly pool = new BufferPool();

  constructor() {
    super();
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

export interface NativeBackendOptions {
  /** Threads for oneDNN and the elementwise kernels; default: the addon's (OpenMP's) default, all cores. */
  threads?: number;
  /** tfjs backend priority; the highest registered one is tfjs' default. Default 1 (the cpu backend's). */
  priority?: number;
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
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), options.priority ?? 1);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel(nativeKernelConfig(k, NATIVE_BACKEND, addon));
  return { registered: true, reason };
}
