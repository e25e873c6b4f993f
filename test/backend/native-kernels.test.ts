import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND, registerNativeBackend } from '../../lib/backend/native-backend';
import { NATIVE_KERNELS } from '../../lib/backend/native-kernels';
import { Rng } from '../../lib/nn/rng';
import { assertClose } from '../helpers';

/**
 * Every kernel of the native backend against the `cpu` backend's kernel of the same name, on random shapes.
 * Inputs are plain arrays, so each backend builds its own tensors; outputs are compared relative to their
 * largest magnitude (convolutions and sums add in a different order).
 */

type Case = { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' };

function randomCase(rng: Rng, shape: number[], positive = false): Case {
  const v = rng.normals(shape.reduce((a, b) => a * b, 1));
  return { shape, values: positive ? v.map((x) => Math.abs(x) + 0.1) : v };
}

/** Runs `fn` on the given backend over fresh tensors of `inputs`; returns every output's values and shape, checking for leaks. */
async function runOn(backend: string, inputs: Case[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; dtype: string; values: number[] }[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const before = tf.memory().numTensors;
    const xs = inputs.map((c) => tf.tensor(c.values, c.shape, c.dtype ?? 'float32'));
    const out = tf.tidy(() => fn(...xs));
    const outs = Array.isArray(out) ? out : [out];
    const r = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync() as ArrayLike<number>) }));
    tf.dispose([...xs, ...outs]);
    assert.strictEqual(tf.memory().numTensors, before, `${backend}: tensors leaked`);
    return r;
  } finally {
    await tf.setBackend(previous);
  }
}

/** Asserts fn gives the same outputs on native as on cpu. */
async function sameAsCpu(what: string, inputs: Case[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], rel = 1e-5): Promise<void> {
  const expected = await runOn('cpu', inputs, fn);
  const actual = await runOn(NATIVE_BACKEND, inputs, fn);
  assert.strictEqual(actual.length, expected.length, `${what}: number of outputs`);
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.deepStrictEqual(a.shape, e.shape, `${what}: output ${i} shape`);
    assert.strictEqual(a.dtype, e.dtype, `${what}: output ${i} dtype`);
    const scale = e.values.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
    assertClose(a.values, e.values, { rtol: 0, atol: rel * Math.max(scale, 1e-6), what: `${what} output ${i}` });
  });
}

describe('native backend kernels (vs the cpu backend)', function () {
  before(function () {
    const r = registerNativeBackend();
    if (!r.registered) {
      console.log(`    skipped: native addon not available (${r.reason})`);
      this.skip();
    }
  });

  it('registers every cpu kernel under the native backend', () => {
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    const native = new Set(tf.getKernelsForBackend(NATIVE_BACKEND).map((k) => k.kernelName));
    assert.deepStrictEqual(cpu.filter((k) => !native.has(k)), []);
    for (const k of NATIVE_KERNELS.keys()) assert.ok(native.has(k), `${k} is not a cpu kernel name`);
  });

  describe('Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter', () => {
    const cases: { n: number; h: number; w: number; ci: number; co: number; k: number; stride: number; pad: 'same' | 'valid' | number; dilation?: number }[] = [
      { n: 2, h: 9, w: 7, ci: 3, co: 5, k: 3, stride: 1, pad: 1 },
      { n: 2, h: 9, w: 8, ci: 4, co: 6, k: 3, stride: 2, pad: 1 },
      { n: 1, h: 8, w: 8, ci: 5, co: 3, k: 1, stride: 2, pad: 0 },
      { n: 2, h: 10, w: 9, ci: 3, co: 4, k: 7, stride: 2, pad: 3 },
      { n: 1, h: 7, w: 9, ci: 2, co: 3, k: 3, stride: 2, pad: 'same' },
      { n: 2, h: 9, w: 7, ci: 3, co: 2, k: 3, stride: 2, pad: 'valid' },
      { n: 1, h: 9, w: 9, ci: 3, co: 4, k: 3, stride: 1, pad: 'same', dilation: 2 },
      { n: 2, h: 6, w: 6, ci: 16, co: 17, k: 3, stride: 1, pad: 1 },
    ];
    cases.forEach((c, i) => {
      it(`case ${i}: x [${c.n},${c.h},${c.w},${c.ci}], ${c.k}x${c.k}, stride ${c.stride}, pad ${c.pad}${c.dilation ? `, dilation ${c.dilation}` : ''}`, async () => {
        const rng = new Rng(100 + i);
        const x = randomCase(rng, [c.n, c.h, c.w, c.ci]);
        const f = randomCase(rng, [c.k, c.k, c.ci, c.co]);
        const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor4D => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
        const yShape = await runOn('cpu', [x, f], conv);
        const weight = randomCase(rng, yShape[0].shape);
        await sameAsCpu('conv2d', [x, f], conv, 1e-5);
        if (c.dilation) return; // tfjs has no gradient for dilated convolutions.
        // Gradients of sum(conv(x, f) * weight) run Conv2DBackpropInput (dx) and Conv2DBackpropFilter (df).
        await sameAsCpu('conv2d gradients', [x, f, weight], (a, b, wt) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(conv(p, q), wt)))([a, b]), 1e-5);
      });
    });
  });

  it('BatchMatMul with transposes and a broadcast batch', async () => {
    const rng = new Rng(3);
    for (const [aShape, bShape, ta, tb] of [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[2, 7, 5], [2, 3, 7], true, true],
      [[1, 4, 6], [3, 6, 2], false, false],
      [[3, 4, 6], [6, 2], false, false],
    ] as [number[], number[], boolean, boolean][]) {
      await sameAsCpu(`matMul [${aShape}]${ta ? 'T' : ''} x [${bShape}]${tb ? 'T' : ''}`, [randomCase(rng, aShape), randomCase(rng, bShape)], (a, b) => tf.matMul(a, b, ta, tb));
    }
  });

  const binaryShapes: [number[], number[]][] = [
    [[3, 4, 5, 6], [3, 4, 5, 6]],
    [[4, 5, 5, 16], [16]],
    [[4, 5, 5, 16], [1, 1, 1, 16]],
    [[2, 1, 3], [4, 1]],
    [[6, 1], [6, 7]],
    [[], [3, 5]],
    [[40000], []],
    [[5, 3, 4], [5, 1, 4]],
  ];
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'pow', 'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] as const) {
    it(`${op} with broadcasting`, async () => {
      const rng = new Rng(11);
      for (const [as, bs] of binaryShapes) {
        const a = randomCase(rng, as, op === 'pow');
        const b = randomCase(rng, bs);
        // Equal values somewhere, so that the comparisons see ties (pow keeps its positive base).
        if (op !== 'pow' && a.values.length > 0 && b.values.length > 0) a.values[0] = b.values[0];
        await sameAsCpu(`${op} [${as}] [${bs}]`, [a, b], (x, y) => (tf[op] as (p: tf.Tensor, q: tf.Tensor) => tf.Tensor)(x, y));
      }
    });
  }

  it('unary ops', async () => {
    const rng = new Rng(5);
    const ops: [string, (x: tf.Tensor) => tf.Tensor, boolean][] = [
      ['relu', tf.relu, false], ['step', (x) => tf.step(x, 0.3), false], ['neg', tf.neg, false], ['exp', tf.exp, false],
      ['log', tf.log, true], ['sqrt', tf.sqrt, true], ['rsqrt', tf.rsqrt, true], ['square', tf.square, false], ['abs', tf.abs, false],
      ['reciprocal', tf.reciprocal, true], ['sigmoid', tf.sigmoid, false], ['tanh', tf.tanh, false], ['relu6', (x) => tf.relu6(tf.mul(x, 5)), false],
      ['log1p', tf.log1p, true], ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.7), false],
    ];
    for (const [name, fn, positive] of ops) {
      for (const shape of [[7], [3, 50, 400]]) await sameAsCpu(`${name} [${shape}]`, [randomCase(rng, shape, positive)], fn);
    }
  });

  it('Sum, Mean, Max, Min over axes, with and without keepDims', async () => {
    const rng = new Rng(9);
    const x = randomCase(rng, [6, 5, 7, 16]);
    for (const axes of [[0, 1, 2], [3], [1, 2], [0], [0, 2], [1, 3], null, [-1]]) {
      for (const keepDims of [false, true]) {
        for (const op of ['sum', 'mean', 'max', 'min'] as const) {
          await sameAsCpu(`${op} axes ${axes} keepDims ${keepDims}`, [x], (t) => tf[op](t, axes ?? undefined, keepDims));
        }
      }
    }
    await sameAsCpu('sum of a large vector', [randomCase(rng, [70000])], (t) => tf.sum(t));
    await sameAsCpu('sum over the batch of a large map', [randomCase(rng, [64, 16, 16, 32])], (t) => tf.sum(t, [0, 1, 2]));
  });

  it('Sum and Mean round once: large positive sums within one float32 ulp of the float64 sum (as PyTorch, unlike a float accumulator)', async () => {
    // Positive values are where a float accumulator loses most: the running sum grows and each addend's low bits
    // are rounded away (about 1e-4 of the result over half a million values, the feature noise's std).
    const rng = new Rng(21);
    const n = 1 << 19;
    const values = rng.normals(n).map((v) => Math.abs(v) * 3 + 1);
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND);
    try {
      const before = tf.memory().numTensors;
      const ulp = (v: number) => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23);
      const check = (what: string, actual: ArrayLike<number>, expected: number[]) => {
        for (let i = 0; i < expected.length; i++) {
          const err = Math.abs(actual[i] - expected[i]);
          assert.ok(err <= ulp(expected[i]), `${what}[${i}]: ${actual[i]} vs float64 ${expected[i]} (error ${err}, one ulp ${ulp(expected[i])})`);
        }
      };
      const whole = values.reduce((s, v) => s + v, 0);
      tf.tidy(() => {
        const x = tf.tensor1d(values);
        check('sum of 2^19 values', tf.sum(x).dataSync(), [whole]);
        check('mean of 2^19 values', tf.mean(x).dataSync(), [whole / n]);
        // Kept innermost axis: per-channel sums of an NHWC map, each over 2^17 values.
        const c = 4;
        const perChannel = Array.from({ length: c }, (_, j) => values.reduce((s, v, i) => (i % c === j ? s + v : s), 0));
        const map = tf.reshape(x, [32, 64, 64, c]);
        check('per-channel sum of [32, 64, 64, 4]', tf.sum(map, [0, 1, 2]).dataSync(), perChannel);
        check('per-channel mean of [32, 64, 64, 4]', tf.mean(map, [0, 1, 2]).dataSync(), perChannel.map((v) => v / (n / c)));
      });
      assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked');
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('Transpose, PadV2, Slice, Tile, AddN', async () => {
    const rng = new Rng(13);
    const x = randomCase(rng, [4, 5, 6, 7]);
    for (const perm of [[3, 0, 1, 2], [1, 2, 3, 0], [0, 2, 1, 3], [3, 2, 1, 0], [0, 1, 3, 2]]) {
      await sameAsCpu(`transpose ${perm}`, [x], (t) => tf.transpose(t, perm));
    }
    await sameAsCpu('transpose of a large matrix', [randomCase(rng, [300, 200])], (t) => tf.transpose(t));
    await sameAsCpu('pad', [x], (t) => tf.pad(t, [[0, 0], [1, 2], [2, 1], [0, 3]], 0.5));
    await sameAsCpu('slice (strided)', [x], (t) => tf.slice(t, [1, 2, 0, 3], [2, 3, 6, 4]));
    await sameAsCpu('slice (contiguous)', [x], (t) => tf.slice(t, [1, 0, 0, 0], [2, 5, 6, 7]));
    await sameAsCpu('tile', [x], (t) => tf.tile(t, [2, 1, 3, 1]));
    await sameAsCpu('broadcastTo (tile of a reshaped vector)', [randomCase(rng, [7])], (t) => tf.broadcastTo(t, [4, 5, 7]));
    await sameAsCpu('addN', [x, randomCase(rng, [4, 5, 6, 7]), randomCase(rng, [4, 5, 6, 7])], (a, b, c) => tf.addN([a, b, c]));
  });

  it('GatherV2 along each axis, and its out-of-range error', async () => {
    const rng = new Rng(17);
    const x = randomCase(rng, [4, 5, 6]);
    const idx = (values: number[], shape = [values.length]): Case => ({ shape, values: new Int32Array(values), dtype: 'int32' });
    await sameAsCpu('gather axis 0', [x, idx([3, 0, 3])], (t, i) => tf.gather(t, i, 0));
    await sameAsCpu('gather axis 1, 2-D indices', [x, idx([4, 1, 0, 2], [2, 2])], (t, i) => tf.gather(t, i, 1));
    await sameAsCpu('gather axis 2', [x, idx([5, 5, 0])], (t, i) => tf.gather(t, i, 2));
    await assert.rejects(runOn(NATIVE_BACKEND, [x, idx([6])], (t, i) => tf.gather(t, i, 1)), /index value 6 is not in \[0, 4\]/);
  });

  it('leaves int32 and bool inputs to the cpu kernels', async () => {
    const ints: Case = { shape: [2, 3], values: new Int32Array([1, -2, 3, 4, 5, -6]), dtype: 'int32' };
    await sameAsCpu('int32 add, sum, transpose', [ints, ints], (a, b) => [tf.add(a, b), tf.sum(a, 1), tf.transpose(a), tf.greater(a, b)]);
  });
});
