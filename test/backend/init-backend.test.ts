import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_ENV, BackendReport, describeBackend, initBackend, registerNativeBackend, visibleCudaGpus } from '../../lib/backend';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Runs initBackend() in a fresh Node process (nothing chosen yet, BLOCKWISE_BACKEND unset) and returns its report. */
function reportOfFreshProcess(): Promise<BackendReport> {
  const lib = path.join(__dirname, '..', '..', 'lib', 'backend');
  const script = `require(${JSON.stringify(lib)}).initBackend().then((r) => console.log(JSON.stringify(r)))`;
  const env = { ...process.env };
  delete env[BACKEND_ENV];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as BackendReport);
    }),
  );
}

describe('backend: initBackend', () => {
  let original: BackendReport;
  before(async () => {
    original = await initBackend();
  });
  after(async () => {
    await initBackend({ backend: original.backend });
  });

  it('returns the same report on a second call, with that backend active', async () => {
    const again = await initBackend();
    assert.strictEqual(again, original);
    assert.strictEqual(tf.getBackend(), original.tfjsBackend);
  });

  it('on its own picks the best backend that loads and says why each better one was skipped', async () => {
    const report = await reportOfFreshProcess();
    assert.strictEqual(report.chosenBy, 'auto');
    const order = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];
    assert.deepStrictEqual(
      report.skipped.map((s) => s.backend),
      order.slice(0, order.indexOf(report.backend)),
    );
    for (const s of report.skipped) assert.ok(s.reason.length > 0, `${s.backend} has no reason`);
    if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
      const nativeBuilt = registerNativeBackend().registered;
      assert.strictEqual(report.backend, nativeBuilt ? 'native' : 'wasm');
      assert.match(report.skipped[0].reason, /^@tensorflow\/tfjs-node-gpu: not installed \(npm install @tensorflow\/tfjs-node-gpu@4\.22\.0; needs .*CUDA 11\.2 \+ cuDNN 8\.1\)$/);
      assert.match(report.skipped[1].reason, /^@tensorflow\/tfjs-node: not installed \(npm install @tensorflow\/tfjs-node@4\.22\.0\)$/);
      assert.match(report.detail, nativeBuilt ? /oneDNN/ : /SIMD.*Conv2DBackpropFilter/);
      if (!nativeBuilt) assert.match(report.skipped[2].reason, /^native: cannot load /);
    }
    assert.match(describeBackend(report), new RegExp(`^backend ${report.backend} \\(auto\\): `));
  });

  it('forces cpu and wasm with the option, then reports the better backends as not tried', async () => {
    await initBackend({ backend: 'cpu' });
    const wasm = await initBackend({ backend: 'wasm' });
    assert.strictEqual(wasm.backend, 'wasm');
    assert.strictEqual(wasm.chosenBy, 'option');
    assert.strictEqual(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernelsForBackend('wasm').some((k) => k.kernelName === tf.Conv2DBackpropFilter));

    const lines: string[] = [];
    const cpu = await initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
    assert.strictEqual(cpu.backend, 'cpu');
    assert.strictEqual(cpu.chosenBy, 'option');
    assert.strictEqual(tf.getBackend(), 'cpu');
    assert.deepStrictEqual(cpu.skipped.map((s) => s.backend), ['tensorflow-gpu', 'tensorflow', 'native', 'wasm']);
    assert.match(cpu.skipped[3].reason, /not tried: the initBackend option forces cpu/);
    assert.deepStrictEqual(lines, [describeBackend(cpu)]);
    assert.strictEqual(await initBackend({ backend: 'cpu' }), cpu);
  });

  it('forces a backend with BLOCKWISE_BACKEND and rejects unknown names', async () => {
    const saved = process.env[BACKEND_ENV];
    try {
      await initBackend({ backend: 'wasm' });
      process.env[BACKEND_ENV] = 'CPU';
      const cpu = await initBackend();
      assert.strictEqual(cpu.backend, 'cpu');
      assert.strictEqual(cpu.chosenBy, 'environment');
      process.env[BACKEND_ENV] = 'webgl';
      await assert.rejects(initBackend(), /BLOCKWISE_BACKEND is 'webgl'.*tensorflow-gpu, tensorflow, native, wasm, cpu/);
    } finally {
      if (saved === undefined) delete process.env[BACKEND_ENV];
      else process.env[BACKEND_ENV] = saved;
    }
  });

  it('fails to force tensorflow / tensorflow-gpu when not installed, naming the package and how to install it', async function () {
    if (installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')) this.skip();
    const before = await initBackend({ backend: 'wasm' });
    await assert.rejects(
      initBackend({ backend: 'tensorflow' }),
      /backend 'tensorflow' was forced by the initBackend option but cannot be used: @tensorflow\/tfjs-node: not installed \(npm install @tensorflow\/tfjs-node@4\.22\.0\)/,
    );
    await assert.rejects(initBackend({ backend: 'tensorflow-gpu' }), /@tensorflow\/tfjs-node-gpu: not installed .*CUDA 11\.2 \+ cuDNN 8\.1/);
    assert.strictEqual(await initBackend({ backend: 'wasm' }), before, 'a failed switch keeps the previous backend');
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  it('sees no CUDA GPU when CUDA_VISIBLE_DEVICES hides them', () => {
    const saved = process.env.CUDA_VISIBLE_DEVICES;
    try {
      process.env.CUDA_VISIBLE_DEVICES = '-1';
      assert.deepStrictEqual(visibleCudaGpus(), { none: "no CUDA GPU visible (CUDA_VISIBLE_DEVICES='-1')" });
    } finally {
      if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
      else process.env.CUDA_VISIBLE_DEVICES = saved;
    }
  });
});
