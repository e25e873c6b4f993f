import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readMetrics, runPaths } from '../../lib/train/run-folder';
import { resumeTraining, runTraining, TrainingResult } from '../../lib/train/run-training';
import { TrainConfig } from '../../lib/train/train-config';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';

function config(steps: number): TrainConfig {
  const base = tinyConfig('simultaneous');
  return { ...base, data: { ...base.data, steps } };
}

/** A pid that no process has: that of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('reliability: the run lock (two trainings of one folder)', () => {
  after(removeTempDirs);
  const dataset = tinyDataset();

  it('a second resume of a folder that one is training in fails naming the process; the first is unharmed', async () => {
    const dir = tempRunDir('lock-race');
    await runTraining(config(8), { runDir: dir, dataset, stopAtStep: 2 });
    let second: Promise<TrainingResult> | null = null;
    const first = await resumeTraining(dir, {
      dataset,
      onStep: (e) => {
        if (e.step !== 3) return;
        second = resumeTraining(dir, { dataset });
        second.catch(() => undefined); // checked below
      },
    });
    assert.deepStrictEqual([first.status, first.step], ['completed', 8]);
    assert.ok(second !== null);
    await assert.rejects(second!, new RegExp(`resumeTraining: ${dir} is in use by process ${process.pid} since .* \\(${dir}/run\\.lock\\)`));
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(!fs.existsSync(path.join(dir, 'run.lock')), 'the lock is released at the end');
    // A new run in a folder being trained in is refused too.
    const other = tempRunDir('lock-new');
    let fresh: Promise<TrainingResult> | null = null;
    const start = (): void => {
      fresh = runTraining(config(2), { runDir: other, dataset });
      fresh.catch(() => undefined); // checked below
    };
    await runTraining(config(2), { runDir: other, dataset, onStep: () => fresh ?? start() });
    await assert.rejects(fresh!, /runTraining: .* is not empty|is in use by process/);
  });

  it('two runs of one process in different folders train side by side', async () => {
    const a = tempRunDir('lock-a');
    const b = tempRunDir('lock-b');
    const [ra, rb] = await Promise.all([runTraining(config(4), { runDir: a, dataset }), runTraining(config(4), { runDir: b, dataset })]);
    assert.deepStrictEqual([ra.status, rb.status, ra.step, rb.step], ['completed', 'completed', 4, 4]);
    assert.deepStrictEqual(readMetrics(a).map((m) => m.loss), readMetrics(b).map((m) => m.loss));
  });

  it('another process holding the lock blocks a resume until it is killed (kill -9), then the resume goes on', async () => {
    const dir = tempRunDir('lock-process');
    await runTraining(config(4), { runDir: dir, dataset, stopAtStep: 2 });
    const lockModule = path.join(__dirname, '..', '..', 'lib', 'train', 'run-lock.js');
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(lockModule)}).lockRunFolder(${JSON.stringify(dir)}, 'child'); console.log('locked'); setInterval(() => {}, 1000);`]);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        child.on('exit', () => reject(new Error('the child ended before locking')));
      });
      await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`is in use by process ${child.pid} since`));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const r = await resumeTraining(dir, { dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 4]);
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3]);
  });

  it('a lock left by a killed process is taken over; one of another machine is not', async () => {
    const dir = tempRunDir('lock-stale');
    await runTraining(config(4), { runDir: dir, dataset, stopAtStep: 2 });
    const lock = path.join(runPaths(dir).dir, 'run.lock');
    const pid = deadPid();
    fs.writeFileSync(lock, JSON.stringify({ pid, hostname: os.hostname(), since: '2026-01-01T00:00:00.000Z', token: 'killed' }));
    const r = await resumeTraining(dir, { dataset, stopAtStep: 3 });
    assert.deepStrictEqual([r.status, r.step], ['stopped', 3]);
    assert.ok(!fs.existsSync(lock));
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, hostname: 'gpu-node-7', since: '2026-01-01T00:00:00.000Z', token: 'remote' }));
    await assert.rejects(
      resumeTraining(dir, { dataset }),
      new RegExp(`is in use by process ${process.pid} on gpu-node-7 since 2026-01-01T00:00:00.000Z .*; if it no longer runs, delete ${lock}`),
    );
    fs.writeFileSync(lock, '{"pid": 12');
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`${lock} exists but is unreadable; if no run trains in`));
    fs.rmSync(lock);
    assert.strictEqual((await resumeTraining(dir, { dataset })).step, 4);
  });
});
