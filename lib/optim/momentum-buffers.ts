import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { OptimizerState, SavedTensor } from './optimizer';
import { nonNegative } from './check';

/** A parameter paired with its gradient for one step. */
export interface ParameterGradient {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly grad: tf.Tensor;
}

/**
 * The state shared by the heavy-ball optimisers (LARS, SGD with momentum): the parameters they update and one
 * momentum buffer `mu` (same shape as its parameter) per parameter that has received a gradient. Adam keeps two
 * sets (its first and second moments, exponential averages). The buffers are the only tensors an optimiser
 * keeps; they are non-trainable variables, so `tf.tidy` leaves them alone.
 */
export class MomentumBuffers {
  /** tfjs variable name -> parameter. */
  private readonly byVariable = new Map<string, NamedVariable>();
  /** Parameter dotted name -> parameter. */
  private readonly byName = new Map<string, NamedVariable>();
  /** Parameter dotted name -> momentum buffer. */
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(params: NamedVariable[], private readonly owner: string) {
    for (const p of params) {
      if (this.byName.has(p.name)) throw new Error(`${owner}: two parameters are named '${p.name}'`);
      if (this.byVariable.has(p.variable.name)) {
        throw new Error(`${owner}: parameters '${this.byVariable.get(p.variable.name)!.name}' and '${p.name}' are the same variable`);
      }
      if (p.variable.dtype !== 'float32') throw new Error(`${owner}: parameter '${p.name}' has dtype ${p.variable.dtype}, expected float32`);
      this.byName.set(p.name, p);
      this.byVariable.set(p.variable.name, p);
    }
  }

  /**
   * The parameters that have a gradient in `grads`, in `grads`' key order. Throws on a gradient for a variable
   * this optimiser does not own, or one whose shape differs from its parameter's.
   */
  withGradients(grads: tf.NamedTensorMap): ParameterGradient[] {
    const out: ParameterGradient[] = [];
    for (const [key, grad] of Object.entries(grads)) {
      const p = this.byVariable.get(key);
      if (p === undefined) throw new Error(`${this.owner}: gradient for variable '${key}', which is not one of the optimised parameters`);
      if (grad == null) continue;
      if (!tf.util.arraysEqual(grad.shape, p.variable.shape)) {
        throw new Error(`${this.owner}: gradient of '${p.name}' has shape [${grad.shape}], parameter has [${p.variable.shape}]`);
      }
      out.push({ name: p.name, variable: p.variable, grad });
    }
    return out;
  }

  /**
   * `mu = momentum * mu + d` for parameter `name` and returns the new `mu`; on the parameter's first step the
   * buffer starts at `d` (as PyTorch's SGD, and as LARS' zero-initialised buffer gives). Call inside `tf.tidy`.
   */
  accumulate(name: string, d: tf.Tensor, momentum: number): tf.Tensor {
    const mu = this.buffers.get(name);
    if (mu === undefined) {
      this.buffers.set(name, tf.variable(d, false));
      return d;
    }
    const next = tf.add(tf.mul(mu, momentum), d);
    mu.assign(next);
    return next;
  }

  getState(): OptimizerState {
    const state: OptimizerState = {};
    for (const [name, mu] of this.buffers) {
      state[name] = { shape: [...mu.shape], values: new Float32Array(mu.dataSync() as Float32Array) };
    }
    return state;
  }

  /** Validates all of `state` first, so a bad state leaves the current one in place. */
  setState(state: OptimizerState): void {
    for (const [name, s] of Object.entries(state)) this.checkEntry(name, s);
    this.dispose();
    for (const [name, s] of Object.entries(state)) {
      this.buffers.set(name, tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(s.values), s.shape, 'float32'), false)));
    }
  }

  /**
   * Throws unless `s` can be the buffer of parameter `name` (an optimised parameter, of its shape). `key` names the
   * entry in the message: the state key, where an optimiser keeps several buffers per parameter (Adam).
   */
  checkEntry(name: string, s: SavedTensor, key = name): void {
    const p = this.byName.get(name);
    if (p === undefined) throw new Error(`${this.owner}.setState: state for '${key}', which is not one of the optimised parameters`);
    if (!tf.util.arraysEqual(s.shape, p.variable.shape)) {
      throw new Error(`${this.owner}.setState: '${key}' has shape [${s.shape}] in the state, [${p.variable.shape}] in the model`);
    }
    if (s.values.length !== p.variable.size) {
      throw new Error(`${this.owner}.setState: '${key}' has ${s.values.length} values for shape [${s.shape}]`);
    }
  }

  dispose(): void {
    for (const mu of this.buffers.values()) mu.dispose();
    this.buffers.clear();
  }
}

/** Throws unless `lr` is a finite learning rate >= 0. */
export function checkLearningRate(lr: number, owner: string): void {
  nonNegative(`${owner}.step`, 'learning rate', lr);
}
