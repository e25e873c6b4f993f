import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { barlowTwinsViewsSmall, FASHION_MNIST_STATS, TwoViewRecipe } from '../../lib/data';
import { preset, withRunOverrides } from '../../lib/experiments';
import { claimExperimentFolder } from '../../lib/experiments/job-array';
import { readRunConfig } from '../../lib/train/load-run';
import { runPaths } from '../../lib/train/run-folder';
import { resumeTraining, runTraining } from '../../lib/train/run-training';
import { TrainConfig } from '../../lib/train/train-config';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';
import { cli, madeDir, removeMade, tinyFashionConfig } from './run-cli-helpers';

/** A JSON value with `edit` applied to a deep copy of `config`. */
function edited(config: TrainConfig, edit: (c: any) => void): any {
  const c = JSON.parse(JSON.stringify(config));
  edit(c);
  return c;
}

describe('reliability: training configs from JSON (unknown keys, wrong types, garbage)', () => {
  after(() => {
    removeTempDirs();
    removeMade();
  });
  const dataset = tinyDataset();

  // Each is a mistake that used to be ignored (the default trained instead) or gave an unrelated error.
  const mistakes: [string, (c: any) => void, RegExp][] = [
    ['a misspelt top-level key', (c) => (c.learningRate = 0.5), /learningRate is not a setting; known: method, model, loss, optimizer, data, /],
    ['a misspelt data key', (c) => (c.data.batchsize = 64), /data\.batchsize is not a setting of data \(did you mean data\.batchSize\?\)/],
    ['a misspelt optimizer key', (c) => (c.optimizer.baseLR = 0.5), /optimizer\.baseLR is not a setting of optimizer \(did you mean optimizer\.baseLr\?\)/],
    ['a misspelt head key', (c) => (c.model.head.outChanels = 16), /model\.head\.outChanels is not a setting of model\.head \(did you mean model\.head\.outChannels\?\)/],
    ['a misspelt key deep in a view recipe', (c) => (c.data.views.view2.crop.sise = 8), /data\.views\.view2\.crop\.sise is not a setting of data\.views\.view2\.crop \(did you mean data\.views\.view2\.crop\.size\?\)/],
    ['a misspelt checkpoint key', (c) => (c.checkpoint.every = 5), /checkpoint\.every is not a setting of checkpoint/],
    ['a misspelt loss key', (c) => (c.loss = { kind: 'barlow-twins', lamda: 0.01 }), /loss\.lamda is not a setting of loss \(did you mean loss\.lambda\?\)/],
    ['a number as a string', (c) => (c.data.batchSize = '64'), /data\.batchSize must be a number, got the string "64"/],
    ['a fraction as a string', (c) => (c.data.validationFraction = '0.1'), /data\.validationFraction must be a number, got the string "0\.1"/],
    ['a seed as a string', (c) => (c.seed = '3'), /seed must be a number, got the string "3"/],
    ['an object where an array belongs', (c) => (c.trainBlocks = { 0: true }), /trainBlocks must be an array, got an object/],
    ['a string in an array of numbers', (c) => (c.model.projector = [16, '16']), /model\.projector\[1\] must be a number, got the string "16"/],
    ['an unknown head kind', (c) => (c.model.head = { kind: 'cbE' }), /model\.head\.kind must be one of 'gsp', 'lsp', 'cbe', got the string "cbE" \(did you mean cbe\?\)/],
    ['an unknown stem', (c) => (c.model.backbone.stem = 'cifar10'), /model\.backbone\.stem must be one of 'imagenet', 'cifar', got the string "cifar10" \(did you mean cifar\?\)/],
    ['an unknown crop interpolation', (c) => (c.data.views.view1.crop.interpolation = 'lanczos'), /data\.views\.view1\.crop\.interpolation must be one of 'bilinear', 'bicubic', got the string "lanczos"/],
    ['a view recipe lacking a step', (c) => delete c.data.views.view1.blur, /data\.views\.view1 lacks data\.views\.view1\.blur/],
    ['a section that is not an object', (c) => (c.optimizer = 0.1), /optimizer must be an object, got number 0\.1/],
  ];

  it(`runTraining rejects ${mistakes.length} kinds of mistake naming the key, before writing anything`, async () => {
    for (const [what, edit, message] of mistakes) {
      const dir = tempRunDir('config-mistake');
      await assert.rejects(runTraining(edited(tinyConfig('simultaneous'), edit), { runDir: dir, dataset }), message, what);
      assert.ok(!fs.existsSync(dir), `${what}: no run folder is left`);
    }
  });

  it('train --config names the file and the key (usage error, exit 2)', async () => {
    const dir = madeDir('config-file');
    const file = path.join(dir, 'mine.json');
    fs.writeFileSync(file, JSON.stringify(edited(tinyFashionConfig(), (c) => (c.data.batchsize = 64))));
    const r = await cli('train', '--config', file, '--out', path.join(dir, 'run'), '--no-probe');
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`train: --config ${file}: data\\.batchsize is not a setting of data \\(did you mean data\\.batchSize\\?\\)`));
    fs.writeFileSync(file, JSON.stringify(edited(tinyFashionConfig(), (c) => (c.data.steps = '100'))));
    const typed = await cli('train', '--config', file, '--out', path.join(dir, 'run'), '--no-probe');
    assert.strictEqual(typed.status, 2, typed.stderr);
    assert.match(typed.stderr, /data\.steps must be a number, got the string "100"/);
    assert.ok(!fs.existsSync(path.join(dir, 'run')));
  });

  it("a run folder's config.json edited by hand is checked on resume, naming the file; garbage in it too", async () => {
    const dir = tempRunDir('config-edited');
    await runTraining(tinyConfig('simultaneous'), { runDir: dir, dataset, stopAtStep: 2 });
    const file = runPaths(dir).config;
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, JSON.stringify(edited(JSON.parse(good), (c) => (c.data.batchsize = 4))));
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`^Error: ${file}: data\\.batchsize is not a setting of data`));
    fs.writeFileSync(file, 'ha\u0000\u0001 garbage');
    await assert.rejects(resumeTraining(dir, { dataset }), new RegExp(`^Error: ${file} is not valid JSON \\(`));
    assert.throws(() => readRunConfig(dir), new RegExp(`${file} is not valid JSON`));
    const r = await cli('resume', dir, '--no-probe');
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, new RegExp(`blockwise-ssl resume: ${file} is not valid JSON`));
    fs.writeFileSync(file, good);
    assert.strictEqual((await resumeTraining(dir, { dataset })).step, 8);
  });

  it('a config.json and preset.json written before crops named their interpolation read as bilinear, resume and claim their folder', async () => {
    const dir = tempRunDir('config-no-interpolation');
    await runTraining(tinyConfig('simultaneous'), { runDir: dir, dataset, stopAtStep: 2 });
    const file = runPaths(dir).config;
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepStrictEqual([written.data.views.view1.crop.interpolation, written.data.views.view2.crop.interpolation], ['bilinear', 'bilinear'], 'recorded');
    for (const v of ['view1', 'view2']) delete written.data.views[v].crop.interpolation;
    fs.writeFileSync(file, JSON.stringify(written));
    assert.strictEqual((readRunConfig(dir).data.views as TwoViewRecipe).view2.crop.interpolation, 'bilinear');
    assert.strictEqual((await resumeTraining(dir, { dataset })).step, 8);

    const p = preset('fig4', 'smoke');
    const out = madeDir('claim-old-preset');
    claimExperimentFolder(p, out);
    const presetFile = path.join(out, 'preset.json');
    const stored = JSON.parse(fs.readFileSync(presetFile, 'utf8'));
    for (const r of stored.runs) for (const v of ['view1', 'view2']) delete r.config.data.views[v].crop.interpolation;
    fs.writeFileSync(presetFile, JSON.stringify(stored));
    claimExperimentFolder(p, out);
    const bicubic = withRunOverrides(p, { data: { views: barlowTwinsViewsSmall({ size: 12, stats: FASHION_MNIST_STATS, interpolation: 'bicubic' }) } });
    assert.throws(() => claimExperimentFolder(bicubic, out), /holds another preset \(it differs in runs\)/);
  });

  it('withRunOverrides (notebooks) rejects a misspelt key at any depth, and keeps working for real ones', () => {
    const p = preset('fig4', 'smoke');
    assert.throws(() => withRunOverrides(p, { data: { batchsize: 8 } } as never), /withRunOverrides: data\.batchsize is not a setting of data \(did you mean data\.batchSize\?\)/);
    assert.throws(() => withRunOverrides(p, { optimizer: { baseLr: '0.1' } } as never), /optimizer\.baseLr must be a number, got the string "0\.1"/);
    assert.throws(() => withRunOverrides(p, { model: { noise: { sigmaa: 0.1 } } } as never), /model\.noise\.sigmaa is not a setting of model\.noise \(did you mean model\.noise\.sigma\?\)/);
    const q = withRunOverrides(p, { data: { steps: 3 }, model: { noise: { sigma: 0.5 } }, loss: { lambda: 0.01 } as never });
    assert.ok(q.runs.every((r) => r.config.data!.steps === 3));
  });
});
