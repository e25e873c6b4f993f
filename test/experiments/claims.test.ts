import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  accuracyTables,
  checkClaims,
  checkRobustnessClaim,
  Claim,
  claimFigures,
  claimsOfResults,
  claimsTable,
  epochTables,
  FIGURE_IDS,
  FIGURES,
  PAPER_CLAIMS,
  preset,
  readEpochResultsTree,
  readResultsTree,
  ResultRow,
  robustnessReport,
  rewriteReportSection,
  RobustnessRow,
  RunRef,
  seedStats,
  writeEpochResults,
  writeResults,
  writeRobustnessTable,
} from '../../lib/experiments';

/** One result row: top-1 given in percent. */
function row(figure: string, run: string, block: number, top1Percent: number, seed: number, features: 'head' | 'gsp' = 'head'): ResultRow {
  return { figure: figure as ResultRow['figure'], run, method: 'simultaneous', block, features, probe: 'linear', top1: top1Percent / 100, top5: null, seed, steps: 10, dataset: 'd' };
}

/** Rows of `run` at `block` over seeds 0.. with these accuracies. */
function seeds(figure: string, run: string, block: number, values: number[]): ResultRow[] {
  return values.map((v, seed) => row(figure, run, block, v, seed));
}

const claim = (test: Claim['test']): Claim[] => [{ id: 'c', statement: 's', paper: 'p', test }];
const verdictOf = (rows: ResultRow[], test: Claim['test']) => checkClaims(rows, { features: 'head', probe: 'linear', claims: claim(test) })[0];

describe('experiments/claims', () => {
  it('seedStats: mean and sample std (n - 1) over seeds in percent; null without rows; a repeated seed is an error', () => {
    const s = seedStats(seeds('fig4', 'a', 4, [70, 72, 77]), { figure: 'fig4', run: 'a', block: 4, features: 'head', probe: 'linear' })!;
    assert.deepStrictEqual([s.n, s.seeds, s.values.map((v) => Math.round(v * 1e6) / 1e6)], [3, [0, 1, 2], [70, 72, 77]]);
    assert.ok(Math.abs(s.mean - 73) < 1e-9);
    assert.ok(Math.abs(s.std - Math.sqrt((9 + 1 + 16) / 2)) < 1e-9);
    assert.strictEqual(seedStats([], { figure: 'fig4', run: 'a', block: 4, features: 'head', probe: 'linear' }), null);
    assert.throws(() => seedStats([row('fig4', 'a', 4, 70, 0), row('fig4', 'a', 4, 71, 0)], { figure: 'fig4', run: 'a', block: 4, features: 'head', probe: 'linear' }), /two rows for fig4\/a block 4 head linear seed 0/);
  });

  it('better: holds beyond twice the standard error, fails beyond it the other way, else not resolved; one seed never resolves', () => {
    const a = { figure: 'fig4' as const, run: 'a' };
    const b = { figure: 'fig4' as const, run: 'b' };
    const test: Claim['test'] = { kind: 'better', a, b, block: 4 };
    // a - b = 2, se = sqrt(1/3 + 1/3) = 0.816: 2 > 1.63
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [71, 72, 73]), ...seeds('fig4', 'b', 4, [69, 70, 71])], test).verdict, 'holds');
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [69, 70, 71]), ...seeds('fig4', 'b', 4, [71, 72, 73])], test).verdict, 'does not hold');
    // a - b = 1 < 1.63
    const close = verdictOf([...seeds('fig4', 'a', 4, [70, 71, 72]), ...seeds('fig4', 'b', 4, [69, 70, 71])], test);
    assert.strictEqual(close.verdict, 'not resolved');
    assert.strictEqual(close.measured, 'a 71.0 +- 1.0 (3) vs b 70.0 +- 1.0 (3): +1.0 +- 0.8');
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [90]), ...seeds('fig4', 'b', 4, [10])], test).verdict, 'not resolved');
    assert.deepStrictEqual(verdictOf(seeds('fig4', 'a', 4, [90]), test), { ...verdictOf(seeds('fig4', 'a', 4, [90]), test), verdict: 'not resolved', measured: 'no results for fig4/b' });
  });

  it('near: holds clearly within the tolerance (or above), fails only clearly beyond it, needs two seeds a side', () => {
    const test: Claim['test'] = { kind: 'near', a: { figure: 'fig4', run: 'a' }, b: { figure: 'fig4', run: 'b' }, block: 4, tolerance: 2 };
    // gap 0.3, se 0.08: 0.3 + 0.16 <= 2
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [70.1, 70.2, 70.3]), ...seeds('fig4', 'b', 4, [70.4, 70.5, 70.6])], test).verdict, 'holds');
    // gap 1.5, se 0.82: within the tolerance, but 1.5 + 1.63 > 2 (a gap of 3 is not excluded)
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [69, 70, 71]), ...seeds('fig4', 'b', 4, [70.5, 71.5, 72.5])], test).verdict, 'not resolved');
    // one seed a side: no error estimate, whatever the gap
    const single = verdictOf([...seeds('fig4', 'a', 4, [70]), ...seeds('fig4', 'b', 4, [70.2])], test);
    assert.deepStrictEqual([single.verdict, single.measured], ['not resolved', 'a 70.0 (1) vs b 70.2 (1): -0.2 (no SE: one seed) (tolerance 2)']);
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [75, 75, 75]), ...seeds('fig4', 'b', 4, [70, 70, 70])], test).verdict, 'holds');
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [65, 66, 67]), ...seeds('fig4', 'b', 4, [70, 71, 72])], test).verdict, 'does not hold');
    // gap 3, se 0.82: 3 - 1.63 < 2
    assert.strictEqual(verdictOf([...seeds('fig4', 'a', 4, [67, 68, 69]), ...seeds('fig4', 'b', 4, [70, 71, 72])], test).verdict, 'not resolved');
  });

  it('gap-grows compares the trained-minus-baseline gap at the last block with the first; best needs every other run beaten', () => {
    const grows: Claim['test'] = { kind: 'gap-grows', trained: { figure: 'fig4', run: 't' }, baseline: (k) => ({ figure: 'fig4', run: `r${k}` }), blocks: [2, 3, 4] };
    const rows = [
      ...seeds('fig4', 't', 2, [70, 71, 72]), ...seeds('fig4', 'r2', 2, [69, 70, 71]),
      ...seeds('fig4', 't', 3, [72, 73, 74]), ...seeds('fig4', 'r3', 3, [69, 70, 71]),
      ...seeds('fig4', 't', 4, [75, 76, 77]), ...seeds('fig4', 'r4', 4, [69, 70, 71]),
    ];
    const c = verdictOf(rows, grows);
    assert.strictEqual(c.verdict, 'holds');
    assert.match(c.measured, /block 2 \+1\.0 \+- 0\.8, block 3 \+3\.0 \+- 0\.8, block 4 \+6\.0 \+- 0\.8; growth \+5\.0 \+- 1\.2/);
    assert.strictEqual(verdictOf(rows.filter((r) => r.run !== 'r3'), grows).measured, 'no results for r3 at block 3');

    const best: Claim['test'] = { kind: 'best', a: { figure: 'fig6', run: 'x' }, others: [{ figure: 'fig6', run: 'y' }, { figure: 'fig6', run: 'z' }], block: 4 };
    const x = seeds('fig6', 'x', 4, [80, 81, 82]);
    assert.strictEqual(verdictOf([...x, ...seeds('fig6', 'y', 4, [70, 71, 72]), ...seeds('fig6', 'z', 4, [75, 76, 77])], best).verdict, 'holds');
    assert.strictEqual(verdictOf([...x, ...seeds('fig6', 'y', 4, [70, 71, 72]), ...seeds('fig6', 'z', 4, [80, 81.5, 82])], best).verdict, 'not resolved');
    assert.strictEqual(verdictOf([...x, ...seeds('fig6', 'y', 4, [70, 71, 72]), ...seeds('fig6', 'z', 4, [90, 91, 92])], best).verdict, 'does not hold');
  });

  it("each figure's claims sit with its preset, test only its own runs, and PAPER_CLAIMS is all of them once", () => {
    const own = FIGURE_IDS.flatMap((f) => FIGURES[f].claims);
    assert.deepStrictEqual([...PAPER_CLAIMS].sort((a, b) => a.id.localeCompare(b.id)), [...own].sort((a, b) => a.id.localeCompare(b.id)));
    for (const f of FIGURE_IDS) for (const c of FIGURES[f].claims) assert.deepStrictEqual(claimFigures(c), [f], c.id);
    // RESULTS.md's claims table keeps its order.
    assert.deepStrictEqual([...new Set(PAPER_CLAIMS.flatMap(claimFigures))], ['fig4', 'fig6', 'noise', 'fig7', 'fig12', 'fig13', 'fig11', 'fig16']);
  });

  it("the paper's claims name runs that the presets have; the report tables render from results folders", () => {
    assert.strictEqual(new Set(PAPER_CLAIMS.map((c) => c.id)).size, PAPER_CLAIMS.length);
    const refs = (t: Claim['test']): RunRef[] =>
      t.kind === 'all' ? t.parts.flatMap(refs) : t.kind === 'best' ? [t.a, ...t.others] : t.kind === 'gap-grows' ? [t.trained, ...t.blocks.map(t.baseline)] : [t.a, t.b];
    for (const c of PAPER_CLAIMS) {
      for (const r of refs(c.test)) assert.ok(preset(r.figure, 'cpu').runs.some((x) => x.label === r.run), `${c.id}: ${r.figure} has no run ${r.run}`);
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-claims-'));
    try {
      fs.mkdirSync(path.join(root, 'fig4'));
      const rows = [...seeds('fig4', 'simultaneous-lsp', 4, [80, 81, 82]), ...seeds('fig4', 'sequential-lsp', 4, [76, 77, 78])];
      writeResults(path.join(root, 'fig4', 'results.csv'), rows);
      const read = readResultsTree(root);
      assert.strictEqual(read.length, 6);
      const table = claimsTable(read, [{ features: 'head', probe: 'linear' }]);
      const lines = table.split('\n');
      assert.strictEqual(lines.length, 2 + PAPER_CLAIMS.length);
      assert.match(lines[3], /^\| Simultaneous blockwise training beats sequential .* \| 68\.84 vs 67\.12 \(Fig\. 4\) \| \*\*holds\*\*: simultaneous-lsp 81\.0 \+- 1\.0 \(3\) vs sequential-lsp 77\.0 \+- 1\.0 \(3\): \+4\.0 \+- 0\.8 \|$/);
      assert.match(lines[2], /\*\*not resolved\*\*: no results for fig4\/simultaneous-cbe-noise, fig4\/end-to-end/);
      const acc = accuracyTables(read, { features: 'head', probe: 'linear' });
      assert.match(acc, /\| simultaneous-lsp \| 81\.0 \+- 1\.0 \(3\) \|/);
      assert.throws(() => readResultsTree(path.join(root, 'nope')), /does not exist/);

      // Only the claims whose figures have results (fig4 alone here): none of Fig. 6, 7, 11, 12, 13, 16 or noise.
      const fig4Claims = claimsOfResults(read);
      assert.ok(fig4Claims.length >= 3 && fig4Claims.length < PAPER_CLAIMS.length);
      for (const c of fig4Claims) assert.deepStrictEqual(claimFigures(c), ['fig4'], c.id);
      for (const c of PAPER_CLAIMS.filter((c) => !fig4Claims.includes(c))) assert.ok(claimFigures(c).some((f) => f !== 'fig4'), c.id);
      assert.strictEqual(claimsTable(read, [{ features: 'head', probe: 'linear' }], fig4Claims).split('\n').length, 2 + fig4Claims.length);

      // Block 4 against epochs, from epochs.csv rows: mean +- std over seeds at each epoch.
      const epochRows = [5, 10].flatMap((epoch) =>
        [...seeds('fig4', 'end-to-end', 4, [40 + epoch, 41 + epoch]), ...seeds('fig4', 'end-to-end', 3, [1, 2])].map((r) => ({ ...r, features: 'gsp' as const, epoch })),
      );
      writeEpochResults(path.join(root, 'fig4', 'epochs.csv'), epochRows);
      assert.deepStrictEqual(readEpochResultsTree(root), epochRows);
      const epochs = epochTables(readEpochResultsTree(root), { features: 'gsp', probe: 'linear', block: 4 }).split('\n');
      assert.strictEqual(epochs[2], '| run | epoch 5 | epoch 10 |');
      assert.strictEqual(epochs[4], '| end-to-end | 45.5 +- 0.7 (2) | 50.5 +- 0.7 (2) |');
      assert.strictEqual(epochTables(epochRows, { features: 'head', probe: 'linear', block: 4 }), '');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('the robustness claim: holds unless blockwise is clearly less error-prone over the corruptions; clean error and degradation beside it', () => {
    /** Scores of `run`: clean error `clean`, then per corruption the errors given (%), severities 1.. in order. */
    const scores = (run: string, clean: number, errors: Record<string, number[]>, seed = 0): RobustnessRow[] => [
      { corruption: 'clean', severity: 0, error: clean },
      ...Object.entries(errors).flatMap(([corruption, e]) => e.map((error, k) => ({ corruption, severity: k + 1, error }))),
    ].map(({ corruption, severity, error }) => ({ run, method: 'simultaneous', seed, steps: 10, block: 4, features: 'gsp', probe: 'linear', corruption, severity, top1: 1 - error / 100, top5: null, dataset: 'd' }));
    const e2e = scores('end-to-end', 30, { fog: [40, 50], contrast: [60, 70], snow: [50, 50] });
    const worse = scores('simultaneous-cbe-noise', 32, { fog: [43, 51], contrast: [61, 73], snow: [52, 52] });
    const baseline = scores('random-init', 80, { fog: [85, 86], contrast: [88, 90], snow: [84, 84] });
    // One seed a side: the gap's spread over corruptions says nothing of the seed, so no verdict.
    const single = checkRobustnessClaim([...e2e, ...worse, ...baseline], 'gsp');
    assert.strictEqual(single.verdict, 'not resolved');
    // Per-corruption gaps 2, 2, 2: mean 2, se 0; clean gap 2, so the degradation gap is 0.
    assert.strictEqual(single.measured, 'mean error 55.3 vs 53.3 (1 seed / 1 seed, 3 corruptions): +2.0 +- 0.0 over corruptions, no SE over seeds (one seed a side); clean error 32.0 vs 30.0: +2.0; degradation (mean - clean) +0.0; random-init mean error 86.2, clean 80.0');
    // Seed 1 of each: end-to-end 1 point worse everywhere (clean too), blockwise 1 point better: seed mean errors
    // 53.3 / 54.3 and 55.3 / 54.3, gap +1.0, seed SE sqrt(0.5 / 2 + 0.5 / 2) = 0.71; clean 30.5 and 31.5.
    const shift = (rows: RobustnessRow[], d: number) => rows.map((r) => ({ ...r, seed: 1, top1: r.top1 - d / 100 }));
    const held = checkRobustnessClaim([...e2e, ...shift(e2e, 1), ...worse, ...shift(worse, -1), ...baseline], 'gsp');
    assert.strictEqual(held.verdict, 'holds');
    assert.strictEqual(held.measured, 'mean error 54.8 vs 53.8 (2 seeds / 2 seeds, 3 corruptions): +1.0 +- 0.0 over corruptions, +- 0.7 over seeds; clean error 31.5 vs 30.5: +1.0; degradation (mean - clean) +0.0; random-init mean error 86.2, clean 80.0');
    const better = scores('simultaneous-cbe-noise', 29, { fog: [30, 40], contrast: [50, 62], snow: [40, 41] });
    assert.strictEqual(checkRobustnessClaim([...e2e, ...better], 'gsp').verdict, 'not resolved');
    assert.strictEqual(checkRobustnessClaim([...e2e, ...shift(e2e, 0.5), ...better, ...shift(better, 0.5)], 'gsp').verdict, 'does not hold');
    assert.match(checkRobustnessClaim(e2e, 'gsp').measured, /no gsp scores for simultaneous-cbe-noise/);
    assert.strictEqual(checkRobustnessClaim(e2e, 'gsp').verdict, 'not resolved');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-robustness-report-'));
    try {
      writeRobustnessTable(path.join(dir, 'robustness.csv'), 'fig15', [...e2e, ...worse]);
      const report = robustnessReport(dir);
      assert.match(report, /\| Blockwise training is not more robust .* \| mean error 65\.68 vs 62\.81 .* \| \*\*not resolved\*\*: mean error 55\.3 vs 53\.3/);
      assert.match(report, /\| simultaneous-cbe-noise \(1 seed\) \| 32\.0 \| 55\.3 \| 47\.0 \+- 5\.7 \| 67\.0 \+- 8\.5 \| 52\.0 \+- 0\.0 \|/);
      assert.throws(() => robustnessReport(path.join(dir, 'nope')), /robustness\.csv is missing/);
      // The generated section of a document is rewritten between its marker lines; the rest stays byte for byte.
      const doc = path.join(dir, 'RESULTS.md');
      const before = '# Results\r\nprose kept\n<!-- fig15:begin -->\nold table\n<!-- fig15:end -->\nafter\n';
      fs.writeFileSync(doc, before);
      assert.strictEqual(rewriteReportSection(doc, 'fig15', 'robustness', dir), `${doc}: Fig. 15 section from ${dir}`);
      const after = fs.readFileSync(doc, 'utf8');
      assert.strictEqual(after, `# Results\r\nprose kept\n<!-- fig15:begin -->\n<!-- generated by scripts/reproduce/report.sh --robustness from ${dir}; do not edit by hand -->\n\n${report}\n\n<!-- fig15:end -->\nafter\n`);
      rewriteReportSection(doc, 'fig15', 'robustness', dir);
      assert.strictEqual(fs.readFileSync(doc, 'utf8'), after, 'rewriting is idempotent');
      assert.throws(() => rewriteReportSection(doc, 'report', 'results', dir), /needs one '<!-- report:begin -->' and one '<!-- report:end -->' line, has 0 and 0/);
      fs.writeFileSync(doc, `${before}<!-- fig15:end -->\n`);
      assert.throws(() => rewriteReportSection(doc, 'fig15', 'robustness', dir), /has 1 and 2/);
      assert.strictEqual(fs.readFileSync(doc, 'utf8'), `${before}<!-- fig15:end -->\n`, 'a document with bad markers is left alone');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
