import * as assert from 'assert';
import { CATALOG } from '../../data-scripts/catalog';
import { NAMED_DATASETS, loadDatasetSource } from '../../lib/data/dataset-source';
import { CIFAR10_STATS, FASHION_MNIST_STATS, IMAGENET_STATS } from '../../lib/data/normalization';
import { DATASETS, datasetEntry, datasetEntryOfImages, defaultViewsOf } from '../../lib/data/registry';
import { barlowTwinsViews, barlowTwinsViewsSmall } from '../../lib/data/views';
import { loadTrainingDataset } from '../../lib/train/training-data';

describe('data/registry (one entry per dataset)', () => {
  it('has one entry per name; the named datasets, the training sets and the data-scripts catalogue are its entries', () => {
    const names = DATASETS.map((e) => e.name);
    assert.strictEqual(new Set(names).size, names.length);
    assert.deepStrictEqual(Object.keys(NAMED_DATASETS), ['fashion-mnist', 'fashion-mnist-test', 'cifar10', 'cifar10-test', 'cifar10-jpg', 'cifar10-smoke']);
    assert.strictEqual(NAMED_DATASETS['cifar10-test'], datasetEntry('cifar10-test')!.description);
    assert.deepStrictEqual(CATALOG.map((c) => c.name), ['fashion-mnist', 'cifar10', 'cifar10-jpg', 'imagenette', 'imagenet', 'imagenet-c']);
    assert.strictEqual(CATALOG[0].description, datasetEntry('fashion-mnist')!.files!.description);
    for (const e of DATASETS) if (e.views === 'small') assert.ok(e.stats, `${e.name}: small-image views need the dataset's statistics`);
  });

  it('an unknown name is an error listing the known ones', async () => {
    await assert.rejects(loadTrainingDataset('fashion-mnist-test'), /unknown dataset 'fashion-mnist-test' \(known: fashion-mnist, cifar10, cifar10-jpg, cifar10-smoke\)/);
    await assert.rejects(loadDatasetSource({ name: 'mnist' }), /unknown dataset 'mnist' \(known: fashion-mnist, fashion-mnist-test, cifar10, cifar10-test, cifar10-jpg, cifar10-smoke; or give/);
  });

  it('default views come from the entry of the images, by its name, a reader split or an alias; no entry: the full recipe for colour', () => {
    const gray = [28, 28, 1] as const;
    const colour = [32, 32, 3] as const;
    const fashion = barlowTwinsViewsSmall({ size: 28, stats: FASHION_MNIST_STATS });
    assert.deepStrictEqual(defaultViewsOf({ name: 'fashion-mnist', imageShape: gray }), fashion);
    assert.deepStrictEqual(defaultViewsOf({ name: 'fashion-mnist/test', imageShape: gray }), fashion);
    const cifar = barlowTwinsViewsSmall({ size: 32, stats: CIFAR10_STATS });
    for (const name of ['cifar10', 'cifar10/train', 'cifar10-jpg', 'cifar10-smoke', 'cifar10-generated']) {
      assert.deepStrictEqual(defaultViewsOf({ name, imageShape: colour }), cifar, name);
    }
    assert.strictEqual(datasetEntryOfImages('cifar10-generated')?.name, 'cifar10-smoke');
    assert.deepStrictEqual(defaultViewsOf({ name: 'my-photos', imageShape: colour }), barlowTwinsViews({ size: 32, stats: IMAGENET_STATS }));
    assert.throws(() => defaultViewsOf({ name: 'mnist-like', imageShape: [8, 8, 1] }), /no default view recipe for mnist-like \(1 channels\); set data.views/);
  });
});
