import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { loadImageFolder, prepareImageFolder } from '../../lib/data';

function pixels(seed: number): Uint8Array {
  return Uint8Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 13 + seed * 41) % 256);
}

async function writePng(file: string, seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(pixels(seed)), { raw: { width: 5, height: 4, channels: 3 } }).png().toFile(file);
}

describe('reliability: image folders that changed, nest, link or hold broken files', function () {
  this.timeout(30_000);
  let dir: string;
  let n = 0;
  /** A fresh source folder with class folders `a` and `b`, one image each (seeds 0, 1). */
  async function source(): Promise<string> {
    const root = path.join(dir, `src${n++}`);
    await writePng(path.join(root, 'a', '0.png'), 0);
    await writePng(path.join(root, 'b', '1.png'), 1);
    return root;
  }
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rel-folder-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an image edited in place after the import is read anew, not from the stale cache', async () => {
    const src = await source();
    const cacheDir = path.join(dir, 'cache-edit');
    const first = await loadImageFolder(src, { cacheDir });
    assert.deepStrictEqual(Array.from(await first.read([0])), Array.from(pixels(0)));
    await writePng(path.join(src, 'a', '0.png'), 7);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(src, 'a', '0.png'), later, later);
    const again = await loadImageFolder(src, { cacheDir });
    assert.deepStrictEqual(Array.from(await again.read([0])), Array.from(pixels(7)));
  });

  it('images added to or removed from the folder rebuild its default cache in the same place', async () => {
    const src = await source();
    const saved = process.env.BLOCKWISE_DATA_DIR;
    process.env.BLOCKWISE_DATA_DIR = path.join(dir, 'data-root');
    try {
      assert.strictEqual((await loadImageFolder(src)).size, 2);
      await writePng(path.join(src, 'b', '2.png'), 2);
      const grown = await loadImageFolder(src);
      assert.strictEqual(grown.size, 3);
      fs.rmSync(path.join(src, 'a', '0.png'));
      await writePng(path.join(src, 'a', '3.png'), 3);
      const replaced = await loadImageFolder(src);
      assert.deepStrictEqual(Array.from(await replaced.read([0])), Array.from(pixels(3)));
      assert.strictEqual(fs.readdirSync(path.join(dir, 'data-root', 'image-cache')).length, 1, 'each change left another cache folder');
    } finally {
      if (saved === undefined) delete process.env.BLOCKWISE_DATA_DIR;
      else process.env.BLOCKWISE_DATA_DIR = saved;
    }
  });

  it('an image in a nested subfolder is an error naming it (folder and tarball), not an extra class', async () => {
    const src = await source();
    await writePng(path.join(src, 'a', 'extra', '9.png'), 9);
    await assert.rejects(
      prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-nested') }),
      /a\/extra\/9\.png \(image 1\) lies 2 folders deep, but a\/0\.png \(image 0\) lies 1; .*move them into their class folder \(a\/extra\)/,
    );
    const tar = path.join(dir, 'nested.tar');
    execFileSync('tar', ['-cf', tar, '-C', src, 'a/0.png', 'a/extra/9.png', 'b/1.png']);
    await assert.rejects(prepareImageFolder(tar, { cacheDir: path.join(dir, 'cache-nested-tar') }), /a\/extra\/9\.png \(image 1\) lies 2 folders deep/);
  });

  it('a zero-byte image names the file', async () => {
    const src = await source();
    fs.writeFileSync(path.join(src, 'b', 'empty.jpg'), '');
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-zero') }), /cannot decode b\/empty\.jpg \(image 2 of .*\): the file is empty/);
  });

  it('a truncated JPEG names the file', async () => {
    const src = await source();
    const jpeg = await sharp(Buffer.from(Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 5) % 256)), { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    fs.writeFileSync(path.join(src, 'b', 'cut.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-cut-jpeg'), size: 4, resize: true }), /cannot decode b\/cut\.jpg \(image 2 of /);
  });

  it('a class folder without images (empty, or holding only other files) is an error naming it', async () => {
    const src = await source();
    fs.mkdirSync(path.join(src, 'c'));
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-empty') }), /folder .*src\d+\/c holds no images/);
    fs.writeFileSync(path.join(src, 'c', 'README.txt'), 'no images here');
    await assert.rejects(loadImageFolder(src, { cacheDir: path.join(dir, 'cache-empty') }), /folder .*src\d+\/c holds no images/);
    const empty = path.join(dir, 'nothing');
    fs.mkdirSync(empty);
    await assert.rejects(prepareImageFolder(empty, { cacheDir: path.join(dir, 'cache-nothing') }), /nothing holds no images/);
    assert.ok(!fs.existsSync(path.join(dir, 'cache-empty')) && !fs.existsSync(path.join(dir, 'cache-nothing')), 'a failed import left an empty cache folder');
  });

  it('symbolic links to class folders and images are followed; a link loop or a dangling link is an error naming it', async () => {
    const src = await source();
    const elsewhere = path.join(dir, 'elsewhere');
    await writePng(path.join(elsewhere, 'c', '5.png'), 5);
    fs.symlinkSync(path.join(elsewhere, 'c'), path.join(src, 'c'));
    fs.symlinkSync(path.join(src, 'a', '0.png'), path.join(src, 'b', 'linked.png'));
    const ds = await loadImageFolder(src, { cacheDir: path.join(dir, 'cache-links') });
    assert.deepStrictEqual(ds.classNames, ['a', 'b', 'c']);
    assert.deepStrictEqual(Array.from(ds.labels), [0, 1, 1, 2]);
    assert.deepStrictEqual(Array.from(await ds.read([3])), Array.from(pixels(5)));

    fs.symlinkSync(src, path.join(src, 'a', 'loop'));
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-loop') }), /a\/loop links back to .*src\d+, a folder that contains it/);
    fs.rmSync(path.join(src, 'a', 'loop'));
    fs.symlinkSync(path.join(dir, 'gone.png'), path.join(src, 'a', 'dangling.png'));
    await assert.rejects(prepareImageFolder(src, { cacheDir: path.join(dir, 'cache-dangling') }), /cannot read .*a\/dangling\.png: ENOENT/);
  });
});

describe('reliability: archives and labels files that would count an image twice or drop it', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rel-archive-'));
    await writePng(path.join(dir, 'src', 'a', '0.png'), 0);
    await writePng(path.join(dir, 'src', 'b', '1.png'), 1);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a path appended twice to a tarball is an error naming it', async () => {
    const tar = path.join(dir, 'twice.tar');
    execFileSync('tar', ['-cf', tar, '-C', path.join(dir, 'src'), 'a/0.png', 'b/1.png']);
    execFileSync('tar', ['-rf', tar, '-C', path.join(dir, 'src'), 'a/0.png']);
    await assert.rejects(prepareImageFolder(tar, { cacheDir: path.join(dir, 'cache-twice') }), /a\/0\.png appears twice in .*twice\.tar \(images 0 and 2\)/);
  });

  it('a hard link or symbolic link to an image inside a tarball is an error naming it, not a dropped image', async () => {
    fs.linkSync(path.join(dir, 'src', 'a', '0.png'), path.join(dir, 'src', 'b', 'hard.png'));
    const tar = path.join(dir, 'links.tar');
    execFileSync('tar', ['-cf', tar, '-C', path.join(dir, 'src'), 'a', 'b']);
    await assert.rejects(prepareImageFolder(tar, { cacheDir: path.join(dir, 'cache-links') }), /b\/hard\.png in .*links\.tar is a link/);
  });

  it('a labels file giving one image two classes names the line', async () => {
    const labels = path.join(dir, 'labels.txt');
    fs.writeFileSync(labels, '0 ant\nx_2 zebra\n0.png zebra\n');
    await assert.rejects(prepareImageFolder(path.join(dir, 'src', 'a'), { labelsFile: labels, cacheDir: path.join(dir, 'cache-labels') }), /labels\.txt, line 3: 0\.png has class zebra, but an earlier line gave it ant/);
  });
});
