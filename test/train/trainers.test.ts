import * as assert from 'assert';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../lib/train/build-model';
import { listCheckpoints, moduleTensors } from '../../lib/train/checkpoint';
import { readRunConfig } from '../../lib/train/load-run';
import { readMetrics, rowBlockLosses, runPaths } from '../../lib/train/run-folder';
import { runTraining, StepEvent } from '../../lib/train/run-training';
import { BlockwiseSslModel } from '../../lib/train/blockwise-ssl-model';
import { ResolvedTrainConfig, TrainConfig, TrainMethod } from '../../lib/train/train-config';
import { SavedTensor } from '../../lib/optim/optimizer';
import { changedNames, checkpointWeights, fixedViews, mildViews, removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from './tiny-run';

/** A run on one fixed batch (16 images, batch 16) with deterministic views, so every step sees the same data. */
function fixedBatchConfig(method: TrainMethod, steps: number, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const base = tinyConfig(method);
  return { ...base, data: { batchSize: 16, steps, validationFraction: 0, views: fixedViews() }, ...overrides };
}

async function run(name: string, config: TrainConfig, dataset = tinyDataset(16)): Promise<{ dir: string; events: StepEvent[] }> {
  const dir = tempRunDir(name);
  const events: StepEvent[] = [];
  const result = await runTraining(config, { runDir: dir, dataset, onStep: (e) => events.push(e) });
  assert.strictEqual(result.status, 'completed');
  return { dir, events };
}

/** Variable names of block k (parameters and buffers, with its head and projector) in a model built from `config`. */
function blockNames(config: ResolvedTrainConfig): string[][] {
  const model = buildModel(config);
  try {
    return [...Array(model.numBlocks).keys()].map((k) => [...model.blockParameters(k), ...model.blockBuffers(k)].map((v) => v.name));
  } finally {
    model.dispose();
  }
}

function initialWeights(config: ResolvedTrainConfig): Record<string, SavedTensor> {
  const model: BlockwiseSslModel = buildModel(config);
  try {
    return moduleTensors(model);
  } finally {
    model.dispose();
  }
}

/** Block k's loss at its first and last step among the events. */
function firstLast(events: StepEvent[], k: number): [number, number] {
  const ls = events.map((e) => e.blockLosses[k]).filter((l) => !Number.isNaN(l));
  return [ls[0], ls[ls.length - 1]];
}

describe('trainers (runTraining on a tiny ResNet)', () => {
  after(removeTempDirs);

  it('simultaneous: every block loss goes down; config, metrics and checkpoints are written', async () => {
    const { dir, events } = await run('simultaneous', fixedBatchConfig('simultaneous', 8));
    for (let k = 0; k < 4; k++) {
      const [first, last] = firstLast(events, k);
      assert.ok(last < 0.8 * first, `block ${k + 1}: loss ${first} -> ${last}`);
    }
    const config = readRunConfig(dir);
    assert.strictEqual(config.method, 'simultaneous');
    assert.deepStrictEqual(config.trainBlocks, [0, 1, 2, 3]);
    const metrics = readMetrics(dir);
    assert.deepStrictEqual(metrics.map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7]);
    metrics.forEach((m, i) => {
      assert.deepStrictEqual(rowBlockLosses(m), events[i].blockLosses);
      assert.strictEqual(m.lr, events[i].lr);
      assert.ok(m.imagesPerSecond > 0);
    });
    // Peak lr 16 * 16 / 256 = 1 at step 0 (no warm-up), cosine towards 0.001.
    assert.strictEqual(events[0].lr, 1);
    assert.ok(events[7].lr < events[1].lr);
    assert.strictEqual(events[7].etaSeconds, 0);
    // One step per epoch here, so every step ends an epoch and writes a checkpoint.
    assert.deepStrictEqual(listCheckpoints(runPaths(dir).checkpoints).map((c) => c.step), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.strictEqual(JSON.parse(fs.readFileSync(runPaths(dir).status, 'utf8')).state, 'completed');
  });

  it('end-to-end: the backbone is one block with a GSP head and no noise, and its loss goes down', async () => {
    const { dir, events } = await run('e2e', { ...fixedBatchConfig('end-to-end', 6), model: { ...tinyConfig('end-to-end').model, head: undefined, noise: undefined } });
    const config = readRunConfig(dir);
    assert.deepStrictEqual(config.model.partition, [[0, 1, 2, 3]]);
    assert.deepStrictEqual(config.model.head, { kind: 'gsp' });
    assert.strictEqual(config.model.noise.sigma, 0);
    const [first, last] = firstLast(events, 0);
    assert.ok(last < 0.5 * first, `loss ${first} -> ${last}`);
    const weights = await checkpointWeights(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
    assert.deepStrictEqual(weights['projectors.0.0.weight'].shape, [8, 16]);
    assert.ok('network.layer4.0.conv2.weight' in weights && !('heads.1.0.weight' in weights));
  });

  it('sequential: block k trains alone while every other block (parameters and batch-norm statistics) stays bit-identical', async () => {
    const { dir, events } = await run('sequential', fixedBatchConfig('sequential', 12));
    const config = readRunConfig(dir);
    const names = blockNames(config);
    const ckpts = listCheckpoints(runPaths(dir).checkpoints);
    let before = initialWeights(config);
    for (let k = 0; k < 4; k++) {
      assert.deepStrictEqual(events.filter((e) => e.phase === k).map((e) => e.step), [3 * k, 3 * k + 1, 3 * k + 2]);
      assert.ok(events.filter((e) => e.phase === k).every((e) => e.blockLosses.every((l, j) => Number.isNaN(l) === (j !== k))));
      const [first, last] = firstLast(events, k);
      assert.ok(last < first, `block ${k + 1}: loss ${first} -> ${last}`);
      const after = await checkpointWeights(ckpts.find((c) => c.step === 3 * (k + 1))!.file);
      for (let j = 0; j < 4; j++) {
        const changed = changedNames(before, after, names[j]);
        if (j === k) assert.ok(changed.length > 0, `phase ${k + 1}: block ${j + 1} did not train`);
        else assert.deepStrictEqual(changed, [], `phase ${k + 1}: block ${j + 1} changed`);
      }
      before = after;
    }
  });

  it('sequential with frozenMode train: the frozen block keeps its parameters but updates its batch-norm statistics', async () => {
    const { dir } = await run('sequential-bn-train', { ...fixedBatchConfig('sequential', 4), trainBlocks: [0, 1], frozenMode: 'train' });
    const config = readRunConfig(dir);
    const model = buildModel(config);
    const params = model.blockParameters(0).map((v) => v.name);
    const stats = model.blockBuffers(0).map((v) => v.name).filter((n) => n.startsWith('network.'));
    model.dispose();
    const ckpts = listCheckpoints(runPaths(dir).checkpoints);
    const a = await checkpointWeights(ckpts.find((c) => c.step === 2)!.file);
    const b = await checkpointWeights(ckpts.find((c) => c.step === 4)!.file);
    assert.deepStrictEqual(changedNames(a, b, params), []);
    assert.deepStrictEqual(changedNames(a, b, stats), stats);
  });

  it('supervised blockwise: projectors output the classes and every block cross-entropy goes down', async () => {
    const { dir, events } = await run('supervised', fixedBatchConfig('supervised-blockwise', 8));
    const config = readRunConfig(dir);
    assert.deepStrictEqual(config.model.projector, [16, 4]);
    assert.ok(config.loss.every((l) => l.kind === 'cross-entropy'));
    for (let k = 0; k < 4; k++) {
      const [first, last] = firstLast(events, k);
      assert.ok(last < first - 0.02, `block ${k + 1}: loss ${first} -> ${last}`);
    }
  });

  it('random-feature: only block 3 trains; blocks 1-2 keep their random weights and fresh statistics (mean 0, var 1)', async () => {
    const { dir, events } = await run('random-feature', { ...fixedBatchConfig('random-feature', 5), trainBlocks: [2] });
    const config = readRunConfig(dir);
    const names = blockNames(config);
    const init = initialWeights(config);
    const final = await checkpointWeights(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
    for (const j of [0, 1, 3]) assert.deepStrictEqual(changedNames(init, final, names[j]), [], `block ${j + 1} changed`);
    assert.ok(changedNames(init, final, names[2]).length > 0, 'block 3 did not train');
    for (const n of names[0].concat(names[1]).filter((x) => x.startsWith('network.'))) {
      if (n.endsWith('running_mean')) assert.ok(final[n].values.every((v) => v === 0), n);
      if (n.endsWith('running_var')) assert.ok(final[n].values.every((v) => v === 1), n);
    }
    const [first, last] = firstLast(events, 2);
    assert.ok(last < first, `block 3: loss ${first} -> ${last}`);
  });

  it('first block from an end-to-end run: block 1 is loaded, stays frozen, and the other blocks train sequentially', async () => {
    const e2e = await run('e2e-source', fixedBatchConfig('end-to-end', 3));
    const { dir, events } = await run('first-block', { ...fixedBatchConfig('sequential', 6), init: { run: e2e.dir, blocks: [0] } });
    const config = readRunConfig(dir);
    assert.deepStrictEqual(config.trainBlocks, [1, 2, 3]);
    assert.deepStrictEqual(config.init, { run: e2e.dir, blocks: [0], step: 3 });
    assert.deepStrictEqual([...new Set(events.map((e) => e.phaseBlocks[0]))], [1, 2, 3]);
    const source = await checkpointWeights(listCheckpoints(runPaths(e2e.dir).checkpoints).pop()!.file);
    const final = await checkpointWeights(listCheckpoints(runPaths(dir).checkpoints).pop()!.file);
    const block1 = blockNames(config)[0].filter((n) => n.startsWith('network.'));
    assert.ok(block1.includes('network.conv1.weight') && block1.includes('network.layer1.0.bn2.running_var'));
    assert.deepStrictEqual(changedNames(source, final, block1), []);
    assert.ok(changedNames(initialWeights(config), final, ['network.conv1.weight']).length === 1, 'block 1 was not loaded');
  });

  it('merged blocks: partition [[0, 1], [2], [3]] trains three blocks simultaneously', async () => {
    const base = fixedBatchConfig('simultaneous', 3);
    const { dir, events } = await run('merged', { ...base, model: { ...base.model, partition: [[0, 1], [2], [3]] } });
    assert.strictEqual(readRunConfig(dir).loss.length, 3);
    assert.ok(events.every((e) => e.blockLosses.length === 3 && e.blockLosses.every(Number.isFinite)));
  });

  it('adaptive augmentations: a sequential run takes each phase views from its block recipe', async () => {
    const recipes = [fixedViews(), mildViews(), fixedViews(), mildViews()];
    const { events } = await run('adaptive', { ...fixedBatchConfig('sequential', 4), data: { batchSize: 16, steps: 4, validationFraction: 0, views: recipes } });
    assert.deepStrictEqual(events.map((e) => e.phaseBlocks), [[0], [1], [2], [3]]);
  });

  it('leaves tf.memory().numTensors unchanged', async () => {
    const base = fixedBatchConfig('sequential', 4);
    const before = tf.memory().numTensors;
    // Independent projector draws: this test is about the training loop, not about copying projectors.
    await run('memory', { ...base, model: { ...base.model, identicalProjectors: false } });
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
