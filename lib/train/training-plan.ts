import { LrSchedule, linearScaledLr, warmupCosine } from '../optim/schedule';
import { TwoViewRecipe } from '../data/views';
import { ResolvedTrainConfig } from './train-config';

/**
 * A stretch of a run in which the same blocks train with one optimiser and one learning-rate schedule:
 * the whole run for end-to-end, simultaneous and supervised blockwise training, one block's share for
 * sequential training.
 */
export interface TrainingPhase {
  index: number;
  /** The blocks trained (0-based); their losses are the ones back-propagated. */
  blocks: number[];
  /** Blocks below the highest trained one that are not trained: run frozen. */
  frozenBlocks: number[];
  /** Global step at which the phase starts, and its length in steps. */
  startStep: number;
  steps: number;
  warmupSteps: number;
  /** Learning rate at step `s` of the phase (0-based, local to the phase). */
  lr: LrSchedule;
  /** The views of this phase's steps. */
  views: TwoViewRecipe;
}

/** How a run's steps are laid out over epochs and phases. */
export interface TrainingPlan {
  /** Full batches per epoch (the last, smaller batch of an epoch is dropped, as batch norm wants). */
  stepsPerEpoch: number;
  totalSteps: number;
  phases: TrainingPhase[];
}

/**
 * Lays out a run on a training set of `trainSize` images: steps per epoch, total steps (`data.steps`, or
 * `data.epochs` worth of batches, rounded), and its phases. Sequential and random-feature runs have one phase
 * per trained block, in order, sharing the steps equally (earlier phases get the shorter shares when they
 * do not divide evenly); each phase warms up and decays its own learning rate.
 */
export function trainingPlan(config: ResolvedTrainConfig, trainSize: number): TrainingPlan {
  const { batchSize, epochs, steps, views } = config.data;
  const stepsPerEpoch = Math.floor(trainSize / batchSize);
  if (stepsPerEpoch < 1) throw new Error(`trainingPlan: ${trainSize} training images do not fill one batch of ${batchSize}`);
  const totalSteps = steps ?? Math.round(epochs * stepsPerEpoch);
  if (totalSteps < 1) throw new Error(`trainingPlan: ${epochs} epochs of ${stepsPerEpoch} steps is less than one step`);
  const perBlock = config.method === 'sequential' || config.method === 'random-feature';
  const groups = perBlock ? config.trainBlocks.map((k) => [k]) : [config.trainBlocks];
  const warmupSteps = Math.round(config.optimizer.warmupEpochs * stepsPerEpoch);
  const peak = linearScaledLr(config.optimizer.baseLr, batchSize);
  return {
    stepsPerEpoch,
    totalSteps,
    phases: groups.map((blocks, index) => {
      const startStep = Math.floor((index * totalSteps) / groups.length);
      const length = Math.floor(((index + 1) * totalSteps) / groups.length) - startStep;
      if (length < 1) throw new Error(`trainingPlan: ${totalSteps} steps cannot give each of ${groups.length} blocks a step`);
      if (warmupSteps >= length) {
        throw new Error(
          `trainingPlan: ${config.optimizer.warmupEpochs} warm-up epochs (${warmupSteps} steps) do not fit in ` +
            `${perBlock ? `block ${blocks[0] + 1}'s share of ` : ''}${length} steps; lower optimizer.warmupEpochs`,
        );
      }
      const top = Math.max(...blocks);
      const recipe = Array.isArray(views) ? views[blocks[0]] : views;
      return {
        index,
        blocks,
        frozenBlocks: [...Array(top).keys()].filter((k) => !blocks.includes(k)),
        startStep,
        steps: length,
        warmupSteps,
        lr: warmupCosine({ baseLr: peak, warmupSteps, totalSteps: length, finalLrFraction: config.optimizer.finalLrFraction }),
        views: recipe,
      };
    }),
  };
}

/** The phase that global step `step` belongs to. */
export function phaseAt(plan: TrainingPlan, step: number): TrainingPhase {
  const p = plan.phases.find((q) => step >= q.startStep && step < q.startStep + q.steps);
  if (p === undefined) throw new Error(`phaseAt: step ${step} is outside the run's ${plan.totalSteps} steps`);
  return p;
}
