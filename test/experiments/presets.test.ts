import * as assert from 'assert';
import { HeadSpec } from '../../lib/blockwise/create-head';
import { DatasetSource } from '../../lib/data/dataset-source';
import { checkRobustnessSettings, CorruptionSource, FIGURE_IDS, preset, RobustnessSettings, runOverridesFromAssignments, SCALES, withOverrides, withRunOverrides } from '../../lib/experiments';
import { CORRUPTIONS } from '../../lib/data/corruptions';
import { FeatureKind } from '../../lib/eval/features';
import { BlockLossSpec } from '../../lib/losses/block-loss';
import { DatasetInfo, RESNET50_BACKBONE, resolveTrainConfig } from '../../lib/train/train-config';

/** What resolving needs to know of a preset's dataset, without loading it. */
function infoOf(source: DatasetSource): DatasetInfo {
  if (source.name === 'imagenet') return { name: 'imagenet', imageShape: [256, 256, 3], numClasses: 1000 };
  if (source.name === 'fashion-mnist') return { name: 'fashion-mnist', imageShape: [28, 28, 1], numClasses: 10 };
  if (source.name === 'cifar10-jpg' || source.name === 'cifar10-smoke') {
    const size = source.imageSize ?? 32;
    return { name: source.name, imageShape: [size, size, 3], numClasses: 10 };
  }
  throw new Error(`no dataset info for ${source.name}`);
}

describe('experiments/presets', () => {
  it('every preset at every scale resolves, with distinct labels, known init sources and in-range probe stages', () => {
    for (const figure of FIGURE_IDS) {
      for (const scale of SCALES) {
        const p = preset(figure, scale);
        assert.strictEqual(p.figure, figure);
        assert.strictEqual(p.scale, scale);
        assert.ok(p.runs.length >= 1 && p.title.length > 0 && p.finding.length > 0, `${figure} ${scale}`);
        assert.strictEqual(new Set(p.runs.map((r) => r.label)).size, p.runs.length, `${figure} ${scale}: labels repeat`);
        for (const r of p.runs) {
          const what = `${figure} ${scale} ${r.label}`;
          const resolved = resolveTrainConfig(r.config, infoOf(p.dataset));
          assert.strictEqual(resolved.data.dataset, p.dataset.name, what);
          if (r.config.init) assert.ok(p.runs.some((x) => x.label === r.config.init!.run), `${what}: init names an unknown run`);
          for (const s of r.probeStages ?? []) assert.ok(s >= 0 && s < resolved.model.backbone.widths.length, what);
        }
        assert.strictEqual(p.runs.some((r) => r.untrained), scale !== 'paper' && ['fig4', 'fig6', 'fig15', 'fig16'].includes(figure), `${figure} ${scale}: random-init baseline`);
      }
    }
  });

  it('crops: bicubic at paper scale (the authors\' recipe), bilinear at the smoke, cpu and cifar10-long scales (committed results)', () => {
    for (const figure of FIGURE_IDS) {
      for (const scale of SCALES) {
        for (const r of preset(figure, scale).runs) {
          const views = resolveTrainConfig(r.config, infoOf(preset(figure, scale).dataset)).data.views;
          const used = new Set((Array.isArray(views) ? views : [views]).flatMap((v) => [v.view1.crop.interpolation, v.view2.crop.interpolation]));
          assert.deepStrictEqual([...used], [scale === 'paper' ? 'bicubic' : 'bilinear'], `${figure} ${scale} ${r.label}`);
        }
      }
    }
  });

  it("paper scale: ResNet-50, batch 2048, 300 epochs, LARS 0.2 with 10 warm-up epochs, lambda 0.0051, projector 8192, CbE 1x1 / LSP to 2048", () => {
    for (const figure of FIGURE_IDS) {
      const p = preset(figure, 'paper');
      const cifar = figure === 'fig16';
      for (const r of p.runs) {
        const what = `${figure} ${r.label}`;
        const c = resolveTrainConfig(r.config, infoOf(p.dataset));
        assert.deepStrictEqual(c.model.backbone, { ...RESNET50_BACKBONE, inChannels: 3 }, what);
        assert.strictEqual(c.data.batchSize, cifar ? 128 : 2048, what);
        // Footnote 5: each block of a sequential run trains for the whole schedule.
        const blocks = c.method === 'sequential' ? c.trainBlocks.length : 1;
        assert.strictEqual(c.data.epochs, (cifar ? 1000 : 300) * blocks, what);
        assert.strictEqual(c.data.steps, undefined, what);
        assert.strictEqual(c.optimizer.baseLr, cifar ? 0.01 : 0.2, what);
        assert.deepStrictEqual(
          { warmup: c.optimizer.warmupEpochs, final: c.optimizer.finalLrFraction, momentum: c.optimizer.momentum, eta: c.optimizer.eta, wd: c.optimizer.weightDecay },
          { warmup: 10, final: 0.001, momentum: 0.9, eta: 0.001, wd: 1e-6 },
          what,
        );
        const crops = (Array.isArray(c.data.views) ? c.data.views : [c.data.views]).map((v) => v.view1.crop.size);
        assert.ok(crops.every((s) => s === 224), `${what}: crops ${crops}`);
        const projector = r.label === 'wide-projector' ? [16384, 16384, 8192] : [8192, 8192, 8192];
        if (c.method === 'supervised-blockwise') assert.deepStrictEqual(c.model.projector, [...projector.slice(0, -1), 1000], what);
        else assert.deepStrictEqual(c.model.projector, projector, what);
        const heads: HeadSpec[] = Array.isArray(c.model.head) ? c.model.head : [c.model.head];
        for (const h of heads) {
          if (h.kind === 'cbe') {
            assert.strictEqual(h.outChannels, 2048, what);
            const k = figure === 'fig12' ? Number(r.label.split('-')[1][0]) : 1;
            assert.strictEqual(h.kernelSize, k, what);
            assert.strictEqual(h.groups ?? 1, r.label === 'grouped-cbe' ? 4 : 1, what);
          }
          if (h.kind === 'lsp') assert.strictEqual(h.outDim, 2048, what);
        }
        c.loss.forEach((l: BlockLossSpec, k) => {
          if (l.kind === 'barlow-twins' && !(figure === 'fig10' && k === 0)) assert.strictEqual(l.lambda, 0.0051, `${what} block ${k + 1}`);
        });
      }
      assert.strictEqual(p.probe.linear[0].epochs, 100, figure);
      assert.strictEqual(p.probe.linear[0].augmented, true, figure);
      assert.strictEqual(p.seeds.length, 1);
    }
  });

  it("paper scale: each figure's distinguishing settings (methods, heads, noise, partitions, targets)", () => {
    const info = infoOf({ name: 'imagenet' });
    const resolved = (figure: (typeof FIGURE_IDS)[number], label: string) => {
      const r = preset(figure, 'paper').runs.find((x) => x.label === label);
      assert.ok(r, `${figure} has ${label}`);
      return resolveTrainConfig(r.config, info);
    };
    const final = resolved('fig4', 'simultaneous-cbe-noise');
    assert.strictEqual(final.method, 'simultaneous');
    assert.deepStrictEqual(final.model.head, { kind: 'cbe', outChannels: 2048, kernelSize: 1 });
    assert.deepStrictEqual(final.model.noise, { sigma: 0.25, variant: 'element' });
    assert.deepStrictEqual(final.model.partition, [[0], [1], [2], [3]]);
    const e2e = resolved('fig4', 'end-to-end');
    assert.deepStrictEqual([e2e.method, e2e.model.head, e2e.model.noise.sigma, e2e.model.partition], ['end-to-end', { kind: 'gsp' }, 0, [[0, 1, 2, 3]]]);
    assert.deepStrictEqual(resolved('fig4', 'sequential-lsp').model.head, { kind: 'lsp', outDim: 2048 });
    assert.strictEqual(resolved('fig4', 'sequential-lsp').model.noise.sigma, 0);
    assert.deepStrictEqual(resolved('fig4', 'supervised-lsp').loss[0], { kind: 'cross-entropy' });
    assert.deepStrictEqual(resolved('fig4', 'random-feature-b3').trainBlocks, [2]);
    assert.deepStrictEqual(preset('fig4', 'paper').runs.find((r) => r.label === 'simultaneous-cbe-noise')!.paper, [{ block: 4, accuracy: 70.48 }]);
    assert.deepStrictEqual(resolved('fig7', 'merged-b1-b2').model.partition, [[0, 1], [2], [3]]);
    assert.deepStrictEqual(resolved('fig7', 'e2e-first-block-sequential').init, { run: 'end-to-end', blocks: [0] });
    assert.deepStrictEqual(resolved('fig7', 'e2e-first-block-sequential').trainBlocks, [1, 2, 3]);
    // Sequential runs train each block for the whole schedule (footnote 5: sequential and simultaneous training are
    // the same procedure when only the first block trains), so every phase is as long as a simultaneous run.
    assert.deepStrictEqual([resolved('fig4', 'sequential-lsp').data.epochs, resolved('fig4', 'simultaneous-lsp').data.epochs], [1200, 300]);
    assert.strictEqual(resolved('fig7', 'e2e-first-block-sequential').data.epochs, 900);
    assert.deepStrictEqual([preset('fig4', 'smoke').runs.find((r) => r.label === 'sequential-lsp')!.config.data!.steps, preset('fig4', 'smoke').runs[0].config.data!.steps], [16, 4]);
    assert.deepStrictEqual(
      resolved('fig9', 'adjusted-targets').loss.map((l) => (l.kind === 'barlow-twins' ? l.invarianceTarget : null)),
      [0.6, 0.75, 0.9, 1.0],
    );
    assert.deepStrictEqual(resolved('fig10', 'lambda-0p5').model.partition, [[0], [1, 2, 3]]);
    assert.deepStrictEqual(resolved('fig10', 'lambda-0p5').loss.map((l) => (l.kind === 'barlow-twins' ? l.lambda : null)), [0.5, 0.0051]);
    assert.strictEqual(resolved('fig11', 'adaptive-augmentations').data.views instanceof Array, true);
    assert.deepStrictEqual(resolved('fig11', 'routing-train-all-below').routing, { kind: 'train-all-below' });
    assert.deepStrictEqual(resolved('fig11', 'routing-weight-0p1').routing, { kind: 'weighted', otherWeight: 0.1 });
    // The routing runs differ from their baseline in the routing only.
    const { routing: _, ...unrouted } = resolved('fig11', 'routing-weight-0p5');
    assert.deepStrictEqual(unrouted, resolved('fig11', 'simultaneous-lsp'));
    assert.deepStrictEqual(resolved('noise', 'spatial-0p25').model.noise, { sigma: 0.25, variant: 'spatial' });
    assert.deepStrictEqual(resolved('fig6', 'cbe-l2').model.head, { kind: 'cbe', outChannels: 2048, kernelSize: 1, pooling: 'l2' });
    assert.deepStrictEqual(resolved('fig5', 'simultaneous-simclr').loss[0], { kind: 'nt-xent', temperature: 0.1 });
    assert.deepStrictEqual(preset('fig14', 'paper').probe.linear.map((l) => l.lr), [0.1, 0.3, 1.0]);
    assert.notStrictEqual(preset('fig8', 'paper').statistics, null);
    assert.strictEqual(preset('fig4', 'paper').statistics, null);
    // Per-block curves of end-to-end and merged runs need GSP features at paper scale; the heads are the paper's probe.
    assert.deepStrictEqual(preset('fig4', 'paper').probe.features, ['head', 'gsp']);
    assert.deepStrictEqual(preset('fig6', 'paper').probe.features, ['head']);
    assert.strictEqual(preset('fig4', 'paper').evalDataset?.name, 'imagenet-val');
  });

  it('cpu scale: Fashion-MNIST (CIFAR-10 for Figs. 15 and 16), narrow CIFAR-stem ResNet, two epochs (per block when sequential), both feature kinds and kNN', () => {
    for (const figure of FIGURE_IDS) {
      const p = preset(figure, 'cpu');
      assert.strictEqual(p.dataset.name, figure === 'fig15' || figure === 'fig16' ? 'cifar10-jpg' : 'fashion-mnist');
      assert.deepStrictEqual(p.probe.features, ['head', 'gsp']);
      assert.deepStrictEqual(p.probe.knn, { k: 20, temperature: 0.07 });
      for (const r of p.runs) {
        const c = resolveTrainConfig(r.config, infoOf(p.dataset));
        assert.strictEqual(c.model.backbone.stem, 'cifar');
        assert.deepStrictEqual(c.model.backbone.widths, [16, 32, 64, 128]);
        assert.strictEqual(c.data.epochs, c.method === 'sequential' ? 2 * c.trainBlocks.length : 2, `${figure} ${r.label}`);
        assert.strictEqual(c.data.batchSize, 128);
      }
    }
  });

  it("fig15: Fig. 4's end-to-end and simultaneous CbE + noise runs, scored on every corruption at severities 1-5; validated settings", () => {
    for (const scale of SCALES) {
      const p = preset('fig15', scale);
      const r = p.robustness!;
      assert.doesNotThrow(() => checkRobustnessSettings(r), scale);
      assert.deepStrictEqual(r.severities, [1, 2, 3, 4, 5]);
      assert.deepStrictEqual(r.corruptions, scale === 'smoke' ? ['gaussian_noise', 'defocus_blur', 'fog', 'contrast', 'jpeg_compression'] : [...CORRUPTIONS], scale);
      assert.strictEqual(r.stage, 3, `${scale}: block 4`);
      assert.ok(!r.probe.augmented);
      assert.strictEqual(r.source.kind, scale === 'paper' ? 'imagenet-c' : 'generated');
      assert.deepStrictEqual(p.runs.map((x) => x.label), scale === 'paper' ? ['end-to-end', 'simultaneous-cbe-noise'] : ['end-to-end', 'simultaneous-cbe-noise', 'random-init']);
      if (scale !== 'smoke' && scale !== 'cpu') {
        // The same configs as Fig. 4's runs: `--share-runs` copies them instead of training.
        const fig4 = preset('fig4', scale);
        for (const run of ['end-to-end', 'simultaneous-cbe-noise']) {
          assert.deepStrictEqual(p.runs.find((x) => x.label === run)!.config, fig4.runs.find((x) => x.label === run)!.config, `${scale} ${run}`);
        }
      }
    }
    assert.strictEqual(preset('fig15', 'cpu').dataset.name, 'cifar10-jpg');
    assert.strictEqual(preset('fig15', 'smoke').dataset.name, 'cifar10-smoke');
    assert.strictEqual(preset('fig15', 'cifar10-long').robustness!.evalImages, 2000);
    assert.strictEqual(preset('fig15', 'paper').robustness!.trainImages, 100000);
    assert.strictEqual(preset('fig15', 'cifar10-long').robustness!.trainImages, undefined, "the preset's probe.trainImages");
    assert.strictEqual(preset('fig4', 'cpu').robustness, undefined, 'only fig15 scores corrupted images');
    const ok = preset('fig15', 'cpu').robustness!;
    assert.throws(() => checkRobustnessSettings({ ...ok, corruptions: ['fog', 'rain'] }), /unknown corruption 'rain'/);
    assert.throws(() => checkRobustnessSettings({ ...ok, corruptions: ['fog', 'fog'] }), /corruptions \[fog,fog\] repeat/);
    assert.throws(() => checkRobustnessSettings({ ...ok, severities: [0, 1] }), /severities must be distinct integers in 1-5, got \[0,1\]/);
    assert.throws(() => checkRobustnessSettings({ ...ok, features: ['cls' as FeatureKind] }), /features must list 'head' and \/ or 'gsp'/);
    assert.throws(() => checkRobustnessSettings({ ...ok, probe: { ...ok.probe, augmented: true } }), /is augmented/);
    assert.throws(() => checkRobustnessSettings({ ...ok, colour: 1 } as RobustnessSettings), /unknown setting colour/);
    assert.throws(() => checkRobustnessSettings({ ...ok, trainImages: 0 }), /trainImages must be a positive integer, got 0/);
    assert.throws(() => checkRobustnessSettings({ ...ok, source: { kind: 'generated', seed: 0, batchSize: 256, path: 'x' } as CorruptionSource }), /source 'generated' has unknown keys path/);
    assert.throws(() => checkRobustnessSettings({ ...ok, source: { kind: 'imagenet-c', path: '' } }), /source.path must name the ImageNet-C folder/);
    assert.throws(() => checkRobustnessSettings({ ...ok, source: { kind: 'cifar10-c' } as unknown as CorruptionSource }), /source.kind must be 'generated' or 'imagenet-c', got "cifar10-c"/);
  });

  it('preset rejects unknown figures and scales by name', () => {
    assert.throws(() => preset('fig3' as never, 'cpu'), /unknown figure 'fig3' \(one of fig4, .*noise\)/);
    assert.throws(() => preset('fig4', 'laptop' as never), /unknown scale 'laptop' \(one of smoke, cpu, cifar10-long, paper\)/);
  });

  it('withOverrides merges objects deeply, replaces arrays and values, ignores undefined and leaves its inputs alone', () => {
    const base = preset('fig4', 'cpu');
    const before = JSON.stringify(base);
    const p = withOverrides(base, { seeds: [1, 2], probe: { knn: null, trainImages: 500 }, dataset: { path: '/x' }, title: undefined });
    assert.deepStrictEqual(p.seeds, [1, 2]);
    assert.strictEqual(p.probe.knn, null);
    assert.strictEqual(p.probe.trainImages, 500);
    assert.deepStrictEqual(p.probe.features, ['head', 'gsp']);
    assert.deepStrictEqual(p.dataset, { name: 'fashion-mnist', path: '/x' });
    assert.strictEqual(p.title, base.title);
    assert.strictEqual(JSON.stringify(base), before);
    p.runs[0].config.data!.batchSize = 3;
    assert.strictEqual(JSON.stringify(base), before, 'the result shares no objects with the base');
  });

  it('withRunOverrides changes the config of every run or of the named ones, and names an unknown label', () => {
    const base = preset('fig4', 'smoke');
    const all = withRunOverrides(base, { data: { steps: 9 }, optimizer: { baseLr: 0.5 } });
    assert.ok(all.runs.every((r) => r.config.data!.steps === 9 && r.config.optimizer!.baseLr === 0.5 && r.config.data!.batchSize === 16));
    const one = withRunOverrides(base, { seed: 5 }, ['end-to-end']);
    assert.deepStrictEqual(one.runs.map((r) => r.config.seed ?? null), base.runs.map((r) => (r.label === 'end-to-end' ? 5 : null)));
    assert.throws(() => withRunOverrides(base, { seed: 1 }, ['end-two-end']), /fig4 has no run 'end-two-end' \(runs: end-to-end, /);
  });

  it('runOverridesFromAssignments reads dotted key=value assignments into a checked config change', () => {
    assert.deepStrictEqual(runOverridesFromAssignments('optimizer.eta=0.02, model.noise.sigma=0,data.views.view1.crop.interpolation=bicubic'), {
      optimizer: { eta: 0.02 },
      model: { noise: { sigma: 0 } },
      data: { views: { view1: { crop: { interpolation: 'bicubic' } } } },
    });
    // JSON values: arrays and objects keep their commas; quoted strings stay strings.
    assert.deepStrictEqual(runOverridesFromAssignments('model.partition=[[0],[1,2],[3]],seed=3,data.dataset="cifar10"'), {
      model: { partition: [[0], [1, 2], [3]] },
      seed: 3,
      data: { dataset: 'cifar10' },
    });
    const p = withRunOverrides(preset('fig4', 'cifar10-long'), runOverridesFromAssignments('optimizer.eta=0.001'));
    assert.ok(p.runs.every((r) => r.config.optimizer!.eta === 0.001 && r.config.optimizer!.momentum === 0.9));
    assert.throws(() => runOverridesFromAssignments('optimizer.etta=0.1', 'x'), /^Error: x: optimizer\.etta is not a setting of optimizer \(did you mean optimizer\.eta\?\)/);
    assert.throws(() => runOverridesFromAssignments('optimizer.eta=fast', 'x'), /x: optimizer\.eta must be a number, got the string 'fast'|x: optimizer\.eta must be a number/);
    assert.throws(() => runOverridesFromAssignments('optimizer.eta', 'x'), /x: 'optimizer\.eta' is not a key=value assignment/);
    assert.throws(() => runOverridesFromAssignments('optimizer..eta=1', 'x'), /x: 'optimizer\.\.eta' is not a dotted config key/);
    assert.throws(() => runOverridesFromAssignments('seed=1,seed=2', 'x'), /x: seed is set twice \(again\)/);
    assert.throws(() => runOverridesFromAssignments('model.noise={"sigma":0},model.noise.sigma=1', 'x'), /x: model\.noise\.sigma is set twice \(with model\.noise\)/);
    assert.throws(() => runOverridesFromAssignments(' , ', 'x'), /x: no key=value assignment/);
  });
});
