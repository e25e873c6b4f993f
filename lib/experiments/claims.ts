import { FeatureKind } from '../eval/features';
import { FigureId } from './preset';
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
 * - `near`: `a` is at most `tolerance` points below `b` (or above it) at `block`; it fails when the gap exceeds the
 *   tolerance by more than twice its standard error.
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

const ref = (figure: FigureId, run: string): RunRef => ({ figure, run });

/**
 * The paper's claims that the CPU-scale reproduction tests, each on the runs of the figure that makes it.
 * "Nearly matches" allows 2 points, about twice the paper's end-to-end-to-blockwise gap (71.57 - 70.48 = 1.09).
 */
export const PAPER_CLAIMS: readonly Claim[] = [
  {
    id: 'blockwise-nearly-matches-end-to-end',
    statement: 'Simultaneous blockwise training (1x1 CbE + GSP, noise 0.25) nearly matches end-to-end training at block 4',
    paper: '70.48 vs 71.57 (Fig. 4)',
    test: { kind: 'near', a: ref('fig4', 'simultaneous-cbe-noise'), b: ref('fig4', 'end-to-end'), block: 4, tolerance: 2 },
  },
  {
    id: 'simultaneous-beats-sequential',
    statement: 'Simultaneous blockwise training beats sequential blockwise training (LSP heads) at block 4',
    paper: '68.84 vs 67.12 (Fig. 4)',
    test: { kind: 'better', a: ref('fig4', 'simultaneous-lsp'), b: ref('fig4', 'sequential-lsp'), block: 4 },
  },
  {
    id: 'ssl-beats-supervised-at-last-block',
    statement: 'Self-supervised blockwise training beats supervised blockwise training at the last block (both LSP, simultaneous)',
    paper: 'supervised higher at early blocks, lower at block 4 (Fig. 4, plot only)',
    test: { kind: 'better', a: ref('fig4', 'simultaneous-lsp'), b: ref('fig4', 'supervised-lsp'), block: 4 },
  },
  {
    id: 'random-feature-gap-grows',
    statement: 'The gap between trained blocks and the random-feature baseline (block k on k - 1 untrained frozen blocks) grows with depth',
    paper: 'widens from block 2 to block 4 (Fig. 4, plot only)',
    test: {
      kind: 'gap-grows',
      trained: ref('fig4', 'simultaneous-cbe-noise'),
      baseline: (block) => ref('fig4', `random-feature-b${block}`),
      blocks: [2, 3, 4],
    },
  },
  {
    id: 'cbe-gsp-best-pooling',
    statement: 'CbE + GSP is the best pooling head at block 4 (against GSP, LSP, CbE + L2, CbE + sqrt)',
    paper: 'best at block 4 (Fig. 6, plot only)',
    test: { kind: 'best', a: ref('fig6', 'cbe-gsp'), others: ['gsp', 'lsp', 'cbe-l2', 'cbe-sqrt'].map((r) => ref('fig6', r)), block: 4 },
  },
  {
    id: 'noise-helps',
    statement: 'Feature noise (sigma 0.25, per element) helps a little',
    paper: '70.48 vs 70.15 without noise (Sec. 5)',
    test: { kind: 'better', a: ref('noise', 'element-0p25'), b: ref('noise', 'no-noise'), block: 4 },
  },
  {
    id: 'first-block-is-the-bottleneck',
    statement: 'The first block is the bottleneck: an end-to-end-trained first block lifts sequential training, and merging blocks 1 and 2 lifts simultaneous training',
    paper: '70.07 vs 67.12; merged 70.14 vs 68.84 (Fig. 7)',
    test: {
      kind: 'all',
      parts: [
        { kind: 'better', a: ref('fig7', 'e2e-first-block-sequential'), b: ref('fig7', 'sequential-lsp'), block: 4 },
        { kind: 'better', a: ref('fig7', 'merged-b1-b2'), b: ref('fig7', 'simultaneous-lsp'), block: 4 },
      ],
    },
  },
  {
    id: 'larger-cbe-filters-hurt',
    statement: 'Larger CbE filters hurt the final block: a 1x1 expansion beats a 5x5 one at block 4',
    paper: 'significantly lower at block 4 (Fig. 12, plot only)',
    test: { kind: 'better', a: ref('fig12', 'cbe-1x1'), b: ref('fig12', 'cbe-5x5'), block: 4 },
  },
  {
    id: 'wider-projector-helps-early-hurts-last',
    statement: 'A projector twice as wide helps the first block and hurts the last',
    paper: '16384 vs 8192: higher at early blocks, lower at block 4 (Fig. 13, plot only)',
    test: {
      kind: 'all',
      parts: [
        { kind: 'better', a: ref('fig13', 'wide-projector'), b: ref('fig13', 'baseline'), block: 1 },
        { kind: 'better', a: ref('fig13', 'baseline'), b: ref('fig13', 'wide-projector'), block: 4 },
      ],
    },
  },
  {
    id: 'grouped-cbe-costs-little',
    statement: 'A grouped convolution in the CbE head costs little at block 4',
    paper: 'a minor loss (Fig. 13, plot only)',
    test: { kind: 'near', a: ref('fig13', 'grouped-cbe'), b: ref('fig13', 'baseline'), block: 4, tolerance: 2 },
  },
  {
    id: 'adaptive-augmentations-hurt',
    statement: 'Easier augmentations for the early blocks (sequential training) lower accuracy at block 4',
    paper: 'significantly lower (Fig. 11, plot only)',
    test: { kind: 'better', a: ref('fig11', 'sequential-lsp'), b: ref('fig11', 'adaptive-augmentations'), block: 4 },
  },
  {
    id: 'difficulty-routing-hurts',
    statement: 'Routing examples to blocks by difficulty lowers accuracy at block 4, under every weighting tried',
    paper: 'significantly lower (Fig. 11, plot only)',
    test: {
      kind: 'best',
      a: ref('fig11', 'simultaneous-lsp'),
      others: ['routing-train-all-below', 'routing-weight-0p5', 'routing-weight-0p1'].map((r) => ref('fig11', r)),
      block: 4,
    },
  },
  {
    id: 'cifar10-blockwise-nearly-matches-end-to-end',
    statement: 'On CIFAR-10, sequential blockwise training (1x1 CbE + GSP, no noise) nearly matches end-to-end training at block 4',
    paper: 'nearly matches (Fig. 16, plot only)',
    test: { kind: 'near', a: ref('fig16', 'sequential-cbe'), b: ref('fig16', 'end-to-end'), block: 4, tolerance: 2 },
  },
];

interface Outcome {
  verdict: Verdict;
  measured: string;
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const difference = (d: MeanDifference): string => `${signed(d.diff)} +- ${d.se.toFixed(1)}`;

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
      // near: the gap b - a within the tolerance; clearly beyond it only when it exceeds it by twice its error.
      const gap = -d.diff;
      const verdict: Verdict = gap <= test.tolerance ? 'holds' : d.hasSpread && gap - 2 * d.se > test.tolerance ? 'does not hold' : 'not resolved';
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

/**
 * Fig. 15's claim (Appendix C), tested on the rows of a Fig. 15 experiment's `robustness.csv` rather than on accuracies:
 * blockwise training (simultaneous, 1x1 CbE + GSP, noise 0.25) is not more robust to common corruptions than
 * end-to-end training, and part of its higher corrupted error is its lower clean accuracy.
 */
export const ROBUSTNESS_CLAIM = {
  id: 'blockwise-not-more-robust',
  statement: 'Blockwise training is not more robust to common corruptions than end-to-end training; part of the gap is its lower clean accuracy',
  paper: 'mean error 65.68 vs 62.81 on ImageNet-C (Fig. 15); clean error 29.52 vs 28.43 (Fig. 4)',
  blockwise: 'simultaneous-cbe-noise',
  endToEnd: 'end-to-end',
} as const;
