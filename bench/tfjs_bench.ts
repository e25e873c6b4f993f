/**
 * tfjs side of `npm run bench` (driver: bench/run.ts): ms per training step of the bench model of
 * shared/reference/cpu-backend.md on one backend route, printed as one JSON line like bench/torch_bench.py.
 *
 * Bench model: CIFAR-style ResNet (lib/nn ResNet, basic blocks [1, 1, 1, 1], widths 16/32/64/128, 3x3 stem of
 * 16 channels), input [64, 32, 32, 3], one plain SGD step on softmax cross-entropy against random labels.
 *
 *     node dist/bench/tfjs_bench.js --route native --steps 20 --warmup 3 --threads 2 [--profile]
 *
 * `--profile` instead prints the time per kernel, heaviest first, over `--steps` steps, for bench/NOTES.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ResNet } from '../lib/nn/resnet';
import { Rng } from '../lib/nn/rng';
import { registerGradients } from '../lib/backend/register-gradients';
import { registerWasmTrainingKernels } from '../lib/backend/wasm-training-kernels';
import { NATIVE_BACKEND, registerNativeBackend } from '../lib/backend/native-backend';

/** The backend routes the bench can time. */
export type Route = 'native' | 'wasm' | 'cpu';

export interface BenchArgs {
  route: Route;
  steps: number;
  warmup: number;
  threads: number;
  batch: number;
  size: number;
  profile: boolean;
}

function parseArgs(argv: string[]): BenchArgs {
  const get = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
  };
  const route = get('route', 'native');
  if (route !== 'native' && route !== 'wasm' && route !== 'cpu') throw new Error(`--route must be native, wasm or cpu, got '${route}'`);
  return {
    route,
    steps: Number(get('steps', '20')),
    warmup: Number(get('warmup', '3')),
    threads: Number(get('threads', '2')),
    batch: Number(get('batch', '64')),
    size: Number(get('size', '32')),
    profile: argv.includes('--profile'),
  };
}

/** Switches tfjs to the route's backend (with the training kernels that route needs). */
async function useRoute(route: Route, threads: number): Promise<void> {
  await registerGradients();
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

/** The bench model: ResNet with one basic block per stage, widths 16/32/64/128, CIFAR stem, 10 classes. */
export function benchModel(seed: number): ResNet {
  return new ResNet(
    { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [16, 32, 64, 128], stem: 'cifar', stemWidth: 16, numClasses: 10, zeroInitResidual: false },
    seed,
  );
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

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  await useRoute(a.route, a.threads);
  const rng = new Rng(0);
  const model = benchModel(1);
  const x = tf.tensor4d(rng.normals(a.batch * a.size * a.size * 3, 1), [a.batch, a.size, a.size, 3]);
  const labels = tf.tensor1d(Array.from({ length: a.batch }, (_, i) => (i * 7) % 10), 'int32');
  const oneHot = tf.cast(tf.oneHot(labels, 10), 'float32') as tf.Tensor2D;
  for (let i = 0; i < a.warmup; i++) sgdStep(model, x, oneHot, 0.01);
  if (a.profile) {
    console.log(JSON.stringify({ route: a.route, kernels: profileStep(() => sgdStep(model, x, oneHot, 0.01), a.warmup) }));
    return;
  }
  const msPerStep: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < a.steps; i++) {
    const t0 = performance.now();
    losses.push(sgdStep(model, x, oneHot, 0.01));
    msPerStep.push(performance.now() - t0);
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ route: a.route, threads: a.threads, msPerStep, peakRssMB, losses, tensors: tf.memory().numTensors }));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
