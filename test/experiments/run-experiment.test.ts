import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { FASHION_MNIST_SYSTEM_DIR } from '../../lib/data/fashion-mnist';
import {
  ExperimentEvent,
  ExperimentPreset,
  preset,
  readProbeRows,
  readResults,
  readRunStatistics,
  runExperiment,
  withRunOverrides,
} from '../../lib/experiments';
import { ImageDataset } from '../../lib/data/dataset';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { runCheckpointFile } from '../../lib/train/load-run';
import { loadDatasetSource } from '../../lib/data/dataset-source';
import { readRunDatasetSource, readRunJson, runPaths, RunStatus } from '../../lib/train/run-folder';
import { EXPERIMENT_LOCK_FILE, mergeTableRows, withExperimentLock } from '../../lib/experiments/experiment-folder';

const made: string[] = [];
function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bwssl-exp-${name}-`));
  made.push(dir);
  return dir;
}

/** A smoke preset with only the named runs. */
function only(p: ExperimentPreset, labels: string[]): ExperimentPreset {
  return { ...p, runs: p.runs.filter((r) => labels.includes(r.label)) };
}

describe('experiments/runExperiment (smoke presets on Fashion-MNIST)', function () {
  let dataset: ImageDataset;

  before(async function () {
    if (!fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'))) this.skip();
    dataset = await loadDatasetSource({ name: 'fashion-mnist' });
  });
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('fig8 end to end: trains every run, writes results.csv with a row per block, probes.csv, statistics.json; no tensor leaks', async () => {
    const p = preset('fig8', 'smoke');
    const outDir = tempDir('fig8');
    const events: ExperimentEvent[] = [];
    const before = tf.memory().numTensors;
    const summary = await runExperiment(p, { outDir, dataset, onEvent: (e) => events.push(e) });
    assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked');
    assert.strictEqual(summary.status, 'completed');
    assert.deepStrictEqual(summary.runs.map((r) => r.label), p.runs.map((r) => r.label));
    // 4 smoke steps per run; the sequential run gives each of its 4 blocks the 4 steps.
    const stepsOf = (label: string): number => (label === 'sequential-lsp' ? 16 : 4);
    assert.ok(summary.runs.every((r) => r.status === 'completed' && r.steps === stepsOf(r.label) && r.totalSteps === stepsOf(r.label)));
    assert.deepStrictEqual(events.filter((e) => e.type === 'run-start').map((e) => (e as { action: string }).action), Array(5).fill('train'));
    assert.strictEqual(events.filter((e) => e.type === 'step').length, 4 * 4 + 16);

    const results = readResults(summary.resultsFile);
    assert.deepStrictEqual(results, summary.results);
    assert.deepStrictEqual(Object.keys(results[0]), ['figure', 'run', 'method', 'block', 'features', 'probe', 'top1', 'top5', 'seed', 'steps', 'dataset']);
    for (const r of p.runs) {
      const rows = results.filter((x) => x.run === r.label);
      // GSP: every stage. Head: every training block (an end-to-end or one-block supervised run has one, at block 4).
      const headBlocks = r.label === 'end-to-end' || r.label === 'supervised' ? [4] : [1, 2, 3, 4];
      for (const probe of ['linear', 'knn']) {
        assert.deepStrictEqual(rows.filter((x) => x.features === 'gsp' && x.probe === probe).map((x) => x.block), [1, 2, 3, 4], `${r.label} gsp ${probe}`);
        assert.deepStrictEqual(rows.filter((x) => x.features === 'head' && x.probe === probe).map((x) => x.block), headBlocks, `${r.label} head ${probe}`);
      }
      for (const x of rows) {
        assert.ok(x.top1 >= 0 && x.top1 <= 1 && x.top5 !== null && x.top5 >= x.top1, `${r.label} block ${x.block}`);
        assert.deepStrictEqual([x.figure, x.method, x.seed, x.steps, x.dataset], ['fig8', r.config.method, 0, stepsOf(r.label), 'fashion-mnist/train:validation-part']);
      }
      const runDir = path.join(outDir, r.label);
      assert.deepStrictEqual(readProbeRows(runDir), rows.map(({ figure: _, ...row }) => row));
      const stats = readRunStatistics(runDir);
      assert.ok(stats, `${r.label} has statistics.json`);
      assert.deepStrictEqual(stats.blocks.map((b) => [b.block, b.dim, b.batches, b.batchSize]), [[0, 4, 1, 32], [1, 8, 1, 32], [2, 8, 1, 32], [3, 8, 1, 32]]);
      for (const b of stats.blocks) {
        assert.strictEqual(b.onDiagonal.length, b.dim);
        assert.strictEqual(b.offDiagonal.length, Math.min(200, b.dim * (b.dim - 1)));
        assert.ok(b.summary.onDiagonal.max <= 1 + 1e-4 && b.summary.offDiagonal.min >= -1 - 1e-4);
      }
    }
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(outDir, 'preset.json'), 'utf8')), JSON.parse(JSON.stringify(p)));
  });

  it('a second call reuses completed runs, their probes and statistics; a changed config is an error naming the difference', async () => {
    const p = only(preset('fig8', 'smoke'), ['end-to-end']);
    const outDir = tempDir('reuse');
    const first = await runExperiment(p, { outDir });
    assert.deepStrictEqual(readRunDatasetSource(path.join(outDir, 'end-to-end'), 'unused'), { name: 'fashion-mnist' });
    const events: ExperimentEvent[] = [];
    const second = await runExperiment(p, { outDir, dataset, onEvent: (e) => events.push(e) });
    assert.deepStrictEqual(events.map((e) => e.type), ['run-start', 'run-end', 'statistics']);
    assert.strictEqual((events[0] as { action: string }).action, 'reuse');
    assert.deepStrictEqual(second.results, first.results);
    assert.deepStrictEqual(readProbeRows(path.join(outDir, 'end-to-end')), first.runs[0].probes, 'probes.csv holds no duplicates');
    await assert.rejects(runExperiment(withRunOverrides(p, { data: { steps: 6 } }), { outDir, dataset }), /holds a run trained with another config \(they differ at data\.steps\)/);
    await assert.rejects(runExperiment(p, { outDir, dataset, reuse: false }), /already holds a run \(pass reuse to continue it\)/);
  });

  it('two calls with different runs in one folder add to its preset.json and results.csv instead of replacing them', async () => {
    const p = preset('fig4', 'smoke');
    const outDir = tempDir('shared');
    // A baseline started beside a lane that trains the other runs (and the lane's later rewrite of its rows).
    const lane = await runExperiment(only(p, ['end-to-end']), { outDir, dataset });
    const baseline = await runExperiment(only(p, ['random-init']), { outDir, dataset });
    const again = await runExperiment(only(p, ['end-to-end']), { outDir, dataset });
    assert.deepStrictEqual(again.results, lane.results);
    const saved = readResults(path.join(outDir, 'results.csv'));
    assert.deepStrictEqual(saved, [...baseline.results, ...lane.results]);
    assert.deepStrictEqual(readRunJson<ExperimentPreset>(path.join(outDir, 'preset.json')).runs.map((r) => r.label), ['end-to-end', 'random-init']);
    assert.ok(!fs.existsSync(path.join(outDir, EXPERIMENT_LOCK_FILE)), 'the lock is released');
    // Another figure, or seeds in the other folder layout, in the same folder: errors naming both, nothing written.
    const before = fs.readFileSync(path.join(outDir, 'preset.json'), 'utf8');
    await assert.rejects(runExperiment(only(preset('fig8', 'smoke'), ['end-to-end']), { outDir, dataset }), /holds the fig4 experiment at the smoke scale, not fig8 at the smoke scale/);
    await assert.rejects(runExperiment({ ...only(p, ['random-init']), seeds: [0, 1] }, { outDir, dataset }), /holds runs of seed\(s\) 0 \(<label>\/ folders\); seed\(s\) 0, 1 would use the other layout/);
    assert.strictEqual(fs.readFileSync(path.join(outDir, 'preset.json'), 'utf8'), before);
  });

  it('mergeTableRows keeps the stored rows of runs this process did not produce; the lock is exclusive, released on errors, taken over when stale', () => {
    const row = (run: string, seed: number, top1: number) => ({ run, seed, top1 });
    assert.deepStrictEqual(
      mergeTableRows([row('a', 0, 0.1), row('b', 0, 0.2), row('a', 1, 0.3)], [row('a', 0, 0.5)], new Set(['a|0'])),
      [row('b', 0, 0.2), row('a', 1, 0.3), row('a', 0, 0.5)],
    );
    const dir = tempDir('lock');
    const lock = path.join(dir, EXPERIMENT_LOCK_FILE);
    assert.throws(() => withExperimentLock(dir, () => { throw new Error('inside'); }), /inside/);
    assert.ok(!fs.existsSync(lock));
    fs.writeFileSync(lock, '1\n');
    assert.throws(() => withExperimentLock(dir, () => 1, { timeoutMs: 100 }), /experiment\.lock has been held by another process/);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    assert.strictEqual(withExperimentLock(dir, () => 7), 7);
    assert.ok(!fs.existsSync(lock));
  });

  it("shareRunsFrom: a completed run with the same config and seed in another experiment's folder is copied, not trained", async function () {
    this.timeout(600_000);
    const p4 = only(preset('fig4', 'smoke'), ['end-to-end', 'sequential-lsp']);
    const dir4 = tempDir('share4');
    const s4 = await runExperiment(p4, { outDir: dir4, dataset });
    const p7 = only(preset('fig7', 'smoke'), ['end-to-end', 'sequential-lsp', 'merged-b1-b2']);
    const dir7 = tempDir('share7');
    const events: ExperimentEvent[] = [];
    const s7 = await runExperiment(p7, { outDir: dir7, dataset, shareRunsFrom: [tempDir('empty'), dir4], onEvent: (e) => events.push(e) });
    const starts = events.filter((e) => e.type === 'run-start') as Extract<ExperimentEvent, { type: 'run-start' }>[];
    assert.deepStrictEqual(
      starts.map((e) => [e.label, e.action, e.sharedFrom]),
      [['end-to-end', 'reuse', path.join(dir4, 'end-to-end')], ['sequential-lsp', 'reuse', path.join(dir4, 'sequential-lsp')], ['merged-b1-b2', 'train', undefined]],
    );
    assert.deepStrictEqual(events.filter((e) => e.type === 'step' && e.label !== 'merged-b1-b2'), [], 'shared runs are not trained again');
    const rows = (s: typeof s4, run: string) => s.results.filter((r) => r.run === run).map(({ figure, ...rest }) => rest);
    assert.deepStrictEqual(rows(s7, 'sequential-lsp'), rows(s4, 'sequential-lsp'), 'probe rows come with the copy');
    assert.ok(fs.existsSync(runCheckpointFile(path.join(dir7, 'end-to-end')).file));
    const copiedStatus = readRunJson<RunStatus>(runPaths(path.join(dir7, 'end-to-end')).status);
    assert.strictEqual(copiedStatus.lastCheckpoint, path.join(dir7, 'end-to-end', 'checkpoints', path.basename(copiedStatus.lastCheckpoint!)), "the copy's status names its own checkpoint");

    // A copied run's probe rows carry its label in this experiment (noise's sigma 0.25 run is Fig. 4's CbE run).
    const s4cbe = await runExperiment(only(preset('fig4', 'smoke'), ['simultaneous-cbe-noise', 'random-init']), { outDir: dir4, dataset });
    const noiseDir = tempDir('share-noise');
    const sn = await runExperiment(only(preset('noise', 'smoke'), ['element-0p25', 'no-noise']), { outDir: noiseDir, dataset, shareRunsFrom: [dir4] });
    assert.deepStrictEqual(sn.runs.map((r) => [r.label, r.steps]), [['no-noise', 4], ['element-0p25', 4]]);
    assert.deepStrictEqual(rows(sn, 'element-0p25').map((r) => r.run), Array(rows(sn, 'element-0p25').length).fill('element-0p25'));
    assert.deepStrictEqual(
      rows(sn, 'element-0p25').map(({ run, ...rest }) => rest),
      rows(s4cbe, 'simultaneous-cbe-noise').map(({ run, ...rest }) => rest),
    );
    assert.ok(readProbeRows(path.join(noiseDir, 'element-0p25')).every((r) => r.run === 'element-0p25'));
    // The untrained baseline has the config of the trained CbE run without noise: the two are never shared.
    const noNoiseTrained = sn.runs.find((r) => r.label === 'no-noise')!;
    assert.strictEqual(noNoiseTrained.steps, 4, "noise's no-noise run was trained, not copied from Fig. 4's random-init");
    const baseline: ExperimentEvent[] = [];
    const s4b = await runExperiment(only(preset('fig4', 'smoke'), ['random-init']), { outDir: tempDir('share4b'), dataset, shareRunsFrom: [noiseDir], onEvent: (e) => baseline.push(e) });
    const start = baseline.find((e) => e.type === 'run-start') as Extract<ExperimentEvent, { type: 'run-start' }>;
    assert.deepStrictEqual([start.action, start.sharedFrom, s4b.runs[0].steps], ['untrained', undefined, 0]);

    // Another seed is another run: nothing to share.
    const other = await runExperiment({ ...only(p7, ['end-to-end']), seeds: [1] }, { outDir: tempDir('share7-seed1'), dataset, shareRunsFrom: [dir4] });
    assert.strictEqual(other.runs[0].steps, 4);
    assert.notDeepStrictEqual(rows(other, 'end-to-end'), rows(s4, 'end-to-end'));
  });

  it('an aborted experiment stops with a checkpoint and continues where it stopped', async () => {
    const p = only(preset('fig4', 'smoke'), ['end-to-end', 'simultaneous-lsp']);
    const outDir = tempDir('abort');
    const controller = new AbortController();
    const stopped = await runExperiment(p, {
      outDir,
      dataset,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && e.label === 'simultaneous-lsp' && e.step.step === 1) controller.abort();
      },
    });
    assert.strictEqual(stopped.status, 'stopped');
    assert.deepStrictEqual(stopped.runs.map((r) => [r.label, r.status, r.steps]), [['end-to-end', 'completed', 4], ['simultaneous-lsp', 'stopped', 2]]);
    assert.deepStrictEqual([...new Set(readResults(stopped.resultsFile).map((r) => r.run))], ['end-to-end']);
    const status = readRunJson<RunStatus>(runPaths(path.join(outDir, 'simultaneous-lsp')).status);
    assert.deepStrictEqual([status.state, status.step], ['stopped', 2]);

    const events: ExperimentEvent[] = [];
    const done = await runExperiment(p, { outDir, dataset, onEvent: (e) => events.push(e) });
    assert.deepStrictEqual(events.filter((e) => e.type === 'run-start').map((e) => (e as { action: string }).action), ['reuse', 'resume']);
    assert.deepStrictEqual(events.filter((e) => e.type === 'step').map((e) => (e as { step: { step: number } }).step.step), [2, 3]);
    assert.strictEqual(done.status, 'completed');
    assert.deepStrictEqual([...new Set(done.results.map((r) => r.run))], ['end-to-end', 'simultaneous-lsp']);
  });

  it("fig7: a run initialised from another run's label gets that run's first block, frozen; random baselines probe only their block", async () => {
    const p7 = only(preset('fig7', 'smoke'), ['e2e-first-block-sequential', 'end-to-end']);
    const outDir = tempDir('fig7');
    const summary = await runExperiment(p7, { outDir, dataset });
    assert.deepStrictEqual(summary.runs.map((r) => r.label), ['end-to-end', 'e2e-first-block-sequential'], 'the source run trains first');
    const source = await readCheckpoint(runCheckpointFile(path.join(outDir, 'end-to-end')).file);
    const plugged = await readCheckpoint(runCheckpointFile(path.join(outDir, 'e2e-first-block-sequential')).file);
    const block1 = Object.keys(source.weights).filter((n) => /^network\.(conv1|bn1|layer1)\./.test(n));
    assert.ok(block1.length > 0);
    for (const n of block1) assert.deepStrictEqual(Array.from(plugged.weights[n].values), Array.from(source.weights[n].values), n);
    const layer2 = Object.keys(source.weights).filter((n) => n.startsWith('network.layer2.') && n.endsWith('weight'));
    assert.ok(layer2.some((n) => plugged.weights[n].values.some((v, i) => v !== source.weights[n].values[i])), 'block 2 trained on its own');

    const p4 = only(preset('fig4', 'smoke'), ['random-feature-b3', 'random-init']);
    const s4 = await runExperiment(p4, { outDir: tempDir('fig4'), dataset });
    assert.deepStrictEqual([...new Set(s4.results.filter((r) => r.run === 'random-feature-b3').map((r) => r.block))], [3]);
    assert.deepStrictEqual(
      s4.runs.map((r) => [r.label, r.status, r.steps]),
      [['random-feature-b3', 'completed', 4], ['random-init', 'completed', 0]],
    );
    assert.deepStrictEqual([...new Set(s4.results.filter((r) => r.run === 'random-init').map((r) => r.block))], [1, 2, 3, 4]);
  });
});
