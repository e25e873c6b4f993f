import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InMemoryImageDataset } from '../../lib/data/dataset';
import { Rng } from '../../lib/nn/rng';
import {
  collectExperiment,
  ExperimentPreset,
  loadExperiment,
  preset,
  readRobustnessTable,
  robustnessBars,
  robustnessErrors,
  robustnessTable,
  runExperiment,
  runRobustnessFile,
} from '../../lib/experiments';

/** 240 CIFAR-shaped images of 4 classes, each class its own mean colour plus noise, so that probes have something to find. */
function cifarShaped(): InMemoryImageDataset {
  const rng = new Rng(3);
  const n = 240;
  const side = 32;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  const pixels = new Uint8Array(n * side * side * 3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < side * side * 3; j++) pixels[i * side * side * 3 + j] = Math.max(0, Math.min(255, Math.round(60 * labels[i] + ((j % 3) * 20) + 40 * rng.normal())));
  }
  return new InMemoryImageDataset('cifar-shaped', pixels, labels, [side, side, 3], ['a', 'b', 'c', 'd']);
}

describe('experiments/fig15 (robustness to corruptions, smoke preset on generated images)', function () {
  const made: string[] = [];
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('scores every run on the clean and corrupted held-out images into robustness.csv; reuses stored scores; collects and loads', async () => {
    const base = preset('fig15', 'smoke');
    const p: ExperimentPreset = {
      ...base,
      runs: base.runs.filter((r) => r.label !== 'simultaneous-cbe-noise'),
      robustness: { ...base.robustness!, corruptions: ['contrast', 'gaussian_noise'], severities: [1, 5] },
    };
    const dataset = cifarShaped();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-fig15-'));
    made.push(outDir);
    const summary = await runExperiment(p, { outDir, dataset });
    assert.strictEqual(summary.status, 'completed');
    // 2 runs x 2 representations x (clean + 2 corruptions x 2 severities).
    assert.strictEqual(summary.robustness.length, 2 * 2 * 5);
    assert.deepStrictEqual(readRobustnessTable(path.join(outDir, 'robustness.csv')), summary.robustness);
    assert.deepStrictEqual([...new Set(summary.robustness.map((r) => r.block))], [4]);
    assert.deepStrictEqual(
      summary.robustness.filter((r) => r.run === 'end-to-end' && r.features === 'gsp').map((r) => `${r.corruption}-${r.severity}`),
      ['clean-0', 'contrast-1', 'contrast-5', 'gaussian_noise-1', 'gaussian_noise-5'],
    );
    // The clean score is the run's own block-4 linear probe when both score the same held-out images.
    const probe = summary.results.find((r) => r.run === 'end-to-end' && r.features === 'gsp' && r.block === 4 && r.probe === 'linear')!;
    const clean = summary.robustness.find((r) => r.run === 'end-to-end' && r.features === 'gsp' && r.corruption === 'clean')!;
    assert.strictEqual(clean.top1, probe.top1);
    // Each corrupted copy is generated once for the experiment's runs.
    assert.strictEqual(fs.readdirSync(path.join(outDir, 'corrupted-images')).length, 4);

    const errors = robustnessErrors(summary.robustness, { features: 'gsp' });
    assert.deepStrictEqual(errors.map((e) => e.run), ['end-to-end', 'random-init']);
    for (const e of errors) {
      assert.deepStrictEqual(e.corruptions.map((c) => [c.corruption, c.severities]), [['contrast', 2], ['gaussian_noise', 2]]);
      assert.ok(Math.abs(e.meanError - (e.corruptions[0].error + e.corruptions[1].error) / 2) < 1e-9);
    }
    const table = robustnessTable(summary.robustness, { features: 'gsp' });
    assert.deepStrictEqual(Object.keys(table[0]), ['run', 'clean error', 'mean error', 'contrast', 'gaussian_noise']);
    const bars = robustnessBars(summary.robustness, { features: 'head', runs: ['end-to-end'] });
    assert.deepStrictEqual(bars.categories, ['contrast', 'gaussian_noise']);
    assert.match(bars.series[0].name, /^end-to-end: mean error \d+\.\d\d%, clean \d+\.\d\d%$/);

    // Scoring more corruptions keeps the stored scores and adds the new ones; the same settings reuse everything.
    const stored = JSON.parse(fs.readFileSync(runRobustnessFile(path.join(outDir, 'end-to-end')), 'utf8'));
    const more: ExperimentPreset = { ...p, robustness: { ...p.robustness!, corruptions: ['contrast', 'gaussian_noise', 'brightness'] } };
    const again = await runExperiment(more, { outDir, dataset });
    const e2e = again.robustness.filter((r) => r.run === 'end-to-end');
    assert.strictEqual(e2e.length, 2 * 7);
    for (const row of stored.rows) assert.deepStrictEqual(e2e.find((r) => r.features === row.features && r.corruption === row.corruption && r.severity === row.severity), row);

    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-fig15-saved-')), 'fig15');
    made.push(path.dirname(dest));
    collectExperiment(outDir, dest);
    assert.ok(fs.existsSync(path.join(dest, 'robustness.csv')) && fs.existsSync(runRobustnessFile(path.join(dest, 'end-to-end'))));
    assert.ok(!fs.existsSync(path.join(dest, 'corrupted-images')), 'the corrupted images are not collected');
    assert.deepStrictEqual(loadExperiment(dest).robustness, again.robustness);
  });
});
