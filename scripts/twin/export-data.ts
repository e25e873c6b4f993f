/**
 * Exports what the PyTorch twin (`scripts/twin/twin.py`) needs to train and probe a preset's runs on exactly our
 * images: the run's training split, the probe's training subset and the held-out images, as the library carves
 * them (`runSplit`, `probeSplits`), decoded by our JPEG reader, plus the resolved configs and probe settings.
 *
 * Writes into `--out` (default `runs/twin-data/<figure>-<scale>`), each file atomically:
 * - `train.u8`, `probe-train.u8`, `eval.u8`: uint8 pixels `[N, H, W, C]` (NHWC, row-major), in dataset order;
 * - `train-labels.u8`, `probe-train-labels.u8`, `eval-labels.u8`: one uint8 label per image;
 * - `meta.json`: image shape, class names, the counts, the dataset name, and per run label the resolved
 *   `TrainConfig` (`runs`), with the preset's `probe` settings.
 *
 * Usage: node dist/scripts/twin/export-data.js [--figure fig4] [--scale cifar10-long] [--runs end-to-end,...] [--out DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import { preset, isFigureId, isScale } from '../../lib/experiments/presets';
import { loadDatasetSource } from '../../lib/data/dataset-source';
import { probeSplits } from '../../lib/experiments/probe-run';
import { ImageDataset } from '../../lib/data/dataset';
import { ExperimentPreset } from '../../lib/experiments/preset';
import { resolveTrainConfig } from '../../lib/train/train-config';
import { runSplit } from '../../lib/train/training-data';
import { writeRunJson } from '../../lib/train/run-folder';

const USAGE = 'usage: node dist/scripts/twin/export-data.js [--figure fig4] [--scale cifar10-long] [--runs LABEL,LABEL] [--out DIR]';

function parseArgs(argv: string[]): Record<string, string> {
  const known = ['figure', 'scale', 'runs', 'out'];
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !known.includes(key) || argv[i + 1] === undefined) {
      throw new Error(`export-data: bad argument '${argv[i]}'\n${USAGE}`);
    }
    out[key] = argv[i + 1];
  }
  return out;
}

/** Writes every image of `set` (pixels, then labels) into `dir/<name>.u8` and `dir/<name>-labels.u8`, atomically. */
async function writeSet(dir: string, name: string, set: ImageDataset): Promise<void> {
  if (set.classNames.length > 256) throw new Error(`export-data: ${set.name} has ${set.classNames.length} classes, more than a uint8 label holds`);
  const file = path.join(dir, `${name}.u8`);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const chunk = 2000;
    for (let start = 0; start < set.size; start += chunk) {
      const ids = Int32Array.from({ length: Math.min(chunk, set.size - start) }, (_, k) => start + k);
      fs.writeSync(fd, await set.read(ids));
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`export-data: cannot write ${file}: ${(e as Error).message}`);
  }
  const labels = path.join(dir, `${name}-labels.u8`);
  fs.writeFileSync(`${labels}.tmp-${process.pid}`, Uint8Array.from(set.labels));
  fs.renameSync(`${labels}.tmp-${process.pid}`, labels);
}

/** What `exportTwinData` wrote: the folder and the image counts. */
export interface TwinDataExport {
  out: string;
  counts: { train: number; 'probe-train': number; eval: number };
}

/**
 * Writes the twin's data folder (see the file comment) for the runs `labels` of preset `p`, from `dataset` (the
 * preset's images; a test passes generated ones).
 */
export async function exportTwinData(p: ExperimentPreset, labels: readonly string[], dataset: ImageDataset, out: string): Promise<TwinDataExport> {
  const runs = labels.map((label) => {
    const r = p.runs.find((x) => x.label === label);
    if (r === undefined) throw new Error(`export-data: ${p.figure} at ${p.scale} has no run '${label}' (runs: ${p.runs.map((x) => x.label).join(', ')})`);
    return r;
  });
  const info = { name: dataset.name, imageShape: dataset.imageShape, numClasses: dataset.classNames.length };
  const resolved = Object.fromEntries(runs.map((r) => [r.label, resolveTrainConfig(r.config, info)]));
  const first = resolved[labels[0]];
  for (const label of labels) {
    const d = resolved[label].data;
    if (d.validationFraction !== first.data.validationFraction || d.splitSeed !== first.data.splitSeed) {
      throw new Error(`export-data: runs ${labels[0]} and ${label} split the images differently; export them separately`);
    }
  }
  if (p.evalDataset !== null) throw new Error(`export-data: ${p.figure} at ${p.scale} scores on a separate dataset; only held-out splits are exported`);
  const train = runSplit(dataset, first.data).train;
  const probe = probeSplits(first, p.probe, dataset);
  fs.mkdirSync(out, { recursive: true });
  await writeSet(out, 'train', train);
  await writeSet(out, 'probe-train', probe.train);
  await writeSet(out, 'eval', probe.evaluation);
  const counts = { train: train.size, 'probe-train': probe.train.size, eval: probe.evaluation.size };
  writeRunJson(path.join(out, 'meta.json'), {
    figure: p.figure,
    scale: p.scale,
    dataset: dataset.name,
    imageShape: dataset.imageShape,
    classNames: dataset.classNames,
    counts,
    runs: resolved,
    probe: p.probe,
  });
  return { out, counts };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const figure = args.figure ?? 'fig4';
  const scale = args.scale ?? 'cifar10-long';
  if (!isFigureId(figure)) throw new Error(`export-data: unknown figure '${figure}'\n${USAGE}`);
  if (!isScale(scale)) throw new Error(`export-data: unknown scale '${scale}'\n${USAGE}`);
  const p = preset(figure, scale);
  const labels = args.runs ? args.runs.split(',') : ['end-to-end', 'simultaneous-cbe-noise'];
  const dataset = await loadDatasetSource(p.dataset);
  const out = path.resolve(args.out ?? path.join('runs', 'twin-data', `${figure}-${scale}`));
  const { counts } = await exportTwinData(p, labels, dataset, out);
  console.log(`export-data: ${counts.train} training, ${counts['probe-train']} probe-training and ${counts.eval} held-out images of ${dataset.name} into ${out}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
