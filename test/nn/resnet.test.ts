import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { countParameters } from '../../lib/nn/module';
import { Rng } from '../../lib/nn/rng';
import { ResNet, cifarResNet18, resnet18, resnet50 } from '../../lib/nn/resnet';
import { assertClose, assertNoLeak, loadFixture } from '../helpers';

interface NameList {
  numParameters: number;
  parameterNames: string[];
  bufferNames: string[];
}

function assertTorchvisionLayout(model: ResNet, ref: NameList): void {
  assert.strictEqual(countParameters(model), ref.numParameters);
  assert.deepStrictEqual(
    model.parameters().map((p) => p.name),
    ref.parameterNames,
  );
  assert.deepStrictEqual(
    model.buffers().map((b) => b.name),
    ref.bufferNames,
  );
}

describe('nn ResNet', () => {
  const fixture = loadFixture('nn');

  it('ResNet-50: torchvision parameter count (25,557,032), state-dict names, stage channels, one 224x224 eval pass', async () => {
    const model = resnet50({ seed: 0 });
    assert.strictEqual(fixture.resnet50.numParameters, 25557032);
    assertTorchvisionLayout(model, fixture.resnet50);
    assert.deepStrictEqual(model.stageChannels, [256, 512, 1024, 2048]);
    assert.strictEqual(model.stages.length, 4);
    assert.deepStrictEqual(
      model.stages.map((s) => s.layers.length),
      [3, 4, 6, 3],
    );
    const x = tf.tidy(() => tf.tensor4d(new Rng(1).normals(224 * 224 * 3), [1, 224, 224, 3]));
    const buffersBefore = model.buffers().map((b) => b.variable.dataSync().slice());
    const logits = await assertNoLeak(() => {
      const y = model.apply(x, 'eval');
      const out = { shape: y.shape, data: y.dataSync().slice() };
      y.dispose();
      return out;
    }, 'ResNet-50 forward');
    assert.deepStrictEqual(logits.shape, [1, 1000]);
    assert.ok(logits.data.every(Number.isFinite), 'logits are finite');
    model.buffers().forEach((b, i) => assertClose(b.variable.dataSync(), buffersBefore[i], { rtol: 0, atol: 0, what: b.name }));
    x.dispose();
    model.dispose();
  });

  it('ResNet-18: torchvision parameter count (11,689,512) and state-dict names', () => {
    const model = resnet18({ seed: 0 });
    assert.strictEqual(fixture.resnet18.numParameters, 11689512);
    assertTorchvisionLayout(model, fixture.resnet18);
    assert.deepStrictEqual(model.stageChannels, [64, 128, 256, 512]);
    model.dispose();
  });

  it('a narrow CIFAR ResNet-18 keeps 32x32 in the stem and halves it per stage; train mode moves the running statistics', async () => {
    const model = cifarResNet18({ seed: 2, widths: [8, 16, 24, 32], numClasses: null });
    assert.strictEqual(model.fc, null);
    assert.deepStrictEqual(model.stageChannels, [8, 16, 24, 32]);
    assert.ok(!model.parameters().some((p) => p.name.startsWith('fc.')));
    const x = tf.tidy(() => tf.tensor4d(new Rng(3).normals(2 * 32 * 32 * 3), [2, 32, 32, 3]));
    await assertNoLeak(() => {
      const shapes = [model.stem, ...model.stages].reduce<tf.Tensor4D[]>((hs, layer) => {
        hs.push(layer.apply(hs.length ? hs[hs.length - 1] : x, 'eval'));
        return hs;
      }, []);
      assert.deepStrictEqual(
        shapes.map((h) => h.shape),
        [
          [2, 32, 32, 8],
          [2, 32, 32, 8],
          [2, 16, 16, 16],
          [2, 8, 8, 24],
          [2, 4, 4, 32],
        ],
      );
      const features = model.features(x, 'eval');
      const pooled = model.apply(x, 'train');
      assert.deepStrictEqual(features.shape, [2, 4, 4, 32]);
      assert.deepStrictEqual(pooled.shape, [2, 32]);
      tf.dispose([...shapes, features, pooled]);
    }, 'CIFAR ResNet-18 forward');
    const mean = model.stem.buffers()[0];
    assert.strictEqual(mean.name, 'bn1.running_mean');
    assert.ok(mean.variable.dataSync().some((v) => v !== 0), 'train mode updated bn1.running_mean');
    x.dispose();
    model.dispose();
  });

  it('is reproducible from its seed and initialised as torchvision (fc default uniform, BN gamma 1 / beta 0)', () => {
    const a = cifarResNet18({ seed: 4, widths: [4, 8, 8, 8] });
    const b = cifarResNet18({ seed: 4, widths: [4, 8, 8, 8] });
    a.parameters().forEach((p, i) => assertClose(p.variable.dataSync(), b.parameters()[i].variable.dataSync(), { rtol: 0, atol: 0, what: p.name }));
    const w = Array.from(a.stem.parameters()[0].variable.dataSync());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    assertClose(std, Math.sqrt(2 / (3 * 3 * 4)), { rtol: 0.2, what: 'conv1 std (kaiming fan_out)' });
    const fc = a.fc!.weight.dataSync();
    assert.ok(fc.every((v) => Math.abs(v) <= 1 / Math.sqrt(8)), 'fc weight within PyTorch default bound 1/sqrt(in)');
    const names = new Map(a.parameters().map((p) => [p.name, p.variable.dataSync()]));
    assert.ok(names.get('layer1.0.bn1.weight')!.every((v) => v === 1));
    assert.ok(names.get('layer1.0.bn1.bias')!.every((v) => v === 0));
    assert.ok(names.get('layer1.0.bn2.weight')!.every((v) => v === 0), 'zero-init residual');
    a.dispose();
    b.dispose();
  });

  it('rejects mismatched stage lists', () => {
    assert.throws(
      () => new ResNet({ block: 'basic', blocksPerStage: [2, 2], widths: [8], stem: 'cifar', stemWidth: 8, numClasses: 10 }, 0),
      /blocksPerStage \[2,2\] and widths \[8\]/,
    );
  });
});
