import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, mainHelp } from '../../lib/cli/main';
import { CliIo } from '../../lib/cli/common';
import { DEFAULT_PRESET_RUN, trainPlan } from '../../lib/cli/commands/train';
import { FASHION_MNIST_SYSTEM_DIR } from '../../lib/data/fashion-mnist';
import { FIGURE_IDS, preset, readProbeRows } from '../../lib/experiments';

/** Runs the command line in-process and returns its status and what it wrote. */
async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (t: string) => ((out.stdout += t), true) },
    stderr: { write: (t: string) => ((out.stderr += t), true) },
  };
  const status = await main(argv, io);
  return { status, ...out };
}

const made: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-cli-'));
  made.push(dir);
  return dir;
}

describe('cli/commands', () => {
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('--help works on the program and on every command, and lists every command', async () => {
    const top = await cli('--help');
    assert.strictEqual(top.status, 0);
    assert.strictEqual(top.stdout, `${mainHelp()}\n`);
    for (const c of ['train', 'probe', 'resume', 'reproduce', 'datasets']) {
      assert.ok(top.stdout.includes(`\n  ${c} `), `top help lists ${c}`);
      const r = await cli(c, '--help');
      assert.strictEqual(r.status, 0, c);
      assert.ok(r.stdout.startsWith(`usage: blockwise-ssl ${c}`), `${c} --help:\n${r.stdout}`);
      assert.strictEqual(r.stderr, '');
    }
    assert.ok((await cli('train', '--help')).stdout.includes('--steps N'));
    assert.ok((await cli('reproduce', '-h')).stdout.includes('one of fig4, fig5'));
  });

  it('usage mistakes exit with status 2 and a clear message, before any work', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^$/],
      [['trian'], /unknown command 'trian' \(did you mean train\?\)/],
      [['train', '--steps', 'ten'], /train: --steps needs an integer >= 0, got 'ten'/],
      [['train', '--preset', 'fig4:nope'], /fig4 has no run 'nope' \(runs: end-to-end, /],
      [['train', '--preset', 'fig4'], /--preset must be FIGURE:RUN/],
      [['train', '--preset', 'fig7:e2e-first-block-sequential'], /starts from run 'end-to-end'; train both with 'reproduce fig7'/],
      [['train', '--steps', '5', '--epochs', '2'], /give --steps or --epochs, not both/],
      [['train', '--dataset', '/no/such/folder'], /'\/no\/such\/folder' is neither a known dataset/],
      [['reproduce'], /which figure\? one of fig4/],
      [['reproduce', 'fig3'], /unknown figure 'fig3' \(did you mean fig4\?\)/],
      [['reproduce', 'fig4', '--scale', 'huge'], /--scale must be one of smoke, cpu, cifar10-long, paper, got 'huge'/],
      [['reproduce', 'fig4', '--runs', 'end-to-end,sequential-lps', '--show'], /--runs: no run 'sequential-lps' \(did you mean sequential-lsp\?\)/],
      [['reproduce', 'fig4', '--set', 'optimizer.etta=0.1', '--show'], /reproduce: --set: optimizer\.etta is not a setting of optimizer \(did you mean optimizer\.eta\?\)/],
      [['probe'], /probe: missing <runDir>/],
      [['datasets', 'fetch'], /datasets: unknown subcommand 'fetch'/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      assert.strictEqual(r.status, 2, `${argv.join(' ')}: status ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(' '));
    }
    const missing = await cli('probe', '/no/such/run');
    assert.strictEqual(missing.status, 1);
    assert.match(missing.stderr, /blockwise-ssl probe: readRunConfig: \/no\/such\/run is not a run folder/);
  });

  it('train options become the run config: schedule, seed, dataset (with its default views), folder', () => {
    const plan = trainPlan({ scale: 'smoke', steps: 7, 'batch-size': 8, seed: 3, 'warmup-epochs': 0, out: 'x/y' });
    const base = preset('fig4', 'smoke').runs.find((r) => `fig4:${r.label}` === DEFAULT_PRESET_RUN)!;
    assert.deepStrictEqual(plan.config, { ...base.config, seed: 3, data: { ...base.config.data, steps: 7, batchSize: 8 }, optimizer: { ...base.config.optimizer, warmupEpochs: 0 } });
    assert.strictEqual(plan.runDir, path.resolve('x/y'));
    assert.deepStrictEqual(plan.source, { name: 'fashion-mnist' });
    assert.strictEqual(plan.probe?.trainImages, 128);
    const cifar = trainPlan({ dataset: 'cifar10', epochs: 2, 'no-probe': true });
    assert.strictEqual(cifar.config.data!.dataset, 'cifar10');
    assert.strictEqual(cifar.config.data!.views, undefined, "the dataset's default views apply");
    assert.deepStrictEqual([cifar.config.data!.epochs, cifar.config.data!.steps, cifar.probe], [2, undefined, null]);
    assert.strictEqual(cifar.runDir, path.resolve('runs/fig4-simultaneous-cbe-noise-cpu'));
  });

  it('reproduce --show prints the preset as JSON with the overrides; --list names every figure', async () => {
    const r = await cli('reproduce', 'fig10', '--scale', 'paper', '--seeds', '0,1', '--steps', '50', '--show');
    assert.strictEqual(r.status, 0);
    const shown = JSON.parse(r.stdout);
    assert.deepStrictEqual(shown.seeds, [0, 1]);
    assert.ok(shown.runs.every((x: { config: { data: { steps: number; batchSize: number } } }) => x.config.data.steps === 50 && x.config.data.batchSize === 2048));
    // A sequential run trains each of its blocks for the schedule given, as in the presets (paper footnote 5).
    const fig7 = JSON.parse((await cli('reproduce', 'fig7', '--scale', 'cpu', '--epochs', '1.5', '--show')).stdout);
    assert.deepStrictEqual(
      fig7.runs.map((x: { label: string; config: { data: { epochs: number; steps?: number } } }) => [x.label, x.config.data.epochs, x.config.data.steps]),
      [['end-to-end', 1.5, undefined], ['sequential-lsp', 6, undefined], ['e2e-first-block-sequential', 4.5, undefined], ['merged-b1-b2', 1.5, undefined], ['simultaneous-lsp', 1.5, undefined]],
    );
    assert.strictEqual(trainPlan({ preset: 'fig4:sequential-lsp', scale: 'smoke', steps: 5 }).config.data!.steps, 20);
    // --runs keeps the named runs and the runs they start from (Fig. 7's first-block run needs the end-to-end run).
    const some = JSON.parse((await cli('reproduce', 'fig7', '--runs', 'e2e-first-block-sequential,simultaneous-lsp', '--show')).stdout);
    assert.deepStrictEqual(some.runs.map((x: { label: string }) => x.label), ['end-to-end', 'e2e-first-block-sequential', 'simultaneous-lsp']);
    // The long CIFAR-10 scale: Fig. 4's runs on CIFAR-10 for 20 epochs, 16x16 views, every epoch's checkpoint kept.
    const long = JSON.parse((await cli('reproduce', 'fig4', '--scale', 'cifar10-long', '--show')).stdout);
    assert.strictEqual(long.dataset.name, 'cifar10-jpg');
    // A sequential run trains each of its 4 blocks for the 20 epochs (footnote 5): 80 epochs, 81 checkpoints with its end.
    assert.ok(long.runs.every((x: { config: { method: string; data: { epochs: number; views: { view1: { crop: { size: number } } } }; checkpoint: { keep: number } } }) =>
      x.config.data.epochs === (x.config.method === 'sequential' ? 80 : 20) && x.config.data.views.view1.crop.size === 16 && x.config.checkpoint.keep >= 81));
    // A shorter schedule keeps only the probe epochs inside it (a run of 1 epoch has none left to probe at 5, 10, ...).
    const probeEpochsOf = async (...extra: string[]) =>
      JSON.parse((await cli('reproduce', 'fig4', '--scale', 'cifar10-long', '--runs', 'end-to-end,sequential-lsp', ...extra, '--show')).stdout).runs.map(
        (x: { label: string; probeEpochs?: number[] }) => [x.label, x.probeEpochs],
      );
    assert.deepStrictEqual(await probeEpochsOf(), [['end-to-end', [5, 10, 15, 20]], ['sequential-lsp', [5, 10, 15, 20]]]);
    assert.deepStrictEqual(await probeEpochsOf('--epochs', '12'), [['end-to-end', [5, 10]], ['sequential-lsp', [5, 10]]]);
    assert.deepStrictEqual(await probeEpochsOf('--epochs', '1', '--warmup-epochs', '0.05'), [['end-to-end', undefined], ['sequential-lsp', undefined]]);
    assert.deepStrictEqual(await probeEpochsOf('--steps', '700'), [['end-to-end', undefined], ['sequential-lsp', undefined]]);
    // --set changes the config of every run it trains, checked key by key.
    const set = JSON.parse((await cli('reproduce', 'fig4', '--scale', 'cifar10-long', '--runs', 'end-to-end', '--set', 'optimizer.eta=0.001,model.noise.sigma=0.1', '--show')).stdout);
    assert.deepStrictEqual(set.runs.map((x: { label: string; config: { optimizer: { eta: number }; model: { noise?: { sigma: number } } } }) => [x.label, x.config.optimizer.eta, x.config.model.noise?.sigma]), [['end-to-end', 0.001, 0.1]]);
    // LARS with trust coefficient 0.02 (the paper's 0.001 under-trains 7,020 steps of 128), the paper's otherwise.
    assert.ok(long.runs.every((x: { config: { optimizer?: { eta?: number; baseLr?: number } } }) => x.config.optimizer?.eta === 0.02 && x.config.optimizer?.baseLr === 0.2));
    const list = await cli('reproduce', '--list', '--scale', 'smoke');
    for (const f of ['fig4', 'fig15', 'fig16', 'noise']) assert.ok(list.stdout.includes(`${f} `), f);
    // scripts/reproduce/cpu.sh takes the figures from the first word of each line that is not indented.
    assert.deepStrictEqual(list.stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(' ')[0]), FIGURE_IDS);
    // Fig. 15: --corruptions narrows the corruptions scored, validated; other figures score none.
    const fig15 = JSON.parse((await cli('reproduce', 'fig15', '--scale', 'cifar10-long', '--corruptions', 'fog,snow', '--show')).stdout);
    assert.deepStrictEqual(fig15.robustness.corruptions, ['fog', 'snow']);
    assert.deepStrictEqual(fig15.runs.map((x: { label: string }) => x.label), ['end-to-end', 'simultaneous-cbe-noise', 'random-init']);
    const rain = await cli('reproduce', 'fig15', '--corruptions', 'fog,rain', '--show');
    assert.strictEqual(rain.status, 2);
    assert.match(rain.stderr, /--corruptions: unknown corruption 'rain'/);
    assert.match((await cli('reproduce', 'fig4', '--corruptions', 'fog', '--show')).stderr, /fig4 scores no corrupted images \(only fig15 does\)/);
  });

  describe('on Fashion-MNIST', () => {
    before(function () {
      if (!fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'))) this.skip();
    });

    it('train (smoke) trains, probes and prints the per-block accuracy table; probe and resume work on its folder', async () => {
      const runDir = path.join(tempDir(), 'run');
      const r = await cli('train', '--scale', 'smoke', '--out', runDir, '--no-knn');
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /top-1 accuracy \(%\) per block on fashion-mnist\/train:validation-part \(after 4 steps\)/);
      assert.match(r.stdout, /\| features \| probe +\| block 1 \| block 2 \| block 3 \| block 4 \|/);
      assert.match(r.stdout, /\| head +\| linear \|/);
      assert.match(r.stdout, /\| gsp +\| linear \|/);
      assert.match(r.stderr, /4\/4 100% .* img\/s \| loss b1 \S+ b2 \S+ b3 \S+ b4 \S+/);
      assert.strictEqual(readProbeRows(runDir).length, 8);

      const again = await cli('train', '--scale', 'smoke', '--out', runDir);
      assert.strictEqual(again.status, 2);
      assert.match(again.stderr, /already holds a run; continue it with 'blockwise-ssl resume/);

      const probe = await cli('probe', runDir, '--eval-dataset', 'fashion-mnist-test', '--features', 'gsp', '--scale', 'smoke');
      assert.strictEqual(probe.status, 0, probe.stderr);
      assert.match(probe.stdout, /per block on fashion-mnist\/test/);
      assert.deepStrictEqual(readProbeRows(runDir).slice(8).map((x) => `${x.features} ${x.probe} ${x.block}`), [
        'gsp linear 1', 'gsp linear 2', 'gsp linear 3', 'gsp linear 4', 'gsp knn 1', 'gsp knn 2', 'gsp knn 3', 'gsp knn 4',
      ]);

      const resume = await cli('resume', runDir, '--no-probe');
      assert.strictEqual(resume.status, 0, resume.stderr);
      assert.match(resume.stderr, /run complete: 4 of 4 steps/);
    });

    it('reproduce (smoke) runs a figure and prints one table per representation and probe, and the paper finding', async () => {
      const out = tempDir();
      const r = await cli('reproduce', 'fig14', '--scale', 'smoke', '--out', out);
      assert.strictEqual(r.status, 0, r.stderr);
      for (const lr of ['0.1', '0.3', '1']) assert.ok(r.stdout.includes(`linear-lr${lr} probe on head features:`), r.stdout);
      assert.match(r.stdout, /\| simultaneous-cbe-noise \| +[\d.]+ \| +[\d.]+ \| +[\d.]+ \| +[\d.]+ \|/);
      assert.match(r.stdout, /the paper: The probe's learning rate has minimal effect/);
      assert.ok(fs.existsSync(path.join(out, 'results.csv')));
    });
  });
});
