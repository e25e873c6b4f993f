import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { CORRUPTIONS } from '../../lib/data/corruptions';
import { checkImageNetC, IMAGENET_C_SEVERITIES, loadImageNetC } from '../../lib/data/imagenet-c';

/** A small JPEG of one flat colour per class, so that the decoded labels can be checked against the pixels. */
async function writeJpeg(file: string, value: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.alloc(8 * 8 * 3, value), { raw: { width: 8, height: 8, channels: 3 } }).jpeg({ quality: 95 }).toFile(file);
}

describe('data/imagenet-c', () => {
  let dir: string;
  let root: string;
  let savedDataDir: string | undefined;
  const wnids = ['n01440764', 'n01443537'];
  const corruptions = ['fog', 'contrast'];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-imagenet-c-'));
    savedDataDir = process.env.BLOCKWISE_DATA_DIR;
    process.env.BLOCKWISE_DATA_DIR = path.join(dir, 'data');
    root = path.join(dir, 'imagenet-c');
    for (const c of corruptions) {
      for (const s of IMAGENET_C_SEVERITIES) {
        // Class 0 dark, class 1 bright; two images of class 1, one of class 0.
        await writeJpeg(path.join(root, c, String(s), wnids[0], 'ILSVRC2012_val_00000001.JPEG'), 40);
        await writeJpeg(path.join(root, c, String(s), wnids[1], 'ILSVRC2012_val_00000002.JPEG'), 200);
        await writeJpeg(path.join(root, c, String(s), wnids[1], 'ILSVRC2012_val_00000003.JPEG'), 210);
      }
    }
  });
  after(() => {
    if (savedDataDir === undefined) delete process.env.BLOCKWISE_DATA_DIR;
    else process.env.BLOCKWISE_DATA_DIR = savedDataDir;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checks the <corruption>/<severity>/<wnid> layout and lists the class folders', () => {
    assert.deepStrictEqual(checkImageNetC(root, corruptions), { classFolders: wnids });
    assert.throws(() => checkImageNetC(root), new RegExp(`ImageNet-C: ${path.join(root, CORRUPTIONS[0]).replace(/[/\\]/g, '.')} is missing`));
    assert.throws(() => checkImageNetC(root, ['rain']), /'rain' is not a corruption of the benchmark/);
    assert.throws(() => checkImageNetC(path.join(dir, 'nowhere'), corruptions), /nowhere is not a folder/);
  });

  it('reads one corruption and severity with the training set\'s class order', async () => {
    // A training set with a third class before them: labels follow its order, not the folders found.
    const classNames = ['n01000000', ...wnids];
    const ds = await loadImageNetC(root, 'fog', 3, { classNames });
    assert.strictEqual(ds.name, 'imagenet-c/fog/3');
    assert.strictEqual(ds.size, 3);
    assert.deepStrictEqual(ds.imageShape, [8, 8, 3]);
    assert.deepStrictEqual(ds.classNames, classNames);
    const pixels = await ds.read([0, 1, 2]);
    for (let i = 0; i < 3; i++) {
      const mean = pixels.subarray(i * 192, (i + 1) * 192).reduce((a, v) => a + v, 0) / 192;
      assert.strictEqual(ds.labels[i], mean < 128 ? 1 : 2, `image ${i} (mean ${mean}) has the label of its folder`);
    }
    const resized = await loadImageNetC(root, 'contrast', 5, { size: 4 });
    assert.deepStrictEqual(resized.imageShape, [4, 4, 3]);
    assert.deepStrictEqual(resized.classNames, wnids, 'without classNames: the sorted class folders');
    await assert.rejects(loadImageNetC(root, 'fog', 3, { classNames: ['n09999999'] }), /n01440764 is not a class of the training set/);
    await assert.rejects(loadImageNetC(root, 'fog', 6), /severity must be 1-5, got 6/);
    await assert.rejects(loadImageNetC(root, 'frost', 1), /frost.1 is missing/);
  });

  it('unknown corruption folders, missing severities and empty class folders are errors naming the path', () => {
    const broken = path.join(dir, 'broken');
    fs.cpSync(root, broken, { recursive: true });
    fs.mkdirSync(path.join(broken, 'speckle_noise'));
    assert.throws(() => checkImageNetC(broken, corruptions), new RegExp(`${path.join(broken, 'speckle_noise').replace(/[/\\]/g, '.')} is not a corruption of the benchmark`));
    fs.rmSync(path.join(broken, 'speckle_noise'), { recursive: true });
    fs.rmSync(path.join(broken, 'fog', '4'), { recursive: true });
    assert.throws(() => checkImageNetC(broken, corruptions), new RegExp(`severity folder ${path.join(broken, 'fog', '4').replace(/[/\\]/g, '.')} is missing`));
    fs.cpSync(path.join(root, 'fog', '4'), path.join(broken, 'fog', '4'), { recursive: true });
    fs.mkdirSync(path.join(broken, 'fog', '6'));
    assert.throws(() => checkImageNetC(broken, corruptions), /fog.6 is not a severity folder \(1-5\)/);
    fs.rmSync(path.join(broken, 'fog', '6'), { recursive: true });
    fs.mkdirSync(path.join(broken, 'contrast', '2', 'n01484850'));
    assert.throws(() => checkImageNetC(broken, corruptions), /class folder .*contrast.2.n01484850 holds no images/);
    return assert.rejects(loadImageNetC(broken, 'contrast', 2), /class folder .*contrast.2.n01484850 holds no images/);
  });
});
