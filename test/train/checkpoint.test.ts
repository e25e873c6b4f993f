import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Checkpoint, checkpointFile, listCheckpoints, moduleTensors, pruneCheckpoints, readCheckpoint, restoreVariables, writeCheckpoint } from '../../lib/train/checkpoint';
import { appendTableRows, readMetrics, runPaths, StepMetrics, truncateMetrics } from '../../lib/train/run-folder';
import { deriveSeed } from '../../lib/train/seeds';
import { ReseedableRng } from '../../lib/train/reseedable-rng';
import { StepBatches } from '../../lib/train/training-data';
import { Rng } from '../../lib/nn/rng';
import { Linear } from '../../lib/nn/linear';
import { assertNoLeak } from '../helpers';
import { removeTempDirs, tempRunDir, tinyDataset } from './tiny-run';

function sampleCheckpoint(): Checkpoint {
  return {
    state: { step: 12, phase: 1, dataset: { name: 'tiny', size: 32, imageShape: [8, 8, 3] }, written: '2026-01-01T00:00:00.000Z' },
    weights: {
      'a.weight': { shape: [2, 3], values: Float32Array.from([1, -2, 3.5, NaN, -0, 1e-30]) },
      scalar: { shape: [], values: Float32Array.from([7]) },
      empty: { shape: [0, 4], values: new Float32Array(0) },
    },
    optimizer: { 'a.weight': { shape: [2, 3], values: Float32Array.from([0.25, 0, 0, 0, 0, -1]) } },
  };
}

describe('checkpoints', () => {
  after(removeTempDirs);

  it('round-trip bit for bit through the binary format', async () => {
    const dir = tempRunDir('ckpt');
    const file = checkpointFile(dir, 12);
    assert.strictEqual(path.basename(file), 'step-00000012.ckpt');
    const c = sampleCheckpoint();
    await writeCheckpoint(file, c);
    const back = await readCheckpoint(file);
    assert.deepStrictEqual(back.state, c.state);
    for (const section of ['weights', 'optimizer'] as const) {
      assert.deepStrictEqual(Object.keys(back[section]), Object.keys(c[section]));
      for (const [n, t] of Object.entries(c[section])) {
        assert.deepStrictEqual(back[section][n].shape, t.shape);
        assert.ok(back[section][n].values.every((v, i) => Object.is(v, t.values[i])), n);
      }
    }
    // 8 magic + 4 length + header, padded to 4, then 6 + 1 + 0 + 6 float32 values.
    const size = fs.statSync(file).size;
    assert.strictEqual((size - 4 * 13) % 4, 0);
    assert.deepStrictEqual(fs.readdirSync(dir), ['step-00000012.ckpt']);
  });

  it('rejects a file that is not a checkpoint, and a truncated one', async () => {
    const dir = tempRunDir('ckpt-bad');
    const file = checkpointFile(dir, 1);
    await writeCheckpoint(file, sampleCheckpoint());
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(readCheckpoint(file), /has \d+ bytes, its index needs \d+/);
    fs.writeFileSync(file, 'not a checkpoint at all');
    await assert.rejects(readCheckpoint(file), /is not a blockwise-ssl checkpoint/);
  });

  it('lists, and prunes to the newest `keep`', async () => {
    const dir = tempRunDir('ckpt-list');
    for (const s of [10, 2, 30]) await writeCheckpoint(checkpointFile(dir, s), sampleCheckpoint());
    fs.writeFileSync(path.join(dir, 'step-00000040.ckpt.tmp-123'), 'torn');
    assert.deepStrictEqual(listCheckpoints(dir).map((c) => c.step), [2, 10, 30]);
    pruneCheckpoints(dir, 2);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['step-00000010.ckpt', 'step-00000030.ckpt']);
  });

  it('moduleTensors / restoreVariables copy a module exactly and check names and shapes first', async () => {
    const a = new Linear({ inFeatures: 3, outFeatures: 2 }, new Rng(1));
    const b = new Linear({ inFeatures: 3, outFeatures: 2 }, new Rng(2));
    const saved = moduleTensors(a);
    await assertNoLeak(() => restoreVariables(b.parameters(), saved));
    assert.deepStrictEqual(moduleTensors(b), saved);
    assert.throws(() => restoreVariables(b.parameters(), { weight: saved.weight }), /missing \[bias\]/);
    assert.throws(() => restoreVariables(b.parameters(), { ...saved, extra: saved.bias }), /unexpected \[extra\]/);
    assert.throws(() => restoreVariables(b.parameters(), { ...saved, bias: saved.weight }), /'bias' has shape \[3,2\]/);
    a.dispose();
    b.dispose();
  });
});

describe('run folder', () => {
  after(removeTempDirs);

  it('metrics: appended lines are read back, a torn last line is skipped, truncation keeps earlier steps', () => {
    const dir = tempRunDir('metrics');
    const m = (step: number): StepMetrics => ({ step, epoch: 0, phase: 0, lr: 0.1, loss: 1, block1Loss: 1, block2Loss: null, imagesPerSecond: 5, time: 't' });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(runPaths(dir).metrics, [0, 1, 2].map((s) => JSON.stringify(m(s))).join('\n') + '\n{"step": 3, "epo');
    assert.deepStrictEqual(readMetrics(dir), [m(0), m(1), m(2)]);
    truncateMetrics(dir, 2);
    assert.deepStrictEqual(readMetrics(dir), [m(0), m(1)]);
  });

  it('appendTableRows writes CSV with a header, quoting where needed, and checks the columns', () => {
    const file = path.join(tempRunDir('table'), 'probes.csv');
    appendTableRows(file, [{ block: 1, accuracy: 0.5, note: 'a, "b"' }]);
    appendTableRows(file, [{ accuracy: 0.75, block: 2, note: null }]);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'block,accuracy,note\n1,0.5,"a, ""b"""\n2,0.75,\n');
    assert.throws(() => appendTableRows(file, [{ block: 3 }]), /a row lacks \[accuracy,note\]/);
  });
});

describe('per-step randomness', () => {
  it('deriveSeed gives unrelated 32-bit seeds for neighbouring inputs, the same for the same inputs', () => {
    const seeds = [deriveSeed(1, 4, 0), deriveSeed(1, 4, 1), deriveSeed(1, 5, 0), deriveSeed(2, 4, 0)];
    assert.strictEqual(new Set(seeds).size, 4);
    assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
    assert.strictEqual(deriveSeed(1, 4, 1), seeds[1]);
  });

  it('ReseedableRng restarts its stream in place', () => {
    const r = new ReseedableRng(5);
    const ref = new Rng(5);
    assert.deepStrictEqual(r.normals(5), ref.normals(5));
    r.reseed(9);
    assert.deepStrictEqual([r.uniform(), r.int(100), ...r.normals(3)], (() => {
      const q = new Rng(9);
      return [q.uniform(), q.int(100), ...q.normals(3)];
    })());
  });

  it('StepBatches: each step a pure function of (seed, step), every epoch a permutation in full batches', async () => {
    const data = tinyDataset(20);
    const a = new StepBatches(data, 8, 3);
    const b = new StepBatches(data, 8, 3);
    assert.strictEqual(a.stepsPerEpoch, 2);
    assert.deepStrictEqual(b.indices(5), a.indices(5));
    assert.deepStrictEqual(a.indices(1), b.indices(1));
    const epoch1 = [...a.indices(2), ...a.indices(3)];
    assert.strictEqual(new Set(epoch1).size, 16);
    assert.notDeepStrictEqual([...a.indices(0), ...a.indices(1)], epoch1);
    const fetched = await a.fetch(3);
    assert.deepStrictEqual(Array.from(fetched.labels), Array.from(a.indices(3), (i) => data.labels[i]));
    const t = a.toTensors(fetched);
    assert.deepStrictEqual([t.images.shape, t.labels.shape, t.labels.dtype], [[8, 8, 8, 3], [8], 'int32']);
    assert.strictEqual(t.images.dataSync()[0], Math.fround(fetched.pixels[0] / 255));
    tf.dispose([t.images, t.labels]);
  });
});
