"""Tabulates the whole-step check (scripts/twin/step-check.sh): results/pytorch-twin/step-check/<case>/compare.json -> table.md.

Per case and step: the largest relative difference of the block losses and, over all parameter and batch-norm statistic
tensors, the largest rel_update (max |a - b| over max |b - init|, the update's relative difference) of ours against
the float32 twin, ours against the float64 twin, the float32 twin against the float64 twin (what float32 arithmetic
alone gives), and, with the noise on, the float32 twin scaled by our noise stds against ours.

Usage: python3 scripts/twin/step_table.py [results/pytorch-twin/step-check]
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else 'results/pytorch-twin/step-check'
cols = ['twin32_vs_ours', 'ours_vs_twin64', 'twin32_vs_twin64', 'twin32_ourstd_vs_ours']
lines = ['| case | step | lr | loss rel ours vs twin64 | loss rel twin32 vs twin64 | ' + ' | '.join(f'max rel_update {c}' for c in cols) + ' | largest ours_vs_twin64 (twin32_vs_twin64) |',
         '|' + '---|' * (6 + len(cols))]
for case in sorted(os.listdir(root)):
    f = os.path.join(root, case, 'compare.json')
    if not os.path.exists(f):
        continue
    d = json.load(open(f))
    for s in d['steps']:
        t = s['tensors']
        vals = []
        for c in cols:
            v = [x[c]['rel_update'] for x in t.values() if c in x]
            vals.append(f'{max(v):.2g}' if v else '-')
        worst = max(t, key=lambda k: t[k]['ours_vs_twin64']['rel_update'])
        lines.append(f"| {case} | {s['step']} | {s['lr']:.4f} | {max(s['loss_rel_ours_vs_twin64']):.2g} | {max(s['loss_rel_twin32_vs_twin64']):.2g} | "
                     + ' | '.join(vals) + f" | {worst} {t[worst]['ours_vs_twin64']['rel_update']:.2g} ({t[worst]['twin32_vs_twin64']['rel_update']:.2g}) |")
text = '\n'.join(lines) + '\n'
open(os.path.join(root, 'table.md'), 'w').write(text)
print(text)
