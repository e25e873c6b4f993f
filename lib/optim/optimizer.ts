import * as tf from '@tensorflow/tfjs-core';

/** A tensor copied out of tfjs: its shape and its float32 values (row-major). */
export interface SavedTensor {
  shape: number[];
  values: Float32Array;
}

/**
 * An optimiser's state as plain data: one entry per parameter that has state (its momentum buffer), keyed by
 * the parameter's dotted name (`layer1.0.conv1.weight`), never by the anonymous tfjs variable name, so a
 * checkpoint written by one process can be loaded into a freshly built model in another.
 */
export type OptimizerState = Record<string, SavedTensor>;

/**
 * What the training loop needs from an optimiser (LARS for pretraining, SGD for the linear probe).
 *
 * ```ts
 * const { value, grads } = tf.variableGrads(lossFn, params.map((p) => p.variable));
 * opt.step(grads, schedule(step));
 * tf.dispose([value, grads]);
 * ```
 */
export interface Optimizer {
  /**
   * Updates the parameters in place from `grads`, as returned by `tf.variableGrads` (keyed by the tfjs
   * variable name). A parameter with no gradient in the map (or a `null` one) is left untouched, and so is
   * its state. `lr` is this step's learning rate (from a schedule). The gradients are not disposed.
   */
  step(grads: tf.NamedTensorMap, lr: number): void;
  /** Copies the state out (synchronous read-back). */
  getState(): OptimizerState;
  /** Replaces the whole state by a copy of `state` (as returned by `getState`, possibly by another process). */
  setState(state: OptimizerState): void;
  /** Frees the state tensors; the parameters stay owned by their module. */
  dispose(): void;
}
