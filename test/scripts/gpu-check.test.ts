import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CHECK = path.join(ROOT, 'scripts', 'gpu', 'check.sh');

/** An nvidia-smi that answers check.sh's and initBackend's questions like an H100 with a CUDA 12.4 driver. */
const FAKE_NVIDIA_SMI = `#!/bin/sh
case "$1" in
  --query-gpu=*) echo "0, NVIDIA H100 80GB HBM3, 550.54.15, 9.0, 81559 MiB" ;;
  -L) echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)" ;;
  *) echo "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4 |" ;;
esac
`;

describe('scripts/gpu/check.sh (without a GPU backend)', function () {
  this.timeout(120000);

  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n', CHECK], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });

  it('reports the driver, a Hopper GPU, the CUDA 11 libraries it finds, the backend, and skips the GPU steps with exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-check-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.writeFileSync(path.join(dir, 'bin', 'nvidia-smi'), FAKE_NVIDIA_SMI, { mode: 0o755 });
      fs.mkdirSync(path.join(dir, 'cuda-11.2'));
      fs.writeFileSync(path.join(dir, 'cuda-11.2', 'libcudart.so.11.0'), '');
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, LD_LIBRARY_PATH: path.join(dir, 'cuda-11.2') };
      delete env.BLOCKWISE_BACKEND;
      delete env.CUDA_VISIBLE_DEVICES;
      const r = spawnSync(CHECK, ['--out', path.join(dir, 'out'), '--no-bench'], { encoding: 'utf8', env });
      assert.strictEqual(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stdout, /runs through PTX JIT/);
      assert.match(r.stdout, /bench and paper steps skipped: the backend is '\w+', not tensorflow-gpu/);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
      assert.strictEqual(summary.status, 'no-gpu-backend');
      assert.deepStrictEqual(summary.gpus, [{ index: 0, name: 'NVIDIA H100 80GB HBM3', driver: '550.54.15', computeCapability: '9.0', memory: '81559 MiB' }]);
      assert.strictEqual(summary.driverCudaVersion, '12.4');
      assert.strictEqual(summary.cuda11Libraries['libcudart.so.11.0'], path.join(dir, 'cuda-11.2', 'libcudart.so.11.0'));
      assert.strictEqual(Object.keys(summary.cuda11Libraries).length, 8);
      assert.ok(!summary.missingCuda11Libraries.includes('libcudart.so.11.0'));
      assert.notStrictEqual(summary.backend, null);
      assert.notStrictEqual(summary.backend.backend, 'tensorflow-gpu');
      assert.deepStrictEqual(summary.paperSteps, { exitCode: null, batch: 32, secondsPerStep: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
