import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  FASHION_MNIST_STATS,
  FASHION_MNIST_SYSTEM_DIR,
  channelStats,
  generatedCifar10,
  loadCifar10,
  loadFashionMnist,
  MissingDatasetError,
  parseCifar10Binary,
  parseIdx,
} from '../../lib/data';

/** An idx file of unsigned bytes: magic 0x00000803 (or ...01) and big-endian dimensions. */
function idxBytes(shape: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = 0x08;
  h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(data)]);
}

/** A CIFAR-10 binary record: label, then the red, green and blue planes (row-major 32x32 each). */
function cifarRecord(label: number, pixel: (y: number, x: number, c: number) => number): Buffer {
  const r = Buffer.alloc(CIFAR10_RECORD_BYTES);
  r[0] = label;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) r[1 + c * 1024 + y * 32 + x] = pixel(y, x, c);
  return r;
}

describe('data/readers: idx and Fashion-MNIST', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-fmnist-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses idx headers and rejects wrong sizes and types, naming the file', () => {
    const a = parseIdx(idxBytes([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])), 'x.idx');
    assert.deepStrictEqual(a.shape, [2, 3]);
    assert.deepStrictEqual(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => parseIdx(idxBytes([2, 3], Uint8Array.from([1, 2, 3])), 'short.idx'), /short\.idx declares shape \[2, 3\] \(6 bytes of data\) but holds 3/);
    const f = idxBytes([1], Uint8Array.from([1]));
    f[2] = 0x0d;
    assert.throws(() => parseIdx(f, 'float.idx'), /float\.idx holds element type 0xd/);
  });

  it('loads gzipped and plain idx files from a folder as [N, 28, 28, 1] uint8 images', async () => {
    const pixels = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxBytes([3, 28, 28], pixels)));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxBytes([3], Uint8Array.from([9, 0, 4])));
    const ds = await loadFashionMnist('test', { dir });
    assert.strictEqual(ds.size, 3);
    assert.deepStrictEqual(ds.imageShape, [28, 28, 1]);
    assert.deepStrictEqual(Array.from(ds.labels), [9, 0, 4]);
    assert.deepStrictEqual(Array.from(ds.readSync([1])), Array.from(pixels.subarray(784, 1568)));
    assert.strictEqual(ds.classNames[9], 'Ankle boot');
  });

  it('a missing dataset names the command that gets it; mismatched counts are reported', async () => {
    await assert.rejects(loadFashionMnist('train', { dir }), (e: Error) => {
      assert.ok(e instanceof MissingDatasetError);
      assert.match(e.message, /node dist\/data-scripts\/datasets\.js get fashion-mnist/);
      return true;
    });
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxBytes([2], Uint8Array.from([9, 0])));
    await assert.rejects(loadFashionMnist('test', { dir }), /has shape \[2\], expected \[3\]/);
  });

  it('reads the real Fashion-MNIST from Debian\'s dataset-fashion-mnist when installed', async function () {
    if (!fs.existsSync(path.join(FASHION_MNIST_SYSTEM_DIR, 't10k-images-idx3-ubyte.gz'))) this.skip();
    const test = await loadFashionMnist('test');
    assert.strictEqual(test.size, 10000);
    assert.deepStrictEqual(test.imageShape, [28, 28, 1]);
    assert.deepStrictEqual(Array.from(test.labels.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const counts = new Array(10).fill(0);
    test.labels.forEach((l) => counts[l]++);
    assert.deepStrictEqual(counts, new Array(10).fill(1000));
    const stats = await channelStats(test);
    // The constant is the training set's; the test set's statistics are within a few thousandths.
    assert.ok(Math.abs(stats.mean[0] - FASHION_MNIST_STATS.mean[0]) < 0.005, `mean ${stats.mean[0]}`);
    assert.ok(Math.abs(stats.std[0] - FASHION_MNIST_STATS.std[0]) < 0.005, `std ${stats.std[0]}`);
  });
});

describe('data/readers: CIFAR-10 binary format', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-cifar-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('turns channel-planar records into NHWC pixels with their labels', () => {
    const bytes = Buffer.concat([cifarRecord(3, (y, x, c) => y + 2 * x + 100 * c), cifarRecord(9, () => 7)]);
    const { images, labels } = parseCifar10Binary(bytes, 'batch.bin');
    assert.deepStrictEqual(Array.from(labels), [3, 9]);
    // image 0, pixel (y=5, x=4), channels R, G, B
    const at = (5 * 32 + 4) * 3;
    assert.deepStrictEqual(Array.from(images.subarray(at, at + 3)), [13, 113, 213]);
    assert.ok(images.subarray(3072).every((v) => v === 7));
  });

  it('a truncated file or a bad label names the file and the record index', () => {
    const two = Buffer.concat([cifarRecord(1, () => 0), cifarRecord(2, () => 0)]);
    assert.throws(() => parseCifar10Binary(two.subarray(0, two.length - 10), 'cut.bin'), /cut\.bin has 6136 bytes.*record 1 is truncated/);
    const bad = Buffer.concat([cifarRecord(1, () => 0), cifarRecord(12, () => 0)]);
    assert.throws(() => parseCifar10Binary(bad, 'bad.bin'), /bad\.bin record 1 has label 12/);
  });

  it('loads the test split from test_batch.bin; a missing train split names the get command', async () => {
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), Buffer.concat([0, 5, 9].map((l) => cifarRecord(l, (y) => y))));
    const ds = await loadCifar10('test', { dir });
    assert.strictEqual(ds.size, 3);
    assert.deepStrictEqual(ds.imageShape, [32, 32, 3]);
    assert.deepStrictEqual(Array.from(ds.labels), [0, 5, 9]);
    assert.deepStrictEqual(ds.classNames, CIFAR10_CLASSES);
    await assert.rejects(loadCifar10('train', { dir }), /data_batch_1\.bin.*datasets\.js get cifar10/);
  });
});

describe('data/readers: generated CIFAR-shaped images (cifar10-smoke without CIFAR-10)', () => {
  it('are seeded, balanced over the ten classes, and separable by their mean colour', () => {
    const ds = generatedCifar10({ count: 400, seed: 3 });
    assert.strictEqual(ds.name, 'cifar10-generated');
    assert.deepStrictEqual([ds.size, ...ds.imageShape], [400, 32, 32, 3]);
    assert.deepStrictEqual(ds.classNames, CIFAR10_CLASSES);
    assert.deepStrictEqual(Array.from({ length: 10 }, (_, k) => ds.labels.filter((l) => l === k).length), Array(10).fill(40));
    assert.deepStrictEqual(generatedCifar10({ count: 400, seed: 3 }).images, ds.images);
    assert.notDeepStrictEqual(generatedCifar10({ count: 400, seed: 4 }).images, ds.images);
    // Nearest class mean of the images' mean colours, fitted on the first half, scored on the second.
    const colour = (i: number) => [0, 1, 2].map((c) => {
      let sum = 0;
      for (let p = 0; p < 1024; p++) sum += ds.images[i * 3072 + p * 3 + c];
      return sum / 1024;
    });
    const means = Array.from({ length: 10 }, () => [0, 0, 0]);
    for (let i = 0; i < 200; i++) colour(i).forEach((v, c) => (means[ds.labels[i]][c] += v / 20));
    let correct = 0;
    for (let i = 200; i < 400; i++) {
      const v = colour(i);
      const dist = means.map((m) => m.reduce((d, x, c) => d + (x - v[c]) ** 2, 0));
      if (dist.indexOf(Math.min(...dist)) === ds.labels[i]) correct++;
    }
    assert.ok(correct / 200 > 0.9, `nearest mean colour: ${correct} of 200`);
  });
});
