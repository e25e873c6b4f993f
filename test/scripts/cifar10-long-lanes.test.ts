import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadExperiment } from '../../lib/experiments/load-experiment';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'reproduce', 'cifar10-long.sh');

/**
 * scripts/reproduce/cifar10-long.sh's more-seeds lanes, dry-run at the smoke scale: the lanes' worktree is this checkout
 * (a link, already built), the runs go to a temporary folder and collect writes there too.
 */
describe('scripts/reproduce/cifar10-long.sh seed lanes (smoke scale)', function () {
  this.timeout(300000);
  let lanes = '';
  let results = '';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    BLOCKWISE_LANES: lanes,
    BLOCKWISE_LANES_SCALE: 'smoke',
    BLOCKWISE_LANES_RESULTS: results,
    BLOCKWISE_LANES_NICE: '0',
  });
  const script = (...args: string[]): { status: number | null; out: string } => {
    const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', env: env() });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  /** Waits for the lane whose pid file is `lane-<name>.pid` to exit. */
  const waitForLane = async (name: string): Promise<void> => {
    const pid = Number(fs.readFileSync(path.join(lanes, 'runs', `lane-${name}.pid`), 'utf8'));
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive()) await new Promise((r) => setTimeout(r, 200));
  };

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'lib', 'cli', 'main.js'))) this.skip();
    lanes = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-lanes-'));
    results = path.join(lanes, 'results');
    fs.mkdirSync(path.join(lanes, 'runs'));
    fs.symlinkSync(ROOT, path.join(lanes, 'tree'));
  });
  after(() => {
    if (lanes) fs.rmSync(lanes, { recursive: true, force: true });
  });

  it('refuses one seed, and the seeds of lanes a and b, naming them', () => {
    const one = script('more-seeds', '3');
    assert.strictEqual(one.status, 2);
    assert.match(one.out, /two or more seeds.*not '3'/);
    const fig = script('figure', 'fig4', '3,4');
    assert.strictEqual(fig.status, 2);
    assert.match(fig.out, /figure other than fig4/);
    const taken = script('more-seeds', '2,3');
    assert.strictEqual(taken.status, 2);
    assert.match(taken.out, /seed 2 is one of lanes a and b's seeds/);
    assert.deepStrictEqual(fs.readdirSync(path.join(lanes, 'runs')), []);
  });

  it("trains the main claim's two runs at the new seeds, and collect merges them into one fig4 folder", async () => {
    const started = script('more-seeds', '3,4');
    assert.strictEqual(started.status, 0, started.out);
    assert.match(started.out, /lane fig4-seeds-3-4 started/);
    // A second lane may not train a seed the first one has (its pid file exists before its folder does).
    const overlap = script('more-seeds', '4,5');
    assert.strictEqual(overlap.status, 2);
    assert.match(overlap.out, /seed 4 is already trained by lane fig4-seeds-3-4/);
    await waitForLane('fig4-seeds-3-4');
    const log = fs.readFileSync(path.join(lanes, 'runs', 'lane-fig4-seeds-3-4.log'), 'utf8');
    assert.match(log, /results: .*fig4-seeds-3-4\/results\.csv/, log.slice(-2000));

    const probed = script('probe');
    assert.strictEqual(probed.status, 0, probed.out);
    const collected = script('collect');
    assert.strictEqual(collected.status, 0, collected.out);
    const e = loadExperiment(path.join(results, 'fig4'));
    assert.deepStrictEqual(e.preset.seeds, [3, 4]);
    const trained = e.runs.map((r) => `${r.label}/${r.seed}/${r.status}`).sort();
    assert.deepStrictEqual(trained, ['end-to-end/3/completed', 'end-to-end/4/completed', 'simultaneous-cbe-noise/3/completed', 'simultaneous-cbe-noise/4/completed']);
    for (const label of ['end-to-end', 'simultaneous-cbe-noise']) {
      for (const seed of [3, 4]) {
        const rows = e.results.filter((r) => r.run === label && r.seed === seed && r.block === 4);
        assert.ok(rows.length > 0, `${label} seed ${seed}: no block-4 rows`);
        assert.ok(fs.existsSync(path.join(results, 'fig4', label, `seed-${seed}`, 'status.json')));
      }
    }
    const epochs = fs.readFileSync(path.join(results, 'fig4', 'epochs.csv'), 'utf8').trim().split('\n');
    assert.ok(epochs.length > 1, 'epochs.csv has no probe rows');
  });

  it('fails, and leaves the collected folder as it was, when two lanes hold the same seed', () => {
    const before = fs.readFileSync(path.join(results, 'fig4', 'results.csv'), 'utf8');
    // A lane folder that trained seed 4 again (as a copy of the first lane's).
    fs.cpSync(path.join(lanes, 'runs', 'fig4-seeds-3-4'), path.join(lanes, 'runs', 'fig4-seeds-4-9'), { recursive: true });
    const r = script('collect');
    assert.notStrictEqual(r.status, 0);
    assert.match(r.out, /fig4-seeds-4-9: end-to-end\/seed-3 was trained by another lane too/);
    assert.match(r.out, /collect failed; .* is left as it was/);
    assert.strictEqual(fs.readFileSync(path.join(results, 'fig4', 'results.csv'), 'utf8'), before);
    assert.deepStrictEqual(fs.readdirSync(results).filter((n) => n.startsWith('.')), []);
    fs.rmSync(path.join(lanes, 'runs', 'fig4-seeds-4-9'), { recursive: true });
  });

  it("trains another figure's lane, copying the runs Fig. 4's lanes trained with the same config, and collects it into its own folder", async () => {
    const started = script('figure', 'noise', '3,4');
    assert.strictEqual(started.status, 0, started.out);
    assert.match(started.out, /lane noise-seeds-3-4 started/);
    await waitForLane('noise-seeds-3-4');
    const log = fs.readFileSync(path.join(lanes, 'runs', 'lane-noise-seeds-3-4.log'), 'utf8');
    // element-0p25 is simultaneous CbE + noise: copied from the fig4 lane, not trained again.
    assert.match(log, /element-0p25.*(copied|shared)/i, log.slice(-3000));
    const collected = script('collect');
    assert.strictEqual(collected.status, 0, collected.out);
    const noise = loadExperiment(path.join(results, 'noise'));
    assert.deepStrictEqual(noise.preset.seeds, [3, 4]);
    assert.strictEqual(noise.status, 'completed');
    const fig4 = loadExperiment(path.join(results, 'fig4'));
    for (const seed of [3, 4]) {
      const a = noise.results.filter((r) => r.run === 'element-0p25' && r.seed === seed).map((r) => `${r.block} ${r.features} ${r.probe} ${r.top1}`);
      const b = fig4.results.filter((r) => r.run === 'simultaneous-cbe-noise' && r.seed === seed).map((r) => `${r.block} ${r.features} ${r.probe} ${r.top1}`);
      assert.ok(a.length > 0);
      assert.deepStrictEqual(a.sort(), b.sort());
    }
    const status = script('status');
    assert.match(status.out, /lane noise-seeds-3-4: stopped, 8 run\(s\) completed/);
  });
});
