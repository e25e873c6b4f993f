import * as assert from 'assert';
import { frameBundle, resultsFrame, seedSummaryFrame } from '../../lib/plot';

// Three seeds of one run at block 1, two of another run, one seed at block 2 and on a second representation.
const rows = [
  { run: 'end-to-end', block: 1, features: 'head', probe: 'linear', top1: 0.5, seed: 0 },
  { run: 'end-to-end', block: 1, features: 'head', probe: 'linear', top1: 0.6, seed: 1 },
  { run: 'end-to-end', block: 1, features: 'head', probe: 'linear', top1: 0.7, seed: 2 },
  { run: 'end-to-end', block: 2, features: 'head', probe: 'linear', top1: 0.8, seed: 0 },
  { run: 'blockwise', block: 1, features: 'head', probe: 'linear', top1: 0.4, seed: 0 },
  { run: 'blockwise', block: 1, features: 'head', probe: 'linear', top1: 0.45, seed: 1 },
  { run: 'blockwise', block: 1, features: 'gsp', probe: 'knn', top1: 0.3, seed: 0 },
  { run: 'end-to-end', block: 1, features: 'gsp', probe: 'knn', top1: 0.2, seed: 0 },
];

describe('plot/resultsFrame', () => {
  it('holds every row and the union of the rows keys in order of first appearance', () => {
    const t = resultsFrame([{ run: 'a', top1: 0.5 }, { run: 'b', top1: 0.25, top5: 0.9 }]);
    assert.deepStrictEqual(t.columnNames(), ['run', 'top1', 'top5']);
    assert.strictEqual(t.numRows(), 2);
    assert.deepStrictEqual(t.array('top5'), [undefined, 0.9]);
  });
});

describe('plot/seedSummaryFrame', () => {
  it('gives the mean, sample std (n - 1) and count of top-1 in % per representation, probe, run and block', () => {
    const out = seedSummaryFrame(rows).objects() as Record<string, unknown>[];
    assert.deepStrictEqual(
      out.map((r) => [r.features, r.probe, r.run, r.block, r.seeds]),
      [
        ['head', 'linear', 'end-to-end', 1, 3],
        ['head', 'linear', 'end-to-end', 2, 1],
        ['head', 'linear', 'blockwise', 1, 2],
        ['gsp', 'knn', 'end-to-end', 1, 1],
        ['gsp', 'knn', 'blockwise', 1, 1],
      ],
      'each key in order of first appearance over all rows, blocks ascending',
    );
    const close = (a: unknown, b: number): void => assert.ok(Math.abs((a as number) - b) < 1e-9, `${a} != ${b}`);
    close(out[0].top1_mean, 60);
    close(out[0].top1_std, 10); // 50, 60, 70: squared deviations 200 over n - 1 = 2
    close(out[2].top1_mean, 42.5);
    close(out[2].top1_std, Math.sqrt(12.5)); // 40, 45
    close(out[1].top1_mean, 80);
    assert.strictEqual(out[1].top1_std, undefined, 'no std from one seed');
  });

  it('is empty for no rows', () => {
    assert.strictEqual(seedSummaryFrame([]).numRows(), 0);
  });
});

describe('plot/frameBundle', () => {
  it('holds the table as HTML and as a Markdown table in plain text, missing values empty', () => {
    const bundle = frameBundle(seedSummaryFrame(rows), { digits: 2 });
    assert.deepStrictEqual(Object.keys(bundle.data).sort(), ['text/html', 'text/plain']);
    const html = bundle.data['text/html'] as string;
    assert.match(html, /^<table>.*<\/table>$/s);
    assert.match(html, /<th[^>]*>top1_std<\/th>/);
    assert.match(html, /<td[^>]*>3.54<\/td>/, 'std of 40 and 45, 2 decimals');
    assert.doesNotMatch(html, /undefined|NaN/);
    const text = bundle.data['text/plain'] as string;
    const lines = text.split('\n');
    assert.strictEqual(lines.length, 2 + 5);
    assert.match(lines[0], /^\| features +\| probe +\| run +\| block \| top1_mean \| top1_std \| seeds \|$/);
    assert.match(lines[2], /\| head +\| linear \| end-to-end \| +1 \| +60(\.00)? \| +10(\.00)? \| +3 \|/);
    assert.match(lines[3], /\| +2 \| +80(\.00)? \| +\| +1 \|$/, 'one seed: empty std');
  });

  it('escapes HTML in the values', () => {
    const html = frameBundle(resultsFrame([{ run: '<b>a & b</b>' }])).data['text/html'] as string;
    assert.match(html, /&lt;b&gt;a &amp; b&lt;\/b&gt;/);
  });
});
