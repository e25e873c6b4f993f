import { FeatureKind } from '../eval/features';
import { FigureId } from './preset';
import { FIGURE_IDS, FIGURES } from './presets';
import { ResultRow } from './results';
import { formatSeedStats, meanDifference, MeanDifference, SeedStats, seedStats } from './seed-stats';

/** A run of a figure's experiment. */
export interface RunRef {
  figure: FigureId;
  run: string;
}

/**
 * How a claim is tested on top-1 accuracies (%) averaged over seeds, a difference counting when it exceeds twice its
 * standard error sqrt(sa^2/na + sb^2/nb) (and both sides have two seeds or more, so that the error is estimated):
 * - `better`: `a` beats `b` at `block`.
 * - `near`: `a` is at most `tolerance` points below `b` (or above it) at `block`, as an equivalence test: it holds when
 *   the gap stays within the tolerance by more than twice its standard error, fails when it exceeds the tolerance by
 *   more than that, and is not resolved in between or with a single seed on either side.
 * - `gap-grows`: the gap between `trained` and its baseline (`baseline(block)`) is larger at the last of `blocks`
 *   than at the first.
 * - `best`: `a` beats each of `others` at `block`.
 * - `all`: every part holds.
 */
export type ClaimTest =
  | { kind: 'better'; a: RunRef; b: RunRef; block: number }
  | { kind: 'near'; a: RunRef; b: RunRef; block: number; tolerance: number }
  | { kind: 'gap-grows'; trained: RunRef; baseline: (block: number) => RunRef; blocks: number[] }
  | { kind: 'best'; a: RunRef; others: RunRef[]; block: number }
  | { kind: 'all'; parts: ClaimTest[] };

/** A finding of the paper, with its numbers, and how to test it on our runs. */
export interface Claim {
  id: string;
  /** The finding, in the paper's terms. */
  statement: string;
  /** What the paper measured (ImageNet top-1, linear probe on the block-4 head), or where it shows it. */
  paper: string;
  test: ClaimTest;
}

export type Verdict = 'holds' | 'does not hold' | 'not resolved';

/** A claim tested on one representation and probe. */
export interface ClaimCheck {
  claim: Claim;
  features: FeatureKind;
  probe: string;
  verdict: Verdict;
  /** The numbers behind the verdict, e.g. `simultaneous-lsp 79.5 +- 0.3 (3) vs sequential-lsp 78.5 +- 0.4 (3): +1.0 +- 0.3`. */
  measured: string;
}

/**
 * The order in which the claims of these figures are listed (that of RESULTS.md's claims table since the figures were
 * first run); any other figure's claims follow, in the paper's order.
 */
const CLAIMS_ORDER: readonly FigureId[] = ['fig4', 'fig6', 'noise', 'fig7', 'fig12', 'fig13', 'fig11', 'fig16'];

/**
 * The paper's claims that the CPU-scale reproduction tests, each on the runs of the figure that makes it: every
 * figure's `claims` (kept in its file under `figures/`, beside its preset). "Nearly matches" allows 2 points, about
 * twice the paper's end-to-end-to-blockwise gap (71.57 - 70.48 = 1.09).
 */
export const PAPER_CLAIMS: readonly Claim[] = [...CLAIMS_ORDER, ...FIGURE_IDS.filter((f) => !CLAIMS_ORDER.includes(f))].flatMap((f) => FIGURES[f].claims);

interface Outcome {
  verdict: Verdict;
  measured: string;
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
/** `+1.0 +- 0.8`; without a standard error (one seed on a side) `+1.0 (no SE: one seed)`, not a false `+- 0.0`. */
const difference = (d: MeanDifference): string => (d.hasSpread ? `${signed(d.diff)} +- ${d.se.toFixed(1)}` : `${signed(d.diff)} (no SE: one seed)`);

/** A direction test on a difference: beyond twice its standard error one way or the other, or not resolved. */
function direction(d: MeanDifference): Verdict {
  if (d.hasSpread && d.diff > 2 * d.se) return 'holds';
  if (d.hasSpread && d.diff < -2 * d.se) return 'does not hold';
  return 'not resolved';
}

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.every((v) => v === 'holds')) return 'holds';
  if (verdicts.includes('does not hold')) return 'does not hold';
  return 'not resolved';
}

function evaluate(rows: readonly ResultRow[], test: ClaimTest, features: FeatureKind, probe: string): Outcome {
  const stats = (r: RunRef, block: number): SeedStats | null => seedStats(rows, { ...r, block, features, probe });
  const label = (r: RunRef, s: SeedStats | null): string => `${r.run} ${formatSeedStats(s)}`;
  const missing = (what: string): Outcome => ({ verdict: 'not resolved', measured: `no results for ${what}` });
  switch (test.kind) {
    case 'better':
    case 'near': {
      const a = stats(test.a, test.block);
      const b = stats(test.b, test.block);
      if (a === null || b === null) return missing([a === null ? `${test.a.figure}/${test.a.run}` : null, b === null ? `${test.b.figure}/${test.b.run}` : null].filter((x) => x).join(', '));
      const d = meanDifference(a, b);
      const measured = `${label(test.a, a)} vs ${label(test.b, b)}: ${difference(d)}`;
      if (test.kind === 'better') return { verdict: direction(d), measured };
      // near: the gap b - a clearly within the tolerance, or clearly beyond it, by twice its error.
      const gap = -d.diff;
      const verdict: Verdict = !d.hasSpread ? 'not resolved' : gap + 2 * d.se <= test.tolerance ? 'holds' : gap - 2 * d.se > test.tolerance ? 'does not hold' : 'not resolved';
      return { verdict, measured: `${measured} (tolerance ${test.tolerance})` };
    }
    case 'gap-grows': {
      const gaps: { block: number; d: MeanDifference }[] = [];
      for (const block of test.blocks) {
        const t = stats(test.trained, block);
        const base = test.baseline(block);
        const b = stats(base, block);
        if (t === null || b === null) return missing(`${t === null ? test.trained.run : base.run} at block ${block}`);
        gaps.push({ block, d: meanDifference(t, b) });
      }
      const first = gaps[0].d;
      const last = gaps[gaps.length - 1].d;
      const growth: MeanDifference = { diff: last.diff - first.diff, se: Math.sqrt(first.se ** 2 + last.se ** 2), hasSpread: first.hasSpread && last.hasSpread };
      const measured = `${test.trained.run} minus random-feature: ${gaps.map((g) => `block ${g.block} ${difference(g.d)}`).join(', ')}; growth ${difference(growth)}`;
      return { verdict: direction(growth), measured };
    }
    case 'best': {
      const a = stats(test.a, test.block);
      if (a === null) return missing(`${test.a.figure}/${test.a.run}`);
      const parts: string[] = [label(test.a, a)];
      const verdicts: Verdict[] = [];
      for (const o of test.others) {
        const s = stats(o, test.block);
        if (s === null) return missing(`${o.figure}/${o.run}`);
        const d = meanDifference(a, s);
        verdicts.push(direction(d));
        parts.push(`${label(o, s)} (${difference(d)})`);
      }
      return { verdict: combine(verdicts), measured: parts.join('; ') };
    }
    case 'all': {
      const outcomes = test.parts.map((p) => evaluate(rows, p, features, probe));
      return { verdict: combine(outcomes.map((o) => o.verdict)), measured: outcomes.map((o) => o.measured).join('; ') };
    }
    default:
      throw new Error(`checkClaims: unknown test kind ${(test as { kind: string }).kind}`);
  }
}

/**
 * Tests `claims` on the rows of one or more experiments' `results.csv` (their `figure` column tells them apart), each
 * on the `features` / `probe` representation: the verdict and the numbers behind it (mean +- std over seeds, n).
 *
 *     checkClaims([...readResults('results/cpu/fig4/results.csv'), ...], { features: 'head', probe: 'linear' });
 */
export function checkClaims(
  rows: readonly ResultRow[],
  { features, probe, claims = PAPER_CLAIMS }: { features: FeatureKind; probe: string; claims?: readonly Claim[] },
): ClaimCheck[] {
  return claims.map((claim) => ({ claim, features, probe, ...evaluate(rows, claim.test, features, probe) }));
}

export { ROBUSTNESS_CLAIM } from './figures/fig15-robustness';
