import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { CORRUPTIONS, corrupt, corruptAsync } from '../../lib';
import { Rng } from '../../lib/nn/rng';
import { loadFixture } from '../helpers';
import { GAUSSIAN_NOISE, gaussianNoiseWith } from '../../lib/data/corruptions';

const IMPLEMENTED = ['gaussian_noise', 'shot_noise', 'impulse_noise', 'brightness', 'contrast', 'pixelate',
  'defocus_blur', 'fog', 'elastic_transform', 'motion_blur', 'zoom_blur', 'glass_blur', 'frost'];
/** Corruptions only `corruptAsync` runs. */
const ASYNC = ['jpeg_compression'];

function images(h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(3).uniforms(2 * h * w * 3, 0.1, 0.9), [2, h, w, 3]);
}

describe('corruptions', () => {
  it('lists the 15 benchmark corruptions', () => {
    assert.strictEqual(CORRUPTIONS.length, 15);
    assert.strictEqual(new Set(CORRUPTIONS).size, 15);
  });

  it('rejects unknown names, out-of-range severities and non-4D input with clear errors', () => {
    const x = images(32, 32);
    assert.throws(() => corrupt(x, 'blur', 1, 0), /unknown corruption 'blur'/);
    assert.throws(() => corrupt(x, 'contrast', 6, 0), /contrast.*severity must be an integer 1-5, got 6/);
    assert.throws(() => corrupt(x, 'contrast', 0, 0), /severity/);
    const y = tf.zeros([32, 32, 3]) as unknown as tf.Tensor4D;
    assert.throws(() => corrupt(y, 'contrast', 1, 0), /\[N, H, W, C\].*32,32,3/);
    assert.throws(() => corrupt(x, 'jpeg_compression', 1, 0), /jpeg_compression.*use corruptAsync/);
    tf.dispose([x, y]);
  });

  /** Seeded, shape kept, in [0, 1], mean squared distance from clean strictly growing with severity, no leaks. */
  async function generic(name: string, size: number, run: (x: tf.Tensor4D, s: number) => Promise<tf.Tensor4D>) {
    const x = images(size, size);
    const before = tf.memory().numTensors;
    let previous = 0;
    for (let s = 1; s <= 5; s++) {
      const a = await run(x, s);
      const b = await run(x, s);
      assert.deepStrictEqual(a.shape, x.shape);
      assert.deepStrictEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
      const v = a.dataSync();
      assert.ok(v.every((e) => e >= 0 && e <= 1), `${name} s${s} out of [0, 1]`);
      const d = tf.tidy(() => tf.mean(tf.square(tf.sub(a, x))).dataSync()[0]);
      assert.ok(d > previous, `${name}: distance at severity ${s} (${d}) not above ${previous}`);
      previous = d;
      tf.dispose([a, b]);
    }
    assert.strictEqual(tf.memory().numTensors, before);
    x.dispose();
  }

  for (const name of IMPLEMENTED) {
    for (const size of [32, 64]) {
      it(`${name} (${size}x${size}): seeded, shape kept, in [0, 1], distance grows with severity, no leaks`, () =>
        generic(name, size, async (x, s) => corrupt(x, name, s, 7)));
    }
  }
  for (const name of [...IMPLEMENTED, ...ASYNC]) {
    for (const size of [32, 64]) {
      it(`${name} (${size}x${size}) through corruptAsync: seeded, shape kept, in [0, 1], distance grows, no leaks`, () =>
        generic(name, size, (x, s) => corruptAsync(x, name, s, 7)));
    }
  }
});

describe('corruptions against the reference script (scripts/fixtures/corruptions.py)', () => {
  type Out = { head: number[]; sum: number };
  type Case = { shape: [number, number, number, number]; x255: number[]; z100: number[]; out: Record<string, Out> };
  const fixture = loadFixture<{ cases: Case[] }>('corruptions');
  /**
   * Another libjpeg build may round its DCT and colour conversion differently: up to 2 levels in a value and
   * 0.25 levels on average. sharp 0.35.5 (libvips 8.18.7) against Pillow 9.4.0 (libjpeg-turbo 6.2 API) agree
   * exactly on these fixtures.
   */
  const JPEG_TOLERANCE = { value: 2 / 255 + 1e-6, mean: 0.25 / 255 };

  /** Each of the first values within `atol`, the mean (from the sum) within `meanTol`. */
  function check(got: tf.Tensor, want: Out, label: string, atol = 1e-5, meanTol = 1e-6): void {
    const v = got.dataSync();
    want.head.forEach((e, i) => assert.ok(Math.abs(v[i] - e) <= atol, `${label}[${i}]: ${v[i]} vs ${e}`));
    let sum = 0;
    for (const e of v) sum += e;
    assert.ok(Math.abs(sum - want.sum) <= meanTol * v.length, `${label} sum: ${sum} vs ${want.sum}`);
  }

  for (const c of fixture.cases) {
    it(`brightness, contrast and gaussian noise (given draw) match at ${c.shape[1]}x${c.shape[2]}`, () => {
      const x = tf.tensor4d(c.x255.map((e) => e / 255), c.shape);
      const z = tf.tensor4d(c.z100.map((e) => e / 100), c.shape);
      const table = c.shape[1] === 32 ? 'cifar' : 'imagenet';
      for (let s = 1; s <= 5; s++) {
        for (const name of ['brightness', 'contrast']) {
          const y = corrupt(x, name, s, 0);
          check(y, c.out[`${name}/${s}`], `${name}/${s}`);
          y.dispose();
        }
        const y = gaussianNoiseWith(x, z, GAUSSIAN_NOISE[table][s - 1]);
        check(y, c.out[`gaussian_noise/${s}`], `gaussian_noise/${s}`);
        y.dispose();
      }
      tf.dispose([x, z]);
    });
  }

  for (const c of fixture.cases) {
    // PIL rounds to 8 bits after each axis of each resize; the float version is within one level of it.
    it(`pixelate matches PIL BOX resizes within 1/255 at ${c.shape[1]}x${c.shape[2]}`, () => {
      const x = tf.tensor4d(c.x255.map((e) => e / 255), c.shape);
      for (let s = 1; s <= 5; s++) {
        const y = corrupt(x, 'pixelate', s, 0);
        check(y, c.out[`pixelate/${s}`], `pixelate/${s}`, 1 / 255 + 1e-6, 1 / 255);
        y.dispose();
      }
      x.dispose();
    });

    it(`jpeg_compression matches PIL JPEG at the same quality within 2/255 (encoder rounding) at ${c.shape[1]}x${c.shape[2]}`, async () => {
      const x = tf.tensor4d(c.x255.map((e) => e / 255), c.shape);
      for (let s = 1; s <= 5; s++) {
        const y = await corruptAsync(x, 'jpeg_compression', s, 0);
        check(y, c.out[`jpeg_compression/${s}`], `jpeg_compression/${s}`, JPEG_TOLERANCE.value, JPEG_TOLERANCE.mean);
        y.dispose();
      }
      x.dispose();
    });
  }
});
