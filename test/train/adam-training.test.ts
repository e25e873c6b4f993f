import * as assert from 'assert';
import { listCheckpoints, readCheckpoint } from '../../lib/train/checkpoint';
import { readRunConfig } from '../../lib/train/load-run';
import { readMetrics, rowBlockLosses, runPaths } from '../../lib/train/run-folder';
import { resumeTraining, runTraining, StepEvent } from '../../lib/train/run-training';
import { DatasetInfo, PAPER_OPTIMIZER, resolveTrainConfig, TrainConfig } from '../../lib/train/train-config';
import { fixedViews, removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from './tiny-run';

const tiny: DatasetInfo = { name: 'tiny-bars', imageShape: [8, 8, 3], numClasses: 4 };

/** A simultaneous run on one fixed batch (16 images) with AdamW; peak lr 0.5 * 16 / 256 = 1/32. */
function adamConfig(steps: number): TrainConfig {
  return {
    ...tinyConfig('simultaneous'),
    optimizer: { kind: 'adam', adam: { weightDecay: 0.01, decoupled: true }, baseLr: 0.5, warmupEpochs: 0 },
    data: { batchSize: 16, steps, validationFraction: 0, views: fixedViews() },
  };
}

describe('training with Adam (optimizer.kind: adam)', () => {
  after(removeTempDirs);

  it('resolves Adam settings to all of them, at Adam\'s defaults, and leaves LARS configs as they were', () => {
    const r = resolveTrainConfig({ ...tinyConfig('simultaneous'), optimizer: { kind: 'adam', adam: { beta2: 0.99 } } }, tiny);
    assert.deepStrictEqual(r.optimizer, { ...PAPER_OPTIMIZER, kind: 'adam', adam: { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, decoupled: false } });
    const d = resolveTrainConfig({ ...tinyConfig('simultaneous'), optimizer: { kind: 'adam' } }, tiny);
    assert.deepStrictEqual(d.optimizer.adam, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });
    const lars = resolveTrainConfig({ ...tinyConfig('simultaneous'), optimizer: {} }, tiny);
    assert.deepStrictEqual(lars.optimizer, PAPER_OPTIMIZER);
    assert.ok(!('kind' in lars.optimizer) && !('adam' in lars.optimizer));
  });

  it('rejects a wrong kind, Adam settings without kind adam, and bad Adam settings, naming them', () => {
    const bad: [TrainConfig, RegExp][] = [
      [{ ...tinyConfig('simultaneous'), optimizer: { kind: 'Adam' as never } }, /optimizer\.kind must be one of 'lars', 'adam', got the string "Adam" \(did you mean adam\?\)/],
      [{ ...tinyConfig('simultaneous'), optimizer: { adam: { beta1: 0.8 } } }, /optimizer.adam is set, but optimizer.kind is not 'adam'/],
      [{ ...tinyConfig('simultaneous'), optimizer: { kind: 'lars', adam: {} } }, /optimizer.adam is set, but optimizer.kind is not 'adam'/],
      [{ ...tinyConfig('simultaneous'), optimizer: { kind: 'adam', adam: { beta1: 1.5 } } }, /optimizer.adam: Adam: beta1 1.5 is not a number in \[0, 1\)/],
      [{ ...tinyConfig('simultaneous'), optimizer: { kind: 'adam', adam: { eps: -1 } } }, /optimizer.adam: Adam: eps -1/],
      [{ ...tinyConfig('simultaneous'), optimizer: { kind: 'adam', adam: { betaOne: 0.9 } as never } }, /optimizer.adam.betaOne is not a setting/],
    ];
    for (const [config, message] of bad) assert.throws(() => resolveTrainConfig(config, tiny), message);
  });

  it('a tiny simultaneous run trains with AdamW: every block loss goes down, the checkpoint holds the moments and step counts', async () => {
    const dir = tempRunDir('adam');
    const events: StepEvent[] = [];
    const result = await runTraining(adamConfig(8), { runDir: dir, dataset: tinyDataset(16), onStep: (e) => events.push(e) });
    assert.strictEqual(result.status, 'completed');
    for (let k = 0; k < 4; k++) {
      const [first, last] = [events[0].blockLosses[k], events[7].blockLosses[k]];
      assert.ok(last < 0.8 * first, `block ${k + 1}: loss ${first} -> ${last}`);
    }
    assert.deepStrictEqual(readRunConfig(dir).optimizer.adam, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true });
    assert.strictEqual(events[0].lr, 1 / 32);
    const ckpt = await readCheckpoint(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
    const weights = Object.keys(ckpt.weights).filter((n) => !/running_(mean|var)|num_batches/.test(n));
    const stepKeys = Object.keys(ckpt.optimizer).filter((k) => k.endsWith(':step'));
    assert.ok(stepKeys.length > 0);
    for (const key of stepKeys) {
      assert.deepStrictEqual(ckpt.optimizer[key], { shape: [], values: Float32Array.of(8) }, key);
      const name = key.slice(0, -':step'.length);
      assert.ok(weights.includes(name), `${key} names a parameter`);
      for (const moment of [':exp_avg', ':exp_avg_sq']) assert.deepStrictEqual(ckpt.optimizer[name + moment].shape, ckpt.weights[name].shape);
    }
  });

  it('a run stopped after 3 steps and resumed ends bit for bit as an uninterrupted one (weights, Adam state, losses)', async () => {
    const dataset = tinyDataset(16);
    const config = { ...adamConfig(6), checkpoint: { everySteps: null, keep: 100 } };
    const straight = tempRunDir('adam-straight');
    await runTraining(config, { runDir: straight, dataset });
    const split = tempRunDir('adam-split');
    const first = await runTraining(config, { runDir: split, dataset, stopAtStep: 3 });
    assert.deepStrictEqual([first.status, first.step], ['stopped', 3]);
    const r = await resumeTraining(split, { dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 6]);
    const last = async (dir: string) => readCheckpoint(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
    const [a, b] = [await last(straight), await last(split)];
    for (const section of ['weights', 'optimizer'] as const) {
      assert.deepStrictEqual(Object.keys(b[section]).sort(), Object.keys(a[section]).sort(), section);
      for (const [n, t] of Object.entries(a[section])) {
        assert.ok(t.values.every((v, i) => Object.is(v, b[section][n].values[i])), `${section} ${n} differs`);
      }
    }
    const losses = (dir: string) => readMetrics(dir).map(rowBlockLosses);
    assert.deepStrictEqual(losses(split), losses(straight));
  });
});
