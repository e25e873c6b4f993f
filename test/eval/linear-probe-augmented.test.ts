import * as assert from 'assert';
import { evaluationTransform, extractFeatures, linearProbeAugmented, linearProbeBlocks } from '../../lib/eval';
import { assertClose, assertNoLeak } from '../helpers';
import { bufferSnapshot, gradientDataset, tinyModel } from './tiny-model';

describe('eval/linear-probe-augmented', () => {
  const stats = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  const train = gradientDataset(20, 2, 1);
  const validation = gradientDataset(10, 2, 2);

  it('with an identity crop and no flip, equals the probe on precomputed features (same seed, same batches)', async () => {
    const model = tinyModel();
    const common = { epochs: 3, batchSize: 8, seed: 4, lr: 0.5 };
    for (const kind of ['head', 'gsp'] as const) {
      const augmented = await assertNoLeak(
        () => linearProbeAugmented(model, train, validation, { ...common, kind, blocks: [0, 3], crop: { size: 8, scale: [1, 1], ratio: [1, 1] }, flip: 0, stats }),
        'linearProbeAugmented',
      );
      const transform = evaluationTransform({ stats });
      const pre = linearProbeBlocks(
        await extractFeatures(model, train, { kind, blocks: [0, 3], transform }),
        await extractFeatures(model, validation, { kind, blocks: [0, 3], transform }),
        common,
      );
      assert.deepStrictEqual(augmented.map((r) => r.block), [0, 3]);
      augmented.forEach((r, i) => {
        assertClose(r.epochLosses, pre[i].epochLosses, { rtol: 1e-4, what: `${kind} block ${r.block + 1} losses` });
        assert.strictEqual(r.top1, pre[i].top1);
        assert.strictEqual(r.top5, null);
      });
    }
    model.dispose();
  });

  it('random resized crops and flips change the training features; runs are reproducible and leave the model untouched', async () => {
    const model = tinyModel();
    const before = bufferSnapshot(model);
    const config = { epochs: 2, batchSize: 8, seed: 5, kind: 'gsp' as const, blocks: [2], crop: { size: 6, scale: [0.3, 1] as [number, number] }, stats };
    const a = await assertNoLeak(() => linearProbeAugmented(model, train, validation, config));
    const b = await linearProbeAugmented(model, train, validation, config);
    const plain = await linearProbeAugmented(model, train, validation, { ...config, crop: { size: 6, scale: [1, 1], ratio: [1, 1] }, flip: 0 });
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a[0].epochLosses, plain[0].epochLosses);
    assert.ok(a[0].epochLosses.every(Number.isFinite) && a[0].top1 >= 0 && a[0].top1 <= 1);
    bufferSnapshot(model).forEach((x, i) => assert.deepStrictEqual(x, before[i], `buffer ${model.buffers()[i].name} changed`));
    model.dispose();
  });

  it('rejects mismatched datasets and bad blocks', async () => {
    const model = tinyModel();
    const crop = { size: 8 };
    await assert.rejects(() => linearProbeAugmented(model, train, gradientDataset(4, 3), { crop }), /has 2 classes, gradients 3/);
    await assert.rejects(() => linearProbeAugmented(model, train, validation, { crop, blocks: [4] }), /block index 4/);
    await assert.rejects(() => linearProbeAugmented(model, gradientDataset(4, 1), gradientDataset(4, 1), { crop }), /number of classes >= 2, got 1/);
    model.dispose();
  });
});
