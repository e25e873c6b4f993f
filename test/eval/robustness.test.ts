import * as assert from 'assert';
import { corruptedDataset } from '../../lib/data/corrupted-dataset';
import { ImageDataset } from '../../lib/data/dataset';
import { corruptionErrors, corruptionRobustness, evaluationTransform, extractFeatures, featuresOfBlock, fitLinearProbe, trainLinearProbe } from '../../lib/eval';
import { assertNoLeak } from '../helpers';
import { gradientDataset, tinyModel } from './tiny-model';

describe('eval/robustness', () => {
  it('corruptedDataset: same labels and shape, seeded, different corruptions and severities differ', async () => {
    const clean = gradientDataset(10);
    const a = await assertNoLeak(() => corruptedDataset(clean, 'gaussian_noise', 3, { seed: 4, batchSize: 4 }), 'corruptedDataset');
    const b = await corruptedDataset(clean, 'gaussian_noise', 3, { seed: 4, batchSize: 4 });
    assert.deepStrictEqual(a.imageShape, clean.imageShape);
    assert.deepStrictEqual([...a.labels], [...clean.labels]);
    assert.deepStrictEqual(a.classNames, clean.classNames);
    assert.deepStrictEqual(a.images, b.images, 'the same seed gives the same corrupted images');
    const cleanPixels = await clean.read([...Array(10).keys()]);
    const differs = (x: Uint8Array, y: Uint8Array) => x.some((v, i) => v !== y[i]);
    assert.ok(differs(a.images, cleanPixels), 'noise changes the images');
    assert.ok(differs(a.images, (await corruptedDataset(clean, 'gaussian_noise', 3, { seed: 5, batchSize: 4 })).images), 'another seed, other noise');
    assert.ok(differs(a.images, (await corruptedDataset(clean, 'gaussian_noise', 4, { seed: 4, batchSize: 4 })).images), 'another severity, other noise');
    // Brightness is deterministic: the stored uint8 pixels are the corruption of the clean ones, rounded.
    const bright = await corruptedDataset(clean, 'brightness', 1, { seed: 0 });
    assert.ok(bright.images.every((v, i) => v >= cleanPixels[i]), 'brightness never darkens');
    await assert.rejects(corruptedDataset(clean, 'gaussian_noise', 6, { seed: 0 }), /severity must be an integer 1-5, got 6/);
    await assert.rejects(corruptedDataset(clean, 'rain', 1, { seed: 0 }), /unknown corruption 'rain'/);
  });

  it('fitLinearProbe scores as trainLinearProbe does, and scores several sets with one probe', async () => {
    const model = tinyModel();
    try {
      const transform = evaluationTransform();
      const train = await extractFeatures(model, gradientDataset(24, 3, 1), { kind: 'gsp', blocks: [3], transform });
      const val = await extractFeatures(model, gradientDataset(12, 3, 2), { kind: 'gsp', blocks: [3], transform });
      const config = { epochs: 3, lr: 0.5, batchSize: 8, standardize: true, seed: 2 };
      const once = trainLinearProbe(featuresOfBlock(train, 0), featuresOfBlock(val, 0), 3, config);
      await assertNoLeak(() => {
        const probe = fitLinearProbe(featuresOfBlock(train, 0), 3, config);
        try {
          assert.deepStrictEqual(probe.epochLosses, once.epochLosses);
          assert.deepStrictEqual(probe.score(featuresOfBlock(val, 0)), { top1: once.top1, top5: once.top5 });
          assert.deepStrictEqual(probe.score(featuresOfBlock(val, 0)), { top1: once.top1, top5: once.top5 }, 'scoring leaves the probe unchanged');
          assert.throws(() => probe.score({ values: new Float32Array(4), dim: 2, labels: Int32Array.from([0, 1]) }), /dim 2/);
        } finally {
          probe.dispose();
        }
      }, 'fitLinearProbe + dispose');
    } finally {
      model.dispose();
    }
  });

  it('corruptionRobustness: one row per representation, block, clean set and corruption x severity; deterministic; no leaks', async () => {
    const model = tinyModel();
    try {
      const train = gradientDataset(24, 3, 1);
      const clean = gradientDataset(12, 3, 2);
      const corruptions = ['gaussian_noise', 'contrast'];
      const severities = [1, 3];
      const made: string[] = [];
      const options = {
        corruptions,
        severities,
        corrupted: (c: string, s: number): Promise<ImageDataset> => {
          made.push(`${c}-${s}`);
          return corruptedDataset(clean, c, s, { seed: 0 });
        },
        probe: { epochs: 2, lr: 0.5, batchSize: 8, standardize: true, seed: 1 },
        transform: evaluationTransform(),
        batchSize: 5,
      };
      const reps = [
        { kind: 'gsp' as const, model, blocks: [2, 3] },
        { kind: 'head' as const, model, blocks: [3] },
      ];
      const rows = await assertNoLeak(() => corruptionRobustness(reps, train, clean, options), 'corruptionRobustness');
      assert.strictEqual(rows.length, 3 * (1 + corruptions.length * severities.length));
      assert.deepStrictEqual(made, ['gaussian_noise-1', 'gaussian_noise-3', 'contrast-1', 'contrast-3'], 'each corrupted set made once, for every probe');
      const keys = rows.map((r) => `${r.kind}/${r.block}/${r.corruption}/${r.severity}`);
      assert.strictEqual(new Set(keys).size, rows.length);
      assert.deepStrictEqual(
        rows.filter((r) => r.corruption === 'clean').map((r) => `${r.kind}/${r.block}/${r.severity}`),
        ['gsp/2/0', 'gsp/3/0', 'head/3/0'],
      );
      for (const r of rows) assert.ok(r.top1 >= 0 && r.top1 <= 1 && r.top5 === null, `${r.corruption}: top1 ${r.top1}`);
      // The clean score is the plain linear probe's.
      const trainF = await extractFeatures(model, train, { kind: 'gsp', blocks: [3], transform: options.transform });
      const cleanF = await extractFeatures(model, clean, { kind: 'gsp', blocks: [3], transform: options.transform });
      const plain = trainLinearProbe(featuresOfBlock(trainF, 0), featuresOfBlock(cleanF, 0), 3, options.probe);
      assert.strictEqual(rows.find((r) => r.kind === 'gsp' && r.block === 3 && r.corruption === 'clean')!.top1, plain.top1);
      const again = await corruptionRobustness(reps, train, clean, options);
      assert.deepStrictEqual(again, rows, 'the same seeds give the same scores');
      await assert.rejects(corruptionRobustness(reps, train, clean, { ...options, severities: [0] }), /severity 0 is not an integer in 1-5/);
      await assert.rejects(corruptionRobustness([], train, clean, options), /no representations/);
    } finally {
      model.dispose();
    }
  });

  it('corruptionErrors: error per corruption with the std over severities, the mean error and the clean error', () => {
    const rows = [
      { corruption: 'clean', severity: 0, top1: 0.9 },
      ...[0.8, 0.7, 0.6, 0.5, 0.4].map((top1, i) => ({ corruption: 'fog', severity: i + 1, top1 })),
      ...[0.75, 0.75].map((top1, i) => ({ corruption: 'contrast', severity: i + 1, top1 })),
    ];
    const t = corruptionErrors(rows);
    assert.strictEqual(t.corruptions.length, 2);
    const [fog, contrast] = t.corruptions;
    assert.strictEqual(fog.corruption, 'fog');
    assert.ok(Math.abs(fog.error - 40) < 1e-9);
    // Errors 20, 30, 40, 50, 60: Bessel's std is sqrt(1000 / 4).
    assert.ok(Math.abs(fog.std - Math.sqrt(250)) < 1e-9);
    assert.strictEqual(fog.severities, 5);
    assert.ok(Math.abs(contrast.error - 25) < 1e-9 && contrast.std === 0);
    assert.ok(Math.abs(t.meanError - 32.5) < 1e-9, 'every corruption weighs the same, whatever its number of severities');
    assert.ok(Math.abs(t.cleanError! - 10) < 1e-9);
    assert.throws(() => corruptionErrors([...rows, { corruption: 'fog', severity: 2, top1: 0.1 }]), /fog is scored twice at severity 2/);
    assert.throws(() => corruptionErrors([{ corruption: 'clean', severity: 0, top1: 1 }]), /no corrupted scores/);
  });
});
