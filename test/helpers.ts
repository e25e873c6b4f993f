import * as fs from 'fs';
import * as path from 'path';
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { BlockwiseConfig } from '../lib/blockwise/blockwise-network';
import { PAPER_NOISE } from '../lib/blockwise/noise';
import { defaultPartition } from '../lib/blockwise/partition';

/** Reads `test/fixtures/<name>.json` (written by `scripts/fixtures/<name>.py` with PyTorch). */
export function loadFixture<T = any>(name: string): T {
  const file = path.join(__dirname, '..', '..', 'test', 'fixtures', `${name}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Asserts |a - e| <= atol + rtol * |e| elementwise, naming the first index that fails. */
export function assertClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { rtol = 1e-5, atol = 1e-6, what = 'value' }: { rtol?: number; atol?: number; what?: string } = {},
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  assert.strictEqual(a.length, e.length, `${what}: length ${a.length} != expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]);
    if (!(Math.abs(a[i] - e[i]) <= tol)) {
      assert.fail(`${what}[${i}] = ${a[i]}, expected ${e[i]} (|diff| ${Math.abs(a[i] - e[i])} > tol ${tol})`);
    }
  }
}

/** Asserts a tensor equals expected values (flattened) within tolerance. */
export function assertTensorClose(
  t: tf.Tensor,
  expected: ArrayLike<number>,
  opts: { rtol?: number; atol?: number; what?: string } = {},
): void {
  assertClose(t.dataSync() as Float32Array, expected, opts);
}

/** Runs `fn` and asserts it leaves the number of live tensors unchanged. */
export async function assertNoLeak<T>(fn: () => T | Promise<T>, what = 'block'): Promise<T> {
  const before = tf.memory().numTensors;
  const r = await fn();
  const after = tf.memory().numTensors;
  assert.strictEqual(after, before, `${what} leaked ${after - before} tensors`);
  return r;
}

/** The paper's blockwise settings (`resolveTrainConfig`'s defaults) for a backbone of `stages` stages: one block per stage, stop-gradient, `PAPER_NOISE`. */
export function paperBlockwise(stages = 4): BlockwiseConfig {
  return { partition: defaultPartition(stages), stopGradient: true, noise: PAPER_NOISE };
}
