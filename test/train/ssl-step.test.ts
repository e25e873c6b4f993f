import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { ResNet } from '../../lib/nn/resnet';
import { Rng } from '../../lib/nn/rng';
import { Lars } from '../../lib/optim/lars';
import { BlockwiseSslModel, BlockwiseSslConfig } from '../../lib/train/blockwise-ssl-model';
import { sslTrainStep, SslStepConfig } from '../../lib/train/ssl-step';
import { difficultyRouting, exampleDifficulty, routeByDifficulty, RoutingScheme } from '../../lib/train/difficulty-routing';
import { barlowTwinsLoss } from '../../lib/losses';
import { assertClose, paperBlockwise } from '../helpers';

/** A tiny CIFAR-stem BasicBlock ResNet (4 stages) with small CbE heads and projectors. */
function tinyModel(overrides: Partial<BlockwiseSslConfig> = {}, seed = 1): BlockwiseSslModel {
  const backbone = new ResNet(
    { block: 'basic', blocksPerStage: [1, 1, 1, 1], widths: [4, 6, 8, 8], stem: 'cifar', stemWidth: 4, numClasses: null },
    seed,
  );
  return new BlockwiseSslModel(
    backbone,
    { ...paperBlockwise(), head: { kind: 'cbe', outChannels: 12 }, projector: [16, 16], ...overrides },
    seed + 1,
  );
}

function views(seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const rng = new Rng(seed);
  const a = tf.tensor4d(rng.normals(8 * 8 * 8 * 3), [8, 8, 8, 3]);
  const b = tf.tidy(() => tf.add(a, tf.tensor4d(rng.normals(8 * 8 * 8 * 3, 0.1), [8, 8, 8, 3]))) as tf.Tensor4D;
  return [a, b];
}

async function snapshot(model: BlockwiseSslModel, k: number): Promise<Float32Array[]> {
  return Promise.all(model.blockParameters(k).map((p) => p.variable.data() as Promise<Float32Array>));
}

function sameArrays(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

const barlow: SslStepConfig['loss'] = { kind: 'barlow-twins' };

describe('sslTrainStep', () => {
  it('keeps tf.memory().numTensors unchanged across 20 simultaneous blockwise steps', () => {
    const model = tinyModel();
    const opt = new Lars(model.parameters());
    const v = views(3);
    const cfg: SslStepConfig = { loss: barlow, lossBlocks: [0, 1, 2, 3] };
    sslTrainStep(model, v, cfg, opt, 0.1); // first step creates the momentum buffers
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) sslTrainStep(model, v, cfg, opt, 0.1);
    assert.strictEqual(tf.memory().numTensors, before);
    tf.dispose(v);
    opt.dispose();
    model.dispose();
  });

  it('lowers every block loss on a fixed pair of views', () => {
    const model = tinyModel({ noise: { sigma: 0, variant: 'element' } });
    const opt = new Lars(model.parameters());
    const v = views(4);
    const cfg: SslStepConfig = { loss: barlow, lossBlocks: [0, 1, 2, 3] };
    const first = sslTrainStep(model, v, cfg, opt, 0.5).blockLosses;
    let last = first;
    for (let i = 0; i < 15; i++) last = sslTrainStep(model, v, cfg, opt, 0.5).blockLosses;
    last.forEach((l, k) => assert.ok(l < first[k], `block ${k + 1}: loss ${first[k]} -> ${l} did not go down`));
    tf.dispose(v);
    opt.dispose();
    model.dispose();
  });

  it('stop-gradient: a loss on block k leaves the parameters of blocks below it bit-identical', async () => {
    const model = tinyModel();
    const opt = new Lars(model.parameters());
    const v = views(5);
    const below = await Promise.all([0, 1].map((k) => snapshot(model, k)));
    const own = await snapshot(model, 2);
    sslTrainStep(model, v, { loss: barlow, lossBlocks: [2] }, opt, 0.5);
    for (const k of [0, 1]) assert.ok(sameArrays(await snapshot(model, k), below[k]), `block ${k + 1} changed`);
    assert.ok(!sameArrays(await snapshot(model, 2), own), 'block 3 did not change');
    tf.dispose(v);
    opt.dispose();
    model.dispose();
  });

  it('end-to-end (no stop-gradient): the last block loss trains the first block', async () => {
    const model = tinyModel({ stopGradient: false });
    const opt = new Lars(model.parameters());
    const v = views(6);
    const first = await snapshot(model, 0);
    sslTrainStep(model, v, { loss: barlow, lossBlocks: [3] }, opt, 0.5);
    assert.ok(!sameArrays(await snapshot(model, 0), first), 'block 1 did not change');
    tf.dispose(v);
    opt.dispose();
    model.dispose();
  });

  it('frozen blocks keep their parameters and batch-norm statistics', async () => {
    const model = tinyModel();
    const opt = new Lars(model.parameters());
    const v = views(7);
    const stats = async () => Promise.all(model.network.blocks[0].buffers().map((b) => b.variable.data() as Promise<Float32Array>));
    const params = await snapshot(model, 0);
    const buffers = await stats();
    sslTrainStep(model, v, { loss: barlow, lossBlocks: [1], frozenBlocks: [0] }, opt, 0.5);
    assert.ok(sameArrays(await snapshot(model, 0), params), 'frozen block 1 parameters changed');
    assert.ok(sameArrays(await stats(), buffers), 'frozen block 1 batch-norm statistics changed');
    tf.dispose(v);
    opt.dispose();
    model.dispose();
  });

  it('stops on a non-finite loss, naming the block, before changing weights', async () => {
    const model = tinyModel();
    const opt = new Lars(model.parameters());
    const [a, b] = views(8);
    const bad = tf.fill([8, 8, 8, 3], NaN) as tf.Tensor4D;
    const params = await snapshot(model, 0);
    assert.throws(() => sslTrainStep(model, [bad, b], { loss: barlow, lossBlocks: [0] }, opt, 0.5), /block 1 loss is NaN/);
    assert.ok(sameArrays(await snapshot(model, 0), params));
    tf.dispose([a, b, bad]);
    opt.dispose();
    model.dispose();
  });

  describe('difficulty routing', () => {
    const quiet = { noise: { sigma: 0, variant: 'element' as const } };

    it('train-all-below: block 1 trains on the whole batch, the last block on its hardest quarter', () => {
      const v = views(9);
      // The expected losses, from a twin model's forward pass (same weights, batch statistics).
      const twin = tinyModel(quiet);
      const expected = tf.tidy(() => {
        const a = twin.forward(v[0], 'train');
        const b = twin.forward(v[1], 'train');
        const route = routeByDifficulty(exampleDifficulty(a.embeddings[3], b.embeddings[3]).dataSync(), 4);
        const hardest = tf.tensor1d([...route.keys()].filter((i) => route[i] === 3), 'int32');
        const atLeast2 = tf.tensor1d([...route.keys()].filter((i) => route[i] >= 2), 'int32');
        return [
          barlowTwinsLoss(a.embeddings[0], b.embeddings[0]),
          barlowTwinsLoss(tf.gather(a.embeddings[2], atLeast2), tf.gather(b.embeddings[2], atLeast2)),
          barlowTwinsLoss(tf.gather(a.embeddings[3], hardest), tf.gather(b.embeddings[3], hardest)),
        ].map((t) => t.dataSync()[0]);
      });
      twin.dispose();
      const model = tinyModel(quiet);
      const opt = new Lars(model.parameters());
      const cfg: SslStepConfig = { loss: barlow, lossBlocks: [0, 1, 2, 3], weighting: difficultyRouting({ kind: 'train-all-below' }) };
      const { blockLosses } = sslTrainStep(model, v, cfg, opt, 0.1);
      assertClose([blockLosses[0], blockLosses[2], blockLosses[3]], expected, { rtol: 1e-4, what: 'block losses 1, 3, 4' });
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) sslTrainStep(model, v, cfg, opt, 0.1);
      assert.strictEqual(tf.memory().numTensors, before);
      tf.dispose(v);
      opt.dispose();
      model.dispose();
    });

    it('weighted routing with other weight 1 is plain simultaneous training', () => {
      const v = views(10);
      const losses = (routing?: RoutingScheme) => {
        const model = tinyModel(quiet);
        const opt = new Lars(model.parameters());
        const out = sslTrainStep(model, v, { loss: barlow, lossBlocks: [0, 1, 2, 3], ...(routing ? { weighting: difficultyRouting(routing) } : {}) }, opt, 0.1).blockLosses;
        opt.dispose();
        model.dispose();
        return out;
      };
      assertClose(losses({ kind: 'weighted', otherWeight: 1 }), losses(), { rtol: 1e-4, what: 'block losses' });
      tf.dispose(v);
    });

    it('needs every block trained and Barlow Twins losses', () => {
      const model = tinyModel();
      const opt = new Lars(model.parameters());
      const v = views(11);
      const weighting = difficultyRouting({ kind: 'train-all-below' });
      assert.throws(() => sslTrainStep(model, v, { loss: barlow, lossBlocks: [1, 2, 3], frozenBlocks: [0], weighting }, opt, 0.1), /difficulty routing needs every block trained/);
      assert.throws(() => sslTrainStep(model, v, { loss: { kind: 'vicreg' }, lossBlocks: [0, 1, 2, 3], weighting }, opt, 0.1), /block 1 has 'vicreg'/);
      tf.dispose(v);
      opt.dispose();
      model.dispose();
    });
  });

  describe("backward: 'per-block'", () => {
    const quiet = { noise: { sigma: 0, variant: 'element' as const } };

    async function stepBoth(cfg: SslStepConfig): Promise<{ joint: Float32Array[][]; perBlock: Float32Array[][]; losses: number[][] }> {
      const v = views(12);
      const out = { joint: [] as Float32Array[][], perBlock: [] as Float32Array[][], losses: [] as number[][] };
      for (const backward of ['joint', 'per-block'] as const) {
        const model = tinyModel(quiet);
        const opt = new Lars(model.parameters());
        const losses = [0, 1].map(() => sslTrainStep(model, v, { ...cfg, backward }, opt, 0.2).blockLosses);
        out.losses.push(losses.flat());
        out[backward === 'joint' ? 'joint' : 'perBlock'] = await Promise.all([0, 1, 2, 3].map((k) => snapshot(model, k)));
        opt.dispose();
        model.dispose();
      }
      tf.dispose(v);
      return out;
    }

    it('gives the joint pass\'s losses and updates (simultaneous, two steps)', async () => {
      const { joint, perBlock, losses } = await stepBoth({ loss: barlow, lossBlocks: [0, 1, 2, 3] });
      assertClose(losses[1], losses[0], { rtol: 1e-5, what: 'block losses' });
      joint.forEach((block, k) => block.forEach((p, i) => assertClose(perBlock[k][i], p, { rtol: 1e-4, atol: 1e-6, what: `block ${k + 1} parameter ${i}` })));
    });

    it('gives the joint pass\'s updates with frozen blocks below (sequential phase 2)', async () => {
      const { joint, perBlock, losses } = await stepBoth({ loss: barlow, lossBlocks: [1], frozenBlocks: [0] });
      assertClose(losses[1].filter(Number.isFinite), losses[0].filter(Number.isFinite), { rtol: 1e-5, what: 'block 2 loss' });
      joint[1].forEach((p, i) => assertClose(perBlock[1][i], p, { rtol: 1e-4, atol: 1e-6, what: `block 2 parameter ${i}` }));
      assert.ok(sameArrays(perBlock[0], joint[0]), 'frozen block 1 changed');
    });

    it('keeps tf.memory().numTensors unchanged across steps', () => {
      const model = tinyModel();
      const opt = new Lars(model.parameters());
      const v = views(13);
      const cfg: SslStepConfig = { loss: barlow, lossBlocks: [0, 1, 2, 3], backward: 'per-block' };
      sslTrainStep(model, v, cfg, opt, 0.1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) sslTrainStep(model, v, cfg, opt, 0.1);
      assert.strictEqual(tf.memory().numTensors, before);
      tf.dispose(v);
      opt.dispose();
      model.dispose();
    });

    it('refuses models without stop-gradient, routing, and trained blocks without a loss', () => {
      const v = views(14);
      const e2e = tinyModel({ stopGradient: false });
      const opt = new Lars(e2e.parameters());
      assert.throws(() => sslTrainStep(e2e, v, { loss: barlow, lossBlocks: [3], backward: 'per-block' }, opt, 0.1), /needs stop-gradient between blocks/);
      assert.throws(
        () => sslTrainStep(e2e, v, { loss: barlow, lossBlocks: [0, 1, 2, 3], backward: 'per-block', weighting: difficultyRouting({ kind: 'train-all-below' }) }, opt, 0.1),
        /needs stop-gradient|cannot route by difficulty/,
      );
      const model = tinyModel();
      assert.throws(() => sslTrainStep(model, v, { loss: barlow, lossBlocks: [0, 1, 2, 3], backward: 'per-block', weighting: difficultyRouting({ kind: 'train-all-below' }) }, opt, 0.1), /cannot route by difficulty/);
      assert.throws(() => sslTrainStep(model, v, { loss: barlow, lossBlocks: [3], backward: 'per-block' }, opt, 0.1), /block 1 is trained but has no loss/);
      tf.dispose(v);
      opt.dispose();
      e2e.dispose();
      model.dispose();
    });
  });
});
