import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listing, main, parseArgs } from '../../data-scripts/datasets';
import { ImageCacheWriter } from '../../lib/data';

describe('data-scripts/datasets (the command line)', () => {
  let dir: string;
  let saved: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-cli-'));
    saved = process.env.BLOCKWISE_DATA_DIR;
    process.env.BLOCKWISE_DATA_DIR = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.BLOCKWISE_DATA_DIR;
    else process.env.BLOCKWISE_DATA_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses words and --flag values', () => {
    assert.deepStrictEqual(parseArgs(['prepare', 'imagenet', '--src', '/x', '--size', '64']), {
      words: ['prepare', 'imagenet'],
      flags: { src: '/x', size: '64' },
    });
    assert.throws(() => parseArgs(['get', '--src']), /--src needs a value/);
  });

  it('lists every dataset with its state and the prepared caches', async () => {
    const w = await ImageCacheWriter.create(path.join(dir, 'image-cache', 'toy-123'), [2, 2, 3]);
    await w.put(0, new Uint8Array(12));
    await w.finish('toy', Int32Array.from([0]), ['only'], {});
    fs.mkdirSync(path.join(dir, 'image-cache', 'half-456'));
    const text = listing().join('\n');
    assert.match(text, new RegExp(`data folder: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const name of ['fashion-mnist', 'cifar10', 'cifar10-jpg', 'imagenette', 'imagenet', 'imagenet-c']) assert.match(text, new RegExp(`^${name} `, 'm'));
    assert.match(text, /^imagenet-c +missing \(download the release's noise, blur, weather and digital archives from zenodo\.org\/record\/2235448/m);
    assert.match(text, /^cifar10 +missing \(get cifar10\)$/m);
    assert.match(text, /toy +1 images of \[2, 2, 3\], 1 classes {2}\(toy-123\)/);
    assert.match(text, /half-456: unfinished/);
  });

  it('explains what it cannot do and rejects unknown names', async () => {
    await assert.rejects(main(['get', 'imagenet']), /cannot be downloaded by this script: download it from image-net\.org/);
    await assert.rejects(main(['get', 'mnist']), /unknown dataset "mnist"; known: fashion-mnist, cifar10/);
    await assert.rejects(main(['prepare', 'cifar10']), /needs no preparing/);
    await assert.rejects(main(['prepare', 'imagenet', '--size', '0']), /--size must be a positive integer/);
    await assert.rejects(main(['get', 'imagenet-c']), /imagenet-c cannot be downloaded by this script/);
    await assert.rejects(main(['prepare', 'imagenet-c', '--src', path.join(dir, 'no-imagenet-c')]), /ImageNet-C: .*no-imagenet-c is not a folder/);
    await assert.rejects(main([]), /usage:/);
  });
});
