import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../lib/nn/rng';
import { GlobalSpatialPooling } from '../../lib/blockwise/gsp';
import { LocalSpatialPooling } from '../../lib/blockwise/lsp';
import { CbePooling, ConvExpansion } from '../../lib/blockwise/cbe';
import { GroupedConv2d } from '../../lib/blockwise/grouped-conv2d';
import { l2Pool } from '../../lib/blockwise/l2-pooling';
import { sqrtPool } from '../../lib/blockwise/sqrt-pooling';
import { HeadSpec, createHead } from '../../lib/blockwise/create-head';
import { PoolingHead } from '../../lib/blockwise/pooling-head';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

type Shape4 = [number, number, number, number];

interface PoolingCase {
  kind: 'gsp' | 'lsp';
  grid: [number, number] | null;
  xShape: Shape4;
  x: number[];
  w: number[];
  y: number[];
  gradX: number[];
}

interface CbeCase {
  kernelSize: number;
  groups: number;
  pooling: CbePooling;
  eps: number;
  inChannels: number;
  outChannels: number;
  xShape: Shape4;
  x: number[];
  convWeight: number[];
  convWeightShape: Shape4;
  w: number[];
  y: number[];
  gradX: number[];
  gradConvWeight: number[];
  gradGamma: number[];
  gradBeta: number[];
  runningMean: number[];
  runningVar: number[];
  yEval: number[] | null;
}

const fixture = loadFixture<{ pooling: PoolingCase[]; cbe: CbeCase[] }>('blockwise');
const TOL = { rtol: 1e-4, atol: 1e-5 };

/** Forward value and d(sum(head(x) * w))/dx. */
function valueAndInputGrad(head: PoolingHead, x: tf.Tensor4D, w: tf.Tensor2D): [tf.Tensor2D, tf.Tensor] {
  const y = head.apply(x, 'eval');
  const g = tf.grad((xi) => tf.sum(tf.mul(head.apply(xi as tf.Tensor4D, 'eval'), w)))(x);
  return [y, g];
}

describe('pooling heads: GSP and LSP', () => {
  for (const c of fixture.pooling) {
    const label = c.kind === 'gsp' ? 'GSP' : `LSP ${c.grid![0]} x ${c.grid![1]}`;
    it(`${label} on [${c.xShape}] matches PyTorch adaptive_avg_pool2d, value and input gradient`, async () => {
      await assertNoLeak(() => {
        const ch = c.xShape[3];
        const head = c.kind === 'gsp' ? new GlobalSpatialPooling(ch) : new LocalSpatialPooling({ inChannels: ch, grid: c.grid! });
        const x = tf.tensor4d(c.x, c.xShape);
        const w = tf.tensor2d(c.w, [c.xShape[0], head.outDim]);
        const [y, g] = valueAndInputGrad(head, x, w);
        assert.deepStrictEqual(y.shape, [c.xShape[0], head.outDim]);
        assertClose(y.dataSync(), c.y, { ...TOL, what: 'y' });
        assertClose(g.dataSync(), c.gradX, { ...TOL, what: 'dL/dx' });
        tf.dispose([x, w, y, g]);
      });
    });
  }

  it("LSP's default grid reaches 2048 features: 8 bins (2 x 4) for 256 channels, 4 (2 x 2), 2 (1 x 2), 1", () => {
    const grids = [256, 512, 1024, 2048].map((c) => {
      const head = new LocalSpatialPooling({ inChannels: c });
      assert.strictEqual(head.outDim, 2048);
      return head.grid;
    });
    assert.deepStrictEqual(grids, [[2, 4], [2, 2], [1, 2], [1, 1]]);
    assert.deepStrictEqual(new LocalSpatialPooling({ inChannels: 4, outDim: 36 }).grid, [3, 3]);
  });

  it('LSP rejects widths that do not divide, grids that disagree and inputs smaller than the grid', () => {
    assert.throws(() => new LocalSpatialPooling({ inChannels: 384 }), /outDim 2048 is not a positive multiple of the 384/);
    assert.throws(() => new LocalSpatialPooling({ inChannels: 256, outDim: 2048, grid: [2, 2] }), /needs 8/);
    const head = new LocalSpatialPooling({ inChannels: 2, grid: [2, 4] });
    const x = tf.zeros([1, 4, 3, 2]) as tf.Tensor4D;
    assert.throws(() => head.apply(x), /smaller than the 2 x 4 grid/);
    assert.throws(() => new GlobalSpatialPooling(3).apply(x), /expected \[N, H, W, 3\]/);
    x.dispose();
  });
});

describe('pooling heads: conv-based expansion (CbE)', () => {
  for (const c of fixture.cbe) {
    const label = `CbE k=${c.kernelSize}, groups ${c.groups}, ${c.pooling} pooling`;
    it(`${label} matches PyTorch (train-mode value, gradients w.r.t. input, conv weight and BN; running stats${c.yEval ? '; eval value' : ''})`, async () => {
      const head = new ConvExpansion(
        { inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernelSize, groups: c.groups, pooling: c.pooling, eps: c.eps },
        new Rng(0),
      );
      await assertNoLeak(() => {
        tf.tidy(() => head.conv.weight.assign(tf.tensor4d(c.convWeight, c.convWeightShape)));
        const x = tf.tidy(() => tf.variable(tf.tensor4d(c.x, c.xShape)));
        const w = tf.tensor2d(c.w, [c.xShape[0], c.outChannels]);
        let y: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = head.apply(x as tf.Variable<tf.Rank.R4>, 'train');
          y = tf.keep(out.clone());
          return tf.sum(tf.mul(out, w)) as tf.Scalar;
        }, [x, head.conv.weight, head.bn.gamma!, head.bn.beta!]);
        assertClose(y!.dataSync(), c.y, { ...TOL, what: 'y' });
        assertClose(grads[x.name].dataSync(), c.gradX, { ...TOL, what: 'dL/dx' });
        assertClose(grads[head.conv.weight.name].dataSync(), c.gradConvWeight, { ...TOL, what: 'dL/dconv' });
        assertClose(grads[head.bn.gamma!.name].dataSync(), c.gradGamma, { ...TOL, what: 'dL/dgamma' });
        assertClose(grads[head.bn.beta!.name].dataSync(), c.gradBeta, { ...TOL, what: 'dL/dbeta' });
        assertClose(head.bn.runningMean.dataSync(), c.runningMean, { ...TOL, what: 'running mean' });
        assertClose(head.bn.runningVar.dataSync(), c.runningVar, { ...TOL, what: 'running var' });
        if (c.yEval) {
          const yEval = head.apply(x as tf.Variable<tf.Rank.R4>, 'eval');
          assertClose(yEval.dataSync(), c.yEval, { ...TOL, what: 'eval y' });
          yEval.dispose();
        }
        tf.dispose([x, w, value, y!, ...Object.values(grads)]);
      });
      head.dispose();
    });
  }

  it("uses PyTorch's default init U(+-1/sqrt(fanIn)), fanIn = k * k * in / groups, and names its variables like the authors' Sequential", () => {
    const head = new ConvExpansion({ inChannels: 8, outChannels: 64, kernelSize: 3, groups: 2 }, new Rng(11));
    const bound = 1 / Math.sqrt(3 * 3 * (8 / 2));
    const w = Array.from(head.conv.weight.dataSync());
    assert.deepStrictEqual(head.conv.weight.shape, [3, 3, 4, 64]);
    assert.ok(w.every((v) => Math.abs(v) <= bound), 'a weight lies outside the bound');
    const rms = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    assertClose(rms, bound / Math.sqrt(3), { rtol: 0.05, what: 'rms of the init' });
    assert.deepStrictEqual(head.parameters().map((p) => p.name), ['0.weight', '1.weight', '1.bias']);
    assert.deepStrictEqual(head.buffers().map((p) => p.name), ['1.running_mean', '1.running_var']);
    assert.strictEqual(head.outDim, 64);
    head.dispose();
  });

  it('defaults to the paper: 1 x 1 conv to 2048 channels, average pooling', () => {
    const head = new ConvExpansion({ inChannels: 4 }, new Rng(0));
    assert.deepStrictEqual(head.conv.weight.shape, [1, 1, 4, 2048]);
    assert.strictEqual(head.pooling, 'average');
    assert.strictEqual(head.outDim, 2048);
    head.dispose();
  });

  it('L2 and square-root pooling keep finite gradients where activations are exactly zero', async () => {
    await assertNoLeak(() => {
      const x = tf.tensor4d([0, 0, 0, 1, 0, 0, 0, 4], [1, 2, 2, 2]);
      for (const pool of [l2Pool, sqrtPool]) {
        const g = tf.grad((xi) => tf.sum(pool(tf.relu(xi as tf.Tensor4D))))(x);
        assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `${pool.name}: gradient ${g.dataSync()}`);
        g.dispose();
      }
      const y = l2Pool(x);
      assertClose(y.dataSync(), [Math.sqrt(1e-6), Math.sqrt(17 / 4 + 1e-6)], { what: 'l2Pool' });
      tf.dispose([x, y]);
    });
  });

  it('grouped convolution rejects channel counts the groups do not divide', () => {
    assert.throws(() => new GroupedConv2d({ inChannels: 6, outChannels: 8, kernelSize: 1, groups: 4 }, new Rng(0)), /groups 4 must divide/);
    assert.throws(() => new ConvExpansion({ inChannels: 4, pooling: 'max' as CbePooling }, new Rng(0)), /pooling/);
  });
});

describe('createHead', () => {
  it('builds each head from its spec with the right output width', () => {
    const specs: [HeadSpec, number, string, number][] = [
      [{ kind: 'gsp' }, 256, 'GlobalSpatialPooling', 256],
      [{ kind: 'lsp' }, 512, 'LocalSpatialPooling', 2048],
      [{ kind: 'lsp', grid: [1, 3] }, 5, 'LocalSpatialPooling', 15],
      [{ kind: 'cbe', outChannels: 16 }, 8, 'ConvExpansion', 16],
      [{ kind: 'cbe', outChannels: 16, kernelSize: 3, groups: 2, pooling: 'sqrt' }, 8, 'ConvExpansion', 16],
    ];
    for (const [spec, ch, cls, dim] of specs) {
      const head = createHead(spec, ch, new Rng(0));
      assert.strictEqual(head.constructor.name, cls);
      assert.strictEqual(head.outDim, dim);
      head.dispose();
    }
    const cbe = createHead({ kind: 'cbe', outChannels: 16, kernelSize: 3, groups: 2, pooling: 'sqrt' }, 8, new Rng(0)) as ConvExpansion;
    assert.deepStrictEqual(cbe.conv.weight.shape, [3, 3, 4, 16]);
    assert.strictEqual(cbe.pooling, 'sqrt');
    cbe.dispose();
    assert.throws(() => createHead({ kind: 'maxpool' } as unknown as HeadSpec, 8, new Rng(0)), /unknown head kind 'maxpool'/);
  });
});
