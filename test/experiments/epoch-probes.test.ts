import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FASHION_MNIST_SYSTEM_DIR } from '../../lib/data/fashion-mnist';
import { ImageDataset, subset } from '../../lib/data/dataset';
import { loadDatasetSource } from '../../lib/data/dataset-source';
import { epochCheckpointStep, ExperimentPreset, loadExperiment, preset, probeEpochs, readEpochResults, readProbeRows, runExperiment } from '../../lib/experiments';
import { checkpointFile } from '../../lib/train/checkpoint';
import { readRunConfig } from '../../lib/train/load-run';
import { runPaths } from '../../lib/train/run-folder';
import { probeTag } from '../../lib/train/run-metrics';
import { listEventFiles } from '../../lib/train/tensorboard';
import { scalarsByTagStep } from '../train/event-file-reader';
import { runSplit } from '../../lib/train/training-data';

/**
 * Fig. 4's smoke end-to-end and sequential runs on 160 Fashion-MNIST images (the run's split trains on 8 steps of 16 per
 * epoch), 2 epochs (per block for the sequential run), every checkpoint kept, probed at epochs 1 and 2.
 */
function epochPreset(): ExperimentPreset {
  const p = preset('fig4', 'smoke');
  const runs = p.runs
    .filter((r) => r.label === 'end-to-end' || r.label === 'sequential-lsp')
    .map((r) => {
      const { steps: _, ...data } = r.config.data!;
      const times = r.config.method === 'sequential' ? 4 : 1;
      return { ...r, probeEpochs: [1, 2], config: { ...r.config, data: { ...data, epochs: 2 * times }, checkpoint: { everySteps: null, keep: 20 } } };
    });
  return { ...p, runs };
}

describe('experiments/probeEpochs (accuracy against epochs from kept checkpoints)', function () {
  let dataset: ImageDataset;
  const made: string[] = [];

  before(async function () {
    if (!fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'))) this.skip();
    dataset = subset(await loadDatasetSource({ name: 'fashion-mnist' }), Int32Array.from({ length: 160 }, (_, i) => i), 'fashion-mnist[160]');
  });
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('runExperiment probes the kept checkpoints at probeEpochs into epochs.csv; probing again repeats nothing; a missing checkpoint names the run and epoch', async () => {
    const p = epochPreset();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-epochs-'));
    made.push(outDir);
    const summary = await runExperiment(p, { outDir, dataset });
    assert.strictEqual(summary.status, 'completed');
    const e2e = readRunConfig(path.join(outDir, 'end-to-end'));
    const seq = readRunConfig(path.join(outDir, 'sequential-lsp'));
    const images = runSplit(dataset, e2e.data).train.size;
    assert.strictEqual(Math.floor(images / 16), 8);
    assert.deepStrictEqual([1, 2].map((e) => epochCheckpointStep(e2e, images, e)), [8, 16]);
    // Four phases of 16 steps: epoch 1 is 8 steps into block 4's phase, after blocks 1-3 trained for 2 epochs each.
    assert.deepStrictEqual([1, 2].map((e) => epochCheckpointStep(seq, images, e)), [56, 64]);
    assert.throws(() => epochCheckpointStep(seq, images, 3), /epoch 3 is outside the run's last phase of 2 epochs \(16 steps of 8 per epoch\)/);

    const rows = summary.epochResults;
    for (const [label, steps] of [['end-to-end', [8, 16]], ['sequential-lsp', [56, 64]]] as const) {
      const mine = rows.filter((r) => r.run === label);
      assert.deepStrictEqual([...new Set(mine.map((r) => `${r.epoch}@${r.steps}`))], [`1@${steps[0]}`, `2@${steps[1]}`], label);
      // GSP at 4 stages + head blocks, linear and kNN, at each of the two epochs.
      const heads = label === 'end-to-end' ? 1 : 4;
      assert.strictEqual(mine.length, 2 * 2 * (4 + heads), label);
      for (const r of mine) assert.ok(r.top1 >= 0 && r.top1 <= 1 && r.figure === 'fig4' && r.seed === 0, `${label} ${r.features} ${r.block}`);
      // Epoch 2 is the run's end: the rows of results.csv, reused rather than probed again.
      const final = summary.results.filter((r) => r.run === label);
      assert.deepStrictEqual(mine.filter((r) => r.epoch === 2).map(({ epoch: _, ...r }) => r), final, `${label} epoch 2`);
      const stored = readProbeRows(path.join(outDir, label));
      assert.deepStrictEqual(stored.map((r) => r.steps).sort((a, b) => a - b), mine.map((r) => r.steps).sort((a, b) => a - b), `${label} probes.csv: one row per probe and checkpoint`);
      // The same top-1 accuracies as TensorBoard scalars, at the checkpoint's step, once each.
      const scalars = scalarsByTagStep(listEventFiles(path.join(outDir, label)));
      const probeScalars = [...scalars.keys()].filter((k) => k.startsWith('probe/'));
      assert.strictEqual(probeScalars.length, stored.length, `${label}: a probe scalar per probes.csv row`);
      for (const r of stored) assert.deepStrictEqual(scalars.get(`${probeTag(r.features, r.block, r.probe)}@${r.steps}`), [Math.fround(r.top1)], `${label} ${r.features} ${r.block} ${r.probe}`);
    }
    assert.deepStrictEqual(readEpochResults(path.join(outDir, 'epochs.csv')), rows);
    assert.deepStrictEqual(loadExperiment(outDir).epochResults, rows);

    // Afterwards, without training: the same rows, nothing appended.
    const before = fs.readFileSync(runPaths(path.join(outDir, 'end-to-end')).probes, 'utf8');
    assert.deepStrictEqual(await probeEpochs(outDir, p, { dataset }), rows);
    assert.strictEqual(fs.readFileSync(runPaths(path.join(outDir, 'end-to-end')).probes, 'utf8'), before);

    // A checkpoint deleted whose rows are stored is no loss; an epoch not probed before needs its checkpoint.
    fs.rmSync(checkpointFile(runPaths(path.join(outDir, 'end-to-end')).checkpoints, 8));
    assert.deepStrictEqual(await probeEpochs(outDir, p, { dataset }), rows);
    const later = { ...p, runs: p.runs.map((r) => ({ ...r, probeEpochs: [1.5, 2] })) };
    await assert.rejects(
      probeEpochs(outDir, later, { dataset }),
      (e: Error) => e.message.includes(`${path.join(outDir, 'end-to-end')} has no checkpoint at epoch 1.5 (after 12 steps); it keeps checkpoints after [16] steps`),
    );

    // A run still training in another process (or stopped) is passed over with completedOnly, and its folder left alone.
    const seqDir = path.join(outDir, 'sequential-lsp');
    const status = JSON.parse(fs.readFileSync(runPaths(seqDir).status, 'utf8'));
    fs.writeFileSync(runPaths(seqDir).status, JSON.stringify({ ...status, state: 'running' }));
    const seqFiles = fs.readdirSync(seqDir).map((f) => [f, fs.statSync(path.join(seqDir, f)).mtimeMs]);
    await assert.rejects(probeEpochs(outDir, later, { dataset }), /no checkpoint at epoch 1.5/);
    const skipped: string[] = [];
    const e2eOnly = await probeEpochs(outDir, p, { dataset, completedOnly: true, onSkip: (run, seed, dir) => skipped.push(`${run} ${seed} ${dir}`) });
    assert.deepStrictEqual(skipped, [`sequential-lsp 0 ${seqDir}`]);
    assert.deepStrictEqual(e2eOnly, rows.filter((r) => r.run === 'end-to-end'));
    assert.deepStrictEqual(readEpochResults(path.join(outDir, 'epochs.csv')), e2eOnly);
    assert.deepStrictEqual(fs.readdirSync(seqDir).map((f) => [f, fs.statSync(path.join(seqDir, f)).mtimeMs]), seqFiles);
  });
});
