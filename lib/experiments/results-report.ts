import * as fs from 'fs';
import * as path from 'path';
import { FeatureKind } from '../eval/features';
import { ClaimCheck, checkClaims, Claim, ClaimTest, PAPER_CLAIMS } from './claims';
import { EpochResultRow, readEpochResults } from './epoch-probes';
import { FigureId } from './preset';
import { readResults, ResultRow } from './results';
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
