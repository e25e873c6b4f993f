import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { DataLoader, ImageDataset, InMemoryImageDataset, subset, trainValidationSplit } from '../../lib/data';

/** `n` 2x2x1 images whose pixels all equal the image index (mod 256), labels index mod `classes`. */
function toyDataset(n: number, classes = 4): InMemoryImageDataset {
  const images = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4) % 256);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  return new InMemoryImageDataset('toy', images, labels, [2, 2, 1], Array.from({ length: classes }, (_, k) => `c${k}`));
}

/** Wraps a dataset so that every read takes `ms` milliseconds, like a read from disk. */
function slow(ds: ImageDataset, ms: number, log: string[]): ImageDataset {
  return {
    ...ds,
    labels: ds.labels,
    async read(idx: ArrayLike<number>): Promise<Uint8Array> {
      log.push(`start ${idx[0]}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${idx[0]}`);
      return ds.read(idx);
    },
  };
}

describe('data/split', () => {
  it('carves a reproducible, disjoint, stratified validation part', async () => {
    const ds = toyDataset(200);
    const a = trainValidationSplit(ds, { validationFraction: 0.1, seed: 7 });
    const b = trainValidationSplit(ds, { validationFraction: 0.1, seed: 7 });
    const c = trainValidationSplit(ds, { validationFraction: 0.1, seed: 8 });
    assert.strictEqual(a.train.size, 180);
    assert.strictEqual(a.validation.size, 20);
    const ids = async (d: ImageDataset): Promise<number[]> => Array.from(await d.read(Int32Array.from({ length: d.size }, (_, i) => i))).filter((_, i) => i % 4 === 0);
    const va = await ids(a.validation);
    assert.deepStrictEqual(va, await ids(b.validation));
    assert.notDeepStrictEqual(va, await ids(c.validation));
    const tr = new Set(await ids(a.train));
    assert.ok(va.every((v) => !tr.has(v)), 'validation images also in train');
    assert.strictEqual(tr.size + va.length, 200);
    const perClass = [0, 0, 0, 0];
    a.validation.labels.forEach((l) => perClass[l]++);
    assert.deepStrictEqual(perClass, [5, 5, 5, 5]);
    assert.throws(() => trainValidationSplit(ds, { validationFraction: 1 }), /validationFraction/);
  });

  it('subset reads through to its parent and checks indices', async () => {
    const s = subset(toyDataset(10), [7, 2]);
    assert.deepStrictEqual(Array.from(s.labels), [3, 2]);
    assert.deepStrictEqual(Array.from(await s.read([1, 0])), [2, 2, 2, 2, 7, 7, 7, 7]);
    assert.throws(() => s.read([2]), /outside \[0, 2\)/);
  });
});

describe('data/loader', () => {
  it('visits every image once per epoch, in a seeded order that changes with the epoch', async () => {
    const loader = new DataLoader(toyDataset(10), { batchSize: 4, seed: 3 });
    assert.strictEqual(loader.batchesPerEpoch, 3);
    const seen: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const order: number[] = [];
      for await (const b of loader.epoch(e)) {
        assert.deepStrictEqual(b.images.shape.slice(1), [2, 2, 1]);
        assert.strictEqual(b.images.dtype, 'float32');
        const px = b.images.dataSync();
        const lab = b.labels.dataSync();
        b.indices.forEach((k, i) => {
          assert.strictEqual(px[4 * i], Math.fround(k / 255), 'pixel is uint8 / 255');
          assert.strictEqual(lab[i], k % 4);
        });
        order.push(...b.indices);
        tf.dispose([b.images, b.labels]);
      }
      assert.deepStrictEqual([...order].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      seen.push(order);
    }
    assert.notDeepStrictEqual(seen[0], seen[1]);
    assert.deepStrictEqual(Array.from(new DataLoader(toyDataset(10), { batchSize: 4, seed: 3 }).order(1)), seen[1]);
  });

  it('drops the last partial batch when asked, and keeps the order without shuffling', async () => {
    const loader = new DataLoader(toyDataset(10), { batchSize: 4, shuffle: false, dropLast: true });
    const sizes: number[] = [];
    const order: number[] = [];
    for await (const b of loader.epoch(0)) {
      sizes.push(b.images.shape[0]);
      order.push(...b.indices);
      tf.dispose([b.images, b.labels]);
    }
    assert.deepStrictEqual(sizes, [4, 4]);
    assert.deepStrictEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('prepares the next batch while the current one is consumed', async () => {
    const log: string[] = [];
    const loader = new DataLoader(slow(toyDataset(8), 20, log), { batchSize: 2, shuffle: false, prefetch: 1 });
    for await (const b of loader.epoch(0)) {
      log.push(`consume ${b.indices[0]}`);
      await new Promise((r) => setTimeout(r, 30));
      tf.dispose([b.images, b.labels]);
    }
    // The read of batch k + 1 (first index 2k + 2) starts before batch k is handed to the consumer.
    for (let k = 0; k < 3; k++) {
      assert.ok(log.indexOf(`start ${2 * k + 2}`) < log.indexOf(`consume ${2 * k}`), log.join(', '));
    }
  });

  it('leaves no tensors behind when a loop breaks early', async () => {
    const before = tf.memory().numTensors;
    const loader = new DataLoader(toyDataset(20), { batchSize: 2, prefetch: 3 });
    for await (const b of loader.epoch(0)) {
      tf.dispose([b.images, b.labels]);
      break;
    }
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('rejects bad options', () => {
    assert.throws(() => new DataLoader(toyDataset(3), { batchSize: 0 }), /batchSize/);
    assert.throws(() => new DataLoader(toyDataset(3), { batchSize: 4, dropLast: true }), /fewer than one batch/);
  });
});
