import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './rng';

/**
 * Weight initialisers, matching PyTorch's so that a model here starts from the same distribution as the
 * authors' code. Shapes are tfjs layouts: conv filters `[kh, kw, inC, outC]`, linear weights `[in, out]`.
 */

/** Fan-in / fan-out of a conv filter `[kh, kw, inC, outC]` or linear weight `[in, out]`. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  if (shape.length === 4) {
    const rf = shape[0] * shape[1];
    return { fanIn: rf * shape[2], fanOut: rf * shape[3] };
  }
  throw new Error(`fans: expected a [in, out] or [kh, kw, inC, outC] shape, got [${shape}]`);
}

/**
 * Kaiming-normal with `mode='fan_out'`, ReLU gain: N(0, 2 / fanOut). torchvision's ResNet initialises
 * every convolution this way.
 */
export function kaimingNormalFanOut(shape: number[], rng: Rng): tf.Tensor {
  const std = Math.sqrt(2 / fans(shape).fanOut);
  return tf.tensor(rng.normals(shapeSize(shape), std), shape);
}

/**
 * PyTorch's default for `nn.Linear` / `nn.Conv2d` weights (kaiming-uniform with a = sqrt(5)), which is
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)); the same bound is PyTorch's default for their biases.
 */
export function torchDefaultUniform(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.tensor(rng.uniforms(shapeSize(shape), -bound, bound), shape);
}

/** N(0, std^2) entries, e.g. the linear probe's N(0, 0.01) weights. */
export function normalInit(shape: number[], std: number, rng: Rng): tf.Tensor {
  return tf.tensor(rng.normals(shapeSize(shape), std), shape);
}

function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
