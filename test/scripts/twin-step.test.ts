import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generatedCifar10 } from '../../lib/data/cifar10';
import { preset } from '../../lib/experiments/presets';
import { exportTwinData } from '../../scripts/twin/export-data';
import { stepCheck } from '../../scripts/twin/step-check';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TWIN = path.join(ROOT, 'scripts', 'twin', 'twin.py');
const PYTHON = '/usr/bin/python3';

interface Diff {
  abs: number;
  rel: number;
  update: number;
  rel_update: number;
}
interface Compare {
  steps: {
    ours_losses: number[];
    twin32_losses: number[];
    twin32_ourstd_losses?: number[];
    tensors: Record<string, Record<string, Diff>>;
  }[];
}

describe('scripts/twin step check (one whole training step against the PyTorch twin)', function () {
  this.timeout(300000);
  let dir = '';
  let data = '';
  before(async function () {
    const missing = !fs.existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import torch']).status !== 0;
    if (missing) {
      console.log(`      skipped: ${PYTHON} with torch is missing`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-twin-step-'));
    data = path.join(dir, 'data');
    await exportTwinData(preset('fig4', 'cifar10-long'), ['end-to-end', 'simultaneous-cbe-noise'], generatedCifar10({ count: 200 }), data);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const check = async (run: string, noise: boolean): Promise<Compare> => {
    const out = path.join(dir, `${run}-${noise}`);
    await stepCheck({ data, run, out: path.join(out, 'ours'), steps: 1, at: 5, images: 32, noise });
    const r = spawnSync(PYTHON, [TWIN, '--data', data, '--run', run, '--step-check', path.join(out, 'ours'), '--out', path.join(out, 'twin')], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    return JSON.parse(fs.readFileSync(path.join(out, 'twin', 'compare.json'), 'utf8')) as Compare;
  };

  /** Every tensor (parameters, projectors and BN statistics included) and block loss of ours within tol of the twin's. */
  const agree = (c: Compare, column: string, losses: 'twin32_losses' | 'twin32_ourstd_losses', tol: number): void => {
    const s = c.steps[0];
    assert.ok(Object.keys(s.tensors).some((k) => k.startsWith('projectors.')), 'the projectors are compared');
    for (const [k, t] of Object.entries(s.tensors)) assert.ok(t[column].rel < tol, `${k}: |twin - ours| / max |ours| = ${t[column].rel}`);
    s.ours_losses.forEach((o, i) => assert.ok(Math.abs(s[losses]![i] - o) / o < 1e-5, `block ${i + 1} loss: ours ${o}, twin ${s[losses]![i]}`));
  };

  it('end-to-end: the same losses and weights after one step', async () => {
    agree(await check('end-to-end', false), 'twin32_vs_ours', 'twin32_losses', 1e-4);
  });

  it('simultaneous, noise off: the same losses and weights after one step', async () => {
    agree(await check('simultaneous-cbe-noise', false), 'twin32_vs_ours', 'twin32_losses', 1e-4);
  });

  it('simultaneous with replayed noise: the same, once the twin scales the noise by our stds', async () => {
    agree(await check('simultaneous-cbe-noise', true), 'twin32_ourstd_vs_ours', 'twin32_ourstd_losses', 1e-4);
  });
});
