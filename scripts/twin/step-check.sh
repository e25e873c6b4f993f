#!/usr/bin/env bash
# The whole-step check against the PyTorch twin (scripts/twin/step-check.ts, twin.py --step-check) for the cases of
# RESULTS.md: both runs of the exported preset, mid-warm-up (schedule position 175, lr 0.0499, 3 steps) and past the
# warm-up (position 400, lr 0.0999, 10 steps), the simultaneous run with its noise off and on (replayed draws).
# Our files go to $TWIN_STEP (runs/twin-step/<case>), the twin's compare.json and both logs (ours.txt, twin.txt) to
# $TWIN_RESULTS/step-check/<case>. One process at a time, one thread.
#
#   TWIN_DATA=/work/main/runs/twin-data/fig4-cifar10-long scripts/twin/step-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${TWIN_DATA:-runs/twin-data/fig4-cifar10-long}
work=${TWIN_STEP:-runs/twin-step}
results=${TWIN_RESULTS:-results/pytorch-twin}/step-check
export OMP_NUM_THREADS=1
for spec in "end-to-end 175 3 0" "simultaneous-cbe-noise 175 3 0" "simultaneous-cbe-noise 175 3 1" \
            "end-to-end 400 10 0" "simultaneous-cbe-noise 400 10 0" "simultaneous-cbe-noise 400 10 1"; do
  read -r run at k noise <<<"$spec"
  case="$run-at$at-k$k$([ "$noise" = 1 ] && echo -noise || true)"
  mkdir -p "$results/$case"
  node dist/scripts/twin/step-check.js --data "$data" --run "$run" --out "$work/$case" --steps "$k" --at "$at" --noise "$noise" \
    | tee "$results/$case/ours.txt"
  /usr/bin/python3 scripts/twin/twin.py --data "$data" --run "$run" --step-check "$work/$case" --out "$results/$case" \
    | tee "$results/$case/twin.txt"
done
