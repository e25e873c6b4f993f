#!/usr/bin/python3
"""Rewrites the README's gallery (between its `<!-- gallery:begin -->` and `<!-- gallery:end -->` lines) from the PNGs
that `run-notebooks.py --scale cpu --gallery docs/figures` wrote: one image per PNG, in notebook order, captioned with
the figure's subject (below), the number of seeds in results/cpu/<experiment>/results.csv and what the figure plots
(from the notebook metadata's `blockwise_ssl.figures`).

    /usr/bin/python3 scripts/notebooks/gallery-readme.py [README.md]
"""
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What each notebook's runs compare, in the caption's words.
SUBJECTS = {
    "fig4": ("Fig. 4", "end-to-end, simultaneous (CbE + noise, LSP), sequential, supervised blockwise, random-feature and random-init"),
    "fig5": ("Fig. 5", "VICReg and SimCLR, end-to-end vs simultaneous blockwise"),
    "fig6": ("Fig. 6", "pooling heads GSP, LSP, CbE + GSP / L2 / sqrt"),
    "fig7": ("Fig. 7", "first block trained end-to-end, blocks 1 and 2 merged"),
    "fig8": ("Fig. 8", "five models"),
    "fig9": ("Fig. 9", "fixed vs adjusted invariance targets (0.6 / 0.75 / 0.9 / 1), with end-to-end"),
    "fig10": ("Fig. 10", "lambda of the first block 0.0051 / 0.02 / 0.1 / 0.5 (blocks 2-4 end-to-end)"),
    "fig11": ("Fig. 11", "adaptive augmentations (sequential) and difficulty-based routing (simultaneous)"),
    "fig12": ("Fig. 12", "CbE filter size 1x1 / 3x3 / 5x5"),
    "fig13": ("Fig. 13", "projector hidden width 256 vs 512, CbE with 4 groups"),
    "fig14": ("Fig. 14", "probe learning rates 0.1 / 0.3 / 1"),
    "fig16": ("Fig. 16", "CIFAR-10 at 24x24 views, end-to-end vs sequential CbE, with random-init"),
    "noise": ("Noise ablation", "sigma 0 / 0.25 / 0.5 per element, 0.25 per location"),
}

# What a figure of the notebook metadata plots.
PLOTS = {
    "accuracy per block, head features": "linear-probe top-1 per block on the pooling-head output (the paper's probe; open diamonds: the paper's ImageNet numbers)",
    "accuracy per block, gsp features": "linear-probe top-1 per block on the block output averaged over positions (GSP)",
    "cross-correlation violins": "on- and off-diagonal Barlow Twins cross-correlation terms of GSP block features per block",
}


def seeds(experiment):
    with open(ROOT / "results" / "cpu" / experiment / "results.csv", newline="") as f:
        return len({row["seed"] for row in csv.DictReader(f)})


def main():
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md"
    entries = []
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        meta = json.loads(nb_path.read_text())["metadata"]["blockwise_ssl"]
        experiment, figures = meta["experiment"], meta["figures"]
        title, subject = SUBJECTS[experiment]
        for n, figure in enumerate(figures, start=1):
            png = ROOT / "docs" / "figures" / f"{nb_path.stem}-{n}.png"
            if not png.exists():
                continue
            k = seeds(experiment)
            entries.append(
                f"![{title}, {figure}]({png.relative_to(ROOT)})\n"
                f"*{title}: {subject}, {k} seed{'s' if k != 1 else ''}: {PLOTS[figure]}.*\n"
            )
    text = readme.read_text()
    begin, end = "<!-- gallery:begin -->\n", "<!-- gallery:end -->"
    if begin not in text or end not in text:
        sys.exit(f"gallery-readme: {readme} has no {begin.strip()} / {end} lines")
    a, b = text.index(begin) + len(begin), text.index(end)
    readme.write_text(text[:a] + "\n" + "\n".join(entries) + "\n" + text[b:])
    print(f"{readme}: {len(entries)} gallery images")


if __name__ == "__main__":
    main()
