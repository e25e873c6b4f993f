import * as assert from 'assert';
import { Rng } from '../../lib/nn/rng';
import { ExtractedFeatures, LabelledFeatures, knnBlocks, knnClassify } from '../../lib/eval';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface KnnCase {
  dim: number;
  classes: number;
  k: number;
  temperature: number;
  trainValues: number[];
  trainLabels: number[];
  testValues: number[];
  testLabels: number[];
  predictions: number[];
  top1: number;
  top5: number | null;
}

function features(values: number[], dim: number, labels: number[]): LabelledFeatures {
  return { values: Float32Array.from(values), dim, labels: Int32Array.from(labels) };
}

/** `n` points per class on random directions (class centres), with small noise: the clusters cosine kNN sees. */
function clustered(n: number, classes: number, dim: number, seed: number, centreSeed = 99): LabelledFeatures {
  const centres = new Rng(centreSeed).normals(classes * dim);
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n * classes }, (_, i) => i % classes);
  const values = new Float32Array(labels.length * dim);
  labels.forEach((c, i) => {
    const scale = 0.5 + rng.uniform() * 2;
    for (let j = 0; j < dim; j++) values[i * dim + j] = scale * (centres[c * dim + j] + 0.2 * rng.normal());
  });
  return { values, dim, labels };
}

describe('eval/knn', () => {
  const cases = loadFixture<{ knn: KnnCase[] }>('eval').knn;

  cases.forEach((c) => {
    it(`matches solo-learn's weighted kNN in PyTorch (k ${c.k}, T ${c.temperature}, ${c.classes} classes), whatever the chunking`, async () => {
      const train = features(c.trainValues, c.dim, c.trainLabels);
      const test = features(c.testValues, c.dim, c.testLabels);
      for (const chunks of [{}, { trainChunk: 7, queryChunk: 4 }, { trainChunk: 1, queryChunk: 1 }]) {
        const r = await assertNoLeak(() => knnClassify(train, test, c.classes, { k: c.k, temperature: c.temperature, ...chunks }), 'knnClassify');
        assert.deepStrictEqual(Array.from(r.predictions), c.predictions, `predictions with ${JSON.stringify(chunks)}`);
        assertClose(r.top1, c.top1, { atol: 1e-12, what: 'top1' });
        if (c.top5 === null) assert.strictEqual(r.top5, null);
        else assertClose(r.top5!, c.top5, { atol: 1e-12, what: 'top5' });
      }
    });
  });

  it('classifies clustered data ~100 %, independent of each point\'s norm', () => {
    const r = knnClassify(clustered(30, 6, 16, 1), clustered(20, 6, 16, 2), 6);
    assert.ok(r.top1 >= 0.99, `top-1 ${r.top1}`);
    assert.strictEqual(r.top5, 1);
  });

  it('uses every training row when k exceeds the training set', () => {
    const train = features([1, 0, 0.9, 0.1, 0, 1], 2, [0, 0, 1]);
    const test = features([1, 0.05, 0.1, 1], 2, [0, 1]);
    const r = knnClassify(train, test, 2, { k: 50, temperature: 0.07 });
    assert.deepStrictEqual(Array.from(r.predictions), [0, 1]);
    // With a high temperature all three neighbours weigh about the same: class 0 holds two of them.
    assert.deepStrictEqual(Array.from(knnClassify(train, test, 2, { k: 3, temperature: 1000 }).predictions), [0, 0]);
  });

  it('knnBlocks runs per block', () => {
    const a = clustered(10, 3, 4, 3);
    const b = clustered(10, 3, 4, 4);
    const set = (x: LabelledFeatures): ExtractedFeatures => ({ kind: 'head', classCount: 3, labels: x.labels, blocks: [{ block: 2, dim: 4, values: x.values }] });
    const [r] = knnBlocks(set(a), set(b), { k: 5 });
    assert.strictEqual(r.block, 2);
    assert.ok(r.top1 >= 0.9, `top-1 ${r.top1}`);
  });

  it('rejects bad inputs with clear errors', () => {
    const f = features([1, 0, 0, 1, 1, 1], 2, [0, 1, 0]);
    assert.throws(() => knnClassify({ ...f, labels: Int32Array.from([0, 1]) }, f, 2), /6 feature values do not make 2 rows of dim 2/);
    assert.throws(() => knnClassify(f, f, 1), /number of classes >= 2, got 1/);
    assert.throws(() => knnClassify(f, features([1, 2, 3], 3, [0]), 2), /train features have dim 2, test features 3/);
    assert.throws(() => knnClassify(f, features([1, 2], 2, [4]), 2), /label 4 of sample 0 is outside \[0, 2\)/);
    assert.throws(() => knnClassify(f, f, 2, { k: 0 }), /k must be an integer >= 1, got 0/);
    assert.throws(() => knnClassify(f, f, 2, { temperature: 0 }), /temperature must be > 0, got 0/);
    assert.throws(() => knnClassify(f, f, 2, { trainChunk: 0 }), /trainChunk must be an integer >= 1, got 0/);
  });
});
