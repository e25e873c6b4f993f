import * as assert from 'assert';
import { fig16Config, parseArgs } from '../../bench/tfjs_bench';

describe('bench: tfjs_bench options (no timing)', () => {
  it('parses the pipeline parts and the whole-run task', () => {
    assert.strictEqual(parseArgs(['--task', 'pipeline', '--part', 'train']).part, 'train');
    assert.strictEqual(parseArgs(['--task', 'pipeline']).part, 'fused');
    assert.strictEqual(parseArgs(['--task', 'pipeline', '--part', 'fused-bicubic']).part, 'fused-bicubic');
    const run = parseArgs(['--task', 'run', '--steps', '60', '--threads', '2']);
    assert.deepStrictEqual([run.task, run.steps, run.threads], ['run', 60, 2]);
    assert.throws(() => parseArgs(['--task', 'pipeline', '--part', 'nope']), /--part must be/);
    assert.throws(() => parseArgs(['--task', 'walk']), /--task must be/);
  });

  it('builds the fig16 cpu configs it times: batch 128, 24x24 views, a run of the given length', () => {
    const run = fig16Config('end-to-end', { steps: 60 });
    assert.deepStrictEqual([run.method, run.data.batchSize, run.data.steps], ['end-to-end', 128, 60]);
    assert.strictEqual(fig16Config('sequential-cbe', { method: 'simultaneous' }).method, 'simultaneous');
    assert.strictEqual(fig16Config('end-to-end', { steps: 10 }).optimizer.warmupEpochs, 0);
  });
});
