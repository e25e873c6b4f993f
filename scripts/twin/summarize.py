"""Gathers both sides of the PyTorch-twin comparison into results/pytorch-twin/ (scripts/twin/run.sh summary).

Reads our runs' linear-probe rows from the CLI's results.csv and the twin's per-run summary.csv files, and writes
into --out, each file atomically:
- summary.csv: impl,run,seed,block,features,top1 (impl 'ours' or 'pytorch'; top1 a fraction);
- table.md: per run, block and features the mean +- sample std over seeds on each side, the difference (ours minus
  PyTorch, points), its standard error sqrt(s_ours^2 / n_ours + s_torch^2 / n_torch) and whether |difference| <= 2 SE;
- torch/<run>/seed-<s>/: the twin's summary.csv, losses.csv and run.json (losses.csv, not training.csv: that name is our run summaries' format).
A run and seed missing on either side is an error naming it.

Usage: /usr/bin/python3 scripts/twin/summarize.py --ours runs/twin-ours/results.csv --torch runs/twin-torch
       --runs end-to-end,simultaneous-cbe-noise --seeds 0,1,2 --out results/pytorch-twin
"""
import argparse
import csv
import math
import os
import shutil
import statistics


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def mean_std(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else float('nan'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ours', required=True)
    ap.add_argument('--torch', required=True)
    ap.add_argument('--runs', required=True)
    ap.add_argument('--seeds', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    runs = a.runs.split(',')
    seeds = [int(s) for s in a.seeds.split(',')]
    rows = []
    with open(a.ours) as f:
        for r in csv.DictReader(f):
            if r['probe'] == 'linear' and r['run'] in runs and int(r['seed']) in seeds:
                rows.append({'impl': 'ours', 'run': r['run'], 'seed': int(r['seed']), 'block': int(r['block']), 'features': r['features'], 'top1': float(r['top1'])})
    for run in runs:
        for seed in seeds:
            if not any(r['impl'] == 'ours' and r['run'] == run and r['seed'] == seed for r in rows):
                raise SystemExit(f'summarize.py: {a.ours} has no linear-probe rows of {run} seed {seed}')
            folder = os.path.join(a.torch, run, f'seed-{seed}')
            path = os.path.join(folder, 'summary.csv')
            if not os.path.exists(path):
                raise SystemExit(f'summarize.py: the twin run {run} seed {seed} has no {path}')
            with open(path) as f:
                rows += [{**r, 'seed': int(r['seed']), 'block': int(r['block']), 'top1': float(r['top1'])} for r in csv.DictReader(f)]
            dest = os.path.join(a.out, 'torch', run, f'seed-{seed}')
            os.makedirs(dest, exist_ok=True)
            for name in ('summary.csv', 'losses.csv', 'run.json'):
                shutil.copyfile(os.path.join(folder, name), os.path.join(dest, name))
    rows.sort(key=lambda r: (r['impl'] != 'ours', runs.index(r['run']), r['features'], r['block'], r['seed']))
    write_atomic(os.path.join(a.out, 'summary.csv'), 'impl,run,seed,block,features,top1\n' +
                 ''.join(f"{r['impl']},{r['run']},{r['seed']},{r['block']},{r['features']},{r['top1']:.6f}\n" for r in rows))
    lines = ['| run | features | block | ours (%) | PyTorch (%) | ours - PyTorch | 2 SE | within 2 SE |', '|---|---|---|---|---|---|---|---|']
    keys = sorted({(r['run'], r['features'], r['block']) for r in rows}, key=lambda k: (runs.index(k[0]), k[1] != 'head', k[2]))
    for run, kind, block in keys:
        side = {impl: [100 * r['top1'] for r in rows if r['impl'] == impl and (r['run'], r['features'], r['block']) == (run, kind, block)] for impl in ('ours', 'pytorch')}
        if not side['ours'] or not side['pytorch']:
            raise SystemExit(f'summarize.py: {run} {kind} block {block} has rows on one side only')
        (mo, so), (mt, st) = mean_std(side['ours']), mean_std(side['pytorch'])
        se = math.sqrt(so ** 2 / len(side['ours']) + st ** 2 / len(side['pytorch']))
        d = mo - mt
        lines.append(f'| {run} | {kind} | {block} | {mo:.2f} +- {so:.2f} | {mt:.2f} +- {st:.2f} | {d:+.2f} | {2 * se:.2f} | {"yes" if abs(d) <= 2 * se else "**no**"} |')
    n = {impl: len({(r['run'], r['seed']) for r in rows if r['impl'] == impl}) for impl in ('ours', 'pytorch')}
    write_atomic(os.path.join(a.out, 'table.md'), '\n'.join(lines) + '\n')
    print('\n'.join(lines))
    print(f"summarize.py: {n['ours']} of our runs and {n['pytorch']} twin runs into {a.out}")


if __name__ == '__main__':
    main()
