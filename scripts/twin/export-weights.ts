/**
 * Exports the trained weights of one of our runs for the PyTorch twin (`scripts/twin/twin.py --load-ours FILE`),
 * so that the twin can probe our models with its own feature extraction and linear probe (the swap experiment:
 * does a probe gap come from training or from the probe?).
 *
 * The file holds the backbone and the pooling heads of the run's checkpoint (newest, or after `--step` steps), with
 * batch-norm running statistics, under the twin's `state_dict` names and in PyTorch's layouts (conv weights
 * `[cout, cin, kh, kw]`; ours are tfjs' `[kh, kw, cin, cout]`); the projectors are left out (probes do not use them):
 * - `network.conv1`, `network.bn1` -> `stem.0`, `stem.1`; `network.layer<i>.<b>.<x>` -> `stages.<i-1>.<b>.<x>`;
 * - `heads.<k>.0` (CbE conv), `heads.<k>.1` (its BN) -> `heads.<k>.conv`, `heads.<k>.bn`.
 * With `--data DIR --check N` it also stores our eval-mode features (the probe's: `featureSource` +
 * `extractFeatures` + the evaluation transform, as `probeRun`) of the first N held-out images of the twin's data
 * folder, as `check.gsp.<stage>` and `check.head.<stage>` `[N, D]`; the twin compares its own features of those images
 * against them before probing.
 *
 * Format: little-endian uint32 header length, a JSON header (`format`, `source`, `step`, `check`, `tensors`: name,
 * shape, offset in float32 values), zero padding to a multiple of 4 bytes, then the float32 values back to back.
 *
 * Usage: node dist/scripts/twin/export-weights.js --run runs/twin-ours/end-to-end/seed-0 --out FILE
 *        [--step N] [--data runs/twin-data/fig4-cifar10-long --check 64]
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/backend/init-backend';
import { InMemoryImageDataset } from '../../lib/data/dataset';
import { evaluationTransform, extractFeatures } from '../../lib/eval/features';
import { featureSource, runViewRecipe } from '../../lib/experiments/probe-run';
import { SavedTensor } from '../../lib/optim/optimizer';
import { loadRunModel } from '../../lib/train/load-run';
import { moduleTensors } from '../../lib/train/checkpoint';

const USAGE = 'usage: node dist/scripts/twin/export-weights.js --run RUN_DIR --out FILE [--step N] [--data TWIN_DATA_DIR --check N]';

function parseArgs(argv: string[]): Record<string, string> {
  const known = ['run', 'out', 'step', 'data', 'check'];
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !known.includes(key) || argv[i + 1] === undefined) throw new Error(`export-weights: bad argument '${argv[i]}'\n${USAGE}`);
    out[key] = argv[i + 1];
  }
  if (out.run === undefined || out.out === undefined) throw new Error(`export-weights: --run and --out are required\n${USAGE}`);
  if ((out.data === undefined) !== (out.check === undefined)) throw new Error(`export-weights: --data and --check go together\n${USAGE}`);
  return out;
}

/**
 * The twin's name of one of our backbone / head variables, or null for what the twin's probe does not need (projectors);
 * with `projectors`, projector variables too (`projectors.<k>.<i>.<x>`, the same name: ours follow the twin's `nn.Sequential`).
 */
export function twinName(name: string, { projectors = false }: { projectors?: boolean } = {}): string | null {
  let m: RegExpExecArray | null;
  if ((m = /^network\.conv1\.(.+)$/.exec(name))) return `stem.0.${m[1]}`;
  if ((m = /^network\.bn1\.(.+)$/.exec(name))) return `stem.1.${m[1]}`;
  if ((m = /^network\.layer(\d+)\.(.+)$/.exec(name))) return `stages.${Number(m[1]) - 1}.${m[2]}`;
  if ((m = /^heads\.(\d+)\.0\.(.+)$/.exec(name))) return `heads.${m[1]}.conv.${m[2]}`;
  if ((m = /^heads\.(\d+)\.1\.(.+)$/.exec(name))) return `heads.${m[1]}.bn.${m[2]}`;
  if (/^projectors\.\d+\.\d+\.(weight|bias|running_mean|running_var)$/.test(name)) return projectors ? name : null;
  throw new Error(`export-weights: no twin name for our variable '${name}'`);
}

/**
 * A tfjs conv kernel `[kh, kw, cin, cout]` as PyTorch's `[cout, cin, kh, kw]`, a dense kernel `[in, out]` as
 * `nn.Linear`'s `[out, in]`; 1-D tensors unchanged.
 */
export function twinLayout(t: SavedTensor): SavedTensor {
  if (t.shape.length === 2) {
    const [fin, fout] = t.shape;
    const out = new Float32Array(t.values.length);
    for (let i = 0; i < fin; i++) for (let o = 0; o < fout; o++) out[o * fin + i] = t.values[i * fout + o];
    return { shape: [fout, fin], values: out };
  }
  if (t.shape.length !== 4) {
    if (t.shape.length > 1) throw new Error(`export-weights: unexpected ${t.shape.length}-d tensor [${t.shape}]`);
    return t;
  }
  const [kh, kw, cin, cout] = t.shape;
  const out = new Float32Array(t.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = t.values[((y * kw + x) * cin + i) * cout + o];
  return { shape: [cout, cin, kh, kw], values: out };
}

/** Writes tensors in the export format (see the file comment) into `file`, atomically. */
export function writeTwinFile(file: string, header: Record<string, unknown>, tensors: [string, SavedTensor][]): void {
  const index: { name: string; shape: number[]; offset: number }[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    index.push({ name, shape: [...t.shape], offset });
    offset += t.values.length;
  }
  const json = Buffer.from(JSON.stringify({ ...header, tensors: index }), 'utf8');
  const head = 4 + json.length;
  const prefix = Buffer.alloc(head + ((4 - (head % 4)) % 4));
  prefix.writeUInt32LE(json.length, 0);
  json.copy(prefix, 4);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, prefix);
    for (const [, t] of tensors) fs.writeSync(fd, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Writes the export of run folder `runDir` (see the file comment) into `file`; returns the number of tensors. */
export async function exportWeights(runDir: string, file: string, { step, data, check }: { step?: number; data?: string; check?: number } = {}): Promise<number> {
  const { model, config, step: used } = await loadRunModel(runDir, { step });
  try {
    const tensors: [string, SavedTensor][] = [];
    for (const [name, t] of Object.entries(moduleTensors(model))) {
      const twin = twinName(name);
      if (twin !== null) tensors.push([twin, twinLayout(t)]);
    }
    let checkInfo: Record<string, unknown> | null = null;
    if (data !== undefined && check !== undefined) {
      const meta = JSON.parse(fs.readFileSync(path.join(data, 'meta.json'), 'utf8')) as {
        imageShape: [number, number, number];
        classNames: string[];
        probe: { evalCropFraction: number };
      };
      const per = meta.imageShape[0] * meta.imageShape[1] * meta.imageShape[2];
      const labels = fs.readFileSync(path.join(data, 'eval-labels.u8'));
      const n = Math.min(check, labels.length);
      const pixels = fs.readFileSync(path.join(data, 'eval.u8')).subarray(0, n * per);
      const images = new InMemoryImageDataset('twin-eval', new Uint8Array(pixels), Int32Array.from(labels.subarray(0, n)), meta.imageShape, meta.classNames);
      const recipe = runViewRecipe(config);
      const size = recipe.view1.crop.size as number;
      const transform = evaluationTransform({ size, cropFraction: meta.probe.evalCropFraction, stats: recipe.view1.normalize });
      const stages = [...Array(model.network.backbone.stages.length).keys()];
      for (const kind of ['gsp', 'head'] as const) {
        const { source, blocks, stageOf } = featureSource(model, kind, stages);
        const f = await extractFeatures(source, images, { kind, blocks, batchSize: 64, transform });
        f.blocks.forEach((b, i) => tensors.push([`check.${kind}.${stageOf[i]}`, { shape: [n, b.dim], values: b.values }]));
      }
      checkInfo = { images: n, set: 'eval', data: path.resolve(data) };
    }
    writeTwinFile(file, { format: 'blockwise-ssl-twin-weights', version: 1, source: path.resolve(runDir), step: used, method: config.method, check: checkInfo }, tensors);
    return tensors.length;
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  await initBackend();
  const count = await exportWeights(a.run, a.out, {
    step: a.step === undefined ? undefined : Number(a.step),
    data: a.data,
    check: a.check === undefined ? undefined : Number(a.check),
  });
  console.log(`export-weights: ${count} tensors of ${a.run} into ${a.out}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
