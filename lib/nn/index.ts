/** Layers and the ResNet backbone (the model blocks of the data path). */
export * from './module';
export * from './rng';
export * from './seed';
export * from './init';
export * from './conv2d';
export * from './linear';
export * from './batch-norm';
export * from './relu';
export * from './max-pool';
export * from './residual-block';
export * from './basic-block';
export * from './bottleneck';
export * from './resnet';
export * from './weights';
