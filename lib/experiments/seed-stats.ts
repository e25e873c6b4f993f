import { FeatureKind } from '../eval/features';
import { ResultRow } from './results';

/** Top-1 accuracy of one run at one block over its seeds, in percent. */
export interface SeedStats {
  /** Mean over seeds. */
  mean: number;
  /** Sample standard deviation over seeds (n - 1 in the denominator); 0 with one seed. */
  std: number;
  /** Number of seeds. */
  n: number;
  /** The per-seed values, in seed order. */
  values: number[];
  seeds: number[];
}

/** Which rows of a results table make one `SeedStats`: a run of a figure at a block, probed one way. */
export interface SeedStatsKey {
  figure: string;
  run: string;
  /** 1-based, as in the paper. */
  block: number;
  features: FeatureKind;
  probe: string;
}

/**
 * Mean and standard deviation over seeds of the top-1 accuracy (%) of the rows matching `key`, or null when none
 * match. A seed with two rows for the key (a table concatenated twice) is an error, not a silently doubled weight.
 */
export function seedStats(rows: readonly ResultRow[], key: SeedStatsKey): SeedStats | null {
  const matching = rows.filter((r) => r.figure === key.figure && r.run === key.run && r.block === key.block && r.features === key.features && r.probe === key.probe);
  if (matching.length === 0) return null;
  const bySeed = new Map<number, number>();
  for (const r of matching) {
    if (bySeed.has(r.seed)) {
      throw new Error(`seedStats: two rows for ${key.figure}/${key.run} block ${key.block} ${key.features} ${key.probe} seed ${r.seed}`);
    }
    bySeed.set(r.seed, r.top1 * 100);
  }
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const values = seeds.map((s) => bySeed.get(s)!);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n, values, seeds };
}

/**
 * `mean +- std (n)` with one decimal, e.g. `78.4 +- 0.6 (3)`; one seed has no spread to show: `78.4 (1)`; `-` for null.
 */
export function formatSeedStats(s: SeedStats | null): string {
  if (s === null) return '-';
  return s.n > 1 ? `${s.mean.toFixed(1)} +- ${s.std.toFixed(1)} (${s.n})` : `${s.mean.toFixed(1)} (1)`;
}

/** The difference `a - b` of two seed means with its standard error sqrt(sa^2/na + sb^2/nb). */
export interface MeanDifference {
  diff: number;
  se: number;
  /** Whether both sides have at least two seeds, so `se` estimates the seed-to-seed noise. */
  hasSpread: boolean;
}

export function meanDifference(a: SeedStats, b: SeedStats): MeanDifference {
  return { diff: a.mean - b.mean, se: Math.sqrt(a.std ** 2 / a.n + b.std ** 2 / b.n), hasSpread: a.n > 1 && b.n > 1 };
}
