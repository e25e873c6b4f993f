import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {
  CIFAR10_CLASSES,
  cifar10JpegCandidates,
  InMemoryImageDataset,
  loadCifar10Images,
  loadImageFolder,
  loadImagenette,
  prepareImageFolder,
  readTarFile,
  TarEntry,
} from '../../lib/data';

/** Deterministic RGB pixels `[h, w, 3]` for image `seed`. */
function pixels(h: number, w: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: h * w * 3 }, (_, i) => (i * 31 + seed * 17) % 256);
}

async function writePng(file: string, h: number, w: number, seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(pixels(h, w, seed)), { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

async function entries(file: string): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of readTarFile(file)) out.push(e);
  return out;
}

describe('data/tar', () => {
  let dir: string;
  const long = `${'deep/'.repeat(22)}file-with-a-long-name.txt`;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-tar-'));
    fs.mkdirSync(path.join(dir, 'src', path.dirname(long)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', 'small.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'src', long), Buffer.alloc(1000, 7));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads entries and long names of a ${format} archive made by GNU tar, gzipped or not`, async () => {
      const tarFile = path.join(dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', tarFile, '-C', path.join(dir, 'src'), 'small.txt', long]);
      execFileSync('gzip', ['-kf', tarFile]);
      for (const f of [tarFile, `${tarFile}.gz`]) {
        const files = (await entries(f)).filter((e) => e.type === 'file');
        assert.deepStrictEqual(files.map((e) => e.path), ['small.txt', long]);
        assert.strictEqual(files[0].data.toString(), 'hello');
        assert.ok(files[1].data.equals(Buffer.alloc(1000, 7)));
      }
    });
  }

  it('a corrupt header or a truncated archive names the file and the byte offset', async () => {
    const good = fs.readFileSync(path.join(dir, 'gnu.tar'));
    const corrupt = Buffer.from(good);
    corrupt[512 * 2 + 10] ^= 0xff; // inside the second member's header (first header + one data block)
    fs.writeFileSync(path.join(dir, 'corrupt.tar'), corrupt);
    await assert.rejects(entries(path.join(dir, 'corrupt.tar')), /corrupt\.tar has a corrupt header at byte 1024/);
    fs.writeFileSync(path.join(dir, 'cut.tar'), good.subarray(0, 512 + 100));
    await assert.rejects(entries(path.join(dir, 'cut.tar')), /cut\.tar ends inside entry small\.txt/);
  });
});

describe('data/image-folder', () => {
  let dir: string;
  let cache: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-imgs-'));
    cache = path.join(dir, 'cache');
    // class folders out of alphabetical order on purpose; the labels follow sorted names
    await writePng(path.join(dir, 'train', 'zebra', 'z0.png'), 5, 6, 0);
    await writePng(path.join(dir, 'train', 'zebra', 'z1.png'), 5, 6, 1);
    await writePng(path.join(dir, 'train', 'ant', 'a0.png'), 5, 6, 2);
    fs.writeFileSync(path.join(dir, 'train', 'ant', '.DS_Store'), 'not an image');
    fs.writeFileSync(path.join(dir, 'train', 'ant', 'notes.txt'), 'not an image');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports class folders with sorted labels and exact (PNG) pixels, then reuses the prepared cache', async () => {
    let decoded = 0;
    const opts = { cacheDir: path.join(cache, 'a'), onProgress: () => void decoded++ };
    const ds = (await loadImageFolder(path.join(dir, 'train'), opts)) as InMemoryImageDataset;
    assert.strictEqual(decoded, 3);
    assert.deepStrictEqual(ds.classNames, ['ant', 'zebra']);
    assert.deepStrictEqual(ds.imageShape, [5, 6, 3]);
    assert.deepStrictEqual(Array.from(ds.labels), [0, 1, 1]);
    assert.deepStrictEqual(Array.from(ds.readSync([0])), Array.from(pixels(5, 6, 2)));
    assert.deepStrictEqual(Array.from(ds.readSync([2])), Array.from(pixels(5, 6, 1)));
    const again = await loadImageFolder(path.join(dir, 'train'), opts);
    assert.strictEqual(decoded, 3, 'the second load decoded again');
    assert.deepStrictEqual(Array.from(await again.read([1])), Array.from(pixels(5, 6, 0)));
    const fromDisk = await loadImageFolder(path.join(dir, 'train'), { ...opts, inMemory: false });
    assert.deepStrictEqual(Array.from(await fromDisk.read([2, 0])), [...pixels(5, 6, 1), ...pixels(5, 6, 2)]);
  });

  it('reports an unexpected image size, naming the file and index, and resizes only when asked', async () => {
    const src = path.join(dir, 'mixed');
    await writePng(path.join(src, 'a', '0.png'), 5, 6, 0);
    await writePng(path.join(src, 'b', '1.png'), 8, 6, 1);
    await assert.rejects(
      prepareImageFolder(src, { cacheDir: path.join(cache, 'mixed') }),
      /b\/1\.png \(image 1 of .*mixed\) is 8x6 \(HxW\), expected 5x6/,
    );
    assert.ok(!fs.existsSync(path.join(cache, 'mixed', 'meta.json')), 'a failed import left a cache');
    const ds = await loadImageFolder(src, { cacheDir: path.join(cache, 'mixed-resized'), size: 4, resize: true });
    assert.deepStrictEqual(ds.imageShape, [4, 4, 3]);
    assert.strictEqual(ds.size, 2);
  });

  it('a corrupt image names the file and index', async () => {
    const src = path.join(dir, 'corrupt');
    await writePng(path.join(src, 'a', '0.png'), 5, 6, 0);
    fs.mkdirSync(path.join(src, 'b'));
    fs.writeFileSync(path.join(src, 'b', 'broken.jpg'), Buffer.from('\xff\xd8\xff\xe0 this is not really a jpeg', 'latin1'));
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(cache, 'corrupt') }), /cannot decode b\/broken\.jpg \(image 1 of /);
  });

  it('reads the validation layout (flat folder + labels file) with the training label order', async () => {
    const src = path.join(dir, 'val');
    await writePng(path.join(src, 'ILSVRC_0001.png'), 5, 6, 3);
    await writePng(path.join(src, 'ILSVRC_0002.png'), 5, 6, 4);
    const labels = path.join(dir, 'LOC_val_solution.csv');
    fs.writeFileSync(labels, 'ImageId,PredictionString\nILSVRC_0002,ant 1 2 3 4\nILSVRC_0001,zebra 5 6 7 8\n');
    const ds = await loadImageFolder(src, { labelsFile: labels, classNames: ['ant', 'zebra'], cacheDir: path.join(cache, 'val') });
    assert.deepStrictEqual(Array.from(ds.labels), [1, 0]);
    fs.writeFileSync(labels, 'ILSVRC_0001 zebra\n');
    await assert.rejects(prepareImageFolder(src, { labelsFile: labels, cacheDir: path.join(cache, 'val2') }), /ILSVRC_0002\.png \(image 1\) has no line/);
  });

  it('imports a .tar.gz of class folders, restricted to one split folder inside it', async () => {
    const tgz = path.join(dir, 'set.tar.gz');
    await writePng(path.join(dir, 'set', 'val', 'ant', 'v.png'), 5, 6, 9);
    execFileSync('cp', ['-r', path.join(dir, 'train'), path.join(dir, 'set', 'train')]);
    execFileSync('tar', ['-czf', tgz, '-C', dir, 'set']);
    const ds = await loadImageFolder(tgz, { under: 'set/train', cacheDir: path.join(cache, 'tgz') });
    assert.strictEqual(ds.size, 3);
    assert.deepStrictEqual(ds.classNames, ['ant', 'zebra']);
    const px = await ds.read([0, 1, 2]);
    const byLabel = Array.from(ds.labels);
    assert.deepStrictEqual(byLabel.slice().sort(), [0, 1, 1]);
    const ant = byLabel.indexOf(0);
    assert.deepStrictEqual(Array.from(px.subarray(ant * 90, ant * 90 + 90)), Array.from(pixels(5, 6, 2)));
  });
});

describe('data/imagenette', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-nette-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a split from the release archive, resized (shortest side, centre crop) to the asked size', async () => {
    const root = path.join(dir, 'imagenette2-160');
    await writePng(path.join(root, 'train', 'n01440764', 'a.png'), 10, 14, 1);
    await writePng(path.join(root, 'val', 'n01440764', 'b.png'), 12, 10, 2);
    await writePng(path.join(root, 'val', 'n02102040', 'c.png'), 16, 16, 3);
    const archive = path.join(dir, 'imagenette2-160.tgz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'imagenette2-160']);
    const val = await loadImagenette('val', { archive, size: 8, cacheDir: path.join(dir, 'cache') });
    assert.strictEqual(val.name, 'imagenette/val');
    assert.strictEqual(val.size, 2);
    assert.deepStrictEqual(val.imageShape, [8, 8, 3]);
    assert.deepStrictEqual(val.classNames, ['n01440764', 'n02102040']);
    await assert.rejects(loadImagenette('train', { archive: path.join(dir, 'absent.tgz') }), /datasets\.js get imagenette/);
  });
});

describe('data/cifar10: the JPEG tarball in ../shared', function () {
  const tarball = cifar10JpegCandidates().find((f) => fs.existsSync(f) && f.includes(`${path.sep}shared${path.sep}`));
  let cache: string;
  before(function () {
    if (!tarball) this.skip();
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-cifar-jpg-'));
  });
  after(() => cache && fs.rmSync(cache, { recursive: true, force: true }));

  it('holds 50,000 JPEGs, 5,000 per class, in class-named folders', async () => {
    const counts = new Map<string, number>();
    for await (const e of readTarFile(tarball!)) {
      if (e.type !== 'file') continue;
      const cls = e.path.split('/').slice(-2)[0];
      counts.set(cls, (counts.get(cls) ?? 0) + 1);
    }
    assert.deepStrictEqual([...counts.keys()].sort(), [...CIFAR10_CLASSES]);
    assert.ok([...counts.values()].every((n) => n === 5000), JSON.stringify([...counts]));
  });

  // Decoding all 50,000 images takes about 35 s on two busy cores; the test decodes a prefix of two classes.
  it('imports a prefix of two classes as 32x32x3 images with the official label order', async () => {
    const t0 = Date.now();
    const first = await loadCifar10Images(tarball, { limit: 300, cacheDir: path.join(cache, 'a') });
    const trucks = await loadCifar10Images(tarball, { under: 'train/truck', limit: 200, cacheDir: path.join(cache, 't') });
    const seconds = (Date.now() - t0) / 1000;
    assert.deepStrictEqual(first.imageShape, [32, 32, 3]);
    assert.strictEqual(first.size, 300);
    assert.ok(first.labels.every((l) => l === 0), 'the tarball starts with airplanes');
    assert.strictEqual(trucks.size, 200);
    assert.ok(trucks.labels.every((l) => l === 9));
    assert.deepStrictEqual(first.classNames, CIFAR10_CLASSES);
    const px = await first.read(Int32Array.from({ length: 300 }, (_, i) => i));
    const mean = px.reduce((s, v) => s + v, 0) / px.length / 255;
    assert.ok(mean > 0.3 && mean < 0.7, `mean pixel ${mean}`);
    console.log(`      (imported 500 CIFAR-10 JPEGs in ${seconds.toFixed(1)} s)`);
  });
});
