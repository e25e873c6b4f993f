import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { cosine } from '../../lib/optim/schedule';
import { ExtractedFeatures, LabelledFeatures, LinearProbe, linearProbeBlocks, standardizeFeatures, topKCorrect, trainLinearProbe } from '../../lib/eval';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface ProbeCase {
  n: number;
  dim: number;
  classes: number;
  epochs: number;
  batchSize: number;
  lr: number;
  x: number[];
  y: number[];
  initialWeight: number[];
  orders: number[][];
  lrs: number[];
  losses: number[];
  finalWeight: number[];
  finalBias: number[];
}

/** `n` points per class around well-separated class centres (3 * e_c) in `dim` dimensions, std `noise`. */
function clusters(n: number, classes: number, dim: number, noise: number, seed: number): LabelledFeatures {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n * classes }, (_, i) => i % classes);
  const values = new Float32Array(labels.length * dim);
  labels.forEach((c, i) => {
    for (let j = 0; j < dim; j++) values[i * dim + j] = (j === c ? 3 : 0) + noise * rng.normal();
  });
  return { values, dim, labels };
}

/** Gaussian features with labels drawn independently of them. */
function randomLabels(n: number, classes: number, dim: number, seed: number): LabelledFeatures {
  const rng = new Rng(seed);
  return { values: rng.normals(n * dim), dim, labels: Int32Array.from({ length: n }, () => rng.int(classes)) };
}

describe('eval/linear-probe', () => {
  const fixture = loadFixture<{ probe: ProbeCase[] }>('eval').probe;

  fixture.forEach((c) => {
    it(`LinearProbe steps match PyTorch SGD + cross-entropy with the cosine schedule (${c.epochs} epochs, batch ${c.batchSize})`, () => {
      const lrAt = cosine({ baseLr: c.lr, totalSteps: c.epochs });
      const x = tf.tensor2d(c.x, [c.n, c.dim]);
      const y = tf.tensor1d(c.y, 'int32');
      const losses: number[] = [];
      const probe = new LinearProbe(c.dim, c.classes, {}, new Rng(0));
      probe.linear.weight.assign(tf.tensor2d(c.initialWeight, [c.dim, c.classes]));
      const before = tf.memory().numTensors;
      c.orders.forEach((order, epoch) => {
        assertClose(lrAt(epoch), c.lrs[epoch], { rtol: 1e-12, what: `lr of epoch ${epoch}` });
        for (let s = 0; s < c.n; s += c.batchSize) {
          const idx = tf.tensor1d(order.slice(s, s + c.batchSize), 'int32');
          const xb = tf.gather(x, idx) as tf.Tensor2D;
          const yb = tf.gather(y, idx) as tf.Tensor1D;
          losses.push(probe.step(xb, yb, lrAt(epoch)));
          tf.dispose([idx, xb, yb]);
        }
      });
      assert.strictEqual(tf.memory().numTensors, before + 2, 'steps keep only the 2 momentum buffers');
      assertClose(losses, c.losses, { rtol: 1e-4, what: 'loss' });
      assertClose(probe.linear.weight.dataSync(), c.finalWeight, { rtol: 1e-4, atol: 1e-6, what: 'weight' });
      assertClose(probe.linear.bias!.dataSync(), c.finalBias, { rtol: 1e-4, atol: 1e-6, what: 'bias' });
      probe.dispose();
      assert.strictEqual(tf.memory().numTensors, before - 2, 'dispose frees the weight, bias and momentum buffers');
      tf.dispose([x, y]);
    });
  });

  it('topKCorrect counts the rows whose label is among the k largest scores', async () => {
    const scores = tf.tensor2d([0.1, 0.5, 0.2, 0.9, 3, 2, 1, 0, 0, 1, 2, 3], [3, 4]);
    const labels = tf.tensor1d([1, 0, 1], 'int32');
    await assertNoLeak(() => {
      assert.deepStrictEqual([1, 2, 3, 4].map((k) => topKCorrect(scores, labels, k)), [1, 2, 3, 3]);
      assert.throws(() => topKCorrect(scores, labels, 5), /k must be an integer in \[1, 4\] for scores \[3,4\], got 5/);
    });
    tf.dispose([scores, labels]);
  });

  it('starts from N(0, 0.01) weights and zero bias', () => {
    const probe = new LinearProbe(200, 50, {}, new Rng(3));
    const w = Array.from(probe.linear.weight.dataSync());
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 0.01) < 5e-4, `mean ${mean}, std ${std}`);
    assert.ok(probe.linear.bias!.dataSync().every((v) => v === 0));
    probe.dispose();
  });

  it('reaches >= 98 % on held-out linearly separable features, with decreasing train loss', async () => {
    const train = clusters(60, 3, 10, 0.5, 1);
    const validation = clusters(100, 3, 10, 0.5, 2);
    const r = await assertNoLeak(() => trainLinearProbe(train, validation, 3, { epochs: 10, batchSize: 32, seed: 4 }), 'trainLinearProbe');
    assert.ok(r.top1 >= 0.98, `top-1 ${r.top1}`);
    assert.strictEqual(r.top5, null, 'top-5 is only reported with more than 5 classes');
    assert.strictEqual(r.epochLosses.length, 10);
    assert.ok(r.epochLosses[9] < r.epochLosses[0] / 4, `losses ${r.epochLosses}`);
  });

  it('stays near chance on held-out data when the labels are random (while fitting the training set)', () => {
    const train = randomLabels(100, 4, 64, 5);
    const validation = randomLabels(2000, 4, 64, 6);
    const r = trainLinearProbe(train, validation, 4, { epochs: 30, batchSize: 32, seed: 1 });
    assert.ok(Math.abs(r.top1 - 0.25) < 0.05, `held-out top-1 ${r.top1}, chance 0.25`);
    assert.ok(r.epochLosses[29] < 0.3 * Math.log(4), `train loss ${r.epochLosses[29]} vs log(4) ${Math.log(4)}: the probe should memorise`);
  });

  it('reports top-5 with more than 5 classes, and is reproducible from its seed', () => {
    const train = clusters(20, 8, 8, 1.5, 7);
    const validation = clusters(20, 8, 8, 1.5, 8);
    const a = trainLinearProbe(train, validation, 8, { epochs: 3, batchSize: 16, seed: 2 });
    const b = trainLinearProbe(train, validation, 8, { epochs: 3, batchSize: 16, seed: 2 });
    const c = trainLinearProbe(train, validation, 8, { epochs: 3, batchSize: 16, seed: 3 });
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a.epochLosses, c.epochLosses);
    assert.ok(a.top5 !== null && a.top5 >= a.top1 && a.top5 <= 1, `top-1 ${a.top1}, top-5 ${a.top5}`);
  });

  it('standardize: features are shifted and scaled by the training statistics', () => {
    const train: LabelledFeatures = { values: Float32Array.from([1, 10, 3, 10, 5, 10]), dim: 2, labels: Int32Array.from([0, 1, 0]) };
    const validation: LabelledFeatures = { values: Float32Array.from([3, 11]), dim: 2, labels: Int32Array.from([1]) };
    const [tr, va] = standardizeFeatures(train, validation);
    const s = Math.sqrt(8 / 3);
    assertClose(tr.values, [-2 / s, 0, 0, 0, 2 / s, 0], { atol: 1e-6 });
    assertClose(va.values, [0, 1], { atol: 1e-6 });
    const big = clusters(30, 3, 6, 0.5, 9);
    const shifted = { ...big, values: big.values.map((v) => 1000 + 50 * v) };
    const r = trainLinearProbe(shifted, shifted, 3, { epochs: 5, batchSize: 16, standardize: true });
    assert.ok(r.top1 >= 0.98, `top-1 ${r.top1} on standardised features`);
  });

  it('linearProbeBlocks probes every block of an extraction and reports progress', () => {
    const a = clusters(20, 3, 4, 0.3, 10);
    const b = clusters(20, 3, 6, 0.3, 11);
    const set = (x: LabelledFeatures, y: LabelledFeatures): ExtractedFeatures => ({
      kind: 'gsp',
      classCount: 3,
      labels: x.labels,
      blocks: [
        { block: 1, dim: x.dim, values: x.values },
        { block: 3, dim: y.dim, values: y.values },
      ],
    });
    const seen: string[] = [];
    const results = linearProbeBlocks(set(a, b), set(a, b), { epochs: 2, batchSize: 16, onEpoch: (p) => seen.push(`${p.block}:${p.epoch}`) });
    assert.deepStrictEqual(results.map((r) => r.block), [1, 3]);
    assert.deepStrictEqual(seen, ['1:0', '1:1', '3:0', '3:1']);
    results.forEach((r) => assert.ok(r.top1 > 0.9, `block ${r.block}: ${r.top1}`));
    const other = { ...set(a, b), blocks: set(a, b).blocks.slice(0, 1) };
    assert.throws(() => linearProbeBlocks(set(a, b), other), /different blocks \(block:dim\) \[1:4,3:6\] and \[1:4\]/);
  });

  it('rejects bad inputs with clear errors', () => {
    const f = clusters(5, 2, 3, 0.1, 12);
    assert.throws(() => trainLinearProbe({ ...f, labels: f.labels.subarray(1) }, f, 2), /30 feature values do not make 9 rows of dim 3/);
    assert.throws(() => trainLinearProbe(f, f, 1), /number of classes >= 2, got 1/);
    assert.throws(() => trainLinearProbe(f, { values: new Float32Array(4), dim: 2, labels: Int32Array.from([0, 1]) }, 2), /train features have dim 3, validation features 2/);
    assert.throws(() => trainLinearProbe({ ...f, labels: f.labels.map((l) => l * 5) }, f, 2), /label 5 of sample 1 is outside \[0, 2\)/);
    assert.throws(() => trainLinearProbe(f, f, 2, { epochs: 0 }), /epochs must be an integer >= 1, got 0/);
    assert.throws(() => trainLinearProbe(f, f, 2, { batchSize: 2.5 }), /batchSize must be an integer >= 1, got 2.5/);
    assert.throws(() => trainLinearProbe(f, f, 2, { lr: 1e9, epochs: 50 }), /the loss is (NaN|Infinity)/);
  });

  it('frees every tensor even when training fails', () => {
    const f = clusters(5, 2, 3, 0.1, 13);
    const before = tf.memory().numTensors;
    assert.throws(() => trainLinearProbe(f, f, 2, { lr: 1e9, epochs: 50 }));
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
