import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { DataLoader, pixelsToTensor } from '../../lib/data/loader';
import { barlowTwinsViewsSmall } from '../../lib/data/views';
import {
  blockCorrelationStatistics,
  blockStatisticsFromJson,
  blockStatisticsToJson,
  crossCorrelationTerms,
  pooledBlockOutputs,
  summarize,
} from '../../lib/eval';
import { assertClose, assertNoLeak } from '../helpers';
import { bufferSnapshot, gradientDataset, tinyDataset, tinyModel } from './tiny-model';

/** Two identical views: the images normalized with mean 0.5 and std 0.25. */
const identical = (x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] =>
  tf.tidy(() => {
    const y = tf.div(tf.sub(x, 0.5), 0.25) as tf.Tensor4D;
    return [y.clone(), y];
  });

describe('eval/block-statistics', () => {
  it('identical views give on-diagonal terms ~1 in every block (c_ii = var / (var + eps) exactly)', async () => {
    const model = tinyModel();
    const data = gradientDataset(24);
    const stats = await assertNoLeak(
      () => blockCorrelationStatistics(model, data, { views: identical, batchSize: 24 }),
      'blockCorrelationStatistics',
    );
    assert.deepStrictEqual(stats.map((s) => [s.block, s.dim, s.batches, s.batchSize]), [
      [0, 4, 1, 24],
      [1, 6, 1, 24],
      [2, 8, 1, 24],
      [3, 8, 1, 24],
    ]);
    const x = identical(pixelsToTensor(data.readSync([...Array(24).keys()]), [24, 8, 8, 3]))[0];
    const pooled = pooledBlockOutputs(model.network, x, [0, 1, 2, 3]);
    let varying = 0;
    for (const s of stats) {
      // Batch norm's eps (1e-5) in the standardisation gives c_ii = var / (var + eps): ~1 wherever features vary.
      const { variance } = tf.moments(pooled[s.block], 0);
      const v = Array.from(variance.dataSync());
      variance.dispose();
      assertClose(s.onDiagonal, v.map((vi) => vi / (vi + 1e-5)), { rtol: 1e-3, atol: 1e-4, what: `block ${s.block + 1} on-diagonal` });
      v.forEach((vi, j) => {
        if (vi > 1e-3) {
          varying++;
          assertClose(s.onDiagonal[j], 1, { atol: 1e-2, what: `block ${s.block + 1} c_${j}${j}` });
        }
      });
      assert.strictEqual(s.offDiagonal.length, s.dim * (s.dim - 1));
      assert.ok(s.offDiagonal.every((c) => Math.abs(c) <= 1 + 1e-4));
    }
    assert.ok(varying >= 13, `only ${varying} of 26 channels vary`);
    tf.dispose([x, ...pooled]);
    model.dispose();
  });

  it('averages the per-batch terms of the GSP block features of the two views, without touching the model', async () => {
    const model = tinyModel();
    const data = tinyDataset(16);
    const before = bufferSnapshot(model);
    // Deterministic, different views: view 2 is view 1 flipped left-right.
    const flip = (x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] => [x.clone(), tf.reverse(x, 2)];
    const [s] = await blockCorrelationStatistics(model, data, { views: flip, batchSize: 8, blocks: [2], seed: 3 });
    bufferSnapshot(model).forEach((b, i) => assert.deepStrictEqual(b, before[i], `buffer ${model.buffers()[i].name} changed`));
    // The same two batches the loader draws with this seed, terms by hand.
    const sums = { on: new Float64Array(8), off: new Float64Array(56) };
    for await (const batch of new DataLoader(data, { batchSize: 8, shuffle: true, seed: 3, dropLast: true }).epoch(0)) {
      const [v1, v2] = flip(batch.images);
      const [z1] = pooledBlockOutputs(model.network, v1, [2]);
      const [z2] = pooledBlockOutputs(model.network, v2, [2]);
      const t = crossCorrelationTerms(z1, z2);
      t.onDiagonal.forEach((v, j) => (sums.on[j] += v / 2));
      t.offDiagonal.forEach((v, j) => (sums.off[j] += v / 2));
      tf.dispose([v1, v2, z1, z2, batch.images, batch.labels]);
    }
    assertClose(s.onDiagonal, sums.on, { atol: 1e-6, what: 'on-diagonal' });
    assertClose(s.offDiagonal, sums.off, { atol: 1e-6, what: 'off-diagonal' });
    assert.deepStrictEqual(s.summary.onDiagonal, summarize(s.onDiagonal));
    model.dispose();
  });

  it('runs a two-view recipe, subsamples the plotted values, summarises all of them, and round-trips through JSON', async () => {
    const model = tinyModel();
    const recipe = barlowTwinsViewsSmall({ size: 8, stats: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } });
    const stats = await assertNoLeak(() =>
      blockCorrelationStatistics(model, tinyDataset(20), { views: recipe, batchSize: 6, batches: 2, blocks: [1, 3], maxPlotValues: 10 }),
    );
    const [b2, b4] = stats;
    assert.strictEqual(b2.onDiagonal.length, 6);
    assert.strictEqual(b2.offDiagonal.length, 10);
    assert.strictEqual(b4.summary.offDiagonal.count, 56);
    assert.strictEqual(b4.summary.onDiagonal.count, 8);
    for (const s of stats) {
      assert.ok(s.summary.onDiagonal.max <= 1 + 1e-4 && s.summary.offDiagonal.min >= -1 - 1e-4);
      assert.ok(s.offDiagonal.every((v) => v >= s.summary.offDiagonal.min && v <= s.summary.offDiagonal.max));
    }
    const again = blockStatisticsFromJson(JSON.parse(JSON.stringify(blockStatisticsToJson(stats))));
    assert.deepStrictEqual(again, stats);
    const same = await blockCorrelationStatistics(model, tinyDataset(20), { views: recipe, batchSize: 6, batches: 2, blocks: [1, 3], maxPlotValues: 10 });
    assert.deepStrictEqual(same, stats, 'same seed, same statistics');
    model.dispose();
  });

  it('rejects bad options, naming them', async () => {
    const model = tinyModel();
    const data = tinyDataset(10);
    await assert.rejects(() => blockCorrelationStatistics(model, data, { views: identical, batchSize: 4, batches: 3 }), /batches must be an integer in \[1, 2\]/);
    await assert.rejects(() => blockCorrelationStatistics(model, data, { views: identical, batchSize: 1 }), /batchSize must be an integer >= 2, got 1/);
    await assert.rejects(() => blockCorrelationStatistics(model, data, { views: identical, blocks: [7] }), /block index 7/);
    await assert.rejects(() => blockCorrelationStatistics(model, data, { views: identical, batchSize: 20 }), /batches must be an integer in \[1, 0\]/);
    assert.throws(() => blockStatisticsFromJson([{ block: 0 } as never]), /block 0 has no 'onDiagonal' array/);
    model.dispose();
  });

  it('pooledBlockOutputs is the spatial mean of the eval-mode block outputs', () => {
    const model = tinyModel();
    const x = pixelsToTensor(tinyDataset(3).readSync([0, 1, 2]), [3, 8, 8, 3]);
    const outs = model.network.forward(x, 'eval');
    const pooled = pooledBlockOutputs(model.network, x, [3, 0]);
    const expected = [tf.mean(outs[3], [1, 2]), tf.mean(outs[0], [1, 2])];
    pooled.forEach((p, i) => assertClose(p.dataSync(), expected[i].dataSync(), { rtol: 1e-5, atol: 1e-6 }));
    tf.dispose([x, ...outs, ...pooled, ...expected]);
    model.dispose();
  });
});
