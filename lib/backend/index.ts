/** Choosing the compute backend (tfjs-node-gpu / tfjs-node / wasm / cpu) and the training kernels wasm lacks. */
export {
  BACKEND_ENV,
  BACKEND_NAMES,
  BackendName,
  BackendReport,
  InitBackendOptions,
  SkippedBackend,
  describeBackend,
  initBackend,
} from './init-backend';
export { CUDA_REQUIREMENT, TensorflowPackage, installHint, visibleCudaGpus } from './tensorflow-node';
export { registerGradients } from './register-gradients';
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels } from './wasm-training-kernels';
export { Conv2DGeometry, conv2dFilterGradient, conv2dInputGradient } from './conv2d-gradients';
