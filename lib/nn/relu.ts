import * as tf from '@tensorflow/tfjs-core';
import { Layer, NamedVariable } from './module';

/** Rectified linear unit `max(x, 0)` as a parameter-free layer: `[N, H, W, C] -> [N, H, W, C]`. */
export class ReLU implements Layer {
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(x);
  }

  parameters(): NamedVariable[] {
    return [];
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {}
}
