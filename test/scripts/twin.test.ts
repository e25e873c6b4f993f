import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { generatedCifar10 } from '../../lib/data/cifar10';
import { cropResize } from '../../lib/data/augmentations/crop-resize';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from '../../lib/data/augmentations/color-adjust';
import { grayscale } from '../../lib/data/augmentations/grayscale';
import { preset } from '../../lib/experiments/presets';
import { exportTwinData } from '../../scripts/twin/export-data';
import { exportWeights } from '../../scripts/twin/export-weights';
import { runTraining } from '../../lib/train/run-training';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TWIN = path.join(ROOT, 'scripts', 'twin', 'twin.py');
const SUMMARIZE = path.join(ROOT, 'scripts', 'twin', 'summarize.py');
const PYTHON = '/usr/bin/python3';

/** Why the twin cannot run here (no Debian Python with torch), or null. */
function twinUnavailable(): string | null {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  if (spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return 'PyTorch is not installed (apt-get install python3-torch)';
  return null;
}

function python(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('scripts/twin (the PyTorch twin of a run)', function () {
  this.timeout(300000);
  let dir = '';
  before(function () {
    const unavailable = twinUnavailable();
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-twin-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("makes the views' crops, flips and colour adjustments as ours, to float32 rounding", function () {
    const n = 6;
    const values = Float32Array.from({ length: n * 32 * 32 * 3 }, (_, i) => ((i * 7919) % 1000) / 999);
    const boxes = [
      { i: 0, j: 0, h: 32, w: 32 },
      { i: 3, j: 5, h: 9, w: 11 },
      { i: 10, j: 2, h: 20, w: 14 },
      { i: 0, j: 16, h: 16, w: 16 },
      { i: 7, j: 7, h: 12, w: 25 },
      { i: 1, j: 0, h: 31, w: 9 },
    ];
    const f = [0.7, 1.3, 0.9, 1.1, 0.6, 1.4];
    const turns = [-0.1, 0.05, 0, 0.099, -0.07, 0.03];
    const ours = tf.tidy(() => {
      const x = tf.tensor4d(values, [n, 32, 32, 3]);
      const read = (t: tf.Tensor) => Array.from(t.dataSync());
      return {
        crop: read(cropResize(x, boxes, [16, 16])),
        brightness: read(adjustBrightness(x, f)),
        contrast: read(adjustContrast(x, f)),
        saturation: read(adjustSaturation(x, f)),
        hue: read(adjustHue(x, turns)),
        gray: read(grayscale(x)),
      };
    });
    const file = path.join(dir, 'ops.json');
    fs.writeFileSync(file, JSON.stringify({ x: Array.from(values), boxes, f, turns, ...ours }));
    const check = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(path.dirname(TWIN))})
import twin
d = json.load(open(${JSON.stringify(file)}))
n = len(d['boxes'])
nchw = lambda k, s: torch.tensor(d[k]).view(n, s, s, 3).permute(0, 3, 1, 2)
x = nchw('x', 32)
box = lambda k: torch.tensor([float(b[k]) for b in d['boxes']])
f, turns = torch.tensor(d['f']), torch.tensor(d['turns'])
diffs = {
    'crop': twin.crop_resize(x, box('i'), box('j'), box('h'), box('w'), 16) - nchw('crop', 16),
    'flip': twin.crop_resize(x, box('i'), box('j'), box('h'), box('w'), 16, torch.ones(n, dtype=torch.bool)) - nchw('crop', 16).flip(3),
    'brightness': twin.color_op(0, x, f) - nchw('brightness', 32),
    'contrast': twin.color_op(1, x, f) - nchw('contrast', 32),
    'saturation': twin.color_op(2, x, f) - nchw('saturation', 32),
    'hue': twin.color_op(3, x, turns) - nchw('hue', 32),
    'gray': twin.gray(x).expand(-1, 3, -1, -1) - nchw('gray', 32),
}
print(json.dumps({k: v.abs().max().item() for k, v in diffs.items()}))
`;
    const r = python(['-c', check]);
    assert.strictEqual(r.status, 0, r.out);
    const diffs = JSON.parse(r.out.trim().split('\n').pop()!) as Record<string, number>;
    for (const [op, d] of Object.entries(diffs)) assert.ok(d < 1e-5, `${op}: the twin differs from ours by ${d}`);
  });

  it('exports the split, trains both Fig. 4 runs for 2 steps, probes them and gathers summary.csv with our rows', async function () {
    const p = preset('fig4', 'cifar10-long');
    const data = path.join(dir, 'data');
    // 200 generated CIFAR-shaped images: 180 training, 20 held out (the preset's stratified 10%).
    const { counts } = await exportTwinData(p, ['end-to-end', 'simultaneous-cbe-noise'], generatedCifar10({ count: 200 }), data);
    assert.deepStrictEqual(counts, { train: 180, 'probe-train': 180, eval: 20 });
    assert.strictEqual(fs.statSync(path.join(data, 'train.u8')).size, 180 * 32 * 32 * 3);
    const meta = JSON.parse(fs.readFileSync(path.join(data, 'meta.json'), 'utf8'));
    assert.deepStrictEqual(Object.keys(meta.runs), ['end-to-end', 'simultaneous-cbe-noise']);
    assert.strictEqual(meta.runs['simultaneous-cbe-noise'].model.noise.sigma, 0.25);

    const expected: Record<string, string[]> = {
      'end-to-end': ['4 head', '1 gsp', '2 gsp', '3 gsp', '4 gsp'],
      'simultaneous-cbe-noise': ['1 head', '2 head', '3 head', '4 head', '1 gsp', '2 gsp', '3 gsp', '4 gsp'],
    };
    for (const run of Object.keys(expected)) {
      const out = path.join(dir, 'torch', run, 'seed-0');
      const r = python([TWIN, '--data', data, '--run', run, '--seed', '0', '--steps', '2', '--batch-size', '16', '--warmup-epochs', '0', '--probe-epochs', '1', '--log-every', '1', '--out', out]);
      assert.strictEqual(r.status, 0, r.out);
      assert.strictEqual(fs.readFileSync(path.join(out, 'summary.csv'), 'utf8').split('\n')[0], 'impl,run,seed,block,features,top1');
      const rows = csvRows(path.join(out, 'summary.csv'));
      assert.deepStrictEqual(rows.map((x) => `${x.block} ${x.features}`), expected[run]);
      for (const x of rows) {
        assert.strictEqual(x.impl, 'pytorch');
        assert.strictEqual(x.run, run);
        const top1 = Number(x.top1);
        // 20 held-out images: a multiple of 1/20 in [0, 1].
        assert.ok(top1 >= 0 && top1 <= 1 && Math.abs(top1 * 20 - Math.round(top1 * 20)) < 1e-4, `top1 ${x.top1}`);
      }
      const training = csvRows(path.join(out, 'losses.csv'));
      assert.deepStrictEqual(training.map((x) => Number(x.step)), [0, 1]);
      // Step 0 is the warm-up-free schedule's peak, 0.2 x 16 / 256; Barlow Twins losses of 256-d embeddings are large and finite.
      assert.ok(Math.abs(Number(training[0].lr) - 0.0125) < 1e-9, `lr ${training[0].lr}`);
      const losses = Object.keys(training[0]).filter((k) => k.startsWith('loss_b'));
      assert.strictEqual(losses.length, run === 'end-to-end' ? 1 : 4);
      for (const k of losses) assert.ok(Number(training[0][k]) > 1 && Number.isFinite(Number(training[0][k])), `${k} ${training[0][k]}`);
      const used = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
      assert.strictEqual(used.steps, 2);
      assert.strictEqual(used.stepsPerEpoch, Math.floor(180 / 16));
    }

    // Our side as the CLI writes it (results.csv), then the gathered summary and table.
    const ours = path.join(dir, 'results.csv');
    const header = 'figure,run,method,block,features,probe,top1,top5,seed,steps,dataset';
    const line = (run: string, block: number, features: string, probe: string, top1: number) =>
      `fig4,${run},${run === 'end-to-end' ? 'end-to-end' : 'simultaneous'},${block},${features},${probe},${top1},,0,2,x`;
    const ourRows = Object.entries(expected).flatMap(([run, keys]) =>
      keys.flatMap((k) => {
        const [block, features] = k.split(' ');
        return [line(run, Number(block), features, 'linear', 0.5), line(run, Number(block), features, 'knn', 0.4)];
      }),
    );
    fs.writeFileSync(ours, `${header}\n${ourRows.join('\n')}\n`);
    const results = path.join(dir, 'results');
    const s = python([SUMMARIZE, '--ours', ours, '--torch', path.join(dir, 'torch'), '--runs', 'end-to-end,simultaneous-cbe-noise', '--seeds', '0', '--out', results]);
    assert.strictEqual(s.status, 0, s.out);
    const summary = csvRows(path.join(results, 'summary.csv'));
    assert.strictEqual(summary.filter((x) => x.impl === 'ours').length, 13, 'our linear rows only (kNN left out)');
    assert.strictEqual(summary.filter((x) => x.impl === 'pytorch').length, 13);
    assert.ok(summary.filter((x) => x.impl === 'ours').every((x) => Number(x.top1) === 0.5));
    const table = fs.readFileSync(path.join(results, 'table.md'), 'utf8').trim().split('\n');
    assert.strictEqual(table.length, 2 + 13);
    assert.ok(fs.existsSync(path.join(results, 'torch', 'end-to-end', 'seed-0', 'losses.csv')));
  });
  it('loads our trained weights (export-weights, --load-ours): the same features as ours to 1e-4, then probes them', async function () {
    const p = preset('fig4', 'cifar10-long');
    const images = generatedCifar10({ count: 200 });
    const data = path.join(dir, 'swap-data');
    await exportTwinData(p, ['simultaneous-cbe-noise'], images, data);
    const config = p.runs.find((r) => r.label === 'simultaneous-cbe-noise')!.config;
    const runDir = path.join(dir, 'swap-ours', 'simultaneous-cbe-noise');
    // Two steps of our training: BN running statistics and weights away from their initial values.
    await runTraining({ ...config, data: { ...config.data, steps: 2, batchSize: 16 }, optimizer: { ...config.optimizer, warmupEpochs: 0 } }, { runDir, dataset: images });
    const file = path.join(dir, 'swap-ours.weights');
    await exportWeights(runDir, file, { data, check: 20 });
    const out = path.join(dir, 'swap-torch');
    const r = python([TWIN, '--data', data, '--run', 'simultaneous-cbe-noise', '--seed', '0', '--load-ours', file, '--probe-epochs', '1', '--out', out]);
    assert.strictEqual(r.status, 0, r.out);
    // Every GSP stage and every CbE head checked against ours (the twin fails above --check-tol 1e-4).
    assert.strictEqual((r.out.match(/--load-ours check check\.(gsp|head)\.\d/g) ?? []).length, 8, r.out);
    const used = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.strictEqual(used.steps, 0, 'no training');
    assert.strictEqual(used.loadOurs.step, 2);
    assert.ok(Object.values(used.loadOurs.check as Record<string, number>).every((d) => d <= 1e-4));
    const rows = csvRows(path.join(out, 'summary.csv'));
    assert.strictEqual(rows.length, 8);
    assert.ok(rows.every((x) => x.impl === 'ours-trained-pytorch-probe'));

    // A wrong weight (the stem BN's first running mean, +1) is caught by the check before any probe.
    const bytes = fs.readFileSync(file);
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as { tensors: { name: string; offset: number }[] };
    const start = 4 + headerLength + ((4 - ((4 + headerLength) % 4)) % 4);
    const at = start + 4 * header.tensors.find((t) => t.name === 'stem.1.running_mean')!.offset;
    bytes.writeFloatLE(bytes.readFloatLE(at) + 1, at);
    fs.writeFileSync(`${file}.bad`, bytes);
    const bad = python([TWIN, '--data', data, '--run', 'simultaneous-cbe-noise', '--load-ours', `${file}.bad`, '--probe-epochs', '1', '--out', `${out}-bad`]);
    assert.notStrictEqual(bad.status, 0, bad.out);
    assert.match(bad.out, /twin\.py: --load-ours: the twin's features of our weights differ from ours by more than 0\.0001/);
    assert.ok(!fs.existsSync(path.join(`${out}-bad`, 'summary.csv')));
  });
});
