/**
 * How fast the data path runs: JPEG decoding into the prepared cache, then batches through the two-view
 * Barlow Twins augmentations, in images per second.
 *
 *     node dist/data-scripts/bench-data.js [--src cifar10-jpg-train.tar.gz] [--images 2000] [--batch 256] [--backend wasm]
 *
 * "Images" are source images: one augmented image means both of its views.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, describeBackend, initBackend } from '../lib/backend';
import {
  barlowTwinsViews,
  barlowTwinsViewsSmall,
  cifar10JpegCandidates,
  DataLoader,
  ImageDataset,
  loadCifar10Images,
  TwoViewRecipe,
  twoViews,
} from '../lib/data';
import { Rng } from '../lib/nn/rng';
import { parseArgs } from './datasets';

/** Options of `benchData`. */
export interface BenchOptions {
  /** The CIFAR-10 JPEG tarball or folder (default: the first of `cifar10JpegCandidates()` that exists). */
  src?: string;
  /** Images decoded (from the start of the archive) and then augmented. */
  images: number;
  batchSize: number;
}

/** One measured figure. */
export interface BenchFigure {
  what: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  /** Images per second of this process's CPU time (user + system, decode threads included): steadier than wall time on a shared machine. */
  imagesPerCpuSecond: number;
}

/** Runs `fn` and measures wall and CPU seconds. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 };
}

function figure(what: string, images: number, m: { seconds: number; cpuSeconds: number }): BenchFigure {
  return { what, images, seconds: m.seconds, imagesPerSecond: images / m.seconds, imagesPerCpuSecond: images / m.cpuSeconds };
}

async function augmentAll(ds: ImageDataset, recipe: TwoViewRecipe, batchSize: number, what: string): Promise<BenchFigure> {
  const loader = new DataLoader(ds, { batchSize, seed: 0 });
  const rng = new Rng(0);
  // One small untimed batch first: the first call of each kernel pays one-off set-up costs.
  for await (const b of new DataLoader(ds, { batchSize: Math.min(8, ds.size), shuffle: false }).epoch(0)) {
    tf.dispose([b.images, b.labels, ...twoViews(b.images, recipe, new Rng(1))]);
    break;
  }
  const m = await measured(async () => {
    let n = 0;
    for await (const b of loader.epoch(0)) {
      const [v1, v2] = twoViews(b.images, recipe, rng);
      await Promise.all([v1.data(), v2.data()]);
      n += b.images.shape[0];
      tf.dispose([b.images, b.labels, v1, v2]);
    }
    return n;
  });
  return figure(what, m.value, m);
}

/**
 * Decodes `images` CIFAR-10 JPEGs into a fresh cache (tarball streaming, gunzip, sharp decode, cache writes),
 * then runs them through the 32x32 two-view recipe and the full recipe (with blur) at 64x64.
 */
export async function benchData({ src, images, batchSize }: BenchOptions): Promise<BenchFigure[]> {
  const source = src ?? cifar10JpegCandidates().find((f) => fs.existsSync(f));
  if (!source) throw new Error(`bench-data: no CIFAR-10 JPEG source; pass --src (looked in ${cifar10JpegCandidates().join(', ')})`);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-data-'));
  try {
    const m = await measured(() => loadCifar10Images(source, { limit: images, cacheDir }));
    const ds = m.value;
    const figures = [figure('decode JPEG -> prepared cache', ds.size, m)];
    figures.push(await augmentAll(ds, barlowTwinsViewsSmall(), batchSize, 'load + two views, 32x32 recipe (no blur)'));
    figures.push(await augmentAll(ds, barlowTwinsViews({ size: 64 }), batchSize, 'load + two views, full recipe at 64x64'));
    return figures;
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** The figures as aligned text lines. */
export function formatFigures(figures: BenchFigure[]): string[] {
  return figures.map(
    (f) =>
      `${f.what.padEnd(44)} ${f.imagesPerSecond.toFixed(0).padStart(6)} images/s wall, ${f.imagesPerCpuSecond.toFixed(0).padStart(6)} per CPU-second  ` +
      `(${f.images} images in ${f.seconds.toFixed(2)} s)`,
  );
}

async function main(argv: string[]): Promise<void> {
  const { flags } = parseArgs(argv);
  const report = await initBackend(flags.backend ? { backend: flags.backend as BackendName } : {});
  console.log(describeBackend(report));
  const figures = await benchData({
    src: flags.src,
    images: flags.images ? Number(flags.images) : 2000,
    batchSize: flags.batch ? Number(flags.batch) : 256,
  });
  console.log(formatFigures(figures).join('\n'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`bench-data: ${e.message}`);
    process.exitCode = 1;
  });
}
