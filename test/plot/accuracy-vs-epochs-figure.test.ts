import * as assert from 'assert';
import { accuracyVsEpochsFigure, EpochAccuracyRow, PlotlyScatterTrace, SERIES_COLORS } from '../../lib/plot';

function row(run: string, seed: number, epoch: number, top1: number, extra: Partial<EpochAccuracyRow> = {}): EpochAccuracyRow {
  return { run, block: 4, features: 'gsp', probe: 'linear', seed, epoch, top1, ...extra };
}

describe('plot/accuracyVsEpochsFigure', () => {
  it('one line per run: mean over seeds in %, sample-std error bars, epochs sorted; other blocks, features and probes left out', () => {
    const rows = [
      row('end-to-end', 0, 10, 0.5),
      row('end-to-end', 1, 10, 0.6),
      row('end-to-end', 0, 5, 0.4),
      row('end-to-end', 1, 5, 0.4),
      row('sequential-lsp', 0, 5, 0.3),
      row('sequential-lsp', 0, 10, 0.45),
      row('end-to-end', 0, 5, 0.9, { block: 3 }),
      row('end-to-end', 0, 5, 0.9, { features: 'head' }),
      row('end-to-end', 0, 5, 0.9, { probe: 'knn' }),
    ];
    const fig = accuracyVsEpochsFigure(rows, { block: 4, representation: 'gsp', probe: 'linear' });
    const [e2e, seq] = fig.data as PlotlyScatterTrace[];
    assert.strictEqual(fig.data.length, 2);
    assert.deepStrictEqual([e2e.name, e2e.x, e2e.line?.color], ['end-to-end', [5, 10], SERIES_COLORS[0]]);
    assert.ok(Math.abs((e2e.y as number[])[0] - 40) < 1e-9 && Math.abs((e2e.y as number[])[1] - 55) < 1e-9);
    // Sample std of 50 and 60: sqrt(50) = 7.071...
    const bars = e2e.error_y!.array as number[];
    assert.ok(Math.abs(bars[0]) < 1e-9 && Math.abs(bars[1] - Math.sqrt(50)) < 1e-9, `${bars}`);
    assert.deepStrictEqual([seq.name, seq.x, seq.y, seq.error_y!.array], ['sequential-lsp', [5, 10], [30, 45], [0, 0]]);
    assert.match(String(fig.layout.title?.text), /Block 4 accuracy against training epochs \(gsp, linear probe\)/);
  });

  it('no matching rows or a non-finite value is an error', () => {
    assert.throws(() => accuracyVsEpochsFigure([row('a', 0, 1, 0.5)], { block: 2, representation: 'gsp', probe: 'linear' }), /no rows of block 2, gsp features, probe 'linear'/);
    assert.throws(() => accuracyVsEpochsFigure([row('a', 0, NaN, 0.5)], { block: 4, representation: 'gsp', probe: 'linear' }), /run 'a' seed 0 has epoch NaN/);
  });
});
