import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { Projector, createBlockProjectors } from '../../lib/blockwise/projector';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface ProjectorCase {
  widths: number[];
  x: number[];
  weights: number[][];
  w: number[];
  y: number[];
  gradX: number[];
  gradWeights: number[][];
  gradGammas: number[][];
  gradBetas: number[][];
  runningMeans: number[][];
  runningVars: number[][];
  yEval: number[];
}

const TOL = { rtol: 1e-4, atol: 1e-5 };

function values(p: Projector): number[][] {
  return [...p.parameters(), ...p.buffers()].map((v) => Array.from(v.variable.dataSync()));
}

describe('Projector', () => {
  const c = loadFixture<{ projector: ProjectorCase }>('blockwise').projector;

  it('matches PyTorch Linear-BN-ReLU-Linear-BN-ReLU-Linear (train value, gradients, running stats, eval value)', async () => {
    const p = new Projector(c.widths, new Rng(0));
    await assertNoLeak(() => {
      tf.tidy(() => p.weights.forEach((v, i) => v.assign(tf.tensor2d(c.weights[i], v.shape))));
      const n = c.x.length / c.widths[0];
      const x = tf.tidy(() => tf.variable(tf.tensor2d(c.x, [n, c.widths[0]])));
      const w = tf.tensor2d(c.w, [n, p.outDim]);
      let y: tf.Tensor | null = null;
      const vars = [x, ...p.weights, ...p.norms.flatMap((bn) => [bn.gamma!, bn.beta!])];
      const { value, grads } = tf.variableGrads(() => {
        const out = p.apply(x as tf.Variable<tf.Rank.R2>, 'train');
        y = tf.keep(out.clone());
        return tf.sum(tf.mul(out, w)) as tf.Scalar;
      }, vars);
      assertClose(y!.dataSync(), c.y, { ...TOL, what: 'y' });
      assertClose(grads[x.name].dataSync(), c.gradX, { ...TOL, what: 'dL/dx' });
      p.weights.forEach((v, i) => assertClose(grads[v.name].dataSync(), c.gradWeights[i], { ...TOL, what: `dL/dW${i}` }));
      p.norms.forEach((bn, i) => {
        assertClose(grads[bn.gamma!.name].dataSync(), c.gradGammas[i], { ...TOL, what: `dL/dgamma${i}` });
        assertClose(grads[bn.beta!.name].dataSync(), c.gradBetas[i], { ...TOL, what: `dL/dbeta${i}` });
        assertClose(bn.runningMean.dataSync(), c.runningMeans[i], { ...TOL, what: `running mean ${i}` });
        assertClose(bn.runningVar.dataSync(), c.runningVars[i], { ...TOL, what: `running var ${i}` });
      });
      const yEval = p.apply(x as tf.Variable<tf.Rank.R2>, 'eval');
      assertClose(yEval.dataSync(), c.yEval, { ...TOL, what: 'eval y' });
      tf.dispose([x, w, value, y!, yEval, ...Object.values(grads)]);
    });
    p.dispose();
  });

  it("names its variables like the authors' nn.Sequential and has no biases in its linear layers", () => {
    const p = new Projector([6, 8, 8, 5], new Rng(1));
    assert.deepStrictEqual(
      p.parameters().map((v) => `${v.name}:${v.variable.shape}`),
      ['0.weight:6,8', '1.weight:8', '1.bias:8', '3.weight:8,8', '4.weight:8', '4.bias:8', '6.weight:8,5'],
    );
    assert.deepStrictEqual(
      p.buffers().map((v) => v.name),
      ['1.running_mean', '1.running_var', '4.running_mean', '4.running_var'],
    );
    assert.strictEqual(p.inDim, 6);
    assert.strictEqual(p.outDim, 5);
    p.dispose();
    const linear = new Projector([3, 2], new Rng(1));
    assert.deepStrictEqual(linear.parameters().map((v) => v.name), ['0.weight']);
    linear.dispose();
  });

  it('rejects bad widths and inputs of the wrong width', () => {
    assert.throws(() => new Projector([8], new Rng(0)), /at least two/);
    assert.throws(() => new Projector([8, 0, 4], new Rng(0)), /positive integers/);
    const p = new Projector([4, 2], new Rng(0));
    const x = tf.zeros([3, 5]) as tf.Tensor2D;
    assert.throws(() => p.apply(x, 'eval'), /\[3,5\], expected \[N, 4\]/);
    tf.dispose([x]);
    p.dispose();
  });
});

describe('createBlockProjectors', () => {
  // Construction is left outside the leak checks: BatchNorm's constructor keeps its initial tensors alive.
  it('gives every block the same initial weights in separate variables (the authors deep-copy one)', async () => {
    const ps = createBlockProjectors([6, 6, 6, 6], [8, 8, 5], new Rng(2));
    assert.strictEqual(ps.length, 4);
    const first = values(ps[0]);
    for (const p of ps.slice(1)) assert.deepStrictEqual(values(p), first);
    const vars = new Set(ps.flatMap((p) => [...p.parameters(), ...p.buffers()].map((v) => v.variable)));
    assert.strictEqual(vars.size, 4 * 11);
    await assertNoLeak(() => {
      // Training one projector (BN statistics and a weight) leaves the others as they were.
      const x = tf.tensor2d(new Rng(3).normals(4 * 6), [4, 6]);
      ps[1].apply(x, 'train').dispose();
      tf.tidy(() => ps[1].weights[0].assign(tf.zerosLike(ps[1].weights[0])));
      assert.notDeepStrictEqual(values(ps[1]), first);
      assert.deepStrictEqual(values(ps[0]), first);
      assert.deepStrictEqual(values(ps[2]), first);
      x.dispose();
    });
    for (const p of ps) p.dispose();
  });

  it('draws independent weights on request (needed when input widths differ, e.g. GSP heads)', () => {
    const ps = createBlockProjectors([4, 6], [8, 5], new Rng(4), { identicalInit: false });
    assert.deepStrictEqual(ps.map((p) => p.widths), [[4, 8, 5], [6, 8, 5]]);
    for (const p of ps) p.dispose();
    const [a, b] = createBlockProjectors([4, 4], [3], new Rng(5), { identicalInit: false });
    assert.notDeepStrictEqual(values(a), values(b));
    a.dispose();
    b.dispose();
  });

  it('refuses identical initial weights for different input widths', () => {
    const before = tf.memory().numTensors;
    assert.throws(() => createBlockProjectors([256, 512, 1024, 2048], [8], new Rng(0)), /equal input widths, got \[256,512,1024,2048\]/);
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
