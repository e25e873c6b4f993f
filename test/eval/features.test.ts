import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { pixelsToTensor } from '../../lib/data/loader';
import { normalize } from '../../lib/data/normalization';
import { blockFeatures, evaluationTransform, extractFeatures, featuresOfBlock } from '../../lib/eval';
import { assertClose, assertNoLeak } from '../helpers';
import { bufferSnapshot, tinyDataset, tinyModel } from './tiny-model';

describe('eval/features', () => {
  const stats = { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] };

  it('extractFeatures equals a direct eval-mode forward (head and GSP), in dataset order, batch by batch', async () => {
    const model = tinyModel();
    const data = tinyDataset(10, 3);
    const images = pixelsToTensor(data.readSync([...Array(10).keys()]), [10, 8, 8, 3]);
    const direct = model.forward(images, 'eval');
    for (const kind of ['head', 'gsp'] as const) {
      const got = await assertNoLeak(() => extractFeatures(model, data, { kind, batchSize: 4, blocks: [0, 2, 3] }), `extractFeatures ${kind}`);
      assert.deepStrictEqual(Array.from(got.labels), Array.from(data.labels));
      assert.strictEqual(got.classCount, 3);
      assert.deepStrictEqual(got.blocks.map((b) => b.block), [0, 2, 3]);
      got.blocks.forEach(({ block, dim, values }) => {
        const expected = kind === 'head' ? direct.pooled[block] : tf.mean(direct.features[block], [1, 2]);
        assert.deepStrictEqual([values.length / dim, dim], expected.shape, `block ${block + 1} ${kind}`);
        assertClose(values, expected.dataSync(), { rtol: 1e-4, atol: 1e-5, what: `block ${block + 1} ${kind}` });
        if (kind === 'gsp') expected.dispose();
      });
    }
    tf.dispose([images, direct.features, direct.pooled, direct.embeddings]);
    model.dispose();
  });

  it('leaves every batch-norm running statistic unchanged', async () => {
    const model = tinyModel();
    const before = bufferSnapshot(model);
    await extractFeatures(model, tinyDataset(9), { batchSize: 4 });
    await extractFeatures(model, tinyDataset(9), { kind: 'gsp', batchSize: 4 });
    bufferSnapshot(model).forEach((b, i) => assert.deepStrictEqual(b, before[i], `buffer ${model.buffers()[i].name} changed`));
    model.dispose();
  });

  it('applies the transform to each batch before the model', async () => {
    const model = tinyModel();
    const data = tinyDataset(6);
    const got = await assertNoLeak(() => extractFeatures(model, data, { kind: 'gsp', batchSize: 4, blocks: [1], transform: evaluationTransform({ stats }) }));
    const x = pixelsToTensor(data.readSync([...Array(6).keys()]), [6, 8, 8, 3]);
    const xn = normalize(x, stats);
    const [expected] = blockFeatures(model, xn, 'gsp', [1]);
    assertClose(featuresOfBlock(got, 0).values, expected.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    tf.dispose([x, xn, expected]);
    model.dispose();
  });

  it('evaluationTransform centre-crops to the given size and normalizes', async () => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => (i % 17) / 17), [2, 8, 8, 3]);
    await assertNoLeak(() => {
      const out = evaluationTransform({ size: 4, cropFraction: 0.5, stats })(x);
      assert.deepStrictEqual(out.shape, [2, 4, 4, 3]);
      const expected = tf.tidy(() => normalize(tf.slice(x, [0, 2, 2, 0], [2, 4, 4, 3]), stats));
      assertClose(out.dataSync(), expected.dataSync(), { atol: 1e-5 });
      tf.dispose([out, expected]);
    });
    x.dispose();
  });

  it('rejects bad block indices and kinds, naming them', async () => {
    const model = tinyModel();
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    assert.throws(() => blockFeatures(model, x, 'gsp', [4]), /block index 4 is not an integer in \[0, 4\)/);
    assert.throws(() => blockFeatures(model, x, 'gsp', []), /no blocks selected/);
    assert.throws(() => blockFeatures(model, x, 'gsp', [1, 1]), /repeat/);
    assert.throws(() => blockFeatures(model, x, 'raw' as 'gsp', [1]), /kind must be 'head' or 'gsp', got 'raw'/);
    await assert.rejects(() => extractFeatures(model, tinyDataset(4), { blocks: [-1] }), /block index -1/);
    x.dispose();
    model.dispose();
  });
});
