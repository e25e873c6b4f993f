import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  FIGURE_METADATA_KEY,
  PLOTLY_MIME,
  PlotlyFigure,
  PlotlyScatterTrace,
  PlotlyViolinTrace,
  SERIES_COLORS,
  barFigure,
  blockAccuracyFigure,
  display,
  displayTable,
  figureBundle,
  markdownTable,
  violinFigure,
} from '../../lib/plot';

describe('plot/violinFigure', () => {
  const series = [
    { name: 'end-to-end', blocks: [0, 1].map((b) => ({ block: b, onDiagonal: [0.5, 0.6 + b / 10], offDiagonal: [0.01, -0.02, 0.03] })) },
    { name: 'blockwise', blocks: [0, 1].map((b) => ({ block: b, onDiagonal: [0.9, 0.8], offDiagonal: [0.1, 0.123456789, -0.1] })) },
  ];

  it('draws one violin per model, block and term, on-diagonal on top, off-diagonal below', () => {
    const fig = violinFigure(series);
    const traces = fig.data as PlotlyViolinTrace[];
    assert.strictEqual(traces.length, 2 * 2 * 2);
    assert.deepStrictEqual(
      traces.map((t) => [t.name, t.x0, t.yaxis]),
      [
        ['end-to-end', 'block 1', 'y'],
        ['end-to-end', 'block 2', 'y'],
        ['end-to-end', 'block 1', 'y2'],
        ['end-to-end', 'block 2', 'y2'],
        ['blockwise', 'block 1', 'y'],
        ['blockwise', 'block 2', 'y'],
        ['blockwise', 'block 1', 'y2'],
        ['blockwise', 'block 2', 'y2'],
      ],
    );
    assert.deepStrictEqual(traces[1].y, [0.5, 0.7]);
    assert.deepStrictEqual(traces[7].y, [0.1, 0.1235, -0.1], 'values are rounded to 4 decimals');
    assert.deepStrictEqual(traces.map((t) => t.showlegend), [true, false, false, false, true, false, false, false]);
    assert.deepStrictEqual([...new Set(traces.map((t) => t.line?.color))], [SERIES_COLORS[0], SERIES_COLORS[1]]);
    assert.ok(traces.every((t) => t.type === 'violin' && t.offsetgroup === t.name && t.spanmode === 'hard'));
    assert.strictEqual(fig.layout.violinmode, 'group');
    assert.deepStrictEqual(fig.layout.xaxis?.categoryarray, ['block 1', 'block 2']);
    assert.strictEqual(fig.layout.xaxis2?.anchor, 'y2');
    assert.deepStrictEqual([fig.layout.yaxis?.domain, fig.layout.yaxis2?.domain], [[0.55, 1], [0, 0.45]], 'on-diagonal panel above');
  });

  it('thins a large set to evenly spaced quantiles, keeping min, median and max', () => {
    const values = Float32Array.from({ length: 10001 }, (_, i) => (i % 2 ? 1 : -1) * (i / 10000));
    const [on] = violinFigure([{ name: 'm', blocks: [{ block: 3, onDiagonal: values, offDiagonal: [0] }] }], { maxPointsPerViolin: 101 }).data as PlotlyViolinTrace[];
    assert.strictEqual(on.y.length, 101);
    const sorted = Array.from(values).sort((a, b) => a - b);
    assert.strictEqual(on.y[0], Math.round(sorted[0] * 1e4) / 1e4);
    assert.strictEqual(on.y[50], Math.round(sorted[5000] * 1e4) / 1e4);
    assert.strictEqual(on.y[100], Math.round(sorted[10000] * 1e4) / 1e4);
    assert.ok(on.y.every((v, i) => i === 0 || v >= on.y[i - 1]));
    assert.strictEqual(on.x0, 'block 4');
  });

  it('names the series and block of bad values', () => {
    assert.throws(() => violinFigure([]), /no series/);
    assert.throws(
      () => violinFigure([{ name: 'm', blocks: [{ block: 1, onDiagonal: [0.5, NaN], offDiagonal: [0] }] }]),
      /series 'm', block 2, on-diagonal holds the non-finite value NaN at 1/,
    );
    assert.throws(() => violinFigure([{ name: 'm', blocks: [{ block: 0, onDiagonal: [], offDiagonal: [0] }] }]), /block 1, on-diagonal has no values/);
  });
});

describe('plot/blockAccuracyFigure', () => {
  it('draws mean +- sample std over seeds per block and the paper numbers as markers of the same colour', () => {
    const fig = blockAccuracyFigure([
      {
        name: 'end-to-end',
        points: [
          { block: 4, accuracies: [70, 72, 74] },
          { block: 1, accuracies: [40] },
        ],
        paper: [{ block: 4, accuracy: 71.57 }],
      },
      { name: 'blockwise', points: [{ block: 2, accuracies: [50, 51] }] },
    ]);
    const [line, paper, other] = fig.data as PlotlyScatterTrace[];
    assert.strictEqual(fig.data.length, 3);
    assert.deepStrictEqual([line.x, line.y, line.error_y?.array], [[1, 4], [40, 72], [0, 2]]);
    assert.strictEqual(line.mode, 'lines+markers');
    assert.deepStrictEqual([paper.name, paper.mode, paper.x, paper.y], ['end-to-end (paper)', 'markers', [4], [71.57]]);
    assert.strictEqual(paper.legendgroup, 'end-to-end');
    assert.strictEqual(paper.marker?.color, line.line?.color);
    assert.strictEqual(other.error_y?.array[0], Math.SQRT1_2);
    assert.notStrictEqual(other.line?.color, line.line?.color);
    assert.deepStrictEqual(fig.layout.xaxis?.tickvals, [1, 2, 4]);
    assert.strictEqual(fig.layout.yaxis?.title?.text, 'linear-probe top-1 accuracy (%)');
  });

  it('accepts a method known only from the paper and rejects 0-based blocks', () => {
    const fig = blockAccuracyFigure([{ name: 'supervised', points: [], paper: [{ block: 1, accuracy: 30 }] }]);
    assert.deepStrictEqual(fig.data.map((t) => t.name), ['supervised (paper)']);
    assert.throws(() => blockAccuracyFigure([{ name: 'x', points: [{ block: 0, accuracies: [1] }] }]), /series 'x' has block 0; blocks are numbered from 1/);
    assert.throws(() => blockAccuracyFigure([{ name: 'x', points: [{ block: 1, accuracies: [] }] }]), /block 1 has no accuracies/);
  });
});

describe('plot/barFigure', () => {
  it('draws grouped bars per category with optional error bars', () => {
    const fig = barFigure(['fog', 'snow'], [
      { name: 'end-to-end', values: [50, 60], errors: [5, 6] },
      { name: 'blockwise', values: [55, 65] },
    ], { yTitle: 'error (%)' });
    assert.strictEqual(fig.layout.barmode, 'group');
    assert.deepStrictEqual(fig.data.map((t) => [t.type, t.name]), [['bar', 'end-to-end'], ['bar', 'blockwise']]);
    assert.deepStrictEqual(fig.data[0].type === 'bar' && [fig.data[0].x, fig.data[0].y, fig.data[0].error_y?.array], [['fog', 'snow'], [50, 60], [5, 6]]);
    assert.strictEqual(fig.data[1].type === 'bar' && fig.data[1].error_y, undefined);
    assert.strictEqual(fig.layout.yaxis?.title?.text, 'error (%)');
    assert.throws(() => barFigure(['a'], [{ name: 's', values: [1, 2] }]), /series 's' has 2 values for 1 categories/);
  });
});

describe('plot/markdownTable', () => {
  it('formats numbers, aligns numeric columns right and escapes pipes', () => {
    const md = markdownTable([{ model: 'a|b', block: 1, median: 0.81234 }, { model: 'c', block: 2 }], { digits: 2 });
    assert.strictEqual(
      md,
      ['| model | block | median |', '|-------|------:|-------:|', '| a\\|b  |     1 |   0.81 |', '| c     |     2 |        |'].join('\n'),
    );
    assert.throws(() => markdownTable([]), /no rows/);
  });
});

describe('plot/figureBundle', () => {
  it('carries the Plotly JSON, a text form, the figure name and the PNG with its display size', () => {
    const fig = barFigure(['a'], [{ name: 's', values: [1] }], { title: 't' });
    const plain = figureBundle(fig, 'bars');
    assert.deepStrictEqual(Object.keys(plain.data).sort(), [PLOTLY_MIME, 'text/plain']);
    assert.deepStrictEqual(plain.data[PLOTLY_MIME], { data: fig.data, layout: fig.layout });
    assert.deepStrictEqual(plain.metadata, { [FIGURE_METADATA_KEY]: { figure: 'bars' } });
    const withPng = figureBundle(fig, 'bars', { bytes: Uint8Array.from([137, 80, 78, 71]), width: 600, height: 480 });
    assert.strictEqual(withPng.data['image/png'], 'iVBORw==');
    assert.deepStrictEqual(withPng.metadata['image/png'], { width: 600, height: 480 });
  });
});

describe('plot/display in a notebook kernel', () => {
  it("writes through the running tslab's display writer even when tslab is not reachable from the package", () => {
    // A user's kernel: tslab loaded from a folder that is not an ancestor of this package (a global install).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tslab-elsewhere-'));
    const file = path.join(dir, 'node_modules', 'tslab', 'dist', 'jupyter.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'exports.lastWriteDisplayData = null;\n');
    const jupyter = require(file) as { lastWriteDisplayData: ((content: unknown, update: boolean) => void) | null };
    const written: unknown[] = [];
    try {
      assert.throws(() => displayTable([{ a: 1 }]), /not running in a tslab notebook kernel/);
      jupyter.lastWriteDisplayData = (content, update) => written.push({ content, update });
      displayTable([{ a: 1 }]);
    } finally {
      delete require.cache[file];
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const md = '|   a |\n|----:|\n|   1 |';
    assert.deepStrictEqual(written, [{ content: { data: { 'text/markdown': md, 'text/plain': md }, metadata: {}, transient: {} }, update: false }]);
  });
  it("takes a user's own figure of any plotly.js trace type (a heatmap, a histogram), typed by @types/plotly.js", async () => {
    // What a notebook writes: this test compiling is half of the check (the figure types are plotly.js' own).
    const heatmap: PlotlyFigure = {
      data: [{ type: 'heatmap', z: [[1, 0.2], [0.2, 1]], x: ['b1', 'b2'], y: ['b1', 'b2'], colorscale: 'RdBu', zmin: -1, zmax: 1 }],
      layout: { title: { text: 'cross-correlation' }, width: 400, height: 400 },
    };
    const histogram: PlotlyFigure = {
      data: [{ type: 'histogram', x: [0.1, 0.2, 0.2, 0.9], histnorm: 'probability', xbins: { start: 0, end: 1, size: 0.25 }, name: 'off-diagonal' }],
      layout: { barmode: 'overlay', xaxis: { title: { text: 'value' } } },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tslab-user-figure-'));
    const file = path.join(dir, 'node_modules', 'tslab', 'dist', 'jupyter.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'exports.lastWriteDisplayData = null;\n');
    const jupyter = require(file) as { lastWriteDisplayData: ((content: unknown, update: boolean) => void) | null };
    const written: { data: Record<string, unknown>; metadata: Record<string, unknown> }[] = [];
    try {
      jupyter.lastWriteDisplayData = (content) => written.push(content as (typeof written)[number]);
      await display(heatmap, { png: false });
      await display(histogram, { name: 'histogram', png: false });
    } finally {
      delete require.cache[file];
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepStrictEqual(written.map((w) => w.data[PLOTLY_MIME]), [heatmap, histogram]);
    assert.deepStrictEqual(written.map((w) => w.metadata[FIGURE_METADATA_KEY]), [{ figure: 'cross-correlation' }, { figure: 'histogram' }]);
    assert.strictEqual(written[0].data['text/plain'], "<Plotly figure 'cross-correlation': 1 traces>");
  });
});
