import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../nn/rng';
import { Adam } from '../optim/adam';
import { Lars } from '../optim/lars';
import { Optimizer } from '../optim/optimizer';
import { ImageDataset } from '../data/dataset';
import { DatasetSource } from '../data/dataset-source';
import { DEFAULT_DATASET } from '../data/registry';
import { twoViews } from '../data/views';
import { ViewMaker } from '../data/view-maker';
import { BlockwiseSslModel } from './blockwise-ssl-model';
import { buildModel, loadBlocks } from './build-model';
import { Checkpoint, checkpointFile, firstNonFinite, listCheckpoints, moduleTensors, pruneCheckpoints, readCheckpoint, restoreVariables, writeCheckpoint } from './checkpoint';
import { readRunConfig, runCheckpointFile } from './load-run';
import { NonFiniteLossError } from './non-finite-loss-error';
import { blockLossColumns, checkRunDirPath, markRunFolder, readRunJson, RunStatus, runDatasetFile, runPaths, writeRunDatasetSource, writeRunJson } from './run-folder';
import { openRunMetrics } from './run-metrics';
import { lockRunFolder, RUN_LOCK_FILE } from './run-lock';
import { deriveSeed, SeedStream } from './seeds';
import { SslStepResult, sslTrainStep } from './ssl-step';
import { difficultyRouting } from './difficulty-routing';
import { ResolvedTrainConfig, TrainConfig, resolveTrainConfig } from './train-config';
import { loadTrainingDataset, runSplit, StepBatches } from './training-data';
import { phaseAt, TrainingPlan, trainingPlan } from './training-plan';

/** Progress after one training step, for a progress bar or a notebook. */
export interface StepEvent {
  /** Global step just done, 0-based; `step + 1` steps are complete. */
  step: number;
  totalSteps: number;
  /** Epoch of the step (0-based), the step's place in it, and the epoch's length. */
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Phase index and count (sequential training: one phase per trained block) and the phase's trained blocks (0-based). */
  phase: number;
  phases: number;
  phaseBlocks: number[];
  /** Loss of every block, NaN for blocks without a loss in this step. */
  blockLosses: number[];
  loss: number;
  lr: number;
  /** Images per second over this step (data and augmentation included). */
  imagesPerSecond: number;
  /** Seconds since this call started, and the estimated seconds to the end of the run. */
  elapsedSeconds: number;
  etaSeconds: number;
}

/** A checkpoint was written. */
export interface CheckpointEvent {
  /** Steps completed. */
  step: number;
  file: string;
  /** Why it was written: `everySteps`, an epoch end, a sequential phase end, the run's end, or a stop. */
  reason: 'interval' | 'epoch' | 'phase' | 'end' | 'stop';
}

/** Options of `runTraining` and `resumeTraining`. */
export interface TrainingOptions {
  /** The run folder; `runTraining` needs it empty or absent. */
  runDir: string;
  /** The training images, instead of loading `config.data.dataset` by name (tests, custom datasets). Before the split. */
  dataset?: ImageDataset;
  /**
   * Where the images come from (a registry name, or a folder or tarball), recorded in the run folder's `dataset.json`
   * when it has none yet, so that `resume` and `probe` on the command line read the same images.
   */
  source?: DatasetSource;
  onStep?: (event: StepEvent) => void;
  onCheckpoint?: (event: CheckpointEvent) => void;
  /**
   * Aborting stops the run after the current step, with a checkpoint; the result says `'stopped'`. The loop gives the
   * event loop a turn after every step, so a Ctrl-C handler or a timer that aborts runs while training.
   */
  signal?: AbortSignal;
  /** Stop (with a checkpoint) once this many steps are complete, before the end of the run. */
  stopAtStep?: number;
  /**
   * How the two views of each batch are made (default `'worker'`): the fused typed-array augmentation on a worker
   * thread, the next step's views while this step trains; `'main'`, the same on the training thread (the same
   * bits); `'tensor'`, the tensor-op reference path (`twoViews`), equal up to float32 rounding. A resumed run is
   * bit-identical to an uninterrupted one when both use the same path ('worker' and 'main' count as one).
   */
  views?: ViewPath;
}

/** See `TrainingOptions.views`. */
export type ViewPath = 'worker' | 'main' | 'tensor';

/** How a call ended. */
export interface TrainingResult {
  runDir: string;
  status: 'completed' | 'stopped';
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** The newest checkpoint, or null. */
  checkpoint: string | null;
}

/**
 * Trains a model from scratch as `config` says, in `options.runDir` (created; must be empty). The config and its
 * training plan are checked before anything is written; then the folder gets its marker (`.blockwise-run`) and,
 * while training, its `run.lock` (`lockRunFolder`). It writes the resolved config to `config.json`, where the images
 * come from to `dataset.json` (`options.source`, when given), one line per step to `metrics.jsonl` (and as
 * TensorBoard scalars, `openRunMetrics`), checkpoints to `checkpoints/` (every `checkpoint.everySteps` steps, at
 * every epoch end, at the end of each sequential phase, of the run, and when stopped), and `status.json`. The model
 * is disposed at the end; `loadRunModel(runDir)` gives it back from the last checkpoint.
 *
 * Every method runs through the same loop: step s reads its batch (a function of the seed and s), makes
 * two views (augmentations seeded by the seed and s), reseeds the feature noise by the seed and s, and
 * calls `sslTrainStep` with the blocks of its phase. A non-finite block loss throws a `NonFiniteLossError`
 * naming the block and the step and keeping the last good checkpoint (the run's status becomes `'failed'`).
 *
 * ```ts
 * const result = await runTraining({ method: 'simultaneous', data: { batchSize: 256, epochs: 20 } }, { runDir: 'runs/a', onStep: bar });
 * ```
 */
export async function runTraining(config: TrainConfig, options: TrainingOptions): Promise<TrainingResult> {
  const paths = runPaths(options.runDir);
  checkRunDirPath(paths.dir, 'runTraining');
  const notEmpty = (): boolean => fs.existsSync(paths.dir) && fs.readdirSync(paths.dir).some((f) => f !== RUN_LOCK_FILE);
  if (notEmpty()) throw new Error(`runTraining: ${paths.dir} is not empty; resume it with resumeTraining, or choose another folder`);
  const name = config.data?.dataset ?? options.dataset?.name ?? DEFAULT_DATASET;
  const dataset = options.dataset ?? (await loadTrainingDataset(name));
  const resolved = resolveTrainConfig({ ...config, data: { ...config.data, dataset: name } }, datasetInfo(dataset, name));
  if (resolved.init) {
    const source = runCheckpointFile(resolved.init.run, resolved.init.step);
    resolved.init = { ...resolved.init, run: path.resolve(resolved.init.run), step: source.step };
  }
  // Everything that can reject the config is checked before the folder is written, so a mistake leaves no folder
  // that blocks the retry.
  trainingPlan(resolved, runSplit(dataset, resolved.data).train.size);
  const lock = lockRunFolder(paths.dir, 'runTraining');
  try {
    if (notEmpty()) throw new Error(`runTraining: ${paths.dir} is not empty; resume it with resumeTraining, or choose another folder`);
    markRunFolder(paths.dir);
    fs.mkdirSync(paths.checkpoints, { recursive: true });
    writeRunJson(paths.config, resolved);
    return await train(resolved, dataset, null, options);
  } finally {
    lock.release();
  }
}

/** Options of `resumeTraining`. */
export interface ResumeOptions extends Omit<TrainingOptions, 'runDir'> {
  /**
   * Start over from step 0 when every checkpoint the run wrote is gone (default: refuse, since the steps they
   * held would be trained again and their metrics dropped).
   */
  restart?: boolean;
}

/**
 * Continues a run from its newest checkpoint exactly as if it had never stopped: the same next batch, views
 * and noise, the same weights, batch-norm statistics and optimiser state, so its final weights equal an
 * uninterrupted run's. Metrics written after that checkpoint are dropped and rewritten. A run killed before its
 * first checkpoint starts over; one whose checkpoints were all deleted is refused unless `restart`. A completed
 * run returns at once. A corrupted checkpoint (its checksum) or one with non-finite weights is an error naming
 * it; a folder another live process trains in (its `run.lock`) too.
 */
export async function resumeTraining(runDir: string, options: ResumeOptions = {}): Promise<TrainingResult> {
  const paths = runPaths(runDir);
  const config = readRunConfig(runDir);
  const dataset = options.dataset ?? (await loadTrainingDataset(config.data.dataset));
  const lock = lockRunFolder(paths.dir, 'resumeTraining');
  try {
    const latest = listCheckpoints(paths.checkpoints).pop() ?? null;
    const wrote = fs.existsSync(paths.status) ? readRunJson<RunStatus>(paths.status).lastCheckpoint : null;
    if (latest === null && wrote !== null && !options.restart) {
      throw new Error(
        `resumeTraining: ${paths.dir} has no checkpoint left (its status names ${wrote}); resuming would start over from step 0. ` +
          'Pass restart (blockwise-ssl resume --restart) to do so.',
      );
    }
    const checkpoint = latest ? { checkpoint: await readCheckpoint(latest.file), file: latest.file } : null;
    const bad = checkpoint ? firstNonFinite(checkpoint.checkpoint.weights) : null;
    if (bad) throw new Error(`resumeTraining: ${checkpoint!.file} holds non-finite weights (${bad}); delete it to resume from the checkpoint before it`);
    return await train(config, dataset, checkpoint, { ...options, runDir });
  } finally {
    lock.release();
  }
}

function datasetInfo(dataset: ImageDataset, name: string) {
  return { name, imageShape: dataset.imageShape, numClasses: dataset.classNames.length };
}

/** The loop shared by every method. */
async function train(
  config: ResolvedTrainConfig,
  dataset: ImageDataset,
  start: { checkpoint: Checkpoint; file: string } | null,
  options: TrainingOptions,
): Promise<TrainingResult> {
  const paths = runPaths(options.runDir);
  // A config.json edited by hand is checked like a new config.
  resolveTrainConfig(config, datasetInfo(dataset, config.data.dataset));
  const { train: images } = runSplit(dataset, config.data);
  const plan = trainingPlan(config, images.size);
  const datasetState = { name: images.name, size: images.size, imageShape: [...images.imageShape] };
  if (start && JSON.stringify(start.checkpoint.state.dataset) !== JSON.stringify(datasetState)) {
    throw new Error(
      `resumeTraining: ${start.file} was trained on ${JSON.stringify(start.checkpoint.state.dataset)}, ` +
        `the dataset given now is ${JSON.stringify(datasetState)}`,
    );
  }
  const batches = new StepBatches(images, config.data.batchSize, deriveSeed(config.seed, SeedStream.dataOrder));
  const end = Math.min(plan.totalSteps, options.stopAtStep ?? plan.totalSteps);
  let step = start?.checkpoint.state.step ?? 0;
  let lastCheckpoint = start?.file ?? null;
  const status = (state: RunStatus['state'], message?: string): void =>
    writeRunJson(paths.status, {
      state,
      step,
      totalSteps: plan.totalSteps,
      lastCheckpoint,
      ...(message !== undefined ? { message } : {}),
      updated: new Date().toISOString(),
    } satisfies RunStatus);

  const viewPath = options.views ?? 'worker';
  if (!['worker', 'main', 'tensor'].includes(viewPath)) throw new Error(`runTraining: views must be 'worker', 'main' or 'tensor', got '${viewPath}'`);
  const model = buildModel(config);
  // The optimiser of the current phase (a new one, with fresh state, at each phase start).
  const optimizer: { current: Optimizer | null; phase: number } = { current: null, phase: -1 };
  const maker = viewPath === 'tensor' ? null : new ViewMaker(viewPath);
  let pending: Promise<PreparedStep> | null = null;
  try {
    if (start) {
      restoreVariables([...model.parameters(), ...model.buffers()], start.checkpoint.weights, { source: start.file });
    } else if (config.init) {
      const source = runCheckpointFile(config.init.run, config.init.step);
      loadBlocks(model, config.init.blocks, await readCheckpoint(source.file), source.file);
    }
    if (options.source && !fs.existsSync(runDatasetFile(paths.dir))) writeRunDatasetSource(paths.dir, options.source);
    const metrics = openRunMetrics(paths.dir, step);
    status(step >= plan.totalSteps ? 'completed' : 'running');

    const save = async (reason: CheckpointEvent['reason'], phase: number): Promise<void> => {
      const file = checkpointFile(paths.checkpoints, step);
      const weights = moduleTensors(model);
      const optimizerState = optimizer.current?.getState() ?? {};
      const bad = firstNonFinite(weights) ?? firstNonFinite(optimizerState);
      if (bad !== null) {
        const message =
          `training stopped after step ${step - 1}: ${bad}, so no checkpoint is written. ` +
          `The last good checkpoint is ${lastCheckpoint ?? 'none (no checkpoint had been written)'}.`;
        throw new Error(message);
      }
      await writeCheckpoint(file, {
        state: { step, phase, dataset: datasetState, written: new Date().toISOString() },
        weights,
        optimizer: optimizerState,
      });
      lastCheckpoint = file;
      pruneCheckpoints(paths.checkpoints, config.checkpoint.keep);
      status(step >= plan.totalSteps ? 'completed' : 'running');
      options.onCheckpoint?.({ step, file, reason });
    };

    const began = performance.now();
    let meanStepSeconds: number | null = null;
    const [h, w, c] = images.imageShape;
    // Step s's batch and, off the training thread, its two views: both pure functions of (seed, s).
    const prepare = (s: number): Promise<PreparedStep> => {
      const p = batches.fetch(s).then(async (fetched) => {
        if (!maker) return { fetched, views: null };
        const shape: [number, number, number, number] = [fetched.labels.length, h, w, c];
        return { fetched, views: await maker.make(fetched.pixels, shape, phaseAt(plan, s).views, deriveSeed(config.seed, SeedStream.views, s)) };
      });
      p.catch(() => undefined); // surfaces when awaited
      return p;
    };
    if (step < end) pending = prepare(step);
    while (step < end && !options.signal?.aborted) {
      const t0 = performance.now();
      const phase = phaseAt(plan, step);
      if (optimizer.phase !== phase.index) {
        optimizer.current?.dispose();
        optimizer.current = newOptimizer(model, config, phase.blocks);
        optimizer.phase = phase.index;
        if (start && start.checkpoint.state.step === step && start.checkpoint.state.phase === phase.index) {
          optimizer.current.setState(start.checkpoint.optimizer);
        }
      }
      const prepared = await pending!;
      pending = step + 1 < end ? prepare(step + 1) : null;
      const lr = phase.lr(step - phase.startStep);
      const labels = tf.tensor1d(prepared.fetched.labels, 'int32');
      const views: tf.Tensor4D[] = [];
      let result: SslStepResult;
      try {
        if (prepared.views) {
          const n = prepared.fetched.labels.length;
          const { view1, view2 } = phase.views;
          views.push(tf.tensor4d(prepared.views[0], [n, view1.crop.size, view1.crop.size, c]));
          views.push(tf.tensor4d(prepared.views[1], [n, view2.crop.size, view2.crop.size, c]));
        } else {
          const x = batches.toTensors(prepared.fetched).images;
          try {
            views.push(...twoViews(x, phase.views, new Rng(deriveSeed(config.seed, SeedStream.views, step))));
          } finally {
            x.dispose();
          }
        }
        model.reseedNoise(deriveSeed(config.seed, SeedStream.noise, step));
        result = sslTrainStep(
          model,
          [views[0], views[1]],
          {
            loss: config.loss,
            lossBlocks: phase.blocks,
            frozenBlocks: phase.frozenBlocks,
            frozenMode: config.frozenMode,
            ...(config.routing ? { weighting: difficultyRouting(config.routing) } : {}),
            ...(config.backward ? { backward: config.backward } : {}),
          },
          optimizer.current!,
          lr,
          labels,
        );
      } catch (e) {
        if (!(e instanceof NonFiniteLossError)) throw e;
        const message =
          `training stopped at step ${step}: block ${e.block + 1} loss is ${e.value}. ` +
          `The last good checkpoint is ${lastCheckpoint ?? 'none (no checkpoint had been written)'}.`;
        status('failed', message);
        throw new NonFiniteLossError(message, e.block, e.value, step, lastCheckpoint);
      } finally {
        tf.dispose([labels, ...views]);
      }
      const seconds = (performance.now() - t0) / 1000;
      meanStepSeconds = meanStepSeconds === null ? seconds : 0.9 * meanStepSeconds + 0.1 * seconds;
      const epoch = Math.floor(step / plan.stepsPerEpoch);
      const imagesPerSecond = config.data.batchSize / seconds;
      metrics.append({
        step,
        epoch,
        phase: phase.index,
        lr,
        loss: result.loss,
        ...blockLossColumns(result.blockLosses),
        imagesPerSecond,
        time: new Date().toISOString(),
      });
      options.onStep?.({
        step,
        totalSteps: plan.totalSteps,
        epoch,
        stepInEpoch: step % plan.stepsPerEpoch,
        stepsPerEpoch: plan.stepsPerEpoch,
        phase: phase.index,
        phases: plan.phases.length,
        phaseBlocks: phase.blocks,
        blockLosses: result.blockLosses,
        loss: result.loss,
        lr,
        imagesPerSecond,
        elapsedSeconds: (performance.now() - began) / 1000,
        etaSeconds: meanStepSeconds * (plan.totalSteps - step - 1),
      });
      step++;
      const reason = checkpointReason(step, plan, phase.startStep + phase.steps, config.checkpoint.everySteps);
      if (reason) await save(reason, phase.index);
      // A batch read from memory and the views made on this thread never wait, so without this turn a signal
      // handler (Ctrl-C aborting the run) or a timer would not run until training ends.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (step < plan.totalSteps) {
      if (lastCheckpoint !== checkpointFile(paths.checkpoints, step)) await save('stop', optimizer.current ? optimizer.phase : phaseAt(plan, step).index);
      status('stopped');
      return { runDir: paths.dir, status: 'stopped', step, totalSteps: plan.totalSteps, checkpoint: lastCheckpoint };
    }
    status('completed');
    return { runDir: paths.dir, status: 'completed', step, totalSteps: plan.totalSteps, checkpoint: lastCheckpoint };
  } catch (e) {
    // A run that fails otherwise (a full disk, non-finite weights) says so in its status, when it still can.
    if (!(e instanceof NonFiniteLossError)) {
      try {
        status('failed', (e as Error).message);
      } catch {
        // The disk may be full: the error thrown says what went wrong.
      }
    }
    throw e;
  } finally {
    model.dispose();
    optimizer.current?.dispose();
    if (pending) await pending.catch(() => undefined);
    await maker?.close();
  }
}

/** A step's batch read ahead, with its two views when they are made off the tensor path. */
interface PreparedStep {
  fetched: { pixels: Uint8Array; labels: Int32Array };
  views: [Float32Array, Float32Array] | null;
}

/**
 * The optimiser of a phase, over the parameters of its trained blocks (with their heads and projectors): LARS, or
 * Adam for `optimizer.kind: 'adam'`.
 */
function newOptimizer(model: BlockwiseSslModel, config: ResolvedTrainConfig, blocks: number[]): Optimizer {
  const params = blocks.flatMap((k) => model.blockParameters(k));
  const { kind, adam, momentum, eta, weightDecay, biasLrMultiplier } = config.optimizer;
  if (kind === 'adam') return new Adam(params, adam);
  return new Lars(params, { momentum, eta, weightDecay, biasLrMultiplier });
}

/** Why a checkpoint is due once `done` steps are complete, or null. */
function checkpointReason(done: number, plan: TrainingPlan, phaseEnd: number, everySteps: number | null): CheckpointEvent['reason'] | null {
  if (done === plan.totalSteps) return 'end';
  if (done === phaseEnd) return 'phase';
  if (done % plan.stepsPerEpoch === 0) return 'epoch';
  if (everySteps !== null && done % everySteps === 0) return 'interval';
  return null;
}
