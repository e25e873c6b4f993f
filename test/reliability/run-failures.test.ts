import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkpointFile, listCheckpoints } from '../../lib/train/checkpoint';
import { readMetrics, RunStatus, runPaths } from '../../lib/train/run-folder';
import { resumeTraining, runTraining } from '../../lib/train/run-training';
import { TrainConfig } from '../../lib/train/train-config';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';
import { cli, HAVE_FASHION_MNIST, madeDir, removeMade, tinyFashionConfig } from './run-cli-helpers';

function withData(data: TrainConfig['data'], extra: Partial<TrainConfig> = {}): TrainConfig {
  const base = tinyConfig('simultaneous');
  return { ...base, data: { ...base.data, ...data }, ...extra };
}

function status(dir: string): RunStatus {
  return JSON.parse(fs.readFileSync(runPaths(dir).status, 'utf8')) as RunStatus;
}

const HAVE_DEV_FULL = fs.existsSync('/dev/full');

describe('reliability: runs that fail (plan errors, full disk, hostile command lines)', () => {
  after(() => {
    removeTempDirs();
    removeMade();
  });
  const dataset = tinyDataset();

  it('a plan error (batch larger than the dataset, a warm-up longer than the run) leaves no folder: the retry works', async () => {
    const dir = tempRunDir('plan');
    await assert.rejects(runTraining(withData({ batchSize: 64 }), { runDir: dir, dataset }), /trainingPlan: 32 training images do not fill one batch of 64/);
    assert.ok(!fs.existsSync(dir), 'no run folder');
    await assert.rejects(
      runTraining(withData({ steps: 4 }, { method: 'sequential', optimizer: { warmupEpochs: 1 } }), { runDir: dir, dataset }),
      /warm-up epochs \(4 steps\) do not fit/,
    );
    assert.ok(!fs.existsSync(dir), 'no run folder');
    const r = await runTraining(withData({ steps: 2 }), { runDir: dir, dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 2]);
  });

  it('a full disk while appending metrics or writing a checkpoint names the file, marks the run failed and releases it', async function () {
    if (!HAVE_DEV_FULL) this.skip();
    const dir = tempRunDir('full');
    const metrics = runPaths(dir).metrics;
    let kept = '';
    const fill = (): void => {
      kept = fs.readFileSync(metrics, 'utf8');
      fs.rmSync(metrics);
      fs.symlinkSync('/dev/full', metrics);
    };
    await assert.rejects(
      runTraining(withData({ steps: 8 }), { runDir: dir, dataset, onStep: (e) => e.step === 2 && fill() }),
      new RegExp(`^Error: cannot append to ${metrics}: ENOSPC: no space left on device`),
    );
    assert.strictEqual(status(dir).state, 'failed');
    assert.match(status(dir).message!, /cannot append to .*metrics\.jsonl: ENOSPC/);
    assert.ok(!fs.existsSync(path.join(dir, 'run.lock')));
    // Space again: the run resumes from its last checkpoint (after 2 steps).
    fs.rmSync(metrics);
    fs.writeFileSync(metrics, kept);
    assert.strictEqual((await resumeTraining(dir, { dataset, stopAtStep: 3 })).step, 3);
    // A checkpoint write that fails leaves no temporary file and keeps the last checkpoint good.
    const next = checkpointFile(runPaths(dir).checkpoints, 4);
    fs.symlinkSync('/dev/full', `${next}.tmp-${process.pid}`);
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`writeCheckpoint: cannot write ${next}: ENOSPC`));
    assert.deepStrictEqual(fs.readdirSync(runPaths(dir).checkpoints).filter((f) => f.includes('.tmp-')), []);
    assert.deepStrictEqual(listCheckpoints(runPaths(dir).checkpoints).pop()!.step, 3);
    const r = await resumeTraining(dir, { dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 8]);
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('hostile command lines are usage errors naming the problem, before any folder is written', async () => {
    const out = path.join(madeDir('hostile'), 'run');
    const cases: [string[], RegExp][] = [
      [['train', '--steps', '-5'], /--steps needs an integer >= 0, got '-5'/],
      [['train', '--steps', 'NaN'], /--steps needs an integer >= 0, got 'NaN'/],
      [['train', '--steps', '0'], /--steps must be at least 1/],
      [['train', '--steps', '1e3'], /--steps needs an integer >= 0, got '1e3'/],
      [['train', '--epochs', 'NaN'], /--epochs needs a number, got 'NaN'/],
      [['train', '--epochs', '-1'], /--epochs must be > 0, got -1/],
      [['train', '--epochs', '1e400'], /--epochs needs a number, got '1e400'/],
      [['train', '--batch-size', '1'], /--batch-size must be at least 2/],
      [['train', '--warmup-epochs', '-2'], /--warmup-epochs must be >= 0, got -2/],
      [['train', '--step', '5'], /unknown option '--step' \(did you mean --steps\?\)/],
      [['train', '--overwrite=yes'], /--overwrite takes no value/],
      [['train', '--seed', '1', '--seed', '2'], /--seed is given twice/],
      [['train', '--config', '/no/such/config.json'], /--config \/no\/such\/config\.json does not exist/],
      [['resume', '--restart'], /resume: missing <runDir>/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...(argv[0] === 'train' ? [...argv, '--out', out] : argv));
      assert.strictEqual(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(' '));
    }
    assert.ok(!fs.existsSync(out));
  });

  it('train with a batch larger than the dataset fails before writing, and leaves nothing that blocks the retry', async function () {
    if (!HAVE_FASHION_MNIST) this.skip();
    const dir = madeDir('big-batch');
    const file = path.join(dir, 'big.json');
    fs.writeFileSync(file, JSON.stringify({ ...tinyFashionConfig(), data: { batchSize: 100000, steps: 1 } }));
    const out = path.join(dir, 'run');
    const r = await cli('train', '--config', file, '--out', out, '--no-probe');
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /trainingPlan: 54000 training images do not fill one batch of 100000/);
    assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'nothing blocks the retry');
    fs.writeFileSync(file, JSON.stringify(tinyFashionConfig(1)));
    const retry = await cli('train', '--config', file, '--out', out, '--no-probe');
    assert.strictEqual(retry.status, 0, retry.stderr);
  });
});
