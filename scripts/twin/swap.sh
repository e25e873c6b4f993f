#!/usr/bin/env bash
# The swap experiment: the PyTorch twin's probe (its feature extraction and linear probe) on OUR trained weights.
# For every run and seed, exports the run's last checkpoint (dist/scripts/twin/export-weights.js, with our features
# of 64 held-out images), has the twin load it (--load-ours: it checks its features against ours, then probes only),
# then gathers results/pytorch-twin/swap.{csv,md} (scripts/twin/swap_table.py) against our probes.csv and the
# twin-trained runs' summary.csv.
#
#   scripts/twin/swap.sh [probe|table|all]    (default all; one run at a time, one thread)
#
# Environment: TWIN_SEEDS (0,1,2,3,4), TWIN_RUNS (end-to-end,simultaneous-cbe-noise), TWIN_OURS (runs/twin-ours),
# TWIN_TORCH (runs/twin-torch), TWIN_SWAP (runs/twin-swap), TWIN_DATA (runs/twin-data/fig4-cifar10-long),
# TWIN_RESULTS (results/pytorch-twin). Finished swap runs (their summary.csv) are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
step=${1:-all}
seeds=${TWIN_SEEDS:-0,1,2,3,4}
runs=${TWIN_RUNS:-end-to-end,simultaneous-cbe-noise}
ours=${TWIN_OURS:-runs/twin-ours}
torch_dir=${TWIN_TORCH:-runs/twin-torch}
swap=${TWIN_SWAP:-runs/twin-swap}
data=${TWIN_DATA:-runs/twin-data/fig4-cifar10-long}
results=${TWIN_RESULTS:-results/pytorch-twin}
export OMP_NUM_THREADS=1

if [[ $step == probe || $step == all ]]; then
  for run in ${runs//,/ }; do
    for seed in ${seeds//,/ }; do
      out=$swap/$run/seed-$seed
      [[ -f $out/summary.csv ]] && continue
      mkdir -p "$out"
      node dist/scripts/twin/export-weights.js --run "$ours/$run/seed-$seed" --out "$out/ours.weights" --data "$data" --check 64
      /usr/bin/python3 scripts/twin/twin.py --data "$data" --run "$run" --seed "$seed" --threads 1 \
        --load-ours "$out/ours.weights" --out "$out"
    done
  done
fi
if [[ $step == table || $step == all ]]; then
  /usr/bin/python3 scripts/twin/swap_table.py --ours "$ours" --torch "$torch_dir" --swap "$swap" --runs "$runs" --seeds "$seeds" --out "$results"
fi
