import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';

export type { ColumnTable };

/**
 * An arquero table (https://idl.uwdata.io/arquero) of `rows`: one column per key, in order of first appearance
 * over all rows (a row without a key holds `undefined` there), so results can be filtered, grouped and rolled up
 * in a notebook.
 *
 *     resultsFrame(summary.results).filter((d) => d.block === 4).orderby(aq.desc('top1'));
 */
export function resultsFrame<T extends object>(rows: readonly T[]): ColumnTable {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return aq.from([...rows], names);
}

/** The fields of a probe result that `seedSummaryFrame` reads (`ResultRow` and `ProbeRow` have them). */
export interface SeedResultRow {
  run: string;
  /** The representation probed (head, GSP, ...). */
  features: string;
  probe: string;
  /** 1-based. */
  block: number;
  /** Top-1 accuracy in [0, 1]. */
  top1: number;
}

/**
 * Top-1 accuracy over seeds, one row per representation, probe, run and block (grouped in that order, each in
 * order of first appearance, blocks ascending): `top1_mean` and `top1_std` in % (`top1_std` is the sample
 * standard deviation, n - 1, undefined for one seed) and `seeds`, the number of results averaged: the numbers
 * behind the accuracy figures' lines and error bars.
 *
 *     displayFrame(seedSummaryFrame(summary.results), { digits: 2 });
 */
export function seedSummaryFrame(rows: readonly SeedResultRow[]): ColumnTable {
  const rank = (key: 'features' | 'probe' | 'run'): Map<string, number> => {
    const order = new Map<string, number>();
    for (const r of rows) if (!order.has(r[key])) order.set(r[key], order.size);
    return order;
  };
  const [features, probes, runs] = [rank('features'), rank('probe'), rank('run')];
  // rollup emits groups in order of first appearance, so sorting the input orders the output.
  const sorted = [...rows].sort(
    (a, b) =>
      features.get(a.features)! - features.get(b.features)! ||
      probes.get(a.probe)! - probes.get(b.probe)! ||
      runs.get(a.run)! - runs.get(b.run)! ||
      a.block - b.block,
  );
  return aq
    .from(
      sorted.map((r) => ({ features: r.features, probe: r.probe, run: r.run, block: r.block, top1: 100 * r.top1 })),
      ['features', 'probe', 'run', 'block', 'top1'],
    )
    .groupby('features', 'probe', 'run', 'block')
    .rollup({ top1_mean: aq.op.mean('top1'), top1_std: aq.op.stdev('top1'), seeds: aq.op.count() });
}
