import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { Optimizer, OptimizerState } from './optimizer';
import { MomentumBuffers, checkLearningRate } from './momentum-buffers';
import { nonNegative } from './check';

export interface LarsConfig {
  /** Heavy-ball momentum. Default 0.9. */
  momentum?: number;
  /** Trust coefficient eta of the layer-wise trust ratio. Default 0.001. */
  eta?: number;
  /** L2 weight decay, applied to weights only (rank > 1). Default 1e-6. */
  weightDecay?: number;
  /**
   * Learning rate of the one-dimensional parameters (biases, batch-norm gamma and beta) relative to the weights'.
   * Default 0.024 = 0.0048 / 0.2, the Barlow Twins recipe (see {@link Lars}).
   */
  biasLrMultiplier?: number;
}

/**
 * LARS (Layer-wise Adaptive Rate Scaling, You et al. 2017) exactly as in the Barlow Twins code
 * (facebookresearch/barlowtwins `main.py`, `LARS` with `weight_decay_filter` and `lars_adaptation_filter` on),
 * which the blockwise paper's authors use for pretraining. For each parameter `p` with gradient `g`:
 *
 * - weights (rank > 1: conv `[kh, kw, inC, outC]`, linear `[in, out]`):
 *   `g' = g + weightDecay * p`, trust ratio `q = eta * ||p|| / ||g'||` (`q = 1` where either norm is 0),
 *   `mu = momentum * mu + q * g'`, `p -= lr * mu`;
 * - one-dimensional parameters (biases, BN gamma/beta `[C]`): no weight decay, no trust ratio:
 *   `mu = momentum * mu + g`, `p -= lr * biasLrMultiplier * mu`.
 *
 * Learning rates: newer Barlow Twins code uses lr 0.2 for weights and 0.0048 for biases/BN, both times batch/256
 * under the warm-up + cosine schedule; here that is `lr = warmupCosine({ baseLr: linearScaledLr(0.2, batch), ... })`
 * with `biasLrMultiplier = 0.0048 / 0.2 = 0.024` (the default). The authors' launch script (older Barlow Twins
 * code) instead multiplies the loss by 0.024 with a single lr 0.2: that scales the biases'/BN's steps by 0.024,
 * the same thing; for the weights the trust ratio cancels the loss scale, except against the weight-decay term,
 * so loss scale `s` with decay `wd` equals scale 1 with decay `wd / s`.
 *
 * ```ts
 * const opt = new Lars(model.parameters());
 * opt.step(tf.variableGrads(loss, vars).grads, lrAt(step));
 * ```
 */
export class Lars implements Optimizer {
  readonly momentum: number;
  readonly eta: number;
  readonly weightDecay: number;
  readonly biasLrMultiplier: number;
  private readonly state: MomentumBuffers;

  constructor(params: NamedVariable[], config: LarsConfig = {}) {
    this.momentum = nonNegative('Lars', 'momentum', config.momentum ?? 0.9);
    this.eta = nonNegative('Lars', 'eta', config.eta ?? 0.001);
    this.weightDecay = nonNegative('Lars', 'weightDecay', config.weightDecay ?? 1e-6);
    this.biasLrMultiplier = nonNegative('Lars', 'biasLrMultiplier', config.biasLrMultiplier ?? 0.024);
    this.state = new MomentumBuffers(params, 'Lars');
  }

  step(grads: tf.NamedTensorMap, lr: number): void {
    checkLearningRate(lr, 'Lars');
    const pending = this.state.withGradients(grads);
    // One tidy per parameter: the temporaries of one update are freed before the next, so a step needs memory for
    // the parameters, gradients and momenta plus one parameter's temporaries (the paper's 8192-wide projectors make
    // 600M parameters; temporaries for all of them at once would be several times that).
    for (const { name, variable: p, grad: g } of pending) {
      tf.tidy(() => {
        if (p.rank > 1) {
          const d = this.weightDecay === 0 ? g : tf.add(g, tf.mul(p, this.weightDecay));
          const mu = this.state.accumulate(name, tf.mul(d, trustRatio(p, d, this.eta)), this.momentum);
          p.assign(tf.sub(p, tf.mul(mu, lr)));
        } else {
          const mu = this.state.accumulate(name, g, this.momentum);
          p.assign(tf.sub(p, tf.mul(mu, lr * this.biasLrMultiplier)));
        }
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

/** `eta * ||p|| / ||d||` as a scalar tensor, 1 where either norm is 0 (a zero-initialised or untrained layer). */
function trustRatio(p: tf.Tensor, d: tf.Tensor, eta: number): tf.Scalar {
  const pNorm = tf.sqrt(tf.sum(tf.square(p)));
  const dNorm = tf.sqrt(tf.sum(tf.square(d)));
  const bothPositive = tf.logicalAnd(tf.greater(pNorm, 0), tf.greater(dNorm, 0));
  return tf.where(bothPositive, tf.div(tf.mul(pNorm, eta), dNorm), tf.onesLike(pNorm)) as tf.Scalar;
}
