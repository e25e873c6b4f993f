import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { Layer, Mode, NamedVariable, Sequential } from '../../lib/nn/module';
import { Conv2d } from '../../lib/nn/conv2d';
import { BatchNorm } from '../../lib/nn/batch-norm';
import { ReLU } from '../../lib/nn/relu';
import { Rng } from '../../lib/nn/rng';
import { ResNet } from '../../lib/nn/resnet';
import { BlockwiseNetwork, StagedBackbone } from '../../lib/blockwise/blockwise-network';
import { defaultPartition, validatePartition } from '../../lib/blockwise/partition';
import { featureNoise } from '../../lib/blockwise/noise';
import { GlobalSpatialPooling } from '../../lib/blockwise/gsp';
import { assertClose, assertNoLeak, paperBlockwise } from '../helpers';

const CHANNELS = [4, 6, 8, 10];

/** conv 3x3 -> BN -> ReLU, the smallest stage with batch norm. */
function convBnRelu(inC: number, outC: number, stride: number, rng: Rng): Sequential {
  return new Sequential([
    ['conv', new Conv2d({ inChannels: inC, outChannels: outC, kernelSize: 3, stride, padding: 1 }, rng)],
    ['bn', new BatchNorm({ channels: outC })],
    ['relu', new ReLU()],
  ]);
}

/** stem 3 -> 4 channels at full resolution, then stages 4, 6, 8, 10 channels, strides 1, 2, 2, 2. */
function tinyBackbone(seed: number): StagedBackbone {
  const rng = new Rng(seed);
  const stem = new Sequential([
    ['conv1', new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }, rng)],
    ['bn1', new BatchNorm({ channels: 4 })],
    ['relu', new ReLU()],
  ]);
  const stages = CHANNELS.map((c, i) => new Sequential([['0', convBnRelu(i === 0 ? 4 : CHANNELS[i - 1], c, i === 0 ? 1 : 2, rng)]]));
  return { stem, stages, stageChannels: CHANNELS };
}

function images(n: number, size: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normals(n * size * size * 3), [n, size, size, 3]);
}

function names(vars: NamedVariable[]): string[] {
  return vars.map((v) => v.name);
}

/** Sum of |g| per gradient, keyed by the network's variable names (absent: no gradient at all). */
function gradientMagnitudes(net: BlockwiseNetwork, loss: () => tf.Scalar): Map<string, number> {
  const params = net.parameters();
  const { value, grads } = tf.variableGrads(loss, params.map((p) => p.variable));
  const out = new Map<string, number>();
  for (const p of params) {
    const g = grads[p.variable.name];
    if (g !== undefined) out.set(p.name, tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]));
  }
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** A loss on block k's GSP head output: sum(GSP(out_k) * w), w fixed. */
function headLoss(net: BlockwiseNetwork, x: tf.Tensor4D, k: number, mode: Mode = 'train'): tf.Scalar {
  const outs = net.forward(x, mode);
  const c = net.blockChannels[k];
  const pooled = new GlobalSpatialPooling(c).apply(outs[k]);
  const w = tf.tensor1d(Array.from({ length: c }, (_, i) => ((i % 3) - 1) * 0.7 + 0.3));
  return tf.sum(tf.mul(pooled, w));
}

describe('BlockwiseNetwork', () => {
  it('returns one output per block: stem + layer1, layer2, layer3, layer4 with the default partition', async () => {
    const net = new BlockwiseNetwork(tinyBackbone(1), paperBlockwise(), 0);
    assert.deepStrictEqual(net.blockStages, [[0], [1], [2], [3]]);
    assert.deepStrictEqual(net.blockChannels, CHANNELS);
    assert.strictEqual(net.stopGradient, true);
    assert.deepStrictEqual(net.noise, { sigma: 0.25, variant: 'element' });
    await assertNoLeak(() => {
      const x = images(2, 16, 2);
      for (const mode of ['train', 'eval'] as const) {
        const outs = net.forward(x, mode);
        assert.deepStrictEqual(outs.map((o) => o.shape), [[2, 16, 16, 4], [2, 8, 8, 6], [2, 4, 4, 8], [2, 2, 2, 10]]);
        tf.dispose(outs);
      }
      const firstTwo = net.forward(x, 'eval', { blocks: 2 });
      assert.deepStrictEqual(firstTwo.map((o) => o.shape), [[2, 16, 16, 4], [2, 8, 8, 6]]);
      tf.dispose([x, ...firstTwo]);
    });
    net.dispose();
  });

  it('merges blocks 1 and 2 with the partition [[0, 1], [2], [3]]', async () => {
    const net = new BlockwiseNetwork(tinyBackbone(1), { ...paperBlockwise(), partition: [[0, 1], [2], [3]] }, 0);
    assert.deepStrictEqual(net.blockChannels, [6, 8, 10]);
    await assertNoLeak(() => {
      const x = images(2, 16, 2);
      const outs = net.forward(x, 'train');
      assert.deepStrictEqual(outs.map((o) => o.shape), [[2, 8, 8, 6], [2, 4, 4, 8], [2, 2, 2, 10]]);
      tf.dispose([x, ...outs]);
    });
    assert.deepStrictEqual(names(net.blocks[0].parameters()), [
      'conv1.weight', 'bn1.weight', 'bn1.bias',
      'layer1.0.conv.weight', 'layer1.0.bn.weight', 'layer1.0.bn.bias',
      'layer2.0.conv.weight', 'layer2.0.bn.weight', 'layer2.0.bn.bias',
    ]);
    assert.deepStrictEqual(names(net.blocks[1].parameters()), ['layer3.0.conv.weight', 'layer3.0.bn.weight', 'layer3.0.bn.bias']);
    assert.strictEqual(net.parameters().length, 15);
    assert.strictEqual(net.buffers().length, 10);
    net.dispose();
  });

  it('in eval mode equals the plain backbone (stem, then every stage)', async () => {
    const backbone = tinyBackbone(3);
    const net = new BlockwiseNetwork(backbone, { ...paperBlockwise(), partition: [[0, 1], [2, 3]] }, 0);
    await assertNoLeak(() => {
      const x = images(2, 16, 4);
      const outs = net.forward(x, 'eval');
      const plain = tf.tidy(() => backbone.stages.reduce((h, s) => s.apply(h, 'eval'), backbone.stem.apply(x, 'eval')));
      assertClose(outs[1].dataSync(), plain.dataSync(), { what: 'last block output' });
      tf.dispose([x, plain, ...outs]);
    });
    net.dispose();
  });

  it('adds noise to each block output in train mode, and the next block reads the noised tensor', async () => {
    const backbone = tinyBackbone(5);
    const noise = { sigma: 0.25, variant: 'element' as const };
    const net = new BlockwiseNetwork(backbone, { ...paperBlockwise(), noise }, 42);
    await assertNoLeak(() => {
      const x = images(2, 16, 6);
      const outs = net.forward(x, 'train');
      // Replay by hand with the same noise stream: noise(block_k(noised output of block k-1)).
      const rng = new Rng(42);
      const manual = tf.tidy(() => {
        const ys: tf.Tensor4D[] = [];
        let h = x;
        for (const block of net.blocks) {
          h = featureNoise(block.apply(h, 'train'), 'train', noise, rng);
          ys.push(h);
        }
        return ys;
      });
      outs.forEach((o, k) => assertClose(o.dataSync(), manual[k].dataSync(), { what: `block ${k + 1} output` }));
      // And the noise is really there: the clean block-1 output differs by about sigma * std.
      const clean = net.blocks[0].apply(x, 'train');
      const diff = tf.tidy(() => tf.sub(outs[0], clean));
      const rel = tf.tidy(() => tf.div(tf.sqrt(tf.moments(diff).variance), tf.sqrt(tf.moments(clean).variance)).dataSync()[0]);
      assertClose(rel, 0.25, { rtol: 0.1, what: 'noise std / feature std' });
      tf.dispose([x, clean, diff, ...outs, ...manual]);
    });
    net.dispose();
  });

  it('runs each block in its own mode with blockModes (e.g. a frozen, noise-free block 1)', async () => {
    const net = new BlockwiseNetwork(tinyBackbone(7), paperBlockwise(), 1);
    await assertNoLeak(() => {
      const x = images(2, 16, 8);
      const outs = net.forward(x, 'train', { blocks: 2, blockModes: ['eval', 'train'] });
      const frozen = net.blocks[0].apply(x, 'eval');
      assertClose(outs[0].dataSync(), frozen.dataSync(), { what: 'eval-mode block 1' });
      tf.dispose([x, frozen, ...outs]);
    });
    const x = images(1, 16, 8);
    assert.throws(() => net.forward(x, 'train', { blockModes: ['eval', 'train'] }), /2 blockModes given for 4 blocks/);
    assert.throws(() => net.forward(x, 'train', { blocks: 5 }), /blocks must be an integer in 1..4, got 5/);
    x.dispose();
    net.dispose();
  });

  it('with from: f runs blocks f .. on block f\'s input, as the whole run does them (noise drawn in the same order)', async () => {
    const whole = new BlockwiseNetwork(tinyBackbone(13), paperBlockwise(), 5);
    const split = new BlockwiseNetwork(tinyBackbone(13), paperBlockwise(), 5);
    await assertNoLeak(() => {
      const x = images(2, 16, 9);
      const all = whole.forward(x, 'train', { blockModes: ['eval', 'train', 'train', 'train'] });
      const [first] = split.forward(x, 'eval', { blocks: 1 });
      const rest = split.forward(first, 'train', { from: 1 });
      assert.strictEqual(rest.length, 3);
      rest.forEach((r, i) => assert.deepStrictEqual(r.dataSync(), all[i + 1].dataSync(), `block ${i + 2}`));
      const middle = split.forward(first, 'eval', { from: 1, blocks: 3 });
      assert.deepStrictEqual(middle.map((m) => m.shape), [all[1].shape, all[2].shape]);
      tf.dispose([x, first, ...all, ...rest, ...middle]);
    });
    const x = images(1, 16, 9);
    assert.throws(() => split.forward(x, 'train', { from: 2, blocks: 2 }), /from must be an integer in 0..1 \(below blocks\), got 2/);
    assert.throws(() => split.forward(x, 'train', { from: 1, blockModes: ['eval'] }), /1 blockModes given for 3 blocks/);
    x.dispose();
    whole.dispose();
    split.dispose();
  });

  for (const k of [0, 1, 2, 3]) {
    it(`a loss on block ${k + 1}'s head trains block ${k + 1} only (stop-gradient); end-to-end it reaches every block below`, async () => {
      const blockOf = (net: BlockwiseNetwork) => new Map(net.blocks.flatMap((b, i) => b.parameters().map((p) => [p.name, i] as const)));
      for (const stopGradient of [true, false]) {
        const net = new BlockwiseNetwork(tinyBackbone(9), { ...paperBlockwise(), stopGradient }, 3);
        const block = blockOf(net);
        await assertNoLeak(() => {
          const x = images(2, 16, 10);
          const mags = gradientMagnitudes(net, () => headLoss(net, x, k));
          for (const [name, b] of block) {
            const reached = stopGradient ? b === k : b <= k;
            if (reached) assert.ok((mags.get(name) ?? 0) > 0, `${name} (block ${b + 1}) got no gradient`);
            else assert.ok(!mags.has(name), `${name} (block ${b + 1}) got a gradient`);
          }
          x.dispose();
        });
        net.dispose();
      }
    });
  }

  it('a training step (forward, gradients, disposal) leaks no tensors', async () => {
    const net = new BlockwiseNetwork(tinyBackbone(11), paperBlockwise(), 4);
    const x = images(2, 16, 12);
    net.forward(x, 'train').forEach((t) => t.dispose());
    await assertNoLeak(() => {
      for (let step = 0; step < 2; step++) {
        const params = net.parameters().map((p) => p.variable);
        const { value, grads } = tf.variableGrads(() => tf.addN([0, 1, 2, 3].map((k) => headLoss(net, x, k))) as tf.Scalar, params);
        tf.dispose([value, ...Object.values(grads)]);
      }
    });
    x.dispose();
    net.dispose();
  });

  it('validates partitions and the backbone', () => {
    assert.deepStrictEqual(defaultPartition(3), [[0], [1], [2]]);
    validatePartition([[0, 1, 2, 3]], 4);
    const bad: [number[][], RegExp][] = [
      [[], /at least one block/],
      [[[0], []], /block 2 has no stages/],
      [[[1], [0], [2], [3]], /block 1 lists stage 1 where stage 0 was expected/],
      [[[0], [2], [3]], /block 2 lists stage 2 where stage 1/],
      [[[0, 1], [1, 2], [3]], /block 2 lists stage 1 where stage 2/],
      [[[0], [1], [2]], /covers stages 0..2, but the backbone has 4 stages/],
    ];
    for (const [p, re] of bad) assert.throws(() => validatePartition(p, 4), re);
    const backbone = tinyBackbone(0);
    assert.throws(() => new BlockwiseNetwork({ ...backbone, stageChannels: [4, 6] }, paperBlockwise(), 0), /4 stages but 2 stageChannels/);
    assert.throws(() => new BlockwiseNetwork(backbone, { ...paperBlockwise(), partition: [[0], [1, 3]] }, 0), /Partition/);
    assert.throws(() => new BlockwiseNetwork(backbone, { ...paperBlockwise(), noise: { sigma: -0.1 } }, 0), /sigma/);
    for (const l of [backbone.stem, ...backbone.stages] as Layer[]) l.dispose();
  });

  it('wraps a tiny bottleneck ResNet: torchvision names per block and gradients confined to block k', async () => {
    const resnet = new ResNet(
      { block: 'bottleneck', blocksPerStage: [1, 1, 1, 1], widths: [2, 4, 4, 8], stem: 'cifar', stemWidth: 4, numClasses: null, zeroInitResidual: false },
      5,
    );
    const net = new BlockwiseNetwork(resnet, paperBlockwise(), 6);
    assert.deepStrictEqual(net.blockChannels, [8, 16, 16, 32]);
    assert.deepStrictEqual(names(net.parameters()).sort(), names(resnet.parameters()).sort());
    assert.ok(names(net.blocks[0].parameters()).includes('conv1.weight'));
    assert.ok(names(net.blocks[3].parameters()).includes('layer4.0.downsample.0.weight'));
    await assertNoLeak(() => {
      const x = images(2, 8, 13);
      const outs = net.forward(x, 'train');
      assert.deepStrictEqual(outs.map((o) => o.shape), [[2, 8, 8, 8], [2, 4, 4, 16], [2, 2, 2, 16], [2, 1, 1, 32]]);
      tf.dispose(outs);
      const block = new Map(net.blocks.flatMap((b, i) => b.parameters().map((p) => [p.name, i] as const)));
      const mags = gradientMagnitudes(net, () => headLoss(net, x, 2));
      for (const [name, b] of block) {
        if (b === 2) assert.ok((mags.get(name) ?? 0) > 0, `${name} got no gradient`);
        else assert.ok(!mags.has(name), `${name} (block ${b + 1}) got a gradient`);
      }
      x.dispose();
    });
    net.dispose();
  });
});
