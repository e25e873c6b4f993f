import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readTrainingCsv } from '../../lib/experiments/collect-experiment';
import { clearRunFolder, readMetrics, rowBlockLosses, runPaths } from '../../lib/train/run-folder';
import { openRunMetrics, probeTag, stepScalars } from '../../lib/train/run-metrics';
import { resumeTraining, runTraining } from '../../lib/train/run-training';
import { crc32c, EVENT_FILE_VERSION, listEventFiles, readEventFile, ScalarWriter, truncateEventFiles } from '../../lib/train/tensorboard';
import { crc32cBitwise, decodeEventFile, scalarsByTagStep } from './event-file-reader';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from './tiny-run';

describe('train/tensorboard (event files beside metrics.jsonl)', () => {
  after(removeTempDirs);

  it('CRC-32C gives the standard check value; the table and the bit-by-bit forms agree', () => {
    const check = Buffer.from('123456789');
    assert.strictEqual(crc32c(check), 0xe3069283);
    assert.strictEqual(crc32cBitwise(check), 0xe3069283);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) % 256);
    assert.strictEqual(crc32c(bytes), crc32cBitwise(bytes));
  });

  it('ScalarWriter: a version event, then one event per step, read back by an independent decoder', () => {
    const dir = tempRunDir('tb-writer');
    const w = new ScalarWriter(dir);
    assert.strictEqual(w.path, null);
    w.write(3, { 'loss/block1': 1.25, lr: 0.1, skipped: NaN }, 1000.5);
    w.write(4, { 'loss/block1': -2 }, 1001);
    w.write(5, { only: Infinity }, 1002);
    const [file] = listEventFiles(dir);
    assert.strictEqual(w.path, file);
    assert.match(path.basename(file), /^events\.out\.tfevents\.1000\.[\w.-]+\.\d+$/);
    const events = decodeEventFile(file);
    assert.deepStrictEqual(events, [
      { wallTime: 1000.5, step: 0, fileVersion: EVENT_FILE_VERSION, values: [] },
      { wallTime: 1000.5, step: 3, fileVersion: null, values: [{ tag: 'loss/block1', value: 1.25 }, { tag: 'lr', value: Math.fround(0.1) }] },
      { wallTime: 1001, step: 4, fileVersion: null, values: [{ tag: 'loss/block1', value: -2 }] },
    ]);
    assert.deepStrictEqual(readEventFile(file).map((e) => e.step), [0, 3, 4]);
    // A second writer in the same second gets its own file.
    new ScalarWriter(dir).write(1, { x: 1 }, 1000.2);
    assert.strictEqual(listEventFiles(dir).length, 2);
  });

  it('a torn last record: readEventFile stops before it, truncateEventFiles drops it; a corrupt one is an error naming file and offset', () => {
    const dir = tempRunDir('tb-torn');
    const w = new ScalarWriter(dir);
    w.write(1, { a: 1 }, 5);
    w.write(2, { a: 2 }, 6);
    const file = w.path!;
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 3));
    assert.deepStrictEqual(readEventFile(file).map((e) => e.step), [0, 1]);
    assert.throws(() => decodeEventFile(file), /torn record/);
    // Truncating (a resume) drops the torn record, so the file reads whole again; steps before the cut stay as written.
    truncateEventFiles(dir, 10, () => true);
    const cut = fs.readFileSync(file);
    assert.ok(cut.length < whole.length - 3 && cut.equals(whole.subarray(0, cut.length)), 'the records kept are the bytes written');
    assert.deepStrictEqual(decodeEventFile(file).map((e) => e.step), [0, 1]);
    truncateEventFiles(dir, 1, (tag) => tag !== 'b');
    assert.deepStrictEqual(decodeEventFile(file).map((e) => e.step), [0], 'the scalars of step 1 go');
    const bad = Buffer.from(whole);
    bad[bad.length - 6] ^= 0xff;
    fs.writeFileSync(file, bad);
    assert.throws(() => readEventFile(file), (e: Error) => e.message.startsWith(`readEventFile: ${file}, offset `) && /the record's checksum does not match/.test(e.message));
    assert.throws(() => decodeEventFile(file), /data CRC/);
    assert.throws(() => truncateEventFiles(dir, 0, () => true), /checksum does not match; move the file out of the run folder/);
  });

  it("training writes each step's losses, lr and images/s once; a resumed run drops what it rewrites, keeps probe scalars", async () => {
    const dir = tempRunDir('tb-run');
    const dataset = tinyDataset();
    const config = { ...tinyConfig('simultaneous'), data: { ...tinyConfig('simultaneous').data, steps: 6 } };
    await runTraining(config, { runDir: dir, dataset, stopAtStep: 3 });
    // A killed process had gone on past its checkpoint (steps 3, 4), and a probe had scored the checkpoint after 3 steps.
    const killed = openRunMetrics(dir, 3);
    const m2 = readMetrics(dir)[2];
    killed.append({ ...m2, step: 3, time: new Date().toISOString() });
    killed.append({ ...m2, step: 4, time: new Date().toISOString() });
    new ScalarWriter(dir).write(3, { [probeTag('gsp', 2, 'linear')]: 0.5 });
    assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1, 2, 3, 4]);

    const r = await resumeTraining(dir, { dataset });
    assert.deepStrictEqual([r.status, r.step], ['completed', 6]);
    const metrics = readMetrics(dir);
    assert.deepStrictEqual(metrics.map((m) => m.step), [0, 1, 2, 3, 4, 5]);
    // metrics.jsonl is flat: a column per block, in the order of training.csv.
    const line = JSON.parse(fs.readFileSync(runPaths(dir).metrics, 'utf8').split('\n')[0]) as Record<string, unknown>;
    assert.deepStrictEqual(Object.keys(line), ['step', 'epoch', 'phase', 'lr', 'loss', 'block1Loss', 'block2Loss', 'block3Loss', 'block4Loss', 'imagesPerSecond', 'time']);

    const files = listEventFiles(dir);
    assert.ok(files.length >= 3, `${files.length} event files`);
    const scalars = scalarsByTagStep(files);
    for (const m of metrics) {
      const expected = stepScalars(m);
      assert.deepStrictEqual(Object.keys(expected).sort(), ['images_per_second', 'loss/block1', 'loss/block2', 'loss/block3', 'loss/block4', 'loss/total', 'lr']);
      for (const [tag, value] of Object.entries(expected)) {
        assert.deepStrictEqual(scalars.get(`${tag}@${m.step}`), [Math.fround(value)], `${tag} at step ${m.step}: written once, as in metrics.jsonl`);
      }
      rowBlockLosses(m).forEach((l, i) => assert.strictEqual(scalars.get(`loss/block${i + 1}@${m.step}`)?.[0], Math.fround(l!)));
    }
    assert.deepStrictEqual(scalars.get(`${probeTag('gsp', 2, 'linear')}@3`), [0.5], 'the probe scalar stays');
    const steps = [...scalars.keys()].filter((k) => k.startsWith('lr@')).length;
    assert.strictEqual(steps, 6, 'no training step beyond the run');
    // Each file starts with the version event, and --overwrite counts event files as the run's own.
    for (const f of files) assert.strictEqual(decodeEventFile(f)[0].fileVersion, EVENT_FILE_VERSION);
    clearRunFolder(dir, 'test');
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  });

  it('metrics.jsonl lines of the older shape (a blockLosses array) read as flat columns', () => {
    const dir = tempRunDir('tb-legacy');
    fs.mkdirSync(dir, { recursive: true });
    const old = { step: 0, epoch: 0, phase: 1, blockLosses: [null, 2.5], loss: 2.5, lr: 0.1, imagesPerSecond: 9, time: 't' };
    fs.writeFileSync(runPaths(dir).metrics, `${JSON.stringify(old)}\n`);
    const [m] = readMetrics(dir);
    assert.deepStrictEqual(m, { step: 0, epoch: 0, phase: 1, lr: 0.1, loss: 2.5, block1Loss: null, block2Loss: 2.5, imagesPerSecond: 9, time: 't' });
    assert.deepStrictEqual(Object.keys(m), ['step', 'epoch', 'phase', 'lr', 'loss', 'block1Loss', 'block2Loss', 'imagesPerSecond', 'time']);
  });

  it("every committed results/**/training.csv reads as flat rows (readTrainingCsv)", () => {
    const root = path.join(__dirname, '..', '..', '..', 'results');
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'training.csv');
    assert.ok(files.length > 0, `no training.csv under ${root}`);
    for (const f of files) {
      const rows = readTrainingCsv(path.join(root, f));
      assert.ok(rows.length > 0, f);
      for (const r of rows) {
        const losses = rowBlockLosses(r);
        assert.ok(losses.length >= 1 && losses.some((l) => l !== null), `${f} step ${r.step}`);
        assert.ok(Number.isInteger(r.step) && r.lr >= 0 && Number.isFinite(r.loss), `${f} step ${r.step}`);
      }
    }
  });
});
