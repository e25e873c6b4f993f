/**
 * The whole-step check against the PyTorch twin: K training steps of one run of an exported preset, from the same
 * initial weights on the same two views, compared tensor by tensor (`scripts/twin/twin.py --step-check DIR`).
 *
 * Builds the model of the run's resolved config (`meta.json` of a folder written by `dist/scripts/twin/export-data.js`)
 * and seed as training does (`buildModel`), with the feature noise off (sigma 0: no random draw in the step; `--noise 1` keeps it and writes its draws), the
 * optimiser of the run's (only) phase as `runTraining` makes it (LARS over the trained blocks' parameters), and the
 * learning rates of the run's schedule at steps `--at`, `--at + 1`, ... (our `trainingPlan` on the exported training
 * set's size). Makes one pair of views of the first `--images` exported training images (the tensor path, `twoViews`,
 * seeded as training step `--at`) and takes every step on that same pair with `sslTrainStep`, as the training loop does.
 *
 * Writes into --out (the twin reads them):
 * - `init.bin`: every parameter (projectors included) and batch-norm running statistic under the twin's names and
 *   layouts (`export-weights.ts`), plus the views as `views.1`, `views.2` `[N, C, H, W]`;
 * - `after-<i>.bin`: the same tensors after i steps (i = 1 .. K);
 * - `steps.json`: run, seed, the steps' schedule positions and learning rates, and each step's per-block losses.
 *
 * Usage: node dist/scripts/twin/step-check.js --data runs/twin-data/fig4-cifar10-long --run end-to-end --out DIR
 *        [--seed 0] [--steps 3] [--at 175] [--images 128] [--noise 1]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../lib/backend/init-backend';
import { pixelsToTensor } from '../../lib/data/loader';
import { twoViews } from '../../lib/data/views';
import { Rng } from '../../lib/nn/rng';
import { Lars } from '../../lib/optim/lars';
import { SavedTensor } from '../../lib/optim/optimizer';
import { BlockwiseSslModel } from '../../lib/train/blockwise-ssl-model';
import { buildModel } from '../../lib/train/build-model';
import { moduleTensors } from '../../lib/train/checkpoint';
import { deriveSeed, SeedStream } from '../../lib/train/seeds';
import { SslStepResult, sslTrainStep } from '../../lib/train/ssl-step';
import { ResolvedTrainConfig, resolveTrainConfig } from '../../lib/train/train-config';
import { phaseAt, trainingPlan } from '../../lib/train/training-plan';
import { twinLayout, twinName, writeTwinFile } from './export-weights';

const USAGE = 'usage: node dist/scripts/twin/step-check.js --data TWIN_DATA_DIR --run RUN --out DIR [--seed 0] [--steps 3] [--at 175] [--images 128] [--noise 1]';

export interface StepCheckOptions {
  data: string;
  run: string;
  out: string;
  seed?: number;
  steps?: number;
  /** Schedule position (global step) of the first step; default 175 (mid-warm-up of the preset's 351-step epoch). */
  at?: number;
  images?: number;
  /**
   * Keep the run's feature noise (default: sigma 0). Each step's noise is seeded as training step `at + i`'s, and its
   * draws are replayed (a fresh generator of that seed, the forward's order: view 1 blocks 1..B, then view 2) into
   * `noise-<i>.bin` as `eps.<view>.<block>` `[N, C, H, W]`, which the twin uses instead of its own draws.
   */
  noise?: boolean;
}

/**
 * Records the std that each noised block output is scaled by (`featureStd`, the function `addScaledNoise` scales by), in call
 * order, by wrapping the noise module's `featureNoise` (the network calls it through the module's exports); returns
 * the records and the undo.
 */
function recordNoiseStd(): { stds: number[]; restore: () => void } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require('../../lib/blockwise/noise') as {
    featureNoise: (x: tf.Tensor4D, mode: string, config: { sigma: number }, rng: unknown) => tf.Tensor4D;
    featureStd: (x: tf.Tensor) => tf.Scalar;
  };
  const original = mod.featureNoise;
  const stds: number[] = [];
  mod.featureNoise = (x, mode, config, rng) => {
    if (mode === 'train' && config.sigma > 0)
      stds.push(tf.tidy(() => mod.featureStd(x).dataSync()[0]));
    return original(x, mode, config, rng);
  };
  return { stds, restore: () => (mod.featureNoise = original) };
}

function twinTensors(model: BlockwiseSslModel): [string, SavedTensor][] {
  const out: [string, SavedTensor][] = [];
  for (const [name, t] of Object.entries(moduleTensors(model))) {
    const twin = twinName(name, { projectors: true });
    if (twin === null) throw new Error(`step-check: no twin name for '${name}'`);
    out.push([twin, twinLayout(t)]);
  }
  return out;
}

function nchw(t: tf.Tensor4D): SavedTensor {
  const x = tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]));
  const values = new Float32Array(x.dataSync() as Float32Array);
  const shape = [...x.shape];
  x.dispose();
  return { shape, values };
}

/** Runs the check (see the file comment); returns the per-step block losses. */
export async function stepCheck(o: StepCheckOptions): Promise<number[][]> {
  const meta = JSON.parse(fs.readFileSync(path.join(o.data, 'meta.json'), 'utf8')) as {
    imageShape: [number, number, number];
    classNames: string[];
    counts: { train: number };
    runs: Record<string, ResolvedTrainConfig>;
  };
  const given = meta.runs[o.run];
  if (given === undefined) throw new Error(`step-check: ${o.data}/meta.json has no run '${o.run}' (runs: ${Object.keys(meta.runs).join(', ')})`);
  const seed = o.seed ?? 0;
  const config = resolveTrainConfig(
    { ...given, seed, model: { ...given.model, noise: { ...given.model.noise, sigma: o.noise ? given.model.noise.sigma : 0 } } },
    { name: given.data.dataset, imageShape: meta.imageShape, numClasses: meta.classNames.length },
  );
  const plan = trainingPlan(config, meta.counts.train);
  const K = o.steps ?? 3;
  const at = o.at ?? 175;
  const n = o.images ?? config.data.batchSize;
  const [h, w, c] = meta.imageShape;
  const pixels = new Uint8Array(fs.readFileSync(path.join(o.data, 'train.u8')).subarray(0, n * h * w * c));
  if (pixels.length !== n * h * w * c) throw new Error(`step-check: ${o.data}/train.u8 holds fewer than ${n} images`);
  const phase = phaseAt(plan, at);
  if (plan.phases.length !== 1 || at + K > phase.startStep + phase.steps) throw new Error('step-check: the steps must lie in the run\'s single phase');

  fs.mkdirSync(o.out, { recursive: true });
  const model = buildModel(config);
  const { momentum, eta, weightDecay, biasLrMultiplier } = config.optimizer;
  if ((config.optimizer.kind ?? 'lars') !== 'lars') throw new Error(`step-check: optimizer '${config.optimizer.kind}' (the twin has LARS only)`);
  const optimizer = new Lars(phase.blocks.flatMap((k) => model.blockParameters(k)), { momentum, eta, weightDecay, biasLrMultiplier });
  const x = pixelsToTensor(pixels, [n, h, w, c]);
  const views = twoViews(x, phase.views, new Rng(deriveSeed(seed, SeedStream.views, at)));
  x.dispose();
  const header = { format: 'blockwise-ssl-twin-weights', version: 1, source: `step-check ${o.run} seed ${seed}`, method: config.method, check: null };
  try {
    writeTwinFile(path.join(o.out, 'init.bin'), { ...header, step: 0 }, [...twinTensors(model), ['views.1', nchw(views[0])], ['views.2', nchw(views[1])]]);
    const losses: number[][] = [];
    const lrs: number[] = [];
    const noiseStd: number[][] = [];
    // The block outputs' shapes (an eval-mode forward draws no noise and moves no statistics).
    const shapes = tf.tidy(() => model.network.forward(views[0], 'eval').map((f) => [...f.shape] as [number, number, number, number]));
    for (let i = 0; i < K; i++) {
      const lr = phase.lr(at + i - phase.startStep);
      const noiseSeed = deriveSeed(seed, SeedStream.noise, at + i);
      model.reseedNoise(noiseSeed);
      if (o.noise && config.model.noise.sigma > 0) {
        if ((config.model.noise.variant ?? 'element') !== 'element' || config.backward === 'per-block') throw new Error('step-check: noise replay needs element noise and the joint backward pass');
        const replay = new Rng(noiseSeed);
        const eps: [string, SavedTensor][] = [];
        for (const v of [1, 2])
          shapes.forEach((s, k) => {
            const t = tf.tensor4d(replay.normals(s[0] * s[1] * s[2] * s[3]), s);
            eps.push([`eps.${v}.${k}`, nchw(t)]);
            t.dispose();
          });
        writeTwinFile(path.join(o.out, `noise-${i + 1}.bin`), { ...header, step: i + 1 }, eps);
      }
      const recorder = recordNoiseStd();
      const stepConfig = {
        loss: config.loss,
        lossBlocks: phase.blocks,
        frozenBlocks: phase.frozenBlocks,
        frozenMode: config.frozenMode,
        ...(config.backward ? { backward: config.backward } : {}),
      };
      let r: SslStepResult;
      try {
        r = sslTrainStep(model, views, stepConfig, optimizer, lr);
      } finally {
        recorder.restore();
      }
      noiseStd.push(recorder.stds);
      lrs.push(lr);
      losses.push(phase.blocks.map((k) => r.blockLosses[k]));
      writeTwinFile(path.join(o.out, `after-${i + 1}.bin`), { ...header, step: i + 1 }, twinTensors(model));
    }
    const info = {
      run: o.run,
      seed,
      noise: o.noise && config.model.noise.sigma > 0 ? config.model.noise : null,
      images: n,
      at,
      steps: K,
      positions: lrs.map((_, i) => at + i),
      lrs,
      lossBlocks: phase.blocks,
      losses,
      stepsPerEpoch: plan.stepsPerEpoch,
      totalSteps: plan.totalSteps,
      warmupSteps: phase.warmupSteps,
      noiseStd,
    };
    fs.writeFileSync(path.join(o.out, 'steps.json'), JSON.stringify(info, null, 2) + '\n');
    return losses;
  } finally {
    tf.dispose(views);
    model.dispose();
    optimizer.dispose();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !['data', 'run', 'out', 'seed', 'steps', 'at', 'images', 'noise'].includes(key) || argv[i + 1] === undefined) throw new Error(`step-check: bad argument '${argv[i]}'\n${USAGE}`);
    a[key] = argv[i + 1];
  }
  if (a.data === undefined || a.run === undefined || a.out === undefined) throw new Error(`step-check: --data, --run and --out are required\n${USAGE}`);
  await initBackend();
  const num = (k: string): number | undefined => (a[k] === undefined ? undefined : Number(a[k]));
  const losses = await stepCheck({ data: a.data, run: a.run, out: a.out, seed: num('seed'), steps: num('steps'), at: num('at'), images: num('images'), noise: a.noise === '1' });
  losses.forEach((l, i) => console.log(`step-check ${a.run}: step ${i + 1} losses ${l.map((v) => v.toFixed(6)).join(' ')}`));
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
