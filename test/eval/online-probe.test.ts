import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { ExtractedFeatures, OnlineProbe } from '../../lib/eval';

/** A batch of `[n, dim]` features whose class (of 3) is the largest of their first three dimensions, plus labels. */
function batch(n: number, dim: number, rng: Rng): { x: tf.Tensor2D; y: tf.Tensor1D; values: Float32Array; labels: Int32Array } {
  const values = rng.normals(n * dim);
  const labels = Int32Array.from({ length: n }, (_, i) => {
    const row = values.subarray(i * dim, i * dim + 3);
    return row.indexOf(Math.max(...row));
  });
  return { x: tf.tensor2d(values, [n, dim]), y: tf.tensor1d(labels, 'int32'), values, labels };
}

describe('eval/online-probe', () => {
  it('trains one probe per block on each step\'s features, without leaking tensors after the first step', () => {
    const online = new OnlineProbe([5, 7], 3, { lr: 0.5 }, 1);
    const rng = new Rng(2);
    const first = [batch(32, 5, rng), batch(32, 7, rng)];
    online.step([first[0].x, first[1].x], first[0].y); // creates the momentum buffers
    tf.dispose(first.flatMap((b) => [b.x, b.y]));
    const before = tf.memory().numTensors;
    let last = { losses: [0, 0], top1: [0, 0] };
    for (let s = 0; s < 60; s++) {
      const a = batch(32, 5, rng);
      const b = batch(32, 7, rng);
      // Block 2's features carry block 1's labels in their first three dimensions too.
      const bx = tf.tidy(() => tf.concat([tf.slice(a.x, [0, 0], [32, 3]), tf.slice(b.x, [0, 3], [32, 4])], 1)) as tf.Tensor2D;
      last = online.step([a.x, bx], a.y);
      tf.dispose([a.x, a.y, b.x, b.y, bx]);
    }
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(last.losses.length, 2);
    last.top1.forEach((t, k) => assert.ok(t >= 0.75, `block ${k + 1} batch top-1 ${t}`));
    const test = batch(200, 5, new Rng(3));
    const features: ExtractedFeatures = {
      kind: 'head',
      classCount: 3,
      labels: test.labels,
      blocks: [
        { block: 0, dim: 5, values: test.values },
        { block: 1, dim: 7, values: new Float32Array(200 * 7).map((_, i) => (i % 7 < 3 ? test.values[Math.floor(i / 7) * 5 + (i % 7)] : 0)) },
      ],
    };
    online.evaluate(features).forEach((r, k) => {
      assert.ok(r.top1 >= 0.85, `block ${k + 1} held-out top-1 ${r.top1}`);
      assert.strictEqual(r.top5, null);
    });
    tf.dispose([test.x, test.y]);
    online.dispose();
    assert.strictEqual(tf.memory().numTensors, before - 8, 'dispose frees 2 x (weight, bias, 2 momentum buffers)');
  });

  it('rejects bad inputs', () => {
    assert.throws(() => new OnlineProbe([4], 1, {}, 0), /number of classes >= 2, got 1/);
    assert.throws(() => new OnlineProbe([], 3, {}, 0), /no blocks/);
    const online = new OnlineProbe([4, 4], 3, {}, 0);
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1], 'int32');
    assert.throws(() => online.step([x], y), /1 feature tensors for 2 probes/);
    tf.dispose([x, y]);
    online.dispose();
  });
});
