/**
 * tfjs side of `npm run bench` (driver: bench/run.ts): ms per training step on one backend route, printed as
 * one JSON line like bench/torch_bench.py, for the same two tasks:
 * - `resnet`: the bench model of shared/reference/cpu-backend.md, a CIFAR-style ResNet (lib/nn ResNet, basic
 *   blocks [1, 1, 1, 1], widths 16/32/64/128, 3x3 stem of 16 channels), input [64, 32, 32, 3], one plain SGD
 *   step (lr 0.01) on softmax cross-entropy against fixed labels;
 * - `blockwise-bt`: one simultaneous blockwise Barlow Twins step (lib/train sslTrainStep) on that backbone cut
 *   into 4 blocks, CbE heads of 512 channels, projectors 512-512-512, two views, no feature noise, SGD with
 *   momentum 0.9 and weight decay 1e-6 (lr 0.01);
 * - `pipeline`: augmentation alone and the training step alone, images per second, at the fig16 cpu preset's
 *   batch (128 random 32x32 RGB images) and view recipe (24x24 views); `--part` says which:
 *   `fused`, both views by `fusedTwoViews` on the batch's uint8 pixels (the path runTraining runs, here on the
 *   calling thread); `fused-bicubic`, the same with the crops resized bicubically (the paper scale's); `tensor`, a DataLoader batch and both views by the tensor ops (`twoViews`), read back;
 *   `train` / `train-simultaneous`, one `sslTrainStep` (LARS) of the preset's end-to-end model / of its
 *   sequential-cbe model with all four blocks trained at once, on fixed pre-made views. `msPerStep` is per
 *   batch, `imagesPerSecond` counts each source image once;
 * - `run`: a whole training run, `runTraining` of the fig16 cpu end-to-end config for `--steps` steps on the
 *   CIFAR-10 JPEG images (`cifar10-jpg`, loaded, and its cache prepared, before the clock starts), views on
 *   the worker thread; `msPerStep` holds the one wall time of the run.
 *
 *     node dist/bench/tfjs_bench.js --task resnet --route native --steps 20 --warmup 3 --threads 2 [--profile]
 *
 * `--profile` instead prints the time per kernel, heaviest first, over `--steps` steps, for bench/NOTES.md (the
 * resnet and blockwise-bt tasks, and the pipeline task's train parts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ResNet } from '../lib/nn/resnet';
import { Rng } from '../lib/nn/rng';
import { registerGradients } from '../lib/backend/register-gradients';
import { registerWasmTrainingKernels } from '../lib/backend/wasm-training-kernels';
import { NATIVE_BACKEND, registerNativeBackend } from '../lib/backend/native-backend';
import { registerFusedGradients } from '../lib/backend/native-gradients';
import { Sgd } from '../lib/optim/sgd';
import { defaultPartition } from '../lib/blockwise/partition';
import { BlockwiseSslModel } from '../lib/train/blockwise-ssl-model';
import { sslTrainStep } from '../lib/train/ssl-step';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InMemoryImageDataset } from '../lib/data/dataset';
import { fusedTwoViews } from '../lib/data/augmentations/fused-view';
import { preset } from '../lib/experiments/presets';
import { Lars } from '../lib/optim/lars';
import { buildModel } from '../lib/train/build-model';
import { runTraining } from '../lib/train/run-training';
import { ResolvedTrainConfig, TrainConfig, resolveTrainConfig } from '../lib/train/train-config';
import { loadTrainingDataset } from '../lib/train/training-data';
import { phaseAt, trainingPlan } from '../lib/train/training-plan';
import { Batch, DataLoader } from '../lib/data/loader';
import { barlowTwinsViewsSmall, twoViews, ViewRecipe } from '../lib/data/views';

/** The backend routes the bench can time. */
export type Route = 'native' | 'wasm' | 'cpu';

/** The training steps the bench can time. */
export type Task = 'resnet' | 'blockwise-bt' | 'pipeline' | 'run';

/** The parts of the pipeline task (see the file comment). */
export type PipelinePart = 'fused' | 'fused-bicubic' | 'tensor' | 'train' | 'train-simultaneous';

export interface BenchArgs {
  task: Task;
  route: Route;
  steps: number;
  warmup: number;
  threads: number;
  batch: number;
  size: number;
  part: PipelinePart;
  profile: boolean;
}

export function parseArgs(argv: string[]): BenchArgs {
  const get = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
  };
  const route = get('route', 'native');
  if (route !== 'native' && route !== 'wasm' && route !== 'cpu') throw new Error(`--route must be native, wasm or cpu, got '${route}'`);
  const task = get('task', 'resnet');
  if (task !== 'resnet' && task !== 'blockwise-bt' && task !== 'pipeline' && task !== 'run') {
    throw new Error(`--task must be resnet, blockwise-bt, pipeline or run, got '${task}'`);
  }
  const part = get('part', 'fused');
  if (part !== 'fused' && part !== 'fused-bicubic' && part !== 'tensor' && part !== 'train' && part !== 'train-simultaneous') {
    throw new Error(`--part must be fused, fused-bicubic, tensor, train or train-simultaneous, got '${part}'`);
  }
  return {
    task,
    route,
    steps: Number(get('steps', '20')),
    warmup: Number(get('warmup', '3')),
    threads: Number(get('threads', '2')),
    batch: Number(get('batch', '64')),
    size: Number(get('size', '32')),
    part,
    profile: argv.includes('--profile'),
  };
}

/** Switches tfjs to the route's backend (with the training kernels that route needs). */
async function useRoute(route: Route, threads: number): Promise<void> {
  await registerGradients();
  registerFusedGradients();
  if (route === 'native') {
    const r = registerNativeBackend({ threads });
    if (!r.registered) throw new Error(`native route unavailable: ${r.reason}`);
    await tf.setBackend(NATIVE_BACKEND);
  } else if (route === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
  }
}

/** The bench model: ResNet with one basic block per stage, widths 16/32/64/128, CIFAR stem, 10 classes (or none). */
export function benchModel(seed: number, numClasses: number | null = 10): ResNet {
  return new ResNet(
    { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [16, 32, 64, 128], stem: 'cifar', stemWidth: 16, numClasses, zeroInitResidual: false },
    seed,
  );
}

/** The blockwise Barlow Twins model of the `blockwise-bt` task on the bench backbone. */
export function blockwiseBenchModel(seed: number): BlockwiseSslModel {
  return new BlockwiseSslModel(benchModel(seed, null), { partition: defaultPartition(4), stopGradient: true, head: { kind: 'cbe', outChannels: 512 }, projector: [512, 512, 512], noise: { sigma: 0 } }, seed);
}

/** One SGD step (learning rate `lr`) on softmax cross-entropy; returns the loss before the update. */
export function sgdStep(model: ResNet, x: tf.Tensor4D, oneHot: tf.Tensor2D, lr: number): number {
  const vars = model.parameters().map((p) => p.variable);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, 'train')) as tf.Scalar, vars);
  tf.tidy(() => {
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
  });
  tf.dispose(grads);
  const loss = value.dataSync()[0];
  value.dispose();
  return loss;
}

/**
 * Wall-clock time per kernel over `steps` calls of `step`, heaviest first. Wraps every kernel of the current
 * backend with a timer (tf.profile would also read back every output, which costs more than the kernels).
 */
export function profileStep(step: () => void, steps: number): { name: string; msPerStep: number; callsPerStep: number }[] {
  const backend = tf.getBackend();
  const totals = new Map<string, { ms: number; calls: number }>();
  const originals = tf.getKernelsForBackend(backend);
  const swap = (configs: tf.KernelConfig[]): void => {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    }
  };
  swap(
    originals.map((k) => ({
      ...k,
      kernelFunc: (args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = performance.now();
        const r = k.kernelFunc(args);
        const e = totals.get(k.kernelName) ?? { ms: 0, calls: 0 };
        e.ms += performance.now() - t0;
        e.calls += 1;
        totals.set(k.kernelName, e);
        return r;
      },
    })),
  );
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const wall = performance.now() - t0;
  swap(originals);
  const rows = [...totals.entries()].map(([name, e]) => ({ name, msPerStep: +(e.ms / steps).toFixed(2), callsPerStep: e.calls / steps }));
  const kernelMs = rows.reduce((s, r) => s + r.msPerStep, 0);
  rows.push({ name: '(outside kernels: tape, JS, GC)', msPerStep: +(wall / steps - kernelMs).toFixed(2), callsPerStep: 0 });
  return rows.sort((p, q) => q.msPerStep - p.msPerStep);
}

/**
 * The fig16 cpu preset's config of run `label`, resolved for CIFAR-10 (32x32x3, 10 classes); `method` replaces
 * the preset's, `steps` its length.
 */
export function fig16Config(label: string, overrides: { method?: TrainConfig['method']; steps?: number } = {}): ResolvedTrainConfig {
  const run = preset('fig16', 'cpu').runs.find((r) => r.label === label);
  if (!run) throw new Error(`fig16 cpu preset has no run '${label}'`);
  const data = { ...run.config.data, ...(overrides.steps !== undefined ? { steps: overrides.steps } : {}) };
  const config: TrainConfig = { ...run.config, ...(overrides.method ? { method: overrides.method } : {}), data };
  // A run shorter than the preset's warm-up (0.1 epoch, 35 steps) goes without one, as bench/torch_run.py does.
  const warmupSteps = Math.round((run.config.optimizer?.warmupEpochs ?? 0) * Math.floor(45000 / (data.batchSize ?? 128)));
  if (overrides.steps !== undefined && overrides.steps <= warmupSteps) config.optimizer = { ...run.config.optimizer, warmupEpochs: 0 };
  return resolveTrainConfig(config, { name: 'cifar10-jpg', imageShape: [32, 32, 3], numClasses: 10 });
}

/** Times `steps` batches of one part of the pipeline task after `warmup` batches; prints the JSON line. */
async function benchPipeline(a: BenchArgs): Promise<void> {
  const rng = new Rng(0);
  const config = a.part === 'train-simultaneous' ? fig16Config('sequential-cbe', { method: 'simultaneous' }) : fig16Config('end-to-end');
  // The plan's first phase: its view recipe and (for the train parts) its blocks.
  const phase = phaseAt(trainingPlan(config, 45000), 0);
  const bicubic = (v: ViewRecipe): ViewRecipe => ({ ...v, crop: { ...v.crop, interpolation: 'bicubic' } });
  const recipe = a.part === 'fused-bicubic' ? { view1: bicubic(phase.views.view1), view2: bicubic(phase.views.view2) } : phase.views;
  const n = config.data.batchSize;
  const count = n * (a.warmup + a.steps);
  const pixels = Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.int(256));
  let batch: (i: number) => Promise<void> | void;
  const disposeAll: tf.Tensor[] = [];
  if (a.part === 'fused' || a.part === 'fused-bicubic') {
    const size = n * 32 * 32 * 3;
    batch = (i) => void fusedTwoViews(pixels.subarray(i * size, (i + 1) * size), [n, 32, 32, 3], recipe, rng);
  } else if (a.part === 'tensor') {
    const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
    const dataset = new InMemoryImageDataset('random', pixels, labels, [32, 32, 3], [...'0123456789']);
    const batches = new DataLoader(dataset, { batchSize: n, seed: 1, dropLast: true }).epoch(0)[Symbol.asyncIterator]();
    batch = async () => {
      const b = (await batches.next()).value as Batch;
      const views = twoViews(b.images, recipe, rng);
      for (const v of views) v.dataSync();
      tf.dispose([b.images, b.labels, ...views]);
    };
  } else {
    const model = buildModel(config);
    const { momentum, eta, weightDecay, biasLrMultiplier } = config.optimizer;
    const lars = new Lars(phase.blocks.flatMap((k) => model.blockParameters(k)), { momentum, eta, weightDecay, biasLrMultiplier });
    const size = recipe.view1.crop.size;
    const views: [tf.Tensor4D, tf.Tensor4D] = [0, 1].map((k) => {
      const v = fusedTwoViews(pixels.subarray(0, n * 32 * 32 * 3), [n, 32, 32, 3], recipe, rng)[k];
      return tf.tensor4d(v, [n, size, size, 3]);
    }) as [tf.Tensor4D, tf.Tensor4D];
    disposeAll.push(...views);
    const spec = { loss: config.loss, lossBlocks: phase.blocks, frozenBlocks: phase.frozenBlocks, frozenMode: config.frozenMode };
    batch = () => void sslTrainStep(model, views, spec, lars, 0.1);
    if (a.profile) {
      for (let i = 0; i < a.warmup; i++) await batch(i);
      console.log(JSON.stringify({ route: a.route, task: a.task, part: a.part, kernels: profileStep(() => void batch(0), a.steps) }));
      tf.dispose(disposeAll);
      return;
    }
  }
  const msPerStep: number[] = [];
  for (let i = 0; i < a.warmup + a.steps; i++) {
    const t0 = performance.now();
    await batch(i);
    if (i >= a.warmup) msPerStep.push(performance.now() - t0);
  }
  tf.dispose(disposeAll);
  const imagesPerSecond = (n * msPerStep.length) / (msPerStep.reduce((x, y) => x + y, 0) / 1000);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ route: a.route, task: a.task, part: a.part, batch: n, threads: a.threads, msPerStep, imagesPerSecond, peakRssMB, losses: [] }));
}

/** Times one whole `runTraining` run of `steps` steps (the dataset loaded first); prints the JSON line. */
async function benchRun(a: BenchArgs): Promise<void> {
  const dataset = await loadTrainingDataset('cifar10-jpg');
  const config = fig16Config('end-to-end', { steps: a.steps });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-run-'));
  const losses: number[] = [];
  try {
    const t0 = performance.now();
    await runTraining(config, { runDir: path.join(runDir, 'run'), dataset, views: 'worker', onStep: (e) => losses.push(e.loss) });
    const seconds = (performance.now() - t0) / 1000;
    const peakRssMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ route: a.route, task: a.task, threads: a.threads, steps: a.steps, batch: config.data.batchSize, seconds, msPerStep: [(1000 * seconds) / a.steps], peakRssMB, losses }));
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  await useRoute(a.route, a.threads);
  if (a.task === 'pipeline') {
    await benchPipeline(a);
    return;
  }
  if (a.task === 'run') {
    await benchRun(a);
    return;
  }
  const rng = new Rng(0);
  const image = (): tf.Tensor4D => tf.tensor4d(rng.normals(a.batch * a.size * a.size * 3, 1), [a.batch, a.size, a.size, 3]);
  let step: () => number;
  if (a.task === 'resnet') {
    const model = benchModel(1);
    const x = image();
    const labels = tf.tensor1d(Array.from({ length: a.batch }, (_, i) => (i * 7) % 10), 'int32');
    const oneHot = tf.cast(tf.oneHot(labels, 10), 'float32') as tf.Tensor2D;
    step = () => sgdStep(model, x, oneHot, 0.01);
  } else {
    const model = blockwiseBenchModel(1);
    const views: [tf.Tensor4D, tf.Tensor4D] = [image(), image()];
    const optimizer = new Sgd(model.parameters(), { momentum: 0.9, weightDecay: 1e-6 });
    step = () => sslTrainStep(model, views, { loss: { kind: 'barlow-twins' }, lossBlocks: [0, 1, 2, 3] }, optimizer, 0.01).loss;
  }
  for (let i = 0; i < a.warmup; i++) step();
  if (a.profile) {
    console.log(JSON.stringify({ route: a.route, task: a.task, kernels: profileStep(step, a.steps) }));
    return;
  }
  const msPerStep: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < a.steps; i++) {
    const t0 = performance.now();
    losses.push(step());
    msPerStep.push(performance.now() - t0);
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ route: a.route, task: a.task, threads: a.threads, msPerStep, peakRssMB, losses, tensors: tf.memory().numTensors }));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
