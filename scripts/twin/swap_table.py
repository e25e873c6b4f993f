"""Gathers the swap experiment (scripts/twin/swap.sh) into results/pytorch-twin/swap.{csv,md}.

Three cells per run, block and features, over the same seeds:
- ours/ours: our trained weights, our probe (the linear rows of each run folder's probes.csv, its newest step);
- ours/pytorch: our trained weights, the twin's feature extraction and probe (twin.py --load-ours: runs/twin-swap);
- pytorch/pytorch: the twin's own training and probe (runs/twin-torch).
Writes into --out, each file atomically:
- swap.csv: impl_train,impl_probe,run,seed,block,features,top1 (top1 a fraction);
- swap.md: per run, features and block the mean +- sample std (points) of each cell, the paired difference
  ours/pytorch - ours/ours (same weights; mean +- std over seeds) and the difference ours/pytorch - pytorch/pytorch
  (different training) with 2 SE = 2 sqrt(s1^2 / n1 + s2^2 / n2).
A run and seed missing anywhere is an error naming it.

Usage: /usr/bin/python3 scripts/twin/swap_table.py --ours runs/twin-ours --torch runs/twin-torch --swap runs/twin-swap
       --runs end-to-end,simultaneous-cbe-noise --seeds 0,1,2,3,4 --out results/pytorch-twin
"""
import argparse
import csv
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summarize import write_atomic  # noqa: E402


def read(path):
    if not os.path.exists(path):
        raise SystemExit(f'swap_table.py: {path} is missing')
    with open(path) as f:
        return list(csv.DictReader(f))


def mean_std(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else float('nan'))


CELLS = [('ours', 'ours'), ('ours', 'pytorch'), ('pytorch', 'pytorch')]


def main():
    ap = argparse.ArgumentParser()
    for k in ('ours', 'torch', 'swap', 'runs', 'seeds', 'out'):
        ap.add_argument(f'--{k}', required=True)
    a = ap.parse_args()
    runs = a.runs.split(',')
    seeds = [int(s) for s in a.seeds.split(',')]
    rows = []
    for run in runs:
        for seed in seeds:
            probes = [r for r in read(os.path.join(a.ours, run, f'seed-{seed}', 'probes.csv')) if r['probe'] == 'linear']
            if not probes:
                raise SystemExit(f'swap_table.py: {a.ours}/{run}/seed-{seed}/probes.csv has no linear rows')
            last = max(int(r['steps']) for r in probes)
            latest = {}
            for r in probes:
                if int(r['steps']) == last:
                    latest[(int(r['block']), r['features'])] = float(r['top1'])  # a re-probe appended later wins
            rows += [('ours', 'ours', run, seed, b, k, v) for (b, k), v in latest.items()]
            for impl, folder in (('ours', a.swap), ('pytorch', a.torch)):
                for r in read(os.path.join(folder, run, f'seed-{seed}', 'summary.csv')):
                    rows.append((impl, 'pytorch', run, seed, int(r['block']), r['features'], float(r['top1'])))
    rows.sort(key=lambda r: (CELLS.index((r[0], r[1])), runs.index(r[2]), r[5] != 'head', r[4], r[3]))
    write_atomic(os.path.join(a.out, 'swap.csv'), 'impl_train,impl_probe,run,seed,block,features,top1\n' +
                 ''.join(f'{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]},{r[6]:.6f}\n' for r in rows))
    lines = ['| run | features | block | ours-trained, ours-probe (%) | ours-trained, twin-probe (%) | twin-trained, twin-probe (%) | twin-probe - ours-probe, same weights (paired) | ours-trained - twin-trained, twin probe | 2 SE |',
             '|---|---|---|---|---|---|---|---|---|']
    keys = sorted({(r[2], r[5], r[4]) for r in rows}, key=lambda k: (runs.index(k[0]), k[1] != 'head', k[2]))
    for run, kind, block in keys:
        cell = {}
        for c in CELLS:
            cell[c] = {r[3]: 100 * r[6] for r in rows if (r[0], r[1], r[2], r[5], r[4]) == (*c, run, kind, block)}
            if sorted(cell[c]) != seeds:
                raise SystemExit(f'swap_table.py: {run} {kind} block {block} ({c[0]}-trained, {c[1]} probe) has seeds {sorted(cell[c])}, not {seeds}')
        stats = {c: mean_std(list(cell[c].values())) for c in CELLS}
        paired = [cell[('ours', 'pytorch')][s] - cell[('ours', 'ours')][s] for s in seeds]
        pm, ps = mean_std(paired)
        (m1, s1), (m2, s2) = stats[('ours', 'pytorch')], stats[('pytorch', 'pytorch')]
        se = math.sqrt(s1 ** 2 / len(seeds) + s2 ** 2 / len(seeds))
        lines.append(f'| {run} | {kind} | {block} | ' + ' | '.join(f'{m:.2f} +- {s:.2f}' for m, s in stats.values()) +
                     f' | {pm:+.2f} +- {ps:.2f} | {m1 - m2:+.2f} | {2 * se:.2f} |')
    intro = [f'Swap experiment (scripts/twin/swap.sh): linear-probe top-1 (%) of GSP / head features, mean +- sample std over seeds {a.seeds};',
             'the twin-probe of our weights loads them with twin.py --load-ours after checking its features of 64 held-out images against ours.', '']
    write_atomic(os.path.join(a.out, 'swap.md'), '\n'.join(intro + lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
