import * as assert from 'assert';
import { barFigure, closePngRenderer, pngRendererUnavailable, renderPng } from '../../lib/plot';

describe('plot/renderPng', function () {
  this.timeout(120000);
  after(() => closePngRenderer());

  it('renders a figure to a PNG of the requested pixel size in headless chromium, offline', async function () {
    const unavailable = pngRendererUnavailable();
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      this.skip();
    }
    const png = await renderPng(barFigure(['a', 'b'], [{ name: 's', values: [1, 2] }], { title: 'bars' }), { width: 320, height: 200, scale: 1.5 });
    assert.deepStrictEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
    const view = new DataView(png.buffer, png.byteOffset);
    assert.deepStrictEqual([view.getUint32(16), view.getUint32(20)], [480, 300], 'IHDR width and height = size * scale');
  });

  it('names the bad size', async () => {
    await assert.rejects(renderPng(barFigure(['a'], [{ name: 's', values: [1] }]), { width: 0 }), /width must be a positive number, got 0/);
  });
});
