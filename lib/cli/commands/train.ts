import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset } from '../../data/dataset';
import { DatasetSource, loadDatasetSource } from '../../data/dataset-source';
import { datasetEntry, DEFAULT_DATASET } from '../../data/registry';
import { ProbeSettings, Scale } from '../../experiments/preset';
import { isFigureId, preset } from '../../experiments/presets';
import { probeRun } from '../../experiments/probe-run';
import { schedulesOfConfig } from '../../experiments/run-recipe';
import { checkRunDirPath, clearRunFolder } from '../../train/run-folder';
import { runTraining } from '../../train/run-training';
import { checkTrainConfigKeys } from '../../train/config-schema';
import { TrainConfig } from '../../train/train-config';
import { CommandSpec, OptionSpec, OptionValue, parseCommand, UsageError, commandHelp } from '../args';
import { BACKEND_OPTION, datasetArgument, CliIo, EXIT_INTERRUPTED, probeReporter, runAccuracyTable, startBackend, withInterrupt } from '../common';
import { PROBE_OPTIONS, SCALE_OPTION, probeSettingsFrom } from '../probe-options';
import { ProgressBar } from '../progress';

/** The run `train` trains by default: the paper's recipe (simultaneous blockwise Barlow Twins, 1x1 CbE + GSP, noise 0.25). */
export const DEFAULT_PRESET_RUN = 'fig4:simultaneous-cbe-noise';

/** Options that change the training config, shared with `reproduce`. */
export const SCHEDULE_OPTIONS: OptionSpec[] = [
  { name: 'steps', kind: 'int', placeholder: 'N', description: 'training steps, instead of the epochs (per block for sequential runs)' },
  { name: 'epochs', kind: 'number', placeholder: 'X', description: 'training epochs, may be fractional (per block for sequential runs)' },
  { name: 'batch-size', kind: 'int', placeholder: 'N', description: 'images per step' },
  { name: 'warmup-epochs', kind: 'number', placeholder: 'X', description: 'learning-rate warm-up in epochs (must fit in the run)' },
];

export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'Train one run (a run of a figure preset, or a TrainConfig JSON file), then probe every block and print the per-block accuracy table.',
  positionals: [],
  options: [
    { name: 'preset', kind: 'string', placeholder: 'FIGURE:RUN', description: `a run of a figure preset (default ${DEFAULT_PRESET_RUN})` },
    { name: 'config', kind: 'string', placeholder: 'FILE', description: 'a TrainConfig as JSON, instead of a preset run' },
    SCALE_OPTION,
    { name: 'dataset', kind: 'string', placeholder: 'NAME|PATH', description: 'train on another dataset: a name (fashion-mnist, cifar10, cifar10-jpg) or an image folder / tarball' },
    { name: 'image-size', kind: 'int', placeholder: 'N', description: 'resize the images of a folder dataset to N x N' },
    ...SCHEDULE_OPTIONS,
    { name: 'seed', kind: 'int', placeholder: 'N', description: 'seed of weights, data order, augmentations and noise' },
    { name: 'per-block-backward', kind: 'flag', description: 'back-propagate one block at a time (less memory; blockwise runs only)' },
    { name: 'out', kind: 'string', placeholder: 'DIR', description: 'run folder (default runs/<figure>-<run>-<scale>, or runs/<config name>)' },
    { name: 'overwrite', kind: 'flag', description: 'delete the run that the run folder holds first (only a folder blockwise-ssl created; default: refuse to touch an existing run)' },
    { name: 'no-probe', kind: 'flag', description: 'skip the probes at the end' },
    ...PROBE_OPTIONS,
    BACKEND_OPTION,
  ],
  details:
    'Progress (step, ETA, images/s, live loss per block) goes to stderr; the accuracy table to stdout. Ctrl-C stops\n' +
    'after the current step with a checkpoint; continue with: blockwise-ssl resume <run folder>.\n' +
    'With --dataset, the dataset\'s default view recipe replaces the preset\'s.\n\n' +
    'examples:\n' +
    '  blockwise-ssl train --steps 100                      the default run on Fashion-MNIST for 100 steps\n' +
    '  blockwise-ssl train --preset fig4:end-to-end --scale smoke\n' +
    '  blockwise-ssl train --config my-run.json --out runs/mine',
};

/** What `train` trains: the config, where its images come from, its name, its folder and the probes after it. */
export interface TrainPlan {
  config: TrainConfig;
  source: DatasetSource;
  label: string;
  runDir: string;
  probe: ProbeSettings | null;
}

function readConfigFile(file: string): TrainConfig {
  if (!fs.existsSync(file)) throw new UsageError(`train: --config ${file} does not exist`);
  let config: TrainConfig;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new UsageError(`train: --config ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || typeof config.method !== 'string') throw new UsageError(`train: --config ${file} must hold a TrainConfig object with a "method"`);
  try {
    checkTrainConfigKeys(config, `train: --config ${file}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return config;
}

/**
 * Applies --steps, --epochs, --batch-size and --warmup-epochs to a config; a sequential run trains each of its blocks
 * for the --steps / --epochs given (`schedulesOfConfig`), as the presets do.
 */
export function withSchedule(config: TrainConfig, options: Record<string, OptionValue>): TrainConfig {
  const data = { ...config.data };
  const times = schedulesOfConfig(config);
  if (options.steps !== undefined) {
    if ((options.steps as number) < 1) throw new UsageError('--steps must be at least 1');
    data.steps = (options.steps as number) * times;
  }
  if (options.epochs !== undefined) {
    if (options.steps !== undefined) throw new UsageError('give --steps or --epochs, not both');
    if (!((options.epochs as number) > 0)) throw new UsageError(`--epochs must be > 0, got ${options.epochs}`);
    data.epochs = (options.epochs as number) * times;
    delete data.steps;
  }
  if (options['batch-size'] !== undefined) {
    if ((options['batch-size'] as number) < 2) throw new UsageError('--batch-size must be at least 2 (batch norm needs two images)');
    data.batchSize = options['batch-size'] as number;
  }
  if (options['warmup-epochs'] !== undefined) {
    if (!((options['warmup-epochs'] as number) >= 0)) throw new UsageError(`--warmup-epochs must be >= 0, got ${options['warmup-epochs']}`);
    return { ...config, data, optimizer: { ...config.optimizer, warmupEpochs: options['warmup-epochs'] as number } };
  }
  return { ...config, data };
}

/** Reads the options of `train` into a plan (no training, no backend). */
export function trainPlan(options: Record<string, OptionValue>): TrainPlan {
  const scale = (options.scale as Scale | undefined) ?? 'cpu';
  let config: TrainConfig;
  let source: DatasetSource;
  let label: string;
  let defaultDir: string;
  if (options.config !== undefined) {
    if (options.preset !== undefined) throw new UsageError('train: give --preset or --config, not both');
    config = readConfigFile(options.config as string);
    source = { name: config.data?.dataset ?? DEFAULT_DATASET };
    label = path.basename(options.config as string).replace(/\.json$/i, '');
    defaultDir = path.join('runs', label);
  } else {
    const [figure, runLabel, extra] = ((options.preset as string | undefined) ?? DEFAULT_PRESET_RUN).split(':');
    if (!isFigureId(figure) || runLabel === undefined || extra !== undefined) {
      throw new UsageError(`train: --preset must be FIGURE:RUN (e.g. ${DEFAULT_PRESET_RUN}), got '${options.preset}'`);
    }
    const p = preset(figure, scale);
    const found = p.runs.find((r) => r.label === runLabel);
    if (!found) throw new UsageError(`train: ${figure} has no run '${runLabel}' (runs: ${p.runs.map((r) => r.label).join(', ')})`);
    if (found.untrained) throw new UsageError(`train: ${figure}:${runLabel} is an untrained baseline; 'reproduce ${figure}' writes it`);
    if (found.config.init) throw new UsageError(`train: ${figure}:${runLabel} starts from run '${found.config.init.run}'; train both with 'reproduce ${figure}'`);
    config = found.config;
    source = p.dataset;
    label = runLabel;
    defaultDir = path.join('runs', `${figure}-${runLabel}-${scale}`);
  }
  if (options.dataset !== undefined) {
    source = datasetArgument('dataset', options.dataset);
    const data = { ...config.data, dataset: source.name };
    delete data.views;
    config = { ...config, data };
  }
  if (options['image-size'] !== undefined) {
    if (source.path === undefined && !datasetEntry(source.name)?.resizable) throw new UsageError('train: --image-size applies to an image folder or tarball given with --dataset');
    source = { ...source, imageSize: options['image-size'] as number };
  }
  config = withSchedule(config, options);
  if (options.seed !== undefined) config = { ...config, seed: options.seed as number };
  if (options['per-block-backward']) config = { ...config, backward: 'per-block' };
  const probe = options['no-probe'] ? null : probeSettingsFrom(options);
  return { config, source, label, runDir: path.resolve((options.out as string | undefined) ?? defaultDir), probe };
}

/** Trains a plan's run with a progress bar, then probes it; returns the exit status. */
export async function trainAndProbe(plan: TrainPlan, dataset: ImageDataset, io: CliIo): Promise<number> {
  const bar = new ProgressBar(io.stderr);
  io.stderr.write(`training ${plan.label} into ${plan.runDir}\n`);
  const result = await withInterrupt(io, (signal) =>
    runTraining(plan.config, {
      runDir: plan.runDir,
      dataset,
      source: plan.source,
      signal,
      onStep: (e) => bar.update(e, plan.label),
    }),
  );
  bar.done();
  if (result.status === 'stopped') {
    io.stderr.write(`stopped after ${result.step} of ${result.totalSteps} steps (checkpoint ${result.checkpoint}); continue with: blockwise-ssl resume ${plan.runDir}\n`);
    return EXIT_INTERRUPTED;
  }
  io.stderr.write(`trained ${result.step} steps\n`);
  if (plan.probe) await probeAndPrint(plan.runDir, plan.label, plan.probe, dataset, null, io);
  return 0;
}

/** Probes a run, prints its per-block accuracy table on stdout. */
export async function probeAndPrint(runDir: string, label: string, settings: ProbeSettings, dataset: ImageDataset, evalDataset: ImageDataset | null, io: CliIo): Promise<void> {
  const bar = new ProgressBar(io.stderr);
  const rows = await probeRun(runDir, settings, { label, dataset, evalDataset, onProgress: probeReporter(bar, label) });
  if (rows.length === 0) throw new Error(`probe: no block of ${runDir} was probed`);
  io.stdout.write(`\n${label}: top-1 accuracy (%) per block on ${rows[0].dataset} (after ${rows[0].steps} steps)\n${runAccuracyTable(rows)}\n`);
  io.stderr.write(`probe rows appended to ${path.join(runDir, 'probes.csv')}\n`);
}

export async function trainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(trainSpec, argv);
  if (parsed.help) {
    io.stdout.write(`${commandHelp(trainSpec)}\n`);
    return 0;
  }
  const plan = trainPlan(parsed.options);
  try {
    if (parsed.options.overwrite) clearRunFolder(plan.runDir, 'train --overwrite');
    else checkRunDirPath(plan.runDir, 'train --out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (fs.existsSync(plan.runDir) && fs.readdirSync(plan.runDir).length > 0) {
    throw new UsageError(`train: ${plan.runDir} already holds a run; continue it with 'blockwise-ssl resume ${plan.runDir}' or give another --out`);
  }
  await startBackend(io, parsed.options.backend);
  const dataset = await loadDatasetSource(plan.source);
  return trainAndProbe(plan, dataset, io);
}
