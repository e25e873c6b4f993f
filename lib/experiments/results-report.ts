import * as fs from 'fs';
import * as path from 'path';
import { FeatureKind } from '../eval/features';
import { ClaimCheck, checkClaims, Claim, ClaimTest, PAPER_CLAIMS, ROBUSTNESS_CLAIM, Verdict } from './claims';
import { EpochResultRow, readEpochResults } from './epoch-probes';
import { FigureId } from './preset';
import { readResults, ResultRow } from './results';
import { readRobustnessTable, robustnessErrors, RobustnessRow } from './robustness';
import { formatSeedStats, seedStats } from './seed-stats';

/** Every row of the `results.csv` of each experiment folder directly under `root` (e.g. `results/cpu`), in folder order. */
export function readResultsTree(root: string): ResultRow[] {
  if (!fs.existsSync(root)) throw new Error(`readResultsTree: ${root} does not exist`);
  const rows: ResultRow[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const file = path.join(root, name, 'results.csv');
    if (fs.existsSync(file)) rows.push(...readResults(file));
  }
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/**
 * The claims table: one row per claim, the paper's number, and per representation (e.g. head and GSP features, both
 * with the linear probe) the verdict and the numbers behind it.
 */
export function claimsTable(rows: readonly ResultRow[], representations: { features: FeatureKind; probe: string }[], claims: readonly Claim[] = PAPER_CLAIMS): string {
  const checks: ClaimCheck[][] = representations.map((r) => checkClaims(rows, { ...r, claims }));
  const head = ['claim', 'paper (ImageNet top-1 %)', ...representations.map((r) => `${r.features} features, ${r.probe} probe (top-1 %, mean +- std (seeds))`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  claims.forEach((claim, i) => {
    const cells = [cell(claim.statement), cell(claim.paper), ...checks.map((c) => `**${c[i].verdict}**: ${cell(c[i].measured)}`)];
    lines.push(`| ${cells.join(' | ')} |`);
  });
  return lines.join('\n');
}

/** Per figure, a table of every run's accuracy per block (mean +- std over seeds) for one representation. */
export function accuracyTables(rows: readonly ResultRow[], { features, probe }: { features: FeatureKind; probe: string }): string {
  const out: string[] = [];
  const figures = [...new Set(rows.map((r) => r.figure))];
  for (const figure of figures) {
    const own = rows.filter((r) => r.figure === figure && r.features === features && r.probe === probe);
    if (own.length === 0) continue;
    const runs = [...new Set(own.map((r) => r.run))];
    const blocks = [...new Set(own.map((r) => r.block))].sort((a, b) => a - b);
    const dataset = [...new Set(own.map((r) => r.dataset))].join(', ');
    out.push(`**${figure}** (${dataset}), ${features} features, ${probe} probe, top-1 % (mean +- std (seeds)):`, '');
    out.push(`| run | ${blocks.map((b) => `block ${b}`).join(' | ')} |`, `|---|${blocks.map(() => '---:').join('|')}|`);
    for (const run of runs) {
      const cells = blocks.map((block) => formatSeedStats(seedStats(rows, { figure, run, block, features, probe })));
      out.push(`| ${run} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The verdict on `ROBUSTNESS_CLAIM` for one representation, and the numbers behind it. */
export interface RobustnessClaimCheck {
  features: FeatureKind;
  verdict: Verdict;
  measured: string;
}

/**
 * Tests `ROBUSTNESS_CLAIM` on a Fig. 15 experiment's rows. The blockwise model is "more robust" when its mean error is
 * below the end-to-end model's by more than twice the standard error of the gap over training seeds (from each seed's
 * mean error, two seeds a side at least): then the claim does not hold; otherwise it holds. With one seed a side the
 * verdict is "not resolved": a model's seed moves its mean error as a whole, which no spread over corruptions shows.
 * The measured numbers give the gap in mean error with its standard error over the corruptions (the paired
 * per-corruption gaps) and over seeds, beside the gap in clean error and the rest of the gap (the gap in degradation,
 * mean minus clean error), with the random-init baseline.
 */
export function checkRobustnessClaim(rows: readonly RobustnessRow[], features: FeatureKind): RobustnessClaimCheck {
  const errors = robustnessErrors(rows, { features });
  const find = (run: string) => errors.find((e) => e.run === run);
  const b = find(ROBUSTNESS_CLAIM.blockwise);
  const e = find(ROBUSTNESS_CLAIM.endToEnd);
  if (!b || !e) return { features, verdict: 'not resolved', measured: `no ${features} scores for ${!b ? ROBUSTNESS_CLAIM.blockwise : ROBUSTNESS_CLAIM.endToEnd}` };
  const gaps = b.corruptions.map((c) => {
    const other = e.corruptions.find((x) => x.corruption === c.corruption);
    if (!other) throw new Error(`checkRobustnessClaim: ${ROBUSTNESS_CLAIM.endToEnd} has no ${c.corruption} scores`);
    return c.error - other.error;
  });
  const n = gaps.length;
  const gap = gaps.reduce((a, g) => a + g, 0) / n;
  const se = n > 1 ? Math.sqrt(gaps.reduce((a, g) => a + (g - gap) ** 2, 0) / (n - 1) / n) : 0;
  const variance = (v: number[]) => v.reduce((a, x) => a + (x - v.reduce((p, y) => p + y, 0) / v.length) ** 2, 0) / (v.length - 1);
  const seeded = b.seedMeanErrors.length >= 2 && e.seedMeanErrors.length >= 2;
  const seedSe = seeded ? Math.sqrt(variance(b.seedMeanErrors) / b.seedMeanErrors.length + variance(e.seedMeanErrors) / e.seedMeanErrors.length) : null;
  const verdict: Verdict = seedSe === null ? 'not resolved' : gap < -2 * seedSe ? 'does not hold' : 'holds';
  const f = (x: number) => x.toFixed(1);
  // Rounded first, so that a gap of -0.04 reads +0.0, not -0.0.
  const signed = (x: number) => {
    const t = x.toFixed(1);
    return Number(t) === 0 ? '+0.0' : Number(t) > 0 ? `+${t}` : t;
  };
  const seeds = (x: { seeds: number[] }) => `${x.seeds.length} seed${x.seeds.length > 1 ? 's' : ''}`;
  const clean = b.cleanError !== null && e.cleanError !== null ? b.cleanError - e.cleanError : null;
  const baseline = find('random-init');
  const measured =
    `mean error ${f(b.meanError)} vs ${f(e.meanError)} (${seeds(b)} / ${seeds(e)}, ${n} corruptions): ${signed(gap)} +- ${f(se)} over corruptions, ` +
    (seedSe === null ? 'no SE over seeds (one seed a side)' : `+- ${f(seedSe)} over seeds`) +
    (clean !== null ? `; clean error ${f(b.cleanError!)} vs ${f(e.cleanError!)}: ${signed(clean)}; degradation (mean - clean) ${signed(gap - clean)}` : '') +
    (baseline ? `; random-init mean error ${f(baseline.meanError)}${baseline.cleanError !== null ? `, clean ${f(baseline.cleanError)}` : ''}` : '');
  return { features, verdict, measured };
}

/**
 * The Markdown of a Fig. 15 experiment folder (`<dir>/robustness.csv`): the claim row per representation, then per
 * representation the table of errors (clean, mean, per corruption mean +- std over severities).
 */
export function robustnessReport(dir: string): string {
  const file = path.join(path.resolve(dir), 'robustness.csv');
  if (!fs.existsSync(file)) throw new Error(`robustnessReport: ${file} is missing (reproduce fig15 writes it)`);
  const rows = readRobustnessTable(file);
  const features = [...new Set(rows.map((r) => r.features))];
  const checks = features.map((f) => checkRobustnessClaim(rows, f));
  const dataset = [...new Set(rows.map((r) => r.dataset))].join(', ');
  const corruptions = [...new Set(rows.filter((r) => r.corruption !== 'clean').map((r) => r.corruption))];
  const head = ['claim', 'paper (ImageNet-C top-1 error %)', ...features.map((f) => `block 4 ${f} features, linear probe (top-1 error %)`)];
  const out = [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    `| ${[cell(ROBUSTNESS_CLAIM.statement), cell(ROBUSTNESS_CLAIM.paper), ...checks.map((c) => `**${c.verdict}**: ${cell(c.measured)}`)].join(' | ')} |`,
    '',
    `${corruptions.length} corruptions (${corruptions.join(', ')}), severities ${[...new Set(rows.filter((r) => r.corruption !== 'clean').map((r) => r.severity))].join(', ')}, held-out images of ${dataset}:`,
  ];
  for (const f of features) {
    const errors = robustnessErrors(rows, { features: f });
    out.push('', `**${f} features**, top-1 error % (per corruption: mean +- std over severities):`, '');
    out.push(`| run | clean | mean | ${corruptions.join(' | ')} |`, `|---|---:|---:|${corruptions.map(() => '---:').join('|')}|`);
    for (const e of errors) {
      const cells = corruptions.map((c) => {
        const x = e.corruptions.find((y) => y.corruption === c);
        return x ? `${x.error.toFixed(1)} +- ${x.std.toFixed(1)}` : '-';
      });
      out.push(`| ${e.run} (${e.seeds.length} seed${e.seeds.length > 1 ? 's' : ''}) | ${e.cleanError !== null ? e.cleanError.toFixed(1) : '-'} | ${e.meanError.toFixed(1)} | ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}
/** The figures whose runs a claim's test compares. */
export function claimFigures(claim: Claim): FigureId[] {
  const figures = new Set<FigureId>();
  const visit = (t: ClaimTest): void => {
    switch (t.kind) {
      case 'better':
      case 'near':
        figures.add(t.a.figure).add(t.b.figure);
        break;
      case 'gap-grows':
        figures.add(t.trained.figure);
        for (const b of t.blocks) figures.add(t.baseline(b).figure);
        break;
      case 'best':
        figures.add(t.a.figure);
        for (const o of t.others) figures.add(o.figure);
        break;
      case 'all':
        t.parts.forEach(visit);
        break;
    }
  };
  visit(claim.test);
  return [...figures];
}

/** The claims that `rows` can speak to: those whose every compared figure has rows (the others need experiments not run). */
export function claimsOfResults(rows: readonly ResultRow[], claims: readonly Claim[] = PAPER_CLAIMS): Claim[] {
  const present = new Set(rows.map((r) => r.figure));
  return claims.filter((c) => claimFigures(c).every((f) => present.has(f)));
}

/**
 * Per figure, a table of every run's accuracy at `block` against the epochs it was probed at (`epochs.csv` rows: mean +-
 * std over seeds per epoch) for one representation: does a gap between runs grow or shrink with training?
 */
export function epochTables(rows: readonly EpochResultRow[], { features, probe, block }: { features: FeatureKind; probe: string; block: number }): string {
  const out: string[] = [];
  for (const figure of [...new Set(rows.map((r) => r.figure))]) {
    const own = rows.filter((r) => r.figure === figure && r.features === features && r.probe === probe && r.block === block);
    if (own.length === 0) continue;
    const epochs = [...new Set(own.map((r) => r.epoch))].sort((a, b) => a - b);
    const dataset = [...new Set(own.map((r) => r.dataset))].join(', ');
    out.push(`**${figure}** (${dataset}), block ${block}, ${features} features, ${probe} probe, top-1 % against epochs (mean +- std (seeds)):`, '');
    out.push(`| run | ${epochs.map((e) => `epoch ${+e.toFixed(4)}`).join(' | ')} |`, `|---|${epochs.map(() => '---:').join('|')}|`);
    for (const run of [...new Set(own.map((r) => r.run))]) {
      const cells = epochs.map((epoch) => formatSeedStats(seedStats(own.filter((r) => r.epoch === epoch), { figure, run, block, features, probe })));
      out.push(`| ${run} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Every row of the `epochs.csv` of each experiment folder directly under `root`, in folder order (none without any). */
export function readEpochResultsTree(root: string): EpochResultRow[] {
  if (!fs.existsSync(root)) throw new Error(`readEpochResultsTree: ${root} does not exist`);
  return fs
    .readdirSync(root)
    .sort()
    .flatMap((name) => readEpochResults(path.join(root, name, 'epochs.csv')));
}

/**
 * The Markdown of the results under `root` (e.g. `results/cpu`, one experiment folder per figure): the claims table
 * (head and GSP features, linear probe; the claims whose figures have results), every figure's accuracy per block
 * (linear probe on head and GSP features, kNN on GSP), and block 4 against epochs where an `epochs.csv` exists.
 */
export function resultsReport(root: string): string {
  const rows = readResultsTree(root);
  const epochs = readEpochResultsTree(root);
  const reps: { features: FeatureKind; probe: string }[] = [{ features: 'head', probe: 'linear' }, { features: 'gsp', probe: 'linear' }];
  const parts = [
    '### Claims', '', claimsTable(rows, reps, claimsOfResults(rows)), '',
    '### Accuracy per block, linear probe on head features', '', accuracyTables(rows, reps[0]),
    '### Accuracy per block, linear probe on GSP features', '', accuracyTables(rows, reps[1]),
    '### Accuracy per block, kNN probe on GSP features', '', accuracyTables(rows, { features: 'gsp', probe: 'knn' }),
  ];
  if (epochs.length > 0) {
    parts.push('### Block 4 against epochs, linear probe on GSP features', '', epochTables(epochs, { ...reps[1], block: 4 }));
    parts.push('### Block 4 against epochs, linear probe on head features', '', epochTables(epochs, { ...reps[0], block: 4 }));
  }
  return parts.join('\n');
}

/** The kinds of generated section of RESULTS.md: a results tree (`resultsReport`) or a Fig. 15 folder (`robustnessReport`). */
export type ReportKind = 'results' | 'robustness';

/**
 * Rewrites the generated part of `doc` between its `<!-- <mark>:begin -->` and `<!-- <mark>:end -->` lines from
 * `source` (a results tree or a Fig. 15 folder, by `kind`), through a temporary file and a rename; the rest of `doc`
 * is kept byte for byte. Missing or repeated marker lines are an error naming them. Returns what it wrote.
 */
export function rewriteReportSection(doc: string, mark: string, kind: ReportKind, source: string, generatedBy = 'scripts/reproduce/report.sh'): string {
  const text = fs.readFileSync(doc, 'utf8');
  const begin = `<!-- ${mark}:begin -->\n`;
  const end = `<!-- ${mark}:end -->`;
  const count = (s: string): number => text.split(s).length - 1;
  if (count(begin) !== 1 || count(`\n${end}`) !== 1) {
    throw new Error(`rewriteReportSection: ${doc} needs one '<!-- ${mark}:begin -->' and one '<!-- ${mark}:end -->' line, has ${count(begin)} and ${count(`\n${end}`)}`);
  }
  const a = text.indexOf(begin) + begin.length;
  const b = text.indexOf(`\n${end}`) + 1;
  if (b < a) throw new Error(`rewriteReportSection: ${doc}: '<!-- ${mark}:end -->' comes before its begin line`);
  const body = kind === 'results' ? `${resultsReport(source)}\n` : `${robustnessReport(source)}\n\n`;
  const by = kind === 'results' ? generatedBy : `${generatedBy} --robustness`;
  const tmp = `${doc}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${text.slice(0, a)}<!-- generated by ${by} from ${source}; do not edit by hand -->\n\n${body}${text.slice(b)}`);
  fs.renameSync(tmp, doc);
  return kind === 'results' ? `${doc}: ${readResultsTree(source).length} result rows from ${source}` : `${doc}: Fig. 15 section from ${source}`;
}
