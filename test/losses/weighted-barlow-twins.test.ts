import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { barlowTwinsTerms } from '../../lib/losses';
import { Rng } from '../../lib/nn/rng';
import { assertClose, assertNoLeak } from '../helpers';

function pair(n: number, d: number, seed: number): [tf.Tensor2D, tf.Tensor2D] {
  const rng = new Rng(seed);
  const z1 = tf.tensor2d(rng.normals(n * d), [n, d]);
  const z2 = tf.tidy(() => tf.add(z1, tf.tensor2d(rng.normals(n * d, 0.5), [n, d]))) as tf.Tensor2D;
  return [z1, z2];
}

function termsOf(t: { loss: tf.Scalar; invariance: tf.Scalar; redundancy: tf.Scalar }): number[] {
  const v = [t.loss, t.invariance, t.redundancy].map((x) => x.dataSync()[0]);
  tf.dispose([t.loss, t.invariance, t.redundancy]);
  return v;
}

describe('losses/barlowTwinsTerms with example weights', () => {
  const options = { lambda: 0.02, invarianceTarget: 0.9 };

  it('equal weights give the Barlow Twins terms (any scale of the weights)', async () => {
    const [z1, z2] = pair(12, 5, 1);
    await assertNoLeak(() => {
      const plain = termsOf(barlowTwinsTerms(z1, z2, options));
      for (const c of [1, 0.25, 7]) {
        const w = tf.fill([12], c) as tf.Tensor1D;
        assertClose(termsOf(barlowTwinsTerms(z1, z2, options, w)), plain, { rtol: 1e-5, what: `weights ${c}` });
        w.dispose();
      }
    }, 'barlowTwinsTerms with weights');
    tf.dispose([z1, z2]);
  });

  it('weights of 0 and 1 give the loss of the examples weighted 1, and their gradients; the others get none', () => {
    const [z1, z2] = pair(10, 4, 2);
    const keep = [0, 2, 3, 7, 9];
    const w = tf.tensor1d([...Array(10).keys()].map((i) => (keep.includes(i) ? 1 : 0)));
    const idx = tf.tensor1d(keep, 'int32');
    const [s1, s2] = [tf.gather(z1, idx), tf.gather(z2, idx)] as tf.Tensor2D[];
    assertClose(termsOf(barlowTwinsTerms(z1, z2, options, w)), termsOf(barlowTwinsTerms(s1, s2, options)), { rtol: 1e-5, what: 'subset terms' });

    const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => barlowTwinsTerms(a as tf.Tensor2D, b as tf.Tensor2D, options, w).loss)([z1, z2]);
    const [h1, h2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => barlowTwinsTerms(a as tf.Tensor2D, b as tf.Tensor2D, options).loss)([s1, s2]);
    const full1 = g1.arraySync() as number[][];
    const sub1 = h1.arraySync() as number[][];
    keep.forEach((row, i) => assertClose(full1[row], sub1[i], { rtol: 1e-4, atol: 1e-6, what: `grad z1 row ${row}` }));
    for (let row = 0; row < 10; row++) if (!keep.includes(row)) assertClose(full1[row], [0, 0, 0, 0], { atol: 0, what: `grad z1 row ${row}` });
    assertClose(tf.gather(g2, idx).dataSync(), h2.dataSync(), { rtol: 1e-4, atol: 1e-6, what: 'grad z2' });
    tf.dispose([z1, z2, w, idx, s1, s2, g1, g2, h1, h2]);
  });

  it('an integer weight counts an example that many times', () => {
    const [z1, z2] = pair(6, 3, 3);
    const w = tf.tensor1d([1, 2, 1, 3, 1, 1]);
    const rows = [0, 1, 1, 2, 3, 3, 3, 4, 5];
    const idx = tf.tensor1d(rows, 'int32');
    const [r1, r2] = [tf.gather(z1, idx), tf.gather(z2, idx)] as tf.Tensor2D[];
    assertClose(termsOf(barlowTwinsTerms(z1, z2, options, w)), termsOf(barlowTwinsTerms(r1, r2, options)), { rtol: 1e-5, what: 'repeated rows' });
    tf.dispose([z1, z2, w, idx, r1, r2]);
  });

  it('rejects weights of the wrong shape, negative, non-finite or all zero, naming them', () => {
    const [z1, z2] = pair(4, 3, 4);
    const cases: [number[], RegExp][] = [
      [[1, 1, 1], /weights of shape \[3\] do not give one weight to each of the 4 examples/],
      [[1, -1, 1, 1], /weight 1 is -1/],
      [[1, 1, NaN, 1], /weight 2 is NaN/],
      [[0, 0, 0, 0], /every weight is 0/],
    ];
    for (const [values, message] of cases) {
      const w = tf.tensor1d(values);
      assert.throws(() => barlowTwinsTerms(z1, z2, {}, w), message);
      w.dispose();
    }
    tf.dispose([z1, z2]);
  });
});
