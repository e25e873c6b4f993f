import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readMetrics } from '../../lib/train/run-folder';
import { runTraining } from '../../lib/train/run-training';
import { removeTempDirs, tempRunDir, tinyConfig, tinyDataset } from '../train/tiny-run';
import { cli, HAVE_FASHION_MNIST, madeDir, removeMade, snapshot, tinyFashionConfig } from './run-cli-helpers';

describe('reliability: run folders (--overwrite, --out)', () => {
  after(() => {
    removeTempDirs();
    removeMade();
  });
  const dataset = tinyDataset();

  describe('train --overwrite deletes only a run folder blockwise-ssl created', () => {
    before(function () {
      if (!HAVE_FASHION_MNIST) this.skip();
    });

    it("refuses a user's folder that holds a config.json among other files, and leaves every file", async () => {
      const dir = madeDir('project');
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(tinyFashionConfig()));
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'src', 'thesis.tex'), '\\documentclass{article}');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'three months of notes');
      const before = snapshot(dir);
      const r = await cli('train', '--config', path.join(dir, 'config.json'), '--out', dir, '--overwrite', '--no-probe');
      assert.strictEqual(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`train --overwrite: not deleting ${dir}: it holds notes.txt, src, which blockwise-ssl did not write`));
      assert.deepStrictEqual(snapshot(dir), before);
    });

    it('refuses a folder with only a config.json (no run marker): the config file itself is not deleted', async () => {
      const dir = madeDir('only-config');
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(tinyFashionConfig()));
      const before = snapshot(dir);
      const r = await cli('train', '--config', path.join(dir, 'config.json'), '--out', dir, '--overwrite', '--no-probe');
      assert.strictEqual(r.status, 2, r.stderr);
      assert.match(r.stderr, /it has no \.blockwise-run marker and is not a complete run folder/);
      assert.deepStrictEqual(snapshot(dir), before);
    });

    it('overwrites a run folder it created, and an old one without marker (config.json, status.json, checkpoints/ only)', async () => {
      const parent = madeDir('overwrite');
      const file = path.join(parent, 'tiny.json');
      fs.writeFileSync(file, JSON.stringify(tinyFashionConfig(1)));
      const dir = path.join(parent, 'run');
      const first = await cli('train', '--config', file, '--out', dir, '--no-probe');
      assert.strictEqual(first.status, 0, first.stderr);
      assert.ok(fs.existsSync(path.join(dir, '.blockwise-run')), 'a new run folder is marked');
      fs.writeFileSync(file, JSON.stringify(tinyFashionConfig(2)));
      const second = await cli('train', '--config', file, '--out', dir, '--overwrite', '--no-probe');
      assert.strictEqual(second.status, 0, second.stderr);
      assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1]);
      // A run folder written before the marker existed.
      fs.rmSync(path.join(dir, '.blockwise-run'));
      fs.rmSync(path.join(dir, 'dataset.json'));
      const third = await cli('train', '--config', file, '--out', dir, '--overwrite', '--no-probe');
      assert.strictEqual(third.status, 0, third.stderr);
      assert.deepStrictEqual(readMetrics(dir).map((m) => m.step), [0, 1]);
      // A marked run folder that a user put a file into.
      fs.writeFileSync(path.join(dir, 'checkpoints', 'keep-me.txt'), 'mine');
      const fourth = await cli('train', '--config', file, '--out', dir, '--overwrite', '--no-probe');
      assert.strictEqual(fourth.status, 2);
      assert.match(fourth.stderr, /it holds checkpoints\/keep-me\.txt, which blockwise-ssl did not write/);
      assert.strictEqual(fs.readFileSync(path.join(dir, 'checkpoints', 'keep-me.txt'), 'utf8'), 'mine');
    });
  });

  it('--out naming a file, or a path through a file, is a clear error (not ENOTDIR)', async () => {
    const dir = madeDir('out-file');
    const file = path.join(dir, 'results.txt');
    fs.writeFileSync(file, 'precious');
    const r = await cli('train', '--scale', 'smoke', '--out', file, '--no-probe');
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`train --out: ${file} is a file, not a run folder`));
    const inside = await cli('train', '--scale', 'smoke', '--out', path.join(file, 'run'), '--overwrite', '--no-probe');
    assert.strictEqual(inside.status, 2, inside.stderr);
    assert.match(inside.stderr, new RegExp(`cannot create the run folder ${file}/run: ${file} is a file`));
    await assert.rejects(runTraining(tinyConfig('simultaneous'), { runDir: file, dataset }), new RegExp(`runTraining: ${file} is a file, not a run folder`));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'precious');
  });

  it('--out where no folder can be made (/proc, /sys) is a clear error at once, not a hang in mkdir', function () {
    if (!fs.existsSync('/proc/self')) this.skip();
    this.timeout(120000);
    const dist = path.join(__dirname, '..', '..');
    // In a child process with a time limit: Node's recursive mkdir never returns there, and would hang the tests.
    const command = spawnSync(process.execPath, [path.join(dist, 'lib', 'cli', 'main.js'), 'train', '--scale', 'smoke', '--out', '/proc/blockwise-run', '--no-probe'], { encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(command.status, 2, `status ${command.status} (${command.signal ?? 'no signal'}): ${command.stderr}`);
    assert.match(command.stderr, /train --out: cannot create the run folder \/proc\/blockwise-run: ENOENT/);
    const reproduce = spawnSync(process.execPath, [path.join(dist, 'lib', 'cli', 'main.js'), 'reproduce', 'fig4', '--scale', 'smoke', '--out', '/proc/blockwise-fig4'], { encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(reproduce.status, 2, `status ${reproduce.status} (${reproduce.signal ?? 'no signal'}): ${reproduce.stderr}`);
    assert.match(reproduce.stderr, /reproduce --out: cannot create the run folder \/proc\/blockwise-fig4: ENOENT/);
    const library = `require(${JSON.stringify(path.join(dist, 'lib', 'backend'))}).initBackend().then(() =>
      require(${JSON.stringify(path.join(dist, 'lib', 'train', 'run-training'))}).runTraining(
        require(${JSON.stringify(path.join(dist, 'test', 'train', 'tiny-run'))}).tinyConfig('simultaneous'),
        { runDir: '/proc/blockwise-run/run', dataset: require(${JSON.stringify(path.join(dist, 'test', 'train', 'tiny-run'))}).tinyDataset() }))
      .catch((e) => { console.log(e.message); })`;
    const call = spawnSync(process.execPath, ['-e', library], { encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(call.status, 0, `status ${call.status} (${call.signal ?? 'no signal'}): ${call.stderr}`);
    assert.match(call.stdout, /^runTraining: cannot create the run folder \/proc\/blockwise-run\/run: ENOENT/m);
  });
});
