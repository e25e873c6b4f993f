import * as tf from '@tensorflow/tfjs-core';
import { NamedVariable } from '../nn/module';
import { Optimizer, OptimizerState, SavedTensor } from './optimizer';
import { MomentumBuffers, checkLearningRate } from './momentum-buffers';
import { nonNegative } from './check';

export interface AdamConfig {
  /** Decay of the first-moment (mean) estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment (uncentred variance) estimate. Default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected root of the second moment, for numerical stability. Default 1e-8. */
  eps?: number;
  /** Weight decay on every parameter, biases included (as PyTorch). Default 0. */
  weightDecay?: number;
  /**
   * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): `p -= lr * weightDecay * p` before the Adam
   * update, as `torch.optim.AdamW`. Default false: L2 decay added to the gradient, as `torch.optim.Adam`.
   */
  decoupled?: boolean;
}

/** Suffixes of a parameter's three entries in {@link Adam}'s state (PyTorch's names). */
const FIRST_MOMENT = ':exp_avg';
const SECOND_MOMENT = ':exp_avg_sq';
const STEP = ':step';

/** A float32 step count is exact up to 2^24. */
const MAX_STEP = 2 ** 24;

/**
 * Adam (Kingma & Ba 2015), as PyTorch's `torch.optim.Adam` (no AMSGrad), or with `decoupled` its
 * `torch.optim.AdamW` (Loshchilov & Hutter 2019). For each parameter `p` with gradient `g`, at the parameter's
 * `t`-th step (counted per parameter, as PyTorch: a step without its gradient does not count):
 *
 * - coupled (Adam): `g' = g + weightDecay * p`; decoupled (AdamW): `p = p * (1 - lr * weightDecay)`, `g' = g`;
 * - `m = beta1 * m + (1 - beta1) * g'`, `v = beta2 * v + (1 - beta2) * g'^2` (both zero before the first step);
 * - `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`.
 *
 * The state holds, per parameter with a gradient so far, `<name>:exp_avg` (m), `<name>:exp_avg_sq` (v) and
 * `<name>:step` (t, a scalar), so a resumed run applies the same bias correction as an uninterrupted one.
 *
 * ```ts
 * const opt = new Adam(model.parameters(), { weightDecay: 0.05, decoupled: true });
 * opt.step(tf.variableGrads(loss, vars).grads, lrAt(step));
 * ```
 */
export class Adam implements Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private readonly firstMoment: MomentumBuffers;
  private readonly secondMoment: MomentumBuffers;
  /** Parameter dotted name -> steps taken with a gradient. */
  private steps = new Map<string, number>();

  constructor(params: NamedVariable[], config: AdamConfig = {}) {
    this.beta1 = unitInterval('beta1', config.beta1 ?? 0.9);
    this.beta2 = unitInterval('beta2', config.beta2 ?? 0.999);
    this.eps = nonNegative('Adam', 'eps', config.eps ?? 1e-8);
    this.weightDecay = nonNegative('Adam', 'weightDecay', config.weightDecay ?? 0);
    const decoupled = config.decoupled ?? false;
    if (typeof decoupled !== 'boolean') throw new Error(`Adam: decoupled ${String(decoupled)} is not a boolean`);
    this.decoupled = decoupled;
    this.firstMoment = new MomentumBuffers(params, 'Adam');
    this.secondMoment = new MomentumBuffers(params, 'Adam');
  }

  step(grads: tf.NamedTensorMap, lr: number): void {
    checkLearningRate(lr, 'Adam');
    const pending = this.firstMoment.withGradients(grads);
    // One tidy per parameter, as in Lars: one parameter's temporaries at a time.
    for (const { name, variable: p, grad: g } of pending) {
      const t = (this.steps.get(name) ?? 0) + 1;
      if (t > MAX_STEP) throw new Error(`Adam.step: '${name}' would take step ${t}, beyond the ${MAX_STEP} a float32 state counts exactly`);
      this.steps.set(name, t);
      tf.tidy(() => {
        const coupled = !this.decoupled && this.weightDecay !== 0;
        const d = coupled ? tf.add(g, tf.mul(p, this.weightDecay)) : g;
        const m = this.firstMoment.accumulate(name, tf.mul(d, 1 - this.beta1), this.beta1);
        const v = this.secondMoment.accumulate(name, tf.mul(tf.square(d), 1 - this.beta2), this.beta2);
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - this.beta2 ** t)), this.eps);
        const decayed = this.decoupled && this.weightDecay !== 0 ? tf.mul(p, 1 - lr * this.weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / (1 - this.beta1 ** t))));
      });
    }
  }

  getState(): OptimizerState {
    const state: OptimizerState = {};
    const m = this.firstMoment.getState();
    const v = this.secondMoment.getState();
    for (const [name, t] of this.steps) {
      state[name + FIRST_MOMENT] = m[name];
      state[name + SECOND_MOMENT] = v[name];
      state[name + STEP] = { shape: [], values: Float32Array.of(t) };
    }
    return state;
  }

  /** Validates all of `state` first (every parameter needs all three entries), so a bad state changes nothing. */
  setState(state: OptimizerState): void {
    const m: OptimizerState = {};
    const v: OptimizerState = {};
    const steps = new Map<string, number>();
    for (const [key, s] of Object.entries(state)) {
      if (key.endsWith(FIRST_MOMENT)) {
        const name = strip(key, FIRST_MOMENT);
        this.firstMoment.checkEntry(name, s, key);
        m[name] = s;
      } else if (key.endsWith(SECOND_MOMENT)) {
        const name = strip(key, SECOND_MOMENT);
        this.secondMoment.checkEntry(name, s, key);
        v[name] = s;
      } else if (key.endsWith(STEP)) {
        steps.set(strip(key, STEP), stepCount(key, s));
      } else {
        throw new Error(`Adam.setState: state key '${key}' does not end in ${FIRST_MOMENT}, ${SECOND_MOMENT} or ${STEP}`);
      }
    }
    for (const name of new Set([...Object.keys(m), ...Object.keys(v), ...steps.keys()])) {
      const missing = [[FIRST_MOMENT, name in m], [SECOND_MOMENT, name in v], [STEP, steps.has(name)]].filter(([, has]) => !has);
      if (missing.length > 0) throw new Error(`Adam.setState: '${name}' lacks ${missing.map(([suffix]) => `'${name}${suffix}'`).join(' and ')}`);
    }
    this.firstMoment.setState(m);
    this.secondMoment.setState(v);
    this.steps = steps;
  }

  dispose(): void {
    this.firstMoment.dispose();
    this.secondMoment.dispose();
    this.steps.clear();
  }
}

/** Returns `v` if it is in [0, 1) (PyTorch's range for the betas), else throws naming it. */
function unitInterval(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new Error(`Adam: ${what} ${v} is not a number in [0, 1)`);
  return v;
}

function strip(key: string, suffix: string): string {
  return key.slice(0, key.length - suffix.length);
}

/** The step count stored under `key`: a scalar holding an integer in [1, 2^24]. */
function stepCount(key: string, s: SavedTensor): number {
  const t = s.values[0];
  if (s.shape.length !== 0 || s.values.length !== 1 || !Number.isInteger(t) || t < 1 || t > MAX_STEP) {
    throw new Error(`Adam.setState: '${key}' must be a scalar step count in [1, ${MAX_STEP}], got shape [${s.shape}] values [${Array.from(s.values.slice(0, 3))}]`);
  }
  return t;
}
