import { integerAtLeast, nonNegative } from './check';

/** A learning-rate schedule: the learning rate at optimiser step (or epoch) `step`, counted from 0. */
export type LrSchedule = (step: number) => number;

export interface WarmupCosineConfig {
  /** Peak learning rate, reached at the end of the warm-up (e.g. `linearScaledLr(0.2, batchSize)`). */
  baseLr: number;
  /** Steps of linear warm-up from 0 (Barlow Twins: 10 epochs' worth). */
  warmupSteps: number;
  /** Total number of steps; the schedule is defined on `0..totalSteps`. */
  totalSteps: number;
  /** Final learning rate as a fraction of `baseLr`. Default 0.001. */
  finalLrFraction?: number;
}

/**
 * Linear warm-up then cosine decay, as Barlow Twins' `adjust_learning_rate` (pretraining): for
 * `step < warmupSteps`, `lr = baseLr * step / warmupSteps`; after it, with `s = step - warmupSteps` and
 * `max = totalSteps - warmupSteps`, `q = 0.5 * (1 + cos(pi * s / max))` and
 * `lr = baseLr * q + baseLr * finalLrFraction * (1 - q)`.
 *
 * ```ts
 * const lrAt = warmupCosine({ baseLr: linearScaledLr(0.2, 2048), warmupSteps: 10 * stepsPerEpoch, totalSteps: 300 * stepsPerEpoch });
 * ```
 */
export function warmupCosine({ baseLr, warmupSteps, totalSteps, finalLrFraction = 0.001 }: WarmupCosineConfig): LrSchedule {
  const what = 'warmupCosine';
  nonNegative(what, 'baseLr', baseLr);
  integerAtLeast(what, 'warmupSteps', warmupSteps, 0);
  integerAtLeast(what, 'totalSteps', totalSteps, 1);
  if (totalSteps <= warmupSteps) throw new Error(`${what}: totalSteps ${totalSteps} must exceed warmupSteps ${warmupSteps}`);
  if (!(finalLrFraction >= 0 && finalLrFraction <= 1)) throw new Error(`${what}: finalLrFraction ${finalLrFraction} is not in [0, 1]`);
  const endLr = baseLr * finalLrFraction;
  const decaySteps = totalSteps - warmupSteps;
  return (step) => {
    checkStep(what, step, totalSteps);
    if (step < warmupSteps) return (baseLr * step) / warmupSteps;
    const q = 0.5 * (1 + Math.cos((Math.PI * (step - warmupSteps)) / decaySteps));
    return baseLr * q + endLr * (1 - q);
  };
}

export interface CosineConfig {
  /** Learning rate at step 0. */
  baseLr: number;
  /** Steps (or epochs) to decay over: the learning rate reaches 0 at `totalSteps`. */
  totalSteps: number;
}

/**
 * Cosine decay to 0 without warm-up, as PyTorch's `CosineAnnealingLR(T_max = totalSteps)` used by the Barlow
 * Twins linear probe: `lr = baseLr * 0.5 * (1 + cos(pi * step / totalSteps))`.
 */
export function cosine({ baseLr, totalSteps }: CosineConfig): LrSchedule {
  const what = 'cosine';
  nonNegative(what, 'baseLr', baseLr);
  integerAtLeast(what, 'totalSteps', totalSteps, 1);
  return (step) => {
    checkStep(what, step, totalSteps);
    return baseLr * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps));
  };
}

/** The linear scaling rule of Barlow Twins (after Goyal et al. 2017): `base * batchSize / 256`. */
export function linearScaledLr(base: number, batchSize: number): number {
  nonNegative('linearScaledLr', 'base', base);
  integerAtLeast('linearScaledLr', 'batchSize', batchSize, 1);
  return (base * batchSize) / 256;
}

function checkStep(owner: string, step: number, totalSteps: number): void {
  if (!Number.isInteger(step) || step < 0 || step > totalSteps) {
    throw new Error(`${owner}: step ${step} is not an integer in [0, ${totalSteps}]`);
  }
}
