import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CUDA11_LIBRARIES, cuda11Fix, missingCudaLibraries, unfindableCudaLibraries } from '../../lib/backend';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Forces tensorflow-gpu in a fresh Node process on a faked CUDA machine: an `nvidia-smi` that lists a GPU and a
 * stand-in @tensorflow/tfjs-node-gpu 4.22.0 whose `index.js` is `body`, found through NODE_PATH.
 */
function forceGpuWith(body: string): Promise<{ error: string; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cuda-'));
  const pkg = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
  fs.writeFileSync(path.join(pkg, 'index.js'), body);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'nvidia-smi'), '#!/bin/sh\necho "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)"\n', { mode: 0o755 });
  const lib = path.join(__dirname, '..', '..', 'lib', 'backend');
  const script = `require(${JSON.stringify(lib)}).initBackend({ backend: 'tensorflow-gpu' }).then(() => console.log('loaded'), (e) => console.log(e.message))`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
    NODE_PATH: [path.join(dir, 'node_modules'), path.join(ROOT, 'node_modules')].join(':'),
    LD_LIBRARY_PATH: '',
  };
  delete env.CUDA_VISIBLE_DEVICES;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (err) reject(err);
      else resolve({ error: stdout.trim(), stderr });
    }),
  );
}

describe('backend: missing CUDA 11 libraries (tfjs-node-gpu 4.22 on a CUDA 12 machine)', () => {
  it("recognises libtensorflow's log line and a dlopen error, and nothing else", () => {
    const tfLog = "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory";
    assert.deepStrictEqual(missingCudaLibraries(tfLog), ['libcudart.so.11.0']);
    assert.deepStrictEqual(
      missingCudaLibraries('libcudnn.so.8: cannot open shared object file: No such file or directory\nlibcublasLt.so.11: cannot open shared object file'),
      ['libcudnn.so.8', 'libcublasLt.so.11'],
    );
    assert.deepStrictEqual(missingCudaLibraries("Cannot find module '@tensorflow/tfjs-node-gpu'"), []);
    assert.deepStrictEqual(missingCudaLibraries('libtensorflow.so.2: cannot open shared object file'), []);
  });

  it('finds the libraries in LD_LIBRARY_PATH folders and in the loader cache; lists the others in order', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuda11-'));
    try {
      for (const f of ['libcudart.so.11.0', 'libcudnn.so.8']) fs.writeFileSync(path.join(dir, f), '');
      const cache = '\tlibcublas.so.11 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcublas.so.11\n\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/libcudart.so.12\n';
      assert.deepStrictEqual(unfindableCudaLibraries(`/nonexistent:${dir}`, () => cache), ['libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11']);
      assert.deepStrictEqual(unfindableCudaLibraries('', () => ''), [...CUDA11_LIBRARIES]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the fix names the missing libraries, the CUDA 11.2 packages and LD_LIBRARY_PATH', () => {
    const fix = cuda11Fix(['libcudart.so.11.0']);
    assert.match(fix, /libtensorflow 2\.9\.1, built for CUDA 11\.2 \+ cuDNN 8\.1, and cannot open libcudart\.so\.11\.0/);
    assert.match(fix, /cuda-cudart-11-2 .*libcudnn8=8\.1\.1\.33-1\+cuda11\.2/);
    assert.match(fix, /export LD_LIBRARY_PATH=\/usr\/local\/cuda-11\.2\/lib64:\$LD_LIBRARY_PATH/);
  });

  it('initBackend prints the fix when loading tfjs-node-gpu fails for a missing CUDA 11 library', async function () {
    this.timeout(60000);
    const { error, stderr } = await forceGpuWith("throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');");
    assert.match(error, /^initBackend: backend 'tensorflow-gpu' was forced .*@tensorflow\/tfjs-node-gpu: failed to load: missing libcudart\.so\.11\.0; .*LD_LIBRARY_PATH=\/usr\/local\/cuda-11\.2\/lib64/);
    assert.match(stderr, /^initBackend: @tensorflow\/tfjs-node-gpu 4\.22 runs libtensorflow 2\.9\.1.*cannot open libcudart\.so\.11\.0/m);
  });

  it('initBackend refuses a tfjs-node-gpu whose libtensorflow fell back to the CPU, naming the unfindable libraries', async function () {
    this.timeout(60000);
    // A 'tensorflow' backend that, like libtensorflow without its CUDA libraries, uses no GPU device.
    const body = [
      "const tf = require('@tensorflow/tfjs-core');",
      "const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');",
      "tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: false }));",
    ].join('\n');
    const { error } = await forceGpuWith(body);
    const missing = unfindableCudaLibraries('');
    if (missing.length === 0) {
      assert.match(error, /libtensorflow found no usable GPU and would run on the CPU \(needs an NVIDIA GPU with CUDA 11\.2 \+ cuDNN 8\.1/);
    } else {
      assert.match(error, new RegExp(`libtensorflow found no usable GPU and would run on the CPU: missing ${missing.join(', ').replace(/\./g, '\\.')}; `));
    }
  });
});
