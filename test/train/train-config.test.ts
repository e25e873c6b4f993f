import * as assert from 'assert';
import { barlowTwinsViewsSmall, withCropInterpolation } from '../../lib/data/views';
import { FASHION_MNIST_STATS } from '../../lib/data/normalization';
import { DatasetInfo, PAPER_OPTIMIZER, RESNET50_BACKBONE, resolveTrainConfig, TrainConfig } from '../../lib/train/train-config';
import { phaseAt, trainingPlan } from '../../lib/train/training-plan';
import { fixedViews, mildViews, tinyConfig, TINY_BACKBONE } from './tiny-run';

const fashion: DatasetInfo = { name: 'fashion-mnist', imageShape: [28, 28, 1], numClasses: 10 };
const tiny: DatasetInfo = { name: 'tiny-bars', imageShape: [8, 8, 3], numClasses: 4 };

describe('resolveTrainConfig', () => {
  it("fills in the paper's defaults (ResNet-50, CbE, projector 8192, noise 0.25, Barlow Twins, LARS, batch 2048, 300 epochs)", () => {
    const r = resolveTrainConfig({ method: 'simultaneous' }, fashion);
    assert.deepStrictEqual(r.model.backbone, { ...RESNET50_BACKBONE, inChannels: 1 });
    assert.deepStrictEqual(r.model.partition, [[0], [1], [2], [3]]);
    assert.deepStrictEqual(r.model.head, { kind: 'cbe' });
    assert.deepStrictEqual(r.model.projector, [8192, 8192, 8192]);
    assert.deepStrictEqual(r.model.noise, { sigma: 0.25, variant: 'element' });
    assert.deepStrictEqual(r.loss, Array(4).fill({ kind: 'barlow-twins' }));
    assert.deepStrictEqual(r.optimizer, PAPER_OPTIMIZER);
    assert.deepStrictEqual(PAPER_OPTIMIZER, { baseLr: 0.2, warmupEpochs: 10, finalLrFraction: 0.001, momentum: 0.9, eta: 0.001, weightDecay: 1e-6, biasLrMultiplier: 0.024 });
    assert.deepStrictEqual(r.data, {
      dataset: 'fashion-mnist',
      validationFraction: 0.1,
      splitSeed: 0,
      views: barlowTwinsViewsSmall({ size: 28, stats: FASHION_MNIST_STATS }),
      batchSize: 2048,
      epochs: 300,
    });
    assert.deepStrictEqual([r.trainBlocks, r.frozenMode, r.init, r.seed], [[0, 1, 2, 3], 'eval', null, 0]);
    assert.deepStrictEqual(r.checkpoint, { everySteps: null, keep: 3 });
  });

  it('is idempotent: resolving a resolved config gives it back', () => {
    for (const method of ['end-to-end', 'simultaneous', 'sequential', 'supervised-blockwise', 'random-feature'] as const) {
      const r = resolveTrainConfig(tinyConfig(method), tiny);
      assert.deepStrictEqual(resolveTrainConfig(r, tiny), r, method);
    }
  });

  it('end-to-end: one block, GSP head, no noise; supervised: projector to the classes and cross-entropy', () => {
    const e2e = resolveTrainConfig({ method: 'end-to-end', model: { backbone: TINY_BACKBONE } }, tiny);
    assert.deepStrictEqual([e2e.model.partition, e2e.model.head, e2e.model.noise.sigma, e2e.trainBlocks], [[[0, 1, 2, 3]], { kind: 'gsp' }, 0, [0]]);
    const sup = resolveTrainConfig({ method: 'supervised-blockwise', model: { backbone: TINY_BACKBONE, projector: [32, 32, 64] } }, tiny);
    assert.deepStrictEqual(sup.model.projector, [32, 32, 4]);
    assert.deepStrictEqual(sup.loss, Array(4).fill({ kind: 'cross-entropy' }));
  });

  it('per-block losses, init and random-feature defaults', () => {
    const lambdas = [0.02, 0.0051, 0.0051, 0.0051].map((lambda, k) => ({ kind: 'barlow-twins' as const, lambda, invarianceTarget: [0.6, 0.75, 0.9, 1][k] }));
    const r = resolveTrainConfig({ ...tinyConfig('sequential'), loss: lambdas, init: { run: '/runs/e2e', blocks: [0] } }, tiny);
    assert.deepStrictEqual(r.loss, lambdas);
    assert.deepStrictEqual(r.trainBlocks, [1, 2, 3]);
    assert.deepStrictEqual(resolveTrainConfig(tinyConfig('random-feature'), tiny).trainBlocks, [3]);
  });

  it('difficulty routing and per-block backward: kept when set (and then idempotent), absent otherwise', () => {
    const routed = resolveTrainConfig({ ...tinyConfig('simultaneous'), routing: { kind: 'weighted', otherWeight: 0.5 } }, tiny);
    assert.deepStrictEqual(routed.routing, { kind: 'weighted', otherWeight: 0.5 });
    assert.deepStrictEqual(resolveTrainConfig(routed, tiny), routed);
    assert.ok(!('routing' in resolveTrainConfig({ ...tinyConfig('simultaneous'), routing: null }, tiny)));
    const perBlock = resolveTrainConfig({ ...tinyConfig('sequential'), backward: 'per-block' }, tiny);
    assert.strictEqual(perBlock.backward, 'per-block');
    assert.deepStrictEqual(resolveTrainConfig(perBlock, tiny), perBlock);
    assert.ok(!('backward' in resolveTrainConfig({ ...tinyConfig('sequential'), backward: 'joint' }, tiny)));
  });

  it('names what does not fit', () => {
    const bad: [TrainConfig, RegExp][] = [
      [{ method: 'blockwise' as never }, /unknown method 'blockwise'/],
      [{ ...tinyConfig('end-to-end'), model: { backbone: TINY_BACKBONE, partition: [[0, 1], [2, 3]] } }, /end-to-end trains the backbone as one block/],
      [{ ...tinyConfig('simultaneous'), model: { backbone: { ...TINY_BACKBONE, inChannels: 1 } } }, /inChannels is 1 but tiny-bars images have 3 channels/],
      [{ ...tinyConfig('simultaneous'), model: { backbone: { ...TINY_BACKBONE, numClasses: 10 } } }, /numClasses must be null/],
      [{ ...tinyConfig('simultaneous'), model: { backbone: TINY_BACKBONE, partition: [[0], [2], [1, 3]] } }, /block 2 lists stage 2 where stage 1 was expected/],
      [{ ...tinyConfig('simultaneous'), loss: { kind: 'cross-entropy' } }, /method 'simultaneous' cannot use cross-entropy/],
      [{ ...tinyConfig('supervised-blockwise'), loss: { kind: 'vicreg' } }, /block 1 has loss 'vicreg': method 'supervised-blockwise' needs cross-entropy/],
      [{ ...tinyConfig('simultaneous'), loss: [{ kind: 'barlow-twins' }] }, /1 loss specs for 4 blocks/],
      [{ ...tinyConfig('simultaneous'), trainBlocks: [0, 4] }, /trainBlocks \[0,4\] lists block 4, not in 0..3/],
      [{ ...tinyConfig('random-feature'), trainBlocks: [1, 2] }, /random-feature trains one block/],
      [{ ...tinyConfig('random-feature'), init: { run: 'x', blocks: [0] } }, /init is not allowed/],
      [{ ...tinyConfig('simultaneous'), data: { views: [mildViews(), mildViews(), mildViews(), mildViews()] } }, /per-block view recipes need steps that train one block/],
      [{ ...tinyConfig('simultaneous'), data: { views: barlowTwinsViewsSmall({ size: 8, stats: FASHION_MNIST_STATS }) } }, /normalizes 1 channels, tiny-bars images have 3/],
      [{ ...tinyConfig('simultaneous'), data: { batchSize: 1 } }, /batchSize 1 is not an integer >= 2/],
      [{ ...tinyConfig('simultaneous'), optimizer: { baseLr: -1 } }, /optimizer.baseLr -1 is not a finite number >= 0/],
      [{ ...tinyConfig('simultaneous'), checkpoint: { everySteps: 0 } }, /checkpoint.everySteps 0/],
      [{ ...tinyConfig('sequential'), routing: { kind: 'train-all-below' } }, /difficulty routing needs every block training in every step \(method 'simultaneous'\), not 'sequential'/],
      [{ ...tinyConfig('simultaneous'), routing: { kind: 'weighted', otherWeight: -0.5 } }, /routing.otherWeight must be a number in \[0, 1\], got -0.5/],
      [{ ...tinyConfig('simultaneous'), loss: { kind: 'vicreg' }, routing: { kind: 'train-all-below' } }, /weights Barlow Twins losses; block 1 has 'vicreg'/],
      [{ ...tinyConfig('simultaneous'), trainBlocks: [1, 2, 3], routing: { kind: 'train-all-below' } }, /trains every block, but trainBlocks is \[1,2,3\]/],
      [{ ...tinyConfig('simultaneous'), data: { batchSize: 6 }, routing: { kind: 'train-all-below' } }, /splits the batch of 6 into 4 groups of at least two/],
      [{ ...tinyConfig('end-to-end'), backward: 'per-block' }, /backward 'per-block' needs stop-gradient between blocks/],
      [{ ...tinyConfig('simultaneous'), backward: 'per-block', routing: { kind: 'train-all-below' } }, /backward 'per-block' cannot route by difficulty/],
      [{ ...tinyConfig('simultaneous'), backward: 'sideways' as never }, /backward must be 'joint' or 'per-block', got 'sideways'/],
    ];
    for (const [config, message] of bad) assert.throws(() => resolveTrainConfig(config, tiny), message);
    assert.throws(() => resolveTrainConfig({ method: 'simultaneous', data: { dataset: 'mnist-like' } }, { ...tiny, name: 'mnist-like', imageShape: [8, 8, 1] }), /no default view recipe for mnist-like/);
  });
});

describe('trainingPlan', () => {
  it('simultaneous: one phase, warm-up then cosine over the run, steps from epochs', () => {
    const r = resolveTrainConfig({ ...tinyConfig('simultaneous'), data: { batchSize: 8, epochs: 5, views: fixedViews() }, optimizer: { baseLr: 0.2, warmupEpochs: 1 } }, tiny);
    const plan = trainingPlan(r, 35);
    assert.deepStrictEqual([plan.stepsPerEpoch, plan.totalSteps, plan.phases.length], [4, 20, 1]);
    const p = plan.phases[0];
    assert.deepStrictEqual([p.blocks, p.frozenBlocks, p.startStep, p.steps, p.warmupSteps], [[0, 1, 2, 3], [], 0, 20, 4]);
    const peak = (0.2 * 8) / 256;
    assert.strictEqual(p.lr(0), 0);
    assert.strictEqual(p.lr(2), peak / 2);
    assert.strictEqual(p.lr(4), peak);
    assert.ok(Math.abs(p.lr(20) - 0.001 * peak) < 1e-12);
  });

  it('sequential: one phase per trained block, equal shares, the blocks below frozen, per-block views', () => {
    const views = [fixedViews(), mildViews(), fixedViews(), mildViews()];
    const r = resolveTrainConfig({ ...tinyConfig('sequential'), trainBlocks: [1, 2, 3], data: { batchSize: 8, steps: 10, views } }, tiny);
    const plan = trainingPlan(r, 32);
    assert.deepStrictEqual(
      plan.phases.map((p) => [p.blocks, p.frozenBlocks, p.startStep, p.steps]),
      [[[1], [0], 0, 3], [[2], [0, 1], 3, 3], [[3], [0, 1, 2], 6, 4]],
    );
    // The resolved recipes name their crop's interpolation (bilinear, these name none).
    assert.deepStrictEqual(plan.phases.map((p) => p.views), withCropInterpolation(views).slice(1));
    assert.deepStrictEqual([0, 2, 3, 9].map((s) => phaseAt(plan, s).index), [0, 0, 1, 2]);
    assert.throws(() => phaseAt(plan, 10), /step 10 is outside the run's 10 steps/);
  });

  it('names a warm-up that does not fit and a dataset smaller than a batch', () => {
    const r = resolveTrainConfig({ ...tinyConfig('sequential'), data: { batchSize: 8, epochs: 4, views: fixedViews() }, optimizer: { warmupEpochs: 1 } }, tiny);
    assert.throws(() => trainingPlan(r, 32), /1 warm-up epochs \(4 steps\) do not fit in block 1's share of 4 steps/);
    assert.throws(() => trainingPlan(r, 7), /7 training images do not fill one batch of 8/);
  });
});
