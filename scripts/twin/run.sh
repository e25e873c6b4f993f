#!/usr/bin/env bash
# Run-level agreement with PyTorch: the same preset runs trained and probed by our library (the CLI) and by the
# PyTorch twin (scripts/twin/twin.py), then gathered into results/pytorch-twin/summary.csv with the per-block table.
#
#   scripts/twin/run.sh [ours|torch|summary|all]      (default all; each side one run at a time, one thread)
#
# Environment: TWIN_EPOCHS (1), TWIN_WARMUP (0.05: the preset's one warm-up epoch of twenty, scaled to the run),
# TWIN_SEEDS (0,1,2), TWIN_RUNS (end-to-end,simultaneous-cbe-noise), TWIN_OURS (runs/twin-ours), TWIN_TORCH
# (runs/twin-torch), TWIN_RESULTS (results/pytorch-twin). Finished twin runs (their summary.csv) are skipped; the
# CLI continues its own folder. The summary step also saves our runs' summaries (no checkpoints) into $TWIN_RESULTS/ours.
set -euo pipefail
cd "$(dirname "$0")/../.."
side=${1:-all}
epochs=${TWIN_EPOCHS:-1}
warmup=${TWIN_WARMUP:-0.05}
seeds=${TWIN_SEEDS:-0,1,2}
runs=${TWIN_RUNS:-end-to-end,simultaneous-cbe-noise}
ours=${TWIN_OURS:-runs/twin-ours}
torch_dir=${TWIN_TORCH:-runs/twin-torch}
results=${TWIN_RESULTS:-results/pytorch-twin}
data=runs/twin-data/fig4-cifar10-long
export OMP_NUM_THREADS=1

if [[ $side == ours || $side == all ]]; then
  node dist/lib/cli/main.js reproduce fig4 --scale cifar10-long --runs "$runs" --seeds "$seeds" \
    --epochs "$epochs" --warmup-epochs "$warmup" --out "$ours"
fi
if [[ $side == torch || $side == all ]]; then
  # Exported afresh every time (seconds), so the twin reads the preset as the CLI resolves it now.
  node dist/scripts/twin/export-data.js --runs "$runs" --out "$data"
  for run in ${runs//,/ }; do
    for seed in ${seeds//,/ }; do
      out=$torch_dir/$run/seed-$seed
      [[ -f $out/summary.csv ]] && continue
      /usr/bin/python3 scripts/twin/twin.py --data "$data" --run "$run" --seed "$seed" --epochs "$epochs" \
        --warmup-epochs "$warmup" --threads 1 --out "$out"
    done
  done
fi
if [[ $side == summary || $side == all ]]; then
  node -e 'require("./dist/lib/experiments/collect-experiment").collectExperiment(process.argv[1], process.argv[2])' "$ours" "$results/ours"
  /usr/bin/python3 scripts/twin/summarize.py --ours "$ours/results.csv" --torch "$torch_dir" --runs "$runs" --seeds "$seeds" --out "$results"
fi
