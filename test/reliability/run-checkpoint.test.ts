import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Checkpoint, checkpointFile, listCheckpoints, readCheckpoint, writeCheckpoint } from '../../lib/train/checkpoint';
import { readMetrics, RunStatus, runPaths } from '../../lib/train/run-folder';
import { resumeTraining, runTraining } from '../../lib/train/run-training';
import { TrainConfig } from '../../lib/train/train-config';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';
import { cli } from './run-cli-helpers';

function sample(): Checkpoint {
  return {
    state: { step: 3, phase: 0, dataset: { name: 'tiny', size: 32, imageShape: [8, 8, 3] }, written: '2026-01-01T00:00:00.000Z' },
    weights: { 'a.weight': { shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 4, -0, 1e-30]) }, b: { shape: [1], values: Float32Array.from([7]) } },
    optimizer: { 'a.weight': { shape: [2, 3], values: Float32Array.from([0.25, 0, 0, 0, 0, -1]) } },
  };
}

/** A checkpoint file as written before checksums: the same layout, the header without `sha256`. */
function oldFormatBytes(c: Checkpoint): Buffer {
  const tensors: { section: string; name: string; shape: number[]; offset: number }[] = [];
  const data: Float32Array[] = [];
  let offset = 0;
  for (const section of ['weights', 'optimizer'] as const) {
    for (const [name, t] of Object.entries(c[section])) {
      tensors.push({ section, name, shape: t.shape, offset });
      data.push(t.values);
      offset += t.values.length;
    }
  }
  const json = Buffer.from(JSON.stringify({ format: 'blockwise-ssl-checkpoint', version: 1, state: c.state, tensors }), 'utf8');
  const prefix = Buffer.alloc(12 + json.length + ((4 - ((12 + json.length) % 4)) % 4));
  prefix.write('BWSSLCK1', 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  json.copy(prefix, 12);
  return Buffer.concat([prefix, ...data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))]);
}

function status(dir: string): RunStatus {
  return JSON.parse(fs.readFileSync(runPaths(dir).status, 'utf8')) as RunStatus;
}

describe('reliability: checkpoints (checksum, non-finite weights, all deleted)', () => {
  after(removeTempDirs);
  const dataset = tinyDataset();

  it('a flipped bit in the values or in the header is an error naming the file; an old checkpoint without checksum loads', async () => {
    const dir = tempRunDir('ckpt-sum');
    const file = checkpointFile(dir, 3);
    await writeCheckpoint(file, sample());
    const bytes = fs.readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 9] ^= 0x10; // inside the optimizer's values
    fs.writeFileSync(file, flipped);
    await assert.rejects(readCheckpoint(file), new RegExp(`readCheckpoint: ${file} is damaged \\(its SHA-256 checksum is [0-9a-f]{64}, its header says [0-9a-f]{64}\\); delete it`));
    const header = Buffer.from(bytes);
    const at = header.indexOf('"step":3');
    header[at + 7] = '9'.charCodeAt(0); // the step, in the header's JSON
    fs.writeFileSync(file, header);
    await assert.rejects(readCheckpoint(file), /is damaged \(its SHA-256 checksum/);
    const garbled = Buffer.from(bytes);
    garbled[12] = 'x'.charCodeAt(0);
    fs.writeFileSync(file, garbled);
    await assert.rejects(readCheckpoint(file), new RegExp(`${file} is damaged \\(its header is not valid JSON`));
    fs.writeFileSync(file, oldFormatBytes(sample()));
    const old = await readCheckpoint(file);
    assert.deepStrictEqual(old.state, sample().state);
    assert.deepStrictEqual(Array.from(old.weights['a.weight'].values), Array.from(sample().weights['a.weight'].values));
  });

  it('resume refuses a damaged newest checkpoint, naming it', async () => {
    const dir = tempRunDir('ckpt-resume-damaged');
    await runTraining(tinyConfig('simultaneous'), { runDir: dir, dataset, stopAtStep: 3 });
    const newest = checkpointFile(runPaths(dir).checkpoints, 3);
    const bytes = fs.readFileSync(newest);
    bytes[bytes.length - 1] ^= 0x01;
    fs.writeFileSync(newest, bytes);
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`${newest} is damaged .*; delete it to resume from the checkpoint before it`));
    fs.rmSync(newest);
    assert.strictEqual((await resumeTraining(dir, { dataset })).step, 8);
  });

  it('weights that turn non-finite are never saved as a checkpoint, nor called good', async () => {
    const dir = tempRunDir('ckpt-nan');
    // A learning rate beyond float32 turns the weights infinite in the first update; the first loss is finite.
    const config: TrainConfig = { ...tinyConfig('simultaneous'), optimizer: { baseLr: 1e300, warmupEpochs: 0 }, checkpoint: { everySteps: 1, keep: 3 } };
    const err = await runTraining(config, { runDir: dir, dataset }).then(
      () => assert.fail('the run did not stop'),
      (e: Error) => e,
    );
    assert.match(err.message, /^training stopped after step 0: '[\w.]+' holds (NaN|-?Infinity) at index \d+, so no checkpoint is written\. The last good checkpoint is none \(no checkpoint had been written\)\.$/);
    assert.deepStrictEqual(listCheckpoints(runPaths(dir).checkpoints), []);
    assert.deepStrictEqual([status(dir).state, status(dir).message], ['failed', err.message]);
    assert.strictEqual(readMetrics(dir).length, 1);
  });

  it('a checkpoint holding NaN (written by an older version) is refused on resume, naming it', async () => {
    const dir = tempRunDir('ckpt-old-nan');
    await runTraining(tinyConfig('simultaneous'), { runDir: dir, dataset, stopAtStep: 2 });
    const file = checkpointFile(runPaths(dir).checkpoints, 2);
    const c = await readCheckpoint(file);
    const name = Object.keys(c.weights)[0];
    c.weights[name].values[0] = NaN;
    fs.writeFileSync(file, oldFormatBytes(c));
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`resumeTraining: ${file} holds non-finite weights \\('${name.replace(/\./g, '\\.')}' holds NaN at index 0\\)`));
  });

  it('resume with every checkpoint deleted refuses to start over, unless asked (restart / --restart)', async () => {
    const dir = tempRunDir('ckpt-gone');
    await runTraining(tinyConfig('simultaneous'), { runDir: dir, dataset, stopAtStep: 5 });
    for (const c of listCheckpoints(runPaths(dir).checkpoints)) fs.rmSync(c.file);
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`resumeTraining: ${runPaths(dir).dir} has no checkpoint left \\(its status names .*step-00000005\\.ckpt\\); resuming would start over from step 0\\. Pass restart`));
    assert.strictEqual(readMetrics(dir).length, 5, 'the metrics are kept');
    assert.match((await cli('resume', '--help')).stdout, /--restart +start over from step 0 when every checkpoint of the run is gone/);
    const r = await resumeTraining(dir, { dataset, restart: true });
    assert.deepStrictEqual([r.status, r.step], ['completed', 8]);
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7]);
    // A run killed before its first checkpoint has nothing to lose: it starts over without being asked.
    const early = tempRunDir('ckpt-none-yet');
    await runTraining({ ...tinyConfig('simultaneous'), checkpoint: { everySteps: null, keep: 3 } }, { runDir: early, dataset, stopAtStep: 1 });
    for (const c of listCheckpoints(runPaths(early).checkpoints)) fs.rmSync(c.file);
    fs.writeFileSync(runPaths(early).status, JSON.stringify({ ...status(early), state: 'running', lastCheckpoint: null }));
    assert.strictEqual((await resumeTraining(early, { dataset })).step, 8);
    assert.ok(fs.existsSync(path.join(runPaths(early).checkpoints, 'step-00000008.ckpt')));
  });
});
