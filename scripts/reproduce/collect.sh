#!/usr/bin/env bash
# Saves what summarises each experiment folder of a reproduction, without checkpoints, for committing: for every
# SOURCE/<figure>/ holding a preset.json, DEST/<figure>/ gets preset.json, results.csv and per run folder
# (<label>/ or <label>/seed-<s>/) config.json, status.json, probes.csv, statistics.json (Fig. 8) and training.csv
# (metrics.jsonl every 50 steps). DEST/<figure>/ is replaced. The notebooks show these at cpu / paper scale
# (loadExperiment); see collectExperiment in lib/experiments/collect-experiment.ts.
#   scripts/reproduce/collect.sh [SOURCE [DEST]]   (default: runs/cpu results/cpu; needs `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
src=${1:-runs/cpu}
dest=${2:-results/cpu}
lib=dist/lib/experiments/collect-experiment.js
[ -f "$lib" ] || { echo "collect.sh: $lib is missing; run npm run build first" >&2; exit 1; }
[ -d "$src" ] || { echo "collect.sh: $src is not a folder" >&2; exit 1; }

found=0
for experiment in "$src"/*/; do
  experiment=${experiment%/}
  [ -f "$experiment/preset.json" ] || continue
  found=1
  if [ ! -f "$experiment/results.csv" ]; then
    echo "skip $experiment: no results.csv yet (its first run has not finished)"
    continue
  fi
  node -e '
    const { collectExperiment } = require(process.argv[1]);
    const c = collectExperiment(process.argv[2], process.argv[3]);
    const states = c.runs.map((r) => r.state).reduce((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
    const runs = Object.entries(states).map(([s, n]) => `${n} ${s}`).join(", ");
    console.log(`${process.argv[2]} -> ${process.argv[3]}: ${c.runs.length} run(s) (${runs}), ${c.files.length} files, ${Math.round(c.bytes / 1024)} KB`);
  ' "$PWD/$lib" "$experiment" "$dest/$(basename "$experiment")"
done
[ "$found" = 1 ] || echo "collect.sh: no experiment folder (with a preset.json) under $src" >&2
