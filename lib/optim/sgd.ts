import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { Optimizer, OptimizerState } from './optimizer';
import { MomentumBuffers, checkLearningRate } from './momentum-buffers';
import { nonNegative } from './check';

export interface SgdConfig {
  /** Heavy-ball momentum. Default 0.9. */
  momentum?: number;
  /** L2 weight decay on every parameter, biases included (as PyTorch). Default 1e-6, the Barlow Twins probe's. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with momentum and weight decay, as PyTorch's `torch.optim.SGD` (no dampening, no
 * Nesterov): `g' = g + weightDecay * p`, `mu = momentum * mu + g'` (`mu = g'` at a parameter's first step),
 * `p -= lr * mu`. The linear probe's optimiser (Barlow Twins `evaluate.py`: momentum 0.9, weight decay 1e-6,
 * cosine schedule).
 *
 * ```ts
 * const opt = new Sgd(probe.parameters());
 * opt.step(tf.variableGrads(loss, vars).grads, lrAt(epoch));
 * ```
 */
export class Sgd implements Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly state: MomentumBuffers;

  constructor(params: NamedVariable[], config: SgdConfig = {}) {
    this.momentum = nonNegative('Sgd', 'momentum', config.momentum ?? 0.9);
    this.weightDecay = nonNegative('Sgd', 'weightDecay', config.weightDecay ?? 1e-6);
    this.state = new MomentumBuffers(params, 'Sgd');
  }

  step(grads: tf.NamedTensorMap, lr: number): void {
    checkLearningRate(lr, 'Sgd');
    const pending = this.state.withGradients(grads);
    // One tidy per parameter, as in Lars: one parameter's temporaries at a time.
    for (const { name, variable: p, grad: g } of pending) {
      tf.tidy(() => {
        const d = this.weightDecay === 0 ? g : tf.add(g, tf.mul(p, this.weightDecay));
        const mu = this.state.accumulate(name, d, this.momentum);
        p.assign(tf.sub(p, tf.mul(mu, lr)));
      });
    }
  }

  getState(): OptimizerState {
    return this.state.getState();
  }

  setState(state: OptimizerState): void {
    this.state.setState(state);
  }

  dispose(): void {
    this.state.dispose();
  }
}
