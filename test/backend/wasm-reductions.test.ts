import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../lib/backend';
import { Rng } from '../../lib/nn/rng';
import { onBackend } from './compare-backends';

/** float64 sums of `values` (shape `shape`) over `axes`, kept dims dropped, in row-major order of the kept dims. */
function float64Reduce(values: ArrayLike<number>, shape: number[], axes: number[], mean: boolean): number[] {
  const keptDims = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outSize = keptDims.reduce((p, d) => p * shape[d], 1);
  const out = new Array<number>(outSize).fill(0);
  const count = axes.reduce((p, d) => p * shape[d], 1);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    let o = 0;
    for (const d of keptDims) o = o * shape[d] + index[d];
    out[o] += values[i];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return mean ? out.map((v) => v / count) : out;
}

describe('backend: wasm Sum and Mean accumulate in double', () => {
  before(() => registerWasmTrainingKernels());

  it('large non-negative sums within one float32 ulp of float64, over every axis layout, keepDims or not', async () => {
    // The built-in wasm kernels are ~1e-3 off on the first case (a float accumulator over 2^19 values).
    const rng = new Rng(31);
    const shape = [32, 32, 32, 16];
    const values = rng.normals(32 * 32 * 32 * 16).map((v) => Math.max(v, 0) * 2);
    const ulp = (v: number) => (v === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23));
    await onBackend('wasm', () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor4d(values, shape as [number, number, number, number]);
      for (const axes of [[0, 1, 2, 3], [0, 1, 2], [1, 2], [3], [0], [0, 3]]) {
        for (const op of ['sum', 'mean'] as const) {
          for (const keepDims of [false, true]) {
            const expected = float64Reduce(values, shape, axes, op === 'mean');
            const got = tf.tidy(() => tf[op](x, axes, keepDims));
            const keptShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
            assert.deepStrictEqual(got.shape, keepDims ? keptShape : keptShape.filter((_, d) => !axes.includes(d)), `${op} ${axes} shape`);
            const v = got.dataSync();
            got.dispose();
            expected.forEach((e, i) => assert.ok(Math.abs(v[i] - e) <= ulp(e), `${op} over [${axes}] keepDims ${keepDims} [${i}]: ${v[i]} vs float64 ${e}`));
          }
        }
      }
      x.dispose();
      assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked');
    });
  });

  it('agrees with the cpu backend on small and empty tensors, negative axes, and leaves int32 to the built-in kernels', async () => {
    const rng = new Rng(32);
    const v = rng.normals(3 * 5 * 4);
    const cases: [string, (x: tf.Tensor) => tf.Tensor][] = [
      ['sum all', (x) => tf.sum(x)],
      ['mean -1', (x) => tf.mean(x, -1)],
      ['sum [0, 2] keepDims', (x) => tf.sum(x, [0, 2], true)],
      ['mean [1]', (x) => tf.mean(x, 1)],
      ['sum of an empty axis', (x) => tf.sum(tf.slice(x, [0, 0, 0], [3, 0, 4]), 1)],
      ['int32 sum', (x) => tf.sum(tf.cast(tf.mul(x, 10), 'int32'), 1)],
      ['int32 mean', (x) => tf.mean(tf.cast(tf.mul(x, 10), 'int32'), [0, 1])],
    ];
    for (const [what, fn] of cases) {
      const run = (b: string) => onBackend(b, () => tf.tidy(() => {
        const out = fn(tf.tensor3d(v, [3, 5, 4]));
        return { shape: out.shape, dtype: out.dtype, values: Array.from(out.dataSync()) };
      }));
      const [cpu, wasm] = [await run('cpu'), await run('wasm')];
      assert.deepStrictEqual(wasm.shape, cpu.shape, `${what}: shape`);
      assert.strictEqual(wasm.dtype, cpu.dtype, `${what}: dtype`);
      wasm.values.forEach((w, i) => assert.ok(Math.abs(w - cpu.values[i]) <= 1e-6 * Math.max(1, Math.abs(cpu.values[i])), `${what}[${i}]: wasm ${w}, cpu ${cpu.values[i]}`));
    }
  });
});
