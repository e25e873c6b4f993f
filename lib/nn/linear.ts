import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable, newVariable } from './module';
import { Rng } from './rng';
import { normalInit, torchDefaultUniform } from './init';

export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  /** Weight init: PyTorch's default uniform, or N(0, std^2) (the linear probe uses std 0.01, bias 0). */
  init?: 'torch-default' | { normalStd: number };
}

/** Fully connected layer `[N, in] -> [N, out]`, weight `[in, out]` (the transpose of PyTorch's). */
export class Linear implements Module {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(readonly config: LinearConfig, rng: Rng) {
    const { inFeatures: i, outFeatures: o } = config;
    const init = config.init ?? 'torch-default';
    this.weight = tf.tidy(() =>
      newVariable(init === 'torch-default' ? torchDefaultUniform([i, o], i, rng) : normalInit([i, o], init.normalStd, rng)),
    ) as tf.Variable<tf.Rank.R2>;
    const withBias = config.bias ?? true;
    this.bias = withBias
      ? (tf.tidy(() => newVariable(init === 'torch-default' ? torchDefaultUniform([o], i, rng) : tf.zeros([o]))) as tf.Variable<tf.Rank.R1>)
      : null;
  }

  /** `[N, in] -> [N, out]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.config.inFeatures) {
      throw new Error(`Linear: input shape [${x.shape}], expected [N, ${this.config.inFeatures}]`);
    }
    return tf.tidy(() => {
      const y = tf.matMul(x, this.weight);
      return this.bias ? tf.add(y, this.bias) : y;
    }) as tf.Tensor2D;
  }

  parameters(): NamedVariable[] {
    const ps: NamedVariable[] = [{ name: 'weight', variable: this.weight }];
    if (this.bias) ps.push({ name: 'bias', variable: this.bias });
    return ps;
  }

  buffers(): NamedVariable[] {
    return [];
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
