import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkpointFile, listCheckpoints, readCheckpoint } from '../../lib/train/checkpoint';
import { NonFiniteLossError } from '../../lib/train/non-finite-loss-error';
import { readMetrics, readRunDatasetSource, rowBlockLosses, RunStatus, runPaths, StepMetrics } from '../../lib/train/run-folder';
import { CheckpointEvent, resumeTraining, runTraining } from '../../lib/train/run-training';
import { TrainConfig } from '../../lib/train/train-config';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from './tiny-run';

/**
 * Random views, feature noise and 4 batches per epoch (32 training images, batch 8): everything a resumed
 * run must replay. Checkpoints every 3 steps and at epoch ends (4, 8).
 */
function randomConfig(method: 'simultaneous' | 'sequential', steps: number): TrainConfig {
  const base = tinyConfig(method);
  return {
    ...base,
    model: { ...base.model, noise: { sigma: 0.25, variant: 'element' } },
    data: { ...base.data, steps },
    checkpoint: { everySteps: 3, keep: 100 },
  };
}

async function finalState(dir: string) {
  const ckpt = await readCheckpoint(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
  return { step: ckpt.state.step, weights: ckpt.weights, optimizer: ckpt.optimizer };
}

function sameTensors(a: Record<string, { shape: number[]; values: Float32Array }>, b: typeof a, what: string): void {
  assert.deepStrictEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${what}: names differ`);
  for (const n of Object.keys(a)) {
    assert.deepStrictEqual(a[n].shape, b[n].shape, `${what} ${n}: shape`);
    assert.ok(a[n].values.every((v, i) => Object.is(v, b[n].values[i])), `${what} ${n}: values differ`);
  }
}

/** The deterministic part of the metrics (timings dropped). */
function losses(ms: StepMetrics[]) {
  return ms.map((m) => ({ step: m.step, epoch: m.epoch, phase: m.phase, blockLosses: rowBlockLosses(m), loss: m.loss, lr: m.lr }));
}

function status(dir: string): RunStatus {
  return JSON.parse(fs.readFileSync(runPaths(dir).status, 'utf8')) as RunStatus;
}

describe('resumeTraining', () => {
  after(removeTempDirs);
  const dataset = tinyDataset();

  const cases = [
    {
      method: 'simultaneous' as const,
      everySteps: 3,
      stops: [5],
      reasons: [['interval', 'epoch', 'stop'], ['interval', 'epoch', 'interval', 'end']],
    },
    {
      // 4 phases of 2, 3, 2, 3 steps. Step 6 falls inside block 2's phase, so its optimiser state is restored;
      // step 7 ends a phase, so the resumed run starts block 3 with a fresh optimiser.
      method: 'sequential' as const,
      everySteps: null,
      stops: [6, 7],
      reasons: [['phase', 'epoch', 'phase', 'stop'], ['phase'], ['epoch', 'end']],
    },
  ];
  for (const { method, everySteps, stops, reasons } of cases) {
    it(`${method}: 10 steps straight = stop at ${stops.join(', ')} + resume, bit for bit (weights, statistics, optimiser state, losses)`, async () => {
      const config: TrainConfig = { ...randomConfig(method, 10), checkpoint: { everySteps, keep: 100 } };
      const straight = tempRunDir(`${method}-straight`);
      await runTraining(config, { runDir: straight, dataset });
      const split = tempRunDir(`${method}-split`);
      const seen: CheckpointEvent['reason'][][] = [];
      const onCheckpoint = (e: CheckpointEvent): number => seen[seen.length - 1].push(e.reason);
      seen.push([]);
      const first = await runTraining(config, { runDir: split, dataset, stopAtStep: stops[0], onCheckpoint });
      assert.deepStrictEqual([first.status, first.step], ['stopped', stops[0]]);
      assert.strictEqual(status(split).state, 'stopped');
      for (const stop of [...stops.slice(1), undefined]) {
        seen.push([]);
        const r = await resumeTraining(split, { dataset, stopAtStep: stop, onCheckpoint });
        assert.deepStrictEqual([r.status, r.step], stop === undefined ? ['completed', 10] : ['stopped', stop]);
      }
      assert.deepStrictEqual(seen, reasons);
      const a = await finalState(straight);
      const b = await finalState(split);
      assert.strictEqual(b.step, 10);
      sameTensors(a.weights, b.weights, 'weights');
      sameTensors(a.optimizer, b.optimizer, 'optimizer');
      assert.deepStrictEqual(losses(readMetrics(split)), losses(readMetrics(straight)));
    });
  }

  it('views on a worker thread and on the training thread give the same run bit for bit; the tensor-op path the same up to float32 rounding', async () => {
    const config = randomConfig('simultaneous', 6);
    const runs: Record<string, string> = {};
    for (const views of ['worker', 'main', 'tensor'] as const) {
      runs[views] = tempRunDir(`views-${views}`);
      await runTraining(config, { runDir: runs[views], dataset, views });
    }
    const [worker, main, tensor] = await Promise.all([finalState(runs.worker), finalState(runs.main), finalState(runs.tensor)]);
    sameTensors(worker.weights, main.weights, 'weights');
    assert.deepStrictEqual(losses(readMetrics(runs.worker)), losses(readMetrics(runs.main)));
    const blockLosses = (dir: string): number[] => readMetrics(dir).flatMap((m) => rowBlockLosses(m).filter((v): v is number => v !== null));
    const a = blockLosses(runs.worker);
    const b = blockLosses(runs.tensor);
    assert.ok(a.length >= 6, `${a.length} block losses`);
    assert.strictEqual(a.length, b.length);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-3 * Math.abs(b[i]), `loss ${i}: ${v} (fused) vs ${b[i]} (tensor ops)`));
    assert.strictEqual(tensor.step, 6);
  });

  it('a run stopped on the worker path and resumed on the main-thread path ends bit for bit as an uninterrupted run', async () => {
    const config: TrainConfig = { ...randomConfig('simultaneous', 8), checkpoint: { everySteps: null, keep: 100 } };
    const straight = tempRunDir('paths-straight');
    await runTraining(config, { runDir: straight, dataset, views: 'worker' });
    const split = tempRunDir('paths-split');
    await runTraining(config, { runDir: split, dataset, stopAtStep: 3, views: 'worker' });
    await resumeTraining(split, { dataset, views: 'main' });
    sameTensors((await finalState(straight)).weights, (await finalState(split)).weights, 'weights');
  });

  it('names an unknown view path', async () => {
    await assert.rejects(runTraining(randomConfig('simultaneous', 2), { runDir: tempRunDir('bad-views'), dataset, views: 'gpu' as never }), /views must be 'worker', 'main' or 'tensor', got 'gpu'/);
  });

  it('a killed run loses only the steps since its last checkpoint, and its extra metrics are rewritten', async () => {
    const config = randomConfig('simultaneous', 10);
    const straight = tempRunDir('kill-straight');
    await runTraining(config, { runDir: straight, dataset });
    const killed = tempRunDir('killed');
    await runTraining(config, { runDir: killed, dataset, stopAtStep: 8 });
    // As if killed during step 8: the checkpoint after step 6 is the newest, metrics already hold steps 6 and 7.
    fs.rmSync(checkpointFile(runPaths(killed).checkpoints, 8));
    fs.appendFileSync(runPaths(killed).metrics, '{"step": 8, "ep');
    assert.strictEqual(readMetrics(killed).length, 8);
    let firstStep = -1;
    await resumeTraining(killed, { dataset, onStep: (e) => (firstStep = firstStep < 0 ? e.step : firstStep) });
    assert.strictEqual(firstStep, 6);
    const a = await finalState(straight);
    const b = await finalState(killed);
    sameTensors(a.weights, b.weights, 'weights');
    assert.deepStrictEqual(losses(readMetrics(killed)), losses(readMetrics(straight)));
  });

  it('an aborted run stops after the current step with a checkpoint', async () => {
    const controller = new AbortController();
    const dir = tempRunDir('abort');
    const result = await runTraining(randomConfig('simultaneous', 10), {
      runDir: dir,
      dataset,
      signal: controller.signal,
      onStep: (e) => e.step === 1 && controller.abort(),
    });
    assert.deepStrictEqual([result.status, result.step, result.checkpoint], ['stopped', 2, checkpointFile(runPaths(dir).checkpoints, 2)]);
    assert.strictEqual(readMetrics(dir).length, 2);
  });

  it('a timer aborts a run whose batches and views never wait: the loop gives the event loop a turn every step', async () => {
    const controller = new AbortController();
    const dir = tempRunDir('timer-abort');
    const timer = setTimeout(() => controller.abort(), 0);
    // No checkpoint before the end: nothing else in the run waits on the file system.
    const config: TrainConfig = { ...randomConfig('simultaneous', 3), checkpoint: { everySteps: null, keep: 1 } };
    const result = await runTraining(config, { runDir: dir, dataset, views: 'main', signal: controller.signal });
    clearTimeout(timer);
    assert.strictEqual(result.status, 'stopped');
    assert.ok(result.step < 3, `stopped after ${result.step} of 3 steps`);
  });

  it('records the dataset source given in dataset.json, once: a resume keeps it; without a source there is none', async () => {
    const dir = tempRunDir('source');
    const source = { name: 'tiny-bars', path: '/data/tiny-bars.tar.gz', imageSize: 8 };
    await runTraining(randomConfig('simultaneous', 4), { runDir: dir, dataset, source, stopAtStep: 2 });
    const file = path.join(runPaths(dir).dir, 'dataset.json');
    assert.strictEqual(fs.readFileSync(file, 'utf8'), `${JSON.stringify(source, null, 2)}\n`);
    await resumeTraining(dir, { dataset, source: { name: 'other' } });
    assert.deepStrictEqual(readRunDatasetSource(dir, 'unused'), source);
    const bare = tempRunDir('no-source');
    await runTraining(randomConfig('simultaneous', 2), { runDir: bare, dataset });
    assert.ok(!fs.existsSync(path.join(runPaths(bare).dir, 'dataset.json')));
    assert.deepStrictEqual(readRunDatasetSource(bare, 'tiny-bars'), { name: 'tiny-bars' });
  });

  it('refuses a run folder that is not empty, and a resume on another dataset', async () => {
    const dir = tempRunDir('refuse');
    await runTraining(randomConfig('simultaneous', 2), { runDir: dir, dataset });
    await assert.rejects(runTraining(randomConfig('simultaneous', 2), { runDir: dir, dataset }), /is not empty; resume it with resumeTraining/);
    await assert.rejects(resumeTraining(dir, { dataset: tinyDataset(48) }), /was trained on/);
  });

  it('a non-finite loss stops the run naming the block and the step, keeping the last good checkpoint', async () => {
    const dir = tempRunDir('nan');
    // A learning rate of 6e28 blows the weights up at the first step; the second step's losses are NaN.
    const config: TrainConfig = { ...randomConfig('simultaneous', 10), optimizer: { baseLr: 1e30, warmupEpochs: 0 }, checkpoint: { everySteps: 1, keep: 2 } };
    const err = await runTraining(config, { runDir: dir, dataset }).then(
      () => assert.fail('the run did not stop'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NonFiniteLossError, String(err));
    const good = checkpointFile(runPaths(dir).checkpoints, 1);
    assert.strictEqual(err.step, 1);
    assert.strictEqual(err.lastCheckpoint, good);
    assert.match(err.message, new RegExp(`^training stopped at step 1: block ${err.block + 1} loss is (NaN|-?Infinity)\\. The last good checkpoint is ${good}\\.$`));
    assert.deepStrictEqual(listCheckpoints(runPaths(dir).checkpoints).map((c) => c.file), [good]);
    assert.deepStrictEqual([status(dir).state, status(dir).step, status(dir).message], ['failed', 1, err.message]);
    assert.strictEqual(readMetrics(dir).length, 1);
  });
});
