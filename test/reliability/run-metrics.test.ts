import * as assert from 'assert';
import * as fs from 'fs';
import { readMetrics, runPaths, truncateMetrics } from '../../lib/train/run-folder';
import { resumeTraining, runTraining } from '../../lib/train/run-training';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';

describe('reliability: metrics.jsonl', () => {
  after(removeTempDirs);
  const dataset = tinyDataset();

  it('a kill while resume rewrites metrics.jsonl loses no line (temporary file, then rename)', async () => {
    const dir = tempRunDir('metrics-kill');
    await runTraining({ ...tinyConfig('simultaneous'), data: { ...tinyConfig('simultaneous').data, steps: 6 } }, { runDir: dir, dataset, stopAtStep: 5 });
    const file = runPaths(dir).metrics;
    // 400 more lines after the checkpoint, as a long run killed well after its last checkpoint would have.
    const extra = Array.from({ length: 400 }, (_, i) => JSON.stringify({ ...readMetrics(dir)[4], step: 5 + i })).join('\n');
    fs.appendFileSync(file, `${extra}\n`);
    const before = fs.readFileSync(file, 'utf8');
    // The process dies half way through writing whatever file it writes.
    const nodeFs = require('fs') as { writeFileSync: typeof fs.writeFileSync };
    const realWrite = nodeFs.writeFileSync;
    nodeFs.writeFileSync = (target: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView) => {
      const text = String(data);
      realWrite(target, text.slice(0, Math.floor(text.length / 2)));
      throw new Error('killed');
    };
    try {
      assert.throws(() => truncateMetrics(dir, 2), /killed/);
    } finally {
      nodeFs.writeFileSync = realWrite;
    }
    assert.strictEqual(fs.readFileSync(file, 'utf8'), before, 'metrics.jsonl is as it was');
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'the temporary file is removed');
    // Nothing to drop: the file is not rewritten at all.
    const mtime = fs.statSync(file).mtimeMs;
    truncateMetrics(dir, 1000);
    assert.strictEqual(fs.statSync(file).mtimeMs, mtime);
    const r = await resumeTraining(dir, { dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 6]);
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3, 4, 5]);
  });
});
