import * as assert from 'assert';
import * as fs from 'fs';
import { benchData, formatFigures } from '../../data-scripts/bench-data';
import { cifar10JpegCandidates } from '../../lib/data';

describe('data: throughput figure (decode + augment, images per second)', () => {
  it('decodes and augments a batch of CIFAR-10 JPEGs and prints images per second', async function () {
    if (!cifar10JpegCandidates().some((f) => fs.existsSync(f))) this.skip();
    const figures = await benchData({ images: 256, batchSize: 256 });
    for (const line of formatFigures(figures)) console.log(`      ${line}`);
    assert.strictEqual(figures.length, 3);
    assert.ok(figures.every((f) => f.images === 256 && f.imagesPerSecond > 0 && Number.isFinite(f.imagesPerCpuSecond)));
  });
});
