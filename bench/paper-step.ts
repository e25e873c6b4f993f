/**
 * Times the paper preset's training step on this machine, phase by phase, on random 224 x 224 images (no
 * dataset needed): `node dist/bench/paper-step.js [--batch 2] [--projector 8192] [--steps 2] [--per-block]
 * [--profile]`. The model is the one `blockwise-ssl train --preset fig4:simultaneous-cbe-noise --scale paper`
 * builds (ResNet-50, 1x1 CbE heads to 2048, projectors 8192-8192-8192, noise 0.25, Barlow Twins, LARS);
 * `--projector W` makes the projectors W-W-W to see what they cost. Prints one line per phase: model build,
 * each step (and with `--profile` the kernels that took the most time in the last step), peak resident memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../lib/backend';
import { preset } from '../lib/experiments/presets';
import { Lars } from '../lib/optim/lars';
import { Rng } from '../lib/nn/rng';
import { buildModel } from '../lib/train/build-model';
import { sslTrainStep } from '../lib/train/ssl-step';
import { resolveTrainConfig } from '../lib/train/train-config';

function option(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

async function main(): Promise<void> {
  const batch = Number(option('batch', '2'));
  const width = Number(option('projector', '8192'));
  const steps = Number(option('steps', '2'));
  const perBlock = process.argv.includes('--per-block');
  const lr = Number(option('lr', '0.1'));
  const backend = await initBackend();
  console.log(describeBackend(backend));
  const run = preset('fig4', 'paper').runs.find((r) => r.label === 'simultaneous-cbe-noise')!;
  const config = resolveTrainConfig(
    { ...run.config, model: { ...run.config.model, projector: [width, width, width] }, data: { ...run.config.data, batchSize: batch } },
    { name: 'imagenet', imageShape: [224, 224, 3], numClasses: 1000 },
  );
  let t = performance.now();
  const model = buildModel(config);
  const params = model.parameters().reduce((n, p) => n + p.variable.size, 0);
  console.log(`model: ${(params / 1e6).toFixed(1)}M parameters, built in ${((performance.now() - t) / 1000).toFixed(1)} s, rss ${gib(process.memoryUsage().rss)}`);
  const { momentum, eta, weightDecay, biasLrMultiplier } = config.optimizer;
  const lars = new Lars(model.parameters(), { momentum, eta, weightDecay, biasLrMultiplier });
  const rng = new Rng(0);
  const views = [0, 1].map(() => tf.tensor4d(rng.normals(batch * 224 * 224 * 3), [batch, 224, 224, 3])) as [tf.Tensor4D, tf.Tensor4D];
  let peak = process.memoryUsage().rss;
  for (let s = 0; s < steps; s++) {
    model.reseedNoise(s);
    const profile = process.argv.includes('--profile') && s === steps - 1;
    t = performance.now();
    let losses: number[] = [];
    const step = () => {
      losses = sslTrainStep(model, views, { loss: config.loss, lossBlocks: [0, 1, 2, 3], ...(perBlock ? { backward: 'per-block' as const } : {}) }, lars, lr).blockLosses;
    };
    if (profile) {
      const info = await tf.profile(step);
      const byKernel = new Map<string, number>();
      for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (await k.kernelTimeMs as number));
      const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.log(`  kernels (ms): ${top.map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ')}; peak tensor bytes ${gib(info.peakBytes)}`);
    } else step();
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`step ${s + 1}: ${((performance.now() - t) / 1000).toFixed(1)} s, block losses ${losses.map((l) => l.toExponential(3)).join(' ')}, rss ${gib(process.memoryUsage().rss)}`);
  }
  console.log(`peak rss seen ${gib(peak)}`);
  tf.dispose(views);
  lars.dispose();
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
