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
export {
  CUDA11_LIBRARIES, CUDA_REQUIREMENT, TensorflowPackage, cuda11Fix, installHint, missingCudaLibraries, unfindableCudaLibraries, visibleCudaGpus,
} from './tensorflow-node';
export { registerGradients } from './register-gradients';
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels } from './wasm-training-kernels';
export { WASM_REDUCTION_KERNELS, registerWasmReductions } from './wasm-reductions';
export { WASM_CROP_KERNELS, registerWasmCropAndResize } from './wasm-crop-and-resize';
export { Conv2DGeometry, conv2dFilterGradient, conv2dInputGradient } from './conv2d-gradients';
export { NATIVE_BACKEND, NativeBackend, NativeBackendOptions, registerNativeBackend } from './native-backend';
export { loadNativeAddon } from './native-addon';
export { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BatchNormTrainResult, batchNormTrain, registerBatchNormTrain } from './native-batch-norm';
export { RELU_GRAD, registerFusedGradients } from './native-gradients';
