import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FASHION_MNIST_SYSTEM_DIR } from '../../lib/data/fashion-mnist';
import { ImageDataset } from '../../lib/data/dataset';
import { loadDatasetSource } from '../../lib/data/dataset-source';
import {
  collectExperiment,
  ExperimentPreset,
  ExperimentSummary,
  loadExperiment,
  preset,
  readTableRows,
  runExperiment,
  savedExperimentDir,
  trainingSummary,
} from '../../lib/experiments';
import { blockLossColumns, readMetrics, StepMetrics } from '../../lib/train/run-folder';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const made: string[] = [];
function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bwssl-saved-${name}-`));
  made.push(dir);
  return dir;
}

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** `summary` as it reads from a copy of its folder at `dir`: the same, but for the paths. */
function movedTo(summary: ExperimentSummary, dir: string): ExperimentSummary {
  return {
    ...summary,
    outDir: dir,
    resultsFile: path.join(dir, 'results.csv'),
    runs: summary.runs.map((r) => ({ ...r, runDir: path.join(dir, path.relative(summary.outDir, r.runDir)) })),
  };
}

function step(step: number, phase: number, blockLosses: (number | null)[], imagesPerSecond: number): StepMetrics {
  const loss = blockLosses.reduce<number>((a, b) => a + (b ?? 0), 0);
  return { step, epoch: 0, phase, lr: step / 10, loss, ...blockLossColumns(blockLosses), imagesPerSecond, time: '' };
}

describe('experiments/trainingSummary and savedExperimentDir', () => {
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('summarises every `every` steps and at the end of each phase: mean losses, images over seconds', () => {
    const metrics = [
      step(0, 0, [4, null], 100),
      step(1, 0, [2, null], 300),
      step(2, 0, [1, null], 100),
      step(3, 1, [null, 8], 200),
      step(4, 1, [null, 6], 200),
    ];
    assert.deepStrictEqual(trainingSummary(metrics, 2), [
      { step: 1, epoch: 0, phase: 0, lr: 0.1, loss: 3, block1Loss: 3, block2Loss: null, imagesPerSecond: 150 },
      { step: 2, epoch: 0, phase: 0, lr: 0.2, loss: 1, block1Loss: 1, block2Loss: null, imagesPerSecond: 100 },
      { step: 3, epoch: 0, phase: 1, lr: 0.3, loss: 8, block1Loss: null, block2Loss: 8, imagesPerSecond: 200 },
      { step: 4, epoch: 0, phase: 1, lr: 0.4, loss: 6, block1Loss: null, block2Loss: 6, imagesPerSecond: 200 },
    ]);
    assert.deepStrictEqual(trainingSummary([]), []);
    assert.throws(() => trainingSummary(metrics, 0), /every must be a positive integer, got 0/);
  });

  it('savedExperimentDir: results/<scale>/<figure>/ with a results.csv at cpu and paper scale, unless retraining', () => {
    const root = tempDir('root');
    fs.mkdirSync(path.join(root, 'cpu', 'fig4'), { recursive: true });
    assert.strictEqual(savedExperimentDir(root, 'fig4', 'cpu'), null, 'no results.csv yet');
    fs.writeFileSync(path.join(root, 'cpu', 'fig4', 'results.csv'), '');
    assert.strictEqual(savedExperimentDir(root, 'fig4', 'cpu'), path.join(root, 'cpu', 'fig4'));
    assert.strictEqual(savedExperimentDir(root, 'fig4', 'cpu', { retrain: true }), null);
    assert.strictEqual(savedExperimentDir(root, 'fig5', 'cpu'), null);
    fs.mkdirSync(path.join(root, 'smoke', 'fig4'), { recursive: true });
    fs.writeFileSync(path.join(root, 'smoke', 'fig4', 'results.csv'), '');
    assert.strictEqual(savedExperimentDir(root, 'fig4', 'smoke'), null, 'smoke always trains');
    assert.throws(() => savedExperimentDir(root, 'fig4', 'laptop' as never), /scale 'laptop' is not one of smoke, cpu, cifar10-long, paper/);
  });
});

describe('experiments/collectExperiment + loadExperiment (smoke presets on Fashion-MNIST)', function () {
  let dataset: ImageDataset;

  before(async function () {
    if (!fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'))) this.skip();
    dataset = await loadDatasetSource({ name: 'fashion-mnist' });
  });
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('fig8, two seeds: the collected folder (no checkpoints, no metrics) loads as the summary runExperiment returned', async () => {
    const base = preset('fig8', 'smoke');
    const p: ExperimentPreset = { ...base, seeds: [0, 1], runs: base.runs.filter((r) => ['end-to-end', 'sequential-lsp'].includes(r.label)) };
    const outDir = tempDir('fig8');
    const summary = await runExperiment(p, { outDir, dataset });
    assert.strictEqual(summary.status, 'completed');

    const dest = path.join(tempDir('fig8-saved'), 'fig8');
    const collected = collectExperiment(outDir, dest);
    const runFiles = ['config.json', 'probes.csv', 'statistics.json', 'status.json', 'training.csv'];
    const runDirs = ['end-to-end/seed-0', 'sequential-lsp/seed-0', 'end-to-end/seed-1', 'sequential-lsp/seed-1'];
    assert.deepStrictEqual(filesUnder(dest), ['preset.json', 'results.csv', ...runDirs.flatMap((d) => runFiles.map((f) => path.join(d, f)))].sort());
    assert.deepStrictEqual(collected.runs, runDirs.map((run) => ({ run, state: 'completed' })));
    assert.strictEqual(collected.files.length, 2 + runDirs.length * runFiles.length);
    for (const d of runDirs) {
      const status = JSON.parse(fs.readFileSync(path.join(dest, d, 'status.json'), 'utf8'));
      assert.match(status.lastCheckpoint, /^checkpoints\/step-\d+\.ckpt$/, 'the saved status names its checkpoint relative to the run folder');
      const original = JSON.parse(fs.readFileSync(path.join(outDir, d, 'status.json'), 'utf8'));
      assert.deepStrictEqual(status, { ...original, lastCheckpoint: path.relative(path.join(outDir, d), original.lastCheckpoint) });
      assert.deepStrictEqual(fs.readFileSync(path.join(dest, d, 'config.json')), fs.readFileSync(path.join(outDir, d, 'config.json')));
    }
    for (const f of filesUnder(dest)) assert.ok(!fs.readFileSync(path.join(dest, f), 'utf8').includes(outDir), `${f} names no path of the source folder`);

    const loaded = loadExperiment(dest);
    const { preset: savedPreset, ...savedSummary } = loaded;
    assert.deepStrictEqual(savedPreset, JSON.parse(JSON.stringify(p)));
    assert.deepStrictEqual(savedSummary, movedTo(summary, dest));
    assert.deepStrictEqual(loaded.runs.map((r) => [r.label, r.seed]), [['end-to-end', 0], ['sequential-lsp', 0], ['end-to-end', 1], ['sequential-lsp', 1]]);
    assert.ok(loaded.runs.every((r) => r.statistics !== null));
    const { preset: _, ...fromRunFolder } = loadExperiment(outDir);
    assert.deepStrictEqual(fromRunFolder, summary, 'a full experiment folder loads too');

    // training.csv: a row per phase for the sequential run (its blocks train one after the other), one for end-to-end.
    const sequential = path.join(outDir, 'sequential-lsp', 'seed-1');
    const phases = new Set(readMetrics(sequential).map((m) => m.phase)).size;
    const training = readTableRows(path.join(dest, 'sequential-lsp', 'seed-1', 'training.csv'));
    assert.strictEqual(training.length, phases);
    assert.deepStrictEqual(Object.keys(training[0]), ['step', 'epoch', 'phase', 'lr', 'loss', 'block1Loss', 'block2Loss', 'block3Loss', 'block4Loss', 'imagesPerSecond']);
    assert.deepStrictEqual(training.map((r) => r.block1Loss !== ''), [true, ...Array(phases - 1).fill(false)]);
    assert.strictEqual(readTableRows(path.join(dest, 'end-to-end', 'seed-0', 'training.csv')).length, 1);

    // Fig. 8 statistics cut to fewer plotted values keep their summaries; collecting again replaces the copy.
    collectExperiment(outDir, dest, { maxPlotValues: 5 });
    const thinned = loadExperiment(dest).runs[0].statistics!;
    assert.strictEqual(thinned.settings.maxPlotValues, 5);
    thinned.blocks.forEach((b, i) => {
      assert.ok(b.onDiagonal.length <= 5 && b.offDiagonal.length === 5, `block ${b.block}`);
      assert.deepStrictEqual(b.summary, summary.runs[0].statistics!.blocks[i].summary);
      assert.ok(b.offDiagonal.every((v) => summary.runs[0].statistics!.blocks[i].offDiagonal.includes(v)));
    });
    assert.throws(() => collectExperiment(outDir, path.join(outDir, 'copy')), /must not hold one another/);
    const unrelated = tempDir('unrelated');
    fs.writeFileSync(path.join(unrelated, 'notes.txt'), 'keep me');
    assert.throws(() => collectExperiment(outDir, unrelated), /holds files but no preset\.json/);
    assert.ok(fs.existsSync(path.join(unrelated, 'notes.txt')));
  });

  it('runs load in training order (a run initialised from another comes after it); a stopped experiment loads as stopped', async () => {
    const base = preset('fig7', 'smoke');
    const byLabel = (l: string) => base.runs.find((r) => r.label === l)!;
    const p: ExperimentPreset = { ...base, runs: [byLabel('e2e-first-block-sequential'), byLabel('end-to-end')] };
    const outDir = tempDir('fig7');
    const summary = await runExperiment(p, { outDir, dataset });
    assert.deepStrictEqual(summary.runs.map((r) => r.label), ['end-to-end', 'e2e-first-block-sequential']);
    const dest = tempDir('fig7-saved');
    collectExperiment(outDir, dest);
    const { preset: _, ...loaded } = loadExperiment(dest);
    assert.deepStrictEqual(loaded, movedTo(summary, dest));

    // As if the reproduction had been collected while the second run trained.
    const status = path.join(dest, 'e2e-first-block-sequential', 'status.json');
    fs.writeFileSync(status, JSON.stringify({ state: 'running', step: 2, totalSteps: 4, lastCheckpoint: null, updated: '' }));
    fs.writeFileSync(path.join(dest, 'results.csv'), fs.readFileSync(path.join(dest, 'results.csv'), 'utf8').split('\n').filter((l) => !l.includes('e2e-first-block-sequential')).join('\n'));
    const partial = loadExperiment(dest);
    assert.strictEqual(partial.status, 'stopped');
    assert.deepStrictEqual(partial.runs.map((r) => [r.label, r.status, r.steps, r.probes.length > 0]), [['end-to-end', 'completed', 4, true], ['e2e-first-block-sequential', 'stopped', 2, false]]);
  });

  it('missing or malformed files are errors naming the file', () => {
    const dir = tempDir('broken');
    assert.throws(() => loadExperiment(path.join(dir, 'nowhere')), /nowhere is not a folder/);
    assert.throws(() => loadExperiment(dir), new RegExp(`${path.join(dir, 'preset.json')} is missing \\(runExperiment writes the preset`));
    fs.writeFileSync(path.join(dir, 'preset.json'), '{"figure": "fig4",');
    assert.throws(() => loadExperiment(dir), /preset\.json is not valid JSON/);
    fs.writeFileSync(path.join(dir, 'preset.json'), JSON.stringify({ ...preset('fig4', 'smoke'), figure: 'fig99' }));
    assert.throws(() => loadExperiment(dir), /preset\.json is not an experiment preset: figure "fig99" is not one of fig4/);
    fs.writeFileSync(path.join(dir, 'preset.json'), JSON.stringify(preset('fig4', 'smoke')));
    assert.throws(() => loadExperiment(dir), /results\.csv is missing/);
    const header = 'figure,run,method,block,features,probe,top1,top5,seed,steps,dataset';
    fs.writeFileSync(path.join(dir, 'results.csv'), `${header}\nfig4,end-to-end,end-to-end,4,gsp,linear,0.5,,0,4,x\n`);
    assert.throws(() => loadExperiment(dir), new RegExp(`${path.join(dir, 'end-to-end', 'status.json')} is missing, but .*results\\.csv has rows of run 'end-to-end' seed 0`));
    fs.writeFileSync(path.join(dir, 'results.csv'), `${header}\nfig4,nobody,end-to-end,4,gsp,linear,0.5,,0,4,x\n`);
    assert.throws(() => loadExperiment(dir), /results\.csv, row 2: run 'nobody' is not a run of the preset/);
    fs.writeFileSync(path.join(dir, 'results.csv'), `${header}\nfig4,end-to-end,end-to-end,4,gsp,linear,high,,0,4,x\n`);
    assert.throws(() => loadExperiment(dir), /results\.csv, row 2: column 'top1' is not a number/);
    fs.writeFileSync(path.join(dir, 'results.csv'), `${header}\nfig4,end-to-end,end-to-end,4,gsp,linear,0.5,,0,4\n`);
    assert.throws(() => loadExperiment(dir), /results\.csv, row 2 has 10 cells for 11 columns/);
  });

  it('scripts/reproduce/collect.sh collects every experiment folder of a source root', function () {
    const source = tempDir('root');
    const dest = path.join(tempDir('dest'), 'cpu');
    const fig = path.join(source, 'fig8');
    fs.mkdirSync(path.join(fig, 'end-to-end'), { recursive: true });
    fs.writeFileSync(path.join(fig, 'preset.json'), JSON.stringify(preset('fig8', 'smoke')));
    fs.writeFileSync(path.join(fig, 'results.csv'), 'figure,run,method,block,features,probe,top1,top5,seed,steps,dataset\n');
    fs.writeFileSync(path.join(fig, 'end-to-end', 'config.json'), '{}');
    fs.writeFileSync(path.join(fig, 'end-to-end', 'status.json'), JSON.stringify({ state: 'running', step: 1, totalSteps: 4, lastCheckpoint: null, updated: '' }));
    fs.mkdirSync(path.join(source, 'fig4'));
    fs.writeFileSync(path.join(source, 'fig4', 'preset.json'), JSON.stringify(preset('fig4', 'smoke')));
    const run = spawnSync('bash', [path.join(ROOT, 'scripts', 'reproduce', 'collect.sh'), source, dest], { encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /skip .*fig4: no results\.csv yet/);
    assert.match(run.stdout, /fig8 -> .*fig8: 1 run\(s\) \(1 running\), 4 files/);
    assert.deepStrictEqual(filesUnder(path.join(dest, 'fig8')), ['end-to-end/config.json', 'end-to-end/status.json', 'preset.json', 'results.csv']);
    assert.strictEqual(loadExperiment(path.join(dest, 'fig8')).status, 'stopped');
  });
});
